//! The token-bucket throttling model (as API Management's v2 tiers): a key
//! holds at most `burst` tokens, refilled at the rate; a call takes one.

use std::time::{Duration, Instant};

pub(super) struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    pub(super) fn full(burst: u32, now: Instant) -> Bucket {
        Bucket { tokens: f64::from(burst), at: now }
    }

    /// Takes a token, or says how long until one is there.
    pub(super) fn take(&mut self, now: Instant, burst: u32, per_second: f64) -> Result<(), Duration> {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * per_second;
        self.tokens = (self.tokens + refill).min(f64::from(burst));
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - self.tokens) / per_second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::full(5, t0);
        for _ in 0..5 {
            assert!(b.take(t0, 5, 20.0).is_ok());
        }
        let wait = b.take(t0, 5, 20.0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.05).abs() < 1e-9, "one token in 1/20 s: {wait:?}");
        // Refilled at 20/s, never above the burst.
        assert!(b.take(t0 + Duration::from_millis(50), 5, 20.0).is_ok());
        let later = t0 + Duration::from_secs(10);
        for _ in 0..5 {
            assert!(b.take(later, 5, 20.0).is_ok());
        }
        assert!(b.take(later, 5, 20.0).is_err());
    }
}
