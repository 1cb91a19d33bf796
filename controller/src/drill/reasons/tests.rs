use super::*;

#[test]
fn reasons_are_unique_camel_case_and_round_trip() {
    let mut seen = std::collections::BTreeSet::new();
    for r in DrillReason::ALL {
        assert!(seen.insert(r.as_str()), "duplicate {r}");
        assert_eq!(format!("{r:?}"), r.as_str(), "as_str must match the variant name");
        assert_eq!(DrillReason::parse(r.as_str()), Some(r));
    }
    assert_eq!(DrillReason::parse("NoSuchReason"), None);
}
