//! How long to wait before sending again after a transient failure: full
//! jitter (a random delay up to base × 2^n, capped), so that clients that
//! failed together do not come back together. The one policy of the engine.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Backoff {
    /// First step.
    pub base: Duration,
    /// No wait is longer.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff { base: Duration::from_millis(250), cap: Duration::from_secs(30) }
    }
}

impl Backoff {
    /// The wait before try `n + 1` (n ≥ 1 failures so far).
    pub(crate) fn delay(&self, n: u32) -> Duration {
        self.ceiling(n).mul_f64(rand::rng().random::<f64>())
    }

    /// The longest wait after `n` failures.
    pub(crate) fn ceiling(&self, n: u32) -> Duration {
        self.base.saturating_mul(2u32.saturating_pow(n.min(16))).min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps() {
        let b = Backoff::default();
        assert_eq!(b.ceiling(1), Duration::from_millis(500));
        assert_eq!(b.ceiling(3), Duration::from_secs(2));
        assert_eq!(b.ceiling(20), Duration::from_secs(30));
        for n in 1..10 {
            assert!(b.delay(n) <= b.ceiling(n));
        }
    }
}
