//! Stage 6, report: the results sheet, one line per input row, in input
//! order, with its original columns and what happened to it.
//!
//! CSV: UTF-8 with BOM and `;` so that French Excel opens it right; any cell
//! that could run as a formula gets a leading apostrophe (stripped again when
//! loopbatch reads its results back). XLSX: values written as text or
//! numbers, never formulas; header frozen, filter, colours, a "Résumé" sheet
//! and an « Impression » sheet. Files are written atomically: a crash never
//! leaves half a results file.
//!
//! Also PLAN.xlsx (`plan_xlsx`), the history's export (`history`), and the
//! results read back for `--only-failed` (`read_results`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatBorder, XlsxError};
use serde::{Deserialize, Serialize};

use crate::error::{CauseKind, Failure, Result, ResultsProblem, SystemCause, WriteProblem};
use crate::files::{write_atomic, write_atomic_with};
use crate::i18n::Lang;
use crate::messages::{Message, Text, WorkbookText};
use crate::outcome::{Status, now_iso};
use crate::plan::{Plan, PlanRow};

mod advice;
pub(crate) mod book;
pub(crate) mod history;
mod print;
mod summary;
pub use advice::advice_for;
pub use advice::status_said;
pub use print::people;
use print::print_sheet;
use summary::{status_color, summary_sheet};

/// Result columns added after the original ones (keep them stable: a new
/// one goes last, so that every existing column keeps its place).
pub(crate) const RESULT_COLUMNS: [&str; 11] = [
    "feuille",
    "ligne",
    "statut",
    "etape",
    "code_http",
    "message",
    "request_id",
    "object_id",
    "tentatives",
    "horodatage",
    "conseil",
];

/// Background colour of the row in the XLSX results.
/// What happened to one input row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowResult {
    pub status: Status,
    pub etape: String,
    pub code_http: Option<u16>,
    pub message: String,
    pub request_id: String,
    pub object_id: String,
    pub attempts: u32,
    pub timestamp: String,
}

impl RowResult {
    pub fn new(status: Status, message: impl Into<String>) -> RowResult {
        RowResult {
            status,
            etape: String::new(),
            code_http: None,
            message: message.into(),
            request_id: String::new(),
            object_id: String::new(),
            attempts: 0,
            timestamp: now_iso(),
        }
    }
}

/// The results of a check: VALIDE / INVALIDE / IGNORE, with every problem
/// and warning in the message.
pub(crate) fn check_results(rows: &[PlanRow], lang: Lang) -> Vec<RowResult> {
    let ts = now_iso();
    rows.iter().map(|r| check_result(r, &ts, lang)).collect()
}

fn check_result(r: &PlanRow, timestamp: &str, lang: Lang) -> RowResult {
    let status = match r.check {
        crate::plan::RowCheck::Valide => Status::Valide,
        crate::plan::RowCheck::Invalide => Status::Invalide,
        crate::plan::RowCheck::Ignore => Status::Ignore,
    };
    let mut message = r.problems_said(lang);
    for w in &r.warnings {
        if !message.is_empty() {
            message.push_str(" | ");
        }
        message.push_str(&Message::Warning { text: &w.text(lang) }.text(lang));
    }
    if status == Status::Ignore && message.is_empty() {
        message.push_str(&Message::NothingToDo.text(lang));
    }
    RowResult {
        status,
        etape: "validation".into(),
        code_http: None,
        message,
        request_id: String::new(),
        object_id: String::new(),
        attempts: 0,
        timestamp: timestamp.to_string(),
    }
}

/// Writes the results of `check`: for CSV, each row's result is made as its
/// line is written, never all of them at once.
pub(crate) fn write_check_results(path: &Path, columns: &[String], rows: &[PlanRow], lang: Lang) -> Result<()> {
    match results_format(path)? {
        ResultsFormat::Csv => {
            let ts = now_iso();
            write_atomic_with(path, |w| results_csv(w, columns, rows, |i| check_result(&rows[i], &ts, lang), lang))
        }
        ResultsFormat::Xlsx => write_results(path, columns, rows, &check_results(rows, lang), lang),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsFormat {
    Csv,
    Xlsx,
}

/// The format of a results path, from its extension.
pub fn results_format(path: &Path) -> Result<ResultsFormat> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("xlsx") => Ok(ResultsFormat::Xlsx),
        Some("csv" | "txt") => Ok(ResultsFormat::Csv),
        _ => Err(Failure::results(path, ResultsProblem::Extension)),
    }
}

