//! A person's checks (`verify`) and closed runs under combined faults
//! (review of issue 22): a check marks only the calls whose outcome is
//! unknown, the check after wins, a resume honours checks, a closed run is
//! never resumed. Checked on the results AND on the simulator's calls and
//! state.

use loopbatch::simulator::{Faults, Operation, Options, Routes};

use crate::util::received;
use crate::util::{TestSim, Work, model, results_csv};

fn said(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// provisionCompany's answers lost (applied, then A_VERIFIER): its addOffer
/// and addClient never sent. `verify --done` marks that one call only (the
/// next run sends the offer and the contact, Loop has them); `--not-done`
/// after it wins (the call is sent again); a row not to check is refused.
#[test]
fn verify_marks_only_the_unknown_calls_and_the_check_after_wins() {
    let w = Work::new();
    let r = Routes::default();
    let faults = Faults {
        lost_answer_rate: 1.0,
        spared_routes: [Operation::AddOffer, Operation::AddClient, Operation::AddCollaborativeOffer]
            .map(|op| r.of(op).to_string())
            .to_vec(),
        ..Default::default()
    };
    let sim = TestSim::start(Options { model: model(&[("D001", false)]), faults, ..Default::default() });
    let s = w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;a1@z.fr;Nom;start"]);
    let run = |results: &str| {
        let out = w
            .bin_for(&sim)
            .args(["run", s.to_str().unwrap(), "--results", results, "--rate", "500/s", "--retries", "1"])
            .output()
            .unwrap();
        (out.status.code(), results_csv(&w.path(results)))
    };
    let verify = |results: &str, flag: &str| w.bin().args(["verify", results, "--line", "2", flag]).output().unwrap();
    let (_, r1) = run("r1.csv");
    assert_eq!(r1[0]["statut"], "A_VERIFIER", "{r1:?}");
    assert_eq!((received(&sim, Operation::AddOffer), received(&sim, Operation::AddClient)), (0, 0));
    let out = verify("r1.csv", "--done");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(said(&out).contains("ses 1 appel(s) comptent comme appliqués"), "only provisionCompany: {}", said(&out));
    // The check after wins: not done, the call is sent again.
    let out = verify("r1.csv", "--not-done");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(said(&out).contains("ses 1 appel(s) seront renvoyés"), "{}", said(&out));
    let provisions = received(&sim, Operation::ProvisionCompany);
    let (_, r2) = run("r2.csv");
    assert!(received(&sim, Operation::ProvisionCompany) > provisions, "sent again after --not-done: {r2:?}");
    assert_ne!(r2[0]["statut"], "DEJA_FAIT", "{r2:?}");
    // Checked done now: the dependents are sent, Loop has them.
    let out = verify("r2.csv", "--done");
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let provisions = received(&sim, Operation::ProvisionCompany);
    let (code, r3) = run("r3.csv");
    assert_eq!(code, Some(0), "{r3:?}");
    assert_eq!(r3[0]["statut"], "OK", "{r3:?}");
    assert_eq!(received(&sim, Operation::ProvisionCompany), provisions, "not sent again");
    assert_eq!((received(&sim, Operation::AddOffer), received(&sim, Operation::AddClient)), (1, 1));
    let state = sim.state();
    assert_eq!(state["dossiers"]["D001"]["offers"], serde_json::json!(["start"]), "{state}");
    assert!(state["contacts"].get("a1@z.fr").is_some(), "{state}");
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
    // An OK row is not to check: refused, nothing recorded.
    let out = verify("r3.csv", "--done");
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("n'est pas à vérifier") && said(&out).contains("Rien n'a été noté"), "{}", said(&out));
    // Nor is a DEJA_FAIT row (r4: everything known done).
    let (_, r4) = run("r4.csv");
    assert_eq!(r4[0]["statut"], "DEJA_FAIT", "{r4:?}");
    assert_eq!(verify("r4.csv", "--done").status.code(), Some(2));
}

