//! How long an outcome waits between the simulator's answer and its record
//! committed in the registre (in the WAL, not necessarily synced): the
//! figure of BENCHMARKS.md. A 200-row run of `loopbatch run`
//! (provisionCompany calls) goes through a timing proxy in front of the
//! embedded simulator, which notes when it hands each answer back; a poller
//! reads the run's registre every 100 µs and notes when each outcome
//! appears. Prints p50, p99, max.
//!
//! Run: `cargo build --release && cargo run --release --example journal_latency`
//! (LOOPBATCH_BIN picks the binary; default target/release/loopbatch, else
//! target/debug/loopbatch; LOOPBATCH_ROWS sets the rows, default 200).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{Request, Response};
use loopbatch::simulator::{self, Dossier, Faults, Model, Options};

type Answered = Arc<Mutex<HashMap<String, Instant>>>;

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    answered: Answered,
}

/// Forwards a request to the simulator and notes when its answer is handed
/// back, by the dossier's code in the body.
async fn forward(State(p): State<Proxy>, req: Request<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    let code = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["codeDossier"].as_str().map(str::to_string))
        .unwrap_or_default();
    let url = format!("{}{}", p.upstream, parts.uri.path());
    let mut r = p.client.request(parts.method.clone(), url).headers(parts.headers.clone()).body(body);
    r = r.timeout(Duration::from_secs(30));
    let Ok(answer) = r.send().await else {
        return Response::builder().status(502).body(Body::empty()).unwrap_or_default();
    };
    let mut out = Response::builder().status(answer.status().as_u16());
    for (k, v) in answer.headers() {
        out = out.header(k, v);
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    p.answered.lock().unwrap().insert(code, Instant::now());
    out.body(Body::from(bytes)).unwrap_or_default()
}

fn binary() -> PathBuf {
    if let Some(b) = std::env::var_os("LOOPBATCH_BIN") {
        // The run's folder is another: a relative path is made absolute.
        return std::path::absolute(PathBuf::from(&b)).unwrap_or_else(|_| b.into());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let release = root.join("release/loopbatch");
    if release.exists() { release } else { root.join("debug/loopbatch") }
}

/// Notes when each outcome first appears committed in the registre.
fn poll_registre(path: PathBuf, stop: Arc<AtomicBool>) -> HashMap<u64, Instant> {
    let mut seen = HashMap::new();
    let mut conn = None;
    while !stop.load(Ordering::SeqCst) {
        if conn.is_none() && path.exists() {
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
            conn = rusqlite::Connection::open_with_flags(&path, flags).ok();
        }
        if let Some(c) = &conn {
            let calls: Vec<i64> = c
                .prepare_cached("SELECT call FROM attempts WHERE event = 'answered'")
                .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
                .unwrap_or_default();
            let now = Instant::now();
            for call in calls {
                seen.entry(call as u64).or_insert(now);
            }
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    seen
}

fn main() {
    let rows: usize = std::env::var("LOOPBATCH_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut model = Model::default();
    for i in 0..rows {
        let code = format!("B{i:05}");
        let d = Dossier {
            object_id: format!("id-{code}"),
            code: code.clone(),
            raison_sociale: format!("Société {code}"),
            nom_usuel: String::new(),
            statut: "A préparer".into(),
            maitre_dossier: "claire.masson@cabinet-exemple.fr".into(),
            engagement_manager: "olivier.renaud@cabinet-exemple.fr".into(),
            offers: Default::default(),
        };
        model.dossiers.insert(code, d);
    }
    let faults = Faults { latency: Duration::from_millis(5), jitter: Duration::from_millis(4), ..Default::default() };
    let sim = rt.block_on(simulator::start(Options { model, faults, ..Default::default() }, 0)).unwrap();
    let answered: Answered = Arc::default();
    let proxy = Proxy {
        upstream: format!("http://{}", sim.addr),
        client: reqwest::Client::builder().no_proxy().build().unwrap(),
        answered: answered.clone(),
    };
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    rt.spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let mut sheet = String::from("action;code_dossier\n");
    for i in 0..rows {
        sheet.push_str(&format!("provisionner;B{i:05}\n"));
    }
    std::fs::write(dir.path().join("p.csv"), sheet).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let poller = {
        let (path, stop) = (dir.path().join("registre.sqlite3"), stop.clone());
        std::thread::spawn(move || poll_registre(path, stop))
    };
    let base = sim.base_url.replace(&sim.addr.to_string(), &addr.to_string());
    let status = std::process::Command::new(binary())
        .current_dir(dir.path())
        .args(["run", "p.csv", "--results", "r.csv", "--quiet", "--rate", "200/s", "--concurrency", "4"])
        .env("LOOP_BASE_URL", &base)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .env("HOME", dir.path())
        .env("LOOPBATCH_REGISTRE", dir.path().join("registre.sqlite3"))
        .status()
        .unwrap();
    stop.store(true, Ordering::SeqCst);
    let seen = poller.join().unwrap();
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.csv.plan.json")).unwrap()).unwrap();
    let answered = answered.lock().unwrap();
    let mut waits: Vec<f64> = plan["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let code = c["body"]["codeDossier"].as_str()?;
            let (a, s) = (answered.get(code)?, seen.get(&c["id"].as_u64()?)?);
            Some(s.saturating_duration_since(*a).as_secs_f64() * 1e3)
        })
        .collect();
    waits.sort_by(f64::total_cmp);
    let q = |p: f64| waits[((waits.len() as f64 * p).ceil() as usize).clamp(1, waits.len()) - 1];
    println!(
        "{} : exit {status}; {} answers timed; answer -> outcome committed in the registre: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (poll every 0.1 ms)",
        binary().display(),
        waits.len(),
        q(0.5),
        q(0.99),
        q(1.0)
    );
    rt.block_on(sim.stop());
}
