//! What is checked before a run sends anything, each refusal with exit 2
//! and nothing sent: the results are not the input, no other process runs
//! into them, a resume goes where its run went and has something to do.

use std::path::Path;

use crate::error::{Failure, Refusal, Result};
use crate::execute::journal::{self, Prior};
use crate::i18n::Lang;
use crate::messages::{Notice, Text};
use crate::plan::Plan;
use crate::registre::Registre;

use super::RunFiles;
use super::lock::RunLock;
pub(super) use super::lock::noted_holder;
use super::select::Selection;
use super::tenant::{Tenant, check_same};

/// `--results` naming the input sheet would overwrite it: refused first.
pub(super) fn not_the_input(input: Option<&Path>, results: &Path) -> Result<()> {
    let Some(input) = input else { return Ok(()) };
    let same = match (std::fs::canonicalize(input), std::fs::canonicalize(results)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        return Ok(());
    }
    Err(Failure::refused(Refusal::ResultsAreInput { results: results.to_path_buf() }))
}

/// A check's results (`check --results`, `run --dry-run`) never overwrite
/// its input, nor the results of a run: their journal beside them is the
/// only record of what was sent, and a run going holds its lock.
// `_lang`: the refusals are said at the edges, in the user's language.
pub fn check_results_target(input: &Path, results: &Path, registre: Option<&Path>, _lang: Lang) -> Result<()> {
    not_the_input(Some(input), results)?;
    let files = RunFiles::new(std::fs::canonicalize(results).unwrap_or_else(|_| results.to_path_buf()))
        .with_registre(registre.map(Path::to_path_buf));
    if files.journal().exists() || has_run(&files) || RunLock::is_held(&files) {
        return Err(Failure::refused(Refusal::ResultsOfARun { results: results.to_path_buf() }));
    }
    Ok(())
}

/// Whether the registre holds a run for these results (an unreadable
/// registre says so later, when a run opens it).
pub(super) fn has_run(files: &RunFiles) -> bool {
    journal::run_info(&files.registre(), files.results(), Lang::Fr).ok().flatten().is_some()
}

/// Imports the journal of the previous version beside `files`' results, if
/// any, as that run's record (once: a journal imported before is skipped).
pub(super) fn import_old_journal(files: &RunFiles, lang: Lang) -> Result<()> {
    let old = files.journal();
    if !old.is_file() {
        return Ok(());
    }
    Registre::open(&files.registre(), lang)?.import_journal(&old, files.results()).map(drop)
}

/// Whether a process (this one or another) is running into these results
/// now: its files must not be removed or rewritten.
pub fn is_running(files: &RunFiles) -> bool {
    RunLock::is_held(files)
}

/// Whether two paths name one file (both resolved; else as written).
pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// `--only-failed` into results that have a run of their own (the same
/// command run twice): that run's journal is the proof of what it did and
/// is never set aside; refused unless it is the previous run itself.
pub(super) fn not_another_run(previous: &RunFiles, files: &RunFiles, resume: bool) -> Result<()> {
    if resume || !has_run(files) || same_file(previous.results(), files.results()) {
        return Ok(());
    }
    Err(Failure::refused(Refusal::ResultsHaveTheirRun { results: files.results().to_path_buf() }))
}

/// The run's lock, and the previous run's for `--only-failed` (its journal
/// must not change while it is read).
pub(super) fn take_locks(files: &RunFiles, previous: Option<&RunFiles>, lang: Lang) -> Result<Vec<RunLock>> {
    let mut locks = vec![RunLock::take(files, lang)?];
    if let Some(previous) = previous
        && !same_file(previous.results(), files.results())
    {
        locks.extend(RunLock::take_to_read(previous, lang)?);
    }
    Ok(locks)
}

pub(super) fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// A resume, or a re-run of failures, goes where the run it continues went
/// (as its journal records it): another endpoint, simulator or domain is
/// refused, another key too unless `new_key`.
/// Returns what to say of a journal that records no place (written by an
/// earlier version): it goes on where the configuration points, said.
pub(super) fn same_tenant(continued: &[&RunFiles], new_key: bool, now: &Tenant, lang: Lang) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    for files in continued {
        let Some(run) = journal::run_info(&files.registre(), files.results(), lang)? else { continue };
        match run.tenant.and_then(|v| serde_json::from_value::<Tenant>(v).ok()) {
            Some(recorded) => check_same(&recorded, now, new_key, lang)?,
            None => warnings.push(
                Notice::RunPlaceUnknown {
                    results: &files.results().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                    place: &now.place(lang),
                }
                .text(lang),
            ),
        }
    }
    Ok(warnings)
}

/// `--resume` with nothing to resume (no journal for these results, or a
/// run that ended with every call answered and its results written) is
/// said, not run again from the start.
pub(super) fn something_to_resume(
    plan: &Plan,
    files: &RunFiles,
    selection: Option<&Selection>,
    earlier: Option<(String, String)>,
    lang: Lang,
) -> Result<()> {
    let rec = match journal::peek(&files.registre(), files.results(), &files.journal_rescue(), &plan.hash(), lang) {
        // The journal's own opening says what is wrong with it.
        Some(Err(_)) => return Ok(()),
        Some(Ok(rec)) => rec,
        None if earlier.is_some() => return Err(not_held(files, earlier)),
        None => {
            return Err(Failure::refused(Refusal::NoRunStarted { results: files.results().to_path_buf() }));
        }
    };
    let skipped = |id: &u32| selection.is_some_and(|s| s.skipped.contains_key(id));
    let left = plan.calls.iter().any(|c| !matches!(rec.prior.get(&c.id), Some(Prior::Done(_))) && !skipped(&c.id));
    // Results gone since (deleted, moved): the resume writes them again
    // from the journal, sending nothing.
    let results_there = files.results().is_file();
    // A line torn or unreadable: a process died writing it; the resume says so.
    if left || rec.damaged || !rec.warnings.is_empty() || !rec.results_written || !results_there {
        return Ok(());
    }
    Err(Failure::refused(Refusal::RunOver { results: files.results().to_path_buf() }))
}

/// A new run into results beside which an unfinished run left its holder's
/// note (a kill, a crash: calls may be in doubt), while this registre knows
/// no run of them (another user, machine or registre; a registre wiped or
/// new): it would send again what that run did. Refused, naming who ran it.
/// (`earlier`: the note as found before this process took the lock.)
pub(super) fn no_unknown_run(files: &RunFiles, earlier: Option<(String, String)>) -> Result<()> {
    if earlier.is_some() && !has_run(files) {
        return Err(not_held(files, earlier));
    }
    Ok(())
}

/// Results whose run this registre does not hold (another user, another
/// machine, another registre): never a fresh run in their place.
fn not_held(files: &RunFiles, earlier: Option<(String, String)>) -> Failure {
    Failure::refused(Refusal::RunNotHeld {
        registre: files.registre(),
        results: files.results().to_path_buf(),
        by: earlier,
    })
}
