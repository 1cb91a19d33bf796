//! Which drill DrillSucceeded speaks for: refusals that touched nothing prove nothing.

use chrono::Duration;

use super::*;

#[test]
fn a_refusal_that_touched_nothing_leaves_the_drill_before_it_standing() {
    let at = |minutes: i64, mut r: DrillRecord| {
        r.started_at = t0() + Duration::minutes(minutes);
        r.finished_at = Some(r.started_at + Duration::seconds(30));
        r
    };
    let refused = |minutes: i64, reason: &str| {
        let mut r = at(minutes, drill(DrillPhase::Failed, None, None));
        r.reason = Some(reason.into());
        r
    };
    let proved = at(0, drill(DrillPhase::Succeeded, Some(42.0), Some(true)));
    for reason in ["DrillAlreadyRunning", "OtherRegionUnreachable", "Suspended", "DrillsStopped"] {
        let status = crate::api::DrillStatus {
            last: Some(refused(10, reason)),
            history: vec![refused(10, reason), proved.clone()],
            ..Default::default()
        };
        assert_eq!(conditions::proving_drill(Some(&status)), Some(&proved), "{reason} proves nothing");
    }
    // A refusal that says the failover is in doubt counts, and so does a drill that injected.
    for reason in ["PrimaryUnhealthy", "DriftDetected", "PreflightUnreadable"] {
        let status = crate::api::DrillStatus {
            last: Some(refused(10, reason)),
            history: vec![refused(10, reason), proved.clone()],
            ..Default::default()
        };
        assert_eq!(conditions::proving_drill(Some(&status)).and_then(|r| r.reason.as_deref()), Some(reason));
    }
    let mut injected = refused(10, "DrillAlreadyRunning");
    injected.injected_at = Some(injected.started_at);
    let status = crate::api::DrillStatus {
        last: Some(injected.clone()),
        history: vec![injected.clone(), proved],
        ..Default::default()
    };
    assert_eq!(conditions::proving_drill(Some(&status)), Some(&injected));
    assert_eq!(conditions::proving_drill(None), None);
}
