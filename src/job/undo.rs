//! Undoing a run (issue 24): the inverse plan built from what the registre
//! recorded of the run (`plan::undo` for the verdicts), then run like any
//! other plan (reviewed, confirmed, paced, recorded, resumable), bound to
//! the undone run's tenant. Its answers are read its own way (`settle`).

use std::path::{Path, PathBuf};

use crate::config::{Config, Keys};
use crate::error::{Failure, Result, UndoRefusal};
use crate::i18n::Lang;
use crate::outcome::Status;
use crate::plan::Plan;
use crate::plan::undo::{RowVerdict, Ticks, undo_plan};
use crate::registre::Registre;
use crate::registre::undo::RunKey;
use crate::report::RowResult;

use super::RunFiles;
use super::events::{Confirm, EventSink, Front};
use super::run::{Pacing, RunReport, RunRequest, RunSource, run};

/// The run to undo: its number (as `registre history` shows it) or its
/// results file.
#[derive(Debug, Clone)]
pub enum UndoneRef {
    Id(i64),
    Results(PathBuf),
}

impl UndoneRef {
    /// A number names a run unless a file of that name is there.
    pub fn parse(text: &str) -> UndoneRef {
        match text.trim().parse::<i64>() {
            Ok(id) if !Path::new(text).exists() => UndoneRef::Id(id),
            _ => UndoneRef::Results(PathBuf::from(text)),
        }
    }
}

/// An undo's verdicts, before anything is sent.
#[derive(Debug, Clone)]
pub struct UndoPreview {
    /// The undone run's number.
    pub run: i64,
    pub plan: Plan,
    pub verdicts: Vec<RowVerdict>,
    /// The undone run's tenant, as the registre recorded it.
    tenant: Option<serde_json::Value>,
    /// The undone run's results file.
    pub results: PathBuf,
    /// The registre the run was read from.
    registre: PathBuf,
}

impl UndoPreview {
    /// The undone run's tenant (an undo goes there only).
    pub fn tenant(&self) -> Option<serde_json::Value> {
        self.tenant.clone()
    }

    /// The undo's results (or its dry run's) must be a new file: not the
    /// undone run's results, nor any run's (its record beside it), nor an
    /// input sheet a run was made from. Exit 2, nothing written.
    pub fn results_allowed(&self, results: &Path, lang: Lang) -> Result<()> {
        if super::before::same_file(&self.results, results) {
            return Err(undo_refused(UndoRefusal::SameResults));
        }
        let shown = results.display().to_string();
        let files = RunFiles::new(std::fs::canonicalize(results).unwrap_or_else(|_| results.to_path_buf()))
            .with_registre(Some(self.registre.clone()));
        if files.journal().exists() || super::before::has_run(&files) || super::before::is_running(&files) {
            return Err(undo_refused(UndoRefusal::RunResults { file: shown }));
        }
        if results.is_file() {
            let sha = std::fs::read(results).map(|b| format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&b)));
            let input = match sha {
                Ok(sha) => sha == self.source_sha() || Registre::open(&self.registre, lang)?.is_input_sheet(&sha)?,
                Err(_) => false,
            };
            if input {
                return Err(undo_refused(UndoRefusal::InputSheet { file: shown }));
            }
        }
        Ok(())
    }

    /// The undone run's input sheet's SHA-256.
    fn source_sha(&self) -> &str {
        let sha = &self.plan.source.sha256;
        sha.rsplit(':').next().unwrap_or(sha)
    }

    /// Rows per verdict word.
    pub fn counts(&self) -> std::collections::BTreeMap<&'static str, usize> {
        crate::plan::undo::count_verdicts(&self.verdicts)
    }
}

pub use crate::plan::undo::{RowVerdict as UndoRow, Ticks as UndoTicks, Verdict as UndoVerdict};

/// The verdicts of an undo of `undone`, read from the registre (`registre`:
/// the one asked for, else the configuration's, else the default one).
pub fn undo_preview(cfg: &Config, undone: &UndoneRef, registre: Option<&Path>, ticks: &Ticks) -> Result<UndoPreview> {
    preview_of(cfg, undone, registre, ticks, false)
}

