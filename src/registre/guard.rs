//! The send-time check: a call about to be reserved is checked against what
//! other runs of the same tenant recorded since its plan's memory was read,
//! in the transaction that records its reservation (`BEGIN IMMEDIATE`: two
//! processes, or two runs of one process, take the registre's write lock in
//! turn, so two runs never both pass it for the same thing).
//!
//! Each batch reads only the attempts other runs recorded since the last
//! batch (a range of `attempts.seq`, usually empty), then keeps, per thing
//! (see `state`), the other run's call that touched it last and where that
//! call stands: reserved or sent without an answer (held), applied, or to
//! check. A call is refused when one of its things is held by another run,
//! or when another run applied all of them; otherwise it is reserved.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use super::sealed::{Print, Sealer};
use super::state::{Target, Thing, things_of};
use super::{Event, Row, status_of};
use crate::outcome::Status;

/// Why a call is not sent: another run's record since the plan's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Run `run` applied it (at `at`).
    DoneMeanwhile { run: i64, at: String },
    /// Run `run` reserved or sent it and has no answer yet; its results.
    Held { run: i64, results: String },
    /// Run `run`'s attempt is to check in Loop (A_VERIFIER).
    ToCheck { run: i64 },
}

/// Whether a run recorded with this tenant went to this run's tenant.
pub(crate) type SameTenant = Box<dyn Fn(Option<&str>) -> bool + Send>;

/// Where another run's call stands.
#[derive(Debug, Default)]
struct Other {
    /// Attempts reserved or sent, without an answer or a withdrawal.
    open: HashSet<u32>,
    /// Applied, at.
    applied: Option<String>,
    uncertain: bool,
}

/// What a call changes: its things, or once forgotten the prints of them.
type Changes = (Vec<(Thing, Target)>, Vec<(Print, Print)>);

/// A run's send-time check, kept by the run's writer.
pub(crate) struct Guard {
    /// `attempts.seq` up to which the records were read.
    since: i64,
    /// This plan's calls: the things each changes.
    calls: HashMap<u32, Vec<(Thing, Target)>>,
    same_tenant: SameTenant,
    /// Other runs: their plan's number and results file, or `None` (another tenant).
    runs: HashMap<i64, Option<(i64, String)>>,
    /// Other runs' calls: what each changes, or the prints of what it
    /// changed once forgotten (see `sealed`).
    their: HashMap<(i64, u32), Changes>,
    /// The other run's call that touched each thing last (the `seq` of
    /// that record, the run, the call, the target).
    last: HashMap<Thing, (i64, i64, u32, Target)>,
    /// The same, for forgotten calls: by the thing's print.
    last_sealed: HashMap<Print, (i64, i64, u32, Print)>,
    /// The user's secret, which keyed forgotten calls' prints.
    sealer: Option<Sealer>,
    states: HashMap<(i64, u32), Other>,
    /// Calls checked already (and reserved): later attempts are this run's own.
    checked: HashSet<u32>,
}

impl Guard {
    /// `since`: the last `attempts.seq` the plan's memory read; `calls`:
    /// each call's operation, dossier and body; `secret`: the user's.
    pub(crate) fn new<'a>(
        since: i64,
        calls: impl Iterator<Item = (u32, &'a str, &'a str, &'a str)>,
        same_tenant: SameTenant,
        secret: Option<&[u8]>,
    ) -> Guard {
        let calls = calls
            .filter_map(|(id, op, dossier, body)| {
                let body: serde_json::Value = serde_json::from_str(body).ok()?;
                let things = things_of(op, dossier, &body);
                (!things.is_empty()).then_some((id, things))
            })
            .collect();
        Guard {
            since,
            calls,
            same_tenant,
            runs: HashMap::new(),
            their: HashMap::new(),
            last: HashMap::new(),
            last_sealed: HashMap::new(),
            sealer: secret.and_then(Sealer::new),
            states: HashMap::new(),
            checked: HashSet::new(),
        }
    }

    /// Reads what other runs recorded since the last read (in the write
    /// transaction of run `me`).
    pub(super) fn read(&mut self, conn: &Connection, me: i64) -> rusqlite::Result<()> {
        let mut stmt = conn.prepare_cached(
            "SELECT seq, run, call, attempt, event, status, coalesce(resend, 0), coalesce(at, '')
             FROM attempts WHERE seq > ?1 AND run <> ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![self.since, me])?;
        let mut upto = self.since;
        while let Some(r) = rows.next()? {
            let (seq, run, call, attempt): (i64, i64, u32, u32) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            upto = seq;
            if !self.run_known(conn, run)? {
                continue;
            }
            if !self.their.contains_key(&(run, call)) {
                let things = self.things_of(conn, run, call)?;
                self.their.insert((run, call), things);
            }
            let event: Row = r.get(4)?;
            let state = self.states.entry((run, call)).or_default();
            match event {
                Row::Event(Event::Reserved | Event::Sending) => {
                    state.open.insert(attempt);
                }
                Row::Event(Event::Withdrawn) => {
                    state.open.remove(&attempt);
                }
                Row::Answered => {
                    state.open.clear();
                    let (status, resend, at): (Option<String>, bool, String) = (r.get(5)?, r.get(6)?, r.get(7)?);
                    match status_of(status) {
                        _ if resend => {}
                        Some(Status::Ok | Status::DejaFait) => {
                            state.applied = Some(at);
                            state.uncertain = false;
                        }
                        Some(Status::AVerifier) => state.uncertain = true,
                        _ => {}
                    }
                }
            }
            if let Some((things, prints)) = self.their.get(&(run, call)) {
                for (thing, target) in things {
                    self.last.insert(thing.clone(), (seq, run, call, target.clone()));
                }
                for (thing, target) in prints {
                    self.last_sealed.insert(*thing, (seq, run, call, *target));
                }
            }
        }
        self.since = upto;
        Ok(())
    }

