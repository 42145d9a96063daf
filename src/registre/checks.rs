//! A person's checks (`loopbatch verify`) and closed runs, as a resume and
//! `verify` read them.

use std::collections::{HashMap, HashSet};

use crate::error::Result;

use super::Registre;

/// A person's last check of a call of a run, made after its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checked {
    pub done: bool,
    pub who: String,
    pub at: String,
}

impl Registre {
    /// The checks of a run's calls that stand for a resume of it: each
    /// call's last, made after the call's last attempt.
    pub(crate) fn run_checks(&self, run: i64) -> Result<HashMap<u32, Checked>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT k.call, k.done, k.os_user, k.at FROM checks k
                 WHERE k.run = ?1 AND k.id = (SELECT max(id) FROM checks WHERE run = k.run AND call = k.call)
                 AND k.after_seq >= (SELECT coalesce(max(seq), 0) FROM attempts WHERE run = k.run AND call = k.call)",
            )
            .map_err(|e| self.failed(&e))?;
        let rows = stmt
            .query_map([run], |r| Ok((r.get::<_, u32>(0)?, Checked { done: r.get(1)?, who: r.get(2)?, at: r.get(3)? })))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .map_err(|e| self.failed(&e))?;
        Ok(rows.into_iter().collect())
    }

    /// The calls of a run whose last answer gave up without any answer
    /// after a sending (the connection cut): they may have been applied.
    pub(crate) fn given_up_unanswered(&self, run: i64) -> Result<HashSet<u32>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT call, event, coalesce(resend, 0), code_http IS NULL FROM attempts WHERE run = ?1 ORDER BY seq",
            )
            .map_err(|e| self.failed(&e))?;
        let rows = stmt
            .query_map([run], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?, r.get(3)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<(u32, String, bool, bool)>>>())
            .map_err(|e| self.failed(&e))?;
        let (mut open, mut unknown) = (HashSet::new(), HashSet::new());
        for (call, event, resend, no_code) in rows {
            match event.as_str() {
                "sending" => {
                    open.insert(call);
                }
                "withdrawn" => {
                    open.remove(&call);
                }
                "answered" => {
                    match resend && no_code && open.contains(&call) {
                        true => unknown.insert(call),
                        false => unknown.remove(&call),
                    };
                    open.remove(&call);
                }
                _ => {}
            }
        }
        Ok(unknown)
    }

    /// Whether `registre close` closed the run (never to be resumed).
    pub(crate) fn closed(&self, run: i64) -> Result<bool> {
        self.conn
            .query_row("SELECT count(*) FROM meta WHERE key = ?1", [format!("closed:{run}")], |r| r.get::<_, i64>(0))
            .map(|n| n > 0)
            .map_err(|e| self.failed(&e))
    }
}
