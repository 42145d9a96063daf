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

use crate::registre::legacy::Entry;

pub use crate::registre::Prior;

/// How the journal ends.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) enum Tail {
    #[default]
    Whole,
    /// A last line cut by a kill: only the first `keep` bytes are whole.
    Torn { keep: u64 },
    /// A whole last record without its newline.
    Unterminated,
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
    pub(super) tail: Tail,
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
    let mut rec = Recorded { tail: tail(&bytes), ..Recorded::default() };
    let mut calls = Calls::default();
    let mut started = false;
    for (i, line) in lines.iter().enumerate() {
        match std::str::from_utf8(line).ok().and_then(|l| serde_json::from_str::<Entry>(l).ok()) {
            Some(Entry::Start { plan_hash: h, .. }) if h != plan_hash => return Err(other_plan(path, lang)),
            Some(Entry::Start { sending, .. }) => {
                started = true;
                calls.legacy = !sending;
            }
            Some(Entry::Resume { .. }) => rec.results_written = false,
            Some(Entry::Tenant { tenant }) => rec.tenant = Some(tenant),
            Some(Entry::ResultsWritten { .. }) => rec.results_written = true,
            Some(e) => calls.apply(e),
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
    rec.prior = calls.prior();
    Ok(rec)
}

/// How the journal's bytes end (see [`Tail`]).
fn tail(bytes: &[u8]) -> Tail {
    let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let last = &bytes[keep..];
    if last.trim_ascii().is_empty() {
        Tail::Whole
    } else if std::str::from_utf8(last).ok().and_then(|l| serde_json::from_str::<Entry>(l).ok()).is_some() {
        Tail::Unterminated
    } else {
        Tail::Torn { keep: keep as u64 }
    }
}

/// Each call's attempts as the records tell them, in order.
#[derive(Default)]
struct Calls {
    /// The highest attempt number used.
    attempts: HashMap<u32, u32>,
    /// Attempts that went out ("sending", not withdrawn), answer unrecorded.
    open: HashMap<u32, HashSet<u32>>,
    done: HashMap<u32, CallOutcome>,
    /// Written before "sending" records existed: a reservation counts as sent.
    legacy: bool,
}

impl Calls {
    fn apply(&mut self, e: Entry) {
        match e {
            Entry::Sent { call, attempt, .. } => {
                self.number(call, attempt);
                if self.legacy {
                    self.open.entry(call).or_default().insert(attempt);
                }
            }
            Entry::Sending { call, attempt } => {
                self.number(call, attempt);
                self.open.entry(call).or_default().insert(attempt);
            }
            Entry::Withdrawn { call, attempt } => {
                if let Some(open) = self.open.get_mut(&call) {
                    open.remove(&attempt);
                }
            }
            // Not applied (refused key, wrong route) or given up on transient
            // errors that were not applied: a resume sends it again.
            Entry::Done { call, outcome } if outcome.resend_on_resume => {
                self.done.remove(&call);
                self.open.remove(&call);
            }
            Entry::Done { call, outcome } => {
                self.done.insert(call, outcome);
            }
            Entry::Start { .. } | Entry::Resume { .. } | Entry::Tenant { .. } | Entry::ResultsWritten { .. } => {}
        }
    }

    fn number(&mut self, call: u32, attempt: u32) {
        let n = self.attempts.entry(call).or_default();
        *n = (*n).max(attempt);
    }

    fn prior(mut self) -> HashMap<u32, Prior> {
        let mut prior: HashMap<u32, Prior> = self.done.drain().map(|(c, o)| (c, Prior::Done(o))).collect();
        for (call, attempts) in self.attempts {
            let sent = self.open.get(&call).is_some_and(|o| !o.is_empty());
            prior.entry(call).or_insert(Prior::InFlight { attempts, sent });
        }
        prior
    }
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
