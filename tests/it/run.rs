//! `run`, `demo`: the real binary against the in-process simulator over
//! real HTTP, results read back row by row, the simulator's counters checked.

use std::time::Duration;

use loopbatch::simulator::Rate;
use loopbatch::simulator::{self, ErrorProfile, Faults, Options};

use crate::util::Hermetic;
use crate::util::{Line, TestSim, Work, model, results_csv, results_xlsx};

fn sample_model() -> loopbatch::simulator::Model {
    let seed = simulator::Seed {
        dossiers: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/dossiers-simulateur.csv")),
        ..Default::default()
    };
    simulator::build_model(&seed, 1, loopbatch::job::Lang::Fr).unwrap()
}

fn count(lines: &[Line], status: &str) -> usize {
    lines.iter().filter(|l| l["statut"] == status).count()
}

fn no_duplicates(sim: &TestSim) {
    let stats = sim.stats();
    assert!(
        stats["duplicates"].as_object().unwrap().is_empty(),
        "duplicate non-idempotent calls: {}",
        stats["duplicates"]
    );
}

#[test]
fn full_onboarding_of_the_sample() {
    let sim = TestSim::start(Options { model: sample_model(), ..Default::default() });
    let w = Work::new();
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/onboarding-clients.csv");
    let out = w.path("res.xlsx");
    w.bin_for(&sim)
        .args([
            "run",
            sample.to_str().unwrap(),
            "--results",
            out.to_str().unwrap(),
            "--rate",
            "500/s",
            "--concurrency",
            "8",
        ])
        .assert()
        .code(1);
    let lines = results_xlsx(&out);
    assert_eq!(lines.len(), 50);
    assert_eq!(count(&lines, "OK"), 44);
    assert_eq!(count(&lines, "INVALIDE"), 6);
    // The holding's contact: one addClient, then addCollaborativeOffer.
    let holding: Vec<&Line> = lines.iter().filter(|l| l["Commentaire"] == "même interlocuteur (holding)").collect();
    assert_eq!(holding.len(), 2);
    assert!(holding.iter().all(|l| l["etape"] == "addCollaborativeOffer" && l["statut"] == "OK"));
    let first = &lines[10];
    assert_eq!(first["etape"], "addClient");
    assert_eq!(first["object_id"].len(), 36);
    assert!(!first["request_id"].is_empty());
    assert!(first["horodatage"].contains('T'));
    let state = sim.state();
    assert_eq!(state["contacts"].as_object().unwrap().len(), 41);
    assert_eq!(state["dossiers"]["CLI0001"]["statut"], "Opérationnel");
    no_duplicates(&sim);
    // The registre records every attempt and holds no secret, WAL included.
    let events = crate::util::registre_events(&w, &out).expect("the run is recorded");
    assert!(events.len() > 131, "{}", events.len());
    let path = crate::util::registre_path(&w);
    for file in [path.clone(), path.with_file_name("registre.sqlite3-wal")] {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for secret in ["demo-secret", simulator::DEMO_SUBSCRIPTION_KEY] {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "{}", file.display());
        }
    }
}

fn business_sheet(w: &Work) -> std::path::PathBuf {
    w.csv_1252(
        "b.csv",
        &[
            "action;code_dossier;email;nom;prenom;offre",
            "onboarding;D1;a@pas-invite.fr;Arnaud;Alain;start",
            "onboarding;D2;a@pas-invite.fr;Arnaud;Alain;start",
            "onboarding;NOPE;x@ok.fr;Xavier;Xavier;start",
            "modifier_interlocuteur;D3;inconnu@ok.fr;;;",
            "onboarding;D3;ok@ok.fr;Olivier;Oscar;consultation",
        ],
    )
}

