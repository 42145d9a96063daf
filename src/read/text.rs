//! Text sheets: CSV, TSV, TXT as Excel and LibreOffice write them.
//!
//! The encoding (UTF-8 with or without BOM, Windows-1252, UTF-16 "Texte
//! Unicode") and the delimiter (`;`, `,`, tab) are guessed from the first
//! 64 KiB unless the user says. The file is streamed: only rows are kept.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{Cell, MAX_CELL_CHARS, MAX_COLUMNS, ReadNote, ReadOptions, Sink, clean_headers, find_header};
use crate::error::{Failure, InputProblem, Result};
use crate::messages::{Message, Text};

/// A text file's encoding (`--encoding`: utf-8, windows-1252, utf-16le, utf-16be).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
    Utf16Le,
    Utf16Be,
}

const SNIFF_BYTES: usize = 64 * 1024;

pub(super) fn read_text(path: &Path, sheet_name: &str, opts: &ReadOptions, sink: &mut Sink) -> Result<()> {
    let (mut csv, field_encoding, crlf) = open_decoded(path, opts, sink)?;
    let fields = Fields { path, sheet_name, encoding: field_encoding, strict: opts.encoding.is_some() };
    let mut record = csv::ByteRecord::new();
    let mut before_header: Vec<(u32, Vec<String>)> = Vec::new();
    let mut headers: Option<Vec<String>> = None;
    // With CRLF, csv counts a record's line break when it reads the next
    // record, so a record starts on the line after where the reader stood;
    // with LF alone, the record knows its own first line.
    let mut next_line = 1u32;
    loop {
        let mut line = next_line;
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let cause = Some(std::io::Error::from(e));
                return Err(Failure::Input { file: path.to_path_buf(), problem: InputProblem::Unreadable, cause });
            }
        }
        next_line = csv.position().line() as u32 + 1;
        if !crlf {
            line = record.position().map_or(line, |p| p.line() as u32);
        }
        if record.len() > MAX_COLUMNS {
            return Err(too_wide(path, line, record.len()));
        }
        let (cells, notes) = fields.cells(&record, line, &headers, sink.width())?;
        match &headers {
            None => {
                before_header.push((line, cells.into_iter().map(|c| c.text).collect()));
                let texts: Vec<Vec<String>> = before_header.iter().map(|(_, r)| r.clone()).collect();
                if let Some(h) = find_header(&texts) {
                    let h = clean_headers(&before_header[h].1);
                    sink.start_sheet(sheet_name, h.clone());
                    headers = Some(h);
                    before_header.clear();
                } else if before_header.len() >= super::HEADER_SEARCH_ROWS {
                    break;
                }
            }
            Some(_) => {
                if cells.iter().any(|c| !crate::normalize::trim_cell(&c.text).0.is_empty()) {
                    sink.row(line, cells, notes);
                }
            }
        }
    }
    if headers.is_none() {
        let seen: Vec<String> = before_header
            .iter()
            .find(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
            .map(|(_, r)| r.iter().filter(|c| !c.trim().is_empty()).cloned().collect())
            .unwrap_or_default();
        return Err(super::no_code_dossier(path, &seen));
    }
    Ok(())
}

/// The CSV reader, the encoding its fields are in, and whether lines end in CRLF.
type Decoded = (csv::Reader<Box<dyn Read>>, Encoding, bool);

/// The file opened as CSV records: its encoding given or sniffed (UTF-16
/// transcoded on the fly), its delimiter given or sniffed. Returns the
/// reader, the encoding its fields are in, and whether lines end in CRLF.
fn open_decoded(path: &Path, opts: &ReadOptions, sink: &mut Sink) -> Result<Decoded> {
    let lang = opts.lang;
    let io_err = |e: std::io::Error| super::io_failure(path, e);
    let mut buffered = BufReader::with_capacity(SNIFF_BYTES, File::open(path).map_err(io_err)?);
    let head = buffered.fill_buf().map_err(io_err)?.to_vec();
    let (encoding, bom_len) = match opts.encoding {
        Some(e) => (e, bom_length(&head, e)),
        None => sniff_encoding(&head),
    };
    if opts.encoding.is_none() && encoding == Encoding::Windows1252 {
        sink.remark(Message::EncodingDetected1252.text(lang));
    }
    // UTF-16 is transcoded to UTF-8 on the fly; other encodings are decoded
    // field by field, which also copes with files of mixed encodings.
    let (reader, head_text, field_encoding): (Box<dyn Read>, String, Encoding) = match encoding {
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let enc = if encoding == Encoding::Utf16Le { UTF_16LE } else { UTF_16BE };
            let head_text = enc.decode_with_bom_removal(&head).0.into_owned();
            let r = DecodeReaderBytesBuilder::new().encoding(Some(enc)).bom_override(true).build(buffered);
            (Box::new(r), head_text, Encoding::Utf8)
        }
        _ => {
            buffered.consume(bom_len);
            let head_text = decode(&head[bom_len..], encoding).0;
            (Box::new(buffered), head_text, encoding)
        }
    };
    let delimiter = opts.delimiter.unwrap_or_else(|| sniff_delimiter(&head_text));
    let csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(reader);
    let crlf = head_text.find('\n').is_none_or(|i| head_text[..i].ends_with('\r'));
    Ok((csv, field_encoding, crlf))
}

/// How one record's fields become cells.
struct Fields<'a> {
    path: &'a Path,
    sheet_name: &'a str,
    encoding: Encoding,
    /// `--encoding` given: a field not in it is an error, not a guess.
    strict: bool,
}

