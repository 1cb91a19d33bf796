use chrono::TimeZone;

use super::*;

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + s, 0).single().expect("time")
}

fn lock() -> ForeignLock {
    ForeignLock {
        lock: "regionalfailover-hc1".into(),
        holder: "regional-failover-abc (us-east-1) for team/api, drill weekly".into(),
        restores_at: Some(t(600)),
    }
}

#[test]
fn seen_once_kept_with_its_first_sight_and_ended_by_whom() {
    let first = record(&lock(), None, t(10));
    assert_eq!(first.first_seen_at, t(10));
    let again = record(&lock(), Some(&first), t(20));
    assert_eq!(again.first_seen_at, t(10), "the same drill");
    let other = ForeignLock { holder: "someone else".into(), ..lock() };
    assert_eq!(record(&other, Some(&first), t(30)).first_seen_at, t(30), "another drill");

    let seen = events(None, Some(&first), t(10));
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].reason, EventReason::ForeignDrillSeen);
    assert!(seen[0].note.contains("us-east-1") && seen[0].note.contains("leaves it alone"), "{}", seen[0].note);
    assert!(events(Some(&first), Some(&again), t(20)).is_empty());
    let by_holder = events(Some(&first), None, t(300));
    assert!(by_holder[0].note.contains("ended by its holder"), "{}", by_holder[0].note);
    let by_failsafe = events(Some(&first), None, t(700));
    assert_eq!(by_failsafe[0].reason, EventReason::ForeignDrillEnded);
    assert!(by_failsafe[0].note.contains("restored by its fail-safe"), "{}", by_failsafe[0].note);
}
