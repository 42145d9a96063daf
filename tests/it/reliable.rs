//! A run that never lies: a journal that cannot be written stops the run and
//! nothing is sent twice after; a wrong key fixed, then resumed; calls
//! applied then answered 504; hand-edited plans refused before anything is
//! sent; the printed resume command works as printed; both throttling
//! models of the gateway.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use loopbatch::simulator::Rate;
use loopbatch::simulator::{self, Faults, Options, ThrottleModel};

use crate::util::Hermetic;
use crate::util::{TestSim, Work, X, model, results_csv, results_xlsx, xlsx};

pub(crate) fn onboarding(w: &Work, n: usize) -> (PathBuf, Vec<String>) {
    let codes: Vec<String> = (1..=n).map(|i| format!("J{i:03}")).collect();
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    lines.extend(codes.iter().enumerate().map(|(i, c)| format!("{c};p{i}@exemple.fr;Nom{i};Prenom{i};start")));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    (w.csv_1252("j.csv", &refs), codes)
}

pub(crate) fn sim_for(codes: &[String], faults: Faults) -> TestSim {
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    TestSim::start(Options { model: model(&refs), faults, ..Default::default() })
}

/// A shared object that makes writes to the registre's WAL
/// (`registre.sqlite3-wal`) fail with "no space left on device" after
/// `JOURNAL_WRITES_ALLOWED` of them (the disk fills up under the registre,
/// and only there), or its syncs fail with an I/O error after
/// `JOURNAL_SYNCS_ALLOWED` of them (the disk gives up).
pub(crate) fn disk_full_shim(w: &Work) -> PathBuf {
    let src = w.path("plein.c");
    std::fs::write(
        &src,
        r#"#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static long allowed = -1;
static int is_journal(int fd) {
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return 0;
    path[n] = 0;
    n = strlen(path);
    return n > 20 && strcmp(path + n - 20, "registre.sqlite3-wal") == 0;
}
static int full(int fd) {
    if (!is_journal(fd)) return 0;
    if (allowed < 0) { const char *v = getenv("JOURNAL_WRITES_ALLOWED"); allowed = v ? atol(v) : 1000000; }
    if (__atomic_load_n(&allowed, __ATOMIC_SEQ_CST) <= 0) { errno = ENOSPC; return 1; }
    __atomic_fetch_sub(&allowed, 1, __ATOMIC_SEQ_CST);
    return 0;
}
ssize_t write(int fd, const void *buf, size_t count) {
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (full(fd)) return -1;
    return real(fd, buf, count);
}
ssize_t pwrite(int fd, const void *buf, size_t count, off_t at) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    if (full(fd)) return -1;
    return real(fd, buf, count, at);
}
ssize_t pwrite64(int fd, const void *buf, size_t count, off_t at) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    if (full(fd)) return -1;
    return real(fd, buf, count, at);
}
static long syncs = -1;
static int broken(int fd) {
    if (!is_journal(fd)) return 0;
    if (syncs < 0) { const char *v = getenv("JOURNAL_SYNCS_ALLOWED"); syncs = v ? atol(v) : 1000000; }
    if (__atomic_load_n(&syncs, __ATOMIC_SEQ_CST) <= 0) { errno = EIO; return 1; }
    __atomic_fetch_sub(&syncs, 1, __ATOMIC_SEQ_CST);
    return 0;
}
int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    if (broken(fd)) return -1;
    return real(fd);
}
int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (broken(fd)) return -1;
    return real(fd);
}
"#,
    )
    .unwrap();
    let so = w.path("plein.so");
    let built = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&so)
        .arg(&src)
        .arg("-ldl")
        .status()
        .expect("a C compiler (cc), as Rust itself needs to link");
    assert!(built.success());
    so
}

const ROWS: usize = 100;

