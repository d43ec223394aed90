//! The server's edges: how long a client may take to send its headers, a
//! request may run and a connection may sit idle; how many connections and
//! requests run at once; what a panic becomes; and a graceful stop.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use crate::problem::Problem;

/// How the server guards its connections and requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// A client must send a request's headers within this time.
    pub header_timeout: Duration,
    /// A request must be answered within this time (503 otherwise).
    pub request_timeout: Duration,
    /// A connection with no bytes either way for this long is closed.
    pub idle_timeout: Duration,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// Requests handled at once; more wait their turn (within the request timeout).
    pub max_requests: usize,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_requests: 256,
        }
    }
}

/// Wrap the application in the request limits: a timeout, a bound on the
/// requests in flight, and panics turned into a 500 problem.
pub(crate) fn guard<S: Clone + Send + Sync + 'static>(app: Router<S>, limits: ServerLimits) -> Router<S> {
    let slots = Arc::new(Semaphore::new(limits.max_requests.max(1)));
    let timeout = limits.request_timeout;
    app.layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
        let slots = slots.clone();
        async move {
            let run = async {
                let _slot = slots.acquire_owned().await.ok();
                next.run(req).await
            };
            match tokio::time::timeout(timeout, run).await {
                Ok(r) => r,
                Err(_) => Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "timeout",
                    "The request took too long",
                    format!("the server did not finish within {} s; try again, or ask for less at once", timeout.as_secs()),
                )
                .into_response(),
            }
        }
    }))
    .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_problem))
}

/// No database column may hold NUL: in a path or query, before routing,
/// it is read as U+FFFD (the replacement character), which no id matches and
/// no text field accepts.
fn without_nul(uri: &hyper::Uri) -> Option<hyper::Uri> {
    let text = uri.to_string();
    let lower = text.to_ascii_lowercase();
    if !lower.contains("%00") {
        return None;
    }
    let mut fixed = String::with_capacity(text.len() + 8);
    let mut at = 0;
    while let Some(i) = lower[at..].find("%00") {
        fixed.push_str(&text[at..at + i]);
        fixed.push_str("%EF%BF%BD");
        at += i + 3;
    }
    fixed.push_str(&text[at..]);
    fixed.parse().ok()
}

fn panic_problem(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Server error",
        "the server could not complete the request; try again, and tell an administrator if it persists",
    )
    .into_response()
}

/// Resolves when the process is asked to stop: Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Accept connections until `shutdown` resolves, then stop accepting and
/// let requests in flight finish (for at most the request timeout).
pub async fn run(app: Router, listener: tokio::net::TcpListener, limits: ServerLimits, shutdown: impl Future<Output = ()>) -> io::Result<()> {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or a connection reset before
                    // it was accepted: wait a little rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            if let Some(uri) = without_nul(req.uri()) {
                *req.uri_mut() = uri;
            }
            let app = app.clone();
            async move { Ok::<_, Infallible>(tower::ServiceExt::oneshot(app, req).await.unwrap_or_else(|e| match e {})) }
        });
        let io = TokioIo::new(Idle::new(stream, limits.idle_timeout));
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .keep_alive(true)
            .serve_connection(io, service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.request_timeout) => {
            tracing::warn!("requests still running at shutdown were cut off after the request timeout");
        }
    }
    Ok(())
}

/// A connection that fails once no byte has moved either way for the idle
/// timeout, so that a silent client cannot hold its connection forever.
struct Idle<S> {
    inner: S,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> Idle<S> {
    fn new(inner: S, timeout: Duration) -> Idle<S> {
        Idle { inner, timeout, deadline: Box::pin(tokio::time::sleep(timeout)) }
    }

    fn moved(&mut self) {
        let next = Instant::now() + self.timeout;
        self.deadline.as_mut().reset(next);
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }
}

fn idle_error() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the connection was idle too long")
}

impl<S: AsyncRead + Unpin> AsyncRead for Idle<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.moved();
                }
                Poll::Ready(r)
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Idle<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, data) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.moved();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(idle_error())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    async fn boom() -> &'static str {
        panic!("a bug")
    }

    #[tokio::test]
    async fn a_panic_is_a_500_problem_and_slow_requests_time_out() {
        let limits = ServerLimits { request_timeout: Duration::from_millis(200), ..ServerLimits::default() };
        let app =
            guard(Router::new().route("/boom", get(boom)).route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(5)).await })), limits);
        let call = |path: &'static str| {
            let app = app.clone();
            async move {
                let req = axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
                tower::ServiceExt::oneshot(app, req).await.unwrap()
            }
        };
        let r = call("/boom").await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let r = call("/slow").await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
}
