//! An embedded stand-in for Cegid Loop's public API: the same base path,
//! routes, headers, bodies and French messages, the Azure API Management
//! gateway's answers (401, 404, 429 with Retry-After), seeded fault injection
//! and admin routes for tests (`/__stats`, `/__state`, `/__reset`).
//!
//! axum routes the business calls; the connection itself is driven by hyper
//! so that a fault can drop it before any answer, or after the change was
//! applied ("answer lost"), as a real network does.

mod admin;
mod bucket;
mod seed;
mod state;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use axum::routing::{MethodFilter, on, post};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tower::ServiceExt;

pub use crate::config::{Rate, Secret};
use crate::error::Failure;
pub use crate::i18n::Lang;
use crate::loop_api::{API_KEY_HEADER, SIMULATOR_INSTANCE_HEADER, SUBSCRIPTION_KEY_HEADER};
pub use crate::loop_api::{Operation, Routes};
pub use seed::{Seed, build_model};
pub use state::{Answer, Contact, Dossier, Model};

pub use crate::loop_api::{DEFAULT_BASE_PATH, MSG_ALREADY_ASSIGNED, MSG_EMAIL_TAKEN, MSG_INVITE, MSG_NO_CONTACT};
pub const DEMO_SUBSCRIPTION_KEY: &str = "demo-subscription-key";
pub const DEMO_API_KEY: &str = "demo-key-id:demo-secret";

/// How business errors are shaped: Cegid documents the messages, not the
/// HTTP codes nor the bodies, so the engine is tested under each guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, strum::EnumIter)]
pub enum ErrorProfile {
    /// 400 with `{"message": …}`
    #[default]
    Json400,
    /// 409 with `{"message": …}`
    Json409,
    /// 422 with `{"message": …}`
    Json422,
    /// 400 with the sentence as plain text
    Text,
    /// 500 carrying the business message in `{"message": …}`
    Server500,
}

impl ErrorProfile {
    /// Every profile, for tests that try them all.
    pub fn all() -> impl Iterator<Item = ErrorProfile> {
        <ErrorProfile as strum::IntoEnumIterator>::iter()
    }
}

/// Fault injection, as fractions of calls (0.0 to 1.0).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub latency: Duration,
    pub jitter: Duration,
    /// 500/502/503 before the call is applied (some with an HTML body).
    pub fail_rate: f64,
    /// Connection closed before any answer, nothing applied.
    pub reset_rate: f64,
    /// Answer delayed by `slow` (to trip the client's timeout).
    pub slow_rate: f64,
    pub slow: Duration,
    /// The change is applied, then the connection drops.
    pub lost_answer_rate: f64,
    /// The change is applied, then the gateway answers 504 (the backend
    /// answered too late for it).
    pub applied_then_504_rate: f64,
    /// A refusal (a business answer: nothing applied) is decided, then the
    /// gateway answers 504: the client cannot tell it from an applied call.
    pub refused_then_504_rate: f64,
    /// Routes (path endings) whose answers are never lost nor turned into
    /// 504 after being applied: the demo keeps these faults off addClient,
    /// whose lost answer would ask people to check a Loop that does not exist.
    pub spared_routes: Vec<String>,
}

/// How the gateway throttles a key over its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ThrottleModel {
    /// A sliding window: a call is refused while the window is full.
    #[default]
    Window,
    /// Once over the limit, every call is refused until its Retry-After has
    /// passed (as APIM's rate-limit policy does for the key).
    Lockout,
    /// A token bucket (`burst` tokens, refilled at the rate); every call is
    /// refused during the Retry-After.
    Bucket,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub base_path: String,
    pub subscription_key: Secret,
    pub api_key: Secret,
    pub model: Model,
    /// APIM rate limit: `count` calls per `per`, sliding window, per key.
    pub rate: Option<Rate>,
    /// Calls allowed in one window at the same average rate, or the bucket's
    /// size (default: the rate's count): `--rate 20/s --burst 1` is one call
    /// per 50 ms.
    pub burst: Option<u32>,
    pub throttle: ThrottleModel,
    pub faults: Faults,
    pub error_profile: ErrorProfile,
    pub seed: u64,
    pub routes: Routes,
    /// One log line per request on stderr.
    pub log: bool,
    /// When set, the admin routes (`/__stats`, `/__state`, `/__reset`)
    /// answer only requests carrying it in `ADMIN_HEADER` (the embedded
    /// demo: its data is no other process's business). `loopbatch
    /// simulate` leaves them open, as documented.
    pub admin_secret: Option<Secret>,
}

