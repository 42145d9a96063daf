//! The check's grid: the counts, remarks and problems (redrawn with each
//! fix), the rows with their cells to fix, paged at top and bottom. It fits
//! the window: the grid scrolls inside its own frame, sheet, line, status
//! and message stay in view, a long value is cut with its whole on focus.

use std::collections::BTreeMap;

use maud::{Markup, html};

use super::pages::layout;
use crate::job::Field;
use crate::job::Lang;
use crate::job::Row;
use crate::job::{CheckedSheet, Status};

/// Rows shown per page: a 100,000-row sheet stays responsive.
pub(super) const PAGE_ROWS: usize = 50;

/// A problem's kind: its column and what is wrong, the value left out, so
/// that the same mistake on many rows is one group.
fn kind_of(problem: &str) -> String {
    const OPEN: &str = " : « ";
    const CLOSE: &str = " » ";
    match (problem.find(OPEN), problem.rfind(CLOSE)) {
        (Some(a), Some(b)) if b > a => format!("{} : …{}", &problem[..a], &problem[b + CLOSE.len() - 1..]),
        _ => problem.to_string(),
    }
}

pub(super) struct SheetView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub sheet: &'a CheckedSheet,
    pub page: usize,
    pub only_problems: bool,
    pub lang: Lang,
    pub simulation: bool,
}

