//! A small writer of Excel binary workbooks (.xlsb), after the documented
//! MS-XLSB records: no tool on these machines writes one, so the tests make
//! their own. Zip parts as Excel lays them out; a workbook part listing the
//! sheets (BrtBundleSh); a shared-string table (BrtSSTItem); sheet parts
//! with rows (BrtRowHdr) of shared-string (BrtCellIsst), inline-string
//! (BrtCellSt) and number (BrtCellReal) cells.

use std::io::Write;
use std::path::Path;

use crate::util::X;

/// A record: its type and size as MS-XLSB variable-length integers (7 bits
/// a byte, the high bit saying another byte follows), then its data.
fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    if typ < 0x80 {
        out.push(typ as u8);
    } else {
        out.push((typ & 0x7F) as u8 | 0x80);
        out.push((typ >> 7) as u8);
    }
    let mut size = data.len();
    loop {
        let byte = (size & 0x7F) as u8;
        size >>= 7;
        out.push(if size > 0 { byte | 0x80 } else { byte });
        if size == 0 {
            break;
        }
    }
    out.extend_from_slice(data);
}

/// XLWideString: a character count, then UTF-16LE.
fn wide(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut v = (units.len() as u32).to_le_bytes().to_vec();
    v.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    v
}

/// The Cell structure: column, then style index (24 bits) and flags.
fn cell_head(col: u32) -> Vec<u8> {
    let mut v = col.to_le_bytes().to_vec();
    v.extend_from_slice(&[0, 0, 0, 0]);
    v
}

const BEGIN_BOOK: u16 = 0x0083;
const END_BOOK: u16 = 0x0084;
const BEGIN_BUNDLE_SHS: u16 = 0x008F;
const BUNDLE_SH: u16 = 0x009C;
const END_BUNDLE_SHS: u16 = 0x0090;
const BEGIN_SST: u16 = 0x009F;
const SST_ITEM: u16 = 0x0013;
const END_SST: u16 = 0x00A0;
const BEGIN_SHEET: u16 = 0x0081;
const END_SHEET: u16 = 0x0082;
const WS_DIM: u16 = 0x0094;
const BEGIN_SHEET_DATA: u16 = 0x0091;
const END_SHEET_DATA: u16 = 0x0092;
const ROW_HDR: u16 = 0x0000;
const CELL_REAL: u16 = 0x0005;
const CELL_ST: u16 = 0x0006;
const CELL_ISST: u16 = 0x0007;

fn workbook(names: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    record(&mut out, BEGIN_BOOK, &[]);
    record(&mut out, BEGIN_BUNDLE_SHS, &[]);
    for (i, name) in names.iter().enumerate() {
        let mut data = 0u32.to_le_bytes().to_vec(); // hsState: visible
        data.extend((i as u32 + 1).to_le_bytes()); // iTabID
        data.extend(wide(&format!("rId{}", i + 1))); // strRelID
        data.extend(wide(name)); // strName
        record(&mut out, BUNDLE_SH, &data);
    }
    record(&mut out, END_BUNDLE_SHS, &[]);
    record(&mut out, END_BOOK, &[]);
    out
}

fn shared_strings(strings: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let count = (strings.len() as u32).to_le_bytes();
    record(&mut out, BEGIN_SST, &[count, count].concat());
    for s in strings {
        let mut data = vec![0u8]; // RichStr flags: plain text
        data.extend(wide(s));
        record(&mut out, SST_ITEM, &data);
    }
    record(&mut out, END_SST, &[]);
    out
}