/// The header that carries `Options::admin_secret`.
pub const ADMIN_HEADER: &str = "x-loopbatch-admin";

impl Default for Options {
    fn default() -> Options {
        Options {
            base_path: DEFAULT_BASE_PATH.into(),
            subscription_key: Secret::new(DEMO_SUBSCRIPTION_KEY),
            api_key: Secret::new(DEMO_API_KEY),
            model: Model::default(),
            rate: None,
            burst: None,
            throttle: ThrottleModel::default(),
            faults: Faults::default(),
            error_profile: ErrorProfile::default(),
            seed: 42,
            routes: Routes::default(),
            log: false,
            admin_secret: None,
        }
    }
}

/// Counters served by `/__stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Route -> status (or "reset", "lost") -> calls.
    pub calls: BTreeMap<String, BTreeMap<String, u64>>,
    pub total: u64,
    /// The most calls seen in any one-second window.
    pub max_calls_per_second: usize,
    /// Calls received while a Retry-After given to that key was in force.
    pub calls_during_retry_after: u64,
    /// The most calls received during any one Retry-After.
    pub most_calls_during_one_retry_after: u64,
    pub throttled: u64,
    /// Non-idempotent calls that reached the backend again after one for
    /// the same target had been applied and its answer delivered
    /// ("addClient a@b.fr", "provisionCompany CLI0001"): a client bug. A
    /// repeat after a lost answer is the client settling it, not counted.
    pub duplicates: BTreeMap<String, u64>,
    /// Applied non-idempotent calls whose answer was lost on purpose.
    pub lost_applied: BTreeMap<String, u64>,
    #[serde(skip)]
    answered_targets: BTreeMap<String, u64>,
    #[serde(skip)]
    last_second: VecDeque<Instant>,
}

/// One subscription key's sliding window, and until when a Retry-After
/// given to it is in force.
#[derive(Default)]
struct KeyWindow {
    calls: VecDeque<Instant>,
    retry_until: Option<Instant>,
    /// Calls received during the Retry-After in force.
    during: u64,
    bucket: Option<bucket::Bucket>,
}

struct Sim {
    opts: Options,
    model: Mutex<Model>,
    stats: Mutex<Stats>,
    rng: Mutex<StdRng>,
    /// Per subscription key: the calls in the current window, and until
    /// when a Retry-After given to it is in force.
    limiter: Mutex<HashMap<String, KeyWindow>>,
    counter: std::sync::atomic::AtomicU64,
    /// Renewed at each start, sent with every answer.
    instance: HeaderValue,
}

/// A running simulator; dropped or `stop`ped, it shuts down.
pub struct Handle {
    pub addr: SocketAddr,
    pub base_url: String,
    /// This start's instance id (`SIMULATOR_INSTANCE_HEADER`).
    pub instance: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Handle {
    pub async fn stop(mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
    }
}

/// Starts the simulator on 127.0.0.1:`port` (0 picks a free one).
pub async fn start(opts: Options, port: u16) -> std::io::Result<Handle> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}{}", opts.base_path);
    let instance = format!("{:016x}", rand::random::<u64>());
    let sim = Arc::new(Sim {
        instance: HeaderValue::from_str(&instance).unwrap_or(HeaderValue::from_static("sim")),
        model: Mutex::new(opts.model.clone()),
        stats: Mutex::new(Stats::default()),
        rng: Mutex::new(StdRng::seed_from_u64(opts.seed)),
        limiter: Mutex::new(HashMap::new()),
        counter: std::sync::atomic::AtomicU64::new(0),
        opts,
    });
    let router = business_router(&sim);
    let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut rx => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let (sim, router) = (sim.clone(), router.clone());
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let (sim, router) = (sim.clone(), router.clone());
                            async move {
                                let instance = sim.instance.clone();
                                let mut answer = serve(sim, router, req.map(Body::new)).await?;
                                answer.headers_mut().insert(SIMULATOR_INSTANCE_HEADER, instance);
                                Ok::<_, std::io::Error>(answer)
                            }
                        });
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let _ = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, service).await;
                    });
                }
            }
        }
    });
    Ok(Handle { addr, base_url, instance, shutdown: Some(tx), task: Some(task) })
}

