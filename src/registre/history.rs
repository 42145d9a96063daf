//! The history of a dossier or a person (`loopbatch history`, the page's
//! « Historique »): every answered call the registre holds for them, in the
//! registre's own order (`attempts.seq`, never the clock), with the run
//! that made it (who, where, which sheet), a forgotten call without its
//! person; and the runs themselves, newest first. Each question goes from
//! the calls' index (`calls_by_dossier`, `calls_by_email`) through each run
//! of their plan (`runs_by_plan`) to the attempts of each call
//! (`attempts_by_call`): never a scan of every attempt, however large the
//! registre.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use crate::error::Result;

use super::Registre;

/// Whom a history is about, as the registre keeps it: a dossier code, or
/// an e-mail in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sought {
    /// One exact form (the registre's own tests).
    #[cfg_attr(not(test), allow(dead_code))]
    Dossier(String),
    /// A dossier under any of these forms (as typed, padded, unpadded, in
    /// upper and lower case): one exact probe of the index each.
    Dossiers(Vec<String>),
    Email(String),
}

/// One answered call, with its run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HistoryCall {
    /// The registre's sequence: the order things happened.
    pub seq: i64,
    pub run: i64,
    pub os_user: String,
    pub machine: String,
    /// The sheet's file name the run read.
    pub sheet: String,
    /// The run's results file (its plan is kept beside it).
    pub results: String,
    /// The hash of the plan the run ran.
    pub plan_hash: String,
    /// The call's number in its plan.
    pub call: u32,
    pub operation: String,
    pub dossier: String,
    /// None once forgotten (or a call of no person).
    pub email: Option<String>,
    /// Forgotten (`registre forget`, a deleted kept run, the retention):
    /// its personal data are gone.
    pub forgotten: bool,
    pub status: Option<String>,
    pub code_http: Option<i64>,
    /// Loop's message, verbatim (none once forgotten).
    pub message: Option<String>,
    pub request_id: Option<String>,
    /// When the answer came (ISO 8601 with its offset).
    pub at: Option<String>,
    /// changed, already, refused, unknown.
    pub effect: Option<String>,
    /// Went out, and no answer is recorded: it may have been applied.
    pub unanswered: bool,
    /// Where its run went (the tenant as recorded, JSON, no secret).
    pub tenant: Option<String>,
    /// When its run started (ISO 8601).
    pub run_started: String,
    /// How many times it went out, as its outcome says (0: never sent).
    pub sent_attempts: Option<i64>,
    /// Its request's body (none once forgotten).
    pub body: Option<String>,
}

/// One run, as the list of runs shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunListed {
    pub id: i64,
    pub os_user: String,
    pub machine: String,
    pub sheet: String,
    /// Where it went (JSON, never a secret).
    pub tenant: Option<String>,
    pub started: String,
    pub ended: Option<String>,
    /// Rows per status word once ended (JSON).
    pub counts: Option<String>,
    /// Its results file (canonical path).
    pub results: String,
}

/// A person's check of a call (`loopbatch verify`, the page's buttons):
/// whether it was done in Loop, who said so, when.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallCheck {
    pub done: bool,
    pub os_user: String,
    pub machine: String,
    pub at: String,
}

/// From the calls sought, through each run of their plan, to each answer,
/// and to each call that went out with no answer recorded (a kill, a power
/// cut: its last « sending », neither withdrawn nor answered in that run).
/// CROSS JOIN keeps SQLite in this order (the indexes all the way).
const HISTORY: &str = "
    SELECT a.seq, r.id, r.os_user, r.machine, r.sheet, r.results, r.plan, c.call, c.operation, c.dossier,
           c.email, c.forgotten IS NOT NULL, a.status, a.code_http, a.message, a.request_id, a.at, a.effect,
           a.event = 'sending', r.tenant, r.started, a.outcome_attempts,
           (SELECT b.body FROM bodies b WHERE b.hash = c.body)
    FROM calls c CROSS JOIN plans p CROSS JOIN runs r CROSS JOIN attempts a
    WHERE p.id = c.plan AND r.plan = p.hash AND a.run = r.id AND a.call = c.call
      AND (a.event = 'answered' OR a.event = 'sending' AND NOT EXISTS (
          SELECT 1 FROM attempts b WHERE b.run = a.run AND b.call = a.call
          AND (b.event = 'answered' OR b.event = 'withdrawn' AND b.attempt = a.attempt
               OR b.event = 'sending' AND b.seq > a.seq)))";

