//! Stage 1, read: a cabinet's file (CSV/TSV/TXT, XLSX/XLSM, XLS, ODS) becomes
//! raw rows, each identified as the user sees it (sheet + row): handed on
//! sheet by sheet in batches while the file is parsed (`read_streamed`), then
//! made a `Table` (`assemble`); `read_table` does both.
//!
//! The format is recognised from the content, not only the extension, so a
//! workbook saved as `.csv` by mistake is still read. Nothing here interprets
//! values beyond turning cells into text: typing happens in `rows`.

mod budget;
mod sniff;
mod text;
mod workbook;

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::error::{Failure, InputProblem, Result};
use crate::headers::{ColumnMap, Field};
use crate::i18n::Lang;
use crate::messages::{Message, Text};

use sniff::{Kind, check_archive, sniff_kind};
pub use text::Encoding;

/// Excel's own limits: past them the file is not a cabinet's sheet.
pub(crate) const MAX_COLUMNS: usize = 16_384;
pub(crate) const MAX_CELL_CHARS: usize = 32_767;
/// Excel's last row: a sheet claiming more is damaged or hostile.
pub(crate) const MAX_ROWS: u32 = 1_048_576;
/// How many rows above the header may hold titles.
pub(crate) const HEADER_SEARCH_ROWS: usize = 30;

/// One cell as read: its text, and whether the spreadsheet held a number
/// (which tells `rows` that leading zeros may have been lost).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cell {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub number: bool,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell { text: s.into(), number: false }
    }
}

/// Something the reader repaired on a row, reported as a warning.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadNote {
    /// A field was not valid UTF-8 in a UTF-8 file: read as Windows-1252.
    MixedEncoding { column: String },
    /// NUL or other control characters were removed from a field.
    ControlCharacters { column: String },
    /// Line breaks (Alt+Enter in Excel) or tabs inside a field became spaces.
    LineBreaks { column: String },
}

impl ReadNote {
    /// The column the repair was made in.
    pub fn column(&self) -> &str {
        match self {
            ReadNote::MixedEncoding { column }
            | ReadNote::ControlCharacters { column }
            | ReadNote::LineBreaks { column } => column,
        }
    }
}

/// One data row of the input: cells aligned on its sheet's columns as read,
/// on `Table::columns` once assembled.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub sheet: Arc<str>,
    /// Row number as the spreadsheet program shows it (1-based).
    pub line: u32,
    pub cells: Vec<Cell>,
    pub notes: Vec<ReadNote>,
}

impl RawRow {
    pub fn get(&self, i: usize) -> Option<&Cell> {
        self.cells.get(i)
    }
}

/// A sheet's header, handed on before its rows: the columns as written in
/// that sheet and the fields they hold.
#[derive(Debug, Clone)]
pub struct SheetHeader {
    pub name: Arc<str>,
    pub columns: Vec<String>,
    pub map: ColumnMap,
    /// A workbook's sheet (a text file is one sheet, named after the file).
    pub in_workbook: bool,
}

/// What the reader hands on while it reads: a sheet's header, then that
/// sheet's rows in batches, cells aligned on the sheet's own columns.
#[derive(Debug)]
pub(crate) enum Chunk {
    Sheet(Arc<SheetHeader>),
    Rows(Vec<RawRow>),
}

/// What is known only once the whole file is read: each sheet's final
/// columns (widened for data past the last header) and the remarks.
#[derive(Debug)]
pub(crate) struct Layout {
    pub source: Source,
    pub sheets: Vec<(Arc<str>, Vec<String>)>,
    pub remarks: Vec<String>,
    pub in_workbook: bool,
}

/// Rows per batch handed on: large enough that the hand-over costs
/// nothing, small enough that typing starts at once.
const BATCH_ROWS: usize = 1024;

/// Where the format readers put what they read, sheet by sheet.
pub(crate) struct Sink<'a> {
    send: &'a mut dyn FnMut(Chunk),
    in_workbook: bool,
    batch: Vec<RawRow>,
    /// The sheet being read: its header and the width its data reaches.
    sheet: Option<(Arc<SheetHeader>, usize)>,
    sheets: Vec<(Arc<str>, Vec<String>)>,
    remarks: Vec<String>,
}