fn business_router(sim: &Arc<Sim>) -> Router {
    let r = &sim.opts.routes;
    let base = sim.opts.base_path.trim_end_matches('/');
    let at = |route: &str| format!("{base}{route}");
    let hub_method = MethodFilter::try_from(Method::from_bytes(r.loophub_method.as_bytes()).unwrap_or(Method::POST))
        .unwrap_or(MethodFilter::POST);
    // The engine's route table: one route per operation, plus LoopHub.
    let router = Operation::all().fold(Router::new(), |router, op| {
        router.route(&at(r.of(op)), post(move |s, h, b| business(s, h, b, Handler::Call(op))))
    });
    router
        .route(&at(&r.loophub), on(hub_method, |s, h, b| business(s, h, b, Handler::LoopHub)))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(sim.clone())
}

/// What a business route does: one of the engine's operations, or the
/// LoopHub folder list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handler {
    Call(Operation),
    LoopHub,
}

/// APIM answers an unknown route and a wrong method alike: 404.
async fn not_found() -> Response<Body> {
    json_response(StatusCode::NOT_FOUND, &json!({"statusCode": 404, "message": "Resource not found"}))
}

fn json_response(status: StatusCode, v: &Value) -> Response<Body> {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
    r
}

fn text_response(status: StatusCode, s: &str, content_type: &'static str) -> Response<Body> {
    let mut r = Response::new(Body::from(s.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", HeaderValue::from_static(content_type));
    r
}

async fn business(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes, op: Handler) -> Response<Body> {
    // The backend checks x-apikey (not APIM); its answer is undocumented.
    let key_ok = headers.get(API_KEY_HEADER).and_then(|v| v.to_str().ok()) == Some(sim.opts.api_key.expose());
    if !key_ok {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"statusCode": 401, "message": "Clé d'API (x-apikey) absente ou invalide."}),
        );
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            return json_response(StatusCode::BAD_REQUEST, &json!({"message": "Corps de requête JSON invalide."}));
        }
    };
    let target = match op {
        Handler::Call(Operation::AddClient) => {
            body.get("email").and_then(Value::as_str).map(|e| format!("addClient {}", crate::normalize::email_key(e)))
        }
        Handler::Call(Operation::ProvisionCompany) => {
            body.get("codeDossier").and_then(Value::as_str).map(|c| format!("provisionCompany {c}"))
        }
        _ => None,
    };
    if let Some(t) = &target {
        let mut stats = sim.stats.lock().unwrap_or_else(|e| e.into_inner());
        if stats.answered_targets.get(t).copied().unwrap_or(0) > 0 {
            *stats.duplicates.entry(t.clone()).or_default() += 1;
        }
    }
    let answer = {
        let mut model = sim.model.lock().unwrap_or_else(|e| e.into_inner());
        let mut rng = sim.rng.lock().unwrap_or_else(|e| e.into_inner());
        let r = match op {
            Handler::Call(op) => model.answer(op, &body, &mut rng),
            Handler::LoopHub => model.loophub(&body, sim.opts.api_key.key_id()),
        };
        r.unwrap_or_else(|e| e)
    };
    let applied = matches!(answer, Answer::Json(_) | Answer::Text(_));
    let mut response = match answer {
        Answer::Json(v) => json_response(StatusCode::OK, &v),
        Answer::Text(s) => text_response(StatusCode::OK, &s, "text/plain; charset=utf-8"),
        Answer::BadRequest(m) => json_response(StatusCode::BAD_REQUEST, &json!({"message": m})),
        Answer::Business(m) => match sim.opts.error_profile {
            ErrorProfile::Json400 => json_response(StatusCode::BAD_REQUEST, &json!({"message": m})),
            ErrorProfile::Json409 => json_response(StatusCode::CONFLICT, &json!({"message": m})),
            ErrorProfile::Json422 => json_response(StatusCode::UNPROCESSABLE_ENTITY, &json!({"message": m})),
            ErrorProfile::Text => text_response(StatusCode::BAD_REQUEST, &m, "text/plain; charset=utf-8"),
            ErrorProfile::Server500 => json_response(StatusCode::INTERNAL_SERVER_ERROR, &json!({"message": m})),
        },
    };
    if applied && let Some(t) = target {
        response.extensions_mut().insert(AppliedTarget(t));
    }
    response
}

