//! The floor of the CPU per call for `benches/run.rs`: the same HTTP stack
//! (reqwest on tokio) sending N JSON POSTs, 16 at a time, with the keys,
//! and nothing else (no journal, no sheet). Usage:
//! `bare_http BASE_URL N [RATE]`: with RATE (calls a second), the requests
//! are started at that pace, as a paced run starts them.

use std::sync::Arc;

use tokio::sync::Semaphore;

fn main() {
    // BARE_ONE_THREAD=1: on one thread, as `loopbatch run` drives its engine.
    let rt = match std::env::var_os("BARE_ONE_THREAD") {
        Some(_) => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        None => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
    };
    rt.unwrap().block_on(send_all());
}

async fn send_all() {
    let args: Vec<String> = std::env::args().collect();
    let (base, n) = (args[1].clone(), args[2].parse::<usize>().unwrap_or(1000));
    let mut pace = args.get(3).and_then(|r| r.parse::<f64>().ok()).map(|r| {
        let mut i = tokio::time::interval(std::time::Duration::from_secs_f64(1.0 / r));
        i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        i
    });
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let slots = Arc::new(Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        if let Some(p) = pace.as_mut() {
            p.tick().await;
        }
        let slot = slots.clone().acquire_owned().await.unwrap();
        let (client, base) = (client.clone(), base.clone());
        tasks.spawn(async move {
            let _slot = slot;
            let body = format!("{{\"codeDossier\":\"B{i:05}\"}}");
            let r = client
                .post(format!("{base}/companyProvisioning/provisionCompany"))
                .header("Ocp-Apim-Subscription-Key", loopbatch::simulator::DEMO_SUBSCRIPTION_KEY)
                .header("x-apikey", loopbatch::simulator::DEMO_API_KEY)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await;
            if let Ok(r) = r {
                let _ = r.bytes().await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}
