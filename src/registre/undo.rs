//! What an undo needs of the registre (issue 24): a run, the last recorded
//! effect of each of its calls (a person's check counting as it says), the
//! things later runs on its tenant changed (effect « changed » or « unknown »,
//! in the registre's sequence: a later run is one with a higher number;
//! forgotten runs too, by their prints), and the calls earlier undos of it
//! sent. Reads only.
//!
//! An undo is a run like any other; which run it undoes is carried by its
//! plan's source fingerprint (`runs.sheet_sha256`), `undo:RUN:…`: no column
//! of its own.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

use super::state::{Target, Thing, things_of};
use super::{AnswerEffect, Event, Registre, Row, status_of};
use crate::loop_api::{Changes, Operation};
use crate::outcome::Status;

/// The prefix of an undo plan's source fingerprint: `undo:RUN:SHA256`.
pub(crate) const UNDO_PREFIX: &str = "undo:";

/// What one call of a run did in Loop, as far as loopbatch recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Applied, with an answer proving it (or checked « done »).
    Changed,
    /// Nothing changed: never sent, refused, or answered « already »
    /// (or checked « not done »).
    Nothing,
    /// Its answer is to check (A_VERIFIER, or sent without an answer).
    Unknown,
}

/// A call of the undone run and its last effect.
#[derive(Debug, Clone)]
pub(crate) struct CallEffect {
    pub operation: String,
    pub dossier: String,
    pub body: serde_json::Value,
    pub effect: Effect,
    /// The registre's sequence of the record that decided the effect.
    pub order: i64,
}

/// The run an undo is asked for.
#[derive(Debug, Clone)]
pub(crate) struct UndoneRun {
    pub id: i64,
    pub plan_hash: String,
    pub tenant: Option<String>,
    pub results: String,
    pub ended: bool,
    /// When it started (as recorded: RFC 3339, local time).
    pub started: String,
}

impl UndoneRun {
    /// Its start's date and time, as a person reads them: `2026-12-06 18:00`.
    pub(crate) fn date(&self) -> String {
        self.started.get(..16).unwrap_or(&self.started).replace('T', " ")
    }
}

/// Everything the verdicts are computed from.
#[derive(Debug, Clone)]
pub(crate) struct UndoFacts {
    pub run: UndoneRun,
    pub calls: HashMap<u32, CallEffect>,
    /// Things a later run changed (or may have), and the first such run.
    pub later: HashMap<Thing, i64>,
    /// Dossier offers a later run removed.
    pub later_removed: HashSet<Thing>,
    /// (operation, body as canonical JSON) of the calls an earlier undo of
    /// this run sent, and that undo's run.
    pub undone_before: HashMap<(String, String), i64>,
    /// The values of the contact fields of this run's updateClient calls
    /// that calls of this run or earlier ones sent and that applied, with
    /// their order: what an updateClient may be undone to.
    pub fields: HashMap<Thing, Vec<(i64, String)>>,
    /// What forgotten calls tell: this run's own, and later runs' prints.
    pub forgotten: Forgotten,
}

/// What forgotten calls tell an undo. This run's own forgotten calls: their
/// operation and last effect (their bodies are gone; `with_bodies` takes
/// them from the run's kept plan). Things later runs' forgotten calls
/// changed (or may have), by print (see `sealed`), and the first such run;
/// the dossier offers they removed. A later change undone since is not
/// seen so: such a row is refused, never undone wrongly.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forgotten {
    own: HashMap<u32, (String, Effect, i64)>,
    sealer: Option<super::sealed::Sealer>,
    changed: HashMap<super::sealed::Print, i64>,
    removed: HashSet<super::sealed::Print>,
}

