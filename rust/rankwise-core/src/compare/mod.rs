//! Comparing systems: paired significance tests with multiple-comparison corrections, effect
//! sizes and confidence intervals, and run fusion.

pub mod anova;
pub mod bootstrap;
pub mod effects;
pub mod fusion;
pub mod power;
pub mod stats;
pub mod studentized_range;
pub mod tukey;
