//! The registre over years (issue 21, point 4), on a registre of 1,000,000
//! answered calls (benches/large_registre.rs, made once under
//! target/bench-registre/ and kept):
//! - opening it: <= 100 ms (no integrity check at open);
//! - bytes per call besides bodies: <= 400;
//! - what it knows of a sheet's 20,000 rows (by dossier or e-mail): <= 1 s;
//! - the list of runs, one dossier's calls and its history: <= 200 ms each.
//!
//! Run: `cargo bench --bench registre`.

mod large_registre;

use std::path::Path;
use std::time::{Duration, Instant};

use large_registre::{CALLS, DOSSIERS, dossier, email, large_registre};
use loopbatch::job::{Config, FileConfig, Lang, Registre};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn timed<T>(rounds: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..rounds {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    (median(times), last.unwrap())
}

/// The file's bytes, and its bytes once its bodies are dropped (both
/// vacuumed, from copies: the cached registre is not changed).
fn sizes(path: &Path) -> (u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("copie.sqlite3");
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute("VACUUM INTO ?1", [whole.to_str().unwrap()]).unwrap();
    drop(conn);
    let all = std::fs::metadata(&whole).unwrap().len();
    let conn = rusqlite::Connection::open(&whole).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF; UPDATE calls SET body = NULL; DROP TABLE bodies; VACUUM;").unwrap();
    drop(conn);
    (all, std::fs::metadata(&whole).unwrap().len())
}

fn main() {
    println!("registre: {CALLS} answered calls, {DOSSIERS} dossiers (warm page cache)");
    let path = large_registre();
    let (open, _) = timed(11, || Registre::open(&path, Lang::Fr).unwrap());
    println!("  opening: {} (median of 11) (budget <= 100 ms)", ms(open));

    let (all, without_bodies) = sizes(&path);
    println!(
        "  file: {:.1} MB; without its bodies: {:.1} MB = {:.0} bytes per call (budget <= 400)",
        all as f64 / 1e6,
        without_bodies as f64 / 1e6,
        without_bodies as f64 / CALLS as f64
    );

    let mut reg = Registre::open(&path, Lang::Fr).unwrap();
    // A sheet of 20,000 rows: 15,000 dossiers the registre knows (with one
    // of their contacts' e-mails), 5,000 it does not.
    let sheet: Vec<(String, Option<String>)> = (0..20_000)
        .map(|i| match i % 4 {
            3 => (format!("N{i:05}"), Some(format!("nouveau{i}@ailleurs.fr"))),
            _ => (dossier((i * 7) % DOSSIERS), Some(email((i * 7) % DOSSIERS, i % 2))),
        })
        .collect();
    let rows: Vec<(&str, Option<&str>)> = sheet.iter().map(|(d, e)| (d.as_str(), e.as_deref())).collect();
    let (lookup, known) = timed(3, || reg.known(&rows).unwrap());
    let found: usize = known.values().map(Vec::len).sum();
    println!(
        "  a sheet of 20,000 rows looked up: {} (median of 3): {} rows known, {found} answered calls found (budget <= 1 s)",
        ms(lookup),
        known.len()
    );

    let (list, runs) = timed(5, || reg.runs().unwrap());
    println!("  the list of runs: {} ({} runs, median of 5) (budget <= 200 ms)", ms(list), runs.len());
    let (one, calls) = timed(5, || reg.dossier_calls(&dossier(1_234)).unwrap());
    println!("  one dossier's calls: {} ({} calls, median of 5) (budget <= 200 ms)", ms(one), calls.len());
    // `loopbatch history DOSSIER`: the same walk in the registre's order,
    // with each run's kept plan looked for (none here).
    let mut cfg = Config::resolve(FileConfig::default(), None, Lang::Fr).unwrap();
    cfg.registre = Some(path.clone());
    let (history, h) = timed(5, || loopbatch::job::history(&cfg, &dossier(1_234), None).unwrap());
    println!("  one dossier's history: {} ({} calls, median of 5) (budget <= 200 ms)", ms(history), h.lines.len());
}
