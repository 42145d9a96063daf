//! Faults combined: kills at random moments and at points placed by the
//! debug build's hook, stops, a wrong key, lost answers, 502/504 and resets
//! from the simulator, then a clean resume. Asserted only through what the
//! binary shows (exit codes, messages, results) and what the simulator
//! received and holds: never the journal's bytes.

use std::collections::BTreeMap;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use loopbatch::simulator::{self, Contact, Faults, Options};
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::util::{Line, TestSim, Work, model, results_csv};

/// Rows of the sheet: `n` people to create, then `taken` rows whose e-mails
/// already belong to other contacts of the cabinet.
fn sheet(w: &Work, n: usize, taken: usize) -> (std::path::PathBuf, Vec<String>) {
    let codes: Vec<String> = (1..=n + taken).map(|i| format!("K{i:03}")).collect();
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    for (i, c) in codes.iter().enumerate() {
        let email = if i < n { format!("p{i}@exemple.fr") } else { format!("pris{i}@exemple.fr") };
        lines.push(format!("{c};{email};Nom{i};Prenom{i};start"));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    (w.csv_1252("k.csv", &refs), codes)
}

/// The sheet's dossiers, and the taken e-mails owned by someone else (on
/// dossier Z999).
fn cabinet(codes: &[String], n: usize) -> simulator::Model {
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let mut m = model(&refs);
    for i in n..codes.len() {
        let email = format!("pris{i}@exemple.fr");
        let contact = Contact {
            object_id: format!("autre-{i}"),
            user_id: format!("u-autre-{i}"),
            email: email.clone(),
            fields: BTreeMap::new(),
            dossiers: BTreeMap::from([("Z999".to_string(), ["start".to_string()].into())]),
        };
        m.contacts.insert(email, contact);
    }
    m
}

/// The simulator of [`cabinet`], with every fault at once.
fn faulty_sim(codes: &[String], n: usize, seed: u64) -> TestSim {
    let m = cabinet(codes, n);
    let faults = Faults {
        latency: Duration::from_millis(8),
        jitter: Duration::from_millis(6),
        reset_rate: 0.03,
        fail_rate: 0.04,
        lost_answer_rate: 0.03,
        applied_then_504_rate: 0.03,
        refused_then_504_rate: 0.3,
        ..Default::default()
    };
    TestSim::start(Options { model: m, faults, seed, ..Default::default() })
}

struct Torture<'a> {
    w: &'a Work,
    sim: &'a TestSim,
    input: String,
    seed: u64,
    runs: usize,
}

impl Torture<'_> {
    fn cmd(&mut self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_loopbatch"));
        c.current_dir(self.w.dir.path())
            .args(["run", &self.input, "--results", "r.csv", "--rate", "300/s", "--concurrency", "4", "--quiet"])
            .env("LOOP_BASE_URL", &self.sim.base_url)
            .env("LOOP_SUBSCRIPTION_KEY", simulator::DEMO_SUBSCRIPTION_KEY)
            .env("LOOP_API_KEY", simulator::DEMO_API_KEY)
            .env_remove("LOOPBATCH_TEST_KILL_AT")
            // No per-user keys nor settings of the machine's user.
            .env("HOME", self.w.dir.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if self.runs > 0 {
            c.arg("--resume");
        }
        self.runs += 1;
        c
    }

    /// A run killed by the hook the `n`-th time it passes `point`; the
    /// point must have been hit.
    fn killed_at(&mut self, point: &str, n: u32) {
        let marker = self.w.path(&format!("tue-{}", self.runs));
        let out = self
            .cmd()
            .env("LOOPBATCH_TEST_KILL_AT", format!("{point}:{n}"))
            .env("LOOPBATCH_TEST_KILL_MARKER", &marker)
            .output()
            .unwrap();
        let hit = std::fs::read_to_string(&marker).unwrap_or_default();
        assert_eq!(hit, point, "seed {}: kill point {point}:{n} not hit: {}", self.seed, said(&out));
        assert_eq!(out.status.code(), None, "seed {}: killed by a signal", self.seed);
    }

    fn spawn(&mut self) -> Child {
        self.cmd().spawn().unwrap()
    }
}

