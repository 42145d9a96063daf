//! The engine as a library (`loopbatch::job`): a whole run driven with no
//! process and no argument parsing, against the in-process simulator over
//! real HTTP; the events it reported and the results rows asserted; a row
//! edited and checked again with the checks across rows.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loopbatch::job::Lang;
use loopbatch::job::Problem;
use loopbatch::job::exit;
use loopbatch::job::{self, CheckedSheet, Confirm, Edit, Event, EventSink, RunRequest, RunSource, SheetInput, Stopper};
use loopbatch::job::{Config, FileConfig, Keys, Rate, Secret};
use loopbatch::simulator::{self, Options};

use crate::util::{TestSim, Work, results_xlsx};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

fn sample_model() -> simulator::Model {
    let seed = simulator::Seed { dossiers: Some(sample("dossiers-simulateur.csv")), ..Default::default() };
    simulator::build_model(&seed, 1, Lang::Fr).unwrap()
}

/// The configuration, hermetic: none of the developer's per-user key files,
/// a per-user folder of the tests' own.
fn config(base_url: &str) -> Config {
    let mut cfg = Config::resolve(FileConfig::default(), None, Lang::Fr).unwrap();
    cfg.base_url = base_url.to_string();
    cfg.subscription_key_file = None;
    cfg.api_key_file = None;
    cfg.user_dir = Some(home().join(".config/loopbatch"));
    cfg.registre = Some(home().join("registre.sqlite3"));
    cfg
}

/// This test process's own home for the library's files: never a registre
/// left by an earlier build or test run.
fn home() -> &'static Path {
    static HOME: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("library-home").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        dir.keep()
    })
}

fn demo_keys() -> Keys {
    Keys {
        subscription: Secret::new(simulator::DEMO_SUBSCRIPTION_KEY),
        api: Secret::new(simulator::DEMO_API_KEY),
        warnings: Vec::new(),
    }
}

/// Events gathered in order.
fn recorder() -> (EventSink, Arc<Mutex<Vec<Event>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (Arc::new(move |e| sink.lock().unwrap().push(e)), seen)
}

fn never_asked() -> Confirm {
    Box::new(|c| panic!("no confirmation is asked for this machine: {c:?}"))
}

fn sheet_request(sheet: &Path, results: &Path) -> RunRequest {
    let mut req = RunRequest::new(RunSource::Sheet { input: SheetInput::new(sheet), online: None }, results);
    req.keys = Some(demo_keys());
    req
}

#[test]
fn a_whole_run_through_the_library_reports_events_and_rows() {
    // The gateway allows 40/s; the run asks for 200/s: it meets Retry-After.
    let sim = TestSim::start(Options {
        model: sample_model(),
        rate: Some(Rate { count: 40, per: Duration::from_secs(1) }),
        ..Default::default()
    });
    let w = Work::new();
    let out = w.path("résultats lib.xlsx");
    let mut req = sheet_request(&sample("onboarding-clients.csv"), &out);
    req.pacing.rate = Some(Rate { count: 200, per: Duration::from_secs(1) });
    req.pacing.burst = Some(20);
    req.pacing.concurrency = Some(8);
    let (events, seen) = recorder();
    let cfg = config(&sim.base_url);
    let report = sim.rt.block_on(job::run(&cfg, req, events, Stopper::default(), never_asked())).unwrap();

    assert_eq!(report.exit_code, exit::ROWS_FAILED, "6 rows of the sample are invalid");
    assert_eq!(report.rows.len(), 50);
    let counts = report.counts();
    assert_eq!(counts.get("OK"), Some(&44));
    assert_eq!(counts.get("INVALIDE"), Some(&6));
    assert!(report.stop.is_none());

    let events = seen.lock().unwrap().clone();
    let Some(Event::Started { calls, rate_per_s, base_url, key, .. }) =
        events.iter().find(|e| matches!(e, Event::Started { .. }))
    else {
        panic!("no Started event: {events:?}")
    };
    assert_eq!(*calls, report.calls_total);
    assert_eq!(*rate_per_s, 200.0);
    assert_eq!(base_url, &sim.base_url);
    assert!(!key.contains("demo-secret") && key.contains("***"), "{key}");
    let done: Vec<&Event> = events.iter().filter(|e| matches!(e, Event::CallDone { .. })).collect();
    assert_eq!(done.len(), report.calls_total, "one CallDone per call");
    assert!(done.iter().all(|e| matches!(e, Event::CallDone { skipped: false, status, .. } if status.word() == "OK")));
    assert!(events.iter().any(|e| matches!(e, Event::Paused { .. })), "the gateway's Retry-After is reported");
    assert!(!events.iter().any(|e| matches!(e, Event::Stopping { .. })));
    assert_eq!(
        events.last(),
        Some(&Event::ResultsWritten { path: out.clone(), instead_of: None }),
        "the results are the last thing said"
    );

    // The file holds what the report holds.
    let lines = results_xlsx(&out);
    assert_eq!(lines.len(), 50);
    for (line, row) in lines.iter().zip(&report.rows) {
        assert_eq!(line["statut"], row.status.word());
        assert_eq!(line["message"], row.message);
    }
    assert!(report.files.registre().exists() && report.files.plan().exists());
    // Secrets never appear in what the events say.
    let said = serde_json::to_string(&events).unwrap();
    assert!(!said.contains("demo-secret") && !said.contains(simulator::DEMO_SUBSCRIPTION_KEY), "{said}");
}

