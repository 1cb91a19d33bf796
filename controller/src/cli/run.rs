//! `regional-failover run`: the operator process.

use std::{net::SocketAddr, process::ExitCode, sync::Arc, time::Duration};

use kube::{Api, Client};
use regional_failover::{
    api::RegionalFailover,
    aws::{self, Aws, AwsOptions, Budget, BudgetConfig},
    drill::actions::FailsafeConfig,
    leader::{self, LeaseConfig},
    liveness,
    metrics::{AwsCallCount, Metrics, Probes, router},
    reconcile::{self, Context, Settings},
    telemetry::{self, LogFormat},
};
use tokio::sync::watch;
use tracing::{error, info};

use super::fail;

#[derive(clap::Args)]
pub struct RunArgs {
    /// Address of /metrics, /healthz and /readyz.
    #[arg(long, env = "RF_METRICS_BIND", default_value = "0.0.0.0:8080")]
    metrics_bind: SocketAddr,
    /// Watch only this namespace (default: all namespaces).
    #[arg(long, env = "RF_WATCH_NAMESPACE")]
    watch_namespace: Option<String>,
    /// Hold a Lease before acting, so several replicas never act twice.
    #[arg(long, env = "RF_LEADER_ELECTION", default_value_t = true, action = clap::ArgAction::Set)]
    leader_election: bool,
    #[arg(long, env = "RF_LEASE_NAME", default_value = "regional-failover")]
    lease_name: String,
    /// Namespace of the Lease (default: $POD_NAMESPACE, else "default").
    #[arg(long, env = "RF_LEASE_NAMESPACE")]
    lease_namespace: Option<String>,
    #[arg(long, value_enum, env = "RF_LOG_FORMAT", default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Route 53 calls per second, account-wide (Route 53 allows 5).
    #[arg(long, env = "RF_ROUTE53_RPS", default_value_t = 4.0)]
    route53_rps: f64,
    /// GetHealthCheckStatus calls per second (Route 53 allows about 1).
    #[arg(long, env = "RF_HEALTH_STATUS_RPS", default_value_t = 0.8)]
    health_status_rps: f64,
    /// DynamoDB control-plane calls (DescribeTable, DescribeContinuousBackups) per second, all
    /// regions together (AWS allows 2,500).
    #[arg(long, env = "RF_DYNAMODB_RPS", default_value_t = 100.0)]
    dynamodb_rps: f64,
    /// DynamoDB item reads and writes of the replication probe per second.
    #[arg(long, env = "RF_DYNAMODB_DATA_RPS", default_value_t = 100.0)]
    dynamodb_data_rps: f64,
    /// Optional GetHealthCheckStatus reads per second that refresh checker detail while DNS
    /// already shows every primary healthy.
    #[arg(long, env = "RF_HEALTH_DETAIL_RPS", default_value_t = 0.1)]
    health_detail_rps: f64,
    /// Optional GetHealthCheckStatus reads per second that explain why DNS answers with a
    /// secondary (taken only when free, so failovers never queue behind the status limit).
    #[arg(long, env = "RF_HEALTH_DIAGNOSIS_RPS", default_value_t = 0.5)]
    health_diagnosis_rps: f64,
    /// How long table settings are reused between objects' verifications (DynamoDB asks clients
    /// to cache control-plane answers); an object's own longer verify interval wins.
    #[arg(long, env = "RF_TABLE_REFRESH_SECONDS", default_value_t = 300)]
    table_refresh_seconds: u64,
    /// How long AWS reads are shared between objects by callers that do not say how fresh they
    /// need them (verification uses each object's own interval).
    #[arg(long, env = "RF_SHARED_READ_MAX_AGE_SECONDS", default_value_t = 30)]
    shared_read_max_age_seconds: u64,
    /// Deprecated name of --shared-read-max-age-seconds (twice its value), kept for one release.
    #[arg(long, env = "RF_DEFAULT_VERIFY_INTERVAL_SECONDS", hide = true)]
    default_verify_interval_seconds: Option<u64>,
    /// Seconds between checks of each object's authoritative DNS answer between verifications
    /// (an object's spec.dns.watchIntervalSeconds wins); a real failover shows within about this.
    #[arg(long, env = "RF_DNS_WATCH_SECONDS", default_value_t = 5)]
    dns_watch_seconds: u64,
    /// The same while something looks wrong (DNS not on the primary, a drill running).
    #[arg(long, env = "RF_DNS_WATCH_ALERT_SECONDS", default_value_t = 1)]
    dns_watch_alert_seconds: u64,
    /// Allow drills. `false` refuses new drills and restores running ones within a step; so does
    /// creating the ConfigMap `regional-failover-stop-drills` in the operator's namespace.
    #[arg(long, env = "RF_DRILLS_ENABLED", default_value_t = true, action = clap::ArgAction::Set)]
    drills_enabled: bool,
    /// Keep each object's runbook (`regional-failover report`) in a ConfigMap
    /// `runbook.<namespace>.<name>` in the operator's namespace.
    #[arg(long, env = "RF_RUNBOOKS", default_value_t = true, action = clap::ArgAction::Set)]
    runbooks: bool,
    /// The region of this operator's cluster, for two-cluster mode (the same objects applied to a
    /// cluster in each region): written as status.observedFrom, decides which drills run here
    /// (spec.drills[].runFrom), and lets the other region's loss read as "unreachable from here".
    #[arg(long, env = "RF_CLUSTER_REGION")]
    cluster_region: Option<String>,
    #[command(flatten)]
    failsafe: FailsafeArgs,
}

