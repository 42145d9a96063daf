//! The pool's pacing: how fast calls go out, for the whole pool.
//!
//! A rate that can change while the run goes (governor's cannot): sends are
//! spaced by GCRA (at most `burst` at once, then one per 1/rate), and a
//! throttled answer (429, or 403/503 with Retry-After) pauses every send
//! for the Retry-After *and* cuts the rate to what the gateway accepted,
//! once per throttling episode (the throttled answers of calls sent before
//! the cut do not cut again). What it accepted is read from the answers
//! alone, since the gateway was last fresh (the end of the last pause),
//! on the clock of the sends: a gateway refuses in milliseconds while the
//! calls it accepted wait for the backend, so a success counts when its
//! call was sent, and the cut waits until every call sent before the
//! refused one is answered (a 429 with nothing accepted since the gateway
//! was fresh only pauses):
//! - within a second of it, the count is a burst, not a rate (a token
//!   bucket's size, or a 1-s window's): the rate starts from that count per
//!   second and doubles every half second until the gateway refuses again
//!   (no slot further than half a second apart meanwhile);
//! - once some second held more successes than the first burst, the
//!   gateway is a token bucket: its size the whole number of calls that
//!   fits the first burst's answers, its rate the one that leaves it empty
//!   at the 429 (pacer/fit.rs);
//! - otherwise, the successes per second since then.
//!
//! After a measured cut the rate starts 5 % below (a bucket, refilled
//! during the pause, at once at the target), is back within `RETURN` to
//! just under what was accepted (`HOLD`), then probes above it
//! along a cubic (as TCP CUBIC and the AWS SDKs' adaptive mode), far more
//! slowly each time an episode confirms the same limit; `ceiling`
//! (`--rate`) is never passed.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::Stopper;
use fit::{Burst, bucket_rate, most_in_one_second};

mod fit;

/// Over how long accepted calls are counted when the gateway throttles.
pub const WINDOW: Duration = Duration::from_secs(10);
/// After a cut, the rate starts this far below what was accepted, so that
/// the gateway's window drains.
const BACK_OFF: f64 = 0.95;
/// The share of the accepted rate held after a cut: a window refuses what
/// timer jitter pushes over its exact limit, a bucket a rate read a little
/// high.
const HOLD: f64 = 0.98;
/// How long the rate takes to climb back to `HOLD` after a measured cut.
const RETURN: f64 = 2.0;
/// After a burst, the rate starts from its count per second and doubles
/// this often (seconds) until refused.
const DOUBLING: f64 = 0.5;
/// The cubic's steepness above `HOLD` (per second cubed, as a share of the
/// accepted rate) before any confirmation; divided by `CONFIRMED` each time
/// an episode confirms the limit.
const STEEPNESS: f64 = 0.00001;
const CONFIRMED: f64 = 8.0;
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
    /// Successes, by when their call was sent (the gateway accepted them
    /// when they arrived, not when their answer came back), for the
    /// accepted rate.
    successes: VecDeque<Instant>,
    /// When each call handed out by `turn` and not yet answered was sent.
    unanswered: Vec<Instant>,
    /// A 429 whose episode is not measured yet: calls sent before it are
    /// still unanswered.
    pending: Option<Pending>,
    started: Instant,
    first_sent: Option<Instant>,
    /// What the gateway let through before its first 429, when that came
    /// within a second.
    first_burst: Option<Burst>,
    /// Some second held more successes than that burst: a token bucket.
    bucket: bool,
    /// The rate last reported (events say when it moved).
    reported: f64,
    /// Moves on at each pause or cut: reservations made before are void.
    epoch: u64,
}

#[derive(Clone, Copy)]
struct Pending {
    /// When the refused call was sent.
    refused: Instant,
    /// When its 429 came back: calls sent until then are of its episode.
    answered: Instant,
}

