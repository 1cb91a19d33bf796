use super::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

#[test]
fn weekly_schedule_parses_and_fires_on_tuesday_3am() {
    let cron = parse("0 3 * * TUE").expect("parses");
    // 2026-11-24 is a Tuesday.
    assert_eq!(
        due_since(&cron, at("2026-11-22T00:00:00Z"), at("2026-11-24T03:00:30Z")),
        Some(at("2026-11-24T03:00:00Z"))
    );
    assert_eq!(due_since(&cron, at("2026-11-24T03:00:00Z"), at("2026-11-24T04:00:00Z")), None);
}

#[test]
fn nonsense_is_an_error() {
    assert!(parse("every tuesday").is_err());
    assert!(parse("61 * * * *").is_err());
}