/// Set on the answer of an applied non-idempotent call: the gateway records
/// it once it knows whether the answer reaches the client.
#[derive(Clone)]
struct AppliedTarget(String);

/// One request through the gateway: admin routes, subscription key, rate
/// limit, faults, then the business router; logs and counts it.
async fn serve(
    sim: Arc<Sim>,
    router: Router,
    req: Request<Body>,
) -> std::result::Result<Response<Body>, std::io::Error> {
    let started = Instant::now();
    let n = sim.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let request_id = format!("{:08x}-sim-{n:06}", sim.opts.seed as u32);
    let path = req.uri().path().to_string();
    let route = path.strip_prefix(sim.opts.base_path.trim_end_matches('/')).unwrap_or(&path).to_string();
    if path.starts_with("/__") {
        return Ok(admin::admin(&sim, req).await);
    }
    // A client asking which instance this is (before a resume): not a call.
    if req.method() == Method::GET && route.trim_end_matches('/').is_empty() {
        return Ok(not_found().await);
    }
    let outcome = gateway(&sim, req, router).await;
    let label = match &outcome {
        Ok(r) => r.status().as_u16().to_string(),
        Err(Dropped::Reset) => "reset".into(),
        Err(Dropped::Lost) => "lost".into(),
    };
    {
        let mut stats = sim.stats.lock().unwrap_or_else(|e| e.into_inner());
        stats.total += 1;
        *stats.calls.entry(route.clone()).or_default().entry(label.clone()).or_default() += 1;
    }
    if sim.opts.log {
        tracing::info!(target: "simulateur", "{route} {label} {} ms requestid={request_id}", started.elapsed().as_millis());
    }
    match outcome {
        Ok(mut r) => {
            let v = HeaderValue::from_str(&request_id).unwrap_or(HeaderValue::from_static("sim"));
            r.headers_mut().insert("requestid", v.clone());
            r.headers_mut().insert("x-request-id", v);
            Ok(r)
        }
        Err(_) => Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault injected")),
    }
}

enum Dropped {
    Reset,
    Lost,
}

