//! A run kept on disk, as the page lists it: its plan copy, its results,
//! and what the registre knows of it.

use std::collections::BTreeMap;

use crate::execute::journal;
use crate::i18n::Lang;
use crate::outcome::Status;
use crate::plan::Plan;
use crate::report;

use super::RunFiles;
use super::tenant::Tenant;

/// What is known of a run kept on disk, from its plan copy and results.
pub struct StoredRun {
    /// The input file's name.
    pub sheet: String,
    pub counts: Option<BTreeMap<String, usize>>,
    /// No results, or rows the run never reached (NON_EXECUTE).
    pub unfinished: bool,
    /// The plan it ran (`Plan::hash`), from the registre: the same sheet run
    /// again is offered a resume instead of a second run.
    pub plan_hash: Option<String>,
    /// Where it went, as the registre records it.
    pub tenant: Option<Tenant>,
}

pub fn stored_run(files: &RunFiles, lang: Lang) -> StoredRun {
    let sheet = Plan::load_json(&files.plan()).map(|p| p.source.file).unwrap_or_default();
    let counts = report::read_results(files.results()).ok().map(|read| {
        let mut counts = BTreeMap::new();
        for line in &read.lines {
            *counts.entry(line.get("statut").cloned().unwrap_or_default()).or_default() += 1;
        }
        counts
    });
    let unfinished =
        counts.as_ref().is_none_or(|c: &BTreeMap<String, usize>| c.contains_key(Status::NonExecute.word()));
    let run = journal::run_info(&files.registre(), files.results(), lang).ok().flatten();
    let plan_hash = run.as_ref().map(|r| r.plan_hash.clone());
    let tenant = run.and_then(|r| r.tenant).and_then(|v| serde_json::from_value(v).ok());
    StoredRun { sheet, counts, unfinished, plan_hash, tenant }
}

/// Forgets what the registre holds of a kept run's people (names, phone,
/// e-mail, bodies, Loop's messages), keeping a keyed tombstone of each call
/// as `registre forget` does: the page deletes that run. The calls forgotten
/// and whether every copy was overwritten (a reader can hold the WAL).
pub fn forget_run(files: &RunFiles, cfg: &crate::config::Config) -> crate::error::Result<(usize, bool)> {
    let key = super::user_secret(cfg)
        .ok_or(crate::error::Failure::refused(crate::error::Refusal::NoConfigFolder { deleting: true }))?;
    let forgotten = crate::registre::Registre::open(&files.registre(), cfg.lang)?.forget_run(files.results(), &key)?;
    Ok((forgotten.calls, forgotten.emptied))
}

/// At the start of a run: the people of plans last run longer ago than
/// `registre_retention_months` are forgotten as `registre forget` does
/// (0 keeps them). How many calls were forgotten.
pub(super) fn forget_expired(files: &RunFiles, cfg: &crate::config::Config) -> crate::error::Result<usize> {
    let months = cfg.registre_retention_months;
    let Some(key) = super::user_secret(cfg).filter(|_| months > 0) else { return Ok(0) };
    let mut registre = crate::registre::Registre::open(&files.registre(), cfg.lang)?;
    Ok(registre.forget_older_than(months, &key)?.calls)
}
