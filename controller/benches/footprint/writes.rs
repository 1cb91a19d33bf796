//! The status write on its own: the operator's server-side apply of a whole status
//! (`reconcile::status_write::apply`, same field manager), timed by the bench after the operator
//! stopped, one writer at a time and as many at once as the operator's slots. Against the same API
//! servers as the steady window, without the operator's reads and watch traffic beside it.

use std::time::Instant;

use chrono::Utc;
use futures::future::join_all;
use kube::Api;
use regional_failover::{api::RegionalFailover, reconcile::status_write};

/// Milliseconds of each of `per_writer` sequential writes by each of `writers` concurrent writers,
/// each writing the status of its own object (the first `writers` of `names`), sorted.
pub async fn timed(api: &Api<RegionalFailover>, names: &[String], writers: usize, per_writer: usize) -> Vec<f64> {
    let runs = names.iter().take(writers).map(|name| async move {
        let rf = api.get(name).await.expect("an object of the fleet");
        let mut status = rf.status.unwrap_or_default();
        let mut took = Vec::with_capacity(per_writer);
        for _ in 0..per_writer {
            // A new verification time, as every verification writes: the write is never a no-op.
            status.last_verified_at = Some(Utc::now());
            let t = Instant::now();
            status_write::apply(api, name, &status).await.expect("status written");
            took.push(t.elapsed().as_secs_f64() * 1e3);
        }
        took
    });
    let mut all: Vec<f64> = join_all(runs).await.into_iter().flatten().collect();
    all.sort_by(f64::total_cmp);
    all
}

/// The `q` quantile of sorted samples (nearest rank), NaN when there are none.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
