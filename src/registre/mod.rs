//! The registre: one SQLite database per user that keeps every run (who,
//! where, when, which sheet and plan, where it went, how it ended) and every
//! call's attempts (reserved, sending, answered, withdrawn) with Loop's
//! answer. Cegid Loop cannot be asked what was sent to it: this is the
//! cabinet's only memory of it. No secret is ever stored: the tenant is the
//! masked key id and its keyed fingerprint.
//!
//! A shared leaf (it imports only other leaves), so that any stage may ask
//! it. Opening never creates an empty registre over a damaged one (its
//! first run would send everything again) and never touches a registre of
//! a newer schema; an older one is migrated from a copy made first, in one
//! transaction, and left whole when that fails (`schema`).
//!
//! What is read from it: the memory across runs (`state`, read in
//! `state_read`), the send-time check (`guard`), what an undo needs
//! (`undo`), the history (`history`), people's checks and closed runs
//! (`checks`); forgetting keeps keyed prints (`forget`, `sealed`).

pub(crate) mod checks;
mod forget;
pub(crate) mod guard;
mod history;
mod import;
pub(crate) mod legacy;
mod open;
mod query;
mod read;
mod schema;
pub(crate) mod sealed;
mod space;
pub(crate) mod state;
mod state_read;
pub(crate) mod undo;
mod write;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Failure, Refusal, Result};
use crate::i18n::Lang;
use crate::outcome::{CallOutcome, Status, now_iso};

pub(crate) use history::{CallCheck, HistoryCall, Sought};
pub(crate) use import::{Imported, journal_beside};
pub use query::{CallSeen, RunSummary};
pub use read::Prior;
pub(crate) use space::enough_space;
pub use write::{Record, WriteFailure};

/// The registre's file name in the per-user local data folder.
pub(crate) const FILE_NAME: &str = "registre.sqlite3";
/// The environment variable naming another registre (`--registre` wins).
pub(crate) const ENV_VAR: &str = "LOOPBATCH_REGISTRE";

/// The registre's default place: the per-user *local* data folder (never
/// the roaming one, which cabinets' IT often redirects to a file server,
/// where SQLite's locking is not safe).
pub(crate) fn default_path() -> Option<PathBuf> {
    dirs::data_local_dir().map(|d| d.join("loopbatch").join(FILE_NAME))
}

/// The registre to use: `explicit` (flag, environment, configuration)
/// else the default place.
pub(crate) fn location(explicit: Option<&Path>) -> Result<PathBuf> {
    match explicit {
        Some(p) => Ok(p.to_path_buf()),
        None => default_path().ok_or(Failure::refused(Refusal::NoDataFolder)),
    }
}

/// An open registre: one connection, owned by whoever holds this.
pub struct Registre {
    conn: Connection,
    path: PathBuf,
    lang: Lang,
    /// The `synchronous` level set on the connection.
    synchronous: &'static str,
}

/// What a run is when it starts, as the registre keeps it.
#[derive(Debug, Clone, Default)]
pub struct NewRun {
    pub sheet: String,
    pub sheet_sha256: String,
    pub plan_hash: String,
    /// Where it goes (JSON, never a secret).
    pub tenant: Option<serde_json::Value>,
    /// The results file, as given (stored canonical).
    pub results: PathBuf,
}

/// One call of a plan, as the registre keeps it (stored once per plan).
pub struct PlannedCall<'a> {
    pub id: u32,
    pub operation: &'a str,
    pub dossier: &'a str,
    pub email: Option<String>,
    pub body: &'a str,
}

/// A run the registre holds.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub os_user: String,
    pub machine: String,
    pub sheet: String,
    pub plan_hash: String,
    pub tenant: Option<serde_json::Value>,
    pub results: String,
    pub started: String,
    pub ended: Option<String>,
    pub results_written: bool,
}

/// What happened to one attempt of a call (its word in `attempts.event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Event {
    /// May go out from now on (a reservation, not a sending).
    Reserved,
    /// Goes out now: recorded before the request's first byte.
    Sending,
    /// Did not go out after all, or failed before any byte was written.
    Withdrawn,
}

