//! Reading a journal: what an earlier run recorded, line by line, never
//! stopping at a damaged line; the plan a journal belongs to; the calls it
//! records as done OK.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Failure, Result};
use crate::i18n::Lang;
use crate::outcome::{CallOutcome, Status};

use super::Entry;

/// What an earlier run left for a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Prior {
    Done(CallOutcome),
    /// Sent (maybe several times) and never answered: maybe applied.
    InFlight {
        attempts: u32,
    },
}

/// What an earlier run recorded.
#[derive(Debug, Default)]
pub struct Recorded {
    pub prior: HashMap<u32, Prior>,
    pub warnings: Vec<String>,
    /// A line in the middle could not be read: it may have been any call's
    /// "sent", so every call without a "done" counts as in flight.
    pub damaged: bool,
    /// The last tenant recorded (where the run goes).
    pub tenant: Option<serde_json::Value>,
    /// The results were written after the last session: nothing to resume
    /// unless a call is left to send.
    pub results_written: bool,
}

/// Adds what a rescue file of the same plan holds (outcomes are final).
pub(super) fn read_rescue(path: &Path, plan_hash: &str, rec: &mut Recorded) {
    let Ok(bytes) = std::fs::read(path) else { return };
    let mut belongs = false;
    for line in bytes.split(|b| *b == b'\n') {
        match std::str::from_utf8(line).ok().and_then(|l| serde_json::from_str::<Entry>(l).ok()) {
            Some(Entry::Start { plan_hash: h, .. }) => belongs = h == plan_hash,
            Some(Entry::Done { call, outcome }) if belongs && !outcome.resend_on_resume => {
                rec.prior.insert(call, Prior::Done(outcome));
            }
            _ => {}
        }
    }
}

/// Reads every line; one that is not UTF-8 or not JSON is skipped with a
/// warning, wherever it is (only the last may be torn by a crash).
pub(super) fn read_prior(file: &mut File, path: &Path, plan_hash: &str, lang: Lang) -> Result<Recorded> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| {
        Failure::unusable(format!("{} {} : {e}", lang.t("Journal illisible :", "Unreadable journal:"), path.display()))
    })?;
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').filter(|l| !l.trim_ascii().is_empty()).collect();
    let mut rec = Recorded::default();
    let mut started = false;
    for (i, line) in lines.iter().enumerate() {
        let entry = std::str::from_utf8(line).ok().and_then(|l| serde_json::from_str::<Entry>(l).ok());
        match entry {
            Some(Entry::Start { plan_hash: h, .. }) if h != plan_hash => return Err(other_plan(path, lang)),
            Some(Entry::Start { .. }) => started = true,
            Some(Entry::Sent { call, attempt, .. }) => {
                if !matches!(rec.prior.get(&call), Some(Prior::Done(_))) {
                    rec.prior.insert(call, Prior::InFlight { attempts: attempt });
                }
            }
            // Recorded ahead of its turn, then not sent: as before that record.
            Some(Entry::Withdrawn { call, attempt }) => {
                if let Some(Prior::InFlight { attempts }) = rec.prior.get(&call).cloned()
                    && attempts == attempt
                {
                    match attempt > 1 {
                        true => rec.prior.insert(call, Prior::InFlight { attempts: attempt - 1 }),
                        false => rec.prior.remove(&call),
                    };
                }
            }
            // Not applied (refused key, wrong route) or given up on transient
            // errors: a resume sends it again.
            Some(Entry::Done { call, outcome }) if outcome.resend_on_resume => {
                rec.prior.remove(&call);
            }
            Some(Entry::Done { call, outcome }) => {
                rec.prior.insert(call, Prior::Done(outcome));
            }
            Some(Entry::Resume { .. }) => rec.results_written = false,
            Some(Entry::Tenant { tenant }) => rec.tenant = Some(tenant),
            Some(Entry::ResultsWritten { .. }) => rec.results_written = true,
            None if i + 1 == lines.len() => rec.warnings.push(
                lang.t(
                    "Dernière ligne du journal incomplète (arrêt brutal pendant l'écriture) : ignorée.",
                    "Last journal line incomplete (abrupt stop while writing): ignored.",
                )
                .to_string(),
            ),
            None => {
                rec.damaged = true;
                rec.warnings.push(format!(
                    "{} {} {}",
                    lang.t("Ligne illisible du journal ignorée :", "Unreadable journal line ignored:"),
                    i + 1,
                    lang.t(
                        "(les appels sans résultat noté seront vérifiés avant tout nouvel envoi)",
                        "(calls without a recorded outcome will be checked before any new send)"
                    )
                ));
            }
        }
    }
    if !started {
        return Err(Failure::unusable(format!(
            "{} {} : {}",
            lang.t("Journal sans en-tête :", "Journal without header:"),
            path.display(),
            lang.t("fichier étranger ?", "foreign file?")
        )));
    }
    Ok(rec)
}

fn other_plan(path: &Path, lang: Lang) -> Failure {
    Failure::unusable(format!(
        "{} {} {}",
        path.display(),
        lang.t(
            "appartient à un autre plan (le fichier d'entrée ou la configuration a changé depuis) : impossible de reprendre avec ce fichier.",
            "belongs to another plan (the input file or the configuration changed since): cannot resume with this file."
        ),
        lang.t("Gardez le fichier d'origine, ou choisissez un autre --results.", "Keep the original file, or choose another --results.")
    ))
}

/// What a journal records, read without taking it (whether a resume has
/// anything to do): `None` when there is no journal or it is empty.
pub fn peek(path: &Path, rescue: &Path, plan_hash: &str, lang: Lang) -> Option<Result<Recorded>> {
    let mut file = File::open(path).ok()?;
    if file.metadata().map(|m| m.len() == 0).unwrap_or(true) {
        return None;
    }
    Some(read_prior(&mut file, path, plan_hash, lang).map(|mut rec| {
        read_rescue(rescue, plan_hash, &mut rec);
        rec
    }))
}

/// The last tenant a journal records, read without taking it.
pub fn tenant_of(path: &Path) -> Option<serde_json::Value> {
    let bytes = std::fs::read(path).ok()?;
    bytes.rsplit(|b| *b == b'\n').find_map(|l| {
        match std::str::from_utf8(l).ok().and_then(|l| serde_json::from_str::<Entry>(l).ok())? {
            Entry::Tenant { tenant } => Some(tenant),
            _ => None,
        }
    })
}

/// The hash of the plan a journal belongs to (its first line), if any.
pub fn plan_hash_of(path: &Path) -> Option<String> {
    let file = File::open(path).ok()?;
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(file).take(64 * 1024), &mut first).ok()?;
    match serde_json::from_str::<Entry>(first.trim_end()).ok()? {
        Entry::Start { plan_hash, .. } => Some(plan_hash),
        _ => None,
    }
}

/// The calls a journal records as done OK, if it belongs to the plan of
/// hash `plan_hash` (read without locking; unreadable lines are skipped).
pub fn done_ok(path: &Path, plan_hash: &str) -> Option<HashSet<u32>> {
    let bytes = std::fs::read(path).ok()?;
    let entries = bytes
        .split(|b| *b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok().and_then(|l| serde_json::from_str::<Entry>(l).ok()));
    let mut belongs = false;
    let mut ok = HashSet::new();
    for e in entries {
        match e {
            Entry::Start { plan_hash: h, .. } => belongs = h == plan_hash,
            Entry::Done { call, outcome } if outcome.status == Status::Ok => {
                ok.insert(call);
            }
            _ => {}
        }
    }
    belongs.then_some(ok)
}