/// The verdicts of a dry run: said of an undo still to come.
pub fn undo_preview_dry(
    cfg: &Config,
    undone: &UndoneRef,
    registre: Option<&Path>,
    ticks: &Ticks,
) -> Result<UndoPreview> {
    preview_of(cfg, undone, registre, ticks, true)
}

fn preview_of(
    cfg: &Config,
    undone: &UndoneRef,
    registre: Option<&Path>,
    ticks: &Ticks,
    future: bool,
) -> Result<UndoPreview> {
    let lang = cfg.lang;
    let registre = registre.map(Path::to_path_buf).or_else(|| cfg.registre.clone());
    let place = RunFiles::new("x.xlsx").with_registre(registre).registre();
    let mut reg = Registre::open(&place, lang)?;
    let canonical;
    let (key, shown) = match undone {
        UndoneRef::Id(id) => (RunKey::Id(*id), id.to_string()),
        UndoneRef::Results(p) => {
            canonical = crate::registre::canonical(p);
            (RunKey::Results(&canonical), p.display().to_string())
        }
    };
    let key = reg.undone_run(key)?;
    let registre_name = place.display().to_string();
    let Some(run) = key else {
        return Err(undo_refused(UndoRefusal::NoRun { run: shown, registre: registre_name }));
    };
    if !run.ended {
        return Err(undo_refused(UndoRefusal::NotEnded { run: run.id }));
    }
    let results = PathBuf::from(&run.results);
    let plan_path = RunFiles::new(&results).plan();
    let plan = Plan::load_json(&plan_path).ok().filter(|p| p.hash() == run.plan_hash).ok_or_else(|| {
        let shown = plan_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        undo_refused(UndoRefusal::NoPlan { run: run.id, plan: shown })
    })?;
    let tenant = run.tenant.as_deref().and_then(|t| serde_json::from_str(t).ok());
    let id = run.id;
    // Later runs count on the undone run's tenant as the memory counts them
    // (the same place, a key linked to it); a run recording none, alone.
    let recorded = tenant.clone().and_then(|t| serde_json::from_value::<super::tenant::Tenant>(t).ok());
    let keys = recorded.as_ref().map(|t| super::linked::linked_keys(&reg, t)).unwrap_or_default();
    let same = |t: Option<&str>| recorded.as_ref().is_some_and(|now| super::linked::same_tenant(now, &keys, t));
    let secret = super::tenant::existing_user_secret(cfg.user_dir.as_deref());
    let mut facts = reg.undo_facts(run, &same, secret.as_deref())?;
    // Its people forgotten in the registre: their calls as the kept plan has them.
    facts.with_bodies(plan.calls.iter().map(|c| (c.id, c.operation.name(), &*c.dossier, c.body.get())));
    let (plan, verdicts) = undo_plan(&plan, &facts, ticks, &cfg.routes, lang, future);
    Ok(UndoPreview { run: id, plan, verdicts, tenant, results, registre: place })
}

/// What an undo is asked to do.
pub struct UndoRequest {
    pub undone: UndoneRef,
    /// The undo's own results file.
    pub results: PathBuf,
    pub ticks: Ticks,
    /// Continue an interrupted undo into these results (its kept plan).
    pub resume: bool,
    pub registre: Option<PathBuf>,
    pub assume_yes: bool,
    pub pacing: Pacing,
    pub keys: Option<Keys>,
    pub front: Front,
}

