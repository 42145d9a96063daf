//! The page's HTTP server: hyper's HTTP/1 on 127.0.0.1, with bounded times
//! (axum's own `serve` sets none): a request's headers within
//! `HEADER_LIMIT`, which also closes a kept-alive connection left idle that
//! long; a body within a time that grows with its size. Half-sent requests
//! cost a task each until then, and never hold up the others.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// A request's headers must arrive within this; a connection kept alive
/// without a new request is closed after it too.
pub(super) const HEADER_LIMIT: Duration = Duration::from_secs(10);
/// A body gets this long, plus a second per `BODY_RATE` bytes.
const BODY_BASE: Duration = Duration::from_secs(10);
const BODY_RATE: u64 = 1 << 20;
/// How long connections get to finish once the server stops.
const CLOSING: Duration = Duration::from_secs(5);

/// Serves `router` on `listener` until `stop` completes, then lets the
/// connections finish their request (`CLOSING` at most).
pub(super) async fn serve(listener: TcpListener, router: Router, stop: impl Future<Output = ()>) {
    let (closing, _) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, most likely: breathe, go on.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (service, mut closing) = (TowerToHyperService::new(router.clone()), closing.subscribe());
                tasks.spawn(async move {
                    let mut http = hyper::server::conn::http1::Builder::new();
                    http.timer(TokioTimer::new()).header_read_timeout(HEADER_LIMIT).keep_alive(true);
                    let conn = http.serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = closing.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(CLOSING, conn).await;
                        }
                    }
                });
                // Finished connections' results are not kept.
                while tasks.try_join_next().is_some() {}
            }
        }
    }
    let _ = closing.send(true);
    let _ =
        tokio::time::timeout(CLOSING + Duration::from_secs(1), async { while tasks.join_next().await.is_some() {} })
            .await;
}

/// The middleware that bounds the time to read a request's body.
pub(super) async fn body_deadline(req: Request, next: Next) -> Response {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let size = declared.unwrap_or((super::UPLOAD_LIMIT_MB + 1) << 20);
    let limit = BODY_BASE + Duration::from_secs(size / BODY_RATE);
    let (parts, body) = req.into_parts();
    let body = Body::new(Deadline { inner: body, sleep: Box::pin(tokio::time::sleep(limit)) });
    next.run(Request::from_parts(parts, body)).await
}

/// A body that fails once its time is up.
struct Deadline {
    inner: Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

/// The error of a body sent too slowly.
#[derive(Debug)]
pub(super) struct TooSlow;

impl std::fmt::Display for TooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request body too slow")
    }
}

impl std::error::Error for TooSlow {}

impl hyper::body::Body for Deadline {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        if self.sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(TooSlow))));
        }
        hyper::body::Body::poll_frame(Pin::new(&mut self.inner), cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        hyper::body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::Body::size_hint(&self.inner)
    }
}
