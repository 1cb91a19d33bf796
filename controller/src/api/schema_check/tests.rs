//! The structural checks in the API server's words, on the CRD's own schema.

use serde_json::{Value, json};

use crate::api::validate;

fn problems(object: Value) -> Vec<String> {
    validate::problems(&object).expect("the schema compiles")
}

fn valid() -> Value {
    let yaml =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/profile-api.yaml")).expect("example");
    serde_saphyr::from_str(&yaml).expect("yaml")
}

#[test]
fn the_valid_example_has_no_problem() {
    assert_eq!(problems(valid()), Vec::<String>::new());
}

#[test]
fn a_wrong_type_and_missing_fields_read_as_the_server_says_them() {
    let mut o = valid();
    o["spec"] = json!({"primary": 3});
    let p = problems(o);
    assert!(
        p.contains(
            &"spec.primary: Invalid value: \"integer\": spec.primary in body must be of type object: \"integer\""
                .to_string()
        ),
        "{p:?}"
    );
    for missing in ["secondary", "dns", "healthCheck", "table"] {
        assert!(p.contains(&format!("spec.{missing}: Required value")), "{missing}: {p:?}");
    }
    assert!(!p.iter().any(|m| m.contains("rule evaluation error")), "CEL waits for a well-formed object: {p:?}");
}

#[test]
fn enums_bounds_lengths_counts_and_unknown_fields() {
    let mut o = valid();
    o["spec"]["healthCheck"]["requestIntervalSeconds"] = json!(20);
    o["spec"]["healthCheck"]["failureThreshold"] = json!(11);
    o["spec"]["dns"]["recordType"] = json!("MX");
    o["spec"]["table"]["replicaRegions"] = json!([]);
    o["spec"]["dns"]["hostedZoneId"] = json!("Z".repeat(70));
    o["spec"]["drills"][0]["timeoutSeconds"] = json!(10);
    o["spec"]["typo"] = json!(1);
    let p = problems(o).join("\n");
    for expected in [
        "spec.healthCheck.requestIntervalSeconds: Unsupported value: 20: supported values: \"10\", \"30\"",
        "spec.healthCheck.failureThreshold: Invalid value: 11: spec.healthCheck.failureThreshold in body should be less than or equal to 10",
        "spec.dns.recordType: Unsupported value: \"MX\": supported values: \"A\", \"AAAA\", \"CNAME\"",
        "spec.table.replicaRegions: Invalid value: 0: spec.table.replicaRegions in body should have at least 1 items",
        "spec.dns.hostedZoneId: Too long: may not be more than 64 bytes",
        "spec.drills[0].timeoutSeconds: Invalid value: 10: spec.drills[0].timeoutSeconds in body should be greater than or equal to 60",
        ".spec.typo: field not declared in schema",
    ] {
        assert!(p.contains(expected), "missing {expected:?} in\n{p}");
    }
}
