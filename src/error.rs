//! The errors that end a command, each with its exit code.
//!
//! Row problems are not errors: they are data written to the results. A
//! `Failure` is what stops the whole command (a file that cannot be used, a
//! run stopped by the gateway), with a message already in the user's language.

use std::process::ExitCode;

/// Exit codes, the same for every command: the README's « Codes de
/// sortie » table says each once, `tests/it/exits.rs` checks both and
/// reaches each through the binary.
pub mod exit {
    /// Every row valid, or every row OK.
    pub const OK: u8 = 0;
    /// Some rows invalid or not OK; results written.
    pub const ROWS_FAILED: u8 = 1;
    /// Could not start: input, configuration or results location.
    pub const UNUSABLE: u8 = 2;
    /// Stopped: authentication refused, wrong route, interrupted, wait too long.
    pub const STOPPED: u8 = 3;
    /// A defect of loopbatch (a panic): Rust's own code, the message said
    /// by the hook that `main_entry` sets.
    pub const DEFECT: u8 = 101;
    /// Every code, in the README's order.
    pub const ALL: [u8; 5] = [OK, ROWS_FAILED, UNUSABLE, STOPPED, DEFECT];
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub message: String,
    pub exit: u8,
}

impl Failure {
    /// The input, the configuration or the results location cannot be used.
    pub fn unusable(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), exit: exit::UNUSABLE }
    }

    /// A run that started and had to stop.
    pub fn stopped(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), exit: exit::STOPPED }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit)
    }
}

pub(crate) type Result<T, E = Failure> = std::result::Result<T, E>;
