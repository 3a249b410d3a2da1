//! Comparing systems: paired significance tests with multiple-comparison corrections, and
//! run fusion.

pub mod fusion;
pub mod stats;