impl<'a> Sink<'a> {
    fn new(send: &'a mut dyn FnMut(Chunk), in_workbook: bool) -> Sink<'a> {
        let batch = Vec::with_capacity(BATCH_ROWS);
        Sink { send, in_workbook, batch, sheet: None, sheets: Vec::new(), remarks: Vec::new() }
    }

    /// A sheet's header was found: its rows follow.
    pub(crate) fn start_sheet(&mut self, name: &str, columns: Vec<String>) {
        self.end_sheet();
        let (map, _) = ColumnMap::new(&columns);
        let in_workbook = self.in_workbook;
        let header = Arc::new(SheetHeader { name: Arc::from(name), columns, map, in_workbook });
        (self.send)(Chunk::Sheet(header.clone()));
        self.sheet = Some((header, 0));
    }

    /// Columns the current sheet's header names.
    pub(crate) fn width(&self) -> usize {
        self.sheet.as_ref().map_or(0, |(h, _)| h.columns.len())
    }

    /// A data row of the current sheet (blank rows are the reader's to skip).
    pub(crate) fn row(&mut self, line: u32, mut cells: Vec<Cell>, notes: Vec<ReadNote>) {
        let Some((header, reach)) = &mut self.sheet else { return };
        let used = cells.iter().rposition(|c| !c.text.trim().is_empty()).map_or(0, |p| p + 1);
        *reach = (*reach).max(used);
        if cells.len() < header.columns.len() {
            cells.resize(header.columns.len(), Cell::default());
        }
        let mut notes = notes;
        let keys = [header.map.get(Field::CodeDossier), header.map.get(Field::Email)];
        for (i, cell) in cells.iter_mut().enumerate() {
            // A control character in a key means a damaged file: `rows`
            // refuses it, so it is left as read.
            if !keys.contains(&Some(i)) {
                let column = header.columns.get(i).cloned().unwrap_or_else(|| format!("colonne_{}", column_letter(i)));
                clean_controls(cell, column, &mut notes);
            }
        }
        self.batch.push(RawRow { sheet: header.name.clone(), line, cells, notes });
        if self.batch.len() >= BATCH_ROWS {
            self.flush();
        }
    }

    pub(crate) fn remark(&mut self, remark: String) {
        self.remarks.push(remark);
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
            (self.send)(Chunk::Rows(full));
        }
    }

    /// Ends the current sheet; data past its last header gets a column
    /// named by its letter.
    pub(crate) fn end_sheet(&mut self) {
        self.flush();
        if let Some((header, reach)) = self.sheet.take() {
            let mut columns = header.columns.clone();
            while columns.len() < reach {
                columns.push(format!("colonne_{}", column_letter(columns.len())));
            }
            self.sheets.push((header.name.clone(), columns));
        }
    }
}

/// Inside a value (its ends are trimmed anyway), a line break or a tab
/// becomes a space and any other control character (C0, DEL, C1) goes;
/// each repair is noted for the row's warnings.
pub(crate) fn clean_controls(cell: &mut Cell, column: String, notes: &mut Vec<ReadNote>) {
    let inner = crate::normalize::trim_cell(&cell.text).0;
    if !inner.contains(char::is_control) {
        return;
    }
    let breaks = inner.contains(['\n', '\r', '\t']);
    let others = inner.contains(|c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    let text = cell.text.replace("\r\n", " ");
    cell.text = text
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    if breaks {
        notes.push(ReadNote::LineBreaks { column: column.clone() });
    }
    if others {
        notes.push(ReadNote::ControlCharacters { column });
    }
}

/// Where the rows came from; the hash ties a plan and a journal to the file.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub name: String,
    pub sha256: String,
}

/// Stage 1's output: every data row of every sheet read, in input order.
#[derive(Debug, Clone)]
pub struct Table {
    pub source: Source,
    /// Column names, the union over the sheets read, in order of appearance.
    pub columns: Vec<String>,
    pub map: ColumnMap,
    pub rows: Vec<RawRow>,
    /// File-level remarks (sheets skipped, encoding guessed…), for stderr.
    pub remarks: Vec<String>,
    /// Each sheet's header aligned on `columns` (its own names, blank where
    /// it lacks a column): what typing a row of it again needs.
    pub sheets: Vec<Arc<SheetHeader>>,
}

impl Table {
    /// The header of the sheet a row comes from.
    pub fn header_of(&self, row: &RawRow) -> Option<&Arc<SheetHeader>> {
        self.sheets.iter().find(|h| h.name == row.sheet)
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ReadOptions {
    pub sheet: Option<String>,
    pub encoding: Option<Encoding>,
    pub delimiter: Option<u8>,
    pub lang: Lang,
}

/// Reads the whole input into a `Table`.
pub(crate) fn read_table(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let mut rows = Vec::new();
    let layout = read_streamed(path, opts, &mut |chunk| {
        if let Chunk::Rows(batch) = chunk {
            rows.extend(batch);
        }
    })?;
    assemble(layout, rows, opts.lang)
}

/// Reads the input, handing each sheet's header and rows to `send` as they
/// are parsed; `assemble` then makes the `Table` of them.
pub(crate) fn read_streamed(path: &Path, opts: &ReadOptions, send: &mut dyn FnMut(Chunk)) -> Result<Layout> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let problem = match e.kind() {
            std::io::ErrorKind::NotFound => InputProblem::NotFound,
            _ => InputProblem::CannotOpen,
        };
        Failure::Input { file: path.to_path_buf(), problem, cause: Some(e) }
    })?;
    if meta.is_dir() {
        return Err(Failure::input(path, InputProblem::Folder));
    }
    if meta.len() == 0 {
        return Err(Failure::input(path, InputProblem::Empty));
    }
    let kind = sniff_kind(path).map_err(|e| io_failure(path, e))?;
    if kind == Kind::EncryptedOoxml {
        return Err(Failure::input(path, InputProblem::PasswordProtected));
    }
    if let Kind::NotASheet(what) = kind {
        return Err(Failure::input(path, InputProblem::NotASheet(what)));
    }
    if matches!(kind, Kind::Xlsx | Kind::Xlsb | Kind::Ods) {
        check_archive(path)?;
    }
    let before = std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok()));
    // The file's hash (which ties a plan and a journal to it) is computed
    // on a second thread while the sheet is parsed.
    let mut sink = Sink::new(send, kind != Kind::Text);
    let (sha256, read) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| hash_file(path));
        let read = match kind {
            Kind::Text => text::read_text(path, &file_name(path), opts, &mut sink),
            _ => workbook::read_workbook(path, kind, opts, &mut sink),
        };
        sink.end_sheet();
        let sha = hashing.join().unwrap_or_else(|_| Err(std::io::Error::other("hash")));
        (sha, read)
    });
    read?;
    let sha256 = sha256.map_err(|e| io_failure(path, e))?;
    let after = std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok()));
    if before != after {
        return Err(Failure::input(path, InputProblem::ChangedWhileRead));
    }
    let Sink { sheets, remarks, in_workbook, .. } = sink;
    let source = Source { path: path.to_path_buf(), name: file_name(path), sha256 };
    Ok(Layout { source, sheets, remarks, in_workbook })
}

