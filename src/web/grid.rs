//! The check's grid: the counts, remarks and problems (redrawn with each
//! fix), the rows with their cells to fix, paged at top and bottom. It fits
//! the window: the grid scrolls inside its own frame, sheet, line, status
//! and message stay in view, a long value is cut with its whole on focus.

use std::collections::BTreeMap;

use maud::{Markup, html};

use super::pages::layout;
use crate::job::Lang;
use crate::job::Row;
use crate::job::{self, Field};
use crate::job::{CheckedSheet, Status};
use crate::messages::GridText;
use crate::messages::{Message, Text, kind};

/// Rows shown per page: a 100,000-row sheet stays responsive.
pub(super) const PAGE_ROWS: usize = 50;

pub(super) struct SheetView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub sheet: &'a CheckedSheet,
    /// The registre's memory of the sheet (rows done, to send, held).
    pub memory: Option<&'a crate::job::MemoryCounts>,
    pub page: usize,
    pub only_problems: bool,
    pub lang: Lang,
    pub simulation: bool,
}

/// The counts, the memory's counts (when the sheet is checked against the
/// registre), the file's remarks and the problems by kind: sent again
/// with each fix, so that none is stale.
pub(super) fn summary(sheet: &CheckedSheet, memory: Option<&crate::job::MemoryCounts>, lang: Lang) -> Markup {
    let c = sheet.counts();
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for r in sheet.rows() {
        for p in &r.problems {
            *groups.entry(kind(p, lang)).or_default() += 1;
        }
    }
    let mut groups: Vec<(String, usize)> = groups.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    html! {
        div #summary data-testid="summary" data-rows=(c.rows) data-valid=(c.valid) data-invalid=(c.invalid)
            data-ignored=(c.ignored) role="status" aria-live="polite" {
            div.counts {
                span.count { (c.rows) " " (GridText::Rows.say(lang)) }
                // Said in words beside the code the results file keeps.
                @for (class, status, n) in [("valide", Status::Valide, c.valid), ("invalide", Status::Invalide, c.invalid), ("ignore", Status::Ignore, c.ignored)] {
                    span class=(format!("count {class}")) data-status=(status.word()) { (job::status_said(status, lang)) " · " (status.word()) " (" (n) ")" }
                }
                span.count { (c.with_warnings) " " (GridText::WithWarnings.say(lang)) }
                span.count { (c.calls) " " (GridText::CallsPlanned.say(lang)) }
            }
            @if let Some(m) = memory {
                p data-testid="memory-counts" data-done=(m.rows_done) data-to-send=(m.rows_to_send) data-held=(m.rows_held) {
                    (crate::messages::memory_counts(m.rows_done, m.rows_to_send, m.rows_held, &m.tenant, lang))
                }
            }
            @for r in sheet.remarks() { p.remark role="note" data-testid="remark" { (r) } }
            @if !groups.is_empty() {
                h2 { (GridText::Problems.say(lang)) }
                table.groups data-testid="problems" {
                    thead { tr { th scope="col" { (GridText::Rows.say(lang)) } th scope="col" { "message" } } }
                    tbody { @for (kind, n) in groups.iter().take(20) { tr { td { (n) } td { (kind) } } } }
                }
            }
        }
    }
}

/// The paging links (at the top and at the bottom of the grid).
fn paging(v: &SheetView, page: usize, pages: usize, bottom: bool) -> Markup {
    let lang = v.lang;
    let link = |p: usize, only: bool| format!("/feuille/{}?page={p}{}", v.id, if only { "&problemes=1" } else { "" });
    let tid = |t: &str| if bottom { format!("{t}-bottom") } else { t.to_string() };
    html! {
        @if page > 0 { a href=(link(page - 1, v.only_problems)) data-testid=(tid("previous-page")) { (GridText::PreviousPage.say(lang)) } }
        span { (GridText::Page.say(lang)) " " (page + 1) " / " (pages) }
        @if page + 1 < pages { a href=(link(page + 1, v.only_problems)) data-testid=(tid("next-page")) { (GridText::NextPage.say(lang)) } }
    }
}

