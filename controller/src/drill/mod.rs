//! Failover drills (design §5): the pure state machine and its runner.

pub mod kube_host;
pub mod machine;
#[cfg(test)]
mod machine_tests;
pub mod probe;
pub mod runner;
pub mod schedule;
pub mod sense;
pub mod trigger;