#[test]
fn business_errors_land_verbatim_under_every_error_profile() {
    for profile in ErrorProfile::all() {
        let mut m = model(&[("D1", false), ("D2", false), ("D3", true)]);
        m.uninvited_domains.insert("pas-invite.fr".into());
        let sim = TestSim::start(Options { model: m, error_profile: profile, ..Default::default() });
        let w = Work::new();
        let input = business_sheet(&w);
        let out = w.path("r.csv");
        w.bin_for(&sim)
            .args(["run", input.to_str().unwrap(), "--results", out.to_str().unwrap(), "--rate", "500/s"])
            .assert()
            .code(1);
        let l = results_csv(&out);
        let expected_code = match profile {
            ErrorProfile::Json409 => "409",
            ErrorProfile::Json422 => "422",
            ErrorProfile::Server500 => "500",
            _ => "400",
        };
        assert_eq!(l[0]["statut"], "ERREUR", "{profile:?}");
        assert_eq!(l[0]["etape"], "addClient");
        assert_eq!(l[0]["message"], simulator::MSG_INVITE, "verbatim under {profile:?}");
        assert_eq!(l[0]["code_http"], expected_code);
        assert!(!l[0]["request_id"].is_empty());
        assert_eq!(l[1]["statut"], "IGNORE", "{profile:?}: its addClient failed");
        assert!(l[1]["message"].contains("addClient"), "{}", l[1]["message"]);
        assert_eq!(l[2]["statut"], "ERREUR");
        assert_eq!(l[2]["etape"], "provisionCompany");
        assert!(l[2]["message"].contains("Le dossier client NOPE n'existe pas"));
        assert_eq!(l[3]["statut"], "ERREUR");
        assert_eq!(l[3]["message"], simulator::MSG_NO_CONTACT);
        assert_eq!(l[4]["statut"], "OK");
        assert_eq!(l[4]["tentatives"], "3", "provisionCompany, addOffer, addClient, once each");
        // The failed provisioning's dependents were never sent.
        let stats = sim.stats();
        assert!(stats["calls"]["/collaborativeOffer/addOffer"]["200"].as_u64().unwrap() == 3);
        no_duplicates(&sim);
    }
}

#[test]
fn a_429_storm_slows_the_pool_and_ends_ok() {
    let codes: Vec<String> = (1..=30).map(|i| format!("T{i:03}")).collect();
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let sim = TestSim::start(Options {
        model: model(&refs),
        rate: Some(Rate { count: 10, per: Duration::from_secs(1) }),
        ..Default::default()
    });
    let w = Work::new();
    let mut lines = vec!["action;code_dossier".to_string()];
    lines.extend(codes.iter().map(|c| format!("provisionner;{c}")));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let input = w.csv_1252("p.csv", &refs);
    let out = w.path("r.csv");
    w.bin_for(&sim)
        .args([
            "run",
            input.to_str().unwrap(),
            "--results",
            out.to_str().unwrap(),
            "--rate",
            "100/s",
            "--burst",
            "10",
            "--concurrency",
            "8",
        ])
        .assert()
        .code(0);
    let l = results_csv(&out);
    assert_eq!(count(&l, "OK"), 30);
    let stats = sim.stats();
    assert!(stats["throttled"].as_u64().unwrap() > 0, "the storm happened");
    // The whole pool waits after a 429: at most the calls already in flight
    // arrive while a Retry-After is in force.
    assert!(stats["calls_during_retry_after"].as_u64().unwrap() <= 8, "{}", stats);
}

fn onboarding_sheet(w: &Work, n: usize) -> (std::path::PathBuf, Vec<String>) {
    let codes: Vec<String> = (1..=n).map(|i| format!("F{i:03}")).collect();
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    lines.extend(codes.iter().enumerate().map(|(i, c)| format!("{c};p{i}@exemple.fr;Nom{i};Prenom{i};start")));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    (w.csv_1252("f.csv", &refs), codes)
}

