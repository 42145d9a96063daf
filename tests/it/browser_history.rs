//! The « Historique » screen in real browsers (see browser.rs): a sheet
//! run from the page, then the history of a result row's dossier and of its
//! e-mail reached by their links, read as a person reads them (labels,
//! values, the request ids of the results); the search field; the runs from
//! the navigation's link; a wrong date said beside the form; axe-core's
//! checks; a screenshot (`target/tmp/historique-*.png`, and docs/ with
//! `LOOPBATCH_SCREENSHOTS=1`). Without a browser: the screen's session
//! guard, headers and escaping.

use std::path::Path;

use fantoccini::{Client, Locator};
use loopbatch::simulator::Options;

use crate::browser::{
    Browser, accessible, browsers, click, focus_is_visible, screenshot, session, shown, text, ui, until,
};
use crate::util::{TestSim, Work, model};

#[test]
fn the_history_screen_from_a_result_row_and_its_search_in_the_browser() {
    for (kind, driver, binary) in browsers() {
        history_screen(kind, &driver, &binary);
    }
}

/// The request ids of the page's results file (CSV), by line.
fn results_request_ids(w: &Work) -> Vec<(String, String)> {
    let runs = w.path("donnees/loopbatch/executions");
    let run = std::fs::read_dir(&runs).unwrap().next().unwrap().unwrap().path();
    let csv = std::fs::read_dir(&run)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-resultats.csv"))
        .unwrap();
    crate::util::results_csv(&csv).into_iter().map(|l| (l["ligne"].clone(), l["request_id"].clone())).collect()
}