#[cfg(target_os = "linux")]
#[test]
fn a_journal_that_cannot_be_written_stops_the_run_and_the_resume_sends_nothing_twice() {
    journal_failing_mid_run(("JOURNAL_WRITES_ALLOWED", "300"), &["(disque plein)"]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_journal_that_cannot_be_synced_stops_the_run_and_the_resume_sends_nothing_twice() {
    // SQLite's « disk I/O error », by its code (SQLITE_IOERR_FSYNC and kin).
    journal_failing_mid_run(("JOURNAL_SYNCS_ALLOWED", "3"), &["(erreur SQLite n° "]);
}

/// A run whose journal fails part-way (`fault`: the shim's variable), then
/// a resume once the disk is fine again; `error`: how French says the system's error.
/// 100 rows: more dossiers than look-ahead places (8 × 8), so that the
/// syncs and writes allowed let some calls go before the failure.
fn journal_failing_mid_run(fault: (&str, &str), error: &[&str]) {
    let w = Work::new();
    let (input, codes) = onboarding(&w, ROWS);
    let sim = sim_for(&codes, Faults { latency: Duration::from_millis(15), ..Default::default() });
    let shim = disk_full_shim(&w);
    let run = |with_shim: bool| {
        let mut c = w.bin_for(&sim);
        c.args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "500/s", "--concurrency", "8"]);
        if with_shim {
            c.env("LD_PRELOAD", &shim).env(fault.0, fault.1);
        } else {
            c.arg("--resume");
        }
        c.output().unwrap()
    };
    let out = run(true);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("registre impossible à écrire") && err.contains("registre.sqlite3"), "{err}");
    assert!(error.iter().any(|e| err.contains(e)), "the system's error: {err}");
    assert!(!err.contains("database or disk is full") && !err.contains("disk I/O error"), "no SQLite English: {err}");
    assert!(err.contains("--resume"), "{err}");
    let l = results_csv(&w.path("r.csv"));
    assert_eq!(l.len(), ROWS, "results written as for any stop");
    assert!(l.iter().any(|x| x["statut"] == "NON_EXECUTE"));
    // No call went out unless its "sent" record was on disk.
    let events = crate::util::registre_events(&w, &w.path("r.csv")).unwrap();
    let recorded = events.iter().filter(|e| e.2 == "reserved").count() as u64;
    let received = sim.stats()["total"].as_u64().unwrap();
    assert!(received > 0 && received <= recorded, "{received} received, {recorded} recorded as sent");

    // Room again: the resume finishes, and nothing answered is sent again.
    let out = run(false);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let l = results_csv(&w.path("r.csv"));
    assert!(l.iter().all(|x| x["statut"] == "OK"), "{:?}", l.iter().map(|x| &x["message"]).collect::<Vec<_>>());
    let stats = sim.stats();
    assert!(stats["duplicates"].as_object().unwrap().is_empty(), "received again after a delivered success: {stats}");
    // At most one deciding resend per call that was in flight.
    let mut sends: HashMap<u32, usize> = HashMap::new();
    for e in crate::util::registre_events(&w, &w.path("r.csv")).unwrap().iter().filter(|e| e.2 == "reserved") {
        *sends.entry(e.0).or_default() += 1;
    }
    assert!(sends.values().all(|n| *n <= 2), "{sends:?}");
}

/// The printed resume command, with the binary's path for `loopbatch`.
fn printed_resume(stderr: &str) -> String {
    let line = stderr.lines().find_map(|l| l.strip_prefix("Pour reprendre : ")).expect("a resume command");
    let bin = env!("CARGO_BIN_EXE_loopbatch");
    line.replacen("loopbatch", &format!("\"{bin}\""), 1)
}

