//! A system's error is said in the user's words: French names the cause
//! and the next step, never the system's English text (issue 20). Tests
//! run as root, so the errors provoked are a missing folder, a file where
//! a folder is expected, a folder where a file is, a port taken.

use std::process::Output;
use std::time::Duration;

use loopbatch::job::exit;

use crate::util::Work;

/// The system's English, as Linux and Windows say it.
const ENGLISH: [&str; 7] = [
    "No such file",
    "os error",
    "Permission denied",
    "Not a directory",
    "Is a directory",
    "Address already in use",
    "cannot find the path",
];

/// The command's exit code and what it said on standard error.
fn said(out: &Output) -> (Option<i32>, String) {
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn refused_in_french(out: &Output, cause: &str) -> String {
    let (code, text) = said(out);
    assert_eq!(code, Some(exit::UNUSABLE.into()), "{text}");
    assert!(text.contains(cause), "« {cause} » expected: {text}");
    for english in ENGLISH {
        assert!(!text.contains(english), "the system's English « {english} »: {text}");
    }
    text
}

#[test]
fn a_folder_under_a_file_is_said_in_french_and_in_english_on_request() {
    let w = Work::new();
    w.file("ordinaire", b"x");
    let out = w.bin().args(["template", "--out", "ordinaire/modeles"]).output().unwrap();
    let text =
        refused_in_french(&out, "le chemin passe par un fichier là où un dossier est attendu : vérifiez le chemin");
    assert!(text.contains("Impossible de créer le dossier ordinaire/modeles"), "{text}");
    let out = w.bin().args(["--lang", "en", "template", "--out", "ordinaire/modeles"]).output().unwrap();
    let (_, text) = said(&out);
    assert!(text.contains("the path goes through a file where a folder is expected"), "{text}");
}

#[test]
fn a_configuration_missing_or_a_folder_is_said_in_french() {
    let w = Work::new();
    let out = w.bin().args(["--config", "absente.toml", "template", "--out", "m"]).output().unwrap();
    let text = refused_in_french(&out, "fichier ou dossier introuvable : vérifiez le chemin");
    assert!(text.contains("Configuration illisible : absente.toml"), "{text}");
    std::fs::create_dir(w.path("un-dossier")).unwrap();
    let out = w.bin().args(["--config", "un-dossier", "template", "--out", "m"]).output().unwrap();
    refused_in_french(&out, "c'est un dossier, pas un fichier");
}

#[test]
fn a_configuration_that_is_not_right_is_said_in_french_without_the_readers_english() {
    let w = Work::new();
    let cases = [
        ("rate = \"5/s\"\nrythme = 3\n", "ligne 2 : clé inconnue « rythme » (clés possibles : base_url,"),
        ("retries = \"huit\"\n", "ligne 1 : valeur d'une autre sorte que celle que prend la clé"),
        ("rate = \n", "ligne 1 : ce n'est pas du TOML valide"),
    ];
    for (toml, cause) in cases {
        w.file("loopbatch.toml", toml.as_bytes());
        let out = w.bin().args(["--config", "loopbatch.toml", "template", "--out", "m"]).output().unwrap();
        let text = refused_in_french(&out, cause);
        for english in ["unknown field", "invalid type", "expected", "string values"] {
            assert!(!text.contains(english), "the reader's English « {english} »: {text}");
        }
    }
}

#[test]
fn results_that_cannot_be_written_say_why_in_french() {
    let w = Work::new();
    let sheet = w.csv_1252("s.csv", &["Code dossier;Offre;E-mail", "D001;start;a@ex.fr"]);
    let sheet = sheet.to_str().unwrap();
    let out = w.bin().args(["check", sheet, "--results", "absent/r.xlsx"]).output().unwrap();
    refused_in_french(&out, "Écriture impossible de absent/r.xlsx : son dossier n'existe pas.");
    w.file("ordinaire", b"x");
    let out = w.bin().args(["check", sheet, "--results", "ordinaire/r.xlsx"]).output().unwrap();
    refused_in_french(&out, "le chemin passe par un fichier là où un dossier est attendu.");
}

#[test]
fn a_registre_that_cannot_be_made_says_why_in_french() {
    let w = Work::new();
    w.file("ordinaire", b"x");
    let out = w.bin().args(["registre", "--registre", "ordinaire/registre.sqlite", "check"]).output().unwrap();
    let text = refused_in_french(&out, "le chemin passe par un fichier là où un dossier est attendu");
    assert!(text.contains("Registre impossible à ouvrir : ordinaire/registre.sqlite"), "{text}");
}

#[test]
fn a_port_taken_is_said_in_french() {
    let w = Work::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = w.bin().args(["simulate", "--port", &port]).timeout(Duration::from_secs(30)).output().unwrap();
    let text = refused_in_french(&out, "port déjà utilisé par un autre programme");
    assert!(text.contains(&format!("Impossible d'écouter sur 127.0.0.1:{port}")), "{text}");
}

#[test]
fn the_page_says_a_folder_it_cannot_make_in_french_without_its_path() {
    let w = Work::new();
    let p = crate::page::start(&w, &[]);
    let cookie = crate::page::open(&p);
    // The uploads' folder replaced by a file: the upload's own folder cannot be made.
    let uploads = p.data().join("loopbatch/televersements");
    let _ = std::fs::remove_dir_all(&uploads);
    std::fs::create_dir_all(uploads.parent().unwrap()).unwrap();
    std::fs::write(&uploads, b"x").unwrap();
    let r = crate::page::post_sheet(
        &p,
        &cookie,
        "clients.csv",
        b"code_dossier;email;offre\r\nD1;a@x.fr;start\r\n".to_vec(),
    );
    assert_eq!(r.status(), 500);
    let page = r.text().unwrap();
    assert!(page.contains("le chemin passe par un fichier là où un dossier est attendu"), "{page}");
    assert!(page.contains("clients.csv"), "{page}");
    assert!(!page.contains(p.data().to_str().unwrap()) && !page.contains("televersements"), "a server path: {page}");
    for english in ENGLISH {
        assert!(!page.contains(english), "the system's English « {english} »: {page}");
    }
}
