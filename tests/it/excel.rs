//! Sheets as Excel really leaves them: phones whose `+` Excel read as a sign
//! (number cells), overseas numbers, control characters in keys and line
//! breaks in other cells, and the binary workbook (.xlsb). Each case is
//! checked row by row: the check's status and message, and the `telephone`
//! the plan would send.

use std::collections::HashMap;
use std::path::Path;

use crate::util::{Line, Work, X, results_csv, xlsx};
use crate::xlsb::xlsb;

/// One phone case: the cell as typed or stored, the status expected, and
/// the telephone sent (or a word the problem must contain).
struct Case {
    cell: X,
    status: &'static str,
    expect: &'static str,
}

fn cases() -> Vec<Case> {
    let c = |cell: X, status: &'static str, expect: &'static str| Case { cell, status, expect };
    vec![
        // +33 6 12 34 56 78 typed in a number cell: Excel keeps 33612345678.
        c(X::N(33612345678.0), "VALIDE", "0612345678"),
        c(X::N(33123456789.0), "VALIDE", "0123456789"),
        // La Réunion, Mayotte, Guadeloupe, Guyane, Martinique.
        c(X::N(262692123456.0), "VALIDE", "0692123456"),
        c(X::N(262262161234.0), "VALIDE", "0262161234"),
        c(X::N(262639012345.0), "VALIDE", "0639012345"),
        c(X::N(590690001234.0), "VALIDE", "0690001234"),
        c(X::N(594694201234.0), "VALIDE", "0694201234"),
        c(X::N(596696201234.0), "VALIDE", "0696201234"),
        // The same digits typed as text without +.
        c(X::T("33 6 12 34 56 78"), "VALIDE", "0612345678"),
        c(X::T("262692123456"), "VALIDE", "0692123456"),
        // With + or 00 in text: national, not foreign.
        c(X::T("+262 692 12 34 56"), "VALIDE", "0692123456"),
        c(X::T("00262 692 12 34 56"), "VALIDE", "0692123456"),
        c(X::T("+596 696 20 12 34"), "VALIDE", "0696201234"),
        c(X::T("0033 6 12 34 56 78"), "VALIDE", "0612345678"),
        // A foreign number typed with + keeps its international form.
        c(X::T("+41 22 345 67 89"), "VALIDE", "+41223456789"),
        // The leading 0 Excel drops from a 10-digit number comes back.
        c(X::N(612345678.0), "VALIDE", "0612345678"),
        // 11 digits or more without + or 00: which country cannot be told.
        c(X::N(41223456789.0), "INVALIDE", "indicatif du pays"),
        c(X::N(4915112345678.0), "INVALIDE", "indicatif du pays"),
        c(X::T("06123456789"), "INVALIDE", "indicatif du pays"),
        // 33 then 9 digits that are no French number: refused as well.
        c(X::N(33692123456.0), "INVALIDE", "indicatif du pays"),
    ]
}

const HEADER: [&str; 6] = ["code_dossier", "raison_sociale", "email", "nom", "offre", "telephone"];

fn rows(cases: &[Case]) -> Vec<Vec<X>> {
    let mut rows = vec![
        vec![X::T("Import des interlocuteurs — décembre")],
        vec![],
        HEADER.iter().map(|h| X::T(h)).collect::<Vec<_>>(),
    ];
    for (i, case) in cases.iter().enumerate() {
        let code: &'static str = Box::leak(format!("T{i:03}").into_boxed_str());
        let email: &'static str = Box::leak(format!("p{i}@exemple.fr").into_boxed_str());
        rows.push(vec![X::T(code), X::T("Société"), X::T(email), X::T("Nom"), X::T("start"), case.cell.clone()]);
    }
    rows
}

/// Checks `file` and plans it; returns the check's lines and, per code
/// dossier, the telephone of its addClient call.
fn check_and_plan(w: &Work, file: &Path, extra: &[&str]) -> (Vec<Line>, HashMap<String, String>) {
    let name = file.to_str().unwrap();
    let out = w.bin().args(["check", name, "--results", "r.csv"]).args(extra).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = results_csv(&w.path("r.csv"));
    w.bin().args(["plan", name, "--out", "p.json"]).args(extra).output().unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(w.path("p.json")).unwrap()).unwrap();
    let phones = plan["calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["operation"] == "addClient")
        .map(|c| (c["body"]["codeDossier"].as_str().unwrap().to_string(), c["body"]["telephone"].to_string()))
        .collect();
    (lines, phones)
}

fn assert_cases(lines: &[Line], phones: &HashMap<String, String>, cases: &[Case]) {
    assert_eq!(lines.len(), cases.len());
    for (line, case) in lines.iter().zip(cases) {
        let code = &line["code_dossier"];
        assert_eq!(line["statut"], case.status, "{code}: {}", line["message"]);
        if case.status == "VALIDE" {
            assert_eq!(phones[code], format!("\"{}\"", case.expect), "{code}");
        } else {
            assert!(line["message"].contains(case.expect), "{code}: {}", line["message"]);
            assert!(!phones.contains_key(code), "an invalid row is not planned");
        }
    }
}

