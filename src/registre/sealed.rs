//! What a forgotten call changed in Loop, kept as keyed hashes only (the
//! `sealed` table, schema 3): when `forget` removes a call's e-mail and body,
//! the things it changed (see `state::things_of`; their prints are made
//! there) and the state it left each in are kept as fingerprints under the
//! user's secret (the one that keys the tombstones), and the e-mail it was
//! about as one too, by which the memory finds it. The memory looks a thing
//! up by its fingerprint as well as by itself, so a person forgotten stays
//! known created, an offer known given, a field known as sent (compared by
//! the fingerprint of the value): nothing is sent twice for having been
//! forgotten. A fingerprint cannot be read back into a name, an e-mail or a
//! value; without the secret (another user, the secret file lost) it
//! matches nothing, and the memory forgets those calls.

use hmac::{Hmac, Mac};

use crate::normalize::email_key;

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
    pub(crate) fn print(&self, parts: &[&str]) -> Print {
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

    /// An e-mail's print, normalised as the memory normalises it.
    pub(crate) fn email(&self, email: &str) -> Print {
        self.print(&["email", &email_key(email)])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_are_keyed_and_normalised() {
        let a = Sealer::new(b"secret-a").unwrap();
        let b = Sealer::new(b"secret-b").unwrap();
        assert_eq!(a.print(&["created", "ana@exemple.fr"]), a.print(&["created", "ana@exemple.fr"]));
        assert_ne!(a.print(&["created", "ana@exemple.fr"]), b.print(&["created", "ana@exemple.fr"]), "keyed");
        assert_ne!(a.print(&["ab", "c"]), a.print(&["a", "bc"]), "each part with its length");
        assert_eq!(a.email(" Ana@Exemple.FR"), a.email("ana@exemple.fr"), "normalised");
        let blob = [a.email("x"), a.email("y")].concat();
        assert_eq!(unseal(&blob), [(a.email("x"), a.email("y"))]);
    }
}
