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
//!
//! The slots open one by one: one at the start, one more each time a reconcile gives its slot
//! back, all 8 after the first 7 reconciles. At a start every object is due at once; 8 first
//! verifications sent some 50 AWS reads together, and the first object's status waited for all of
//! them (at 1,000 objects on the test ground, local AWS answered each in 0.7–1.2 s, against about
//! 55 ms for a table or zone read of one verification alone). And when AWS refuses (a denied
//! role, throttling), the first reconcile says so before seven more have spent their calls.

use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// Slots opened so far, up to [`SLOTS`].
    opened: AtomicUsize,
}

impl Default for Slots {
    fn default() -> Self {
        Slots { all: Semaphore::new(1), turn: Semaphore::new(1), opened: AtomicUsize::new(1) }
    }
}

/// A reconcile's slot; given back when dropped (also when the reconcile's future is cancelled),
/// opening one more until all are open.
pub struct Slot<'a> {
    _permit: SemaphorePermit<'a>,
    slots: &'a Slots,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.slots.open_one();
    }
}

impl Slots {
    /// Waits for a slot, in arrival order within the lane (a drill step waits behind at most one
    /// verification); the slot is free again when the permit drops, also when the reconcile's
    /// future is cancelled. `None` only if a semaphore were closed, which nothing does: the
    /// reconcile then runs without a slot rather than never.
    pub async fn take(&self, lane: Lane) -> Option<Slot<'_>> {
        let _turn = match lane {
            Lane::Verification => Some(self.turn.acquire().await.ok()?),
            Lane::Drill => None,
        };
        Some(Slot { _permit: self.all.acquire().await.ok()?, slots: self })
    }

    fn open_one(&self) {
        if self.opened.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < SLOTS).then_some(n + 1)).is_ok() {
            self.all.add_permits(1);
        }
    }

    /// Opens every slot at once (tests of what happens when all are busy).
    #[cfg(test)]
    pub fn open_all(&self) {
        while self.opened.load(Ordering::SeqCst) < SLOTS {
            self.open_one();
        }
    }

    /// Free slots now (tests).
    #[cfg(test)]
    pub fn free(&self) -> usize {
        self.all.available_permits()
    }
}

#[cfg(test)]
mod tests;
