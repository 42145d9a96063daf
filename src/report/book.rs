//! One place sets up a workbook as loopbatch writes them: Excel's own
//! compression level, text cells that Excel keeps as typed (a code dossier
//! never turns into a number or a date), the header row's style, sheet
//! names Excel accepts.

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};

use crate::read::Table;

/// A new workbook: Excel's own compression level, a third faster than the
/// default for a few % more.
pub(crate) fn workbook() -> Workbook {
    let mut book = Workbook::new();
    book.set_zip_compression_level(3);
    book
}

/// Text cells: Excel shows them as typed, never as a number or a date.
pub(crate) fn text() -> Format {
    Format::new().set_num_format_index(49)
}

/// The header row: bold, white on dark blue, a thin border.
pub(crate) fn header() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0x1F4E78))
        .set_font_color(Color::White)
        .set_border(FormatBorder::Thin)
}

/// A sheet's name as Excel accepts it: none of `[]:*?/\`, 31 characters
/// at most.
pub(crate) fn sheet_name(name: &str) -> String {
    name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}

/// A table as read (after fixes), as a new workbook: every sheet read,
/// every column kept, text cells.
pub(crate) fn table_xlsx(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut book = workbook();
    let (text, bold) = (text(), text().set_bold());
    for header in &table.sheets {
        let ws = book.add_worksheet();
        let name = sheet_name(&header.name);
        if !name.is_empty() {
            let _ = ws.set_name(&name);
        }
        for (c, column) in table.columns.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, column, &bold)?;
        }
        for (r, raw) in (1u32..).zip(table.rows.iter().filter(|raw| raw.sheet == header.name)) {
            for (c, cell) in raw.cells.iter().enumerate() {
                ws.write_string_with_format(r, c as u16, &cell.text, &text)?;
            }
        }
    }
    book.save_to_buffer()
}
