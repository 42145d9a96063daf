//! The page says the page's way: a key refused, a sheet without its
//! code_dossier column — each said with the page's buttons, never a
//! command-line flag, an environment variable, a config file or a path.

use crate::page::{attr, client, confirm_of, open, post_sheet, progress_of, start};
use crate::util::Work;

/// What a person reads of a page: its text, the markup left out.
fn visible(page: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Starts a run of the uploaded sheet at `sheet` from its plan, confirmed
/// as a person would; the run's address.
fn start_run(p: &crate::page::Page, cookie: &str, sheet: &str) -> String {
    let plan = client().get(format!("{}{sheet}/plan", p.base)).header("cookie", cookie).send().unwrap().text().unwrap();
    let r = client()
        .post(format!("{}/execution", p.base))
        .header("cookie", cookie)
        .header("origin", &p.base)
        .form(&[("confirm", confirm_of(&plan))])
        .send()
        .unwrap();
    r.headers()["location"].to_str().unwrap().to_string()
}

/// No command line, no setting, no server path in what is read.
fn assert_the_pages_words(text: &str, home: &std::path::Path) {
    for wrong in ["--", "LOOP_", "loopbatch.toml", "loopbatch template", "/tmp/"] {
        assert!(!text.contains(wrong), "« {wrong} » shown: {text}");
    }
    assert!(!text.contains(&home.display().to_string()), "the home folder shown: {text}");
}

#[test]
fn a_refused_key_is_said_with_the_pages_keys_and_its_resume_button() {
    let sim = crate::util::TestSim::start(loopbatch::simulator::Options {
        model: crate::util::model(&[("P1", false), ("P2", false)]),
        ..Default::default()
    });
    let w = Work::new();
    let keys = [
        ("LOOP_BASE_URL", sim.base_url.as_str()),
        ("LOOP_SUBSCRIPTION_KEY", loopbatch::simulator::DEMO_SUBSCRIPTION_KEY),
        ("LOOP_API_KEY", "demo-key-id:not-the-secret"),
    ];
    let p = start(&w, &keys);
    let cookie = open(&p);
    let sheet = b"action;code_dossier\nprovisionner;P1\nprovisionner;P2\n".to_vec();
    let sheet = post_sheet(&p, &cookie, "p.csv", sheet).headers()["location"].to_str().unwrap().to_string();
    let run = start_run(&p, &cookie, &sheet);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let page = loop {
        let (state, page) = progress_of(&p, &cookie, &run);
        if state == "stopped" {
            break page;
        }
        assert!(std::time::Instant::now() < deadline, "the run stops: {state} {page}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let reason =
        visible(page.split("data-testid=\"stop-reason\"").nth(1).expect("a reason").split("</p>").next().unwrap());
    assert!(reason.contains("Cegid Loop a refusé la clé d'API (HTTP 401)"), "{reason}");
    assert!(reason.contains("« Clés »") && reason.contains("« Reprendre »"), "the next step: {reason}");
    assert!(page.contains("data-testid=\"resume\""), "the button the reason names: {page}");
    assert_eq!(attr(&page, "data-state"), "stopped");
    // The refused row: which key, and its advice, with no variable's name.
    let text = visible(&page);
    assert!(text.contains("clé d'API refusée (HTTP 401)") && text.contains("donnez la bonne clé"), "{text}");
    assert_the_pages_words(&visible(&page), w.dir.path());
}

#[test]
fn a_sheet_without_its_code_column_points_to_the_pages_templates() {
    let w = Work::new();
    let p = start(&w, &[]);
    let cookie = open(&p);
    let r = post_sheet(&p, &cookie, "clients.csv", b"nom;ville\nDupont;Lyon\n".to_vec());
    assert_eq!(r.status(), 422);
    let page = r.text().unwrap();
    let said = visible(page.split("data-testid=\"failure\"").nth(1).unwrap().split("</p>").next().unwrap());
    assert!(said.contains("clients.csv") && said.contains("nom, ville"), "{said}");
    assert!(said.contains("« Modèles à remplir » de la page d'accueil"), "{said}");
    assert!(page.contains("data-testid=\"next-step\""), "a next step: {page}");
    assert_the_pages_words(&visible(&page), w.dir.path());
}

#[test]
fn with_no_open_the_command_line_says_to_open_the_address_not_that_it_opened() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    use crate::util::Hermetic;
    let w = Work::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .args(["ui", "--no-open"])
        .hermetic(&w.home())
        .env("XDG_DATA_HOME", w.path("donnees"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut address = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut address).unwrap();
    let mut said = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut said).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(said.starts_with("Ouvrez cette adresse dans votre navigateur"), "{said}");
    assert!(!said.contains("ouverte dans le navigateur") && said.contains(address.trim()), "{said}");
}

/// Waits for the run at `run` to stop; its page.
fn stopped(p: &crate::page::Page, cookie: &str, run: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (state, page) = progress_of(p, cookie, run);
        if state == "stopped" {
            return page;
        }
        assert!(std::time::Instant::now() < deadline, "the run stops: {state} {page}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_disk_that_fills_up_is_said_with_the_pages_resume_not_a_flag_or_a_path() {
    let w = Work::new();
    let (input, codes) = crate::reliable::onboarding(&w, 100);
    let faults = loopbatch::simulator::Faults { latency: std::time::Duration::from_millis(15), ..Default::default() };
    let sim = crate::reliable::sim_for(&codes, faults);
    let shim = crate::reliable::disk_full_shim(&w);
    let [base, sub, key] = crate::page::sim_keys(&sim);
    let env = [base, sub, key, ("LD_PRELOAD", shim.to_str().unwrap()), ("JOURNAL_WRITES_ALLOWED", "300")];
    let p = start(&w, &env);
    let cookie = open(&p);
    let sheet = post_sheet(&p, &cookie, "j.csv", std::fs::read(&input).unwrap());
    let sheet = sheet.headers()["location"].to_str().unwrap().to_string();
    let run = start_run(&p, &cookie, &sheet);
    let page = stopped(&p, &cookie, &run);
    let reason =
        visible(page.split("data-testid=\"stop-reason\"").nth(1).expect("a reason").split("</p>").next().unwrap());
    assert!(reason.contains("disque plein") && reason.contains("« Reprendre »"), "{reason}");
    assert!(page.contains("data-testid=\"resume\""), "the button the reason names");
    assert_the_pages_words(&visible(&page), w.dir.path());
    assert!(!visible(&page).contains("registre.sqlite3"), "no file of loopbatch's own");
}

#[test]
fn missing_keys_lead_to_the_key_form_then_back_to_the_same_sheet_with_its_fix() {
    let sim = crate::util::TestSim::start(loopbatch::simulator::Options {
        model: crate::util::model(&[("P1", false)]),
        ..Default::default()
    });
    let w = Work::new();
    let p = start(&w, &[("LOOP_BASE_URL", sim.base_url.as_str())]);
    let cookie = open(&p);
    let get = |path: &str| client().get(format!("{}{path}", p.base)).header("cookie", &cookie).send().unwrap();
    let post = |path: &str, form: &[(&str, &str)]| {
        client()
            .post(format!("{}{path}", p.base))
            .header("cookie", &cookie)
            .header("origin", &p.base)
            .form(form)
            .send()
            .unwrap()
    };
    let sheet = b"code_dossier;email;nom;prenom;offre\nP1;pas-une-adresse;Durand;Anne;start\n".to_vec();
    let sheet = post_sheet(&p, &cookie, "c.csv", sheet).headers()["location"].to_str().unwrap().to_string();
    let fixed = post(
        &format!("{sheet}/cellule"),
        &[("sheet", "c.csv"), ("row", "2"), ("field", "email"), ("value", "anne@exemple.fr")],
    );
    assert_eq!(fixed.status(), 200);
    // The plan says the keys are missing, in words, with a button to the form.
    let plan = get(&format!("{sheet}/plan")).text().unwrap();
    let text = visible(&plan);
    assert!(text.contains("Les clés Cegid Loop manquent") && plan.contains("data-testid=\"enter-keys\""), "{text}");
    assert_the_pages_words(&text, w.dir.path());
    let form = plan.split("data-testid=\"enter-keys\"").next().unwrap();
    let href = form.rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let home = get(&href).text().unwrap();
    assert!(home.contains("data-testid=\"keys-needed\""), "the form says why: {home}");
    assert_the_pages_words(&visible(&home), w.dir.path());
    assert!(home.contains(&format!("name=\"retour\" value=\"{sheet}/plan\"")), "the way back: {home}");
    let kept = post(
        "/cles",
        &[
            ("abonnement", loopbatch::simulator::DEMO_SUBSCRIPTION_KEY),
            ("api", loopbatch::simulator::DEMO_API_KEY),
            ("garder", "session"),
            ("retour", &format!("{sheet}/plan")),
        ],
    );
    assert_eq!(kept.status(), 303);
    assert_eq!(kept.headers()["location"], format!("{sheet}/plan").as_str(), "back to the plan");
    // The same sheet, its fix kept: the row is valid, the run offered.
    let plan = get(&format!("{sheet}/plan")).text().unwrap();
    assert!(plan.contains("data-testid=\"run\"") && !plan.contains("data-testid=\"enter-keys\""), "{plan}");
    assert!(
        visible(&plan).contains("1 ligne valide") || visible(&plan).contains("1 lignes valides"),
        "{}",
        visible(&plan)
    );
}

/// A route the gateway does not know (the withdrawn addOffer): the page
/// says what it is and the way out in its words — LoopHub, the person who
/// manages loopbatch, why « Reprendre » would meet it again — and each row
/// says what happened without a flag or a config file.
#[test]
fn a_withdrawn_route_is_said_with_the_way_out_not_a_flag() {
    let mut opts = loopbatch::simulator::Options {
        model: crate::util::model(&[("W001", false), ("W002", false)]),
        ..Default::default()
    };
    opts.routes.set(loopbatch::simulator::Operation::AddOffer, "/loophub-activation/addOffer");
    let sim = crate::util::TestSim::start(opts);
    let w = Work::new();
    let p = start(&w, &crate::page::sim_keys(&sim));
    let cookie = open(&p);
    let sheet = b"code_dossier;email;nom;prenom;offre\nW001;a@ok.fr;A;A;start\nW002;b@ok.fr;B;B;start\n".to_vec();
    let sheet = post_sheet(&p, &cookie, "s.csv", sheet).headers()["location"].to_str().unwrap().to_string();
    let run = start_run(&p, &cookie, &sheet);
    let page = stopped(&p, &cookie, &run);
    let reason =
        visible(page.split("data-testid=\"stop-reason\"").nth(1).expect("a reason").split("</p>").next().unwrap());
    for said in ["/collaborativeOffer/addOffer", "addOffer", "01/07/2024", "LoopHub", "onboarding_add_offer = false"] {
        assert!(reason.contains(said), "« {said} » not said: {reason}");
    }
    assert!(reason.contains("« Reprendre » rencontrerait de nouveau cette route"), "{reason}");
    let text = visible(&page);
    assert!(
        text.contains("la passerelle ne connaît pas la route /collaborativeOffer/addOffer (addOffer, HTTP 404)"),
        "{text}"
    );
    assert_the_pages_words(&text, w.dir.path());
}