#[cfg(unix)]
#[test]
fn a_wrong_key_fixed_then_the_printed_command_resumes_every_row() {
    let w = Work::new();
    let codes: Vec<String> = (1..=12).map(|i| format!("K{i:03}")).collect();
    let sim = sim_for(&codes, Faults::default());
    // A folder with spaces and accents, its configuration holding the
    // address and naming the key files (relative to it).
    let dir = w.path("Cabinet Dupré/import décembre");
    std::fs::create_dir_all(dir.join("clés")).unwrap();
    let config = dir.join("ma config.toml");
    std::fs::write(
        &config,
        format!(
            "base_url = \"{}\"\nrate = \"200/s\"\nsubscription_key_file = \"clés/abonnement.key\"\napi_key_file = \"clés/api.key\"\n",
            sim.base_url
        ),
    )
    .unwrap();
    std::fs::write(dir.join("clés/abonnement.key"), simulator::DEMO_SUBSCRIPTION_KEY).unwrap();
    std::fs::write(dir.join("clés/api.key"), "demo-key-id:mauvais-secret").unwrap();
    #[cfg(unix)]
    for f in ["abonnement.key", "api.key"] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.join("clés").join(f), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // A workbook whose second sheet is the one to run.
    let mut rows = vec![vec![X::T("code_dossier"), X::T("email"), X::T("nom"), X::T("offre")]];
    for (i, c) in codes.iter().enumerate() {
        let email: &'static str = Box::leak(format!("k{i}@exemple.fr").into_boxed_str());
        rows.push(vec![X::T(Box::leak(c.clone().into_boxed_str())), X::T(email), X::T("Nom"), X::T("start")]);
    }
    let book = dir.join("fichier clients.xlsx");
    xlsx(&book, &[("Brouillon", vec![vec![X::T("code_dossier")], vec![X::T("ZZZ9")]]), ("À envoyer", rows)]);
    let results = dir.join("résultats décembre.xlsx");
    let out = w
        .bin()
        .current_dir(&dir)
        .args(["--config", "ma config.toml", "run", "fichier clients.xlsx", "--sheet", "À envoyer"])
        .args(["--results", "résultats décembre.xlsx"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("clé d'API refusée"), "{err}");
    assert!(!err.contains("mauvais-secret"), "a key never shows");
    let first = results_xlsx(&results);
    assert!(first.iter().all(|l| l["statut"] != "OK"));

    // The key fixed, the printed command, run as printed from elsewhere.
    std::fs::write(dir.join("clés/api.key"), simulator::DEMO_API_KEY).unwrap();
    let command = printed_resume(&err);
    assert!(command.contains("--config") && command.contains("résultats décembre.xlsx.plan.json"), "{command}");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir("/")
        .hermetic(&w.home())
        .env_remove("LOOP_BASE_URL")
        .env_remove("LOOP_API_KEY")
        .env_remove("LOOP_SUBSCRIPTION_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{command}\n{}", String::from_utf8_lossy(&out.stderr));
    let l = results_xlsx(&results);
    assert_eq!(l.len(), 12, "the sheet chosen by --sheet, from the plan copy");
    assert!(l.iter().all(|x| x["statut"] == "OK"), "{:?}", l.iter().map(|x| &x["message"]).collect::<Vec<_>>());
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}

/// A 504 says nothing of whether the call was applied: a provisionCompany
/// resent is answered « déjà opérationnel » (OK); an addClient resent is
/// answered « e-mail déjà associé », which cannot tell its own contact from
/// someone else's: A_VERIFIER, naming what to check in Loop.
#[test]
fn calls_applied_then_answered_504_are_settled_without_a_false_ok() {
    let w = Work::new();
    // As the issue measured it: 200 rows, 4 % of the calls applied then 504.
    let (input, codes) = onboarding(&w, 200);
    let sim = sim_for(&codes, Faults { applied_then_504_rate: 0.04, ..Default::default() });
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "500/s"])
        .output()
        .unwrap();
    let l = results_csv(&w.path("r.csv"));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(l.iter().all(|x| x["statut"] != "ERREUR"), "{said}");
    let stats = sim.stats();
    let late = stats["lost_applied"].as_object().unwrap();
    let late_clients: Vec<&String> = late.keys().filter(|k| k.starts_with("addClient ")).collect();
    assert!(late.len() > 5 && !late_clients.is_empty(), "faults were injected: {stats}");
    assert!(stats["duplicates"].as_object().unwrap().is_empty(), "{stats}");
    let to_check: Vec<_> = l.iter().filter(|x| x["statut"] == "A_VERIFIER").collect();
    assert_eq!(to_check.len(), late_clients.len(), "one row to check per addClient answered 504: {stats}");
    for x in &to_check {
        let m = &x["message"];
        assert!(m.contains(&x["email"]) && m.contains(&x["prenom"]) && m.contains(&x["nom"]), "{m}");
        assert!(m.contains(&x["code_dossier"]) && m.contains("Loop"), "{m}");
        assert!(late_clients.iter().any(|k| k.ends_with(&x["email"])), "{m}");
    }
    assert_eq!(l.iter().filter(|x| x["statut"] == "OK").count(), 200 - to_check.len(), "{said}");
    // The contacts exist in Loop: the 504s had applied them.
    let state = sim.state().to_string();
    assert!(to_check.iter().all(|x| state.contains(&x["email"])), "{state}");
}

#[test]
fn tampered_plans_are_refused_before_anything_is_sent() {
    let w = Work::new();
    let (input, codes) = onboarding(&w, 10);
    let sim = sim_for(&codes, Faults::default());
    w.bin().args(["plan", input.to_str().unwrap(), "--out", "p.json"]).assert().code(0);
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(w.path("p.json")).unwrap()).unwrap();
    let tamper = |name: &str, change: &dyn Fn(&mut serde_json::Value)| {
        let mut p = plan.clone();
        change(&mut p);
        std::fs::write(w.path(name), serde_json::to_vec(&p).unwrap()).unwrap();
        let started = std::time::Instant::now();
        let out = w
            .bin_for(&sim)
            .args(["run", name, "--results", &format!("{name}.csv")])
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "{name}: no wait hangs");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let calls = plan["calls"].as_array().unwrap().len();
    type Change = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Change, &str)> = vec![
        ("missing.json", Box::new(|p| p["calls"][5]["depends_on"] = serde_json::json!([999])), "999"),
        (
            "cycle.json",
            Box::new(move |p| p["calls"][1]["depends_on"] = serde_json::json!([p["calls"][2]["id"].clone()])),
            "l'appel 2",
        ),
        (
            "self.json",
            Box::new(|p| p["calls"][3]["depends_on"] = serde_json::json!([p["calls"][3]["id"].clone()])),
            "l'appel 4",
        ),
        ("twice.json", Box::new(|p| p["calls"][4]["id"] = p["calls"][2]["id"].clone()), "déjà pris"),
        ("route.json", Box::new(|p| p["calls"][0]["route"] = serde_json::json!("/autre/route")), "/autre/route"),
        (
            "operation.json",
            Box::new(|p| p["calls"][0]["operation"] = serde_json::json!("deleteEverything")),
            "Plan invalide",
        ),
    ];
    for (name, change, said) in cases {
        let (code, err) = tamper(name, change.as_ref());
        assert_eq!(code, Some(2), "{name}: {err}");
        assert!(err.contains("Plan invalide") && err.contains(said), "{name}: {err}");
    }
    assert_eq!(sim.stats()["total"].as_u64().unwrap_or(0), 0, "nothing sent");
    assert!(calls > 6);
    // The plan as written runs (at 200/s: the default 5/s is not what this tests).
    w.bin_for(&sim).args(["run", "p.json", "--results", "ok.csv", "--rate", "200/s"]).assert().code(0);
}