#[test]
fn injected_faults_end_in_definite_statuses_without_duplicates() {
    let w = Work::new();
    let (_input, codes) = onboarding_sheet(&w, 25);
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let faults = Faults {
        fail_rate: 0.15,
        reset_rate: 0.08,
        lost_answer_rate: 0.1,
        slow_rate: 0.03,
        slow: Duration::from_millis(2500),
        ..Default::default()
    };
    let sim = TestSim::start(Options { model: model(&refs), faults, seed: 11, ..Default::default() });
    std::fs::write(w.path("loopbatch.toml"), "request_timeout_s = 1\nretries = 8\n").unwrap();
    let out = w.path("r.csv");
    let assert =
        w.bin_for(&sim).args(["run", "f.csv", "--results", "r.csv", "--rate", "200/s", "--concurrency", "6"]).assert();
    let code = assert.get_output().status.code().unwrap();
    assert!(code == 0 || code == 1, "{code}");
    let l = results_csv(&out);
    assert_eq!(l.len(), 25);
    for line in &l {
        assert!(matches!(line["statut"].as_str(), "OK" | "A_VERIFIER" | "ERREUR"), "{line:?}");
        if line["statut"] == "A_VERIFIER" {
            assert!(!line["message"].is_empty());
        }
    }
    // Whatever the faults, what ended OK really exists in Loop.
    let state = sim.state();
    for (i, line) in l.iter().enumerate() {
        if line["statut"] == "OK" {
            assert!(state["contacts"].get(format!("p{i}@exemple.fr")).is_some(), "row {i} OK but no contact");
        }
    }
    assert!(
        count(&l, "OK") >= 20,
        "retries and settlement recover most rows: {:?}",
        l.iter().map(|x| &x["statut"]).collect::<Vec<_>>()
    );
    no_duplicates(&sim);
    let stats = sim.stats();
    let lost = stats["lost_applied"].as_object().unwrap();
    assert!(!lost.is_empty(), "some answers were lost and settled");
}

#[test]
fn a_wrong_key_stops_at_once() {
    let w = Work::new();
    let (input, codes) = onboarding_sheet(&w, 20);
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let sim = TestSim::start(Options { model: model(&refs), ..Default::default() });
    let out = w.path("r.csv");
    let output = w
        .bin_for(&sim)
        .env("LOOP_API_KEY", "demo-key-id:MAUVAIS-SECRET-987")
        .args([
            "run",
            input.to_str().unwrap(),
            "--results",
            out.to_str().unwrap(),
            "--concurrency",
            "2",
            "--rate",
            "100/s",
        ])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("LOOP_API_KEY"), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    assert!(!stderr.contains("MAUVAIS-SECRET-987"));
    let l = results_csv(&out);
    assert!(count(&l, "NON_EXECUTE") >= 17, "{:?}", l.iter().map(|x| &x["statut"]).collect::<Vec<_>>());
    assert!(l.iter().any(|x| x["code_http"] == "401"));
    assert!(sim.stats()["total"].as_u64().unwrap() <= 3, "no point sending more with a wrong key");
}

#[test]
fn a_wrong_route_stops_at_once() {
    let w = Work::new();
    let (input, codes) = onboarding_sheet(&w, 5);
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let sim = TestSim::start(Options { model: model(&refs), ..Default::default() });
    std::fs::write(
        w.path("loopbatch.toml"),
        "[routes]\nprovision_company = \"/companyProvisionning/provisionCompany\"\n",
    )
    .unwrap();
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--concurrency", "1"])
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("[routes]"), "{stderr}");
}

#[test]
fn nothing_is_sent_when_the_run_cannot_start() {
    let w = Work::new();
    let (input, codes) = onboarding_sheet(&w, 3);
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let sim = TestSim::start(Options { model: model(&refs), ..Default::default() });
    let i = input.to_str().unwrap();
    // A folder in place of the results file; a parent path that is a file.
    std::fs::create_dir(w.path("dossier.csv")).unwrap();
    w.bin_for(&sim).args(["run", i, "--results", "dossier.csv"]).assert().code(2);
    w.bin_for(&sim).args(["run", i, "--results", "f.csv/r.csv"]).assert().code(2);
    // No key.
    w.bin().env("LOOP_BASE_URL", &sim.base_url).args(["run", i, "--results", "r.csv"]).assert().code(2);
    // Plain http to another machine; a real host without --yes nor terminal.
    w.bin_for(&sim)
        .env("LOOP_BASE_URL", "http://api.example.invalid/x")
        .args(["run", i, "--results", "r.csv"])
        .assert()
        .code(2);
    let out = w
        .bin_for(&sim)
        .env("LOOP_BASE_URL", "https://api.example.invalid/x")
        .args(["run", i, "--results", "r.csv"])
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("--yes"));
    // A dry run sends nothing and reports like check.
    w.bin_for(&sim).args(["run", i, "--results", "dry.csv", "--dry-run"]).assert().code(0);
    assert_eq!(results_csv(&w.path("dry.csv"))[0]["statut"], "VALIDE");
    assert_eq!(sim.stats()["total"], 0);
}

