//! Reading the memory across runs (see `state`) from the registre: the
//! calls of the sought dossiers and e-mails (and forgotten calls by their
//! e-mail's print, see `sealed`), from the runs of one tenant, and what
//! each run's record of each says, in the registre's order.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::normalize::email_key;

use super::sealed::Sealer;
use super::state::{Kind, Memory, Order, Runs, Seen, things_of};
use super::{Event, Registre, Row, status_of};
use crate::outcome::Status;

/// A call of a run, as found for the memory.
struct Found {
    run: i64,
    ended: bool,
    results: String,
    call: u32,
    operation: String,
    dossier: String,
    body: Option<String>,
    /// A forgotten call's prints (see `sealed`).
    sealed: Option<Vec<u8>>,
}

impl Registre {
    /// The memory of the things of these dossiers and e-mails, from the
    /// runs whose recorded tenant `same_tenant` accepts; `secret` (the
    /// user's, which keyed the forgotten calls' prints) finds what
    /// forgotten calls did. Reads only.
    pub(crate) fn memory(
        &mut self,
        dossiers: &[&str],
        emails: &[String],
        same_tenant: &dyn Fn(Option<&str>) -> bool,
        runs: Runs,
        secret: Option<&[u8]>,
    ) -> Result<Memory> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        let tx = self.conn.transaction().map_err(failed)?;
        let sealer = secret.and_then(Sealer::new);
        let found = memory_in(&tx, dossiers, emails, same_tenant, runs, sealer).map_err(failed);
        let _ = tx.execute_batch(
            "DROP TABLE IF EXISTS temp.sought_d; DROP TABLE IF EXISTS temp.sought_e;
             DROP TABLE IF EXISTS temp.sought_h;",
        );
        drop(tx);
        found
    }
}

fn memory_in(
    conn: &Connection,
    dossiers: &[&str],
    emails: &[String],
    same_tenant: &dyn Fn(Option<&str>) -> bool,
    runs: Runs,
    sealer: Option<Sealer>,
) -> rusqlite::Result<Memory> {
    conn.execute_batch(
        "CREATE TEMP TABLE sought_d(v TEXT PRIMARY KEY) WITHOUT ROWID;
         CREATE TEMP TABLE sought_e(v TEXT PRIMARY KEY) WITHOUT ROWID;
         CREATE TEMP TABLE sought_h(v BLOB PRIMARY KEY) WITHOUT ROWID;",
    )?;
    {
        let mut d = conn.prepare("INSERT OR IGNORE INTO temp.sought_d(v) VALUES (?1)")?;
        for x in dossiers {
            d.execute([x])?;
        }
        let mut e = conn.prepare("INSERT OR IGNORE INTO temp.sought_e(v) VALUES (?1)")?;
        for x in emails {
            e.execute([email_key(x)])?;
        }
        if let Some(s) = &sealer {
            let mut h = conn.prepare("INSERT OR IGNORE INTO temp.sought_h(v) VALUES (?1)")?;
            for x in emails {
                h.execute([&s.email(x)[..]])?;
            }
        }
    }
    let upto: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM attempts", [], |r| r.get(0))?;
    let calls = found_calls(conn, same_tenant, runs.except)?;
    let mut memory = Memory::new(upto, sealer);
    for f in calls {
        if let Some(prints) = f.sealed.as_deref().map(super::sealed::unseal).filter(|p| !p.is_empty()) {
            for (kind, order, at) in records_of(conn, &f, runs.continued == Some(f.run))? {
                memory.record_sealed(&prints, kind, order, &Seen { run: f.run, at }, &f.results);
            }
            continue;
        }
        let Some(body) = f.body.as_deref().and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok()) else {
            continue;
        };
        let things = things_of(&f.operation, &f.dossier, &body);
        if things.is_empty() {
            continue;
        }
        for (kind, order, at) in records_of(conn, &f, runs.continued == Some(f.run))? {
            memory.record_in(things.clone(), kind, order, &Seen { run: f.run, at }, &f.results);
        }
    }
    Ok(memory)
}

