//! The token bucket each service's budget draws from (docs/architecture.md, "The AWS request
//! budget").

use std::{sync::Mutex, time::Duration};

use tokio::time::Instant;

/// A token bucket on tokio's clock (so paused-time tests can check rates exactly).
///
/// A caller that finds no token reserves the next one by driving the balance negative and waits
/// until it is earned: waiters are served in arrival order and none can starve.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub(crate) fn new(rate_per_second: f64) -> Self {
        // A zero or negative rate would wait forever; a tiny positive one at least makes progress.
        let rate = if rate_per_second.is_finite() && rate_per_second > 0.001 { rate_per_second } else { 0.001 };
        let burst = rate.ceil().max(1.0);
        Self { rate, burst, state: Mutex::new((burst, Instant::now())) }
    }

    /// Takes one token, waiting as long as needed.
    pub(crate) async fn acquire(&self) {
        let wait = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let earned = now.saturating_duration_since(state.1).as_secs_f64() * self.rate;
            let tokens = (state.0 + earned).min(self.burst) - 1.0;
            *state = (tokens, now);
            if tokens >= 0.0 { Duration::ZERO } else { Duration::from_secs_f64(-tokens / self.rate) }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Whether a token is free now, without taking it.
    pub(crate) fn has_token(&self) -> bool {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let earned = Instant::now().saturating_duration_since(state.1).as_secs_f64() * self.rate;
        (state.0 + earned).min(self.burst) >= 1.0
    }

    /// Takes one token if one is free now; never waits and never goes into debt.
    pub(crate) fn try_acquire(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let earned = now.saturating_duration_since(state.1).as_secs_f64() * self.rate;
        let tokens = (state.0 + earned).min(self.burst);
        let taken = tokens >= 1.0;
        *state = (if taken { tokens - 1.0 } else { tokens }, now);
        taken
    }
}
