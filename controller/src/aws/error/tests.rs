use super::*;

#[test]
fn throttling_codes_and_429_are_throttled() {
    for code in
        ["Throttling", "PriorRequestNotComplete", "ThrottlingException", "ProvisionedThroughputExceededException"]
    {
        assert_eq!(kind_for(Some(400), Some(code)), ErrorKind::Throttled, "{code}");
    }
    assert_eq!(kind_for(Some(503), Some("Throttling")), ErrorKind::Throttled);
    assert_eq!(kind_for(Some(429), None), ErrorKind::Throttled);
    assert_eq!(kind_for(Some(429), Some("SomethingElse")), ErrorKind::Throttled);
}

#[test]
fn server_errors_are_transient_but_not_501() {
    assert_eq!(kind_for(Some(500), None), ErrorKind::Transient);
    assert_eq!(kind_for(Some(503), Some("ServiceUnavailable")), ErrorKind::Transient);
    assert_eq!(kind_for(Some(400), Some("InternalServerError")), ErrorKind::Transient);
    assert_eq!(kind_for(Some(501), None), ErrorKind::Unsupported);
}

#[test]
fn not_found_needs_a_code_and_bare_404_means_unsupported() {
    assert_eq!(kind_for(Some(404), Some("NoSuchHealthCheck")), ErrorKind::NotFound);
    assert_eq!(kind_for(Some(400), Some("ResourceNotFoundException")), ErrorKind::NotFound);
    assert_eq!(kind_for(Some(400), Some("TableNotFoundException")), ErrorKind::NotFound);
    assert_eq!(kind_for(Some(404), None), ErrorKind::Unsupported);
    assert_eq!(kind_for(Some(403), Some("AccessDenied")), ErrorKind::AccessDenied);
    assert_eq!(kind_for(Some(400), Some("AccessDeniedException")), ErrorKind::AccessDenied);
    assert_eq!(kind_for(Some(403), Some("InvalidClientTokenId")), ErrorKind::Unauthenticated);
    assert_eq!(kind_for(Some(409), Some("HealthCheckVersionMismatch")), ErrorKind::Conflict);
    assert_eq!(kind_for(Some(409), Some("ConflictException")), ErrorKind::Conflict);
    assert_eq!(kind_for(Some(400), Some("ValidationException")), ErrorKind::Rejected);
    assert_eq!(kind_for(None, None), ErrorKind::Other);
}

#[test]
fn a_denial_names_the_action_and_resource_aws_named() {
    let site = CallSite { service: Service::Scheduler, operation: "CreateSchedule", region: None, endpoint: None };
    let e = site.error(
        ErrorKind::AccessDenied,
        "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/op/s is not authorized to perform: \
         iam:PassRole on resource: arn:aws:iam::123456789012:role/failsafe because no identity-based policy allows it",
    );
    assert_eq!(e.denied_action(), "iam:PassRole");
    assert_eq!(e.denied_resource().as_deref(), Some("arn:aws:iam::123456789012:role/failsafe"));
    let bare = CallSite { service: Service::Route53, operation: "ListHealthChecks", region: None, endpoint: None }
        .error(ErrorKind::AccessDenied, "AccessDenied");
    assert_eq!(bare.denied_action(), "route53:ListHealthChecks");
    assert_eq!(bare.denied_resource(), None);
}

#[test]
fn io_root_cause_reads_as_words() {
    let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    #[derive(Debug, thiserror::Error)]
    #[error("tcp connect error")]
    struct Outer(#[source] std::io::Error);
    assert_eq!(root_cause(&Outer(io)), "connection refused");
}

#[test]
fn message_names_service_operation_region_and_attempts() {
    let e =
        CallSite { service: Service::DynamoDb, operation: "DescribeTable", region: Some("us-west-2"), endpoint: None }
            .error(ErrorKind::Throttled, "ThrottlingException: slow down")
            .with_attempts(6);
    assert_eq!(
        e.to_string(),
        "DynamoDB DescribeTable in us-west-2 failed: ThrottlingException: slow down (after 6 attempts)"
    );
    let e = CallSite {
        service: Service::Route53,
        operation: "GetHealthCheck",
        region: None,
        endpoint: Some("http://127.0.0.1:4566"),
    }
    .error(ErrorKind::Unreachable, "endpoint http://127.0.0.1:4566 unreachable (connection refused)");
    assert_eq!(
        e.to_string(),
        "Route 53 GetHealthCheck failed: endpoint http://127.0.0.1:4566 unreachable (connection refused)"
    );
}
