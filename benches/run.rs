//! The engine's pacing against a throttling gateway, and its CPU per call,
//! side by side in one run (the machine is shared and noisy).
//! 1. A client at 5 x the gateway's rate, gateways of 5/s and 20/s, 300 and
//!    1,000 calls, in the three throttling models (sliding window; lockout:
//!    every call refused during the Retry-After; token bucket of 5): total
//!    time <= 1.15 x N / R_server, 429s <= 3 % of calls, at most one call
//!    received during any Retry-After.
//! 2. `--rate R` below the gateway's limit: >= 99 % of R, no 429.
//! 3. CPU time of the loopbatch process per call sent, over a 500-row
//!    onboarding at `--rate 5000/s` (median of interleaved rounds): <= 50 µs;
//!    beside it, the same HTTP stack alone, flat out and paced alike.
//! 4. A 100-row onboarding at 20 ms latency, `--concurrency 16`: within
//!    1.5 x its floor (calls x latency / concurrency + the process's start).
//! 5. Part 3's paced onboarding once against a copy of the registre of
//!    1,000,000 calls (benches/large_registre.rs), beside a new registre.
//!
//! Run: `cargo build --release --example bare_http && cargo bench --bench run`
//! (LOOPBATCH_BENCH_CALLS sets N of part 2, default 1000; LOOPBATCH_BENCH_ONLY=
//! throttled, below, cpu, latency or large runs one part, or a comma-separated few; in part 1,
//! LOOPBATCH_BENCH_MODELS=window,lockout,bucket, LOOPBATCH_BENCH_GATEWAYS=5,20
//! and LOOPBATCH_BENCH_SIZES=300,1000 pick the cases).

mod common;
mod large_registre;

use std::time::Duration;

use common::{env_usize, loopbatch, measure, model};
use loopbatch::simulator::Rate;
use loopbatch::simulator::{self, Faults, Options, ThrottleModel};

struct Outcome {
    seconds: f64,
    cpu: Duration,
    ok_rows: usize,
    throttled: u64,
    sent: u64,
    /// The most calls the gateway received during any one Retry-After.
    during_one_retry_after: u64,
    code: i32,
}

struct Run<'a> {
    rows: usize,
    /// Onboarding rows (three calls each) or provisionCompany alone.
    onboarding: bool,
    server: Options,
    args: &'a [&'a str],
    /// Another loopbatch binary to run instead of this one (a comparison).
    binary: Option<&'a std::path::Path>,
}

