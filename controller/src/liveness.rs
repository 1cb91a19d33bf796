//! Evidence for `/healthz`: a cheap periodic read of the API server. A process that can no longer
//! reach it (wedged runtime, revoked credentials, lost network) stops refreshing the evidence and
//! is restarted by the kubelet; one with nothing to reconcile still proves it is alive.

use std::{sync::Arc, time::Duration};

use kube::{Api, api::ListParams};
use tracing::debug;

use crate::{api::RegionalFailover, metrics::Probes};

/// Lists at most one RegionalFailover every `every`, recording each success.
pub async fn keep_evidence(api: Api<RegionalFailover>, probes: Arc<Probes>, every: Duration) {
    loop {
        match api.list(&ListParams::default().limit(1)).await {
            Ok(_) => probes.api_contact(),
            Err(e) => debug!(error = %e, "liveness read of the API server failed"),
        }
        tokio::time::sleep(every).await;
    }
}
