//! The pacer on tokio's paused clock: gateway models (window, bucket,
//! latency), ceilings, pauses, cuts and climbs.

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
