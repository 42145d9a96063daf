//! The memory across runs, for a run: the tenant's memory read from the
//! registre, applied to the plan before anything is confirmed (see
//! `plan::memory`), its counts said (`Event::Remembered`), then turned into
//! what the engine must not send and into the rows' words.

use std::collections::{HashMap, HashSet};

use crate::error::{Failure, MemoryRefusal, Result};
use crate::execute::journal::Prior;
use crate::i18n::Lang;
use crate::messages::{MemoryMessage, Text};
use crate::outcome::{CallOutcome, Status, now_iso};
use crate::plan::memory::{Remembered, Use, apply};
use crate::plan::{Plan, RowRef};

use super::held::row_counts;
use crate::registre::Registre;
use crate::report::RowResult;

use super::RunFiles;
use super::linked::{linked_keys, same_tenant};
use super::tenant::Tenant;

/// What the memory made of a run's plan.
pub(super) struct Recall {
    pub remembered: Remembered,
    /// Valid rows none of whose calls is to send, those with one, and
    /// those the memory holds (A_VERIFIER, another run's).
    pub rows_done: usize,
    pub rows_to_send: usize,
    pub rows_held: usize,
    /// The tenant whose memory was used, for people.
    pub tenant: String,
    /// The plan was made before (a plan file, a resume): what another run
    /// did is said done « entre-temps ».
    pub meanwhile: bool,
    /// A resume: the person's checks of its run's calls (by call id).
    pub checked: HashMap<u32, crate::registre::checks::Checked>,
    /// The last record the memory read, and whose memory it is (the
    /// tenant, its linked key ids): for the send-time check.
    upto: i64,
    same: Option<(Tenant, HashSet<String>)>,
    /// The user's secret: the send-time check finds forgotten calls by it.
    secret: Option<Vec<u8>>,
    /// A run of the page: its held rows name the page's buttons, not the
    /// command line's.
    pub page: bool,
}

/// The memory's counts, before anything was sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MemoryCounts {
    pub rows_done: usize,
    /// Valid rows with a call to send and none held.
    pub rows_to_send: usize,
    /// Valid rows held by the memory: a call last A_VERIFIER (not sent
    /// unless chosen), or held by another run never ended.
    pub rows_held: usize,
    pub tenant: String,
    /// The rows held because A_VERIFIER, for the page's choice per row.
    #[serde(skip)]
    pub a_verifier: Vec<super::held::HeldRow>,
    /// Calls the plan sends once the memory applied.
    #[serde(skip)]
    pub calls_to_send: usize,
    /// A loopback address that sends no instance id: a tenant by its
    /// address alone (a server restarted empty there is taken for it).
    #[serde(skip)]
    pub plain_loopback: bool,
}

/// What the memory would make of `plan` sent now with `keys` (the page's
/// plan screen, before anything is confirmed); `None` when the registre
/// cannot be read.
pub async fn memory_counts(
    cfg: &crate::config::Config,
    keys: &crate::config::Keys,
    plan: &Plan,
    files: &RunFiles,
) -> Option<MemoryCounts> {
    let tenant = Tenant::looked_at(cfg, keys).await;
    // No registre yet: nothing done, and none made by a look.
    let memory = match files.registre().exists() {
        true => {
            let secret = super::tenant::existing_user_secret(cfg.user_dir.as_deref());
            read_memory(plan, files, &tenant, Default::default(), secret.as_deref(), cfg.lang).ok()?.0
        }
        false => Default::default(),
    };
    // Applied to a copy of the calls alone (the rows are not copied).
    let mut calls = Plan {
        format_version: plan.format_version,
        source: plan.source.clone(),
        columns: Vec::new(),
        rows: Vec::new(),
        calls: plan.calls.clone(),
        summary: None,
    };
    let remembered = apply(&mut calls, &memory, &cfg.routes, Use::default());
    let counts = row_counts(&plan.rows, &calls.calls, &remembered);
    let plain_loopback = crate::execute::client::is_loopback(&cfg.base_url) && tenant.instance.is_none();
    Some(MemoryCounts {
        rows_done: counts.done,
        rows_to_send: counts.to_send,
        rows_held: counts.held,
        tenant: tenant.place(cfg.lang),
        a_verifier: super::held::held_rows(plan, &remembered),
        calls_to_send: calls_to_send(&calls, &remembered),
        plain_loopback,
    })
}

