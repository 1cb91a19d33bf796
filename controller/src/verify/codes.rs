//! The stable finding codes: automation (alerts, dashboards, tests) matches on these strings, so a
//! code is never renamed once released; new checks get new codes.

/// One kind of difference between the live AWS resources and the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    // Route 53 health check
    HealthCheckMissing,
    HealthCheckTypeMismatch,
    HealthCheckPortMismatch,
    HealthCheckPathMismatch,
    HealthCheckIntervalMismatch,
    HealthCheckThresholdMismatch,
    HealthCheckTargetMismatch,
    HealthCheckDisabled,
    HealthCheckInverted,
    HealthCheckTooFewRegions,
    HealthCheckTargetsRecordName,
    // Route 53 zone and records
    HostedZoneMissing,
    PrimaryRecordMissing,
    SecondaryRecordMissing,
    DuplicateFailoverRecord,
    RecordSetIdentifierMismatch,
    PrimaryRecordHealthCheckMismatch,
    PrimaryRecordTargetMismatch,
    SecondaryRecordTargetMismatch,
    RecordTtlTooHigh,
    NonFailoverRecord,
    // Failover path: the SECONDARY's health, target health, the pair's symmetry, the failback TTL,
    // and CALCULATED / CLOUDWATCH_METRIC checks
    SecondaryHealthCheckUnhealthy,
    SecondaryRecordHealthCheckMismatch,
    PrimaryCannotFailOver,
    FailoverPairTypeMismatch,
    FailoverPairAliasMismatch,
    SecondaryRecordTtlMismatch,
    HealthCheckChildrenMismatch,
    HealthCheckHealthThresholdMismatch,
    HealthCheckAlarmMismatch,
    HealthCheckInsufficientDataMismatch,
    HealthCheckAlarmMissing,
    CalculatedCheckCannotFail,
    // DynamoDB global table
    TableMissing,
    TableNotActive,
    NotGlobalTable,
    GlobalTableVersionMismatch,
    ReplicaMissing,
    ReplicaNotActive,
    StreamDisabled,
    StreamViewTypeMismatch,
    PitrDisabled,
    BillingModeMismatch,
    EncryptionMismatch,
    // Replica states that end a global table, and the consistency mode
    ReplicaReplicationNotAuthorized,
    ReplicaEncryptionKeyInaccessible,
    ReplicaCreationFailed,
    ReplicaArchived,
    ReplicaRegionDisabled,
    MultiRegionConsistencyMismatch,
}

impl Code {
    /// Every code, in declaration order.
    pub const ALL: [Code; 50] = [
        Code::HealthCheckMissing,
        Code::HealthCheckTypeMismatch,
        Code::HealthCheckPortMismatch,
        Code::HealthCheckPathMismatch,
        Code::HealthCheckIntervalMismatch,
        Code::HealthCheckThresholdMismatch,
        Code::HealthCheckTargetMismatch,
        Code::HealthCheckDisabled,
        Code::HealthCheckInverted,
        Code::HealthCheckTooFewRegions,
        Code::HealthCheckTargetsRecordName,
        Code::HostedZoneMissing,
        Code::PrimaryRecordMissing,
        Code::SecondaryRecordMissing,
        Code::DuplicateFailoverRecord,
        Code::RecordSetIdentifierMismatch,
        Code::PrimaryRecordHealthCheckMismatch,
        Code::PrimaryRecordTargetMismatch,
        Code::SecondaryRecordTargetMismatch,
        Code::RecordTtlTooHigh,
        Code::NonFailoverRecord,
        Code::SecondaryHealthCheckUnhealthy,
        Code::SecondaryRecordHealthCheckMismatch,
        Code::PrimaryCannotFailOver,
        Code::FailoverPairTypeMismatch,
        Code::FailoverPairAliasMismatch,
        Code::SecondaryRecordTtlMismatch,
        Code::HealthCheckChildrenMismatch,
        Code::HealthCheckHealthThresholdMismatch,
        Code::HealthCheckAlarmMismatch,
        Code::HealthCheckInsufficientDataMismatch,
        Code::HealthCheckAlarmMissing,
        Code::CalculatedCheckCannotFail,
        Code::TableMissing,
        Code::TableNotActive,
        Code::NotGlobalTable,
        Code::GlobalTableVersionMismatch,
        Code::ReplicaMissing,
        Code::ReplicaNotActive,
        Code::StreamDisabled,
        Code::StreamViewTypeMismatch,
        Code::PitrDisabled,
        Code::BillingModeMismatch,
        Code::EncryptionMismatch,
        Code::ReplicaReplicationNotAuthorized,
        Code::ReplicaEncryptionKeyInaccessible,
        Code::ReplicaCreationFailed,
        Code::ReplicaArchived,
        Code::ReplicaRegionDisabled,
        Code::MultiRegionConsistencyMismatch,
    ];