/// The calls of the sought dossiers and e-mails, each once per run, from
/// the runs of this tenant (each judged once).
fn found_calls(
    conn: &Connection,
    same_tenant: &dyn Fn(Option<&str>) -> bool,
    except: Option<i64>,
) -> rusqlite::Result<Vec<Found>> {
    let mut tenants: HashMap<i64, bool> = HashMap::new();
    let mut seen: HashSet<(i64, u32)> = HashSet::new();
    let mut calls: Vec<Found> = Vec::new();
    // By dossier (a forgotten call keeps its dossier code), by e-mail, and
    // a forgotten call by its e-mail's print.
    let from = [
        "temp.sought_d s CROSS JOIN calls c",
        "temp.sought_e s CROSS JOIN calls c",
        "temp.sought_h s CROSS JOIN sealed x CROSS JOIN calls c",
    ];
    let sought = ["c.dossier = s.v", "c.email = s.v", "x.email = s.v AND c.plan = x.plan AND c.call = x.call"];
    for (from, sought) in from.into_iter().zip(sought) {
        let sql = format!(
            "SELECT r.id, r.tenant, r.ended IS NOT NULL, c.call, c.operation, c.dossier, b.body, r.results,
                    (SELECT things FROM sealed WHERE plan = c.plan AND call = c.call AND c.forgotten IS NOT NULL)
             FROM {from} CROSS JOIN plans p CROSS JOIN runs r
             LEFT JOIN bodies b ON b.hash = c.body
             WHERE {sought} AND p.id = c.plan AND r.plan = p.hash"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let run: i64 = r.get(0)?;
            if Some(run) == except {
                continue;
            }
            let tenant: Option<String> = r.get(1)?;
            if !*tenants.entry(run).or_insert_with(|| same_tenant(tenant.as_deref())) {
                continue;
            }
            let call: u32 = r.get(3)?;
            if seen.insert((run, call)) {
                calls.push(Found {
                    run,
                    ended: r.get(2)?,
                    results: r.get(7)?,
                    call,
                    operation: r.get(4)?,
                    dossier: r.get(5)?,
                    body: r.get(6)?,
                    sealed: r.get(8)?,
                });
            }
        }
    }
    Ok(calls)
}

/// What a run's record of one call says, in the registre's order: its
/// answers, what it left unsettled (`continued`: nothing, the new run
/// settles it), and people's checks.
fn records_of(conn: &Connection, f: &Found, continued: bool) -> rusqlite::Result<Vec<(Kind, Order, String)>> {
    let mut attempts = conn.prepare_cached(
        "SELECT seq, attempt, event, status, coalesce(resend, 0), coalesce(at, '') FROM attempts
         WHERE run = ?1 AND call = ?2 ORDER BY seq",
    )?;
    let mut records: Vec<(Kind, Order, String)> = Vec::new();
    let (mut open, mut reserved): (HashSet<u32>, HashSet<u32>) = Default::default();
    let mut last_sending = (0i64, 0u8);
    let mut rows = attempts.query(params![f.run, f.call])?;
    while let Some(r) = rows.next()? {
        let (seq, attempt, event): (i64, u32, Row) = (r.get(0)?, r.get(1)?, r.get(2)?);
        match event {
            Row::Event(e @ (Event::Reserved | Event::Sending)) => {
                let set = if e == Event::Sending { &mut open } else { &mut reserved };
                set.insert(attempt);
                last_sending = (seq, 0);
            }
            Row::Event(Event::Withdrawn) => {
                open.remove(&attempt);
                reserved.remove(&attempt);
            }
            Row::Answered => {
                open.clear();
                reserved.clear();
                let (status, resend): (Option<String>, bool) = (r.get(3)?, r.get(4)?);
                let kind = match status_of(status) {
                    _ if resend => None,
                    Some(Status::Ok | Status::DejaFait) => Some(Kind::Applied),
                    Some(Status::AVerifier) => Some(Kind::Uncertain),
                    _ => None,
                };
                if let Some(k) = kind {
                    records.push((k, (seq, 0), r.get(5)?));
                }
            }
        }
    }
    drop(rows);
    if !continued && !open.is_empty() {
        let kind = if f.ended { Kind::Uncertain } else { Kind::Pending };
        records.push((kind, last_sending, String::new()));
    } else if !continued && !reserved.is_empty() && !f.ended {
        records.push((Kind::Pending, last_sending, String::new()));
    }
    let mut checks =
        conn.prepare_cached("SELECT done, after_seq, at FROM checks WHERE run = ?1 AND call = ?2 ORDER BY id")?;
    let mut rows = checks.query(params![f.run, f.call])?;
    // The check after wins: « not done » after « done » undoes it.
    let mut last: Option<(Kind, Order, String)> = None;
    while let Some(r) = rows.next()? {
        let done: bool = r.get(0)?;
        let after: i64 = r.get(1)?;
        last = Some((if done { Kind::Applied } else { Kind::NotDone }, (after, 1), r.get(2)?));
    }
    records.extend(last);
    Ok(records)
}

impl Registre {
    /// The tenants runs recorded (JSON, each once).
    pub(crate) fn runs_tenants(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT tenant FROM runs WHERE tenant IS NOT NULL")
            .map_err(|e| self.failed(&e))?;
        stmt.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()).map_err(|e| self.failed(&e))
    }
}
