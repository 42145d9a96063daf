//! The memory across runs after a forget (issues 21 and 22): forgetting a
//! person (`registre forget`), a kept run (the page's deletion) or old runs
//! (`registre_retention_months`) removes their personal data from the
//! registre, but the memory keeps the keyed prints of what was done: the
//! same sheet again sends nothing, and never a second addClient. Checked on
//! the results AND on what the simulator received.

use std::path::{Path, PathBuf};

use loopbatch::simulator::{self, Operation, Options};

use crate::util::{Line, TestSim, Work, model, received, results_csv, results_xlsx, total};

const LUCAS: &str = "lucas.durand@pressing-vincent.fr";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/onboarding-clients.csv")
}

fn sample_sim() -> TestSim {
    let seed = simulator::Seed {
        dossiers: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/dossiers-simulateur.csv")),
        ..Default::default()
    };
    let model = simulator::build_model(&seed, 1, loopbatch::job::Lang::Fr).unwrap();
    TestSim::start(Options { model, ..Default::default() })
}

fn run(w: &Work, sim: &TestSim, sheet: &Path, results: &str) -> std::process::Output {
    w.bin_for(sim).args(["run", sheet.to_str().unwrap(), "--results", results, "--rate", "500/s"]).output().unwrap()
}

/// Every byte of the registre, its WAL and shared memory.
fn registre_bytes(w: &Work) -> Vec<u8> {
    let path = crate::util::registre_path(w);
    ["", "-wal", "-shm"]
        .iter()
        .flat_map(|s| std::fs::read(format!("{}{s}", path.display())).unwrap_or_default())
        .collect()
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|b| b == needle.as_bytes())
}

fn row_of<'a>(lines: &'a [Line], email: &str) -> &'a Line {
    lines.iter().find(|l| l.values().any(|v| v == email)).unwrap()
}

/// Each previously OK row is DEJA_FAIT now, the others as they were.
fn all_done_again(first: &[Line], again: &[Line]) {
    for (a, b) in first.iter().zip(again) {
        match a["statut"].as_str() {
            "OK" => assert_eq!(b["statut"], "DEJA_FAIT", "{b:?}"),
            other => assert_eq!(b["statut"], other, "{b:?}"),
        }
    }
}

/// The sample, run; one person forgotten: the sample again sends nothing
/// (her row DEJA_FAIT, no addClient), and writes her back nowhere; her
/// history shows nothing personal; a sheet changing her phone sends one
/// updateClient, never an addClient.
#[test]
fn a_forgotten_person_is_never_created_again_and_her_changed_phone_is_an_update() {
    let sim = sample_sim();
    let w = Work::new();
    assert_eq!(run(&w, &sim, &sample(), "r1.xlsx").status.code(), Some(1), "INVALIDE rows in the sample");
    let first = results_xlsx(&w.path("r1.xlsx"));
    assert_eq!(row_of(&first, LUCAS)["statut"], "OK");
    let (sent, added) = (total(&sim), received(&sim, Operation::AddClient));
    let out = w.bin().args(["registre", "forget", LUCAS]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("empreintes illisibles") && !said.contains("créée de nouveau"), "{said}");
    let bytes = registre_bytes(&w);
    assert!(!holds(&bytes, LUCAS) && !holds(&bytes, "06 37 53 18 69"), "her e-mail and phone gone, prints included");

    assert_eq!(run(&w, &sim, &sample(), "r2.xlsx").status.code(), Some(1));
    assert_eq!(total(&sim), sent, "nothing sent again");
    let again = results_xlsx(&w.path("r2.xlsx"));
    all_done_again(&first, &again);
    assert_eq!(row_of(&again, LUCAS)["statut"], "DEJA_FAIT");
    assert!(!holds(&registre_bytes(&w), LUCAS), "a run sending nothing for her writes her back nowhere");
    let history = w.bin().args(["history", LUCAS]).output().unwrap();
    let listed = String::from_utf8_lossy(&history.stdout).to_string() + &String::from_utf8_lossy(&history.stderr);
    assert!(!listed.contains("Durand") && !listed.contains("06 37"), "nothing personal: {listed}");

    // Her phone changed, the rest of her row as it was.
    let sheet = std::fs::read(sample()).unwrap();
    let mut lines: Vec<&[u8]> = sheet.split(|b| *b == b'\n').collect();
    let header = lines.remove(0);
    let hers = lines.iter().find(|l| holds(l, LUCAS)).unwrap();
    let changed =
        [header, b"\n", &String::from_utf8_lossy(hers).replace("06 37 53 18 69", "07 11 22 33 44").into_bytes()[..]]
            .concat();
    let phone = w.file("phone.csv", &changed);
    let out = run(&w, &sim, &phone, "r3.csv");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(received(&sim, Operation::AddClient), added, "never a second addClient");
    assert_eq!(received(&sim, Operation::UpdateClient), 1);
    assert_eq!(total(&sim), sent + 1, "the phone only");
    let r3 = results_csv(&w.path("r3.csv"));
    assert_eq!((r3[0]["statut"].as_str(), r3[0]["etape"].as_str()), ("OK", "updateClient"), "{:?}", r3[0]);
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}

