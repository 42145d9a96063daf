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
//!
//! A forgotten call keeps only keyed prints of its things and targets
//! (`seal`, see `sealed`): the memory looks a thing up by itself and by its
//! print, the latest record of either winning; a field's value forgotten is
//! compared by its print (`Memory::left`). The memory is read from the
//! registre in `state_read`.
//!
//! A thing is known by what its operation `changes` (`loop_api`): a new
//! operation whose effect no kind of `Changes` says needs a new kind there
//! and its reading in `things_of`. Every contact field a body sends is kept
//! (`is_contact_field`), so a new sheet column needs no list here.

use std::collections::HashMap;

use crate::loop_api::{Changes, Operation};
use crate::normalize::email_key;

use super::sealed::{Print, Sealer};

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
    /// A field's value as a forgotten call left it: its keyed hash only.
    Sealed(Print),
}

/// Which run did it, and when (as the run recorded it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    pub run: i64,
    pub at: String,
}

/// The registre's order: an attempt's `seq`, and 1 for a person's check
/// made after it.
pub(super) type Order = (i64, u8);

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
    /// What forgotten calls changed, by keyed hash (see `sealed`).
    sealed: SealedMemory,
}

/// What one record says of a call's things.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
        // A withdrawal that names no offer takes the person off the
        // dossier: off every offer there is.
        (Some(e), None) if target == Target::Off => crate::normalize::OFFERS
            .iter()
            .map(|o| (Thing::Person(dossier.clone(), e.clone(), o.to_string()), Target::Off))
            .collect(),
        _ => Vec::new(),
    };
    let fields = |out: &mut Vec<(Thing, Target)>| {
        if let (Some(e), Some(object)) = (&email, body.as_object()) {
            for (f, v) in object.iter().filter(|(f, v)| is_contact_field(f) && !v.is_null()) {
                out.push((Thing::Field(e.clone(), f.clone()), Target::Value(v.to_string())));
            }
        }
    };
    let Some(op) = Operation::from_name(operation) else {
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
    /// An empty memory read up to `upto`; `sealer` finds forgotten calls' prints.
    pub(super) fn new(upto: i64, sealer: Option<Sealer>) -> Memory {
        Memory { upto, sealed: SealedMemory { sealer, ..SealedMemory::default() }, ..Memory::default() }
    }

    /// Records what one record of a forgotten call says of its prints.
    pub(super) fn record_sealed(
        &mut self,
        prints: &[(Print, Print)],
        kind: Kind,
        order: Order,
        seen: &Seen,
        results: &str,
    ) {
        self.sealed.record(prints, kind, order, seen, results);
    }

    #[cfg(test)]
    fn record(&mut self, things: Vec<(Thing, Target)>, kind: Kind, order: Order, seen: &Seen) {
        self.record_in(things, kind, order, seen, "");
    }

    pub(super) fn record_in(
        &mut self,
        things: Vec<(Thing, Target)>,
        kind: Kind,
        order: Order,
        seen: &Seen,
        results: &str,
    ) {
        for (thing, target) in things {
            if let (Thing::Offer(d, o), Target::Off, Kind::Applied) = (&thing, &target, kind) {
                let removed = self.removed.entry((d.clone(), o.clone())).or_insert(((i64::MIN, 0), seen.clone()));
                if order > removed.0 {
                    *removed = (order, seen.clone());
                }
            }
            note(self.things.entry(thing).or_default(), target, kind, order, seen, results);
        }
    }

    /// The thing's state from its calls and from forgotten calls' prints of
    /// it, each part the latest of either.
    fn merged(&self, thing: &Thing) -> Option<std::borrow::Cow<'_, ThingState>> {
        let plain = self.things.get(thing);
        let Some(sealed) = self.sealed.state_of(thing) else { return plain.map(std::borrow::Cow::Borrowed) };
        let mut s = plain.cloned().unwrap_or_default();
        if let Some(l) = &sealed.last {
            note(&mut s, l.0.clone(), Kind::Applied, l.1, &l.2, "");
        }
        s.uncertain = s.uncertain.max(sealed.uncertain);
        s.not_done = s.not_done.max(sealed.not_done);
        if sealed.pending.as_ref().is_some_and(|p| s.pending.as_ref().is_none_or(|q| q.0 < p.0)) {
            s.pending = sealed.pending.clone();
        }
        Some(std::borrow::Cow::Owned(s))
    }

    /// The thing's last recorded state, and who left it so.
    pub(crate) fn state(&self, thing: &Thing) -> Option<(Target, Seen)> {
        let last = self.merged(thing).and_then(|s| s.last.clone());
        if let Thing::Person(d, _, o) = thing {
            let plain = self.removed.get(&(d.clone(), o.clone()));
            let sealed = self.sealed.removed_of(&Thing::Offer(d.clone(), o.clone()));
            let removed = match (plain, sealed) {
                (Some(p), Some(s)) => Some(if p.0 < s.0 { s } else { p }),
                (p, s) => p.or(s),
            };
            if let Some((order, seen)) = removed
                && last.as_ref().is_none_or(|l| l.1 < *order)
            {
                return Some((Target::Off, seen.clone()));
            }
        }
        last.map(|(t, _, s)| (t, s))
    }

    /// Who left the thing in this state last, when it is its last state
    /// (a forgotten call's value compared by its print).
    pub(crate) fn left(&self, thing: &Thing, target: &Target) -> Option<Seen> {
        self.state(thing).filter(|(t, _)| self.sealed.same(t, target)).map(|(_, seen)| seen)
    }

    /// The run of an attempt on the thing whose effect is unknown, made
    /// after its last known effect and not checked « not done » since.
    pub(crate) fn uncertain(&self, thing: &Thing) -> Option<i64> {
        let s = self.merged(thing)?;
        let (order, run) = s.uncertain?;
        let later = s.last.as_ref().is_none_or(|l| l.1 < order) && s.not_done.is_none_or(|n| n < order);
        later.then_some(run)
    }

    /// A person checked « not done » after the last unknown attempt.
    #[cfg(test)]
    pub(crate) fn checked_not_done(&self, thing: &Thing) -> bool {
        self.merged(thing).is_some_and(|s| s.not_done.is_some_and(|n| s.uncertain.is_none_or(|u| u.0 < n)))
    }

    /// The run, never ended, that sent a call on the thing without an
    /// answer, after its last known effect.
    pub(crate) fn pending(&self, thing: &Thing) -> Option<Unended> {
        let s = self.merged(thing)?;
        let (order, run, results) = s.pending.clone()?;
        s.last.as_ref().is_none_or(|l| l.1 < order).then_some(Unended { run, results })
    }
}

