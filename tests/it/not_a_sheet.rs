//! A file that is not a sheet (a PDF, an image, a Word document, a zip,
//! random bytes) is named as such, a damaged workbook is said damaged with
//! the way to save it again: never the library's English, never a screen of
//! binary junk as « headers ». Real sheets (UTF-16, Windows-1252) are still
//! read.

use std::io::Write;

use crate::util::{Work, X, xlsx};

fn refused(w: &Work, name: &str, bytes: &[u8]) -> String {
    let path = w.file(name, bytes);
    let out = w.bin().args(["check", path.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
    assert!(stderr.contains(name), "{name} not named: {stderr}");
    for bad in ["Zip error", "EOCD", "invalid", "En-têtes vus", "File not found", "\u{fffd}"] {
        assert!(!stderr.contains(bad), "{name}: « {bad} » shown: {stderr}");
    }
    assert!(!stderr.chars().any(|c| c.is_control() && c != '\n'), "{name}: control characters shown: {stderr:?}");
    assert!(stderr.contains("enregistrez-le"), "{name}: no way out: {stderr}");
    stderr
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in entries {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// Bytes as random as a damaged download, the same every run.
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn files_that_are_not_sheets_are_named_as_what_they_are() {
    let w = Work::new();
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    assert!(refused(&w, "facture.pdf", pdf).contains("est un document PDF, pas un tableur"));
    assert!(refused(&w, "renomme.xlsx", pdf).contains("est un document PDF"), "the content counts, not the name");
    assert!(refused(&w, "capture.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").contains("est une image"));
    assert!(refused(&w, "photo.jpg.xlsx", b"\xff\xd8\xff\xe0\0\x10JFIF\0").contains("est une image"));
    let docx = zip_of(&[("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")]);
    assert!(refused(&w, "courrier.docx", &docx).contains("est un document Word"));
    let pptx = zip_of(&[("[Content_Types].xml", "<Types/>"), ("ppt/presentation.xml", "<p/>")]);
    assert!(refused(&w, "reunion.xlsx", &pptx).contains("présentation PowerPoint"));
    let archive = zip_of(&[("lisez-moi.txt", "bonjour")]);
    assert!(refused(&w, "envoi.zip", &archive).contains("archive zip qui ne contient aucun classeur"));
    assert!(refused(&w, "bruit.xlsx", &noise(3000)).contains("ne ressemble pas à un tableur"));
    assert!(refused(&w, "bruit.csv", &noise(3000)).contains("ne ressemble pas à un tableur"));
}

#[test]
fn a_damaged_workbook_is_said_damaged_with_the_way_to_save_it_again() {
    let w = Work::new();
    let good = w.path("bon.xlsx");
    xlsx(&good, &[("Feuil1", vec![vec![X::T("code_dossier"), X::T("offre")], vec![X::T("D001"), X::T("start")]])]);
    let bytes = std::fs::read(&good).unwrap();
    let stderr = refused(&w, "coupe.xlsx", &bytes[..bytes.len() / 2]);
    assert!(stderr.contains("classeur endommagé ou incomplet") && stderr.contains("Enregistrer sous"), "{stderr}");
}

#[test]
fn real_sheets_are_not_taken_for_binary() {
    let w = Work::new();
    // Windows-1252 with accents, and UTF-16 with its BOM (full of NULs).
    let latin = w.csv_1252("latin.csv", &["Code dossier;Raison sociale;Ville;Offre", "D001;Épicerie Noël;Nîmes;start"]);
    w.bin().args(["check", latin.to_str().unwrap()]).assert().code(0);
    let text = "code_dossier;raison_sociale;offre\r\nD001;Société Été;start\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let p = w.file("unicode.csv", &utf16);
    w.bin().args(["check", p.to_str().unwrap()]).assert().code(0);
}

/// A tiny ODS that repeats one cell 16,384 times on 1,500 rows: calamine
/// would build the whole grid (2 GB); refused from its repetitions, at once.
#[test]
fn an_ods_whose_repetitions_make_a_huge_grid_is_refused_at_once() {
    let w = Work::new();
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>code_dossier</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1500"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"><text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    for (name, text) in [("META-INF/manifest.xml", manifest), ("content.xml", content)] {
        z.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    let path = w.file("repete.ods", &z.finish().unwrap().into_inner());
    let out = w.bin().env("LOOPBATCH_PEAK_MEMORY", "1").args(["check", path.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("repete.ods") && stderr.contains("n'a pas été lu"), "{stderr}");
    // Refused before the grid is built: the process never held it (it
    // peaked at 2.2 GB when the budget only counted cells as they came).
    #[cfg(target_os = "linux")]
    {
        let kb: u64 = stderr.lines().find_map(|l| l.strip_prefix("peak_memory_kb=")).unwrap().parse().unwrap();
        assert!(kb < 200 * 1024, "peak {kb} kB");
    }
}

/// The page's error page for an upload refused: what happened in the
/// user's words, no server path, no library text, a button to choose
/// another file.
fn refused_in_the_page(p: &crate::page::Page, cookie: &str, w: &Work, name: &str, bytes: Vec<u8>) -> String {
    let r = crate::page::post_sheet(p, cookie, name, bytes);
    assert!(r.status().is_client_error(), "{name}: {}", r.status());
    let page = r.text().unwrap();
    let shown = page.split("data-testid=\"failure\">").nth(1).unwrap_or_default().split("</p>").next().unwrap();
    let folder = w.dir.path().to_string_lossy().into_owned();
    for bad in [folder.as_str(), "televersements", "Zip error", "EOCD", "invalid", "%PDF", "Impossible", "\u{fffd}"] {
        assert!(!page.contains(bad), "{name}: « {bad} » shown: {page}");
    }
    assert!(shown.contains(name), "{name} named: {shown}");
    assert!(page.contains("data-testid=\"next-step\"") && page.contains("Choisir un autre fichier"), "{page}");
    assert!(page.contains("href=\"/\""), "the button goes to the file chooser");
    shown.to_string()
}

#[test]
fn the_page_says_what_a_refused_file_is_with_a_button_to_choose_another() {
    let w = Work::new();
    let p = crate::page::start(&w, &[]);
    let cookie = crate::page::open(&p);
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    assert!(refused_in_the_page(&p, &cookie, &w, "facture.xlsx", pdf).contains("est un document PDF"));
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    assert!(refused_in_the_page(&p, &cookie, &w, "capture.png", png).contains("est une image"));
    let noise = noise(3000);
    assert!(refused_in_the_page(&p, &cookie, &w, "bruit.xlsx", noise).contains("ne ressemble pas à un tableur"));
    let good = w.path("bon.xlsx");
    xlsx(&good, &[("Feuil1", vec![vec![X::T("code_dossier"), X::T("offre")], vec![X::T("D001"), X::T("start")]])]);
    let bytes = std::fs::read(&good).unwrap();
    let cut = refused_in_the_page(&p, &cookie, &w, "coupe.xlsx", bytes[..bytes.len() / 2].to_vec());
    assert!(cut.contains("endommagé"), "{cut}");
    let empty = refused_in_the_page(&p, &cookie, &w, "vide.csv", Vec::new());
    assert!(empty.contains("est vide") && !empty.contains("Aucun fichier choisi"), "{empty}");
}
