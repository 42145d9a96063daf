//! A later `loopbatch ui` of the same user gets a fresh opening from the
//! server already running, by challenge–response: the serving file (owner
//! only) holds the port and a key; the new process proves nothing and sends
//! nothing secret until the server has proved it holds that key
//! (HMAC(key, its nonce)); then it proves it too (HMAC over the server's
//! one-time nonce), never sending the key itself. Whatever listens on a
//! stale port learns nothing, and nothing it answers is written anywhere.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The challenge a new process sends (hex nonce).
pub(super) const CHALLENGE_HEADER: &str = "x-loopbatch-defi";
/// The server's own nonce, echoed with the client's proof.
pub(super) const SERVER_NONCE_HEADER: &str = "x-loopbatch-defi-serveur";
/// The client's proof: HMAC(key, "client:" + server nonce).
pub(super) const PROOF_HEADER: &str = "x-loopbatch-preuve";

/// How long a server nonce waits for the client's proof.
const NONCE_TTL: Duration = Duration::from_secs(30);
/// Nonces kept at once (older ones are dropped: a flood changes nothing).
const NONCES_KEPT: usize = 16;
/// The longest answer read from the port (an opening address is ~90 bytes).
const ANSWER_LIMIT: usize = 1024;

/// HMAC-SHA256(key, role:nonce) as hex; empty (never a match: see
/// `same_secret`) if the key were refused, which HMAC never does.
fn proof(key: &str, role: &str, nonce: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else { return String::new() };
    mac.update(role.as_bytes());
    mac.update(b":");
    mac.update(nonce.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn proof_matches(key: &str, role: &str, nonce: &str, given: &str) -> bool {
    super::guard::same_secret(given, &proof(key, role, nonce))
}

/// What the server remembers of the challenges it answered.
#[derive(Default)]
pub(super) struct Nonces(Mutex<VecDeque<(String, Instant)>>);

/// The server's side: an answer to a challenge, or the opening for a proof.
pub(super) enum Asked {
    /// The server's proof and its own nonce, for the client to prove back.
    Answer(String),
    /// The client proved the key: hand it a fresh opening.
    Proved,
    Refused,
}

impl Nonces {
    pub(super) fn ask(
        &self,
        key: &str,
        challenge: Option<&str>,
        server_nonce: Option<&str>,
        given: Option<&str>,
    ) -> Asked {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(_, at)| at.elapsed() <= NONCE_TTL);
        match (challenge, server_nonce, given) {
            (Some(c), None, None) if is_nonce(c) => {
                let mine = super::guard::secret();
                if kept.len() >= NONCES_KEPT {
                    kept.pop_front();
                }
                kept.push_back((mine.clone(), Instant::now()));
                Asked::Answer(format!("{} {mine}", proof(key, "serveur", c)))
            }
            (None, Some(n), Some(p)) => {
                // One try per nonce, right or wrong.
                let Some(at) = kept.iter().position(|(k, _)| super::guard::same_secret(n, k)) else {
                    return Asked::Refused;
                };
                kept.remove(at);
                if proof_matches(key, "client", n, p) { Asked::Proved } else { Asked::Refused }
            }
            _ => Asked::Refused,
        }
    }
}

fn is_nonce(s: &str) -> bool {
    (32..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `address` is exactly an opening of this machine's `port`.
pub(super) fn is_opening(address: &str, port: u16) -> bool {
    address
        .strip_prefix(&format!("http://127.0.0.1:{port}/ouvrir/"))
        .is_some_and(|token| token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The client's side: a fresh opening from the server named by the serving
/// file, once it proved it holds the key; `None` for anything else.
pub(super) async fn ask(port: u16, key: &str) -> Option<String> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .ok()?;
    let url = format!("http://127.0.0.1:{port}/__ouverture");
    let origin = format!("http://127.0.0.1:{port}");
    let nonce = super::guard::secret();
    let answer = client.post(&url).header("origin", &origin).header(CHALLENGE_HEADER, &nonce).send().await.ok()?;
    let answer = bounded_text(answer).await?;
    let (server_proof, server_nonce) = answer.trim().split_once(' ')?;
    if !is_nonce(server_nonce) || !proof_matches(key, "serveur", &nonce, server_proof) {
        return None;
    }
    // Proved: only now does anything derived from the key leave.
    let opening = client
        .post(&url)
        .header("origin", &origin)
        .header(SERVER_NONCE_HEADER, server_nonce)
        .header(PROOF_HEADER, proof(key, "client", server_nonce))
        .send()
        .await
        .ok()?;
    let address = bounded_text(opening).await?;
    let address = address.trim();
    is_opening(address, port).then(|| address.to_string())
}

/// A successful answer's text, if short.
async fn bounded_text(mut answer: reqwest::Response) -> Option<String> {
    if !answer.status().is_success() {
        return None;
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = answer.chunk().await.ok()? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > ANSWER_LIMIT {
            return None;
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_holder_of_the_key_proves_and_a_nonce_serves_once() {
        let n = Nonces::default();
        let key = "k".repeat(48);
        let challenge = "a".repeat(48);
        let Asked::Answer(a) = n.ask(&key, Some(&challenge), None, None) else { panic!("an answer") };
        let (p, server_nonce) = a.split_once(' ').unwrap();
        assert!(proof_matches(&key, "serveur", &challenge, p));
        assert!(!proof_matches("autre", "serveur", &challenge, p));
        // The server's proof is not a client's proof (roles differ).
        assert!(matches!(n.ask(&key, None, Some(server_nonce), Some(p)), Asked::Refused));
        let Asked::Answer(a) = n.ask(&key, Some(&challenge), None, None) else { panic!("an answer") };
        let server_nonce = a.split_once(' ').unwrap().1.to_string();
        let good = proof(&key, "client", &server_nonce);
        assert!(matches!(n.ask(&key, None, Some(&server_nonce), Some(&good)), Asked::Proved));
        assert!(matches!(n.ask(&key, None, Some(&server_nonce), Some(&good)), Asked::Refused), "once");
        assert!(matches!(n.ask(&key, Some("court"), None, None), Asked::Refused));
        assert!(is_opening(&format!("http://127.0.0.1:8080/ouvrir/{}", "0f".repeat(24)), 8080));
        assert!(!is_opening(&format!("http://127.0.0.1:8080/ouvrir/{}\"><script>", "0f".repeat(24)), 8080));
        assert!(!is_opening(&format!("http://127.0.0.1:8081/ouvrir/{}", "0f".repeat(24)), 8080));
    }
}
