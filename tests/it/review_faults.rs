//! Found by a review that attacked the run's truth with combined faults:
//! an offer there before the run and a lost attempt, a removeOffer whose
//! answer was lost, the calls that waited on a call given up, `--send-all`
//! answered « already ».

use std::collections::BTreeMap;

use loopbatch::simulator::{self, Faults, Operation, Options, Routes};

use crate::util::{TestSim, Work, model, results_csv, total};

/// D001 operational with the offer `start`, its contact p1 holding it.
fn p1_holds_start() -> simulator::Model {
    let mut m = model(&[("D001", true)]);
    m.dossiers.get_mut("D001").unwrap().offers = ["start".to_string()].into_iter().collect();
    let contact = simulator::Contact {
        object_id: "o1".into(),
        user_id: "u1".into(),
        email: "p1@ok.fr".into(),
        fields: Default::default(),
        dossiers: BTreeMap::from([("D001".to_string(), ["start".to_string()].into_iter().collect())]),
    };
    m.contacts.insert("p1@ok.fr".into(), contact);
    m
}

fn offers_of_p1(sim: &TestSim) -> serde_json::Value {
    sim.state()["contacts"]["p1@ok.fr"]["dossiers"]["D001"].clone()
}

/// The contact had the offer before the run; the run's first attempt was
/// cut (maybe applied), the resend answered « déjà affectée ». Nothing
/// says which of the two made it: the undo asks a person, never takes the
/// offer away on its own.
#[test]
fn an_offer_there_before_the_run_is_not_withdrawn_by_undo_after_a_cut_attempt() {
    let mut exercised = false;
    for seed in 1..=12 {
        let faults = Faults { reset_rate: 0.5, ..Default::default() };
        let sim = TestSim::start(Options { model: p1_holds_start(), faults, seed, ..Default::default() });
        let w = Work::new();
        let sheet = w.csv_1252("s.csv", &["action;code_dossier;email;offre", "ajouter_offre;D001;p1@ok.fr;start"]);
        let out = w
            .bin_for(&sim)
            .args(["run", sheet.to_str().unwrap(), "--results", "r.csv", "--rate", "200/s", "--concurrency", "1"])
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
        let run = results_csv(&w.path("r.csv"));
        if run[0]["statut"] != "OK" || run[0]["tentatives"].parse::<u32>().unwrap_or(0) < 2 {
            continue;
        }
        exercised = true;
        let out = w
            .bin_for(&sim)
            .args(["undo", "r.csv", "--results", "u.csv", "--partial", "--rate", "200/s"])
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
        let undone = results_csv(&w.path("u.csv"));
        assert_eq!(undone[0]["verdict"], "A_VERIFIER", "seed {seed}: {undone:?}");
        assert_eq!(offers_of_p1(&sim), serde_json::json!(["start"]), "seed {seed}: the offer stays");
    }
    assert!(exercised, "no seed cut an attempt then answered « déjà »");
}

/// removeOffer applied, its answer lost, the resend answered « n'est pas
/// active »: the first attempt may have done it — to check, not a refusal
/// (and never « nothing to undo »).
#[test]
fn a_remove_offer_whose_answer_was_lost_is_to_check() {
    let r = Routes::default();
    let spared: Vec<String> =
        Operation::all().filter(|op| *op != Operation::RemoveOffer).map(|op| r.of(op).to_string()).collect();
    let faults = Faults { lost_answer_rate: 1.0, spared_routes: spared, ..Default::default() };
    let mut m = model(&[("R001", true)]);
    m.dossiers.get_mut("R001").unwrap().offers = ["consultation".to_string()].into_iter().collect();
    let sim = TestSim::start(Options { model: m, faults, ..Default::default() });
    let w = Work::new();
    let sheet = w.csv_1252("s.csv", &["action;code_dossier;offre", "retirer_offre;R001;consultation"]);
    let out = w.bin_for(&sim).args(["run", sheet.to_str().unwrap(), "--results", "r.csv", "--rate", "200/s"]).output();
    assert_eq!(out.unwrap().status.code(), Some(1));
    let run = results_csv(&w.path("r.csv"));
    assert_eq!(run[0]["statut"], "A_VERIFIER", "{run:?}");
    assert_eq!(sim.state()["dossiers"]["R001"]["offers"], serde_json::json!([]), "applied by the first attempt");
    let out = w.bin_for(&sim).args(["undo", "r.csv", "--results", "u.csv", "--dry-run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let undone = results_csv(&w.path("u.csv"));
    assert_ne!(undone[0]["verdict"], "RIEN_A_DEFAIRE", "{undone:?}");
}

/// Calls given up on passing errors are sent again by `--resume`, and so
/// are the calls that waited on them (they were IGNORE for good).
#[test]
fn a_resume_sends_the_calls_that_waited_on_a_call_given_up() {
    let codes: Vec<String> = (1..=6).map(|i| format!("D{i:03}")).collect();
    let pairs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let faults = Faults { fail_rate: 0.5, ..Default::default() };
    let sim = TestSim::start(Options { model: model(&pairs), faults, seed: 3, ..Default::default() });
    let w = Work::new();
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    lines.extend((1..=6).map(|i| format!("D{i:03};n{i}@ok.fr;N{i};P{i};start")));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let sheet = w.csv_1252("s.csv", &refs);
    let sheet = sheet.to_str().unwrap();
    let first = ["run", sheet, "--results", "r.csv", "--rate", "200/s", "--concurrency", "1", "--retries", "0"];
    let out = w.bin_for(&sim).args(first).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let run = results_csv(&w.path("r.csv"));
    assert!(run.iter().any(|l| l["statut"] != "OK"), "some calls given up: {run:?}");
    let again = ["run", sheet, "--results", "r.csv", "--rate", "200/s", "--retries", "10", "--resume"];
    let out = w.bin_for(&sim).args(again).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let run = results_csv(&w.path("r.csv"));
    // A 502 may leave a row to check; none is left waiting for good.
    assert!(run.iter().all(|l| l["statut"] == "OK" || l["statut"] == "A_VERIFIER"), "{run:?}");
    let state = sim.state();
    for (i, line) in run.iter().enumerate().filter(|(_, l)| l["statut"] == "OK") {
        let (email, d) = (format!("n{}@ok.fr", i + 1), format!("D{:03}", i + 1));
        assert_eq!(state["contacts"][&email]["dossiers"][&d], serde_json::json!(["start"]), "{line:?}");
    }
}

/// `--send-all` sends again a call the registre knows applied; Loop's
/// « déjà affectée » (an already-done answer) says DEJA_FAIT, as the
/// README says, not OK.
#[test]
fn send_all_answered_already_says_deja_fait() {
    let sim = TestSim::start(Options { model: p1_holds_start(), ..Default::default() });
    let w = Work::new();
    let lines = ["action;code_dossier;email;offre", "ajouter_offre;D001;p1@ok.fr;start"];
    let sheet = w.csv_1252("s.csv", &lines);
    let sheet = sheet.to_str().unwrap();
    w.bin_for(&sim).args(["run", sheet, "--results", "r1.csv", "--rate", "200/s"]).assert().code(0);
    let sent = total(&sim);
    let out = w.bin_for(&sim).args(["run", sheet, "--results", "r2.csv", "--rate", "200/s", "--send-all"]).output();
    assert_eq!(out.unwrap().status.code(), Some(0));
    assert_eq!(total(&sim), sent + 1, "sent again");
    let run = results_csv(&w.path("r2.csv"));
    assert_eq!(run[0]["statut"], "DEJA_FAIT", "{run:?}");
}
