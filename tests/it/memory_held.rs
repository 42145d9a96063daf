//! The memory's leftovers on the command line: rows held (A_VERIFIER, or
//! another run's) counted apart from the rows to send, in the summary and
//! in `--format json`; `--only-failed` whose previous results are gone,
//! said in French; `history` with each operation's French words.

use loopbatch::simulator::{Faults, Operation, Options, Routes};

use crate::util::received;
use crate::util::{TestSim, Work, model, results_csv};

fn err(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A simulator whose addClient answers are lost (A_VERIFIER).
fn losing_add_client(codes: &[(&str, bool)]) -> TestSim {
    let r = Routes::default();
    let faults = Faults {
        lost_answer_rate: 1.0,
        spared_routes: [Operation::ProvisionCompany, Operation::AddOffer, Operation::AddCollaborativeOffer]
            .map(|op| r.of(op).to_string())
            .to_vec(),
        ..Default::default()
    };
    TestSim::start(Options { model: model(codes), faults, ..Default::default() })
}

#[test]
fn rows_held_by_the_memory_are_counted_apart_from_the_rows_to_send() {
    let w = Work::new();
    let sim = losing_add_client(&[("D001", true), ("D002", true), ("D003", true)]);
    let head = "code_dossier;email;nom;offre";
    let first = w.csv_1252("a.csv", &[head, "D001;p1@ok.fr;Un;start", "D002;p2@ok.fr;Deux;start"]);
    let again =
        w.csv_1252("b.csv", &[head, "D001;p1@ok.fr;Un;start", "D002;p2@ok.fr;Deux;start", "D003;p3@ok.fr;Trois;start"]);
    let run = |sheet: &std::path::Path, results: &str, extra: &[&str]| {
        let sheet = sheet.to_str().unwrap();
        w.bin_for(&sim)
            .args(["run", sheet, "--results", results, "--rate", "500/s", "--retries", "1"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&first, "r1.csv", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    assert!(results_csv(&w.path("r1.csv")).iter().all(|l| l["statut"] == "A_VERIFIER"));
    // `check` says the counts, the two rows held apart.
    let out = w.bin_for(&sim).args(["check", again.to_str().unwrap()]).output().unwrap();
    let said = err(&out);
    assert!(
        said.contains("0 ligne(s) déjà faite(s), 1 à envoyer, 2 en attente (à vérifier ou en cours ailleurs)"),
        "{said}"
    );
    let out = w.bin_for(&sim).args(["check", again.to_str().unwrap(), "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&v["memory"]["rows_done"], &v["memory"]["rows_to_send"], &v["memory"]["rows_held"]),
        (&0.into(), &1.into(), &2.into()),
        "{v}"
    );
    // The run says them before sending, and in its JSON summary.
    let add_clients = received(&sim, Operation::AddClient);
    let out = run(&again, "r2.csv", &["--format", "json"]);
    let said = err(&out);
    assert!(said.contains("1 à envoyer, 2 en attente (à vérifier ou en cours ailleurs)"), "{said}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((&v["memory"]["rows_to_send"], &v["memory"]["rows_held"]), (&1.into(), &2.into()), "{v}");
    assert_eq!(received(&sim, Operation::AddClient) - add_clients, 2, "the new row's addClient alone (retried once)");
    // In English too.
    let out = w.bin_for(&sim).args(["--lang", "en", "check", again.to_str().unwrap()]).output().unwrap();
    assert!(
        err(&out).contains("0 row(s) already done, 0 to send, 3 on hold (to check, or going elsewhere)"),
        "{}",
        err(&out)
    );
}

#[test]
fn only_failed_whose_previous_results_are_gone_says_which_file_and_what_to_do() {
    let w = Work::new();
    let sim = TestSim::start(Options { model: model(&[("D001", true)]), ..Default::default() });
    let sheet = w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start"]);
    let name = sheet.to_str().unwrap();
    let out = w.bin_for(&sim).args(["run", name, "--results", "r1.xlsx", "--rate", "500/s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    std::fs::remove_file(w.path("r1.xlsx")).unwrap();
    let sent = crate::util::total(&sim);
    let out = w.bin_for(&sim).args(["run", name, "--results", "r2.xlsx", "--only-failed", "r1.xlsx"]).output().unwrap();
    let said = err(&out);
    assert_ne!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("r1.xlsx") && said.contains("introuvables"), "names the file: {said}");
    assert!(said.contains("relancez le tableur sans --only-failed"), "what to do: {said}");
    assert!(!said.contains("No such file") && !said.contains("os error"), "no system English: {said}");
    assert_eq!(crate::util::total(&sim), sent, "nothing sent");
    let out = w
        .bin_for(&sim)
        .args(["--lang", "en", "run", name, "--results", "r3.xlsx", "--only-failed", "r1.xlsx"])
        .output()
        .unwrap();
    assert!(err(&out).contains("cannot be found"), "{}", err(&out));
}

#[test]
fn history_says_each_operation_in_words_and_its_json_keeps_the_api_name() {
    let w = Work::new();
    let sim = TestSim::start(Options { model: model(&[("D001", false)]), ..Default::default() });
    let sheet = w.csv_1252(
        "h.csv",
        &[
            "action;code_dossier;email;nom;prenom;offre",
            "provisionner;D001;;;;",
            "ajouter_offre;D001;;;;start",
            "ajouter_interlocuteur;D001;ana@ok.fr;Martin;Ana;start",
        ],
    );
    let out = w
        .bin_for(&sim)
        .args(["run", sheet.to_str().unwrap(), "--results", "r.csv", "--rate", "500/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    let out = w.bin().args(["history", "D001"]).output().unwrap();
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.contains("approvisionnement du dossier") && table.contains("création d'interlocuteur"), "{table}");
    assert!(
        !table.contains("provisionCompany") && !table.contains("addClient") && !table.contains("addOffer"),
        "no API name in the table: {table}"
    );
    let out = w.bin().args(["--lang", "en", "history", "D001"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("contact creation"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = w.bin().args(["history", "D001", "--format", "json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ops: Vec<(&str, &str)> = v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["operation"].as_str().unwrap(), c["operation_label"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("provisionCompany", "approvisionnement du dossier"),
            ("addOffer", "activation d'une offre sur le dossier"),
            ("addClient", "création d'interlocuteur")
        ],
        "{v}"
    );
    // The export keeps its fixed columns, the API name in `operation`.
    let out = w.bin().args(["history", "D001", "--results", "historique.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    let lines = results_csv(&w.path("historique.csv"));
    assert_eq!(lines[2]["operation"], "addClient", "{lines:?}");
}

/// The page's « Relancer les échecs » of a run whose results file was
/// deleted since: the file named, what to do, no system English, no run.
#[test]
fn rerun_failed_in_the_page_whose_results_are_gone_says_it_in_french() {
    use crate::page::{client, confirm_of, open, post_sheet, progress_of, sim_keys, start};
    let w = Work::new();
    let sim = TestSim::start(Options { model: model(&[("D001", true)]), ..Default::default() });
    std::fs::write(w.path("loopbatch.toml"), "rate = \"500/s\"\n").unwrap();
    let p = start(&w, &sim_keys(&sim));
    let cookie = open(&p);
    let sheet = "code_dossier;email;nom;offre\nD001;p1@ok.fr;Un;start\nD404;p2@ok.fr;Deux;start\n";
    let r = post_sheet(&p, &cookie, "echecs.csv", sheet.as_bytes().to_vec());
    let sheet = r.headers()["location"].to_str().unwrap().to_string();
    let get = |url: &str| client().get(format!("{}{url}", p.base)).header("cookie", &cookie).send().unwrap();
    let post = |url: &str, form: &[(&str, &str)]| {
        client()
            .post(format!("{}{url}", p.base))
            .header("cookie", &cookie)
            .header("origin", &p.base)
            .form(form)
            .send()
            .unwrap()
    };
    let plan = get(&format!("{sheet}/plan")).text().unwrap();
    let r = post("/execution", &[("confirm", &confirm_of(&plan))]);
    let run = r.headers()["location"].to_str().unwrap().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while progress_of(&p, &cookie, &run).0 != "done" {
        assert!(std::time::Instant::now() < deadline, "the run never ended");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let results = std::fs::read_dir(p.data().join("loopbatch/executions"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .find(|f| f.to_string_lossy().ends_with("-resultats.xlsx"))
        .unwrap();
    std::fs::remove_file(&results).unwrap();
    let sent = crate::util::total(&sim);
    let r = post(&format!("{run}/echecs"), &[]);
    assert_eq!(r.status(), 422);
    let said = r.text().unwrap();
    assert!(said.contains("echecs-resultats.xlsx") && said.contains("introuvable"), "{said}");
    assert!(said.contains("Chargez de nouveau le tableur"), "what to do: {said}");
    assert!(!said.contains("No such file") && !said.contains(&p.data().display().to_string()), "{said}");
    assert_eq!(crate::util::total(&sim), sent, "nothing sent");
}
