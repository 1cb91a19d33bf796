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
