//! The run's events on the terminal: a bar on a terminal, plain lines
//! otherwise, nothing when quiet; warnings and the results' whereabouts.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::i18n::Lang;
use crate::job::Event;
use crate::messages::{MemoryMessage, Message, RunMessage, Text};
use crate::outcome::Status;

enum Display {
    Bar(ProgressBar),
    Lines { total: usize, last: Instant },
    Quiet,
}

pub(super) struct Terminal {
    lang: Lang,
    quiet: bool,
    display: Mutex<Display>,
    done: Mutex<(usize, usize)>,
    /// The pacing rate now, calls per second.
    rate: Mutex<f64>,
}

impl Terminal {
    pub(super) fn new(lang: Lang, quiet: bool) -> Terminal {
        Terminal { lang, quiet, display: Mutex::new(Display::Quiet), done: Mutex::new((0, 0)), rate: Mutex::new(0.0) }
    }

    pub(super) fn show(&self, event: Event) {
        let lang = self.lang;
        match event {
            Event::Warning { message } => super::warn(lang, &message),
            Event::Rerun { rows_again, rows_kept } => {
                eprintln!("{}", RunMessage::Rerunning { again: rows_again, kept: rows_kept }.text(lang))
            }
            Event::Remembered { rows_done, rows_to_send, rows_held, tenant, plain_loopback } => {
                if !self.quiet {
                    let counts = MemoryMessage::Counts { rows_done, rows_to_send, rows_held, tenant: &tenant };
                    eprintln!("{}", counts.text(lang));
                    eprintln!("{}", MemoryMessage::Limits.text(lang));
                }
                if plain_loopback {
                    super::warn(lang, &MemoryMessage::PlainLoopback { endpoint: &tenant }.text(lang));
                }
            }
            Event::Started { base_url, calls, key, rate, rate_per_s } => {
                *self.rate.lock().unwrap_or_else(|e| e.into_inner()) = rate_per_s;
                self.started(&base_url, calls, &key, &rate);
            }
            Event::RateChanged { per_s } => *self.rate.lock().unwrap_or_else(|e| e.into_inner()) = per_s,
            Event::CallDone { status, .. } => self.call_done(status),
            Event::ResultsFailed { message, .. } => eprintln!("{}", Message::Error { text: &message }.text(lang)),
            Event::ResultsWritten { path, instead_of: Some(_) } => {
                eprintln!("{}", RunMessage::ResultsWrittenInstead { path: &path }.text(lang))
            }
            Event::ResultsWritten { .. } | Event::Paused { .. } | Event::Stopping { .. } => {}
        }
    }

    fn started(&self, base_url: &str, calls: usize, key: &str, rate: &str) {
        let lang = self.lang;
        if !self.quiet {
            eprintln!("{}", RunMessage::Sending { base_url, calls, key, rate }.text(lang));
        }
        *self.display.lock().unwrap_or_else(|e| e.into_inner()) = display(calls, self.quiet, lang);
    }

    fn call_done(&self, status: Status) {
        let (done, errors) = {
            let mut d = self.done.lock().unwrap_or_else(|e| e.into_inner());
            d.0 += 1;
            d.1 += usize::from(status.is_error());
            *d
        };
        let lang = self.lang;
        // Formatted only when shown: this runs once per call.
        let pace = || {
            let rate = *self.rate.lock().unwrap_or_else(|e| e.into_inner());
            RunMessage::Pace { rate }.text(lang)
        };
        match &mut *self.display.lock().unwrap_or_else(|e| e.into_inner()) {
            Display::Bar(pb) => {
                pb.set_position(done as u64);
                pb.set_message(RunMessage::CallsBar { errors, pace: &pace() }.text(lang));
            }
            Display::Lines { total, last } => {
                if last.elapsed() >= Duration::from_secs(5) || done == *total {
                    *last = Instant::now();
                    eprintln!("{}", RunMessage::CallsLine { done, total: *total, errors, pace: &pace() }.text(lang));
                }
            }
            Display::Quiet => {}
        }
    }
}

fn display(total: usize, quiet: bool, lang: Lang) -> Display {
    if quiet {
        return Display::Quiet;
    }
    if !std::io::stderr().is_terminal() {
        return Display::Lines { total, last: Instant::now() };
    }
    let pb = ProgressBar::new(total as u64);
    let template = RunMessage::ProgressBar.text(lang);
    let style = ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()).with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.1}/s", state.per_sec());
        },
    );
    pb.set_style(style);
    Display::Bar(pb)
}
