//! JointRank: one round of overlapping blocks, aggregated into a full ranking.
//!
//! Dedov et al. 2025, "JointRank: Rank Large Sets with Single Queries" (arXiv 2506.22262):
//! the candidates are covered by the blocks of a *block design*, every block is ranked by a
//! listwise model in parallel (one round: depth 1), and the block rankings are aggregated
//! into one ranking of all candidates. Two designs, both over first-stage positions:
//!
//! * [`BlockDesign::Replicated`]: `replication` copies of the list, each shuffled (seeded,
//!   one random stream per copy) and cut into `b = ceil(n / block_size)` blocks whose sizes
//!   differ by at most one (the paper's random equi-replicate design): every candidate is in
//!   exactly `replication` blocks.
//! * [`BlockDesign::LatinSquare`]: the positions fill a `block_size x block_size` grid row by
//!   row (`n <= block_size²`); `replication` parallel classes of blocks: the rows, the
//!   columns, then the cyclic diagonals of slope `1, 2, ...` (`{(i, j) : j = c + t i mod k}`).
//!   For a prime `block_size` and `replication = block_size + 1` the classes are the lines of
//!   the affine plane of order `k`: every pair of candidates shares exactly one block.
//!
//! A block of fewer than two candidates carries no evidence and is not asked for. The blocks
//! are aggregated by Plackett–Luce (MAP by MM with a small prior, the core's
//! [`crate::labels::aggregate`]) or Rank Centrality over the blocks' pairs
//! ([`crate::ratings::centrality`]); equal scores keep the first-stage order.

use super::config::{at_least_two, positive};
use super::task::{Book, Machine, Plan, Resolved, State, Task};
use crate::error::{RankError, Result};
use crate::labels::aggregate::{KemenyStart, Method, aggregate};
use crate::labels::borda::BordaNorm;
use crate::labels::evidence::{Evidence, WindowBatch};
use crate::labels::plackett_luce::MmOptions;
use crate::ratings::Comparisons;
use crate::ratings::centrality::rank_centrality;
use crate::rng::Rng;

/// How the blocks are built (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BlockDesign {
    #[default]
    Replicated,
    LatinSquare,
}

crate::choice!(BlockDesign, "design", {
    "replicated" => BlockDesign::Replicated,
    "latin_square" => BlockDesign::LatinSquare,
});

/// How block rankings (or any set of partial rankings) become one ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Combine {
    /// Plackett–Luce MAP (MM, prior `alpha = 0.01`: defined when a candidate never wins).
    #[default]
    PlackettLuce,
    /// Rank Centrality on the pairs of every ranking (`alpha = 0.01`).
    RankCentrality,
    /// Borda points summed over the rankings.
    Borda,
    /// The Kemeny–Young order by local search from Borda (the central ranking of permutation
    /// self-consistency, Tang et al. 2024).
    Kemeny,
}

crate::choice!(Combine, "aggregation", {
    "plackett_luce" => Combine::PlackettLuce,
    "rank_centrality" => Combine::RankCentrality,
    "borda" => Combine::Borda,
    "kemeny" => Combine::Kemeny,
});

/// The prior weight of the Plackett–Luce and Rank Centrality fits (choix's `alpha`): large
/// enough that MM converges on the near-separable data of a good ranker (with `0.01` the
/// strengths of a 49-block Latin square diverge).
const PRIOR: f64 = 0.1;

/// Candidate indices `0..n`, best first, from `rankings` (each best first over a subset):
/// ordered by the `how` scores, ties (and candidates in no ranking) in first-stage order.
pub(crate) fn combine(n: usize, rankings: &[Vec<usize>], how: Combine) -> Vec<usize> {
    let scores = match how {
        Combine::RankCentrality => centrality_scores(n, rankings),
        Combine::PlackettLuce => labels_scores(n, rankings, Method::PlackettLuce(pl_options())),
        Combine::Kemeny => labels_scores(n, rankings, Method::Kemeny(KemenyStart::Borda)),
        Combine::Borda => None,
    }
    .or_else(|| labels_scores(n, rankings, Method::Borda(BordaNorm::None)));
    match scores {
        Some(scores) => super::task::order_by_score(&scores),
        None => (0..n).collect(),
    }
}

