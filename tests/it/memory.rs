//! The memory across runs (issue 22): the registre's last effect on each
//! thing, from any run on the same tenant, decides what a new run sends.
//! Checked on the results AND on what the simulator received.

use std::time::{Duration, Instant};

use loopbatch::simulator::{self, Faults, Operation, Options, Routes};

use crate::util::{Hermetic, Line, TestSim, Work, model, results_csv, results_xlsx};
use crate::util::{received, total};

fn statuses(lines: &[Line]) -> Vec<String> {
    lines.iter().map(|l| l["statut"].clone()).collect()
}

fn sim_of(n: usize) -> TestSim {
    let codes: Vec<String> = (1..=n).map(|i| format!("D{i:03}")).collect();
    let pairs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    TestSim::start(Options { model: model(&pairs), ..Default::default() })
}

/// The sample, run, then run again into other results: every row OK the
/// first time is DEJA_FAIT, INVALIDE rows stay INVALIDE, nothing is sent;
/// the counts are said before (JSON: `memory`).
#[test]
fn the_sample_run_again_is_deja_fait_and_sends_nothing() {
    let seed = simulator::Seed {
        dossiers: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/dossiers-simulateur.csv")),
        ..Default::default()
    };
    let model = simulator::build_model(&seed, 1, loopbatch::job::Lang::Fr).unwrap();
    let sim = TestSim::start(Options { model, ..Default::default() });
    let w = Work::new();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/onboarding-clients.csv");
    let run = |results: &str| {
        w.bin_for(&sim)
            .args(["run", sample.to_str().unwrap(), "--results", results, "--rate", "500/s", "--format", "json"])
            .output()
            .unwrap()
    };
    assert_eq!(run("r1.xlsx").status.code(), Some(1));
    let first = results_xlsx(&w.path("r1.xlsx"));
    let sent = total(&sim);
    assert!(sent > 0);
    let out = run("r2.xlsx");
    assert_eq!(out.status.code(), Some(1), "INVALIDE rows: {}", String::from_utf8_lossy(&out.stderr));
    let second = results_xlsx(&w.path("r2.xlsx"));
    assert_eq!(total(&sim), sent, "nothing sent again");
    for (a, b) in first.iter().zip(&second) {
        match a["statut"].as_str() {
            "OK" => {
                assert_eq!(b["statut"], "DEJA_FAIT", "{b:?}");
                assert!(b["message"].contains("exécution n° 1"), "names the run: {b:?}");
            }
            other => assert_eq!(b["statut"], other, "{b:?}"),
        }
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["memory"]["rows_done"], 44, "{v}");
    assert_eq!(v["memory"]["rows_to_send"], 0, "{v}");
    assert!(v["memory"]["tenant"].as_str().unwrap().contains("127.0.0.1"), "{v}");
    assert_eq!(v["rows"]["DEJA_FAIT"], 44, "{v}");
    // --send-all sends everything again: the « already » answers of what
    // the registre knows applied are DEJA_FAIT, never ERREUR.
    let out = w
        .bin_for(&sim)
        .args(["run", sample.to_str().unwrap(), "--results", "r3.xlsx", "--rate", "500/s", "--send-all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(total(&sim) > sent, "sent again");
    let third = results_xlsx(&w.path("r3.xlsx"));
    assert!(third.iter().all(|l| l["statut"] != "ERREUR"), "{:?}", statuses(&third));
}

/// A sheet run, then the same sheet with 3 new rows, a phone changed and
/// a person of run 1 on a new dossier: exactly the new rows' calls, one
/// updateClient (no addClient), one addCollaborativeOffer.
#[test]
fn a_sheet_run_again_with_changes_sends_only_what_is_missing() {
    let sim = sim_of(10);
    let w = Work::new();
    let mut lines = vec!["code_dossier;email;nom;prenom;telephone;offre".to_string()];
    for i in 1..=4 {
        lines.push(format!("D{i:03};p{i}@ok.fr;Nom{i};Prenom{i};06 00 00 00 0{i};start"));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let first = w.csv_1252("s1.csv", &refs);
    w.bin_for(&sim).args(["run", first.to_str().unwrap(), "--results", "r1.csv", "--rate", "500/s"]).assert().code(0);
    let before: Vec<u64> = Operation::all().map(|op| received(&sim, op)).collect();
    // Row 2's phone changed; p1 on a new dossier D009; three new rows.
    lines[2] = "D002;p2@ok.fr;Nom2;Prenom2;07 99 99 99 99;start".into();
    lines.push("D009;p1@ok.fr;Nom1;Prenom1;06 00 00 00 01;start".into());
    for i in 5..=7 {
        lines.push(format!("D{i:03};p{i}@ok.fr;Nom{i};Prenom{i};06 00 00 00 0{i};start"));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let second = w.csv_1252("s2.csv", &refs);
    let out = w
        .bin_for(&sim)
        .args(["run", second.to_str().unwrap(), "--results", "r2.csv", "--rate", "500/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let after: Vec<u64> = Operation::all().map(|op| received(&sim, op)).collect();
    let delta = |op: Operation| after[op as usize] - before[op as usize];
    assert_eq!(delta(Operation::AddClient), 3, "the new rows' people only");
    assert_eq!(delta(Operation::UpdateClient), 1, "the phone");
    assert_eq!(delta(Operation::AddCollaborativeOffer), 1, "p1 on D009");
    assert_eq!(delta(Operation::ProvisionCompany), 4, "D005-D007 and D009");
    let r2 = results_csv(&w.path("r2.csv"));
    assert_eq!(statuses(&r2), ["DEJA_FAIT", "OK", "DEJA_FAIT", "DEJA_FAIT", "OK", "OK", "OK", "OK"]);
    assert!(r2[1]["message"].contains("modification au lieu de création"), "{:?}", r2[1]);
    assert!(r2[1]["message"].contains("déjà fait avant, non renvoyé : provisionCompany, addOffer"), "{:?}", r2[1]);
    assert_eq!(r2[1]["etape"], "updateClient");
    assert_eq!(r2[4]["etape"], "addCollaborativeOffer", "{:?}", r2[4]);
    let state = sim.state();
    assert!(
        state["contacts"].to_string().contains("99999999") || state["contacts"].to_string().contains("99 99 99 99"),
        "the phone changed in Loop"
    );
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}

/// Run 1 gives p1 the offer on D001; run 2 removes the dossier's offer
/// (from every contact); run 3 gives it back at the dossier level; run 1's
/// sheet again: the person's offer is sent again (addCollaborativeOffer),
/// nothing else.
#[test]
fn an_offer_removed_from_the_dossier_is_given_again_to_its_contact() {
    let sim = sim_of(1);
    let w = Work::new();
    let s1 = w.csv_1252("s1.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Nom;start"]);
    let s2 = w.csv_1252("s2.csv", &["action;code_dossier;offre", "retirer_offre;D001;start"]);
    let s3 = w.csv_1252("s3.csv", &["action;code_dossier;offre", "ajouter_offre;D001;start"]);
    for (s, r) in [(&s1, "r1.csv"), (&s2, "r2.csv"), (&s3, "r3.csv")] {
        let out =
            w.bin_for(&sim).args(["run", s.to_str().unwrap(), "--results", r, "--rate", "500/s"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{r}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let before = total(&sim);
    let collab = received(&sim, Operation::AddCollaborativeOffer);
    let out =
        w.bin_for(&sim).args(["run", s1.to_str().unwrap(), "--results", "r4.csv", "--rate", "500/s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&sim), before + 1, "one call");
    assert_eq!(received(&sim, Operation::AddCollaborativeOffer), collab + 1, "the offer given again");
    let r4 = results_csv(&w.path("r4.csv"));
    assert_eq!(r4[0]["statut"], "OK", "{r4:?}");
    assert_eq!(r4[0]["etape"], "addCollaborativeOffer");
}

/// An addClient whose answer was lost then answered « déjà associé » is
/// A_VERIFIER; the same sheet again does not send it; with
/// --include-a-verifier it is sent and still A_VERIFIER (the rule reads
/// across runs); after `verify --not-done` it is sent and Loop's answer
/// stands; after `verify --done` it is DEJA_FAIT, nothing sent.
#[test]
fn an_a_verifier_call_is_guarded_across_runs_and_settled_by_verify() {
    let w = Work::new();
    let r = Routes::default();
    let faults = Faults {
        lost_answer_rate: 1.0,
        spared_routes: [Operation::ProvisionCompany, Operation::AddOffer, Operation::AddCollaborativeOffer]
            .map(|op| r.of(op).to_string())
            .to_vec(),
        ..Default::default()
    };
    let sim = TestSim::start(Options { model: model(&[("D001", true)]), faults, ..Default::default() });
    let s = w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Nom;start"]);
    let name = s.to_str().unwrap();
    let run = |results: &str, extra: &[&str]| {
        let out = w
            .bin_for(&sim)
            .args(["run", name, "--results", results, "--rate", "500/s", "--retries", "1"])
            .args(extra)
            .output()
            .unwrap();
        (out.status.code(), results_csv(&w.path(results)))
    };
    let (code, r1) = run("r1.csv", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(r1[0]["statut"], "A_VERIFIER", "{r1:?}");
    let add_clients = received(&sim, Operation::AddClient);
    let (_, r2) = run("r2.csv", &[]);
    assert_eq!(r2[0]["statut"], "A_VERIFIER", "{r2:?}");
    assert!(r2[0]["message"].contains("exécution n° 1") && r2[0]["message"].contains("verify"), "{r2:?}");
    assert_eq!(received(&sim, Operation::AddClient), add_clients, "not sent again without the flag");
    let (_, r3) = run("r3.csv", &["--include-a-verifier"]);
    assert_eq!(r3[0]["statut"], "A_VERIFIER", "« déjà associé » after an unanswered attempt: {r3:?}");
    assert_eq!(received(&sim, Operation::AddClient), add_clients + 1, "sent with the flag");
    // A person checked Loop: not done. Sent again; Loop's answer stands.
    let out = w.bin().args(["verify", "r1.csv", "--line", "2", "--not-done"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("non faite"), "{}", String::from_utf8_lossy(&out.stdout));
    let out = w.bin().args(["verify", "r3.csv", "--line", "2", "--not-done"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, r4) = run("r4.csv", &[]);
    assert_eq!(r4[0]["statut"], "ERREUR", "{r4:?}");
    assert_eq!(received(&sim, Operation::AddClient), add_clients + 2, "sent after --not-done");
    // Checked done: DEJA_FAIT, nothing sent.
    let out = w.bin().args(["verify", "r1.csv", "--line", "2", "--done"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sent = total(&sim);
    let (code, r5) = run("r5.csv", &[]);
    assert_eq!(r5[0]["statut"], "DEJA_FAIT", "{r5:?}");
    assert_eq!(code, Some(0), "DEJA_FAIT is a success");
    assert_eq!(total(&sim), sent, "nothing sent");
    // A line no call serves: refused, nothing recorded.
    let out = w.bin().args(["verify", "r1.csv", "--line", "9", "--done"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The known bug: a stopped run, its failures run again (--only-failed)
/// into other results, then the stopped run resumed: the resume sends
/// nothing the re-run applied since.
#[cfg(unix)]
#[test]
fn a_resume_after_only_failed_sends_nothing_the_rerun_did() {
    // Enough rows that some are untouched when the stop lands, even late
    // on a loaded machine (each dossier's first call goes first, 4 a second).
    let n = 10;
    let sim = sim_of(n);
    let w = Work::new();
    let mut lines = vec!["code_dossier;email;nom;offre".to_string()];
    for i in 1..=n {
        lines.push(format!("D{i:03};p{i}@ok.fr;Nom{i};start"));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let input = w.csv_1252("s.csv", &refs);
    let name = input.to_str().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .hermetic(&w.home())
        .args(["run", name, "--results", "r1.csv", "--rate", "4/s", "--burst", "1", "--quiet"])
        .env("LOOP_BASE_URL", &sim.base_url)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while total(&sim) < 3 {
        assert!(Instant::now() < deadline, "the calls never went");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: sends SIGINT (Ctrl-C) to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    assert_eq!(child.wait().unwrap().code(), Some(3), "stopped");
    let out = w
        .bin_for(&sim)
        .args(["run", name, "--results", "r2.csv", "--only-failed", "r1.csv", "--rate", "500/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sent = total(&sim);
    let out =
        w.bin_for(&sim).args(["run", name, "--results", "r1.csv", "--resume", "--rate", "500/s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&sim), sent, "the resume sent nothing the re-run did");
    let r1 = results_csv(&w.path("r1.csv"));
    assert!(r1.iter().all(|l| l["statut"] == "OK" || l["statut"] == "DEJA_FAIT"), "{:?}", statuses(&r1));
    assert!(r1.iter().any(|l| l["statut"] == "DEJA_FAIT" && l["message"].contains("exécution n° 2")), "{r1:?}");
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}

/// A run killed at its 4th sending (recorded as going out, never
/// answered), then the same sheet: what it held is NON_EXECUTE naming it and
/// the commands; then `registre close` and the sheet again: its
/// reservations are sent, the call it sent without an answer is A_VERIFIER
/// (to settle with verify), nothing is sent twice.
#[test]
fn a_killed_run_holds_its_calls_until_closed() {
    let sim = sim_of(3);
    let w = Work::new();
    let s = w.csv_1252(
        "s.csv",
        &[
            "code_dossier;email;nom;offre",
            "D001;p1@ok.fr;Un;start",
            "D002;p2@ok.fr;Deux;start",
            "D003;p3@ok.fr;Trois;start",
        ],
    );
    let name = s.to_str().unwrap();
    let out = w
        .bin_for(&sim)
        .env("LOOPBATCH_TEST_KILL_AT", "sending:4")
        .args(["run", name, "--results", "r1.csv", "--rate", "500/s", "--concurrency", "1"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "killed");
    assert_eq!(total(&sim), 3, "three calls went");
    let out = w.bin_for(&sim).args(["run", name, "--results", "r2.csv", "--rate", "500/s"]).output().unwrap();
    let r2 = results_csv(&w.path("r2.csv"));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let held: Vec<&Line> = r2.iter().filter(|l| l["statut"] == "NON_EXECUTE").collect();
    assert!(!held.is_empty(), "{r2:?}");
    for l in &held {
        let m = &l["message"];
        assert!(m.contains("n° 1") && m.contains("registre close 1") && m.contains("--resume"), "{m}");
        assert!(m.contains("r1.csv"), "names its results: {m}");
    }
    let out = w.bin().args(["registre", "close", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("close sans reprise") && said.contains("1 appel(s) à vérifier"), "{said}");
    let again = w.bin().args(["registre", "close", "1"]).output().unwrap();
    assert_eq!(again.status.code(), Some(2), "closed once");
    let out = w.bin_for(&sim).args(["run", name, "--results", "r3.csv", "--rate", "500/s"]).output().unwrap();
    let r3 = results_csv(&w.path("r3.csv"));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(r3.iter().all(|l| l["statut"] != "NON_EXECUTE"), "{r3:?}");
    let to_check: Vec<&Line> = r3.iter().filter(|l| l["statut"] == "A_VERIFIER").collect();
    assert_eq!(to_check.len(), 1, "the call sent without an answer: {r3:?}");
    assert!(to_check[0]["message"].contains("verify"), "{:?}", to_check[0]);
    assert!(r3.iter().all(|l| matches!(l["statut"].as_str(), "OK" | "DEJA_FAIT" | "A_VERIFIER")), "{r3:?}");
    assert!(r3.iter().any(|l| l["statut"] == "OK"), "its reservations sent: {r3:?}");
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}

/// A plan reviewed, then part of it done by another run: running the plan
/// file sends the rest only; what the other run did is DEJA_FAIT « fait
/// entre-temps ».
#[test]
fn a_plan_file_run_after_another_run_did_part_of_it_sends_the_rest() {
    let sim = sim_of(2);
    let w = Work::new();
    let both =
        w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start", "D002;p2@ok.fr;Deux;start"]);
    let one = w.csv_1252("un.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start"]);
    w.bin().args(["plan", both.to_str().unwrap(), "--out", "plan.json"]).assert().code(0);
    w.bin_for(&sim).args(["run", one.to_str().unwrap(), "--results", "r1.csv", "--rate", "500/s"]).assert().code(0);
    let before = total(&sim);
    let out = w.bin_for(&sim).args(["run", "plan.json", "--results", "r2.csv", "--rate", "500/s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r2 = results_csv(&w.path("r2.csv"));
    assert_eq!(statuses(&r2), ["DEJA_FAIT", "OK"]);
    assert!(r2[0]["message"].contains("fait entre-temps par l'exécution n° 1"), "{:?}", r2[0]);
    assert_eq!(total(&sim) - before, 3, "D002's calls only");
}

/// A row whose only change is in a column its action does not send
/// (`actif` on an onboarding row): DEJA_FAIT, nothing sent, and the row
/// names the column and the action that sends it.
#[test]
fn a_change_in_a_column_the_action_does_not_send_is_named() {
    let sim = sim_of(1);
    let w = Work::new();
    let s1 = w.csv_1252("s1.csv", &["code_dossier;email;nom;offre;actif", "D001;p1@ok.fr;Un;start;"]);
    let s2 = w.csv_1252("s2.csv", &["code_dossier;email;nom;offre;actif", "D001;p1@ok.fr;Un;start;non"]);
    w.bin_for(&sim).args(["run", s1.to_str().unwrap(), "--results", "r1.csv", "--rate", "500/s"]).assert().code(0);
    let sent = total(&sim);
    let out =
        w.bin_for(&sim).args(["run", s2.to_str().unwrap(), "--results", "r2.csv", "--rate", "500/s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&sim), sent, "nothing sent");
    let r2 = results_csv(&w.path("r2.csv"));
    assert_eq!(r2[0]["statut"], "DEJA_FAIT", "{r2:?}");
    let m = &r2[0]["message"];
    assert!(m.contains("actif") && m.contains("modifier_interlocuteur"), "{m}");
}

/// The memory belongs to a tenant: a run recorded with another key id at
/// the same place is not this key's memory (everything is sent); with
/// `--new-key` the keys are linked and its memory is this key's, from then
/// on without the flag.
#[test]
fn another_key_starts_an_empty_memory_unless_new_key_links_it() {
    let sim = sim_of(1);
    let w = Work::new();
    let s = w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start"]);
    let name = s.to_str().unwrap();
    let run = |results: &str, extra: &[&str]| {
        let out =
            w.bin_for(&sim).args(["run", name, "--results", results, "--rate", "500/s"]).args(extra).output().unwrap();
        (out.status.code(), results_csv(&w.path(results)))
    };
    assert_eq!(run("r1.csv", &[]).0, Some(0));
    // Run 1 as recorded with another key id (an old key of the firm).
    {
        let c = rusqlite::Connection::open(crate::util::registre_path(&w)).unwrap();
        let tenant: String = c.query_row("SELECT tenant FROM runs WHERE id = 1", [], |r| r.get(0)).unwrap();
        let mut t: serde_json::Value = serde_json::from_str(&tenant).unwrap();
        t["key"] = "ol***id".into();
        t["key_hash"] = "00000000000000000000000000000000".into();
        c.execute("UPDATE runs SET tenant = ?1 WHERE id = 1", [t.to_string()]).unwrap();
    }
    let sent = total(&sim);
    let (_, r2) = run("r2.csv", &[]);
    assert!(total(&sim) > sent, "another key: an empty memory, sent again");
    assert_ne!(r2[0]["statut"], "DEJA_FAIT");
    let sent = total(&sim);
    let (code, r3) = run("r3.csv", &["--new-key"]);
    assert_eq!((code, r3[0]["statut"].as_str()), (Some(0), "DEJA_FAIT"), "{r3:?}");
    assert_eq!(total(&sim), sent, "linked: nothing sent");
    let (_, r4) = run("r4.csv", &[]);
    assert_eq!(r4[0]["statut"], "DEJA_FAIT", "linked from then on: {r4:?}");
    assert_eq!(total(&sim), sent);
}

/// `--only-failed` keeps the DEJA_FAIT rows of the results it re-runs (a
/// success) and sends only what the failed rows still miss.
#[test]
fn only_failed_keeps_deja_fait_rows_and_sends_the_failed_ones_only() {
    let mut model = model(&[("D001", true), ("D002", true)]);
    model.uninvited_domains.insert("pas-invite.fr".into());
    let sim = TestSim::start(Options { model, ..Default::default() });
    let w = Work::new();
    let one = w.csv_1252("un.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start"]);
    let both = w.csv_1252(
        "deux.csv",
        &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start", "D002;p2@pas-invite.fr;Deux;start"],
    );
    w.bin_for(&sim).args(["run", one.to_str().unwrap(), "--results", "r1.csv", "--rate", "500/s"]).assert().code(0);
    let b = both.to_str().unwrap();
    w.bin_for(&sim).args(["run", b, "--results", "r2.csv", "--rate", "500/s"]).assert().code(1);
    assert_eq!(statuses(&results_csv(&w.path("r2.csv"))), ["DEJA_FAIT", "ERREUR"]);
    let before = received(&sim, Operation::AddClient);
    let sent = total(&sim);
    w.bin_for(&sim)
        .args(["run", b, "--results", "r3.csv", "--only-failed", "r2.csv", "--rate", "500/s"])
        .assert()
        .code(1);
    let r3 = results_csv(&w.path("r3.csv"));
    assert_eq!(statuses(&r3), ["DEJA_FAIT", "ERREUR"]);
    assert_eq!(total(&sim) - sent, 1, "the failed row's addClient only");
    assert_eq!(received(&sim, Operation::AddClient), before + 1);
}

/// A loopback test double that answers every request `200 {}` and sends no
/// instance id; returns its base URL and how many POSTs it received.
fn plain_double() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::Ordering;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut out = stream;
                loop {
                    let mut length = 0usize;
                    let (mut first, mut post) = (true, false);
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" && !first {
                            break;
                        }
                        if first {
                            post = line.starts_with("POST ");
                        }
                        first = false;
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    if post {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
                    if out.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://127.0.0.1:{port}/api"), seen)
}

/// A loopback address that sends no instance id is a tenant by its address
/// alone: the run warns that a server restarted empty there would be taken
/// for the same one; its memory holds all the same.
#[test]
fn a_loopback_double_without_instance_id_is_warned_of_and_remembered() {
    use std::sync::atomic::Ordering;
    let (base, seen) = plain_double();
    let w = Work::new();
    let s = w.csv_1252("s.csv", &["action;code_dossier", "provisionner;D001"]);
    let run = |results: &str| {
        let mut c = w.bin();
        c.env("LOOP_BASE_URL", &base)
            .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
            .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
            .args(["run", s.to_str().unwrap(), "--results", results, "--rate", "500/s"]);
        c.output().unwrap()
    };
    let out = run("r1.csv");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("ne donne pas d'identifiant d'instance") && err.contains("127.0.0.1"), "{err}");
    let posts = seen.load(Ordering::SeqCst);
    assert_eq!(posts, 1, "the provisionCompany");
    let out = run("r2.csv");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(results_csv(&w.path("r2.csv"))[0]["statut"], "DEJA_FAIT");
    assert_eq!(seen.load(Ordering::SeqCst), posts, "nothing sent again");
}

/// The plan screen says the memory's counts and, for a loopback address
/// without instance id, that a server restarted empty there would be taken
/// for the same one.
#[test]
fn the_plan_screen_warns_of_a_loopback_double_without_instance_id() {
    use crate::page::{client, open, post_sheet, start};
    let (base, seen) = plain_double();
    let w = Work::new();
    let keys = [
        ("LOOP_BASE_URL", base.as_str()),
        ("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY),
        ("LOOP_API_KEY", simulator::DEMO_API_KEY),
    ];
    let p = start(&w, &keys);
    let cookie = open(&p);
    let up = post_sheet(&p, &cookie, "s.csv", b"action;code_dossier\nprovisionner;D001\n".to_vec());
    let sheet = up.headers()["location"].to_str().unwrap().to_string();
    let plan =
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(plan.contains("data-testid=\"plain-loopback\"") && plan.contains("redémarré vide"), "{plan}");
    assert!(plan.contains("data-done=\"0\"") && plan.contains("data-to-send=\"1\""), "{plan}");
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 0, "a look sends nothing");
}

/// The page's plan of a sheet that overlaps a run made before: its counts,
/// and « Tout renvoyer » (`--send-all`) sends everything, the « already »
/// answer of what the registre knows applied being no ERREUR.
#[test]
fn the_page_sends_everything_when_asked_and_no_already_answer_is_an_error() {
    use crate::page::{client, open, post_sheet, start};
    let sim = sim_of(1);
    let w = Work::new();
    let keys = [
        ("LOOP_BASE_URL", sim.base_url.as_str()),
        ("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY),
        ("LOOP_API_KEY", simulator::DEMO_API_KEY),
    ];
    let p = start(&w, &keys);
    let cookie = open(&p);
    let get = |path: &str| client().get(format!("{}{path}", p.base)).header("cookie", &cookie).send().unwrap();
    let run = |sheet: &[u8], all: bool| {
        let up = post_sheet(&p, &cookie, "s.csv", sheet.to_vec());
        let at = up.headers()["location"].to_str().unwrap().to_string();
        let plan = get(&format!("{at}/plan")).text().unwrap();
        let from = plan.find("name=\"confirm\" value=\"").expect("a confirmation") + 22;
        let confirm = plan[from..].split('"').next().unwrap().to_string();
        let mut form = vec![("confirm", confirm)];
        if all {
            assert!(plan.contains("data-testid=\"send-all\""), "{plan}");
            form.push(("tout", "1".into()));
        }
        let r = client()
            .post(format!("{}/execution", p.base))
            .header("cookie", &cookie)
            .header("origin", &p.base)
            .form(&form)
            .send()
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let _ = get(&format!("{to}/evenements")).text();
        (plan, get(&to).text().unwrap())
    };
    let (_, first) = run(b"code_dossier;email;nom;offre\nD001;p1@ok.fr;Un;start\n", false);
    assert!(first.contains("data-statut=\"OK\""), "{first}");
    let sent = total(&sim);
    let (plan, second) = run(b"code_dossier;email;nom;offre\nD001;p1@ok.fr;Un;start\nD001;p2@ok.fr;Deux;start\n", true);
    assert!(plan.contains("data-done=\"1\"") && plan.contains("data-to-send=\"1\""), "{plan}");
    assert_eq!(total(&sim) - sent, 4, "everything sent: provisionCompany, addOffer, two addClient");
    // p1's row was sent again (OK, not DEJA_FAIT: calls of it went out); its
    // addClient's « déjà associé » is no ERREUR, the registre knowing it done.
    assert!(!second.contains("data-statut=\"ERREUR\""), "{second}");
    assert_eq!(second.matches("data-statut=\"OK\"").count(), 2, "{second}");
}

/// Two runs of one sheet's rows spawned together (two processes, one
/// registre): 12 rows, A sends rows 1-8, B rows 5-12, the overlapping rows
/// in opposite orders. The send-time check makes each call go out once: an
/// overlapping row is OK in one results file and, in the other, DEJA_FAIT
/// or NON_EXECUTE (« entre-temps », « en cours »: the check at sending),
/// or « déjà fait » (the memory at planning, when one started late).
fn overlapping_runs(sim: &TestSim, w: &Work, kill_a: bool) -> (Vec<Line>, Vec<Line>) {
    let row = |i: usize| format!("D{i:03};p{i}@ok.fr;Nom{i};start");
    let head = "code_dossier;email;nom;offre".to_string();
    let a: Vec<String> = std::iter::once(head.clone()).chain([5, 6, 7, 8, 1, 2, 3, 4].map(row)).collect();
    let b: Vec<String> = std::iter::once(head).chain([9, 10, 11, 12, 8, 7, 6, 5].map(row)).collect();
    let sheet = |name: &str, lines: &[String]| {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        w.csv_1252(name, &refs)
    };
    let (sa, sb) = (sheet("a.csv", &a), sheet("b.csv", &b));
    let spawn = |s: &std::path::Path, results: &str, kill: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"));
        c.current_dir(w.dir.path())
            .hermetic(&w.home())
            .args(["run", s.to_str().unwrap(), "--results", results, "--rate", "500/s", "--concurrency", "1"])
            .args(["--quiet"])
            .env("LOOP_BASE_URL", &sim.base_url)
            .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
            .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if let Some(k) = kill {
            c.env("LOOPBATCH_TEST_KILL_AT", k);
        }
        c.spawn().unwrap()
    };
    let mut ca = spawn(&sa, "ra.csv", kill_a.then_some("sending:3"));
    let mut cb = spawn(&sb, "rb.csv", None);
    let (ea, eb) = (ca.wait().unwrap(), cb.wait().unwrap());
    assert_ne!(eb.code(), Some(3), "B ended");
    if kill_a {
        assert_ne!(ea.code(), Some(0), "A killed");
        // B may have met A's held call: once A is resumed, B is resumed too
        // (its refused calls are sent again, if still to send).
        let out = w
            .bin_for(sim)
            .args(["run", sa.to_str().unwrap(), "--results", "ra.csv", "--resume", "--rate", "500/s"])
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
        let out = w
            .bin_for(sim)
            .args(["run", sb.to_str().unwrap(), "--results", "rb.csv", "--resume", "--rate", "500/s"])
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    }
    (results_csv(&w.path("ra.csv")), results_csv(&w.path("rb.csv")))
}

fn overlapping_sim() -> TestSim {
    let codes: Vec<String> = (1..=12).map(|i| format!("D{i:03}")).collect();
    let pairs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    let faults = Faults { latency: Duration::from_millis(120), ..Default::default() };
    TestSim::start(Options { model: model(&pairs), faults, ..Default::default() })
}

#[test]
fn two_overlapping_runs_started_together_send_each_call_once() {
    let sim = overlapping_sim();
    let w = Work::new();
    let (ra, rb) = overlapping_runs(&sim, &w, false);
    assert_eq!(received(&sim, Operation::AddClient), 12, "each person created once: {}", sim.stats());
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty(), "{}", sim.stats());
    let by = |lines: &[Line], code: &str| lines.iter().find(|l| l["code_dossier"] == code).cloned().unwrap();
    let mut checked_at_sending = 0;
    for i in 5..=8 {
        let code = format!("D{i:03}");
        let (a, b) = (by(&ra, &code), by(&rb, &code));
        let (ok, other) = match (a["statut"].as_str(), b["statut"].as_str()) {
            ("OK", _) => (a, b),
            (_, "OK") => (b, a),
            _ => panic!("{code}: OK in neither: {a:?} {b:?}"),
        };
        assert_eq!(ok["statut"], "OK");
        let m = &other["message"];
        match other["statut"].as_str() {
            "DEJA_FAIT" if m.contains("entre-temps") => checked_at_sending += 1,
            "NON_EXECUTE" if m.contains("en cours dans l'exécution") => checked_at_sending += 1,
            "DEJA_FAIT" if m.contains("déjà fait par") => {}
            _ => panic!("{code}: {other:?}"),
        }
    }
    assert!(checked_at_sending > 0, "the runs overlapped: {ra:?} {rb:?}");
    for i in (1..=4).chain(9..=12) {
        let code = format!("D{i:03}");
        let l = ra.iter().chain(&rb).find(|l| l["code_dossier"] == code).unwrap();
        assert_eq!(l["statut"], "OK", "{l:?}");
    }
}

#[test]
fn two_overlapping_runs_one_killed_then_resumed_send_each_call_once() {
    let sim = overlapping_sim();
    let w = Work::new();
    let (ra, rb) = overlapping_runs(&sim, &w, true);
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty(), "{}", sim.stats());
    assert!(received(&sim, Operation::AddClient) <= 13, "at most the killed call settled again: {}", sim.stats());
    for i in 5..=8 {
        let code = format!("D{i:03}");
        let oks = ra.iter().chain(&rb).filter(|l| l["code_dossier"] == code && l["statut"] == "OK").count();
        assert!(oks <= 1, "{code}: {ra:?} {rb:?}");
    }
}

/// An e-mail written with a decomposed « é » (e + U+0301, as some Mac
/// tools write it) is the precomposed one: for the memory (run again, it
/// is DEJA_FAIT, nothing sent) and for the sheet's check (the same address
/// for two different people is refused, as when spelt alike).
#[test]
fn a_decomposed_accent_in_an_email_is_the_same_address() {
    let sim = sim_of(3);
    let w = Work::new();
    let utf8 = |name: &str, lines: &[&str]| {
        let text = format!("\u{feff}{}\r\n", lines.join("\r\n"));
        w.file(name, text.as_bytes())
    };
    let composed = utf8("s1.csv", &["code_dossier;email;nom;offre", "D001;ana@caf\u{e9}.fr;Nom;start"]);
    let out = w.bin_for(&sim).args(["run", composed.to_str().unwrap(), "--results", "r1.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sent = total(&sim);
    let decomposed = utf8("s2.csv", &["code_dossier;email;nom;offre", "D001;Ana@cafe\u{301}.fr;Nom;start"]);
    let out = w.bin_for(&sim).args(["run", decomposed.to_str().unwrap(), "--results", "r2.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r2 = results_csv(&w.path("r2.csv"));
    assert_eq!(r2[0]["statut"], "DEJA_FAIT", "{r2:?}");
    assert_eq!(total(&sim), sent, "nothing sent again");
    let both = utf8(
        "s3.csv",
        &["code_dossier;email;nom;offre", "D002;ana@caf\u{e9}.fr;Nom;start", "D003;ana@cafe\u{301}.fr;Autre;start"],
    );
    let out = w.bin_for(&sim).args(["run", both.to_str().unwrap(), "--results", "r3.csv"]).output().unwrap();
    let r3 = results_csv(&w.path("r3.csv"));
    assert_eq!(total(&sim), sent, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(r3.iter().all(|l| l["statut"] == "INVALIDE"), "one address, two people: {r3:?}");
}

/// `check` and `plan` say the memory's counts before anything is sent, and
/// what the registre cannot know; `--format json` gives them as `memory`.
#[test]
fn check_and_plan_say_the_memory_counts_and_its_limits() {
    let sim = sim_of(4);
    let w = Work::new();
    let rows = ["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start", "D002;p2@ok.fr;Deux;start"];
    let first = w.csv_1252("s1.csv", &rows);
    w.bin_for(&sim).args(["run", first.to_str().unwrap(), "--results", "r1.csv", "--rate", "500/s"]).assert().code(0);
    let sent = total(&sim);
    let more = w.csv_1252("s2.csv", &[rows[0], rows[1], rows[2], "D003;p3@ok.fr;Trois;start"]);
    let out = w.bin_for(&sim).args(["check", more.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("2 ligne(s) déjà faite(s), 1 à envoyer"), "{said}");
    assert!(said.contains("pour cet utilisateur sur ce poste"), "{said}");
    let out =
        w.bin_for(&sim).args(["plan", more.to_str().unwrap(), "--out", "p.json", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["memory"]["rows_done"], 2, "{v}");
    assert_eq!(v["memory"]["rows_to_send"], 1, "{v}");
    assert_eq!(total(&sim), sent, "nothing sent");
    // Without keys, no tenant: no memory said, and nothing fails.
    let out = w.bin().args(["check", more.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("déjà faite"));
}

/// « Clore sans reprendre » in the page: a stopped run's dialog closes it as
/// `registre close` does; the run is shown closed, no longer resumable, and
/// its failures run again (offered there) send what it never sent, once.
#[test]
fn the_page_closes_a_stopped_run_without_resuming_it() {
    use crate::page::{Slow, attr, client, confirm_of, progress_of, slow_gateway};
    let Slow { sim, w: _w, p, cookie, sheet: _, plan } = slow_gateway(120, "rate = \"50/s\"\nconcurrency = 3\n");
    let post = |path: &str, form: &[(&str, &str)]| {
        client()
            .post(format!("{}{path}", p.base))
            .header("cookie", &cookie)
            .header("origin", &p.base)
            .form(form)
            .send()
            .unwrap()
    };
    let run =
        post("/execution", &[("confirm", &confirm_of(&plan))]).headers()["location"].to_str().unwrap().to_string();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(post(&format!("{run}/arret"), &[]).status(), 303);
    let deadline = Instant::now() + Duration::from_secs(20);
    let page = loop {
        let (state, page) = progress_of(&p, &cookie, &run);
        if state == "stopped" {
            break page;
        }
        assert!(Instant::now() < deadline, "stopped in time: {state}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(page.contains("data-testid=\"close-run\"") && page.contains("Clore sans reprendre"), "{page}");
    assert!(page.contains("id=\"clore\"") && page.contains("Elle ne pourra plus être reprise"), "the dialog says it");
    let r = post(&format!("{run}/cloture"), &[]);
    assert_eq!(r.status(), 303);
    let (state, page) = progress_of(&p, &cookie, &run);
    assert_eq!(state, "done", "{page}");
    assert!(page.contains("close sans reprise"), "shown closed: {page}");
    assert!(!page.contains("data-testid=\"resume\"") && !page.contains("data-testid=\"close-run\""), "{page}");
    let done: usize = attr(&page, "data-done").parse().unwrap();
    assert!(done > 0);
    // « Relancer les échecs », offered on the closed run: what it never
    // sent goes, nothing twice.
    assert!(page.contains("data-testid=\"rerun-failed\""), "{page}");
    let run2 = post(&format!("{run}/echecs"), &[]);
    assert_eq!(run2.status(), 303);
    let run2 = run2.headers()["location"].to_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    while progress_of(&p, &cookie, &run2).0 != "done" {
        assert!(Instant::now() < deadline, "the new run ends");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty(), "{}", sim.stats());
}

/// The same registre used under another user's secret (a new profile, a
/// registre copied from another machine): the key looks the same, its
/// fingerprint does not. The run is refused (exit 2, nothing sent, the
/// secret file named) rather than sending again what was done; with
/// `--new-key` it is linked, and the sheet is all DEJA_FAIT.
#[test]
fn another_users_secret_on_the_same_registre_is_refused_until_linked() {
    let sim = sim_of(3);
    let w = Work::new();
    let mut lines = vec!["code_dossier;email;nom;offre".to_string()];
    for i in 1..=3 {
        lines.push(format!("D{i:03};p{i}@ok.fr;Nom{i};start"));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let input = w.csv_1252("s.csv", &refs);
    let name = input.to_str().unwrap();
    let registre = w.path("registre.sqlite");
    let registre = registre.to_str().unwrap();
    let first = w.bin_for(&sim).args(["run", name, "--results", "r1.csv", "--registre", registre]).output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let sent = total(&sim);
    // Another profile: the same registre, another config folder.
    let other = w.path("autre-profil");
    let again = |results: &str, extra: &[&str]| {
        let mut c = w.bin_for(&sim);
        c.envs(crate::util::home_vars(&other));
        c.args(["run", name, "--results", results, "--registre", registre]).args(extra).output().unwrap()
    };
    let refused = again("r2.csv", &[]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{said}");
    assert!(said.contains("empreintes-cles.secret") && said.contains("--new-key"), "{said}");
    assert!(said.contains("Rien n'a été envoyé"), "{said}");
    assert_eq!(total(&sim), sent, "nothing sent");
    let linked = again("r3.csv", &["--new-key"]);
    assert_eq!(linked.status.code(), Some(0), "{}", String::from_utf8_lossy(&linked.stderr));
    assert_eq!(total(&sim), sent, "linked: nothing sent again");
    let r3 = results_csv(&w.path("r3.csv"));
    assert!(r3.iter().all(|l| l["statut"] == "DEJA_FAIT"), "{:?}", statuses(&r3));
    // Linked once: the next run under that profile goes without the flag.
    let next = again("r4.csv", &[]);
    assert_eq!(next.status.code(), Some(0), "{}", String::from_utf8_lossy(&next.stderr));
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}
