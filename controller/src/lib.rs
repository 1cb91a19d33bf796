//! regional-failover: verifies and drills an active-passive two-region AWS failover.
#![forbid(unsafe_code)]
#![deny(warnings, rust_2018_idioms)]

pub mod api;
mod error;

pub use error::Error;