#[derive(Clone, Copy)]
struct Cut {
    at: Instant,
    /// When growth starts: the end of the pause.
    grow_from: Instant,
    start_rate: f64,
    accepted: f64,
    /// The rate climbed back to, just under the accepted one.
    hold: f64,
    /// The accepted count was a burst: look for the rate quickly.
    searching: bool,
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
            unanswered: Vec::new(),
            pending: None,
            started: now,
            first_sent: None,
            first_burst: None,
            bucket: false,
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
        let hold = cut.hold;
        let r = if cut.searching {
            cut.start_rate * (t / DOUBLING).exp2()
        } else if t < RETURN && cut.start_rate < hold {
            // Fast while far below, slowly near it.
            hold - (hold - cut.start_rate) * (1.0 - t / RETURN).powi(3)
        } else {
            let t = (t - RETURN).max(0.0);
            hold * (1.0 + s.steepness * t.powi(3))
        };
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
                return Some(self.sending(now));
            }
            tokio::select! {
                _ = tokio::time::sleep_until(slot) => {}
                _ = stop.interrupted() => return None,
            }
            if self.lock().epoch == epoch && !stop.is_interrupted() {
                return Some(self.sending(Instant::now()));
            }
        }
    }

    /// The pace's interval at `t`: while searching, never longer than a
    /// doubling, so that the search moves.
    fn interval_at(&self, s: &State, t: Instant) -> Duration {
        let interval = Duration::from_secs_f64(1.0 / self.rate_at(s, t));
        match s.cut.is_some_and(|c| c.searching) {
            true => interval.min(Duration::from_secs_f64(DOUBLING)),
            false => interval,
        }
    }

    /// A call goes at `at`: unanswered until `success` or `throttled`.
    fn sending(&self, at: Instant) -> Instant {
        let mut s = self.lock();
        // A call never answered (a run stopping) does not hold a
        // measurement back for more than `WINDOW`.
        s.unanswered.retain(|t| at.saturating_duration_since(*t) < WINDOW);
        s.unanswered.push(at);
        at
    }

    /// The call sent at `sent_at` is answered.
    fn answered(s: &mut State, sent_at: Instant) {
        if let Some(i) = s.unanswered.iter().position(|t| *t == sent_at) {
            s.unanswered.swap_remove(i);
        }
    }

    /// GCRA with reservation: the slot is the first moment the pace allows
    /// (at most `burst` at once, never inside a pause); the next slot moves
    /// one interval on.
    fn reserve(&self, now: Instant) -> (Instant, u64) {
        let mut s = self.lock();
        let tolerance = self.interval_at(&s, now) * (self.burst - 1);
        let mut slot = now.max(s.tat.checked_sub(tolerance).unwrap_or(s.tat));
        if let Some(p) = s.pause_until {
            slot = slot.max(p);
        }
        // The rate at the slot: slots reserved during a pause follow the
        // climb after it, not the rate at the pause's start.
        let interval = self.interval_at(&s, slot);
        s.tat = s.tat.max(slot) + interval;
        s.first_sent.get_or_insert(slot);
        (slot, s.epoch)
    }

    /// The call sent at `sent_at` was answered, and not throttled.
    pub fn success(&self, sent_at: Instant) {
        let now = Instant::now();
        let mut s = self.lock();
        Self::answered(&mut s, sent_at);
        s.successes.push_back(sent_at);
        s.successes.retain(|t| now.saturating_duration_since(*t) <= WINDOW);
        self.measure(&mut s, now);
    }

    /// A call not sent after all, or answered without a word on the limit
    /// (tests).
    #[cfg(test)]
    fn forget(&self, sent_at: Instant) {
        let mut s = self.lock();
        Self::answered(&mut s, sent_at);
        self.measure(&mut s, Instant::now());
    }

    /// The gateway throttled a call sent at `sent_at`: every send waits
    /// `wait`; the rate is cut unless this episode already cut it. The cut
    /// waits for the answers of the calls sent before the refused one (the
    /// gateway accepted or refused them before it). Returns the new rate
    /// when it was cut now.
    pub fn throttled(&self, sent_at: Instant, wait: Duration) -> Option<f64> {
        let now = Instant::now();
        let mut s = self.lock();
        Self::answered(&mut s, sent_at);
        let until = now + wait;
        let pause_until = s.pause_until.map_or(until, |p| p.max(until));
        s.pause_until = Some(pause_until);
        // Sends start again from the pause's end, at the rate then.
        s.tat = pause_until;
        s.epoch += 1;
        let same_episode = s.cut.is_some_and(|c| sent_at <= c.at) || s.pending.is_some();
        if !same_episode {
            s.pending = Some(Pending { refused: sent_at, answered: now });
        }
        let cut = s.cut.map(|c| c.at);
        self.measure(&mut s, now);
        let cut_now = s.cut.is_some_and(|c| Some(c.at) != cut);
        cut_now.then(|| self.rate_at(&s, now))
    }

    /// Cuts the rate for the pending 429 once every call sent before it is
    /// answered.
    fn measure(&self, s: &mut State, now: Instant) {
        let Some(p) = s.pending else { return };
        if s.unanswered.iter().any(|t| *t <= p.refused && now.saturating_duration_since(*t) < WINDOW) {
            return;
        }
        s.pending = None;
        let fresh = s.cut.map_or(s.first_sent.unwrap_or(s.started), |c| c.grow_from);
        // Refused with nothing accepted since the gateway was fresh (at
        // once after a pause, or from the start): the pause was short, the
        // rate is not known to be lower.
        if !s.successes.iter().any(|t| *t >= fresh && *t <= p.refused) {
            return;
        }
        let before = self.rate_at(s, now);
        let (accepted, burst, bucket) = self.accepted(s, p.refused);
        // The limit confirmed near where it was: probe above it more slowly.
        let confirmed = s.cut.is_some_and(|c| (accepted - c.accepted).abs() <= 0.15 * c.accepted);
        if confirmed {
            s.steepness = (s.steepness / CONFIRMED).max(STEEPNESS / 512.0);
        }
        let searching = burst && !confirmed;
        let hold = accepted * HOLD;
        // A bucket refills during the pause, and a burst was sent in less
        // than a second: both start from there; a window must drain first.
        let start_rate = match (searching, bucket) {
            (true, _) => accepted,
            (false, true) => hold,
            (false, false) => accepted * BACK_OFF,
        };
        let start_rate = start_rate.min(before).max(FLOOR);
        let grow_from = s.pause_until.unwrap_or(now);
        let cut = Cut { at: p.answered.max(now), grow_from, start_rate, accepted, hold, searching };
        s.cut = Some(cut);
        s.epoch += 1;
    }

    /// What the gateway accepted since it was last fresh (at most `WINDOW`
    /// ago) until it refused the call sent at `now`, per second, all in
    /// the moments calls were sent; whether that was a burst rather than a
    /// rate, and whether it is a token bucket's rate.
    fn accepted(&self, s: &mut State, now: Instant) -> (f64, bool, bool) {
        let fresh = s.cut.map_or(s.first_sent.unwrap_or(s.started), |c| c.grow_from);
        let from = fresh.max(now.checked_sub(WINDOW).unwrap_or(fresh));
        let mut times: Vec<Instant> = s.successes.iter().filter(|t| **t >= from && **t <= now).copied().collect();
        times.sort();
        let count = times.len() as f64;
        let span = now.saturating_duration_since(from).as_secs_f64();
        if let Some(first) = times.first().filter(|_| s.cut.is_none() && span < 1.0) {
            let successes = times.iter().map(|t| t.duration_since(*first).as_secs_f64()).collect();
            s.first_burst = Some(Burst { successes, refused: now.duration_since(*first).as_secs_f64() });
        }
        if let Some(burst) = &s.first_burst {
            // Answers bunch a little: a bucket only well over a 1-s window.
            s.bucket |= most_in_one_second(&times) as f64 > burst.successes.len() as f64 + 1.5;
            if let Some(rate) = s.bucket.then(|| bucket_rate(&times, from, now, burst)).flatten() {
                return (rate.max(FLOOR), false, true);
            }
        }
        if span < 1.0 {
            return (count.max(FLOOR), true, false);
        }
        ((count / span).max(FLOOR), false, false)
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
            p.success(Instant::now());
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
                p.success(t);
            }
        }
        // The gateway accepted 20 in 0.4 s: a burst, counted per second.
        let first = p.throttled(in_flight[20], Duration::from_secs(1)).expect("the first 429 cuts");
        assert!((first - 20.0).abs() < 0.01, "the search for the rate starts from the burst's 20/s: {first}");
        // The 429s of the calls sent before the cut do not cut again.
        for t in &in_flight[21..] {
            assert_eq!(p.throttled(*t, Duration::from_secs(1)), None);
        }
        assert!((p.rate() - first).abs() < 0.01);
        // A call sent after the cut that meets a 429 opens a new episode.
        tokio::time::advance(Duration::from_secs(2)).await;
        let t = p.turn(&stop).await.unwrap();
        p.success(t);
        assert!(p.throttled(t, Duration::from_secs(1)).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_measured_cut_back_within_seconds_then_probes_slowly() {
        let p = Pacer::new(100.0, 1);
        let stop = Stopper::default();
        // The gateway accepts one call in five for two seconds: 20/s.
        let start = Instant::now();
        let mut last = start;
        for i in 1.. {
            last = p.turn(&stop).await.unwrap();
            if last >= start + Duration::from_secs(2) {
                break;
            }
            if i % 5 == 0 {
                p.success(last);
            } else {
                p.forget(last);
            }
        }
        let cut = p.throttled(last, Duration::from_secs(1)).unwrap();
        assert!((cut - 19.0).abs() < 0.2, "95 % of the accepted 20/s: {cut}");
        tokio::time::advance(Duration::from_secs(1)).await;
        let r0 = p.rate();
        assert!((r0 - cut).abs() < 0.01, "no growth during the pause");
        tokio::time::advance(Duration::from_secs(1)).await;
        let r1 = p.rate();
        tokio::time::advance(Duration::from_secs(1)).await;
        let r2 = p.rate();
        assert!(r1 - r0 > r2 - r1, "concave below the accepted rate: {r0} {r1} {r2}");
        assert!(r2 >= 0.98 * 20.0 - 0.2, "back just under it within 2 s of the pause: {r2}");
        tokio::time::advance(Duration::from_secs(3)).await;
        assert!(p.rate() < 20.2, "slowly past it: {}", p.rate());
        tokio::time::advance(Duration::from_secs(30)).await;
        assert!(p.rate() > 22.0, "then probes further: {}", p.rate());
    }

    /// A gateway on the paused clock: a token bucket of `size` refilled at
    /// `rate`, or with no size a 1-s sliding window of `rate` calls; every
    /// call is refused during its Retry-After (whole seconds, at least 1).
    struct Gateway {
        size: Option<f64>,
        rate: f64,
        tokens: f64,
        at: Instant,
        window: VecDeque<Instant>,
        retry_until: Instant,
        refused: u32,
    }

    impl Gateway {
        fn new(size: Option<f64>, rate: f64) -> Gateway {
            let now = Instant::now();
            let tokens = size.unwrap_or(0.0);
            Gateway { size, rate, tokens, at: now, window: VecDeque::new(), retry_until: now, refused: 0 }
        }

        fn call(&mut self, now: Instant) -> Result<(), Duration> {
            if now < self.retry_until {
                self.refused += 1;
                return Err(self.retry_until - now);
            }
            let wait = match self.size {
                Some(size) => {
                    self.tokens = (self.tokens + self.rate * (now - self.at).as_secs_f64()).min(size);
                    self.at = now;
                    if self.tokens >= 1.0 {
                        self.tokens -= 1.0;
                        return Ok(());
                    }
                    (1.0 - self.tokens) / self.rate
                }
                None => {
                    while self.window.front().is_some_and(|t| now - *t >= Duration::from_secs(1)) {
                        self.window.pop_front();
                    }
                    if (self.window.len() as f64) < self.rate {
                        self.window.push_back(now);
                        return Ok(());
                    }
                    1.0 - (now - self.window[0]).as_secs_f64()
                }
            };
            self.refused += 1;
            let wait = Duration::from_secs_f64(wait.ceil().max(1.0));
            self.retry_until = now + wait;
            Err(wait)
        }
    }

    /// Sends until `n` calls are accepted, one at a time, answered at once;
    /// returns the time taken and the accepted rates of the cuts.
    async fn send_through(p: &Pacer, g: &mut Gateway, n: u32) -> (f64, Vec<f64>) {
        let stop = Stopper::default();
        let start = Instant::now();
        let (mut ok, mut cuts) = (0, Vec::new());
        while ok < n {
            let t = p.turn(&stop).await.unwrap();
            // Up to a millisecond on the way, as on a real network.
            tokio::time::advance(Duration::from_micros(u64::from(ok + g.refused) * 7919 % 1000)).await;
            match g.call(Instant::now()) {
                Ok(()) => {
                    p.success(t);
                    ok += 1;
                }
                Err(wait) => {
                    if p.throttled(t, wait).is_some() {
                        cuts.push(p.lock().cut.unwrap().accepted);
                    }
                }
            }
        }
        (Instant::now().duration_since(start).as_secs_f64(), cuts)
    }

    /// Sends `n` calls through `concurrency` places, as a run does: the
    /// gateway accepts or refuses each call when it arrives; a 429 comes
    /// back at once, a success `latency` after the send (the backend's
    /// time). Every refused call is sent again. Returns the time taken and
    /// the calls sent after a 429 came back that met its Retry-After.
    async fn send_with_latency(
        p: Arc<Pacer>,
        g: Gateway,
        n: u32,
        concurrency: usize,
        latency: Duration,
    ) -> (f64, u32, u32) {
        use std::sync::Mutex as M;
        let stop = Stopper::default();
        let start = Instant::now();
        let g = Arc::new(M::new(g));
        // Until when the last 429 that came back forbids sending.
        let retry_until = Arc::new(M::new(start));
        let (ok, during) = (Arc::new(M::new(0u32)), Arc::new(M::new(0u32)));
        let places = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        let mut sent = 0u32;
        while *ok.lock().unwrap() < n {
            let place = places.clone().acquire_owned().await.unwrap();
            if *ok.lock().unwrap() >= n {
                break;
            }
            let t = p.turn(&stop).await.unwrap();
            if t < *retry_until.lock().unwrap() {
                *during.lock().unwrap() += 1;
            }
            sent += 1;
            let jitter = Duration::from_micros(u64::from(sent) * 7919 % 1000);
            let (p, g, retry_until, ok) = (p.clone(), g.clone(), retry_until.clone(), ok.clone());
            tasks.spawn(async move {
                tokio::time::sleep(jitter).await;
                let answer = g.lock().unwrap().call(Instant::now());
                match answer {
                    Ok(()) => {
                        tokio::time::sleep(latency).await;
                        p.success(t);
                        *ok.lock().unwrap() += 1;
                    }
                    Err(wait) => {
                        let until = Instant::now() + wait;
                        let mut r = retry_until.lock().unwrap();
                        *r = (*r).max(until);
                        p.throttled(t, wait);
                    }
                }
                drop(place);
            });
        }
        while tasks.join_next().await.is_some() {}
        let refused = g.lock().unwrap().refused;
        let during = *during.lock().unwrap();
        (Instant::now().duration_since(start).as_secs_f64(), refused, during)
    }

    #[tokio::test(start_paused = true)]
    async fn answers_slower_than_429s_do_not_hide_what_was_accepted() {
        // A bucket of 5 at 20/s, and a 1-s window of 5 calls; successes
        // answered 200 ms (or 50 ms) after the send, 429s at once.
        for (size, rate, ceiling) in [(Some(5.0), 20.0, 100.0), (None, 5.0, 25.0)] {
            for (ms, concurrency) in [(200, 16), (50, 8)] {
                let p = Arc::new(Pacer::new(ceiling, 1));
                let g = Gateway::new(size, rate);
                let latency = Duration::from_millis(ms);
                let (secs, refused, during) = send_with_latency(p, g, 300, concurrency, latency).await;
                let case = format!("{size:?} at {rate}/s, {ms} ms");
                let floor = 300.0 / rate;
                assert!(secs <= 1.15 * floor, "{case}: {secs:.1} s for 300 calls (floor {floor} s)");
                assert!(refused <= 9, "{case}: {refused} refused");
                assert_eq!(during, 0, "{case}: sent during a Retry-After");
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_bucket_s_burst_is_not_taken_for_its_rate() {
        for gateway_rate in [5.0, 20.0] {
            let p = Pacer::new(5.0 * gateway_rate, 1);
            let mut g = Gateway::new(Some(5.0), gateway_rate);
            let (secs, cuts) = send_through(&p, &mut g, 300).await;
            let floor = 300.0 / gateway_rate;
            eprintln!("DBG {gateway_rate}: {secs:.1} {cuts:?} {}", g.refused);
            assert!(cuts[0] <= 7.0, "{gateway_rate}/s: the first cut counts the burst: {cuts:?}");
            let last = *cuts.last().unwrap();
            assert!((last - gateway_rate).abs() <= 0.05 * gateway_rate, "{gateway_rate}/s: found the rate: {cuts:?}");
            assert!(secs <= 1.15 * floor, "{gateway_rate}/s: {secs:.1} s for 300 calls (floor {floor} s): {cuts:?}");
            assert!(g.refused <= 9, "{gateway_rate}/s: {} refused: {cuts:?}", g.refused);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn back_to_the_accepted_rate_within_three_seconds_once_429s_stop() {
        let p = Pacer::new(100.0, 1);
        let mut g = Gateway::new(Some(5.0), 20.0);
        // Until the cut that measured the bucket's rate (the burst's, then the search's).
        let (_, cuts) = send_through(&p, &mut g, 60).await;
        assert!(cuts.len() >= 2 && cuts[1] > 18.0, "{cuts:?}");
        let refused = g.refused;
        let cut = p.lock().cut.unwrap();
        assert!((cut.accepted - 20.0).abs() <= 0.03 * 20.0, "the bucket's rate: {cuts:?}");
        tokio::time::advance(cut.grow_from.saturating_duration_since(Instant::now()) + Duration::from_secs(3)).await;
        assert!(p.rate() >= HOLD * cut.accepted, "{} 3 s after the pause: {cuts:?}", p.rate());
        send_through(&p, &mut g, 60).await;
        assert_eq!(g.refused, refused, "and holds it without a 429");
    }

    #[tokio::test(start_paused = true)]
    async fn a_one_second_window_is_held_just_under_its_limit() {
        for gateway_rate in [5.0, 20.0] {
            let p = Pacer::new(5.0 * gateway_rate, 1);
            let mut g = Gateway::new(None, gateway_rate);
            let (secs, cuts) = send_through(&p, &mut g, 300).await;
            let floor = 300.0 / gateway_rate;
            assert!(cuts.iter().all(|c| (c - gateway_rate).abs() <= 0.05 * gateway_rate), "{cuts:?}");
            assert!(secs <= 1.15 * floor, "{gateway_rate}/s: {secs:.1} s for 300 calls (floor {floor} s): {cuts:?}");
            assert!(g.refused <= 9, "{gateway_rate}/s: {} refused: {cuts:?}", g.refused);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_burst_when_a_pause_ends() {
        let p = Arc::new(Pacer::new(100.0, 3));
        let stop = Stopper::default();
        let t0 = p.turn(&stop).await.unwrap();
        p.success(t0);
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
