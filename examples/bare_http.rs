//! The floor of the CPU per call for `benches/run.rs`: the same HTTP stack
//! (reqwest on tokio) sending N JSON POSTs, 16 at a time, with the keys,
//! and nothing else (no pacing, no journal, no sheet). Usage:
//! `bare_http BASE_URL N`.

use std::sync::Arc;

use tokio::sync::Semaphore;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (base, n) = (args[1].clone(), args[2].parse::<usize>().unwrap_or(1000));
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let slots = Arc::new(Semaphore::new(16));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (client, slots, base) = (client.clone(), slots.clone(), base.clone());
        tasks.spawn(async move {
            let _slot = slots.acquire().await.unwrap();
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
