use super::*;
use crate::verify::fixtures::spec;

fn answer(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn names_compare_case_insensitively_without_trailing_dot() {
    assert!(same_endpoint("Primary.API.example.com.", "primary.api.example.com"));
    assert!(!same_endpoint("primary.api.example.com", "standby.api.example.com"));
}

#[test]
fn ipv6_compares_in_normalised_form() {
    assert!(same_endpoint("2001:DB8:0:0:0:0:0:1", "2001:db8::1"));
    assert!(same_endpoint("[2001:db8::1]", "2001:db8::1"));
    assert!(!same_endpoint("2001:db8::1", "2001:db8::2"));
    assert!(same_endpoint("192.0.2.10", " 192.0.2.10 "));
    assert!(!same_endpoint("192.0.2.10", "192.0.2.1"));
}

#[test]
fn alias_targets_drop_the_dualstack_prefix() {
    assert_eq!(
        normalize_alias_target("DualStack.my-lb-1.us-east-1.elb.amazonaws.com."),
        "my-lb-1.us-east-1.elb.amazonaws.com"
    );
    assert_eq!(normalize_alias_target("d111.cloudfront.net"), "d111.cloudfront.net");
}

#[test]
fn active_region_maps_cname_answers() {
    let s = spec();
    assert_eq!(active_region(&answer(&["PRIMARY.api.example.com."]), &s).as_deref(), Some("us-east-1"));
    assert_eq!(active_region(&answer(&["standby.api.example.com", "192.0.2.99"]), &s).as_deref(), Some("us-west-2"));
    assert_eq!(active_region(&answer(&["elsewhere.example.com"]), &s), None);
    assert_eq!(active_region(&[], &s), None);
    assert_eq!(
        active_region(&answer(&["primary.api.example.com", "standby.api.example.com"]), &s),
        None,
        "an answer naming both endpoints is ambiguous"
    );
}

#[test]
fn active_region_maps_address_answers() {
    let mut s = spec();
    s.primary.endpoint = "192.0.2.10".into();
    s.secondary.endpoint = "2001:db8::20".into();
    assert_eq!(active_region(&answer(&["192.0.2.10"]), &s).as_deref(), Some("us-east-1"));
    assert_eq!(active_region(&answer(&["2001:DB8:0::20"]), &s).as_deref(), Some("us-west-2"));
    assert_eq!(active_region(&answer(&["192.0.2.11"]), &s), None);
}

#[test]
fn predicted_rto_adds_detection_propagation_and_ttl() {
    let mut s = spec();
    s.health_check.request_interval_seconds = 10;
    s.health_check.failure_threshold = 3;
    s.dns.max_ttl_seconds = 60;
    assert_eq!(predicted_rto_seconds(&s, None), 10 * 3 + PROPAGATION_ALLOWANCE_SECONDS + 60);
    s.health_check.request_interval_seconds = 30;
    s.health_check.failure_threshold = 10;
    s.dns.max_ttl_seconds = 300;
    assert_eq!(predicted_rto_seconds(&s, None), 300 + PROPAGATION_ALLOWANCE_SECONDS + 300);
}