/// Records what one record says of a thing in its state.
fn note(state: &mut ThingState, target: Target, kind: Kind, order: Order, seen: &Seen, results: &str) {
    match kind {
        Kind::Applied if state.last.as_ref().is_none_or(|l| l.1 < order) => {
            state.last = Some((target, order, seen.clone()));
        }
        Kind::Uncertain if state.uncertain.is_none_or(|u| u.0 < order) => state.uncertain = Some((order, seen.run)),
        Kind::NotDone if state.not_done.is_none_or(|n| n < order) => state.not_done = Some(order),
        Kind::Pending if state.pending.as_ref().is_none_or(|p| p.0 < order) => {
            state.pending = Some((order, seen.run, results.to_string()));
        }
        _ => {}
    }
}

impl Thing {
    /// Its keyed print (see `sealed`).
    pub(crate) fn print(&self, s: &Sealer) -> Print {
        match self {
            Thing::Dossier(d) => s.print(&["dossier", d]),
            Thing::Offer(d, o) => s.print(&["offer", d, o]),
            Thing::Person(d, e, o) => s.print(&["person", d, e, o]),
            Thing::Field(e, f) => s.print(&["field", e, f]),
            Thing::Created(e) => s.print(&["created", e]),
        }
    }
}

impl Target {
    /// Its keyed print (a sealed one is its print already).
    pub(crate) fn print(&self, s: &Sealer) -> Print {
        match self {
            Target::On => s.print(&["on"]),
            Target::Off => s.print(&["off"]),
            Target::Value(v) => s.print(&["value", v]),
            Target::Sealed(p) => *p,
        }
    }
}