fn one(run: Run) -> Outcome {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let handle = rt.block_on(simulator::start(run.server, 0)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut sheet = match run.onboarding {
        true => String::from("code_dossier;email;nom;offre\n"),
        false => String::from("action;code_dossier\n"),
    };
    for i in 0..run.rows {
        match run.onboarding {
            true => sheet.push_str(&format!("B{i:05};p{i}@exemple.fr;Nom;start\n")),
            false => sheet.push_str(&format!("provisionner;B{i:05}\n")),
        }
    }
    std::fs::write(dir.path().join("p.csv"), sheet).unwrap();
    let mut cmd = loopbatch(dir.path());
    if let Some(other) = run.binary {
        cmd = std::process::Command::new(other);
        cmd.current_dir(dir.path()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        cmd.envs(common::home_vars(&dir.path().join(".home")));
    }
    let m = measure(
        cmd.args(["run", "p.csv", "--results", "r.csv", "--quiet"])
            .args(run.args)
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
        sent: stats["total"].as_u64().unwrap_or(0),
        during_one_retry_after: stats["most_calls_during_one_retry_after"].as_u64().unwrap_or(0),
        code: m.code,
    }
}

fn server(rows: usize, operational: bool, rate: Option<u32>, throttle: ThrottleModel) -> Options {
    Options {
        model: model(rows, operational),
        rate: rate.map(|count| Rate { count, per: Duration::from_secs(1) }),
        throttle,
        ..Default::default()
    }
}

/// A comma-separated list from the environment, or the default.
fn env_list(name: &str, default: &str) -> Vec<String> {
    let v = std::env::var(name).unwrap_or_default();
    let v = if v.trim().is_empty() { default.to_string() } else { v };
    v.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()
}

fn throttled_gateway() {
    let models = env_list("LOOPBATCH_BENCH_MODELS", "window,lockout,bucket");
    let gateways = env_list("LOOPBATCH_BENCH_GATEWAYS", "5,20");
    let sizes = env_list("LOOPBATCH_BENCH_SIZES", "300,1000");
    for model in &models {
        let (throttle, burst) = match model.as_str() {
            "window" => (ThrottleModel::Window, None),
            "lockout" => (ThrottleModel::Lockout, None),
            "bucket" => (ThrottleModel::Bucket, Some(5)),
            other => panic!("unknown model {other}"),
        };
        for gateway in &gateways {
            let r_server: u32 = gateway.parse().expect("a gateway rate");
            for size in &sizes {
                let n: usize = size.parse().expect("a number of calls");
                let mut opts = server(n, false, Some(r_server), throttle);
                opts.burst = burst;
                let client = format!("{}/s", 5 * r_server);
                let o = one(Run {
                    rows: n,
                    onboarding: false,
                    server: opts,
                    args: &["--rate", &client, "--concurrency", "8"],
                    binary: None,
                });
                let floor = n as f64 / f64::from(r_server);
                let burst = burst.map(|b| format!(" (burst {b})")).unwrap_or_default();
                println!(
                    "  {model}{burst}, gateway {r_server}/s, --rate {client}, {n} calls: {:.1} s = {:.3} x N/R_server ({floor:.0} s), {} x 429 = {:.1} % of calls, at most {} call(s) during one Retry-After, {} rows OK, exit {} (targets <= 1.15 x, <= 3 %, <= 1)",
                    o.seconds,
                    o.seconds / floor,
                    o.throttled,
                    100.0 * o.throttled as f64 / n as f64,
                    o.during_one_retry_after,
                    o.ok_rows,
                    o.code
                );
            }
        }
    }
}

fn below_the_limit(n: usize) {
    // The last pair, --rate at the gateway's very limit, is for information:
    // any jitter then crosses the limit and the pacer settles below it.
    for (limit, client) in [(100u32, 90u32), (100, 95), (100, 100)] {
        let o = one(Run {
            rows: n,
            onboarding: false,
            server: server(n, false, Some(limit), ThrottleModel::Window),
            args: &["--rate", &format!("{client}/s"), "--concurrency", "8"],
            binary: None,
        });
        let achieved = n as f64 / o.seconds;
        println!(
            "  gateway {limit}/s, --rate {client}/s: {achieved:.1} calls/s = {:.1} % of R, {} x 429, {} rows OK, exit {} (target >= 99 %, 0 x 429)",
            100.0 * achieved / f64::from(client),
            o.throttled,
            o.ok_rows,
            o.code
        );
    }
}

fn cpu_per_call() {
    let rows = 500;
    let calls = 3 * rows;
    // Interleaved rounds, so that a noisy moment of the machine hits every
    // variant alike: loopbatch paced at 5000/s (the target) and at a rate
    // the simulator never reaches; the HTTP stack alone
    // (examples/bare_http.rs) flat out, and paced at 5000/s on one thread
    // as loopbatch drives it.
    let mut lb_paced = Vec::new();
    let mut lb_flat = Vec::new();
    let mut bare_flat = Vec::new();
    let mut bare_paced = Vec::new();
    // LOOPBATCH_BENCH_OTHER: another build (main's journal, say), paced the
    // same, in the same rounds.
    let other = std::env::var_os("LOOPBATCH_BENCH_OTHER").map(std::path::PathBuf::from);
    let mut other_paced = Vec::new();
    for _ in 0..env_usize("LOOPBATCH_BENCH_ROUNDS", 5) {
        if let Some(bin) = &other {
            let o = one(Run {
                rows,
                onboarding: true,
                server: server(rows, false, None, ThrottleModel::Window),
                args: &["--rate", "5000/s", "--burst", "50", "--concurrency", "16"],
                binary: Some(bin),
            });
            assert_eq!(o.ok_rows, rows, "exit {}", o.code);
            other_paced.push(o.cpu.as_secs_f64() * 1e6 / o.sent as f64);
        }
        for (rate, into) in [("5000/s", &mut lb_paced), ("1000000/s", &mut lb_flat)] {
            let o = one(Run {
                rows,
                onboarding: true,
                server: server(rows, false, None, ThrottleModel::Window),
                args: &["--rate", rate, "--burst", "50", "--concurrency", "16"],
                binary: None,
            });
            assert_eq!(o.ok_rows, rows, "exit {}", o.code);
            into.push(o.cpu.as_secs_f64() * 1e6 / o.sent as f64);
        }
        bare_flat.push(bare(calls, None));
        bare_paced.push(bare(calls, Some(5000)));
    }
    let (lp, lf, bf, bp) =
        (median(&mut lb_paced), median(&mut lb_flat), median(&mut bare_flat), median(&mut bare_paced));
    println!(
        "  CPU of loopbatch (user + system) per call sent, {rows}-row onboarding ({calls} calls), median of {} rounds:",
        lb_paced.len()
    );
    println!("    --rate 5000/s: {lp:.0} µs (runs: {}) (target <= 50 µs)", list(&lb_paced));
    if !other_paced.is_empty() {
        let op = median(&mut other_paced);
        println!(
            "    LOOPBATCH_BENCH_OTHER at --rate 5000/s: {op:.0} µs (runs: {}); this - other = {:+.0} µs",
            list(&other_paced),
            lp - op
        );
    }
    println!("    --rate 1000000/s (as fast as the simulator answers): {lf:.0} µs (runs: {})", list(&lb_flat));
    println!("  the same HTTP stack alone (reqwest, 16 at a time, {calls} POSTs, nothing else):");
    println!(
        "    flat out (multi-thread): {bf:.0} µs (runs: {}); loopbatch flat out / this = {:.2}",
        list(&bare_flat),
        lf / bf
    );
    println!(
        "    paced at 5000/s on one thread: {bp:.0} µs (runs: {}); loopbatch at 5000/s / this = {:.2}",
        list(&bare_paced),
        lp / bp
    );
}

/// CPU per call of `examples/bare_http` against a fresh simulator.
fn bare(calls: usize, rate: Option<u32>) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let opts = server(calls, true, None, ThrottleModel::Window);
    let handle = rt.block_on(simulator::start(opts, 0)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/examples/bare_http");
    let mut cmd = std::process::Command::new(&path);
    cmd.current_dir(dir.path()).args([handle.base_url.as_str(), &calls.to_string()]);
    if let Some(r) = rate {
        cmd.arg(r.to_string()).env("BARE_ONE_THREAD", "1");
    }
    let m = measure(cmd.stdout(std::process::Stdio::null()));
    rt.block_on(handle.stop());
    m.cpu.as_secs_f64() * 1e6 / calls as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn list(v: &[f64]) -> String {
    v.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(", ")
}

fn latency_bound() {
    let rows = 100;
    let latency = Duration::from_millis(20);
    // The process's start: the same run with nothing to send (every row invalid).
    let start = {
        let o = one(Run {
            rows,
            onboarding: false,
            server: server(0, false, None, ThrottleModel::Window),
            args: &["--rate", "1000/s", "--dry-run"],
            binary: None,
        });
        o.seconds
    };
    let mut s = server(rows, false, None, ThrottleModel::Window);
    s.faults = Faults { latency, ..Default::default() };
    let o = one(Run {
        rows,
        onboarding: true,
        server: s,
        args: &["--rate", "1000/s", "--burst", "16", "--concurrency", "16"],
        binary: None,
    });
    let calls = 3 * rows;
    let floor = calls as f64 * latency.as_secs_f64() / 16.0 + start;
    println!(
        "  {rows}-row onboarding ({calls} calls) at 20 ms latency, --concurrency 16: {:.2} s, floor {floor:.2} s (process start {start:.2} s) = {:.2} x (target <= 1.5 x), {} rows OK",
        o.seconds,
        o.seconds / floor,
        o.ok_rows
    );
}

/// The CPU part's paced onboarding once against a copy of the large
/// registre (1,000,000 calls, benches/large_registre.rs), once against a
/// new one, side by side.
fn against_large_registre() {
    let rows = 500;
    let big = large_registre::large_registre();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("registre.sqlite3");
    std::fs::copy(&big, &copy).unwrap();
    let copy_arg = copy.display().to_string();
    let args = ["--rate", "5000/s", "--burst", "50", "--concurrency", "16"];
    let mut said = Vec::new();
    for (name, registre) in [("a new registre", None), ("the registre of 1,000,000 calls", Some(copy_arg.as_str()))] {
        let mut a: Vec<&str> = args.to_vec();
        if let Some(r) = registre {
            a.extend(["--registre", r]);
        }
        let o = one(Run {
            rows,
            onboarding: true,
            server: server(rows, false, None, ThrottleModel::Window),
            args: &a,
            binary: None,
        });
        assert_eq!(o.ok_rows, rows, "exit {}", o.code);
        said.push(format!(
            "    {name}: {:.2} s, {:.0} µs of CPU per call",
            o.seconds,
            o.cpu.as_secs_f64() * 1e6 / o.sent as f64
        ));
    }
    println!("  {rows}-row onboarding ({} calls) at --rate 5000/s, once each:", 3 * rows);
    for line in said {
        println!("{line}");
    }
}

fn main() {
    let n = env_usize("LOOPBATCH_BENCH_CALLS", 1000);
    // LOOPBATCH_BENCH_ONLY=throttled|below|cpu|latency|large runs one part (or
    // several, comma-separated).
    let only = std::env::var("LOOPBATCH_BENCH_ONLY").unwrap_or_default();
    let part = |name: &str| only.is_empty() || only.split(',').any(|p| p.trim() == name);
    println!("run: the engine against the simulator (provisionCompany calls unless said)");
    if part("throttled") {
        throttled_gateway();
    }
    if part("below") {
        below_the_limit(n);
    }
    if part("cpu") {
        cpu_per_call();
    }
    if part("latency") {
        latency_bound();
    }
    if part("large") {
        against_large_registre();
    }
}