fn said(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn seed() -> u64 {
    let seed = std::env::var("LOOPBATCH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.as_nanos() as u64)
    });
    eprintln!("seed {seed} (LOOPBATCH_SEED={seed} replays it)");
    seed
}

#[cfg(unix)]
#[test]
fn kills_stops_a_wrong_key_and_faults_then_a_clean_resume_end_every_row_right() {
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let (n, taken) = (40, 12);
    let w = Work::new();
    let (input, codes) = sheet(&w, n, taken);
    let sim = faulty_sim(&codes, n, seed);
    let mut t = Torture { w: &w, sim: &sim, input: input.to_str().unwrap().to_string(), seed, runs: 0 };
    let mut kills = 0;

    t.killed_at("reserved", rng.random_range(3..15));
    t.killed_at("sending", rng.random_range(3..15));
    kills += 2;
    // A stop (Ctrl-C) during a resume: no outcome for what it left unsettled.
    let child = t.spawn();
    std::thread::sleep(Duration::from_millis(rng.random_range(150..300)));
    // SAFETY: sends SIGINT (Ctrl-C) to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "seed {seed}: {}", said(&out));
    assert!(said(&out).contains("--resume"), "seed {seed}: {}", said(&out));
    t.killed_at("answered", rng.random_range(2..10));
    kills += 1;
    // A wrong key: the run stops at once, the right key resumes it.
    let out = t.cmd().env("LOOP_API_KEY", "demo-key-id:MAUVAIS").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "seed {seed}: {}", said(&out));
    assert!(said(&out).contains("LOOP_API_KEY") && !said(&out).contains("MAUVAIS"), "seed {seed}: {}", said(&out));
    // kill -9 at a random moment.
    let mut child = t.spawn();
    std::thread::sleep(Duration::from_millis(rng.random_range(50..400)));
    let _ = child.kill();
    let _ = child.wait();
    kills += 1;
    t.killed_at("recorded", 1);
    kills += 1;
    let out = t.cmd().output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "seed {seed}: {}", said(&out));

    let rows = results_csv(&w.path("r.csv"));
    assert_eq!(rows.len(), n + taken);
    let stats = sim.stats();
    let state = sim.state();
    let fault_of = |kind: &str, email: &str| stats[kind].get(format!("addClient {email}")).is_some();
    for (i, row) in rows.iter().enumerate() {
        let (email, code) = (&row["email"], &row["code_dossier"]);
        let ctx = format!("seed {seed}, row {i} {row:?}");
        assert_eq!(state["dossiers"][code]["statut"], "Opérationnel", "{ctx}");
        assert_eq!(state["dossiers"][code]["offers"], serde_json::json!(["start"]), "{ctx}");
        let contact = &state["contacts"][email];
        if i >= n {
            // Someone else's e-mail: never OK, whatever happened, and the
            // other contact is left as it was.
            // Loop's refusal, or (A_VERIFIER) every answer lost until the
            // retries were spent: then Loop's words never reached us.
            let m = &row["message"];
            match row["statut"].as_str() {
                "ERREUR" => assert!(m.contains(simulator::MSG_EMAIL_TAKEN), "{ctx}"),
                "A_VERIFIER" => {
                    assert!(m.contains(simulator::MSG_EMAIL_TAKEN) || m.contains("réponse perdue"), "{ctx}")
                }
                other => panic!("{ctx}: {other}"),
            }
            assert_eq!(contact["dossiers"].as_object().unwrap().len(), 1, "{ctx}: {contact}");
            assert!(contact["dossiers"].get("Z999").is_some(), "{ctx}: {contact}");
            continue;
        }
        // The contact exists, once, on its dossier, with its offer.
        assert_eq!(contact["dossiers"].as_object().map(|d| d.len()), Some(1), "{ctx}: {contact}");
        assert_eq!(contact["dossiers"][code.as_str()], serde_json::json!(["start"]), "{ctx}: {contact}");
        match row["statut"].as_str() {
            "OK" => {}
            // An addClient whose answer never reached us (lost, 504, or
            // answered but not recorded at a kill): « déjà associé » on
            // resending proves nothing; the row names what to check.
            // Or every resend's answer lost too, until the retries were spent.
            "A_VERIFIER" => {
                let m = &row["message"];
                let why = m.contains(simulator::MSG_EMAIL_TAKEN) || m.contains("réponse perdue");
                assert!(why && m.contains(email.as_str()), "{ctx}");
                assert!(m.contains(&row["prenom"]) && m.contains(code.as_str()), "{ctx}");
                assert!(
                    fault_of("lost_applied", email) || fault_of("duplicates", email),
                    "{ctx}: to check without a lost answer nor a kill: {stats}"
                );
            }
            other => panic!("{ctx}: {other}"),
        }
    }
    // Shown when the test fails.
    eprintln!("statuts: {:?}\nstats: {stats}", rows.iter().map(|r| r["statut"].as_str()).collect::<Vec<_>>());
    // No call received again after its success was delivered, beyond the
    // calls in flight at a kill (at most --concurrency, 4, per kill).
    let repeats: u64 = stats["duplicates"].as_object().unwrap().values().filter_map(|v| v.as_u64()).sum();
    assert!(repeats <= 4 * kills, "seed {seed}: {repeats} repeats for {kills} kills: {stats}");
    assert_eq!(state["contacts"].as_object().unwrap().len(), n + taken, "seed {seed}: no contact invented");
}