    /// The string written to `status.drift[].code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::HealthCheckMissing => "HealthCheckMissing",
            Code::HealthCheckTypeMismatch => "HealthCheckTypeMismatch",
            Code::HealthCheckPortMismatch => "HealthCheckPortMismatch",
            Code::HealthCheckPathMismatch => "HealthCheckPathMismatch",
            Code::HealthCheckIntervalMismatch => "HealthCheckIntervalMismatch",
            Code::HealthCheckThresholdMismatch => "HealthCheckThresholdMismatch",
            Code::HealthCheckTargetMismatch => "HealthCheckTargetMismatch",
            Code::HealthCheckDisabled => "HealthCheckDisabled",
            Code::HealthCheckInverted => "HealthCheckInverted",
            Code::HealthCheckTooFewRegions => "HealthCheckTooFewRegions",
            Code::HealthCheckTargetsRecordName => "HealthCheckTargetsRecordName",
            Code::HostedZoneMissing => "HostedZoneMissing",
            Code::PrimaryRecordMissing => "PrimaryRecordMissing",
            Code::SecondaryRecordMissing => "SecondaryRecordMissing",
            Code::DuplicateFailoverRecord => "DuplicateFailoverRecord",
            Code::RecordSetIdentifierMismatch => "RecordSetIdentifierMismatch",
            Code::PrimaryRecordHealthCheckMismatch => "PrimaryRecordHealthCheckMismatch",
            Code::PrimaryRecordTargetMismatch => "PrimaryRecordTargetMismatch",
            Code::SecondaryRecordTargetMismatch => "SecondaryRecordTargetMismatch",
            Code::RecordTtlTooHigh => "RecordTtlTooHigh",
            Code::NonFailoverRecord => "NonFailoverRecord",
            Code::SecondaryHealthCheckUnhealthy => "SecondaryHealthCheckUnhealthy",
            Code::SecondaryRecordHealthCheckMismatch => "SecondaryRecordHealthCheckMismatch",
            Code::PrimaryCannotFailOver => "PrimaryCannotFailOver",
            Code::FailoverPairTypeMismatch => "FailoverPairTypeMismatch",
            Code::FailoverPairAliasMismatch => "FailoverPairAliasMismatch",
            Code::SecondaryRecordTtlMismatch => "SecondaryRecordTtlMismatch",
            Code::HealthCheckChildrenMismatch => "HealthCheckChildrenMismatch",
            Code::HealthCheckHealthThresholdMismatch => "HealthCheckHealthThresholdMismatch",
            Code::HealthCheckAlarmMismatch => "HealthCheckAlarmMismatch",
            Code::HealthCheckInsufficientDataMismatch => "HealthCheckInsufficientDataMismatch",
            Code::HealthCheckAlarmMissing => "HealthCheckAlarmMissing",
            Code::CalculatedCheckCannotFail => "CalculatedCheckCannotFail",
            Code::TableMissing => "TableMissing",
            Code::TableNotActive => "TableNotActive",
            Code::NotGlobalTable => "NotGlobalTable",
            Code::GlobalTableVersionMismatch => "GlobalTableVersionMismatch",
            Code::ReplicaMissing => "ReplicaMissing",
            Code::ReplicaNotActive => "ReplicaNotActive",
            Code::StreamDisabled => "StreamDisabled",
            Code::StreamViewTypeMismatch => "StreamViewTypeMismatch",
            Code::PitrDisabled => "PitrDisabled",
            Code::BillingModeMismatch => "BillingModeMismatch",
            Code::EncryptionMismatch => "EncryptionMismatch",
            Code::ReplicaReplicationNotAuthorized => "ReplicaReplicationNotAuthorized",
            Code::ReplicaEncryptionKeyInaccessible => "ReplicaEncryptionKeyInaccessible",
            Code::ReplicaCreationFailed => "ReplicaCreationFailed",
            Code::ReplicaArchived => "ReplicaArchived",
            Code::ReplicaRegionDisabled => "ReplicaRegionDisabled",
            Code::MultiRegionConsistencyMismatch => "MultiRegionConsistencyMismatch",
        }
    }

    /// The code for a string read back from a status, if it is one of ours.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