#[test]
fn a_saved_plan_runs_unchanged() {
    let w = Work::new();
    let (input, codes) = onboarding_sheet(&w, 4);
    // Dossiers ready: the journal's provisionCompany calls are taken as done.
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    let sim = TestSim::start(Options { model: model(&refs), ..Default::default() });
    w.bin().args(["plan", input.to_str().unwrap(), "--out", "plan.json"]).assert().code(0);
    w.bin_for(&sim)
        .args(["run", "plan.json", "--results", "r.csv", "--rate", "100/s", "--format", "json"])
        .assert()
        .code(0);
    let l = results_csv(&w.path("r.csv"));
    assert_eq!(count(&l, "OK"), 4);
    assert!(!l[0].contains_key("Nom"), "no column is invented");
    assert_eq!(l[0]["nom"], "Nom0", "original columns come from the plan");
}

/// A plan keeps its rows' problems as data: written in English, read in
/// French, it says them in French; a plan of an earlier version (its
/// problems as sentences) shows them as they are.
#[test]
fn a_plan_written_in_english_shows_its_problems_in_french() {
    let w = Work::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/onboarding-clients.csv");
    w.bin().args(["--lang", "en", "plan", sample, "--out", "plan.json"]).assert().code(1);
    w.bin().args(["run", "plan.json", "--results", "r.csv", "--dry-run"]).assert().code(1);
    let l = results_csv(&w.path("r.csv"));
    let row8 = l.iter().find(|l| l["ligne"] == "8").unwrap();
    assert_eq!(row8["statut"], "INVALIDE");
    assert!(row8["message"].contains("n'est pas une adresse e-mail valide"), "{}", row8["message"]);
    // Problems as an earlier version wrote them: strings, shown unchanged.
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("plan.json")).unwrap()).unwrap();
    for row in plan["rows"].as_array_mut().unwrap() {
        if let Some(p) = row.get_mut("problems") {
            *p = serde_json::json!(["written by an earlier version"]);
        }
    }
    std::fs::write(w.path("old.json"), serde_json::to_string(&plan).unwrap()).unwrap();
    w.bin().args(["run", "old.json", "--results", "r2.csv", "--dry-run"]).assert().code(1);
    let l = results_csv(&w.path("r2.csv"));
    let row8 = l.iter().find(|l| l["ligne"] == "8").unwrap();
    assert!(row8["message"].starts_with("written by an earlier version"), "{}", row8["message"]);
}