fn pl_options() -> MmOptions {
    MmOptions {
        alpha: PRIOR,
        max_iter: 10_000,
        tol: 1e-8,
    }
}

/// Scores per candidate (`-inf` for unobserved ones) from the labels aggregators; `None`
/// when the fit fails or does not converge (the caller falls back to Borda).
fn labels_scores(n: usize, rankings: &[Vec<usize>], method: Method) -> Option<Vec<f64>> {
    let mut items = Vec::new();
    let mut offsets = vec![0i64];
    for r in rankings.iter().filter(|r| r.len() >= 2) {
        items.extend(r.iter().map(|&c| c as i64));
        offsets.push(items.len() as i64);
    }
    let query_offsets = [0, (offsets.len() - 1) as i64];
    let n_items = [n as i64];
    let batch = WindowBatch::new(&items, &offsets, &query_offsets, &n_items).ok()?;
    let out = aggregate(&Evidence::Windows(batch), &method).ok()?;
    if !out.converged.iter().all(|&c| c) {
        return None;
    }
    Some(
        out.scores
            .iter()
            .map(|&s| if s.is_nan() { f64::NEG_INFINITY } else { s })
            .collect(),
    )
}

fn centrality_scores(n: usize, rankings: &[Vec<usize>]) -> Option<Vec<f64>> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for r in rankings {
        for (i, &winner) in r.iter().enumerate() {
            for &loser in &r[i + 1..] {
                a.push(winner as i64);
                b.push(loser as i64);
            }
        }
    }
    if a.is_empty() {
        return None;
    }
    let score = vec![1.0; a.len()];
    let c = Comparisons::new(&a, &b, &score, None, n).ok()?;
    rank_centrality(&c, PRIOR).ok()
}

/// Configuration of [`JointRank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JointRankConfig {
    /// Candidates per block (`k`).
    pub block_size: usize,
    /// Blocks each candidate is in (replicated) or parallel classes (Latin square).
    pub replication: usize,
    pub design: BlockDesign,
    pub aggregation: Combine,
    /// Seed of the shuffles of the replicated design.
    pub seed: u64,
}

impl Default for JointRankConfig {
    fn default() -> Self {
        JointRankConfig {
            block_size: 20,
            replication: 2,
            design: BlockDesign::Replicated,
            aggregation: Combine::PlackettLuce,
            seed: 0,
        }
    }
}

impl JointRankConfig {
    /// Check the configuration: `block_size >= 2`, `replication >= 1`, and at most
    /// `block_size + 1` classes for the Latin square.
    ///
    /// # Errors
    /// The first field out of range, named.
    pub fn validate(&self) -> Result<()> {
        at_least_two("block_size", self.block_size)?;
        positive("replication", self.replication)?;
        if self.design == BlockDesign::LatinSquare
            && self.replication > self.block_size.saturating_add(1)
        {
            return Err(RankError::invalid(
                "replication",
                format!(
                    "at most block_size + 1 = {} parallel classes for a Latin square",
                    self.block_size.saturating_add(1)
                ),
                self.replication,
            ));
        }
        Ok(())
    }

    /// `n` fits the design: `n <= block_size²` for the Latin square.
    fn fits(&self, n: usize) -> Result<()> {
        let k = self.block_size;
        if self.design == BlockDesign::LatinSquare && k.checked_mul(k).is_some_and(|s| n > s) {
            return Err(RankError::invalid(
                "n",
                format!(
                    "at most block_size² = {} candidates for a Latin square of side {k} \
                     (a block_size of at least ceil(sqrt(n)))",
                    k * k
                ),
                n,
            ));
        }
        Ok(())
    }

    /// Blocks of one replicated copy of `n` (`ceil(n / k)`) and how many have two or more.
    fn copy_blocks(&self, n: usize) -> usize {
        let b = n.div_ceil(self.block_size);
        if b == 0 {
            return 0;
        }
        match n / b {
            0 => 0,
            1 => n % b, // the larger blocks have two
            _ => b,
        }
    }

