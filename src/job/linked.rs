//! Which recorded runs went to this run's tenant: the same place
//! (endpoint, domain, simulator instance) and a key id linked to it — its
//! own fingerprint, or one `--new-key` linked; and the refusal of a key
//! that looks like a recorded one under another user's secret.

use std::collections::HashSet;

use crate::error::{Failure, Result};
use crate::i18n::Lang;
use crate::registre::Registre;

use super::RunFiles;
use super::tenant::Tenant;

/// Whether a run recorded at `recorded` went to this tenant: the same
/// place (endpoint, domain, simulator instance) and a key id linked to it.
pub(super) fn same_tenant(now: &Tenant, keys: &HashSet<String>, recorded: Option<&str>) -> bool {
    let Some(t) = recorded.and_then(|t| serde_json::from_str::<Tenant>(t).ok()) else { return false };
    t.endpoint == now.endpoint
        && t.domain == now.domain
        && t.instance == now.instance
        && match (&t.key_hash, &now.key_hash) {
            (Some(h), Some(_)) => keys.contains(h),
            (None, None) => t.key == now.key,
            _ => false,
        }
}

/// The key fingerprints linked to this tenant: its own, and those a run
/// with `--new-key` linked to it (each run's tenant records its links).
pub(super) fn linked_keys(reg: &Registre, now: &Tenant) -> HashSet<String> {
    let mut keys: HashSet<String> = now.key_hash.iter().chain(&now.links).cloned().collect();
    let tenants: Vec<Tenant> = reg
        .runs_tenants()
        .unwrap_or_default()
        .iter()
        .filter_map(|t| serde_json::from_str::<Tenant>(t).ok())
        .filter(|t| t.endpoint == now.endpoint && t.domain == now.domain && t.instance == now.instance)
        .collect();
    loop {
        let before = keys.len();
        for t in &tenants {
            let own = t.key_hash.iter().chain(&t.links);
            if own.clone().any(|k| keys.contains(k)) {
                keys.extend(own.cloned());
            }
        }
        if keys.len() == before {
            return keys;
        }
    }
}

/// A new run whose key looks like (same masked id) a key the registre's
/// runs used at this place, but under another fingerprint, and is linked
/// to none of them: refused (exit 2) unless `--new-key` links it. Another
/// user's secret (a new profile, a copied registre) would otherwise start
/// an empty memory and send again what was done.
pub(super) fn same_look_other_print(files: &RunFiles, tenant: &Tenant, lang: Lang) -> Result<()> {
    let Some(now) = &tenant.key_hash else { return Ok(()) };
    if !files.registre().exists() {
        return Ok(());
    }
    let reg = Registre::open(&files.registre(), lang)?;
    let keys = linked_keys(&reg, tenant);
    let recorded: Vec<Tenant> = reg
        .runs_tenants()?
        .iter()
        .filter_map(|t| serde_json::from_str::<Tenant>(t).ok())
        .filter(|t| t.endpoint == tenant.endpoint && t.domain == tenant.domain && t.instance == tenant.instance)
        .collect();
    let known = recorded.iter().any(|t| t.key_hash.as_ref().is_some_and(|h| keys.contains(h)));
    let alike = recorded.iter().filter(|t| t.key == tenant.key && t.key_hash.as_ref() != Some(now)).count();
    if known || alike == 0 {
        return Ok(());
    }
    Err(Failure::refused(crate::error::Refusal::SameLookOtherPrint {
        key: tenant.key.clone(),
        endpoint: tenant.endpoint.clone(),
    }))
}

/// `--new-key` on a new run: the other key ids recorded at this place,
/// linked to this one (their memory becomes this key's).
pub(super) fn link_keys(files: &RunFiles, tenant: &mut Tenant, lang: Lang) -> Result<()> {
    let reg = Registre::open(&files.registre(), lang)?;
    let mut links: Vec<String> = reg
        .runs_tenants()?
        .iter()
        .filter_map(|t| serde_json::from_str::<Tenant>(t).ok())
        .filter(|t| t.endpoint == tenant.endpoint && t.domain == tenant.domain && t.instance == tenant.instance)
        .filter_map(|t| t.key_hash)
        .filter(|h| Some(h) != tenant.key_hash.as_ref())
        .collect();
    links.sort();
    links.dedup();
    tenant.links = links;
    Ok(())
}
