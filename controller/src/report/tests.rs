use super::*;
use crate::verify::fixtures;

#[test]
fn the_five_parts_are_there_and_name_this_object() {
    let mut spec = fixtures::spec();
    spec.drills = vec![crate::api::DrillSpec {
        name: "weekly".into(),
        schedule: None,
        method: crate::api::DrillMethod::InvertHealthCheck,
        timeout_seconds: 600,
        run_from: crate::api::RunFrom::Primary,
    }];
    let input = Input {
        namespace: "team",
        name: "api",
        spec: &spec,
        status: None,
        preflight: vec![],
        operator_namespace: "ops",
    };
    let r = build(&input);
    let md = markdown(&r);
    for heading in [
        "## 1. Decision criteria",
        "## 2. Pre-flight checks",
        "## 3. Ordered steps, with rollback",
        "## 4. Communication template",
        "## 5. Post-failover validation",
    ] {
        assert!(md.contains(heading), "{heading} missing:\n{md}");
    }
    assert!(md.contains(&format!("--health-check-id {} --inverted", spec.health_check.id)), "{md}");
    assert!(md.contains("kubectl -n team annotate regionalfailover api regionalfailover.io/run-drill=weekly/after-incident --overwrite"), "{md}");
    assert!(md.contains("kubectl -n ops create configmap regional-failover-stop-drills"), "{md}");
    assert!(
        r.steps
            .iter()
            .filter(|s| s.command.contains("--inverted"))
            .all(|s| s.rollback.as_deref().is_some_and(|b| b.contains("--no-inverted")))
    );
}

#[test]
fn the_decision_criteria_say_what_fails_over_for_each_type_of_check() {
    use crate::api::{AlarmSpec, HealthCheckType};
    let criterion = |spec: &RegionalFailoverSpec| {
        let input =
            Input { namespace: "team", name: "api", spec, status: None, preflight: vec![], operator_namespace: "ops" };
        build(&input).decision_criteria[0].clone()
    };
    let mut spec = fixtures::spec();
    let id = spec.health_check.id.clone();
    let https = criterion(&spec);
    assert!(
        https.contains(&format!("/health healthy for 3 consecutive checks 10 s apart (HTTPS check {id})")),
        "{https}"
    );
    spec.health_check.kind = HealthCheckType::TCP;
    let tcp = criterion(&spec);
    assert!(tcp.contains(&format!(":443 healthy for 3 consecutive checks 10 s apart (TCP check {id})")), "{tcp}");
    spec.health_check.kind = HealthCheckType::CloudWatchMetric;
    spec.health_check.alarm = Some(AlarmSpec { name: "deep-canary".into(), region: "us-east-1".into() });
    let alarm = criterion(&spec);
    assert!(
        alarm.contains(&format!("the alarm deep-canary in us-east-1, which the CLOUDWATCH_METRIC check {id} follows")),
        "{alarm}"
    );
    spec.health_check.kind = HealthCheckType::Calculated;
    spec.health_check.alarm = None;
    spec.health_check.child_health_checks = vec!["a".into(), "b".into(), "c".into()];
    spec.health_check.health_threshold = Some(2);
    let calculated = criterion(&spec);
    assert!(
        calculated.contains(&format!("fewer than 2 of the 3 child health checks of the CALCULATED check {id}")),
        "{calculated}"
    );
    for text in [alarm, calculated] {
        assert!(!text.contains("checkers see"), "no endpoint is polled: {text}");
    }
}
