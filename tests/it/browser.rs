//! The page in real headless browsers, Chromium (chromedriver, as Debian
//! packages them) and Firefox ESR (geckodriver), each test in each: a sheet
//! chosen, its counts as the CLI's, an e-mail fixed in the page, the run
//! confirmed, followed across a reload to its end, the results downloaded; Stop then resume; a second start, from
//! another tab, refused; axe-core's WCAG checks on every screen. Without a
//! browser these tests say so and are skipped, except under CI, where they
//! fail.
//! `LOOPBATCH_SCREENSHOTS=1` also writes the screenshots of docs/.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use loopbatch::simulator::{self, Options};

use crate::util::Hermetic;
use crate::util::{TestSim, Work};

pub(crate) struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn installed(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

/// The browsers the page is tested in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Browser {
    Chromium,
    Firefox,
}

impl Browser {
    /// The WebDriver server and the browser, as Debian installs them
    /// (geckodriver from crates.io: Debian has none).
    fn programs(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Browser::Chromium => ("chromedriver", &["chromium"]),
            Browser::Firefox => ("geckodriver", &["firefox-esr", "firefox"]),
        }
    }
}

/// The browsers this machine has; a missing one is said and skipped,
/// except under CI, where every one must be there.
pub(crate) fn browsers() -> Vec<(Browser, PathBuf, PathBuf)> {
    let mut found = Vec::new();
    for kind in [Browser::Chromium, Browser::Firefox] {
        let (driver, names) = kind.programs();
        let binary = names.iter().find_map(|n| installed(n));
        match (installed(driver), binary) {
            (Some(d), Some(b)) => found.push((kind, d, b)),
            _ => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "browser tests need {kind:?} and {driver} (.ci/run installs them: apt-get install chromium chromium-driver firefox-esr; cargo install geckodriver)"
                );
                eprintln!("browser tests in {kind:?} SKIPPED: no {driver} or {} on this machine", names[0]);
            }
        }
    }
    found
}

/// A session of `kind` through its WebDriver server.
pub(crate) fn session(rt: &tokio::runtime::Runtime, kind: Browser, driver: &Path, binary: &Path) -> (Driver, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child =
        Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{kind:?}'s WebDriver server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let caps = match kind {
        Browser::Chromium => serde_json::json!({"goog:chromeOptions": {
            "binary": binary,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=fr-FR"],
        }}),
        Browser::Firefox => serde_json::json!({"moz:firefoxOptions": {
            "binary": binary,
            "args": ["-headless", "--width=1280", "--height=900"],
            "prefs": {"intl.accept_languages": "fr-FR"},
        }}),
    };
    let caps = caps.as_object().unwrap().clone();
    let client = rt
        .block_on(ClientBuilder::rustls().unwrap().capabilities(caps).connect(&format!("http://127.0.0.1:{port}")))
        .unwrap_or_else(|e| panic!("a {kind:?} session: {e}"));
    (driver, client)
}

pub(crate) struct Ui(Child);

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn ui(w: &Work, sim: &TestSim) -> (Ui, String) {
    std::fs::write(w.path("loopbatch.toml"), "rate = \"20/s\"\nconcurrency = 4\n").unwrap();
    ui_with(w, sim)
}

pub(crate) fn ui_with(w: &Work, sim: &TestSim) -> (Ui, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .args(["ui", "--no-open"])
        .hermetic(&w.home())
        .env("XDG_DATA_HOME", w.path("donnees"))
        .env("LOOP_BASE_URL", &sim.base_url)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (Ui(child), line.trim().to_string())
}

