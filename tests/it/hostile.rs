//! Hostile and broken files: each ends with a clear outcome, in bounded time,
//! without a panic: the data read where it is readable, otherwise exit 2 or
//! per-row INVALIDE with a French message.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use crate::util::Hermetic;
use crate::util::{Work, X, results_csv, xlsx};

const LIMIT: Duration = Duration::from_secs(60);

/// Copies an XLSX, replacing or adding entries.
fn rewrite(src: &Path, dst: &Path, edit: &dyn Fn(&str, String) -> String, extra: &[(&str, Vec<u8>)]) {
    let mut z = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let name = e.name().unwrap().to_string();
        let mut text = String::new();
        e.read_to_string(&mut text).unwrap();
        out.start_file(name.as_str(), opts).unwrap();
        out.write_all(edit(&name, text).as_bytes()).unwrap();
    }
    for (name, bytes) in extra {
        out.start_file(*name, opts).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap();
}

fn base(w: &Work) -> std::path::PathBuf {
    let p = w.path("base.xlsx");
    xlsx(
        &p,
        &[(
            "Dossiers",
            vec![
                vec![X::T("code_dossier"), X::T("offre")],
                vec![X::T("H001"), X::T("start")],
                vec![X::T("H002"), X::T("consultation")],
            ],
        )],
    );
    p
}

fn stderr_of(out: &assert_cmd::assert::Assert) -> String {
    let e = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(!e.contains("panicked") && !e.contains("Erreur interne") && !e.contains("RUST_BACKTRACE"), "{e}");
    e
}

#[test]
fn decompression_bomb_is_refused_unopened() {
    let w = Work::new();
    let b = base(&w);
    // 64 MB of zeros packs into a few dozen KB: ratio far over 200.
    let bomb = vec![0u8; 64 << 20];
    rewrite(&b, &w.path("bombe.xlsx"), &|_, t| t, &[("xl/media/image1.bin", bomb)]);
    let out = w.bin().timeout(LIMIT).args(["check", "bombe.xlsx"]).assert().code(2);
    assert!(stderr_of(&out).contains("piégé"));
}

