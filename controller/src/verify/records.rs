//! The hosted zone and the PRIMARY/SECONDARY failover records.

use super::endpoint::{normalize_alias_target, normalize_endpoint, same_endpoint};
use super::healthcheck::NOT_SET;
use super::{Code, FailoverRole, RecordObserved, ZoneObserved, finding};
use crate::api::{Finding, RecordType, RegionalFailoverSpec};

/// Route 53's spelling of a record type.
pub fn record_type_str(kind: RecordType) -> &'static str {
    match kind {
        RecordType::A => "A",
        RecordType::AAAA => "AAAA",
        RecordType::CNAME => "CNAME",
    }
}

/// `route53:zone/<zoneId>/<recordName>/<type>/<setId>` (without `/<setId>` for a record that has none).
pub fn record_resource(spec: &RegionalFailoverSpec, set_id: Option<&str>) -> String {
    let base = format!(
        "route53:zone/{}/{}/{}",
        spec.dns.hosted_zone_id,
        normalize_endpoint(&spec.dns.record_name),
        record_type_str(spec.dns.record_type)
    );
    match set_id {
        Some(id) => format!("{base}/{id}"),
        None => base,
    }
}

/// Findings for the zone and the record pair; a missing zone yields only [`Code::HostedZoneMissing`].
pub fn check_records(
    spec: &RegionalFailoverSpec,
    zone: Option<&ZoneObserved>,
    records: &[RecordObserved],
) -> Vec<Finding> {
    let dns = &spec.dns;
    if zone.is_none() {
        return vec![finding(
            Code::HostedZoneMissing,
            &format!("route53:zone/{}", dns.hosted_zone_id),
            "HostedZoneId",
            &dns.hosted_zone_id,
            "not found",
            format!(
                "Route 53 has no hosted zone {}: the failover records cannot exist. Correct spec.dns.hostedZoneId or create the zone.",
                dns.hosted_zone_id
            ),
        )];
    }
    let want_type = record_type_str(dns.record_type);
    let ours: Vec<&RecordObserved> = records
        .iter()
        .filter(|r| same_endpoint(&r.name, &dns.record_name) && r.kind.eq_ignore_ascii_case(want_type))
        .collect();
    let mut out = Vec::new();
    for r in ours.iter().filter(|r| r.failover.is_none()) {
        out.push(finding(
            Code::NonFailoverRecord,
            &record_resource(spec, r.set_identifier.as_deref()),
            "Failover",
            "PRIMARY or SECONDARY",
            NOT_SET,
            format!(
                "A {want_type} record for {} without failover routing exists next to the failover pair: it can shadow them, so failover \
                 would not change what clients get. Delete it.",
                dns.record_name
            ),
        ));
    }
    for role in [FailoverRole::Primary, FailoverRole::Secondary] {
        let of_role: Vec<&RecordObserved> = ours.iter().copied().filter(|r| r.failover == Some(role)).collect();
        check_role(spec, role, &of_role, &mut out);
    }
    out
}

struct Role {
    label: &'static str,
    set_id: String,
    endpoint: String,
    missing: Code,
    target: Code,
}

fn role(spec: &RegionalFailoverSpec, role: FailoverRole) -> Role {
    match role {
        FailoverRole::Primary => Role {
            label: "PRIMARY",
            set_id: spec.dns.primary_set_identifier.clone(),
            endpoint: spec.primary.endpoint.clone(),
            missing: Code::PrimaryRecordMissing,
            target: Code::PrimaryRecordTargetMismatch,
        },
        FailoverRole::Secondary => Role {
            label: "SECONDARY",
            set_id: spec.dns.secondary_set_identifier.clone(),
            endpoint: spec.secondary.endpoint.clone(),
            missing: Code::SecondaryRecordMissing,
            target: Code::SecondaryRecordTargetMismatch,
        },
    }
}

