//! The page against the command line, side by side in one run, on the same
//! 100,000-row XLSX (LOOPBATCH_BENCH_ROWS):
//! 1. upload and check through the page (POST until the redirect) <= 1.5 x
//!    `loopbatch check` of the file (median of 3 each, interleaved);
//! 2. the first page of rows shown <= 1 s after the check;
//! 3. the server's peak memory (VmHWM, Linux) <= 2 x the CLI's for that check;
//! 4. progress events during a run: at least two a second, and the run
//!    through the page no slower than `loopbatch run` of the same sheet
//!    (median of 3 each, interleaved, against the in-process simulator);
//! 5. the server's memory (VmRSS, Linux) after 20 views of the plan of a
//!    20,000-row sheet <= 1.1 x after one (one kept plan per sheet).
//!
//! Run: `cargo bench --bench page`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{env_usize, loopbatch, mb, measure, model};
use loopbatch::simulator::{self, Options};

fn write_xlsx(path: &std::path::Path, rows: usize) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (c, h) in ["code_dossier", "raison_sociale", "email", "nom", "prenom", "telephone", "offre"].iter().enumerate()
    {
        s.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        s.write_string(r, 0, format!("CLI{i:07}")).unwrap();
        s.write_string(r, 1, format!("Société numéro {i} SARL")).unwrap();
        s.write_string(r, 2, format!("contact{i}@entreprise-{}.fr", i % 997)).unwrap();
        s.write_string(r, 3, format!("Nom{}", i % 1000)).unwrap();
        s.write_string(r, 4, format!("Prénom{}", i % 300)).unwrap();
        s.write_number(r, 5, (600_000_000 + i % 100_000_000) as f64).unwrap();
        s.write_string(r, 6, ["start", "co-production", "consultation"][i % 3]).unwrap();
    }
    book.save(path).unwrap();
}

#[cfg(target_os = "linux")]
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l.chars().filter(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0))
        .unwrap_or(0)
}

#[cfg(not(target_os = "linux"))]
fn peak_kb(_pid: u32) -> u64 {
    0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    check_through_the_page();
    progress_events();
    plan_views_memory();
}

#[cfg(target_os = "linux")]
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or_default();
    line.chars().filter(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0)
}

#[cfg(not(target_os = "linux"))]
fn rss_kb(_pid: u32) -> u64 {
    0
}

