//! `/metrics`, `/healthz` and `/readyz`, and the evidence the probes answer from.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use axum::{Router, body::Body, extract::State, http::StatusCode, response::IntoResponse, routing::get};

use prometheus_client::encoding::text::encode;

use super::Metrics;

/// Liveness and readiness evidence, updated by the loops that do the work.
#[derive(Debug, Default)]
pub struct Probes {
    /// Unix seconds of the last successful contact with the API server (lease loop or watch).
    last_api_contact: AtomicI64,
    /// RegionalFailovers can be listed: the CRD is installed and RBAC grants the watch
    /// (`reconcile::check_access`, before the lease, so a standby is ready too).
    watch_ready: AtomicBool,
}

impl Probes {
    pub fn api_contact(&self) {
        self.last_api_contact.store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
    }
    pub fn set_watch_ready(&self, ready: bool) {
        self.watch_ready.store(ready, Ordering::Relaxed);
    }
    /// Alive while the API server was reached within `stale`: a wedged process stops renewing.
    pub fn alive(&self, stale: Duration) -> bool {
        let last = self.last_api_contact.load(Ordering::Relaxed);
        last > 0 && chrono::Utc::now().timestamp() - last <= stale.as_secs() as i64
    }
    pub fn ready(&self) -> bool {
        self.watch_ready.load(Ordering::Relaxed)
    }
}

#[derive(Clone)]
struct HttpState {
    metrics: Metrics,
    probes: Arc<Probes>,
    stale: Duration,
}

/// The HTTP endpoints for Prometheus and the kubelet.
pub fn router(metrics: Metrics, probes: Arc<Probes>, stale: Duration) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(HttpState { metrics, probes, stale })
}

/// The text format, streamed: encoding runs on a blocking thread and sends chunks as they fill, so
/// a scraper that reads as fast as it is sent holds a few chunks at a time instead of the whole
/// text. The encoder never waits for the scraper: it holds a metric family's lock while it encodes
/// it, a reconcile that adds or removes a series waits for that lock on a worker thread, and with
/// the workers waiting nothing would send the response (docs/architecture.md, "Memory"). A slow
/// scraper therefore has the rest of the text queued for it, as when the text was built whole.
async fn metrics_handler(State(s): State<HttpState>) -> impl IntoResponse {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let metrics = s.metrics.clone();
    drop(tokio::task::spawn_blocking(move || metrics.render_chunks(&tx)));
    let chunks = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    (StatusCode::OK, [("content-type", "text/plain; version=0.0.4")], Body::from_stream(chunks))
}

async fn healthz(State(s): State<HttpState>) -> impl IntoResponse {
    if s.probes.alive(s.stale) {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "no contact with the Kubernetes API server recently\n")
    }
}

async fn readyz(State(s): State<HttpState>) -> impl IntoResponse {
    if s.probes.ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "watch not established yet\n")
    }
}

impl Metrics {
    /// Encodes every metric in chunks of about [`CHUNK`] bytes, each sent as it fills, and the
    /// error last if encoding fails. Never waits for the receiver; it is CPU work for the blocking
    /// threads, not the async workers.
    pub fn render_chunks(&self, tx: &Chunked) {
        let mut chunks = Chunks { buf: String::with_capacity(CHUNK), tx };
        let sent = encode(&mut chunks, &self.registry).and_then(|()| chunks.send());
        if let Err(e) = sent {
            // Ends the response with an error rather than a truncated text a scraper would accept.
            let _ = tx.send(Err(e));
        }
    }
}

/// The metrics text grows with the fleet (a dozen series per object): it goes out in chunks of
/// this size instead of being built whole for each scrape (docs/architecture.md, "Memory").
pub const CHUNK: usize = 64 * 1024;

/// Where the chunks of one scrape go.
pub type Chunked = tokio::sync::mpsc::UnboundedSender<Result<String, std::fmt::Error>>;

struct Chunks<'a> {
    buf: String,
    tx: &'a Chunked,
}

impl Chunks<'_> {
    fn send(&mut self) -> std::fmt::Result {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, String::with_capacity(CHUNK));
        // The scraper went away: stop encoding.
        self.tx.send(Ok(chunk)).map_err(|_| std::fmt::Error)
    }
}

impl std::fmt::Write for Chunks<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.buf.len() + s.len() > CHUNK {
            self.send()?;
        }
        self.buf.push_str(s);
        Ok(())
    }
}
