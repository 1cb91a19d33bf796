//! The watch cache filled object by object during the process's first list, not all at once at
//! its end (docs/architecture.md, "Start").
//!
//! kube-runtime's controller holds every reconcile until its store is ready, and its store is
//! ready once the whole initial list has arrived: at 1,000 objects no status was verified for the
//! first 0.5 s of a start, 1.8 s of a restart on a busy machine. Here the store is marked
//! ready, empty, before the first object, and each object of the first list goes in as it
//! arrives: the first page is verified while the rest is listed. Nothing can have left the
//! cache before the first list, so inserting is enough. A later list (the watch lost its place,
//! or the first list broke off) keeps kube-runtime's swap at its end, which also drops the objects
//! deleted meanwhile. Whoever needs the whole fleet, not just the objects seen so far (the runbook
//! sweep), waits for `listed`.

use kube::runtime::{reflector::store::Writer, watcher::Event};
use tokio::sync::watch;

use crate::api::RegionalFailover;

/// Where the process is with its lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Nothing listed yet.
    #[default]
    Fresh,
    /// In the first list: each object goes into the store as it comes.
    Eager,
    /// Every later list: buffered and swapped in whole at its end, as kube-runtime does.
    Swapped,
}

/// The kind of a watch event, without its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Init,
    InitApply,
    InitDone,
    Apply,
    Delete,
}

/// What the store's writer is given for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// The event itself.
    AsIs,
    /// A list starts and ends at once: the store is ready, still empty.
    ReadyEmpty,
    /// The listed object, as an update of the live store.
    Insert,
    /// Nothing: the end of the first list, whose objects are all in the store already (swapping
    /// the empty buffer in would empty the store).
    Nothing,
}

/// The next phase, and what the writer is given for an event of `kind` (pure).
pub fn step(phase: Phase, kind: Kind) -> (Phase, Feed) {
    match (phase, kind) {
        (Phase::Fresh, Kind::Init) => (Phase::Eager, Feed::ReadyEmpty),
        (Phase::Eager, Kind::InitApply) => (Phase::Eager, Feed::Insert),
        (Phase::Eager, Kind::InitDone) => (Phase::Swapped, Feed::Nothing),
        // The first list broke off and starts again: its end swaps in the whole new list, so an
        // object the broken list inserted and that is gone since leaves the cache.
        (Phase::Eager, Kind::Init) => (Phase::Swapped, Feed::AsIs),
        (phase, _) => (phase, Feed::AsIs),
    }
}

fn kind(event: &Event<RegionalFailover>) -> Kind {
    match event {
        Event::Init => Kind::Init,
        Event::InitApply(_) => Kind::InitApply,
        Event::InitDone => Kind::InitDone,
        Event::Apply(_) => Kind::Apply,
        Event::Delete(_) => Kind::Delete,
    }
}

/// The store's writer, fed by [`step`]; `listed` turns true at the end of the first whole list.
pub struct EagerWriter {
    writer: Writer<RegionalFailover>,
    phase: Phase,
    listed: watch::Sender<bool>,
}

impl EagerWriter {
    pub fn new(writer: Writer<RegionalFailover>) -> (EagerWriter, watch::Receiver<bool>) {
        let (listed, seen) = watch::channel(false);
        (EagerWriter { writer, phase: Phase::Fresh, listed }, seen)
    }

    /// Applies one watch event to the store and hands it on unchanged.
    pub fn apply(&mut self, event: Event<RegionalFailover>) -> Event<RegionalFailover> {
        let (phase, feed) = step(self.phase, kind(&event));
        self.phase = phase;
        let event = match (feed, event) {
            (Feed::Insert, Event::InitApply(rf)) => {
                // Moved in and out of an `Apply`, so the object is not copied once more.
                let update = Event::Apply(rf);
                self.writer.apply_watcher_event(&update);
                match update {
                    Event::Apply(rf) => Event::InitApply(rf),
                    other => other,
                }
            }
            (Feed::ReadyEmpty, event) => {
                self.writer.apply_watcher_event(&Event::Init);
                self.writer.apply_watcher_event(&Event::InitDone);
                event
            }
            (Feed::Nothing, event) => event,
            (_, event) => {
                self.writer.apply_watcher_event(&event);
                event
            }
        };
        if matches!(event, Event::InitDone) {
            self.listed.send_replace(true);
        }
        event
    }
}

#[cfg(test)]
mod tests;
