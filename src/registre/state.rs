//! The memory across runs: for each thing a call changes in Loop, the last
//! effect loopbatch recorded on it on one tenant, from any run, in the
//! registre's own order (`attempts.seq`, a person's check placed after the
//! attempt recorded before it), never the clock.
//!
//! Things: the dossier (provisionCompany); (dossier, offre) (addOffer,
//! removeOffer); (dossier, e-mail, offre) (addClient, addCollaborativeOffer,
//! updateClient's offer, removeApplication); (e-mail, field) for each
//! contact field addClient or updateClient sends, compared as sent; and the
//! person created (a delivered addClient). A removeOffer of (dossier, offre)
//! sets every (dossier, any e-mail, offre) to removed: Loop takes the offer
//! from all the dossier's contacts. E-mails as the sheet's duplicate check
//! normalises them; bodies read as JSON, by operation (never by route).

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::loop_api::{Changes, Operation};
use crate::normalize::email_key;

use super::Registre;

/// Whether a body's key is a contact field the memory keeps: every key
/// but those that say which dossier, person and offer (a column the sheet
/// gains and a body sends is kept without a list to update).
pub(crate) fn is_contact_field(key: &str) -> bool {
    !matches!(key, "email" | "codeDossier" | "offre")
}

/// A thing a call changes in Loop.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Thing {
    Dossier(String),
    Offer(String, String),
    Person(String, String, String),
    Field(String, String),
    Created(String),
}

/// The state a call leaves its thing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    On,
    Off,
    /// A field's value, as canonical JSON.
    Value(String),
}

/// Which run did it, and when (as the run recorded it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    pub run: i64,
    pub at: String,
}

/// The registre's order: an attempt's `seq`, and 1 for a person's check
/// made after it.
type Order = (i64, u8);

#[derive(Debug, Clone, Default)]
struct ThingState {
    last: Option<(Target, Order, Seen)>,
    /// An attempt whose effect is not known (A_VERIFIER, or sent without
    /// an answer), and the run that made it.
    uncertain: Option<(Order, i64)>,
    /// A person's « not done » check.
    not_done: Option<Order>,
    /// Reserved or sent without an answer in a run that never ended
    /// (killed, or going), and that run's results file.
    pending: Option<(Order, i64, String)>,
}

/// What the registre knows of a tenant's things.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    things: HashMap<Thing, ThingState>,
    /// (dossier, offre) -> the last removeOffer applied.
    removed: HashMap<(String, String), (Order, Seen)>,
    /// The last `attempts.seq` read: the send-time check reads from there.
    pub upto: i64,
}

/// What one record says of a call's things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Applied,
    Uncertain,
    NotDone,
    Pending,
}

/// A run that never ended holding a call: its number and results file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unended {
    pub run: i64,
    pub results: String,
}

/// The things a call changes, and the state it leaves each in, from its
/// operation's name, its dossier and its body.
pub(crate) fn things_of(operation: &str, dossier: &str, body: &serde_json::Value) -> Vec<(Thing, Target)> {
    let text = |k: &str| body.get(k).and_then(|v| v.as_str()).map(|s| s.trim().to_string());
    let dossier = text("codeDossier").unwrap_or_else(|| dossier.to_string());
    let email = text("email").map(|e| email_key(&e).into_owned());
    let offre = text("offre");
    let person = |target: Target| match (&email, &offre) {
        (Some(e), Some(o)) => vec![(Thing::Person(dossier.clone(), e.clone(), o.clone()), target)],
        _ => Vec::new(),
    };
    let fields = |out: &mut Vec<(Thing, Target)>| {
        if let (Some(e), Some(object)) = (&email, body.as_object()) {
            for (f, v) in object.iter().filter(|(f, v)| is_contact_field(f) && !v.is_null()) {
                out.push((Thing::Field(e.clone(), f.clone()), Target::Value(v.to_string())));
            }
        }
    };
    let Ok(op) = serde_json::from_value::<Operation>(serde_json::Value::String(operation.to_string())) else {
        return Vec::new();
    };
    match op.changes() {
        Changes::Dossier => vec![(Thing::Dossier(dossier), Target::On)],
        Changes::DossierOffer { on } => {
            let target = if on { Target::On } else { Target::Off };
            offre.map(|o| vec![(Thing::Offer(dossier, o), target)]).unwrap_or_default()
        }
        Changes::Person { on, created, fields: sets_fields } => {
            let mut out = person(if on { Target::On } else { Target::Off });
            if let (true, Some(e)) = (created, &email) {
                out.push((Thing::Created(e.clone()), Target::On));
            }
            if sets_fields {
                fields(&mut out);
            }
            out
        }
    }
}