impl Fields<'_> {
    fn cells(
        &self,
        record: &csv::ByteRecord,
        line: u32,
        headers: &Option<Vec<String>>,
        width: usize,
    ) -> Result<(Vec<Cell>, Vec<ReadNote>)> {
        let mut notes = Vec::new();
        let mut cells = Vec::with_capacity(record.len().max(width));
        for (i, field) in record.iter().enumerate() {
            if field.len() > MAX_CELL_CHARS * 4 {
                return Err(cell_too_long(self.path, self.sheet_name, line, i));
            }
            let (text, fell_back) = match self.strict {
                true => (strict_decode(field, self.encoding), false),
                false => decode(field, self.encoding),
            };
            if fell_back && !self.strict {
                notes.push(ReadNote::MixedEncoding { column: header_name(headers, i) });
            }
            if text.chars().count() > MAX_CELL_CHARS {
                return Err(cell_too_long(self.path, self.sheet_name, line, i));
            }
            cells.push(Cell::text(text));
        }
        Ok((cells, notes))
    }
}

fn header_name(headers: &Option<Vec<String>>, i: usize) -> String {
    headers.as_ref().and_then(|h| h.get(i).cloned()).unwrap_or_else(|| format!("colonne_{}", super::column_letter(i)))
}

/// Decodes one field; says whether it was not in the file's main encoding
/// (mixed encodings): a UTF-8 file's field that is not UTF-8 is read as
/// Windows-1252, and a Windows-1252 file's field that is valid multi-byte
/// UTF-8 is read as UTF-8 (real 1252 text almost never forms such bytes).
fn decode(bytes: &[u8], encoding: Encoding) -> (String, bool) {
    match encoding {
        Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_string(), false),
            Err(_) => (WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(), true),
        },
        Encoding::Windows1252 => match std::str::from_utf8(bytes) {
            Ok(s) if !s.is_ascii() => (s.to_string(), true),
            _ => (WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(), false),
        },
        Encoding::Utf16Le => (UTF_16LE.decode_without_bom_handling(bytes).0.into_owned(), false),
        Encoding::Utf16Be => (UTF_16BE.decode_without_bom_handling(bytes).0.into_owned(), false),
    }
}

/// `--encoding` given: the user's word is law.
fn strict_decode(bytes: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Windows1252 => WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
        // UTF-16 was transcoded to UTF-8 before the CSV reader.
        Encoding::Utf16Le | Encoding::Utf16Be => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn bom_length(head: &[u8], e: Encoding) -> usize {
    match e {
        Encoding::Utf8 if head.starts_with(b"\xEF\xBB\xBF") => 3,
        _ => 0,
    }
}

/// BOM first; then UTF-16 without BOM (every other byte NUL); then UTF-8 if
/// the head is valid UTF-8 (a character cut at the end is fine); else 1252.
fn sniff_encoding(head: &[u8]) -> (Encoding, usize) {
    if head.starts_with(b"\xEF\xBB\xBF") {
        return (Encoding::Utf8, 3);
    }
    if head.starts_with(b"\xFF\xFE") {
        return (Encoding::Utf16Le, 0);
    }
    if head.starts_with(b"\xFE\xFF") {
        return (Encoding::Utf16Be, 0);
    }
    let sample = &head[..head.len().min(512)];
    if sample.len() >= 4 {
        let odd_nuls = sample.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        let even_nuls = sample.iter().step_by(2).filter(|b| **b == 0).count();
        let half = sample.len() / 2;
        if odd_nuls * 10 >= half * 9 && even_nuls == 0 {
            return (Encoding::Utf16Le, 0);
        }
        if even_nuls * 10 >= half * 9 && odd_nuls == 0 {
            return (Encoding::Utf16Be, 0);
        }
    }
    match std::str::from_utf8(head) {
        Ok(_) => (Encoding::Utf8, 0),
        Err(e) if e.error_len().is_none() => (Encoding::Utf8, 0),
        Err(_) => (Encoding::Windows1252, 0),
    }
}

/// The candidate that splits the first lines most consistently.
fn sniff_delimiter(head: &str) -> u8 {
    let lines: Vec<&str> = head.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    let mut best = (b';', 0usize);
    for d in [b';', b'\t', b','] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d as char)).collect();
        // The most frequent non-zero count, weighted by how often it occurs.
        let mut score = 0;
        for &c in counts.iter().filter(|c| **c > 0) {
            let freq = counts.iter().filter(|x| **x == c).count();
            score = score.max(freq * 1000 + c);
        }
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: char) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for c in line.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if c == d && !quoted {
            n += 1;
        }
    }
    n
}

fn too_wide(path: &Path, line: u32, columns: usize) -> Failure {
    Failure::input(path, InputProblem::TooWide { line, columns })
}

pub(super) fn cell_too_long(path: &Path, sheet: &str, line: u32, col: usize) -> Failure {
    let column = super::column_letter(col);
    Failure::input(path, InputProblem::CellTooLong { sheet: sheet.to_string(), line, column })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("code_dossier;email;nom\nA;b@c.fr;X\n"), b';');
        assert_eq!(sniff_delimiter("code_dossier,email,nom\nA,b@c.fr,X\n"), b',');
        assert_eq!(sniff_delimiter("code_dossier\temail\nA\tb\n"), b'\t');
        // A comma inside a quoted name does not fool the sniffer.
        assert_eq!(sniff_delimiter("code;nom\nA;\"Dupont, Jean\"\n"), b';');
    }

    #[test]
    fn encodings() {
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFcode").0, Encoding::Utf8);
        assert_eq!(sniff_encoding("Prénom".as_bytes()).0, Encoding::Utf8);
        assert_eq!(sniff_encoding(b"Pr\xe9nom;t\xe9l").0, Encoding::Windows1252);
        assert_eq!(sniff_encoding(b"c\0o\0d\0e\0").0, Encoding::Utf16Le);
    }
}
