//! Failover drills (design §5): the pure state machine and its runner.

pub mod machine;
pub mod schedule;
#[cfg(test)]
mod machine_tests;