/// The original columns kept in the results: a column named like a result
/// column (a results file given back as input) is regenerated, not copied.
fn kept_columns(columns: &[String]) -> Vec<usize> {
    let last = trailing_columns(columns);
    (0..columns.len()).filter(|&i| !RESULT_COLUMNS.contains(&columns[i].as_str()) && !last.contains(&i)).collect()
}

/// The columns written after the result columns: an undo's `verdict`
/// (its results keep every other column in its place).
fn trailing_columns(columns: &[String]) -> Vec<usize> {
    columns.iter().rposition(|c| c == crate::plan::undo::VERDICT_COLUMN).into_iter().collect()
}

/// Writes the results sheet, CSV or XLSX by extension, atomically.
pub(crate) fn write_results(
    path: &Path,
    columns: &[String],
    rows: &[PlanRow],
    results: &[RowResult],
    lang: Lang,
) -> Result<()> {
    match results_format(path)? {
        // Streamed: no copy of the whole output in memory.
        ResultsFormat::Csv => write_atomic_with(path, |w| results_csv(w, columns, rows, |i| &results[i], lang)),
        ResultsFormat::Xlsx => {
            let bytes = results_xlsx(columns, rows, results, lang).map_err(|e| xlsx_failure(path, e))?;
            write_atomic(path, &bytes)
        }
    }
}

fn result_cells(row: &PlanRow, r: &RowResult, lang: Lang) -> [String; 11] {
    [
        row.feuille.to_string(),
        row.ligne.to_string(),
        r.status.word().to_string(),
        r.etape.clone(),
        r.code_http.map(|c| c.to_string()).unwrap_or_default(),
        r.message.clone(),
        r.request_id.clone(),
        r.object_id.clone(),
        r.attempts.to_string(),
        r.timestamp.clone(),
        advice_for(r, lang).to_string(),
    ]
}

/// A cell that Excel could take for a formula gets a leading apostrophe.
pub(crate) fn csv_safe(v: &str) -> std::borrow::Cow<'_, str> {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}").into() } else { v.into() }
}

/// Undoes `csv_safe` when loopbatch reads its own results back.
pub(crate) fn csv_unsafe(v: &str) -> &str {
    match v.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => v,
    }
}

/// Rows per batch of CSV lines: batches are formatted side by side on the
/// thread pool, then written in order, so only a few batches are in memory.
const CSV_BATCH: usize = 4096;

fn results_csv<R: std::borrow::Borrow<RowResult>>(
    out: &mut dyn Write,
    columns: &[String],
    rows: &[PlanRow],
    result: impl Fn(usize) -> R + Sync,
    lang: Lang,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let (kept, last) = (kept_columns(columns), trailing_columns(columns));
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut header = csv_writer(Vec::new());
    for h in
        kept.iter().map(|&i| columns[i].as_str()).chain(RESULT_COLUMNS).chain(last.iter().map(|&i| columns[i].as_str()))
    {
        header.write_field(csv_safe(h).as_bytes())?;
    }
    header.write_record(None::<&[u8]>)?;
    out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    let window = CSV_BATCH * rayon::current_num_threads().max(1);
    for start in (0..rows.len()).step_by(window) {
        let end = (start + window).min(rows.len());
        let batches: Vec<std::io::Result<Vec<u8>>> = (start..end)
            .step_by(CSV_BATCH)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|from| csv_lines((&kept, &last), rows, from..(from + CSV_BATCH).min(end), &result, lang))
            .collect();
        for b in batches {
            out.write_all(&b?)?;
        }
    }
    out.flush()
}

fn csv_writer(buffer: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(buffer)
}