#[test]
fn kill_9_then_resume_ends_like_an_uninterrupted_run() {
    let n = 30;
    let make_sim = |codes: &[String]| {
        let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
        TestSim::start(Options {
            model: model(&refs),
            faults: Faults {
                latency: Duration::from_millis(20),
                jitter: Duration::from_millis(10),
                ..Default::default()
            },
            ..Default::default()
        })
    };
    // Reference: one uninterrupted run.
    let w0 = Work::new();
    let (input0, codes) = onboarding_sheet(&w0, n);
    let sim0 = make_sim(&codes);
    w0.bin_for(&sim0).args(["run", input0.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s"]).assert().code(0);
    let reference: Vec<String> = results_csv(&w0.path("r.csv")).iter().map(|l| l["statut"].clone()).collect();

    let w = Work::new();
    let (input, _) = onboarding_sheet(&w, n);
    let sim = make_sim(&codes);
    let args = ["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s", "--quiet"];
    // Ten kills at moments when calls are in flight.
    let waits = [150u64, 400, 250, 700, 300, 200, 550, 120, 450, 350];
    for (k, wait) in waits.iter().enumerate() {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"));
        cmd.current_dir(w.dir.path())
            .hermetic(&w.home())
            .args(args)
            .env("LOOP_BASE_URL", &sim.base_url)
            .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
            .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
            .stderr(std::process::Stdio::null());
        // A kill before the registre took the run leaves nothing to resume
        // (and `--resume` then says so): the next run starts afresh.
        if k > 0 && crate::util::registre_events(&w, &w.path("r.csv")).is_some() {
            cmd.arg("--resume");
        }
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(Duration::from_millis(*wait));
        let _ = child.kill(); // SIGKILL: no cleanup, the registre as left on disk.
        let _ = child.wait();
    }
    let out = w.bin_for(&sim).args(args).arg("--resume").output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    let finals = results_csv(&w.path("r.csv"));
    // Every row as in the uninterrupted run, except an addClient answered
    // but not yet recorded at a kill: its resend meets « e-mail déjà
    // associé », which proves nothing; the row says to check it in Loop.
    let stats = sim.stats();
    let again = stats["duplicates"].as_object().unwrap();
    let mut to_check = 0;
    for (line, want) in finals.iter().zip(&reference) {
        if line["statut"] == *want {
            continue;
        }
        to_check += 1;
        assert_eq!(line["statut"], "A_VERIFIER", "{line:?}");
        assert!(line["message"].contains(simulator::MSG_EMAIL_TAKEN) && line["message"].contains(&line["email"]));
        assert!(again.contains_key(&format!("addClient {}", line["email"])), "{line:?} {stats}");
    }
    // A run that ended between two kills leaves nothing to resume: said so.
    match out.status.code() {
        Some(2) if said.contains("cette exécution est terminée") => {}
        code => assert_eq!(code, Some(if to_check == 0 { 0 } else { 1 }), "{said}"),
    }
    assert_eq!(finals.len(), reference.len());
    assert_eq!(sim.state()["contacts"].as_object().unwrap().len(), n);
    // Received again after a delivered success: only calls in flight at a
    // kill (at most --concurrency, 4, per kill).
    let repeats: u64 = again.values().filter_map(|v| v.as_u64()).sum();
    assert!(repeats <= 4 * waits.len() as u64, "{stats}");
}

/// A kill in the middle of a registre transaction (the shape a kill takes
/// now): the transaction is not there, the file is sound, the resume ends
/// every row with nothing sent twice.
#[test]
fn a_kill_mid_transaction_leaves_a_sound_registre_and_the_resume_ends_the_run() {
    let w = Work::new();
    let (input, codes) = onboarding_sheet(&w, 6);
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let sim = TestSim::start(Options { model: model(&refs), ..Default::default() });
    let marker = w.path("tue");
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s"])
        .env("LOOPBATCH_TEST_KILL_AT", "mid_transaction:1")
        .env("LOOPBATCH_TEST_KILL_MARKER", &marker)
        .output()
        .unwrap();
    assert_eq!(std::fs::read_to_string(&marker).unwrap_or_default(), "mid_transaction", "{out:?}");
    w.bin().args(["registre", "check", "--full"]).assert().code(0);
    w.bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s", "--resume"])
        .assert()
        .code(0);
    assert!(results_csv(&w.path("r.csv")).iter().all(|l| l["statut"] == "OK"));
    no_duplicates(&sim);
}

/// A run killed under the previous release (its journal beside the
/// results, its last line torn): `--resume` imports the journal as the
/// run's record and sends nothing it records as done.
#[test]
fn a_run_killed_by_the_previous_release_is_resumed_from_its_journal() {
    let w = Work::new();
    let (input, codes) = onboarding_sheet(&w, 6);
    // Dossiers ready: the journal's provisionCompany calls are taken as done.
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    let sim = TestSim::start(Options { model: model(&refs), ..Default::default() });
    w.bin().args(["plan", input.to_str().unwrap(), "--out", "plan.json"]).assert().code(0);
    let plan = loopbatch::job::Plan::load_json(&w.path("plan.json")).unwrap();
    let done: Vec<u32> = plan.calls.iter().filter(|c| c.depends_on.is_empty()).map(|c| c.id).take(3).collect();
    let mut journal = format!(
        "{{\"type\":\"start\",\"plan_hash\":\"{}\",\"source\":\"s.csv\",\"timestamp\":\"\",\"sending\":true}}\n",
        plan.hash()
    );
    for id in &done {
        journal.push_str(&format!("{{\"type\":\"sent\",\"call\":{id},\"attempt\":1,\"timestamp\":\"\"}}\n"));
        journal.push_str(&format!("{{\"type\":\"sending\",\"call\":{id},\"attempt\":1}}\n"));
        journal.push_str(&format!(
            "{{\"type\":\"done\",\"call\":{id},\"outcome\":{{\"status\":\"OK\",\"attempts\":1,\"timestamp\":\"\"}}}}\n"
        ));
    }
    journal.push_str("{\"type\":\"done\",\"call\":9,\"outc");
    std::fs::write(w.path("r.csv.journal.jsonl"), journal).unwrap();
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s", "--resume"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let sent = sim.stats()["total"].as_u64().unwrap() as usize;
    assert_eq!(sent, plan.calls.len() - done.len(), "what the journal records as done is not sent again");
    assert!(results_csv(&w.path("r.csv")).iter().all(|l| l["statut"] == "OK"));
}

#[test]
fn results_that_cannot_be_written_at_the_end_go_beside() {
    let w = Work::new();
    let (input, codes) = onboarding_sheet(&w, 10);
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let faults = Faults { latency: Duration::from_millis(60), ..Default::default() };
    let sim = TestSim::start(Options { model: model(&refs), faults, ..Default::default() });
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .hermetic(&w.home())
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "50/s", "--concurrency", "1"])
        .env("LOOP_BASE_URL", &sim.base_url)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once the run has started, something takes the results' name (as Excel
    // holding the file would on Windows).
    std::thread::sleep(Duration::from_millis(500));
    std::fs::create_dir(w.path("r.csv")).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("à la place"), "{err}");
    let beside: Vec<_> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("r-") && n.ends_with(".csv"))
        .collect();
    assert_eq!(beside.len(), 1, "{beside:?}");
    let lines = results_csv(&w.path(&beside[0]));
    assert_eq!(count(&lines, "OK"), 10, "the outcome is not lost");
}

