//! The engine's options and progress, as a run of the library gives them.

use std::time::Duration;

use crate::config::Config;
use crate::execute::{ExecOptions, Progress, StopReason};
use crate::i18n::Lang;
use crate::outcome::CallOutcome;
use crate::plan::Call;

use super::events::{Event, EventSink, Front};
use super::fold::stop_text;

pub(super) fn exec_options(cfg: &Config) -> ExecOptions {
    ExecOptions {
        rate: cfg.rate,
        burst: cfg.burst,
        concurrency: cfg.concurrency,
        retries: cfg.retries,
        max_retry_after: cfg.max_retry_after,
        backoff: Default::default(),
        lang: cfg.lang,
        known_applied: Default::default(),
        not_assigned: cfg.not_assigned.clone(),
    }
}

/// The engine's progress, as events.
pub(super) struct EventProgress {
    pub events: EventSink,
    pub lang: Lang,
    pub front: Front,
}

impl Progress for EventProgress {
    fn call_done(&self, call: &Call, outcome: &CallOutcome, skipped: bool) {
        (self.events)(Event::CallDone {
            call: call.id,
            operation: call.operation.name().to_string(),
            dossier: call.dossier.to_string(),
            status: outcome.status,
            message: outcome.message.clone(),
            skipped,
        });
    }

    fn paused(&self, wait: Duration) {
        (self.events)(Event::Paused { wait });
    }

    fn stopping(&self, reason: &StopReason) {
        let interrupted = *reason == StopReason::Interrupted;
        (self.events)(Event::Stopping { reason: stop_text(reason, self.front, self.lang), interrupted });
    }

    fn rate_changed(&self, per_s: f64) {
        (self.events)(Event::RateChanged { per_s });
    }
}