    /// Whether run `run` is another run of this tenant (asked once per run).
    fn run_known(&mut self, conn: &Connection, run: i64) -> rusqlite::Result<bool> {
        if let Some(known) = self.runs.get(&run) {
            return Ok(known.is_some());
        }
        let found: Option<(Option<String>, Option<i64>, String)> = conn
            .query_row(
                "SELECT r.tenant, p.id, r.results FROM runs r LEFT JOIN plans p ON p.hash = r.plan WHERE r.id = ?1",
                [run],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let known = match found {
            Some((tenant, Some(plan), results)) if (self.same_tenant)(tenant.as_deref()) => Some((plan, results)),
            _ => None,
        };
        self.runs.insert(run, known.clone());
        Ok(known.is_some())
    }

    /// What another run's call changes: its things, or once forgotten the
    /// prints of them.
    fn things_of(&self, conn: &Connection, run: i64, call: u32) -> rusqlite::Result<Changes> {
        let Some(Some((plan, _))) = self.runs.get(&run) else { return Ok(Default::default()) };
        let sealed = self.sealer.is_some();
        let found = conn
            .query_row(
                "SELECT c.operation, c.dossier, b.body,
                        (SELECT things FROM sealed WHERE plan = c.plan AND call = c.call AND c.forgotten IS NOT NULL)
                 FROM calls c LEFT JOIN bodies b ON b.hash = c.body WHERE c.plan = ?1 AND c.call = ?2",
                params![plan, call],
                |r| {
                    if let Some(prints) = r.get::<_, Option<Vec<u8>>>(3)?.filter(|_| sealed) {
                        return Ok((Vec::new(), super::sealed::unseal(&prints)));
                    }
                    let (op, dossier): (String, String) = (r.get(0)?, r.get(1)?);
                    let body = r.get::<_, Option<String>>(2)?.and_then(|b| serde_json::from_str(&b).ok());
                    Ok((body.map(|b| things_of(&op, &dossier, &b)).unwrap_or_default(), Vec::new()))
                },
            )
            .optional()?;
        Ok(found.unwrap_or_default())
    }

    /// The other run's call that touched this thing last, and whether it
    /// left it in this target.
    fn last_of(&self, thing: &Thing, target: &Target) -> Option<(i64, u32, bool)> {
        let plain = self.last.get(thing).map(|(seq, run, call, t)| (*seq, *run, *call, t == target));
        let sealed = match (&self.sealer, self.last_sealed.is_empty()) {
            (Some(s), false) => self
                .last_sealed
                .get(&thing.print(s))
                .map(|(seq, run, call, t)| (*seq, *run, *call, *t == target.print(s))),
            _ => None,
        };
        let (_, run, call, same) = match (plain, sealed) {
            (Some(p), Some(s)) => {
                if p.0 < s.0 {
                    s
                } else {
                    p
                }
            }
            (p, s) => p.or(s)?,
        };
        Some((run, call, same))
    }

    /// Whether `call`'s first reservation in this session is to be
    /// checked, and then the verdict: `Some` when it must not be sent.
    pub(super) fn verdict(&self, call: u32) -> Option<Refused> {
        if self.checked.contains(&call) {
            return None;
        }
        let things = self.calls.get(&call)?;
        let mut applied: Option<(i64, String)> = None;
        let mut all_applied = true;
        let mut to_check = None;
        for (thing, target) in things {
            let Some((run, their_call, same)) = self.last_of(thing, target) else {
                all_applied = false;
                continue;
            };
            let Some(state) = self.states.get(&(run, their_call)) else { continue };
            if !state.open.is_empty() {
                let results = match self.runs.get(&run) {
                    Some(Some((_, r))) => r.clone(),
                    _ => String::new(),
                };
                return Some(Refused::Held { run, results });
            }
            match &state.applied {
                Some(at) if same && !state.uncertain => {
                    if applied.as_ref().is_none_or(|(r, _)| *r < run) {
                        applied = Some((run, at.clone()));
                    }
                }
                _ => all_applied = false,
            }
            if state.uncertain {
                to_check = Some(run);
            }
        }
        if let Some(run) = to_check {
            return Some(Refused::ToCheck { run });
        }
        match applied {
            Some((run, at)) if all_applied => Some(Refused::DoneMeanwhile { run, at }),
            _ => None,
        }
    }

    /// The batch is committed: these calls were checked, and the records
    /// read so far include this run's own, up to `upto`.
    pub(super) fn committed(&mut self, checked: impl Iterator<Item = u32>, upto: i64) {
        self.checked.extend(checked);
        self.since = self.since.max(upto);
    }
}
