//! Failover drills (design §5): the pure state machine and its runner.

pub mod machine;
#[cfg(test)]
mod machine_tests;
pub mod schedule;