/// The prints of a call's things and targets (32 bytes each), and of the
/// e-mail they are about (the first thing naming one).
pub(crate) fn seal(s: &Sealer, things: &[(Thing, Target)]) -> (Option<Print>, Vec<u8>) {
    let mut blob = Vec::with_capacity(things.len() * 32);
    let mut email = None;
    for (thing, target) in things {
        blob.extend_from_slice(&thing.print(s));
        blob.extend_from_slice(&target.print(s));
        if let Thing::Person(_, e, _) | Thing::Field(e, _) | Thing::Created(e) = thing {
            email = email.or_else(|| Some(s.email(e)));
        }
    }
    (email, blob)
}

/// The memory of forgotten calls: by the thing's print, as `Memory` keeps
/// things.
#[derive(Debug, Default)]
struct SealedMemory {
    sealer: Option<Sealer>,
    things: HashMap<Print, ThingState>,
    /// An offer's print -> the last removal applied (a removeOffer).
    removed: HashMap<Print, (Order, Seen)>,
}

impl SealedMemory {
    /// Records what one record of a forgotten call says of its things.
    fn record(&mut self, prints: &[(Print, Print)], kind: Kind, order: Order, seen: &Seen, results: &str) {
        let Some(sealer) = &self.sealer else { return };
        let (on, off) = (Target::On.print(sealer), Target::Off.print(sealer));
        for (thing, target) in prints {
            let target = match *target {
                t if t == on => Target::On,
                t if t == off => Target::Off,
                t => Target::Sealed(t),
            };
            // Only an offer's print is ever asked for here: a person's
            // removal recorded as well is never looked up.
            if target == Target::Off && kind == Kind::Applied {
                let removed = self.removed.entry(*thing).or_insert(((i64::MIN, 0), seen.clone()));
                if order > removed.0 {
                    *removed = (order, seen.clone());
                }
            }
            note(self.things.entry(*thing).or_default(), target, kind, order, seen, results);
        }
    }

    /// The sealed state of a thing, when any call was sealed.
    fn state_of(&self, thing: &Thing) -> Option<&ThingState> {
        (!self.things.is_empty()).then(|| self.things.get(&thing.print(self.sealer.as_ref()?))).flatten()
    }

    /// The last sealed removal of an offer.
    fn removed_of(&self, offer: &Thing) -> Option<&(Order, Seen)> {
        (!self.removed.is_empty()).then(|| self.removed.get(&offer.print(self.sealer.as_ref()?))).flatten()
    }

    /// Whether a state (as the memory gives it) is this target: the same,
    /// or its print.
    fn same(&self, state: &Target, target: &Target) -> bool {
        match (state, &self.sealer) {
            (Target::Sealed(p), Some(s)) => *p == target.print(s),
            _ => state == target,
        }
    }
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

    #[test]
    fn a_withdrawal_that_names_no_offer_takes_the_person_off_every_offer() {
        let mut m = Memory::default();
        let add = serde_json::json!({"email": "ana@x.fr", "codeDossier": "D1", "offre": "start"});
        m.record(things_of("addClient", "D1", &add), Kind::Applied, (1, 0), &seen(1));
        let off = serde_json::json!({"email": "Ana@X.fr", "codeDossier": "D1"});
        let things = things_of("removeApplication", "D1", &off);
        assert_eq!(things.len(), crate::normalize::OFFERS.len(), "{things:?}");
        m.record(things, Kind::Applied, (2, 0), &seen(2));
        for offre in crate::normalize::OFFERS {
            let person = Thing::Person("D1".into(), "ana@x.fr".into(), offre.to_string());
            assert_eq!(m.state(&person).map(|s| s.0), Some(Target::Off), "{offre}");
        }
        let update = serde_json::json!({"email": "ana@x.fr", "codeDossier": "D1", "telephone": "0102030405"});
        assert!(
            things_of("updateClient", "D1", &update).iter().all(|(t, _)| matches!(t, Thing::Field(..))),
            "a change that names no offer and takes nothing off changes the fields only"
        );
    }
}