pub(super) fn sheet_page(v: &SheetView) -> Markup {
    let lang = v.lang;
    let rows = v.sheet.rows();
    let shown: Vec<usize> = (0..rows.len()).filter(|i| !v.only_problems || !is_valid_or_ignored(&rows[*i])).collect();
    let pages = shown.len().div_ceil(PAGE_ROWS).max(1);
    let page = v.page.min(pages - 1);
    let link = |p: usize, only: bool| format!("/feuille/{}?page={p}{}", v.id, if only { "&problemes=1" } else { "" });
    layout(
        lang,
        v.name,
        v.simulation,
        html! {
            h1 { (GridText::CheckOf.say(lang)) " " (v.name) }
            (summary(v.sheet, v.memory, lang))
            @if v.sheet.online() {
                p.online data-testid="online" { (GridText::AlsoCheckedInTheLoopHubPortfolio.say(lang)) }
            } @else {
                details.online {
                    summary { (GridText::AlsoCheckInLoopHubDossiersExist.say(lang)) }
                    form method="post" action=(format!("/feuille/{}/en-ligne", v.id)) {
                        label for="online-domain" { (GridText::TheCabinetSDomainElseThe.say(lang)) }
                        input #online-domain type="text" name="domaine";
                        label for="online-as" { (GridText::WarnWhereThisPersonIsNeither.say(lang)) }
                        input #online-as type="email" name="email";
                        button type="submit" data-testid="check-online" { (GridText::CheckOnline.say(lang)) }
                    }
                }
            }
            nav.pages aria-label=(GridText::Pages.say(lang)) {
                @if v.only_problems {
                    a href=(link(0, false)) data-testid="filter-problems" data-active="true" { (GridText::AllRows.say(lang)) }
                } @else {
                    a href=(link(0, true)) data-testid="filter-problems" data-active="false" { (GridText::OnlyRowsWithProblems.say(lang)) }
                }
                (paging(v, page, pages, false))
                a href=(format!("/feuille/{}/corrige", v.id)) data-testid="download-fixed" { (GridText::DownloadTheFixedSheet.say(lang)) }
                a href=(format!("/feuille/{}/plan", v.id)) data-testid="plan" { (GridText::SeeThePlanOfCallsAnd.say(lang)) }
            }
            div.grid data-testid="grid" {
                table.rows data-sheet-id=(v.id) {
                    caption { (GridText::RowsOfTheSheetCellsCan.say(lang)) }
                    thead { tr {
                        th.fixed.c1 scope="col" { (GridText::Sheet.say(lang)) } th.fixed.c2 scope="col" { (GridText::Row.say(lang)) }
                        th.fixed.c3 scope="col" { (GridText::Status.say(lang)) } th.message scope="col" { "message" }
                        @for c in &v.sheet.table().columns { th scope="col" { (c) } }
                    } }
                    tbody { @for i in shown.iter().skip(page * PAGE_ROWS).take(PAGE_ROWS) { (row(v.sheet, *i, lang)) } }
                }
            }
            nav.pages aria-label=(GridText::PagesBottom.say(lang)) { (paging(v, page, pages, true)) }
        },
    )
}

fn is_valid_or_ignored(r: &Row) -> bool {
    r.ignored || r.problems.is_empty()
}

/// The colour class of a checked row's status (as in the results).
fn tone(s: Status) -> &'static str {
    match s {
        Status::Valide => "ok",
        Status::Invalide => "error",
        _ => "ignore",
    }
}

/// The status of a checked row (`check`'s VALIDE, INVALIDE, IGNORE).
pub(super) fn status(r: &Row) -> Status {
    if r.ignored {
        Status::Ignore
    } else if r.problems.is_empty() {
        Status::Valide
    } else {
        Status::Invalide
    }
}

