//! PURE: what each finding breaks, so `check --output table` shows the worst first.
//!
//! The classification is by code alone (a finding's code says what is wrong; its message says how
//! bad in this instance), listed in one table so that a new code without a group fails a test
//! instead of silently landing somewhere.

use super::Code;

/// What a finding breaks, worst first (the derived order is the display order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Route 53 would not fail over (or would fail over to something that cannot serve) when the
    /// primary goes down.
    FailoverImpossible,
    /// Failover happens, but later than the settings the spec declares (and the RTO objective
    /// they were chosen for).
    SlowerThanObjective,
    /// The failover path works today; the difference is a risk, a cost or a deviation from intent.
    Hygiene,
}

impl Impact {
    /// Every group, worst first.
    pub const ALL: [Impact; 3] = [Impact::FailoverImpossible, Impact::SlowerThanObjective, Impact::Hygiene];

    /// The heading `check --output table` prints.
    pub fn label(self) -> &'static str {
        match self {
            Impact::FailoverImpossible => "failover impossible",
            Impact::SlowerThanObjective => "slower than objective",
            Impact::Hygiene => "hygiene",
        }
    }
}

use Impact::{FailoverImpossible as Impossible, Hygiene, SlowerThanObjective as Slower};

/// Every code and its group.
const GROUPS: &[(Code, Impact)] = &[
    (Code::HealthCheckMissing, Impossible),
    (Code::HealthCheckTypeMismatch, Hygiene),
    (Code::HealthCheckPortMismatch, Hygiene),
    (Code::HealthCheckPathMismatch, Hygiene),
    (Code::HealthCheckIntervalMismatch, Slower),
    (Code::HealthCheckThresholdMismatch, Slower),
    (Code::HealthCheckTargetMismatch, Impossible),
    (Code::HealthCheckDisabled, Impossible),
    (Code::HealthCheckInverted, Impossible),
    (Code::HealthCheckTooFewRegions, Hygiene),
    (Code::HealthCheckTargetsRecordName, Impossible),
    (Code::HostedZoneMissing, Impossible),
    (Code::PrimaryRecordMissing, Impossible),
    (Code::SecondaryRecordMissing, Impossible),
    (Code::DuplicateFailoverRecord, Impossible),
    (Code::RecordSetIdentifierMismatch, Hygiene),
    (Code::PrimaryRecordHealthCheckMismatch, Impossible),
    (Code::PrimaryRecordTargetMismatch, Impossible),
    (Code::SecondaryRecordTargetMismatch, Impossible),
    (Code::RecordTtlTooHigh, Slower),
    (Code::NonFailoverRecord, Impossible),
    (Code::SecondaryHealthCheckUnhealthy, Impossible),
    (Code::SecondaryRecordHealthCheckMismatch, Hygiene),
    (Code::PrimaryCannotFailOver, Impossible),
    (Code::FailoverPairTypeMismatch, Impossible),
    (Code::FailoverPairAliasMismatch, Hygiene),
    (Code::SecondaryRecordTtlMismatch, Hygiene),
    (Code::HealthCheckChildrenMismatch, Impossible),
    (Code::HealthCheckHealthThresholdMismatch, Slower),
    (Code::HealthCheckAlarmMismatch, Impossible),
    (Code::HealthCheckInsufficientDataMismatch, Hygiene),
    (Code::HealthCheckAlarmMissing, Impossible),
    (Code::CalculatedCheckCannotFail, Impossible),
    (Code::TableMissing, Impossible),
    (Code::TableNotActive, Hygiene),
    (Code::NotGlobalTable, Impossible),
    (Code::GlobalTableVersionMismatch, Hygiene),
    (Code::ReplicaMissing, Impossible),
    (Code::ReplicaNotActive, Impossible),
    // A replica about to leave the global table, or unusable: the standby would have no data.
    (Code::ReplicaReplicationNotAuthorized, Impossible),
    (Code::ReplicaEncryptionKeyInaccessible, Impossible),
    (Code::ReplicaCreationFailed, Impossible),
    (Code::ReplicaArchived, Impossible),
    (Code::ReplicaRegionDisabled, Impossible),
    (Code::MultiRegionConsistencyMismatch, Hygiene),
    (Code::StreamDisabled, Hygiene),
    (Code::StreamViewTypeMismatch, Hygiene),
    (Code::PitrDisabled, Hygiene),
    (Code::BillingModeMismatch, Hygiene),
    (Code::EncryptionMismatch, Hygiene),
];

impl Code {
    /// What a finding with this code breaks (`Hygiene` for a code missing from the table, which
    /// a unit test forbids).
    pub fn impact(self) -> Impact {
        GROUPS.iter().find(|(c, _)| *c == self).map_or(Hygiene, |(_, i)| *i)
    }
}

/// The group of a code string read back from a status; unknown codes are hygiene.
pub fn impact_of(code: &str) -> Impact {
    Code::parse(code).map_or(Hygiene, Code::impact)
}

#[cfg(test)]
mod tests;
