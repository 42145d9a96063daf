//! Stage 4, plan: valid rows become the Cegid Loop calls to send, each with
//! the input rows it serves and the calls it waits for.
//!
//! One provisionCompany per dossier, one dossier-level addOffer per
//! (dossier, offre), one addClient per person (further dossiers get
//! addCollaborativeOffer). Per dossier: provision, add offers, add then
//! update interlocuteurs, remove applications, remove offers. `depends_on`
//! holds real dependencies only: when one fails, the calls waiting on it are
//! not sent. The calls are listed in an order that respects them.
//!
//! PLAN.json keeps a row's problems and warnings as values (`Kept`), said in
//! the reader's language (a plan of an earlier version keeps its sentences);
//! they are not in the plan's hash (its source and calls are). Which calls a
//! sheet asks for is `builder`; the registre's memory is applied by `memory`,
//! an undo's inverse plan made by `undo`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::config::Routes;
use crate::error::{CallFault, CallRef, Failure, PlanProblem, Result};
use crate::i18n::Lang;
use crate::loop_api::Operation;
use crate::messages::Text;
use crate::problems::{Problem, Warning};

mod builder;
pub(crate) mod memory;
pub(crate) mod undo;

pub use builder::Bodies;
pub(crate) use builder::{Counter, Summary, build, count};

pub(crate) const FORMAT_VERSION: u32 = 1;

/// A row as {feuille, ligne}: how calls name the rows they serve.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RowRef {
    pub feuille: Arc<str>,
    pub ligne: u32,
}

/// What validation said of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RowCheck {
    Valide,
    Invalide,
    Ignore,
}

/// An input row as the plan keeps it: enough to write results from the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    pub feuille: Arc<str>,
    pub ligne: u32,
    /// The original cells, aligned on `Plan::columns`.
    pub values: Vec<String>,
    /// Indexes of the cells the spreadsheet held as numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numbers: Vec<usize>,
    pub check: RowCheck,
    /// Not in the plan's hash (its calls are): a plan written before
    /// problems were data keeps its hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Kept<Problem>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Kept<Warning>>,
}

/// A row's problem or warning as a plan keeps it: the value, said in the
/// reader's language; or the sentence an earlier version wrote, as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Kept<T> {
    Value(T),
    Said(String),
}

impl<T> Kept<T> {
    pub(crate) fn text(&self, lang: Lang) -> String
    where
        T: Text,
    {
        match self {
            Kept::Value(v) => v.text(lang),
            Kept::Said(s) => s.clone(),
        }
    }
}

impl PlanRow {
    /// The row's problems said, one after the other, as the results write them.
    pub fn problems_said(&self, lang: Lang) -> String {
        self.problems.iter().map(|p| p.text(lang)).collect::<Vec<_>>().join(" | ")
    }
}

impl PlanRow {
    pub fn row_ref(&self) -> RowRef {
        RowRef { feuille: self.feuille.clone(), ligne: self.ligne }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    pub id: u32,
    pub operation: Operation,
    pub route: Arc<str>,
    pub dossier: Arc<str>,
    /// Exactly the JSON that will be sent.
    pub body: Box<RawValue>,
    pub rows: Vec<RowRef>,
    pub depends_on: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSource {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub source: PlanSource,
    pub columns: Vec<String>,
    pub rows: Vec<PlanRow>,
    pub calls: Vec<Call>,
    /// A counts-only plan (`check`): calls, dossiers, calls per route; its
    /// `calls` is empty.
    #[serde(skip)]
    pub summary: Option<Summary>,
}

/// Counts for the summary: dossiers, calls per operation, rows per check.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanCounts {
    pub rows: usize,
    pub valid: usize,
    pub invalid: usize,
    pub ignored: usize,
    pub with_warnings: usize,
    pub dossiers: usize,
    pub calls: usize,
    pub calls_per_route: BTreeMap<String, usize>,
}

impl Plan {
    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts { rows: self.rows.len(), calls: self.calls.len(), ..Default::default() };
        if let Some((calls, dossiers, per_route)) = &self.summary {
            c.calls = *calls;
            c.dossiers = *dossiers;
            c.calls_per_route = per_route.clone();
        }
        for r in &self.rows {
            match r.check {
                RowCheck::Valide => c.valid += 1,
                RowCheck::Invalide => c.invalid += 1,
                RowCheck::Ignore => c.ignored += 1,
            }
            if !r.warnings.is_empty() {
                c.with_warnings += 1;
            }
        }
        if self.summary.is_some() {
            return c;
        }
        let dossiers: FxHashSet<&str> = self.calls.iter().map(|c| &*c.dossier).collect();
        c.dossiers = dossiers.len();
        for call in &self.calls {
            *c.calls_per_route.entry(call.route.to_string()).or_default() += 1;
        }
        c
    }