/// The registre's memory applied to the plan, its counts said before
/// anything is confirmed (a resume leaves its own run out: its record
/// stands).
pub(super) fn remember(
    plan: &mut Plan,
    req: &super::RunRequest,
    tenant: &Tenant,
    cfg: &crate::config::Config,
    events: &super::events::EventSink,
) -> Result<Recall> {
    let lang = cfg.lang;
    let run_of = |f: &RunFiles| crate::execute::journal::run_info(&f.registre(), f.results(), lang);
    let except = match req.resume {
        true => run_of(&req.files)?.map(|r| r.id),
        false => None,
    };
    let continued = match &req.only_failed {
        Some(previous) => run_of(previous)?.map(|r| r.id),
        None => None,
    };
    // A resume honours the person's checks of its calls; a closed run is
    // never resumed.
    let mut checked = HashMap::new();
    if let Some(run) = except {
        let reg = Registre::open(&req.files.registre(), lang)?;
        if reg.closed(run)? {
            return Err(memory_refused(MemoryRefusal::ResumeClosed { run }));
        }
        checked = reg.run_checks(run)?;
    }
    let except = crate::registre::state::Runs { except, continued };
    let how = crate::plan::memory::Use { send_all: req.send_all, include_a_verifier: req.include_a_verifier };
    let secret = super::tenant::existing_user_secret(cfg.user_dir.as_deref());
    let chosen = (how, req.a_verifier_rows.as_slice(), except);
    let mut recall = recall(plan, &req.files, tenant, chosen, secret.as_deref(), &cfg.routes, lang)?;
    recall.checked = checked;
    recall.page = req.front == super::events::Front::Page;
    recall.meanwhile = req.resume || matches!(req.source, super::RunSource::PlanFile(_));
    events(super::events::Event::Remembered {
        rows_done: recall.rows_done,
        rows_to_send: recall.rows_to_send,
        rows_held: recall.rows_held,
        tenant: recall.tenant.clone(),
        plain_loopback: crate::execute::client::is_loopback(&cfg.base_url) && tenant.instance.is_none(),
    });
    Ok(recall)
}

/// Reads the tenant's memory of the plan's dossiers and people (`except`:
/// the run a resume continues; `secret`: the user's, which keyed the prints
/// of forgotten calls) and applies it to the plan; the calls last
/// A_VERIFIER of the rows chosen (sheet and line) are sent.
pub(super) fn recall(
    plan: &mut Plan,
    files: &RunFiles,
    tenant: &Tenant,
    (how, chosen, except): (Use, &[(String, u32)], crate::registre::state::Runs),
    secret: Option<&[u8]>,
    routes: &crate::config::Routes,
    lang: Lang,
) -> Result<Recall> {
    let (memory, keys) = read_memory(plan, files, tenant, except, secret, lang)?;
    let mut remembered = apply(plan, &memory, routes, how);
    super::held::include_rows(&mut remembered, plan, chosen);
    let counts = row_counts(&plan.rows, &plan.calls, &remembered);
    Ok(Recall {
        remembered,
        rows_done: counts.done,
        rows_to_send: counts.to_send,
        rows_held: counts.held,
        tenant: tenant.place(lang),
        meanwhile: false,
        checked: HashMap::new(),
        upto: memory.upto,
        same: Some((tenant.clone(), keys)),
        secret: secret.map(<[u8]>::to_vec),
        page: false,
    })
}