impl UndoFacts {
    /// This run's forgotten calls, their bodies taken from its kept plan
    /// (whose hash is the run's: the same calls); `calls`: (id, operation,
    /// body).
    pub(crate) fn with_bodies<'a>(&mut self, calls: impl Iterator<Item = (u32, &'a str, &'a str, &'a str)>) {
        for (id, operation, dossier, body) in calls {
            let Some((op, effect, order)) = self.forgotten.own.get(&id) else { continue };
            let Ok(body) = serde_json::from_str(body) else { continue };
            if op == operation && !self.calls.contains_key(&id) {
                let (operation, dossier, effect, order) = (op.clone(), dossier.to_string(), *effect, *order);
                self.calls.insert(id, CallEffect { operation, dossier, body, effect, order });
            }
        }
    }
}

impl Forgotten {
    fn changed(&self, thing: &Thing) -> Option<i64> {
        self.changed.get(&thing.print(self.sealer.as_ref()?)).copied()
    }

    fn removed(&self, offer: &Thing) -> bool {
        self.sealer.as_ref().is_some_and(|s| self.removed.contains(&offer.print(s)))
    }
}

/// The run an undo names: by its number, or its results file (its last run).
pub(crate) enum RunKey<'a> {
    Id(i64),
    Results(&'a str),
}

