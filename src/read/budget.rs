//! What reading one workbook may cost, page and command line alike: memory
//! (estimated from what the readers hold — the parts calamine loads whole,
//! counted as they decompress, then the cells kept) and time, both checked
//! while reading, so that a small file that unpacks to gigabytes (a
//! decompression bomb under every zip limit) is refused early.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Failure, InputProblem};

/// The memory a read may estimate for itself: with the program around it,
/// the process stays under 1 GB resident.
pub(super) const MAX_MEMORY: u64 = 640 << 20;
/// The time a read may take.
pub(super) const MAX_TIME: Duration = Duration::from_secs(30);
/// What a string or a cell costs beyond its text (its `String`, the
/// allocator's rounding).
const PER_ITEM: u64 = 40;

pub(super) struct Budget {
    started: Instant,
    used: u64,
    items: u64,
}

impl Budget {
    pub(super) fn new() -> Budget {
        Budget { started: Instant::now(), used: 0, items: 0 }
    }

    /// Counts `bytes` of text in `items` strings or cells; `Err` past the
    /// budget (the time is looked at every few thousand items).
    pub(super) fn spend(&mut self, bytes: u64, items: u64, path: &Path) -> Result<(), Failure> {
        self.used = self.used.saturating_add(bytes).saturating_add(items.saturating_mul(PER_ITEM));
        let before = self.items;
        self.items = self.items.saturating_add(items);
        if self.used > MAX_MEMORY {
            return Err(over(path));
        }
        if (before >> 12 != self.items >> 12 || items == 0) && self.started.elapsed() > MAX_TIME {
            return Err(over(path));
        }
        Ok(())
    }
}

/// The refusal of a workbook over its budget.
fn over(path: &Path) -> Failure {
    Failure::input(path, InputProblem::OverBudget { mb: MAX_MEMORY >> 20, secs: MAX_TIME.as_secs() })
}

/// Whether calamine loads this part of a zip whole (shared strings,
/// styles, the workbook; an ODS's content), rather than streaming it.
fn held_whole(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "content.xml"
        || ["sharedstrings.", "styles.", "workbook."]
            .iter()
            .any(|p| name.strip_prefix("xl/").is_some_and(|rest| rest.starts_with(p) && !rest.contains('/')))
}

/// Decompresses, counting as it goes, every part of the workbook's zip that
/// a reader will hold whole; refuses the file once the budget is spent.
pub(super) fn measure_parts(path: &Path, budget: &mut Budget) -> Result<(), Failure> {
    let Ok(file) = std::fs::File::open(path) else { return Ok(()) };
    // What cannot be listed or unpacked is left to calamine's own message.
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else { return Ok(()) };
    let names: Vec<String> =
        zip.file_names().filter_map(|n| n.ok()).filter(|n| held_whole(n)).map(|n| n.into_owned()).collect();
    let mut buf = vec![0u8; 1 << 16];
    for name in names {
        let Ok(mut part) = zip.by_name(&name) else { continue };
        let xml = name.ends_with(".xml");
        // An ODS sheet says « this cell, 16,384 times, on 1,500 rows » in a
        // few bytes; calamine makes the whole grid of it.
        let mut grid = (name == "content.xml").then(OdsGrid::default);
        loop {
            let n = match part.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // An XML string or cell opens a few tags; a binary record is
            // counted by its size.
            let items = if xml { memchr::memchr_iter(b'<', &buf[..n]).count() as u64 / 3 } else { n as u64 / 16 };
            budget.spend(n as u64, items, path)?;
            budget.spend(0, 0, path)?;
            if let Some(grid) = grid.as_mut() {
                grid.feed(&buf[..n]);
                if grid.cells().saturating_mul(PER_ITEM) > MAX_MEMORY {
                    return Err(over(path));
                }
            }
        }
    }
    Ok(())
}

/// The grid calamine builds for an ODS's sheets, measured from the
/// repetitions written in content.xml as it streams: for each sheet, from
/// its first cell to its last one holding something, rows × columns.
#[derive(Default)]
struct OdsGrid {
    /// The tag being read (it may straddle two chunks).
    tag: Vec<u8>,
    in_tag: bool,
    /// This sheet: the next row's number, its repetition, the next column.
    row: u64,
    row_repeat: u64,
    col: u64,
    /// This sheet's extent of cells holding something.
    last_row: u64,
    last_col: u64,
    /// The cells of the sheets finished.
    done: u64,
}