/// A run killed once addClient was applied and before its answer was
/// noted: `verify --done`, then the resume does not send addClient again
/// (the person's check stands); `--not-done` instead, and the resume sends
/// it.
#[test]
fn a_resume_honours_the_persons_checks() {
    for done in [true, false] {
        let w = Work::new();
        let sim = TestSim::start(Options { model: model(&[("D001", false)]), ..Default::default() });
        let s = w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Nom;start"]);
        let out = w
            .bin_for(&sim)
            .env("LOOPBATCH_TEST_KILL_AT", "answered:3")
            .args(["run", s.to_str().unwrap(), "--results", "r.csv", "--rate", "500/s", "--concurrency", "1"])
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(0), "killed");
        assert_eq!(received(&sim, Operation::AddClient), 1, "applied before the kill");
        let flag = if done { "--done" } else { "--not-done" };
        let out = w.bin().args(["verify", "r.csv", "--line", "2", flag]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        assert!(said(&out).contains("ses 1 appel(s)"), "{}", said(&out));
        let out = w
            .bin_for(&sim)
            .args(["run", "r.csv.plan.json", "--results", "r.csv", "--resume", "--rate", "500/s"])
            .output()
            .unwrap();
        let rows = results_csv(&w.path("r.csv"));
        if done {
            assert_eq!(out.status.code(), Some(0), "{}", said(&out));
            assert_eq!(received(&sim, Operation::AddClient), 1, "not sent again: {rows:?}");
            assert!(matches!(rows[0]["statut"].as_str(), "OK" | "DEJA_FAIT"), "{rows:?}");
            assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
        } else {
            assert_eq!(received(&sim, Operation::AddClient), 2, "sent again as the check said: {rows:?}");
        }
    }
}

