//! regional-failover: verifies and drills an active-passive two-region AWS failover.
#![forbid(unsafe_code)]
#![warn(rust_2018_idioms)]

pub mod api;
pub mod aws;
pub mod dns;
pub mod drill;
mod error;
pub mod leader;
pub mod liveness;
pub mod metrics;
pub mod observe;
pub mod reconcile;
pub mod report;
pub mod status;
pub mod telemetry;
pub mod verify;

pub use error::Error;
