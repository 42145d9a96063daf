//! The sentences of the registre, the configuration, the keys, the run's
//! lock and place: the `Refusal`s that keep a command from starting, and
//! the `Notice`s said along the way; French in `fr.rs`, English in `en.rs`.

mod en;
mod fr;

use std::path::Path;

use super::call::{CallText, RouteHint};
use super::{Message, RunMessage, Text};
use crate::error::{ConfigFault, Halt, LoopHubFault, NoProof, Refusal};
use crate::i18n::Lang;

/// Said on the way (not a failure): what a command did, a warning.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Notice<'a> {
    /// A warning on the command line (its text said already).
    Warning {
        text: &'a str,
    },
    /// A run continued whose record says not where it was sent (an earlier
    /// version): the results' file name, where it goes on to (said).
    RunPlaceUnknown {
        results: &'a str,
        place: &'a str,
    },
    /// A key file other users may read.
    KeyFileReadableByOthers {
        file: &'a Path,
    },
    /// Where a run sends, for a person: the address, the domain, the
    /// simulator's instance.
    Place {
        endpoint: &'a str,
        domain: Option<&'a str>,
        instance: Option<&'a str>,
    },
    RegistreSound {
        file: &'a Path,
        runs: i64,
        attempts: i64,
    },
    RegistreCopied {
        dest: &'a Path,
    },
    /// A journal imported: its events, its run, whether lines were unreadable.
    Imported {
        journal: &'a Path,
        records: usize,
        run: i64,
        damaged: bool,
    },
    AlreadyImported {
        journal: &'a Path,
    },
    Forgotten {
        who: &'a str,
        calls: usize,
    },
    /// A reader holds the WAL: the forgetting is not finished.
    ForgetNotEmptied,
    /// The page: which keys it sends with, the API key's masked id.
    KeysSaid {
        kept: KeysKept,
        key: &'a str,
    },
    /// The page closed while a run went: its name.
    StoppedOnQuit {
        name: &'a str,
    },
    /// The progress: paused, for how long (said).
    Paused {
        wait: &'a str,
    },
    /// The progress: calls done of how many.
    CallsDone {
        done: usize,
        total: usize,
    },
    /// The pace allowed, in calls per second (`rate` said, `per_second` for the plural).
    PaceAllowed {
        rate: &'a str,
        per_second: f64,
    },
    /// The speed seen, in calls per second.
    Speed {
        rate: &'a str,
        per_second: f64,
    },
    /// The estimated end, in how long (said).
    EtaIn {
        wait: &'a str,
    },
    Errors {
        n: usize,
    },
    /// A template's drop-down refusing a value: the values it takes.
    PossibleValues {
        values: &'a str,
    },
}

/// Where the page's keys come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeysKept {
    Saved,
    Typed,
    Configured,
}

impl Text for Notice<'_> {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::notice(self),
            Lang::En => en::notice(self),
        }
    }
}

pub(super) fn refusal(r: &Refusal, lang: Lang) -> String {
    match lang {
        Lang::Fr => fr::refusal(r),
        Lang::En => en::refusal(r),
    }
}

pub(super) fn halt(h: &Halt, lang: Lang) -> String {
    match lang {
        Lang::Fr => fr::halt(h),
        Lang::En => en::halt(h),
    }
}

// Displayed in French, the default language (a `Failure`'s `Display`).
impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&fr::refusal(self))
    }
}

impl std::fmt::Display for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&fr::halt(self))
    }
}

/// The command that moves a damaged registre aside.
fn move_aside(file: &Path) -> String {
    let aside = format!("{}.endommage", file.display());
    if cfg!(windows) {
        format!("move \"{}\" \"{aside}\"", file.display())
    } else {
        format!("mv \"{}\" \"{aside}\"", file.display())
    }
}
