//! The failover path beyond each record on its own (docs/architecture.md, "Failover path"): whether the
//! SECONDARY can be answered, whether the PRIMARY can be withdrawn at all, whether the two records
//! form one pair, and the failback TTL.
//!
//! Route 53's failover truth table: the PRIMARY is answered while it is healthy; when it is not,
//! the SECONDARY is answered if it is healthy; when both are unhealthy Route 53 answers as if both
//! were healthy, i.e. with the PRIMARY. A record without a health check and without
//! `EvaluateTargetHealth` is always healthy. So an unhealthy SECONDARY keeps DNS on the primary
//! whatever the primary's health, and a PRIMARY without either can never be withdrawn.

use super::records::record_resource;
use super::{AwsSnapshot, Code, FailoverRole, RecordObserved, finding};
use crate::api::{Finding, HealthState, RegionalFailoverSpec, SecondaryHealthCheck};

/// Findings about the pair as a whole; duplicates and missing records are `check_records`'s.
pub fn check_failover_path(spec: &RegionalFailoverSpec, snap: &AwsSnapshot) -> Vec<Finding> {
    if snap.zone.is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    out.extend(pair_types(spec, &snap.records));
    let (Some(primary), Some(secondary)) =
        (failover_record(spec, snap, FailoverRole::Primary), failover_record(spec, snap, FailoverRole::Secondary))
    else {
        return out;
    };
    if primary.health_check_id.is_none() && !(primary.alias && primary.evaluate_target_health) {
        out.push(finding(
            Code::PrimaryCannotFailOver,
            &record_resource(spec, primary.set_identifier.as_deref()),
            "HealthCheckId/AliasTarget.EvaluateTargetHealth",
            "a health check or EvaluateTargetHealth = true",
            if primary.alias { "no health check, EvaluateTargetHealth = false" } else { "no health check" },
            format!(
                "Route 53 considers a failover record without a health check{} always healthy, so it keeps answering with the \
                 PRIMARY while the primary is down: failover can never happen. Set health_check_id = \"{}\" on the PRIMARY record.",
                if primary.alias { " and without EvaluateTargetHealth" } else { "" },
                spec.health_check.id
            ),
        ));
    }
    if primary.alias != secondary.alias {
        let kind = |r: &RecordObserved| if r.alias { "an alias" } else { "a plain record" };
        out.push(finding(
            Code::FailoverPairAliasMismatch,
            &record_resource(spec, secondary.set_identifier.as_deref()),
            "AliasTarget",
            format!("{} like the PRIMARY", kind(primary)),
            kind(secondary),
            format!(
                "The PRIMARY is {} and the SECONDARY {}: their TTLs and health come from different places (an alias has its \
                 target's TTL and may inherit its target's health; a plain record has its own TTL and only its health check), \
                 so failover and failback behave differently from what a symmetric pair would. Make both aliases or both plain.",
                kind(primary),
                kind(secondary)
            ),
        ));
    }
    out.extend(secondary_health(spec, snap, secondary));
    if let (Some(want), Some(ttl)) = (spec.dns.failback_ttl_seconds, secondary.ttl)
        && ttl != want
    {
        out.push(finding(
            Code::SecondaryRecordTtlMismatch,
            &record_resource(spec, secondary.set_identifier.as_deref()),
            "TTL",
            want.to_string(),
            ttl.to_string(),
            format!(
                "The SECONDARY record's TTL is {ttl} s, the spec's failback TTL {want} s: after a failback resolvers keep answering \
                 with the standby for up to {ttl} s ({}). It does not change the RTO. Set the SECONDARY record's ttl = {want}.",
                if ttl < want { "traffic returns to the primary more abruptly than planned" } else { "longer than planned" }
            ),
        ));
    }
    out
}

