//! The only module that speaks HTTP to Cegid Loop: builds the request
//! (headers, URL under the base path) and sorts every answer into what the
//! engine must do with it. `classify` is pure so that it can be tested on any
//! status and body, JSON, plain text, HTML or truncated.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::Value;

use crate::config::{Config, Secret};
use crate::error::{CauseKind, Failure, Refusal, Result, SystemCause};
use crate::i18n::Lang;
use crate::loop_api::{API_KEY_HEADER, SUBSCRIPTION_KEY_HEADER};
use crate::messages::{CallText, RouteHint, Text as _, TransportFault};

/// What an answer means for the engine.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// 2xx, or an answer listed as meaning "already done".
    /// `already`: the answer says what the call asks for was there before
    /// (one of the « already done » answers, or a « déjà » success).
    Success { status: u16, message: String, object_id: String, request_id: String, already: bool },
    /// A final business refusal: its French message goes to the row as is.
    Business { status: u16, message: String, request_id: String },
    /// 429, or 403/503 with Retry-After: wait, slow the whole pool down.
    Throttled { status: u16, wait: Option<Duration>, request_id: String },
    /// May succeed if sent again (5xx, timeout, connection trouble).
    /// `maybe_applied`: the request went out and may have been applied.
    Transient { status: Option<u16>, maybe_applied: bool, detail: String, request_id: String },
    /// Nothing more should be sent: wrong key, forbidden, wrong route.
    Fatal { status: u16, kind: FatalKind, message: String, request_id: String },
}

pub(crate) use crate::loop_api::FatalKind;

pub(crate) struct Client {
    /// Sends the keys (marked sensitive) and the JSON headers with every request.
    http: reqwest::Client,
    base_url: String,
    /// Each route's address, parsed once: a run sends thousands of calls
    /// to a handful of routes (parsing it each time cost more than 4 % of
    /// the engine's CPU).
    urls: std::sync::Mutex<Vec<(String, reqwest::Url)>>,
    already_done: Vec<String>,
    lang: Lang,
}

/// A URL's scheme and host (brackets of an IPv6 host removed).
pub(crate) fn host_of(url: &str) -> Option<(String, String)> {
    let u = reqwest::Url::parse(url).ok()?;
    Some((u.scheme().to_string(), u.host_str()?.trim_matches(['[', ']']).to_string()))
}

/// An endpoint as a run records it: scheme, lower-cased host, port (the
/// scheme's own when not given), path without its trailing slash. An
/// address that does not parse is kept as written (`check_base_url` refuses
/// it before anything is sent).
pub(crate) fn normalized_endpoint(url: &str) -> String {
    let Ok(u) = reqwest::Url::parse(url.trim()) else { return url.trim().to_string() };
    let host = u.host_str().unwrap_or_default().to_lowercase();
    let port = u.port_or_known_default().map(|p| format!(":{p}")).unwrap_or_default();
    format!("{}://{host}{port}{}", u.scheme(), u.path().trim_end_matches('/'))
}

/// The instance id a simulator on this machine sends with every answer,
/// read with a GET on the base path (which changes nothing); `None` when
/// nothing answers or the answer has none (not a simulator). Only for a
/// loopback address: nothing is asked of a remote host.
pub(crate) async fn simulator_instance(base_url: &str) -> Option<String> {
    if !is_loopback(base_url) {
        return None;
    }
    let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().ok()?;
    let answer = http.get(base_url).send().await.ok()?;
    let id = answer.headers().get(crate::loop_api::SIMULATOR_INSTANCE_HEADER)?.to_str().ok()?;
    Some(id.to_string()).filter(|s| !s.is_empty())
}

/// Whether a URL points at this machine (127.0.0.0/8, ::1, localhost).
pub fn is_loopback(url: &str) -> bool {
    host_of(url).is_some_and(|(_, h)| {
        h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    })
}

/// https everywhere; plain http only to this machine.
pub(crate) fn check_base_url(url: &str) -> Result<()> {
    match host_of(url) {
        Some((s, _)) if s == "https" => Ok(()),
        Some((s, _)) if s == "http" && is_loopback(url) => Ok(()),
        Some((s, h)) if s == "http" => Err(Failure::refused(Refusal::AddressRefused { host: h })),
        _ => Err(Failure::refused(Refusal::InvalidAddress { url: url.to_string() })),
    }
}

/// What a fatal answer means, for the user: which key or setting to fix.
pub(crate) fn fatal_message(kind: FatalKind, status: u16, message: &str, route: RouteHint<'_>, lang: Lang) -> String {
    CallText::Fatal { kind, status, message, route }.text(lang)
}

