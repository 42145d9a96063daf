//! `--only-failed` under what a person does: the same command run twice, a
//! stopped run whose last addClients went without an answer, a results file
//! older than its journal. Only loopbatch's journals are proof; checked on
//! what the simulator received and holds.

use std::time::{Duration, Instant};

use loopbatch::simulator::{self, Faults, Options};
use loopbatch::simulator::{Operation, Routes};

use crate::util::total;
use crate::util::{Hermetic, TestSim, Work, model, results_csv};

fn sheet(w: &Work, n: usize, uninvited_every: usize) -> std::path::PathBuf {
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    for i in 1..=n {
        let domain = if uninvited_every > 0 && i % uninvited_every == 0 { "pas-invite.fr" } else { "ok.fr" };
        lines.push(format!("O{i:03};o{i}@{domain};Nom{i};Prenom{i};start"));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    w.csv_1252("o.csv", &refs)
}

fn opts(n: usize) -> Options {
    let codes: Vec<String> = (1..=n).map(|i| format!("O{i:03}")).collect();
    let pairs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    let mut o = Options { model: model(&pairs), ..Default::default() };
    o.model.uninvited_domains.insert("pas-invite.fr".into());
    o
}

fn contacts(sim: &TestSim) -> usize {
    sim.state()["contacts"].as_object().map_or(0, |c| c.len())
}

#[test]
fn the_same_only_failed_run_twice_sends_nothing_again() {
    let w = Work::new();
    let input = sheet(&w, 10, 5);
    let sim = TestSim::start(opts(10));
    let name = input.to_str().unwrap();
    w.bin_for(&sim).args(["run", name, "--results", "r1.csv", "--rate", "200/s"]).assert().code(1);
    let again = ["run", name, "--results", "r2.csv", "--only-failed", "r1.csv", "--rate", "200/s"];
    w.bin_for(&sim).args(again).assert().code(1);
    let r2 = std::fs::read(w.path("r2.csv")).unwrap();
    let sent = total(&sim);
    let out = w.bin_for(&sim).args(again).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("a déjà son exécution") && said.contains("--resume"), "{said}");
    assert_eq!(total(&sim), sent, "nothing sent");
    assert_eq!(std::fs::read(w.path("r2.csv")).unwrap(), r2, "its results kept");
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}

/// A run stopped (Ctrl-C) while its addClients' answers are lost: those
/// calls may have been applied. Its failures run again: a resend answered
/// « déjà associé » proves nothing, the rows are A_VERIFIER, never ERREUR
/// on a contact this run created (nor OK).
#[cfg(unix)]
#[test]
fn only_failed_settles_what_a_stopped_run_sent_without_an_answer() {
    let w = Work::new();
    let n = 3;
    let input = sheet(&w, n, 0);
    let mut o = opts(n);
    let r = Routes::default();
    o.faults = Faults {
        lost_answer_rate: 1.0,
        spared_routes: [Operation::ProvisionCompany, Operation::AddOffer, Operation::AddCollaborativeOffer]
            .map(|op| r.of(op).to_string())
            .to_vec(),
        ..Default::default()
    };
    let sim = TestSim::start(o);
    let name = input.to_str().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .hermetic(&w.home())
        // Paced so that a lost answer's resend waits for its turn: the
        // Ctrl-C comes then, leaving the call sent without an answer.
        .args(["run", name, "--results", "r1.csv", "--rate", "4/s", "--burst", "1", "--quiet"])
        .env("LOOP_BASE_URL", &sim.base_url)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while contacts(&sim) < 1 {
        assert!(Instant::now() < deadline, "the addClients never went");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: sends SIGINT (Ctrl-C) to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    assert_eq!(child.wait().unwrap().code(), Some(3), "stopped");
    let r1 = results_csv(&w.path("r1.csv"));
    assert!(r1.iter().all(|l| l["statut"] != "OK" && l["statut"] != "ERREUR"), "a stop is no outcome: {r1:?}");
    assert!(r1.iter().any(|l| l["message"].contains("non réglé")), "a call left to settle: {r1:?}");
    let out = w
        .bin_for(&sim)
        .args(["run", name, "--results", "r2.csv", "--only-failed", "r1.csv", "--rate", "200/s", "--retries", "2"])
        .output()
        .unwrap();
    let r2 = results_csv(&w.path("r2.csv"));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    for line in &r2 {
        assert_eq!(line["statut"], "A_VERIFIER", "{line:?}");
        assert!(line["message"].contains(&line["email"]), "names whom to check: {line:?}");
    }
    assert_eq!(contacts(&sim), n, "each contact created once");
}

/// A results file left by an earlier run (its record gone) beside the
/// journal of a later run of the same sheet that was killed: its OK rows
/// prove nothing; their calls are sent.
#[test]
fn only_failed_takes_no_ok_row_of_a_stale_results_file_as_done() {
    let w = Work::new();
    let n = 6;
    let input = sheet(&w, n, 0);
    let name = input.to_str().unwrap();
    let first = TestSim::start(opts(n));
    w.bin_for(&first).args(["run", name, "--results", "r.csv", "--rate", "200/s"]).assert().code(0);
    crate::util::wipe_registre(&w);
    std::fs::remove_file(w.path("r.csv.plan.json")).unwrap();
    let second = TestSim::start(opts(n));
    // The same sheet against another tenant, killed at its third sending:
    // r.csv still holds the first run's OK rows.
    let out = w
        .bin_for(&second)
        .env("LOOPBATCH_TEST_KILL_AT", "sending:3")
        .args(["run", name, "--results", "r.csv", "--rate", "200/s", "--concurrency", "1"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "killed");
    assert!(results_csv(&w.path("r.csv")).iter().all(|l| l["statut"] == "OK"), "the stale results");
    w.bin_for(&second)
        .args(["run", name, "--results", "r2.csv", "--only-failed", "r.csv", "--rate", "200/s"])
        .assert()
        .code(0);
    assert!(results_csv(&w.path("r2.csv")).iter().all(|l| l["statut"] == "OK"));
    assert_eq!(contacts(&second), n, "every contact created where this run goes");
}
