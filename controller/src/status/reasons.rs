//! Condition types, condition reasons and event reasons: typed here, written as their CamelCase
//! names. Automation (alerts, `kubectl wait`, tests) matches on the strings, so a name is never
//! changed once released; new states get new names.

macro_rules! names {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every name, in declaration order (tests check the names are stable and unique).
            #[allow(dead_code, reason = "every vocabulary has it; only some enumerate it outside tests")]
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The string written to the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),+ }
            }

            #[cfg(test)]
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names! {
    /// `status.conditions[].type`, in the order they are written.
    ConditionType { Ready, InSync, PrimaryHealthy, ReplicationHealthy, WithinObjective, DrillSucceeded }
}

names! {
    /// `status.conditions[].reason`.
    ConditionReason {
        FailoverReady,
        InvalidSpec,
        AwsUnreachable,
        RegionUnreachable,
        AccessDenied,
        NoDrift,
        DriftDetected,
        HealthCheckHealthy,
        HealthCheckUnhealthy,
        HealthUnknown,
        DrillInProgress,
        ReplicasActive,
        ReplicaNotActive,
        NoReplicas,
        LagAboveObjective,
        ReplicationUnknown,
        ReplicationMetricsMissing,
        RtoWithinObjective,
        PredictedRtoAboveObjective,
        MeasuredRtoAboveObjective,
        NoDrillYet,
        DrillSucceeded,
        DrillMissedObjective,
        DrillFailed,
        DrillAborted,
        DrillNotFinished,
    }
}

names! {
    /// Kubernetes event reasons.
    EventReason {
        DriftDetected,
        DriftResolved,
        PrimaryUnhealthy,
        PrimaryRecovered,
        ReplicaDegraded,
        ReplicaRecovered,
        ReplicaConversionPending,
        AccessDenied,
        AccessRestored,
        FailoverObserved,
        FailbackObserved,
        StandbyNotServing,
        StandbyServing,
        UnknownDrill,
        DrillRunsElsewhere,
        ForeignDrillSeen,
        ForeignDrillEnded,
        DrillStarted,
        DrillSucceeded,
        DrillFailed,
        DrillAborted,
        DrillRestoreFailed,
    }
}

#[cfg(test)]
mod tests;
