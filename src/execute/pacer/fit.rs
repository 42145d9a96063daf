//! What a gateway's answers say about its limit: a token bucket's rate,
//! fitted to the successes and refusals the pacer saw.

use std::time::Duration;

use tokio::time::Instant;

/// The first burst: when each success came and when the 429 did, in
/// seconds after the first success.
#[derive(Debug)]
pub(super) struct Burst {
    pub(super) successes: Vec<f64>,
    pub(super) refused: f64,
}

/// The most successes within any one second.
pub(super) fn most_in_one_second(times: &[Instant]) -> usize {
    let mut first = 0;
    let mut most = 0;
    for (i, t) in times.iter().enumerate() {
        while t.duration_since(times[first]) >= Duration::from_secs(1) {
            first += 1;
        }
        most = most.max(i + 1 - first);
    }
    most
}

/// The refill rate of a token bucket full at `from` that let `times`
/// through, then refused a call at `now`: the rates that leave at least no
/// token after each success and less than one at the refusal. Its size is
/// a whole number of calls; the first burst's answers bound the rate for
/// each size alike. The size whose two bounds agree best wins; among equals,
/// the fastest, and a rate high in what they allow: too fast costs one more
/// 429 later, too slow a long climb.
pub(super) fn bucket_rate(times: &[Instant], from: Instant, now: Instant, first: &Burst) -> Option<f64> {
    // The fewest tokens after a success, and those at the refusal.
    let tokens = |size: f64, rate: f64| {
        let (mut tokens, mut at, mut least) = (size, from, size);
        for t in times {
            tokens = (tokens + rate * t.duration_since(at).as_secs_f64()).min(size) - 1.0;
            least = least.min(tokens);
            at = *t;
        }
        (least, (tokens + rate * now.saturating_duration_since(at).as_secs_f64()).min(size))
    };
    let calls = first.successes.len() as f64;
    let best = (0..8)
        .map(|less| calls - f64::from(less))
        .take_while(|size| *size >= 1.0)
        .filter_map(|size| {
            let low = increasing_root(|r| tokens(size, r).0)?;
            let high = increasing_root(|r| tokens(size, r).1 - 1.0)?;
            // The first burst: a token at each success, less than one at its 429.
            let first_low = first
                .successes
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, t)| (i as f64 + 1.0 - size) / t)
                .fold(0.0, f64::max);
            let first_high = (calls + 1.0 - size) / first.refused;
            let (lo, hi) = (low.max(first_low), high.min(first_high));
            let misfit = (lo - hi).max(0.0);
            // Three quarters up: past the middle, not at the edge.
            let (lo, hi) = if misfit > 0.0 { (low, high) } else { (lo, hi) };
            Some((misfit, lo + 0.75 * (hi - lo)))
        })
        .reduce(|a, b| if b.0 < a.0 - 1e-9 || (b.0 <= a.0 + 1e-9 && b.1 > a.1) { b } else { a })?;
    Some(best.1)
}

/// Where `f`, growing with the rate, crosses zero (none when it never does
/// below 10^7/s, or is already above it at 0).
fn increasing_root(f: impl Fn(f64) -> f64) -> Option<f64> {
    if f(0.0) >= 0.0 {
        return None;
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    while f(hi) < 0.0 {
        hi *= 2.0;
        if hi > 1e7 {
            return None;
        }
    }
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if f(mid) < 0.0 { lo = mid } else { hi = mid }
    }
    Some((lo + hi) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_s_rate_is_read_from_when_it_emptied() {
        // A bucket of 5 at 20/s, full at t0, met at 25/s: 21 calls go
        // through, the 22nd (0.84 s) finds 0.8 token.
        let t0 = Instant::now();
        let times: Vec<Instant> = (0..21).map(|i| t0 + Duration::from_millis(40 * i)).collect();
        let now = t0 + Duration::from_millis(840);
        // Its first burst, at 100/s: five calls, the sixth refused.
        let first = Burst { successes: vec![0.0, 0.01, 0.02, 0.03, 0.04], refused: 0.05 };
        let rate = bucket_rate(&times, t0, now, &first).unwrap();
        assert!((rate - 20.0).abs() < 0.5, "{rate}");
    }
}