impl Event {
    pub(crate) fn word(self) -> &'static str {
        self.into()
    }
}

/// The word of an answer's row in `attempts.event`.
const ANSWERED: &str = "answered";

/// A row of `attempts` as the readers take it: one of an attempt's events,
/// or the call's answer. A word the table's CHECK does not allow is an
/// error, never taken for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Row {
    Event(Event),
    Answered,
}

impl rusqlite::types::FromSql for Row {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let word = value.as_str()?;
        if word == ANSWERED {
            return Ok(Row::Answered);
        }
        <Event as strum::IntoEnumIterator>::iter()
            .find(|e| e.word() == word)
            .map(Row::Event)
            .ok_or(rusqlite::types::FromSqlError::InvalidType)
    }
}

/// What an answer did in Loop, as far as loopbatch can tell (its word in
/// `attempts.effect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub(crate) enum AnswerEffect {
    /// Applied by this call.
    Changed,
    /// What it asks for was there before.
    Already,
    /// Refused by Loop: nothing changed.
    Refused,
    /// Not known.
    Unknown,
}

impl AnswerEffect {
    pub(crate) fn word(self) -> &'static str {
        self.into()
    }

    /// The effect a recorded word names; none for a missing or other word.
    pub(crate) fn from_word(word: Option<&str>) -> Option<AnswerEffect> {
        word?.parse().ok()
    }
}

/// What an answer did in Loop, as far as loopbatch can tell.
pub(crate) fn effect(outcome: &CallOutcome) -> AnswerEffect {
    match outcome.status {
        // Outcomes recorded before `already` existed: Loop's « déjà ».
        Status::Ok if outcome.already || crate::loop_api::says_already(&outcome.message) => AnswerEffect::Already,
        Status::DejaFait => AnswerEffect::Already,
        Status::Ok => AnswerEffect::Changed,
        Status::Erreur | Status::Invalide if !outcome.resend_on_resume => AnswerEffect::Refused,
        _ => AnswerEffect::Unknown,
    }
}

/// A recorded status word as a status (none: no status, or a word this
/// version does not know).
pub(crate) fn status_of(word: Option<String>) -> Option<Status> {
    word.as_deref().and_then(Status::from_word)
}

impl Registre {
    /// Opens the registre at `path`, creating it (owner-only) if there is
    /// none; see [`open`](self::open) for what is refused.
    pub fn open(path: &Path, lang: Lang) -> Result<Registre> {
        let conn = open::open(path)?;
        Ok(Registre { conn, path: path.to_path_buf(), lang, synchronous: "NORMAL" })
    }

