//! The engine's pacing against a throttling gateway, and its CPU per call.
//! 1. `--rate R` at or below the server's limit: achieved rate over N calls
//!    (target: >= 95% of R, never above) and zero 429.
//! 2. Client allowed more than the server (`--rate 1000/s`): zero failed
//!    rows, total time <= 1.2 x N / R_server.
//! 3. CPU time of the loopbatch process per call.
//!
//! Run: `cargo bench --bench run` (LOOPBATCH_BENCH_CALLS sets N, default 1000).

mod common;

use std::time::Duration;

use common::{env_usize, loopbatch, measure};
use loopbatch::config::Rate;
use loopbatch::simulator::{self, Dossier, Model, Options};

fn model(n: usize) -> Model {
    let mut m = Model::default();
    for i in 0..n {
        let code = format!("B{i:05}");
        m.dossiers.insert(
            code.clone(),
            Dossier {
                object_id: format!("id{i}"),
                code,
                raison_sociale: String::new(),
                nom_usuel: String::new(),
                statut: "A préparer".into(),
                maitre_dossier: String::new(),
                engagement_manager: String::new(),
                offers: Default::default(),
            },
        );
    }
    m
}

struct Outcome {
    seconds: f64,
    cpu: Duration,
    ok_rows: usize,
    throttled: u64,
    code: i32,
}

fn one(n: usize, server_rate: u32, client_rate: &str, burst: &str) -> Outcome {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let opts = Options {
        model: model(n),
        rate: Some(Rate { count: server_rate, per: Duration::from_secs(1) }),
        ..Default::default()
    };
    let handle = rt.block_on(simulator::start(opts, 0)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut sheet = String::from("action;code_dossier\n");
    for i in 0..n {
        sheet.push_str(&format!("provisionner;B{i:05}\n"));
    }
    std::fs::write(dir.path().join("p.csv"), sheet).unwrap();
    let m = measure(
        loopbatch(dir.path())
            .args([
                "run",
                "p.csv",
                "--results",
                "r.csv",
                "--rate",
                client_rate,
                "--burst",
                burst,
                "--concurrency",
                "8",
                "--quiet",
            ])
            .env("LOOP_BASE_URL", &handle.base_url)
            .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
            .env("LOOP_API_KEY", simulator::DEMO_API_KEY),
    );
    let stats: serde_json::Value = rt.block_on(async {
        reqwest::get(format!("http://{}/__stats", handle.addr)).await.unwrap().json().await.unwrap()
    });
    let results = std::fs::read_to_string(dir.path().join("r.csv")).unwrap_or_default();
    let ok_rows = results.lines().filter(|l| l.contains(";OK;")).count();
    rt.block_on(handle.stop());
    Outcome {
        seconds: m.wall.as_secs_f64(),
        cpu: m.cpu,
        ok_rows,
        throttled: stats["throttled"].as_u64().unwrap_or(0),
        code: m.code,
    }
}

fn main() {
    let n = env_usize("LOOPBATCH_BENCH_CALLS", 1000);
    println!("run, {n} provisionCompany calls against the simulator (gateway limit per second, sliding window)");
    for (server, client) in [(100u32, 95u32), (100, 100)] {
        let o = one(n, server, &format!("{client}/s"), "1");
        let achieved = n as f64 / o.seconds;
        println!(
            "  server {server}/s, --rate {client}/s : {:.1} calls/s = {:.1}% of R, {} x 429, {} rows OK, exit {} (target >= 95%, <= 100%, 0 x 429)",
            achieved,
            100.0 * achieved / f64::from(client),
            o.throttled,
            o.ok_rows,
            o.code
        );
        println!(
            "    CPU of loopbatch: {:.0} µs per call ({:.2} s for {n} calls)",
            o.cpu.as_secs_f64() * 1e6 / n as f64,
            o.cpu.as_secs_f64()
        );
    }
    let server = 100u32;
    let o = one(n, server, "1000/s", "10");
    let bound = 1.2 * n as f64 / f64::from(server);
    println!(
        "  server {server}/s, --rate 1000/s --burst 10 : {:.1} s for {n} calls (target <= {bound:.1} s), {} x 429 absorbed, {} rows OK of {n}, exit {}",
        o.seconds, o.throttled, o.ok_rows, o.code
    );
}
