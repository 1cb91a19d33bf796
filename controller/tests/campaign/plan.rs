//! PURE: one run of the campaign, drawn from its seed alone (`fastrand::Rng::with_seed`), so that
//! any run replays with `RF_CAMPAIGN_RUNS=1 RF_CAMPAIGN_SEED=<seed>`. What happens when is fixed
//! by the plan; the moments themselves are relative to the run's events (its start, the first
//! injection local AWS applied, the restore of it), which the harness reads from local AWS.

use std::fmt;

use fastrand::Rng;

/// The operations the drill uses, by SigV4 service name (local AWS's fault API matches on these).
pub const OPERATIONS: [(&str, &str); 13] = [
    ("route53", "GetHealthCheck"),
    ("route53", "GetHealthCheckStatus"),
    ("route53", "UpdateHealthCheck"),
    ("route53", "ListHealthChecks"),
    ("route53", "GetHostedZone"),
    ("route53", "ListResourceRecordSets"),
    ("route53", "TestDNSAnswer"),
    ("dynamodb", "DescribeTable"),
    ("dynamodb", "DescribeContinuousBackups"),
    ("monitoring", "GetMetricData"),
    ("scheduler", "CreateSchedule"),
    ("scheduler", "GetSchedule"),
    ("scheduler", "DeleteSchedule"),
];