/// The CSV lines of some rows.
fn csv_lines<R: std::borrow::Borrow<RowResult>>(
    (kept, last): (&[usize], &[usize]),
    rows: &[PlanRow],
    range: std::ops::Range<usize>,
    result: &impl Fn(usize) -> R,
    lang: Lang,
) -> std::io::Result<Vec<u8>> {
    use std::fmt::Write as _;
    let mut w = csv_writer(Vec::with_capacity(range.len() * 256));
    // Numbers go through one reused buffer: no allocation per field.
    let mut number = String::new();
    for i in range {
        let (row, r) = (&rows[i], result(i));
        let r = r.borrow();
        for &c in kept {
            w.write_field(csv_safe(row.values.get(c).map_or("", String::as_str)).as_bytes())?;
        }
        w.write_field(csv_safe(&row.feuille).as_bytes())?;
        number.clear();
        let _ = write!(number, "{}", row.ligne);
        w.write_field(&number)?;
        w.write_field(r.status.word())?;
        w.write_field(csv_safe(&r.etape).as_bytes())?;
        number.clear();
        if let Some(c) = r.code_http {
            let _ = write!(number, "{c}");
        }
        w.write_field(&number)?;
        w.write_field(csv_safe(&r.message).as_bytes())?;
        w.write_field(csv_safe(&r.request_id).as_bytes())?;
        w.write_field(csv_safe(&r.object_id).as_bytes())?;
        number.clear();
        let _ = write!(number, "{}", r.attempts);
        w.write_field(&number)?;
        w.write_field(csv_safe(&r.timestamp).as_bytes())?;
        w.write_field(csv_safe(advice_for(r, lang)).as_bytes())?;
        for &c in last {
            w.write_field(csv_safe(row.values.get(c).map_or("", String::as_str)).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

fn results_xlsx(columns: &[String], rows: &[PlanRow], results: &[RowResult], lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let (kept, last) = (kept_columns(columns), trailing_columns(columns));
    let mut book = book::workbook();
    // Rows go to a temporary file as they are written, not held in memory.
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name(WorkbookText::ResultsSheet.say(lang))?;
    let header_fmt = book::header();
    let headers: Vec<&str> = kept
        .iter()
        .map(|&i| columns[i].as_str())
        .chain(RESULT_COLUMNS)
        .chain(last.iter().map(|&i| columns[i].as_str()))
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 2).collect();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &header_fmt)?;
    }
    let mut formats: BTreeMap<Status, (Format, Format)> = BTreeMap::new();
    for st in Status::all() {
        let base = Format::new()
            .set_background_color(Color::RGB(status_color(st)))
            .set_border(FormatBorder::Hair)
            .set_border_color(Color::RGB(0xBFBFBF));
        formats.insert(st, (base.clone().set_num_format_index(49), base));
    }
    for (n, (row, r)) in rows.iter().zip(results).enumerate() {
        let line = n as u32 + 1;
        let (text_fmt, number_fmt) = &formats[&r.status];
        let mut col = 0u16;
        for &i in &kept {
            let v = row.values.get(i).map_or("", String::as_str);
            let as_number = row.numbers.contains(&i).then(|| v.parse::<f64>().ok()).flatten();
            match as_number {
                Some(f) => sheet.write_number_with_format(line, col, f, number_fmt)?,
                None => sheet.write_string_with_format(line, col, v, text_fmt)?,
            };
            widths[col as usize] = widths[col as usize].max(v.chars().count() + 2);
            col += 1;
        }
        for (k, v) in result_cells(row, r, lang).into_iter().enumerate() {
            widths[col as usize] = widths[col as usize].max(v.chars().count() + 2);
            // The line number is a number: it sorts 1, 2, 10, 100.
            match RESULT_COLUMNS[k] {
                "ligne" => sheet.write_number_with_format(line, col, row.ligne, number_fmt)?,
                _ => sheet.write_string_with_format(line, col, v, text_fmt)?,
            };
            col += 1;
        }
        for &i in &last {
            let v = row.values.get(i).map_or("", String::as_str);
            widths[col as usize] = widths[col as usize].max(v.chars().count() + 2);
            sheet.write_string_with_format(line, col, v, text_fmt)?;
            col += 1;
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w).clamp(8, 60) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, headers.len().saturating_sub(1) as u16)?;
    summary_sheet(book.add_worksheet(), results, lang)?;
    print_sheet(book.add_worksheet(), columns, rows, results, lang)?;
    book.save_to_buffer()
}

fn xlsx_failure(path: &Path, e: XlsxError) -> Failure {
    Failure::write(path, WriteProblem::Workbook((&e).into()))
}

/// Writes the plan as a sheet a person can review (PLAN.xlsx).
pub(crate) fn write_plan_xlsx(plan: &Plan, path: &Path) -> Result<()> {
    let bytes = plan_xlsx(plan).map_err(|e| xlsx_failure(path, e))?;
    write_atomic(path, &bytes)
}

/// PLAN.xlsx's columns, whatever the language (as the results' columns).
pub(crate) const PLAN_COLUMNS: [&str; 7] = ["id", "dossier", "etape", "route", "corps_json", "lignes", "depend_de"];

/// The plan as a workbook a person can review, in memory.
pub fn plan_xlsx(plan: &Plan) -> Result<Vec<u8>, XlsxError> {
    let mut book = book::workbook();
    // As the results sheet: rows streamed to a temporary file.
    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name("Plan")?;
    let bold = Format::new().set_bold();
    let text = book::text();
    for (c, h) in PLAN_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, call) in plan.calls.iter().enumerate() {
        let r = i as u32 + 1;
        let rows: Vec<String> = call.rows.iter().map(|x| format!("{}!{}", x.feuille, x.ligne)).collect();
        let deps: Vec<String> = call.depends_on.iter().map(u32::to_string).collect();
        sheet.write_number(r, 0, call.id)?;
        sheet.write_string_with_format(r, 1, &*call.dossier, &text)?;
        sheet.write_string(r, 2, call.operation.name())?;
        sheet.write_string(r, 3, &*call.route)?;
        sheet.write_string_with_format(r, 4, call.body.to_string(), &text)?;
        sheet.write_string_with_format(r, 5, rows.join(", "), &text)?;
        sheet.write_string_with_format(r, 6, deps.join(", "), &text)?;
    }
    for (c, w) in [6.0, 14.0, 22.0, 42.0, 90.0, 24.0, 14.0].iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, plan.calls.len() as u32, 6)?;
    book.save_to_buffer()
}

