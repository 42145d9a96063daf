//! Reading the registre back: the last run of a results file, and what a
//! run recorded of each call (done, or attempted and unsettled).

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use crate::outcome::{CallOutcome, Status};

use super::{Event, Row, RunRow, status_of};

/// What an earlier run left for a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Prior {
    Done(CallOutcome),
    /// Attempted (`attempts` numbers used) and not settled. `sent`: one of
    /// the attempts went out (a "sending" record, not withdrawn) and its
    /// answer was not recorded: it may have been applied. Otherwise the
    /// attempts were only reserved: never sent.
    InFlight {
        attempts: u32,
        sent: bool,
    },
}

pub(super) fn run_for(conn: &Connection, results: &str) -> rusqlite::Result<Option<RunRow>> {
    conn.query_row(
        "SELECT id, os_user, machine, sheet, coalesce(plan, ''), tenant, results, started, ended, results_written
         FROM runs WHERE results = ?1 ORDER BY id DESC LIMIT 1",
        [results],
        |r| {
            Ok(RunRow {
                id: r.get(0)?,
                os_user: r.get(1)?,
                machine: r.get(2)?,
                sheet: r.get(3)?,
                plan_hash: r.get(4)?,
                tenant: r.get::<_, Option<String>>(5)?.and_then(|t| serde_json::from_str(&t).ok()),
                results: r.get(6)?,
                started: r.get(7)?,
                ended: r.get(8)?,
                results_written: r.get(9)?,
            })
        },
    )
    .optional()
}

/// Each call's events in their order, folded as a resume needs them: a
/// final outcome stands unless it asks to be sent again; an attempt with a
/// "sending" and no "withdrawn" may have reached Loop.
pub(super) fn prior(conn: &Connection, run: i64) -> rusqlite::Result<(HashMap<u32, Prior>, bool)> {
    let damaged: bool = conn.query_row("SELECT damaged FROM runs WHERE id = ?1", [run], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT call, attempt, event, status, code_http, message, request_id, object_id, outcome_attempts, at, resend,
                coalesce(effect = 'already', 0)
         FROM attempts WHERE run = ?1 ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![run])?;
    let mut attempts: HashMap<u32, u32> = HashMap::new();
    let mut open: HashMap<u32, HashSet<u32>> = HashMap::new();
    let mut done: HashMap<u32, CallOutcome> = HashMap::new();
    while let Some(r) = rows.next()? {
        let (call, attempt, event): (u32, u32, Row) = (r.get(0)?, r.get(1)?, r.get(2)?);
        match event {
            Row::Event(e @ (Event::Reserved | Event::Sending)) => {
                let n = attempts.entry(call).or_default();
                *n = (*n).max(attempt);
                if e == Event::Sending {
                    open.entry(call).or_default().insert(attempt);
                }
            }
            Row::Event(Event::Withdrawn) => {
                if let Some(o) = open.get_mut(&call) {
                    o.remove(&attempt);
                }
            }
            Row::Answered => {
                let outcome = CallOutcome {
                    status: status_of(r.get(3)?).unwrap_or(Status::Erreur),
                    code_http: r.get(4)?,
                    message: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    request_id: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                    object_id: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    attempts: r.get::<_, Option<u32>>(8)?.unwrap_or_default(),
                    timestamp: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
                    resend_on_resume: r.get::<_, Option<bool>>(10)?.unwrap_or_default(),
                    already: r.get(11)?,
                };
                // Not applied (refused key, wrong route) or given up on
                // transient errors not applied: a resume sends it again.
                if outcome.resend_on_resume {
                    done.remove(&call);
                    open.remove(&call);
                } else {
                    done.insert(call, outcome);
                }
            }
        }
    }
    let mut prior: HashMap<u32, Prior> = done.into_iter().map(|(c, o)| (c, Prior::Done(o))).collect();
    for (call, n) in attempts {
        let sent = open.get(&call).is_some_and(|o| !o.is_empty());
        prior.entry(call).or_insert(Prior::InFlight { attempts: n, sent });
    }
    Ok((prior, damaged))
}
