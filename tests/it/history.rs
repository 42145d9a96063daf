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
    assert!(table.contains("4 fait (OK)") && table.contains("1 ") && table.contains("(ERREUR)"), "in words: {table}");
    // --since: the French form and the ISO one; a day to come shows nothing.
    let (code, h, _) = json(&w, &["D1", "--since", "01/01/2020"]);
    assert_eq!((code, h["calls"].as_array().unwrap().len()), (0, 3));
    let (code, h, said) = json(&w, &["D1", "--since", "2999-01-01"]);
    assert_eq!((code, h["calls"].as_array().unwrap().len()), (1, 0));
    assert!(
        said.contains("Rien n'est noté pour le dossier D1 depuis le 01/01/2999"),
        "as a French reader writes it: {said}"
    );
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
    w.bin().args(["history", "D404", "--results", "h.xlsx"]).assert().code(1);
    assert!(!registre_path(&w).exists() && !w.path("h.xlsx").exists(), "nor asking for an export");
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
        already: false,
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
    assert!(
        said.contains("Ce registre contient aussi des appels oubliés") && said.contains("Cherchez par le code dossier"),
        "{said}"
    );
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
        already: false,
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

/// `history --results` never replaces the input sheet, a run's results, or
/// any file it did not write as a history (exit 2, the file untouched, a
/// next step); it replaces its own history; nothing found writes nothing.
#[test]
fn the_export_never_replaces_a_sheet_or_a_runs_results_and_nothing_found_writes_nothing() {
    let (w, sim) = (Work::new(), sim());
    ran(&w, &sim);
    let (sheet, results) = (std::fs::read(w.path("s.csv")).unwrap(), std::fs::read(w.path("r.csv")).unwrap());
    let out = w.bin().args(["history", "D1", "--results", "s.csv"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("n'est pas un historique écrit par loopbatch")
            && said.contains("Donnez un autre nom à --results"),
        "{said}"
    );
    assert_eq!(std::fs::read(w.path("s.csv")).unwrap(), sheet, "the input sheet untouched");
    let out = w.bin().args(["history", "D1", "--results", "r.csv"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("fichier de résultats d'une exécution"), "{said}");
    assert_eq!(std::fs::read(w.path("r.csv")).unwrap(), results, "the run's results untouched");
    // An XLSX that is not a history (a client sheet) is kept too.
    crate::util::xlsx(&w.path("clients.xlsx"), &[("Feuil1", vec![vec![crate::util::X::T("code_dossier")]])]);
    let before = std::fs::read(w.path("clients.xlsx")).unwrap();
    let out = w.bin().args(["history", "--results", "clients.xlsx"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(w.path("clients.xlsx")).unwrap(), before);
    // Nothing found: nothing written, said.
    let out = w.bin().args(["history", "D404", "--results", "h.xlsx"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(!w.path("h.xlsx").exists() && said.contains("h.xlsx n'a pas été écrit"), "{said}");
    // Its own history, written again; --format json says what it wrote.
    for _ in 0..2 {
        let out = w.bin().args(["history", "D1", "--results", "h.xlsx", "--format", "json"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!((v["written"].as_bool(), v["lines"].as_u64()), (Some(true), Some(3)), "{v}");
    }
    let out = w.bin().args(["history", "ana.martin@exemple.fr", "--results", "h.csv"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("Historique écrit (1 ligne) :"));
    w.bin().args(["history", "D1", "--results", "h.csv"]).assert().code(0);
}

/// Each call says where it went: the simulator's calls are unmistakable in
/// the table, the JSON and the export (nothing went to Cegid Loop); each
/// line names its dossier, its person and its offer.
#[test]
fn each_call_says_where_it_went_its_dossier_its_person_and_its_offer() {
    let (w, sim) = (Work::new(), sim());
    ran(&w, &sim);
    let (_, h, _) = json(&w, &["D1"]);
    for c in h["calls"].as_array().unwrap() {
        assert_eq!(c["simulator"], true, "{c}");
        let to = c["sent_to"].as_str().unwrap();
        assert!(to.starts_with("simulateur, rien n'est allé à Cegid Loop — http://127.0.0.1"), "{to}");
    }
    assert_eq!(h["calls"][1]["offer"], "start", "{}", h["calls"][1]);
    let out = w.bin().args(["history", "D1"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let head = table.lines().next().unwrap();
    for col in ["dossier", "email", "offre", "envoye_a"] {
        assert!(head.contains(col), "{head}");
    }
    assert!(
        table.contains("ana.martin@exemple.fr") && table.contains("simulateur, rien n'est allé à Cegid Loop"),
        "{table}"
    );
    let out = w.bin().args(["history", "ana.martin@exemple.fr"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let line = table.lines().nth(1).unwrap();
    assert!(line.contains(" D1 ") && line.contains("start"), "the dossier and the offer: {table}");
    w.bin().args(["history", "D1", "--results", "h.csv"]).assert().code(0);
    let c = results_csv(&w.path("h.csv"));
    assert!(c[0]["envoye_a"].starts_with("simulateur, ") && c[2]["offre"] == "start", "{:?}", c[2]);
}

/// A code as a person types it: any case, with or without its leading
/// zeros; the form found is said. A pasted « Name <address> » is the address.
#[test]
fn a_code_in_another_case_or_padding_and_a_pasted_address_are_found() {
    let sim = TestSim::start(Options { model: model(&[("42", false), ("AB7", false)]), ..Default::default() });
    let w = Work::new();
    w.csv_1252(
        "s.csv",
        &[
            "action;code_dossier;email;nom;prenom;offre",
            "provisionner;42;;;;",
            "provisionner;AB7;;;;",
            "ajouter_offre;AB7;;;;start",
            "ajouter_interlocuteur;AB7;chloe@x.fr;Bernard;Chloé;start",
        ],
    );
    w.bin_for(&sim).args(["run", "s.csv", "--results", "r.csv", "--quiet"]).assert().code(0);
    for (typed, found, n) in [("00042", "42", 1), ("ab7", "AB7", 3)] {
        let (code, h, said) = json(&w, &[typed]);
        assert_eq!((code, h["calls"].as_array().unwrap().len()), (0, n), "{typed}: {said}");
        assert!(said.contains(&format!("« {typed} » n'est pas noté tel quel : trouvé sous {found}.")), "{said}");
    }
    for pasted in ["Chloé Bernard <chloe@x.fr>", "<CHLOE@x.fr>"] {
        let (code, h, said) = json(&w, &[pasted]);
        assert_eq!((code, h["sought"].as_str()), (0, Some("chloe@x.fr")), "{pasted}: {said}");
    }
    let out = w.bin().args(["history", "  "]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("Aucun code dossier ni e-mail n'est donné") && !said.contains("le dossier  "), "{said}");
}

/// A folder that does not exist, a registre that does not exist: French
/// words naming what the user gave (never a temporary file, never the
/// system's English), exit 2, nothing made.
#[test]
fn a_missing_folder_or_registre_is_said_in_the_users_words() {
    let (w, sim) = (Work::new(), sim());
    ran(&w, &sim);
    let target = w.path("absent/h.xlsx");
    let out = w.bin().args(["history", "D1", "--results"]).arg(&target).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!("Écriture impossible de {} : son dossier n'existe pas", target.display())),
        "{said}"
    );
    assert!(!said.contains(".loopbatch-") && !said.contains("os error") && !said.contains("No such"), "{said}");
    let out = w.bin().args(["--lang", "en", "history", "D1", "--results"]).arg(&target).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("Cannot write {}: its folder does not exist", target.display())), "{said}");
    let absent = w.path("autre-registre.sqlite");
    let out = w.bin().args(["history", "D1", "--registre"]).arg(&absent).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains(&format!("Ce registre n'existe pas : {}", absent.display())), "{said}");
    assert!(!absent.exists(), "never created");
    let out = w.bin().args(["history", "D1", "--results", "h.xlsx", "--registre"]).arg(&absent).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!absent.exists() && !w.path("h.xlsx").exists(), "never created, nothing written");
}

/// A run of one registre's own making: calls answered, one sent with no
/// answer, one never sent (ignored); a Loop message past Excel's limit.
fn made_registre(w: &Work) -> String {
    let path = registre_path(w);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut reg = Registre::open(&path, Lang::Fr).unwrap();
    let calls: Vec<PlannedCall> = (1..=3)
        .map(|id| PlannedCall { id, operation: "provisionCompany", dossier: "K1", email: None, body: "{}" })
        .collect();
    let new = NewRun { sheet: "k.csv".into(), plan_hash: "p".into(), results: w.path("k-r.csv"), ..Default::default() };
    let run = reg.start_run(&new, &calls).unwrap();
    let long = "é".repeat(40_000);
    let answer = |status, message: &str, attempts| CallOutcome {
        status,
        code_http: (attempts > 0).then_some(400),
        message: message.into(),
        request_id: String::new(),
        object_id: String::new(),
        attempts,
        timestamp: "2026-12-06T10:00:00+01:00".into(),
        resend_on_resume: false,
        already: false,
    };
    reg.answered(run, 1, &answer(Status::Erreur, &long, 1)).unwrap();
    reg.answered(run, 2, &answer(Status::Ignore, "", 0)).unwrap();
    reg.attempt(run, 3, 1, loopbatch::job::AttemptEvent::Sending).unwrap();
    long
}

#[test]
fn a_call_with_no_answer_a_call_never_sent_and_a_message_past_excels_limit() {
    let w = Work::new();
    let long = made_registre(&w);
    let (code, h, said) = json(&w, &["K1"]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("1 appel envoyé, 1 non envoyé") || said.contains("2 appels envoyés, 1 non envoyé"), "{said}");
    let calls = h["calls"].as_array().unwrap();
    assert_eq!((calls[1]["not_sent"].as_bool(), calls[0]["not_sent"].as_bool()), (Some(true), Some(false)));
    let gone = &calls[2];
    assert!(gone["at"].is_null() && gone["run_started"].as_str().unwrap().starts_with("20"), "{gone}");
    let out = w.bin().args(["history", "K1"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let unanswered = table.lines().find(|l| l.contains("réponse inconnue")).unwrap_or_else(|| panic!("{table}"));
    assert!(unanswered.contains("envoyé, réponse inconnue (exécution n° 1 commencée le 20"), "{unanswered}");
    assert!(
        unanswered.contains(&format!("loopbatch run k.csv --results {} --resume", w.path("k-r.csv").display()))
            || unanswered.contains("--resume"),
        "{unanswered}"
    );
    assert!(!unanswered.contains("NON_EXECUTE  —"), "{unanswered}");
    assert!(table.contains("pas envoyé à Loop"), "{table}");
    // The message past Excel's limit: cut, with a mark; the CSV keeps it whole.
    let out = w.bin().args(["history", "K1", "--results", "h.xlsx"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let x = results_xlsx(&w.path("h.xlsx"));
    let cut = &x[0]["message"];
    assert!(
        cut.chars().count() <= 32_767 && cut.contains("coupé à la limite d'une cellule d'Excel : 40000 caractères"),
        "{}",
        cut.len()
    );
    assert!(cut.starts_with("éééé"));
    w.bin().args(["history", "K1", "--results", "h.csv"]).assert().code(0);
    assert_eq!(results_csv(&w.path("h.csv"))[0]["message"], long);
}

/// A registre another program holds: `history` says it is busy after a
/// short wait (never the writers' minute), exit 2, in French.
#[test]
fn a_registre_held_by_another_program_is_said_busy_quickly() {
    let (w, sim) = (Work::new(), sim());
    ran(&w, &sim);
    let conn = rusqlite::Connection::open(registre_path(&w)).unwrap();
    conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE runs SET machine = machine;").unwrap();
    let start = std::time::Instant::now();
    let out = w.bin().args(["history", "D1"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("Le registre est occupé par un autre programme"), "{said}");
    assert!(start.elapsed() < std::time::Duration::from_secs(20), "{:?}", start.elapsed());
    conn.execute_batch("COMMIT").unwrap();
}

/// `history --help` says where the table goes (standard output), in
/// French and in English, with the usage's own words.
#[test]
fn the_help_says_the_table_goes_to_standard_output() {
    let w = Work::new();
    let out = w.bin().args(["history", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("le tableau sur la sortie standard") && help.contains("CODE_DOSSIER|EMAIL"), "{help}");
    assert!(!help.contains("Résumé lisible sur la sortie d'erreur"), "{help}");
    let out = w.bin().args(["--lang", "en", "history", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("the table on standard output") && help.contains("CODE_DOSSIER|EMAIL"), "{help}");
    let (_, _, said) = json(&w, &["--lang", "en"]);
    assert!(!said.contains("DOSSIER_CODE"), "{said}");
}

/// A call kept OK from an earlier run by `--only-failed` went nowhere in
/// the new run: « pas envoyé à Loop », counted apart.
#[test]
fn a_call_kept_by_only_failed_is_marked_not_sent_and_counted_apart() {
    let sim = sim();
    let w = Work::new();
    w.csv_1252("s2.csv", &["action;code_dossier", "provisionner;D3", "provisionner;NOPE"]);
    w.bin_for(&sim).args(["run", "s2.csv", "--results", "r2.csv", "--quiet"]).assert().code(1);
    let out = w
        .bin_for(&sim)
        .args(["run", "s2.csv", "--only-failed", "r2.csv", "--results", "r3.csv", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let (code, h, said) = json(&w, &["D3"]);
    assert_eq!(code, 0, "{said}");
    let calls = h["calls"].as_array().unwrap();
    let sent: Vec<bool> = calls.iter().map(|c| !c["not_sent"].as_bool().unwrap()).collect();
    assert!(sent[0] && sent.iter().skip(1).all(|s| !s), "the first run sent it, the others kept it: {calls:?}");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(said.contains("1 appel envoyé, 1 non envoyé"), "{said}");
    let out = w.bin().args(["history", "D3"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("pas envoyé à Loop"));
}

/// « Tout renvoyer » (`--send-all`): calls sent again that Loop answered
/// « déjà » end DEJA_FAIT, yet they went to Loop: the history says them
/// sent, with their request id; the memory's DEJA_FAIT of a plain run
/// again is « pas envoyé ».
#[test]
fn a_call_sent_again_with_send_all_and_answered_already_is_said_sent() {
    let (w, sim) = (Work::new(), sim());
    ran(&w, &sim);
    let before = sim.stats()["total"].as_u64().unwrap();
    w.bin_for(&sim).args(["run", "s.csv", "--results", "r2.csv", "--send-all", "--quiet"]).assert().code(0);
    w.bin_for(&sim).args(["run", "s.csv", "--results", "r3.csv", "--quiet"]).assert().code(0);
    let sent_again = sim.stats()["total"].as_u64().unwrap() - before;
    let (code, h, said) = json(&w, &["D1"]);
    assert_eq!(code, 0, "{said}");
    let calls = h["calls"].as_array().unwrap();
    let of = |run: i64| calls.iter().filter(move |c| c["run"].as_i64() == Some(run));
    assert!(of(2).count() > 0 && sent_again > 0, "{calls:?}");
    for c in of(2) {
        assert!(!c["not_sent"].as_bool().unwrap(), "sent with --send-all: {c}");
        assert!(c["request_id"].as_str().unwrap().contains("-sim-"), "{c}");
    }
    for c in of(3) {
        assert_eq!((c["status"].as_str(), c["not_sent"].as_bool()), (Some("DEJA_FAIT"), Some(true)), "{c}");
    }
}

/// A call never sent (IGNORE: the dossier it needed is unknown to Loop) is
/// not « to check » in the history: only calls that went without a known
/// outcome are.
#[test]
fn a_call_never_sent_is_not_to_check_in_the_history() {
    let (w, sim) = (Work::new(), sim());
    w.csv_1252("x.csv", &["Code dossier;Offre;E-mail;Nom;Prénom", "D9;start;zoe@exemple.fr;Zoé;Roux"]);
    w.bin_for(&sim).args(["run", "x.csv", "--results", "x.res.csv", "--quiet"]).assert().code(1);
    let (code, h, said) = json(&w, &["D9"]);
    assert_eq!(code, 0, "{said}");
    let calls = h["calls"].as_array().unwrap();
    assert!(calls.iter().any(|c| c["status"] == "IGNORE"), "{h}");
    for c in calls {
        assert_eq!(c["to_check"], c["status"] == "A_VERIFIER", "{c}");
    }
}
