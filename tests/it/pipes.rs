//! A closed standard output (`loopbatch check --format json | head -1`, a
//! reader that went away) never stops or changes the work: the exit code
//! stays what the work decided, the files are written, nothing is said about
//! the pipe.

#![cfg(unix)]

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;

use crate::util::{TestSim, Work, model, results_csv};

/// A pipe whose reading end is already closed: every write to it fails with
/// EPIPE, deterministically (no race with a reader).
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created by pipe(2) and are owned here.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

/// The binary in the test's folder, with a home of its own and no LOOP_*
/// variable but those given.
fn bin(w: &Work, env: &[(&str, &str)]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"));
    c.current_dir(w.dir.path());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("LOOP")) {
        c.env_remove(k);
    }
    let home = w.path("home");
    std::fs::create_dir_all(&home).unwrap();
    for var in ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"] {
        c.env(var, &home);
    }
    c.envs(env.iter().copied());
    c
}

fn run_closed(mut cmd: std::process::Command) -> (i32, String) {
    let out = cmd.stdout(closed_pipe()).stderr(Stdio::piped()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn no_word_of_the_pipe(stderr: &str) {
    for bad in ["Erreur interne", "Internal error", "panicked", "Broken pipe", "os error 32"] {
        assert!(!stderr.contains(bad), "the closed pipe was spoken of ({bad}): {stderr}");
    }
}

#[test]
fn check_json_into_a_closed_pipe_keeps_its_exit_code_and_its_results() {
    let w = Work::new();
    let sheet = w.csv_1252(
        "s.csv",
        &[
            "Code dossier;Raison sociale;Offre;E-mail;Nom;Prénom",
            "D001;Société D001;start;a@ex.fr;Nom;Prénom",
            "D002;Société D002;start;pas-un-email;Nom;Prénom",
        ],
    );
    let mut c = bin(&w, &[]);
    c.args(["check", sheet.to_str().unwrap(), "--results", "c.csv", "--format", "json"]);
    let (code, stderr) = run_closed(c);
    assert_eq!(code, 1, "one invalid row: exit 1, whatever the pipe ({stderr})");
    no_word_of_the_pipe(&stderr);
    let lines = results_csv(&w.path("c.csv"));
    assert_eq!(lines.len(), 2, "the results were written");
    // The same with every row valid: exit 0.
    let ok = w.csv_1252(
        "ok.csv",
        &["Code dossier;Raison sociale;Offre;E-mail;Nom;Prénom", "D001;Société D001;start;a@ex.fr;Nom;Prénom"],
    );
    let mut c = bin(&w, &[]);
    c.args(["check", ok.to_str().unwrap(), "--format", "json"]);
    let (code, stderr) = run_closed(c);
    assert_eq!(code, 0, "{stderr}");
    no_word_of_the_pipe(&stderr);
}

#[test]
fn run_json_into_a_closed_pipe_sends_everything_and_exits_as_the_run_decided() {
    let sim = TestSim::start(loopbatch::simulator::Options {
        model: model(&[("D001", true), ("D002", true)]),
        ..Default::default()
    });
    let w = Work::new();
    let sheet = w.csv_1252(
        "s.csv",
        &[
            "Code dossier;Raison sociale;Offre;E-mail;Nom;Prénom",
            "D001;Société D001;start;a@ex.fr;Nom;Prénom",
            "D002;Société D002;start;b@ex.fr;Nom;Prénom",
        ],
    );
    let keys = [
        ("LOOP_BASE_URL", sim.base_url.as_str()),
        ("LOOP_SUBSCRIPTION_KEY", loopbatch::simulator::DEMO_SUBSCRIPTION_KEY),
        ("LOOP_API_KEY", loopbatch::simulator::DEMO_API_KEY),
    ];
    let mut c = bin(&w, &keys);
    c.args(["run", sheet.to_str().unwrap(), "--results", "r.csv", "--rate", "100/s", "--format", "json"]);
    let (code, stderr) = run_closed(c);
    assert_eq!(code, 0, "{stderr}");
    no_word_of_the_pipe(&stderr);
    let lines = results_csv(&w.path("r.csv"));
    assert!(lines.iter().all(|l| l["statut"] == "OK"), "{lines:?}");
    let state = sim.state();
    assert!(state.to_string().contains("a@ex.fr") && state.to_string().contains("b@ex.fr"), "{state}");
}

#[test]
fn help_into_a_closed_pipe_exits_0() {
    let w = Work::new();
    let mut c = bin(&w, &[]);
    c.arg("--help");
    let (code, stderr) = run_closed(c);
    assert_eq!(code, 0, "{stderr}");
    no_word_of_the_pipe(&stderr);
}

#[test]
fn plan_json_and_version_into_a_closed_pipe_keep_their_exit_codes() {
    let w = Work::new();
    let sheet = w.csv_1252(
        "s.csv",
        &["Code dossier;Raison sociale;Offre;E-mail;Nom;Prénom", "D001;Société D001;start;a@ex.fr;Nom;Prénom"],
    );
    let mut c = bin(&w, &[]);
    c.args(["plan", sheet.to_str().unwrap(), "--out", "p.json", "--format", "json"]);
    let (code, stderr) = run_closed(c);
    assert_eq!(code, 0, "{stderr}");
    no_word_of_the_pipe(&stderr);
    assert!(w.path("p.json").is_file() && w.path("p.xlsx").is_file(), "the plan was written");
    let mut c = bin(&w, &[]);
    c.arg("--version");
    let (code, stderr) = run_closed(c);
    assert_eq!(code, 0, "{stderr}");
    no_word_of_the_pipe(&stderr);
}

#[test]
fn the_dossiers_list_into_a_closed_pipe_exits_0() {
    let (sim, _) = crate::dossiers::portfolio(3);
    let w = Work::new();
    let keys = [
        ("LOOP_BASE_URL", sim.base_url.as_str()),
        ("LOOP_SUBSCRIPTION_KEY", loopbatch::simulator::DEMO_SUBSCRIPTION_KEY),
        ("LOOP_API_KEY", loopbatch::simulator::DEMO_API_KEY),
    ];
    let mut c = bin(&w, &keys);
    c.args(["dossiers", "--domain", "CABINET"]);
    let (code, stderr) = run_closed(c);
    assert_eq!(code, 0, "{stderr}");
    no_word_of_the_pipe(&stderr);
    assert!(stderr.contains("4 / 4"), "the count still said on standard error: {stderr}");
}

/// `loopbatch run … 2>&1 | head -1`: standard error closed too. The run
/// still sends everything, writes its results and leaves no lock; its
/// exit code is the run's. Then the same sheet again, also into closed
/// pipes: everything DEJA_FAIT, nothing sent twice.
#[test]
fn a_run_whose_standard_error_is_closed_too_finishes_and_leaves_nothing_behind() {
    let sim = TestSim::start(loopbatch::simulator::Options {
        model: model(&[("D001", true), ("D002", true)]),
        ..Default::default()
    });
    let w = Work::new();
    let sheet = w.csv_1252(
        "s.csv",
        &[
            "Code dossier;Raison sociale;Offre;E-mail;Nom;Prénom",
            "D001;Société D001;start;a@ex.fr;Nom;Prénom",
            "D002;Société D002;start;b@ex.fr;Nom;Prénom",
        ],
    );
    let keys = [
        ("LOOP_BASE_URL", sim.base_url.as_str()),
        ("LOOP_SUBSCRIPTION_KEY", loopbatch::simulator::DEMO_SUBSCRIPTION_KEY),
        ("LOOP_API_KEY", loopbatch::simulator::DEMO_API_KEY),
    ];
    for (results, status) in [("r.csv", "OK"), ("r2.csv", "DEJA_FAIT")] {
        let mut c = bin(&w, &keys);
        c.args(["run", sheet.to_str().unwrap(), "--results", results, "--rate", "100/s", "--yes"]);
        let out = c.stdout(closed_pipe()).stderr(closed_pipe()).status().unwrap();
        assert_eq!(out.code(), Some(0), "{results}");
        let lines = results_csv(&w.path(results));
        assert!(lines.iter().all(|l| l["statut"] == status), "{results}: {lines:?}");
        assert!(!w.path(&format!("{results}.lock.owner")).exists(), "no lock owner left beside {results}");
    }
    assert_eq!(crate::util::total(&sim), 6, "each call sent once");
    assert!(sim.stats()["duplicates"].as_object().unwrap().is_empty());
}