/// An attribute of `css`, waited for; found again when the page redrew
/// itself between the finding and the reading (a run's end reloads its
/// screen).
pub(crate) async fn attr(c: &Client, css: &str, name: &str) -> String {
    let mut tries = 0;
    loop {
        // Waited for: between two screens the element is briefly absent.
        let e = c.wait().for_element(Locator::Css(css)).await.unwrap();
        match e.attr(name).await {
            Ok(v) => return v.unwrap_or_default(),
            Err(e) if tries < 20 && format!("{e:?}").contains("StaleElementReference") => tries += 1,
            Err(e) => panic!("{css} {name}: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `css`'s attribute `name` satisfies `ok` (the page updates
/// itself: fetch, server-sent events).
pub(crate) async fn until(c: &Client, css: &str, name: &str, ok: impl Fn(&str) -> bool, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(Some(v)) = e.attr(name).await
            && ok(&v)
        {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// axe-core (Deque, MPL-2.0, vendored in tests/fixtures) on the page as it
/// stands: no violation of WCAG 2.1 A/AA rules (labels, contrast, table
/// markup, landmarks, names of buttons and links…).
pub(crate) async fn accessible(c: &Client, screen: &str) {
    const AXE: &str = include_str!("../fixtures/axe-4.14.1.min.js");
    let script = format!(
        "const done = arguments[arguments.length - 1]; {AXE}; \
         axe.run(document, {{ runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }} }}) \
           .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' \
             + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))"
    );
    let found = c.execute_async(&script, vec![]).await.unwrap();
    let violations: Vec<String> = serde_json::from_value(found).unwrap();
    assert!(violations.is_empty(), "{screen}: accessibility violations:\n{}", violations.join("\n"));
}

/// The keyboard reaches the page's controls, and the one focused shows it.
pub(crate) async fn focus_is_visible(c: &Client, screen: &str) {
    c.execute("document.activeElement && document.activeElement.blur(); window.focus();", vec![]).await.unwrap();
    c.active_element().await.unwrap().send_keys("\u{E004}").await.unwrap(); // Tab
    let style = c
        .execute(
            "const e = document.activeElement; const s = getComputedStyle(e); \
             return [e.tagName, s.outlineStyle, s.outlineWidth];",
            vec![],
        )
        .await
        .unwrap();
    let [tag, outline, width]: [String; 3] = serde_json::from_value(style).unwrap();
    assert!(tag != "BODY", "{screen}: Tab reaches a control");
    assert!(outline != "none" && width != "0px", "{screen}: the focused {tag} shows it ({outline} {width})");
}

/// docs/'s screenshots, from Chromium.
pub(crate) async fn screenshot(c: &Client, name: &str) {
    let chromium =
        c.capabilities().is_some_and(|caps| caps.get("browserName").and_then(|b| b.as_str()) != Some("firefox"));
    if chromium && std::env::var_os("LOOPBATCH_SCREENSHOTS").is_some() {
        let png = c.screenshot().await.unwrap();
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(name), png).unwrap();
    }
}

fn sample_gateway(latency: Duration) -> TestSim {
    gateway_refusing(latency, &[])
}

/// The sample's gateway, where Loop refuses people of `uninvited` domains.
fn gateway_refusing(latency: Duration, uninvited: &[&str]) -> TestSim {
    let seed = simulator::Seed {
        dossiers: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/dossiers-simulateur.csv")),
        uninvited_domains: uninvited.iter().map(|d| d.to_string()).collect(),
        ..Default::default()
    };
    let model = simulator::build_model(&seed, 1, loopbatch::job::Lang::Fr).unwrap();
    let faults = simulator::Faults { latency, ..Default::default() };
    TestSim::start(Options { model, faults, ..Default::default() })
}

/// Waits (up to a minute: CI machines are busy) for an element; if it never
/// comes, says where the browser is and what it shows.
pub(crate) async fn shown(c: &Client, css: &str) {
    if c.wait().at_most(Duration::from_secs(60)).for_element(Locator::Css(css)).await.is_err() {
        let url = c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let text = match c.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        panic!("{css} never shown; at {url}: {text}");
    }
}

/// The text a person sees in `css` (empty when it is hidden).
pub(crate) async fn text(c: &Client, css: &str) -> String {
    // A screen redrawn when a run ends may not hold it yet: waited for.
    shown(c, css).await;
    let mut tries = 0;
    loop {
        let e = match c.find(Locator::Css(css)).await {
            Ok(e) => e,
            // Between two drawings of the screen: found again.
            Err(_) if tries < 20 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            Err(e) => panic!("{css}: {e}"),
        };
        let seen = match e.is_displayed().await {
            Ok(true) => e.text().await,
            Ok(false) => Ok(String::new()),
            Err(e) => Err(e),
        };
        match seen {
            Ok(t) => return t,
            // Redrawn between the finding and the reading: found again.
            Err(e) if tries < 20 && format!("{e:?}").contains("StaleElementReference") => tries += 1,
            Err(e) => panic!("{css}: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The run screen's figures, each with its words, after a live update
/// (the server-sent events rewrite them): read as a person reads them.
async fn labelled_figures(c: &Client) {
    let first = attr(c, "[data-testid=progress]", "data-done").await;
    until(c, "[data-testid=progress]", "data-done", |d| d != first, "a live update").await;
    let done = text(c, "[data-testid=progress-done]").await;
    assert!(done.contains(" appels sur ") || done.contains(" appel sur "), "« 84 appels sur 277 »: {done}");
    let speed = text(c, "[data-testid=progress-speed]").await;
    assert!(speed.starts_with("vitesse : ") && speed.ends_with(" par seconde"), "{speed}");
    let pace = text(c, "[data-testid=progress-pace]").await;
    assert!(pace.starts_with("cadence permise : ") && pace.ends_with(" par seconde"), "{pace}");
    let eta = text(c, "[data-testid=progress-eta]").await;
    assert!(eta.starts_with("fin estimée"), "{eta}");
    let errors = text(c, "[data-testid=progress-errors]").await;
    assert!(errors.contains("erreur"), "{errors}");
    let state = text(c, "[data-testid=progress-state]").await;
    assert!(state == "en cours" || state.contains("Cegid Loop demande d'attendre"), "{state}");
}

pub(crate) async fn click(c: &Client, testid: &str) {
    let css = format!("[data-testid={testid}]");
    c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css(&css)).await.unwrap().click().await.unwrap();
}

#[test]
fn stop_then_resume_and_a_second_start_refused_in_the_browser() {
    for (kind, driver, binary) in browsers() {
        stop_then_resume(kind, &driver, &binary);
    }
}

fn stop_then_resume(kind: Browser, driver: &Path, binary: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (_driver, c) = session(&rt, kind, driver, binary);
    // Slow enough that the stop comes part-way, after a look at home; Loop
    // refuses one person, so that the run ends with a failure to send again.
    let sim = gateway_refusing(Duration::from_millis(200), &["epicerie-fine-robert.fr"]);
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "rate = \"20/s\"\nconcurrency = 2\n").unwrap();
    let (_ui, opening) = ui_with(&w, &sim);
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/onboarding-clients.csv");
    rt.block_on(async {
        c.goto(&opening).await.unwrap();
        let input = c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
        input.send_keys(sample.to_str().unwrap()).await.unwrap();
        // The check's page, whole, before its link is followed.
        c.wait().at_most(Duration::from_secs(60)).for_element(Locator::Css("[data-testid=summary]")).await.unwrap();
        click(&c, "plan").await;
        shown(&c, "[data-testid=run]").await;
        let plan = c.current_url().await.unwrap();
        // A second tab shows the same plan (a double click, a forgotten tab).
        let first = c.window().await.unwrap();
        let second = c.new_window(true).await.unwrap().handle;
        c.switch_to_window(second.clone()).await.unwrap();
        c.goto(plan.as_str()).await.unwrap();
        c.wait().for_element(Locator::Css("[data-testid=run]")).await.unwrap();
        // The first tab starts the run.
        c.switch_to_window(first.clone()).await.unwrap();
        click(&c, "run").await;
        click(&c, "confirm").await;
        until(&c, "[data-testid=progress]", "data-done", |d| d != "0", "calls go").await;
        labelled_figures(&c).await;
        let run = c.current_url().await.unwrap();
        // Home shows the run going, with a link to it.
        c.goto(&format!("{}/", opening.split("/ouvrir/").next().unwrap())).await.unwrap();
        let going = text(&c, "[data-testid=run-going]").await;
        assert!(going.contains("Une exécution est en cours"), "{going}");
        click(&c, "open-run-going").await;
        shown(&c, "[data-testid=progress]").await;
        assert_eq!(c.current_url().await.unwrap(), run);
        // The second tab's start is refused, plainly.
        c.switch_to_window(second).await.unwrap();
        click(&c, "run").await;
        click(&c, "confirm").await;
        let refusal = c.wait().for_element(Locator::Css("[role=alert]")).await.unwrap().text().await.unwrap();
        assert!(refusal.contains("déjà en cours"), "{refusal}");
        accessible(&c, "refus").await;
        c.close_window().await.unwrap();
        // Stop: the run ends part-way, its results written.
        c.switch_to_window(first).await.unwrap();
        click(&c, "stop").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "stopped", "the run stops").await;
        let done: usize = attr(&c, "[data-testid=progress]", "data-done").await.parse().unwrap();
        let total: usize = attr(&c, "[data-testid=progress]", "data-total").await.parse().unwrap();
        assert!(done > 0 && done < total, "stopped part-way: {done} / {total}");
        c.wait().for_element(Locator::Css("[data-testid=download-xlsx]")).await.unwrap();
        // Stopped: said as Arrêter, no time left.
        let reason = text(&c, "[data-testid=stop-reason]").await;
        assert!(reason.contains("Arrêter") && !reason.contains("Ctrl-C"), "{reason}");
        assert_eq!(text(&c, "[data-testid=progress-eta]").await, "", "no time left on a stopped run");
        let not_run = text(&c, "tr[data-testid=result][data-statut=NON_EXECUTE]").await;
        assert!(not_run.contains("non exécuté") && !not_run.contains("Ctrl-C"), "{not_run}");
        assert!(not_run.contains("reprenez-la"), "its advice: {not_run}");
        // Stopped, the way on is Reprendre: a new run of the failures is
        // not offered beside it.
        assert!(c.find_all(Locator::Css("[data-testid=rerun-failed]")).await.unwrap().is_empty());
        accessible(&c, "arrêtée").await;
        // Resume: the same run goes on to its end, nothing done sent again.
        click(&c, "resume").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the resumed run ends").await;
        assert_eq!(attr(&c, "[data-testid=progress]", "data-done").await, total.to_string());
        // The results come with the reload that follows the end.
        shown(&c, "tr[data-testid=result][data-statut=ERREUR]").await;
        let refused = text(&c, "tr[data-testid=result][data-statut=ERREUR]").await;
        assert!(refused.contains("CLI0001"), "{refused}");
        // Ended with a failure: Relancer les échecs asks first, saying how many calls it sends.
        click(&c, "rerun-failed").await;
        let calls = attr(&c, "[data-testid=rerun-calls]", "data-calls").await;
        let ask = text(&c, "section.confirm:target").await;
        assert!(calls != "0" && ask.contains(&format!("enverra {calls} appel")), "{ask}");
        accessible(&c, "relancer ?").await;
        c.find(Locator::Css("section.confirm:target a[href='#']")).await.unwrap().click().await.unwrap();
        assert_eq!(text(&c, "#relancer").await, "", "Annuler closes it, nothing sent");
        c.goto(&format!("{}/executions", opening.split("/ouvrir/").next().unwrap())).await.unwrap();
        c.wait().for_element(Locator::Css("[data-testid=stored-run]")).await.unwrap();
        accessible(&c, "exécutions gardées").await;
        focus_is_visible(&c, "exécutions gardées").await;
        // Supprimer asks first; Annuler keeps the run, Supprimer deletes it.
        let kept = c.find_all(Locator::Css("[data-testid=stored-run]")).await.unwrap().len();
        click(&c, "delete-run").await;
        let dialog = text(&c, "section.confirm:target").await;
        assert!(
            dialog.contains("Supprimer cette exécution ?") && dialog.contains("ne peut pas être défait"),
            "{dialog}"
        );
        accessible(&c, "supprimer ?").await;
        c.find(Locator::Css("section.confirm:target a[href='#']")).await.unwrap().click().await.unwrap();
        assert_eq!(c.find_all(Locator::Css("[data-testid=stored-run]")).await.unwrap().len(), kept);
        click(&c, "delete-run").await;
        c.find(Locator::Css("section.confirm:target [data-testid=confirm-delete]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        shown(&c, "[data-testid=runs]").await;
        // The list before the deletion may still be the one shown: wait for the new one.
        let mut left = kept;
        for _ in 0..100 {
            left = c.find_all(Locator::Css("[data-testid=stored-run]")).await.unwrap().len();
            if left == kept - 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(left, kept - 1);
        c.close().await.unwrap();
    });
    let stats = sim.stats();
    assert_eq!(stats["duplicates"], serde_json::json!({}), "nothing applied twice: {stats}");
}

#[test]
fn a_cabinet_checks_fixes_runs_and_downloads_in_the_browser() {
    for (kind, driver, binary) in browsers() {
        check_fix_run_download(kind, &driver, &binary);
    }
}

fn check_fix_run_download(kind: Browser, driver: &Path, binary: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (_driver, c) = session(&rt, kind, driver, binary);
    let sim = sample_gateway(Duration::ZERO);
    let w = Work::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/onboarding-clients.csv");
    let cli = w.bin().args(["check", sample.to_str().unwrap(), "--format", "json"]).output().unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let (_ui, opening) = ui(&w, &sim);
    let base = opening.split("/ouvrir/").next().unwrap().to_string();
    rt.block_on(async {
        // The opening lands on the first screen; choosing the file checks it.
        c.goto(&opening).await.unwrap();
        c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
        screenshot(&c, "1-tableur.png").await;
        accessible(&c, "tableur").await;
        focus_is_visible(&c, "tableur").await;
        let input = c.find(Locator::Css("[data-testid=sheet]")).await.unwrap();
        input.send_keys(sample.to_str().unwrap()).await.unwrap();
        c.wait().at_most(Duration::from_secs(30)).for_element(Locator::Css("[data-testid=summary]")).await.unwrap();
        for (a, k) in
            [("data-rows", "total"), ("data-valid", "valid"), ("data-invalid", "invalid"), ("data-ignored", "ignored")]
        {
            assert_eq!(attr(&c, "[data-testid=summary]", a).await, cli["rows"][k].to_string(), "{a}");
        }
        screenshot(&c, "2-verification.png").await;
        accessible(&c, "vérification").await;
        focus_is_visible(&c, "vérification").await;
        // The mistyped e-mail of line 8, fixed in its cell: the row turns VALIDE.
        let row = r#"tr[data-testid=row][data-row="8"]"#;
        assert_eq!(attr(&c, row, "data-statut").await, "INVALIDE");
        // Statuses in words beside their codes, in the counts and on the row.
        let counts = text(&c, "[data-testid=summary] .counts").await;
        assert!(
            counts.contains("valide · VALIDE (") && counts.contains("invalide, non envoyé · INVALIDE ("),
            "{counts}"
        );
        let said = text(&c, &format!("{row} td.statut")).await;
        assert!(said.contains("INVALIDE") && said.contains("invalide, non envoyé"), "{said}");
        let email = r#"input[data-row="8"][data-field=email]"#;
        // Clearing the cell is itself a change: the row is checked (and
        // redrawn) at once; then the right address is typed.
        c.find(Locator::Css(email)).await.unwrap().clear().await.unwrap();
        until(&c, email, "value", str::is_empty, "the cleared cell redrawn").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.find(Locator::Css(email)).await.unwrap().send_keys("jean.dupont@exemple.fr\u{E004}").await.unwrap();
        until(&c, row, "data-statut", |s| s == "VALIDE", "the fixed row turns VALIDE").await;
        let valid = cli["rows"]["valid"].as_u64().unwrap() + 1;
        until(&c, "[data-testid=summary]", "data-valid", |v| v == valid.to_string(), "the counts follow").await;
        c.execute("document.querySelector('[data-testid=grid]').scrollLeft = 0;", vec![]).await.unwrap();
        screenshot(&c, "3-correction.png").await;
        // The plan, "Lancer", the in-page confirmation, and the run.
        c.find(Locator::Css("[data-testid=plan]")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css("[data-testid=run]")).await.unwrap().click().await.unwrap();
        screenshot(&c, "4-confirmation.png").await;
        accessible(&c, "confirmation").await;
        focus_is_visible(&c, "confirmation").await;
        c.find(Locator::Css("[data-testid=confirm]")).await.unwrap().click().await.unwrap();
        c.wait().for_element(Locator::Css("[data-testid=progress]")).await.unwrap();
        let before: usize =
            until(&c, "[data-testid=progress]", "data-done", |d| d != "0", "calls go").await.parse().unwrap();
        labelled_figures(&c).await;
        screenshot(&c, "5-execution.png").await;
        accessible(&c, "exécution").await;
        // A reload loses nothing: the run goes on in the server.
        c.refresh().await.unwrap();
        let after: usize = attr(&c, "[data-testid=progress]", "data-done").await.parse().unwrap();
        assert!(after >= before, "{after} >= {before}");
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the run ends").await;
        c.wait().for_element(Locator::Css("[data-testid=download-xlsx]")).await.unwrap();
        let total = attr(&c, "[data-testid=progress]", "data-total").await;
        assert_eq!(attr(&c, "[data-testid=progress]", "data-done").await, total);
        assert_eq!(text(&c, "[data-testid=progress-eta]").await, "", "no time left on a finished run");
        assert_eq!(text(&c, "[data-testid=progress-done]").await, format!("{total} appels sur {total}"));
        // Each result says who it is about, its status in words and what to do.
        let heads = text(&c, "[data-testid=results] thead").await;
        for h in ["code dossier", "nom", "e-mail", "statut", "message", "conseil"] {
            assert!(heads.contains(h), "{h} in {heads}");
        }
        let ok = text(&c, "tr[data-testid=result][data-statut=OK]").await;
        assert!(ok.contains("fait") && ok.contains("OK") && ok.contains("@"), "{ok}");
        let invalid = text(&c, "tr[data-testid=result][data-statut=INVALIDE]").await;
        assert!(invalid.contains("invalide, non envoyé") && invalid.contains("INVALIDE"), "{invalid}");
        let advice = text(&c, "tr[data-testid=result][data-statut=INVALIDE] [data-col=conseil]").await;
        assert!(advice.starts_with("Corrigez la cellule"), "{advice}");
        // Nothing left to send (invalid rows are fixed in the sheet, not
        // sent again): « Relancer les échecs » is not offered.
        assert!(c.find_all(Locator::Css("[data-testid=rerun-failed]")).await.unwrap().is_empty());
        screenshot(&c, "6-resultats.png").await;
        accessible(&c, "résultats").await;
        focus_is_visible(&c, "résultats").await;
        // The results file, as the page offers it.
        let link = attr(&c, "[data-testid=download-xlsx]", "href").await;
        let cookie = c.get_named_cookie("loopbatch").await.unwrap();
        let bytes = reqwest::Client::new()
            .get(format!("{base}{link}"))
            .header("cookie", format!("loopbatch={}", cookie.value()))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        std::fs::write(w.path("r.xlsx"), &bytes).unwrap();
        // Quitter asks first and says what becomes of a run going.
        click(&c, "quit").await;
        let ask = text(&c, "#quitter").await;
        assert!(ask.contains("sera arrêtée") && ask.contains("reprendre"), "{ask}");
        accessible(&c, "quitter ?").await;
        click(&c, "confirm-quit").await;
        shown(&c, "[data-testid=goodbye]").await;
        assert!(text(&c, "[data-testid=goodbye]").await.contains("fermer cet onglet"));
        c.close().await.unwrap();
    });
    let lines = crate::util::results_xlsx(&w.path("r.xlsx"));
    assert_eq!(lines.len(), 50);
    let ok = lines.iter().filter(|l| l["statut"] == "OK").count();
    assert_eq!(ok, 45, "the fixed row went too");
    let fixed = lines.iter().find(|l| l["ligne"] == "8").unwrap();
    assert_eq!((fixed["statut"].as_str(), fixed["E-mail"].as_str()), ("OK", "jean.dupont@exemple.fr"));
}

#[test]
fn the_check_grid_fits_a_1366_px_window_in_the_browser() {
    for (kind, driver, binary) in browsers() {
        grid_fits(kind, &driver, &binary);
    }
}

/// A sheet of 30 columns of 40-character values, 60 rows (two pages), one
/// e-mail mistyped and one value with a non-breaking space.
fn wide_sheet(w: &Work) -> PathBuf {
    let mut head = vec!["code_dossier".to_string(), "email".into(), "nom".into(), "offre".into()];
    head.extend((5..=30).map(|i| format!("colonne_libre_{i}")));
    let mut text = head.join(";") + "\n";
    for r in 0..60 {
        let email = if r == 0 { "pas-une-adresse".to_string() } else { format!("contact{r}@exemple.fr") };
        let nom = if r == 1 { "\u{a0}Durand".to_string() } else { format!("Nom{r}") };
        let mut cells = vec![format!("LARGE{r:03}"), email, nom, "start".into()];
        cells.extend(
            (5..=30).map(|i| format!("{:-<40}", format!("valeur {i} de la ligne {r} ")).chars().take(40).collect()),
        );
        text += &(cells.join(";") + "\n");
    }
    w.file("large.csv", text.as_bytes())
}

fn grid_fits(kind: Browser, driver: &Path, binary: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (_driver, c) = session(&rt, kind, driver, binary);
    let sim = sample_gateway(Duration::ZERO);
    let w = Work::new();
    let sheet = wide_sheet(&w);
    let pdf = w.file("facture.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n");
    let no_code = w.file("clients.csv", b"nom;ville\nDupont;Lyon\n");
    let (_ui, opening) = ui(&w, &sim);
    rt.block_on(async {
        c.set_window_size(1366, 768).await.unwrap();
        c.goto(&opening).await.unwrap();
        // A PDF chosen by mistake: said as such, no server path, and a
        // button back to the file chooser.
        let input = c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
        input.send_keys(pdf.to_str().unwrap()).await.unwrap();
        shown(&c, "[data-testid=failure]").await;
        let said = text(&c, "main").await;
        assert!(said.contains("facture.xlsx") && said.contains("document PDF"), "{said}");
        for bad in [w.dir.path().to_str().unwrap(), "televersements", "%PDF", "Impossible"] {
            assert!(!said.contains(bad), "« {bad} » shown: {said}");
        }
        accessible(&c, "fichier refusé").await;
        click(&c, "next-step").await;
        // A sheet without its code_dossier column: the page's templates
        // named, not the command line's, and the way back to the chooser.
        let input = c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
        input.send_keys(no_code.to_str().unwrap()).await.unwrap();
        shown(&c, "[data-testid=failure]").await;
        let said = text(&c, "main").await;
        assert!(said.contains("« Modèles à remplir » de la page d'accueil") && said.contains("nom, ville"), "{said}");
        for bad in [w.dir.path().to_str().unwrap(), "loopbatch template", "--", "Impossible"] {
            assert!(!said.contains(bad), "« {bad} » shown: {said}");
        }
        click(&c, "next-step").await;
        let input = c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
        input.send_keys(sheet.to_str().unwrap()).await.unwrap();
        shown(&c, "[data-testid=grid]").await;
        // No sideways scrolling of the page: the grid scrolls in its frame.
        let fits =
            c.execute("return [document.scrollingElement.scrollWidth, window.innerWidth];", vec![]).await.unwrap();
        let [scroll, inner]: [u64; 2] = serde_json::from_value(fits).unwrap();
        assert!(scroll <= inner, "{kind:?}: the page is {scroll} px wide in a {inner} px window");
        // Scrolled to its far right, sheet, line, status and message stay in view.
        c.execute("document.querySelector('[data-testid=grid]').scrollLeft = 100000;", vec![]).await.unwrap();
        let seen = c
            .execute(
                "const tr = document.querySelector('tr[data-testid=row][data-row=\"2\"]'); \
                 return [0, 1, 2, 3].map(i => { const r = tr.cells[i].getBoundingClientRect(); \
                   const at = document.elementFromPoint(r.left + 5, r.top + 5); \
                   return r.left >= 0 && r.right <= window.innerWidth && tr.cells[i].contains(at); });",
                vec![],
            )
            .await
            .unwrap();
        let seen: Vec<bool> = serde_json::from_value(seen).unwrap();
        assert_eq!(seen, vec![true; 4], "{kind:?}: sheet, line, status, message in view");
        // A long value is cut, its whole value given on focus.
        let value = c.find(Locator::Css("tr[data-row=\"2\"] span.value")).await.unwrap();
        let full = value.attr("title").await.unwrap().unwrap_or_default();
        assert_eq!(full.chars().count(), 40, "{full}");
        // Each warning once: under its cell, not again in the message column.
        let row3 = text(&c, "tr[data-testid=row][data-row=\"3\"]").await;
        assert_eq!(row3.matches("insécables ou invisibles").count(), 1, "{row3}");
        assert_eq!(text(&c, "tr[data-row=\"3\"] [data-testid=row-message]").await, "");
        // « Problèmes » follows each fix; paging at the bottom too.
        let problems = text(&c, "[data-testid=problems]").await;
        assert!(problems.contains("email"), "{problems}");
        let email = r#"input[data-row="2"][data-field=email]"#;
        c.find(Locator::Css(email)).await.unwrap().clear().await.unwrap();
        until(&c, email, "value", str::is_empty, "the cleared cell redrawn").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        c.find(Locator::Css(email)).await.unwrap().send_keys("large0@exemple.fr\u{E004}").await.unwrap();
        until(&c, r#"tr[data-testid=row][data-row="2"]"#, "data-statut", |s| s == "VALIDE", "the fixed row").await;
        assert!(c.find_all(Locator::Css("[data-testid=problems]")).await.unwrap().is_empty(), "no stale problem");
        c.find(Locator::Css("[data-testid=next-page-bottom]")).await.unwrap().click().await.unwrap();
        shown(&c, "[data-testid=previous-page-bottom]").await;
        accessible(&c, "grille large").await;
        c.close().await.unwrap();
    });
}

#[test]
fn the_memory_counts_and_the_verify_buttons_in_the_browser() {
    for (kind, driver, binary) in browsers() {
        memory_and_verify(kind, &driver, &binary);
    }
}

/// Two rows whose addClient answers are lost (A_VERIFIER): the plan screen
/// says « 0 déjà faites, 2 à envoyer »; the run's A_VERIFIER rows have the
/// two buttons; « fait dans Loop » on one is recorded in the registre; the
/// same sheet's plan then says 1 row done, 0 to send, 1 held (to check).
fn memory_and_verify(kind: Browser, driver: &Path, binary: &Path) {
    use loopbatch::simulator::{Operation, Routes};
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
        w.csv_1252("m.csv", &["code_dossier;email;nom;offre", "D001;p1@ok.fr;Un;start", "D002;p2@ok.fr;Deux;start"]);
    let (_ui, opening) = ui_with(&w, &sim);
    let counts = |c: &Client| {
        let c = c.clone();
        async move {
            shown(&c, "[data-testid=memory-counts]").await;
            let done = attr(&c, "[data-testid=memory-counts]", "data-done").await;
            let to_send = attr(&c, "[data-testid=memory-counts]", "data-to-send").await;
            (done, to_send, text(&c, "[data-testid=memory-counts]").await)
        }
    };
    rt.block_on(async {
        c.goto(&opening).await.unwrap();
        let input = c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
        input.send_keys(sheet.to_str().unwrap()).await.unwrap();
        c.wait().at_most(Duration::from_secs(60)).for_element(Locator::Css("[data-testid=summary]")).await.unwrap();
        click(&c, "plan").await;
        let (done, to_send, said) = counts(&c).await;
        assert_eq!((done.as_str(), to_send.as_str()), ("0", "2"), "{said}");
        assert!(said.contains("0 ligne(s) déjà faite(s), 2 à envoyer"), "{said}");
        assert!(text(&c, "[data-testid=memory-limits]").await.contains("sur ce poste"));
        click(&c, "run").await;
        click(&c, "confirm").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the run ends").await;
        shown(&c, "tr[data-testid=result][data-statut=A_VERIFIER] [data-testid=verify-done]").await;
        shown(&c, "tr[data-testid=result][data-statut=A_VERIFIER] [data-testid=verify-not-done]").await;
        accessible(&c, "à vérifier").await;
        c.find(Locator::Css("tr[data-testid=result][data-ligne='2'] [data-testid=verify-done]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        shown(&c, "[data-testid=verified]").await;
        // The same sheet again: its plan knows row 2 done.
        c.goto(opening.split("/ouvrir/").next().unwrap()).await.unwrap();
        let input = c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
        input.send_keys(sheet.to_str().unwrap()).await.unwrap();
        c.wait().at_most(Duration::from_secs(60)).for_element(Locator::Css("[data-testid=summary]")).await.unwrap();
        click(&c, "plan").await;
        let (done, to_send, said) = counts(&c).await;
        assert_eq!((done.as_str(), to_send.as_str()), ("1", "0"), "{said}");
        assert!(said.contains("1 en attente : à vérifier ou en cours ailleurs"), "the row not checked: {said}");
        // The plan's description is whole; the sentence under it says how
        // few of its calls go.
        let calls = text(&c, "[data-testid=memory-calls]").await;
        assert!(calls.contains("mais aucun ne partira : ils sont déjà faits, ou en attente"), "{calls}");
    });
    let reg = rusqlite::Connection::open(w.path("donnees/loopbatch/registre.sqlite3")).unwrap();
    let checks: Vec<(i64, i64)> = reg
        .prepare("SELECT ligne, done FROM checks")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(checks.first(), Some(&(2, 1)), "recorded by the button: {checks:?}");
}

#[test]
fn a_run_undone_from_its_screen_in_the_browser() {
    for (kind, driver, binary) in browsers() {
        undo_in_the_page(kind, &driver, &binary);
    }
}

/// A run of 4 e-mail rows (2 ajouter_offre: PARTIEL, 2 retirer_application:
/// ANNULABLE), then « Annuler cette exécution »: the verdicts in words and
/// code under « Annulation de l'exécution n° 1 (u.csv, date) », one PARTIEL
/// row ticked, one ANNULABLE row unticked, the confirmation saying 2 calls, the undo's progress and
/// results; in the simulator, the ticked and ANNULABLE rows are back.
fn undo_in_the_page(kind: Browser, driver: &Path, binary: &Path) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (_driver, c) = session(&rt, kind, driver, binary);
    let mut model = crate::util::model(&[("D001", true), ("D002", true), ("D003", true), ("D004", true)]);
    for (i, d) in model.dossiers.values_mut().enumerate() {
        d.offers = ["start", "co-production"].iter().map(|s| s.to_string()).collect();
        let email = format!("p{}@ok.fr", i + 1);
        let contact = simulator::Contact {
            object_id: format!("o{i}"),
            user_id: format!("u{i}"),
            email: email.clone(),
            fields: Default::default(),
            dossiers: [(d.code.clone(), ["start".to_string()].into_iter().collect())].into_iter().collect(),
        };
        model.contacts.insert(email, contact);
    }
    let sim = TestSim::start(Options { model, ..Default::default() });
    let before = sim.state()["contacts"].clone();
    let w = Work::new();
    let sheet = w.csv_1252(
        "u.csv",
        &[
            "action;code_dossier;email;offre",
            "ajouter_offre;D001;p1@ok.fr;co-production",
            "ajouter_offre;D002;p2@ok.fr;co-production",
            "retirer_application;D003;p3@ok.fr;start",
            "retirer_application;D004;p4@ok.fr;start",
        ],
    );
    let (_ui, opening) = ui(&w, &sim);
    rt.block_on(async {
        c.goto(&opening).await.unwrap();
        let input = c.wait().for_element(Locator::Css("[data-testid=sheet]")).await.unwrap();
        input.send_keys(sheet.to_str().unwrap()).await.unwrap();
        c.wait().at_most(Duration::from_secs(60)).for_element(Locator::Css("[data-testid=summary]")).await.unwrap();
        click(&c, "plan").await;
        click(&c, "run").await;
        click(&c, "confirm").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the run ends").await;
        assert!(text(&c, "[data-testid=undo]").await.contains("Annuler cette exécution"));
        click(&c, "undo").await;
        shown(&c, "[data-testid=undo-rows]").await;
        assert_eq!(attr(&c, "[data-testid=undo-counts] [data-verdict=PARTIEL]", "data-count").await, "2");
        assert_eq!(attr(&c, "[data-testid=undo-counts] [data-verdict=ANNULABLE]", "data-count").await, "2");
        let partial = text(&c, "tr[data-testid=undo-row][data-ligne='2'] [data-col=raison]").await;
        assert!(partial.contains("le lien dossier–interlocuteur créé par l'ajout peut rester"), "{partial}");
        let title = text(&c, "[data-testid=undo-title]").await;
        assert!(title.starts_with("Annulation de l'exécution n° 1 (u.csv, "), "{title}");
        let said = text(&c, "tr[data-testid=undo-row][data-ligne='2'] [data-col=verdict]").await;
        assert!(said.contains("annulable en partie") && said.contains("PARTIEL"), "{said}");
        // An ANNULABLE row can be left out: its box is ticked, untick it.
        let annulable = "tr[data-testid=undo-row][data-ligne='5'] [data-testid=undo-tick]";
        assert_eq!(attr(&c, annulable, "checked").await, "true");
        c.find(Locator::Css(annulable)).await.unwrap().click().await.unwrap();
        accessible(&c, "verdicts").await;
        if std::env::var_os("LOOPBATCH_UNDO_SCREENSHOT").is_some() {
            let png = c.screenshot().await.unwrap();
            std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("undo-verdicts.png"), png).unwrap();
        }
        c.find(Locator::Css("tr[data-testid=undo-row][data-ligne='2'] [data-testid=undo-tick]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        click(&c, "undo-continue").await;
        shown(&c, "[data-testid=undo-calls]").await;
        assert_eq!(attr(&c, "[data-testid=undo-calls]", "data-calls").await, "2");
        assert!(text(&c, "[data-testid=undo-calls]").await.contains("2 appel(s) inverse(s)"));
        accessible(&c, "confirmation de l'annulation").await;
        if std::env::var_os("LOOPBATCH_UNDO_SCREENSHOT").is_some() {
            let png = c.screenshot().await.unwrap();
            std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("undo-confirm.png"), png).unwrap();
        }
        click(&c, "undo-confirm").await;
        until(&c, "[data-testid=progress]", "data-state", |s| s == "done", "the undo ends").await;
        shown(&c, "tr[data-testid=result] [data-col=verdict]").await;
        let row3 = text(&c, "tr[data-testid=result]:nth-child(2) [data-col=statut]").await;
        assert!(row3.contains("non annulée") && row3.contains("IGNORE"), "the unticked PARTIEL row: {row3}");
        let verdict3 = text(&c, "tr[data-testid=result]:nth-child(2) [data-col=verdict]").await;
        assert!(verdict3.contains("annulable en partie") && verdict3.contains("PARTIEL"), "{verdict3}");
        assert!(text(&c, "[data-testid=undo-left]").await.contains("restent à annuler plus tard"));
        assert!(text(&c, "h1").await.starts_with("Annulation de l'exécution n° 1 (u.csv, "));
        accessible(&c, "résultats de l'annulation").await;
        if std::env::var_os("LOOPBATCH_UNDO_SCREENSHOT").is_some() {
            let png = c.screenshot().await.unwrap();
            std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("undo-results.png"), png).unwrap();
        }
    });
    let after = sim.state()["contacts"].clone();
    for k in ["p1@ok.fr", "p3@ok.fr"] {
        assert_eq!(after[k]["dossiers"], before[k]["dossiers"], "{k} back as before the run");
    }
    assert_ne!(after["p2@ok.fr"]["dossiers"], before["p2@ok.fr"]["dossiers"], "p2 not ticked: left");
    assert_ne!(after["p4@ok.fr"]["dossiers"], before["p4@ok.fr"]["dossiers"], "p4 unticked: left");
}
