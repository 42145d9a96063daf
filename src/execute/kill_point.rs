//! Kill points for the fault tests (debug builds only): with
//! `LOOPBATCH_TEST_KILL_AT=<point>:<n>`, the process dies like a `kill -9`
//! (no flush, no destructor) the n-th time it passes `<point>`, after
//! writing `<point>` to the file `LOOPBATCH_TEST_KILL_MARKER` so that a
//! test knows the point was hit. With `LOOPBATCH_TEST_KILL_HOW=panic` it
//! panics there instead, as a defect of loopbatch would (exit 101, said by
//! the panic hook). Release builds have no such hook.

/// Dies here if the test asked for it.
#[cfg(debug_assertions)]
pub(crate) fn reached(point: &str) {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PLAN: OnceLock<Option<(String, u64)>> = OnceLock::new();
    static HITS: AtomicU64 = AtomicU64::new(0);
    let plan = PLAN.get_or_init(|| {
        let v = std::env::var("LOOPBATCH_TEST_KILL_AT").ok()?;
        let (p, n) = v.rsplit_once(':')?;
        Some((p.to_string(), n.parse().ok()?))
    });
    let Some((p, n)) = plan else { return };
    if p != point || HITS.fetch_add(1, Ordering::SeqCst) + 1 != *n {
        return;
    }
    if let Ok(marker) = std::env::var("LOOPBATCH_TEST_KILL_MARKER") {
        let _ = std::fs::write(marker, point);
    }
    if std::env::var_os("LOOPBATCH_TEST_KILL_HOW").is_some_and(|h| h == "panic") {
        panic!("kill point {point}");
    }
    // Like `kill -9` where the system allows it (no core dump to write).
    #[cfg(target_os = "linux")]
    // SAFETY: sends a signal to this very process; no memory is touched.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    std::process::abort();
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn reached(_point: &str) {}
