//! The « Impression » sheet of the results workbook: what a person reads on
//! paper — code dossier, name, e-mail, status, Loop's message, the advice —
//! set up to print on A4 landscape, one page wide, the header row repeated on
//! every page. The wide « Résultats » sheet keeps every column for Excel.

use rust_xlsxwriter::{Color, FormatAlign, Worksheet, XlsxError};

use crate::headers::{ColumnMap, Field};
use crate::i18n::Lang;
use crate::messages::WorkbookText;
use crate::plan::PlanRow;

use super::summary::{lines_needed, status_color};
use super::{RowResult, advice_for};

/// The columns' widths (in characters of Calibri 11: 7 px each, plus 5 px
/// a column): A4 landscape with these margins holds them one page wide at
/// about 85 % (tested: never below 70 %).
const WIDTHS: [f64; 6] = [11.0, 20.0, 27.0, 12.0, 46.0, 42.0];
/// Margins (inches): left, right, top, bottom, header, footer.
const MARGINS: (f64, f64, f64, f64, f64, f64) = (0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
/// Paper size code of A4 in the workbook format.
const A4: u8 = 9;

pub(super) fn print_sheet(
    sheet: &mut Worksheet,
    columns: &[String],
    rows: &[PlanRow],
    results: &[RowResult],
    lang: Lang,
) -> Result<(), XlsxError> {
    sheet.set_name(WorkbookText::PrintSheet.say(lang))?;
    let (map, _) = ColumnMap::new(columns);
    let header = super::book::header().set_text_wrap();
    let titles = [
        WorkbookText::DossierCode.say(lang),
        WorkbookText::Name.say(lang),
        "e-mail",
        "statut",
        "message",
        WorkbookText::Advice.say(lang),
    ];
    for (c, t) in titles.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *t, &header)?;
        sheet.set_column_width(c as u16, WIDTHS[c])?;
    }
    let wrap = super::book::text().set_text_wrap().set_align(FormatAlign::Top);
    for (n, (row, r)) in rows.iter().zip(results).enumerate() {
        let line = n as u32 + 1;
        let name = format!("{} {}", cell(&map, row, Field::Prenom), cell(&map, row, Field::Nom)).trim().to_string();
        let conseil = advice_for(r, lang);
        let status = wrap.clone().set_background_color(Color::RGB(status_color(r.status)));
        let values = [
            cell(&map, row, Field::CodeDossier),
            &name,
            cell(&map, row, Field::Email),
            r.status.word(),
            &r.message,
            conseil,
        ];
        for (c, v) in values.iter().enumerate() {
            let fmt = if c == 3 { &status } else { &wrap };
            sheet.write_string_with_format(line, c as u16, *v, fmt)?;
        }
        // Programs do not grow a row for wrapped text: as tall as its
        // longest cell needs.
        let lines = values.iter().zip(WIDTHS).map(|(v, w)| lines_needed(v, w)).max().unwrap_or(1);
        sheet.set_row_height(line, 15.0 * lines as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_landscape();
    sheet.set_paper_size(A4);
    let (l, r, t, b, h, f) = MARGINS;
    sheet.set_margins(l, r, t, b, h, f);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_footer(WorkbookText::PageFooter.say(lang));
    Ok(())
}

/// Who each row is about, as the page shows it beside its result: the
/// dossier code, the person's name (first name then name) and e-mail.
pub fn people(columns: &[String], rows: &[PlanRow]) -> Vec<[String; 3]> {
    let (map, _) = ColumnMap::new(columns);
    rows.iter()
        .map(|row| {
            let name = format!("{} {}", cell(&map, row, Field::Prenom), cell(&map, row, Field::Nom));
            [
                cell(&map, row, Field::CodeDossier).to_string(),
                name.trim().to_string(),
                cell(&map, row, Field::Email).to_string(),
            ]
        })
        .collect()
}

/// A known field's cell in a row, trimmed ("" when the sheet has no such
/// column).
fn cell<'a>(map: &ColumnMap, row: &'a PlanRow, f: Field) -> &'a str {
    map.get(f).and_then(|i| row.values.get(i)).map_or("", |v| v.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_fit_one_page_wide_at_70_percent_or_more() {
        let pixels: f64 = WIDTHS.iter().map(|w| w * 7.0 + 5.0).sum();
        let printable = (11.69 - MARGINS.0 - MARGINS.1) * 96.0;
        let scale = printable / pixels;
        assert!(scale >= 0.7, "would print at {:.0} %", scale * 100.0);
    }
}