/// A sheet; text cells go to the shared strings, except every third one,
/// written inline (BrtCellSt), as Excel also does.
fn sheet(rows: &[Vec<X>], strings: &mut Vec<String>) -> Vec<u8> {
    let mut out = Vec::new();
    record(&mut out, BEGIN_SHEET, &[]);
    let width = rows.iter().map(Vec::len).max().unwrap_or(1) as u32;
    let dims: Vec<u8> =
        [0u32, rows.len().max(1) as u32 - 1, 0, width.max(1) - 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    record(&mut out, WS_DIM, &dims);
    record(&mut out, BEGIN_SHEET_DATA, &[]);
    let mut n = 0;
    for (r, row) in rows.iter().enumerate() {
        let mut hdr = (r as u32).to_le_bytes().to_vec(); // rw
        hdr.extend(0u32.to_le_bytes()); // ixfe
        hdr.extend(300u16.to_le_bytes()); // miyRw: height in twips
        hdr.extend([0, 0, 0]); // flags
        hdr.extend(0u32.to_le_bytes()); // ccolspan
        record(&mut out, ROW_HDR, &hdr);
        for (c, cell) in row.iter().enumerate() {
            let mut data = cell_head(c as u32);
            match cell {
                X::T("") => continue,
                X::T(t) => {
                    n += 1;
                    if n % 3 == 0 {
                        data.extend(wide(t));
                        record(&mut out, CELL_ST, &data);
                    } else {
                        data.extend((strings.len() as u32).to_le_bytes());
                        strings.push(t.to_string());
                        record(&mut out, CELL_ISST, &data);
                    }
                }
                X::N(v) => {
                    data.extend(v.to_le_bytes());
                    record(&mut out, CELL_REAL, &data);
                }
            }
        }
    }
    record(&mut out, END_SHEET_DATA, &[]);
    record(&mut out, END_SHEET, &[]);
    out
}

/// An .xlsb with one sheet per entry.
pub(crate) fn xlsb(path: &Path, sheets: &[(&str, Vec<Vec<X>>)]) {
    let mut strings = Vec::new();
    let parts: Vec<Vec<u8>> = sheets.iter().map(|(_, rows)| sheet(rows, &mut strings)).collect();
    let names: Vec<&str> = sheets.iter().map(|(n, _)| *n).collect();
    let sheet_types: String = (1..=sheets.len())
        .map(|i| {
            format!(
                r#"<Override PartName="/xl/worksheets/sheet{i}.bin" ContentType="application/vnd.ms-excel.worksheet"/>"#
            )
        })
        .collect();
    let content_types = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>{sheet_types}<Override PartName="/xl/sharedStrings.bin" ContentType="application/vnd.ms-excel.sharedStrings"/></Types>"#
    );
    let root_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>"#;
    let sheet_rels: String = (1..=sheets.len())
        .map(|i| format!(r#"<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.bin"/>"#))
        .collect();
    let book_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{sheet_rels}<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.bin"/></Relationships>"#
    );
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, bytes: &[u8]| {
        z.start_file(name, opts).unwrap();
        z.write_all(bytes).unwrap();
    };
    put("[Content_Types].xml", content_types.as_bytes());
    put("_rels/.rels", root_rels.as_bytes());
    put("xl/workbook.bin", &workbook(&names));
    put("xl/_rels/workbook.bin.rels", book_rels.as_bytes());
    for (i, part) in parts.iter().enumerate() {
        put(&format!("xl/worksheets/sheet{}.bin", i + 1), part);
    }
    put("xl/sharedStrings.bin", &shared_strings(&strings));
    z.finish().unwrap();
}

#[test]
fn the_writer_writes_what_calamine_reads() {
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.xlsb");
    let rows = vec![
        vec![X::T("a"), X::T("b"), X::T("c"), X::N(1.5)],
        vec![X::T("é€"), X::T(""), X::N(33612345678.0), X::T("z")],
    ];
    xlsb(&p, &[("Première", rows), ("Deux", vec![vec![X::T("x")]])]);
    let mut book: calamine::Xlsb<_> = calamine::open_workbook(&p).unwrap();
    assert_eq!(book.sheet_names(), ["Première", "Deux"]);
    let range = book.worksheet_range("Première").unwrap();
    assert_eq!(range.get_value((0, 2)), Some(&Data::String("c".into())));
    assert_eq!(range.get_value((0, 3)), Some(&Data::Float(1.5)));
    assert_eq!(range.get_value((1, 0)), Some(&Data::String("é€".into())));
    assert_eq!(range.get_value((1, 2)), Some(&Data::Float(33612345678.0)));
    assert_eq!(range.get_value((1, 3)), Some(&Data::String("z".into())));
}
