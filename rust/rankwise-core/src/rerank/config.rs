//! Every strategy behind one type: what the bindings and drivers hold.

use super::acurank::{AcuRank, AcuRankConfig};
use super::groupwise::{Groupwise, GroupwiseConfig};
use super::joint::{Combine, JointRank, JointRankConfig};
use super::pairwise::{Pairwise, PairwiseConfig};
use super::setwise::{Setwise, SetwiseConfig};
use super::shuffled::SelfConsistent;
use super::single::{FullList, Pointwise};
use super::task::{Plan, Strategy};
use super::topdown::{TopDown, TopDownConfig};
use super::tournament::{Tournament, TournamentConfig};
use super::window::{SlidingWindow, WindowConfig};
use crate::error::{RankError, Result};

/// Most orders of one window under permutation self-consistency.
pub const MAX_PERMUTATIONS: usize = 1000;

/// A count option that must be at least 1 (`top_k`, `passes`, `rounds`, ...).
pub(crate) fn positive(argument: &str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(RankError::invalid(argument, "a positive integer", 0));
    }
    Ok(())
}

/// A size option that must be at least 2 (`window`, `group_size`, `block_size`): a call over
/// one candidate ranks nothing.
pub(crate) fn at_least_two(argument: &str, value: usize) -> Result<()> {
    if value < 2 {
        return Err(RankError::invalid(argument, "an integer >= 2", value));
    }
    Ok(())
}

/// A strategy and its configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum StrategyConfig {
    SlidingWindow(WindowConfig),
    FullList,
    Pointwise,
    Setwise(SetwiseConfig),
    Pairwise(PairwiseConfig),
    Tournament(TournamentConfig),
    TopDown(TopDownConfig),
    Groupwise(GroupwiseConfig),
    JointRank(JointRankConfig),
    AcuRank(AcuRankConfig),
    /// Permutation self-consistency around a listwise (rank-call) strategy.
    SelfConsistent {
        inner: Box<StrategyConfig>,
        permutations: usize,
        aggregation: Combine,
        seed: u64,
    },
}

impl StrategyConfig {
    /// Check the configuration.
    ///
    /// # Errors
    /// The first field out of range, named.
    pub fn validate(&self) -> Result<()> {
        match self {
            StrategyConfig::SlidingWindow(c) => c.validate(),
            StrategyConfig::FullList | StrategyConfig::Pointwise => Ok(()),
            StrategyConfig::Setwise(c) => c.validate(),
            StrategyConfig::Pairwise(c) => c.validate(),
            StrategyConfig::Tournament(c) => c.validate(),
            StrategyConfig::TopDown(c) => c.validate(),
            StrategyConfig::Groupwise(c) => c.validate(),
            StrategyConfig::JointRank(c) => c.validate(),
            StrategyConfig::AcuRank(c) => c.validate(),
            StrategyConfig::SelfConsistent {
                inner,
                permutations,
                ..
            } => {
                positive("permutations", *permutations)?;
                // Every copy is a call asked at once: a bound keeps a typo from asking for
                // billions of calls (Tang et al. use up to 20).
                if *permutations > MAX_PERMUTATIONS {
                    return Err(RankError::invalid(
                        "permutations",
                        format!("at most {MAX_PERMUTATIONS}"),
                        permutations,
                    ));
                }
                match **inner {
                    StrategyConfig::SlidingWindow(_)
                    | StrategyConfig::FullList
                    | StrategyConfig::TopDown(_)
                    | StrategyConfig::JointRank(_)
                    | StrategyConfig::AcuRank(_) => inner.validate(),
                    _ => Err(RankError::invalid(
                        "permutations",
                        "1 for a strategy that does not make rank calls",
                        permutations,
                    )),
                }
            }
        }
    }

    /// Calls and depth for `n` candidates (exact or bounds, see [`Plan`]): closed forms or
    /// `O(log n)` walks, no memory, for any `n`.
    ///
    /// # Errors
    /// A count beyond 64 bits.
    pub fn plan(&self, n: usize) -> Result<Plan> {
        match self {
            StrategyConfig::SlidingWindow(c) => c.plan(n),
            StrategyConfig::FullList => Ok(FullList::plan(n)),
            StrategyConfig::Pointwise => Ok(Pointwise::plan(n)),
            StrategyConfig::Setwise(c) => c.plan(n),
            StrategyConfig::Pairwise(c) => c.plan(n),
            StrategyConfig::Tournament(c) => c.plan(n),
            StrategyConfig::TopDown(c) => c.plan(n),
            StrategyConfig::Groupwise(c) => c.plan(n),
            StrategyConfig::JointRank(c) => c.plan(n),
            StrategyConfig::AcuRank(c) => c.plan(n),
            StrategyConfig::SelfConsistent {
                inner,
                permutations,
                ..
            } => {
                let p = inner.plan(n)?;
                let times = |c: usize| {
                    c.checked_mul(*permutations)
                        .ok_or_else(|| RankError::invalid("n", "a plan that fits 64 bits", n))
                };
                Ok(Plan {
                    calls_min: times(p.calls_min)?,
                    calls_max: times(p.calls_max)?,
                    ..p
                })
            }
        }
    }

    /// A fresh state for one query's `n` candidates, in first-stage order.
    ///
    /// # Errors
    /// An invalid configuration.
    pub fn start(&self, n: usize) -> Result<Box<dyn Strategy>> {
        Ok(match self {
            StrategyConfig::SlidingWindow(c) => Box::new(SlidingWindow::start(n, *c)?),
            StrategyConfig::FullList => Box::new(FullList::start(n)),
            StrategyConfig::Pointwise => Box::new(Pointwise::start(n)),
            StrategyConfig::Setwise(c) => Box::new(Setwise::start(n, *c)?),
            StrategyConfig::Pairwise(c) => Box::new(Pairwise::start(n, *c)?),
            StrategyConfig::Tournament(c) => Box::new(Tournament::start(n, c.clone())?),
            StrategyConfig::TopDown(c) => Box::new(TopDown::start(n, *c)?),
            StrategyConfig::Groupwise(c) => Box::new(Groupwise::start(n, *c)?),
            StrategyConfig::JointRank(c) => Box::new(JointRank::start(n, *c)?),
            StrategyConfig::AcuRank(c) => Box::new(AcuRank::start(n, *c)?),
            StrategyConfig::SelfConsistent {
                inner,
                permutations,
                aggregation,
                seed,
            } => Box::new(SelfConsistent::new(
                inner.start(n)?,
                *permutations,
                *aggregation,
                *seed,
            )?),
        })
    }
}