    /// Opens the registre to read it (`history`): a registre busy in
    /// another program is said after a short wait, not the writers' long one.
    pub fn open_to_read(path: &Path, lang: Lang) -> Result<Registre> {
        let conn = open::open_waiting(path, open::READER_WAIT)?;
        Ok(Registre { conn, path: path.to_path_buf(), lang, synchronous: "NORMAL" })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The failure of a statement, with the registre's name and what to do.
    fn failed(&self, e: &rusqlite::Error) -> Failure {
        open::failure(&self.path, e, self.lang)
    }

    /// Records the start of a run (and its plan's calls, once per plan).
    pub fn start_run(&mut self, run: &NewRun, calls: &[PlannedCall<'_>]) -> Result<i64> {
        let results = canonical(&run.results);
        let tenant = run.tenant.as_ref().map(|t| t.to_string());
        // IMMEDIATE: the write lock first (waited for), never a read that
        // another writer's commit turns into SQLITE_BUSY.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| open::failure(&self.path, &e, self.lang))?;
        let id = (|| {
            record_plan(&tx, &run.plan_hash, &run.sheet, calls)?;
            tx.execute(
                "INSERT INTO runs(os_user, machine, version, sheet, sheet_sha256, plan, tenant, results, started)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    crate::files::user_name(),
                    crate::files::machine_name(),
                    env!("CARGO_PKG_VERSION"),
                    run.sheet,
                    run.sheet_sha256,
                    run.plan_hash,
                    tenant,
                    results,
                    now_iso()
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(id)
        })()
        .map_err(|e: rusqlite::Error| open::failure(&self.path, &e, self.lang))?;
        Ok(id)
    }

    /// Records where a run goes (the last one recorded stands).
    pub fn set_tenant(&self, run: i64, tenant: &serde_json::Value) -> Result<()> {
        self.conn
            .execute("UPDATE runs SET tenant = ?1 WHERE id = ?2", params![tenant.to_string(), run])
            .map(drop)
            .map_err(|e| self.failed(&e))
    }

    /// Records an event of an attempt.
    pub fn attempt(&self, run: i64, call: u32, attempt: u32, event: Event) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO attempts(run, call, attempt, event) VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut s| s.execute(params![run, call, attempt, event.word()]))
            .map(drop)
            .map_err(|e| self.failed(&e))
    }

    /// Records a call's final outcome.
    pub fn answered(&self, run: i64, call: u32, outcome: &CallOutcome) -> Result<()> {
        insert_answer(&self.conn, run, call, outcome).map_err(|e| self.failed(&e))
    }

    /// Records the end of a run: rows per status word, whether the results
    /// were written at their file (in the WAL: a kill cannot lose it; a
    /// power cut may, and the resume then writes the results again).
    pub fn end_run(&self, run: i64, counts: &serde_json::Value, results_written: bool) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET ended = ?1, counts = ?2, results_written = ?3 WHERE id = ?4",
                params![now_iso(), counts.to_string(), results_written, run],
            )
            .map(drop)
            .map_err(|e| self.failed(&e))
    }

    /// Folds the WAL into the file: PASSIVE between batches (never waits
    /// for readers), TRUNCATE at the end of a run (the WAL back to nothing).
    /// Returns whether it was complete: a reader of another process can
    /// keep the WAL from being folded or emptied (its first column, busy).
    /// TRUNCATE waits for readers (SQLite's busy handler): briefly, not the
    /// long wait a writer gets, so that a reader never holds a run's end.
    pub fn checkpoint(&self, truncate: bool) -> bool {
        let mode = if truncate { "TRUNCATE" } else { "PASSIVE" };
        if truncate {
            let _ = self.conn.busy_timeout(std::time::Duration::from_secs(2));
        }
        let busy = self.conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| r.get::<_, i64>(0));
        if truncate {
            let _ = self.conn.busy_timeout(open::BUSY_TIMEOUT);
        }
        matches!(busy, Ok(0))
    }

    /// The last run recorded for this results file, if any.
    pub fn run_for(&self, results: &Path) -> Result<Option<RunRow>> {
        read::run_for(&self.conn, &canonical(results)).map_err(|e| self.failed(&e))
    }

    /// What a run recorded of each call it attempted, and whether its record
    /// was damaged (imported from a journal with a damaged line).
    pub fn prior(&self, run: i64) -> Result<(std::collections::HashMap<u32, Prior>, bool)> {
        read::prior(&self.conn, run).map_err(|e| self.failed(&e))
    }

    /// When it was made, if it holds no run yet: a registre new to runs
    /// that earlier results show happened (a profile wiped, another
    /// machine) knows nothing of what they sent.
    pub(crate) fn new_since(&self) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'created' AND NOT EXISTS (SELECT 1 FROM runs)", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.failed(&e))
    }

    /// What ties a rescue file to this registre: its path, resolved, and
    /// when it was made (another registre, or one made again there, is not
    /// it); the run number then names the run and its tenant.
    pub(crate) fn rescue_id(&self) -> String {
        let created: String =
            self.conn.query_row("SELECT value FROM meta WHERE key = 'created'", [], |r| r.get(0)).unwrap_or_default();
        format!("registre {} {created}", canonical(&self.path))
    }

    /// How many runs and call attempts it holds.
    pub fn sizes(&self) -> Result<(i64, i64)> {
        self.conn
            .query_row("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM attempts)", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.failed(&e))
    }

    /// `PRAGMA quick_check` (or the full `integrity_check`): the problems
    /// found, none when the file is sound.
    pub fn check(&self, full: bool) -> Result<Vec<String>> {
        let pragma = if full { "PRAGMA integrity_check" } else { "PRAGMA quick_check" };
        let mut stmt = self.conn.prepare(pragma).map_err(|e| self.failed(&e))?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.failed(&e))?;
        Ok(lines.into_iter().filter(|l| l != "ok").collect())
    }

    /// Copies the registre, whole and consistent even while it is written,
    /// through SQLite's backup API, to a new owner-only file `dest`.
    pub fn copy_to(&self, dest: &Path) -> Result<()> {
        let refused = |error: Option<crate::error::SystemCause>| {
            Failure::refused(Refusal::RegistreCopy { dest: dest.to_path_buf(), error })
        };
        if dest.exists() {
            return Err(refused(None));
        }
        open::create_owner_only(dest).map_err(|e| refused(Some((&e).into())))?;
        let copied = Connection::open(dest).and_then(|mut to| {
            rusqlite::backup::Backup::new(&self.conn, &mut to)?.run_to_completion(256, std::time::Duration::ZERO, None)
        });
        copied.map_err(|e| {
            let _ = std::fs::remove_file(dest);
            refused(Some((&e).into()))
        })
    }

    /// Imports a journal of the previous version (JSON lines beside its
    /// results) as its run's records; `None` when it was imported before.
    pub fn import_journal(&mut self, journal: &Path, results: &Path) -> Result<Option<Imported>> {
        import::import(&mut self.conn, journal, results).map_err(|e| match e {
            import::Error::Read(f) => f,
            import::Error::Db(e) => open::failure(&self.path, &e, self.lang),
        })
    }
}

