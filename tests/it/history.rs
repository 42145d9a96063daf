//! `loopbatch history`: what loopbatch did for a dossier or a person, from
//! the registre, call by call with the request id the simulator gave; the
//! runs newest first; `--since`; the XLSX and CSV exports with the results'
//! formula guard; an unknown dossier, a wrong date, forgotten calls.

use loopbatch::job::{CallOutcome, Lang, NewRun, PlannedCall, Registre, Status};
use loopbatch::simulator::Options;
use serde_json::Value;

use crate::util::{TestSim, Work, model, registre_path, results_csv, results_xlsx};

/// D1 provisioned, given an offer, then a contact; D2 provisioned: one
/// call a row, so that each row's request id is its call's.
const SHEET: [&str; 5] = [
    "action;code_dossier;email;nom;prenom;offre",
    "provisionner;D1;;;;",
    "ajouter_offre;D1;;;;start",
    "ajouter_interlocuteur;D1;Ana.Martin@Exemple.fr;Martin;Ana;start",
    "provisionner;D2;;;;",
];

fn sim() -> TestSim {
    TestSim::start(Options { model: model(&[("D1", false), ("D2", false), ("D3", false)]), ..Default::default() })
}

/// A run of `SHEET` into `r.csv`; its results.
fn ran(w: &Work, sim: &TestSim) -> Vec<crate::util::Line> {
    w.csv_1252("s.csv", &SHEET);
    w.bin_for(sim).args(["run", "s.csv", "--results", "r.csv", "--quiet"]).assert().code(0);
    results_csv(&w.path("r.csv"))
}