#[test]
fn phones_as_excel_stores_them_in_xlsx() {
    let w = Work::new();
    let cases = cases();
    let file = w.path("telephones.xlsx");
    xlsx(&file, &[("Interlocuteurs", rows(&cases))]);
    let (lines, phones) = check_and_plan(&w, &file, &[]);
    assert_cases(&lines, &phones, &cases);
    // What was read and what is sent, on the row: a repair is never silent.
    let lost = &lines[0]["message"];
    assert!(lost.contains("33612345678") && lost.contains("0612345678") && lost.contains("« + »"), "{lost}");
    let reunion = &lines[2]["message"];
    assert!(reunion.contains("262692123456") && reunion.contains("0692123456"), "{reunion}");
    assert!(!lines[10]["message"].contains("étranger"), "+262 is not foreign: {}", lines[10]["message"]);
    assert!(lines[14]["message"].contains("étranger"), "+41 is: {}", lines[14]["message"]);
    assert!(lines[16]["message"].contains("+ et l'indicatif du pays"), "{}", lines[16]["message"]);
}

#[test]
fn an_xlsb_is_read_like_an_xlsx() {
    let w = Work::new();
    let cases = cases();
    let mut sheet = rows(&cases);
    // A code the spreadsheet stored as a number, under title rows.
    sheet.push(vec![X::N(1234.0), X::T("Chiffres"), X::T("n@exemple.fr"), X::T("Nom"), X::T("start"), X::T("")]);
    let file = w.path("classeur binaire.xlsb");
    xlsb(&file, &[("Notes", vec![vec![X::T("rien ici")]]), ("Interlocuteurs", sheet)]);
    let (lines, phones) = check_and_plan(&w, &file, &[]);
    assert_eq!(lines.len(), cases.len() + 1, "the sheet without a code dossier column is skipped");
    assert_cases(&lines[..cases.len()], &phones, &cases);
    let last = &lines[cases.len()];
    assert_eq!((last["feuille"].as_str(), last["ligne"].as_str()), ("Interlocuteurs", "24"));
    assert_eq!(last["code_dossier"], "1234");
    assert_eq!(last["statut"], "VALIDE");
    // --sheet picks a sheet; a sheet that does not exist is named.
    let (lines, _) = check_and_plan(&w, &file, &["--sheet", "Interlocuteurs"]);
    assert_eq!(lines.len(), cases.len() + 1);
    let out = w.bin().args(["check", file.to_str().unwrap(), "--sheet", "Autre"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Autre") && err.contains("Interlocuteurs"), "{err}");
    // Whatever its extension says: the content decides.
    std::fs::copy(&file, w.path("renomme.xlsx")).unwrap();
    let (lines, _) = check_and_plan(&w, &w.path("renomme.xlsx"), &[]);
    assert_eq!(lines.len(), cases.len() + 1);
}

#[test]
fn control_characters_damage_keys_and_are_cleaned_elsewhere() {
    let w = Work::new();
    let mut csv = b"code_dossier;raison_sociale;email;nom;prenom;offre\r\n".to_vec();
    // 1: NUL inside the code dossier: a damaged file.
    csv.extend(b"A\x001;Alpha;a@exemple.fr;Martin;Jean;start\r\n");
    // 2: DEL inside the code dossier.
    csv.extend(b"B\x7f2;Beta;b@exemple.fr;Durand;Paul;start\r\n");
    // 3: a C0 control inside the e-mail.
    csv.extend(b"C3;Gamma;c\x01c@exemple.fr;Petit;Anne;start\r\n");
    // 4: a C1 control inside the e-mail (U+0090, in UTF-8).
    csv.extend("D4;Delta;d\u{90}d@exemple.fr;Roux;Léa;start\r\n".as_bytes());
    // 5: trimmed first: a tab and a line break around the code are fine.
    csv.extend(b"\"\tE5\n\";Epsilon;e@exemple.fr;Blanc;Luc;start\r\n");
    // 6: a line break typed with Alt+Enter in a name, a bell in the company.
    csv.extend(b"F6;\"Soci\x07\xc3\xa9t\xc3\xa9 Zeta\";f@exemple.fr;\"Jean\nPierre\";Marc;start\r\n");
    // 7: CRLF inside a company name and a tab inside a first name.
    csv.extend(b"G7;\"Eta\r\nHolding\";g@exemple.fr;Noir;\"Anne\tMarie\";start\r\n");
    w.file("controles.csv", &csv);
    let out = w.bin().args(["check", "controles.csv", "--results", "r.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let l = results_csv(&w.path("r.csv"));
    assert_eq!(l.len(), 7);
    for (i, column) in [(0, "code_dossier"), (1, "code_dossier"), (2, "email"), (3, "email")] {
        assert_eq!(l[i]["statut"], "INVALIDE", "row {}: {}", i + 2, l[i]["message"]);
        let m = &l[i]["message"];
        assert!(m.contains(&format!("« {column} »")) && m.contains("endommagé"), "row {}: {m}", i + 2);
    }
    assert_eq!(l[4]["statut"], "VALIDE", "{}", l[4]["message"]);
    for i in [5, 6] {
        assert_eq!(l[i]["statut"], "VALIDE", "{}", l[i]["message"]);
    }
    assert!(l[5]["message"].contains("« nom »") && l[5]["message"].contains("saut de ligne"), "{}", l[5]["message"]);
    assert!(l[5]["message"].contains("« raison_sociale »") && l[5]["message"].contains("contrôle"));
    assert_eq!(l[5]["raison_sociale"], "Société Zeta");
    assert_eq!(l[6]["raison_sociale"], "Eta Holding");
    // What goes to Loop: the cleaned values.
    w.bin().args(["plan", "controles.csv", "--out", "p.json"]).assert().code(1);
    let plan: serde_json::Value = serde_json::from_slice(&std::fs::read(w.path("p.json")).unwrap()).unwrap();
    let add = |code: &str| {
        plan["calls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["operation"] == "addClient" && c["body"]["codeDossier"] == code)
            .map(|c| c["body"].clone())
            .unwrap()
    };
    assert_eq!(add("F6")["nom"], "Jean Pierre");
    assert_eq!(add("G7")["prenom"], "Anne Marie");
    assert_eq!(add("E5")["codeDossier"], "E5");
}

#[test]
fn each_status_has_its_colour_and_the_summary_says_what_to_do() {
    use calamine::{Data, Reader};
    let mut m = crate::util::model(&[("K1", true), ("K2", true)]);
    m.uninvited_domains.insert("pas-invite.fr".into());
    let sim = crate::util::TestSim::start(loopbatch::simulator::Options { model: m, ..Default::default() });
    let w = Work::new();
    let input = w.csv_1252(
        "s.csv",
        &[
            "code_dossier;email;nom;offre",
            "K1;ok@exemple.fr;Bon;start",
            "K2;x@pas-invite.fr;Refus;start",
            "K1;pas-un-email;Faux;start",
        ],
    );
    let out = w.path("r.xlsx");
    w.bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", out.to_str().unwrap(), "--rate", "500/s"])
        .assert()
        .code(1);
    let statuses: Vec<String> = crate::util::results_xlsx(&out).iter().map(|l| l["statut"].clone()).collect();
    assert_eq!(statuses, ["OK", "ERREUR", "INVALIDE"]);
    // ERREUR (red) and INVALIDE (orange) no longer look the same, rows and slices alike.
    let styles = crate::util::zip_entry(&out, "xl/styles.xml");
    let chart = crate::util::zip_entry(&out, "xl/charts/chart1.xml");
    for colour in ["A9D08E", "FF9B9B", "F8CBAD"] {
        assert!(styles.contains(colour), "{colour} in the rows");
        assert!(chart.contains(colour), "{colour} in the chart");
    }
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let summary = book.worksheet_range("Résumé").unwrap();
    let row_of = |word: &str| (0..summary.height()).find(|r| summary.get((*r, 0)) == Some(&Data::String(word.into())));
    let meaning = |word: &str| summary.get((row_of(word).unwrap(), 2)).unwrap().to_string();
    assert!(meaning("ERREUR").contains("Cegid Loop a refusé") && meaning("ERREUR").contains("--only-failed"));
    // The file is read by page users too: the page's button beside the flag.
    assert!(meaning("ERREUR").contains("sur la page : « Relancer les échecs »"), "{}", meaning("ERREUR"));
    assert!(meaning("INVALIDE").contains("corrigez la cellule"));
    assert!(meaning("OK").contains("Rien à faire"));
}

#[test]
fn rows_are_numbered_as_their_lines_whatever_the_line_ends() {
    let w = Work::new();
    for (name, end) in [("lf.csv", "\n"), ("crlf.csv", "\r\n")] {
        let text =
            ["code_dossier;email;offre", "A1;a@@x.fr;start", "A2;\"b\nb@x.fr\";start", "A3;c@@x.fr;start"].join(end);
        w.file(name, format!("{text}{end}").as_bytes());
        w.bin().args(["check", name, "--results", "r.csv"]).assert().code(1);
        let lines: Vec<String> = results_csv(&w.path("r.csv")).iter().map(|l| l["ligne"].clone()).collect();
        // A field over two lines (a line break typed in a cell) takes two.
        assert_eq!(lines, ["2", "3", "5"], "{name}");
    }
}
