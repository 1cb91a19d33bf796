//! Failover drills (docs/architecture.md, "Drills"): the pure state machine and preflight, the
//! evidence they judge, and the I/O around them (sensing, executing, the AWS-side lock).

pub mod actions;
pub mod evidence;
mod failback;
pub mod http_probe;
mod in_flight;
pub mod lock;
pub mod machine;
pub mod preflight;
pub mod reasons;
mod results;
pub mod runner;
pub mod schedule;
pub mod sense;
pub mod trigger;
pub mod validate;
pub mod waterfall;
