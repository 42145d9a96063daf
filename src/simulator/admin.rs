//! The simulator's admin routes (`/__stats`, `/__state`, `/__reset`), for
//! tests and the demo: open for `loopbatch simulate`, behind a secret for
//! the demo's embedded simulator (`Options::admin_secret`).

use std::sync::Arc;

use axum::body::Body;
use http_body_util::BodyExt;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;

use super::{ADMIN_HEADER, Sim, Stats, json_response, not_found};

pub(super) async fn admin(sim: &Arc<Sim>, req: Request<Body>) -> Response<Body> {
    if let Some(secret) = &sim.opts.admin_secret {
        let given = req.headers().get(ADMIN_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
        let wanted = secret.expose().as_bytes();
        let same = given.len() == wanted.len() && given.iter().zip(wanted).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            return json_response(StatusCode::FORBIDDEN, &json!({"statusCode": 403, "message": "Forbidden"}));
        }
    }
    match (req.method().clone(), req.uri().path()) {
        (Method::GET, "/__stats") => {
            let stats = sim.stats.lock().unwrap_or_else(|e| e.into_inner()).clone();
            json_response(StatusCode::OK, &serde_json::to_value(&stats).unwrap_or_default())
        }
        (Method::GET, "/__state") => {
            let model = sim.model.lock().unwrap_or_else(|e| e.into_inner()).clone();
            json_response(StatusCode::OK, &serde_json::to_value(&model).unwrap_or_default())
        }
        (Method::POST, "/__reset") => {
            let _ = req.into_body().collect().await;
            *sim.model.lock().unwrap_or_else(|e| e.into_inner()) = sim.opts.model.clone();
            *sim.stats.lock().unwrap_or_else(|e| e.into_inner()) = Stats::default();
            sim.limiter.lock().unwrap_or_else(|e| e.into_inner()).clear();
            json_response(StatusCode::OK, &json!({"reset": true}))
        }
        _ => not_found().await,
    }
}