/// The one record of `role` for the spec's name and type, when there is exactly one.
pub fn failover_record<'a>(
    spec: &RegionalFailoverSpec,
    snap: &'a AwsSnapshot,
    role: FailoverRole,
) -> Option<&'a RecordObserved> {
    let want = super::record_type_str(spec.dns.record_type);
    let mut of_role = snap.records.iter().filter(|r| {
        r.failover == Some(role)
            && super::same_endpoint(&r.name, &spec.dns.record_name)
            && r.kind.eq_ignore_ascii_case(want)
    });
    match (of_role.next(), of_role.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// PRIMARY and SECONDARY records of different types are two lone records, not a pair: clients
/// asking for the PRIMARY's type never get the SECONDARY.
fn pair_types(spec: &RegionalFailoverSpec, records: &[RecordObserved]) -> Option<Finding> {
    let types = |role: FailoverRole| -> Vec<String> {
        let mut t: Vec<String> = records
            .iter()
            .filter(|r| r.failover == Some(role) && super::same_endpoint(&r.name, &spec.dns.record_name))
            .map(|r| r.kind.to_ascii_uppercase())
            .collect();
        t.sort();
        t.dedup();
        t
    };
    let (p, s) = (types(FailoverRole::Primary), types(FailoverRole::Secondary));
    if p.is_empty() || s.is_empty() || p == s {
        return None;
    }
    let alone = |a: &[String], b: &[String]| a.iter().filter(|t| !b.contains(t)).cloned().collect::<Vec<_>>();
    let (only_p, only_s) = (alone(&p, &s), alone(&s, &p));
    Some(finding(
        Code::FailoverPairTypeMismatch,
        &record_resource(spec, None).rsplit_once('/').map_or_else(String::new, |(base, _)| base.to_string()),
        "Type",
        "PRIMARY and SECONDARY records of the same types",
        format!("PRIMARY {}, SECONDARY {}", p.join("+"), s.join("+")),
        format!(
            "The failover records for {} differ in type ({}): Route 53 pairs records by name and type, so {} never fail over. \
             Give the PRIMARY and the SECONDARY the same record types.",
            spec.dns.record_name,
            [
                (!only_p.is_empty()).then(|| format!("{} only as PRIMARY", only_p.join("+"))),
                (!only_s.is_empty()).then(|| format!("{} only as SECONDARY", only_s.join("+"))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
            if only_p.is_empty() {
                "those queries have nothing to fail over from".to_string()
            } else {
                format!("clients asking for {}", only_p.join("/"))
            }
        ),
    ))
}

/// What withholds the SECONDARY when it is unhealthy: its health check, or its alias target's health.
fn gate(secondary: &RecordObserved) -> Option<String> {
    match (&secondary.health_check_id, secondary.alias && secondary.evaluate_target_health) {
        (Some(id), true) => Some(format!("health check {id} and EvaluateTargetHealth = true")),
        (Some(id), false) => Some(format!("health check {id}")),
        (None, true) => Some("EvaluateTargetHealth = true".to_string()),
        (None, false) => None,
    }
}

fn secondary_health(spec: &RegionalFailoverSpec, snap: &AwsSnapshot, secondary: &RecordObserved) -> Vec<Finding> {
    let resource = record_resource(spec, secondary.set_identifier.as_deref());
    let mut out = Vec::new();
    let gate = gate(secondary);
    let mismatch = match (spec.dns.secondary_health_check, &gate) {
        (Some(SecondaryHealthCheck::Absent), Some(g)) => Some((
            "no health check, EvaluateTargetHealth = false",
            g.clone(),
            "The SECONDARY is declared to be answered whenever the primary fails, but it carries {g}: while that says \
             unhealthy, Route 53 answers with the PRIMARY whatever the primary's health, so failover is impossible. Remove it, \
             or declare spec.dns.secondaryHealthCheck: Present.",
        )),
        (Some(SecondaryHealthCheck::Present), None) => Some((
            "a health check or EvaluateTargetHealth = true",
            "neither".to_string(),
            "The SECONDARY is declared to carry a health check, but it has none: Route 53 answers with it whenever the primary \
             fails, even when the standby is down. Add one, or declare spec.dns.secondaryHealthCheck: Absent.",
        )),
        _ => None,
    };
    if let Some((expected, actual, message)) = mismatch {
        let message = message.replace("{g}", &actual);
        out.push(finding(
            Code::SecondaryRecordHealthCheckMismatch,
            &resource,
            "HealthCheckId",
            expected,
            actual,
            message,
        ));
    }
    if let (Some(id), Some(HealthState::Unhealthy)) = (&secondary.health_check_id, snap.secondary_health) {
        out.push(finding(
            Code::SecondaryHealthCheckUnhealthy,
            &resource,
            "HealthCheckId",
            format!("health check {id} healthy"),
            format!("health check {id} unhealthy"),
            format!(
                "The SECONDARY record's health check {id} is unhealthy: while it is, Route 53 answers with the PRIMARY whatever \
                 the primary's health, so failover is impossible right now (and drills are refused). Make the standby healthy, \
                 or remove the check from the SECONDARY if it should always be answered (spec.dns.secondaryHealthCheck: Absent)."
            ),
        ));
    }
    out
}

/// Sentences for the InSync condition about choices the spec leaves open (not drift): what the
/// SECONDARY's health does when the team has not declared it, and a PRIMARY that also follows
/// its alias target's health.
pub fn failover_notes(spec: &RegionalFailoverSpec, snap: &AwsSnapshot) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(secondary) = failover_record(spec, snap, FailoverRole::Secondary)
        && spec.dns.secondary_health_check.is_none()
    {
        notes.push(match gate(secondary) {
            None => "The SECONDARY record has no health check: Route 53 answers with it whenever the primary fails, even \
                     if the standby is down (declare spec.dns.secondaryHealthCheck: Absent to record that this is intended)."
                .to_string(),
            Some(g) => format!(
                "The SECONDARY record carries {g}: while that says unhealthy, Route 53 answers with the primary whatever its \
                 health (declare spec.dns.secondaryHealthCheck: Present to record that this is intended)."
            ),
        });
    }
    if let Some(primary) = failover_record(spec, snap, FailoverRole::Primary)
        && primary.alias
        && primary.evaluate_target_health
    {
        notes.push(
            "The PRIMARY alias evaluates its target's health too: it also fails over when its target is unhealthy, which \
             drills (inverting the health check) do not exercise."
                .to_string(),
        );
    }
    notes
}

#[cfg(test)]
mod tests;
