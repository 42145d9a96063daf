//! Asking the registre across runs: the list of runs, what happened to one
//! dossier, and what is known of a sheet's rows (by dossier code or
//! e-mail). Each question is one read, never held across anything else.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::error::Result;

use super::Registre;

/// One run, as the list of runs shows it (newest first).
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub id: i64,
    pub os_user: String,
    pub machine: String,
    pub sheet: String,
    pub results: String,
    pub started: String,
    pub ended: Option<String>,
    /// Rows per status word once ended (JSON), as the run recorded them.
    pub counts: Option<String>,
}

/// One answered call, as a dossier's history or a row's memory shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSeen {
    pub run: i64,
    pub operation: String,
    /// changed, already, refused, unknown.
    pub effect: Option<String>,
    pub status: Option<String>,
    pub at: Option<String>,
    /// Loop's message (none once forgotten).
    pub message: Option<String>,
}

/// The calls answered for a dossier or e-mail, newest first, through each
/// run of each plan holding such a call.
const SEEN: &str = "
    SELECT a.run, c.operation, a.effect, a.status, a.at, a.message
    FROM calls c
    JOIN plans p ON p.id = c.plan
    JOIN runs r ON r.plan = p.hash
    JOIN attempts a ON a.run = r.id AND a.call = c.call AND a.event = 'answered'";

impl Registre {
    /// Every run, newest first.
    pub fn runs(&self) -> Result<Vec<RunSummary>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, os_user, machine, sheet, results, started, ended, counts FROM runs ORDER BY id DESC")
            .map_err(|e| self.failed(&e))?;
        stmt.query_map([], |r| {
            Ok(RunSummary {
                id: r.get(0)?,
                os_user: r.get(1)?,
                machine: r.get(2)?,
                sheet: r.get(3)?,
                results: r.get(4)?,
                started: r.get(5)?,
                ended: r.get(6)?,
                counts: r.get(7)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.failed(&e))
    }

    /// The calls answered for one dossier, newest first.
    pub fn dossier_calls(&self, dossier: &str) -> Result<Vec<CallSeen>> {
        let sql = format!("{SEEN} WHERE c.dossier = ?1 ORDER BY a.seq DESC");
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.failed(&e))?;
        stmt.query_map([dossier], seen).and_then(|rows| rows.collect()).map_err(|e| self.failed(&e))
    }

    /// What the registre knows of each row of a sheet, by its dossier code
    /// or its e-mail (case ignored): for each row index, the calls
    /// answered for it, newest first. Rows it knows nothing of are absent.
    pub fn known(&mut self, rows: &[(&str, Option<&str>)]) -> Result<HashMap<usize, Vec<CallSeen>>> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        // A temporary table in memory (`temp_store`), dropped at the end:
        // the registre's file is not written.
        let tx = self.conn.transaction().map_err(failed)?;
        let found = known_in(&tx, rows).map_err(failed);
        let _ = tx.execute_batch("DROP TABLE IF EXISTS temp.sought");
        drop(tx);
        found
    }
}

