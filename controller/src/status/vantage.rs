//! PURE: what an operator sees when part of AWS cannot be reached from its own region
//! (docs/architecture.md, "Two regions"). In two-cluster mode each side verifies on its own; when
//! the other region is lost, its services fail to answer while DNS (Route 53's global data plane)
//! and the local replica keep answering. That is reported as what it is, "unreachable from
//! us-west-2", next to what still can be seen, and never as drift.

use crate::{
    api::Finding,
    aws::{AwsError, ErrorKind, Service},
    verify::TableObserved,
};

/// The finding code of a service that does not answer from here (not a drift code).
pub const UNREACHABLE: &str = "Unreachable";

/// Route 53's control plane (and IAM, STS's global endpoint) is in us-east-1.
const ROUTE53_CONTROL_PLANE: &str = "us-east-1";

/// Part of AWS does not answer from `vantage`; the rest was read.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteLoss {
    /// The operator's own region (`--cluster-region`).
    pub vantage: String,
    /// One failed read per lost service and region.
    pub lost: Vec<AwsError>,
    /// The table in the operator's own region, read this cycle (`None`: not a table region).
    pub local_table: Option<TableObserved>,
}

/// The region a request was signed for: Route 53's control plane is us-east-1's.
pub fn region_of(e: &AwsError) -> &str {
    match (&e.service, e.region.as_deref()) {
        (Service::Route53, _) | (_, None) => ROUTE53_CONTROL_PLANE,
        (_, Some(r)) => r,
    }
}

/// A read that failed because another region than ours does not answer (as opposed to our own
/// network, or a refusal): the cue to report what still can be seen.
pub fn is_remote_loss(e: &AwsError, vantage: &str) -> bool {
    matches!(e.kind, ErrorKind::Unreachable | ErrorKind::Timeout) && region_of(e) != vantage
}

/// Names a lost service as people know it.
fn what(e: &AwsError) -> String {
    match e.service {
        Service::Route53 => format!("Route 53's control plane ({})", region_of(e)),
        s => format!("{s} in {}", region_of(e)),
    }
}

/// One sentence: "Route 53's control plane (us-east-1) and DynamoDB in us-east-1 are unreachable
/// from us-west-2".
pub fn summary(loss: &RemoteLoss) -> String {
    let mut names: Vec<String> = Vec::new();
    for e in &loss.lost {
        let n = what(e);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let list = match names.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let verb = if names.len() == 1 { "is" } else { "are" };
    format!("{list} {verb} unreachable from {}", loss.vantage)
}

/// Each lost service as a finding with the `Unreachable` code (kept apart from drift).
pub fn findings(loss: &RemoteLoss) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for e in &loss.lost {
        let resource = format!("{} {}", e.service.label(), region_of(e));
        if out.iter().any(|f| f.resource == resource) {
            continue;
        }
        out.push(Finding {
            code: UNREACHABLE.into(),
            message: format!(
                "{} is unreachable from {}: {} {} got no answer ({}). Verification of what it holds resumes when \
                 it answers again.",
                what(e),
                loss.vantage,
                e.service,
                e.operation,
                e.detail
            ),
            resource,
            field: e.operation.into(),
            expected: "reachable".into(),
            actual: "unreachable".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests;
