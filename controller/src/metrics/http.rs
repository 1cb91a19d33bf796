//! `/metrics`, `/healthz` and `/readyz`, and the evidence the probes answer from.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use axum::{Router, body::Body, extract::State, http::StatusCode, response::IntoResponse, routing::get};

use super::Metrics;

/// Liveness and readiness evidence, updated by the loops that do the work.
#[derive(Debug, Default)]
pub struct Probes {
    /// Unix seconds of the last successful contact with the API server (lease loop or watch).
    last_api_contact: AtomicI64,
    /// The RegionalFailover watch has delivered its initial list (or we are a standby).
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

/// The text format, streamed: encoding runs on a blocking thread and sends chunks as they fill,
/// so a scrape holds two chunks at a time instead of the whole text.
async fn metrics_handler(State(s): State<HttpState>) -> impl IntoResponse {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
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