#[test]
fn demo_runs_the_whole_engine() {
    let w = Work::new();
    let out =
        w.bin().args(["demo", "--quiet"]).env("LOOP_BASE_URL", "https://ne-pas-utiliser.invalid").assert().code(0);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("resultats-demo.xlsx"), "{stderr}");
    let lines = results_xlsx(&w.path("loopbatch-demo/resultats-demo.xlsx"));
    assert_eq!(lines.len(), 50);
    assert_eq!(count(&lines, "INVALIDE"), 6);
    assert!(count(&lines, "OK") >= 38, "{:?}", lines.iter().map(|x| &x["statut"]).collect::<Vec<_>>());
    assert!(lines.iter().any(|l| l["message"] == simulator::MSG_INVITE), "the demo shows a business error");
    assert!(
        lines.iter().all(|l| l["statut"] != "A_VERIFIER" || !l["message"].contains(simulator::MSG_EMAIL_TAKEN)),
        "the demo asks no one to check a Loop that does not exist"
    );
}

#[test]
fn only_failed_reruns_what_did_not_end_ok_and_merges() {
    let mut m = model(&[("F001", false), ("F002", false), ("F003", false), ("F004", false), ("F005", false)]);
    m.uninvited_domains.insert("pas-invite.fr".into());
    let sim = TestSim::start(Options { model: m, ..Default::default() });
    let w = Work::new();
    let rows = |third: &str| {
        vec![
            "code_dossier;email;nom;prenom;offre".to_string(),
            "F001;a@ok.fr;A;A;start".into(),
            "F002;b@ok.fr;B;B;start".into(),
            format!("{third};c@ok.fr;C;C;start"),
            "F004;d@ok.fr;D;D;start".into(),
            "F005;e@pas-invite.fr;E;E;start".into(),
        ]
    };
    let first = rows("NOPE");
    let refs: Vec<&str> = first.iter().map(String::as_str).collect();
    w.csv_1252("s.csv", &refs);
    w.bin_for(&sim).args(["run", "s.csv", "--results", "r1.xlsx", "--rate", "200/s"]).assert().code(1);
    let r1 = results_xlsx(&w.path("r1.xlsx"));
    assert_eq!(r1.iter().map(|l| l["statut"].as_str()).collect::<Vec<_>>(), ["OK", "OK", "ERREUR", "OK", "ERREUR"]);
    let before = sim.stats()["total"].as_u64().unwrap();
    // The user fixes the code of the third row and runs again what failed.
    let fixed = rows("F003");
    let refs: Vec<&str> = fixed.iter().map(String::as_str).collect();
    w.csv_1252("s.csv", &refs);
    w.bin_for(&sim)
        .args(["run", "s.csv", "--results", "r2.csv", "--only-failed", "r1.xlsx", "--rate", "200/s"])
        .assert()
        .code(1);
    let r2 = results_csv(&w.path("r2.csv"));
    assert_eq!(r2.iter().map(|l| l["statut"].as_str()).collect::<Vec<_>>(), ["OK", "OK", "OK", "OK", "ERREUR"]);
    assert_eq!(r2[0]["request_id"], r1[0]["request_id"], "kept rows keep their previous result");
    assert_eq!(r2[4]["message"], simulator::MSG_INVITE);
    let sent = sim.stats()["total"].as_u64().unwrap() - before;
    // Row 3: provision, addOffer, addClient; row 5: its addClient only (its
    // provisioning and addOffer had succeeded).
    assert_eq!(sent, 4, "only what the failed rows still need is sent");
    no_duplicates(&sim);
}