#[test]
fn a_stopped_run_sends_nothing_more_and_resumes_through_the_library() {
    let sim = TestSim::start(Options { model: sample_model(), ..Default::default() });
    let w = Work::new();
    let out = w.path("res.csv");
    let cfg = config(&sim.base_url);
    let stopper = Stopper::default();
    stopper.interrupt();
    let (events, seen) = recorder();
    let req = sheet_request(&sample("onboarding-clients.csv"), &out);
    let report = sim.rt.block_on(job::run(&cfg, req, events, stopper, never_asked())).unwrap();
    assert_eq!(report.exit_code, exit::STOPPED);
    assert_eq!(report.calls_sent, 0, "stopped before the first call");
    assert_eq!(report.counts().get("NON_EXECUTE"), Some(&44));
    let events = seen.lock().unwrap().clone();
    assert!(events.iter().any(|e| matches!(e, Event::Stopping { interrupted: true, .. })), "{events:?}");
    assert_eq!(sim.stats()["total"].as_u64().unwrap_or(0), 0);

    // Resume with the journal: every call goes, none twice (at 100/s: the
    // default 5/s is not what this tests).
    let mut req = sheet_request(&sample("onboarding-clients.csv"), &out);
    req.resume = true;
    req.pacing.rate = Some(Rate { count: 100, per: Duration::from_secs(1) });
    let (events, _) = recorder();
    let report = sim.rt.block_on(job::run(&cfg, req, events, Stopper::default(), never_asked())).unwrap();
    assert_eq!(report.exit_code, exit::ROWS_FAILED);
    assert_eq!(report.counts().get("OK"), Some(&44));
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}

#[test]
fn two_runs_live_in_one_process_and_a_remote_host_asks_first() {
    let sim = TestSim::start(Options { model: sample_model(), ..Default::default() });
    let w = Work::new();
    let cfg = config(&sim.base_url);
    // The same sheet twice would create the same contacts: two halves.
    let text = std::fs::read(sample("onboarding-clients.csv")).unwrap();
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    let (head, body) = lines.split_first().unwrap();
    let half = |part: &[&[u8]]| [&[*head][..], part].concat().join(&b'\n');
    let a = w.file("a.csv", &half(&body[..20]));
    let b = w.file("b.csv", &half(&body[20..]));
    let (ea, _) = recorder();
    let (eb, _) = recorder();
    // At 100/s each: the default 5/s is not what this tests.
    let fast = |sheet: &Path, out: PathBuf| {
        let mut req = sheet_request(sheet, &out);
        req.pacing.rate = Some(Rate { count: 100, per: Duration::from_secs(1) });
        req
    };
    let (ra, rb) = sim.rt.block_on(async {
        tokio::join!(
            job::run(&cfg, fast(&a, w.path("a.xlsx")), ea, Stopper::default(), never_asked()),
            job::run(&cfg, fast(&b, w.path("b.xlsx")), eb, Stopper::default(), never_asked()),
        )
    });
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.rows.len() + rb.rows.len(), 50);
    assert_eq!(ra.counts().get("OK").unwrap_or(&0) + rb.counts().get("OK").unwrap_or(&0), 44);

    // A host that is not this machine: the callback is asked, with the
    // host and the calls; its refusal stops everything before any IO.
    let remote = config("https://api.cabinet.invalid/loop-api-publiques");
    let asked = Arc::new(Mutex::new(None));
    let record = asked.clone();
    let confirm: Confirm = Box::new(move |c| {
        *record.lock().unwrap() = Some(c);
        Box::pin(async { Err(loopbatch::job::Failure::declined()) })
    });
    let (events, _) = recorder();
    let out = w.path("remote.xlsx");
    let err = sim
        .rt
        .block_on(job::run(&remote, sheet_request(&a, &out), events, Stopper::default(), confirm))
        .err()
        .expect("refused");
    assert_eq!(err.exit(), loopbatch::job::exit::UNUSABLE, "{err}");
    let c = asked.lock().unwrap().clone().expect("asked");
    assert_eq!(c.host, "api.cabinet.invalid");
    assert!(c.calls > 0 && c.calls_per_route.values().sum::<usize>() == c.calls);
    let registre = loopbatch::job::Registre::open(remote.registre.as_ref().unwrap(), Lang::Fr).unwrap();
    assert!(!out.exists() && registre.run_for(&out).unwrap().is_none(), "nothing written");
}