fn known_in(conn: &Connection, rows: &[(&str, Option<&str>)]) -> rusqlite::Result<HashMap<usize, Vec<CallSeen>>> {
    conn.execute_batch("CREATE TEMP TABLE sought(row INTEGER NOT NULL, dossier TEXT, email TEXT)")?;
    {
        let mut insert = conn.prepare("INSERT INTO temp.sought(row, dossier, email) VALUES (?1, ?2, ?3)")?;
        for (i, (dossier, email)) in rows.iter().enumerate() {
            insert.execute(params![i as i64, dossier, email.map(|e| crate::normalize::email_key(e).into_owned())])?;
        }
    }
    // A call is found by its dossier or by its e-mail (a person added to
    // another dossier), each once per row. CROSS JOIN keeps SQLite from
    // scanning every attempt: from each row sought, through the indexes.
    let mut out: HashMap<usize, Vec<(i64, CallSeen)>> = HashMap::new();
    for key in ["c.dossier = s.dossier", "c.email = s.email"] {
        let sql = format!(
            "SELECT s.row, a.run, c.operation, a.effect, a.status, a.at, a.message, a.seq
             FROM temp.sought s CROSS JOIN calls c CROSS JOIN plans p CROSS JOIN runs r CROSS JOIN attempts a
             WHERE {key} AND p.id = c.plan AND r.plan = p.hash AND a.run = r.id AND a.call = c.call AND a.event = 'answered'"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut found = stmt.query([])?;
        while let Some(r) = found.next()? {
            let row: i64 = r.get(0)?;
            let call = CallSeen {
                run: r.get(1)?,
                operation: r.get(2)?,
                effect: r.get(3)?,
                status: r.get(4)?,
                at: r.get(5)?,
                message: r.get(6)?,
            };
            out.entry(row as usize).or_default().push((r.get(7)?, call));
        }
    }
    Ok(out
        .into_iter()
        .map(|(row, mut calls)| {
            calls.sort_by_key(|c| std::cmp::Reverse(c.0));
            calls.dedup_by_key(|c| c.0);
            (row, calls.into_iter().map(|(_, c)| c).collect())
        })
        .collect())
}

fn seen(r: &rusqlite::Row<'_>) -> rusqlite::Result<CallSeen> {
    Ok(CallSeen {
        run: r.get(0)?,
        operation: r.get(1)?,
        effect: r.get(2)?,
        status: r.get(3)?,
        at: r.get(4)?,
        message: r.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::outcome::{CallOutcome, Status};
    use crate::registre::{FILE_NAME, NewRun, PlannedCall};

    fn answered(reg: &Registre, run: i64, call: u32, message: &str) {
        let o = CallOutcome {
            status: Status::Ok,
            code_http: Some(200),
            message: message.into(),
            request_id: format!("req-{call}"),
            object_id: String::new(),
            attempts: 1,
            timestamp: "2026-12-06T10:00:00+01:00".into(),
            resend_on_resume: false,
            already: false,
        };
        reg.answered(run, call, &o).unwrap();
    }

    #[test]
    fn runs_a_dossiers_calls_and_a_sheets_rows_are_found_across_runs() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = Registre::open(&dir.path().join(FILE_NAME), Lang::Fr).unwrap();
        let calls = [
            PlannedCall { id: 1, operation: "provisionCompany", dossier: "C001", email: None, body: "{}" },
            PlannedCall {
                id: 2,
                operation: "addClient",
                dossier: "C001",
                email: Some("Ana@Exemple.fr".into()),
                body: r#"{"email":"Ana@Exemple.fr"}"#,
            },
            PlannedCall { id: 3, operation: "provisionCompany", dossier: "C002", email: None, body: "{}" },
        ];
        let new = |plan: &str, results: &str| NewRun {
            sheet: "s.csv".into(),
            plan_hash: plan.into(),
            results: dir.path().join(results),
            ..Default::default()
        };
        let first = reg.start_run(&new("p1", "r1.csv"), &calls).unwrap();
        answered(&reg, first, 1, "créé");
        answered(&reg, first, 2, "");
        let second = reg.start_run(&new("p1", "r2.csv"), &calls).unwrap();
        answered(&reg, second, 3, "");
        let runs = reg.runs().unwrap();
        assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), vec![second, first], "newest first");
        let seen = reg.dossier_calls("C001").unwrap();
        assert_eq!(seen.iter().map(|c| c.operation.as_str()).collect::<Vec<_>>(), ["addClient", "provisionCompany"]);
        assert_eq!(seen[1].message.as_deref(), Some("créé"));
        assert!(reg.dossier_calls("C002").unwrap().iter().all(|c| c.run == second));
        // Row 0 by its dossier, row 1 by its e-mail alone (another case,
        // another dossier), row 2 unknown.
        let known = reg.known(&[("C001", None), ("C999", Some("ana@EXEMPLE.fr")), ("C404", Some("x@y.fr"))]).unwrap();
        assert_eq!(known.get(&0).map(Vec::len), Some(2), "{known:?}");
        assert_eq!(known.get(&1).map(|c| c[0].operation.as_str()), Some("addClient"), "{known:?}");
        assert!(!known.contains_key(&2));
        // Asked again: the temporary table went with the first question.
        assert_eq!(reg.known(&[("C002", None)]).unwrap().get(&0).map(Vec::len), Some(1));
    }
}
