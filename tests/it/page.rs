//! `loopbatch ui` over HTTP: the opening and its token, the guard (Host,
//! Origin, session, POST only), the upload (size, name), escaping, keys
//! never shown, and the check, fix and download flow against the CLI's own
//! counts. (The browser tests come with the run in the page.)

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::util::Hermetic;
use crate::util::Work;

pub(crate) struct Page {
    child: Child,
    pub base: String,
    opening: String,
    data: std::path::PathBuf,
}

impl Page {
    /// The per-user data folder the server was given (XDG_DATA_HOME).
    pub(crate) fn data(&self) -> &std::path::Path {
        &self.data
    }

    /// The server's process id (its memory, read in /proc).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's exit, if it ends within `within`.
    pub(crate) fn wait_exit(&mut self, within: std::time::Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start(w: &Work, env: &[(&str, &str)]) -> Page {
    start_with(w, &[], env)
}

/// `loopbatch ui --no-open` with more arguments (`--demo`).
pub(crate) fn start_with(w: &Work, args: &[&str], env: &[(&str, &str)]) -> Page {
    let data = w.path("donnees");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loopbatch"));
    cmd.current_dir(w.dir.path())
        .args(["ui", "--no-open"])
        .args(args)
        .hermetic(&w.home())
        .env("XDG_DATA_HOME", &data)
        .env_remove("LOOP_API_KEY")
        .env_remove("LOOP_SUBSCRIPTION_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let opening = line.trim().to_string();
    assert!(opening.starts_with("http://127.0.0.1:"), "{opening}");
    let base = opening.split("/ouvrir/").next().unwrap().to_string();
    Page { child, base, opening, data }
}

pub(crate) fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Opens the page: the session cookie's value.
pub(crate) fn open(p: &Page) -> String {
    let r = client().get(&p.opening).send().unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    cookie.split(';').next().unwrap().to_string()
}

pub(crate) fn post_sheet(p: &Page, cookie: &str, name: &str, bytes: Vec<u8>) -> reqwest::blocking::Response {
    let part = reqwest::blocking::multipart::Part::bytes(bytes).file_name(name.to_string());
    client()
        .post(format!("{}/feuille", p.base))
        .header("cookie", cookie)
        .header("origin", &p.base)
        .multipart(reqwest::blocking::multipart::Form::new().part("sheet", part))
        .send()
        .unwrap()
}

#[test]
fn only_the_browser_that_opened_it_gets_in() {
    let w = Work::new();
    let p =
        start(&w, &[("LOOP_API_KEY", "cle-publique-42:SUPERSECRET"), ("LOOP_SUBSCRIPTION_KEY", "ABONNEMENT-SECRET")]);
    let c = client();
    // The token lives in an owner-only file, not on a command line.
    let file = p.data.join("loopbatch/ouvrir-loopbatch.html");
    let token = p.opening.rsplit('/').next().unwrap();
    assert!(std::fs::read_to_string(&file).unwrap().contains(token));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o077, 0, "owner only");
        assert_eq!(std::fs::metadata(p.data.join("loopbatch")).unwrap().permissions().mode() & 0o077, 0);
    }
    #[cfg(target_os = "linux")]
    {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", p.child.id())).unwrap();
        assert!(!String::from_utf8_lossy(&cmdline).contains(token));
    }
    // Without the session: the page that says how to open loopbatch, only.
    let r = c.get(format!("{}/", p.base)).send().unwrap();
    assert_eq!(r.status(), 403);
    let body = r.text().unwrap();
    assert!(body.contains("Ouvrez loopbatch depuis sa propre fenêtre") && !body.contains("data-testid=\"sheet\""));
    let wrong = c.get(format!("{}/ouvrir/{}", p.base, "0".repeat(48))).send().unwrap();
    assert_eq!(wrong.status(), 403);
    // The token works once.
    let cookie = open(&p);
    assert_eq!(c.get(&p.opening).send().unwrap().status(), 403, "a token used twice");
    let home = c.get(format!("{}/", p.base)).header("cookie", &cookie).send().unwrap();
    assert_eq!(home.status(), 200);
    let csp = home.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && csp.contains("form-action 'self'")
    );
    let body = home.text().unwrap();
    assert!(body.contains("data-testid=\"sheet\""));
    // Keys: said configured, masked, never shown.
    assert!(body.contains("cl***42"), "{body}");
    assert!(!body.contains("SUPERSECRET") && !body.contains("ABONNEMENT-SECRET") && !body.contains("cle-publique-42"));
    assert!(
        !body.contains("<script>") && !body.contains(" onclick=") && !body.contains(" onchange="),
        "no inline script"
    );
    // DNS rebinding: another Host is refused, even with the session.
    let port = p.base.rsplit(':').next().unwrap();
    let rebound =
        c.get(format!("{}/", p.base)).header("host", format!("evil.example:{port}")).header("cookie", &cookie).send();
    assert_eq!(rebound.unwrap().status(), 421);
    // State changes only by POST, and only from the page's own origin.
    assert_eq!(c.get(format!("{}/quitter", p.base)).header("cookie", &cookie).send().unwrap().status(), 405);
    let no_origin = c.post(format!("{}/quitter", p.base)).header("cookie", &cookie).send().unwrap();
    assert_eq!(no_origin.status(), 403);
    let other =
        c.post(format!("{}/quitter", p.base)).header("cookie", &cookie).header("origin", "http://127.0.0.1:1").send();
    assert_eq!(other.unwrap().status(), 403);
    let forged =
        c.post(format!("{}/quitter", p.base)).header("origin", &p.base).header("cookie", "loopbatch=0000").send();
    assert_eq!(forged.unwrap().status(), 403);
    // "Quitter" ends the server.
    let quit =
        c.post(format!("{}/quitter", p.base)).header("cookie", &cookie).header("origin", &p.base).send().unwrap();
    assert_eq!(quit.status(), 200);
    let mut p = p;
    let status = p.child.wait().unwrap();
    assert!(status.success());
    assert!(!file.exists(), "the opening file goes with the server");
}

