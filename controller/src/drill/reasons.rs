//! Why a drill ended (or is restoring): one enum, written to `status.drill.*.reason` as its
//! CamelCase name. Automation matches on these strings, so a reason is never renamed once released
//! (docs/architecture.md, "Drills").

/// A drill's reason, as stored in the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DrillReason {
    // Preflight refusals: nothing was changed.
    Suspended,
    DrillsStopped,
    FailsafeNotConfigured,
    DrillAlreadyRunning,
    PreflightUnreadable,
    ContradictoryEvidence,
    PrimaryUnhealthy,
    DnsAnswerUnexpected,
    SecondaryNotAnswering,
    HealthCheckMissing,
    HealthCheckNotNormal,
    ReplicaNotActive,
    DriftDetected,
    ReplicationBehind,
    FailsafeNotCreated,
    // Aborts (before or after injection).
    ObjectDeleted,
    OperatorRestarted,
    OperatorStopping,
    Interrupted,
    InjectFailed,
    HealthCheckChangedByOthers,
    PrimaryFailedDuringDrill,
    SecondaryStoppedAnswering,
    DnsUnreadable,
    EvidenceUnreadable,
    FailoverTimeout,
    // Verdicts.
    WithinObjective,
    RtoAboveObjective,
    StandbyNotServing,
    FailbackTimeout,
    // Preflight refusal (appended): the SECONDARY record's health check is unhealthy, so Route 53
    // would keep answering with the primary and the drill could not fail over.
    SecondaryHealthCheckUnhealthy,
    /// Two-cluster mode: the other region does not answer from here.
    OtherRegionUnreachable,
}

impl DrillReason {
    pub const ALL: [DrillReason; 32] = [
        DrillReason::Suspended,
        DrillReason::DrillsStopped,
        DrillReason::FailsafeNotConfigured,
        DrillReason::DrillAlreadyRunning,
        DrillReason::PreflightUnreadable,
        DrillReason::ContradictoryEvidence,
        DrillReason::PrimaryUnhealthy,
        DrillReason::DnsAnswerUnexpected,
        DrillReason::SecondaryNotAnswering,
        DrillReason::HealthCheckMissing,
        DrillReason::HealthCheckNotNormal,
        DrillReason::ReplicaNotActive,
        DrillReason::DriftDetected,
        DrillReason::ReplicationBehind,
        DrillReason::FailsafeNotCreated,
        DrillReason::ObjectDeleted,
        DrillReason::OperatorRestarted,
        DrillReason::OperatorStopping,
        DrillReason::Interrupted,
        DrillReason::InjectFailed,
        DrillReason::HealthCheckChangedByOthers,
        DrillReason::PrimaryFailedDuringDrill,
        DrillReason::SecondaryStoppedAnswering,
        DrillReason::DnsUnreadable,
        DrillReason::EvidenceUnreadable,
        DrillReason::FailoverTimeout,
        DrillReason::WithinObjective,
        DrillReason::RtoAboveObjective,
        DrillReason::StandbyNotServing,
        DrillReason::FailbackTimeout,
        DrillReason::SecondaryHealthCheckUnhealthy,
        DrillReason::OtherRegionUnreachable,
    ];

    /// The string in `status.drill.*.reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            DrillReason::Suspended => "Suspended",
            DrillReason::DrillsStopped => "DrillsStopped",
            DrillReason::FailsafeNotConfigured => "FailsafeNotConfigured",
            DrillReason::DrillAlreadyRunning => "DrillAlreadyRunning",
            DrillReason::PreflightUnreadable => "PreflightUnreadable",
            DrillReason::ContradictoryEvidence => "ContradictoryEvidence",
            DrillReason::PrimaryUnhealthy => "PrimaryUnhealthy",
            DrillReason::DnsAnswerUnexpected => "DnsAnswerUnexpected",
            DrillReason::SecondaryNotAnswering => "SecondaryNotAnswering",
            DrillReason::HealthCheckMissing => "HealthCheckMissing",
            DrillReason::HealthCheckNotNormal => "HealthCheckNotNormal",
            DrillReason::ReplicaNotActive => "ReplicaNotActive",
            DrillReason::DriftDetected => "DriftDetected",
            DrillReason::ReplicationBehind => "ReplicationBehind",
            DrillReason::FailsafeNotCreated => "FailsafeNotCreated",
            DrillReason::ObjectDeleted => "ObjectDeleted",
            DrillReason::OperatorRestarted => "OperatorRestarted",
            DrillReason::OperatorStopping => "OperatorStopping",
            DrillReason::Interrupted => "Interrupted",
            DrillReason::InjectFailed => "InjectFailed",
            DrillReason::HealthCheckChangedByOthers => "HealthCheckChangedByOthers",
            DrillReason::PrimaryFailedDuringDrill => "PrimaryFailedDuringDrill",
            DrillReason::SecondaryStoppedAnswering => "SecondaryStoppedAnswering",
            DrillReason::DnsUnreadable => "DnsUnreadable",
            DrillReason::EvidenceUnreadable => "EvidenceUnreadable",
            DrillReason::FailoverTimeout => "FailoverTimeout",
            DrillReason::WithinObjective => "WithinObjective",
            DrillReason::RtoAboveObjective => "RtoAboveObjective",
            DrillReason::StandbyNotServing => "StandbyNotServing",
            DrillReason::FailbackTimeout => "FailbackTimeout",
            DrillReason::SecondaryHealthCheckUnhealthy => "SecondaryHealthCheckUnhealthy",
            DrillReason::OtherRegionUnreachable => "OtherRegionUnreachable",
        }
    }

    /// The reason for a string read back from a status (records written by this version).
    pub fn parse(s: &str) -> Option<DrillReason> {
        DrillReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for DrillReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests;