#[test]
fn a_retry_after_longer_than_allowed_stops_cleanly() {
    let w = Work::new();
    let (input, codes) = onboarding_sheet(&w, 5);
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    // One call per minute at the gateway: the second call gets Retry-After ~60 s.
    let sim = TestSim::start(Options {
        model: model(&refs),
        rate: Some(Rate { count: 1, per: Duration::from_secs(60) }),
        ..Default::default()
    });
    std::fs::write(w.path("loopbatch.toml"), "max_retry_after_s = 5\n").unwrap();
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--concurrency", "1", "--format", "json"])
        .assert()
        .code(3);
    let summary: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(summary["command"], "run");
    assert_eq!(summary["exit_code"], 3);
    assert!(summary["stopped"].as_str().unwrap().contains("attente"), "{summary}");
    // Only the first provisionCompany went through: no row has all its calls.
    assert_eq!(summary["rows"]["NON_EXECUTE"], 5, "{summary}");
    assert_eq!(summary["calls"]["sent"], 2, "one OK, one 429, then nothing");
    let l = results_csv(&w.path("r.csv"));
    assert!(l[4]["message"].contains("attente trop longue"), "{}", l[4]["message"]);
}

#[cfg(unix)]
#[test]
fn ctrl_c_finishes_in_flight_calls_writes_results_and_says_how_to_resume() {
    let w = Work::new();
    let (input, codes) = onboarding_sheet(&w, 40);
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let faults = Faults { latency: Duration::from_millis(40), ..Default::default() };
    let sim = TestSim::start(Options { model: model(&refs), faults, ..Default::default() });
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .hermetic(&w.home())
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--rate", "20/s"])
        .env("LOOP_BASE_URL", &sim.base_url)
        .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    // SAFETY: sends SIGINT (Ctrl-C) to our own child process.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("--resume") && err.contains("interrompue"), "{err}");
    let l = results_csv(&w.path("r.csv"));
    assert_eq!(l.len(), 40);
    assert!(l.iter().any(|x| x["statut"] == "NON_EXECUTE"));
    assert!(l.iter().all(|x| x["statut"] != "A_VERIFIER"), "in-flight calls were let finish");
    let sent = sim.stats()["total"].as_u64().unwrap();
    assert!(sent > 0 && sent < 120, "stopped part-way: {sent}");
    // Calls recorded ahead of their turn and not sent are withdrawn.
    let events = crate::util::registre_events(&w, &w.path("r.csv")).unwrap();
    assert!(events.iter().any(|e| e.2 == "withdrawn"), "{events:?}");
    // Then the printed command finishes the job: each call received once,
    // none of them settled as if its answer had been lost.
    w.bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.csv", "--resume", "--rate", "200/s"])
        .assert()
        .code(0);
    no_duplicates(&sim);
    assert_eq!(sim.stats()["total"].as_u64().unwrap(), 120);
    let l = results_csv(&w.path("r.csv"));
    assert!(l.iter().all(|x| x["statut"] == "OK" && !x["message"].contains("perdue")), "{l:?}");
}