    /// Blocks of two or more in the Latin square of `n`: the rows, and each other class has as
    /// many as the columns (a diagonal class permutes the columns of the last, partial row).
    fn square_blocks(&self, n: usize) -> usize {
        let k = self.block_size;
        let (q, rem) = (n / k, n % k);
        let rows = q + usize::from(rem >= 2);
        let cols = match q {
            0 => 0,
            1 => rem,
            _ => k,
        };
        rows.saturating_add(cols.saturating_mul(self.replication - 1))
    }

    /// Calls and depth for `n` candidates (exact: the blocks do not depend on the answers;
    /// depth 1, none when no block has two candidates).
    ///
    /// # Errors
    /// `n` beyond the Latin square, or a count beyond 64 bits.
    pub fn plan(&self, n: usize) -> Result<Plan> {
        self.fits(n)?;
        let calls = match self.design {
            BlockDesign::Replicated => self
                .copy_blocks(n)
                .checked_mul(self.replication)
                .ok_or_else(|| RankError::invalid("n", "a plan that fits 64 bits", n))?,
            BlockDesign::LatinSquare => self.square_blocks(n),
        };
        Ok(Plan::exact(calls, usize::from(calls > 0)))
    }

    /// The blocks over first-stage positions `0..n`, in call order (two candidates or more).
    pub fn blocks(&self, n: usize) -> Vec<Vec<usize>> {
        let k = self.block_size.max(2);
        let mut out = Vec::new();
        match self.design {
            BlockDesign::Replicated => {
                let b = n.div_ceil(k);
                for copy in 0..self.replication {
                    let mut order: Vec<usize> = (0..n).collect();
                    Rng::new(self.seed, copy as u64).shuffle(&mut order);
                    let mut start = 0;
                    for j in 0..b {
                        let size = n / b + usize::from(j < n % b);
                        out.push(order[start..start + size].to_vec());
                        start += size;
                    }
                }
            }
            BlockDesign::LatinSquare => {
                let cell = |i: usize, j: usize| Some(i * k + j).filter(|&p| p < n);
                for class in 0..self.replication {
                    for c in 0..k {
                        let block: Vec<usize> = (0..k)
                            .filter_map(|i| match class {
                                0 => cell(c, i),
                                1 => cell(i, c),
                                t => cell(i, (c + (t - 1) * i) % k),
                            })
                            .collect();
                        out.push(block);
                    }
                }
            }
        }
        out.retain(|b| b.len() >= 2);
        out
    }
}

/// One query's JointRank run (see the module docs).
pub type JointRank = State<JointRankMachine>;

impl JointRank {
    /// A state for `n` candidates in first-stage order.
    ///
    /// # Errors
    /// An invalid configuration, or `n` beyond the Latin square.
    pub fn start(n: usize, config: JointRankConfig) -> Result<Self> {
        config.validate()?;
        config.fits(n)?;
        Ok(State::new(JointRankMachine {
            n,
            config,
            blocks: config.blocks(n),
            answers: Vec::new(),
            asked: false,
            order: (0..n).collect(),
        }))
    }
}

/// The logic of [`JointRank`].
#[derive(Debug, Clone)]
pub struct JointRankMachine {
    n: usize,
    config: JointRankConfig,
    blocks: Vec<Vec<usize>>,
    /// Block rankings received, best first, over candidate indices.
    answers: Vec<Vec<usize>>,
    asked: bool,
    order: Vec<usize>,
}

impl Machine for JointRankMachine {
    fn advance(&mut self, book: &mut Book) {
        if !self.asked {
            self.asked = true;
            for block in &self.blocks {
                book.rank(block.clone());
            }
        }
    }

    fn take(&mut self, task: Task, answer: Resolved) {
        let Resolved::Order(permutation) = answer else {
            unreachable!("rank tasks resolve to orders")
        };
        self.answers
            .push(permutation.iter().map(|&p| task.candidates[p]).collect());
        if self.answers.len() == self.blocks.len() {
            self.order = combine(self.n, &self.answers, self.config.aggregation);
        }
    }

    fn order(&self) -> Vec<usize> {
        self.order.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rerank::task::{Strategy, oracle_answer, run_with_oracle};
    use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, prop_assume, proptest};