/// The tenant's memory of the plan's dossiers and people (`except`: the run
/// a resume continues).
fn read_memory(
    plan: &Plan,
    files: &RunFiles,
    tenant: &Tenant,
    except: crate::registre::state::Runs,
    secret: Option<&[u8]>,
    lang: Lang,
) -> Result<(crate::registre::state::Memory, HashSet<String>)> {
    let mut reg = Registre::open(&files.registre(), lang)?;
    let keys = linked_keys(&reg, tenant);
    let mut dossiers: Vec<&str> = plan.calls.iter().map(|c| &*c.dossier).collect();
    dossiers.sort_unstable();
    dossiers.dedup();
    let mut emails: Vec<String> = plan
        .calls
        .iter()
        .filter_map(|c| serde_json::from_str::<serde_json::Value>(c.body.get()).ok())
        .filter_map(|b| b.get("email").and_then(|e| e.as_str()).map(|e| crate::normalize::email_key(e).into_owned()))
        .collect();
    emails.sort_unstable();
    emails.dedup();
    let memory = reg.memory(&dossiers, &emails, &|t| same_tenant(tenant, &keys, t), except, secret)?;
    Ok((memory, keys))
}

/// The calls sent once the memory applied: neither done nor held.
fn calls_to_send(plan: &Plan, r: &Remembered) -> usize {
    let held = |id: &u32| r.done.contains_key(id) || r.guarded.contains_key(id) || r.pending.contains_key(id);
    plan.calls.iter().filter(|c| !held(&c.id)).count()
}

fn outcome(status: Status, message: String) -> CallOutcome {
    CallOutcome {
        status,
        code_http: None,
        message,
        request_id: String::new(),
        object_id: String::new(),
        attempts: 0,
        timestamp: now_iso(),
        resend_on_resume: false,
        already: false,
    }
}

impl Recall {
    pub(super) fn counts(&self, plan: &Plan) -> MemoryCounts {
        MemoryCounts {
            rows_done: self.rows_done,
            rows_to_send: self.rows_to_send,
            rows_held: self.rows_held,
            tenant: self.tenant.clone(),
            a_verifier: super::held::held_rows(plan, &self.remembered),
            calls_to_send: calls_to_send(plan, &self.remembered),
            plain_loopback: false,
        }
    }

    /// The send-time check of the plan's calls (see `registre::guard`), and
    /// what a call it refuses says: done « entre-temps » by another run, or
    /// held by a run going, or by one never ended (its resume command).
    pub(super) fn guard(
        &self,
        plan: &Plan,
        lang: Lang,
    ) -> Option<(crate::registre::guard::Guard, crate::execute::journal::Say)> {
        use crate::registre::guard::{Guard, Refused};
        let (tenant, keys) = self.same.clone()?;
        let calls = plan.calls.iter().map(|c| (c.id, c.operation.name(), &*c.dossier, c.body.get()));
        let same: crate::registre::guard::SameTenant = Box::new(move |t| same_tenant(&tenant, &keys, t));
        let guard = Guard::new(self.upto, calls, same, self.secret.as_deref());
        let page = self.page;
        let say: crate::execute::journal::Say = std::sync::Arc::new(move |why: &Refused| match why {
            Refused::DoneMeanwhile { run, at } => {
                outcome(Status::DejaFait, MemoryMessage::DoneMeanwhile { run: *run, at }.text(lang))
            }
            Refused::ToCheck { run } => {
                outcome(Status::AVerifier, MemoryMessage::Guarded { run: *run, page }.text(lang))
            }
            Refused::Held { run, results } => {
                let files = RunFiles::new(std::path::Path::new(results));
                let said = match super::before::is_running(&files) || results.is_empty() {
                    true => MemoryMessage::Going { run: *run },
                    false => MemoryMessage::Pending { run: *run, results: files.results(), plan: &files.plan() },
                };
                // Not sent: a resume tries it again once that run is settled.
                CallOutcome { resend_on_resume: true, ..outcome(Status::NonExecute, said.text(lang)) }
            }
        });
        Some((guard, say))
    }

