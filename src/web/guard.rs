//! Who may talk to the page's server: only the browser that opened it.
//!
//! The opening token is written in an owner-only local file (the browser is
//! pointed at that file, never at a command line with the token), works
//! once within `OPENING_TTL`, and is exchanged for an HttpOnly,
//! SameSite=Strict session cookie. Every request must name this server as
//! its Host (DNS rebinding), every POST must come from the page's own
//! Origin (other services on localhost share the site), and every answer
//! forbids inline script, framing and foreign resources.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use rand::Rng;

/// How long the opening token works.
pub(crate) const OPENING_TTL: Duration = Duration::from_secs(120);
/// How long a session works at most (and never longer than its server):
/// a working day; then `loopbatch ui` opens a new one.
pub(super) const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
pub(super) const COOKIE: &str = "loopbatch";

/// What every answer says about where its content may come from.
pub(super) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// A random secret as hex (128 bits and more: not guessable).
pub(super) fn secret() -> String {
    let bytes: [u8; 24] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) struct Guard {
    port: u16,
    /// `OPENING_TTL`, or shorter when asked (never longer).
    ttl: Duration,
    opening: Mutex<Option<(String, Instant)>>,
    session_ttl: Duration,
    /// Sessions and when they were opened.
    sessions: Mutex<HashMap<String, Instant>>,
}

/// Why a request is refused.
#[derive(Debug, PartialEq)]
pub(super) enum Refusal {
    /// Not this server's Host: a page of another site rebound to 127.0.0.1.
    Host,
    /// A POST whose Origin is missing or another site's.
    Origin,
    /// No session: open loopbatch from its own window.
    Session,
}

impl Guard {
    pub(super) fn port(&self) -> u16 {
        self.port
    }

    pub(super) fn new(port: u16, ttl: Duration) -> Guard {
        Guard {
            port,
            ttl: ttl.min(OPENING_TTL),
            opening: Mutex::new(None),
            session_ttl: SESSION_TTL,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// A fresh opening token (the previous one stops working).
    pub(super) fn new_opening(&self) -> String {
        let token = secret();
        *self.opening.lock().unwrap_or_else(|e| e.into_inner()) = Some((token.clone(), Instant::now()));
        token
    }

    /// Exchanges the opening token for a session, once, in time.
    pub(super) fn open(&self, token: &str) -> Option<String> {
        let mut opening = self.opening.lock().unwrap_or_else(|e| e.into_inner());
        let valid = opening
            .as_ref()
            .is_some_and(|(t, at)| constant_time_eq(t.as_bytes(), token.as_bytes()) && at.elapsed() <= self.ttl);
        if !valid {
            return None;
        }
        *opening = None;
        let session = secret();
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, opened| opened.elapsed() <= self.session_ttl);
        sessions.insert(session.clone(), Instant::now());
        Some(session)
    }

    /// The check every request but the opening goes through.
    pub(super) fn check(&self, req: &Request<Body>, needs_session: bool) -> Result<(), Refusal> {
        let headers = req.headers();
        let own = [format!("127.0.0.1:{}", self.port), format!("localhost:{}", self.port)];
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
        if !own.iter().any(|o| o.eq_ignore_ascii_case(host)) {
            return Err(Refusal::Host);
        }
        if req.method() != Method::GET && req.method() != Method::HEAD {
            let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok()).unwrap_or_default();
            if !own.iter().any(|o| origin.eq_ignore_ascii_case(&format!("http://{o}"))) {
                return Err(Refusal::Origin);
            }
        }
        if needs_session && !self.has_session(headers) {
            return Err(Refusal::Session);
        }
        Ok(())
    }

    fn has_session(&self, headers: &HeaderMap) -> bool {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().strip_prefix(COOKIE).and_then(|rest| rest.strip_prefix('=')))
            .any(|s| {
                sessions.iter().any(|(known, opened)| {
                    constant_time_eq(known.as_bytes(), s.as_bytes()) && opened.elapsed() <= self.session_ttl
                })
            })
    }
}

/// The cookie of a session: unreadable by scripts, never sent by another site.
pub(super) fn session_cookie(session: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Two secrets compared in a time that does not tell how much matched.
pub(super) fn same_secret(a: &str, b: &str) -> bool {
    !a.is_empty() && constant_time_eq(a.as_bytes(), b.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The headers every answer carries.
pub(super) fn harden(response: &mut Response<Body>) {
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Not "no-referrer": with it, a browser sends `Origin: null` on the
    // page's own form posts, which the Origin check must then refuse.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

impl Refusal {
    pub(super) fn status(&self) -> StatusCode {
        match self {
            Refusal::Host => StatusCode::MISDIRECTED_REQUEST,
            Refusal::Origin | Refusal::Session => StatusCode::FORBIDDEN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, host: &str, origin: Option<&str>, cookie: Option<&str>) -> Request<Body> {
        let mut r = Request::builder().method(method).uri("/").header(header::HOST, host);
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        r.body(Body::empty()).unwrap()
    }

    #[test]
    fn a_session_expires() {
        let mut g = Guard::new(4242, OPENING_TTL);
        g.session_ttl = Duration::from_millis(50);
        let session = g.open(&g.new_opening()).unwrap();
        let cookie = format!("{COOKIE}={session}");
        assert_eq!(g.check(&req(Method::GET, "127.0.0.1:4242", None, Some(&cookie)), true), Ok(()));
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(g.check(&req(Method::GET, "127.0.0.1:4242", None, Some(&cookie)), true), Err(Refusal::Session));
    }

    #[test]
    fn the_opening_works_once_and_only_for_this_host_and_origin() {
        let g = Guard::new(4242, OPENING_TTL);
        let token = g.new_opening();
        assert_eq!(g.open("wrong"), None);
        let session = g.open(&token).expect("first use");
        assert_eq!(g.open(&token), None, "works once");
        let cookie = format!("theme=x; {COOKIE}={session}");
        assert_eq!(g.check(&req(Method::GET, "127.0.0.1:4242", None, Some(&cookie)), true), Ok(()));
        assert_eq!(g.check(&req(Method::GET, "localhost:4242", None, Some(&cookie)), true), Ok(()));
        assert_eq!(g.check(&req(Method::GET, "evil.example:4242", None, Some(&cookie)), true), Err(Refusal::Host));
        assert_eq!(g.check(&req(Method::GET, "127.0.0.1:80", None, Some(&cookie)), true), Err(Refusal::Host));
        assert_eq!(g.check(&req(Method::GET, "127.0.0.1:4242", None, None), true), Err(Refusal::Session));
        let own = Some("http://127.0.0.1:4242");
        assert_eq!(g.check(&req(Method::POST, "127.0.0.1:4242", own, Some(&cookie)), true), Ok(()));
        assert_eq!(g.check(&req(Method::POST, "127.0.0.1:4242", None, Some(&cookie)), true), Err(Refusal::Origin));
        let other = Some("http://127.0.0.1:8080");
        assert_eq!(g.check(&req(Method::POST, "127.0.0.1:4242", other, Some(&cookie)), true), Err(Refusal::Origin));
        let forged = format!("{COOKIE}={}", secret());
        assert_eq!(g.check(&req(Method::GET, "127.0.0.1:4242", None, Some(&forged)), true), Err(Refusal::Session));
    }
}