impl OdsGrid {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match (self.in_tag, b) {
                (false, b'<') => {
                    self.in_tag = true;
                    self.tag.clear();
                }
                (true, b'>') => {
                    self.in_tag = false;
                    let tag = std::mem::take(&mut self.tag);
                    self.on_tag(&tag);
                    self.tag = tag;
                }
                // A tag's name and attributes are short; a longer one is no
                // cell or row of interest (only its start is kept).
                (true, _) if self.tag.len() < 4096 => self.tag.push(b),
                _ => {}
            }
        }
    }

    fn on_tag(&mut self, tag: &[u8]) {
        let count = |name: &str| attribute(tag, name).unwrap_or(1).max(1);
        if tag.starts_with(b"table:table ") || tag == b"table:table" {
            (self.row, self.last_row, self.last_col) = (0, 0, 0);
        } else if tag.starts_with(b"/table:table") && !tag.starts_with(b"/table:table-") {
            self.done = self.done.saturating_add(self.last_row.saturating_mul(self.last_col));
            (self.last_row, self.last_col) = (0, 0);
        } else if tag.starts_with(b"table:table-row")
            && (tag.len() == 15 || tag[15].is_ascii_whitespace() || tag[15] == b'/')
        {
            self.row_repeat = count("table:number-rows-repeated");
            self.col = 0;
            if tag.ends_with(b"/") {
                self.row = self.row.saturating_add(self.row_repeat);
            }
        } else if tag.starts_with(b"/table:table-row") {
            self.row = self.row.saturating_add(self.row_repeat);
        } else if tag.starts_with(b"table:table-cell") || tag.starts_with(b"table:covered-table-cell") {
            let repeat = count("table:number-columns-repeated");
            self.col = self.col.saturating_add(repeat);
            // A cell with a value, or with content, counts; trailing empty
            // cells repeated to the sheet's edge do not.
            if attribute(tag, "office:value-type").is_some() || !tag.ends_with(b"/") {
                self.last_col = self.last_col.max(self.col);
                self.last_row = self.last_row.max(self.row.saturating_add(self.row_repeat));
            }
        }
    }

    /// The cells of the grids so far (the sheet being read included).
    fn cells(&self) -> u64 {
        self.done.saturating_add(self.last_row.saturating_mul(self.last_col))
    }
}

/// An attribute's number (`name="12"`), or 1 for a present non-number
/// (`office:value-type="float"`); `None` when absent.
fn attribute(tag: &[u8], name: &str) -> Option<u64> {
    let key = format!("{name}=\"");
    let at = memchr::memmem::find(tag, key.as_bytes())? + key.len();
    let digits: Vec<u8> = tag[at..].iter().take_while(|b| b.is_ascii_digit()).copied().collect();
    Some(std::str::from_utf8(&digits).ok().and_then(|d| d.parse().ok()).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ods_grid_is_measured_from_its_repetitions() {
        let mut g = OdsGrid::default();
        let bomb = r#"<office:body><table:table table:name="F"><table:table-row><table:table-cell office:value-type="string"><text:p>code</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1500"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row></table:table></office:body>"#;
        // Fed in small pieces: tags straddle the chunks.
        for chunk in bomb.as_bytes().chunks(7) {
            g.feed(chunk);
        }
        assert_eq!(g.cells(), 1501 * 16384);
        // What LibreOffice writes for an ordinary sheet: empty cells and
        // rows repeated to the edge count for nothing.
        let mut g = OdsGrid::default();
        let plain = r#"<table:table table:name="F"><table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>b</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1022"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#;
        g.feed(plain.as_bytes());
        assert_eq!(g.cells(), 2);
    }

    #[test]
    fn the_parts_read_whole_are_the_ones_counted() {
        assert!(held_whole("xl/sharedStrings.xml") && held_whole("xl/sharedStrings.bin"));
        assert!(held_whole("content.xml") && held_whole("xl/styles.xml") && held_whole("xl/workbook.xml"));
        assert!(!held_whole("xl/worksheets/sheet1.xml") && !held_whole("xl/media/image1.png"));
        let mut b = Budget::new();
        let p = Path::new("x.xlsx");
        assert!(b.spend(MAX_MEMORY / 2, 0, p).is_ok());
        let e = b.spend(MAX_MEMORY / 2, 1000, p).unwrap_err();
        assert!(
            matches!(&e, Failure::Input { file, problem: InputProblem::OverBudget { .. }, .. } if file == p),
            "{e:?}"
        );
        let said = crate::messages::Text::text(&e, crate::i18n::Lang::Fr);
        assert!(said.contains("x.xlsx") && said.contains("n'a pas été lu"), "{said}");
    }
}
