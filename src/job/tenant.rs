//! Where a run went: its tenant, recorded in its journal, so that a resume
//! or a re-run of its failures goes to the same place or nowhere. The
//! endpoint (normalised), the `domain`, the key id (masked, plus a keyed
//! fingerprint to compare: never the key), and for a simulator the instance
//! id it sends with every answer.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, Keys, mask};
use crate::error::{Failure, Refusal, Result, RunPlace};
use crate::execute::client::{normalized_endpoint, simulator_instance};
use crate::i18n::Lang;
use crate::messages::{Notice, Text};

use super::RunFiles;

/// The per-user secret keying the key ids' fingerprints.
const SECRET_FILE: &str = "empreintes-cles.secret";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub endpoint: String,
    #[serde(default)]
    pub domain: Option<String>,
    /// The key id as shown (`ab***yz`).
    pub key: String,
    /// HMAC-SHA256 of the key id under the user's secret (none when the
    /// per-user folder cannot hold one: the masked ids are compared).
    #[serde(default)]
    pub key_hash: Option<String>,
    /// The simulator's instance, when the endpoint is one.
    #[serde(default)]
    pub instance: Option<String>,
    /// Fingerprints of other key ids this one was linked to (`--new-key`):
    /// their memory is this key's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
}

impl Tenant {
    /// This run's tenant; asks a loopback endpoint for its instance id (a
    /// GET that changes nothing), never a remote one.
    pub async fn of(cfg: &Config, keys: &Keys) -> Tenant {
        Tenant { instance: simulator_instance(&cfg.base_url).await, ..Tenant::without_instance(cfg, keys) }
    }

    /// The same, making no per-user secret when there is none yet (a
    /// screen that only looks): then no run was recorded under one.
    pub(super) async fn looked_at(cfg: &Config, keys: &Keys) -> Tenant {
        let mut t = Tenant {
            instance: simulator_instance(&cfg.base_url).await,
            ..Tenant::without_instance_of(cfg, keys, false)
        };
        t.links.clear();
        t
    }

    fn without_instance(cfg: &Config, keys: &Keys) -> Tenant {
        Tenant::without_instance_of(cfg, keys, true)
    }

    fn without_instance_of(cfg: &Config, keys: &Keys, make_secret: bool) -> Tenant {
        let id = keys.key_id();
        Tenant {
            endpoint: normalized_endpoint(&cfg.base_url),
            domain: cfg.domain.clone().filter(|d| !d.trim().is_empty()),
            key: mask(id),
            key_hash: cfg
                .user_dir
                .as_deref()
                .and_then(|d| if make_secret { secret(d) } else { existing_secret(d) })
                .map(|s| hex(&hmac_sha256(&s, id.as_bytes())[..16])),
            instance: None,
            links: Vec::new(),
        }
    }

    /// The place, for a person: the address, and the simulator's instance.
    pub fn place(&self, lang: Lang) -> String {
        Notice::Place { endpoint: &self.endpoint, domain: self.domain.as_deref(), instance: self.instance.as_deref() }
            .text(lang)
    }

    fn run_place(&self) -> RunPlace {
        RunPlace { endpoint: self.endpoint.clone(), domain: self.domain.clone(), instance: self.instance.clone() }
    }

    /// The same key: by fingerprint when both have one; by the masked id
    /// only when neither has (a journal of an earlier version, a run with
    /// no per-user folder on both sides). One fingerprint against none is
    /// not confirmed: two keys may look alike once masked.
    fn same_key(&self, other: &Tenant) -> bool {
        match (&self.key_hash, &other.key_hash) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.key == other.key,
            _ => false,
        }
    }
}

/// What a run going on with `recorded`'s work (resume, re-run of its
/// failures) may do now: go on, or not (exit 2, both places named). A
/// simulator that renewed its instance, or an address that answered with
/// one and now does not, is another place. Another key at the same place
/// goes only with `new_key`.
// `_lang`: the callers' (before.rs) still pass it; the refusal is said at the edge.
pub(super) fn check_same(recorded: &Tenant, now: &Tenant, new_key: bool, _lang: Lang) -> Result<()> {
    // An address that sent no instance id then and sends one now is a
    // simulator that took its port: another place.
    let same_place =
        recorded.endpoint == now.endpoint && recorded.domain == now.domain && recorded.instance == now.instance;
    if !same_place {
        let gone = recorded.instance.is_some() && now.instance.is_none() && recorded.endpoint == now.endpoint;
        return Err(Failure::refused(Refusal::OtherPlace {
            recorded: recorded.run_place(),
            now: now.run_place(),
            gone,
        }));
    }
    if !new_key && !recorded.same_key(now) {
        // The same look, another fingerprint: another user's secret, or
        // another key that begins and ends alike.
        return Err(Failure::refused(Refusal::OtherKey {
            recorded: recorded.key.clone(),
            now: now.key.clone(),
            look_alike: recorded.key == now.key,
        }));
    }
    Ok(())
}

/// The key of a run replaced at the same place: the masked ids (as
/// recorded, as now) when the journal of `files` records another key for
/// this endpoint and domain — what the page asks to confirm before a resume
/// with `new_key`.
pub fn key_replaced(cfg: &Config, keys: &Keys, files: &RunFiles) -> Option<(String, String)> {
    let run = crate::execute::journal::run_info(&files.registre(), files.results(), cfg.lang).ok()??;
    let recorded: Tenant = serde_json::from_value(run.tenant?).ok()?;
    let now = Tenant::without_instance(cfg, keys);
    let same_place = recorded.endpoint == now.endpoint && recorded.domain == now.domain;
    (same_place && !recorded.same_key(&now)).then_some((recorded.key, now.key))
}

