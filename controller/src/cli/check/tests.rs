use super::*;

fn f(code: &str) -> Finding {
    Finding {
        code: code.into(),
        resource: "r".into(),
        field: "f".into(),
        expected: "e".into(),
        actual: "a".into(),
        message: "m".into(),
    }
}

#[test]
fn the_worst_group_comes_first() {
    let drift = [f("PitrDisabled"), f("RecordTtlTooHigh"), f("SecondaryHealthCheckUnhealthy"), f("TableMissing")];
    let groups: Vec<(Impact, Vec<&str>)> =
        grouped(&drift).into_iter().map(|(i, fs)| (i, fs.iter().map(|f| f.code.as_str()).collect())).collect();
    assert_eq!(
        groups,
        [
            (Impact::FailoverImpossible, vec!["SecondaryHealthCheckUnhealthy", "TableMissing"]),
            (Impact::SlowerThanObjective, vec!["RecordTtlTooHigh"]),
            (Impact::Hygiene, vec!["PitrDisabled"]),
        ]
    );
    assert!(grouped(&[]).is_empty());
}

fn condition(type_: &str, reason: &str, message: &str) -> regional_failover::api::Condition {
    regional_failover::api::Condition {
        type_: type_.into(),
        status: ConditionStatus::Unknown,
        observed_generation: None,
        last_transition_time: Utc::now(),
        reason: reason.into(),
        message: message.into(),
    }
}

#[test]
fn denied_calls_are_reported_once_each_and_exit_2() {
    let lacks = "The operator's role lacks dynamodb:PutItem on arn:aws:dynamodb:us-east-1:1:table/t; apply terraform/";
    let status = RegionalFailoverStatus {
        conditions: vec![
            condition("Ready", "AccessDenied", lacks),
            condition("ReplicationHealthy", "AccessDenied", lacks),
            condition("InSync", "NoDrift", "in sync"),
        ],
        ..Default::default()
    };
    assert_eq!(denied(&status), vec![lacks]);
    assert!(denied(&RegionalFailoverStatus::default()).is_empty());
}