#[test]
fn macros_external_links_and_formulas_are_read_never_run() {
    let w = Work::new();
    let p = w.path("formules.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    s.write_string(0, 0, "code_dossier").unwrap();
    s.write_string(0, 1, "offre").unwrap();
    s.write_string(0, 2, "note").unwrap();
    s.write_formula(1, 0, rust_xlsxwriter::Formula::new("=CONCATENATE(\"F\",\"001\")").set_result("F001")).unwrap();
    s.write_string(1, 1, "start").unwrap();
    s.write_formula(1, 2, rust_xlsxwriter::Formula::new("=[1]Feuil1!A1").set_result("valeur en cache")).unwrap();
    book.save(&p).unwrap();
    // A macro project and an external link, as an .xlsm from a cabinet.
    rewrite(
        &p,
        &w.path("macros.xlsm"),
        &|_, t| t,
        &[
            ("xl/vbaProject.bin", b"\xD0\xCF\x11\xE0 Sub AutoOpen() Shell \"calc\" End Sub".to_vec()),
            (
                "xl/externalLinks/externalLink1.xml",
                b"<externalLink xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>".to_vec(),
            ),
        ],
    );
    for f in ["formules.xlsx", "macros.xlsm"] {
        let out = w.path(&format!("{f}.csv"));
        w.bin().timeout(LIMIT).args(["check", f, "--results", out.to_str().unwrap()]).assert().code(0);
        let l = results_csv(&out);
        assert_eq!(l[0]["code_dossier"], "F001", "{f}: the cached value is read");
        assert_eq!(l[0]["note"], "valeur en cache");
        assert_eq!(l[0]["statut"], "VALIDE");
    }
}

#[test]
fn shared_string_out_of_range_and_cells_beyond_excel() {
    let w = Work::new();
    let b = base(&w);
    rewrite(
        &b,
        &w.path("sst.xlsx"),
        &|name, t| if name == "xl/worksheets/sheet1.xml" { t.replacen("<v>2</v>", "<v>99999</v>", 1) } else { t },
        &[],
    );
    let out = w.bin().timeout(LIMIT).args(["check", "sst.xlsx", "--results", "sst.csv"]).assert();
    let code = out.get_output().status.code().unwrap();
    stderr_of(&out);
    assert!(matches!(code, 0..=2), "{code}");
    // A cell at column 1,000,000 (BDWGN).
    rewrite(
        &b,
        &w.path("large.xlsx"),
        &|name, t| {
            if name == "xl/worksheets/sheet1.xml" {
                t.replacen("</row>", "<c r=\"BDWGN2\" t=\"inlineStr\"><is><t>x</t></is></c></row>", 2).replacen(
                    "<c r=\"BDWGN2\" t=\"inlineStr\"><is><t>x</t></is></c></row>",
                    "</row>",
                    1,
                )
            } else {
                t
            }
        },
        &[],
    );
    let out = w.bin().timeout(LIMIT).args(["check", "large.xlsx"]).assert().code(2);
    assert!(stderr_of(&out).contains("16 384"));
}

#[test]
fn hostile_csv_rows() {
    let w = Work::new();
    // A million columns.
    let mut wide = b"code_dossier;offre\r\nA;".to_vec();
    wide.extend(std::iter::repeat_n(b';', 1_000_000));
    w.file("large.csv", &wide);
    let out = w.bin().timeout(LIMIT).args(["check", "large.csv"]).assert().code(2);
    assert!(stderr_of(&out).contains("colonnes"));
    // An unbalanced quote swallows what follows: reported on its row.
    w.file("guillemet.csv", b"code_dossier;offre\r\nA1;\"start\r\nA2;start\r\n");
    let out = w.bin().timeout(LIMIT).args(["check", "guillemet.csv", "--results", "g.csv"]).assert().code(1);
    stderr_of(&out);
    let l = results_csv(&w.path("g.csv"));
    assert_eq!(l[0]["statut"], "INVALIDE");
    // NUL bytes, mixed encodings, invisible characters in e-mails.
    let mut mixed = b"code_dossier;nom;email;offre\r\n".to_vec();
    mixed.extend(b"N\x001;Z;z@ok.fr;start\r\n");
    mixed.extend("U1;Hélène;h@ok.fr;start\r\n".as_bytes());
    mixed.extend(b"W1;H\xe9l\xe8ne;w@ok.fr;start\r\n");
    mixed.extend("R1;Rtl;r\u{202E}lp@ok.fr;start\r\n".as_bytes());
    mixed.extend("Z1;Zw;z\u{200B}w@ok.fr;start\r\n".as_bytes());
    w.file("melange.csv", &mixed);
    w.bin().timeout(LIMIT).args(["check", "melange.csv", "--results", "m.csv"]).assert().code(1);
    let l = results_csv(&w.path("m.csv"));
    // A NUL inside a code dossier means a damaged file: refused, not removed.
    assert_eq!(l[0]["statut"], "INVALIDE", "{}", l[0]["message"]);
    assert!(l[0]["message"].contains("contrôle") && l[0]["message"].contains("endommagé"));
    assert_eq!(l[1]["nom"], "Hélène");
    assert_eq!(l[2]["nom"], "Hélène", "a Windows-1252 line and a UTF-8 line in one file");
    assert!(l[1]["message"].contains("encodages") || l[2]["message"].contains("encodages"), "the odd one is warned");
    for i in [3, 4] {
        assert_eq!(l[i]["statut"], "INVALIDE");
        assert!(l[i]["message"].contains("invisible"), "{}", l[i]["message"]);
    }
}

#[test]
fn a_file_that_changes_while_read_is_reported() {
    let w = Work::new();
    let mut big = String::from("code_dossier;email;offre\n");
    for i in 0..150_000 {
        big.push_str(&format!("C{i:06};c{i}@ok.fr;start\n"));
    }
    let p = w.file("change.csv", big.as_bytes());
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_loopbatch"))
        .current_dir(w.dir.path())
        .hermetic(&w.home())
        .args(["check", "change.csv"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    std::fs::OpenOptions::new().append(true).open(&p).unwrap().write_all(b"X1;x@ok.fr;start\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked") && !err.contains("Erreur interne"));
    match out.status.code() {
        Some(2) => assert!(err.contains("a changé pendant sa lecture"), "{err}"),
        // Read entirely before the change: a normal outcome.
        Some(0) => {}
        other => panic!("{other:?}: {err}"),
    }
}
