use super::*;

#[test]
fn every_code_has_exactly_one_group() {
    for code in Code::ALL {
        let n = GROUPS.iter().filter(|(c, _)| *c == code).count();
        assert_eq!(n, 1, "{code} must appear once in verify/impact.rs GROUPS, found {n}");
    }
    assert_eq!(GROUPS.len(), Code::ALL.len());
}

#[test]
fn groups_order_worst_first_and_read_back() {
    assert!(Impact::FailoverImpossible < Impact::SlowerThanObjective);
    assert!(Impact::SlowerThanObjective < Impact::Hygiene);
    assert_eq!(impact_of("SecondaryHealthCheckUnhealthy"), Impact::FailoverImpossible);
    assert_eq!(impact_of("RecordTtlTooHigh"), Impact::SlowerThanObjective);
    assert_eq!(impact_of("SecondaryRecordTtlMismatch"), Impact::Hygiene);
    assert_eq!(impact_of("NoSuchCode"), Impact::Hygiene);
    let labels: Vec<&str> = Impact::ALL.iter().map(|i| i.label()).collect();
    assert_eq!(labels, ["failover impossible", "slower than objective", "hygiene"]);
}
