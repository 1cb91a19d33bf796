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
