//! CALCULATED and CLOUDWATCH_METRIC health checks (docs/architecture.md, "Failover path"): their own settings
//! compared with the spec, and the configurations under which they can never fail the primary over.

use super::healthcheck::NOT_SET;
use super::timing::calculated_cannot_fail;
use super::{AlarmRef, AwsSnapshot, Code, HealthCheckObserved, finding, health_check_type_str};
use crate::api::Finding;
use crate::api::{HealthCheckType, RegionalFailoverSpec};

/// Findings for the primary check's kind-specific settings; nothing when the check is missing or
/// of another type than declared (`check_health_check` reports those).
pub fn check_health_check_kind(spec: &RegionalFailoverSpec, snap: &AwsSnapshot) -> Vec<Finding> {
    let want = &spec.health_check;
    let Some(hc) = snap.health_check.as_ref().filter(|hc| hc.kind == health_check_type_str(want.kind)) else {
        return Vec::new();
    };
    let resource = format!("route53:healthcheck/{}", want.id);
    match want.kind {
        HealthCheckType::Calculated => calculated(spec, snap, hc, &resource),
        HealthCheckType::CloudWatchMetric => alarm(spec, snap, hc, &resource),
        _ => Vec::new(),
    }
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut v = ids.to_vec();
    v.sort();
    v
}

fn calculated(
    spec: &RegionalFailoverSpec,
    snap: &AwsSnapshot,
    hc: &HealthCheckObserved,
    resource: &str,
) -> Vec<Finding> {
    let want = &spec.health_check;
    let mut out = Vec::new();
    let (expected, actual) = (sorted(&want.child_health_checks), sorted(&hc.child_health_checks));
    if expected != actual {
        let show = |v: &[String]| if v.is_empty() { NOT_SET.to_string() } else { v.join(",") };
        out.push(finding(
            Code::HealthCheckChildrenMismatch,
            resource,
            "ChildHealthChecks",
            show(&expected),
            show(&actual),
            format!(
                "The calculated check combines {} instead of {}: the primary fails over when other components fail than the spec \
                 describes, and not when the declared ones do. Set child_healthchecks to the declared IDs.",
                show(&actual),
                show(&expected)
            ),
        ));
    }
    if let Some(threshold) = want.health_threshold
        && hc.health_threshold != Some(threshold)
    {
        let children = hc.child_health_checks.len();
        let consequence = match hc.health_threshold {
            Some(0) => "with 0 Route 53 considers the check healthy forever, so failover can never happen".to_string(),
            Some(t) if usize::try_from(t).is_ok_and(|t| t > children) => {
                format!("with {t} of {children} children Route 53 considers the check unhealthy forever")
            }
            Some(t) => format!("the primary is called down when fewer than {t} children are healthy, not {threshold}"),
            None => "without one Route 53's verdict is not what the spec declares".to_string(),
        };
        out.push(finding(
            Code::HealthCheckHealthThresholdMismatch,
            resource,
            "HealthThreshold",
            threshold.to_string(),
            hc.health_threshold.map_or_else(|| NOT_SET.to_string(), |t| t.to_string()),
            format!(
                "The calculated check's HealthThreshold differs from the spec's {threshold}: {consequence}, which changes when \
                 (and whether) the primary fails over and the predicted RTO. Set child_health_threshold = {threshold}."
            ),
        ));
    }
    if let Some(why) = calculated_cannot_fail(snap, hc) {
        out.push(finding(
            Code::CalculatedCheckCannotFail,
            resource,
            "ChildHealthChecks/HealthThreshold",
            "enough children that can fail to drop below HealthThreshold",
            why.clone(),
            format!(
                "The calculated check can never become unhealthy: {why}. Route 53 keeps answering with the PRIMARY while it is \
                 down, so failover is impossible. Enable (or un-invert) the children, or lower the number of them it ignores."
            ),
        ));
    }
    out
}

fn show_alarm(a: Option<&AlarmRef>) -> String {
    a.map_or_else(|| NOT_SET.to_string(), |a| format!("{}/{}", a.region, a.name))
}

fn alarm(spec: &RegionalFailoverSpec, snap: &AwsSnapshot, hc: &HealthCheckObserved, resource: &str) -> Vec<Finding> {
    let want = &spec.health_check;
    let mut out = Vec::new();
    let expected = want.alarm.as_ref().map(|a| AlarmRef { region: a.region.clone(), name: a.name.clone() });
    if expected.is_some() && hc.alarm != expected {
        out.push(finding(
            Code::HealthCheckAlarmMismatch,
            resource,
            "AlarmIdentifier",
            show_alarm(expected.as_ref()),
            show_alarm(hc.alarm.as_ref()),
            format!(
                "The health check follows the alarm {} instead of {}: the primary fails over on another signal than the spec \
                 describes, and not on the declared one. Set cloudwatch_alarm_name and cloudwatch_alarm_region to the declared alarm.",
                show_alarm(hc.alarm.as_ref()),
                show_alarm(expected.as_ref())
            ),
        ));
    }
    if let Some(declared) = want.insufficient_data_health_status {
        let actual = hc.insufficient_data_health_status.as_deref().unwrap_or("LastKnownStatus");
        if actual != declared.as_str() {
            out.push(finding(
                Code::HealthCheckInsufficientDataMismatch,
                resource,
                "InsufficientDataHealthStatus",
                declared.as_str(),
                actual,
                format!(
                    "While the alarm has too little data Route 53 calls the primary {actual}, the spec says {}: a canary that dies \
                     with its region stops publishing, and only Unhealthy then fails over. Set insufficient_data_health_status = \"{}\".",
                    declared.as_str(),
                    declared.as_str()
                ),
            ));
        }
    }
    if let Some(alarm) = hc.alarm.as_ref()
        && let Some(None) = snap.alarm(alarm)
    {
        let setting = hc.insufficient_data_health_status.as_deref().unwrap_or("LastKnownStatus");
        let consequence = match setting {
            "Healthy" => "healthy forever, so failover can never happen",
            "Unhealthy" => "unhealthy forever, so DNS stays on the secondary",
            _ => "frozen at its last status, so it never changes again",
        };
        out.push(finding(
            Code::HealthCheckAlarmMissing,
            resource,
            "AlarmIdentifier",
            format!("alarm {} exists", show_alarm(Some(alarm))),
            "not found",
            format!(
                "CloudWatch has no alarm {}: Route 53 treats the check as having insufficient data ({setting}), i.e. {consequence}. \
                 Create the alarm (Terraform: aws_cloudwatch_metric_alarm) or point the health check at the right one.",
                show_alarm(Some(alarm))
            ),
        ));
    }
    out
}

#[cfg(test)]
pub(super) mod tests;
