use super::*;

fn check<T: Copy + std::fmt::Debug + PartialEq>(
    all: &[T],
    as_str: impl Fn(T) -> &'static str,
    parse: impl Fn(&str) -> Option<T>,
) {
    let mut seen = std::collections::BTreeSet::new();
    for &v in all {
        let s = as_str(v);
        assert!(seen.insert(s), "duplicate {s}");
        assert_eq!(format!("{v:?}"), s);
        assert!(
            s.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
        );
        assert_eq!(parse(s), Some(v));
    }
    assert_eq!(parse("NotAName"), None);
}

#[test]
fn names_are_unique_camel_case_and_round_trip() {
    check(ConditionType::ALL, ConditionType::as_str, ConditionType::parse);
    check(ConditionReason::ALL, ConditionReason::as_str, ConditionReason::parse);
    check(EventReason::ALL, EventReason::as_str, EventReason::parse);
}

#[test]
fn condition_types_keep_their_released_names_and_order() {
    let names: Vec<&str> = ConditionType::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names, ["Ready", "InSync", "PrimaryHealthy", "ReplicationHealthy", "WithinObjective", "DrillSucceeded"]);
}