/// Where drills create the AWS-side fail-safe that restores the health check by itself.
#[derive(clap::Args, Clone, Debug)]
pub struct FailsafeArgs {
    /// Role EventBridge Scheduler assumes to restore the health check (Terraform output
    /// `drill_failsafe.execution_role_arn`); unset: drills run without an AWS-side fail-safe.
    #[arg(long, env = "RF_FAILSAFE_ROLE_ARN")]
    pub failsafe_role_arn: Option<String>,
    /// EventBridge Scheduler schedule group of the fail-safe schedules.
    #[arg(long, env = "RF_FAILSAFE_SCHEDULE_GROUP", default_value = regional_failover::drill::actions::DEFAULT_FAILSAFE_GROUP)]
    pub failsafe_schedule_group: String,
    /// Region of the schedule group (default: each object's primary region).
    #[arg(long, env = "RF_FAILSAFE_REGION")]
    pub failsafe_region: Option<String>,
}

impl FailsafeArgs {
    pub fn config(&self) -> FailsafeConfig {
        FailsafeConfig {
            role_arn: self.failsafe_role_arn.clone().filter(|r| !r.is_empty()),
            group: self.failsafe_schedule_group.clone(),
            region: self.failsafe_region.clone().filter(|r| !r.is_empty()),
        }
    }
}