/// Every run older than the retention: its people forgotten at the next
/// run's start, and that run (the same sheet) sends nothing.
#[test]
fn after_the_retention_forgot_a_sheets_people_the_same_sheet_sends_nothing() {
    let sim = sample_sim();
    let w = Work::new();
    assert_eq!(run(&w, &sim, &sample(), "r1.xlsx").status.code(), Some(1));
    let first = results_xlsx(&w.path("r1.xlsx"));
    let sent = total(&sim);
    {
        let c = rusqlite::Connection::open(crate::util::registre_path(&w)).unwrap();
        c.execute("UPDATE runs SET started = '2022-12-01T09:00:00+01:00'", []).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    assert_eq!(run(&w, &sim, &sample(), "r2.xlsx").status.code(), Some(1));
    assert_eq!(total(&sim), sent, "nothing sent again");
    all_done_again(&first, &results_xlsx(&w.path("r2.xlsx")));
    let c = rusqlite::Connection::open(crate::util::registre_path(&w)).unwrap();
    let forgotten: i64 =
        c.query_row("SELECT count(*) FROM calls WHERE forgotten IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert!(forgotten > 0, "the retention forgot the first run's calls");
    assert!(!holds(&registre_bytes(&w), LUCAS), "her e-mail gone");
}

/// A run killed as p2's addClient is answered (applied in Loop, not
/// recorded); p1 (answered), p2 (sent, no answer recorded) and p6 (not sent
/// yet) forgotten; the resume sends p6 once, settles p2 (« déjà associé »:
/// A_VERIFIER, as without a forget) and never sends p1 again; the sheet run
/// again sends nothing. A forget may come between a kill and its resume.
#[test]
fn a_forget_between_a_kill_and_its_resume_sends_nothing_twice() {
    let codes: Vec<String> = (1..=6).map(|i| format!("D{i:03}")).collect();
    let pairs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    let sim = TestSim::start(Options { model: model(&pairs), ..Default::default() });
    let w = Work::new();
    let mut lines = vec!["code_dossier;email;nom;prenom;telephone;offre".to_string()];
    for i in 1..=6 {
        lines.push(format!("D{i:03};p{i}@ok.fr;Nom{i};Prenom{i};06 00 00 00 0{i};start"));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let sheet = w.csv_1252("s.csv", &refs);
    let go = |results: &str, resume: bool, kill: bool| {
        let mut c = w.bin_for(&sim);
        c.args(["run", sheet.to_str().unwrap(), "--results", results, "--rate", "500/s", "--concurrency", "1"]);
        if resume {
            c.arg("--resume");
        }
        if kill {
            // Six provisionCompany, six addOffer, then p1's and p2's addClient.
            c.env("LOOPBATCH_TEST_KILL_AT", "answered:14");
        }
        c.output().unwrap()
    };
    assert_ne!(go("r.csv", false, true).status.code(), Some(0), "killed");
    assert_eq!(received(&sim, Operation::AddClient), 2, "p1 and p2 created before the kill: {}", sim.stats());
    for who in ["p1@ok.fr", "p2@ok.fr", "p6@ok.fr"] {
        let out = w.bin().args(["registre", "forget", who]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = go("r.csv", true, false);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(received(&sim, Operation::AddClient), 7, "p3 to p6 once, p2's settling once, p1 never again");
    let resumed: Vec<String> = results_csv(&w.path("r.csv")).iter().map(|l| l["statut"].clone()).collect();
    assert_eq!(resumed, ["OK", "A_VERIFIER", "OK", "OK", "OK", "OK"]);
    let sent = total(&sim);
    let out = go("r2.csv", false, false);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&sim), sent, "nothing sent again");
    let again: Vec<String> = results_csv(&w.path("r2.csv")).iter().map(|l| l["statut"].clone()).collect();
    assert_eq!(again, ["DEJA_FAIT", "A_VERIFIER", "DEJA_FAIT", "DEJA_FAIT", "DEJA_FAIT", "DEJA_FAIT"]);
}

/// An undo of a run whose person was forgotten judges her row as before
/// (its calls' effects are in the registre, their bodies in the run's kept
/// plan), not « nothing to undo ».
#[test]
fn an_undo_after_a_forget_judges_the_forgotten_rows_as_before() {
    let sim = TestSim::start(Options { model: model(&[("D001", true), ("D002", true)]), ..Default::default() });
    let w = Work::new();
    let sheet =
        w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;u1@ok.fr;Un;start", "D002;u2@ok.fr;Deux;start"]);
    assert_eq!(run(&w, &sim, &sheet, "r.csv").status.code(), Some(0));
    let verdicts = |results: &str| {
        let out = w.bin_for(&sim).args(["undo", "r.csv", "--results", results, "--dry-run"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        results_csv(&w.path(results)).iter().map(|l| l["verdict"].clone()).collect::<Vec<_>>()
    };
    let before = verdicts("u0.csv");
    assert!(before.iter().all(|v| v != "RIEN_A_DEFAIRE"), "{before:?}");
    let out = w.bin().args(["registre", "forget", "u1@ok.fr"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(verdicts("u1.csv"), before);
}

/// A kept run deleted in the page (« Supprimer »): its people are
/// forgotten with it, and the same sheet run again sends nothing.
#[test]
fn a_kept_run_deleted_in_the_page_is_still_known_done() {
    use crate::page::{client, open, sim_keys, start};
    let sim = TestSim::start(Options { model: model(&[("D001", true), ("D002", true)]), ..Default::default() });
    let w = Work::new();
    let sheet =
        w.csv_1252("s.csv", &["code_dossier;email;nom;offre", "D001;k1@ok.fr;Un;start", "D002;k2@ok.fr;Deux;start"]);
    let data = w.path("donnees");
    let folder = data.join("loopbatch/executions/k1");
    std::fs::create_dir_all(&folder).unwrap();
    let results = folder.join("p-resultats.csv");
    let go = |results: &Path| {
        w.bin_for(&sim)
            .env("XDG_DATA_HOME", &data)
            .args(["run", sheet.to_str().unwrap(), "--results", results.to_str().unwrap(), "--rate", "500/s"])
            .output()
            .unwrap()
    };
    assert_eq!(go(&results).status.code(), Some(0));
    let sent = total(&sim);
    let file = data.join("loopbatch/registre.sqlite3");
    let registre = || {
        ["", "-wal"]
            .iter()
            .flat_map(|s| std::fs::read(format!("{}{s}", file.display())).unwrap_or_default())
            .collect::<Vec<u8>>()
    };
    assert!(holds(&registre(), "k1@ok.fr"), "the page's registre is the run's");
    let p = start(&w, &sim_keys(&sim));
    let cookie = open(&p);
    let r = client()
        .post(format!("{}/execution/k1/suppression", p.base))
        .header("cookie", &cookie)
        .header("origin", &p.base)
        .send()
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    assert!(!results.exists(), "deleted");
    assert!(!holds(&registre(), "k1@ok.fr"), "its people forgotten");
    let again = w.path("r2.csv");
    assert_eq!(go(&again).status.code(), Some(0));
    assert_eq!(total(&sim), sent, "nothing sent again");
    assert!(results_csv(&again).iter().all(|l| l["statut"] == "DEJA_FAIT"));
}
