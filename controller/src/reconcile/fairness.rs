//! First verifications before re-verifications (docs/architecture.md, "One reconcile").
//!
//! When more verifications are due than the reconcile slots can run, kube-runtime picks the next
//! one from a hash set, not in arrival order: under sustained saturation the same objects win
//! every time, and objects that never had a verification can wait for good (the footprint bench
//! at 1,000 objects left a third of them without a status). So a re-verification that comes due
//! while every slot is busy and objects of the watch cache still wait for their first one steps
//! aside for a few seconds. With a slot free nothing waits, so nothing steps aside. It never steps
//! aside once it is overdue by a whole interval: an object that never reaches its verification (its
//! reconcile keeps failing before it) delays the others by one interval at most, and only while
//! the operator is saturated.

use std::time::Duration;

/// How long a re-verification steps aside: long enough that the freed slot goes to another
/// object, short enough that the first verifications' backlog is all the delay it adds.
pub const STEP_ASIDE: Duration = Duration::from_secs(5);

/// Whether a due re-verification yields its slot now. `slots_full`: every reconcile slot is busy
/// (this one included); `awaiting_first` counts the watched objects this process has not verified
/// yet; `overdue` is how long ago this verification came due.
pub fn steps_aside(slots_full: bool, awaiting_first: usize, overdue: Duration, interval: Duration) -> bool {
    slots_full && awaiting_first > 0 && overdue < interval
}

#[cfg(test)]
mod tests;
