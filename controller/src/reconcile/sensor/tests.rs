use chrono::{Duration, Utc};

use super::*;
use crate::api::{FlipDirection, RegionalFailoverStatus, WitnessedFailover};

fn spec() -> RegionalFailoverSpec {
    crate::verify::fixtures::spec()
}

fn on(region: &str) -> RegionalFailoverStatus {
    RegionalFailoverStatus { active_region: Some(region.into()), ..RegionalFailoverStatus::default() }
}

fn answer(endpoint: &str) -> Vec<String> {
    vec![endpoint.to_string()]
}

#[test]
fn the_same_region_as_the_status_is_no_news() {
    let s = spec();
    assert!(!news(&s, &answer(&s.primary.endpoint), &on("us-east-1"), Some("us-east-1")));
    assert!(!news(&s, &answer(&s.primary.endpoint), &on("us-east-1"), None));
}

#[test]
fn another_region_than_the_status_wakes_the_reconcile() {
    let s = spec();
    assert!(news(&s, &answer(&s.secondary.endpoint), &on("us-east-1"), Some("us-east-1")));
    // Before the first answer was ever written down.
    assert!(news(&s, &answer(&s.primary.endpoint), &RegionalFailoverStatus::default(), None));
}

#[test]
fn another_region_than_the_last_answer_seen_wakes_it_too() {
    // The status still says the primary (a write in flight), but this process last saw the
    // secondary: the flip back is news for the witness.
    let s = spec();
    assert!(news(&s, &answer(&s.primary.endpoint), &on("us-east-1"), Some("us-west-2")));
}

#[test]
fn an_answer_naming_no_endpoint_is_left_to_the_verification() {
    let s = spec();
    assert!(!news(&s, &answer("203.0.113.9"), &on("us-east-1"), Some("us-east-1")));
    assert!(!news(&s, &[], &on("us-east-1"), Some("us-east-1")));
}

fn record(observed_ago_s: i64, converged: bool) -> WitnessedFailover {
    let now = Utc::now();
    WitnessedFailover {
        direction: FlipDirection::Failover,
        from_region: Some("us-east-1".into()),
        to_region: "us-west-2".into(),
        last_old_answer_at: None,
        observed_at: now - Duration::seconds(observed_ago_s),
        servers: Vec::new(),
        all_servers_at: converged.then_some(now),
        post_failover_validation: None,
        waterfall: Vec::new(),
    }
}

#[test]
fn a_converging_failover_is_asked_by_the_reconcile_server_by_server() {
    let s = spec();
    let mut status = on("us-west-2");
    status.last_failover = Some(Box::new(record(1, false)));
    assert!(asks_itself(&s, &status));
    status.last_failover = Some(Box::new(record(1, true)));
    assert!(!asks_itself(&s, &status), "converged, and no standby request configured");
    assert!(!asks_itself(&s, &on("us-east-1")), "no failover recorded");
}

#[test]
fn an_owed_standby_request_is_made_by_the_reconcile() {
    let mut s = spec();
    s.post_failover_validation = Some(serde_json::from_value(serde_json::json!({})).expect("defaults"));
    let mut status = on("us-west-2");
    status.last_failover = Some(Box::new(record(3600, true)));
    assert!(asks_itself(&s, &status));
    // Once DNS is back on the primary the request is no longer owed.
    status.active_region = Some("us-east-1".into());
    assert!(!asks_itself(&s, &status));
}