impl Registre {
    /// The run, or `None` when the registre holds no such run.
    pub(crate) fn undone_run(&self, key: RunKey<'_>) -> Result<Option<UndoneRun>> {
        let (sql, arg): (&str, rusqlite::types::Value) = match key {
            RunKey::Id(id) => ("WHERE id = ?1", id.into()),
            RunKey::Results(r) => ("WHERE results = ?1 ORDER BY id DESC LIMIT 1", r.to_string().into()),
        };
        self.conn
            .query_row(
                &format!("SELECT id, coalesce(plan, ''), tenant, results, ended IS NOT NULL, started FROM runs {sql}"),
                [arg],
                |r| {
                    Ok(UndoneRun {
                        id: r.get(0)?,
                        plan_hash: r.get(1)?,
                        tenant: r.get(2)?,
                        results: r.get(3)?,
                        ended: r.get(4)?,
                        started: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.failed(&e))
    }

    /// Whether a file of these contents (its SHA-256, hex) is the input
    /// sheet of a run recorded here (an undo's source counts as its run's).
    pub(crate) fn is_input_sheet(&self, sha256: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM runs WHERE sheet_sha256 = ?1
                 OR (sheet_sha256 LIKE 'undo:%' AND substr(sheet_sha256, -length(?1)) = ?1))",
                [sha256],
                |r| r.get(0),
            )
            .map_err(|e| self.failed(&e))
    }

    /// The run whose results are these (its last), and the run it undoes
    /// when it is an undo: `None` when no run is recorded for them.
    pub(crate) fn run_of_results(&self, results: &str) -> Result<Option<(i64, Option<i64>)>> {
        self.conn
            .query_row(
                "SELECT id, coalesce(sheet_sha256, '') FROM runs WHERE results = ?1 ORDER BY id DESC LIMIT 1",
                [results],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()
            .map(|found| found.map(|(id, sha)| (id, undoes(&sha))))
            .map_err(|e| self.failed(&e))
    }

    /// The facts an undo of `run` is judged on; `same_tenant` says which
    /// runs' recorded tenant is the undone run's (as the memory judges it);
    /// `secret` (the user's) finds what later forgotten calls changed.
    pub(crate) fn undo_facts(
        &mut self,
        run: UndoneRun,
        same_tenant: &dyn Fn(Option<&str>) -> bool,
        secret: Option<&[u8]>,
    ) -> Result<UndoFacts> {
        let (path, lang) = (self.path.clone(), self.lang);
        let failed = |e: rusqlite::Error| super::open::failure(&path, &e, lang);
        let tx = self.conn.transaction().map_err(failed)?;
        let sealer = secret.and_then(super::sealed::Sealer::new);
        let facts = facts_in(&tx, run, same_tenant).map_err(failed);
        let facts = match facts {
            Ok(mut f) => forgotten(&tx, f.run.id, same_tenant, sealer).map_err(failed).map(|l| {
                f.forgotten = l;
                f
            }),
            Err(e) => Err(e),
        };
        drop(tx);
        facts
    }
}

/// One call's attempts and checks, folded into its last effect.
fn effect_of(conn: &Connection, run: i64, call: u32, operation: &str) -> rusqlite::Result<Option<(Effect, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event, status, effect, coalesce(resend, 0), code_http, coalesce(message, '') FROM attempts
         WHERE run = ?1 AND call = ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![run, call])?;
    let mut last: Option<(Effect, i64)> = None;
    let mut open: Option<i64> = None;
    // An attempt went out and another followed without its answer: the
    // first may have been applied (its answer lost).
    let mut lost = false;
    while let Some(r) = rows.next()? {
        let (seq, event, status, effect, resend): (i64, Row, Option<String>, Option<String>, bool) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let code: Option<i64> = r.get(5)?;
        let message: String = r.get(6)?;
        let already = AnswerEffect::from_word(effect.as_deref()) == Some(AnswerEffect::Already);
        match event {
            Row::Event(Event::Sending) => {
                lost |= open.is_some();
                open = Some(seq);
            }
            Row::Event(Event::Withdrawn) => open = None,
            Row::Event(Event::Reserved) => {}
            Row::Answered => {
                let e = match status_of(status) {
                    // Given up without any answer after a sending (the
                    // connection cut): it may have been applied.
                    _ if resend && code.is_none() && open.is_some() => Effect::Unknown,
                    _ if resend => Effect::Nothing,
                    // To check stays to check, whatever the answer says:
                    // only a person's check decides it.
                    Some(Status::AVerifier) => Effect::Unknown,
                    // A resend answered « already » after an attempt whose
                    // answer was lost: that attempt did it, or it was so
                    // before the run; nothing says which (to check).
                    Some(Status::Ok | Status::DejaFait) if lost && already => Effect::Unknown,
                    // A resend answered that the goal is met, recorded as
                    // a refusal (before the engine said A_VERIFIER): the
                    // lost attempt may have done it, to check.
                    _ if lost && goal_met(operation, &message) => Effect::Unknown,
                    // An « already » answer to updateClient may still have
                    // changed the fields it sent.
                    Some(Status::Ok | Status::DejaFait) if already && !updates_fields(operation) => Effect::Nothing,
                    Some(Status::Ok | Status::DejaFait) => Effect::Changed,
                    _ => Effect::Nothing,
                };
                open = None;
                last = Some((e, seq));
            }
        }
    }
    if let Some(seq) = open {
        last = Some((Effect::Unknown, seq));
    }
    drop(rows);
    // A person's check made after the last record counts as it says.
    let mut checks =
        conn.prepare_cached("SELECT done, after_seq FROM checks WHERE run = ?1 AND call = ?2 ORDER BY id")?;
    let mut rows = checks.query(params![run, call])?;
    while let Some(r) = rows.next()? {
        let (done, after): (bool, i64) = (r.get(0)?, r.get(1)?);
        if last.is_none_or(|l| l.1 <= after) {
            last = Some((if done { Effect::Changed } else { Effect::Nothing }, after));
        }
    }
    Ok(last)
}

/// A refusal that says what the call asked for is so already.
fn goal_met(operation: &str, message: &str) -> bool {
    Operation::from_name(operation).is_some_and(|op| op.goal_met_in(message))
}

/// Whether the operation sets the fields of a person who exists
/// (updateClient): an answer « already » may still have changed them.
fn updates_fields(operation: &str) -> bool {
    Operation::from_name(operation).is_some_and(|op| op.changes().updates_fields())
}

/// The calls of a run's plan: (call, operation, dossier, body).
type PlanCall = (u32, String, String, Option<String>);

fn calls_of(conn: &Connection, run: i64, filter: &str) -> rusqlite::Result<Vec<PlanCall>> {
    let sql = format!(
        "SELECT c.call, c.operation, c.dossier, b.body FROM runs r JOIN plans p ON p.hash = r.plan
         JOIN calls c ON c.plan = p.id LEFT JOIN bodies b ON b.hash = c.body
         WHERE r.id = ?1 AND c.forgotten IS NULL {filter}"
    );
    let mut stmt = conn.prepare(&sql)?;
    stmt.query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect()
}

/// The runs before (`later` false: up to and with) or after `run`, on its tenant.
fn runs_of_tenant(
    conn: &Connection,
    run: &UndoneRun,
    later: bool,
    same_tenant: &dyn Fn(Option<&str>) -> bool,
) -> rusqlite::Result<Vec<i64>> {
    let sql =
        if later { "SELECT id, tenant FROM runs WHERE id > ?1" } else { "SELECT id, tenant FROM runs WHERE id <= ?1" };
    let mut stmt = conn.prepare(&format!("{sql} ORDER BY id"))?;
    let rows: Vec<(i64, Option<String>)> =
        stmt.query_map([run.id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(rows.into_iter().filter(|(id, t)| *id == run.id || same_tenant(t.as_deref())).map(|(id, _)| id).collect())
}

fn facts_in(
    conn: &Connection,
    run: UndoneRun,
    same_tenant: &dyn Fn(Option<&str>) -> bool,
) -> rusqlite::Result<UndoFacts> {
    let mut calls = HashMap::new();
    for (call, operation, dossier, body) in calls_of(conn, run.id, "")? {
        let Some(body) = body.and_then(|b| serde_json::from_str(&b).ok()) else { continue };
        let (effect, order) = effect_of(conn, run.id, call, &operation)?.unwrap_or((Effect::Nothing, 0));
        calls.insert(call, CallEffect { operation, dossier, body, effect, order });
    }
    // Later runs on the same tenant, their calls on this run's dossiers
    // and people.
    let later_runs = runs_of_tenant(conn, &run, true, same_tenant)?;
    let filter = "AND (c.dossier IN (SELECT c2.dossier FROM runs r2 JOIN plans p2 ON p2.hash = r2.plan
        JOIN calls c2 ON c2.plan = p2.id WHERE r2.id = ?1) OR c.email IN (SELECT c2.email FROM runs r2
        JOIN plans p2 ON p2.hash = r2.plan JOIN calls c2 ON c2.plan = p2.id WHERE r2.id = ?1))";
    let filter = filter.replace("?1", &run.id.to_string());
    let mut later: HashMap<Thing, i64> = HashMap::new();
    let mut last_later: HashMap<Thing, (i64, Option<Target>)> = HashMap::new();
    let mut later_removed = HashSet::new();
    let mut undone_before = HashMap::new();
    let marker: String = format!("{UNDO_PREFIX}{}:", run.id);
    for id in later_runs {
        let sha: Option<String> = conn.query_row("SELECT sheet_sha256 FROM runs WHERE id = ?1", [id], |r| r.get(0))?;
        let is_undo = sha.is_some_and(|s| s.starts_with(&marker));
        for (call, operation, dossier, body) in calls_of(conn, id, &filter)? {
            let Some(text) = body else { continue };
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
            let effect = effect_of(conn, id, call, &operation)?;
            if is_undo {
                // An earlier undo of this run: its inverse counts as undone
                // only when the state is back (applied, or answered that
                // it is so already); a failed one leaves the row undoable.
                if matches!(effect, Some((Effect::Changed, _))) || goal_reached(conn, id, call, &operation)? {
                    undone_before.entry((operation.clone(), value.to_string())).or_insert(id);
                }
                continue;
            }
            let Some((e @ (Effect::Changed | Effect::Unknown), order)) = effect else { continue };
            for (thing, target) in things_of(&operation, &dossier, &value) {
                if matches!((&thing, &target), (Thing::Offer(..), Target::Off)) {
                    later_removed.insert(thing.clone());
                }
                later.entry(thing.clone()).or_insert(id);
                let known = (e == Effect::Changed).then_some(target);
                let last = last_later.entry(thing).or_insert((order, known.clone()));
                if order >= last.0 {
                    *last = (order, known);
                }
            }
        }
    }
    // A thing whose last later change left it as this run left it (a later
    // run undone since, say) is not changed since.
    let mut left: HashMap<Thing, (i64, Target)> = HashMap::new();
    for c in calls.values().filter(|c| c.effect == Effect::Changed) {
        for (thing, target) in things_of(&c.operation, &c.dossier, &c.body) {
            let at = left.entry(thing).or_insert((c.order, target.clone()));
            if c.order >= at.0 {
                *at = (c.order, target);
            }
        }
    }
    later.retain(|thing, _| match (last_later.get(thing), left.get(thing)) {
        (Some((_, Some(now))), Some((_, then))) => now != then,
        _ => true,
    });
    let fields = fields_before(conn, runs_of_tenant(conn, &run, false, same_tenant)?, &calls)?;
    Ok(UndoFacts { run, calls, later, later_removed, undone_before, fields, forgotten: Forgotten::default() })
}

/// A forgotten call of a run: (run, its tenant, call, operation, prints).
type SealedCall = (i64, Option<String>, u32, String, Vec<u8>);

/// This run's forgotten calls and their effects; what later runs' forgotten
/// calls on the tenant changed (effect changed or unknown), by print: an
/// undo never undoes over them.
fn forgotten(
    conn: &Connection,
    undone: i64,
    same_tenant: &dyn Fn(Option<&str>) -> bool,
    sealer: Option<super::sealed::Sealer>,
) -> rusqlite::Result<Forgotten> {
    let mut out = Forgotten { sealer, ..Forgotten::default() };
    let own: Vec<(u32, String)> = conn
        .prepare(
            "SELECT c.call, c.operation FROM runs r JOIN plans p ON p.hash = r.plan JOIN calls c ON c.plan = p.id
             WHERE r.id = ?1 AND c.forgotten IS NOT NULL",
        )?
        .query_map([undone], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (call, operation) in own {
        let (effect, order) = effect_of(conn, undone, call, &operation)?.unwrap_or((Effect::Nothing, 0));
        out.own.insert(call, (operation, effect, order));
    }
    let Some(sealer) = out.sealer.clone() else { return Ok(out) };
    let off = Target::Off.print(&sealer);
    let mut stmt = conn.prepare(
        "SELECT r.id, r.tenant, c.call, c.operation, x.things FROM runs r JOIN plans p ON p.hash = r.plan
         JOIN calls c ON c.plan = p.id JOIN sealed x ON x.plan = c.plan AND x.call = c.call
         WHERE r.id > ?1 AND c.forgotten IS NOT NULL ORDER BY r.id",
    )?;
    let found: Vec<SealedCall> = stmt
        .query_map([undone], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (run, tenant, call, operation, things) in found {
        if !same_tenant(tenant.as_deref()) {
            continue;
        }
        let Some((Effect::Changed | Effect::Unknown, _)) = effect_of(conn, run, call, &operation)? else { continue };
        for (thing, target) in super::sealed::unseal(&things) {
            if target == off {
                out.removed.insert(thing);
            }
            out.changed.entry(thing).or_insert(run);
        }
    }
    Ok(out)
}

/// The field values sent by applied addClient and updateClient calls, of
/// this run and earlier ones on its tenant, to the people this run's
/// updateClient calls changed.
fn fields_before(
    conn: &Connection,
    runs: Vec<i64>,
    calls: &HashMap<u32, CallEffect>,
) -> rusqlite::Result<HashMap<Thing, Vec<(i64, String)>>> {
    let emails: HashSet<String> = calls
        .values()
        .filter(|c| updates_fields(&c.operation) && c.effect == Effect::Changed)
        .filter_map(|c| c.body.get("email").and_then(|e| e.as_str()).map(str::to_lowercase))
        .collect();
    let mut out: HashMap<Thing, Vec<(i64, String)>> = HashMap::new();
    if emails.is_empty() {
        return Ok(out);
    }
    let names: Vec<String> = Operation::all()
        .filter(|op| matches!(op.changes(), Changes::Person { fields: true, .. }))
        .map(|op| format!("'{}'", op.name()))
        .collect();
    let filter = format!("AND c.operation IN ({}) AND c.email IS NOT NULL", names.join(", "));
    for id in runs {
        for (call, operation, dossier, body) in calls_of(conn, id, &filter)? {
            let Some(value) = body.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok()) else { continue };
            let email = value.get("email").and_then(|e| e.as_str()).map(str::to_lowercase).unwrap_or_default();
            if !emails.contains(email.trim()) {
                continue;
            }
            let Some((Effect::Changed, order)) = effect_of(conn, id, call, &operation)? else { continue };
            for (thing, target) in things_of(&operation, &dossier, &value) {
                if let (Thing::Field(..), Target::Value(v)) = (&thing, target) {
                    out.entry(thing).or_default().push((order, v));
                }
            }
        }
    }
    Ok(out)
}

/// Whether the call's last answer says its goal holds already (« already »,
/// or for removeApplication « not assigned »): the state it asked for is
/// there, whoever made it.
fn goal_reached(conn: &Connection, run: i64, call: u32, operation: &str) -> rusqlite::Result<bool> {
    let last: Option<(Option<String>, String)> = conn
        .query_row(
            "SELECT effect, coalesce(message, '') FROM attempts
             WHERE run = ?1 AND call = ?2 AND event = 'answered' AND code_http IS NOT NULL
             ORDER BY seq DESC LIMIT 1",
            params![run, call],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(last.is_some_and(|(effect, message)| {
        AnswerEffect::from_word(effect.as_deref()) == Some(AnswerEffect::Already)
            || (Operation::from_name(operation).is_some_and(|op| op.changes().takes_off())
                && goal_met(operation, &message))
    }))
}

impl UndoFacts {
    /// The later run that changed what this thing's inverse would restore:
    /// the thing itself, or (for a person's offer) the dossier's offer.
    pub(crate) fn changed_later(&self, thing: &Thing) -> Option<i64> {
        let direct = self.later.get(thing).copied().into_iter().chain(self.forgotten.changed(thing)).min();
        // A person's row is changed by later changes of its own things; of
        // its dossier's offer, only a removal (from everyone) counts.
        let via_offer = match thing {
            Thing::Person(d, _, o) => {
                let offer = Thing::Offer(d.clone(), o.clone());
                let removed = self.later_removed.contains(&offer) || self.forgotten.removed(&offer);
                let first = self.later.get(&offer).copied().into_iter().chain(self.forgotten.changed(&offer)).min();
                removed.then_some(first).flatten()
            }
            _ => None,
        };
        direct.into_iter().chain(via_offer).min()
    }

    /// Whether this run removed the dossier's offer after `order`, or a
    /// later run did.
    pub(crate) fn offer_removed_after(&self, dossier: &str, offre: &str, order: i64) -> bool {
        let offer = Thing::Offer(dossier.to_string(), offre.to_string());
        let here = self.calls.values().any(|c| {
            c.effect == Effect::Changed
                && c.order > order
                && things_of(&c.operation, &c.dossier, &c.body).contains(&(offer.clone(), Target::Off))
        });
        here || self.later_removed.contains(&offer) || self.forgotten.removed(&offer)
    }
}

/// The run an undo plan undoes, from its source fingerprint.
pub(crate) fn undoes(sha256: &str) -> Option<i64> {
    sha256.strip_prefix(UNDO_PREFIX)?.split(':').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_undo_fingerprint_names_its_run() {
        assert_eq!(super::undoes("undo:12:abc"), Some(12));
        assert_eq!(super::undoes("abc"), None);
    }
}
