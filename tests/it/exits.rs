//! Every exit code, said once in the README's « Codes de sortie » table and
//! once in the code (`error::exit`), each reached through the binary.

use loopbatch::job::exit;
use loopbatch::simulator::{DEMO_API_KEY, DEMO_SUBSCRIPTION_KEY, Options};

use crate::util::{TestSim, Work, model};

/// The codes of the README's table, in its order.
fn readme_codes() -> Vec<u8> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme.split("## Codes de sortie").nth(1).expect("a « Codes de sortie » section");
    let section = section.split("\n## ").next().unwrap_or_default();
    section.lines().filter_map(|l| l.strip_prefix("| ")?.split(" |").next()?.trim().parse().ok()).collect()
}

#[test]
fn the_readme_and_the_code_say_the_same_exit_codes() {
    assert_eq!(readme_codes(), exit::ALL, "README's table against error::exit::ALL");
}

#[test]
fn the_help_names_every_exit_code_in_both_languages() {
    let w = Work::new();
    for (lang, heading) in [("fr", "Codes de sortie : "), ("en", "Exit codes: ")] {
        let out = w.bin().args(["--lang", lang, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = help.lines().find_map(|l| l.strip_prefix(heading)).unwrap_or_else(|| panic!("{lang}: {help}"));
        let named: Vec<u8> = line.split(", ").filter_map(|part| part.split(' ').next()?.parse().ok()).collect();
        assert_eq!(named, exit::ALL, "{lang}: {line}");
    }
}

#[test]
fn a_commands_help_is_french_through_and_its_options_under_one_heading() {
    let w = Work::new();
    let out = w.bin().args(["run", "--help"]).output().unwrap();
    assert_eq!(out.status.code(), Some(exit::OK.into()));
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    for french in ["Utilisation : loopbatch run", "Arguments :", "Valeurs possibles :", "[par défaut : text]"] {
        assert!(help.contains(french), "« {french} »: {help}");
    }
    for english in ["Usage:", "Options:", "Possible values", "[default:", "[possible values:"] {
        assert!(!help.contains(english), "clap's English « {english} »: {help}");
    }
    assert_eq!(help.lines().filter(|l| *l == "Options :").count(), 1, "{help}");
    let out = w.bin().args(["--lang", "en", "run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(help.contains("Usage: loopbatch run") && help.contains("[default: text]"), "{help}");
}

#[test]
fn a_refused_value_says_the_form_expected_in_the_users_language() {
    let w = Work::new();
    let cases = [
        ("fr", ["run", "s.csv", "--rate", "vite"], "débit attendu : N/s, N/min ou N/h"),
        ("en", ["run", "s.csv", "--rate", "vite"], "rate expected: N/s, N/min or N/h"),
        ("fr", ["check", "s.csv", "--delimiter", "x"], "séparateur attendu"),
        ("en", ["check", "s.csv", "--delimiter", "x"], "separator expected"),
    ];
    for (lang, args, expected) in cases {
        let (c, said) = code(&w.bin().args(["--lang", lang]).args(args).output().unwrap());
        assert_eq!(c, Some(exit::UNUSABLE.into()), "{said}");
        assert!(said.contains(expected) && said.contains(&format!("« {} »", args[3])), "{lang}: {said}");
    }
}

fn sheet(w: &Work, email: &str) -> String {
    let lines =
        ["Code dossier;Raison sociale;Offre;E-mail;Nom;Prénom", &format!("D001;Société D001;start;{email};Nom;Prénom")];
    w.csv_1252("s.csv", &lines).to_str().unwrap().to_string()
}

fn code(out: &std::process::Output) -> (Option<i32>, String) {
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn exit_0_every_row_valid() {
    let w = Work::new();
    let (c, said) = code(&w.bin().args(["check", &sheet(&w, "a@ex.fr")]).output().unwrap());
    assert_eq!(c, Some(exit::OK.into()), "{said}");
}

#[test]
fn exit_1_a_row_invalid_results_written() {
    let w = Work::new();
    let (c, said) = code(&w.bin().args(["check", &sheet(&w, "pas-un-email"), "--results", "r.csv"]).output().unwrap());
    assert_eq!(c, Some(exit::ROWS_FAILED.into()), "{said}");
    assert!(w.path("r.csv").is_file(), "the results are written all the same");
}

#[test]
fn exit_2_a_file_or_a_command_line_that_cannot_be_used() {
    let w = Work::new();
    let (c, said) = code(&w.bin().args(["check", "absent.csv"]).output().unwrap());
    assert_eq!(c, Some(exit::UNUSABLE.into()), "{said}");
    assert!(said.contains("absent.csv"), "{said}");
    let (c, said) = code(&w.bin().args(["check", "--pas-une-option"]).output().unwrap());
    assert_eq!(c, Some(exit::UNUSABLE.into()), "a usage error: {said}");
}

#[test]
fn exit_3_a_run_stopped_by_a_refused_key() {
    let w = Work::new();
    let sim = TestSim::start(Options { model: model(&[("D001", true)]), ..Default::default() });
    let input = sheet(&w, "a@ex.fr");
    let out = w
        .bin()
        .env("LOOP_BASE_URL", &sim.base_url)
        .env("LOOP_SUBSCRIPTION_KEY", DEMO_SUBSCRIPTION_KEY)
        .env("LOOP_API_KEY", format!("{}:mauvais", DEMO_API_KEY.split(':').next().unwrap()))
        .args(["run", &input, "--results", "r.csv", "--rate", "100/s"])
        .output()
        .unwrap();
    let (c, said) = code(&out);
    assert_eq!(c, Some(exit::STOPPED.into()), "{said}");
    assert!(!said.contains("mauvais"), "no secret said: {said}");
}

#[test]
#[cfg(debug_assertions)]
fn exit_101_a_defect_said_as_one_in_french_without_a_backtrace() {
    let w = Work::new();
    let sim = TestSim::start(Options { model: model(&[("D001", true)]), ..Default::default() });
    let input = sheet(&w, "a@ex.fr");
    // The debug build's kill point, made to panic where the run ends.
    let out = w
        .bin_for(&sim)
        .env("RUST_BACKTRACE", "1")
        .env("LOOPBATCH_TEST_KILL_AT", "recorded:1")
        .env("LOOPBATCH_TEST_KILL_HOW", "panic")
        .args(["run", &input, "--results", "r.csv", "--rate", "100/s"])
        .output()
        .unwrap();
    let (c, said) = code(&out);
    assert_eq!(c, Some(exit::DEFECT.into()), "{said}");
    assert!(said.contains("Erreur interne de loopbatch : kill point recorded"), "{said}");
    assert!(said.contains("--resume"), "the way on: {said}");
    for technical in ["panicked at", "stack backtrace", "RUST_BACKTRACE"] {
        assert!(!said.contains(technical), "{technical}: {said}");
    }
}
