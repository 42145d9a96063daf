//! Workbooks: XLSX/XLSM, XLS and ODS through calamine.
//!
//! Every worksheet whose header row (possibly below title rows) names a code
//! dossier column is read; `--sheet` restricts that. Formulas are never
//! evaluated: calamine hands over the value the spreadsheet last computed.

use std::path::Path;

use calamine::{Data, Ods, Reader, SheetType, Sheets, Xls, Xlsx, open_workbook};

use super::{Cell, Kind, MAX_CELL_CHARS, MAX_COLUMNS, ReadOptions, SheetRows, clean_headers, find_header};
use crate::error::{Failure, Result};
use crate::i18n::Lang;
use crate::normalize::number_text;

pub(super) fn read_workbook(path: &Path, kind: Kind, opts: &ReadOptions) -> Result<Vec<SheetRows>> {
    let lang = opts.lang;
    let broken = |e: &dyn std::fmt::Display| {
        Failure::unusable(format!(
            "{} {} ({e}). {}",
            path.display(),
            lang.t("n'est pas un classeur lisible", "is not a readable workbook"),
            lang.t(
                "Le fichier est peut-être endommagé, tronqué ou protégé par un mot de passe : rouvrez-le dans Excel ou LibreOffice et enregistrez-le à nouveau.",
                "The file may be damaged, truncated or password-protected: open it again in Excel or LibreOffice and save it again."
            )
        ))
    };
    let mut book: Sheets<_> = match kind {
        Kind::Xlsx => Sheets::Xlsx(open_workbook::<Xlsx<_>, _>(path).map_err(|e| broken(&e))?),
        Kind::Ods => Sheets::Ods(open_workbook::<Ods<_>, _>(path).map_err(|e| broken(&e))?),
        _ => Sheets::Xls(open_workbook::<Xls<_>, _>(path).map_err(|e| broken(&e))?),
    };
    let names: Vec<String> =
        book.sheets_metadata().iter().filter(|s| s.typ == SheetType::WorkSheet).map(|s| s.name.clone()).collect();
    if let Some(wanted) = &opts.sheet
        && !names.iter().any(|n| n == wanted)
    {
        return Err(Failure::unusable(format!(
            "{} « {wanted} » {} {}. {} {}",
            lang.t("La feuille", "Sheet"),
            lang.t("n'existe pas dans", "does not exist in"),
            path.display(),
            lang.t("Feuilles présentes :", "Sheets present:"),
            names.join(", ")
        )));
    }
    let mut out = Vec::new();
    let mut first_seen: Vec<String> = Vec::new();
    let mut skipped = Vec::new();
    for name in &names {
        if opts.sheet.as_ref().is_some_and(|w| w != name) {
            continue;
        }
        let range = book.worksheet_range(name).map_err(|e| broken(&e))?;
        let Some((row0, col0)) = range.start() else {
            skipped.push(name.clone());
            continue;
        };
        if range.width() > MAX_COLUMNS {
            return Err(Failure::unusable(format!(
                "{}, {} « {name} » : {} {}",
                path.display(),
                lang.t("feuille", "sheet"),
                range.width(),
                lang.t("colonnes, plus qu'Excel n'en permet.", "columns, more than Excel allows.")
            )));
        }
        // Cells are indexed from the range's start, not from A1.
        let pad = col0 as usize;
        let mut rows_iter = range.rows().enumerate();
        let mut head: Vec<Vec<String>> = Vec::new();
        let mut header_at = None;
        for (i, r) in rows_iter.by_ref() {
            head.push(std::iter::repeat_n(String::new(), pad).chain(r.iter().map(|c| cell(c).text)).collect());
            if let Some(h) = find_header(&head) {
                header_at = Some((i, h));
                break;
            }
            if i + 1 >= super::HEADER_SEARCH_ROWS {
                break;
            }
        }
        let Some((_, h)) = header_at else {
            if first_seen.is_empty()
                && let Some(r) = head.iter().find(|r| r.iter().any(|c| !c.trim().is_empty()))
            {
                first_seen = r.iter().filter(|c| !c.trim().is_empty()).cloned().collect();
            }
            skipped.push(name.clone());
            continue;
        };
        let headers = clean_headers(&head[h]);
        let mut rows = Vec::new();
        for (i, r) in rows_iter {
            let line = row0 + i as u32 + 1;
            let mut cells = vec![Cell::default(); pad];
            for (j, c) in r.iter().enumerate() {
                let c = cell(c);
                if c.text.chars().count() > MAX_CELL_CHARS {
                    return Err(super::text::cell_too_long(path, name, line, pad + j, lang));
                }
                cells.push(c);
            }
            if cells.iter().any(|c| !crate::normalize::trim_cell(&c.text).0.is_empty()) {
                rows.push((line, cells, Vec::new()));
            }
        }
        let headers = super::text::widen_headers(headers, &rows);
        out.push(SheetRows { name: name.clone(), headers, rows, remarks: Vec::new() });
    }
    if out.is_empty() {
        return Err(super::no_code_dossier(path, &first_seen, lang));
    }
    if let Some(first) = out.first_mut() {
        for s in skipped {
            first.remarks.push(skipped_remark(&s, lang));
        }
    }
    Ok(out)
}

fn skipped_remark(sheet: &str, lang: Lang) -> String {
    format!(
        "{} « {sheet} » {}",
        lang.t("Feuille", "Sheet"),
        lang.t("ignorée : aucune colonne code_dossier.", "skipped: no code_dossier column.")
    )
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
        Data::Error(e) => Cell::text(format!("#{e:?}").to_uppercase()),
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
