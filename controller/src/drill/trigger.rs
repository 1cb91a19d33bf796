//! PURE: which drill (if any) a reconcile should start, and the bookkeeping around it.

use chrono::{DateTime, Duration, Utc};

use super::{machine, schedule};
use crate::api::{DrillRecord, DrillSpec, DrillStatus, DrillTrigger, RegionalFailoverSpec, ScheduledRun};

pub use crate::api::RUN_DRILL_ANNOTATION;
/// Finished drills kept in `status.drill.history`.
pub const HISTORY_LEN: usize = 10;
/// A scheduled fire older than this (the operator was down) is skipped rather than run late.
pub const SCHEDULE_STARTING_DEADLINE_SECONDS: i64 = 600;

/// What to do about drill requests this reconcile.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Start this drill.
    Run { drill: DrillSpec, trigger: DrillTrigger },
    /// The annotation names no declared drill.
    UnknownDrill(String),
    /// The annotation asks for a drill that runs from the other region's cluster (`runFrom`).
    OtherCluster { drill: String, runs_from: String },
}

/// Whether an operator in cluster region `here` (`None`: single-cluster mode) runs drill `d`.
pub fn runs_here(spec: &RegionalFailoverSpec, d: &DrillSpec, here: Option<&str>) -> bool {
    match (here, d.run_from.region(&spec.primary.region, &spec.secondary.region)) {
        (Some(here), Some(there)) => here == there,
        _ => true,
    }
}

/// The drill named by an annotation value: `weekly`, or `weekly/<anything>` so that the same drill
/// can be requested again with a new value.
pub fn drill_name_of(annotation: &str) -> &str {
    annotation.split_once('/').map_or(annotation, |(name, _)| name).trim()
}

/// Decides what to start and updates the bookkeeping in `drill` (handled annotation value,
/// handled schedule times). The caller persists `drill` before it starts anything.
pub fn decide(
    spec: &RegionalFailoverSpec,
    annotation: Option<&str>,
    drill: &mut DrillStatus,
    now: DateTime<Utc>,
    here: Option<&str>,
) -> Option<Request> {
    let mut request = None;
    if let Some(value) = annotation
        && drill.handled_run_request.as_deref() != Some(value)
    {
        drill.handled_run_request = Some(value.to_string());
        let name = drill_name_of(value);
        // A suspended object still runs the request into preflight, which refuses it visibly.
        request = Some(match spec.drills.iter().find(|d| d.name == name) {
            Some(d) if !runs_here(spec, d, here) => Request::OtherCluster {
                drill: d.name.clone(),
                runs_from: d.run_from.region(&spec.primary.region, &spec.secondary.region).unwrap_or_default().into(),
            },
            Some(d) => Request::Run { drill: d.clone(), trigger: DrillTrigger::Annotation },
            None => Request::UnknownDrill(value.to_string()),
        });
    }
    for d in &spec.drills {
        let Some(cron) = d.schedule.as_deref().and_then(|s| schedule::parse(s).ok()) else { continue };
        let Some(entry) = drill.scheduled.iter_mut().find(|s| s.name == d.name) else {
            // First sight of this schedule: start counting from now, never run a past fire.
            drill.scheduled.push(ScheduledRun { name: d.name.clone(), at: now });
            continue;
        };
        let Some(due) = schedule::due_since(&cron, entry.at, now) else { continue };
        entry.at = due;
        let fresh = now - due <= Duration::seconds(SCHEDULE_STARTING_DEADLINE_SECONDS);
        // The other cluster's drills are its own: their fires pass here without a word.
        if fresh && !spec.suspend && request.is_none() && runs_here(spec, d, here) {
            request = Some(Request::Run { drill: d.clone(), trigger: DrillTrigger::Schedule });
        }
    }
    drill.scheduled.retain(|s| spec.drills.iter().any(|d| d.name == s.name && d.schedule.is_some()));
    request
}

/// Time until the next scheduled drill, if any is declared.
pub fn next_fire_in(spec: &RegionalFailoverSpec, now: DateTime<Utc>) -> Option<std::time::Duration> {
    spec.drills
        .iter()
        .filter_map(|d| d.schedule.as_deref().and_then(|s| schedule::parse(s).ok()))
        .filter_map(|cron| cron.iter_after(now).next())
        .map(|t| (t - now).to_std().unwrap_or_default())
        .min()
}

/// Moves a finished drill out of `current` into `last` and the front of `history`.
pub fn archive(drill: &mut DrillStatus, record: DrillRecord) {
    drill.current = None;
    drill.history.insert(0, record.clone());
    drill.history.truncate(HISTORY_LEN);
    drill.last = Some(record);
}

/// Whether a record still needs driving (left by a previous process when seen at reconcile start).
pub fn unfinished(drill: Option<&DrillStatus>) -> Option<&DrillRecord> {
    drill.and_then(|d| d.current.as_ref()).filter(|r| !machine::is_terminal(r.phase))
}

#[cfg(test)]
mod tests {
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
}
