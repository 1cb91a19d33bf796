//! A single-flight cache with a freshness window (docs/architecture.md, "The AWS request budget": records are listed once per zone per
//! cycle and shared by every object in that zone).
//!
//! Concurrent requests for one key join the fetch already running; a finished value is reused
//! until it is `max_age` old. A failure is handed to everyone who waited for that fetch and then
//! forgotten, so the next request tries again instead of hammering a failing endpoint N times.

use std::{
    collections::HashMap,
    future::Future,
    hash::Hash,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{sync::OnceCell, time::Instant};

use super::error::AwsError;

type Slot<V> = Arc<OnceCell<(Instant, Result<V, AwsError>)>>;

#[derive(Debug)]
pub struct SingleFlight<K, V> {
    max_age: Duration,
    slots: Mutex<HashMap<K, Slot<V>>>,
    fetches: AtomicU64,
}

impl<K, V> SingleFlight<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    pub fn new(max_age: Duration) -> Self {
        Self { max_age, slots: Mutex::new(HashMap::new()), fetches: AtomicU64::new(0) }
    }

    #[cfg(any(test, feature = "test-support"))]
    /// The cached value for `key`, or the result of `fetch`, shared with every concurrent caller.
    pub async fn get<F, Fut>(&self, key: &K, fetch: F) -> Result<V, AwsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, AwsError>>,
    {
        self.get_within(key, self.max_age, fetch).await
    }

    /// Like [`get`](Self::get), but a value older than `max_age` is fetched again: each caller
    /// says how fresh it needs the value (an object verified every minute accepts a listing up to a
    /// minute old, so N objects spread over that minute share one listing).
    pub async fn get_within<F, Fut>(&self, key: &K, max_age: Duration, fetch: F) -> Result<V, AwsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, AwsError>>,
    {
        let slot = self.slot(key, max_age);
        let (_, result) = slot
            .get_or_init(|| async {
                self.fetches.fetch_add(1, Ordering::Relaxed);
                let result = fetch().await;
                (Instant::now(), result)
            })
            .await;
        let result = result.clone();
        if result.is_err() {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if slots.get(key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                slots.remove(key);
            }
        }
        result
    }

    /// The slot to join: a fetch in flight, a value younger than `max_age`, or a new empty slot.
    fn slot(&self, key: &K, max_age: Duration) -> Slot<V> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let younger =
            |s: &Slot<V>, age: Duration| s.get().is_none_or(|(at, _)| now.saturating_duration_since(*at) < age);
        if let Some(slot) = slots.get(key).filter(|s| younger(s, max_age)) {
            return slot.clone();
        }
        // Drop stale entries while we hold the lock, so keys no longer used do not pile up.
        let keep = self.max_age.max(max_age);
        slots.retain(|_, s| younger(s, keep));
        let slot: Slot<V> = Arc::new(OnceCell::new());
        slots.insert(key.clone(), slot.clone());
        slot
    }

    #[cfg(any(test, feature = "test-support"))]
    /// Makes every finished value `by` older, as if that much time had passed: benchmarks use it
    /// to step through verification cycles without waiting for them.
    pub fn age(&self, by: Duration) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let aged: Vec<(K, Option<Slot<V>>)> = slots
            .iter()
            .filter_map(|(k, s)| {
                let (at, value) = s.get()?;
                let older = at.checked_sub(by).map(|at| Arc::new(OnceCell::new_with(Some((at, value.clone())))));
                Some((k.clone(), older))
            })
            .collect();
        for (key, slot) in aged {
            match slot {
                Some(slot) => slots.insert(key, slot),
                None => slots.remove(&key),
            };
        }
    }

    /// The finished value for `key` if it is younger than `max_age`; never fetches, never waits.
    pub fn peek_within(&self, key: &K, max_age: Duration) -> Option<V> {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let (at, value) = slots.get(key)?.get()?;
        (Instant::now().saturating_duration_since(*at) < max_age).then(|| value.as_ref().ok().cloned()).flatten()
    }

    /// Forgets `key`, e.g. after we changed the resource ourselves.
    pub fn invalidate(&self, key: &K) {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    #[cfg(any(test, feature = "test-support"))]
    /// Fetches started so far (tests and benchmarks).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests;
