//! Thin entry point: everything lives in the library so tests can reach it.

use std::process::ExitCode;

// Reading a sheet allocates a string per cell: mimalloc does that faster
// than the system allocator (measured in benches/check.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    no_huge_pages();
    ExitCode::from(loopbatch::main_entry())
}

/// A short-lived process pays for transparent huge pages without using
/// them: each new 2 MiB region an allocator touches is zeroed whole (a
/// third of a run's CPU, measured in benches/run.rs). Turned off for this
/// process only, before any allocation; mimalloc is also built without its
/// own huge-page advice (feature `no_thp`), which this flag did not stop.
#[cfg(target_os = "linux")]
fn no_huge_pages() {
    // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}
