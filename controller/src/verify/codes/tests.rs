use super::*;

#[test]
fn codes_are_unique_camel_case_and_round_trip() {
    let mut seen = std::collections::BTreeSet::new();
    for code in Code::ALL {
        let s = code.as_str();
        assert!(seen.insert(s), "duplicate code {s}");
        assert!(s.chars().next().is_some_and(|c| c.is_ascii_uppercase()), "{s} is not CamelCase");
        assert!(s.chars().all(|c| c.is_ascii_alphanumeric()), "{s} is not CamelCase");
        assert_eq!(format!("{code:?}"), s, "as_str must match the variant name");
        assert_eq!(Code::parse(s), Some(code));
    }
    assert_eq!(Code::parse("NoSuchCode"), None);
}