/// Types a search and sends it; back once the screen before is gone.
async fn search(c: &Client, q: &str, since: &str) {
    for (css, value) in [("[data-testid=history-q]", q), ("[data-testid=history-since]", since)] {
        let field = c.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
    let before = c.find(Locator::Css("main")).await.unwrap();
    c.find(Locator::Css("[data-testid=history-go]")).await.unwrap().click().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while before.tag_name().await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "the search's answer never came");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn history_screen(kind: Browser, driver: &Path, binary: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (_driver, c) = session(&rt, kind, driver, binary);
    let sim = TestSim::start(Options { model: model(&[("D1", false), ("D2", false)]), ..Default::default() });
    let w = Work::new();
    let sheet = w.file(
        "clients.csv",
        "action;code_dossier;email;nom;prenom;offre\nprovisionner;D1;;;;\najouter_offre;D1;;;;start\n\
         ajouter_interlocuteur;D1;Ana.Martin@Exemple.fr;Martin;Ana;start\nprovisionner;D2;;;;\n"
            .as_bytes(),
    );
    let (_ui, opening) = ui(&w, &sim);
    rt.block_on(async {
        c.goto(&opening).await.unwrap();
        let input = c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
        input.send_keys(sheet.to_str().unwrap()).await.unwrap();
        shown(&c, "[data-testid=summary]").await;
        click(&c, "plan").await;
        click(&c, "run").await;
        click(&c, "confirm").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the run ends").await;
        shown(&c, "[data-testid=results]").await;
        let run = c.current_url().await.unwrap();
        // The dossier of a result row is a link to its history.
        let code = c.find(Locator::Css("tr[data-ligne=\"4\"] [data-testid=history-dossier]")).await.unwrap();
        assert_eq!(code.text().await.unwrap(), "D1", "the code a person sees is the link");
        code.click().await.unwrap();
        shown(&c, "[data-testid=history]").await;
        assert_eq!(text(&c, "h1").await, "Historique");
        let count = text(&c, "[data-testid=history-count]").await;
        assert_eq!(count, "3 appels notés pour le dossier D1.");
        let heads = text(&c, "[data-testid=history] thead").await;
        for h in ["date", "qui (utilisateur, poste)", "exécution", "tableur et ligne", "opération", "statut"] {
            assert!(heads.contains(h), "{h} in {heads}");
        }
        for h in ["message de Loop", "request id", "vérification", "dossier", "e-mail", "envoyé à"] {
            assert!(heads.contains(h), "{h} in {heads}");
        }
        // Each call as the results file has it: its line and request id.
        let rows = c.find_all(Locator::Css("tr[data-testid=history-call]")).await.unwrap();
        assert_eq!(rows.len(), 3);
        let ids = results_request_ids(&w);
        for (row, line) in rows.iter().zip(["2", "3", "4"]) {
            let seen = row.text().await.unwrap();
            let id = &ids.iter().find(|(l, _)| l == line).unwrap().1;
            assert!(seen.contains(id.as_str()), "request id {id} in {seen}");
            assert!(seen.contains(&format!("clients.csv · ligne {line}")), "{seen}");
            assert!(seen.contains("fait") && seen.contains("OK") && seen.contains("n° 1"), "{seen}");
        }
        // Where the calls went: the simulator, unmistakably, said once
        // above the table when every call went there; each row says
        // « simulateur », its dossier, its person, its offer.
        let all = text(&c, "[data-testid=history-all-simulator]").await;
        assert!(all.contains("SIMULATEUR — rien n'est allé à Cegid Loop"), "{all}");
        assert!(all.contains("Tous ces appels sont allés au simulateur (http://127.0.0.1:"), "{all}");
        assert_eq!(all.matches("Cegid Loop").count(), 1, "said once: {all}");
        for row in &rows {
            let seen = row.text().await.unwrap();
            assert!(!seen.contains("SIMULATEUR") && seen.contains("simulateur") && seen.contains("D1"), "{seen}");
        }
        let offer = rows[1].text().await.unwrap();
        assert!(offer.contains("addOffer") && offer.contains("· start"), "{offer}");
        assert!(rows[2].text().await.unwrap().contains("ana.martin@exemple.fr"));
        assert!(rows[0].text().await.unwrap().contains("approvisionnement du dossier"), "the operation in words");
        assert_eq!(c.find_all(Locator::Css("[data-testid=history-run-link]")).await.unwrap().len(), 3);
        let first = rows[0].text().await.unwrap();
        assert!(
            first.contains("provisionCompany") && first.contains("Le dossier client D1 a été provisionné."),
            "{first}"
        );
        // It fits a 1,280 × 800 window: no sideways scrolling.
        c.set_window_size(1280, 800).await.unwrap();
        let fits =
            c.execute("return [document.scrollingElement.scrollWidth, window.innerWidth];", vec![]).await.unwrap();
        let [scroll, inner]: [u64; 2] = serde_json::from_value(fits).unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("historique-1280-{kind:?}.png")), png)
            .unwrap();
        assert!(scroll <= inner, "{kind:?}: the history is {scroll} px wide in a {inner} px window");
        screenshot(&c, "8-historique.png").await;
        let png = c.screenshot().await.unwrap();
        let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("historique-{kind:?}.png"));
        std::fs::write(&shot, png).unwrap();
        accessible(&c, "historique").await;
        focus_is_visible(&c, "historique").await;
        // The e-mail of the row, by its link.
        c.goto(run.as_str()).await.unwrap();
        click(&c, "history-email").await;
        shown(&c, "[data-testid=history-count]").await;
        let count = text(&c, "[data-testid=history-count]").await;
        assert_eq!(count, "1 appel noté pour l'e-mail ana.martin@exemple.fr.");
        assert!(text(&c, "[data-testid=history]").await.contains("addClient"));
        // The search field: a code typed with spaces, then one unknown.
        search(&c, " D2 ", "").await;
        shown(&c, "[data-testid=history-count]").await;
        assert_eq!(text(&c, "[data-testid=history-count]").await, "1 appel noté pour le dossier D2.");
        search(&c, "D404", "").await;
        shown(&c, "[data-testid=history-nothing]").await;
        let nothing = text(&c, "[data-testid=history-nothing]").await;
        assert!(nothing.contains("Rien n'est noté pour le dossier D404") && !nothing.contains("--"), "{nothing}");
        accessible(&c, "historique vide").await;
        // A wrong date, said beside the form, which keeps what was typed.
        search(&c, "D1", "31/02/2026").await;
        shown(&c, "[data-testid=failure]").await;
        let said = text(&c, "[data-testid=failure]").await;
        assert!(said.contains("« 31/02/2026 »") && said.contains("JJ/MM/AAAA"), "{said}");
        let kept = c.find(Locator::Css("[data-testid=history-q]")).await.unwrap().prop("value").await.unwrap();
        assert_eq!(kept.as_deref(), Some("D1"));
        // From the navigation: the runs, newest first.
        click(&c, "history-link").await;
        shown(&c, "[data-testid=history-runs]").await;
        let runs = text(&c, "[data-testid=history-runs]").await;
        assert!(runs.contains("clients.csv") && runs.contains("4 fait (OK)") && runs.contains("n° 1"), "{runs}");
        // A run the page keeps: its row leads to its page.
        click(&c, "history-run-link").await;
        shown(&c, "[data-testid=results]").await;
        assert_eq!(c.current_url().await.unwrap(), run, "the run's own page");
        accessible(&c, "exécutions notées").await;
        c.close().await.unwrap();
    });
}

