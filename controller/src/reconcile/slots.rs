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
//! A running drill's step goes ahead of waiting verifications: verifications queue for their turn
//! among themselves first, so at most one of them is ever waiting for a slot beside the drills'
//! steps (a drill step is due every second or two and its timing is part of its result; its
//! restore must not wait behind a fleet's backlog). Drills and verifications share the 8 slots, so
//! the load on AWS, DNS and the API server stays bounded as before.

use tokio::sync::{Semaphore, SemaphorePermit};

/// Reconciles at once: bounds API server connections, AWS requests and DNS queries in flight and
/// memory however many objects there are.
pub const SLOTS: usize = 8;

/// Which queue a reconcile waits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Verification,
    Drill,
}

pub struct Slots {
    /// The slots themselves.
    all: Semaphore,
    /// The verifications' turn to wait for a slot, one at a time, first come, first served.
    turn: Semaphore,
}

impl Default for Slots {
    fn default() -> Self {
        Slots { all: Semaphore::new(SLOTS), turn: Semaphore::new(1) }
    }
}

impl Slots {
    /// Waits for a slot, in arrival order within the lane (a drill step waits behind at most one
    /// verification); the slot is free again when the permit drops, also when the reconcile's
    /// future is cancelled. `None` only if a semaphore were closed, which nothing does: the
    /// reconcile then runs without a slot rather than never.
    pub async fn take(&self, lane: Lane) -> Option<SemaphorePermit<'_>> {
        let _turn = match lane {
            Lane::Verification => Some(self.turn.acquire().await.ok()?),
            Lane::Drill => None,
        };
        self.all.acquire().await.ok()
    }

    /// Free slots now (tests).
    #[cfg(test)]
    pub fn free(&self) -> usize {
        self.all.available_permits()
    }
}

#[cfg(test)]
mod tests;