/// The counts, the file's remarks and the problems by kind: sent again
/// with each fix, so that none is stale.
pub(super) fn summary(sheet: &CheckedSheet, lang: Lang) -> Markup {
    let c = sheet.counts();
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for r in sheet.rows() {
        for p in &r.problems {
            *groups.entry(kind_of(p)).or_default() += 1;
        }
    }
    let mut groups: Vec<(String, usize)> = groups.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    html! {
        div #summary data-testid="summary" data-rows=(c.rows) data-valid=(c.valid) data-invalid=(c.invalid)
            data-ignored=(c.ignored) role="status" aria-live="polite" {
            div.counts {
                span.count { (c.rows) " " (lang.t("lignes", "rows")) }
                span.count.valide { (c.valid) " VALIDE" }
                span.count.invalide { (c.invalid) " INVALIDE" }
                span.count.ignore { (c.ignored) " IGNORE" }
                span.count { (c.with_warnings) " " (lang.t("avec avertissements", "with warnings")) }
                span.count { (c.calls) " " (lang.t("appels prévus", "calls planned")) }
            }
            @for r in sheet.remarks() { p.remark role="note" data-testid="remark" { (r) } }
            @if !groups.is_empty() {
                h2 { (lang.t("Problèmes", "Problems")) }
                table.groups data-testid="problems" {
                    thead { tr { th scope="col" { (lang.t("lignes", "rows")) } th scope="col" { "message" } } }
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
        @if page > 0 { a href=(link(page - 1, v.only_problems)) data-testid=(tid("previous-page")) { (lang.t("Page précédente", "Previous page")) } }
        span { (lang.t("Page", "Page")) " " (page + 1) " / " (pages) }
        @if page + 1 < pages { a href=(link(page + 1, v.only_problems)) data-testid=(tid("next-page")) { (lang.t("Page suivante", "Next page")) } }
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
            h1 { (lang.t("Vérification de", "Check of")) " " (v.name) }
            (summary(v.sheet, lang))
            @if v.sheet.online() {
                p.online data-testid="online" { (lang.t("Vérifié aussi dans le portefeuille LoopHub.", "Also checked in the LoopHub portfolio.")) }
            } @else {
                details.online {
                    summary { (lang.t("Vérifier aussi dans LoopHub (existence et statut des dossiers)", "Also check in LoopHub (dossiers exist, their status)")) }
                    form method="post" action=(format!("/feuille/{}/en-ligne", v.id)) {
                        label for="online-domain" { (lang.t("Domaine du cabinet (sinon celui de la configuration)", "The cabinet's domain (else the configuration's)")) }
                        input #online-domain type="text" name="domaine";
                        label for="online-as" { (lang.t("Avertir là où cette personne n'est ni maître de dossier ni manager (e-mail, facultatif)", "Warn where this person is neither dossier master nor manager (e-mail, optional)")) }
                        input #online-as type="email" name="email";
                        button type="submit" data-testid="check-online" { (lang.t("Vérifier en ligne", "Check online")) }
                    }
                }
            }
            nav.pages aria-label=(lang.t("Pages", "Pages")) {
                @if v.only_problems {
                    a href=(link(0, false)) data-testid="filter-problems" data-active="true" { (lang.t("Toutes les lignes", "All rows")) }
                } @else {
                    a href=(link(0, true)) data-testid="filter-problems" data-active="false" { (lang.t("Seulement les lignes à problème", "Only rows with problems")) }
                }
                (paging(v, page, pages, false))
                a href=(format!("/feuille/{}/corrige", v.id)) data-testid="download-fixed" { (lang.t("Télécharger le tableur corrigé", "Download the fixed sheet")) }
                a href=(format!("/feuille/{}/plan", v.id)) data-testid="plan" { (lang.t("Voir le plan d'appels et lancer", "See the plan of calls and run")) }
            }
            div.grid data-testid="grid" {
                table.rows data-sheet-id=(v.id) {
                    caption { (lang.t("Lignes du tableur ; les cellules se corrigent ici.", "Rows of the sheet; cells can be fixed here.")) }
                    thead { tr {
                        th.fixed.c1 scope="col" { (lang.t("feuille", "sheet")) } th.fixed.c2 scope="col" { (lang.t("ligne", "row")) }
                        th.fixed.c3 scope="col" { (lang.t("statut", "status")) } th.message scope="col" { "message" }
                        @for c in &v.sheet.table().columns { th scope="col" { (c) } }
                    } }
                    tbody { @for i in shown.iter().skip(page * PAGE_ROWS).take(PAGE_ROWS) { (row(v.sheet, *i, lang)) } }
                }
            }
            nav.pages aria-label=(lang.t("Pages (bas)", "Pages (bottom)")) { (paging(v, page, pages, true)) }
        },
    )
}

fn is_valid_or_ignored(r: &Row) -> bool {
    r.ignored || r.problems.is_empty()
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
    // What a cell shows under it is not said again in the message column.
    let marks: Vec<String> =
        (0..raw.cells.len()).map(|c| format!("« {} »", own_name(c).unwrap_or(&table.columns[c]))).collect();
    let on_a_cell = |p: &&String| marks.iter().any(|m| p.contains(m.as_str()));
    let elsewhere: Vec<&String> = r.problems.iter().chain(&r.warnings).filter(|p| !on_a_cell(p)).collect();
    html! {
        tr data-testid="row" data-row=(raw.line) data-sheet=(&*raw.sheet) data-statut=(status(r).word()) data-index=(index) {
            td.fixed.c1 { (&*raw.sheet) } td.fixed.c2 { (raw.line) } td.fixed.c3.statut { (status(r).word()) }
            td.message data-testid="row-message" { @for p in &elsewhere { small { (p) } } }
            @for (c, cell) in raw.cells.iter().enumerate() {
                @let name = own_name(c).unwrap_or(&table.columns[c]);
                @let mark = &marks[c];
                @let problems: Vec<&String> = r.problems.iter().filter(|p| p.contains(mark.as_str())).collect();
                @let warnings: Vec<&String> = r.warnings.iter().filter(|p| p.contains(mark.as_str())).collect();
                td class=(if !problems.is_empty() { "problem" } else if !warnings.is_empty() { "warning" } else { "" }) {
                    @if let Some(f) = field_of(c) {
                        input type="text" value=(cell.text) title=(cell.text) data-sheet=(&*raw.sheet) data-row=(raw.line) data-field=(f.name())
                            aria-label=(format!("{name}, {} {}", lang.t("ligne", "row"), raw.line))
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
    use super::kind_of;

    #[test]
    fn problems_group_by_column_and_kind_whatever_the_value() {
        let a = kind_of("colonne « email » : « a@@x.fr » n'est pas une adresse e-mail valide");
        let b = kind_of("colonne « email » : « é»@y » n'est pas une adresse e-mail valide");
        assert_eq!(a, "colonne « email » : … n'est pas une adresse e-mail valide");
        assert_eq!(a, b);
        assert_eq!(kind_of("ligne en double : identique à la feuille"), "ligne en double : identique à la feuille");
    }
}