impl Memory {
    #[cfg(test)]
    fn record(&mut self, things: Vec<(Thing, Target)>, kind: Kind, order: Order, seen: &Seen) {
        self.record_in(things, kind, order, seen, "");
    }

    fn record_in(&mut self, things: Vec<(Thing, Target)>, kind: Kind, order: Order, seen: &Seen, results: &str) {
        for (thing, target) in things {
            if let (Thing::Offer(d, o), Target::Off, Kind::Applied) = (&thing, &target, kind) {
                let removed = self.removed.entry((d.clone(), o.clone())).or_insert(((i64::MIN, 0), seen.clone()));
                if order > removed.0 {
                    *removed = (order, seen.clone());
                }
            }
            let state = self.things.entry(thing).or_default();
            match kind {
                Kind::Applied if state.last.as_ref().is_none_or(|l| l.1 < order) => {
                    state.last = Some((target, order, seen.clone()));
                }
                Kind::Uncertain if state.uncertain.is_none_or(|u| u.0 < order) => {
                    state.uncertain = Some((order, seen.run));
                }
                Kind::NotDone if state.not_done.is_none_or(|n| n < order) => state.not_done = Some(order),
                Kind::Pending if state.pending.as_ref().is_none_or(|p| p.0 < order) => {
                    state.pending = Some((order, seen.run, results.to_string()));
                }
                _ => {}
            }
        }
    }

    /// The thing's last recorded state, and who left it so.
    pub(crate) fn state(&self, thing: &Thing) -> Option<(Target, Seen)> {
        let last = self.things.get(thing).and_then(|s| s.last.clone());
        if let Thing::Person(d, _, o) = thing
            && let Some((order, seen)) = self.removed.get(&(d.clone(), o.clone()))
            && last.as_ref().is_none_or(|l| l.1 < *order)
        {
            return Some((Target::Off, seen.clone()));
        }
        last.map(|(t, _, s)| (t, s))
    }

    /// The run of an attempt on the thing whose effect is unknown, made
    /// after its last known effect and not checked « not done » since.
    pub(crate) fn uncertain(&self, thing: &Thing) -> Option<i64> {
        let s = self.things.get(thing)?;
        let (order, run) = s.uncertain?;
        let later = s.last.as_ref().is_none_or(|l| l.1 < order) && s.not_done.is_none_or(|n| n < order);
        later.then_some(run)
    }

    /// A person checked « not done » after the last unknown attempt.
    #[cfg(test)]
    pub(crate) fn checked_not_done(&self, thing: &Thing) -> bool {
        self.things.get(thing).is_some_and(|s| s.not_done.is_some_and(|n| s.uncertain.is_none_or(|u| u.0 < n)))
    }

    /// The run, never ended, that sent a call on the thing without an
    /// answer, after its last known effect.
    pub(crate) fn pending(&self, thing: &Thing) -> Option<Unended> {
        let s = self.things.get(thing)?;
        let (order, run, results) = s.pending.clone()?;
        s.last.as_ref().is_none_or(|l| l.1 < order).then_some(Unended { run, results })
    }
}

/// A call of a run, as found for the memory.
struct Found {
    run: i64,
    ended: bool,
    results: String,
    call: u32,
    operation: String,
    dossier: String,
    body: Option<String>,
}

