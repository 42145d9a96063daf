//! The results as staff read and print them: the `conseil` column (last, so
//! every existing column keeps its place), `ligne` a number, and the
//! « Impression » sheet set up for A4 landscape, one page wide, its header
//! row repeated; the « Résumé » on one page with its chart whole.

use calamine::{Data, Reader};
use loopbatch::simulator::Options;

use crate::util::{TestSim, Work, model, results_csv, results_xlsx, zip_entry};

fn sheet(w: &Work) -> std::path::PathBuf {
    let mut lines = vec!["code_dossier;email;nom;prenom;offre".to_string()];
    for i in 1..=12 {
        // Rows 5 and 10: a contact not invited on the tenant (refused).
        let domain = if i % 5 == 0 { "pas-invite.fr" } else { "ok.fr" };
        lines.push(format!("P{i:03};p{i}@{domain};Nom{i};Prénom{i};start"));
    }
    lines.push("P999;inconnu@ok.fr;Nom;Prénom;start".into());
    lines.push("P001;pas-un-email;Nom;Prénom;start".into());
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    w.csv_1252("s.csv", &refs)
}

fn sim() -> TestSim {
    let codes: Vec<String> = (1..=12).map(|i| format!("P{i:03}")).collect();
    let pairs: Vec<(&str, bool)> = codes.iter().map(|c| (c.as_str(), true)).collect();
    let mut opts = Options { model: model(&pairs), ..Default::default() };
    opts.model.uninvited_domains.insert("pas-invite.fr".into());
    TestSim::start(opts)
}

#[test]
fn results_say_what_to_do_and_print_on_a4() {
    let sim = sim();
    let w = Work::new();
    let input = sheet(&w);
    let out = w
        .bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r.xlsx", "--rate", "200/s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let path = w.path("r.xlsx");

    // « Résultats »: conseil last, the advice of each known answer.
    let lines = results_xlsx(&path);
    let by_code = |code: &str| lines.iter().find(|l| l["code_dossier"] == code).unwrap();
    assert_eq!(by_code("P002")["conseil"], "", "nothing to do for an OK row");
    assert!(by_code("P005")["conseil"].starts_with("Invitez d'abord cet interlocuteur"), "{:?}", by_code("P005"));
    assert!(by_code("P999")["conseil"].contains("code dossier est inconnu"), "{:?}", by_code("P999"));
    let invalid = lines.iter().find(|l| l["statut"] == "INVALIDE").unwrap();
    assert!(invalid["conseil"].starts_with("Corrigez la cellule"), "{invalid:?}");
    assert!(!invalid["message"].contains("Corrigez"), "the message stays the message");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["Résultats", "Résumé", "Impression"]);
    let results = book.worksheet_range("Résultats").unwrap();
    let header: Vec<String> = results.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header.last().map(String::as_str), Some("conseil"));
    assert_eq!(&header[header.len() - 2], "horodatage", "every earlier column keeps its place");
    let ligne = header.iter().position(|h| h == "ligne").unwrap();
    for row in results.rows().skip(1) {
        assert!(matches!(row[ligne], Data::Float(_)), "ligne is a number (sorts 1, 2, 10): {:?}", row[ligne]);
    }

    // « Impression »: code, name, e-mail, status, message, advice per row.
    let print = book.worksheet_range("Impression").unwrap();
    let rows: Vec<Vec<String>> = print.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0], ["code dossier", "nom", "e-mail", "statut", "message", "conseil"]);
    assert_eq!(rows.len(), 15, "the header and every input row");
    let p005 = rows.iter().find(|r| r[0] == "P005").unwrap();
    assert_eq!(p005[1], "Prénom5 Nom5");
    assert_eq!(p005[2], "p5@pas-invite.fr");
    assert_eq!(p005[3], "ERREUR");
    assert_eq!(p005[4], loopbatch::simulator::MSG_INVITE, "Loop's words, verbatim");
    assert!(p005[5].starts_with("Invitez d'abord"));

    // Its page set-up: A4 landscape, one page wide (any height), titles.
    let setup = zip_entry(&path, "xl/worksheets/sheet3.xml");
    for said in
        [r#"<pageSetUpPr fitToPage="1"/>"#, r#"paperSize="9""#, r#"orientation="landscape""#, r#"fitToHeight="0""#]
    {
        assert!(setup.contains(said), "{said} not in {setup}");
    }
    let workbook = zip_entry(&path, "xl/workbook.xml");
    assert!(workbook.contains(r#"name="_xlnm.Print_Titles" localSheetId="2">Impression!$1:$1<"#), "{workbook}");
    // « Résumé »: one page for the counts and the chart, at 85 %.
    let summary = zip_entry(&path, "xl/worksheets/sheet2.xml");
    for said in [r#"scale="85""#, r#"orientation="landscape""#, "<rowBreaks"] {
        assert!(summary.contains(said), "{said} not in the Résumé's set-up");
    }
}

#[test]
fn csv_results_end_with_conseil_and_results_without_it_are_still_read() {
    let sim = sim();
    let w = Work::new();
    let input = sheet(&w);
    w.bin_for(&sim).args(["run", input.to_str().unwrap(), "--results", "r1.csv", "--rate", "200/s"]).assert().code(1);
    let r1 = results_csv(&w.path("r1.csv"));
    assert!(r1.iter().any(|l| l["conseil"].starts_with("Invitez d'abord")));
    let text = std::fs::read_to_string(w.path("r1.csv")).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.ends_with(";horodatage;conseil"), "{header}");
    // Results written before the column existed: the last column dropped
    // (in place: the run's journal and plan stay beside them).
    let old: String =
        text.lines().map(|l| l.rsplit_once(';').map_or(l, |(keep, _)| keep).to_string() + "\r\n").collect();
    std::fs::write(w.path("r1.csv"), old).unwrap();
    let before = sim.stats()["total"].as_u64().unwrap();
    w.bin_for(&sim)
        .args(["run", input.to_str().unwrap(), "--results", "r2.csv", "--only-failed", "r1.csv", "--rate", "200/s"])
        .assert()
        .code(1);
    let r2 = results_csv(&w.path("r2.csv"));
    let ok = |lines: &[crate::util::Line]| lines.iter().filter(|l| l["statut"] == "OK").count();
    assert_eq!(ok(&r2), ok(&r1), "the OK rows kept");
    let sent = sim.stats()["total"].as_u64().unwrap() - before;
    // P005 and P010: addClient again; P999: provisionCompany again.
    assert_eq!(sent, 3, "only what the failed rows still need");
}
