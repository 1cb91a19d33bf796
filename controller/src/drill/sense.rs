//! I/O: one [`Observation`] per drill step (docs/architecture.md, "Drills: evidence").
//!
//! The authoritative servers are asked in every step, each on its own, and the answer time is
//! what transitions are recorded at. The slower reads (the health check, Route 53's checkers, the
//! operator's own HTTP probes) run as background tasks on their own cadence while a drill waits
//! for DNS, so a slow or throttled read never delays noticing the flip; preflight and the step
//! right before the injection read everything fresh and wait for it.

use std::{future::Future, net::SocketAddr, time::Duration};

use chrono::{DateTime, Utc};
use tokio::{task::JoinHandle, time::Instant};

use super::{
    evidence::{Answer, CheckState, CheckerVerdict, DnsView, Evidence, HostFacts, Observation, ServerAnswer, Standby},
    http_probe, validate,
};
use crate::{
    api::{DrillPhase, DrillRecord, RegionalFailoverSpec, ValidationResult},
    aws::Aws,
    dns::{self, DnsError},
    verify,
};

/// Limit of one slow read: evidence that takes longer counts as unreadable.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// While injected: the health check read back (Route 53 allows 5 calls/s per account).
const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(2);
/// While injected: the checkers (`GetHealthCheckStatus` is limited to about 1/s per account).
const CHECKERS_EVERY: Duration = Duration::from_secs(3);
/// While injected: the operator's own probes of both endpoints (free).
const PROBES_EVERY: Duration = Duration::from_secs(2);

/// While a flip is expected, how often one step asks the servers again.
const FAST_POLL: Duration = Duration::from_millis(20);
/// How long one step keeps asking before it hands what it saw to the machine.
const BURST: Duration = Duration::from_millis(250);
/// How long after the injection (or the restore) a flip is expected: Route 53 applies a change on
/// its servers within about a minute (twice the propagation allowance). Outside it the servers
/// are asked once a step (docs/architecture.md, "Drills: evidence").
pub const FAST_WINDOW_SECONDS: i64 = 2 * verify::PROPAGATION_ALLOWANCE_SECONDS as i64;

/// The drill waits for a flip it expects soon: steps follow each other closely and each asks the
/// servers every [`FAST_POLL`] (the measured times' resolution), instead of once per 250 ms.
pub fn expecting_flip(record: &DrillRecord, now: DateTime<Utc>) -> bool {
    let since = match record.phase {
        DrillPhase::AwaitingFailover => record.injected_at,
        DrillPhase::AwaitingFailback => record.restored_at,
        _ => None,
    };
    since.is_some_and(|t| now - t < chrono::Duration::seconds(FAST_WINDOW_SECONDS))
}

/// Something the machine must judge now: a server answering `target` the record has no time for
/// yet, or an answer naming neither endpoint.
fn news(record: &DrillRecord, view: &DnsView, target: Answer) -> bool {
    view.servers.iter().any(|s| match s.answer.read() {
        Some(Answer::Other) => true,
        Some(a) if *a == target => {
            let known = record.servers.iter().find(|t| t.server == s.server);
            let time =
                known.and_then(|t| if target == Answer::Secondary { t.failed_over_at } else { t.failed_back_at });
            time.is_none()
        }
        _ => false,
    })
}

/// A read that runs in the background and is picked up by a later step.
struct Slow<T> {
    every: Duration,
    started: Option<Instant>,
    task: Option<JoinHandle<T>>,
}

impl<T: Send + 'static> Slow<T> {
    fn new(every: Duration) -> Self {
        Slow { every, started: None, task: None }
    }

    /// The result of a finished read (once), and a new read started when one is due.
    async fn poll<F>(&mut self, start: impl FnOnce() -> F) -> Option<T>
    where
        F: Future<Output = T> + Send + 'static,
    {
        let mut done = None;
        if self.task.as_ref().is_some_and(JoinHandle::is_finished)
            && let Some(task) = self.task.take()
        {
            done = task.await.ok();
        }
        let due = self.started.is_none_or(|t| t.elapsed() >= self.every);
        if self.task.is_none() && due {
            self.started = Some(Instant::now());
            self.task = Some(tokio::spawn(start()));
        }
        done
    }
}

impl<T> Drop for Slow<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Each authoritative server as written, with its addresses (or why it did not resolve).
type Servers = Vec<(String, Result<Vec<SocketAddr>, DnsError>)>;