/// The plan and its calls, once per plan hash; bodies once per body.
fn record_plan(tx: &Connection, hash: &str, source: &str, calls: &[PlannedCall<'_>]) -> rusqlite::Result<()> {
    let known: Option<i64> = tx.query_row("SELECT 1 FROM plans WHERE hash = ?1", [hash], |r| r.get(0)).optional()?;
    if known.is_some() {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO plans(hash, source, calls) VALUES (?1, ?2, ?3)",
        params![hash, source, calls.len() as i64],
    )?;
    let plan = tx.last_insert_rowid();
    let mut body = tx.prepare_cached("INSERT OR IGNORE INTO bodies(hash, body) VALUES (?1, ?2)")?;
    let mut call = tx.prepare_cached(
        "INSERT INTO calls(plan, call, operation, dossier, email, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for c in calls {
        let h = body_hash(c.body);
        body.execute(params![h, c.body])?;
        call.execute(params![
            plan,
            c.id,
            c.operation,
            c.dossier,
            c.email.as_deref().map(|e| crate::normalize::email_key(e).into_owned()),
            h
        ])?;
    }
    Ok(())
}

fn insert_answer(conn: &Connection, run: i64, call: u32, o: &CallOutcome) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO attempts(run, call, attempt, event, status, code_http, message, request_id, object_id,
                              outcome_attempts, at, resend, effect)
         VALUES (?1, ?2, ?3, ?13, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        run,
        call,
        o.attempts,
        o.status.word(),
        o.code_http,
        o.message,
        o.request_id,
        o.object_id,
        o.attempts,
        o.timestamp,
        o.resend_on_resume,
        effect(o).word(),
        ANSWERED
    ])
    .map(drop)
}

fn body_hash(body: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(body.as_bytes()).to_vec()
}

/// A results file's path as the registre keeps it: resolved (links, `..`)
/// when it exists, else its folder resolved and its name.
pub(crate) fn canonical(results: &Path) -> String {
    let resolved = std::fs::canonicalize(results).ok().or_else(|| {
        let dir = results.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        Some(std::fs::canonicalize(dir).ok()?.join(results.file_name()?))
    });
    resolved.unwrap_or_else(|| results.to_path_buf()).to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests;
