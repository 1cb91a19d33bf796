use super::*;
use crate::api::{DrillMethod, DrillPhase};
use crate::verify::fixtures;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

fn spec_with(schedule: Option<&str>) -> RegionalFailoverSpec {
    let mut spec = fixtures::spec();
    spec.drills = vec![DrillSpec {
        name: "weekly".into(),
        schedule: schedule.map(str::to_string),
        method: DrillMethod::InvertHealthCheck,
        timeout_seconds: 600,
        run_from: crate::api::RunFrom::Primary,
    }];
    spec
}

#[test]
fn annotation_value_runs_once() {
    let spec = spec_with(None);
    let mut d = DrillStatus::default();
    let now = at("2026-11-22T10:00:00Z");
    assert!(matches!(decide(&spec, Some("weekly"), &mut d, now, None), Some(Request::Run { .. })));
    assert_eq!(d.handled_run_request.as_deref(), Some("weekly"));
    assert_eq!(decide(&spec, Some("weekly"), &mut d, now, None), None);
    assert!(matches!(decide(&spec, Some("weekly/2"), &mut d, now, None), Some(Request::Run { .. })));
}

#[test]
fn unknown_drill_is_handled_and_reported() {
    let spec = spec_with(None);
    let mut d = DrillStatus::default();
    let r = decide(&spec, Some("nightly"), &mut d, at("2026-11-22T10:00:00Z"), None);
    assert_eq!(r, Some(Request::UnknownDrill("nightly".into())));
    assert_eq!(d.handled_run_request.as_deref(), Some("nightly"));
}

#[test]
fn suspended_spec_skips_schedules_but_not_requests() {
    let mut spec = spec_with(Some("31 10 * * *"));
    spec.suspend = true;
    let mut d = DrillStatus {
        scheduled: vec![ScheduledRun { name: "weekly".into(), at: at("2026-11-22T10:30:00Z") }],
        ..DrillStatus::default()
    };
    assert_eq!(decide(&spec, None, &mut d, at("2026-11-22T10:31:05Z"), None), None);
    assert_eq!(d.scheduled[0].at, at("2026-11-22T10:31:00Z"));
    let r = decide(&spec, Some("weekly"), &mut d, at("2026-11-22T10:32:00Z"), None);
    assert!(matches!(r, Some(Request::Run { trigger: DrillTrigger::Annotation, .. })), "{r:?}");
}

#[test]
fn schedule_first_seen_then_fires_once() {
    let spec = spec_with(Some("31 10 * * *"));
    let mut d = DrillStatus::default();
    assert_eq!(decide(&spec, None, &mut d, at("2026-11-22T10:30:10Z"), None), None);
    assert_eq!(decide(&spec, None, &mut d, at("2026-11-22T10:30:50Z"), None), None);
    let r = decide(&spec, None, &mut d, at("2026-11-22T10:31:02Z"), None);
    assert!(matches!(r, Some(Request::Run { trigger: DrillTrigger::Schedule, .. })), "{r:?}");
    assert_eq!(d.scheduled[0].at, at("2026-11-22T10:31:00Z"));
    assert_eq!(decide(&spec, None, &mut d, at("2026-11-22T10:31:30Z"), None), None);
    let next = next_fire_in(&spec, at("2026-11-22T10:31:30Z")).expect("next");
    assert_eq!(next.as_secs(), 24 * 3600 - 30);
}

#[test]
fn stale_fire_is_skipped() {
    let spec = spec_with(Some("0 3 * * *"));
    let mut d = DrillStatus {
        scheduled: vec![ScheduledRun { name: "weekly".into(), at: at("2026-11-20T00:00:00Z") }],
        ..DrillStatus::default()
    };
    assert_eq!(decide(&spec, None, &mut d, at("2026-11-22T10:00:00Z"), None), None);
    assert_eq!(d.scheduled[0].at, at("2026-11-22T03:00:00Z"));
}

#[test]
fn archive_keeps_newest_ten() {
    let mut d = DrillStatus::default();
    for i in 0..12 {
        let mut r = machine::start("weekly", DrillTrigger::Cli, 60, 90, "test", at("2026-11-22T10:00:00Z"));
        r.phase = DrillPhase::Succeeded;
        r.message = Some(i.to_string());
        d.current = Some(r.clone());
        archive(&mut d, r);
    }
    assert_eq!(d.history.len(), HISTORY_LEN);
    assert_eq!(d.history[0].message.as_deref(), Some("11"));
    assert_eq!(d.last.as_ref().and_then(|r| r.message.as_deref()), Some("11"));
    assert!(d.current.is_none());
}

#[test]
fn in_two_cluster_mode_each_drill_runs_from_its_cluster_only() {
    use crate::api::RunFrom;
    let mut spec = spec_with(Some("30 10 * * *"));
    let (east, west) = (Some("us-east-1"), Some("us-west-2"));
    assert!(runs_here(&spec, &spec.drills[0], east), "the default is the primary's cluster");
    assert!(!runs_here(&spec, &spec.drills[0], west));
    assert!(runs_here(&spec, &spec.drills[0], None), "single-cluster mode runs everything");
    // Requested on the standby's cluster: refused with where it runs.
    let mut d = DrillStatus::default();
    let r = decide(&spec, Some("weekly"), &mut d, at("2026-11-22T10:00:00Z"), west);
    assert_eq!(r, Some(Request::OtherCluster { drill: "weekly".into(), runs_from: "us-east-1".into() }));
    // Its schedule fires on the primary's side only; the standby's bookkeeping still moves on.
    let (mut on_east, mut on_west) = (DrillStatus::default(), DrillStatus::default());
    for (status, here) in [(&mut on_east, east), (&mut on_west, west)] {
        decide(&spec, None, status, at("2026-11-22T10:00:00Z"), here);
    }
    let fired_east = decide(&spec, None, &mut on_east, at("2026-11-22T10:30:05Z"), east);
    let fired_west = decide(&spec, None, &mut on_west, at("2026-11-22T10:30:05Z"), west);
    assert!(matches!(fired_east, Some(Request::Run { .. })));
    assert_eq!(fired_west, None);
    assert_eq!(on_west.scheduled[0].at, at("2026-11-22T10:30:00Z"), "the fire passed, not queued");
    spec.drills[0].run_from = RunFrom::Any;
    assert!(runs_here(&spec, &spec.drills[0], west) && runs_here(&spec, &spec.drills[0], east));
    spec.drills[0].run_from = RunFrom::Secondary;
    assert!(runs_here(&spec, &spec.drills[0], west) && !runs_here(&spec, &spec.drills[0], east));
}