/// A plain CSV as French Excel opens it (BOM, `;`, CRLF), formula-guarded.
pub(crate) fn write_plain_csv(path: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    write_atomic_with(path, |w| {
        w.write_all(b"\xEF\xBB\xBF")?;
        let mut c = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(w);
        c.write_record(header)?;
        for r in rows {
            c.write_record(r.iter().map(|v| csv_safe(v).into_owned()))?;
        }
        c.flush()
    })
}

/// Counts per status, for summaries.
pub(crate) fn count_statuses(results: &[RowResult]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for r in results {
        *m.entry(r.status.word()).or_default() += 1;
    }
    m
}

/// A results file read back: its header and its lines (column -> value),
/// with the CSV formula guard undone.
pub(crate) struct ReadBack {
    pub lines: Vec<std::collections::HashMap<String, String>>,
}

/// Reads a results file loopbatch wrote (CSV or XLSX).
pub(crate) fn read_results(path: &Path) -> Result<ReadBack> {
    let fail = |e: SystemCause| Failure::results(path, ResultsProblem::Unreadable(e));
    // What a reader refuses that is no system error: the content.
    let content = |e: &(dyn std::error::Error + 'static)| fail(SystemCause::within(e, CauseKind::InvalidData));
    // Not there: said in words (the system's own are English).
    if !path.exists() {
        return Err(Failure::results(path, ResultsProblem::Missing { page: false }));
    }
    let rows: Vec<Vec<String>> = match results_format(path)? {
        ResultsFormat::Csv => {
            let bytes = std::fs::read(path).map_err(|e| fail((&e).into()))?;
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            let mut r = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(body);
            let mut out = Vec::new();
            for rec in r.records() {
                let rec = rec.map_err(|e| fail((&e).into()))?;
                out.push(rec.iter().map(|v| csv_unsafe(v).to_string()).collect());
            }
            out
        }
        ResultsFormat::Xlsx => {
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).map_err(|e| content(&e))?;
            let no_sheet = || fail(SystemCause { kind: CauseKind::InvalidData, code: None, detail: "no sheet".into() });
            let name = book.sheet_names().first().cloned().ok_or_else(no_sheet)?;
            let range = book.worksheet_range(&name).map_err(|e| content(&e))?;
            range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            calamine::Data::Float(f) => crate::normalize::number_text(*f),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect()
        }
    };
    let mut it = rows.into_iter();
    let header = it.next().unwrap_or_default();
    if !["feuille", "ligne", "statut"].iter().all(|c| header.iter().any(|h| h == c)) {
        return Err(Failure::results(path, ResultsProblem::NotResults));
    }
    let lines = it
        .map(|r| header.iter().cloned().zip(r.into_iter().chain(std::iter::repeat(String::new()))).collect())
        .collect();
    Ok(ReadBack { lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_guard_round_trips() {
        for v in ["=1+1", "+33612345678", "-2", "@SUM(A1)", "\tx", "normal", "'quoted"] {
            assert_eq!(csv_unsafe(&csv_safe(v)), v);
        }
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("0612345678"), "0612345678");
    }

    #[test]
    fn a_failed_write_leaves_the_previous_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        std::fs::write(&p, "bon résultat").unwrap();
        let r = write_atomic_with(&p, |w| {
            w.write_all(b"moitie")?;
            Err(std::io::Error::other("disque plein"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "bon résultat");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn worst_status_order() {
        assert!(Status::Erreur > Status::AVerifier);
        assert!(Status::AVerifier > Status::NonExecute);
        assert!(Status::NonExecute > Status::Ignore);
        assert!(Status::Ignore > Status::Ok);
    }
}