/// A call's own outcome when the gateway refused a key: which key, in
/// words that fit both front ends (the run's stop, said by each front end,
/// names the way to fix it); any other fatal answer as `fatal_message`.
pub(crate) fn fatal_row_message(
    kind: FatalKind,
    status: u16,
    message: &str,
    route: RouteHint<'_>,
    lang: Lang,
) -> String {
    CallText::FatalRow { kind, status, message, route }.text(lang)
}

/// Joins a route under the base URL's path; never drops that path.
pub(crate) fn join(base_url: &str, route: &str) -> String {
    format!("{}/{}", base_url.trim_end_matches('/'), route.trim_start_matches('/'))
}

impl Client {
    /// The client of a run or of the LoopHub list: the configuration's
    /// address (checked first) and timeouts, the given keys.
    pub(crate) fn for_config(
        cfg: &Config,
        subscription_key: Secret,
        api_key: Secret,
        already_done: Vec<String>,
    ) -> Result<Client> {
        let lang = cfg.lang;
        check_base_url(&cfg.base_url)?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .timeout(cfg.request_timeout)
            .user_agent(concat!("loopbatch/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers(&subscription_key, &api_key));
        // Cabinets sit behind proxies (system settings and HTTPS_PROXY are
        // honoured), but this machine is never reached through one.
        if is_loopback(&cfg.base_url) {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| Failure::refused(Refusal::HttpClient { error: SystemCause::within(&e, CauseKind::Other) }))?;
        Ok(Client { http, base_url: cfg.base_url.clone(), urls: Default::default(), already_done, lang })
    }

    /// Sends one call (its JSON body as is) and classifies its answer.
    pub(crate) async fn send(&self, method: &str, route: &str, body: &str) -> Answer {
        match self.exchange(method, route, body).await {
            Ok((status, headers, bytes)) => classify(status, &headers, &bytes, &self.already_done),
            Err(answer) => answer,
        }
    }

    /// Sends one call; returns its classified answer and, when the body
    /// could be read, the body itself (the LoopHub list needs it).
    pub(crate) async fn send_raw(&self, method: &str, route: &str, body: &str) -> (Answer, Option<Vec<u8>>) {
        match self.exchange(method, route, body).await {
            Ok((status, headers, bytes)) => {
                (classify(status, &headers, &bytes, &self.already_done), Some(bytes.to_vec()))
            }
            Err(answer) => (answer, None),
        }
    }

    /// The address of `route`, parsed once per route (a few dozen at most
    /// are kept); `None` when it does not parse.
    fn url(&self, route: &str) -> Option<reqwest::Url> {
        let mut urls = self.urls.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, url)) = urls.iter().find(|(r, _)| r == route) {
            return Some(url.clone());
        }
        let url = reqwest::Url::parse(&join(&self.base_url, route)).ok()?;
        if urls.len() < 64 {
            urls.push((route.to_string(), url.clone()));
        }
        Some(url)
    }

    /// One request and its whole answer (status, headers, body), or what a
    /// failure to get it means.
    async fn exchange(
        &self,
        method: &str,
        route: &str,
        body: &str,
    ) -> std::result::Result<(u16, HeaderMap, impl std::ops::Deref<Target = [u8]>), Answer> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::POST);
        let request = match self.url(route) {
            Some(url) => self.http.request(method, url),
            // Said by reqwest as before: an address it cannot parse.
            None => self.http.request(method, join(&self.base_url, route)),
        };
        let sent = request.body(body.to_owned()).send().await;
        let mut response = sent.map_err(|e| transport_error(&e, self.lang))?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        match response.bytes().await {
            Ok(bytes) => Ok((status, headers, bytes)),
            Err(e) => {
                let mut a = transport_error(&e, self.lang);
                if let Answer::Transient { status: s, maybe_applied, .. } = &mut a {
                    *s = Some(status);
                    *maybe_applied = true;
                }
                Err(a)
            }
        }
    }
}

/// The headers of every request: the two keys (never shown, even in a
/// debug print) and JSON both ways.
fn headers(subscription_key: &Secret, api_key: &Secret) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut secret = |name: &'static str, s: &Secret| {
        if let Ok(mut v) = HeaderValue::from_str(s.expose()) {
            v.set_sensitive(true);
            h.insert(name, v);
        }
    };
    secret(SUBSCRIPTION_KEY_HEADER, subscription_key);
    secret(API_KEY_HEADER, api_key);
    h.insert("Content-Type", HeaderValue::from_static("application/json"));
    h.insert("Accept", HeaderValue::from_static("application/json, text/plain, */*"));
    h
}

