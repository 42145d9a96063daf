//! The history's export (`loopbatch history --results`, the page's
//! download): one line per call (or per run), as XLSX through the one
//! workbook setup (`book`), or as CSV through the results' formula guard
//! (`csv_safe`): Loop's messages are values from an answer, never a
//! formula. Its columns never depend on the language, as the results'.

use std::path::Path;

use rust_xlsxwriter::XlsxError;

use crate::error::{Failure, HistoryRefusal, Refusal, Result, WriteProblem};
use crate::files::write_atomic;
use crate::i18n::Lang;
use crate::messages::{HistoryMessage, Text};

use super::{ResultsFormat, book, write_plain_csv};

/// A call's history columns (a new one goes last).
pub(crate) const CALL_COLUMNS: [&str; 18] = [
    "horodatage",
    "utilisateur",
    "poste",
    "execution",
    "tableur",
    "feuille",
    "ligne",
    "appel",
    "operation",
    "dossier",
    "email",
    "statut",
    "code_http",
    "message",
    "request_id",
    "verification",
    "envoye_a",
    "offre",
];

/// The runs' columns (the history without a dossier or an e-mail).
pub(crate) const RUN_COLUMNS: [&str; 8] =
    ["debut", "fin", "utilisateur", "poste", "execution", "tableur", "envoyee_a", "lignes_par_statut"];

/// The most characters a cell of Excel holds.
const CELL_MAX: usize = crate::read::MAX_CELL_CHARS;

/// A value as a cell of Excel can hold it: cut, with a mark saying so,
/// past its limit (the registre keeps it whole).
fn cell(v: &str, lang: Lang) -> std::borrow::Cow<'_, str> {
    if v.len() <= CELL_MAX {
        return v.into();
    }
    let chars = v.chars().count();
    if chars <= CELL_MAX {
        return v.into();
    }
    let mark = HistoryMessage::Cut { chars }.text(lang);
    let kept: String = v.chars().take(CELL_MAX - mark.chars().count()).collect();
    format!("{kept}{mark}").into()
}

/// Whether an existing file is a history loopbatch wrote (its header is
/// one of the history's): the only kind `--results` may replace.
pub(crate) fn is_history(path: &Path) -> bool {
    let first_row: Option<Vec<String>> = match history_format(path) {
        Ok(ResultsFormat::Csv) => std::fs::read(path).ok().map(|bytes| {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            let line = body.split(|b| *b == b'\n').next().unwrap_or_default();
            String::from_utf8_lossy(line).trim_end().split(';').map(str::to_string).collect()
        }),
        Ok(ResultsFormat::Xlsx) => (|| {
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).ok()?;
            let name = book.sheet_names().first().cloned()?;
            let range = book.worksheet_range(&name).ok()?;
            range.rows().next().map(|r| r.iter().map(|c| c.to_string()).collect())
        })(),
        Err(_) => None,
    };
    let Some(row) = first_row else { return false };
    let known = |cols: &[&str]| row.len() >= cols.len().min(16) && row.iter().zip(cols).all(|(a, b)| a == b);
    known(&CALL_COLUMNS) || known(&RUN_COLUMNS)
}

/// Columns written as numbers in XLSX (they sort 1, 2, 10), by name.
const NUMBERS: [&str; 4] = ["execution", "ligne", "appel", "code_http"];

/// The format of a history file, from its extension: .xlsx or .csv only.
pub(crate) fn history_format(path: &Path) -> Result<ResultsFormat> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("xlsx") => Ok(ResultsFormat::Xlsx),
        Some("csv") => Ok(ResultsFormat::Csv),
        other => {
            let ext = other.map(|e| format!(".{e}")).unwrap_or_default();
            Err(Failure::refused(Refusal::History(HistoryRefusal::Extension { path: path.to_path_buf(), ext })))
        }
    }
}

/// Writes a history table (`header`, one `Vec` per line), XLSX or CSV by
/// the file's extension, whole or not at all.
pub(crate) fn write_history(path: &Path, header: &[&str], lines: &[Vec<String>], lang: Lang) -> Result<()> {
    match history_format(path)? {
        ResultsFormat::Csv => write_plain_csv(path, header, lines),
        ResultsFormat::Xlsx => {
            let bytes = history_xlsx(header, lines, lang)
                .map_err(|e| Failure::write(path, WriteProblem::Workbook((&e).into())))?;
            write_atomic(path, &bytes)
        }
    }
}

/// A history table as a workbook: text cells (never a formula, whatever
/// Loop answered), numbers where they sort, header frozen, a filter.
pub(crate) fn history_xlsx(header: &[&str], lines: &[Vec<String>], lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut book = book::workbook();
    let sheet = book.add_worksheet();
    sheet.set_name(book::sheet_name(crate::messages::HistoryText::History.say(lang)))?;
    let (head, text) = (book::header(), book::text());
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count() + 2).collect();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for (r, line) in (1u32..).zip(lines) {
        for (c, v) in line.iter().enumerate() {
            let number = NUMBERS.contains(&header.get(c).copied().unwrap_or_default());
            match v.parse::<u32>().ok().filter(|_| number) {
                Some(n) => sheet.write_number(r, c as u16, n)?,
                None => sheet.write_string_with_format(r, c as u16, &*cell(v, lang), &text)?,
            };
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(v.chars().count() + 2);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w).clamp(8, 60) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, lines.len() as u32, header.len().saturating_sub(1) as u16)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_xlsx_and_csv_and_the_other_extension_is_named() {
        assert_eq!(history_format(Path::new("h.XLSX")).unwrap(), ResultsFormat::Xlsx);
        assert_eq!(history_format(Path::new("h.csv")).unwrap(), ResultsFormat::Csv);
        let said = history_format(Path::new("h.pdf")).unwrap_err().to_string();
        assert!(said.contains("« .pdf »") && said.contains(".xlsx ou en .csv"), "{said}");
        let said = history_format(Path::new("historique")).unwrap_err().text(Lang::En);
        assert!(said.contains("history is written as .xlsx or .csv"), "{said}");
    }
}