/// Runs the undo: its verdicts first (`preview`, already made by the front
/// end when it showed them), then the inverse plan as a run bound to the
/// undone run's tenant.
pub async fn undo(
    cfg: &Config,
    req: UndoRequest,
    preview: Option<UndoPreview>,
    events: EventSink,
    stopper: crate::execute::Stopper,
    confirm: Confirm,
) -> Result<RunReport> {
    let files = RunFiles::new(&req.results).with_registre(req.registre.clone());
    let mut undone_id = 0;
    let (source, bound) = if req.resume {
        resume_of(cfg, &req, &files)?;
        (RunSource::PlanFile(files.plan()), None)
    } else {
        let preview = match preview {
            Some(p) => p,
            None => undo_preview(cfg, &req.undone, req.registre.as_deref(), &req.ticks)?,
        };
        preview.results_allowed(&req.results, cfg.lang)?;
        undone_id = preview.run;
        (RunSource::Plan(Box::new(preview.plan)), preview.tenant)
    };
    let mut run_req = RunRequest::new(source, &req.results);
    run_req.files = files;
    run_req.resume = req.resume;
    run_req.assume_yes = req.assume_yes;
    run_req.pacing = req.pacing;
    run_req.keys = req.keys;
    run_req.front = req.front;
    run_req.bound_tenant = bound.clone();
    // Its verdicts weighed what is to check already (A_VERIFIER: no inverse
    // call): an inverse call is sent, settling what an earlier attempt
    // left unknown, never held by the memory's guard.
    run_req.include_a_verifier = true;
    // The registre's memory is no part of an undo (its inverse calls are
    // never skipped as done, nor would --send-all apply): not said.
    let inner = events;
    let events: EventSink = std::sync::Arc::new(move |e: super::events::Event| {
        if !matches!(e, super::events::Event::Remembered { .. }) {
            inner(e)
        }
    });
    let undone = bound.as_ref().and_then(|t| serde_json::from_value::<super::tenant::Tenant>(t.clone()).ok());
    let mut report = match run(cfg, run_req, events, stopper, confirm).await {
        Ok(r) => r,
        // Another place or key than the undone run's: said for an undo
        // (it goes where the run went, with that tenant's keys).
        Err(Failure::Refused(r))
            if matches!(*r, crate::error::Refusal::OtherPlace { .. } | crate::error::Refusal::OtherKey { .. })
                && undone.is_some() =>
        {
            let place = undone.map(|t| t.place(cfg.lang)).unwrap_or_default();
            let key = match *r {
                crate::error::Refusal::OtherKey { recorded, .. } => Some(recorded),
                _ => None,
            };
            return Err(undo_refused(UndoRefusal::OtherTenant { run: undone_id, place, key }));
        }
        Err(e) => return Err(e),
    };
    report.memory = None;
    Ok(report)
}

/// `--resume` continues an undo of the run named, nothing else: the run
/// recorded for the results must be an undo of that run (exit 2 if not).
/// Results without any run are left to the resume's own refusal.
fn resume_of(cfg: &Config, req: &UndoRequest, files: &RunFiles) -> Result<()> {
    let lang = cfg.lang;
    let place = files.registre();
    if !place.exists() {
        return Ok(());
    }
    let reg = Registre::open(&place, lang)?;
    let Some((found, undoes)) = reg.run_of_results(&crate::registre::canonical(&req.results))? else { return Ok(()) };
    let named = match &req.undone {
        UndoneRef::Id(id) => Some(*id),
        UndoneRef::Results(p) => reg.undone_run(RunKey::Results(&crate::registre::canonical(p)))?.map(|r| r.id),
    };
    if undoes.is_some() && undoes == named {
        return Ok(());
    }
    let (results, named) = (req.results.display().to_string(), named.map(|n| n.to_string()));
    let text = match undoes {
        Some(other) => UndoRefusal::ResumeOtherUndo { results, run: found, undoes: other, named },
        None => UndoRefusal::ResumeNotUndo { results, run: found },
    };
    Err(undo_refused(text))
}

/// Whether a plan is an undo's (its source fingerprint says so).
pub fn is_undo(plan: &Plan) -> bool {
    crate::registre::undo::undoes(&plan.source.sha256).is_some()
}

/// The rows of an undo's dry run: IGNORE with the verdict as reason, or
/// VALIDE for the rows whose inverse calls would go.
pub fn undo_dry_results(preview: &UndoPreview) -> Vec<RowResult> {
    preview
        .verdicts
        .iter()
        .map(|v| {
            let status = if v.goes { Status::Valide } else { Status::Ignore };
            RowResult { etape: "annulation".into(), ..RowResult::new(status, v.reason.clone()) }
        })
        .collect()
}

/// Writes an undo's dry-run results (the verdicts, nothing sent).
pub fn write_undo_dry_run(preview: &UndoPreview, path: &Path, lang: Lang) -> Result<()> {
    crate::report::results_format(path)?;
    let rows = undo_dry_results(preview);
    crate::report::write_results(path, &preview.plan.columns, &preview.plan.rows, &rows, lang)
}

fn undo_refused(r: UndoRefusal) -> Failure {
    Failure::refused(crate::error::Refusal::Undo(r))
}
