//! The one place where typed errors become sentences a person can act on: condition messages,
//! events, drill records and the CLI all print these (docs/architecture.md, "Errors").

use crate::aws::{AwsError, ErrorKind};

/// What went wrong with an AWS call and what to do about it.
pub fn aws_error(e: &AwsError) -> String {
    match e.kind {
        ErrorKind::AccessDenied => access_denied(e),
        ErrorKind::Unauthenticated => format!(
            "AWS refused the operator's credentials for {} {} ({}): check the role the operator assumes (IRSA or Pod \
             Identity annotation, token audience sts.amazonaws.com) and that the session has not expired.",
            e.service, e.operation, e.detail
        ),
        ErrorKind::Throttled => format!(
            "{e}. AWS throttled the operator; it backs off and retries. Other clients of the account share Route 53's \
             limit of 5 requests per second."
        ),
        ErrorKind::Unreachable | ErrorKind::Timeout => {
            format!("{e}. Check the operator's network path to AWS (VPC endpoints, proxy, NAT).")
        }
        _ => format!("{e}."),
    }
}

/// "The operator's role lacks route53:ListHealthChecks ...": the action, the resource and the fix.
pub fn access_denied(e: &AwsError) -> String {
    let action = e.denied_action();
    let on = e.denied_resource().map(|r| format!(" on {r}")).unwrap_or_default();
    format!(
        "The operator's role lacks {action}{on} (AWS answered AccessDenied to {} {}): apply terraform/ from this \
         version, whose operator policy grants it, or add it to the role you manage.",
        e.service, e.operation
    )
}

#[cfg(test)]
mod tests;