/// What a drill keeps between steps: resolved servers and the background reads.
pub struct Senses {
    servers: Option<Servers>,
    standby: Slow<Option<ValidationResult>>,
    health_check: Slow<Evidence<Option<CheckState>>>,
    checkers: Slow<(Evidence<CheckerVerdict>, DateTime<Utc>)>,
    primary: Slow<Evidence<()>>,
    secondary: Slow<Evidence<()>>,
}

impl Default for Senses {
    fn default() -> Self {
        Senses {
            servers: None,
            // Once per drill: the first attempt's result stands (a retry could hide a failure).
            standby: Slow::new(Duration::from_secs(3600)),
            health_check: Slow::new(HEALTH_CHECK_EVERY),
            checkers: Slow::new(CHECKERS_EVERY),
            primary: Slow::new(PROBES_EVERY),
            secondary: Slow::new(PROBES_EVERY),
        }
    }
}

impl Senses {
    /// The observation for a step in `phase`.
    pub async fn observe(
        &mut self,
        spec: &RegionalFailoverSpec,
        aws: &Aws,
        record: &DrillRecord,
        host: HostFacts,
        now: DateTime<Utc>,
    ) -> Observation {
        let mut obs = Observation::host_only(host);
        match record.phase {
            DrillPhase::Pending | DrillPhase::Restoring => {}
            DrillPhase::Preflight => {
                // Shared reads may be a cycle (tables: minutes) old; the go/no-go needs the present.
                aws.forget(spec);
                let (dns, hc, checkers, primary, secondary, settings) = tokio::join!(
                    self.dns(spec, aws),
                    bounded(read_check(aws.clone(), spec.health_check.id.clone())),
                    bounded(read_checkers(aws.clone(), spec.health_check.clone())),
                    bounded(endpoint_probe(spec, true)),
                    bounded(endpoint_probe(spec, false)),
                    bounded(read_settings(aws.clone(), spec.clone(), now)),
                );
                obs.dns = Some(dns);
                obs.health_check = Some(hc);
                obs.checkers = Some(checkers);
                obs.primary_probe = Some(primary);
                obs.secondary_probe = Some(secondary);
                obs.settings = Some(settings);
            }
            DrillPhase::Injecting => {
                let (dns, hc) =
                    tokio::join!(self.dns(spec, aws), bounded(read_check(aws.clone(), spec.health_check.id.clone())));
                obs.dns = Some(dns);
                obs.health_check = Some(hc);
            }
            DrillPhase::AwaitingFailover => {
                obs.dns = Some(self.dns_until_news(spec, aws, record, Answer::Secondary).await);
                let (aws1, aws2, id1, hc2) =
                    (aws.clone(), aws.clone(), spec.health_check.id.clone(), spec.health_check.clone());
                obs.health_check = self.health_check.poll(|| bounded(read_check(aws1, id1))).await;
                // Timed when the answer came, not when this step picked it up.
                let read = self.checkers.poll(|| async move { (bounded(read_checkers(aws2, hc2)).await, Utc::now()) });
                if let Some((verdict, at)) = read.await {
                    obs.checkers = Some(no_reports_while_injected(verdict));
                    obs.checkers_at = Some(at);
                }
                let (p, s) = (endpoint_probe(spec, true), endpoint_probe(spec, false));
                obs.primary_probe = self.primary.poll(|| bounded(p)).await;
                obs.secondary_probe = self.secondary.poll(|| bounded(s)).await;
                obs.standby = self.standby(spec, record).await;
            }
            DrillPhase::AwaitingFailback => {
                obs.dns = Some(self.dns_until_news(spec, aws, record, Answer::Primary).await);
            }
            DrillPhase::Succeeded | DrillPhase::Failed | DrillPhase::Aborted => {}
        }
        obs
    }

    /// The post-failover request, started once DNS failed over and kept until answered.
    async fn standby(&mut self, spec: &RegionalFailoverSpec, record: &DrillRecord) -> Standby {
        let Some(validation) = spec.post_failover_validation.clone() else { return Standby::NotConfigured };
        if record.post_failover_validation.is_some() || record.dns_failed_over_at.is_none() {
            return Standby::Pending;
        }
        let spec = spec.clone();
        match self.standby.poll(|| async move { Some(validate::standby(&spec, &validation).await) }).await {
            Some(Some(result)) => Standby::Done(result),
            _ => Standby::Pending,
        }
    }