/// A run killed with calls left, closed with `registre close`: its resume
/// is refused (exit 2), nothing sent.
#[test]
fn a_closed_run_is_never_resumed() {
    let w = Work::new();
    let sim = TestSim::start(Options { model: model(&[("D001", true), ("D002", true)]), ..Default::default() });
    let s =
        w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start", "D002;p2@ok.fr;Deux;start"]);
    let out = w
        .bin_for(&sim)
        .env("LOOPBATCH_TEST_KILL_AT", "sending:2")
        .args(["run", s.to_str().unwrap(), "--results", "r.csv", "--rate", "500/s", "--concurrency", "1"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "killed");
    let out = w.bin().args(["registre", "close", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let sent = sim.stats()["total"].as_u64().unwrap_or(0);
    let out = w
        .bin_for(&sim)
        .args(["run", s.to_str().unwrap(), "--results", "r.csv", "--resume", "--rate", "500/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("close sans reprise") && said(&out).contains("rien à reprendre"), "{}", said(&out));
    assert_eq!(sim.stats()["total"].as_u64().unwrap_or(0), sent, "nothing sent");
}

/// `registre forget EMAIL`: the message says what is lost (names,
/// e-mails, bodies, messages) and what the memory keeps (unreadable
/// fingerprints); the next run of the same sheet sends nothing, never a
/// second addClient.
#[test]
fn forget_says_what_is_lost_and_a_later_run_creates_nobody_again() {
    let w = Work::new();
    let sim = TestSim::start(Options { model: model(&[("D001", true)]), ..Default::default() });
    let s = w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;f1@ok.fr;Nom;start"]);
    let run = |results: &str| {
        w.bin_for(&sim).args(["run", s.to_str().unwrap(), "--results", results, "--rate", "500/s"]).output().unwrap()
    };
    assert_eq!(run("r1.csv").status.code(), Some(0));
    let out = w.bin().args(["registre", "forget", "f1@ok.fr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let fr = said(&out);
    assert!(fr.contains("empreintes illisibles") && fr.contains("ne crée pas de nouveau la personne"), "{fr}");
    let out = w.bin().args(["--lang", "en", "registre", "forget", "f1@ok.fr"]).output().unwrap();
    assert!(said(&out).contains("unreadable fingerprints"), "{}", said(&out));
    let sent = sim.stats()["total"].as_u64().unwrap_or(0);
    assert_eq!(run("r2.csv").status.code(), Some(0));
    assert_eq!(sim.stats()["total"].as_u64().unwrap_or(0), sent, "nothing sent again");
    assert_eq!(results_csv(&w.path("r2.csv"))[0]["statut"], "DEJA_FAIT");
}

/// `--send-all`: a person on two dossiers, all done before; sent again,
/// Loop's « already » answers to what the registre knows applied are
/// DEJA_FAIT as the answers come, so the dependents are sent too (none
/// IGNORE naming a call another row says done), exit 0 being true.
#[test]
fn send_all_counts_an_already_answer_as_done_for_its_dependents() {
    let w = Work::new();
    let sim = TestSim::start(Options { model: model(&[("D001", true), ("D002", true)]), ..Default::default() });
    let s = w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;a1@z.fr;Un;start", "D002;a1@z.fr;Un;start"]);
    let run = |results: &str, extra: &[&str]| {
        let out = w
            .bin_for(&sim)
            .args(["run", s.to_str().unwrap(), "--results", results, "--rate", "500/s"])
            .args(extra)
            .output()
            .unwrap();
        (out.status.code(), results_csv(&w.path(results)))
    };
    let (code, r1) = run("r1.csv", &[]);
    assert_eq!(code, Some(0), "{r1:?}");
    let collab = received(&sim, Operation::AddCollaborativeOffer);
    let offers = received(&sim, Operation::AddOffer);
    let (code, r2) = run("r2.csv", &["--send-all"]);
    assert!(r2.iter().all(|l| l["statut"] == "DEJA_FAIT" || l["statut"] == "OK"), "{r2:?}");
    assert!(r2.iter().all(|l| !l["message"].contains("n'a pas abouti")), "{r2:?}");
    assert_eq!(code, Some(0), "{r2:?}");
    assert!(received(&sim, Operation::AddOffer) > offers, "sent again");
    assert!(received(&sim, Operation::AddCollaborativeOffer) > collab, "the dependent sent too: {r2:?}");
}

/// A rescue file left in the temporary folder by another registre, with
/// this run's number and plan, saying every call OK: the resume ignores it
/// (and says so, leaving it in place) and sends what is left; never a
/// false OK.
#[test]
fn a_rescue_file_of_another_registre_is_ignored() {
    let w = Work::new();
    let tmp = w.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let sim = TestSim::start(Options { model: model(&[("D001", false)]), ..Default::default() });
    let s = w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;h3@ok.fr;Nom;start"]);
    let out = w
        .bin_for(&sim)
        .env("TMPDIR", &tmp)
        .env("LOOPBATCH_TEST_KILL_AT", "answered:1")
        .args(["run", s.to_str().unwrap(), "--results", "r.csv", "--rate", "500/s", "--concurrency", "1"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "killed");
    assert_eq!(received(&sim, Operation::AddClient), 0);
    let reg = rusqlite::Connection::open(crate::util::registre_path(&w)).unwrap();
    let (run, plan): (i64, String) =
        reg.query_row("SELECT id, plan FROM runs", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    drop(reg);
    let mut lines = vec![serde_json::json!({"type": "start", "plan_hash": plan, "source": "registre /ailleurs/registre.sqlite3 2020-01-01T00:00:00Z", "timestamp": "2020-01-01T00:00:00Z", "sending": true, "run": run}).to_string()];
    for call in 1..=5 {
        let outcome = serde_json::json!({"status": "OK", "attempts": 1, "timestamp": "2020-01-01T00:00:00Z"});
        lines.push(serde_json::json!({"type": "done", "call": call, "outcome": outcome}).to_string());
    }
    let foreign = tmp.join("r.csv.registre.secours.jsonl");
    std::fs::write(&foreign, lines.join("\n") + "\n").unwrap();
    let out = w
        .bin_for(&sim)
        .env("TMPDIR", &tmp)
        .args(["run", "r.csv.plan.json", "--results", "r.csv", "--resume", "--rate", "500/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(said(&out).contains("n'est pas de ce registre"), "said: {}", said(&out));
    assert_eq!(received(&sim, Operation::AddClient), 1, "sent, not taken for done");
    assert!(sim.state()["contacts"].get("h3@ok.fr").is_some());
    let rows = results_csv(&w.path("r.csv"));
    assert_eq!(rows[0]["statut"], "OK", "{rows:?}");
    assert!(foreign.exists(), "another registre's file left in place");
}

/// `verify` without --done or --not-done names both (exit 2).
#[test]
fn verify_without_a_flag_names_both() {
    let w = Work::new();
    let out = w.bin().args(["verify", "r.csv", "--line", "2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("--done") && said(&out).contains("--not-done"), "{}", said(&out));
}
