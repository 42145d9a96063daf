//! The simulator's throughput: small requests over 64 concurrent keep-alive
//! connections on loopback, for 5 seconds, client and server in one process
//! on the same cores (so the figure is a floor). Target: >= 5,000 req/s.
//!
//! Run: `cargo bench --bench simulator`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use loopbatch::simulator::{self, Dossier, Model, Options};

fn main() {
    let seconds = std::env::var("LOOPBATCH_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5u64);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut model = Model::default();
    model.dossiers.insert(
        "BENCH".into(),
        Dossier {
            object_id: "id".into(),
            code: "BENCH".into(),
            raison_sociale: String::new(),
            nom_usuel: String::new(),
            statut: "Opérationnel".into(),
            maitre_dossier: String::new(),
            engagement_manager: String::new(),
            offers: Default::default(),
        },
    );
    let handle = rt.block_on(simulator::start(Options { model, ..Default::default() }, 0)).unwrap();
    let url = format!("{}/collaborativeOffer/addOffer", handle.base_url);
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    rt.block_on(async {
        let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let (client, url, ok, failed) = (client.clone(), url.clone(), ok.clone(), failed.clone());
            tasks.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    let r = client
                        .post(&url)
                        .header("Ocp-Apim-Subscription-Key", simulator::DEMO_SUBSCRIPTION_KEY)
                        .header("x-apikey", simulator::DEMO_API_KEY)
                        .json(&serde_json::json!({"codeDossier": "BENCH", "offre": "start"}))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let n = ok.load(Ordering::Relaxed);
    println!("simulator, 64 concurrent connections, {seconds} s, client in the same process");
    println!("  requests answered 200 : {n}");
    println!("  failed                : {}", failed.load(Ordering::Relaxed));
    println!("  throughput            : {:.0} req/s (target >= 5000)", n as f64 / elapsed);
    rt.block_on(handle.stop());
}
