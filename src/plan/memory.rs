//! Planning with the registre's memory: a call whose things already are in
//! the state it would leave them in is not sent (DEJA_FAIT); a person the
//! registre knows created is never sent addClient again (a missing offer
//! becomes addCollaborativeOffer, changed fields an updateClient of those
//! fields); a call whose last attempt is to check (A_VERIFIER) is not sent
//! again unless asked, and one sent without an answer by a run that never
//! ended is not sent at all.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::config::Routes;
use crate::loop_api::Operation;
use crate::registre::state::{Memory, Seen, Target, Thing, Unended, is_contact_field, things_of};

use super::{Call, Plan};

/// What the memory decided for a plan's calls (by call id).
#[derive(Debug, Default)]
pub(crate) struct Remembered {
    /// Not sent: done already, by that run.
    pub done: HashMap<u32, Seen>,
    /// Not sent: its last attempt, in that run, is to check.
    pub guarded: HashMap<u32, i64>,
    /// Sent as the settling of an earlier attempt that may have been
    /// applied (`--include-a-verifier`).
    pub settle: HashSet<u32>,
    /// Not sent: reserved or sent without an answer by that run, never
    /// ended (going, or killed).
    pub pending: HashMap<u32, Unended>,
    /// addClient turned into a change (or a new call of such a change):
    /// the person's creation.
    pub changed: HashMap<u32, Seen>,
    /// `--send-all`: calls the registre knows applied.
    pub known_applied: HashSet<u32>,
}

/// How the memory is used.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Use {
    pub send_all: bool,
    pub include_a_verifier: bool,
}

fn body_of(call: &Call) -> Value {
    serde_json::from_str(call.body.get()).unwrap_or(Value::Null)
}

fn raw(v: &Value) -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(v).unwrap_or_default()
}

/// What the memory says of one call.
enum Judged {
    Pending(Unended),
    Guarded(i64),
    Settle,
    /// Its things are all as it would leave them (by that run).
    Applied(Seen),
    /// An addClient for a person created before (then).
    Created(Seen),
    Send,
}

fn judge(call: &Call, things: &[(Thing, Target)], memory: &Memory, how: Use) -> Judged {
    if let Some(unended) = things.iter().find_map(|(t, _)| memory.pending(t)) {
        return Judged::Pending(unended);
    }
    if let Some(run) = things.iter().find_map(|(t, _)| memory.uncertain(t)) {
        return if how.include_a_verifier { Judged::Settle } else { Judged::Guarded(run) };
    }
    let left: Vec<Option<Seen>> = things.iter().map(|(t, target)| memory.left(t, target)).collect();
    if !things.is_empty() && left.iter().all(Option::is_some) {
        let by = left.into_iter().flatten().max_by_key(|s| s.run);
        return Judged::Applied(by.unwrap_or(Seen { run: 0, at: String::new() }));
    }
    if call.operation == Operation::AddClient && !how.send_all {
        let created = things.iter().find_map(|(t, _)| match t {
            Thing::Created(e) => memory.state(&Thing::Created(e.clone())),
            _ => None,
        });
        if let Some((Target::On, seen)) = created {
            return Judged::Created(seen);
        }
    }
    Judged::Send
}

/// Applies the memory to the plan's calls (a rewritten addClient keeps its
/// id; an updateClient it needs besides comes right after it, with a new id).
pub(crate) fn apply(plan: &mut Plan, memory: &Memory, routes: &Routes, how: Use) -> Remembered {
    let mut r = Remembered::default();
    let mut next_id = plan.calls.iter().map(|c| c.id).max().unwrap_or(0) + 1;
    let calls = std::mem::take(&mut plan.calls);
    let mut out = Vec::with_capacity(calls.len());
    for mut call in calls {
        let things = things_of(call.operation.name(), &call.dossier, &body_of(&call));
        match judge(&call, &things, memory, how) {
            Judged::Pending(u) => {
                r.pending.insert(call.id, u);
            }
            Judged::Guarded(run) => {
                r.guarded.insert(call.id, run);
            }
            Judged::Settle => {
                r.settle.insert(call.id);
            }
            Judged::Applied(seen) => {
                r.known_applied.insert(call.id);
                if !how.send_all {
                    r.done.insert(call.id, seen);
                }
            }
            Judged::Created(created) => {
                let extra = change_instead(&mut call, &things, memory, routes, &mut next_id);
                r.changed.insert(call.id, created.clone());
                out.push(call);
                if let Some(update) = extra {
                    r.changed.insert(update.id, created);
                    out.push(update);
                }
                continue;
            }
            Judged::Send => {}
        }
        out.push(call);
    }
    plan.calls = out;
    r
}

/// An addClient for a person created before: addCollaborativeOffer when the
/// offer is missing on the dossier, updateClient of the changed fields
/// (returned as a further call when both are needed).
fn change_instead(
    call: &mut Call,
    things: &[(Thing, Target)],
    memory: &Memory,
    routes: &Routes,
    next_id: &mut u32,
) -> Option<Call> {
    let body = body_of(call);
    let on_dossier =
        things.iter().any(|(t, target)| matches!(t, Thing::Person(..)) && memory.left(t, target).is_some());
    let mut changed = Map::new();
    let fields = body.as_object().into_iter().flatten().filter(|(f, v)| is_contact_field(f) && !v.is_null());
    for (f, v) in fields {
        let thing = things.iter().find(|(t, _)| matches!(t, Thing::Field(_, name) if name == f));
        let same = thing.is_some_and(|(t, target)| memory.left(t, target).is_some());
        if !same {
            changed.insert(f.clone(), v.clone());
        }
    }
    let pick = |keys: &[&str]| {
        let mut m = Map::new();
        for k in keys {
            if let Some(v) = body.get(*k) {
                m.insert(k.to_string(), v.clone());
            }
        }
        m
    };
    let update = |base: Map<String, Value>, changed: Map<String, Value>| {
        let mut m = base;
        m.extend(changed);
        Value::Object(m)
    };
    let set = |c: &mut Call, op: Operation, body: &Value| {
        c.operation = op;
        c.route = Arc::from(routes.of(op));
        c.body = raw(body);
    };
    if on_dossier {
        // Only fields changed (else the call was done already).
        set(call, Operation::UpdateClient, &update(pick(&["email", "codeDossier"]), changed));
        return None;
    }
    set(call, Operation::AddCollaborativeOffer, &Value::Object(pick(&["email", "codeDossier", "offre"])));
    if changed.is_empty() {
        return None;
    }
    let mut extra = call.clone();
    extra.id = *next_id;
    *next_id += 1;
    extra.depends_on = vec![call.id];
    set(&mut extra, Operation::UpdateClient, &update(pick(&["email", "codeDossier"]), changed));
    Some(extra)
}
