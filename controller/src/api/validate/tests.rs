use super::*;

#[test]
fn crd_identity() {
    let crd = crd();
    assert_eq!(crd.spec.group, "regionalfailover.io");
    assert_eq!(crd.spec.names.short_names.as_deref(), Some(&["rf".to_string()][..]));
    let v = &crd.spec.versions[0];
    assert_eq!(v.name, "v1alpha1");
    assert!(v.subresources.as_ref().and_then(|s| s.status.as_ref()).is_some());
    let cols: Vec<_> = v.additional_printer_columns.iter().flatten().map(|c| c.name.as_str()).collect();
    assert_eq!(cols, ["ACTIVE", "HEALTH", "IN-SYNC", "REPL-LAG", "LAST-RTO", "AGE"]);
}

#[test]
fn cel_rules_carry_messages() {
    let yaml = crd_yaml().expect("crd serializes");
    let rules = yaml.matches("rule:").count();
    assert!(rules >= 15, "expected at least 15 CEL rules, found {rules}");
    assert_eq!(rules, yaml.matches("- message:").count(), "every rule needs a message");
}

#[test]
fn unparsable_yaml_is_an_error_not_a_panic() {
    assert!(matches!(parse_manifests("kind: [unclosed"), Err(Error::Manifest(_))));
    assert!(matches!(parse_manifests("kind: ConfigMap\n"), Err(Error::Manifest(_))));
}
