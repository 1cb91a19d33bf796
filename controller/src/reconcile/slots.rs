//! The reconcile slots (docs/architecture.md, "One reconcile"): at most [`SLOTS`] reconciles
//! work at once, and a reconcile gets a slot in the order it came due.
//!
//! kube-runtime's own limit is not fair: the due objects it cannot start yet wait in a hash set,
//! and each freed slot goes to the first of them in hash order. Under sustained saturation (a
//! fleet of 1,000 starting up, AWS answering slowly) the same objects won every time, and the
//! footprint bench left 82 of 1,000 objects without any status for minutes. So the controller runs
//! unbounded, each reconcile waits here for a permit, and tokio's semaphore hands permits out
//! first come, first served: an object waits at most for the ones that came due before it.
//!
//! A running drill's steps have slots of their own, so they never queue behind a backlog of
//! verifications (a drill step is due every second or two and its timing is part of its result).

use tokio::sync::{Semaphore, SemaphorePermit};

/// Verifications (and every reconcile without a running drill) at once: bounds API server
/// connections, AWS requests in flight and memory however many objects there are.
pub const SLOTS: usize = 8;
/// Drill steps at once, beside the verification slots.
pub const DRILL_SLOTS: usize = 8;

/// Which slots a reconcile waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Verification,
    Drill,
}

pub struct Slots {
    verification: Semaphore,
    drill: Semaphore,
}

impl Default for Slots {
    fn default() -> Self {
        Slots { verification: Semaphore::new(SLOTS), drill: Semaphore::new(DRILL_SLOTS) }
    }
}

impl Slots {
    /// Waits for a slot of `lane`, in arrival order; the slot is free again when the permit drops
    /// (also when the reconcile's future is cancelled). `None` only if the semaphore were closed,
    /// which nothing does: the reconcile then runs without a slot rather than never.
    pub async fn take(&self, lane: Lane) -> Option<SemaphorePermit<'_>> {
        let semaphore = match lane {
            Lane::Verification => &self.verification,
            Lane::Drill => &self.drill,
        };
        semaphore.acquire().await.ok()
    }

    /// Free slots of `lane` now (tests).
    #[cfg(test)]
    pub fn free(&self, lane: Lane) -> usize {
        match lane {
            Lane::Verification => self.verification.available_permits(),
            Lane::Drill => self.drill.available_permits(),
        }
    }
}

#[cfg(test)]
mod tests;
