//! PURE: what was observed (findings, health, replication, drills) → status conditions and the
//! events their transitions deserve. No I/O: the reconciler patches and emits what this returns.

mod assemble;
mod conditions;
mod drill_events;
mod events;
pub mod foreign;
pub mod reasons;
pub mod replication;
pub mod sentences;
pub mod vantage;
pub mod witness;

pub use assemble::{Assembled, AwsRead, ForeignLock, LagProbe, Observed, assemble, assemble_dns_watch};
pub use conditions::{StatusInput, conditions, find_condition};
pub use drill_events::drill_events;
pub use events::{EventType, MAX_NOTE_BYTES, Transition, transitions, truncate};
pub use reasons::{ConditionReason, ConditionType, EventReason};
