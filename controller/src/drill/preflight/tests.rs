//! The preflight judgement on its own: messages name the input and what to do.

use super::*;
use crate::drill::evidence::{HostFacts, ServerAnswer, SettingsFacts};

fn good() -> Observation {
    let at = chrono::Utc::now();
    let servers = vec![ServerAnswer { server: "ns-1".into(), answer: Evidence::Read(Answer::Primary) }];
    Observation {
        dns: Some(DnsView { servers, answered_at: at }),
        health_check: Some(Evidence::Read(Some(CheckState {
            id: "hc".into(),
            inverted: false,
            disabled: false,
            version: Some(3),
        }))),
        checkers: Some(Evidence::Read(CheckerVerdict::Healthy)),
        checkers_at: None,
        primary_probe: Some(Evidence::Read(())),
        secondary_probe: Some(Evidence::Read(())),
        settings: Some(Evidence::Read(SettingsFacts::default())),
        standby: crate::drill::evidence::Standby::NotConfigured,
        host: HostFacts {
            suspended: false,
            drills_stopped: None,
            failsafe_configured: true,
            abort: None,
            unreachable: None,
        },
    }
}

#[test]
fn all_good_returns_the_check_to_capture() {
    let check = judge(&good()).expect("may start");
    assert_eq!((check.version, check.inverted), (Some(3), false));
}

#[test]
fn an_unreadable_input_is_named_with_its_error() {
    let mut o = good();
    o.checkers = Some(Evidence::unreadable("Route 53 GetHealthCheckStatus failed: Throttling: Rate exceeded"));
    let (reason, message) = judge(&o).expect_err("refused");
    assert_eq!(reason, DrillReason::PreflightUnreadable);
    assert!(message.starts_with("Route 53's checkers (GetHealthCheckStatus) could not be read"), "{message}");
    assert!(message.contains("Throttling"), "{message}");
}

#[test]
fn dns_already_on_the_secondary_with_failing_checkers_is_a_real_incident() {
    let mut o = good();
    o.dns = Some(DnsView {
        servers: vec![ServerAnswer { server: "ns-1".into(), answer: Evidence::Read(Answer::Secondary) }],
        answered_at: chrono::Utc::now(),
    });
    o.checkers = Some(Evidence::Read(CheckerVerdict::Unhealthy));
    let (reason, message) = judge(&o).expect_err("refused");
    assert_eq!(reason, DrillReason::PrimaryUnhealthy);
    assert!(message.contains("real incident"), "{message}");
}

#[test]
fn an_unhealthy_secondary_check_refuses_before_drift() {
    let mut o = good();
    let why = "The SECONDARY record's health check hc-2 is unhealthy: Route 53 would keep answering with the primary.";
    o.settings = Some(Evidence::Read(SettingsFacts {
        secondary_unanswerable: Some(why.into()),
        drift_codes: vec!["SecondaryHealthCheckUnhealthy".into()],
        ..SettingsFacts::default()
    }));
    let (reason, message) = judge(&o).expect_err("refused");
    assert_eq!(reason, DrillReason::SecondaryHealthCheckUnhealthy);
    assert_eq!(message, why);
    o.settings = Some(Evidence::Read(SettingsFacts::default()));
    assert!(judge(&o).is_ok(), "a healthy (or absent) SECONDARY check does not refuse");
}

#[test]
fn no_drill_while_the_other_region_does_not_answer_from_here() {
    let mut o = good();
    o.host.unreachable = Some(
        "Route 53's control plane (us-east-1) is unreachable from us-west-2: Route 53 ListHealthChecks got no answer."
            .into(),
    );
    let j = judged(&o);
    let (reason, message) = j.verdict.expect_err("refused");
    assert_eq!(reason, DrillReason::OtherRegionUnreachable);
    assert!(message.contains("unreachable from us-west-2"), "{message}");
    let check = j.checks.iter().find(|c| c.check == "OtherRegionReachable").expect("named check");
    assert!(!check.passed);
    o.host.unreachable = None;
    assert!(judge(&o).is_ok());
}

#[test]
fn the_version_read_is_shown_as_a_number() {
    let checks = judged(&good()).checks;
    let readable = checks.iter().find(|c| c.check == "HealthCheckReadable").expect("judged");
    assert_eq!(readable.detail, "Read, HealthCheckVersion 3.");
}

#[test]
fn a_check_without_a_version_refuses_since_no_change_could_be_conditional() {
    let mut o = good();
    o.health_check =
        Some(Evidence::Read(Some(CheckState { id: "hc".into(), inverted: false, disabled: false, version: None })));
    let (reason, message) = judge(&o).expect_err("refused");
    assert_eq!(reason, DrillReason::PreflightUnreadable);
    assert!(message.contains("no HealthCheckVersion"), "{message}");
    assert!(!message.contains("None"), "{message}");
}
