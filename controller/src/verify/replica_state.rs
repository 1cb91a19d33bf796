//! Replica states that end a global table, and the table's consistency mode (docs/architecture.md,
//! "Replication"): each state gets its own finding code and a message naming the fix, because
//! "not ACTIVE" alone does not tell a person that the standby is about to stop being one.

use super::{Code, TableObserved, finding};
use crate::api::{Finding, MultiRegionConsistency, RegionalFailoverSpec};

/// Replica states DynamoDB ends after 20 hours on an eventually consistent table: the replica
/// leaves the replication group and stays behind as a standalone single-Region table (AWS API
/// reference, `ReplicaDescription.ReplicaStatus`; global tables security guide for
/// `REPLICATION_NOT_AUTHORIZED`). A strongly consistent (MRSC) replica is never converted.
pub const CONVERTING_STATES: [&str; 3] =
    ["REPLICATION_NOT_AUTHORIZED", "INACCESSIBLE_ENCRYPTION_CREDENTIALS", "REGION_DISABLED"];

/// The finding code of a replica state that ends (or has ended) the replica's part in the global
/// table; `None` for the passing states (`CREATING`, `UPDATING`, `DELETING`, ...).
pub fn terminal_code(status: &str) -> Option<Code> {
    Some(match status {
        "REPLICATION_NOT_AUTHORIZED" => Code::ReplicaReplicationNotAuthorized,
        "INACCESSIBLE_ENCRYPTION_CREDENTIALS" => Code::ReplicaEncryptionKeyInaccessible,
        "CREATION_FAILED" => Code::ReplicaCreationFailed,
        "ARCHIVING" | "ARCHIVED" => Code::ReplicaArchived,
        "REGION_DISABLED" => Code::ReplicaRegionDisabled,
        _ => return None,
    })
}

/// What a person does about a replica in `status` (empty for states that pass by themselves).
pub fn replica_state_fix(status: &str) -> &'static str {
    match status {
        "REPLICATION_NOT_AUTHORIZED" => {
            "DynamoDB's replication service-linked role (AWSServiceRoleForDynamoDBReplication) is denied: remove the \
             deny from the replica's resource-based policy, an SCP or the KMS key policy so replication resumes."
        }
        "INACCESSIBLE_ENCRYPTION_CREDENTIALS" => {
            "The replica's KMS key is disabled, scheduled for deletion or no longer grants DynamoDB access: re-enable \
             the key or restore its key policy and grants."
        }
        "CREATION_FAILED" => {
            "Read ReplicaStatusDescription (aws dynamodb describe-table) for the cause, fix it (KMS key, SCP, \
             service-linked role), then remove the replica and add it again."
        }
        "ARCHIVING" | "ARCHIVED" => {
            "DynamoDB archives a table whose KMS key stayed inaccessible for seven days: restore access to the key, \
             then restore the table from the backup DynamoDB took when archiving it and add it back as a replica."
        }
        "REGION_DISABLED" => {
            "The region was disabled for the account: enable it again (AWS account settings, Regions)."
        }
        _ => "",
    }
}

/// The finding for a replica whose status is not ACTIVE: its own code for the terminal states,
/// [`Code::ReplicaNotActive`] otherwise. `strong`: the table is MRSC (never converted).
pub fn replica_state_finding(table: &str, region: &str, resource: &str, status: &str, strong: bool) -> Finding {
    let Some(code) = terminal_code(status) else {
        return finding(
            Code::ReplicaNotActive,
            resource,
            "ReplicaStatus",
            "ACTIVE",
            status,
            format!(
                "The replica of {table} in {region} is {status}: it may not receive writes, so a failover there could serve stale data. \
                 Wait for it to become ACTIVE, or investigate if it stays so."
            ),
        );
    };
    let converts = !strong && CONVERTING_STATES.contains(&status);
    let consequence = if converts {
        "Replication to and from it is stopped, and if it stays so for 20 hours DynamoDB removes it from the global \
         table for good: it stays behind as a standalone single-Region table and the standby silently stops being one \
         (status.replication.replicas[].conversionAt)."
    } else if code == Code::ReplicaCreationFailed {
        "The replica never became part of the global table: the standby has no copy of the data."
    } else if code == Code::ReplicaArchived {
        "An archived replica serves nothing and receives no replicated writes: a failover there would serve no data."
    } else {
        "Replication to and from it is stopped: a failover there would serve stale data."
    };
    finding(
        code,
        resource,
        "ReplicaStatus",
        "ACTIVE",
        status,
        format!("The replica of {table} in {region} is {status}. {consequence} {}", replica_state_fix(status)),
    )
}

/// Drift of the table's `MultiRegionConsistency` from `spec.table.multiRegionConsistency` (an
/// absent field is DynamoDB's default, eventual).
pub fn check_consistency(spec: &RegionalFailoverSpec, primary: &TableObserved, resource: &str) -> Option<Finding> {
    let want = spec.table.multi_region_consistency;
    let actual = primary.multi_region_consistency.as_deref().unwrap_or(MultiRegionConsistency::Eventual.as_str());
    if actual == want.as_str() {
        return None;
    }
    let name = &spec.table.name;
    let message = match want {
        MultiRegionConsistency::Strong => format!(
            "Table {name} replicates with MultiRegionConsistency {actual} (MREC: eventual), but the spec expects STRONG \
             (MRSC): a failover can lose the writes not yet replicated. DynamoDB cannot change the mode of an existing global table: create \
             it with MultiRegionConsistency = STRONG over three regions (or two plus a witness), or declare \
             table.multiRegionConsistency: EVENTUAL."
        ),
        MultiRegionConsistency::Eventual => format!(
            "Table {name} is strongly consistent across regions (MRSC{}), but the spec declares EVENTUAL: the RPO and \
             write latency it was planned with do not hold. Declare table.multiRegionConsistency: STRONG, or point \
             spec.table.name at the intended table.",
            if primary.witnesses.is_empty() {
                String::new()
            } else {
                let w: Vec<&str> = primary.witnesses.iter().map(|(r, _)| r.as_str()).collect();
                format!(", witness in {}", w.join(", "))
            }
        ),
    };
    Some(finding(
        Code::MultiRegionConsistencyMismatch,
        resource,
        "MultiRegionConsistency",
        want.as_str(),
        actual,
        message,
    ))
}
