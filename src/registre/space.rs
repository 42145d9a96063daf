//! Room on the registre's disk: a run does not start with less than
//! `MIN_FREE_BYTES` free there (a run that cannot record stops half-way).

use std::path::Path;

use crate::error::{Failure, Refusal, Result};

/// The least free space under the registre for a run to start.
pub(crate) const MIN_FREE_BYTES: u64 = 50 * 1024 * 1024;

/// `Err` (exit 2, nothing sent) when the registre's disk has less than
/// `MIN_FREE_BYTES` free; a disk whose free space cannot be known passes.
pub(crate) fn enough_space(registre: &Path) -> Result<()> {
    at_least(registre, min_free())
}

pub(super) fn at_least(registre: &Path, needed: u64) -> Result<()> {
    let dir = registre.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let Some(free) = free_bytes(dir) else { return Ok(()) };
    if free >= needed {
        return Ok(());
    }
    Err(Failure::refused(Refusal::RegistreNoRoom {
        folder: dir.to_path_buf(),
        free_mb: free / (1024 * 1024),
        needed_mb: needed / (1024 * 1024),
    }))
}

/// The threshold; a debug build takes another from
/// `LOOPBATCH_TEST_REGISTRE_MIN_FREE_MB` (tests cannot fill a disk).
fn min_free() -> u64 {
    #[cfg(debug_assertions)]
    if let Some(mb) = std::env::var("LOOPBATCH_TEST_REGISTRE_MIN_FREE_MB").ok().and_then(|v| v.parse::<u64>().ok()) {
        return mb.saturating_mul(1024 * 1024);
    }
    MIN_FREE_BYTES
}

/// The space this user may still write there (statvfs's `f_bavail`,
/// Windows' GetDiskFreeSpaceExW), `None` when the system does not say.
fn free_bytes(dir: &Path) -> Option<u64> {
    fs4::available_space(dir).ok()
}
