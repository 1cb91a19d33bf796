//! PURE: desired (spec) × observed (AwsSnapshot) → findings (docs/architecture.md, "The layers").
//!
//! Nothing here performs I/O: the AWS adapters fill an [`AwsSnapshot`], [`verify`] compares it
//! with the spec, and the status builder turns the findings into conditions. The operator never
//! fixes drift (Terraform owns the baseline); it reports it.

mod codes;
mod endpoint;
mod failover_path;
mod healthcheck;
mod healthcheck_kinds;
mod impact;
mod records;
mod replica_state;
mod snapshot;
mod table;
mod timing;
mod verdict;

#[cfg(test)]
pub(crate) mod fixtures;

pub use codes::Code;
pub use endpoint::{
    PROPAGATION_ALLOWANCE_SECONDS, PredictedStages, active_region, normalize_alias_target, normalize_endpoint,
    predicted_failback_seconds, predicted_rto_seconds, predicted_stages, same_endpoint,
};
pub use failover_path::{check_failover_path, failover_notes, failover_record};
pub use healthcheck::{
    check_health_check, effective_health, health_check_type_str, health_from_observations, polls_endpoint,
};
pub use healthcheck_kinds::check_health_check_kind;
pub use impact::{Impact, impact_of};
pub use records::{check_records, record_resource, record_type_str};
pub use replica_state::{CONVERTING_STATES, replica_state_fix, terminal_code};
pub use snapshot::*;
pub use table::{GLOBAL_TABLE_VERSION, MISSING, check_table, replica_states, stream_view_type_str, table_resource};
pub use timing::{Flip, calculated_cannot_fail, detection_seconds};
pub use verdict::{alarm_check_verdict, alarm_state_verdict, calculated_verdict};

use crate::api::{Finding, RegionalFailoverSpec};

/// What verification needs beyond the spec and the snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VerifyContext {
    /// This operator's drill has inverted the health check on purpose right now.
    pub drill_in_progress: bool,
}

/// Every difference between the live AWS resources and the spec, sorted by resource, then code,
/// then field, so that an unchanged world yields an identical (diff-free) status.
pub fn verify(spec: &RegionalFailoverSpec, observed: &AwsSnapshot, ctx: &VerifyContext) -> Vec<Finding> {
    let mut out = check_health_check(spec, observed.health_check.as_ref(), ctx);
    out.extend(check_health_check_kind(spec, observed));
    out.extend(check_records(spec, observed.zone.as_ref(), &observed.records));
    out.extend(check_failover_path(spec, observed));
    out.extend(check_table(spec, observed.primary_table.as_ref(), &observed.replica_tables));
    sort_findings(&mut out);
    out
}

/// The deterministic order of `status.drift`.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| {
        (&a.resource, &a.code, &a.field, &a.expected, &a.actual).cmp(&(
            &b.resource,
            &b.code,
            &b.field,
            &b.expected,
            &b.actual,
        ))
    });
    findings.dedup();
}

fn finding(
    code: Code,
    resource: &str,
    field: &str,
    expected: impl Into<String>,
    actual: impl Into<String>,
    message: String,
) -> Finding {
    Finding {
        code: code.as_str().to_string(),
        resource: resource.to_string(),
        field: field.to_string(),
        expected: expected.into(),
        actual: actual.into(),
        message,
    }
}
