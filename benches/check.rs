//! `check` speed and memory.
//! - 100,000-row XLSX: `check FILE --results OUT.csv` against a bare calamine
//!   read of every cell of the same file, interleaved, 5 runs each; the ratio
//!   of the bests and of the medians. Also reported: the same check writing
//!   its results as XLSX, and `plan` of that file.
//!   Target: ratio <= 1.5, peak memory < 300 MB.
//! - 1,000,000-row CSV: peak memory per row above a tiny file's baseline.
//!   Target: <= 2,000 bytes per row (the rows are kept once, to write the
//!   results in input order; no stage keeps a copy of the whole file).
//!
//! Run: `cargo bench --bench check` (LOOPBATCH_BENCH_ROWS, LOOPBATCH_BENCH_CSV_ROWS
//! change the sizes).

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use calamine::{Data, Reader};
use common::{env_usize, loopbatch, mb, measure};

fn main() {
    let rows = env_usize("LOOPBATCH_BENCH_ROWS", 100_000);
    let csv_rows = env_usize("LOOPBATCH_BENCH_CSV_ROWS", 1_000_000);
    let dir = tempfile::tempdir().unwrap();
    // LOOPBATCH_BENCH_KEEP=1 keeps the generated files (to profile them).
    let dir_path =
        if std::env::var_os("LOOPBATCH_BENCH_KEEP").is_some() { dir.keep() } else { dir.path().to_path_buf() };
    let dir = DirGuard(dir_path);
    let xlsx = dir.path().join("portefeuille.xlsx");
    write_xlsx(&xlsx, rows);

    let mut bare = Vec::new();
    let mut check = Vec::new();
    let mut peak = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let cells = bare_read(&xlsx);
        bare.push(t.elapsed());
        assert!(cells > rows);
        let m = measure(loopbatch(dir.path()).args(["check", "portefeuille.xlsx", "--results", "out.csv"]));
        assert!(m.code == 0 || m.code == 1, "check failed: {}", m.code);
        check.push(m.wall);
        peak = peak.max(m.peak_rss);
    }
    let best = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    let median = |v: &[Duration]| {
        let mut v = v.to_vec();
        v.sort();
        v[v.len() / 2]
    };
    if std::env::var_os("LOOPBATCH_BENCH_ALL").is_some() {
        println!("  all runs: bare {bare:?}\n            check {check:?}");
    }
    let (b, c) = (best(&bare), best(&check));
    let (bm, cm) = (median(&bare), median(&check));
    println!("check, {rows}-row XLSX (5 runs each, interleaved; best, median)");
    println!("  bare calamine read of every cell : {:>8.3} s {:>8.3} s", b.as_secs_f64(), bm.as_secs_f64());
    println!("  loopbatch check --results out.csv : {:>8.3} s {:>8.3} s", c.as_secs_f64(), cm.as_secs_f64());
    println!(
        "  ratio                             : {:>8.2}   {:>8.2}   (target <= 1.50)",
        c.as_secs_f64() / b.as_secs_f64(),
        cm.as_secs_f64() / bm.as_secs_f64()
    );
    println!("  peak memory of check              : {:>8.1} MB (target < 300 MB)", mb(peak));
    let x = measure(loopbatch(dir.path()).args(["check", "portefeuille.xlsx", "--results", "out.xlsx"]));
    assert!(x.code == 0 || x.code == 1, "check failed: {}", x.code);
    println!(
        "  same, --results out.xlsx          : {:>8.3} s, {:.1} MB peak (reported)",
        x.wall.as_secs_f64(),
        mb(x.peak_rss)
    );

    let p = measure(loopbatch(dir.path()).args(["plan", "portefeuille.xlsx", "--out", "plan.json"]));
    assert!(p.code == 0 || p.code == 1, "plan failed: {}", p.code);
    println!(
        "  plan --out plan.json (+ plan.xlsx) : {:>8.3} s, {:.1} MB peak (reported)",
        p.wall.as_secs_f64(),
        mb(p.peak_rss)
    );

    let tiny = dir.path().join("petit.csv");
    write_csv(&tiny, 10);
    let base = measure(loopbatch(dir.path()).args(["check", "petit.csv", "--results", "petit-out.csv"]));
    let big = dir.path().join("gros.csv");
    write_csv(&big, csv_rows);
    let m = measure(loopbatch(dir.path()).args(["check", "gros.csv", "--results", "gros-out.csv"]));
    let per_row = m.peak_rss.saturating_sub(base.peak_rss) as f64 / csv_rows as f64;
    let size = std::fs::metadata(&big).map(|m| m.len()).unwrap_or(0);
    println!(
        "check, {csv_rows}-row CSV ({:.0} MB, {:.0} bytes per row on disk)",
        mb(size),
        size as f64 / csv_rows as f64
    );
    println!("  wall time                         : {:>8.3} s", m.wall.as_secs_f64());
    println!("  peak memory                       : {:>8.1} MB (baseline {:.1} MB)", mb(m.peak_rss), mb(base.peak_rss));
    println!("  memory per row                    : {:>8.0} bytes (target <= 2000)", per_row);
}

const HEADERS: [&str; 8] =
    ["code_dossier", "raison_sociale", "email", "nom", "prenom", "telephone", "offre", "commentaire"];

fn row(i: usize) -> [String; 8] {
    [
        format!("CLI{i:07}"),
        format!("Société numéro {i} SARL"),
        format!("contact{i}@entreprise-{}.fr", i % 997),
        format!("Nom{}", i % 1000),
        format!("Prénom{}", i % 300),
        format!("06{:08}", i % 100_000_000),
        ["start", "co-production", "consultation"][i % 3].to_string(),
        if i.is_multiple_of(10) { "à rappeler".into() } else { String::new() },
    ]
}

struct DirGuard(std::path::PathBuf);

impl DirGuard {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

fn write_xlsx(path: &std::path::Path, rows: usize) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (c, h) in HEADERS.iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let r = row(i);
        for (c, v) in r.iter().enumerate() {
            if c == 5 {
                // Phones stored as numbers, as Excel does.
                s.write_number(i as u32 + 1, c as u16, v.parse::<f64>().unwrap()).unwrap();
            } else if !v.is_empty() {
                s.write_string(i as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

fn write_csv(path: &std::path::Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "{}", HEADERS.join(";")).unwrap();
    for i in 0..rows {
        writeln!(f, "{}", row(i).join(";")).unwrap();
    }
}

fn bare_read(path: &std::path::Path) -> usize {
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let mut n = 0;
    for r in range.rows() {
        for c in r {
            n += match c {
                Data::String(s) => s.len().min(1),
                Data::Empty => 0,
                _ => 1,
            };
        }
    }
    n
}
