//! Reading a run's record back from the registre: what an earlier session
//! recorded of each call, where it went, whether its results were written;
//! and the outcomes its rescue file kept.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Failure, Refusal, Result};
use crate::i18n::Lang;
use crate::outcome::CallOutcome;
use crate::registre::legacy::Entry;
use crate::registre::{Prior, Registre, RunRow};

/// What an earlier run recorded.
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    pub prior: HashMap<u32, Prior>,
    pub warnings: Vec<String>,
    /// Imported from a journal with a damaged line: every call without an
    /// outcome counts as in flight.
    pub damaged: bool,
    /// The results were written after the last session: nothing to resume
    /// unless a call is left to send.
    pub results_written: bool,
    /// A new run into a registre that held no run: when it was made.
    pub registre_new_since: Option<String>,
}

/// What the registre knows of the last run of a results file.
pub(crate) type RunInfo = RunRow;

/// The last run of `results` in the registre, read without taking it;
/// `Ok(None)` when the registre holds none.
pub(crate) fn run_info(registre: &Path, results: &Path, lang: Lang) -> Result<Option<RunInfo>> {
    Registre::open(registre, lang)?.run_for(results)
}

/// What the last run of `results` recorded, read without taking it:
/// `None` when the registre holds no run for it; `Err` when it belongs to
/// another plan, or the registre cannot be read.
pub(crate) fn peek(
    registre: &Path,
    results: &Path,
    rescue: &Path,
    plan_hash: &str,
    lang: Lang,
) -> Option<Result<Recorded>> {
    let read = || -> Result<Option<Recorded>> {
        let reg = Registre::open(registre, lang)?;
        let Some(row) = reg.run_for(results)? else { return Ok(None) };
        if row.plan_hash != plan_hash {
            return Err(other_plan(results));
        }
        let (mut prior, damaged) = reg.prior(row.id)?;
        for (call, o) in rescued(rescue, row.id, plan_hash, &reg.rescue_id()).outcomes {
            prior.insert(call, Prior::Done(o));
        }
        Ok(Some(Recorded { prior, damaged, results_written: row.results_written, ..Recorded::default() }))
    };
    read().transpose()
}

/// What the rescue files of a run hold for it.
#[derive(Default)]
pub(super) struct Rescued {
    pub outcomes: Vec<(u32, CallOutcome)>,
    /// The files that were its (to delete once imported).
    pub files: Vec<std::path::PathBuf>,
    /// Files of that run number and plan from another registre: ignored.
    pub foreign: Vec<std::path::PathBuf>,
}

/// The final outcomes a rescue file keeps for run `run` of plan
/// `plan_hash` of the registre `registre` (its `rescue_id`), beside the
/// results, else in the temporary folder. A file written before the
/// registre was named in it counts only beside the results.
pub(super) fn rescued(path: &Path, run: i64, plan_hash: &str, registre: &str) -> Rescued {
    let temp = path.file_name().map(|n| std::env::temp_dir().join(n));
    let mut out = Rescued::default();
    for (i, p) in std::iter::once(path.to_path_buf()).chain(temp).enumerate() {
        let Ok(bytes) = std::fs::read(&p) else { continue };
        let (mut belongs, mut ours) = (false, false);
        for line in bytes.split(|b| *b == b'\n') {
            match Entry::parse(line) {
                Some(Entry::Start { plan_hash: h, run: r, source, .. }) => {
                    let same = h == plan_hash && r == Some(run);
                    belongs = same && (source == registre || (source.is_empty() && i == 0));
                    ours |= belongs;
                    if same && !belongs && !out.foreign.contains(&p) {
                        out.foreign.push(p.clone());
                    }
                }
                Some(Entry::Done { call, outcome }) if belongs && !outcome.resend_on_resume => {
                    out.outcomes.push((call, outcome))
                }
                _ => {}
            }
        }
        if ours {
            out.files.push(p);
        }
    }
    out
}

pub(super) fn other_plan(results: &Path) -> Failure {
    Failure::refused(Refusal::OtherPlan { results: results.to_path_buf() })
}

pub(super) fn nothing(results: &Path) -> Failure {
    Failure::refused(Refusal::NothingToResume { results: results.to_path_buf() })
}

pub(super) fn taken(results: &Path) -> Failure {
    Failure::refused(Refusal::RunRecorded { results: results.to_path_buf() })
}
