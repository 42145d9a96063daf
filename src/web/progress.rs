//! A run's progress as the page says it: every figure with its words
//! (« 84 appels sur 277 », « 3,6 appels par seconde », « fin estimée dans
//! 53 s »), the same sentences on the first render and in every live
//! update (the script writes them whole, labels included).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use maud::{Markup, html};
use serde::Serialize;

use crate::job::Lang;
use crate::messages::{AnswerText, Notice, Text};

/// How far back the pace is measured: the time left follows the recent
/// pace, not the average since the start (a resume, a pause).
const RECENT: Duration = Duration::from_secs(15);
/// Calls sent before a time left is said at all.
const ENOUGH: usize = 3;

/// Where a run is; its word (`data-state`, the live updates' `state`) is
/// what the page's script reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum RunState {
    Running,
    Paused,
    Done,
    Stopped,
    /// It could not start or go on (no key, a refused plan, a failure).
    Failed,
}

impl RunState {
    pub fn word(self) -> &'static str {
        self.into()
    }

    /// Still sending (or waiting to).
    pub fn going(self) -> bool {
        matches!(self, RunState::Running | RunState::Paused)
    }
}

/// What the page shows of a run, as its events left it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Progress {
    pub done: usize,
    pub total: usize,
    pub errors: usize,
    pub state: RunState,
    /// The state in the user's language.
    pub label: String,
    pub reason: String,
    /// The pacing rate allowed now (calls per second).
    pub rate: f64,
    /// The recent pace (calls sent per second).
    pub per_second: f64,
    /// Seconds left at the recent pace; none on a run that does not go.
    pub eta_s: Option<u64>,
    /// Each figure with its words, as shown.
    pub texts: Texts,
}

/// The sentences of the progress, by the id of the element showing each.
#[derive(Debug, Clone, Default, Serialize)]
pub(super) struct Texts {
    pub done: String,
    pub state: String,
    pub pace: String,
    pub speed: String,
    /// Empty (and hidden) on a run that does not go.
    pub eta: String,
    pub errors: String,
}

impl Progress {
    pub(super) fn new(total: usize, rate: f64) -> Progress {
        Progress {
            done: 0,
            total,
            errors: 0,
            state: RunState::Running,
            label: String::new(),
            reason: String::new(),
            rate,
            per_second: 0.0,
            eta_s: None,
            texts: Texts::default(),
        }
    }
}

/// The calls this run sent lately (not those a resume found done).
#[derive(Debug, Default)]
pub(super) struct Pace {
    first: Option<Instant>,
    recent: VecDeque<Instant>,
}

impl Pace {
    pub(super) fn sent(&mut self, at: Instant) {
        self.first.get_or_insert(at);
        self.recent.push_back(at);
        while self.recent.front().is_some_and(|t| at.duration_since(*t) > RECENT) {
            self.recent.pop_front();
        }
    }

    /// Calls per second over the recent window (or since the first call,
    /// when it is younger); none before a few calls.
    pub(super) fn per_second(&self, now: Instant) -> Option<f64> {
        let first = self.first?;
        let n = self.recent.iter().filter(|t| now.duration_since(**t) <= RECENT).count();
        if self.recent.len() < ENOUGH {
            return None;
        }
        let span = now.duration_since(first).min(RECENT).as_secs_f64().max(1.0);
        Some(n as f64 / span)
    }
}

/// A number with one decimal, as the language writes it (3,6 / 3.6).
fn decimal(x: f64, lang: Lang) -> String {
    let s = format!("{x:.1}");
    if lang == Lang::En { s } else { s.replace('.', ",") }
}

