//! The LoopHub folder list, fetched once through the engine's client.
//!
//! The route and method are not documented by Cegid: they come from
//! `[routes] loophub` and `loophub_method`. The body is `{apiKey, domain}`,
//! apiKey being the key-id half of x-apikey (shown masked, never the secret).

use crate::config::{Config, Keys};
use crate::error::{Failure, Halt, LoopHubCall, LoopHubFault, Refusal, Result};
use crate::portfolio::{Portfolio, parse};

use super::backoff::Backoff;
use super::client::{Answer, Client};

/// Fetches the whole portfolio of the cabinet `domain` (else the
/// configuration's), retrying throttled and transient answers.
pub(crate) async fn fetch(cfg: &Config, domain: Option<&str>, keys: Keys) -> Result<Portfolio> {
    let domain = domain
        .map(str::to_string)
        .or_else(|| cfg.domain.clone())
        .filter(|d| !d.trim().is_empty())
        .ok_or(Failure::refused(Refusal::NoDomain))?;
    let (key_id, masked) = (keys.key_id().to_string(), keys.masked_id());
    let client = Client::for_config(cfg, keys.subscription, keys.api, Vec::new())?;
    let body = serde_json::json!({"apiKey": key_id, "domain": domain}).to_string();
    let call = LoopHubCall {
        method: cfg.routes.loophub_method.to_string(),
        route: cfg.routes.loophub.to_string(),
        key: masked.to_string(),
    };
    let halt = |fault| Failure::halted(Halt::LoopHub { call: call.clone(), fault });
    let backoff = Backoff::default();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (answer, bytes) = client.send_raw(&cfg.routes.loophub_method, &cfg.routes.loophub, &body).await;
        let wait = match answer {
            Answer::Success { .. } => {
                let folders = bytes.as_deref().and_then(parse).ok_or_else(|| halt(LoopHubFault::Unreadable))?;
                return Ok(Portfolio::new(folders));
            }
            Answer::Throttled { wait, .. } if attempts <= cfg.retries => {
                wait.unwrap_or_else(|| backoff.delay(attempts)).min(cfg.max_retry_after)
            }
            Answer::Transient { .. } if attempts <= cfg.retries => backoff.delay(attempts),
            Answer::Fatal { kind, status, message, .. } => {
                return Err(halt(LoopHubFault::Fatal { kind, status, message }));
            }
            Answer::Business { message, status, .. } => return Err(halt(LoopHubFault::Business { status, message })),
            Answer::Transient { detail, .. } => return Err(halt(LoopHubFault::Transient { detail })),
            Answer::Throttled { status, .. } => return Err(halt(LoopHubFault::Throttled { status })),
        };
        tokio::time::sleep(wait).await;
    }
}
