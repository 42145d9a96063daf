//! Undoing a run (issue 24): verdicts from what the registre recorded,
//! the inverse calls of the rows undone, nothing for the others. Checked
//! on the undo's results AND on the simulator's state and received calls.

use std::collections::BTreeMap;

use loopbatch::simulator::{self, Operation, Options, Routes};

use crate::util::{Line, TestSim, Work, model, results_csv, results_xlsx};
use crate::util::{received, total};

/// Each contact's offers per dossier, as the simulator holds them.
fn offers(sim: &TestSim) -> BTreeMap<String, serde_json::Value> {
    let state = sim.state();
    state["contacts"].as_object().unwrap().iter().map(|(k, c)| (k.clone(), c["dossiers"].clone())).collect()
}

fn verdicts(lines: &[Line]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in lines {
        *m.entry(l["verdict"].clone()).or_default() += 1;
    }
    m
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// 14 dossiers with every offer active, contact p{i} on D{i} with « start ».
fn sim_with_contacts(n: usize) -> TestSim {
    TestSim::start(Options { model: contacts_model(n), ..Default::default() })
}

/// The model of `sim_with_contacts`.
fn contacts_model(n: usize) -> simulator::Model {
    let codes: Vec<String> = (1..=n).map(|i| format!("D{i:03}")).collect();
    let pairs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    let mut m = model(&pairs);
    for (i, code) in codes.iter().enumerate() {
        m.dossiers.get_mut(code).unwrap().offers =
            ["start", "consultation", "co-production"].iter().map(|s| s.to_string()).collect();
        let email = format!("p{}@ok.fr", i + 1);
        m.contacts.insert(
            email.clone(),
            simulator::Contact {
                object_id: format!("o{i}"),
                user_id: format!("u{i}"),
                email,
                fields: Default::default(),
                dossiers: BTreeMap::from([(code.clone(), ["start".to_string()].into_iter().collect())]),
            },
        );
    }
    m
}

/// 14 e-mail rows: 4 changer_offre, 4 ajouter_offre, 4 retirer_application,
/// one ajouter_offre answered « already », one retirer_application refused.
fn email_sheet(w: &Work) -> std::path::PathBuf {
    let mut lines = vec!["action;code_dossier;email;offre;ancienne_offre".to_string()];
    for i in 1..=4 {
        lines.push(format!("changer_offre;D{i:03};p{i}@ok.fr;consultation;start"));
    }
    for i in 5..=8 {
        lines.push(format!("ajouter_offre;D{i:03};p{i}@ok.fr;co-production;"));
    }
    for i in 9..=12 {
        lines.push(format!("retirer_application;D{i:03};p{i}@ok.fr;start;"));
    }
    lines.push("ajouter_offre;D013;p13@ok.fr;start;".into());
    lines.push("retirer_application;D014;p14@ok.fr;consultation;".into());
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    w.csv_1252("mois.csv", &refs)
}

fn undo(w: &Work, sim: &TestSim, args: &[&str]) -> std::process::Output {
    w.bin_for(sim).arg("undo").args(args).args(["--rate", "200/s"]).output().unwrap()
}

/// The e-mail sheet run, then undone: the dry run sends nothing and writes
/// the verdicts; the undo without --partial gives back the ANNULABLE rows
/// only; with --partial, the PARTIEL rows go and the rows undone already
/// are REFUSE: every contact's offers are back as before the run.
#[test]
fn an_email_sheet_run_then_undone_comes_back_row_by_row() {
    let sim = sim_with_contacts(14);
    let w = Work::new();
    let sheet = email_sheet(&w);
    let before = offers(&sim);
    let out = w.bin_for(&sim).args(["run", sheet.to_str().unwrap(), "--results", "r.csv", "--rate", "200/s"]).output();
    assert_eq!(out.unwrap().status.code(), Some(1), "one row refused");
    let run = results_csv(&w.path("r.csv"));
    assert_eq!(run.iter().filter(|l| l["statut"] == "OK").count(), 13, "{run:?}");
    let sent = total(&sim);

    // The dry run: the verdicts, nothing sent.
    let out = undo(&w, &sim, &["r.csv", "--results", "u0.csv", "--dry-run", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&sim), sent, "a dry run sends nothing");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["verdicts"]["ANNULABLE"].as_u64(), v["calls"].as_u64()), (Some(4), Some(4)), "{v}");
    let dry = results_csv(&w.path("u0.csv"));
    let expected = counts(&[("ANNULABLE", 4), ("PARTIEL", 8), ("RIEN_A_DEFAIRE", 2)]);
    assert_eq!(verdicts(&dry), expected, "{dry:?}");
    // The verdict column comes last; the existing columns keep their place.
    let header = std::fs::read_to_string(w.path("u0.csv")).unwrap();
    let header = header.lines().next().unwrap().to_string();
    assert!(header.ends_with(";horodatage;conseil;verdict"), "{header}");
    let partial = dry.iter().find(|l| l["verdict"] == "PARTIEL").unwrap();
    assert!(partial["message"].contains("le lien dossier–interlocuteur créé par l'ajout peut rester"), "{partial:?}");
    // Said of an undo still to come.
    let annulable = dry.iter().find(|l| l["verdict"] == "ANNULABLE").unwrap();
    assert!(annulable["message"].contains("sera rendue à"), "{annulable:?}");
    assert!(partial["message"].contains("sera retirée"), "{partial:?}");

    // Without --partial: the 4 ANNULABLE rows only.
    let collab = received(&sim, Operation::AddCollaborativeOffer);
    let remove = received(&sim, Operation::RemoveApplication);
    let out = undo(&w, &sim, &["r.csv", "--results", "u1.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u1 = results_csv(&w.path("u1.csv"));
    assert_eq!(verdicts(&u1), expected, "{u1:?}");
    assert_eq!(received(&sim, Operation::AddCollaborativeOffer), collab + 4);
    assert_eq!(received(&sim, Operation::RemoveApplication), remove, "no PARTIEL row undone unticked");
    assert_eq!(total(&sim), sent + 4, "0 calls for the other rows");
    for l in &u1 {
        let expected = if l["verdict"] == "ANNULABLE" { "OK" } else { "IGNORE" };
        assert_eq!(l["statut"], expected, "{l:?}");
    }
    let now = offers(&sim);
    for i in 9..=12 {
        let k = format!("p{i}@ok.fr");
        assert_eq!(now[&k], before[&k], "{k} has its offer back");
    }

    // With --partial: the PARTIEL rows go; those undone already are REFUSE.
    let out = undo(&w, &sim, &["r.csv", "--results", "u2.csv", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u2 = results_csv(&w.path("u2.csv"));
    assert_eq!(verdicts(&u2), counts(&[("PARTIEL", 8), ("REFUSE", 4), ("RIEN_A_DEFAIRE", 2)]), "{u2:?}");
    assert_eq!(total(&sim), sent + 4 + 12, "changer_offre: 2 calls a row, ajouter_offre: 1");
    assert_eq!(offers(&sim), before, "every contact's offers as before the run");
    // The old offer is given back before the new one is withdrawn.
    let changed = u2.iter().find(|l| l["action"] == "changer_offre").unwrap();
    assert_eq!(changed["statut"], "OK", "{changed:?}");
    assert!(changed["message"].contains("est rendue à"), "{changed:?}");
    let refused = u2.iter().find(|l| l["verdict"] == "REFUSE").unwrap();
    assert_eq!(refused["statut"], "IGNORE");
    assert!(refused["message"].contains("exécution n° 2"), "names the undo that did it: {refused:?}");
}

/// The monthly dossier-level sample undone: every row that changed Loop
/// is IRREVERSIBLE, the others have nothing to undo; 0 calls.
#[test]
fn the_monthly_dossier_sample_undone_is_irreversible_and_sends_nothing() {
    let seed = simulator::Seed {
        dossiers: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/dossiers-simulateur.csv")),
        ..Default::default()
    };
    let mut model = simulator::build_model(&seed, 1, loopbatch::job::Lang::Fr).unwrap();
    // The month's old offer active where the sheet changes or removes it.
    for code in (51..=60).map(|i| format!("CLI{i:04}")).chain(["CLI0020".to_string()]) {
        model.dossiers.get_mut(&code).unwrap().offers.insert("start".into());
    }
    let sim = TestSim::start(Options { model, ..Default::default() });
    let w = Work::new();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/changement-offres.csv");
    w.bin_for(&sim).args(["run", sample.to_str().unwrap(), "--results", "r.xlsx", "--rate", "500/s"]).output().unwrap();
    let run = results_xlsx(&w.path("r.xlsx"));
    assert_eq!(run.iter().filter(|l| l["statut"] == "OK").count(), 12, "{run:?}");
    let sent = total(&sim);
    let out = undo(&w, &sim, &["r.xlsx", "--results", "u.xlsx", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&sim), sent, "0 calls");
    let u = results_xlsx(&w.path("u.xlsx"));
    for (r, l) in run.iter().zip(&u) {
        let expected = if r["statut"] == "OK" { "IRREVERSIBLE" } else { "RIEN_A_DEFAIRE" };
        assert_eq!(l["verdict"], expected, "{r:?} {l:?}");
        assert_eq!(l["statut"], "IGNORE", "{l:?}");
    }
    let irreversible = u.iter().find(|l| l["verdict"] == "IRREVERSIBLE").unwrap();
    assert!(irreversible["message"].contains("Loop ne dit pas qui l'avait"), "{irreversible:?}");
    // In English: the same columns and words, the messages in English.
    let out = w.bin_for(&sim).args(["--lang", "en", "undo", "r.xlsx", "--results", "en.xlsx", "--dry-run"]).output();
    assert_eq!(out.unwrap().status.code(), Some(0));
    let en = results_xlsx(&w.path("en.xlsx"));
    for (fr, en) in u.iter().zip(&en) {
        assert_eq!((&fr["verdict"], &fr["statut"]), (&en["verdict"], &en["statut"]), "{en:?}");
    }
    let irreversible = en.iter().find(|l| l["verdict"] == "IRREVERSIBLE").unwrap();
    assert!(irreversible["message"].contains("Loop does not say who had it"), "{irreversible:?}");
}

/// An onboarding sheet run, undone with --partial (the contacts stay in
/// Loop, said), then run again: addCollaborativeOffer, never addClient.
#[test]
fn run_undo_then_the_sheet_again_sends_add_collaborative_offer_never_add_client() {
    let codes: Vec<String> = (1..=3).map(|i| format!("D{i:03}")).collect();
    let pairs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    let sim = TestSim::start(Options { model: model(&pairs), ..Default::default() });
    let w = Work::new();
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    for i in 1..=3 {
        lines.push(format!("D{i:03};n{i}@ok.fr;Nom{i};Prenom{i};start"));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let sheet = w.csv_1252("s.csv", &refs);
    let run = |results: &str| {
        w.bin_for(&sim).args(["run", sheet.to_str().unwrap(), "--results", results, "--rate", "200/s"]).output()
    };
    assert_eq!(run("r1.csv").unwrap().status.code(), Some(0));
    assert_eq!(received(&sim, Operation::AddClient), 3);
    let out = undo(&w, &sim, &["r1.csv", "--results", "u.csv", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u = results_csv(&w.path("u.csv"));
    assert!(u.iter().all(|l| l["verdict"] == "PARTIEL" && l["statut"] == "OK"), "{u:?}");
    assert!(u[0]["message"].contains("Paramétrage > Clients > Interlocuteurs"), "{u:?}");
    assert_eq!(received(&sim, Operation::RemoveApplication), 3);
    let state = offers(&sim);
    assert!(state.values().all(|d| d.as_object().unwrap().values().all(|o| o.as_array().unwrap().is_empty())));
    let collab = received(&sim, Operation::AddCollaborativeOffer);
    assert_eq!(run("r2.csv").unwrap().status.code(), Some(0));
    assert_eq!(received(&sim, Operation::AddClient), 3, "never addClient again");
    assert_eq!(received(&sim, Operation::AddCollaborativeOffer), collab + 3);
}

/// Killed during an undo, then resumed: nothing received twice. A second
/// undo of the same run: REFUSE. An undo against another tenant: refused,
/// nothing sent. A run changed by a later run: its rows REFUSE.
#[test]
fn kill_resume_second_undo_other_tenant_and_later_runs() {
    let sim = sim_with_contacts(14);
    let w = Work::new();
    let sheet = email_sheet(&w);
    let before = offers(&sim);
    let out = w.bin_for(&sim).args(["run", sheet.to_str().unwrap(), "--results", "r.csv", "--rate", "200/s"]).output();
    assert_eq!(out.unwrap().status.code(), Some(1));

    // Into the run's own results: refused, the results untouched.
    let kept = std::fs::read(w.path("r.csv")).unwrap();
    let out = undo(&w, &sim, &["r.csv", "--results", "r.csv", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("un autre fichier"), "{out:?}");
    assert_eq!(std::fs::read(w.path("r.csv")).unwrap(), kept);

    // Another tenant (another simulator): refused before anything is sent.
    let other = sim_with_contacts(14);
    let out = undo(&w, &other, &["r.csv", "--results", "autre.csv", "--partial"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("L'exécution n° 1 a été faite sur") && err.contains("Annulez-la avec l'adresse"), "{err}");
    assert!(!err.contains("autre fichier de résultats"), "{err}");
    assert_eq!(total(&other), 0);

    // Killed before its 5th call goes, then resumed.
    let sent = total(&sim);
    let marker = w.path("tue");
    let out = w
        .bin_for(&sim)
        .args(["undo", "r.csv", "--results", "u.csv", "--partial", "--rate", "5/s"])
        .env("LOOPBATCH_TEST_KILL_AT", "reserved:5")
        .env("LOOPBATCH_TEST_KILL_MARKER", &marker)
        .output()
        .unwrap();
    assert_eq!(std::fs::read_to_string(&marker).unwrap_or_default(), "reserved", "{out:?}");
    assert!(total(&sim) < sent + 16, "killed midway");
    let out = undo(&w, &sim, &["r.csv", "--results", "u.csv", "--resume"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&sim), sent + 16, "nothing received twice");
    assert_eq!(offers(&sim), before, "every contact's offers as before the run");
    let u = results_csv(&w.path("u.csv"));
    assert_eq!(verdicts(&u), counts(&[("ANNULABLE", 4), ("PARTIEL", 8), ("RIEN_A_DEFAIRE", 2)]), "{u:?}");

    // A second undo of the same run: every row undone is REFUSE, 0 calls.
    let sent = total(&sim);
    let out = undo(&w, &sim, &["r.csv", "--results", "u2.csv", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&sim), sent);
    let u2 = results_csv(&w.path("u2.csv"));
    assert_eq!(verdicts(&u2), counts(&[("REFUSE", 12), ("RIEN_A_DEFAIRE", 2)]), "{u2:?}");

    // A run, then a later run changing the same offers: its rows REFUSE.
    let lines = ["action;code_dossier;email;offre", "ajouter_offre;D001;p1@ok.fr;co-production"];
    let first = w.csv_1252("a.csv", &lines);
    let run = |s: &std::path::Path, r: &str| {
        w.bin_for(&sim).args(["run", s.to_str().unwrap(), "--results", r, "--rate", "200/s"]).output().unwrap()
    };
    assert_eq!(run(&first, "a.csv.res.csv").status.code(), Some(0));
    let lines = ["action;code_dossier;email;offre", "retirer_application;D001;p1@ok.fr;co-production"];
    let later = w.csv_1252("b.csv", &lines);
    assert_eq!(run(&later, "b.res.csv").status.code(), Some(0));
    let sent = total(&sim);
    let out = undo(&w, &sim, &["a.csv.res.csv", "--results", "ua.csv", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&sim), sent);
    let ua = results_csv(&w.path("ua.csv"));
    assert_eq!(ua[0]["verdict"], "REFUSE", "{ua:?}");
    assert!(ua[0]["message"].contains("annulez d'abord celle-ci"), "{ua:?}");
}

/// Calls whose answers were lost (the connection cut after Loop applied
/// them): their rows are A_VERIFIER, no call; once a person records « done » (`verify --done`), the row is
/// undone; « not done », nothing to undo.
#[test]
fn a_verifier_rows_send_nothing_until_a_person_checks_them() {
    let r = Routes::default();
    let spared = [Operation::ProvisionCompany, Operation::AddOffer, Operation::AddCollaborativeOffer];
    let faults = simulator::Faults {
        lost_answer_rate: 1.0,
        spared_routes: spared.map(|op| r.of(op).to_string()).to_vec(),
        ..Default::default()
    };
    let mut m = model(&[("D001", true), ("D002", true), ("D003", true)]);
    for (i, code) in ["D001", "D002", "D003"].iter().enumerate() {
        m.dossiers.get_mut(*code).unwrap().offers = ["start".to_string()].into_iter().collect();
        let email = format!("p{}@ok.fr", i + 1);
        let contact = simulator::Contact {
            object_id: format!("o{i}"),
            user_id: format!("u{i}"),
            email: email.clone(),
            fields: Default::default(),
            dossiers: BTreeMap::from([(code.to_string(), ["start".to_string()].into_iter().collect())]),
        };
        m.contacts.insert(email, contact);
    }
    let sim = TestSim::start(Options { model: m, faults, ..Default::default() });
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "retries = 0\n").unwrap();
    let lines = [
        "action;code_dossier;email;offre",
        "retirer_application;D001;p1@ok.fr;start",
        "retirer_application;D002;p2@ok.fr;start",
    ];
    let sheet = w.csv_1252("v.csv", &lines);
    let out = w.bin_for(&sim).args(["run", sheet.to_str().unwrap(), "--results", "r.csv", "--rate", "200/s"]).output();
    assert_eq!(out.unwrap().status.code(), Some(1));
    let run = results_csv(&w.path("r.csv"));
    // Sent, the connection cut after Loop applied it: the run cannot know.
    assert!(run.iter().all(|l| l["message"].contains("connexion coupée")), "{run:?}");
    let sent = total(&sim);
    let out = undo(&w, &sim, &["r.csv", "--results", "u1.csv", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u1 = results_csv(&w.path("u1.csv"));
    assert_eq!(verdicts(&u1), counts(&[("A_VERIFIER", 2)]), "{u1:?}");
    assert!(u1[0]["message"].contains("loopbatch verify"), "{u1:?}");
    w.bin().args(["verify", "r.csv", "--line", "2", "--done"]).assert().code(0);
    w.bin().args(["verify", "r.csv", "--line", "3", "--not-done"]).assert().code(0);
    let out = undo(&w, &sim, &["r.csv", "--results", "u2.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u2 = results_csv(&w.path("u2.csv"));
    assert_eq!(verdicts(&u2), counts(&[("ANNULABLE", 1), ("RIEN_A_DEFAIRE", 1)]), "{u2:?}");
    assert_eq!(total(&sim), sent + 1, "the row checked done is undone: one addCollaborativeOffer");
    assert_eq!(sim.state()["contacts"]["p1@ok.fr"]["dossiers"]["D001"], serde_json::json!(["start"]));

    // Applied, its answer lost, the resend answered « not assigned »: the
    // run says A_VERIFIER (the first attempt may have done it); the undo
    // says A_VERIFIER too and sends nothing until a person checks it.
    let lines = ["action;code_dossier;email;offre", "retirer_application;D003;p3@ok.fr;start"];
    let sheet = w.csv_1252("v3.csv", &lines);
    let out = w.bin_for(&sim).args(["run", sheet.to_str().unwrap(), "--results", "r3.csv", "--retries", "1"]).output();
    assert_eq!(out.unwrap().status.code(), Some(1));
    let r3 = results_csv(&w.path("r3.csv"));
    assert_eq!(r3[0]["statut"], "A_VERIFIER", "{r3:?}");
    let sent = total(&sim);
    let out = undo(&w, &sim, &["r3.csv", "--results", "u3.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u3 = results_csv(&w.path("u3.csv"));
    assert_eq!((u3[0]["verdict"].as_str(), u3[0]["statut"].as_str()), ("A_VERIFIER", "IGNORE"), "{u3:?}");
    assert!(u3[0]["message"].contains("loopbatch verify"), "{u3:?}");
    assert_eq!(total(&sim), sent, "nothing sent for a row to check");
    assert_eq!(sim.state()["contacts"]["p3@ok.fr"]["dossiers"]["D003"], serde_json::json!([]));
    // A person checked it in Loop: done. Now the undo gives the offer back.
    w.bin().args(["verify", "r3.csv", "--line", "2", "--done"]).assert().code(0);
    let out = undo(&w, &sim, &["r3.csv", "--results", "u4.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u4 = results_csv(&w.path("u4.csv"));
    assert_eq!((u4[0]["verdict"].as_str(), u4[0]["statut"].as_str()), ("ANNULABLE", "OK"), "{u4:?}");
    assert_eq!(total(&sim), sent + 1, "one addCollaborativeOffer");
    assert_eq!(sim.state()["contacts"]["p3@ok.fr"]["dossiers"]["D003"], serde_json::json!(["start"]));
}

/// An updateClient undone: the phone an earlier run's addClient sent comes
/// back (PARTIEL, with --partial); a field no earlier call sent cannot.
#[test]
fn an_update_comes_back_to_the_values_an_earlier_call_sent() {
    let sim = TestSim::start(Options { model: model(&[("D001", true), ("D002", true)]), ..Default::default() });
    let w = Work::new();
    let first = w.csv_1252(
        "s1.csv",
        &[
            "code_dossier;email;nom;prenom;telephone;offre",
            "D001;p1@ok.fr;Un;Paul;06 11 11 11 11;start",
            "D002;p2@ok.fr;Deux;Anne;06 22 22 22 22;start",
        ],
    );
    let run = |s: &std::path::Path, r: &str| {
        w.bin_for(&sim).args(["run", s.to_str().unwrap(), "--results", r, "--rate", "200/s"]).output().unwrap()
    };
    assert_eq!(run(&first, "r1.csv").status.code(), Some(0));
    let phone = sim.state()["contacts"]["p1@ok.fr"]["fields"]["telephone"].clone();
    let second = w.csv_1252(
        "s2.csv",
        &[
            "action;code_dossier;email;telephone;profil",
            "modifier_interlocuteur;D001;p1@ok.fr;07 99 99 99 99;",
            "modifier_interlocuteur;D002;p2@ok.fr;;2.0",
        ],
    );
    let out = run(&second, "r2.csv");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_ne!(sim.state()["contacts"]["p1@ok.fr"]["fields"]["telephone"], phone);
    let sent = total(&sim);
    let out = undo(&w, &sim, &["r2.csv", "--results", "u.csv", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u = results_csv(&w.path("u.csv"));
    assert_eq!((u[0]["verdict"].as_str(), u[1]["verdict"].as_str()), ("PARTIEL", "IRREVERSIBLE"), "{u:?}");
    assert!(u[0]["message"].contains("telephone"), "lists the fields it restores: {u:?}");
    assert_eq!(total(&sim), sent + 1, "one updateClient");
    assert_eq!(received(&sim, Operation::UpdateClient), 3);
    assert_eq!(sim.state()["contacts"]["p1@ok.fr"]["fields"]["telephone"], phone, "the earlier phone is back");
}

/// Offers taken back (ANNULABLE); one whose dossier offer was removed by
/// hand in Loop since (the registre does not know): ERREUR « offre non
/// rétablie », exit 1; one whose dossier offer a later run removed:
/// IRREVERSIBLE. Then the undo undone in its turn (by its number).
#[test]
fn an_offer_not_active_any_more_errs_and_an_undo_is_undoable() {
    let sim = sim_with_contacts(3);
    let w = Work::new();
    let lines = [
        "action;code_dossier;email;offre",
        "retirer_application;D001;p1@ok.fr;start",
        "retirer_application;D002;p2@ok.fr;start",
        "retirer_application;D003;p3@ok.fr;start",
    ];
    let sheet = w.csv_1252("a.csv", &lines);
    let run = |s: &std::path::Path, r: &str| {
        w.bin_for(&sim).args(["run", s.to_str().unwrap(), "--results", r, "--rate", "200/s"]).output().unwrap()
    };
    assert_eq!(run(&sheet, "ra.csv").status.code(), Some(0));
    let after_run = offers(&sim);
    // By hand in Loop: D001's offer removed (the registre does not know).
    let route = Routes::default().of(Operation::RemoveOffer).to_string();
    let (status, _, _) = sim.post(&route, serde_json::json!({"codeDossier": "D001", "offre": "start"}), None);
    assert_eq!(status, 200);
    // A later run removes D002's offer.
    let later = w.csv_1252("b.csv", &["action;code_dossier;offre", "retirer_offre;D002;start"]);
    assert_eq!(run(&later, "rb.csv").status.code(), Some(0));
    let out = undo(&w, &sim, &["ra.csv", "--results", "u.csv"]);
    assert_eq!(out.status.code(), Some(1), "an inverse call ended ERREUR: {}", String::from_utf8_lossy(&out.stderr));
    let u = results_csv(&w.path("u.csv"));
    let verdicts: Vec<&str> = u.iter().map(|l| l["verdict"].as_str()).collect();
    assert_eq!(verdicts, ["ANNULABLE", "IRREVERSIBLE", "ANNULABLE"], "{u:?}");
    assert_eq!(u[0]["statut"], "ERREUR", "{u:?}");
    assert!(u[0]["message"].starts_with("offre non rétablie : activez d'abord l'offre du dossier (LoopHub)"), "{u:?}");
    assert_eq!((u[1]["statut"].as_str(), u[2]["statut"].as_str()), ("IGNORE", "OK"), "{u:?}");
    assert_eq!(offers(&sim)["p3@ok.fr"]["D003"], serde_json::json!(["start"]));
    // The undo undone, named by its number (run 3): p3's offer withdrawn again.
    let out = undo(&w, &sim, &["3", "--results", "uu.csv", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let uu = results_csv(&w.path("uu.csv"));
    let verdicts: Vec<&str> = uu.iter().map(|l| l["verdict"].as_str()).collect();
    assert_eq!(verdicts, ["RIEN_A_DEFAIRE", "RIEN_A_DEFAIRE", "PARTIEL"], "{uu:?}");
    assert_eq!(offers(&sim)["p3@ok.fr"], after_run["p3@ok.fr"]);
}

/// An undo whose inverse call failed (Loop refused: « offre non rétablie »)
/// leaves its row undoable: once the dossier's offer is active again, a
/// second undo gives it back; the row the first undo did undo says so
/// (« ligne déjà annulée par l'exécution n° 2 », once).
#[test]
fn a_failed_inverse_leaves_its_row_undoable_by_the_next_undo() {
    let sim = sim_with_contacts(2);
    let w = Work::new();
    let lines = [
        "action;code_dossier;email;offre",
        "retirer_application;D001;p1@ok.fr;start",
        "retirer_application;D002;p2@ok.fr;start",
    ];
    let sheet = w.csv_1252("a.csv", &lines);
    let out = w.bin_for(&sim).args(["run", sheet.to_str().unwrap(), "--results", "ra.csv", "--rate", "200/s"]).output();
    assert_eq!(out.unwrap().status.code(), Some(0));
    let routes = Routes::default();
    let off = routes.of(Operation::RemoveOffer).to_string();
    let on = routes.of(Operation::AddOffer).to_string();
    let dossier_offer = serde_json::json!({"codeDossier": "D001", "offre": "start"});
    assert_eq!(sim.post(&off, dossier_offer.clone(), None).0, 200);
    let out = undo(&w, &sim, &["ra.csv", "--results", "u1.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let u1 = results_csv(&w.path("u1.csv"));
    assert_eq!((u1[0]["statut"].as_str(), u1[1]["statut"].as_str()), ("ERREUR", "OK"), "{u1:?}");
    assert!(u1[0]["message"].contains("offre non rétablie"), "{u1:?}");
    // The offer active again on D001 (by hand in LoopHub): undo again.
    assert_eq!(sim.post(&on, dossier_offer, None).0, 200);
    let sent = total(&sim);
    let collab = received(&sim, Operation::AddCollaborativeOffer);
    let out = undo(&w, &sim, &["ra.csv", "--results", "u2.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u2 = results_csv(&w.path("u2.csv"));
    assert_eq!((u2[0]["verdict"].as_str(), u2[0]["statut"].as_str()), ("ANNULABLE", "OK"), "{u2:?}");
    assert_eq!(u2[1]["verdict"], "REFUSE", "{u2:?}");
    assert!(u2[1]["message"].contains("ligne déjà annulée par l'exécution n° 2"), "{u2:?}");
    assert!(!u2[1]["message"].contains("annulez d'abord"), "{u2:?}");
    assert_eq!((total(&sim), received(&sim, Operation::AddCollaborativeOffer)), (sent + 1, collab + 1));
    assert_eq!(offers(&sim)["p1@ok.fr"]["D001"], serde_json::json!(["start"]));
    assert_eq!(offers(&sim)["p2@ok.fr"]["D002"], serde_json::json!(["start"]));
}

/// `undo --results` never overwrites an input sheet (the undone run's or
/// another run's) nor another run's results, dry run or not: exit 2,
/// the file untouched, nothing sent. `--resume` continues an undo of the
/// run named only: a killed normal run's results are refused.
#[test]
fn undo_results_spare_sheets_and_other_runs_and_resume_only_its_undo() {
    let sim = sim_with_contacts(4);
    let w = Work::new();
    let a = w.csv_1252("a.csv", &["action;code_dossier;email;offre", "retirer_application;D001;p1@ok.fr;start"]);
    let b = w.csv_1252(
        "b.csv",
        &[
            "action;code_dossier;email;offre",
            "retirer_application;D002;p2@ok.fr;start",
            "retirer_application;D003;p3@ok.fr;start",
            "retirer_application;D004;p4@ok.fr;start",
        ],
    );
    let out = w.bin_for(&sim).args(["run", a.to_str().unwrap(), "--results", "ra.csv", "--rate", "200/s"]).output();
    assert_eq!(out.unwrap().status.code(), Some(0));
    // Run 2, killed before its 2nd call goes.
    let marker = w.path("tue");
    let out = w
        .bin_for(&sim)
        .args(["run", b.to_str().unwrap(), "--results", "rb.csv", "--rate", "5/s"])
        .env("LOOPBATCH_TEST_KILL_AT", "reserved:2")
        .env("LOOPBATCH_TEST_KILL_MARKER", &marker)
        .output()
        .unwrap();
    assert_eq!(std::fs::read_to_string(&marker).unwrap_or_default(), "reserved", "{out:?}");
    std::fs::write(w.path("rb.csv"), "des résultats\n").unwrap();
    let sent = total(&sim);
    let files = ["a.csv", "b.csv", "rb.csv"];
    let kept: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(w.path(f)).unwrap()).collect();
    for target in files {
        for dry in [true, false] {
            let mut args = vec!["ra.csv", "--results", target];
            if dry {
                args.push("--dry-run");
            }
            let out = undo(&w, &sim, &args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{target} {dry}: {err}");
            assert!(err.contains("Donnez un autre nom à --results"), "{target}: {err}");
        }
    }
    let now: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(w.path(f)).unwrap()).collect();
    assert_eq!(now, kept, "no file overwritten");
    assert_eq!(total(&sim), sent, "nothing sent");

    // `undo 1 --resume` into the killed run 2's results: refused, nothing sent.
    let out = undo(&w, &sim, &["1", "--results", "rb.csv", "--resume"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("n'est pas une annulation"), "{err}");
    assert_eq!(total(&sim), sent, "the killed run's calls not sent");
    // An undo of run 1, then resumed as an undo of run 2: refused.
    let out = undo(&w, &sim, &["1", "--results", "u1.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = undo(&w, &sim, &["2", "--results", "u1.csv", "--resume"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("qui annule l'exécution n° 1"), "{err}");
}

/// A later run on the same dossier touching another contact (an onboarding
/// whose dossier offer is « added » again) does not block an earlier run's
/// person row; a later run on the same person does, until it is undone
/// itself: then the earlier run's row is undoable (« annulez d'abord
/// celle-ci » can be followed).
#[test]
fn later_runs_block_only_their_own_things_and_not_once_undone() {
    let sim = sim_with_contacts(3);
    let w = Work::new();
    let run = |name: &str, lines: &[&str], r: &str| {
        let s = w.csv_1252(name, lines);
        let out = w.bin_for(&sim).args(["run", s.to_str().unwrap(), "--results", r, "--rate", "200/s"]).output();
        assert_eq!(out.unwrap().status.code(), Some(0), "{name}");
    };
    run("a.csv", &["action;code_dossier;email;offre", "retirer_application;D003;p3@ok.fr;start"], "ra.csv");
    run("b.csv", &["code_dossier;email;nom;prenom;offre", "D003;z@x.fr;Zed;Zoe;start"], "rb.csv");
    let sent = total(&sim);
    let out = undo(&w, &sim, &["ra.csv", "--results", "ua.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let ua = results_csv(&w.path("ua.csv"));
    assert_eq!((ua[0]["verdict"].as_str(), ua[0]["statut"].as_str()), ("ANNULABLE", "OK"), "{ua:?}");
    assert_eq!(total(&sim), sent + 1);
    assert_eq!(offers(&sim)["p3@ok.fr"]["D003"], serde_json::json!(["start"]));

    // Run 4 withdraws p1's offer, run 5 gives it back: run 4 REFUSE.
    run("c.csv", &["action;code_dossier;email;offre", "retirer_application;D001;p1@ok.fr;start"], "rc.csv");
    run("d.csv", &["action;code_dossier;email;offre", "ajouter_offre;D001;p1@ok.fr;start"], "rd.csv");
    let sent = total(&sim);
    let out = undo(&w, &sim, &["rc.csv", "--results", "uc1.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let uc1 = results_csv(&w.path("uc1.csv"));
    assert_eq!(uc1[0]["verdict"], "REFUSE", "{uc1:?}");
    assert!(uc1[0]["message"].contains("par l'exécution n° 5 : annulez d'abord celle-ci"), "{uc1:?}");
    assert_eq!(total(&sim), sent);
    // As told: run 5 undone first, then run 4.
    let out = undo(&w, &sim, &["rd.csv", "--results", "ud.csv", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(offers(&sim)["p1@ok.fr"]["D001"], serde_json::json!([]));
    let out = undo(&w, &sim, &["rc.csv", "--results", "uc2.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let uc2 = results_csv(&w.path("uc2.csv"));
    assert_eq!((uc2[0]["verdict"].as_str(), uc2[0]["statut"].as_str()), ("ANNULABLE", "OK"), "{uc2:?}");
    assert_eq!(total(&sim), sent + 2, "the undo of run 5, then run 4's");
    assert_eq!(offers(&sim)["p1@ok.fr"]["D001"], serde_json::json!(["start"]));
}

/// An inverse removeApplication whose answer was lost, resent and answered
/// « pas affectée »: the undo's own send withdrew it, the row is undone
/// (OK, said so, PARTIEL's note kept), never RIEN_A_DEFAIRE. The registre
/// keeps it to check: an undo of that undo asks a person first.
#[test]
fn an_inverse_answer_lost_then_not_assigned_is_undone() {
    let r = Routes::default();
    let spared: Vec<String> = [
        Operation::ProvisionCompany,
        Operation::AddOffer,
        Operation::AddCollaborativeOffer,
        Operation::AddClient,
        Operation::UpdateClient,
        Operation::RemoveOffer,
    ]
    .iter()
    .map(|op| r.of(*op).to_string())
    .collect();
    let mut sim_opts = Options { model: contacts_model(1), ..Default::default() };
    sim_opts.faults = simulator::Faults { lost_answer_rate: 1.0, spared_routes: spared, ..Default::default() };
    let sim = TestSim::start(sim_opts);
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "retries = 1\n").unwrap();
    let sheet = w.csv_1252("a.csv", &["action;code_dossier;email;offre", "ajouter_offre;D001;p1@ok.fr;consultation"]);
    let out = w.bin_for(&sim).args(["run", sheet.to_str().unwrap(), "--results", "ra.csv", "--rate", "200/s"]).output();
    assert_eq!(out.unwrap().status.code(), Some(0));
    let out = undo(&w, &sim, &["ra.csv", "--results", "u.csv", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u = results_csv(&w.path("u.csv"));
    assert_eq!((u[0]["verdict"].as_str(), u[0]["statut"].as_str()), ("PARTIEL", "OK"), "{u:?}");
    assert!(u[0]["message"].contains("une tentative restée sans réponse"), "{u:?}");
    assert!(u[0]["message"].contains("peut rester"), "{u:?}");
    assert_eq!(received(&sim, Operation::RemoveApplication), 2, "sent, lost, resent");
    assert_eq!(offers(&sim)["p1@ok.fr"]["D001"], serde_json::json!(["start"]));
    let sent = total(&sim);
    let out = undo(&w, &sim, &["2", "--results", "uu.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let uu = results_csv(&w.path("uu.csv"));
    assert_eq!(uu[0]["verdict"], "A_VERIFIER", "{uu:?}");
    assert_eq!(total(&sim), sent);
}

/// An addClient whose answer was lost, resent and answered « déjà
/// associé » (A_VERIFIER in the run: it may be someone else's contact):
/// the undo says A_VERIFIER and sends nothing.
#[test]
fn an_add_client_to_check_stays_to_check() {
    let r = Routes::default();
    let spared = [Operation::ProvisionCompany, Operation::AddOffer, Operation::AddCollaborativeOffer];
    let faults = simulator::Faults {
        lost_answer_rate: 1.0,
        spared_routes: spared.map(|op| r.of(op).to_string()).to_vec(),
        ..Default::default()
    };
    let sim = TestSim::start(Options { model: model(&[("D001", true)]), faults, ..Default::default() });
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "retries = 1\n").unwrap();
    let sheet = w.csv_1252("s.csv", &["code_dossier;email;nom;prenom;offre", "D001;n1@ok.fr;Nom;Prenom;start"]);
    let out = w.bin_for(&sim).args(["run", sheet.to_str().unwrap(), "--results", "r.csv", "--rate", "200/s"]).output();
    assert_eq!(out.unwrap().status.code(), Some(1));
    let run = results_csv(&w.path("r.csv"));
    assert_eq!(run[0]["statut"], "A_VERIFIER", "{run:?}");
    let sent = total(&sim);
    let out = undo(&w, &sim, &["r.csv", "--results", "u.csv", "--partial"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let u = results_csv(&w.path("u.csv"));
    assert_eq!((u[0]["verdict"].as_str(), u[0]["statut"].as_str()), ("A_VERIFIER", "IGNORE"), "{u:?}");
    assert_eq!(total(&sim), sent, "nothing sent");
}