    /// What to know before running a plan that uses a route Cegid's
    /// documentation calls deprecated (the dossier-level addOffer).
    pub fn deprecation_remarks(&self, cfg: &crate::config::Config) -> Vec<String> {
        deprecation_remarks(&self.counts(), cfg)
    }

    /// The plan's identity: a journal belongs to exactly one plan.
    pub fn hash(&self) -> String {
        let calls = serde_json::to_vec(&self.calls).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(self.source.sha256.as_bytes());
        h.update(&calls);
        format!("{:x}", h.finalize())
    }

    pub fn save_json(&self, path: &Path) -> Result<()> {
        // Streamed to the file: a large plan is never a second time in memory.
        crate::files::write_atomic_with(path, |w| serde_json::to_writer_pretty(w, self).map_err(std::io::Error::other))
    }

    /// A plan read from a file (perhaps edited by hand) before anything is
    /// sent: ids unique, every `depends_on` naming an earlier call (so that
    /// no wait can hang), every route one the configuration knows for its
    /// operation. The first fault is named.
    pub fn check_calls(&self, path: &Path, routes: &Routes) -> Result<()> {
        let mut seen = FxHashSet::default();
        for call in &self.calls {
            let fault = if !seen.insert(call.id) {
                Some(CallFault::IdTaken)
            } else if let Some(d) = call.depends_on.iter().find(|d| !seen.contains(d) || **d == call.id) {
                Some(CallFault::NotAnEarlierCall { depends_on: *d })
            } else if *call.route != *routes.of(call.operation) {
                Some(CallFault::Route { route: call.route.to_string(), configured: routes.of(call.operation).into() })
            } else {
                None
            };
            if let Some(fault) = fault {
                let call = CallRef { id: call.id, operation: call.operation.name(), dossier: call.dossier.to_string() };
                return Err(Failure::plan(path, PlanProblem::Call { call, fault }));
            }
        }
        Ok(())
    }

    pub fn load_json(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|e| Failure::plan(path, PlanProblem::Unreadable(e)))?;
        let plan: Plan = serde_json::from_str(&text).map_err(|e| Failure::plan(path, PlanProblem::Invalid(e)))?;
        if plan.format_version != FORMAT_VERSION {
            let found = plan.format_version;
            return Err(Failure::plan(path, PlanProblem::OtherVersion { found, expected: FORMAT_VERSION }));
        }
        Ok(plan)
    }
}

/// The warning a plan's calls deserve before any run: a route Cegid calls
/// deprecated (addOffer), from the calls per route.
pub(crate) fn deprecation_remarks(counts: &PlanCounts, cfg: &crate::config::Config) -> Vec<String> {
    let route = cfg.routes.of(Operation::AddOffer);
    let Some(n) = counts.calls_per_route.get(route).filter(|n| **n > 0) else { return Vec::new() };
    let since = crate::loop_api::ADD_OFFER_DEPRECATED_SINCE;
    vec![crate::messages::Message::AddOfferDeprecated { calls: *n, route, since }.text(cfg.lang)]
}