/// Runs the memory leaves out or reads otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Runs {
    /// Left out: the run a resume continues (its own record stands).
    pub except: Option<i64>,
    /// The run `--only-failed` continues: what it applied counts; what it
    /// left unsettled is settled by the new run, not held by it.
    pub continued: Option<i64>,
}

impl Registre {
    /// The memory of the things of these dossiers and e-mails, from the
    /// runs whose recorded tenant `same_tenant` accepts. Reads only.
    pub(crate) fn memory(
        &mut self,
        dossiers: &[&str],
        emails: &[String],
        same_tenant: &dyn Fn(Option<&str>) -> bool,
        runs: Runs,
    ) -> Result<Memory> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        let tx = self.conn.transaction().map_err(failed)?;
        let found = memory_in(&tx, dossiers, emails, same_tenant, runs).map_err(failed);
        let _ = tx.execute_batch("DROP TABLE IF EXISTS temp.sought_d; DROP TABLE IF EXISTS temp.sought_e;");
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
) -> rusqlite::Result<Memory> {
    conn.execute_batch(
        "CREATE TEMP TABLE sought_d(v TEXT PRIMARY KEY) WITHOUT ROWID;
         CREATE TEMP TABLE sought_e(v TEXT PRIMARY KEY) WITHOUT ROWID;",
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
    }
    let upto: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM attempts", [], |r| r.get(0))?;
    let calls = found_calls(conn, same_tenant, runs.except)?;
    let mut memory = Memory { upto, ..Memory::default() };
    for f in calls {
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
    for (table, key) in [("sought_d", "c.dossier"), ("sought_e", "c.email")] {
        let sql = format!(
            "SELECT r.id, r.tenant, r.ended IS NOT NULL, c.call, c.operation, c.dossier, b.body, r.results
             FROM temp.{table} s CROSS JOIN calls c CROSS JOIN plans p CROSS JOIN runs r
             LEFT JOIN bodies b ON b.hash = c.body
             WHERE {key} = s.v AND p.id = c.plan AND r.plan = p.hash AND c.forgotten IS NULL"
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
        let (seq, attempt, event): (i64, u32, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        match event.as_str() {
            "reserved" | "sending" => {
                let set = if event == "sending" { &mut open } else { &mut reserved };
                set.insert(attempt);
                last_sending = (seq, 0);
            }
            "withdrawn" => {
                open.remove(&attempt);
                reserved.remove(&attempt);
            }
            "answered" => {
                open.clear();
                reserved.clear();
                let (status, resend): (Option<String>, bool) = (r.get(3)?, r.get(4)?);
                let kind = match status.as_deref() {
                    _ if resend => None,
                    Some("OK" | "DEJA_FAIT") => Some(Kind::Applied),
                    Some("A_VERIFIER") => Some(Kind::Uncertain),
                    _ => None,
                };
                if let Some(k) = kind {
                    records.push((k, (seq, 0), r.get(5)?));
                }
            }
            _ => {}
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

/// A person's check of a run's calls (`loopbatch verify`).
pub(crate) struct Check<'a> {
    pub run: i64,
    pub calls: &'a [u32],
    pub done: bool,
    pub feuille: &'a str,
    pub ligne: u32,
}

impl Registre {
    /// Records a person's check of calls, with who and when, after every
    /// attempt recorded so far.
    pub(crate) fn record_check(&mut self, check: &Check<'_>) -> Result<()> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(failed)?;
        let after: i64 =
            tx.query_row("SELECT coalesce(max(seq), 0) FROM attempts", [], |r| r.get(0)).map_err(failed)?;
        for call in check.calls {
            tx.execute(
                "INSERT INTO checks(run, call, done, feuille, ligne, os_user, machine, at, after_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    check.run,
                    call,
                    check.done,
                    check.feuille,
                    check.ligne,
                    crate::files::user_name(),
                    crate::files::machine_name(),
                    crate::outcome::now_iso(),
                    after
                ],
            )
            .map_err(failed)?;
        }
        tx.commit().map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(run: i64) -> Seen {
        Seen { run, at: format!("t{run}") }
    }

    #[test]
    fn a_removed_offer_takes_it_from_every_contact_and_a_later_add_gives_it_back() {
        let mut m = Memory::default();
        let add = serde_json::json!({"email": " Ana@X.fr", "codeDossier": "D1", "offre": "start", "nom": "A"});
        m.record(things_of("addClient", "D1", &add), Kind::Applied, (1, 0), &seen(1));
        let person = Thing::Person("D1".into(), "ana@x.fr".into(), "start".into());
        assert_eq!(m.state(&person).map(|s| s.0), Some(Target::On));
        assert_eq!(
            m.state(&Thing::Field("ana@x.fr".into(), "nom".into())).map(|s| s.0),
            Some(Target::Value("\"A\"".into()))
        );
        let remove = serde_json::json!({"codeDossier": "D1", "offre": "start"});
        m.record(things_of("removeOffer", "D1", &remove), Kind::Applied, (2, 0), &seen(2));
        assert_eq!(m.state(&person), Some((Target::Off, seen(2))));
        let collab = serde_json::json!({"email": "ana@x.fr", "codeDossier": "D1", "offre": "start"});
        m.record(things_of("addCollaborativeOffer", "D1", &collab), Kind::Applied, (3, 0), &seen(3));
        assert_eq!(m.state(&person), Some((Target::On, seen(3))));
        // Unknown, then checked not done, then unknown again.
        m.record(things_of("addCollaborativeOffer", "D1", &collab), Kind::Uncertain, (4, 0), &seen(4));
        assert_eq!(m.uncertain(&person), Some(4));
        m.record(things_of("addCollaborativeOffer", "D1", &collab), Kind::NotDone, (4, 1), &seen(4));
        assert_eq!(m.uncertain(&person), None);
        assert!(m.checked_not_done(&person));
    }
}

/// What `registre close` did to a run that never ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Closed {
    /// Calls only reserved: now never sent.
    pub never_sent: usize,
    /// Calls sent without an answer: now A_VERIFIER (to settle with `verify`).
    pub to_check: usize,
}

impl Registre {
    /// Closes a run that never ended, without resuming it: its reserved
    /// calls are withdrawn (never sent), those sent without an answer get an
    /// A_VERIFIER outcome, and the run is ended. `None`: no such run, or one
    /// that ended.
    pub(crate) fn close_run(&mut self, run: i64, message: &str) -> Result<Option<Closed>> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(failed)?;
        let ended: Option<bool> = tx
            .query_row("SELECT ended IS NOT NULL FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .optional()
            .map_err(failed)?;
        if ended != Some(false) {
            return Ok(None);
        }
        let (prior, _) = super::read::prior(&tx, run).map_err(failed)?;
        let mut closed = Closed::default();
        for (call, p) in prior {
            let super::Prior::InFlight { attempts, sent } = p else { continue };
            if sent {
                let o = crate::outcome::CallOutcome {
                    status: crate::outcome::Status::AVerifier,
                    code_http: None,
                    message: message.to_string(),
                    request_id: String::new(),
                    object_id: String::new(),
                    attempts,
                    timestamp: crate::outcome::now_iso(),
                    resend_on_resume: false,
                };
                super::insert_answer(&tx, run, call, &o).map_err(failed)?;
                closed.to_check += 1;
            } else {
                for a in 1..=attempts.max(1) {
                    tx.execute(
                        "INSERT INTO attempts(run, call, attempt, event) VALUES (?1, ?2, ?3, 'withdrawn')",
                        params![run, call, a],
                    )
                    .map_err(failed)?;
                }
                closed.never_sent += 1;
            }
        }
        tx.execute("UPDATE runs SET ended = ?1 WHERE id = ?2", params![crate::outcome::now_iso(), run])
            .map_err(failed)?;
        // Closed, never to be resumed (a resume is refused).
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
            params![format!("closed:{run}"), crate::outcome::now_iso()],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
        Ok(Some(closed))
    }

    /// The results file a run writes into.
    pub(crate) fn results_of(&self, run: i64) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT results FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .optional()
            .map_err(|e| self.failed(&e))
    }
}
