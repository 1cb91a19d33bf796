use super::*;

#[test]
fn the_name_depends_on_the_health_check_alone_and_fits_scheduler() {
    let id = "0f3c0000-1111-2222-3333-444455556666";
    assert_eq!(lock_name(id), "regionalfailover-0f3c0000-1111-2222-3333-444455556666");
    assert_eq!(lock_name(id), lock_name(id));
    let long = lock_name(&"x/y".repeat(40));
    assert!(long.len() <= 64 && long.starts_with(LOCK_PREFIX) && !long.contains('/'), "{long}");
}

#[test]
fn the_holder_says_who_and_what() {
    let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").expect("time").with_timezone(&Utc);
    let h = holder("operator pod-1 (us-east-1)", "default", "api", "weekly", at);
    assert_eq!(h, "operator pod-1 (us-east-1) for default/api, drill weekly, started 2026-12-01T10:00:00Z");
    assert!(holder(&"x".repeat(600), "n", "a", "d", at).len() <= 512);
}
