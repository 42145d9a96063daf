//! A checked sheet kept in memory so that one row can be edited and checked
//! again, with the checks across rows (one e-mail for two people, the same
//! row twice), as the page's "fix in the page" needs.

use std::sync::Arc;

use crate::config::Config;
use crate::error::{Failure, Refusal, Result};
use crate::headers::Field;
use crate::pipeline::{Checked, check_row, check_rows};
use crate::plan::{Bodies, Plan, PlanCounts};
use crate::portfolio::Portfolio;
use crate::problems::{Place, Problem};
use crate::read::{Cell, Table, clean_controls};
use crate::rows::{Row, RowOptions};
use crate::validate::{CrossRows, Online};

use super::SheetInput;

pub struct CheckedSheet {
    cfg: Config,
    table: Table,
    rows: Vec<Row>,
    /// How many of each row's problems are its own (the rest come from the
    /// checks across rows and are recomputed after an edit).
    own_problems: Vec<usize>,
    portfolio: Option<Arc<Portfolio>>,
    as_email: Option<String>,
}

/// One cell changed by the user: the row as the sheet shows it (sheet name,
/// row number) and the field's name in the sheet format (email, offre…).
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub sheet: String,
    pub line: u32,
    pub field: String,
    pub value: String,
}

impl CheckedSheet {
    /// Reads and checks the sheet (with the portfolio when online). Blocking.
    pub fn open(
        cfg: &Config,
        input: &SheetInput,
        portfolio: Option<Arc<Portfolio>>,
        as_email: Option<String>,
    ) -> Result<CheckedSheet> {
        let online = portfolio.as_deref().map(|p| Online { portfolio: p, as_email: as_email.as_deref() });
        let Checked { table, mut rows, cross, .. } =
            check_rows(&input.file, &input.read_options(cfg.lang), cfg, false, online.as_ref())?;
        let own_problems = rows.iter().map(|r| r.problems.len()).collect();
        cross.finish(&table, &mut rows);
        Ok(CheckedSheet { cfg: cfg.clone(), table, rows, own_problems, portfolio, as_email })
    }

    /// The sheet as fixed, as a new workbook: every sheet read, every
    /// column kept, text cells.
    pub fn fixed_xlsx(&self) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        crate::report::book::table_xlsx(self.table())
    }

    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The typed rows, in input order, with their problems and warnings.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The same counts as `check`'s (`--format json`'s `rows`, calls…).
    pub fn counts(&self) -> PlanCounts {
        let (calls, dossiers, calls_per_route) = crate::plan::count(&self.rows, &self.cfg);
        let mut c = PlanCounts { rows: self.rows.len(), calls, dossiers, calls_per_route, ..Default::default() };
        for r in &self.rows {
            match (r.ignored, r.problems.is_empty()) {
                (true, _) => c.ignored += 1,
                (false, true) => c.valid += 1,
                (false, false) => c.invalid += 1,
            }
            c.with_warnings += usize::from(!r.warnings.is_empty());
        }
        c
    }

    /// What the reader said of the file (sheets skipped, encoding…) and,
    /// before any run, a deprecated route the plan would use.
    pub fn remarks(&self) -> Vec<String> {
        let mut all = self.table.remarks.clone();
        all.extend(crate::plan::deprecation_remarks(&self.counts(), &self.cfg));
        all
    }

    /// Changes one cell, checks its row again, then the checks across rows.
    /// Returns the indexes of the rows whose problems changed (the edited
    /// row first).
    pub fn edit(&mut self, edit: &Edit) -> Result<Vec<usize>> {
        let index =
            self.table.rows.iter().position(|r| *r.sheet == *edit.sheet && r.line == edit.line).ok_or_else(|| {
                Failure::refused(Refusal::RowNotFound {
                    at: Place { sheet: edit.sheet.as_str().into(), line: edit.line },
                })
            })?;
        let raw = &self.table.rows[index];
        let header = self.table.header_of(raw).cloned().ok_or_else(|| {
            Failure::refused(Refusal::RowNotFound { at: Place { sheet: edit.sheet.as_str().into(), line: edit.line } })
        })?;
        let column = Field::from_header(&edit.field).and_then(|f| header.map.get(f)).ok_or_else(|| {
            Failure::refused(Refusal::NoSuchColumn { column: edit.field.clone(), sheet: edit.sheet.clone() })
        })?;
        let name = header.columns[column].clone();
        let raw = &mut self.table.rows[index];
        // What the reader repaired in this cell no longer applies; the new
        // value is cleaned as the reader cleans (keys are left to be refused).
        raw.notes.retain(|n| n.column() != name);
        raw.cells[column] = Cell::text(edit.value.clone());
        let key = [Field::CodeDossier, Field::Email].iter().any(|f| header.map.get(*f) == Some(column));
        if !key {
            clean_controls(&mut raw.cells[column], name, &mut raw.notes);
        }
        let before: Vec<Vec<Problem>> = self.rows.iter().map(|r| r.problems.clone()).collect();
        let opts = RowOptions { code_dossier_width: self.cfg.code_dossier_width };
        let online = self.portfolio.as_deref().map(|p| Online { portfolio: p, as_email: self.as_email.as_deref() });
        let row = check_row(&header, &self.table.rows[index], index, &opts, online.as_ref());
        self.own_problems[index] = row.problems.len();
        self.rows[index] = row;
        self.cross_rows();
        let mut changed = vec![index];
        changed.extend((0..self.rows.len()).filter(|&i| i != index && self.rows[i].problems != before[i]));
        Ok(changed)
    }

    /// Checks every row again against the LoopHub portfolio (as `check
    /// --online`), the cells fixed so far kept. Blocking.
    pub fn check_online(&mut self, portfolio: Arc<Portfolio>, as_email: Option<String>) {
        let opts = RowOptions { code_dossier_width: self.cfg.code_dossier_width };
        let online = Online { portfolio: &portfolio, as_email: as_email.as_deref() };
        for index in 0..self.table.rows.len() {
            let raw = &self.table.rows[index];
            let Some(header) = self.table.header_of(raw) else { continue };
            let row = check_row(header, raw, index, &opts, Some(&online));
            self.own_problems[index] = row.problems.len();
            self.rows[index] = row;
        }
        self.cross_rows();
        self.portfolio = Some(portfolio);
        self.as_email = as_email;
    }

    /// Whether the rows were checked against the portfolio.
    pub fn online(&self) -> bool {
        self.portfolio.is_some()
    }

    /// The checks across rows, from scratch over every row.
    /// Speaks `lang` from now on (the page's language switched): the rows'
    /// problems are values, said in the language they are shown in.
    /// Returns whether the language differed.
    pub fn speak(&mut self, lang: crate::i18n::Lang) -> bool {
        let changed = self.cfg.lang != lang;
        self.cfg.lang = lang;
        changed
    }

    fn cross_rows(&mut self) {
        for (row, own) in self.rows.iter_mut().zip(&self.own_problems) {
            row.problems.truncate(*own);
        }
        let mut cross = CrossRows::default();
        for i in 0..self.rows.len() {
            cross.add(&self.rows, i);
        }
        cross.finish(&self.table, &mut self.rows);
    }

    /// The plan of the sheet as it now stands (the full plan with calls, or
    /// only its rows).
    pub fn plan(&self, bodies: Bodies) -> Plan {
        let mut plan = crate::plan::build(self.table.clone(), self.rows.clone(), &self.cfg, bodies);
        if bodies == Bodies::No {
            plan.summary = Some(crate::plan::count(&self.rows, &self.cfg));
        }
        plan
    }
}