fn check_counts(w: &Work, file: &Path) -> serde_json::Value {
    let out = w.bin().args(["check", file.to_str().unwrap(), "--format", "json"]).output().unwrap();
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["rows"].clone()
}

#[test]
fn an_edited_row_is_checked_again_with_the_checks_across_rows() {
    let w = Work::new();
    let file = w.csv_1252(
        "edit.csv",
        &[
            "code_dossier;raison_sociale;offre;email;nom;prenom;telephone",
            "D001;Alpha;start;jean@@exemple.fr;Martin;Jean;0612345678",
            "D002;Beta;start;paul@exemple.fr;Durand;Paul;0612345679",
            "D003;Gamma;start;paul@exemple.fr;Petit;Anne;0612345670",
            "D004;Delta;start;lea@exemple.fr;Roux;Léa;0612345671",
        ],
    );
    let cfg = config("http://127.0.0.1:1");
    let mut sheet = CheckedSheet::open(&cfg, &SheetInput::new(&file), None, None).unwrap();
    let counts = sheet.counts();
    let cli = check_counts(&w, &file);
    assert_eq!((counts.rows, counts.valid, counts.invalid), (4, 1, 3));
    assert_eq!(cli["valid"], counts.valid as u64);
    assert_eq!(cli["invalid"], counts.invalid as u64);
    assert!(sheet.rows()[1].problems.iter().any(|p| matches!(p, Problem::SharedEmail { .. })));
    let name = sheet.table().rows[0].sheet.to_string();

    // The mistyped e-mail fixed: that row alone turns valid.
    let changed =
        sheet.edit(&Edit { sheet: name.clone(), line: 2, field: "email".into(), value: "jean@exemple.fr".into() });
    assert_eq!(changed.unwrap(), vec![0]);
    assert!(sheet.rows()[0].problems.is_empty(), "{:?}", sheet.rows()[0].problems);
    assert_eq!(sheet.counts().valid, 2);

    // One of the two people sharing an e-mail gets her own: both rows turn
    // valid (the check across rows is done again).
    let changed = sheet
        .edit(&Edit { sheet: name.clone(), line: 4, field: "E-mail".into(), value: "anne@exemple.fr".into() })
        .unwrap();
    assert_eq!(changed, vec![2, 1]);
    assert_eq!(sheet.counts().valid, 4);

    // And back: the same e-mail for the fourth row's person spoils two rows.
    sheet.edit(&Edit { sheet: name.clone(), line: 5, field: "email".into(), value: "anne@exemple.fr".into() }).unwrap();
    assert_eq!(sheet.counts().invalid, 2);
    assert!(sheet.rows()[3].problems.iter().any(|p| matches!(p, Problem::SharedEmail { .. })));

    // The sheet as edited plans like the CLI plans the same sheet.
    let fixed = w.csv_1252(
        "fixed.csv",
        &[
            "code_dossier;raison_sociale;offre;email;nom;prenom;telephone",
            "D001;Alpha;start;jean@exemple.fr;Martin;Jean;0612345678",
            "D002;Beta;start;paul@exemple.fr;Durand;Paul;0612345679",
            "D003;Gamma;start;anne@exemple.fr;Petit;Anne;0612345670",
            "D004;Delta;start;anne@exemple.fr;Roux;Léa;0612345671",
        ],
    );
    let cli = check_counts(&w, &fixed);
    assert_eq!(cli["invalid"], sheet.counts().invalid as u64);
    assert_eq!(cli["valid"], sheet.counts().valid as u64);

    // Unknown rows and columns are said, not guessed.
    let e = sheet.edit(&Edit { sheet: name.clone(), line: 99, field: "email".into(), value: String::new() });
    assert!(e.unwrap_err().to_string().contains("99"));
    let e = sheet.edit(&Edit { sheet: name.clone(), line: 2, field: "profil".into(), value: "2.0".into() });
    assert!(e.unwrap_err().to_string().contains("profil"));
}