    fn latin(k: usize, r: usize) -> JointRankConfig {
        JointRankConfig {
            block_size: k,
            replication: r,
            design: BlockDesign::LatinSquare,
            ..JointRankConfig::default()
        }
    }

    /// The JointRank paper's Latin-square design for n = 100, k = 10, r = 2: 20 blocks.
    #[test]
    fn plans_of_the_papers_settings() {
        assert_eq!(latin(10, 2).plan(100).unwrap(), Plan::exact(20, 1));
        let rep = JointRankConfig {
            block_size: 10,
            ..JointRankConfig::default()
        };
        assert_eq!(rep.plan(100).unwrap(), Plan::exact(20, 1));
        assert_eq!(rep.plan(1).unwrap(), Plan::exact(0, 0));
        assert!(latin(10, 2).plan(101).is_err());
        assert!(latin(3, 5).validate().is_err());
        assert!(JointRank::start(5, latin(2, 2)).is_err());
        let e = JointRankConfig {
            block_size: 1,
            ..JointRankConfig::default()
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(e.contains("block_size"), "{e}");
    }

    proptest! {
        /// The plan's closed form counts the blocks; every candidate is in `replication`
        /// blocks of the replicated design; a run asks for every block in one round.
        #[test]
        fn plan_counts_the_blocks(n in 0usize..200, k in 2usize..25, r in 1usize..5, latin_sq in any::<bool>(), seed in any::<u64>()) {
            let design = if latin_sq { BlockDesign::LatinSquare } else { BlockDesign::Replicated };
            let cfg = JointRankConfig { block_size: k, replication: r, design, seed, ..JointRankConfig::default() };
            prop_assume!(cfg.validate().is_ok() && cfg.fits(n).is_ok());
            let blocks = cfg.blocks(n);
            prop_assert_eq!(cfg.plan(n).unwrap(), Plan::exact(blocks.len(), usize::from(!blocks.is_empty())));
            let mut count = vec![0usize; n];
            for b in &blocks {
                prop_assert!(b.len() >= 2 && b.len() <= k);
                for &c in b { count[c] += 1; }
            }
            if !latin_sq && n >= 2 && n.div_ceil(k) <= n / 2 {
                prop_assert!(count.iter().all(|&c| c == r));
            }
            let rel: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64).collect();
            let mut state = JointRank::start(n, cfg).unwrap();
            let (order, calls, rounds) = run_with_oracle(&mut state, &rel);
            prop_assert_eq!((calls, rounds), (blocks.len(), usize::from(!blocks.is_empty())));
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        }

        /// With the affine plane (prime k, k + 1 classes) every pair shares a block, so a
        /// perfect ranker's blocks determine the full order, and every aggregation recovers it.
        #[test]
        fn a_design_covering_every_pair_recovers_the_order(
            k in prop::sample::select(vec![2usize, 3, 5, 7]),
            grades in proptest::collection::vec(0u32..1_000_000, 2..50),
            how in prop::sample::select(vec![Combine::PlackettLuce, Combine::RankCentrality, Combine::Borda]),
        ) {
            let n = grades.len().min(k * k);
            let mut seen = std::collections::HashSet::new();
            let rel: Vec<f64> = grades[..n].iter().filter(|g| seen.insert(**g)).map(|&g| f64::from(g)).collect();
            let n = rel.len();
            prop_assume!(n >= 2);
            let cfg = JointRankConfig { aggregation: how, ..latin(k, k + 1) };
            let blocks = cfg.blocks(n);
            for a in 0..n {
                for b in a + 1..n {
                    prop_assert!(blocks.iter().any(|bl| bl.contains(&a) && bl.contains(&b)));
                }
            }
            let mut state = JointRank::start(n, cfg).unwrap();
            let order = crate::rerank::task::run_to_end(&mut state, |t| oracle_answer(&rel, t)).unwrap();
            let mut ideal: Vec<usize> = (0..n).collect();
            ideal.sort_by(|&a, &b| rel[b].total_cmp(&rel[a]));
            prop_assert_eq!(order, ideal);
            prop_assert!(state.done());
        }
    }
}