    /// While a flip is expected, the servers asked every [`FAST_POLL`] until one says something new
    /// or the step's [`BURST`] is over; otherwise once.
    async fn dns_until_news(
        &mut self,
        spec: &RegionalFailoverSpec,
        aws: &Aws,
        record: &DrillRecord,
        target: Answer,
    ) -> DnsView {
        let mut view = self.dns(spec, aws).await;
        if !expecting_flip(record, Utc::now()) {
            return view;
        }
        let deadline = Instant::now() + BURST;
        while !news(record, &view, target) && Instant::now() + FAST_POLL < deadline {
            tokio::time::sleep(FAST_POLL).await;
            view = self.dns(spec, aws).await;
        }
        view
    }

    /// Every authoritative server, each asked on its own, at once.
    pub async fn dns(&mut self, spec: &RegionalFailoverSpec, aws: &Aws) -> DnsView {
        if self.servers.is_none() {
            let entries = match server_entries(spec, aws).await {
                Ok(e) => e,
                Err(e) => return DnsView::unreadable(e, Utc::now()),
            };
            self.servers = Some(dns::resolve_each(&entries).await);
        }
        let servers = self.servers.as_deref().unwrap_or_default();
        let asks = servers.iter().map(|(label, addrs)| async move {
            let answer = match addrs {
                Ok(addrs) => match dns::query(addrs, &spec.dns.record_name, spec.dns.record_type).await {
                    Ok(a) => Evidence::Read(answer_of(spec, &a.values)),
                    Err(e) => Evidence::unreadable(e.to_string()),
                },
                Err(e) => Evidence::unreadable(e.to_string()),
            };
            ServerAnswer { server: label.clone(), answer }
        });
        let servers = futures::future::join_all(asks).await;
        DnsView { servers, answered_at: Utc::now() }
    }
}

/// `spec.dns.nameservers`, else the zone's delegation set.
async fn server_entries(spec: &RegionalFailoverSpec, aws: &Aws) -> Result<Vec<String>, String> {
    if !spec.dns.nameservers.is_empty() {
        return Ok(spec.dns.nameservers.clone());
    }
    match aws.cached_hosted_zone(&spec.dns.hosted_zone_id).await {
        Ok(Some(zone)) if !zone.name_servers.is_empty() => Ok(zone.name_servers),
        Ok(_) => Err("the hosted zone has no delegation set to ask".into()),
        Err(e) => Err(crate::status::sentences::aws_error(&e)),
    }
}

/// Which endpoint an answer names, as the machine sees it.
pub fn answer_of(spec: &RegionalFailoverSpec, values: &[String]) -> Answer {
    match verify::active_region(values, spec) {
        Some(r) if r == spec.primary.region => Answer::Primary,
        Some(r) if r == spec.secondary.region => Answer::Secondary,
        _ => Answer::Other,
    }
}

async fn bounded<T>(read: impl Future<Output = Evidence<T>>) -> Evidence<T> {
    match tokio::time::timeout(READ_TIMEOUT, read).await {
        Ok(e) => e,
        Err(_) => Evidence::unreadable(format!("no answer within {} s", READ_TIMEOUT.as_secs())),
    }
}

/// The operator's own request to an endpoint's health path, shaped like the health check's.
fn endpoint_probe(spec: &RegionalFailoverSpec, primary: bool) -> impl Future<Output = Evidence<()>> + Send + 'static {
    let hc = &spec.health_check;
    let endpoint = if primary { spec.primary.endpoint.clone() } else { spec.secondary.endpoint.clone() };
    // CALCULATED and CLOUDWATCH_METRIC checks name no endpoint: both endpoints are still probed,
    // with the spec's `probeType` (default HTTPS), port and path, because Route 53's verdict on
    // those kinds comes from children or an alarm that may lag or watch something else, and a
    // drill must not rest on one source (docs/architecture.md, "Drills: evidence"). Nothing is
    // skipped, so an unreachable endpoint refuses or aborts exactly as for HTTP checks.
    let (kind, port, path) = (hc.probe_kind(), hc.port, hc.resource_path.clone());
    async move { Evidence::from_result(http_probe::probe(kind, &endpoint, port, &path).await) }
}

mod reads;
use reads::{no_reports_while_injected, read_check, read_checkers, read_settings};
