//! Forgetting a person or a dossier: the personal fields of their calls
//! (e-mail, names and phone in the bodies, Loop's messages) are removed;
//! each call keeps a tombstone — a keyed hash of its operation and body,
//! its attempts, their effects and order — so that the memory of what was
//! done, and the order undo needs, still hold. The deleted content is
//! overwritten (`secure_delete`) and the WAL emptied.

use rusqlite::params;

use crate::error::Result;

use super::Registre;

/// What `forget` removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Forgotten {
    /// Calls whose personal fields were removed.
    pub calls: usize,
    /// Whether the old pages were overwritten everywhere (false: another
    /// program was reading the registre, the WAL still holds them).
    pub emptied: bool,
}

impl Registre {
    /// Forgets every call for the e-mail or dossier code `who`; `key` keys
    /// the tombstones' hashes (the user's secret).
    pub fn forget(&mut self, who: &str, key: &[u8]) -> Result<Forgotten> {
        self.forget_calls("lower(c.email) = lower(?1) OR c.dossier = ?1", who.trim(), key)
    }

    /// Forgets every call of the runs recorded for `results` (a kept run
    /// deleted in the page): the same tombstones as `forget`.
    pub fn forget_run(&mut self, results: &std::path::Path, key: &[u8]) -> Result<Forgotten> {
        let results = super::canonical(results);
        let plans = "c.plan IN (SELECT p.id FROM plans p JOIN runs r ON r.plan = p.hash WHERE r.results = ?1)";
        self.forget_calls(plans, &results, key)
    }

    /// Forgets the calls of plans last run more than `months` months ago
    /// (`registre_retention_months`); the registre's own dates, ISO 8601
    /// with their offset, compared as SQLite reads them.
    pub fn forget_older_than(&mut self, months: u32, key: &[u8]) -> Result<Forgotten> {
        let plans = "c.plan IN (SELECT p.id FROM plans p JOIN runs r ON r.plan = p.hash GROUP BY p.id
                     HAVING max(julianday(r.started)) < julianday('now', ?1))";
        self.forget_calls(plans, &format!("-{months} months"), key)
    }

    /// Forgets the calls `filter` (SQL on `calls c`, with one parameter)
    /// selects.
    fn forget_calls(&mut self, filter: &str, param: &str, key: &[u8]) -> Result<Forgotten> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(failed)?;
        let found: Vec<(i64, u32, String, Option<String>)> = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT c.plan, c.call, c.operation, b.body FROM calls c LEFT JOIN bodies b ON b.hash = c.body
                     WHERE c.forgotten IS NULL AND ({filter})"
                ))
                .map_err(failed)?;
            stmt.query_map([param], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .and_then(|rows| rows.collect())
                .map_err(failed)?
        };
        for (plan, call, operation, body) in &found {
            let tombstone = keyed_hash(key, operation, body.as_deref().unwrap_or_default());
            tx.execute(
                "UPDATE calls SET email = NULL, body = NULL, forgotten = ?1 WHERE plan = ?2 AND call = ?3",
                params![tombstone, plan, call],
            )
            .map_err(failed)?;
            tx.execute(
                "UPDATE attempts SET message = NULL WHERE call = ?1
                 AND run IN (SELECT r.id FROM runs r JOIN plans p ON p.hash = r.plan WHERE p.id = ?2)",
                params![call, plan],
            )
            .map_err(failed)?;
        }
        if found.is_empty() {
            // Nothing forgotten: no body left without its call, and none in
            // the WAL. Each run's start asks (the retention): on a registre
            // of a million calls, the search for orphan bodies costs seconds.
            tx.commit().map_err(failed)?;
            return Ok(Forgotten { calls: 0, emptied: true });
        }
        tx.execute("DELETE FROM bodies WHERE hash NOT IN (SELECT body FROM calls WHERE body IS NOT NULL)", [])
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
        // The WAL still holds the old pages until it is folded and emptied;
        // a reader of another process holds it back (said, not hidden).
        let emptied = self.checkpoint(true);
        Ok(Forgotten { calls: found.len(), emptied })
    }
}

fn keyed_hash(key: &[u8], operation: &str, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key) else { return String::new() };
    mac.update(operation.as_bytes());
    mac.update(&[0]);
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}