#[test]
fn a_throttling_gateway_is_followed_in_both_models() {
    for throttle in [ThrottleModel::Window, ThrottleModel::Lockout] {
        let w = Work::new();
        let (input, codes) = onboarding(&w, 20);
        let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
        let sim = TestSim::start(Options {
            model: model(&refs),
            rate: Some(Rate { count: 20, per: Duration::from_secs(1) }),
            throttle,
            ..Default::default()
        });
        // provisionCompany, addOffer and addClient per row: 60 calls at a gateway of 20/s.
        let out = w
            .bin_for(&sim)
            .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s", "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{throttle:?}: {}", String::from_utf8_lossy(&out.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rate = summary["rate_final_per_s"].as_f64().unwrap();
        assert!(rate > 0.0 && rate < 60.0, "{throttle:?}: the pace came down from 100/s: {summary}");
        assert!(results_csv(&w.path("r.csv")).iter().all(|l| l["statut"] == "OK"));
        let stats = sim.stats();
        assert!(stats["throttled"].as_u64().unwrap() >= 1, "{throttle:?}: {stats}");
        assert!(stats["throttled"].as_u64().unwrap() <= 10, "{throttle:?}: few 429s: {stats}");
    }
}

#[test]
fn a_removal_applied_then_answered_504_is_never_a_false_refusal() {
    let w = Work::new();
    // 60 contacts with the offer start on their dossier; the sheet takes it back.
    let n = 60;
    let mut dossiers = vec!["codeDossier;raisonSociale;statut;maitreDossier;engagementManager;offres".to_string()];
    let mut contacts = vec!["email;code_dossier;offre".to_string()];
    let mut sheet = vec!["action;code_dossier;email;offre".to_string()];
    for i in 0..n {
        dossiers.push(format!("R{i:03};Société {i};Opérationnel;m@c.fr;e@c.fr;start"));
        contacts.push(format!("p{i}@exemple.fr;R{i:03};start"));
        sheet.push(format!("retirer_application;R{i:03};p{i}@exemple.fr;start"));
    }
    std::fs::write(w.path("d.csv"), dossiers.join("\n")).unwrap();
    std::fs::write(w.path("c.csv"), contacts.join("\n")).unwrap();
    let seed =
        simulator::Seed { dossiers: Some(w.path("d.csv")), contacts: Some(w.path("c.csv")), ..Default::default() };
    let model = simulator::build_model(&seed, 7, loopbatch::job::Lang::Fr).unwrap();
    let sim = TestSim::start(Options {
        model,
        faults: Faults { applied_then_504_rate: 0.3, ..Default::default() },
        ..Default::default()
    });
    let refs: Vec<&str> = sheet.iter().map(String::as_str).collect();
    let input = w.csv_1252("retrait.csv", &refs);
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "500/s"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    let l = results_csv(&w.path("r.csv"));
    let stats = sim.stats();
    let gateway_timeouts = stats["calls"]["/provisionningCollab/removeApplication"]["504"].as_u64().unwrap_or(0);
    assert!(gateway_timeouts > 5, "faults were injected: {stats}");
    // Each offer is gone from Loop; a resend's « pas affectée » after a 504
    // that had applied it is never said as Loop's refusal.
    assert!(l.iter().all(|x| x["statut"] == "OK" || x["statut"] == "A_VERIFIER"), "{said}\n{l:?}");
    let to_check: Vec<_> = l.iter().filter(|x| x["statut"] == "A_VERIFIER").collect();
    assert!(!to_check.is_empty(), "some resends met the removal already done: {stats}");
    assert!(
        to_check.iter().all(|x| x["message"].starts_with("réponse perdue") && x["conseil"].contains("Loop")),
        "{to_check:?}"
    );
    let state = sim.state();
    for i in 0..n {
        let offers = &state["contacts"][format!("p{i}@exemple.fr")]["dossiers"][format!("R{i:03}")];
        assert!(!offers.to_string().contains("start"), "p{i}: {offers}");
    }
}