fn transport_error(e: &reqwest::Error, lang: Lang) -> Answer {
    // Connection refused: nothing went out. Anything later (timeout, reset,
    // closed before the answer) may have reached the server.
    let maybe_applied = !e.is_connect();
    let fault = if e.is_timeout() {
        TransportFault::Timeout
    } else if e.is_connect() {
        TransportFault::Connect
    } else {
        TransportFault::Cut
    };
    let detail = CallText::Transport(fault).text(lang);
    Answer::Transient { status: None, maybe_applied, detail, request_id: String::new() }
}

fn request_id(headers: &HeaderMap) -> String {
    ["requestid", "x-request-id", "x-ms-request-id"]
        .iter()
        .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
        .unwrap_or_default()
        .to_string()
}

/// The human message of an answer: `message` of a JSON object, a JSON
/// string, or the plain text; HTML pages and empty bodies give "".
pub(crate) fn message_of(body: &[u8]) -> String {
    read_body(body).0
}

/// The objectId of an `interloc` answer, when there is one.
pub(crate) fn object_id_of(body: &[u8]) -> String {
    read_body(body).1
}

/// A JSON value kept only when it is a string.
#[derive(Default)]
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Text, D::Error> {
        Ok(Text(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            _ => None,
        }))
    }
}

/// What the engine reads of a JSON object answer; the rest is skipped
/// unparsed (this runs once per call).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Fields {
    message: Text,
    #[serde(rename = "Message")]
    message_capitalized: Text,
    error_description: Text,
    error: Text,
    title: Text,
    interloc: Option<Value>,
}

