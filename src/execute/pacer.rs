//! The pool's pacing: how fast calls go out, for the whole pool.
//!
//! A rate that can change while the run goes (governor's cannot): sends are
//! spaced by GCRA (at most `burst` at once, then one per 1/rate), and a
//! throttled answer (429, or 403/503 with Retry-After) pauses every send
//! for the Retry-After *and* cuts the rate to what the gateway actually
//! accepted: the successes of the last `WINDOW` seconds (paused time left
//! out), per second. Once per throttling episode: the throttled answers of
//! calls sent before the cut do not cut again. The rate then grows back
//! along a cubic (as TCP CUBIC and the AWS SDKs' adaptive mode): fast while
//! far below the last rate the gateway accepted, slowly near it, probing
//! above it more and more slowly each time it is confirmed; `ceiling`
//! (`--rate`) is never passed.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::Stopper;

/// Over how long accepted calls are counted when the gateway throttles.
pub const WINDOW: Duration = Duration::from_secs(5);
/// After a cut, the rate starts this far below what was accepted, so that
/// the gateway's window drains.
const BACK_OFF: f64 = 0.95;
/// The cubic's steepness (per second cubed, as a share of the accepted rate)
/// before any confirmation; halved each time an episode confirms the limit.
const STEEPNESS: f64 = 0.001;
/// No slower than this (calls per second), whatever was measured.
const FLOOR: f64 = 0.2;

pub struct Pacer {
    ceiling: f64,
    burst: u32,
    state: Mutex<State>,
}

struct State {
    /// GCRA's theoretical arrival time of the next call.
    tat: Instant,
    pause_until: Option<Instant>,
    /// The last cut: when, the rate then, and the accepted rate measured.
    cut: Option<Cut>,
    /// Steepness of the growth after the current cut.
    steepness: f64,
    /// Successes, for the accepted rate.
    successes: VecDeque<Instant>,
    started: Instant,
    /// The rate last reported (events say when it moved).
    reported: f64,
    /// Moves on at each pause or cut: reservations made before are void.
    epoch: u64,
}

#[derive(Clone, Copy)]
struct Cut {
    at: Instant,
    /// When growth starts: the end of the pause.
    grow_from: Instant,
    start_rate: f64,
    accepted: f64,
}

