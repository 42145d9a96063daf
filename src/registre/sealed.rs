//! What a forgotten call changed in Loop, kept as keyed hashes only (the
//! `sealed` table): when `forget` removes a call's e-mail and body, the
//! things it changed (see `state::things_of`) and the state it left each in
//! are kept as fingerprints under the user's secret, and the e-mail it was
//! about as one too, by which the memory finds it. The memory looks a thing
//! up by its fingerprint as well as by itself, so a person forgotten stays
//! known created, an offer known given, a field known as sent (compared by
//! the fingerprint of the value): nothing is sent twice for having been
//! forgotten. A fingerprint cannot be read back into a name, an e-mail or a
//! value; without the secret (another user, the secret file lost) it
//! matches nothing, and the memory forgets those calls.

use std::collections::HashMap;

use hmac::{Hmac, Mac};

use crate::normalize::email_key;

use super::state::{Kind, Order, Seen, Target, Thing, ThingState, note};

/// A keyed hash, cut to 16 bytes (128 bits: no two of a registre's things
/// meet by chance).
pub(crate) type Print = [u8; 16];

/// Keyed hashing under the user's secret.
#[derive(Clone)]
pub(crate) struct Sealer {
    mac: Hmac<sha2::Sha256>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(***)")
    }
}

impl Sealer {
    pub(crate) fn new(secret: &[u8]) -> Option<Sealer> {
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).ok().map(|mac| Sealer { mac })
    }

    /// The print of these parts, each with its length (no two lists of
    /// parts give the same input).
    fn print(&self, parts: &[&str]) -> Print {
        let mut mac = self.mac.clone();
        for p in parts {
            mac.update(&(p.len() as u64).to_le_bytes());
            mac.update(p.as_bytes());
        }
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }

    pub(crate) fn thing(&self, thing: &Thing) -> Print {
        match thing {
            Thing::Dossier(d) => self.print(&["dossier", d]),
            Thing::Offer(d, o) => self.print(&["offer", d, o]),
            Thing::Person(d, e, o) => self.print(&["person", d, e, o]),
            Thing::Field(e, f) => self.print(&["field", e, f]),
            Thing::Created(e) => self.print(&["created", e]),
        }
    }

    pub(crate) fn target(&self, target: &Target) -> Print {
        match target {
            Target::On => self.print(&["on"]),
            Target::Off => self.print(&["off"]),
            Target::Value(v) => self.print(&["value", v]),
            Target::Sealed(p) => *p,
        }
    }

    /// An e-mail's print, normalised as the memory normalises it.
    pub(crate) fn email(&self, email: &str) -> Print {
        self.print(&["email", &email_key(email)])
    }

    /// The prints of a call's things and targets (32 bytes each), and of
    /// the e-mail they are about (the first thing naming one).
    pub(crate) fn seal(&self, things: &[(Thing, Target)]) -> (Option<Print>, Vec<u8>) {
        let mut blob = Vec::with_capacity(things.len() * 32);
        let mut email = None;
        for (thing, target) in things {
            blob.extend_from_slice(&self.thing(thing));
            blob.extend_from_slice(&self.target(target));
            if let Thing::Person(_, e, _) | Thing::Field(e, _) | Thing::Created(e) = thing {
                email = email.or_else(|| Some(self.print(&["email", e])));
            }
        }
        (email, blob)
    }
}

/// A sealed call's prints: (thing, target) pairs.
pub(crate) fn unseal(blob: &[u8]) -> Vec<(Print, Print)> {
    blob.chunks_exact(32)
        .map(|c| {
            let (mut t, mut s) = ([0u8; 16], [0u8; 16]);
            t.copy_from_slice(&c[..16]);
            s.copy_from_slice(&c[16..]);
            (t, s)
        })
        .collect()
}

/// The memory of sealed calls: by the thing's print, as `Memory` keeps
/// things.
#[derive(Debug, Default)]
pub(crate) struct SealedMemory {
    sealer: Option<Sealer>,
    things: HashMap<Print, ThingState>,
    /// An offer's print -> the last removal applied (a removeOffer).
    removed: HashMap<Print, (Order, Seen)>,
}

impl SealedMemory {
    pub(crate) fn new(sealer: Option<Sealer>) -> SealedMemory {
        SealedMemory { sealer, ..SealedMemory::default() }
    }

    /// Records what one record of a sealed call says of its things.
    pub(super) fn record(&mut self, prints: &[(Print, Print)], kind: Kind, order: Order, seen: &Seen, results: &str) {
        let Some(sealer) = &self.sealer else { return };
        let (on, off) = (sealer.target(&Target::On), sealer.target(&Target::Off));
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
    pub(super) fn state_of(&self, thing: &Thing) -> Option<&ThingState> {
        if self.things.is_empty() {
            return None;
        }
        self.things.get(&self.sealer.as_ref()?.thing(thing))
    }

    /// The last sealed removal of an offer.
    pub(super) fn removed_of(&self, offer: &Thing) -> Option<&(Order, Seen)> {
        if self.removed.is_empty() {
            return None;
        }
        self.removed.get(&self.sealer.as_ref()?.thing(offer))
    }

    /// Whether a state (as the memory gives it) is this target: the same,
    /// or the print of it.
    pub(super) fn same(&self, state: &Target, target: &Target) -> bool {
        match (state, &self.sealer) {
            (Target::Sealed(p), Some(s)) => *p == s.target(target),
            _ => state == target,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_are_keyed_and_never_hold_the_email() {
        let a = Sealer::new(b"secret-a").unwrap();
        let b = Sealer::new(b"secret-b").unwrap();
        let thing = Thing::Created("ana@exemple.fr".into());
        assert_eq!(a.thing(&thing), a.thing(&thing.clone()));
        assert_ne!(a.thing(&thing), b.thing(&thing), "keyed");
        assert_ne!(a.thing(&thing), a.thing(&Thing::Dossier("ana@exemple.fr".into())), "the kind counts");
        assert_eq!(a.email(" Ana@Exemple.FR"), a.email("ana@exemple.fr"), "normalised");
        let (email, blob) = a.seal(&[
            (thing, Target::On),
            (Thing::Field("ana@exemple.fr".into(), "telephone"), Target::Value("\"0601\"".into())),
        ]);
        assert_eq!(email, Some(a.email("ana@exemple.fr")));
        assert_eq!(blob.len(), 64);
        assert!(!blob.windows(3).any(|w| w == b"ana"), "no e-mail in clear");
        assert_eq!(unseal(&blob)[1].1, a.target(&Target::Value("\"0601\"".into())));
    }
}
