//! The memory's choices in real browsers (see browser.rs): the check
//! screen's « déjà faites / à envoyer / en attente » counts; the plan
//! screen's rows held because A_VERIFIER, each with its « renvoyer quand
//! même » box, and a run that sends exactly the rows ticked (the
//! simulator's received calls); « Tout renvoyer » kept by « Reprendre ».
//! A row noted « pas fait dans Loop » is sent from the plan of the same
//! sheet. Screenshots in `target/tmp/memoire-*.png`.

use std::path::Path;
use std::time::Duration;

use fantoccini::{Client, Locator};
use loopbatch::simulator::{self, Operation, Options, Routes};

use crate::browser::{Browser, accessible, attr, browsers, click, session, shown, text, ui_with, until};
use crate::util::{TestSim, Work, received};

/// Chooses `sheet` from home (the page at `base`), then waits for its check.
async fn upload(c: &Client, base: &str, sheet: &Path) {
    c.goto(base).await.unwrap();
    let input = c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
    input.send_keys(sheet.to_str().unwrap()).await.unwrap();
    shown(c, "[data-testid=summary]").await;
}

/// The addClient calls the simulator received (asked from another thread:
/// its client blocks, and the browser's runtime drives this one).
fn add_clients(sim: &TestSim) -> u64 {
    std::thread::scope(|s| s.spawn(|| received(sim, Operation::AddClient)).join().unwrap())
}

/// A screenshot of what the browser shows, for a person to look at.
async fn keep(c: &Client, kind: Browser, name: &str) {
    if kind == Browser::Chromium {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("memoire-{name}.png")), c.screenshot().await.unwrap()).unwrap();
    }
}

#[test]
fn held_rows_are_sent_again_only_when_ticked_in_the_browser() {
    for (kind, driver, binary) in browsers() {
        held_rows_ticked(kind, &driver, &binary);
    }
}

/// Three people whose addClient answers are lost (A_VERIFIER). The same
/// sheet chosen again: its check says « 3 en attente »; its plan lists the
/// three rows held, unticked, with the risk said; one ticked, the run sends
/// that row's addClient alone, and the two others stay held.
fn held_rows_ticked(kind: Browser, driver: &Path, binary: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (_driver, c) = session(&rt, kind, driver, binary);
    let r = Routes::default();
    let faults = simulator::Faults {
        lost_answer_rate: 1.0,
        spared_routes: [Operation::ProvisionCompany, Operation::AddOffer, Operation::AddCollaborativeOffer]
            .map(|op| r.of(op).to_string())
            .to_vec(),
        ..Default::default()
    };
    let model = crate::util::model(&[("D001", true), ("D002", true), ("D003", true)]);
    let sim = TestSim::start(Options { model, faults, ..Default::default() });
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "rate = \"50/s\"\nconcurrency = 2\nretries = 1\n").unwrap();
    let sheet = w.csv_1252(
        "v.csv",
        &[
            "code_dossier;email;nom;offre",
            "D001;p1@ok.fr;Un;start",
            "D002;p2@ok.fr;Deux;start",
            "D003;p3@ok.fr;Trois;start",
        ],
    );
    let (_ui, opening) = ui_with(&w, &sim);
    let base = format!("{}/", opening.split("/ouvrir/").next().unwrap());
    rt.block_on(async {
        c.goto(&opening).await.unwrap();
        upload(&c, &base, &sheet).await;
        // No registre yet: the check says nothing of a memory.
        assert!(c.find_all(Locator::Css("[data-testid=memory-counts]")).await.unwrap().is_empty());
        click(&c, "plan").await;
        assert!(c.find_all(Locator::Css("[data-testid=held]")).await.unwrap().is_empty(), "nothing held yet");
        click(&c, "run").await;
        click(&c, "confirm").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the first run ends").await;
        shown(&c, "tr[data-testid=result][data-statut=A_VERIFIER]").await;
        let sent_first = add_clients(&sim);
        // Each person's addClient went out the same number of times (its
        // lost answer retried).
        assert!(sent_first > 0 && sent_first.is_multiple_of(3), "{sent_first}");
        // The same sheet again: the check counts the rows held apart.
        upload(&c, &base, &sheet).await;
        shown(&c, "[data-testid=summary] [data-testid=memory-counts]").await;
        let said = text(&c, "[data-testid=summary] [data-testid=memory-counts]").await;
        assert!(said.contains("0 ligne(s) déjà faite(s), 0 à envoyer, 3 en attente"), "{said}");
        assert!(said.contains("à vérifier ou en cours ailleurs"), "{said}");
        assert_eq!(attr(&c, "[data-testid=memory-counts]", "data-held").await, "3");
        keep(&c, kind, "verification").await;
        accessible(&c, "vérification avec la mémoire").await;
        // Its plan: the three rows held, unticked, and the risk said.
        click(&c, "plan").await;
        shown(&c, "[data-testid=held]").await;
        let plan_counts = text(&c, "[data-testid=memory-counts]").await;
        assert!(plan_counts.contains("3 en attente"), "{plan_counts}");
        let held = text(&c, "[data-testid=held]").await;
        assert!(held.contains("Lignes à vérifier, retenues"), "{held}");
        assert!(held.contains("doublon dans Loop"), "the risk, said: {held}");
        for (line, email) in [("2", "p1@ok.fr"), ("3", "p2@ok.fr"), ("4", "p3@ok.fr")] {
            let row = text(&c, &format!("tr[data-testid=held-row][data-ligne='{line}']")).await;
            assert!(row.contains(email) && row.contains("renvoyer quand même"), "{row}");
            assert!(row.contains("exécution n° 1"), "{row}");
        }
        let boxes = c.find_all(Locator::Css("[data-testid=send-again]")).await.unwrap();
        assert_eq!(boxes.len(), 3);
        for b in &boxes {
            assert_eq!(b.prop("checked").await.unwrap().as_deref(), Some("false"), "unticked by default");
        }
        c.find(Locator::Css("tr[data-ligne='3'] [data-testid=send-again]")).await.unwrap().click().await.unwrap();
        keep(&c, kind, "plan").await;
        accessible(&c, "plan avec lignes retenues").await;
        click(&c, "run").await;
        let ask = text(&c, "#confirmer").await;
        assert!(ask.contains("cochées « renvoyer quand même » partent aussi"), "{ask}");
        click(&c, "confirm").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the second run ends").await;
        shown(&c, "[data-testid=results]").await;
        // Row 3 alone was sent again; rows 2 and 4 stay held.
        assert_eq!(add_clients(&sim), sent_first + 1, "only the row ticked, once");
        for line in ["2", "4"] {
            let row = text(&c, &format!("tr[data-testid=result][data-ligne='{line}']")).await;
            assert!(row.contains("non renvoyé"), "row {line} held: {row}");
        }
        let sent = text(&c, "tr[data-testid=result][data-ligne='3']").await;
        assert!(!sent.contains("non renvoyé"), "row 3 sent: {sent}");
    });
}