/// The screen and its download need the session as every screen does;
/// a value from an answer (Loop's message) and the search itself are shown
/// as text, never markup; the same headers as every answer.
#[test]
fn the_history_screen_needs_the_session_and_shows_values_as_text() {
    use loopbatch::job::{CallOutcome, Lang, NewRun, PlannedCall, Registre, Status};
    let w = Work::new();
    let path = w.path("donnees/loopbatch/registre.sqlite3");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut reg = Registre::open(&path, Lang::Fr).unwrap();
    let call = PlannedCall { id: 1, operation: "provisionCompany", dossier: "H1", email: None, body: "{}" };
    let new = NewRun { sheet: "h.csv".into(), plan_hash: "p".into(), results: w.path("r.csv"), ..Default::default() };
    let run = reg.start_run(&new, &[call]).unwrap();
    let answer = CallOutcome {
        status: Status::Erreur,
        code_http: Some(400),
        message: "<img src=x onerror=alert(1)>".into(),
        request_id: "req-<b>".into(),
        object_id: String::new(),
        attempts: 1,
        timestamp: "2026-12-06T10:00:00+01:00".into(),
        resend_on_resume: false,
        already: false,
    };
    reg.answered(run, 1, &answer).unwrap();
    drop(reg);
    let p = crate::page::start(&w, &[]);
    let client = crate::page::client();
    for route in ["/historique?q=H1", "/historique/xlsx?q=H1"] {
        let r = client.get(format!("{}{route}", p.base)).send().unwrap();
        assert_eq!(r.status(), 403, "{route} without the session");
        assert!(!r.text().unwrap().contains("onerror"), "{route}");
    }
    let cookie = crate::page::open(&p);
    let r = client.get(format!("{}/historique?q=H1", p.base)).header("cookie", &cookie).send().unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let page = r.text().unwrap();
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;") && !page.contains("<img"), "{page}");
    assert!(page.contains("req-&lt;b&gt;") && page.contains("refus"), "{page}");
    let r = client.get(format!("{}/historique?q=%3Cscript%3E", p.base)).header("cookie", &cookie).send().unwrap();
    let page = r.text().unwrap();
    assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"), "the search as text");
    assert!(!page.contains(&w.dir.path().display().to_string()), "no server path");
    // Its columns: the dossier, where the call went (no run's tenant here).
    let r = client.get(format!("{}/historique?q=h1", p.base)).header("cookie", &cookie).send().unwrap();
    let page = r.text().unwrap();
    assert!(page.contains("trouvé sous H1"), "{page}");
    assert!(page.contains("data-col=\"dossier\">H1<") && page.contains("data-col=\"envoye_a\""), "{page}");
    // Nothing sought: no empty file, the screen.
    let r = client.get(format!("{}/historique/xlsx?q=+&depuis=", p.base)).header("cookie", &cookie).send().unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(r.headers()["location"], "/historique");
    let r = client.get(format!("{}/historique/xlsx?q=H1", p.base)).header("cookie", &cookie).send().unwrap();
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.contains("historique-H1.xlsx"), "{disposition}");
    std::fs::write(w.path("h.xlsx"), r.bytes().unwrap()).unwrap();
    let lines = crate::util::results_xlsx(&w.path("h.xlsx"));
    assert_eq!(lines[0]["message"], "<img src=x onerror=alert(1)>");
    assert_eq!(lines[0]["verification"], "", "a refusal needs no check");
}

/// Past 1000 calls the screen shows the newest 1000 and says so; the
/// download keeps them all.
#[test]
fn past_a_thousand_calls_the_screen_shows_the_newest() {
    use loopbatch::job::{CallOutcome, Lang, NewRun, PlannedCall, Registre, Status};
    let w = Work::new();
    let path = w.path("donnees/loopbatch/registre.sqlite3");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut reg = Registre::open(&path, Lang::Fr).unwrap();
    let calls: Vec<PlannedCall> = (1..=1001)
        .map(|id| PlannedCall { id, operation: "provisionCompany", dossier: "N1", email: None, body: "{}" })
        .collect();
    let new = NewRun { sheet: "n.csv".into(), plan_hash: "p".into(), results: w.path("r.csv"), ..Default::default() };
    let run = reg.start_run(&new, &calls).unwrap();
    for id in 1..=1001 {
        let answer = CallOutcome {
            status: Status::Ok,
            code_http: Some(200),
            message: String::new(),
            request_id: format!("req-{id}-fin"),
            object_id: String::new(),
            attempts: 1,
            timestamp: "2026-12-06T10:00:00+01:00".into(),
            resend_on_resume: false,
            already: false,
        };
        reg.answered(run, id, &answer).unwrap();
    }
    drop(reg);
    let p = crate::page::start(&w, &[]);
    let client = crate::page::client();
    let cookie = crate::page::open(&p);
    let r = client.get(format!("{}/historique?q=N1", p.base)).header("cookie", &cookie).send().unwrap();
    let page = r.text().unwrap();
    assert!(page.contains("Seuls les 1000 appels les plus récents sont affichés"), "said");
    assert!(page.contains("req-1001-fin") && page.contains("req-2-fin") && !page.contains("req-1-fin"), "the newest");
    let r = client.get(format!("{}/historique/xlsx?q=N1", p.base)).header("cookie", &cookie).send().unwrap();
    std::fs::write(w.path("h.xlsx"), r.bytes().unwrap()).unwrap();
    assert_eq!(crate::util::results_xlsx(&w.path("h.xlsx")).len(), 1001, "the download keeps them all");
}