    /// What the engine must not send, or must settle: added to what the
    /// run's own record says (which stands, except a call it only reserved).
    pub(super) fn add_priors(&self, prior: &mut HashMap<u32, Prior>, lang: Lang) {
        // A resume: a call its run left unknown, checked by a person since.
        for (id, c) in &self.checked {
            let (attempts, unknown) = match prior.get(id) {
                Some(Prior::InFlight { attempts, sent }) => (*attempts, *sent),
                Some(Prior::Done(o)) => (o.attempts, o.status == Status::AVerifier),
                None => (0, false),
            };
            if !unknown {
                continue;
            }
            let p = match c.done {
                true => Prior::Done(outcome(
                    Status::DejaFait,
                    MemoryMessage::CheckedDone { who: &c.who, at: &c.at }.text(lang),
                )),
                false => Prior::InFlight { attempts, sent: false },
            };
            prior.insert(*id, p);
        }
        let r = &self.remembered;
        let mut put = |id: u32, p: Prior| match prior.get(&id) {
            None | Some(Prior::InFlight { sent: false, .. }) => {
                prior.insert(id, p);
            }
            _ => {}
        };
        for (id, seen) in &r.done {
            let (run, at) = (seen.run, seen.at.as_str());
            let m = match self.meanwhile {
                true => MemoryMessage::DoneMeanwhile { run, at }.text(lang),
                false => MemoryMessage::DoneBy { run, at }.text(lang),
            };
            put(*id, Prior::Done(outcome(Status::DejaFait, m)));
        }
        let page = self.page;
        for (id, run) in &r.guarded {
            put(*id, Prior::Done(outcome(Status::AVerifier, MemoryMessage::Guarded { run: *run, page }.text(lang))));
        }
        for (id, u) in &r.pending {
            let files = RunFiles::new(&u.results);
            let said = match super::before::is_running(&files) {
                true => MemoryMessage::Going { run: u.run },
                false => MemoryMessage::Pending { run: u.run, results: files.results(), plan: &files.plan() },
            };
            put(*id, Prior::Done(outcome(Status::NonExecute, said.text(lang))));
        }
        for id in &r.settle {
            put(*id, Prior::InFlight { attempts: 0, sent: true });
        }
    }

    /// The rows' words: a row done now by a change instead of a creation
    /// says so; with `--send-all`, an « already » refusal of a call the
    /// registre knows applied is DEJA_FAIT.
    pub(super) fn words(&self, plan: &Plan, rows: &mut [RowResult], lang: Lang) {
        let at: HashMap<RowRef, usize> = plan.rows.iter().enumerate().map(|(i, r)| (r.row_ref(), i)).collect();
        for c in &plan.calls {
            if let Some(seen) = self.remembered.changed.get(&c.id) {
                for i in c.rows.iter().filter_map(|r| at.get(r)) {
                    if rows[*i].status == Status::Ok {
                        let said = MemoryMessage::ChangedInstead { run: seen.run, at: &seen.at }.text(lang);
                        rows[*i].message = said;
                    }
                }
            }
        }
        self.partly_done(plan, &at, rows, lang);
        unsent_columns(plan, rows, lang);
    }