/// The plan of a 20,000-row sheet viewed 20 times (reloads): the server
/// keeps one plan per sheet, so its memory stays where one view left it.
fn plan_views_memory() {
    let rows = env_usize("LOOPBATCH_BENCH_PLAN_ROWS", 20_000);
    let mut sheet = String::from("code_dossier;raison_sociale;email;nom;prenom;offre\n");
    for i in 0..rows {
        sheet.push_str(&format!("P{i:06};Société {i};contact{i}@exemple.fr;Nom{i};Prénom;start\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let client = client();
    let (ui, base, cookie) = serve(dir.path(), &client, &[]);
    let at = upload(&client, &base, &cookie, "p.csv", sheet.into_bytes());
    let view = || {
        let page = client.get(format!("{base}{at}/plan")).header("cookie", &cookie).send().unwrap();
        assert!(page.text().unwrap().contains("name=\"confirm\""));
    };
    view();
    let one = rss_kb(ui.0.id());
    for _ in 0..19 {
        view();
    }
    let twenty = rss_kb(ui.0.id());
    println!(
        "plan views, {rows}-row sheet: server memory after 1 view {:.1} MB, after 20 views {:.1} MB = {:.2} x (target <= 1.1 x)",
        mb(one * 1024),
        mb(twenty * 1024),
        twenty as f64 / one.max(1) as f64
    );
}

/// A `loopbatch ui` of its own; its opening's base address and session.
fn serve(dir: &std::path::Path, client: &reqwest::blocking::Client, env: &[(&str, &str)]) -> (Ui, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loopbatch"));
    cmd.current_dir(dir)
        .args(["ui", "--no-open"])
        .envs(common::home_vars(&dir.join(".home")))
        .env("XDG_DATA_HOME", dir.join("donnees"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut ui = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(ui.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let opening = line.trim().to_string();
    let base = opening.split("/ouvrir/").next().unwrap().to_string();
    let cookie = client.get(&opening).send().unwrap().headers()["set-cookie"].to_str().unwrap().to_string();
    let cookie = cookie.split(';').next().unwrap().to_string();
    (Ui(ui), base, cookie)
}

struct Ui(std::process::Child);

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn upload(client: &reqwest::blocking::Client, base: &str, cookie: &str, name: &str, bytes: Vec<u8>) -> String {
    let form = reqwest::blocking::multipart::Form::new()
        .part("sheet", reqwest::blocking::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r = client.post(format!("{base}/feuille")).header("cookie", cookie).header("origin", base).multipart(form);
    r.send().unwrap().headers()["location"].to_str().unwrap().to_string()
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap()
}

/// The results CSV of the one run kept in `data`, once written: when.
fn results_written(data: &std::path::Path) -> Option<std::time::SystemTime> {
    let runs = std::fs::read_dir(data.join("loopbatch/executions")).ok()?;
    let run = runs.filter_map(|r| r.ok()).next()?.path();
    let csv = std::fs::read_dir(run).ok()?.filter_map(|f| f.ok()).find(|f| f.file_name() == "p-resultats.csv")?;
    csv.metadata().ok()?.modified().ok()
}

/// A run started from the page; with `follow`, its progress events are read
/// as they come (their moments returned). Returns the run's own time: from
/// the start to its results file written.
fn page_run(sheet: &str, dir: &std::path::Path, env: &[(&str, &str)], follow: bool) -> (f64, Vec<Instant>) {
    let client = client();
    let (_ui, base, cookie) = serve(dir, &client, env);
    let at = upload(&client, &base, &cookie, "p.csv", sheet.as_bytes().to_vec());
    let plan = client.get(format!("{base}{at}/plan")).header("cookie", &cookie).send().unwrap().text().unwrap();
    let key = "name=\"confirm\" value=\"";
    let confirm = plan[plan.find(key).unwrap() + key.len()..].split('"').next().unwrap().to_string();
    let started = std::time::SystemTime::now();
    let r = client
        .post(format!("{base}/execution"))
        .header("cookie", &cookie)
        .header("origin", &base)
        .form(&[("confirm", confirm.as_str())])
        .send()
        .unwrap();
    let run = r.headers()["location"].to_str().unwrap().to_string();
    let mut times = Vec::new();
    if follow {
        let events = client.get(format!("{base}{run}/evenements")).header("cookie", &cookie).send().unwrap();
        for line in BufReader::new(events).lines() {
            let line = line.unwrap();
            if line.starts_with("event: progress") {
                times.push(Instant::now());
            }
            if line.starts_with("data:") && line.contains("\"state\":\"done\"") {
                break;
            }
        }
    }
    let data = dir.join("donnees");
    let written = loop {
        if let Some(t) = results_written(&data) {
            break t;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (written.duration_since(started).unwrap_or_default().as_secs_f64(), times)
}

/// A 300-row onboarding (900 calls at 200/s, about 4.5 s) run through the
/// page with its progress events followed, and without anyone following
/// them; the CLI's run of the same sheet for reference.
fn progress_events() {
    let rows = env_usize("LOOPBATCH_BENCH_RUN_ROWS", 300);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut sheet = String::from("code_dossier;email;nom;offre\n");
    for i in 0..rows {
        sheet.push_str(&format!("B{i:05};p{i}@exemple.fr;Nom;start\n"));
    }
    let (mut cli, mut followed, mut alone, mut per_second, mut gap) = (vec![], vec![], vec![], vec![], 0.0f64);
    for _ in 0..3 {
        for mode in 0..3 {
            let sim =
                rt.block_on(simulator::start(Options { model: model(rows, false), ..Default::default() }, 0)).unwrap();
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("p.csv"), &sheet).unwrap();
            std::fs::write(dir.path().join("loopbatch.toml"), "rate = \"200/s\"\nconcurrency = 8\n").unwrap();
            let env = [
                ("LOOP_BASE_URL", sim.base_url.as_str()),
                ("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY),
                ("LOOP_API_KEY", simulator::DEMO_API_KEY),
            ];
            match mode {
                0 => {
                    let mut cmd = loopbatch(dir.path());
                    cmd.args(["run", "p.csv", "--results", "r.csv", "--quiet"]).envs(env);
                    let m = measure(&mut cmd);
                    assert_eq!(m.code, 0);
                    cli.push(m.wall.as_secs_f64());
                }
                1 => alone.push(page_run(&sheet, dir.path(), &env, false).0),
                _ => {
                    let (took, times) = page_run(&sheet, dir.path(), &env, true);
                    followed.push(took);
                    let span = (*times.last().unwrap() - times[0]).as_secs_f64();
                    per_second.push((times.len() - 1) as f64 / span);
                    gap = times.windows(2).map(|w| (w[1] - w[0]).as_secs_f64()).fold(gap, f64::max);
                }
            }
            rt.block_on(sim.stop());
        }
    }
    let (c, a, f) = (median(cli), median(alone), median(followed));
    println!("progress events, {rows}-row onboarding ({} calls) at 200/s, median of 3, interleaved", rows * 3);
    println!("  run through the page, nobody following : {a:.3} s (start to results written)");
    println!("  the same, its progress events followed : {f:.3} s = {:.3} x (target: not measurably slower)", f / a);
    println!("  loopbatch run of the same sheet         : {c:.3} s (the whole process, for reference)");
    println!("  progress events: {:.2} a second (target >= 2), largest gap {:.0} ms", median(per_second), gap * 1000.0);
}

fn check_through_the_page() {
    let rows = env_usize("LOOPBATCH_BENCH_ROWS", 100_000);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gros.xlsx");
    write_xlsx(&file, rows);
    let bytes = std::fs::read(&file).unwrap();
    let client = client();
    let (mut cli, mut page, mut first, mut cli_peak, mut page_peak) = (vec![], vec![], vec![], 0u64, 0u64);
    for _ in 0..3 {
        let m = measure(loopbatch(dir.path()).args(["check", "gros.xlsx"]));
        cli.push(m.wall.as_secs_f64());
        cli_peak = cli_peak.max(m.peak_rss / 1024);
        // A fresh server each time: its peak is this check's.
        let (ui, base, cookie) = serve(dir.path(), &client, &[]);
        let started = Instant::now();
        let location = upload(&client, &base, &cookie, "gros.xlsx", bytes.clone());
        page.push(started.elapsed().as_secs_f64());
        let shown = Instant::now();
        let html = client.get(format!("{base}{location}")).header("cookie", &cookie).send().unwrap().text().unwrap();
        first.push(shown.elapsed().as_secs_f64());
        assert!(html.contains("data-testid=\"row\""));
        page_peak = page_peak.max(peak_kb(ui.0.id()));
        drop(ui);
    }
    let (c, p, f) = (median(cli), median(page), median(first));
    println!("page, {rows}-row XLSX ({:.1} MB), median of 3, interleaved", bytes.len() as f64 / 1e6);
    println!("  loopbatch check                 : {c:.3} s");
    println!("  upload and check through the page: {p:.3} s = {:.2} x the CLI (target <= 1.5 x)", p / c);
    println!("  first page of rows after the check: {:.0} ms (target <= 1000 ms)", f * 1000.0);
    println!(
        "  peak memory: server {:.1} MB, CLI {:.1} MB = {:.2} x (target <= 2 x)",
        mb(page_peak * 1024),
        mb(cli_peak * 1024),
        page_peak as f64 / cli_peak.max(1) as f64
    );
}