async fn gateway(sim: &Arc<Sim>, req: Request<Body>, router: Router) -> std::result::Result<Response<Body>, Dropped> {
    let key = req.headers().get(SUBSCRIPTION_KEY_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
    let Some(key) = key else {
        return Ok(json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}),
        ));
    };
    if key != sim.opts.subscription_key.expose() {
        return Ok(json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}),
        ));
    }
    if let Some(wait) = sim.throttle(&key) {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        let mut r = json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({"statusCode": 429, "message": format!("Rate limit is exceeded. Try again in {secs} seconds.")}),
        );
        r.headers_mut().insert("retry-after", HeaderValue::from(secs));
        return Ok(r);
    }
    let f = &sim.opts.faults;
    let (delay, draw): (Duration, [f64; 5]) = {
        let mut rng = sim.rng.lock().unwrap_or_else(|e| e.into_inner());
        let jitter = if f.jitter.is_zero() { 0.0 } else { rng.random_range(-1.0..1.0) * f.jitter.as_secs_f64() };
        let d = Duration::from_secs_f64((f.latency.as_secs_f64() + jitter).max(0.0));
        (d, [rng.random(), rng.random(), rng.random(), rng.random(), rng.random()])
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if draw[0] < f.reset_rate {
        return Err(Dropped::Reset);
    }
    if draw[1] < f.fail_rate {
        let code = [500u16, 502, 503][(draw[4] * 3.0) as usize % 3];
        return Ok(if code == 500 {
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"statusCode": 500, "message": "Internal server error"}),
            )
        } else {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY);
            text_response(
                status,
                &format!(
                    "<html><head><title>{code}</title></head><body><h1>{code} {}</h1></body></html>",
                    status.canonical_reason().unwrap_or("")
                ),
                "text/html",
            )
        });
    }
    if draw[2] < f.slow_rate {
        tokio::time::sleep(f.slow).await;
    }
    let spared = f.spared_routes.iter().any(|r| !r.is_empty() && req.uri().path().ends_with(r.as_str()));
    let response = router.oneshot(req).await.unwrap_or_else(|e: Infallible| match e {});
    let applied = response.status().is_success() && !spared;
    let late = applied && draw[3] >= f.lost_answer_rate && draw[3] < f.lost_answer_rate + f.applied_then_504_rate;
    let lost = applied && draw[3] < f.lost_answer_rate || late;
    let refused = !response.status().is_success() && draw[3] < f.refused_then_504_rate;
    if let Some(AppliedTarget(t)) = response.extensions().get::<AppliedTarget>().cloned() {
        let mut stats = sim.stats.lock().unwrap_or_else(|e| e.into_inner());
        let map = if lost { &mut stats.lost_applied } else { &mut stats.answered_targets };
        let counter = map.entry(t);
        *counter.or_default() += 1;
    }
    if late || refused {
        return Ok(json_response(
            StatusCode::GATEWAY_TIMEOUT,
            &json!({"statusCode": 504, "message": "Gateway Timeout"}),
        ));
    }
    if lost {
        return Err(Dropped::Lost);
    }
    Ok(response)
}

impl Sim {
    /// The rate limit per key (sliding window, lockout or token bucket);
    /// returns how long to wait when over it, and counts calls made while a
    /// Retry-After was in force.
    fn throttle(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        {
            let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
            stats.last_second.push_back(now);
            while stats.last_second.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1)) {
                stats.last_second.pop_front();
            }
            stats.max_calls_per_second = stats.max_calls_per_second.max(stats.last_second.len());
        }
        let rate = self.opts.rate?;
        let capacity = self.opts.burst.unwrap_or(rate.count).max(1);
        let window = rate.per.mul_f64(f64::from(capacity) / f64::from(rate.count));
        let mut lim = self.limiter.lock().unwrap_or_else(|e| e.into_inner());
        let KeyWindow { calls, retry_until, during, bucket } = lim.entry(key.to_string()).or_default();
        if let Some(until) = retry_until.filter(|t| now < *t) {
            let mut stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
            stats.calls_during_retry_after += 1;
            *during += 1;
            stats.most_calls_during_one_retry_after = stats.most_calls_during_one_retry_after.max(*during);
            if self.opts.throttle != ThrottleModel::Window {
                stats.throttled += 1;
                return Some(until - now);
            }
        }
        if self.opts.throttle == ThrottleModel::Bucket {
            let per_second = f64::from(rate.count) / rate.per.as_secs_f64();
            let b = bucket.get_or_insert_with(|| bucket::Bucket::full(capacity, now));
            let wait = b.take(now, capacity, per_second).err()?;
            *retry_until = Some(now + Duration::from_secs_f64(wait.as_secs_f64().ceil().max(1.0)));
            *during = 0;
            self.stats.lock().unwrap_or_else(|e| e.into_inner()).throttled += 1;
            return Some(wait);
        }
        while calls.front().is_some_and(|t| now.duration_since(*t) >= window) {
            calls.pop_front();
        }
        if calls.len() as u32 >= capacity {
            let oldest = *calls.front()?;
            let wait = window.saturating_sub(now.duration_since(oldest));
            let secs = wait.as_secs_f64().ceil().max(1.0);
            *retry_until = Some(now + Duration::from_secs_f64(secs));
            *during = 0;
            self.stats.lock().unwrap_or_else(|e| e.into_inner()).throttled += 1;
            return Some(wait);
        }
        calls.push_back(now);
        None
    }
}

/// The failure for a port that cannot be bound.
pub fn bind_failure(port: u16, e: &std::io::Error) -> Failure {
    Failure::refused(crate::error::Refusal::CannotListen { port, error: e.into() })
}
