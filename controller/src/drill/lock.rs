//! PURE: the AWS-side drill lock's name and holder text (docs/architecture.md, "Drills: the
//! AWS-side lock").
//!
//! The lock is the fail-safe schedule itself. Its name depends on the health check alone, so every
//! process that drills that check (operators in any namespace or cluster, the CLI) asks
//! EventBridge Scheduler for the same name, and Scheduler lets only one create it. It is released
//! when the drill ends and expires with the fail-safe: the schedule fires at the drill's deadline,
//! restores the check and deletes itself.

use chrono::{DateTime, SecondsFormat, Utc};

/// Prefix of every drill schedule (the operator's IAM policy is scoped to it).
pub const LOCK_PREFIX: &str = "regionalfailover-";
/// Scheduler's limits on names and descriptions.
const MAX_NAME: usize = 64;
const MAX_DESCRIPTION: usize = 512;

/// `regionalfailover-<health check id>`, in Scheduler's alphabet and length.
pub fn lock_name(health_check_id: &str) -> String {
    let id: String = health_check_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '-' })
        .collect();
    let mut name = format!("{LOCK_PREFIX}{id}");
    name.truncate(MAX_NAME);
    name
}

/// Who runs a drill, as written into the lock's description and the drill record:
/// `operator regional-failover-7d9c (us-east-1) for default/profile-api, drill weekly, started …`.
/// When a fail-safe schedule fires: its `at(yyyy-mm-ddThh:mm:ss)` expression, in UTC.
pub fn fires_at(expression: &str) -> Option<DateTime<Utc>> {
    let inner = expression.strip_prefix("at(")?.strip_suffix(')')?;
    chrono::NaiveDateTime::parse_from_str(inner, "%Y-%m-%dT%H:%M:%S").ok().map(|t| t.and_utc())
}

pub fn holder(runner: &str, namespace: &str, name: &str, drill: &str, started: DateTime<Utc>) -> String {
    let mut text = format!(
        "{runner} for {namespace}/{name}, drill {drill}, started {}",
        started.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    if text.len() > MAX_DESCRIPTION {
        let mut cut = MAX_DESCRIPTION;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

#[cfg(test)]
mod tests;