/// A duration in words: 53 s, 2 min 5 s, 1 h 3 min.
pub(super) fn duration(s: u64) -> String {
    match s {
        0..60 => format!("{s} s"),
        60..3600 if s.is_multiple_of(60) => format!("{} min", s / 60),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// The state in words; a pause says why and for how long.
pub(super) fn state_label(state: RunState, pause_left: Option<Duration>, lang: Lang) -> String {
    match state {
        RunState::Running => AnswerText::Running.say(lang).to_string(),
        RunState::Paused => {
            let s = pause_left.map_or(1, |d| d.as_secs_f64().ceil() as u64).max(1);
            Notice::Paused { wait: &duration(s) }.text(lang)
        }
        RunState::Done => AnswerText::Done.say(lang).to_string(),
        RunState::Stopped => AnswerText::Stopped.say(lang).to_string(),
        RunState::Failed => AnswerText::CouldNotStart.say(lang).to_string(),
    }
}

/// Fills the sentences from the figures.
pub(super) fn say(p: &mut Progress, pause_left: Option<Duration>, lang: Lang) {
    p.label = state_label(p.state, pause_left, lang);
    let going = p.state.going();
    p.texts = Texts {
        done: Notice::CallsDone { done: p.done, total: p.total }.text(lang),
        state: p.label.clone(),
        pace: Notice::PaceAllowed { rate: &decimal(p.rate, lang), per_second: p.rate }.text(lang),
        speed: Notice::Speed { rate: &decimal(p.per_second, lang), per_second: p.per_second }.text(lang),
        eta: match (going, p.eta_s) {
            (false, _) => String::new(),
            (true, Some(s)) => Notice::EtaIn { wait: &duration(s) }.text(lang),
            (true, None) => AnswerText::EtaBeingWorkedOut.say(lang).to_string(),
        },
        errors: Notice::Errors { n: p.errors }.text(lang),
    };
}

/// The progress block, as first rendered (the script then rewrites each
/// sentence whole).
pub(super) fn block(id: &str, p: &Progress, lang: Lang) -> Markup {
    let reason = matches!(p.state, RunState::Failed | RunState::Stopped).then_some(p.reason.as_str());
    let t = &p.texts;
    html! {
        div #progress data-testid="progress" data-done=(p.done) data-total=(p.total) data-state=(p.state.word())
            data-reason=[reason] data-run=(id) role="status" aria-live="polite" {
            progress max=(p.total.max(1)) value=(p.done) aria-label=(AnswerText::CallsDone.say(lang)) {}
            span.count #done data-testid="progress-done" { (t.done) }
            span.count #state data-testid="progress-state" { (t.state) }
            span.count #speed data-testid="progress-speed" { (t.speed) }
            span.count #eta data-testid="progress-eta" hidden[t.eta.is_empty()] { (t.eta) }
            span.count #errors data-testid="progress-errors" { (t.errors) }
            span.count #pace data-testid="progress-pace" { (t.pace) }
            @if let Some(r) = reason { p role="alert" data-testid="stop-reason" { (r) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_is_said_with_its_words() {
        let mut p = Progress::new(277, 3.8);
        p.done = 84;
        p.per_second = 3.6;
        p.eta_s = Some(53);
        p.errors = 4;
        say(&mut p, None, Lang::Fr);
        assert_eq!(p.texts.done, "84 appels sur 277");
        assert_eq!(p.texts.speed, "vitesse : 3,6 appels par seconde");
        assert_eq!(p.texts.pace, "cadence permise : 3,8 appels par seconde");
        assert_eq!(p.texts.eta, "fin estimée dans 53 s");
        assert_eq!(p.texts.errors, "4 erreurs");
        say(&mut p, None, Lang::En);
        assert_eq!(p.texts.done, "84 calls of 277");
        assert_eq!(p.texts.speed, "speed: 3.6 calls per second");
        p.state = RunState::Stopped;
        say(&mut p, None, Lang::Fr);
        assert_eq!(p.texts.eta, "", "no time left on a stopped run");
        p.state = RunState::Paused;
        say(&mut p, Some(Duration::from_millis(4200)), Lang::Fr);
        assert!(p.label.contains("Cegid Loop demande d'attendre 5 s"), "{}", p.label);
        assert_eq!(duration(125), "2 min 5 s");
    }

    #[test]
    fn the_pace_is_the_recent_one() {
        let t0 = Instant::now();
        let mut pace = Pace::default();
        assert_eq!(pace.per_second(t0), None);
        // 10 calls in the first second, then 20 s later 2 calls a second.
        for i in 0..10 {
            pace.sent(t0 + Duration::from_millis(i * 100));
        }
        for i in 1..=30 {
            pace.sent(t0 + Duration::from_secs(20) + Duration::from_millis(i * 500));
        }
        let now = t0 + Duration::from_secs(35);
        let rate = pace.per_second(now).unwrap();
        assert!((rate - 2.0).abs() < 0.2, "{rate}");
    }
}
