//! The page against the command line, side by side in one run, on the same
//! 100,000-row XLSX (LOOPBATCH_BENCH_ROWS):
//! 1. upload and check through the page (POST until the redirect) <= 1.5 x
//!    `loopbatch check` of the file (median of 3 each, interleaved);
//! 2. the first page of rows shown <= 1 s after the check;
//! 3. the server's peak memory (VmHWM, Linux) <= 2 x the CLI's for that check.
//!
//! Run: `cargo bench --bench page`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{env_usize, loopbatch, mb, measure};

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
    let rows = env_usize("LOOPBATCH_BENCH_ROWS", 100_000);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gros.xlsx");
    write_xlsx(&file, rows);
    let bytes = std::fs::read(&file).unwrap();
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let (mut cli, mut page, mut first, mut cli_peak, mut page_peak) = (vec![], vec![], vec![], 0u64, 0u64);
    for _ in 0..3 {
        let m = measure(loopbatch(dir.path()).args(["check", "gros.xlsx"]));
        cli.push(m.wall.as_secs_f64());
        cli_peak = cli_peak.max(m.peak_rss / 1024);
        // A fresh server each time: its peak is this check's.
        let mut ui = Command::new(env!("CARGO_BIN_EXE_loopbatch"))
            .current_dir(dir.path())
            .args(["ui", "--no-open"])
            .env("XDG_DATA_HOME", dir.path().join("donnees"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(ui.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let opening = line.trim().to_string();
        let base = opening.split("/ouvrir/").next().unwrap().to_string();
        let cookie = client.get(&opening).send().unwrap().headers()["set-cookie"].to_str().unwrap().to_string();
        let cookie = cookie.split(';').next().unwrap().to_string();
        let form = reqwest::blocking::multipart::Form::new()
            .part("sheet", reqwest::blocking::multipart::Part::bytes(bytes.clone()).file_name("gros.xlsx"));
        let started = Instant::now();
        let r = client
            .post(format!("{base}/feuille"))
            .header("cookie", &cookie)
            .header("origin", &base)
            .multipart(form)
            .send()
            .unwrap();
        page.push(started.elapsed().as_secs_f64());
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let shown = Instant::now();
        let html = client.get(format!("{base}{location}")).header("cookie", &cookie).send().unwrap().text().unwrap();
        first.push(shown.elapsed().as_secs_f64());
        assert!(html.contains("data-testid=\"row\""));
        page_peak = page_peak.max(peak_kb(ui.id()));
        let _ = ui.kill();
        let _ = ui.wait();
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
