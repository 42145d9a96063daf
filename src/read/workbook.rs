//! Workbooks: XLSX/XLSM, XLSB, XLS and ODS through calamine.
//!
//! Every worksheet whose header row (possibly below title rows) names a code
//! dossier column is read; `--sheet` restricts that. Formulas are never
//! evaluated: calamine hands over the value the spreadsheet last computed.

use std::path::Path;

use calamine::{Data, DataRef, Ods, Reader, SheetType, Sheets, Xls, Xlsb, Xlsx, open_workbook};

use super::budget::{Budget, measure_parts};
use super::sniff::Kind;
use super::{Cell, MAX_CELL_CHARS, MAX_COLUMNS, ReadOptions, Sink, clean_headers, find_header};
use crate::error::{Failure, InputProblem, Result};
use crate::i18n::Lang;
use crate::messages::{Message, Text};
use crate::normalize::number_text;

pub(super) fn read_workbook(path: &Path, kind: Kind, opts: &ReadOptions, sink: &mut Sink) -> Result<()> {
    let lang = opts.lang;
    // The library's own words (English, about zip records) tell a person
    // nothing: what is said is that the workbook is damaged, and the way out.
    let broken = |_: &dyn std::fmt::Display| Failure::input(path, InputProblem::DamagedWorkbook);
    // Memory and time, counted while reading (see `budget`).
    let mut budget = Budget::new();
    if matches!(kind, Kind::Xlsx | Kind::Xlsb | Kind::Ods) {
        measure_parts(path, &mut budget)?;
    }
    let mut book: Sheets<_> = match kind {
        Kind::Xlsx => Sheets::Xlsx(open_workbook::<Xlsx<_>, _>(path).map_err(|e| broken(&e))?),
        Kind::Xlsb => Sheets::Xlsb(open_workbook::<Xlsb<_>, _>(path).map_err(|e| broken(&e))?),
        Kind::Ods => Sheets::Ods(open_workbook::<Ods<_>, _>(path).map_err(|e| broken(&e))?),
        _ => Sheets::Xls(open_workbook::<Xls<_>, _>(path).map_err(|e| broken(&e))?),
    };
    let names: Vec<String> =
        book.sheets_metadata().iter().filter(|s| s.typ == SheetType::WorkSheet).map(|s| s.name.clone()).collect();
    if let Some(wanted) = &opts.sheet
        && !names.iter().any(|n| n == wanted)
    {
        let problem = InputProblem::NoSuchSheet { sheet: wanted.clone(), present: names.clone() };
        return Err(Failure::input(path, problem));
    }
    let mut found = false;
    let mut first_seen: Vec<String> = Vec::new();
    let mut skipped = Vec::new();
    for name in &names {
        if opts.sheet.as_ref().is_some_and(|w| w != name) {
            continue;
        }
        // XLSX and XLSB are streamed cell by cell (no dense grid, no copy
        // of every string); ODS and XLS come as a calamine range.
        let read = match &mut book {
            Sheets::Xlsx(x) => {
                let mut reader = x.worksheet_cells_reader(name).map_err(|e| broken(&e))?;
                let mut cells = std::iter::from_fn(move || streamed(reader.next_cell()));
                sheet_rows(path, name, &mut cells, sink, &mut budget)
            }
            Sheets::Xlsb(x) => {
                let mut reader = x.worksheet_cells_reader(name).map_err(|e| broken(&e))?;
                let mut cells = std::iter::from_fn(move || streamed(reader.next_cell()));
                sheet_rows(path, name, &mut cells, sink, &mut budget)
            }
            other => {
                let range = other.worksheet_range(name).map_err(|e| broken(&e))?;
                let (row0, col0) = range.start().unwrap_or((0, 0));
                let mut cells = range.cells().map(|(r, c, d)| Ok((row0 + r as u32, col0 + c as u32, cell(d))));
                sheet_rows(path, name, &mut cells, sink, &mut budget)
            }
        };
        match read.map_err(|e| e.unwrap_or_else(|m| broken(&m)))? {
            Found::Rows => found = true,
            Found::NoHeader(seen) => {
                if first_seen.is_empty() {
                    first_seen = seen;
                }
                skipped.push(name.clone());
            }
        }
    }
    if !found {
        return Err(super::no_code_dossier(path, &first_seen));
    }
    for s in skipped {
        sink.remark(skipped_remark(&s, lang));
    }
    Ok(())
}

/// One cell of a streamed sheet, as `sheet_rows` takes them.
fn streamed<E: std::fmt::Display>(
    next: std::result::Result<Option<calamine::Cell<DataRef<'_>>>, E>,
) -> Option<std::result::Result<(u32, u32, Cell), String>> {
    match next {
        Ok(Some(c)) => {
            let (r, col) = c.get_position();
            Some(Ok((r, col, cell_ref(c.get_value()))))
        }
        Ok(None) => None,
        Err(e) => Some(Err(e.to_string())),
    }
}

enum Found {
    /// The sheet's header and rows went to the sink.
    Rows,
    /// No code dossier header: the first non-empty row seen, for the message.
    NoHeader(Vec<String>),
}

