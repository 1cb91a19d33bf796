//! The `regionalfailover.io/v1alpha1` API: the CRD (docs/architecture.md, "The layers").

mod schema_check;
mod spec;
mod spec_drills;
mod spec_failover;
mod spec_table;
mod status;
mod status_drill;
mod status_witness;
pub mod validate;

pub use spec::*;
pub use spec_drills::*;
pub use spec_failover::*;
pub use spec_table::*;
pub use status::*;
pub use status_drill::*;
pub use status_witness::*;

/// Annotation that requests an on-demand drill by name.
pub const RUN_DRILL_ANNOTATION: &str = "regionalfailover.io/run-drill";

#[cfg(test)]
mod tests;