/// One row: its known fields as inputs (always there, not made on click),
/// its problems and repairs on the cells they name.
pub(super) fn row(sheet: &CheckedSheet, index: usize, lang: Lang) -> Markup {
    let table = sheet.table();
    let raw = &table.rows[index];
    let r = &sheet.rows()[index];
    let header = table.header_of(raw);
    let field_of = |c: usize| header.and_then(|h| Field::all().find(|f| h.map.get(*f) == Some(c)));
    let own_name = |c: usize| header.map(|h| h.columns[c].as_str()).filter(|n| !n.is_empty());
    // A problem goes under the cell of its column; what a cell shows under
    // it is not said again in the message column.
    let names: Vec<&str> = (0..raw.cells.len()).map(|c| own_name(c).unwrap_or(&table.columns[c])).collect();
    let on_a_cell = |column: Option<&str>| column.is_some_and(|n| names.contains(&n));
    let elsewhere: Vec<String> = (r.problems.iter().filter(|p| !on_a_cell(p.column())).map(|p| p.text(lang)))
        .chain(r.warnings.iter().filter(|w| !on_a_cell(w.column())).map(|w| w.text(lang)))
        .collect();
    html! {
        tr data-testid="row" data-row=(raw.line) data-sheet=(&*raw.sheet) data-statut=(status(r).word()) data-index=(index) {
            td.fixed.c1 { (&*raw.sheet) } td.fixed.c2 { (raw.line) } td class=(format!("fixed c3 statut {}", tone(status(r)))) title=(job::status_said(status(r), lang)) { (status(r).word()) small.said { (job::status_said(status(r), lang)) } }
            td.message data-testid="row-message" { @for p in &elsewhere { small { (p) } } }
            @for (c, cell) in raw.cells.iter().enumerate() {
                @let name = names[c];
                @let problems: Vec<String> = r.problems.iter().filter(|p| p.column() == Some(name)).map(|p| p.text(lang)).collect();
                @let warnings: Vec<String> = r.warnings.iter().filter(|w| w.column() == Some(name)).map(|w| w.text(lang)).collect();
                td class=(if !problems.is_empty() { "problem" } else if !warnings.is_empty() { "warning" } else { "" }) {
                    @if let Some(f) = field_of(c) {
                        input type="text" value=(cell.text) title=(cell.text) data-sheet=(&*raw.sheet) data-row=(raw.line) data-field=(f.name())
                            aria-label=(Message::CellLabel { column: name, line: raw.line }.text(lang))
                            aria-invalid=(if problems.is_empty() { "false" } else { "true" });
                    } @else {
                        span.value tabindex="0" title=(cell.text) { (cell.text) }
                    }
                    @for p in &problems { small.problem { (p) } }
                    @for w in &warnings { small.warning { (w) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::SheetInput;
    use crate::job::{Config, FileConfig};

    fn checked(csv: &str) -> CheckedSheet {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("feuille.csv");
        std::fs::write(&file, csv).unwrap();
        let cfg = Config::resolve(FileConfig::default(), None, Lang::Fr).unwrap();
        CheckedSheet::open(&cfg, &SheetInput::new(&file), None, None).unwrap()
    }

    #[test]
    fn problems_group_by_column_and_kind_whatever_the_value() {
        let sheet = checked("code_dossier;email;offre\nD1;a@@x.fr;start\nD2;é»@y;start\nD3;b@x.fr;startup\n");
        let html = summary(&sheet, None, Lang::Fr).into_string();
        let group = "<td>2</td><td>colonne « email » : … n'est pas une adresse e-mail valide";
        assert!(html.contains(group), "{html}");
        assert!(html.contains("<td>1</td><td>colonne « offre » : … n'est pas une offre connue"), "{html}");
    }

    #[test]
    fn a_problem_goes_on_its_own_cell_whatever_its_value_says() {
        // The value names another column: the problem stays on its own.
        let sheet = checked("code_dossier;email;nom;offre;profil\nD1;a@x.fr;N;start;« email »\n");
        let html = row(&sheet, 0, Lang::Fr).into_string();
        assert_eq!(html.matches("<small class=\"problem\">").count(), 1, "{html}");
        let profil = html.rfind("data-field=\"profil\"").unwrap();
        assert!(html[profil..].contains("n'est pas un code de profil Loop"), "{html}");
        assert!(html.contains("data-testid=\"row-message\"></td>"), "{html}");
    }
}
