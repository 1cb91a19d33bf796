use super::*;
use crate::aws::{ErrorKind, Service};
use std::sync::atomic::AtomicUsize;

fn boom() -> AwsError {
    AwsError::new(Service::Route53, "ListResourceRecordSets", ErrorKind::Transient, "HTTP 500")
}

#[tokio::test(start_paused = true)]
async fn concurrent_requests_for_one_key_share_one_fetch() {
    let cache: SingleFlight<String, Arc<Vec<u32>>> = SingleFlight::new(Duration::from_secs(10));
    let calls = AtomicUsize::new(0);
    let key = "Z1".to_string();
    let fetch = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        // Still running when the other 49 callers arrive.
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(Arc::new(vec![1, 2, 3]))
    };
    let results = futures::future::join_all((0..50).map(|_| cache.get(&key, fetch))).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(results.iter().all(|r| matches!(r, Ok(v) if v.len() == 3)));
    assert_eq!(cache.fetches(), 1);
}

#[tokio::test(start_paused = true)]
async fn different_keys_fetch_separately_and_fresh_values_are_reused() {
    let cache: SingleFlight<String, u32> = SingleFlight::new(Duration::from_secs(10));
    let calls = AtomicUsize::new(0);
    let fetch = || async { Ok(calls.fetch_add(1, Ordering::SeqCst) as u32) };
    assert_eq!(cache.get(&"a".into(), fetch).await.ok(), Some(0));
    assert_eq!(cache.get(&"b".into(), fetch).await.ok(), Some(1));
    tokio::time::advance(Duration::from_secs(9)).await;
    assert_eq!(cache.get(&"a".into(), fetch).await.ok(), Some(0), "still fresh");
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(cache.get(&"a".into(), fetch).await.ok(), Some(2), "expired after max_age");
    cache.invalidate(&"a".into());
    assert_eq!(cache.get(&"a".into(), fetch).await.ok(), Some(3), "invalidated");
}

#[tokio::test(start_paused = true)]
async fn each_caller_sets_the_freshness_it_needs_and_ageing_simulates_time() {
    let cache: SingleFlight<String, u32> = SingleFlight::new(Duration::from_secs(10));
    let calls = AtomicUsize::new(0);
    let fetch = || async { Ok(calls.fetch_add(1, Ordering::SeqCst) as u32) };
    let key = "Z1".to_string();
    assert_eq!(cache.get_within(&key, Duration::from_secs(60), fetch).await.ok(), Some(0));
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(cache.get_within(&key, Duration::from_secs(60), fetch).await.ok(), Some(0), "30 s < 60 s");
    assert_eq!(cache.get_within(&key, Duration::from_secs(20), fetch).await.ok(), Some(1), "30 s > 20 s");
    cache.age(Duration::from_secs(59));
    assert_eq!(cache.get_within(&key, Duration::from_secs(60), fetch).await.ok(), Some(1), "59 s < 60 s");
    cache.age(Duration::from_secs(1));
    assert_eq!(cache.get_within(&key, Duration::from_secs(60), fetch).await.ok(), Some(2), "aged to 60 s");
    assert_eq!(cache.fetches(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_failure_is_shared_by_waiters_then_forgotten() {
    let cache: SingleFlight<String, u32> = SingleFlight::new(Duration::from_secs(10));
    let calls = AtomicUsize::new(0);
    let failing = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        Err::<u32, _>(boom())
    };
    let key = "Z1".to_string();
    let results = futures::future::join_all((0..10).map(|_| cache.get(&key, failing))).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(results.iter().all(|r| r.as_ref().is_err_and(|e| e.kind == ErrorKind::Transient)));
    let ok = cache.get(&key, || async { Ok(7) }).await;
    assert_eq!(ok.ok(), Some(7), "the error was not cached");
}

#[tokio::test(start_paused = true)]
async fn a_peek_returns_a_finished_value_younger_than_asked_and_never_fetches() {
    let cache: SingleFlight<String, u32> = SingleFlight::new(Duration::from_secs(300));
    let key = "t".to_string();
    assert_eq!(cache.peek_within(&key, Duration::from_secs(300)), None, "nothing read yet");
    assert_eq!(cache.get_within(&key, Duration::from_secs(30), || async { Ok(7) }).await.ok(), Some(7));
    tokio::time::advance(Duration::from_secs(120)).await;
    assert_eq!(
        cache.peek_within(&key, Duration::from_secs(300)),
        Some(7),
        "stale for a re-read, young enough to stand in"
    );
    assert_eq!(cache.peek_within(&key, Duration::from_secs(60)), None, "older than asked");
    let failed = cache.get_within(&"u".to_string(), Duration::from_secs(30), || async { Err::<u32, _>(boom()) }).await;
    assert!(failed.is_err());
    assert_eq!(cache.peek_within(&"u".to_string(), Duration::from_secs(300)), None, "a failure never stands in");
    assert_eq!(cache.fetches(), 2);
}
