//! The run journal: JSON lines beside the results, tied to the plan's hash,
//! locked against a second run, flushed to disk line by line. "sent" is
//! written before each attempt and "done" with its outcome after the call,
//! so that a resume never sends a done call twice and knows which calls
//! were in flight. No bodies, no secrets: ids, statuses and messages only.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::{Failure, Result};
use crate::i18n::Lang;
use crate::outcome::{CallOutcome, Status, now_iso};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Entry {
    Start {
        plan_hash: String,
        source: String,
        timestamp: String,
    },
    /// A later run took over the journal (`--resume`).
    Resume {
        timestamp: String,
    },
    Sent {
        call: u32,
        attempt: u32,
        timestamp: String,
    },
    Done {
        call: u32,
        outcome: CallOutcome,
    },
}

/// What an earlier run left for a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Prior {
    Done(CallOutcome),
    /// Sent (maybe several times) and never answered: maybe applied.
    InFlight {
        attempts: u32,
    },
}

pub struct Journal {
    file: Mutex<File>,
    pub path: PathBuf,
}

impl Journal {
    /// Opens (resume) or creates the journal, locks it, and returns what an
    /// earlier run recorded. A torn last line (crash mid-write) is ignored.
    pub fn open(
        path: &Path,
        plan_hash: &str,
        source: &str,
        resume: bool,
        lang: Lang,
    ) -> Result<(Journal, HashMap<u32, Prior>, Vec<String>)> {
        let fail =
            |what: &str, e: &dyn std::fmt::Display| Failure::unusable(format!("{what} {} : {e}", path.display()));
        let exists = path.metadata().map(|m| m.len() > 0).unwrap_or(false);
        if exists && !resume {
            return Err(Failure::unusable(format!(
                "{} {} {}",
                lang.t("Un journal d'exécution existe déjà :", "A run journal already exists:"),
                path.display(),
                lang.t(
                    "— ajoutez --resume pour reprendre cette exécution sans rien renvoyer de ce qui est fait, ou choisissez un autre fichier --results.",
                    "— add --resume to continue that run without resending what is done, or choose another --results file."
                )
            )));
        }
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| fail(lang.t("Journal impossible à ouvrir :", "Cannot open the journal:"), &e))?;
        if file.try_lock().is_err() {
            return Err(Failure::unusable(format!(
                "{} {}",
                lang.t(
                    "Une autre exécution de loopbatch utilise déjà ce journal :",
                    "Another loopbatch run is already using this journal:"
                ),
                path.display()
            )));
        }
        let (prior, warnings) = match exists {
            true => read_prior(&file, path, plan_hash, lang)?,
            false => Default::default(),
        };
        let journal = Journal { file: Mutex::new(file), path: path.to_path_buf() };
        if !exists {
            journal.write(&Entry::Start {
                plan_hash: plan_hash.to_string(),
                source: source.to_string(),
                timestamp: now_iso(),
            });
        } else {
            // A torn line has no newline: start the next entry on its own line.
            journal.raw(b"\n");
            journal.write(&Entry::Resume { timestamp: now_iso() });
        }
        Ok((journal, prior, warnings))
    }

    fn raw(&self, bytes: &[u8]) {
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let _ = f.write_all(bytes);
        let _ = f.sync_data();
    }

    fn write(&self, e: &Entry) {
        let mut line = serde_json::to_vec(e).unwrap_or_default();
        line.push(b'\n');
        self.raw(&line);
    }

    pub fn sent(&self, call: u32, attempt: u32) {
        self.write(&Entry::Sent { call, attempt, timestamp: now_iso() });
    }

    pub fn done(&self, call: u32, outcome: &CallOutcome) {
        self.write(&Entry::Done { call, outcome: outcome.clone() });
    }
}

/// What an earlier run recorded: each call done or left in flight, and
/// warnings for lines that could not be read.
fn read_prior(file: &File, path: &Path, plan_hash: &str, lang: Lang) -> Result<(HashMap<u32, Prior>, Vec<String>)> {
    let mut prior = HashMap::new();
    let mut warnings = Vec::new();
    let lines: Vec<String> = BufReader::new(file).lines().map_while(|l| l.ok()).collect();
    let mut started = false;
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(Entry::Start { plan_hash: h, .. }) => {
                if h != plan_hash {
                    return Err(Failure::unusable(format!(
                        "{} {} {}",
                        path.display(),
                        lang.t(
                            "appartient à un autre plan (le fichier d'entrée ou la configuration a changé depuis) : impossible de reprendre avec ce fichier.",
                            "belongs to another plan (the input file or the configuration changed since): cannot resume with this file."
                        ),
                        lang.t("Gardez le fichier d'origine, ou choisissez un autre --results.", "Keep the original file, or choose another --results.")
                    )));
                }
                started = true;
            }
            Ok(Entry::Sent { call, attempt, .. }) => {
                if !matches!(prior.get(&call), Some(Prior::Done(_))) {
                    prior.insert(call, Prior::InFlight { attempts: attempt });
                }
            }
            Ok(Entry::Done { call, outcome }) => {
                prior.insert(call, Prior::Done(outcome));
            }
            Ok(Entry::Resume { .. }) => {}
            Err(_) if i + 1 == lines.len() => warnings.push(
                lang.t(
                    "Dernière ligne du journal incomplète (arrêt brutal pendant l'écriture) : ignorée.",
                    "Last journal line incomplete (abrupt stop while writing): ignored.",
                )
                .to_string(),
            ),
            Err(_) => warnings.push(format!(
                "{} {}",
                lang.t("Ligne illisible du journal ignorée :", "Unreadable journal line ignored:"),
                i + 1
            )),
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
    Ok((prior, warnings))
}

/// The calls a journal records as done OK (read without locking; lines
/// that cannot be read are skipped).
pub fn done_ok(path: &Path) -> std::collections::HashSet<u32> {
    let Ok(file) = File::open(path) else { return Default::default() };
    BufReader::new(file)
        .lines()
        .map_while(|l| l.ok())
        .filter_map(|l| match serde_json::from_str::<Entry>(&l) {
            Ok(Entry::Done { call, outcome }) if outcome.status == Status::Ok => Some(call),
            _ => None,
        })
        .collect()
}