/// With duplicates it is unclear which record Route 53 serves, so only the duplicate is reported.
fn check_role(spec: &RegionalFailoverSpec, which: FailoverRole, records: &[&RecordObserved], out: &mut Vec<Finding>) {
    let dns = &spec.dns;
    let r = role(spec, which);
    let resource = record_resource(spec, Some(&r.set_id));
    let rec = match records {
        [] => {
            let consequence = match which {
                FailoverRole::Primary => "there is nothing to fail over from, so the health check protects nothing",
                FailoverRole::Secondary => "when the primary fails Route 53 has nothing to fail over to",
            };
            out.push(finding(
                r.missing,
                &resource,
                "Failover",
                format!("one {} record", r.label),
                "none",
                format!(
                    "There is no {} failover record for {} ({}): {consequence}. Create it (Terraform: aws_route53_record with \
                     failover_routing_policy {{ type = \"{}\" }} and set_identifier = \"{}\").",
                    r.label,
                    dns.record_name,
                    record_type_str(dns.record_type),
                    r.label,
                    r.set_id
                ),
            ));
            return;
        }
        [one] => *one,
        many => {
            let ids: Vec<&str> = many.iter().map(|x| x.set_identifier.as_deref().unwrap_or(NOT_SET)).collect();
            out.push(finding(
                Code::DuplicateFailoverRecord,
                &resource,
                "Failover",
                format!("one {} record", r.label),
                format!("{} {} records ({})", many.len(), r.label, ids.join(", ")),
                format!(
                    "{} {} records exist for {}: which one Route 53 answers with is undefined. Keep only the one with set identifier \"{}\".",
                    many.len(),
                    r.label,
                    dns.record_name,
                    r.set_id
                ),
            ));
            return;
        }
    };
    let set_id = rec.set_identifier.as_deref().unwrap_or(NOT_SET);
    if set_id != r.set_id {
        out.push(finding(
            Code::RecordSetIdentifierMismatch,
            &resource,
            "SetIdentifier",
            &r.set_id,
            set_id,
            format!(
                "The {} record's set identifier is \"{set_id}\", the spec says \"{}\": drills and checks address records by it. \
                 Set set_identifier = \"{}\" or correct the spec.",
                r.label, r.set_id, r.set_id
            ),
        ));
    }
    if which == FailoverRole::Primary && rec.health_check_id.as_deref() != Some(spec.health_check.id.as_str()) {
        let want = &spec.health_check.id;
        let (actual, problem) = match rec.health_check_id.as_deref() {
            None => (NOT_SET, "has no health check: Route 53 keeps serving it while the primary is down".to_string()),
            Some(other) => (
                other,
                format!(
                    "carries health check {other}: failover follows a check this operator does not verify or drill"
                ),
            ),
        };
        out.push(finding(
            Code::PrimaryRecordHealthCheckMismatch,
            &resource,
            "HealthCheckId",
            want,
            actual,
            format!("The PRIMARY record {problem}. Set health_check_id = \"{want}\"."),
        ));
    }
    if !target_matches(rec, &r.endpoint) {
        let actual = if rec.values.is_empty() { NOT_SET.to_string() } else { rec.values.join(",") };
        out.push(finding(
            r.target,
            &resource,
            if rec.alias { "AliasTarget.DNSName" } else { "ResourceRecords" },
            normalize_endpoint(&r.endpoint),
            &actual,
            format!(
                "The {} record points to {actual}, not {}: clients would be sent somewhere the health check does not watch. \
                 Point it at {} ({}).",
                r.label,
                r.endpoint,
                r.endpoint,
                if rec.alias { "alias { name }" } else { "records" }
            ),
        ));
    }
    // With a failback TTL declared, the SECONDARY's TTL is compared with it instead
    // (`check_failover_path`): it does not affect the RTO.
    let failback_ttl = which == FailoverRole::Secondary && dns.failback_ttl_seconds.is_some();
    if let Some(ttl) = rec.ttl.filter(|t| *t > dns.max_ttl_seconds && !failback_ttl) {
        out.push(finding(
            Code::RecordTtlTooHigh,
            &resource,
            "TTL",
            format!("<= {}", dns.max_ttl_seconds),
            ttl.to_string(),
            format!(
                "The {} record's TTL is {ttl} s, above maxTtlSeconds {}: resolvers keep the old answer that long after a failover, \
                 stretching the RTO. Set ttl = {} or lower.",
                r.label, dns.max_ttl_seconds, dns.max_ttl_seconds
            ),
        ));
    }
}

/// Every value must name the endpoint; an alias's DNS name is compared without `dualstack.`.
fn target_matches(rec: &RecordObserved, endpoint: &str) -> bool {
    if rec.alias {
        let want = normalize_alias_target(endpoint);
        !rec.values.is_empty() && rec.values.iter().all(|v| normalize_alias_target(v) == want)
    } else {
        !rec.values.is_empty() && rec.values.iter().all(|v| same_endpoint(v, endpoint))
    }
}

#[cfg(test)]
mod tests;
