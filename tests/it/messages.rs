//! What the user reads, from the catalogue: column names that never depend
//! on the language, problems said in the language asked, failures with
//! their exit code.

use crate::util::Work;

/// The first row of a workbook's first sheet, and the sheet's name.
fn header_row(path: &std::path::Path) -> (String, Vec<String>) {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    (name, range.rows().next().unwrap().iter().map(|c| c.to_string()).collect())
}

#[test]
fn plan_xlsx_and_results_columns_are_the_same_in_either_language() {
    let w = Work::new();
    w.csv_1252("s.csv", &["code_dossier;email;offre", "D1;a@exemple.fr;start", "D2;b@@exemple.fr;start"]);
    let mut seen = Vec::new();
    for lang in ["fr", "en"] {
        let plan = format!("plan-{lang}.json");
        w.bin().args(["--lang", lang, "plan", "s.csv", "--out", &plan]).assert().code(1);
        let results = format!("r-{lang}.xlsx");
        w.bin().args(["--lang", lang, "check", "s.csv", "--results", &results]).assert().code(1);
        seen.push((header_row(&w.path(&format!("plan-{lang}.xlsx"))), header_row(&w.path(&results)).1));
    }
    assert_eq!(seen[0].0.1, ["id", "dossier", "etape", "route", "corps_json", "lignes", "depend_de"]);
    assert_eq!(seen[0].0, seen[1].0, "PLAN.xlsx: same sheet and columns in French and English");
    assert_eq!(seen[0].1, seen[1].1, "results: same columns in French and English");
}

#[test]
fn a_rows_problem_is_said_in_the_language_asked() {
    let w = Work::new();
    w.csv_1252("s.csv", &["code_dossier;email;offre", "D1;a@@exemple.fr;start"]);
    let fr = w.bin().args(["check", "s.csv"]).assert().code(1).get_output().stderr.clone();
    let en = w.bin().args(["--lang", "en", "check", "s.csv"]).assert().code(1).get_output().stderr.clone();
    let (fr, en) = (String::from_utf8_lossy(&fr), String::from_utf8_lossy(&en));
    assert!(fr.contains("colonne « email » : « a@@exemple.fr » n'est pas une adresse e-mail valide"), "{fr}");
    assert!(en.contains("column « email » : « a@@exemple.fr » is not a valid e-mail address"), "{en}");
}

#[test]
fn a_file_that_cannot_be_used_is_said_in_the_language_asked_with_exit_2() {
    let w = Work::new();
    let en = w.bin().args(["--lang", "en", "check", "absent.csv"]).assert().code(2).get_output().stderr.clone();
    let en = String::from_utf8_lossy(&en);
    assert!(en.starts_with("Error: File not found: absent.csv. Check the path"), "{en}");
    w.file("vide.csv", b"");
    let fr = w.bin().args(["check", "vide.csv"]).assert().code(2).get_output().stderr.clone();
    let fr = String::from_utf8_lossy(&fr);
    assert!(fr.starts_with("Erreur : vide.csv est vide (0 octet)"), "{fr}");
}

/// An unknown command is answered with every command there is (the list is
/// clap's, not one kept by hand: registre, verify, history and undo were
/// missing from it), in either language, exit 2.
#[test]
fn an_unknown_command_names_every_command() {
    let w = Work::new();
    for lang in ["fr", "en"] {
        let out = w.bin().args(["--lang", lang, "frob"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let said = String::from_utf8_lossy(&out.stderr);
        for c in [
            "check", "plan", "template", "run", "demo", "dossiers", "simulate", "ui", "registre", "verify", "history",
            "undo",
        ] {
            assert!(said.contains(&format!(" {c}")), "{c} in {said}");
        }
    }
}