#[test]
fn a_late_opening_is_refused_and_a_fresh_one_works() {
    let w = Work::new();
    // Shortened to 1 s for the test (the variable cannot lengthen it).
    let p = start(&w, &[("LOOPBATCH_OUVERTURE_SECONDES", "1")]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let late = client().get(&p.opening).send().unwrap();
    assert_eq!(late.status(), 403, "a token used late");
    assert!(late.headers().get("set-cookie").is_none());
    assert!(late.text().unwrap().contains("Ouvrez loopbatch depuis sa propre fenêtre"));
    // `loopbatch ui` again hands a fresh opening, which works in time.
    let mut again = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"));
    again.current_dir(w.dir.path()).args(["ui", "--no-open"]).hermetic(&w.home()).env("XDG_DATA_HOME", p.data());
    let out = again.output().unwrap();
    let fresh = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(fresh.starts_with(&p.base), "{fresh}");
    assert_eq!(client().get(&fresh).send().unwrap().status(), 303);
}

#[test]
fn uploads_are_bounded_named_by_the_server_and_shown_as_text() {
    let w = Work::new();
    let p = start(&w, &[]);
    let cookie = open(&p);
    // Larger than the limit: refused with a message, nothing kept.
    let big = vec![b'x'; (101 << 20) as usize];
    let r = post_sheet(&p, &cookie, "gros.csv", big);
    assert_eq!(r.status(), 413);
    assert!(r.text().unwrap().contains("100 Mo"));
    // A name that is a path: only its last part, inside the user's folder.
    let sheet = "code_dossier;email;nom;offre\r\nA1;a@@x.fr;<script>alert(1)</script>;start\r\nA2;b@x.fr;<img src=x onerror=alert(2)>;start\r\n";
    let r = post_sheet(&p, &cookie, "..\\..\\x.csv", sheet.as_bytes().to_vec());
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(!w.dir.path().parent().unwrap().join("x.csv").exists() && !w.path("x.csv").exists());
    let uploads = p.data.join("loopbatch/televersements");
    let saved: Vec<_> = walk(&uploads);
    assert_eq!(saved.len(), 1);
    assert!(saved[0].ends_with("x.csv") && saved[0].starts_with(&uploads), "{saved:?}");
    let page = client().get(format!("{}{location}", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.contains("<script>alert"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;") && !page.contains("<img src=x"));
    // A download is asked by id, never by a path.
    let r = client().get(format!("{}/feuille/..%2F..%2Fetc/corrige", p.base)).header("cookie", &cookie).send().unwrap();
    assert_eq!(r.status(), 404);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

pub(crate) fn attr(page: &str, name: &str) -> String {
    let at = page.find(&format!("{name}=\"")).unwrap_or_else(|| panic!("{name} in {page}")) + name.len() + 2;
    page[at..].split('"').next().unwrap().to_string()
}

#[test]
fn the_check_in_the_page_counts_as_the_cli_and_a_fixed_cell_turns_its_row_valid() {
    let w = Work::new();
    let p = start(&w, &[]);
    let cookie = open(&p);
    let sheet = w.csv_1252(
        "clients décembre.csv",
        &[
            "code_dossier;email;nom;prenom;offre;note",
            "D001;jean@@exemple.fr;Martin;Jean;start;à rappeler",
            "D002;paul@exemple.fr;Durand;Paul;start;",
            "D003;paul@exemple.fr;Petit;Anne;start;",
            "D004;lea@exemple.fr;Roux;Léa;offre-inconnue;",
        ],
    );
    let cli = w.bin().args(["check", sheet.to_str().unwrap(), "--format", "json"]).output().unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let r = post_sheet(&p, &cookie, "clients décembre.csv", std::fs::read(&sheet).unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id = location.rsplit('/').next().unwrap().to_string();
    let page = client().get(format!("{}{location}", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    for (attribute, key) in
        [("data-rows", "total"), ("data-valid", "valid"), ("data-invalid", "invalid"), ("data-ignored", "ignored")]
    {
        assert_eq!(attr(&page, attribute), cli["rows"][key].to_string(), "{attribute}");
    }
    assert!(
        page.contains(
            "data-testid=\"row\" data-row=\"2\" data-sheet=\"clients décembre.csv\" data-statut=\"INVALIDE\""
        ),
        "{page}"
    );
    assert!(page.contains("data-field=\"email\"") && page.contains("data-testid=\"filter-problems\""));
    // Fixing the e-mail: the row checked again, the counts with it.
    let fix = |row: &str, field: &str, value: &str| -> serde_json::Value {
        let r = client()
            .post(format!("{}/feuille/{id}/cellule", p.base))
            .header("cookie", &cookie)
            .header("origin", &p.base)
            .form(&[("sheet", "clients décembre.csv"), ("row", row), ("field", field), ("value", value)])
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().unwrap()
    };
    let answer = fix("2", "email", "jean@exemple.fr");
    assert!(answer["rows"][0]["html"].as_str().unwrap().contains("data-statut=\"VALIDE\""), "{answer}");
    assert_eq!(attr(answer["summary"].as_str().unwrap(), "data-valid"), "1");
    // The checks across rows: Anne gets her own e-mail, both rows turn valid.
    let answer = fix("4", "email", "anne@exemple.fr");
    assert_eq!(answer["rows"].as_array().unwrap().len(), 2, "{answer}");
    assert_eq!(attr(answer["summary"].as_str().unwrap(), "data-valid"), "3");
    // The fixed sheet: a new file, every column kept, the original untouched.
    let r = client().get(format!("{}/feuille/{id}/corrige", p.base)).header("cookie", &cookie).send().unwrap();
    let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.contains("corrige.xlsx"), "{disposition}");
    let fixed = w.path("corrige.xlsx");
    std::fs::write(&fixed, r.bytes().unwrap()).unwrap();
    let lines = crate::util::results_xlsx(&fixed);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["email"], "jean@exemple.fr");
    assert_eq!(lines[0]["note"], "à rappeler");
    assert!(std::fs::read(&sheet).unwrap().windows(9).any(|x| x == b"jean@@exe"), "the original is never overwritten");
    // The readable plan, as `loopbatch plan` writes it beside PLAN.json.
    let r = client().get(format!("{}/feuille/{id}/plan.xlsx", p.base)).header("cookie", &cookie).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("-plan.xlsx"));
    assert!(r.bytes().unwrap().starts_with(b"PK"));
    // Reading options: a delimiter the sniffing would not guess alone.
    let part = reqwest::blocking::multipart::Part::bytes(b"code_dossier|email|offre\nP1|p@x.fr|start\n".to_vec())
        .file_name("pipe.txt");
    let form =
        reqwest::blocking::multipart::Form::new().part("sheet", part).text("separateur", "|").text("encodage", "utf-8");
    let r = client()
        .post(format!("{}/feuille", p.base))
        .header("cookie", &cookie)
        .header("origin", &p.base)
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = client()
        .get(format!("{}{}", p.base, r.headers()["location"].to_str().unwrap()))
        .header("cookie", &cookie)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(attr(&page, "data-valid"), "1", "{page}");
    let out = w.bin().args(["check", fixed.to_str().unwrap(), "--format", "json"]).output().unwrap();
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["rows"]["valid"], 3, "the fixed sheet checks as the page said");
}

pub(crate) fn confirm_of(page: &str) -> String {
    let at = page.find("name=\"confirm\" value=\"").expect("a confirmation") + "name=\"confirm\" value=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

pub(crate) fn progress_of(p: &Page, cookie: &str, run: &str) -> (String, String) {
    let page = client().get(format!("{}{run}", p.base)).header("cookie", cookie).send().unwrap().text().unwrap();
    (attr(&page, "data-state"), page)
}

#[test]
fn a_run_from_the_page_is_followed_and_writes_the_clis_results() {
    use loopbatch::simulator::{self, Options};
    let sample_model = || {
        let seed = simulator::Seed {
            dossiers: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/dossiers-simulateur.csv")),
            ..Default::default()
        };
        simulator::build_model(&seed, 1, loopbatch::job::Lang::Fr).unwrap()
    };
    let sim = crate::util::TestSim::start(Options { model: sample_model(), ..Default::default() });
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "rate = \"500/s\"\nconcurrency = 8\n").unwrap();
    let keys = [
        ("LOOP_BASE_URL", sim.base_url.as_str()),
        ("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY),
        ("LOOP_API_KEY", simulator::DEMO_API_KEY),
    ];
    let p = start(&w, &keys);
    let cookie = open(&p);
    let sample =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/onboarding-clients.csv")).unwrap();
    let r = post_sheet(&p, &cookie, "onboarding-clients.csv", sample.clone());
    let sheet = r.headers()["location"].to_str().unwrap().to_string();
    let plan =
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(plan.contains("data-testid=\"run\"") && plan.contains("127.0.0.1"), "{plan}");
    let confirm = confirm_of(&plan);
    // The plan in the user's words; the routes are PLAN.xlsx's.
    let words = plan.split("data-testid=\"plan-words\"").nth(1).unwrap().split("</ul>").next().unwrap();
    assert!(words.contains("dossiers approvisionnés") && words.contains("interlocuteurs créés"), "{words}");
    assert!(!plan.contains("/collaborativeOffer/") && !plan.contains("provisionCompany"), "no route: {plan}");
    assert!(plan.contains("data-testid=\"per-dossier\"") && plan.contains("CLI0001"), "per dossier on demand");
    let start_run = |confirm: &str| {
        client()
            .post(format!("{}/execution", p.base))
            .header("cookie", &cookie)
            .header("origin", &p.base)
            .form(&[("confirm", confirm)])
            .send()
            .unwrap()
    };
    let r = start_run(&confirm);
    assert_eq!(r.status(), 303);
    let run = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(start_run(&confirm).status(), 409, "a confirmation works once");
    // Progress pushed as server-sent events, then the run ends.
    let events = client().get(format!("{}{run}/evenements", p.base)).header("cookie", &cookie).send().unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let text = events.text().unwrap();
    assert!(text.contains("event: progress") && text.contains("\"state\":\"done\""), "{text}");
    let (state, page) = progress_of(&p, &cookie, &run);
    assert_eq!(state, "done");
    assert_eq!(attr(&page, "data-done"), attr(&page, "data-total"));
    assert!(page.contains("data-testid=\"download-xlsx\"") && page.contains("data-testid=\"download-csv\""));
    // A status filter shows which is active, and only its rows.
    let only = client()
        .get(format!("{}{run}?statut=INVALIDE", p.base))
        .header("cookie", &cookie)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(only.contains("data-status=\"INVALIDE\" data-active=\"true\" aria-current=\"true\""), "{only}");
    assert!(only.contains("invalide, non envoyé · INVALIDE") && only.contains("data-active=\"false\""), "{only}");
    assert!(only.contains("data-statut=\"INVALIDE\"") && !only.contains("data-statut=\"OK\""), "{only}");
    // The same results as the CLI's, on the same sheet and the same answers.
    let xlsx = client().get(format!("{}{run}/resultats/xlsx", p.base)).header("cookie", &cookie).send().unwrap();
    let name = xlsx.headers()["content-disposition"].to_str().unwrap().to_string();
    std::fs::write(w.path("page.xlsx"), xlsx.bytes().unwrap()).unwrap();
    assert!(name.contains("onboarding-clients-resultats-20") && name.contains("h") && name.contains(".xlsx"), "{name}");
    let csv = client().get(format!("{}{run}/resultats/csv", p.base)).header("cookie", &cookie).send().unwrap();
    std::fs::write(w.path("page.csv"), csv.bytes().unwrap()).unwrap();
    let sim2 = crate::util::TestSim::start(Options { model: sample_model(), ..Default::default() });
    w.file("onboarding-clients.csv", &sample);
    w.bin_for(&sim2).args(["run", "onboarding-clients.csv", "--results", "cli.xlsx"]).assert().code(1);
    let same = |l: &crate::util::Line| {
        let mut kept: Vec<(String, String)> = l
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "horodatage" | "request_id" | "object_id"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        kept.sort();
        kept
    };
    let cli = crate::util::results_xlsx(&w.path("cli.xlsx"));
    let page = crate::util::results_xlsx(&w.path("page.xlsx"));
    assert_eq!(cli.len(), 50);
    assert_eq!(cli.iter().map(same).collect::<Vec<_>>(), page.iter().map(same).collect::<Vec<_>>());
    assert_eq!(crate::util::results_csv(&w.path("page.csv")).len(), 50);
    // The same sheet again: its plan offers the failures again, not a
    // second run of everything.
    let again = post_sheet(&p, &cookie, "onboarding-clients.csv", sample.clone());
    let sheet = again.headers()["location"].to_str().unwrap().to_string();
    let plan =
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(plan.contains("data-testid=\"already-run\""), "{plan}");
    assert!(!plan.contains("data-testid=\"run\""), "no fresh run of the same plan");
    // Its rows that did not end OK are invalid ones: fixed in the sheet,
    // never sent again; « Relancer les échecs » is not offered, and asked
    // anyway it creates no empty run.
    let failed_before = page.iter().filter(|l| l["statut"] != "OK").collect::<Vec<_>>();
    assert!(!failed_before.is_empty() && failed_before.iter().all(|l| l["statut"] == "INVALIDE"));
    assert!(!plan.contains("data-testid=\"rerun-failed\""), "nothing to send again: {plan}");
    let r = client()
        .post(format!("{}{run}/echecs", p.base))
        .header("cookie", &cookie)
        .header("origin", &p.base)
        .send()
        .unwrap();
    assert_eq!(r.status(), 409);
    let said = r.text().unwrap();
    assert!(said.contains("Rien à relancer") && said.contains(&format!("href=\"{run}\"")), "{said}");
    let runs = client().get(format!("{}/executions", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert_eq!(runs.matches("data-testid=\"stored-run\"").count(), 1, "no empty run: {runs}");
}

#[test]
fn the_page_switches_to_english_and_back() {
    let w = Work::new();
    let p = start(&w, &[]);
    let cookie = open(&p);
    let home = client().get(&p.base).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(home.contains("lang=\"fr\"") && home.contains("Vérifier un tableur"), "French by default");
    let switch = |to: &str, from: &str| {
        client()
            .post(format!("{}/langue", p.base))
            .header("cookie", &cookie)
            .header("origin", &p.base)
            .header("referer", format!("{}{from}", p.base))
            .form(&[("langue", to)])
            .send()
            .unwrap()
    };
    let r = switch("en", "/executions");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/executions", "back to the page it was made on");
    let home = client().get(&p.base).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(home.contains("lang=\"en\"") && home.contains("Check a sheet"), "{home}");
    // What is checked from then on speaks English too.
    let r = post_sheet(&p, &cookie, "a.csv", b"code_dossier;email;nom;offre\nC1;pas-un-email;Nom;start\n".to_vec());
    let sheet = r.headers()["location"].to_str().unwrap().to_string();
    let page = client().get(format!("{}{sheet}", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(page.contains("Check of") && page.contains("not a valid e-mail"), "{page}");
    // The switch changes state: POST from the page only.
    let foreign = client()
        .post(format!("{}/langue", p.base))
        .header("cookie", &cookie)
        .header("origin", "http://evil.example")
        .form(&[("langue", "fr")])
        .send()
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert_eq!(switch("fr", "/").headers()["location"], "/");
    let home = client().get(&p.base).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(home.contains("Vérifier un tableur"));
    // A sheet checked before the switch is said again in the new language.
    let page = client().get(format!("{}{sheet}", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(page.contains("n'est pas une adresse e-mail valide") && !page.contains("not a valid e-mail"), "{page}");
}

#[test]
fn in_english_the_results_table_and_the_engines_messages_are_english() {
    let sim = crate::util::TestSim::start(loopbatch::simulator::Options {
        model: crate::util::model(&[("C1", true), ("C2", true)]),
        ..Default::default()
    });
    let w = Work::new();
    let p = start(&w, &sim_keys(&sim));
    let cookie = open(&p);
    // Checked in French, then the page switched to English.
    let sheet = b"code_dossier;email;nom;offre\nC1;pas-un-email;Nom;start\nC2;ok@exemple.fr;Nom;start\n".to_vec();
    let r = post_sheet(&p, &cookie, "a.csv", sheet);
    let sheet = r.headers()["location"].to_str().unwrap().to_string();
    let r = client()
        .post(format!("{}/langue", p.base))
        .header("cookie", &cookie)
        .header("origin", &p.base)
        .form(&[("langue", "en")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 303);
    let plan =
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    let r = client()
        .post(format!("{}/execution", p.base))
        .header("cookie", &cookie)
        .header("origin", &p.base)
        .form(&[("confirm", confirm_of(&plan))])
        .send()
        .unwrap();
    let run = r.headers()["location"].to_str().unwrap().to_string();
    let _ = client().get(format!("{}{run}/evenements", p.base)).header("cookie", &cookie).send().unwrap().text();
    let (state, page) = progress_of(&p, &cookie, &run);
    assert_eq!(state, "done", "{page}");
    for head in ["<th scope=\"col\">row</th>", "dossier code", "name", "status", "advice"] {
        assert!(page.contains(head), "{head}: {page}");
    }
    assert!(page.contains("invalid, not sent") && page.contains("is not a valid e-mail"), "{page}");
    assert!(!page.contains("n'est pas une adresse") && !page.contains("invalide, non envoyé"), "{page}");
    assert!(page.contains("Fix the cell named in the message"), "the advice in English: {page}");
}

#[test]
fn stop_in_the_page_lets_calls_in_flight_finish_and_writes_the_results() {
    let Slow { sim, w: _w, p, cookie, sheet, plan } = slow_gateway(120, "rate = \"50/s\"\nconcurrency = 3\n");
    let post = |path: &str, form: &[(&str, &str)]| {
        client()
            .post(format!("{}{path}", p.base))
            .header("cookie", &cookie)
            .header("origin", &p.base)
            .form(form)
            .send()
            .unwrap()
    };
    // A second tab showed the plan too, before the run started.
    let other =
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    let r = post("/execution", &[("confirm", &confirm_of(&plan))]);
    let run = r.headers()["location"].to_str().unwrap().to_string();
    // One run at a time: another start is refused while this one goes.
    let mid_run =
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(mid_run.contains("data-testid=\"already-run\"") && !mid_run.contains("data-testid=\"run\""));
    let refused = post("/execution", &[("confirm", &confirm_of(&other))]);
    assert_eq!(refused.status(), 409);
    assert!(refused.text().unwrap().contains("déjà en cours"));
    std::thread::sleep(std::time::Duration::from_millis(800));
    let (state, page) = progress_of(&p, &cookie, &run);
    assert_eq!(state, "running", "{page}");
    assert!(page.contains("data-testid=\"stop\""));
    // The kept runs show it going, with a link to it and nothing destructive.
    let list = client().get(format!("{}/executions", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    let id = run.rsplit('/').next().unwrap();
    let row = list.split(&format!("data-run=\"{id}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("data-going=\"true\"") && row.contains("Suivre l'exécution en cours"), "{row}");
    assert!(!row.contains("delete-run") && !row.contains("data-testid=\"resume\""), "{row}");
    assert!(!list.contains(&format!("id=\"supprimer-{id}\"")), "no delete dialog for it");
    assert_eq!(post(&format!("{run}/arret"), &[]).status(), 303);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let page = loop {
        let (state, page) = progress_of(&p, &cookie, &run);
        if state != "running" && state != "paused" {
            assert_eq!(state, "stopped", "{page}");
            break page;
        }
        assert!(std::time::Instant::now() < deadline, "stopped in time");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(page.contains("data-statut=\"NON_EXECUTE\""), "the rows not reached say so");
    let done: usize = attr(&page, "data-done").parse().unwrap();
    assert!(done > 0 && done < 131, "stopped part-way: {done}");
    let sent = sim.stats()["total"].as_u64().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert_eq!(sim.stats()["total"].as_u64().unwrap(), sent, "nothing sent after the stop");
    // Then "Reprendre": the same run, its journal; nothing done sent again.
    assert!(page.contains("data-testid=\"resume\""));
    assert_eq!(post(&format!("{run}/reprise"), &[]).status(), 303);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let page = loop {
        let (state, page) = progress_of(&p, &cookie, &run);
        if state == "done" {
            break page;
        }
        assert!(std::time::Instant::now() < deadline, "resumed to its end: {state}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(!page.contains("data-statut=\"NON_EXECUTE\""), "every row reached");
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty(), "nothing done was sent again");
    // « Relancer les échecs »: the rows left are invalid ones, nothing to
    // send: not offered, and asked anyway no run is made, nothing sent.
    assert!(!page.contains("data-testid=\"rerun-failed\""), "{page}");
    let before = sim.stats()["total"].as_u64().unwrap();
    let r = post(&format!("{run}/echecs"), &[]);
    assert_eq!(r.status(), 409);
    assert!(r.text().unwrap().contains("Rien à relancer"));
    assert_eq!(sim.stats()["total"].as_u64().unwrap(), before, "nothing sent");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_run_going_writes_its_results_then_ends_the_server() {
    let Slow { sim, w, mut p, cookie, plan, .. } = slow_gateway(300, "rate = \"50/s\"\nconcurrency = 6\n");
    let r = client()
        .post(format!("{}/execution", p.base))
        .header("cookie", &cookie)
        .header("origin", &p.base)
        .form(&[("confirm", confirm_of(&plan))])
        .send()
        .unwrap();
    assert_eq!(r.status(), 303);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SAFETY: sends SIGINT (Ctrl-C) to our own child process.
    assert_eq!(unsafe { libc::kill(p.child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let status = p.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let results: Vec<_> = walk(&p.data.join("loopbatch/executions"))
        .into_iter()
        .filter(|f| f.to_string_lossy().ends_with("-resultats.xlsx"))
        .collect();
    assert_eq!(results.len(), 1, "the results were written before the server ended");
    let lines = crate::util::results_xlsx(&results[0]);
    assert_eq!(lines.len(), 50);
    assert!(lines.iter().any(|l| l["statut"] == "NON_EXECUTE"), "stopped part-way");
    let sent = sim.stats()["total"].as_u64().unwrap();
    assert!(sent > 0 && sent < 134, "{sent} calls sent");
    assert!(lines.iter().all(|l| l["statut"] != "A_VERIFIER"), "calls in flight were let finish");

    // After a restart: the kept run is listed as unfinished, resumed, deleted.
    let p = start(&w, &sim_keys(&sim));
    let cookie = open(&p);
    let list =
        || client().get(format!("{}/executions", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    let page = list();
    let id = attr(&page, "data-run");
    assert_eq!(attr(&page, "data-unfinished"), "true", "{page}");
    assert!(page.contains("onboarding-clients.csv") && page.contains("NON_EXECUTE"));
    let post = |path: &str| {
        client().post(format!("{}{path}", p.base)).header("cookie", &cookie).header("origin", &p.base).send().unwrap()
    };
    assert_eq!(post(&format!("/execution/{id}/reprise")).status(), 303);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while progress_of(&p, &cookie, &format!("/execution/{id}")).0 != "done" {
        assert!(std::time::Instant::now() < deadline, "resumed after the restart");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
    assert_eq!(attr(&list(), "data-unfinished"), "false");
    // Its people leave the registre with it (file and WAL searched).
    let email = lines.iter().filter_map(|l| l.get("E-mail").cloned()).find(|e| e.contains('@')).unwrap();
    let registre = p.data.join("loopbatch/registre.sqlite3");
    let holds = |needle: &str| {
        ["", "-wal"].iter().any(|s| {
            let b = std::fs::read(format!("{}{s}", registre.display())).unwrap_or_default();
            b.windows(needle.len()).any(|x| x == needle.as_bytes())
        })
    };
    assert!(holds(&email), "the registre holds {email} before");
    assert_eq!(post(&format!("/execution/{id}/suppression")).status(), 303);
    assert!(!list().contains("data-testid=\"stored-run\""), "deleted");
    assert!(walk(&p.data.join("loopbatch/executions")).is_empty(), "its files are gone");
    assert!(!holds(&email), "{email} forgotten by the registre with its run");
    assert_eq!(post("/execution/..%2F..%2Fetc/suppression").status(), 404, "an id is never a path");
}

#[test]
fn starting_the_page_again_hands_the_running_server_a_fresh_opening() {
    let w = Work::new();
    let p = start(&w, &[]);
    let first = open(&p);
    // A second `loopbatch ui` of the same user: no second server, a new opening.
    let again = Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .args(["ui", "--no-open"])
        .hermetic(&w.home())
        .env("XDG_DATA_HOME", &p.data)
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let address = String::from_utf8_lossy(&again.stdout).trim().to_string();
    assert!(address.starts_with(&format!("{}/ouvrir/", p.base)), "the same server: {address}");
    assert_ne!(address, p.opening, "a fresh token");
    let r = client().get(&address).send().unwrap();
    assert_eq!(r.status(), 303, "the fresh opening works");
    assert_eq!(client().get(format!("{}/", p.base)).header("cookie", &first).send().unwrap().status(), 200);
    // Without the key of the serving file, no opening is handed out.
    let r = client()
        .post(format!("{}/__ouverture", p.base))
        .header("origin", &p.base)
        .header("x-loopbatch-ouverture", "0000")
        .send();
    assert_eq!(r.unwrap().status(), 403);
    // A serving file left by a server gone: the next start serves itself.
    drop(p);
    let p2 = start(&w, &[]);
    assert_eq!(client().get(&p2.opening).send().unwrap().status(), 303);
}

#[test]
fn keys_typed_in_the_page_stay_in_memory_or_are_saved_for_every_command() {
    let sim = crate::util::TestSim::start(loopbatch::simulator::Options {
        model: crate::util::model(&[("K1", true)]),
        ..Default::default()
    });
    let w = Work::new();
    let p = start(&w, &[]);
    let cookie = open(&p);
    let home = || client().get(format!("{}/", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    // No keys: said in words (no variable names), and the plan offers the
    // key form instead of « Lancer », then comes back to the same sheet.
    let page = home();
    assert!(page.contains("aucune : saisissez ci-dessous") && !page.contains("LOOP_SUBSCRIPTION_KEY"), "{page}");
    let up = post_sheet(&p, &cookie, "k.csv", b"code_dossier;email;nom;offre\nK1;k@exemple.fr;Nom;start\n".to_vec());
    let sheet = up.headers()["location"].to_str().unwrap().to_string();
    let plan =
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(plan.contains("Les clés Cegid Loop manquent") && !plan.contains("data-testid=\"run\""), "{plan}");
    let back = format!("{sheet}/plan");
    assert!(plan.contains(&format!("href=\"/?retour={back}#cles\"")), "{plan}");
    let form =
        client().get(format!("{}/?retour={back}", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(form.contains(&format!("name=\"retour\" value=\"{back}\"")), "{form}");
    let set_to = |sub: &str, api: &str, keep: &str, to: &str| {
        client()
            .post(format!("{}/cles", p.base))
            .header("cookie", &cookie)
            .header("origin", &p.base)
            .form(&[("abonnement", sub), ("api", api), ("garder", keep), ("retour", to)])
            .send()
            .unwrap()
    };
    let set = |sub: &str, api: &str, keep: &str| set_to(sub, api, keep, "//ailleurs.example/");
    assert_eq!(set("abc", "sans-deux-points", "session").status(), 400, "KEYID:SECRET or nothing");
    let r = set_to(loopbatch::simulator::DEMO_SUBSCRIPTION_KEY, loopbatch::simulator::DEMO_API_KEY, "session", &back);
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, back.as_str()));
    let plan = client().get(format!("{}{back}", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    assert!(plan.contains("data-testid=\"run\""), "the same sheet's plan, ready to run: {plan}");
    let page = home();
    assert!(page.contains("saisies pour cette session") && page.contains("de***id"), "{page}");
    assert!(!page.contains("demo-secret") && !page.contains(loopbatch::simulator::DEMO_SUBSCRIPTION_KEY));
    let saved = w.home().join(".config/loopbatch");
    assert!(!saved.exists(), "a session's keys are never written");
    // Saved: owner-only files of the user's folder, which every command reads.
    let r = set(loopbatch::simulator::DEMO_SUBSCRIPTION_KEY, loopbatch::simulator::DEMO_API_KEY, "enregistrer");
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, "/"),
        "never back to another site"
    );
    let page = home();
    assert!(
        page.contains("enregistrées pour cet utilisateur") && !page.contains("saisies pour cette session"),
        "{page}"
    );
    #[cfg(unix)]
    for f in ["cle-abonnement.txt", "cle-api.txt"] {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(saved.join(f)).unwrap().permissions().mode() & 0o077, 0, "{f}");
    }
    w.csv_1252("k.csv", &["code_dossier;email;nom;offre", "K1;k@exemple.fr;Nom;start"]);
    let out =
        w.bin().env("LOOP_BASE_URL", &sim.base_url).args(["run", "k.csv", "--results", "k-res.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The sample sheet uploaded to a page whose gateway answers slowly.
pub(crate) struct Slow {
    pub sim: crate::util::TestSim,
    pub w: Work,
    pub p: Page,
    pub cookie: String,
    pub sheet: String,
    pub plan: String,
}

pub(crate) fn sim_keys(sim: &crate::util::TestSim) -> [(&str, &str); 3] {
    [
        ("LOOP_BASE_URL", sim.base_url.as_str()),
        ("LOOP_SUBSCRIPTION_KEY", loopbatch::simulator::DEMO_SUBSCRIPTION_KEY),
        ("LOOP_API_KEY", loopbatch::simulator::DEMO_API_KEY),
    ]
}

pub(crate) fn slow_gateway(latency_ms: u64, config: &str) -> Slow {
    use loopbatch::simulator::{self, Faults, Options};
    let seed = simulator::Seed {
        dossiers: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/dossiers-simulateur.csv")),
        ..Default::default()
    };
    let model = simulator::build_model(&seed, 1, loopbatch::job::Lang::Fr).unwrap();
    let faults = Faults { latency: std::time::Duration::from_millis(latency_ms), ..Default::default() };
    let sim = crate::util::TestSim::start(Options { model, faults, ..Default::default() });
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), config).unwrap();
    let p = start(&w, &sim_keys(&sim));
    let cookie = open(&p);
    let sample =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/onboarding-clients.csv")).unwrap();
    let sheet =
        post_sheet(&p, &cookie, "onboarding-clients.csv", sample).headers()["location"].to_str().unwrap().to_string();
    let plan =
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
    Slow { sim, w, p, cookie, sheet, plan }
}

#[test]
fn a_pause_says_who_asks_to_wait_and_for_how_long() {
    use loopbatch::simulator::Options;
    use loopbatch::simulator::Rate;
    // One call per 4 s at the gateway: the second call gets a Retry-After.
    let sim = crate::util::TestSim::start(Options {
        model: crate::util::model(&[("P1", false), ("P2", false), ("P3", false)]),
        rate: Some(Rate { count: 1, per: std::time::Duration::from_secs(4) }),
        ..Default::default()
    });
    let w = Work::new();
    std::fs::write(w.path("loopbatch.toml"), "concurrency = 1\n").unwrap();
    let mut p = start(&w, &sim_keys(&sim));
    let cookie = open(&p);
    let sheet = b"action;code_dossier\nprovisionner;P1\nprovisionner;P2\nprovisionner;P3\n".to_vec();
    let sheet = post_sheet(&p, &cookie, "p.csv", sheet).headers()["location"].to_str().unwrap().to_string();
    let plan =
        client().get(format!("{}{sheet}/plan", p.base)).header("cookie", &cookie).send().unwrap().text().unwrap();
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
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let page = loop {
        let (state, page) = progress_of(&p, &cookie, &run);
        if state == "paused" {
            break page;
        }
        assert!(std::time::Instant::now() < deadline && state == "running", "a pause: {state} {page}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let said = page.split("data-testid=\"progress-state\">").nth(1).unwrap().split("</span>").next().unwrap();
    assert!(said.starts_with("en pause : Cegid Loop demande d'attendre ") && said.contains(" s "), "{said}");
    // « Quitter » while it goes: the goodbye page says it was stopped and
    // how to resume it.
    let bye = post("/quitter", &[]);
    assert_eq!(bye.status(), 200);
    let bye = bye.text().unwrap();
    assert!(bye.contains("p.csv a été arrêtée") && bye.contains("« Reprendre »"), "{bye}");
    assert!(p.wait_exit(std::time::Duration::from_secs(30)).is_some_and(|s| s.success()), "the page ends");
}