/// The rows read, in input order, made into a `Table` on the union of the
/// sheets' columns (the same field under two spellings is one column).
pub(crate) fn assemble(layout: Layout, mut rows: Vec<RawRow>, lang: Lang) -> Result<Table> {
    let Layout { source, sheets, mut remarks, in_workbook } = layout;
    let mut columns: Vec<String> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut placement: HashMap<Arc<str>, (Vec<usize>, bool)> = HashMap::new();
    let mut sheet_names = Vec::new();
    for (name, headers) in sheets {
        let mut taken = vec![false; columns.len() + headers.len()];
        let index: Vec<usize> = headers
            .iter()
            .map(|h| {
                let key = Field::from_header(h).map_or_else(|| h.clone(), |f| f.name().to_string());
                let mut j = *by_key.entry(key).or_insert(columns.len());
                // A field named twice in one sheet keeps both columns: the
                // first is used, the second carried to the results.
                if taken[j] {
                    j = columns.len();
                }
                if j == columns.len() {
                    columns.push(h.clone());
                }
                taken[j] = true;
                j
            })
            .collect();
        let in_place = index.iter().enumerate().all(|(i, &j)| i == j);
        sheet_names.push((name.clone(), headers, index.clone()));
        placement.insert(name, (index, in_place));
    }
    let width = columns.len();
    let unknown = (Vec::new(), true);
    for r in &mut rows {
        let (index, in_place) = placement.get(&r.sheet).unwrap_or(&unknown);
        if *in_place {
            r.cells.truncate(index.len());
        } else {
            let mut aligned = vec![Cell::default(); width];
            for (c, &j) in std::mem::take(&mut r.cells).into_iter().zip(index) {
                aligned[j] = c;
            }
            r.cells = aligned;
        }
        r.cells.resize(width, Cell::default());
    }
    let (map, duplicates) = ColumnMap::new(&columns);
    for d in duplicates {
        remarks.push(Message::ColumnRepeated { column: &d }.text(lang));
    }
    if rows.is_empty() {
        return Err(Failure::input(&source.path, InputProblem::HeadersOnly));
    }
    let sheets = sheet_names
        .into_iter()
        .map(|(name, headers, index)| {
            // The sheet's own spelling where it has the column, nothing elsewhere.
            let mut own = vec![String::new(); width];
            for (h, j) in headers.into_iter().zip(index) {
                own[j] = h;
            }
            let (map, _) = ColumnMap::new(&own);
            Arc::new(SheetHeader { name, columns: own, map, in_workbook })
        })
        .collect();
    Ok(Table { source, columns, map, rows, remarks, sheets })
}

/// Finds the header row: the first of the first rows that names a code
/// dossier column. Returns its index.
fn find_header(rows: &[Vec<String>]) -> Option<usize> {
    rows.iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| r.iter().any(|h| Field::from_header(h) == Some(Field::CodeDossier)))
}

/// Cleans header texts: trims, removes a glued BOM, names blank headers by
/// their column letter.
fn clean_headers(raw: &[String]) -> Vec<String> {
    raw.iter()
        .enumerate()
        .map(|(i, h)| {
            let h = crate::normalize::trim_cell(h.trim_start_matches('\u{FEFF}')).0;
            let h: String = h.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            if h.trim().is_empty() { format!("colonne_{}", column_letter(i)) } else { h }
        })
        .collect()
}

/// `0` is `A`, `27` is `AB`, as a spreadsheet names columns.
pub(crate) fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

fn io_failure(path: &Path, e: std::io::Error) -> Failure {
    Failure::Input { file: path.to_path_buf(), problem: InputProblem::Unreadable, cause: Some(e) }
}

/// A file without any code dossier column, with the headers seen.
fn no_code_dossier(path: &Path, seen: &[String]) -> Failure {
    Failure::input(path, InputProblem::NoCodeDossierColumn { seen: seen.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