#[test]
fn send_all_is_kept_when_a_page_run_is_resumed_in_the_browser() {
    for (kind, driver, binary) in browsers() {
        send_all_resumed(kind, &driver, &binary);
    }
}

/// Two people created by a first run; a second sheet of four new people
/// then those two, run with « Tout renvoyer » ticked, stopped at once and
/// resumed: the two known people are sent again all the same.
fn send_all_resumed(kind: Browser, driver: &Path, binary: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (_driver, c) = session(&rt, kind, driver, binary);
    let codes = ["D001", "D002", "D003", "D004", "D005", "D006"];
    let model = crate::util::model(&codes.map(|c| (c, true)));
    let faults = simulator::Faults { latency: Duration::from_millis(150), ..Default::default() };
    let sim = TestSim::start(Options { model, faults, ..Default::default() });
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "rate = \"4/s\"\nconcurrency = 1\n").unwrap();
    let head = "code_dossier;email;nom;offre";
    let first = w.csv_1252("a.csv", &[head, "D001;p1@ok.fr;Un;start", "D002;p2@ok.fr;Deux;start"]);
    let second = w.csv_1252(
        "b.csv",
        &[
            head,
            "D003;p3@ok.fr;Trois;start",
            "D004;p4@ok.fr;Quatre;start",
            "D005;p5@ok.fr;Cinq;start",
            "D006;p6@ok.fr;Six;start",
            "D001;p1@ok.fr;Un;start",
            "D002;p2@ok.fr;Deux;start",
        ],
    );
    let (_ui, opening) = ui_with(&w, &sim);
    let base = format!("{}/", opening.split("/ouvrir/").next().unwrap());
    rt.block_on(async {
        c.goto(&opening).await.unwrap();
        upload(&c, &base, &first).await;
        click(&c, "plan").await;
        click(&c, "run").await;
        click(&c, "confirm").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the first run ends").await;
        assert_eq!(add_clients(&sim), 2);
        upload(&c, &base, &second).await;
        let said = text(&c, "[data-testid=summary] [data-testid=memory-counts]").await;
        assert!(said.contains("2 ligne(s) déjà faite(s), 4 à envoyer"), "{said}");
        click(&c, "plan").await;
        click(&c, "run").await;
        click(&c, "send-all").await;
        click(&c, "confirm").await;
        click(&c, "stop").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "stopped", "the run stops").await;
        let stopped_at = add_clients(&sim);
        assert!(stopped_at < 2 + 6, "stopped before the end: {stopped_at}");
        click(&c, "resume").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the resumed run ends").await;
        shown(&c, "[data-testid=results]").await;
        // « Tout renvoyer » held across the resume: the two known people too.
        assert_eq!(add_clients(&sim), 2 + 6, "every row sent, the known ones again");
        for line in ["6", "7"] {
            let row = attr(&c, &format!("tr[data-testid=result][data-ligne='{line}']"), "data-statut").await;
            assert!(row == "DEJA_FAIT" || row == "OK", "row {line}: {row}");
        }
    });
}