    /// A row completed now (OK) says what was done already, and by which
    /// run.
    fn partly_done(&self, plan: &Plan, at: &HashMap<RowRef, usize>, rows: &mut [RowResult], lang: Lang) {
        let mut before: HashMap<usize, (Vec<&'static str>, i64)> = HashMap::new();
        for c in plan.calls.iter().filter(|c| self.remembered.done.contains_key(&c.id)) {
            let run = self.remembered.done[&c.id].run;
            for i in c.rows.iter().filter_map(|r| at.get(r)) {
                let (ops, last) = before.entry(*i).or_default();
                if !ops.contains(&c.operation.name()) {
                    ops.push(c.operation.name());
                }
                *last = (*last).max(run);
            }
        }
        for (i, (ops, run)) in before {
            if rows[i].status == Status::Ok {
                let note = MemoryMessage::PartlyDone { operations: &ops.join(", "), run }.text(lang);
                rows[i].message = format!("{} {note}", rows[i].message).trim().to_string();
            }
        }
    }
}

/// `loopbatch verify`: a person's check in Loop of a row of a run,
/// recorded in the registre with who and when. `done`: the row's calls
/// whose outcome is unknown count as applied; otherwise they may be sent
/// again. Only those: a call never sent, or answered, is never marked.
/// Refused while the run is going, and for a row with no such call.
/// Returns the row's sheet and the calls recorded.
pub fn verify(run: &RunFiles, sheet: Option<&str>, line: u32, done: bool, lang: Lang) -> Result<(String, usize)> {
    let mut reg = Registre::open(&run.registre(), lang)?;
    let no_run = || memory_refused(MemoryRefusal::VerifyNoRun { results: run.results().to_path_buf() });
    let row = reg.run_for(run.results())?.ok_or_else(no_run)?;
    let plan = Plan::load_json(&run.plan()).map_err(|_| no_run())?;
    if plan.hash() != row.plan_hash {
        return Err(no_run());
    }
    let mut sheets: Vec<&str> = plan.rows.iter().map(|r| &*r.feuille).collect();
    sheets.dedup();
    sheets.sort_unstable();
    sheets.dedup();
    let feuille = match (sheet, sheets.as_slice()) {
        (Some(s), _) => s.to_string(),
        (None, [one]) => one.to_string(),
        (None, _) => {
            let sheets = sheets.join(", ");
            return Err(memory_refused(MemoryRefusal::VerifySheetNeeded { sheets }));
        }
    };
    let serving: Vec<u32> = plan
        .calls
        .iter()
        .filter(|c| c.rows.iter().any(|r| *r.feuille == *feuille && r.ligne == line))
        .map(|c| c.id)
        .collect();
    if serving.is_empty() {
        return Err(memory_refused(MemoryRefusal::VerifyNoLine { sheet: feuille, line }));
    }
    if super::before::is_running(run) {
        return Err(memory_refused(MemoryRefusal::VerifyGoing { results: run.results().to_path_buf() }));
    }
    let calls = to_check(&mut reg, &row, &plan, &serving)?;
    if calls.is_empty() {
        return Err(memory_refused(MemoryRefusal::VerifyNotToCheck { sheet: feuille, line }));
    }
    let check = crate::registre::checks::Check { run: row.id, calls: &calls, done, feuille: &feuille, ligne: line };
    reg.record_check(&check)?;
    Ok((feuille, calls.len()))
}

/// The calls among `serving` whose outcome is unknown for this run: sent
/// without a delivered answer (or given up so), or A_VERIFIER in its record; else (a row
/// the memory held, its call never attempted by this run) those the memory
/// holds as to check.
fn to_check(reg: &mut Registre, row: &crate::registre::RunRow, plan: &Plan, serving: &[u32]) -> Result<Vec<u32>> {
    let (prior, _) = reg.prior(row.id)?;
    let given_up = reg.given_up_unanswered(row.id)?;
    let unknown = |p: Option<&Prior>| match p {
        Some(Prior::Done(o)) => o.status == Status::AVerifier,
        Some(Prior::InFlight { sent, .. }) => *sent,
        None => false,
    };
    let own: Vec<u32> = serving.iter().copied().filter(|id| given_up.contains(id) || unknown(prior.get(id))).collect();
    if !own.is_empty() {
        return Ok(own);
    }
    let Some(tenant) = row.tenant.clone().and_then(|t| serde_json::from_value::<Tenant>(t).ok()) else {
        return Ok(Vec::new());
    };
    let keys = linked_keys(reg, &tenant);
    let calls: Vec<&crate::plan::Call> =
        plan.calls.iter().filter(|c| serving.contains(&c.id) && !prior.contains_key(&c.id)).collect();
    let dossiers: Vec<&str> = calls.iter().map(|c| &*c.dossier).collect();
    let emails: Vec<String> = calls
        .iter()
        .filter_map(|c| serde_json::from_str::<serde_json::Value>(c.body.get()).ok())
        .filter_map(|b| b.get("email").and_then(|e| e.as_str()).map(|e| e.trim().to_lowercase()))
        .collect();
    let secret = super::tenant::existing_user_secret(crate::config::user_config_dir().as_deref());
    let same = |t: Option<&str>| same_tenant(&tenant, &keys, t);
    let memory = reg.memory(&dossiers, &emails, &same, Default::default(), secret.as_deref())?;
    Ok(calls
        .into_iter()
        .filter(|c| {
            let body = serde_json::from_str(c.body.get()).unwrap_or(serde_json::Value::Null);
            crate::registre::state::things_of(c.operation.name(), &c.dossier, &body)
                .iter()
                .any(|(t, _)| memory.uncertain(t).is_some())
        })
        .map(|c| c.id)
        .collect())
}

/// `loopbatch registre close RUN`: a run that never ended, closed without
/// resuming it (refused while a process holds it). Returns the calls now
/// never sent and those now A_VERIFIER.
pub fn close_run(registre: &std::path::Path, run: i64, lang: Lang) -> Result<(usize, usize)> {
    let mut reg = Registre::open(registre, lang)?;
    let Some(results) = reg.results_of(run)? else {
        return Err(memory_refused(MemoryRefusal::CloseNoRun { run }));
    };
    if super::before::is_running(&RunFiles::new(&results)) {
        return Err(memory_refused(MemoryRefusal::CloseGoing { run }));
    }
    let message = MemoryMessage::ClosedCall { run }.text(lang);
    match reg.close_run(run, &message)? {
        Some(c) => Ok((c.never_sent, c.to_check)),
        None => Err(memory_refused(MemoryRefusal::CloseNoRun { run })),
    }
}

/// The page's « Clore sans reprendre »: the last run of these results
/// closed as `registre close` does. Returns what it says.
pub fn close_results(files: &RunFiles, lang: Lang) -> Result<String> {
    let registre = files.registre();
    let Some(row) = crate::execute::journal::run_info(&registre, files.results(), lang)? else {
        return Err(memory_refused(MemoryRefusal::VerifyNoRun { results: files.results().to_path_buf() }));
    };
    // Stopped, and ended: it holds no call (those in flight were let
    // finish); closing it only means it is not resumed.
    if row.ended.is_some() {
        return Ok(MemoryMessage::ClosedHoldingNothing { run: row.id }.text(lang));
    }
    let (never_sent, to_check) = close_run(&registre, row.id, lang)?;
    Ok(MemoryMessage::Closed { run: row.id, never_sent, to_check }.text(lang))
}

/// A DEJA_FAIT row that creates a contact (addClient) with a value in a
/// column addClient does not send (actif, émetteur par défaut): its change
/// goes nowhere; the row says which column and which action sends it.
fn unsent_columns(plan: &Plan, rows: &mut [RowResult], lang: Lang) {
    use crate::headers::{ColumnMap, Field};
    let (map, _) = ColumnMap::new(&plan.columns);
    let unsent: Vec<(Field, usize)> =
        [Field::Actif, Field::EmetteurParDefaut].into_iter().filter_map(|f| map.get(f).map(|i| (f, i))).collect();
    if unsent.is_empty() {
        return;
    }
    let at: HashMap<RowRef, usize> = plan.rows.iter().enumerate().map(|(i, r)| (r.row_ref(), i)).collect();
    let creates: HashSet<usize> = plan
        .calls
        .iter()
        .filter(|c| c.operation == crate::loop_api::Operation::AddClient)
        .flat_map(|c| c.rows.iter().filter_map(|r| at.get(r).copied()))
        .collect();
    for i in creates {
        if rows[i].status != Status::DejaFait {
            continue;
        }
        let filled: Vec<&str> = unsent
            .iter()
            .filter(|(_, c)| plan.rows[i].values.get(*c).is_some_and(|v| !v.trim().is_empty()))
            .map(|(f, _)| f.name())
            .collect();
        if !filled.is_empty() {
            let columns = filled.join(", ");
            let note = MemoryMessage::NotSentByAction { columns: &columns }.text(lang);
            rows[i].message = format!("{} {note}", rows[i].message);
        }
    }
}

fn memory_refused(r: MemoryRefusal) -> Failure {
    Failure::refused(crate::error::Refusal::Memory(r))
}
