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
pub(crate) const WINDOW: Duration = Duration::from_secs(10);
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

pub(crate) struct Pacer {
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
    /// accepted rate; in that order.
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
    pub(crate) fn new(ceiling_per_s: f64, burst: u32) -> Pacer {
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
    pub(crate) fn rate(&self) -> f64 {
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
    pub(crate) async fn turn(&self, stop: &Stopper) -> Option<Instant> {
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
    pub(crate) fn success(&self, sent_at: Instant) {
        let now = Instant::now();
        let mut s = self.lock();
        Self::answered(&mut s, sent_at);
        // Kept in the order calls were sent (answers come nearly in that
        // order: the place is near the end), so that those older than the
        // window are at the front: never a scan of all of them per answer.
        let at = s.successes.partition_point(|t| *t <= sent_at);
        s.successes.insert(at, sent_at);
        while s.successes.front().is_some_and(|t| now.saturating_duration_since(*t) > WINDOW) {
            s.successes.pop_front();
        }
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
    pub(crate) fn throttled(&self, sent_at: Instant, wait: Duration) -> Option<f64> {
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
    pub(crate) fn moved(&self) -> Option<f64> {
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
mod tests;