/// `history ARGS --format json`: its exit code, its JSON, its stderr.
fn json(w: &Work, args: &[&str]) -> (i32, Value, String) {
    let out = w.bin().arg("history").args(args).args(["--format", "json"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v, said)
}

#[test]
fn a_dossiers_history_lists_every_call_with_the_request_id_the_simulator_gave() {
    let (w, sim) = (Work::new(), sim());
    let results = ran(&w, &sim);
    assert_eq!(sim.stats()["total"], 4, "four calls went");
    let given: Vec<&str> = results[..3].iter().map(|l| l["request_id"].as_str()).collect();
    assert!(given.iter().all(|r| r.contains("-sim-")), "{given:?}");
    let (code, h, said) = json(&w, &[" D1 "]);
    assert_eq!(code, 0, "{said}");
    let calls = h["calls"].as_array().unwrap();
    let ids: Vec<&str> = calls.iter().map(|c| c["request_id"].as_str().unwrap()).collect();
    assert_eq!(ids, given, "every call of D1, in order, with the simulator's request id");
    let ops: Vec<&str> = calls.iter().map(|c| c["operation"].as_str().unwrap()).collect();
    assert_eq!(ops, ["provisionCompany", "addOffer", "addClient"]);
    let lines: Vec<u64> = calls.iter().map(|c| c["rows"][0]["ligne"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 4], "the sheet's lines as Excel shows them");
    for c in calls {
        assert_eq!(
            (c["sheet"].as_str(), c["status"].as_str(), c["run"].as_i64()),
            (Some("s.csv"), Some("OK"), Some(1))
        );
        assert!(c["at"].as_str().unwrap().starts_with("20") && !c["os_user"].as_str().unwrap().is_empty());
    }
    assert_eq!(calls[0]["message"], "Le dossier client D1 a été provisionné.", "Loop's words verbatim");
    assert!(said.contains("3 appels notés pour le dossier D1."), "{said}");
    // The table a person reads: each request id, its line, the words.
    let out = w.bin().args(["history", "D1"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    for id in &given {
        assert!(table.contains(id), "{id} in {table}");
    }
    assert!(table.contains("ligne 4") && table.contains("Le dossier client D1 a été provisionné."), "{table}");
    // A person, by the e-mail the registre keeps in lower case.
    let (code, h, _) = json(&w, &["ana.martin@EXEMPLE.fr"]);
    assert_eq!(code, 0);
    assert_eq!(h["calls"].as_array().unwrap().len(), 1);
    assert_eq!(h["calls"][0]["request_id"].as_str(), Some(results[2]["request_id"].as_str()));
    assert_eq!(h["calls"][0]["email"], "ana.martin@exemple.fr");
}

#[test]
fn without_a_dossier_the_runs_newest_first_with_their_rows_per_status_and_since() {
    let (w, sim) = (Work::new(), sim());
    ran(&w, &sim);
    w.csv_1252("s2.csv", &["action;code_dossier", "provisionner;D3", "provisionner;NOPE"]);
    w.bin_for(&sim).args(["run", "s2.csv", "--results", "r2.csv", "--quiet"]).assert().code(1);
    let (code, h, said) = json(&w, &[]);
    assert_eq!(code, 0, "{said}");
    let runs = h["runs"].as_array().unwrap();
    let sheets: Vec<&str> = runs.iter().map(|r| r["sheet"].as_str().unwrap()).collect();
    assert_eq!(sheets, ["s2.csv", "s.csv"], "newest first");
    assert_eq!(runs[1]["counts"]["OK"], 4);
    assert_eq!(runs[0]["counts"]["OK"], 1);
    assert_eq!(runs[0]["counts"]["ERREUR"], 1, "{:?}", runs[0]["counts"]);
    assert!(runs[0]["tenant"].as_str().unwrap().contains("127.0.0.1"), "where it went: {}", runs[0]["tenant"]);
    let out = w.bin().args(["history"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.find("s2.csv").unwrap() < table.find("s.csv ").unwrap(), "{table}");
    assert!(table.contains("OK 4") && table.contains("ERREUR 1"), "{table}");
    // --since: the French form and the ISO one; a day to come shows nothing.
    let (code, h, _) = json(&w, &["D1", "--since", "01/01/2020"]);
    assert_eq!((code, h["calls"].as_array().unwrap().len()), (0, 3));
    let (code, h, said) = json(&w, &["D1", "--since", "2999-01-01"]);
    assert_eq!((code, h["calls"].as_array().unwrap().len()), (1, 0));
    assert!(said.contains("Rien n'est noté pour le dossier D1 depuis le 2999-01-01"), "{said}");
    let (code, h, _) = json(&w, &["--since", "2999-01-01"]);
    assert_eq!((code, h["runs"].as_array().unwrap().len()), (0, 0));
}

#[test]
fn a_wrong_date_an_unknown_dossier_and_a_wrong_extension_are_said_in_french() {
    let w = Work::new();
    let out = w.bin().args(["history", "D1", "--since", "2026-02-30"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("« 2026-02-30 »") && said.contains("AAAA-MM-JJ") && said.contains("JJ/MM/AAAA"), "{said}");
    // No registre yet: nothing recorded, and none is made by asking.
    let out = w.bin().args(["history", "D404"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("Rien n'est noté pour le dossier D404 dans ce registre"), "{said}");
    assert!(said.contains("pour cet utilisateur sur cet ordinateur"), "{said}");
    assert!(!registre_path(&w).exists(), "asking made no registre");
    let out = w.bin().args(["--lang", "en", "history", "x@y.fr"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("Nothing is recorded for the e-mail x@y.fr in this registre"), "{said}");
    let out = w.bin().args(["history", "D1", "--results", "h.pdf"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("h.pdf") && said.contains("« .pdf »") && said.contains(".xlsx ou en .csv"), "{said}");
    assert!(!w.path("h.pdf").exists());
}

#[test]
fn the_export_in_xlsx_and_csv_read_back() {
    let (w, sim) = (Work::new(), sim());
    let results = ran(&w, &sim);
    w.bin().args(["history", "D1", "--results", "h.xlsx"]).assert().code(0);
    let x = results_xlsx(&w.path("h.xlsx"));
    assert_eq!(x.len(), 3);
    assert_eq!(x[2]["request_id"], results[2]["request_id"]);
    assert_eq!((x[2]["ligne"].as_str(), x[2]["feuille"].as_str()), ("4", "s.csv"));
    assert_eq!((x[2]["operation"].as_str(), x[2]["email"].as_str()), ("addClient", "ana.martin@exemple.fr"));
    assert_eq!(x[0]["message"], "Le dossier client D1 a été provisionné.");
    w.bin().args(["history", "D1", "--results", "h.csv"]).assert().code(0);
    let c = results_csv(&w.path("h.csv"));
    assert_eq!(c.len(), 3);
    assert_eq!(c[1]["request_id"], results[1]["request_id"]);
    assert_eq!((c[1]["statut"].as_str(), c[1]["appel"].as_str(), c[1]["execution"].as_str()), ("OK", "2", "1"));
    // The runs too.
    w.bin().args(["history", "--results", "runs.csv"]).assert().code(0);
    let runs = results_csv(&w.path("runs.csv"));
    assert_eq!((runs[0]["tableur"].as_str(), runs[0]["lignes_par_statut"].as_str()), ("s.csv", "OK 4"));
}

/// Loop's message is an answer's value: exported, it can never run as a
/// formula (the results' guard, in CSV and in XLSX).
#[test]
fn a_loop_message_starting_with_equals_never_runs_as_a_formula() {
    let w = Work::new();
    let path = registre_path(&w);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut reg = Registre::open(&path, Lang::Fr).unwrap();
    let call = PlannedCall { id: 1, operation: "provisionCompany", dossier: "F1", email: None, body: "{}" };
    let new = NewRun { sheet: "f.csv".into(), plan_hash: "p".into(), results: w.path("f-r.csv"), ..Default::default() };
    let run = reg.start_run(&new, &[call]).unwrap();
    let evil = "=HYPERLINK(\"http://evil\",\"x\")";
    let answer = CallOutcome {
        status: Status::Erreur,
        code_http: Some(400),
        message: evil.into(),
        request_id: "@req".into(),
        object_id: String::new(),
        attempts: 1,
        timestamp: "2026-12-06T10:00:00+01:00".into(),
        resend_on_resume: false,
    };
    reg.answered(run, 1, &answer).unwrap();
    drop(reg);
    w.bin().args(["history", "F1", "--results", "h.csv"]).assert().code(0);
    let raw = String::from_utf8(std::fs::read(w.path("h.csv")).unwrap()).unwrap();
    assert!(raw.contains("'=HYPERLINK") && raw.contains("'@req"), "{raw}");
    w.bin().args(["history", "F1", "--results", "h.xlsx"]).assert().code(0);
    let sheet = crate::util::zip_entry(&w.path("h.xlsx"), "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no formula in the export");
    let x = results_xlsx(&w.path("h.xlsx"));
    assert_eq!(x[0]["message"], evil, "kept exactly");
    // Its plan is not kept beside its results: the call's number is said.
    let out = w.bin().args(["history", "F1"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("appel n° 1 (plan non gardé)"));
}

#[test]
fn forgotten_calls_stay_in_the_history_without_their_person() {
    let (w, sim) = (Work::new(), sim());
    ran(&w, &sim);
    w.bin().args(["registre", "forget", "ana.martin@exemple.fr"]).assert().code(0);
    let (code, h, _) = json(&w, &["D1"]);
    assert_eq!(code, 0);
    let calls = h["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3, "the call is still there");
    let gone = &calls[2];
    assert_eq!((gone["forgotten"].as_bool(), gone["operation"].as_str()), (Some(true), Some("addClient")));
    assert!(gone["email"].is_null() && gone["message"].is_null(), "{gone}");
    assert!(!gone["request_id"].as_str().unwrap().is_empty(), "what is no personal data stays");
    assert_eq!(calls[0]["forgotten"], false);
    let out = w.bin().args(["history", "D1"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("oublié : données personnelles effacées du registre"), "{table}");
    assert!(!table.to_lowercase().contains("ana.martin"), "{table}");
    w.bin().args(["history", "D1", "--results", "h.csv"]).assert().code(0);
    let raw = String::from_utf8(std::fs::read(w.path("h.csv")).unwrap()).unwrap();
    assert!(!raw.to_lowercase().contains("ana.martin") && !raw.contains("Martin"), "{raw}");
    let (code, _, said) = json(&w, &["ana.martin@exemple.fr"]);
    assert_eq!(code, 1, "the person is forgotten: {said}");
}

/// The check column: « à vérifier » while Loop's effect is unknown, then a
/// person's check once the registre keeps one (`verify`'s table, in the
/// registre's schema 2).
#[test]
fn the_check_column_says_what_a_person_found_in_loop() {
    let w = Work::new();
    let path = registre_path(&w);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut reg = Registre::open(&path, Lang::Fr).unwrap();
    let call = PlannedCall { id: 1, operation: "addClient", dossier: "V1", email: None, body: "{}" };
    let new = NewRun { sheet: "v.csv".into(), plan_hash: "p".into(), results: w.path("v-r.csv"), ..Default::default() };
    let run = reg.start_run(&new, &[call]).unwrap();
    let answer = CallOutcome {
        status: Status::AVerifier,
        code_http: None,
        message: "réponse perdue".into(),
        request_id: String::new(),
        object_id: String::new(),
        attempts: 2,
        timestamp: "2026-12-06T10:00:00+01:00".into(),
        resend_on_resume: false,
    };
    reg.answered(run, 1, &answer).unwrap();
    drop(reg);
    w.bin().args(["history", "V1", "--results", "h.csv"]).assert().code(0);
    let c = results_csv(&w.path("h.csv"));
    assert_eq!(c[0]["verification"], "à vérifier dans Loop (aucune vérification notée)");
    // The checks' table is the registre's own (schema 2, `verify`).
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO checks(run, call, done, feuille, ligne, os_user, machine, at, after_seq)
         VALUES (?1, 1, 1, 'v.csv', 2, 'ana', 'poste-12', '2026-12-06T11:30:00+01:00', 0)",
        [run],
    )
    .unwrap();
    drop(conn);
    w.bin().args(["history", "V1", "--results", "h.csv"]).assert().code(0);
    let c = results_csv(&w.path("h.csv"));
    assert_eq!(c[0]["verification"], "fait dans Loop (vérifié par ana (poste-12) le 2026-12-06 11:30:00)");
    let out = w.bin().args(["history", "V1"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("fait dans Loop (vérifié par ana"));
}
