//! One process per run, bound to its tenant, honest ends: a second process
//! on the same results is refused; a resume goes where its run went (the
//! same endpoint, simulator instance and key, or `--new-key`); a resume of
//! nothing, results named like the input, results that can be written
//! nowhere. Each refusal: exit 2 and nothing sent, checked on what the
//! simulator received.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use loopbatch::simulator::Secret;
use loopbatch::simulator::{self, Faults, Options};

use crate::util::total;
use crate::util::{Hermetic, TestSim, Work, model, results_csv};

fn sheet(w: &Work, n: usize) -> (PathBuf, Vec<String>) {
    let codes: Vec<String> = (1..=n).map(|i| format!("P{i:03}")).collect();
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    lines.extend(codes.iter().enumerate().map(|(i, c)| format!("{c};q{i}@exemple.fr;Nom{i};Prenom{i};start")));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    (w.csv_1252("p.csv", &refs), codes)
}

fn sim(codes: &[String], latency_ms: u64, api_key: Option<&str>) -> TestSim {
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let faults = Faults { latency: Duration::from_millis(latency_ms), ..Default::default() };
    let mut opts = Options { model: model(&refs), faults, ..Default::default() };
    if let Some(k) = api_key {
        opts.api_key = Secret::new(k);
    }
    TestSim::start(opts)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_process_on_the_same_results_is_refused_whatever_it_asks_and_sends_nothing() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 8);
    let sim = sim(&codes, 80, None);
    let input = input.to_str().unwrap();
    let first = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .hermetic(&w.home())
        .args(["run", input, "--results", "r.csv", "--rate", "50/s", "--concurrency", "1", "--quiet"])
        .env("LOOP_BASE_URL", &sim.base_url)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = first.id().to_string();
    wait_for("the first run's first call", || total(&sim) > 0);
    // A fresh run, a resume, failures again into the same file, failures of
    // the running run into another file: each refused, the holder named.
    let attempts: [&[&str]; 5] = [
        &["run", input, "--results", "r.csv", "--rate", "100/s"],
        &["run", input, "--results", "r.csv", "--resume", "--rate", "100/s"],
        &["run", input, "--results", "r.csv", "--only-failed", "r.csv", "--rate", "100/s"],
        &["run", input, "--results", "r.csv", "--only-failed", "ancien.csv", "--rate", "100/s"],
        &["run", input, "--results", "autre.csv", "--only-failed", "r.csv", "--rate", "100/s"],
    ];
    for args in attempts {
        let out = w.bin_for(&sim).args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("Une autre exécution de loopbatch travaille déjà sur r.csv"), "{err}");
        assert!(err.contains(&format!("processus {pid}")) && err.contains("Rien n'a été envoyé"), "{err}");
        assert!(err.contains("utilisateur ") && err.contains("poste "), "the holder named: {err}");
        assert!(!w.path("r.csv.journal.jsonl.precedent").exists(), "the running run's journal was not touched");
    }
    assert!(!w.path("autre.csv").exists());
    let out = first.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = results_csv(&w.path("r.csv"));
    assert!(lines.iter().all(|l| l["statut"] == "OK"), "{lines:?}");
    let stats = sim.stats();
    assert!(stats["duplicates"].as_object().unwrap().is_empty(), "{stats}");
    // Each call once: one provisionCompany and one addClient per dossier.
    let calls = stats["calls"].as_object().unwrap();
    for route in ["/companyProvisioning/provisionCompany", "/provisionningCollab/addClient"] {
        let sent: u64 = calls
            .iter()
            .filter(|(r, _)| r.ends_with(route))
            .flat_map(|(_, c)| c.as_object().unwrap().values())
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(sent, codes.len() as u64, "{route}: {stats}");
    }
    assert!(!w.path("r.csv.lock.owner").exists(), "the note goes with its holder");
    // Free again: the next command on these results runs (nothing to resume).
    let out = w.bin_for(&sim).args(["run", input, "--results", "r.csv", "--resume"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Rien à reprendre"), "{}", stderr(&out));
}

#[test]
fn a_resume_goes_where_its_run_went_or_nowhere() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 4);
    let input = input.to_str().unwrap();
    let first = sim(&codes, 0, None);
    // A run stopped before its first call (a wrong key), resumable.
    let out = w
        .bin_for(&first)
        .env("LOOP_API_KEY", "demo-key-id:mauvais")
        .args(["run", input, "--results", "r.csv", "--rate", "100/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let before = total(&first);
    // Another simulator (another instance, another port): refused, both named.
    let other = sim(&codes, 0, None);
    for extra in [&["--resume"][..], &["--only-failed", "r.csv"][..]] {
        let results = if extra[0] == "--resume" { "r.csv" } else { "r2.csv" };
        let out = w
            .bin_for(&other)
            .args(["run", input, "--results", results, "--rate", "100/s"])
            .args(extra)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        let instance = |s: &TestSim| s.handle.as_ref().unwrap().instance.clone();
        assert!(err.contains(&instance(&first)) && err.contains(&instance(&other)), "both instances named: {err}");
        assert!(err.contains(&first.base_url.to_lowercase()) && err.contains(&other.base_url), "{err}");
        assert!(err.contains("Rien n'a été envoyé"), "{err}");
    }
    assert_eq!(total(&other), 0, "nothing reached the other simulator");
    // The first simulator gone (a demo's, say): its run is read, not resumed.
    let address = first.base_url.clone();
    drop(first);
    let out = w
        .bin()
        .env("LOOP_BASE_URL", &address)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .args(["run", input, "--results", "r.csv", "--resume", "--rate", "100/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("ce simulateur n'est plus là"), "{}", stderr(&out));
    // Calls already in flight when the 401 came back may have gone too (at
    // most the default concurrency, 4): on a loaded machine, more than one.
    assert!(before <= 4, "the wrong key stopped the first run at its first answer: {before} calls");
}

#[test]
fn a_new_key_id_is_refused_without_new_key_and_recorded_with_it() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 4);
    let input = input.to_str().unwrap();
    let sim = sim(&codes, 0, Some("nouvelle-cle:secret-b"));
    let run = |key: &str, args: &[&str]| {
        w.bin_for(&sim).env("LOOP_API_KEY", key).args(["run", input, "--rate", "100/s"]).args(args).output().unwrap()
    };
    // The old key is refused by the gateway: the run stops, resumable.
    let out = run("ancienne-cle:secret-a", &["--results", "r.csv"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let before = total(&sim);
    // The new key without --new-key: refused, both masked ids shown, no key.
    let out = run("nouvelle-cle:secret-b", &["--results", "r.csv", "--resume"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("an***le") && err.contains("no***le") && err.contains("--new-key"), "{err}");
    assert!(!err.contains("secret-b") && !err.contains("nouvelle-cle") && !err.contains("ancienne-cle"), "{err}");
    assert_eq!(total(&sim), before, "nothing sent");
    // With --new-key: the run goes on, every row ends OK.
    let out = run("nouvelle-cle:secret-b", &["--results", "r.csv", "--resume", "--new-key"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(results_csv(&w.path("r.csv")).iter().all(|l| l["statut"] == "OK"));
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
    // The new id is the run's now: its failures run again without the flag
    // (none: every row kept), and the old key is the one refused.
    let out = run("nouvelle-cle:secret-b", &["--results", "r2.csv", "--only-failed", "r.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run("ancienne-cle:secret-a", &["--results", "r3.csv", "--only-failed", "r.csv"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!w.path("r3.csv").exists());
}

#[test]
fn a_resume_of_nothing_sends_nothing_and_says_so() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 3);
    let input = input.to_str().unwrap();
    let sim = sim(&codes, 0, None);
    // No run ever wrote there: before, this sent everything.
    let out = w.bin_for(&sim).args(["run", input, "--results", "r.csv", "--resume"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("Rien à reprendre pour r.csv") && err.contains("sans --resume"), "{err}");
    assert_eq!(total(&sim), 0);
    assert!(!w.path("r.csv").exists() && !w.path("r.csv.journal.jsonl").exists());
    // A run that ended: its resume has nothing to do either.
    w.bin_for(&sim).args(["run", input, "--results", "r.csv", "--rate", "100/s"]).assert().code(0);
    let sent = total(&sim);
    let out = w.bin_for(&sim).args(["--lang", "en", "run", input, "--results", "r.csv", "--resume"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Nothing to resume for r.csv: that run is over"), "{}", stderr(&out));
    assert_eq!(total(&sim), sent);
}

#[test]
fn results_naming_the_input_are_refused_before_anything_is_sent() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 3);
    let sim = sim(&codes, 0, None);
    let before = std::fs::read(&input).unwrap();
    for results in ["p.csv", "./p.csv", input.to_str().unwrap()] {
        let out = w.bin_for(&sim).args(["run", "p.csv", "--results", results, "--rate", "100/s"]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("est le fichier d'entrée lui-même") && err.contains("Rien n'a été envoyé"), "{err}");
    }
    assert_eq!(std::fs::read(&input).unwrap(), before, "the sheet is intact");
    assert_eq!(total(&sim), 0);
}

/// Makes the results impossible to write anywhere: their name taken by a
/// folder (as Excel holding the file would), a name so long that the copy
/// beside cannot be made, no temporary folder.
#[cfg(unix)]
#[test]
fn results_written_nowhere_exit_3_and_name_the_journal_and_the_resume_writes_them() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 6);
    let sim = sim(&codes, 60, None);
    // 241 bytes: the journal's name fits (255), the copy beside does not.
    let name = format!("{}.csv", "r".repeat(237));
    let results = w.path(&name);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .hermetic(&w.home())
        .env("TMPDIR", w.path("pas-de-dossier-temporaire"))
        .env("LOOP_BASE_URL", &sim.base_url)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .args(["run", input.to_str().unwrap(), "--results", &name, "--rate", "50/s", "--concurrency", "1"])
        .args(["--format", "json", "--quiet"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the first call", || total(&sim) > 0);
    std::fs::create_dir(&results).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["results"].is_null(), "no path of a file that does not exist: {summary}");
    assert_eq!(summary["exit_code"], 3);
    let journal = summary["journal"].as_str().unwrap();
    assert!(w.dir.path().join(journal).is_file(), "{journal}");
    let said = summary["stopped"].as_str().unwrap();
    assert!(said.contains(journal) && said.contains("--resume"), "{said}");
    let sent = total(&sim);
    // The folder freed: the resume sends nothing more and writes them.
    std::fs::remove_dir(&results).unwrap();
    let out = w.bin_for(&sim).args(["run", input.to_str().unwrap(), "--results", &name, "--resume"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(total(&sim), sent, "nothing sent again");
    let lines = results_csv(&results);
    assert_eq!(lines.len(), 6);
    assert!(lines.iter().all(|l| l["statut"] == "OK"), "{lines:?}");
}

#[test]
fn temporary_files_left_by_a_killed_process_are_removed_at_the_next_start() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 2);
    let sim = sim(&codes, 0, None);
    // What a kill during the plan copy's writing leaves.
    let left = w.file(".loopbatch-Ab12Cd.tmp", b"{\"version\":");
    w.bin_for(&sim).args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s"]).assert().code(0);
    assert!(!left.exists());
    let names: Vec<String> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with(".loopbatch-")), "{names:?}");
}

/// The page: a kept run says where it went; once its simulator is gone (a
/// demo's), it is read, not resumed: « Reprendre » is refused, nothing sent.
#[test]
fn the_page_says_where_each_run_went_and_refuses_to_resume_one_whose_simulator_is_gone() {
    use crate::page::{attr, client, open, post_sheet, sim_keys, start};
    let w = Work::new();
    let (input, codes) = sheet(&w, 6);
    std::fs::write(w.path("loopbatch.toml"), "rate = \"50/s\"\nconcurrency = 1\n").unwrap();
    let first = sim(&codes, 150, None);
    let p = start(&w, &sim_keys(&first));
    let cookie = open(&p);
    let get = |p: &crate::page::Page, cookie: &str, path: &str| {
        client().get(format!("{}{path}", p.base)).header("cookie", cookie).send().unwrap().text().unwrap()
    };
    let post = |p: &crate::page::Page, cookie: &str, path: &str, form: &[(&str, &str)]| {
        client()
            .post(format!("{}{path}", p.base))
            .header("cookie", cookie)
            .header("origin", &p.base)
            .form(form)
            .send()
            .unwrap()
    };
    let sheet = post_sheet(&p, &cookie, "p.csv", std::fs::read(&input).unwrap()).headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let plan = get(&p, &cookie, &format!("{sheet}/plan"));
    let at = plan.find("name=\"confirm\" value=\"").expect("a confirmation") + "name=\"confirm\" value=\"".len();
    let confirm = plan[at..].split('"').next().unwrap().to_string();
    let run =
        post(&p, &cookie, "/execution", &[("confirm", &confirm)]).headers()["location"].to_str().unwrap().to_string();
    wait_for("the run's first call", || total(&first) > 0);
    assert_eq!(post(&p, &cookie, &format!("{run}/arret"), &[]).status(), 303);
    wait_for("the stop", || !matches!(attr(&get(&p, &cookie, &run), "data-state").as_str(), "running" | "paused"));
    let instance = first.handle.as_ref().unwrap().instance.clone();
    let kept = get(&p, &cookie, "/executions");
    assert!(kept.contains("data-testid=\"run-target\"") && kept.contains(&instance), "{kept}");
    // The page and its simulator end; another page, another simulator.
    drop(p);
    drop(first);
    let second = sim(&codes, 0, None);
    let p = start(&w, &sim_keys(&second));
    let cookie = open(&p);
    let kept = get(&p, &cookie, "/executions");
    assert!(kept.contains(&instance), "still says where it went: {kept}");
    assert_eq!(post(&p, &cookie, &format!("{run}/reprise"), &[]).status(), 303);
    wait_for("the refusal", || attr(&get(&p, &cookie, &run), "data-state") != "running");
    let page = get(&p, &cookie, &run);
    assert_eq!(attr(&page, "data-state"), "failed", "{page}");
    assert!(page.contains("Cette exécution est allée vers") && page.contains("Rien n'a été envoyé"), "{page}");
    assert_eq!(total(&second), 0, "nothing reached the other simulator");
}

/// The page: a run whose key was refused, resumed with the new key of the
/// same firm, asks first (both masked ids shown); a confirmation that no
/// longer matches the page's key is refused; confirmed, the run ends OK.
#[test]
fn the_page_confirms_a_new_key_before_resuming_with_it() {
    use crate::page::{attr, client, open, post_sheet, start};
    let w = Work::new();
    let (input, codes) = sheet(&w, 4);
    std::fs::write(w.path("loopbatch.toml"), "rate = \"100/s\"\n").unwrap();
    let sim = sim(&codes, 0, Some("nouvelle-cle:secret-b"));
    let keys = |api: &'static str| {
        [
            ("LOOP_BASE_URL", sim.base_url.clone()),
            ("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY.to_string()),
            ("LOOP_API_KEY", api.to_string()),
        ]
    };
    let env = keys("ancienne-cle:secret-a");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = start(&w, &env);
    let cookie = open(&p);
    let get = |p: &crate::page::Page, cookie: &str, path: &str| {
        client().get(format!("{}{path}", p.base)).header("cookie", cookie).send().unwrap().text().unwrap()
    };
    let post = |p: &crate::page::Page, cookie: &str, path: &str| {
        client()
            .post(format!("{}{path}", p.base))
            .header("cookie", cookie)
            .header("origin", &p.base)
            .form(&[] as &[(&str, &str)])
            .send()
            .unwrap()
    };
    let sheet = post_sheet(&p, &cookie, "p.csv", std::fs::read(&input).unwrap()).headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let plan = get(&p, &cookie, &format!("{sheet}/plan"));
    let at = plan.find("name=\"confirm\" value=\"").expect("a confirmation") + "name=\"confirm\" value=\"".len();
    let confirm = plan[at..].split('"').next().unwrap().to_string();
    let r = client()
        .post(format!("{}/execution", p.base))
        .header("cookie", &cookie)
        .header("origin", &p.base)
        .form(&[("confirm", confirm.as_str())])
        .send()
        .unwrap();
    let run = r.headers()["location"].to_str().unwrap().to_string();
    wait_for("the refused key's stop", || attr(&get(&p, &cookie, &run), "data-state") == "stopped");
    // The new key, in a page started again.
    drop(p);
    let env = keys("nouvelle-cle:secret-b");
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = start(&w, &env);
    let cookie = open(&p);
    let sent = total(&sim);
    assert_eq!(post(&p, &cookie, &format!("{run}/reprise")).status(), 303);
    wait_for("the refusal", || attr(&get(&p, &cookie, &run), "data-state") != "running");
    let page = get(&p, &cookie, &run);
    assert_eq!(attr(&page, "data-state"), "failed", "{page}");
    assert!(page.contains("data-testid=\"new-key\"") && page.contains("data-testid=\"resume-new-key\""), "{page}");
    assert_eq!((attr(&page, "data-was"), attr(&page, "data-now")), ("an***le".to_string(), "no***le".to_string()));
    assert!(!page.contains("secret-b") && !page.contains("nouvelle-cle:"), "no key shown");
    // Said the page's way: its button, not the command line's flag.
    assert!(page.contains("Rien n'a été envoyé : la clé d'API de cette page") && !page.contains("--new-key"), "{page}");
    assert_eq!(total(&sim), sent, "nothing sent before the confirmation");
    // A confirmation of another key than the page's: refused.
    let stale = post(&p, &cookie, &format!("{run}/reprise?nouvelle_cle=zz***zz"));
    assert_eq!(stale.status(), 409);
    assert!(stale.text().unwrap().contains("rien n'a été envoyé"));
    assert_eq!(total(&sim), sent);
    // Confirmed: the run goes on with the new key and ends.
    assert!(page.contains(&format!("{run}/reprise?nouvelle_cle=no***le")), "{page}");
    assert_eq!(post(&p, &cookie, &format!("{run}/reprise?nouvelle_cle=no***le")).status(), 303);
    wait_for("the run's end", || attr(&get(&p, &cookie, &run), "data-state") == "done");
    assert_eq!(sim.state()["contacts"].as_object().unwrap().len(), codes.len());
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}

#[test]
fn a_check_never_writes_over_its_input_nor_a_runs_results() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 3);
    let sim = sim(&codes, 0, None);
    let name = input.to_str().unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = w.bin().args(["check", name, "--results", name]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read(&input).unwrap(), before, "the sheet is untouched");
    w.bin_for(&sim).args(["run", name, "--results", "r.csv", "--rate", "200/s"]).assert().code(0);
    let results = std::fs::read(w.path("r.csv")).unwrap();
    for args in [vec!["check", name, "--results", "r.csv"], vec!["run", name, "--dry-run", "--results", "r.csv"]] {
        let out = w.bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("notée au registre"), "{}", stderr(&out));
        assert_eq!(std::fs::read(w.path("r.csv")).unwrap(), results, "{args:?}: the run's results are kept");
    }
}

#[cfg(unix)]
#[test]
fn a_results_file_reached_through_a_link_is_its_targets() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 3);
    let sim = sim(&codes, 0, None);
    let name = input.to_str().unwrap();
    std::fs::create_dir_all(w.path("reel")).unwrap();
    std::fs::create_dir_all(w.path("lien")).unwrap();
    w.bin_for(&sim).args(["run", name, "--results", "reel/r.csv", "--rate", "200/s"]).assert().code(0);
    std::os::unix::fs::symlink("../reel/r.csv", w.path("lien/r.csv")).unwrap();
    let sent = total(&sim);
    // The same run by another path: its journal is found, nothing is sent.
    let out = w.bin_for(&sim).args(["run", name, "--results", "lien/r.csv", "--rate", "200/s"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--resume"), "{}", stderr(&out));
    let out = w.bin_for(&sim).args(["run", name, "--results", "lien/r.csv", "--resume"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("Rien à reprendre"), "{}", stderr(&out));
    assert_eq!(total(&sim), sent, "nothing sent twice");
    assert!(w.path("lien/r.csv").is_symlink(), "the link is left as it was");
}

#[test]
fn results_deleted_since_are_written_again_by_a_resume_that_sends_nothing() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 3);
    let sim = sim(&codes, 0, None);
    let name = input.to_str().unwrap();
    w.bin_for(&sim).args(["run", name, "--results", "r.csv", "--rate", "200/s"]).assert().code(0);
    let sent = total(&sim);
    std::fs::remove_file(w.path("r.csv")).unwrap();
    let out = w.bin_for(&sim).args(["run", name, "--results", "r.csv", "--resume"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(total(&sim), sent, "nothing sent");
    assert!(results_csv(&w.path("r.csv")).iter().all(|l| l["statut"] == "OK"));
}

#[test]
fn the_place_is_checked_before_online_asks_anything_of_another_endpoint() {
    let w = Work::new();
    let (input, codes) = sheet(&w, 3);
    let first = sim(&codes, 0, None);
    let name = input.to_str().unwrap();
    w.bin_for(&first).args(["run", name, "--results", "r.csv", "--rate", "200/s"]).assert().code(0);
    std::fs::remove_file(w.path("r.csv")).unwrap();
    let other = sim(&codes, 0, None);
    let out = w.bin_for(&other).args(["run", name, "--results", "r.csv", "--resume", "--online"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(total(&other), 0, "not even the LoopHub list was asked of the other endpoint");
}

/// The page's « Supprimer » never removes a run that another process (a
/// command line) is running: its record is the only one of what it sent.
#[test]
fn the_page_never_deletes_a_run_another_process_is_running() {
    use crate::page::{client, open, sim_keys, start};
    let w = Work::new();
    let (input, codes) = sheet(&w, 6);
    let sim = sim(&codes, 150, None);
    let folder = w.path("donnees/loopbatch/executions/cli1");
    std::fs::create_dir_all(&folder).unwrap();
    let results = folder.join("p-resultats.xlsx");
    let mut cli = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .hermetic(&w.home())
        .args(["run", input.to_str().unwrap(), "--results", results.to_str().unwrap()])
        .args(["--rate", "5/s", "--concurrency", "1", "--quiet"])
        .env("LOOP_BASE_URL", &sim.base_url)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the command line's run", || total(&sim) > 0 && folder.join("p-resultats.xlsx.plan.json").exists());
    let p = start(&w, &sim_keys(&sim));
    let cookie = open(&p);
    let r = client()
        .post(format!("{}/execution/cli1/suppression", p.base))
        .header("cookie", &cookie)
        .header("origin", &p.base)
        .send()
        .unwrap();
    assert_eq!(r.status(), 409);
    let said = r.text().unwrap();
    assert!(said.contains("tourne encore") && said.contains("rien n'a été supprimé"), "{said}");
    assert!(crate::util::registre_events(&w, &results).is_some_and(|e| !e.is_empty()), "its record is kept");
    assert_eq!(cli.wait().unwrap().code(), Some(0), "the command line's run went on to its end");
    assert!(results.exists(), "its results are written");
}
