//! Thin entry point: everything lives in the library so tests can reach it.

use std::process::ExitCode;

// Reading a sheet allocates a string per cell: mimalloc does that faster
// than the system allocator (measured in benches/check.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(loopbatch::main_entry())
}
