use super::*;
use crate::api::DrillTrigger;
use crate::drill::machine;

fn at(s: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_800_000_000 + s, 0).expect("time")
}

fn record(phase: DrillPhase) -> DrillRecord {
    let mut r = machine::start("weekly", DrillTrigger::Annotation, 600, 300, "operator a", at(0));
    r.phase = phase;
    r
}

fn reasons(events: &[Transition]) -> Vec<(EventReason, EventType)> {
    events.iter().map(|e| (e.reason, e.type_)).collect()
}

#[test]
fn start_abort_restore_failure_and_end_are_announced_once() {
    let start = record(DrillPhase::Pending);
    assert_eq!(reasons(&drill_events(None, &start)), [(EventReason::DrillStarted, EventType::Normal)]);

    let flying = record(DrillPhase::AwaitingFailover);
    let mut aborting = record(DrillPhase::Restoring);
    aborting.reason = Some("PrimaryFailedDuringDrill".into());
    assert_eq!(reasons(&drill_events(Some(&flying), &aborting)), [(EventReason::DrillAborted, EventType::Warning)]);
    assert!(drill_events(Some(&aborting), &aborting).is_empty(), "not again while it stays");

    let mut failed_restore = aborting.clone();
    failed_restore.restore_failures = Some(1);
    assert_eq!(
        reasons(&drill_events(Some(&aborting), &failed_restore)),
        [(EventReason::DrillRestoreFailed, EventType::Warning)]
    );

    let mut done = record(DrillPhase::Succeeded);
    done.passed = Some(true);
    assert_eq!(reasons(&drill_events(Some(&flying), &done)), [(EventReason::DrillSucceeded, EventType::Normal)]);
    done.passed = Some(false);
    assert_eq!(reasons(&drill_events(Some(&flying), &done)), [(EventReason::DrillFailed, EventType::Warning)]);
    assert!(drill_events(Some(&done), &done).is_empty());
}
