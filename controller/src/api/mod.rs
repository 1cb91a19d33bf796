//! The `regionalfailover.io/v1alpha1` API: the CRD (docs/architecture.md, "The layers").

mod schema_check;
mod spec;
mod spec_failover;
mod status;
pub mod validate;

pub use spec::*;
pub use spec_failover::*;
pub use status::*;

/// Annotation that requests an on-demand drill by name.
pub const RUN_DRILL_ANNOTATION: &str = "regionalfailover.io/run-drill";
