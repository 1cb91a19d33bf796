use super::*;
use crate::aws::Service;

fn denied(operation: &'static str, detail: &str) -> AwsError {
    let mut e = AwsError::new(Service::Route53, operation, ErrorKind::AccessDenied, detail);
    e.code = Some("AccessDenied".into());
    e
}

#[test]
fn a_denial_names_the_action_the_resource_and_the_fix() {
    let e = denied(
        "GetHealthCheck",
        "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/op/rf is not authorized to perform: \
         route53:GetHealthCheck on resource: arn:aws:route53:::healthcheck/abc because no identity-based policy allows it",
    );
    let s = aws_error(&e);
    assert!(
        s.starts_with("The operator's role lacks route53:GetHealthCheck on arn:aws:route53:::healthcheck/abc"),
        "{s}"
    );
    assert!(s.contains("apply terraform/ from this version"), "{s}");
}

#[test]
fn a_denial_without_aws_words_names_the_operation() {
    let s = aws_error(&denied("ListHealthChecks", "AccessDenied"));
    assert!(s.contains("lacks route53:ListHealthChecks (AWS answered"), "{s}");
}

#[test]
fn other_kinds_keep_the_call_and_add_advice() {
    let e = AwsError::new(Service::DynamoDb, "DescribeTable", ErrorKind::Unreachable, "connection refused");
    let s = aws_error(&e);
    assert!(s.starts_with("DynamoDB DescribeTable failed: connection refused."), "{s}");
    assert!(s.contains("network path"), "{s}");
}