/// The key of a dossier sought under `n` forms: `?1`, then `?3`… (`?2`
/// is the day): an exact probe of `calls_by_dossier` each.
fn dossiers_key(n: usize) -> String {
    let others: Vec<String> = (3..n + 2).map(|i| format!(", ?{i}")).collect();
    format!("c.dossier IN (?1{})", others.concat())
}

/// The day filter: an answer's day, else (sent, no answer) its run's.
const SINCE: &str = "(?2 IS NULL OR substr(coalesce(a.at, r.started), 1, 10) >= ?2)";

impl Registre {
    /// Every answered call for a dossier or an e-mail, in the registre's
    /// order; `since` (AAAA-MM-JJ): only answers of that day or later.
    pub(crate) fn history(&self, sought: &Sought, since: Option<&str>) -> Result<Vec<HistoryCall>> {
        let (key, values): (String, Vec<&str>) = match sought {
            Sought::Dossier(d) => ("c.dossier = ?1".into(), vec![d.as_str()]),
            Sought::Dossiers(ds) => (dossiers_key(ds.len()), ds.iter().map(String::as_str).collect()),
            Sought::Email(e) => ("c.email = ?1".into(), vec![e.as_str()]),
        };
        let Some((first, others)) = values.split_first() else { return Ok(Vec::new()) };
        let sql = format!("{HISTORY} AND {key} AND {SINCE} ORDER BY a.seq");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.failed(&e))?;
        let mut bound: Vec<Option<&str>> = vec![Some(*first), since];
        bound.extend(others.iter().map(|v| Some(*v)));
        stmt.query_map(rusqlite::params_from_iter(bound), |r| {
            Ok(HistoryCall {
                seq: r.get(0)?,
                run: r.get(1)?,
                os_user: r.get(2)?,
                machine: r.get(3)?,
                sheet: r.get(4)?,
                results: r.get(5)?,
                plan_hash: r.get(6)?,
                call: r.get(7)?,
                operation: r.get(8)?,
                dossier: r.get(9)?,
                email: r.get(10)?,
                forgotten: r.get(11)?,
                status: r.get(12)?,
                code_http: r.get(13)?,
                message: r.get(14)?,
                request_id: r.get(15)?,
                at: r.get(16)?,
                effect: r.get(17)?,
                unanswered: r.get(18)?,
                tenant: r.get(19)?,
                run_started: r.get(20)?,
                sent_attempts: r.get(21)?,
                body: r.get(22)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.failed(&e))
    }

    /// The last check recorded of each call (run, call), from the checks'
    /// table when the registre has one (`verify`'s, schema 2): none else.
    pub(crate) fn checks_of(&self, calls: &[(i64, u32)]) -> Result<HashMap<(i64, u32), CallCheck>> {
        let failed = |e: rusqlite::Error| self.failed(&e);
        let table: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'checks'", [], |r| r.get(0))
            .map_err(failed)?;
        let mut found = HashMap::new();
        if table == 0 {
            return Ok(found);
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT done, os_user, machine, at FROM checks WHERE run = ?1 AND call = ?2 ORDER BY id DESC LIMIT 1",
            )
            .map_err(failed)?;
        for &(run, call) in calls {
            if found.contains_key(&(run, call)) {
                continue;
            }
            let check = stmt
                .query_row(params![run, call], |r| {
                    Ok(CallCheck { done: r.get(0)?, os_user: r.get(1)?, machine: r.get(2)?, at: r.get(3)? })
                })
                .optional()
                .map_err(failed)?;
            if let Some(c) = check {
                found.insert((run, call), c);
            }
        }
        Ok(found)
    }

    /// Whether the registre holds forgotten calls (`registre forget`, the
    /// retention): an e-mail found nowhere may be one of them.
    pub(crate) fn has_forgotten(&self) -> Result<bool> {
        self.conn
            .query_row("SELECT EXISTS(SELECT 1 FROM calls WHERE forgotten IS NOT NULL)", [], |r| r.get(0))
            .map_err(|e| self.failed(&e))
    }

    /// The runs, newest first (their own sequence); `since` (AAAA-MM-JJ):
    /// only those started that day or later.
    pub(crate) fn runs_listed(&self, since: Option<&str>) -> Result<Vec<RunListed>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, os_user, machine, sheet, tenant, started, ended, counts, results FROM runs
                 WHERE ?1 IS NULL OR substr(started, 1, 10) >= ?1 ORDER BY id DESC",
            )
            .map_err(|e| self.failed(&e))?;
        stmt.query_map([since], |r| {
            Ok(RunListed {
                id: r.get(0)?,
                os_user: r.get(1)?,
                machine: r.get(2)?,
                sheet: r.get(3)?,
                tenant: r.get(4)?,
                started: r.get(5)?,
                ended: r.get(6)?,
                counts: r.get(7)?,
                results: r.get(8)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.failed(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::outcome::{CallOutcome, Status};
    use crate::registre::{FILE_NAME, NewRun, PlannedCall};

    fn answered(reg: &Registre, run: i64, call: u32, at: &str, message: &str) {
        let o = CallOutcome {
            status: Status::Ok,
            code_http: Some(200),
            message: message.into(),
            request_id: format!("req-{run}-{call}"),
            object_id: String::new(),
            attempts: 1,
            timestamp: at.into(),
            resend_on_resume: false,
            already: false,
        };
        reg.answered(run, call, &o).unwrap();
    }

    fn calls() -> Vec<PlannedCall<'static>> {
        vec![
            PlannedCall { id: 1, operation: "provisionCompany", dossier: "C001", email: None, body: "{}" },
            PlannedCall {
                id: 2,
                operation: "addClient",
                dossier: "C001",
                email: Some("Ana@Exemple.fr".into()),
                body: r#"{"email":"Ana@Exemple.fr"}"#,
            },
            PlannedCall { id: 3, operation: "provisionCompany", dossier: "C002", email: None, body: "{}" },
        ]
    }

    #[test]
    fn a_dossiers_and_a_persons_calls_in_the_registres_order_with_their_runs() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
        let new = |results: &str| NewRun {
            sheet: "s.csv".into(),
            plan_hash: "p1".into(),
            results: dir.path().join(results),
            ..Default::default()
        };
        let first = reg.start_run(&new("r1.csv"), &calls()).unwrap();
        // The clock goes backwards: the sequence still orders.
        answered(&reg, first, 2, "2026-12-06T10:00:00+01:00", "créé");
        answered(&reg, first, 1, "2026-12-05T10:00:00+01:00", "=1+1");
        let since = reg.history(&Sought::Dossier("C001".into()), Some("2026-12-06")).unwrap();
        assert_eq!(since.iter().map(|c| c.call).collect::<Vec<_>>(), [2]);
        let second = reg.start_run(&new("r2.csv"), &calls()).unwrap();
        answered(&reg, second, 3, "2026-12-07T09:00:00+01:00", "");
        let seen = reg.history(&Sought::Dossier("C001".into()), None).unwrap();
        let order: Vec<(i64, u32)> = seen.iter().map(|c| (c.run, c.call)).collect();
        assert_eq!(order, [(first, 2), (first, 1)]);
        assert_eq!(seen[1].message.as_deref(), Some("=1+1"), "verbatim");
        assert_eq!(seen[0].request_id.as_deref(), Some(&*format!("req-{first}-2")));
        assert!(!seen[0].forgotten && seen[0].email.as_deref() == Some("ana@exemple.fr"));
        let ana = reg.history(&Sought::Email("ana@exemple.fr".into()), None).unwrap();
        assert_eq!(ana.len(), 1);

        assert!(reg.history(&Sought::Dossier("C404".into()), None).unwrap().is_empty());
        // Sent with no answer recorded: listed; withdrawn: never sent.
        reg.attempt(second, 1, 1, crate::registre::Event::Sending).unwrap();
        reg.attempt(second, 2, 1, crate::registre::Event::Sending).unwrap();
        reg.attempt(second, 2, 1, crate::registre::Event::Withdrawn).unwrap();
        let seen = reg.history(&Sought::Dossier("C001".into()), None).unwrap();
        let last = seen.last().unwrap();
        assert_eq!((seen.len(), last.run, last.call, last.unanswered), (3, second, 1, true), "{seen:?}");
        assert!(last.at.is_none() && last.status.is_none());
        let today = crate::outcome::now_iso()[..10].to_string();
        let since = reg.history(&Sought::Dossier("C001".into()), Some(&today)).unwrap();
        assert!(since.iter().any(|c| c.unanswered), "its run's day: {since:?}");
        let runs = reg.runs_listed(None).unwrap();
        assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), [second, first], "newest first");
        // Forgotten: still there, its person and message gone.
        reg.forget("C001", b"k").unwrap();
        let gone = reg.history(&Sought::Dossier("C001".into()), None).unwrap();
        assert!(gone.iter().all(|c| c.forgotten && c.email.is_none() && c.message.is_none()), "{gone:?}");
        assert_eq!(gone.len(), 3);
        assert!(reg.history(&Sought::Email("ana@exemple.fr".into()), None).unwrap().is_empty());
    }

    /// A person's check, once the registre has `verify`'s table (made here
    /// as the memory's schema 2 makes it): the last one of each call.
    #[test]
    fn a_persons_check_is_read_when_the_registre_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
        let new = NewRun { sheet: "s.csv".into(), plan_hash: "p1".into(), ..Default::default() };
        let run = reg.start_run(&new, &calls()).unwrap();
        // The table is the schema's (version 2, `verify`): empty, no check.
        assert!(reg.checks_of(&[(run, 1)]).unwrap().is_empty(), "no check yet");
        let check = "INSERT INTO checks(run, call, done, feuille, ligne, os_user, machine, at, after_seq)
                     VALUES (?1, 1, ?2, 's.csv', 2, 'ana', 'poste-12', ?3, 0)";
        reg.conn.execute(check, params![run, 0, "2026-12-06T10:00:00+01:00"]).unwrap();
        reg.conn.execute(check, params![run, 1, "2026-12-06T11:00:00+01:00"]).unwrap();
        let found = reg.checks_of(&[(run, 1), (run, 2)]).unwrap();
        let c = &found[&(run, 1)];
        assert_eq!((c.done, c.os_user.as_str(), c.at.as_str()), (true, "ana", "2026-12-06T11:00:00+01:00"));
        assert!(!found.contains_key(&(run, 2)));
    }

    /// A dossier's history goes through the indexes, never a scan of the
    /// calls, runs or attempts (a registre of a million calls answers at
    /// once: benches/registre.rs).
    #[test]
    fn a_history_uses_the_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
        for key in ["c.dossier = ?1".to_string(), "c.email = ?1".into(), dossiers_key(4)] {
            let sql = format!("EXPLAIN QUERY PLAN {HISTORY} AND {key} AND {SINCE} ORDER BY a.seq");
            let mut stmt = reg.conn.prepare(&sql).unwrap();
            let n = stmt.parameter_count();
            let plan: Vec<String> = stmt
                .query_map(&params!["x", Option::<String>::None, "y", "z", "w"][..n], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let text = plan.join("\n");
            for index in ["calls_by_", "runs_by_plan", "attempts_by_call"] {
                assert!(text.contains(index), "{index} in:\n{text}");
            }
            assert!(!plan.iter().any(|l| l.starts_with("SCAN")), "no scan:\n{text}");
        }
    }
}