/// A results file left by an earlier run of the same sheet, its record
/// gone (the registre wiped), proves nothing: a resume sends what its own
/// record does not prove; `--only-failed` on it is refused, nothing sent.
#[test]
fn a_stale_results_file_is_no_proof() {
    let n = 12;
    let w = Work::new();
    let (input, codes) = sheet(&w, n, 0);
    let refs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), false)).collect();
    let i = input.to_str().unwrap();
    let sim = TestSim::start(Options { model: model(&refs), ..Default::default() });
    w.bin_for(&sim).args(["run", i, "--results", "r.csv", "--rate", "300/s"]).assert().code(0);
    assert!(results_csv(&w.path("r.csv")).iter().all(|l: &Line| l["statut"] == "OK"));
    crate::util::wipe_registre(&w);

    // Loop emptied (as a fresh test tenant); the results still say OK everywhere.
    sim.rt.block_on(async {
        let reset = reqwest::Client::new().post(format!("{}/__reset", sim.root)).send().await.unwrap();
        assert!(reset.status().is_success());
    });
    assert_eq!(sim.stats()["total"], 0);
    let out = w.bin_for(&sim).args(["run", i, "--results", "new.csv", "--only-failed", "r.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("r.csv") && said(&out).contains("ne connaît pas"), "{}", said(&out));
    assert_eq!(sim.stats()["total"], 0, "nothing sent");

    // A run into the stale results, killed after a few calls went out; its
    // resume sends everything its journal does not prove done.
    let marker = w.path("tue");
    let out = w
        .bin_for(&sim)
        .args(["run", i, "--results", "r.csv", "--rate", "300/s", "--concurrency", "2"])
        .env("LOOPBATCH_TEST_KILL_AT", "sending:5")
        .env("LOOPBATCH_TEST_KILL_MARKER", &marker)
        .output()
        .unwrap();
    assert_eq!(std::fs::read_to_string(&marker).unwrap_or_default(), "sending", "{}", said(&out));
    let out = w.bin_for(&sim).args(["run", i, "--results", "r.csv", "--rate", "300/s", "--resume"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(results_csv(&w.path("r.csv")).iter().all(|l| l["statut"] == "OK"));
    let state = sim.state();
    assert_eq!(state["contacts"].as_object().unwrap().len(), n, "every contact reached Loop: {state}");
    // Killed as the fifth call was to go, with two lanes: the other call may
    // have been answered by Loop but not yet recorded, and its resume settles
    // it by sending it again. At most that one; never a call recorded done.
    let stats = sim.stats();
    let repeats: u64 = stats["duplicates"].as_object().unwrap().values().map(|n| n.as_u64().unwrap()).sum();
    assert!(repeats <= 1, "at most the call in flight beside the kill: {stats}");
}

/// `--only-failed` twice: what the first run's journal proves done is
/// carried in the second's, so the third sends none of it again (and rows
/// whose e-mails belong to others stay ERREUR each time, never OK).
#[test]
fn only_failed_twice_sends_nothing_proven_done_again() {
    let (n, taken) = (4, 3);
    let w = Work::new();
    let (input, codes) = sheet(&w, n, taken);
    let sim = TestSim::start(Options { model: cabinet(&codes, n), ..Default::default() });
    let i = input.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = w.bin_for(&sim).args(["run", i, "--rate", "300/s"]).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    };
    run(&["--results", "r1.csv"]);
    let sent_first = sim.stats()["total"].as_u64().unwrap();
    run(&["--results", "r2.csv", "--only-failed", "r1.csv"]);
    run(&["--results", "r3.csv", "--only-failed", "r2.csv"]);
    for r in ["r1.csv", "r2.csv", "r3.csv"] {
        let l = results_csv(&w.path(r));
        assert_eq!(l.iter().filter(|x| x["statut"] == "OK").count(), n, "{r}: {l:?}");
        assert!(l[n..].iter().all(|x| x["statut"] == "ERREUR"), "{r}: {l:?}");
    }
    let stats = sim.stats();
    assert!(stats["duplicates"].as_object().unwrap().is_empty(), "nothing done sent again: {stats}");
    // Each rerun sends only the refused addClient calls.
    assert_eq!(stats["total"].as_u64().unwrap(), sent_first + 2 * taken as u64, "{stats}");
}

/// A reservation is not a sending: an addClient killed after its
/// reservation but before its "sending" was never sent, so on resume
/// Loop's « e-mail déjà associé » stands (ERREUR); killed after its
/// "sending", it may have gone, so the same answer proves nothing
/// (A_VERIFIER). Never OK.
#[test]
fn a_reservation_is_not_a_sending() {
    for (point, want) in [("reserved", "ERREUR"), ("sending", "A_VERIFIER")] {
        let w = Work::new();
        let (input, codes) = sheet(&w, 0, 1);
        let sim = TestSim::start(Options { model: cabinet(&codes, 0), ..Default::default() });
        let i = input.to_str().unwrap();
        let marker = w.path("tue");
        // provisionCompany, addOffer, then addClient: its attempt is the third.
        let out = w
            .bin_for(&sim)
            .args(["run", i, "--results", "r.csv"])
            .env("LOOPBATCH_TEST_KILL_AT", format!("{point}:3"))
            .env("LOOPBATCH_TEST_KILL_MARKER", &marker)
            .output()
            .unwrap();
        assert_eq!(std::fs::read_to_string(&marker).unwrap_or_default(), point, "{}", said(&out));
        assert_eq!(sim.stats()["calls"].get("/provisionningCollab/addClient"), None, "{point}: not sent");
        let out = w.bin_for(&sim).args(["run", i, "--results", "r.csv", "--resume"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", said(&out));
        let l = results_csv(&w.path("r.csv"));
        assert_eq!(l[0]["statut"], want, "{point}: {:?}", l[0]);
        assert!(l[0]["message"].contains(simulator::MSG_EMAIL_TAKEN), "{:?}", l[0]);
    }
}