#[test]
fn a_row_noted_not_done_is_sent_from_the_plan_of_the_same_sheet_in_the_browser() {
    for (kind, driver, binary) in browsers() {
        noted_not_done(kind, &driver, &binary);
    }
}

/// Two people whose addClient answers are lost (A_VERIFIER); on the run's
/// results a person notes row 2 « fait dans Loop » and row 3 « pas fait ».
/// The same sheet chosen again: nothing is held, one row is to send, and
/// its plan offers « Lancer » (it once offered only « Voir cette
/// exécution », whose page has neither « Reprendre » nor « Relancer les
/// échecs »: a dead end); the run sends row 3's addClient alone.
fn noted_not_done(kind: Browser, driver: &Path, binary: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (_driver, c) = session(&rt, kind, driver, binary);
    let r = Routes::default();
    let faults = simulator::Faults {
        lost_answer_rate: 1.0,
        spared_routes: [Operation::ProvisionCompany, Operation::AddOffer, Operation::AddCollaborativeOffer]
            .map(|op| r.of(op).to_string())
            .to_vec(),
        ..Default::default()
    };
    let model = crate::util::model(&[("D001", true), ("D002", true)]);
    let sim = TestSim::start(Options { model, faults, ..Default::default() });
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "rate = \"50/s\"\nconcurrency = 2\nretries = 1\n").unwrap();
    let sheet =
        w.csv_1252("n.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start", "D002;p2@ok.fr;Deux;start"]);
    let (_ui, opening) = ui_with(&w, &sim);
    let base = format!("{}/", opening.split("/ouvrir/").next().unwrap());
    rt.block_on(async {
        c.goto(&opening).await.unwrap();
        upload(&c, &base, &sheet).await;
        click(&c, "plan").await;
        click(&c, "run").await;
        click(&c, "confirm").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the first run ends").await;
        shown(&c, "tr[data-testid=result][data-ligne='3'][data-statut=A_VERIFIER]").await;
        let run = c.current_url().await.unwrap();
        let note = |line: &'static str, which: &'static str| {
            let c = c.clone();
            let run = run.clone();
            async move {
                c.goto(run.as_str()).await.unwrap();
                let css = format!("tr[data-testid=result][data-ligne='{line}'] [data-testid={which}]");
                c.wait().for_element(Locator::Css(&css)).await.unwrap().click().await.unwrap();
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        };
        note("2", "verify-done").await;
        note("3", "verify-not-done").await;
        let sent_first = add_clients(&sim);
        upload(&c, &base, &sheet).await;
        click(&c, "plan").await;
        shown(&c, "[data-testid=memory-counts]").await;
        let counts = text(&c, "[data-testid=memory-counts]").await;
        assert!(counts.contains("1 ligne(s) déjà faite(s), 1 à envoyer"), "{counts}");
        assert!(c.find_all(Locator::Css("[data-testid=held]")).await.unwrap().is_empty(), "nothing held");
        keep(&c, kind, "plan-ligne-pas-faite").await;
        // The way out: « Lancer » is there.
        click(&c, "run").await;
        click(&c, "confirm").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the second run ends").await;
        shown(&c, "[data-testid=results]").await;
        assert_eq!(add_clients(&sim), sent_first + 1, "row 3's addClient, once");
        let two = attr(&c, "tr[data-testid=result][data-ligne='2']", "data-statut").await;
        assert_eq!(two, "DEJA_FAIT");
    });
}
