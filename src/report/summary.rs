//! The results workbook's colours and its "Résumé" sheet: rows per status,
//! what each status means and what to do next, a chart, the messages.

use std::collections::BTreeMap;

use rust_xlsxwriter::{
    Chart, ChartFormat, ChartLine, ChartPoint, ChartSolidFill, ChartType, Color, Format, Worksheet, XlsxError,
};

use crate::i18n::Lang;
use crate::messages::WorkbookText;
use crate::outcome::Status;

use super::RowResult;

/// Background colour of the row in the XLSX results (and of its slice in
/// the chart): one per status.
pub(super) fn status_color(status: Status) -> u32 {
    status.colour()
}

/// "Résumé": counts per status with a chart, then counts per message.
pub(super) fn summary_sheet(sheet: &mut Worksheet, results: &[RowResult], lang: Lang) -> Result<(), XlsxError> {
    sheet.set_name(WorkbookText::SummarySheet.say(lang))?;
    let bold = Format::new().set_bold();
    let mut per_status: BTreeMap<Status, u32> = BTreeMap::new();
    let mut per_message: BTreeMap<(Status, &str), u32> = BTreeMap::new();
    for r in results {
        *per_status.entry(r.status).or_default() += 1;
        if !r.message.is_empty() && r.status != Status::Ok && r.status != Status::Valide {
            *per_message.entry((r.status, r.message.as_str())).or_default() += 1;
        }
    }
    sheet.write_string_with_format(0, 0, "statut", &bold)?;
    sheet.write_string_with_format(0, 1, WorkbookText::Rows.say(lang), &bold)?;
    sheet.write_string_with_format(0, 2, WorkbookText::WhatItMeans.say(lang), &bold)?;
    // Rows tall enough for the meaning's lines: spreadsheets do not grow a
    // row for wrapped text written by a program.
    let top = rust_xlsxwriter::FormatAlign::Top;
    let wrap = Format::new().set_text_wrap().set_align(top);
    for (i, (st, n)) in per_status.iter().enumerate() {
        let fmt = Format::new().set_background_color(Color::RGB(status_color(*st))).set_align(top);
        let row = i as u32 + 1;
        sheet.write_string_with_format(row, 0, st.word(), &fmt)?;
        sheet.write_number_with_format(row, 1, *n, &Format::new().set_align(top))?;
        sheet.write_string_with_format(row, 2, crate::messages::status_meaning(*st, lang), &wrap)?;
        sheet.set_row_height(row, 45)?;
    }
    let total_row = per_status.len() as u32 + 1;
    sheet.write_string_with_format(total_row, 0, WorkbookText::Total.say(lang), &bold)?;
    sheet.write_number_with_format(total_row, 1, results.len() as f64, &bold)?;
    if !per_status.is_empty() {
        let mut chart = Chart::new(ChartType::Pie);
        let name = sheet.name();
        // Each slice in its status's colour, as the rows of the results.
        let slices: Vec<ChartPoint> = per_status
            .keys()
            .map(|st| {
                ChartPoint::new().set_format(
                    ChartFormat::new()
                        .set_solid_fill(ChartSolidFill::new().set_color(Color::RGB(status_color(*st))))
                        .set_border(ChartLine::new().set_color(Color::RGB(0x808080))),
                )
            })
            .collect();
        chart
            .add_series()
            .set_categories((name.as_str(), 1, 0, per_status.len() as u32, 0))
            .set_values((name.as_str(), 1, 1, per_status.len() as u32, 1))
            .set_points(&slices)
            .set_name(WorkbookText::RowsPerStatus.say(lang));
        chart.title().set_name(WorkbookText::RowsPerStatus.say(lang));
        // Below the counts, not beside them: the page holds both whole.
        sheet.insert_chart(total_row + 2, 0, &chart)?;
    }
    let start = total_row + 18;
    sheet.write_string_with_format(start, 0, "statut", &bold)?;
    sheet.write_string_with_format(start, 1, WorkbookText::Rows.say(lang), &bold)?;
    sheet.write_string_with_format(start, 2, "message", &bold)?;
    let mut messages: Vec<_> = per_message.into_iter().collect();
    messages.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (i, ((st, msg), n)) in messages.iter().enumerate() {
        let r = start + 1 + i as u32;
        sheet.write_string(r, 0, st.word())?;
        sheet.write_number(r, 1, *n)?;
        // Wrapped in its column (not spilling onto a second page's width).
        sheet.write_string_with_format(r, 2, *msg, &wrap)?;
        sheet.set_row_height(r, 15.0 * lines_needed(msg, 100.0) as f64)?;
    }
    sheet.set_column_width(0, 14)?;
    sheet.set_column_width(2, 100)?;
    // Printed: the counts and the chart whole on the first page (A4
    // landscape at 85 %: about 870 px wide, 750 px tall with every status),
    // the messages after. A scale, not "fit to": spreadsheets ignore page
    // breaks when fitting.
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_print_scale(85);
    sheet.set_page_breaks(&[start])?;
    Ok(())
}

/// Lines a text wraps to in a column of `width` characters (by words).
pub(super) fn lines_needed(text: &str, width: f64) -> usize {
    let width = (width as usize).saturating_sub(1).max(1);
    let (mut lines, mut used) = (1, 0);
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if used > 0 && used + 1 + len <= width {
            used += 1 + len;
            continue;
        }
        if used > 0 {
            lines += 1;
        }
        // A word longer than the column is cut over several lines.
        lines += (len - 1) / width;
        used = (len - 1) % width + 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_are_counted_by_words() {
        assert_eq!(lines_needed("", 10.0), 1);
        assert_eq!(lines_needed("court", 10.0), 1);
        assert_eq!(lines_needed("un deux trois quatre cinq", 10.0), 4, "un deux / trois / quatre / cinq");
        assert_eq!(lines_needed("abcdefghijklmnopqrst", 10.0), 3, "a long word is cut");
    }
}