/// An answer's message (its first text field among the usual ones, or the
/// text itself) and, for a contact created, its objectId; read in one pass.
fn read_body(body: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() || text.starts_with('<') {
        return (String::new(), String::new());
    }
    if text.starts_with('{')
        && let Ok(f) = serde_json::from_str::<Fields>(text)
    {
        let message = [f.message, f.message_capitalized, f.error_description, f.error, f.title]
            .into_iter()
            .find_map(|t| t.0)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let object_id = f
            .interloc
            .as_ref()
            .and_then(|v| v.pointer("/data/objectId"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_default();
        return (message, object_id);
    }
    // Anything else (a JSON string, an array, an object with repeated
    // keys, plain text) is read whole.
    let parsed = serde_json::from_str::<Value>(text);
    let object_id = parsed
        .as_ref()
        .ok()
        .and_then(|v| v.pointer("/interloc/data/objectId").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let message = match parsed {
        Ok(Value::Object(o)) => ["message", "Message", "error_description", "error", "title"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        Ok(Value::String(s)) => s.trim().to_string(),
        Ok(_) => String::new(),
        Err(_) => text.chars().take(1000).collect(),
    };
    (message, object_id)
}

/// `Retry-After` in seconds, or as an HTTP date (RFC 9110): the wait from now.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s.min(1e9)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

fn same_sentence(a: &str, b: &str) -> bool {
    let f = |s: &str| s.trim().trim_end_matches('.').trim().to_lowercase();
    f(a) == f(b)
}

/// Sorts an answer (status, headers, body) into what the engine must do.
pub(crate) fn classify(status: u16, headers: &HeaderMap, body: &[u8], already_done: &[String]) -> Answer {
    let request_id = request_id(headers);
    let (message, object_id) = read_body(body);
    let done = status < 500 && already_done.iter().any(|a| same_sentence(a, &message));
    if (200..300).contains(&status) || done {
        let already = done || crate::loop_api::says_already(&message);
        return Answer::Success { status, message, object_id, request_id, already };
    }
    let wait = retry_after(headers);
    match status {
        429 => Answer::Throttled { status, wait, request_id },
        403 | 503 if wait.is_some() => Answer::Throttled { status, wait, request_id },
        401 => {
            let kind = if crate::loop_api::names_the_subscription_key(&message) {
                FatalKind::SubscriptionKey
            } else {
                FatalKind::ApiKey
            };
            Answer::Fatal { status, kind, message, request_id }
        }
        403 => Answer::Fatal { status, kind: FatalKind::Forbidden, message, request_id },
        404 if crate::loop_api::says_route_unknown(&message) => {
            Answer::Fatal { status, kind: FatalKind::RouteNotFound, message, request_id }
        }
        // The gateway waited for the backend in vain (502, 504): the call
        // may well have been applied. 408 and 503: it was not taken.
        408 | 502 | 503 | 504 => Answer::Transient {
            status: Some(status),
            maybe_applied: matches!(status, 502 | 504),
            detail: if message.is_empty() { format!("HTTP {status}") } else { message },
            request_id,
        },
        // A 500 that carries a business sentence is an answer, not a fault.
        500..=599 if crate::loop_api::says_nothing_of_the_business(&message) => Answer::Transient {
            status: Some(status),
            maybe_applied: false,
            detail: format!("HTTP {status}"),
            request_id,
        },
        _ => Answer::Business { status, message, request_id },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(status: u16, body: &str, ra: Option<&str>) -> Answer {
        let mut h = HeaderMap::new();
        h.insert("requestid", HeaderValue::from_static("rid-1"));
        if let Some(ra) = ra {
            h.insert("retry-after", HeaderValue::from_str(ra).unwrap());
        }
        classify(status, &h, body.as_bytes(), &["L'application est déjà affectée à l'interlocuteur.".into()])
    }

    #[test]
    fn answers_are_sorted() {
        assert!(
            matches!(c(200, r#"{"interloc":{"data":{"objectId":"u1"}}}"#, None), Answer::Success { object_id, .. } if object_id == "u1")
        );
        assert!(matches!(c(200, "L'application est déjà affectée à l'interlocuteur.", None), Answer::Success { .. }));
        assert!(matches!(
            c(400, r#"{"message":"L'application est déjà affectée à l'interlocuteur"}"#, None),
            Answer::Success { already: true, .. }
        ));
        let other_words = ["Offer assigned before".to_string()];
        let answer = classify(400, &HeaderMap::new(), br#"{"message":"Offer assigned before."}"#, &other_words);
        assert!(matches!(answer, Answer::Success { already: true, .. }), "{answer:?}");
        assert!(matches!(c(200, r#"{"message":"ajoutée"}"#, None), Answer::Success { already: false, .. }));
        assert!(
            matches!(c(400, r#"{"message":"interlocuteur n'existe pas"}"#, None), Answer::Business { message, .. } if message == "interlocuteur n'existe pas")
        );
        assert!(matches!(c(409, "texte brut", None), Answer::Business { message, .. } if message == "texte brut"));
        assert!(matches!(
            c(500, r#"{"message":"L'e-mail de cet interlocuteur est déjà associé à un autre interlocuteur"}"#, None),
            Answer::Business { .. }
        ));
        assert!(matches!(
            c(500, r#"{"statusCode":500,"message":"Internal server error"}"#, None),
            Answer::Transient { .. }
        ));
        assert!(matches!(c(502, "<html>502</html>", None), Answer::Transient { .. }));
        assert!(
            matches!(c(429, "{}", Some("3")), Answer::Throttled { wait: Some(w), .. } if w == Duration::from_secs(3))
        );
        assert!(matches!(c(503, "", Some("2")), Answer::Throttled { .. }));
        // An HTTP date: the wait until then; a date past is no wait.
        let in_a_minute = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(61));
        let Answer::Throttled { wait: Some(w), .. } = c(429, "{}", Some(&in_a_minute)) else { panic!("a date") };
        assert!(w > Duration::from_secs(55) && w <= Duration::from_secs(61), "{w:?}");
        let past = c(429, "{}", Some("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert!(matches!(past, Answer::Throttled { wait: Some(w), .. } if w == Duration::ZERO));
        assert!(matches!(c(403, "", Some("60")), Answer::Throttled { .. }));
        assert!(matches!(
            c(403, r#"{"statusCode":403,"message":"Forbidden"}"#, None),
            Answer::Fatal { kind: FatalKind::Forbidden, .. }
        ));
        assert!(matches!(
            c(401, r#"{"message":"Access denied due to invalid subscription key."}"#, None),
            Answer::Fatal { kind: FatalKind::SubscriptionKey, .. }
        ));
        assert!(matches!(c(401, "{}", None), Answer::Fatal { kind: FatalKind::ApiKey, .. }));
        assert!(matches!(
            c(404, r#"{"statusCode":404,"message":"Resource not found"}"#, None),
            Answer::Fatal { kind: FatalKind::RouteNotFound, .. }
        ));
        assert!(matches!(c(404, r#"{"message":"Le dossier client X n'existe pas."}"#, None), Answer::Business { .. }));
        // Truncated JSON is read as text, never a panic.
        assert!(matches!(c(400, r#"{"message":"tronq"#, None), Answer::Business { .. }));
    }

    #[test]
    fn join_keeps_the_base_path() {
        assert_eq!(
            join("https://api.cegid.com/loop-api-publiques", "/x/y"),
            "https://api.cegid.com/loop-api-publiques/x/y"
        );
        assert_eq!(join("http://127.0.0.1:1/base/", "x"), "http://127.0.0.1:1/base/x");
    }
}
