//! The registre's tables, and its schema version (`PRAGMA user_version`).
//! A global sequence (`attempts.seq`) orders what happened: never the clock.

use rusqlite::{Connection, params};

/// The schema this binary writes. A registre of a higher version is refused.
pub(super) const VERSION: i64 = 1;

const SCHEMA_V1: &str = "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- A plan once per hash, its calls once per plan, a body once per content.
-- Calls name their plan by its number: a hash in each call's row and index
-- entries would cost more than the rest of the call.
CREATE TABLE plans(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, source TEXT NOT NULL, calls INTEGER NOT NULL);
CREATE TABLE bodies(hash BLOB PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE calls(
    plan INTEGER NOT NULL REFERENCES plans(id),
    call INTEGER NOT NULL,
    operation TEXT NOT NULL,
    dossier TEXT NOT NULL,
    email TEXT, -- in lower case
    body BLOB REFERENCES bodies(hash),
    -- Once forgotten: a keyed hash of the operation and body (a tombstone).
    forgotten TEXT,
    PRIMARY KEY(plan, call)
) WITHOUT ROWID;
CREATE INDEX calls_by_dossier ON calls(dossier);
-- What is known of a person (the address kept in lower case).
CREATE INDEX calls_by_email ON calls(email);
-- A run: its own sequence (id), who, where, which sheet and plan, where it
-- went (the tenant, no secret), its results file (canonical path).
CREATE TABLE runs(
    id INTEGER PRIMARY KEY,
    os_user TEXT NOT NULL,
    machine TEXT NOT NULL,
    version TEXT NOT NULL,
    sheet TEXT NOT NULL,
    sheet_sha256 TEXT,
    plan TEXT,
    tenant TEXT,
    results TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT,
    counts TEXT,
    results_written INTEGER NOT NULL DEFAULT 0,
    damaged INTEGER NOT NULL DEFAULT 0,
    syncs INTEGER NOT NULL DEFAULT 0,
    imported_from TEXT,
    imported_sha256 TEXT
);
CREATE INDEX runs_by_results ON runs(results, id);
-- From a plan's calls to the runs that made them.
CREATE INDEX runs_by_plan ON runs(plan, id);
CREATE UNIQUE INDEX runs_by_import ON runs(imported_sha256) WHERE imported_sha256 IS NOT NULL;
-- Each attempt's events in order: reserved, sending, withdrawn, answered
-- (with Loop's answer and its effect: changed, already, refused, unknown).
CREATE TABLE attempts(
    seq INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs(id),
    call INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    event TEXT NOT NULL CHECK(event IN ('reserved', 'sending', 'withdrawn', 'answered')),
    status TEXT,
    code_http INTEGER,
    message TEXT,
    request_id TEXT,
    object_id TEXT,
    outcome_attempts INTEGER,
    at TEXT,
    resend INTEGER,
    effect TEXT CHECK(effect IN ('changed', 'already', 'refused', 'unknown'))
);
CREATE INDEX attempts_by_call ON attempts(run, call);
";

/// Makes the tables of a new registre (`found` is its `user_version`).
pub(super) fn ensure(conn: &Connection, found: i64) -> rusqlite::Result<()> {
    if found == VERSION {
        return Ok(());
    }
    // A new registre (version 0): made whole or not at all. Later versions
    // migrate here, from a copy made first (`VACUUM INTO`).
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let made = (|| {
        // Another process may have made it while this one waited.
        let now: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now == VERSION {
            return Ok(());
        }
        conn.execute_batch(SCHEMA_V1)?;
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('version', ?1), ('created', ?2)",
            params![env!("CARGO_PKG_VERSION"), crate::outcome::now_iso()],
        )?;
        conn.execute_batch(&format!("PRAGMA user_version = {VERSION}"))
    })();
    match made {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