/// Groups cells (absolute row, column, value), row by row in order, into
/// rows; finds the header among the first rows; hands non-empty data rows
/// to the sink.
/// `Err(Ok(f))` is a failure of ours, `Err(Err(m))` the workbook's.
fn sheet_rows(
    path: &Path,
    name: &str,
    cells: &mut dyn Iterator<Item = std::result::Result<(u32, u32, Cell), String>>,
    sink: &mut Sink,
    budget: &mut Budget,
) -> std::result::Result<Found, std::result::Result<Failure, String>> {
    let mut header = false;
    let mut head: Vec<Vec<String>> = Vec::new();
    let mut current: Option<(u32, Vec<Cell>)> = None;
    let finish = |row: (u32, Vec<Cell>), header: &mut bool, head: &mut Vec<Vec<String>>, sink: &mut Sink| {
        let (r, cells) = row;
        if *header {
            if cells.iter().any(|c| !crate::normalize::trim_cell(&c.text).0.is_empty()) {
                sink.row(r + 1, cells, Vec::new());
            }
            return false;
        }
        head.push(cells.into_iter().map(|c| c.text).collect());
        if let Some(h) = find_header(head) {
            sink.start_sheet(name, clean_headers(&head[h]));
            *header = true;
            return false;
        }
        // Give up on this sheet past the rows where a header may sit.
        head.len() >= super::HEADER_SEARCH_ROWS
    };
    for item in cells {
        let (r, c, value) = item.map_err(Err)?;
        let c = c as usize;
        out_of_bounds(path, name, (r, c), &value).map_err(Ok)?;
        budget.spend(value.text.len() as u64, 1, path).map_err(Ok)?;
        if current.as_ref().is_some_and(|(cr, _)| *cr != r) {
            let done = current.take().unwrap_or_default();
            if finish(done, &mut header, &mut head, sink) {
                break;
            }
        }
        let width = sink.width();
        let row = &mut current.get_or_insert_with(|| (r, Vec::with_capacity(width))).1;
        if row.len() <= c {
            row.resize(c + 1, Cell::default());
        }
        row[c] = value;
    }
    if let Some(last) = current.take() {
        finish(last, &mut header, &mut head, sink);
    }
    sink.end_sheet();
    match header {
        true => Ok(Found::Rows),
        false => Ok(Found::NoHeader(
            head.iter()
                .find(|r| r.iter().any(|c| !c.trim().is_empty()))
                .map(|r| r.iter().filter(|c| !c.trim().is_empty()).cloned().collect())
                .unwrap_or_default(),
        )),
    }
}

/// A cell past Excel's last row or column, or longer than a cell can be.
fn out_of_bounds(path: &Path, name: &str, (r, c): (u32, usize), value: &Cell) -> Result<()> {
    if r >= super::MAX_ROWS {
        return Err(Failure::input(path, InputProblem::BeyondLastRow { sheet: name.to_string() }));
    }
    if c >= MAX_COLUMNS {
        return Err(Failure::input(path, InputProblem::BeyondLastColumn { sheet: name.to_string(), row: r + 1 }));
    }
    if value.text.len() > MAX_CELL_CHARS && value.text.chars().count() > MAX_CELL_CHARS {
        return Err(super::text::cell_too_long(path, name, r + 1, c));
    }
    Ok(())
}

fn skipped_remark(sheet: &str, lang: Lang) -> String {
    Message::SheetSkipped { sheet }.text(lang)
}

/// A streamed XLSX cell as text, copied once.
fn cell_ref(d: &DataRef) -> Cell {
    match d {
        DataRef::SharedString(s) => Cell::text(*s),
        DataRef::String(s) => Cell::text(s.as_str()),
        DataRef::Float(f) => Cell { text: number_text(*f), number: true },
        DataRef::Int(i) => Cell { text: i.to_string(), number: true },
        DataRef::Empty => Cell::default(),
        other => cell(&Data::from(other.clone())),
    }
}

/// A cell as text; numbers keep the mark that they were numbers.
fn cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::default(),
        Data::String(s) => Cell::text(s.clone()),
        Data::Float(f) => Cell { text: number_text(*f), number: true },
        Data::Int(i) => Cell { text: i.to_string(), number: true },
        Data::Bool(b) => Cell::text(if *b { "VRAI" } else { "FAUX" }),
        Data::DateTime(dt) => Cell::text(excel_date(dt.as_f64(), dt.is_datetime())),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::text(s.clone()),
        Data::Error(e) => Cell::text(e.to_string()),
    }
}

/// A date serial (days since 1899-12-30) as ISO 8601.
fn excel_date(serial: f64, is_date: bool) -> String {
    let base = time::macros::datetime!(1899-12-30 0:00);
    let seconds = (serial * 86_400.0).round() as i64;
    match base.checked_add(time::Duration::seconds(seconds)) {
        Some(dt) if is_date && seconds % 86_400 == 0 => dt.date().to_string(),
        Some(dt) if is_date => format!("{} {}", dt.date(), dt.time()),
        _ => number_text(serial),
    }
}
