//! PURE: what was observed (findings, health, replication, drills) → status conditions and the
//! events their transitions deserve. No I/O: the reconciler patches and emits what this returns.

mod assemble;
mod conditions;
mod events;

#[cfg(test)]
mod tests_conditions;
#[cfg(test)]
mod tests_events;

pub use assemble::{Assembled, LagProbe, Observed, assemble};
pub use conditions::{ConditionTypes, Reasons, StatusInput, conditions, find_condition};
pub use events::{EventType, MAX_NOTE_BYTES, Transition, transitions};