impl Pacer {
    pub fn new(ceiling_per_s: f64, burst: u32) -> Pacer {
        let now = Instant::now();
        let ceiling = ceiling_per_s.max(FLOOR);
        let state = State {
            tat: now,
            pause_until: None,
            cut: None,
            steepness: STEEPNESS,
            successes: VecDeque::new(),
            started: now,
            reported: ceiling,
            epoch: 0,
        };
        Pacer { ceiling, burst: burst.max(1), state: Mutex::new(state) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The sending rate now (calls per second).
    pub fn rate(&self) -> f64 {
        self.rate_at(&self.lock(), Instant::now())
    }

    fn rate_at(&self, s: &State, now: Instant) -> f64 {
        let Some(cut) = s.cut else { return self.ceiling };
        let t = now.saturating_duration_since(cut.grow_from).as_secs_f64();
        // r(t) = A·(1 + c·(t − K)³), with r(0) = the start rate.
        let c = s.steepness;
        let gap = (1.0 - cut.start_rate / cut.accepted).max(0.0);
        let k = (gap / c).cbrt();
        let r = cut.accepted * (1.0 + c * (t - k).powi(3));
        r.clamp(FLOOR, self.ceiling)
    }

    /// Waits for this call's turn: the end of any pause, then its place in
    /// the pace. `None` when `stop` was triggered meanwhile (nothing may be
    /// sent). Returns the moment the call may go.
    ///
    /// Each caller reserves its own slot and sleeps until it, so a send
    /// wakes one waiter, not all of them; a pause or a cut made meanwhile
    /// voids the reservations made before it (they reserve again).
    pub async fn turn(&self, stop: &Stopper) -> Option<Instant> {
        loop {
            if stop.is_interrupted() {
                return None;
            }
            let now = Instant::now();
            let (slot, epoch) = self.reserve(now);
            if slot <= now {
                return Some(now);
            }
            tokio::select! {
                _ = tokio::time::sleep_until(slot) => {}
                _ = stop.interrupted() => return None,
            }
            if self.lock().epoch == epoch && !stop.is_interrupted() {
                return Some(Instant::now());
            }
        }
    }

    /// GCRA with reservation: the slot is the first moment the pace allows
    /// (at most `burst` at once, never inside a pause); the next slot moves
    /// one interval on.
    fn reserve(&self, now: Instant) -> (Instant, u64) {
        let mut s = self.lock();
        let interval = Duration::from_secs_f64(1.0 / self.rate_at(&s, now));
        let tolerance = interval * (self.burst - 1);
        let mut slot = now.max(s.tat.checked_sub(tolerance).unwrap_or(s.tat));
        if let Some(p) = s.pause_until {
            slot = slot.max(p);
        }
        s.tat = s.tat.max(slot) + interval;
        (slot, s.epoch)
    }

    /// A call was accepted.
    pub fn success(&self) {
        let now = Instant::now();
        let mut s = self.lock();
        s.successes.push_back(now);
        while s.successes.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            s.successes.pop_front();
        }
    }

    /// The gateway throttled a call sent at `sent_at`: every send waits
    /// `wait`; the rate is cut unless this episode already cut it. Returns
    /// the new rate when it was cut.
    pub fn throttled(&self, sent_at: Instant, wait: Duration) -> Option<f64> {
        let now = Instant::now();
        let mut s = self.lock();
        let until = now + wait;
        let pause_until = s.pause_until.map_or(until, |p| p.max(until));
        s.pause_until = Some(pause_until);
        // Sends start again from the pause's end, at the rate then.
        s.tat = pause_until;
        s.epoch += 1;
        if s.cut.is_some_and(|c| sent_at <= c.at) {
            return None;
        }
        let accepted = self.accepted(&s, now);
        let before = self.rate_at(&s, now);
        // The limit confirmed near where it was: probe above it more slowly.
        if s.cut.is_some_and(|c| (accepted - c.accepted).abs() <= 0.15 * c.accepted) {
            s.steepness = (s.steepness / 2.0).max(STEEPNESS / 64.0);
        }
        let start_rate = (accepted * BACK_OFF).min(before).max(FLOOR);
        let grow_from = s.pause_until.unwrap_or(now);
        s.cut = Some(Cut { at: now, grow_from, start_rate, accepted: accepted.max(FLOOR) });
        Some(self.rate_at(&s, now))
    }

    /// Calls accepted per second over the window, paused time left out.
    fn accepted(&self, s: &State, now: Instant) -> f64 {
        let from = (now.checked_sub(WINDOW).unwrap_or(s.started)).max(s.started);
        let from = s.cut.map_or(from, |c| from.max(c.grow_from));
        let count = s.successes.iter().filter(|t| **t >= from).count();
        let span = now.saturating_duration_since(from).as_secs_f64().max(1.0);
        count as f64 / span
    }

    /// The rate, when it moved by 5 % or more since last reported.
    pub fn moved(&self) -> Option<f64> {
        let now = Instant::now();
        let mut s = self.lock();
        let r = self.rate_at(&s, now);
        if (r - s.reported).abs() < 0.05 * s.reported {
            return None;
        }
        s.reported = r;
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Sends as fast as the pacer lets for `for_how_long`; returns the
    /// moments of the sends.
    async fn send_for(p: &Pacer, stop: &Stopper, for_how_long: Duration) -> Vec<Instant> {
        let end = Instant::now() + for_how_long;
        let mut sent = Vec::new();
        while Instant::now() < end {
            match p.turn(stop).await {
                Some(t) if t < end => sent.push(t),
                _ => break,
            }
        }
        sent
    }

    fn most_in_one_second(sent: &[Instant]) -> usize {
        sent.iter()
            .map(|a| sent.iter().filter(|b| **b >= *a && b.duration_since(*a) < Duration::from_secs(1)).count())
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn never_above_the_ceiling() {
        let p = Pacer::new(50.0, 5);
        let stop = Stopper::default();
        let sent = send_for(&p, &stop, Duration::from_secs(10)).await;
        assert!(most_in_one_second(&sent) <= 50 + 5, "{}", most_in_one_second(&sent));
        assert!(sent.len() >= 490, "keeps the pace: {}", sent.len());
        // Growth after a cut never passes the ceiling either.
        for _ in 0..100 {
            p.success();
        }
        p.throttled(Instant::now(), Duration::from_secs(1));
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert!(p.rate() <= 50.0);
    }

    #[tokio::test(start_paused = true)]
    async fn one_cut_per_throttling_episode() {
        let p = Pacer::new(100.0, 1);
        let stop = Stopper::default();
        let mut in_flight = Vec::new();
        for _ in 0..40 {
            let t = p.turn(&stop).await.unwrap();
            in_flight.push(t);
            if in_flight.len() <= 20 {
                p.success();
            }
        }
        // The gateway accepted 20 in 0.4 s (counted over one second at least).
        let first = p.throttled(in_flight[20], Duration::from_secs(1)).expect("the first 429 cuts");
        assert!((first - 19.0).abs() < 0.01, "cut to 95 % of the accepted 20/s: {first}");
        // The 429s of the calls sent before the cut do not cut again.
        for t in &in_flight[21..] {
            assert_eq!(p.throttled(*t, Duration::from_secs(1)), None);
        }
        assert!((p.rate() - first).abs() < 0.01);
        // A call sent after the cut that meets a 429 opens a new episode.
        tokio::time::advance(Duration::from_secs(2)).await;
        let t = p.turn(&stop).await.unwrap();
        p.success();
        assert!(p.throttled(t, Duration::from_secs(1)).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn grows_back_fast_far_below_and_slowly_near_the_accepted_rate() {
        let p = Pacer::new(100.0, 1);
        let stop = Stopper::default();
        let sent = send_for(&p, &stop, Duration::from_secs(1)).await;
        for _ in 0..20 {
            p.success();
        }
        let cut = p.throttled(*sent.last().unwrap(), Duration::from_secs(1)).unwrap();
        tokio::time::advance(Duration::from_secs(1)).await;
        let r0 = p.rate();
        assert!((r0 - cut).abs() < 0.01, "no growth during the pause");
        tokio::time::advance(Duration::from_secs(2)).await;
        let r2 = p.rate();
        tokio::time::advance(Duration::from_secs(2)).await;
        let r4 = p.rate();
        assert!(r2 - r0 > r4 - r2, "concave below the accepted rate: {r0} {r2} {r4}");
        tokio::time::advance(Duration::from_secs(4)).await;
        let r8 = p.rate();
        assert!(r8 > 20.0 && r8 < 22.0, "slowly past it: {r8}");
        tokio::time::advance(Duration::from_secs(20)).await;
        assert!(p.rate() > 30.0, "then probes further: {}", p.rate());
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_burst_when_a_pause_ends() {
        let p = Arc::new(Pacer::new(100.0, 3));
        let stop = Stopper::default();
        let t0 = p.turn(&stop).await.unwrap();
        p.success();
        p.throttled(t0, Duration::from_secs(2));
        let mut waiting = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (p, stop) = (p.clone(), stop.clone());
            waiting.spawn(async move { p.turn(&stop).await.unwrap() });
        }
        let mut sent = Vec::new();
        while let Some(t) = waiting.join_next().await {
            sent.push(t.unwrap());
        }
        let resumed = *sent.iter().min().unwrap();
        assert!(resumed >= t0 + Duration::from_secs(2), "nothing during the pause");
        let at_once = sent.iter().filter(|t| t.duration_since(resumed) < Duration::from_millis(1)).count();
        assert!(at_once <= 3, "{at_once} sent together when the pause ended");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_a_pause_at_once() {
        let p = Arc::new(Pacer::new(10.0, 1));
        let stop = Stopper::default();
        let t0 = p.turn(&stop).await.unwrap();
        p.throttled(t0, Duration::from_secs(60));
        let waiter = {
            let (p, stop) = (p.clone(), stop.clone());
            tokio::spawn(async move { p.turn(&stop).await })
        };
        tokio::time::advance(Duration::from_secs(5)).await;
        let asked = Instant::now();
        stop.interrupt();
        let turn = waiter.await.unwrap();
        assert_eq!(turn, None, "nothing may be sent after a stop");
        assert!(Instant::now().duration_since(asked) < Duration::from_millis(100));
    }
}
