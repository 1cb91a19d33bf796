use super::*;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + secs, 0).expect("time")
}

#[test]
fn the_window_reaches_back_the_minutes_asked_and_includes_the_current_one() {
    // 1_800_000_000 is a whole minute.
    assert_eq!(window(at(20), 5), (at(-300), at(60)), "5 min back from 00:20 starts in minute -5");
    assert_eq!(window(at(0), 1), (at(-60), at(60)), "right after a minute begins the last one still counts");
    assert_eq!(window(at(59), 0), (at(-60), at(60)), "at least one minute back");
}

#[test]
fn series_are_matched_by_id_and_sorted_and_idle_periods_are_not_writes() {
    let series = vec![
        ("max0".to_string(), vec![(at(60), 900.0), (at(0), 3000.0)]),
        ("avg0".to_string(), vec![(at(0), 2500.0), (at(60), 700.0)]),
        ("max1".to_string(), vec![(at(0), 50.0)]),
        (WRITES_ID.to_string(), vec![(at(0), 4.0), (at(60), 0.0)]),
    ];
    let receivers = vec!["us-west-2".to_string(), "eu-west-1".to_string(), "ap-south-1".to_string()];
    let m = assemble("us-east-1", "profiles", &receivers, (at(-300), at(60), 300), &series);
    let west = &m.latency[0].1;
    assert_eq!(
        west.iter().map(|p| (p.at, p.average_ms, p.maximum_ms)).collect::<Vec<_>>(),
        vec![(at(0), 2500.0, 3000.0), (at(60), 700.0, 900.0)]
    );
    assert_eq!(m.latency[1].1[0].average_ms, 50.0, "no Average: the Maximum stands in");
    assert!(m.latency[2].1.is_empty(), "no datapoints at all");
    assert_eq!(m.writes, vec![at(0)], "a period with Sum 0 took no writes");
    assert_eq!((m.period_seconds, m.window_seconds, m.source_region.as_str()), (60, 300, "us-east-1"));
}
