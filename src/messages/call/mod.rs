//! The engine's sentences about one call: a fatal answer, a transport
//! trouble, the outcomes the engine writes itself (a dependency failed, an
//! answer lost); French in `fr.rs`, English in `en.rs`. Loop's own answers
//! are not here: they stay verbatim in `loop_api`.

mod en;
mod fr;

use super::Text;
use crate::i18n::Lang;
use crate::loop_api::{FatalKind, Operation};

/// Which route a « route unknown » answer is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteHint<'a> {
    /// A call of the plan: its operation and route.
    Call { operation: Operation, route: &'a str },
    /// The LoopHub list (its route is not documented).
    LoopHub,
}

/// Why a call got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportFault {
    Timeout,
    Connect,
    /// Cut before the answer.
    Cut,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CallText<'a> {
    /// A fatal answer: which key or setting to fix (Loop's message after).
    Fatal {
        kind: FatalKind,
        status: u16,
        message: &'a str,
        route: RouteHint<'a>,
    },
    /// A call's own row for a fatal answer: a refused key said short (the
    /// run's stop says the way out), else as `Fatal`.
    FatalRow {
        kind: FatalKind,
        status: u16,
        message: &'a str,
        route: RouteHint<'a>,
    },
    Transport(TransportFault),
    /// An addClient with an answer lost, answered « e-mail déjà associé »
    /// on resending: what to check in Loop, then Loop's message.
    EmailTakenToCheck {
        email: &'a str,
        person: &'a str,
        dossier: &'a str,
        message: &'a str,
    },
    /// Not sent: the call it depends on did not succeed.
    DependencyFailed {
        dep: u32,
        operation: &'a str,
        dossier: &'a str,
    },
    /// Success after an attempt whose answer was lost.
    Confirmed {
        message: &'a str,
    },
    /// Loop's refusal after an attempt whose answer was lost.
    LostThenAnswered {
        message: &'a str,
    },
    /// Answers lost until the retries were spent on a call that may have
    /// been applied: the contact (person, e-mail) if an addClient, the dossier.
    LostTooOften {
        failures: u32,
        contact: Option<(&'a str, &'a str)>,
        dossier: &'a str,
        detail: &'a str,
    },
    /// Passing troubles until the retries were spent.
    GaveUp {
        detail: &'a str,
        attempts: u32,
    },
}

impl Text for CallText<'_> {
    fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Fr => fr::call(self),
            Lang::En => en::call(self),
        }
    }
}

/// A fatal answer's words: what, then the status and Loop's message.
fn with_status(what: &str, status: u16, message: &str) -> String {
    if message.is_empty() { format!("{what} (HTTP {status})") } else { format!("{what} (HTTP {status}) : {message}") }
}
