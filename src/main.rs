//! Thin entry point: everything lives in the library so tests can reach it.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(loopbatch::main_entry())
}