pub async fn run(args: RunArgs) -> ExitCode {
    aws::install_crypto_provider();
    telemetry::init(args.log_format);
    let client = match Client::try_default().await {
        Ok(c) => c,
        Err(e) => return fail(&format!("cannot reach the Kubernetes API server: {e}")),
    };
    let budget = Arc::new(Budget::new(BudgetConfig {
        route53_rps: args.route53_rps,
        health_status_rps: args.health_status_rps,
        dynamodb_rps: args.dynamodb_rps,
        dynamodb_data_rps: args.dynamodb_data_rps,
        health_detail_rps: args.health_detail_rps,
        health_diagnosis_rps: args.health_diagnosis_rps,
        ..BudgetConfig::default()
    }));
    // Snapshots take each object's own interval as the freshness they need; this is for the rest.
    let shared = match args.default_verify_interval_seconds {
        Some(old) => {
            tracing::warn!(
                "RF_DEFAULT_VERIFY_INTERVAL_SECONDS is deprecated: set RF_SHARED_READ_MAX_AGE_SECONDS (half of it)"
            );
            old / 2
        }
        None => args.shared_read_max_age_seconds,
    };
    let cache_max_age = Duration::from_secs(shared.clamp(1, 1800));
    let table_max_age = Duration::from_secs(args.table_refresh_seconds.min(86_400));
    let aws = Aws::new(AwsOptions { cache_max_age, table_max_age, ..AwsOptions::default() }, budget.clone()).await;
    let stats_budget = budget.clone();
    let metrics = Metrics::new(Some(Arc::new(move || {
        stats_budget
            .stats()
            .into_iter()
            .map(|s| AwsCallCount {
                service: s.service.label().to_string(),
                operation: s.operation.to_string(),
                outcome: s.outcome.label().to_string(),
                count: s.count,
            })
            .collect()
    })));
    let probes = Arc::new(Probes::default());

    let listener = match tokio::net::TcpListener::bind(args.metrics_bind).await {
        Ok(l) => l,
        Err(e) => return fail(&format!("cannot listen on {}: {e}", args.metrics_bind)),
    };
    let app = router(metrics.clone(), probes.clone(), Duration::from_secs(120));
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            error!(error = %e, "metrics server stopped");
        }
    });

    let identity = std::env::var("POD_NAME").unwrap_or_else(|_| {
        format!("{}-{}", std::env::var("HOSTNAME").unwrap_or_else(|_| "regional-failover".into()), std::process::id())
    });
    let api: Api<RegionalFailover> = match &args.watch_namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    if let Err(e) = reconcile::check_access(&api, &probes).await {
        return fail(&format!("cannot list RegionalFailovers (is the CRD installed and RBAC granted?): {e}"));
    }
    tokio::spawn(liveness::keep_evidence(api.clone(), probes.clone(), Duration::from_secs(30)));
    let failsafe = args.failsafe.config();
    if failsafe.role_arn.is_none() {
        tracing::warn!("no --failsafe-role-arn: drills are refused (no AWS-side fail-safe and lock)");
    }
    // The operator's own namespace: where the drill stop switch lives (and the lease, by default).
    let namespace = std::env::var("POD_NAMESPACE")
        .ok()
        .or_else(|| args.lease_namespace.clone())
        .unwrap_or_else(|| "default".into());
    let settings = Settings {
        failsafe,
        identity: format!("operator {identity}"),
        namespace: namespace.clone(),
        drills_enabled: args.drills_enabled,
        runbooks: args.runbooks,
        cluster_region: args.cluster_region.filter(|r| !r.is_empty()),
        dns_watch: Duration::from_secs(args.dns_watch_seconds.clamp(1, 3600)),
        dns_watch_alert: Duration::from_secs(args.dns_watch_alert_seconds.clamp(1, 3600)),
    };
    let ctx = Arc::new(Context::new(client.clone(), aws, metrics.clone(), probes.clone(), settings));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    info!(identity, leader_election = args.leader_election, "operator starting");

    if !args.leader_election {
        reconcile::run(ctx, api, wait_true(stop_rx)).await;
        return ExitCode::SUCCESS;
    }
    let lease = LeaseConfig {
        name: args.lease_name,
        namespace: args.lease_namespace.clone().unwrap_or(namespace),
        identity,
        lease_duration: Duration::from_secs(15),
        renew_every: Duration::from_secs(2),
    };
    let (lead_tx, mut lead_rx) = watch::channel(false);
    tokio::spawn(leader::run(client.clone(), lease.clone(), lead_tx, probes.clone()));
    let mut stop = stop_rx.clone();
    loop {
        tokio::select! {
            _ = lead_rx.wait_for(|leading| *leading) => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        metrics.leader.set(1);
        let lost = {
            let mut rx = lead_rx.clone();
            let stop = stop_rx.clone();
            async move {
                tokio::select! {
                    _ = rx.wait_for(|leading| !*leading) => {}
                    _ = wait_true(stop) => {}
                }
            }
        };
        reconcile::run(ctx.clone(), api.clone(), lost).await;
        metrics.leader.set(0);
        if *stop_rx.borrow() {
            break;
        }
        info!("lost the lease; standing by");
    }
    leader::release(client, &lease).await;
    ExitCode::SUCCESS
}

async fn wait_true(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
