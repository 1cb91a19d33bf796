//! Leader election through a coordination.k8s.io/v1 `Lease`, so two replicas never act twice.
//!
//! Optimistic concurrency does the arbitration: every acquire or renew is a `replace` carrying the
//! `resourceVersion` that was read, so of two candidates racing for an expired lease exactly one
//! write succeeds and the other gets a 409 Conflict.

use std::time::Duration;

use k8s_openapi::{
    api::coordination::v1::{Lease, LeaseSpec},
    apimachinery::pkg::apis::meta::v1::MicroTime,
    jiff::Timestamp,
};
use kube::{
    Api, Client,
    api::{ObjectMeta, PostParams},
};
use tokio::sync::watch;
use tracing::{info, warn};

/// Lease timing, as client-go's defaults scaled down for a small controller.
#[derive(Clone, Debug)]
pub struct LeaseConfig {
    pub name: String,
    pub namespace: String,
    pub identity: String,
    pub lease_duration: Duration,
    pub renew_every: Duration,
}

/// What one look at the lease decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseDecision {
    /// We hold it (or may take it): write it with us as holder.
    Acquire,
    /// Someone else holds a lease that has not expired.
    Wait,
}

/// PURE: may `identity` take or renew this lease at `now`?
pub fn decide(lease: Option<&LeaseSpec>, identity: &str, now: Timestamp) -> LeaseDecision {
    let Some(spec) = lease else { return LeaseDecision::Acquire };
    let holder = spec.holder_identity.as_deref().unwrap_or_default();
    if holder.is_empty() || holder == identity {
        return LeaseDecision::Acquire;
    }
    let duration = i64::from(spec.lease_duration_seconds.unwrap_or(15));
    match spec.renew_time.as_ref() {
        Some(MicroTime(renewed)) => {
            if now.as_second() - renewed.as_second() > duration {
                LeaseDecision::Acquire
            } else {
                LeaseDecision::Wait
            }
        }
        None => LeaseDecision::Acquire,
    }
}

/// Runs forever: publishes `true` while this process holds the lease, `false` otherwise.
pub async fn run(
    client: Client,
    cfg: LeaseConfig,
    tx: watch::Sender<bool>,
    probes: std::sync::Arc<crate::metrics::Probes>,
) {
    let api: Api<Lease> = Api::namespaced(client, &cfg.namespace);
    loop {
        let leading = match try_acquire(&api, &cfg).await {
            Ok(held) => {
                probes.api_contact();
                held
            }
            Err(e) => {
                warn!(error = %e, lease = %cfg.name, "lease renewal failed");
                false
            }
        };
        if leading != *tx.borrow() {
            info!(leading, identity = %cfg.identity, lease = %cfg.name, "leadership changed");
        }
        let _ = tx.send(leading);
        tokio::time::sleep(cfg.renew_every).await;
    }
}

/// Gives the lease up on shutdown so a standby takes over at once instead of after expiry.
pub async fn release(client: Client, cfg: &LeaseConfig) {
    let api: Api<Lease> = Api::namespaced(client, &cfg.namespace);
    let Ok(Some(mut lease)) = api.get_opt(&cfg.name).await else { return };
    let Some(spec) = lease.spec.as_mut() else { return };
    if spec.holder_identity.as_deref() != Some(cfg.identity.as_str()) {
        return;
    }
    spec.holder_identity = None;
    spec.renew_time = None;
    if let Err(e) = api.replace(&cfg.name, &PostParams::default(), &lease).await {
        warn!(error = %e, "could not release the lease; it expires by itself");
    }
}

async fn try_acquire(api: &Api<Lease>, cfg: &LeaseConfig) -> Result<bool, kube::Error> {
    let now = Timestamp::now();
    let existing = api.get_opt(&cfg.name).await?;
    if decide(existing.as_ref().and_then(|l| l.spec.as_ref()), &cfg.identity, now) == LeaseDecision::Wait {
        return Ok(false);
    }
    let micro = MicroTime(now);
    let previous = existing.as_ref().and_then(|l| l.spec.clone()).unwrap_or_default();
    let taking_over = previous.holder_identity.as_deref() != Some(cfg.identity.as_str());
    let spec = LeaseSpec {
        holder_identity: Some(cfg.identity.clone()),
        lease_duration_seconds: Some(cfg.lease_duration.as_secs() as i32),
        renew_time: Some(micro.clone()),
        acquire_time: if taking_over { Some(micro) } else { previous.acquire_time.clone() },
        lease_transitions: Some(previous.lease_transitions.unwrap_or(0) + i32::from(taking_over && existing.is_some())),
        ..previous
    };
    let result = match existing {
        Some(mut lease) => {
            lease.spec = Some(spec);
            api.replace(&cfg.name, &PostParams::default(), &lease).await
        }
        None => {
            let lease = Lease {
                metadata: ObjectMeta { name: Some(cfg.name.clone()), ..ObjectMeta::default() },
                spec: Some(spec),
            };
            api.create(&PostParams::default(), &lease).await
        }
    };
    match result {
        Ok(_) => Ok(true),
        // Another candidate wrote first: it leads; we look again next round.
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests;
