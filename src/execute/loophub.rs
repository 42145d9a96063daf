//! The LoopHub folder list, fetched once through the engine's client.
//!
//! The route and method are not documented by Cegid: they come from
//! `[routes] loophub` and `loophub_method`. The body is `{apiKey, domain}`,
//! apiKey being the key-id half of x-apikey (shown masked, never the secret).

use crate::config::{Config, Keys};
use crate::error::{Failure, Result};
use crate::portfolio::{Portfolio, parse};

use super::backoff::Backoff;
use super::client::{Answer, Client, fatal_message};

/// Fetches the whole portfolio of the cabinet `domain` (else the
/// configuration's), retrying throttled and transient answers.
pub(crate) async fn fetch(cfg: &Config, domain: Option<&str>, keys: Keys) -> Result<Portfolio> {
    let lang = cfg.lang;
    let domain = domain.map(str::to_string).or_else(|| cfg.domain.clone()).filter(|d| !d.trim().is_empty()).ok_or_else(|| {
        Failure::unusable(lang.t(
            "Domaine du cabinet inconnu : indiquez --domain CODE ou domain = \"CODE\" dans loopbatch.toml (le code du cabinet dans LoopHub).",
            "Unknown cabinet domain: give --domain CODE or domain = \"CODE\" in loopbatch.toml (the cabinet's code in LoopHub).",
        ))
    })?;
    let (key_id, masked) = (keys.key_id().to_string(), keys.masked_id());
    let client = Client::for_config(cfg, keys.subscription, keys.api, Vec::new())?;
    let body = serde_json::json!({"apiKey": key_id, "domain": domain}).to_string();
    let what = format!(
        "{} {} {} ({} {})",
        lang.t("Liste LoopHub", "LoopHub list"),
        cfg.routes.loophub_method,
        &*cfg.routes.loophub,
        lang.t("clé", "key"),
        masked
    );
    let backoff = Backoff::default();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (answer, bytes) = client.send_raw(&cfg.routes.loophub_method, &cfg.routes.loophub, &body).await;
        let wait = match answer {
            Answer::Success { .. } => {
                let folders = bytes.as_deref().and_then(parse).ok_or_else(|| {
                    Failure::stopped(format!(
                        "{what} : {}",
                        lang.t(
                            "réponse illisible (tableau JSON de dossiers attendu). Vérifiez [routes] loophub et loophub_method.",
                            "unreadable answer (a JSON array of dossiers was expected). Check [routes] loophub and loophub_method."
                        )
                    ))
                })?;
                return Ok(Portfolio::new(folders));
            }
            Answer::Throttled { wait, .. } if attempts <= cfg.retries => {
                wait.unwrap_or_else(|| backoff.delay(attempts)).min(cfg.max_retry_after)
            }
            Answer::Transient { .. } if attempts <= cfg.retries => backoff.delay(attempts),
            Answer::Fatal { kind, status, message, .. } => {
                let hint = lang.t(
                    "route inconnue de la passerelle : la route LoopHub n'est pas documentée, réglez [routes] loophub et loophub_method dans loopbatch.toml",
                    "route unknown to the gateway: the LoopHub route is undocumented, set [routes] loophub and loophub_method in loopbatch.toml",
                );
                return Err(Failure::stopped(format!(
                    "{what} : {}",
                    fatal_message(kind, status, &message, Some(hint), lang)
                )));
            }
            Answer::Business { message, status, .. } => {
                return Err(Failure::stopped(format!("{what} : HTTP {status} : {message}")));
            }
            Answer::Transient { detail, .. } => return Err(Failure::stopped(format!("{what} : {detail}"))),
            Answer::Throttled { status, .. } => return Err(Failure::stopped(format!("{what} : HTTP {status}"))),
        };
        tokio::time::sleep(wait).await;
    }
}