/// The user's secret (see `secret`), which also keys the registre's
/// tombstones of forgotten calls.
pub fn user_secret(cfg: &Config) -> Option<Vec<u8>> {
    cfg.user_dir.as_deref().and_then(secret)
}

/// The user's secret if it was made already (what keyed the prints of
/// forgotten calls: none made, none to find).
pub(crate) fn existing_user_secret(dir: Option<&Path>) -> Option<Vec<u8>> {
    dir.and_then(existing_secret)
}

/// The user's secret if it was made already.
fn existing_secret(dir: &Path) -> Option<Vec<u8>> {
    std::fs::read(dir.join(SECRET_FILE)).ok().filter(|b| b.len() >= 32)
}

/// The user's 32-byte secret, created owner-only at first use.
fn secret(dir: &Path) -> Option<Vec<u8>> {
    let path = dir.join(SECRET_FILE);
    if let Ok(bytes) = std::fs::read(&path)
        && bytes.len() >= 32
    {
        return Some(bytes);
    }
    std::fs::create_dir_all(dir).ok()?;
    let fresh: [u8; 32] = rand::random();
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(&path) {
        Ok(mut f) => {
            f.write_all(&fresh).ok()?;
            f.sync_all().ok()?;
            Some(fresh.to_vec())
        }
        // Another process made it first: its secret is the one.
        Err(_) => std::fs::read(&path).ok().filter(|b| b.len() >= 32),
    }
}

/// HMAC-SHA256 (RFC 2104) on the `sha2` crate.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let long = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(hex(&long), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    fn tenant(endpoint: &str, key: &str, hash: &str, instance: Option<&str>) -> Tenant {
        Tenant {
            endpoint: endpoint.into(),
            domain: None,
            key: key.into(),
            key_hash: Some(hash.into()),
            instance: instance.map(Into::into),
            links: Vec::new(),
        }
    }

    #[test]
    fn another_place_is_refused_and_another_key_needs_new_key() {
        let was = tenant("http://127.0.0.1:4000/api", "de***id", "h1", Some("aaaa"));
        assert!(check_same(&was, &was.clone(), false, Lang::Fr).is_ok());
        let restarted = tenant("http://127.0.0.1:4000/api", "de***id", "h1", Some("bbbb"));
        let e = check_same(&was, &restarted, true, Lang::Fr).unwrap_err();
        assert!(e.to_string().contains("aaaa") && e.to_string().contains("bbbb"), "{}", e.to_string());
        let gone = tenant("http://127.0.0.1:4000/api", "de***id", "h1", None);
        assert!(check_same(&was, &gone, false, Lang::Fr).unwrap_err().to_string().contains("n'est plus là"));
        let elsewhere = tenant("https://api.example.fr:443/loop", "de***id", "h1", None);
        let e = check_same(&was, &elsewhere, false, Lang::Fr).unwrap_err();
        assert!(
            e.to_string().contains("127.0.0.1:4000") && e.to_string().contains("api.example.fr"),
            "{}",
            e.to_string()
        );
        let new_key = tenant("http://127.0.0.1:4000/api", "nk***id", "h2", Some("aaaa"));
        let e = check_same(&was, &new_key, false, Lang::Fr).unwrap_err();
        assert!(
            e.to_string().contains("de***id")
                && e.to_string().contains("nk***id")
                && e.to_string().contains("--new-key")
        );
        assert!(check_same(&was, &new_key, true, Lang::Fr).is_ok());
        // A plain address with no instance id: the same address only.
        let plain = tenant("http://127.0.0.1:4000/api", "de***id", "h1", None);
        assert!(check_same(&plain, &plain.clone(), false, Lang::Fr).is_ok());
        assert!(
            check_same(&plain, &tenant("http://127.0.0.1:4001/api", "de***id", "h1", None), false, Lang::Fr).is_err()
        );
    }

    #[test]
    fn a_simulator_that_took_a_plain_address_and_a_key_without_fingerprint_are_refused() {
        // Recorded at an address that sent no instance id (a tunnel, a
        // mock); now a simulator answers there: another place.
        let plain = tenant("http://127.0.0.1:4000/api", "de***id", "h1", None);
        let simulator = tenant("http://127.0.0.1:4000/api", "de***id", "h1", Some("cccc"));
        assert!(check_same(&plain, &simulator, false, Lang::Fr).is_err());
        // One side with a fingerprint, the other without (no per-user
        // folder): two keys that look alike once masked are not the same.
        let mut unproven = tenant("http://127.0.0.1:4000/api", "de***id", "h1", None);
        unproven.key_hash = None;
        assert!(check_same(&plain, &unproven, false, Lang::Fr).is_err());
        assert!(check_same(&unproven, &plain, false, Lang::Fr).is_err());
        assert!(check_same(&unproven, &unproven.clone(), false, Lang::Fr).is_ok(), "neither has one: the mask");
    }

    #[test]
    fn endpoints_are_normalised() {
        assert_eq!(normalized_endpoint("HTTPS://Api.Example.FR/loop/v1/"), "https://api.example.fr:443/loop/v1");
        assert_eq!(normalized_endpoint("http://127.0.0.1:8080/api"), "http://127.0.0.1:8080/api");
    }

    #[test]
    fn the_fingerprint_is_keyed_by_a_per_user_secret_kept_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let a = secret(dir.path()).unwrap();
        assert_eq!(secret(dir.path()).unwrap(), a, "kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "owner only");
        }
        let other = tempfile::tempdir().unwrap();
        assert_ne!(secret(other.path()).unwrap(), a);
    }
}
