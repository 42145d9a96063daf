//! The registre's tables, and its schema version (`PRAGMA user_version`).
//! A global sequence (`attempts.seq`) orders what happened: never the clock.

use rusqlite::{Connection, params};

/// The schema this binary writes. A registre of a higher version is refused.
pub(super) const VERSION: i64 = 3;

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

/// Version 2: a person's checks of calls (`loopbatch verify`), and runs
/// closed without a resume. A check is placed among the attempts by
/// `after_seq` (the last attempt's `seq` when it was made): the registre's
/// own order, never the clock.
const SCHEMA_V2: &str = "
CREATE TABLE checks(
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs(id),
    call INTEGER NOT NULL,
    -- 1: done (the call counts as applied), 0: not done (sendable again).
    done INTEGER NOT NULL CHECK(done IN (0, 1)),
    feuille TEXT NOT NULL,
    ligne INTEGER NOT NULL,
    os_user TEXT NOT NULL,
    machine TEXT NOT NULL,
    at TEXT NOT NULL,
    after_seq INTEGER NOT NULL
);
CREATE INDEX checks_by_call ON checks(run, call);
";

/// Version 3: what a forgotten call changed in Loop, as keyed hashes only
/// (`forget`), so that the memory still knows it done: `email`, the keyed
/// hash of the person's e-mail the call was about (NULL: none), by which
/// the memory finds it; `things`, 32 bytes per thing the call changed (see
/// `state::things_of`): the first 16 the keyed hash of the thing, the next
/// 16 of the state it left it in (on, off, or the field's value as sent).
/// The dossier code stays in `calls`. Nothing in it reads back as a name,
/// an e-mail or a value.
const SCHEMA_V3: &str = "
CREATE TABLE sealed(
    plan INTEGER NOT NULL,
    call INTEGER NOT NULL,
    email BLOB,
    things BLOB NOT NULL,
    PRIMARY KEY(plan, call)
) WITHOUT ROWID;
CREATE INDEX sealed_by_email ON sealed(email) WHERE email IS NOT NULL;
";

/// The schemas after the first, in order: `MIGRATIONS[i]` makes version `i + 2`.
const MIGRATIONS: [&str; 2] = [SCHEMA_V2, SCHEMA_V3];

/// Makes the tables of a new registre, or migrates one of an earlier
/// version (`found` is its `user_version`; `path` its file, for the copy
/// made first).
pub(super) fn ensure(conn: &Connection, found: i64, path: &std::path::Path) -> rusqlite::Result<()> {
    if found == VERSION {
        remove_copies(path);
        return Ok(());
    }
    if (1..VERSION).contains(&found) {
        return migrate(conn, found, path);
    }
    // A new registre (version 0): made whole or not at all.
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let made = (|| {
        // Another process may have made it while this one waited.
        let now: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now == VERSION {
            return Ok(());
        }
        conn.execute_batch(SCHEMA_V1)?;
        for schema in MIGRATIONS {
            conn.execute_batch(schema)?;
        }
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

/// Version `found` to this one: a copy first (`VACUUM INTO` beside it: the
/// registre as it was, should the migration go wrong), then the new tables
/// of each later version in one transaction. The copy is removed once the
/// migration is committed (it holds people's addresses that `registre
/// forget` would not reach); it stays when the migration failed.
fn migrate(conn: &Connection, found: i64, path: &std::path::Path) -> rusqlite::Result<()> {
    let copy = copy_path(path, found);
    let _ = std::fs::remove_file(&copy);
    conn.execute("VACUUM INTO ?1", [copy.to_string_lossy()])?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let migrated = (|| {
        let now: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now == VERSION {
            return Ok(());
        }
        let from = usize::try_from(found - 1).unwrap_or_default();
        for schema in &MIGRATIONS[from.min(MIGRATIONS.len())..] {
            conn.execute_batch(schema)?;
        }
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
            params![format!("migrated_from_{found}"), crate::outcome::now_iso()],
        )?;
        conn.execute_batch(&format!("PRAGMA user_version = {VERSION}"))
    })();
    match migrated {
        Ok(()) => {
            conn.execute_batch("COMMIT")?;
            let _ = std::fs::remove_file(&copy);
            Ok(())
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// The copies an earlier migration left beside a registre of this version:
/// a migration committed, then killed (or refused the removal: a virus
/// scanner holding the file) before its copy was removed. The migration
/// succeeded, so the copy serves nothing, and it holds people's addresses
/// that `registre forget` would not reach: removed at the next opening.
fn remove_copies(path: &std::path::Path) {
    for found in 1..VERSION {
        let copy = copy_path(path, found);
        if copy.exists() {
            let _ = std::fs::remove_file(&copy);
        }
    }
}

/// Where the copy of a registre of version `found` is made before its migration.
pub(super) fn copy_path(path: &std::path::Path, found: i64) -> std::path::PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!("{name}.v{found}-avant-migration"))
}
