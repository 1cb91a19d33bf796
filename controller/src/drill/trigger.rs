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
mod tests;