/// Every seed divisible by this runs with operators (the rest with the CLI only).
pub const OPERATOR_EVERY: u64 = 7;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum When {
    /// Before the drivers start.
    Before,
    /// Seconds after the first driver started.
    After(f64),
    /// Seconds after local AWS applied the run's first injection.
    AtInjection(f64),
    /// Seconds after that injection was undone.
    AtRestore(f64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum AwsKind {
    Throttle,
    /// HTTP status 500 or 503.
    Error(u16),
    LatencyMs(u64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AwsFault {
    pub service: &'static str,
    pub operation: &'static str,
    pub kind: AwsKind,
    /// Matching requests it affects; `None`: until removed `lasts` seconds later.
    pub count: Option<u32>,
    pub lasts: f64,
    pub when: When,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DnsKind {
    Drop,
    DelayMs(u64),
    Servfail,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DnsFault {
    pub kind: DnsKind,
    pub count: Option<u32>,
    pub probability: f64,
    pub seed: u64,
    pub lasts: f64,
    pub when: When,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    pub when: When,
    pub lasts: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PersonChange {
    FailureThreshold(i32),
    ResourcePath,
    Disabled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Cli,
    Operator,
}

/// Who asks for a drill, and when (seconds after the run's start).
#[derive(Clone, Debug, PartialEq)]
pub enum Driver {
    Cli {
        at: f64,
    },
    /// Annotates the object watched by operator `which` (0 or 1: two namespaces, one check).
    Operator {
        which: usize,
        at: f64,
    },
}

/// A drill phase of the operator's record in which to kill it with SIGKILL.
pub const KILL_PHASES: [&str; 5] = ["Preflight", "Injecting", "AwaitingFailover", "Restoring", "AwaitingFailback"];

#[derive(Clone, Debug, PartialEq)]
pub struct Kill {
    pub which: usize,
    pub phase: &'static str,
    pub restart_after: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub seed: u64,
    pub mode: Mode,
    /// Seconds between the `Before` actions and the first driver.
    pub lead: f64,
    pub drivers: Vec<Driver>,
    pub aws: Vec<AwsFault>,
    pub dns: Vec<DnsFault>,
    pub primary: Option<Outage>,
    pub secondary: Option<Outage>,
    pub person: Option<(PersonChange, When)>,
    pub kill: Option<Kill>,
    /// SIGINT to the first CLI.
    pub interrupt: Option<When>,
    /// SIGKILL to the first CLI: only its fail-safe restores.
    pub cli_kill: Option<When>,
}

fn pick<T: Clone>(rng: &mut Rng, items: &[(f64, T)]) -> T {
    let total: f64 = items.iter().map(|(w, _)| w).sum();
    let mut x = rng.f64() * total;
    for (w, item) in items {
        if x < *w {
            return item.clone();
        }
        x -= w;
    }
    items[items.len() - 1].1.clone()
}

fn between(rng: &mut Rng, a: f64, b: f64) -> f64 {
    let x = a + rng.f64() * (b - a);
    (x * 10.0).round() / 10.0
}

fn when(rng: &mut Rng) -> When {
    match pick(rng, &[(0.3, 0), (0.4, 1), (0.3, 2)]) {
        0 => When::Before,
        1 => When::After(between(rng, 0.0, 4.0)),
        _ => When::AtInjection(between(rng, 0.0, 1.5)),
    }
}

/// The drill's writes and in-flight reads weigh more: that is where a fault can change the outcome.
const WEIGHTS: [f64; 13] = [2.0, 2.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.5];

fn aws_fault(rng: &mut Rng) -> AwsFault {
    let weighted: Vec<(f64, (&'static str, &'static str))> = WEIGHTS.iter().copied().zip(OPERATIONS).collect();
    let (service, operation) = pick(rng, &weighted);
    let kind = match pick(rng, &[(0.35, 0), (0.25, 1), (0.16, 2), (0.12, 3), (0.12, 4)]) {
        0 => AwsKind::Throttle,
        1 => AwsKind::Error(if rng.bool() { 500 } else { 503 }),
        // Short, beyond the drill's 5 s read limit, beyond the SDK's 10 s attempt timeout.
        2 => AwsKind::LatencyMs(rng.u64(200..=3000)),
        3 => AwsKind::LatencyMs(rng.u64(5200..=8000)),
        _ => AwsKind::LatencyMs(rng.u64(10_050..=12_500)),
    };
    let count = match kind {
        AwsKind::LatencyMs(_) => pick(rng, &[(0.4, Some(1)), (0.3, Some(2)), (0.2, Some(3)), (0.1, None)]),
        _ => pick(rng, &[(0.25, Some(1)), (0.2, Some(2)), (0.2, Some(3)), (0.15, Some(6)), (0.2, None)]),
    };
    AwsFault { service, operation, kind, count, lasts: between(rng, 1.0, 8.0), when: when(rng) }
}

fn dns_fault(rng: &mut Rng) -> DnsFault {
    let kind = pick(rng, &[(0.5, 0), (0.3, 1), (0.2, 2)]);
    let kind = match kind {
        0 => DnsKind::Drop,
        1 => DnsKind::DelayMs(rng.u64(200..=2500)),
        _ => DnsKind::Servfail,
    };
    let (count, probability) = if rng.bool() {
        (Some(pick(rng, &[(1.0, 1), (1.0, 3), (1.0, 10)])), 1.0)
    } else {
        (None, between(rng, 0.3, 0.8))
    };
    DnsFault { kind, count, probability, seed: rng.u64(..), lasts: between(rng, 1.0, 6.0), when: when(rng) }
}

/// The plan of the run with this seed.
pub fn draw(seed: u64) -> Plan {
    let mut rng = Rng::with_seed(seed);
    let mode = if seed.is_multiple_of(OPERATOR_EVERY) { Mode::Operator } else { Mode::Cli };
    let mut drivers = Vec::new();
    match mode {
        Mode::Cli => {
            drivers.push(Driver::Cli { at: 0.0 });
            if rng.f64() < 0.25 {
                drivers.push(Driver::Cli { at: between(&mut rng, 0.0, 2.5) });
            }
        }
        Mode::Operator => {
            drivers.push(Driver::Operator { which: 0, at: 0.0 });
            if rng.f64() < 0.6 {
                drivers.push(Driver::Operator { which: 1, at: between(&mut rng, 0.0, 2.0) });
            }
            if rng.f64() < 0.4 {
                drivers.push(Driver::Cli { at: between(&mut rng, 0.0, 2.5) });
            }
        }
    }
    let n = pick(&mut rng, &[(0.15, 0), (0.5, 1), (0.25, 2), (0.1, 3)]);
    let aws: Vec<AwsFault> = (0..n).map(|_| aws_fault(&mut rng)).collect();
    let dns = if rng.f64() < 0.3 { vec![dns_fault(&mut rng)] } else { Vec::new() };
    let primary = (rng.f64() < 0.35).then(|| {
        let when = match pick(&mut rng, &[(0.15, 0), (0.35, 1), (0.3, 2), (0.2, 3)]) {
            0 => When::Before,
            1 => When::After(between(&mut rng, 0.0, 3.0)),
            2 => When::AtInjection(between(&mut rng, 0.0, 2.0)),
            _ => When::AtRestore(between(&mut rng, 0.0, 1.0)),
        };
        Outage { when, lasts: between(&mut rng, 1.0, 10.0) }
    });
    let lead = if primary.as_ref().is_some_and(|o| o.when == When::Before) { between(&mut rng, 0.0, 5.0) } else { 0.0 };
    let secondary = (rng.f64() < 0.06)
        .then(|| Outage { when: When::AtInjection(between(&mut rng, 0.0, 1.0)), lasts: between(&mut rng, 2.0, 5.0) });
    let person = (rng.f64() < 0.25).then(|| {
        let change = match rng.usize(..3) {
            0 => PersonChange::FailureThreshold(pick(&mut rng, &[(1.0, 1), (1.0, 2), (1.0, 4), (1.0, 5)])),
            1 => PersonChange::ResourcePath,
            _ => PersonChange::Disabled,
        };
        let at = if rng.bool() {
            When::After(between(&mut rng, 0.0, 6.0))
        } else {
            When::AtInjection(between(&mut rng, 0.0, 1.0))
        };
        (change, at)
    });
    let kill = (mode == Mode::Operator && rng.f64() < 0.7).then(|| Kill {
        which: 0,
        phase: KILL_PHASES[rng.usize(..KILL_PHASES.len())],
        restart_after: between(&mut rng, 0.0, 2.0),
    });
    // Phases that pass in a blink are hit by slowing the call they wait on: the lock
    // (CreateSchedule) for Injecting, the injecting UpdateHealthCheck for AwaitingFailover (the
    // record says "may be injected" before the request is sent: write-ahead).
    let mut aws: Vec<AwsFault> = aws;
    let slow = |operation, ms| AwsFault {
        service: if operation == "CreateSchedule" { "scheduler" } else { "route53" },
        operation,
        kind: AwsKind::LatencyMs(ms),
        count: Some(1),
        lasts: 1.0,
        when: When::Before,
    };
    match kill.as_ref().map(|k| k.phase) {
        Some("Injecting") => aws.push(slow("CreateSchedule", 1500)),
        Some("AwaitingFailover") if rng.bool() => {
            let ms = rng.u64(2000..=12_000);
            aws.push(slow("UpdateHealthCheck", ms));
        }
        _ => {}
    }
    let interrupt = (mode == Mode::Cli && rng.f64() < 0.08).then(|| {
        if rng.bool() {
            When::After(between(&mut rng, 0.5, 3.0))
        } else {
            When::AtInjection(between(&mut rng, 0.0, 2.0))
        }
    });
    let cli_kill = (mode == Mode::Cli && rng.f64() < 0.03).then(|| When::AtInjection(between(&mut rng, 0.0, 1.0)));
    Plan { seed, mode, lead, drivers, aws, dns, primary, secondary, person, kill, interrupt, cli_kill }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::Before => write!(f, "@before"),
            When::After(s) => write!(f, "@+{s:.1}s"),
            When::AtInjection(s) => write!(f, "@inj+{s:.1}s"),
            When::AtRestore(s) => write!(f, "@restore+{s:.1}s"),
        }
    }
}

impl fmt::Display for AwsFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            AwsKind::Throttle => "throttle".to_string(),
            AwsKind::Error(s) => format!("{s}"),
            AwsKind::LatencyMs(ms) => format!("delay {ms}ms"),
        };
        let count = self.count.map_or(format!("for {:.1}s", self.lasts), |n| format!("x{n}"));
        write!(f, "{}:{} {kind} {count} {}", self.service, self.operation, self.when)
    }
}

impl fmt::Display for DnsFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            DnsKind::Drop => "drop".to_string(),
            DnsKind::DelayMs(ms) => format!("delay {ms}ms"),
            DnsKind::Servfail => "servfail".to_string(),
        };
        match self.count {
            Some(n) => write!(f, "dns {kind} x{n} {}", self.when),
            None => write!(f, "dns {kind} p={:.1} for {:.1}s {}", self.probability, self.lasts, self.when),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_draws_the_same_plan_and_seeds_differ() {
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(1), draw(2));
        assert_eq!(draw(14).mode, Mode::Operator);
        assert_eq!(draw(15).mode, Mode::Cli);
    }

    #[test]
    fn many_seeds_cover_every_kind_of_fault() {
        let plans: Vec<Plan> = (1..=300).map(draw).collect();
        for (_, op) in OPERATIONS {
            assert!(plans.iter().any(|p| p.aws.iter().any(|f| f.operation == op)), "{op}");
        }
        assert!(plans.iter().any(|p| p.aws.iter().any(|f| matches!(f.kind, AwsKind::LatencyMs(ms) if ms > 10_000))));
        for w in [When::Before, When::After(0.0), When::AtInjection(0.0), When::AtRestore(0.0)] {
            let same = |x: &When| std::mem::discriminant(x) == std::mem::discriminant(&w);
            assert!(plans.iter().any(|p| p.primary.as_ref().is_some_and(|o| same(&o.when))), "{w:?}");
        }
        for phase in KILL_PHASES {
            assert!(plans.iter().any(|p| p.kill.as_ref().is_some_and(|k| k.phase == phase)), "{phase}");
        }
        assert!(plans.iter().any(|p| p.drivers.len() == 3));
        assert!(plans.iter().any(|p| p.person.is_some()) && plans.iter().any(|p| !p.dns.is_empty()));
        assert!(plans.iter().any(|p| p.cli_kill.is_some()) && plans.iter().any(|p| p.interrupt.is_some()));
    }
}
