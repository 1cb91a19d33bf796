//! Cron schedules of declared drills (UTC), parsed with `croner`.

use chrono::{DateTime, Utc};
use croner::{Cron, parser::CronParser};

/// Parses a 5-field cron expression (`minute hour day-of-month month day-of-week`).
pub fn parse(expr: &str) -> Result<Cron, String> {
    CronParser::builder().build().parse(expr).map_err(|e| e.to_string())
}

/// The latest fire time in `(after, now]`, if any: a drill is due when its schedule fired since
/// the last time it was handled.
pub fn due_since(cron: &Cron, after: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut due = None;
    for t in cron.iter_after(after) {
        if t > now {
            break;
        }
        due = Some(t);
    }
    due
}

#[cfg(test)]
mod tests;
