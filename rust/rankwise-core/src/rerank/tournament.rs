//! TourRank's tournaments as a state machine for one query.
//!
//! Reference: Chen et al., "TourRank: Utilizing Large Language Models for Documents Ranking
//! with a Tournament-Inspired Strategy" (WWW 2025, arXiv 2406.11678), code
//! `chenyiqun/TourRank` (`TourRank_multiprocessing.py::filter_processing`,
//! `group_processing`).
//!
//! One tournament runs its stages in order. A stage takes the candidates that advanced from the
//! previous stage (stage 1: all `n`), in first-stage order, and splits them into `groups` by
//! *skip* grouping (TourRank's `get_groups_skip`: group `i` takes `input[j * groups + i]`, so
//! every group gets a spread of first-stage ranks). Each group is shown to the model in an
//! order shuffled by the seeded [`Rng`] and is one [`TaskKind::Select`] call asking for the
//! candidates of that group that advance. Every candidate selected at a stage gets one point.
//! `tournaments` (TourRank's `R`) independent tournaments run side by side: stage `s` of every
//! tournament is one round of calls, so the depth is the number of stages, not `R` times it.
//! The final order sorts the candidates by their points summed over the tournaments, most
//! first, ties by first-stage order (TourRank's stable sort).
//!
//! With the default stages on `n = 100`, a tournament makes 5 + 5 + 1 + 1 + 1 = 13 calls over
//! 100 + 50 + 20 + 10 + 5 = 185 document slots, depth 5; TourRank-`R` makes `13 R` calls.
//!
//! # Rules for any `n` (TourRank only defines `n = 100`)
//! A stage is `(groups, advance)`: `advance` is how many candidates leave the stage in total.
//! With `m` candidates entering the stage:
//! * if `advance >= m` the stage is skipped: no call, no points, the same `m` candidates enter
//!   the next stage (as if the stage were not configured);
//! * otherwise the number of groups is clamped to `min(groups, advance, m - advance)`, so each
//!   group has at least one candidate that advances and one that does not;
//! * `advance` is split over the groups by largest remainder, proportionally to group size
//!   (quota `advance * size / m`; the leftover seats go to the largest fractional parts, ties
//!   to the earlier group), so the counts sum to `advance` exactly;
//! * a group in which every candidate advances makes no call (its candidates get their point
//!   directly); with the clamp above this does not happen, the rule is there for safety.
//!
//! The plan only depends on `n`, so [`TournamentConfig::plan`] is exact: calls = `R` times the
//! calls of one tournament, depth = the number of stages that make a call.
//!
//! # Deliberate differences from the reference
//! * Shuffles are seeded (`seed`, one random stream per tournament): the same seed gives the
//!   same calls on any machine; TourRank's `random.shuffle` is unseeded.
//! * Answers are checked (distinct positions, exactly the count asked); TourRank's parser
//!   counts every mention with no range check or dedupe, and a tournament that dies is
//!   replaced by a copy of an earlier one's scores. Here neither can happen.

use std::collections::HashMap;

use super::config::positive;
use super::count::fit;
use super::task::{Book, Machine, Plan, Resolved, State, Task, TaskKind};
use crate::error::{RankError, Result};
use crate::rng::Rng;

/// Configuration of [`Tournament`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TournamentConfig {
    /// Stages in order: `(groups, advance)`, where `advance` is how many candidates advance
    /// from the stage in total (summed over its groups).
    pub stages: Vec<(usize, usize)>,
    /// Independent tournaments whose points are summed (TourRank's `R`).
    pub tournaments: usize,
    /// Seed of the shuffles inside groups.
    pub seed: u64,
}

impl Default for TournamentConfig {
    /// TourRank's stages for `n = 100`, one tournament, seed 0.
    fn default() -> Self {
        TournamentConfig {
            stages: vec![(5, 50), (5, 20), (1, 10), (1, 5), (1, 2)],
            tournaments: 1,
            seed: 0,
        }
    }
}

/// The layout of one stage that makes calls: how many enter, and for each group its size and
/// how many of it advance.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StageLayout {
    /// Candidates entering the stage.
    input: usize,
    /// `(size, advancing)` per group, in group order (group `i` takes `input[j * G + i]`).
    groups: Vec<(usize, usize)>,
}

impl StageLayout {
    fn calls(&self) -> usize {
        self.groups
            .iter()
            .filter(|&&(size, adv)| adv < size)
            .count()
    }
}

/// Largest-remainder split of `advance` seats over groups of `sizes` (summing to `m`),
/// proportionally to size; leftover seats to the largest fractional parts, ties to the earlier
/// group. Exact integer arithmetic.
fn split_advance(sizes: &[usize], m: usize, advance: usize) -> Vec<usize> {
    let m = m.max(1);
    let mut seats: Vec<usize> = sizes.iter().map(|&s| advance * s / m).collect();
    let given: usize = seats.iter().sum();
    let mut by_remainder: Vec<usize> = (0..sizes.len()).collect();
    // Remainder of group g, scaled by m: advance * size mod m.
    by_remainder.sort_by(|&a, &b| {
        let (ra, rb) = ((advance * sizes[a]) % m, (advance * sizes[b]) % m);
        rb.cmp(&ra).then(a.cmp(&b))
    });
    for &g in by_remainder.iter().take(advance.saturating_sub(given)) {
        seats[g] += 1;
    }
    seats
}

impl TournamentConfig {
    /// Check the configuration: at least one stage, every stage with `groups >= 1` and
    /// `advance >= 1`, `tournaments >= 1`.
    ///
    /// # Errors
    /// The first field out of range, named.
    pub fn validate(&self) -> Result<()> {
        if self.stages.is_empty() {
            return Err(RankError::invalid(
                "stages",
                "at least one (groups, advance) stage",
                "[]",
            ));
        }
        for (i, &(groups, advance)) in self.stages.iter().enumerate() {
            if groups == 0 || advance == 0 {
                return Err(RankError::invalid(
                    format!("stages[{i}]"),
                    "(groups, advance) with groups >= 1 and advance >= 1",
                    format!("({groups}, {advance})"),
                ));
            }
        }
        positive("tournaments", self.tournaments)?;
        Ok(())
    }

    /// The stages that make calls for `n` candidates, after the rules for general `n` (module
    /// docs). Same for every tournament.
    fn layout(&self, n: usize) -> Vec<StageLayout> {
        let mut out = Vec::new();
        let mut m = n;
        for &(groups, advance) in &self.stages {
            if advance >= m {
                continue;
            }
            let g = groups.min(advance).min(m - advance).max(1);
            let sizes: Vec<usize> = (0..g).map(|i| (m - i).div_ceil(g)).collect();
            let seats = split_advance(&sizes, m, advance);
            out.push(StageLayout {
                input: m,
                groups: sizes.into_iter().zip(seats).collect(),
            });
            m = advance;
        }
        out
    }

    /// Calls of one tournament over `n` candidates.
    pub fn calls_per_tournament(&self, n: usize) -> usize {
        self.layout(n).iter().map(StageLayout::calls).sum()
    }

    /// Document slots (candidates shown to the model, summed over calls) of one tournament
    /// over `n` candidates: 185 for the default stages on `n = 100`.
    pub fn slots_per_tournament(&self, n: usize) -> usize {
        self.layout(n)
            .iter()
            .flat_map(|s| s.groups.iter())
            .filter(|&&(size, adv)| adv < size)
            .map(|&(size, _)| size)
            .sum()
    }

    /// Calls and depth for `n` candidates (exact): calls = `tournaments` x
    /// [`TournamentConfig::calls_per_tournament`], depth = the number of stages that make a
    /// call (tournaments run side by side). `O(stages)` time, no memory, for any `n` and any
    /// number of groups (see [`stage_calls`]).
    ///
    /// # Errors
    /// A count beyond 64 bits.
    pub fn plan(&self, n: usize) -> Result<Plan> {
        let (mut per, mut depth, mut m) = (0u128, 0, n as u128);
        for &(groups, advance) in &self.stages {
            let advance = advance as u128;
            if advance >= m {
                continue;
            }
            let calls = stage_calls(m, groups as u128, advance);
            per += calls;
            depth += usize::from(calls > 0);
            m = advance;
        }
        let calls = per.checked_mul(self.tournaments as u128);
        Ok(Plan::exact(fit(calls, n)?, depth))
    }
}

/// Calls of one stage with `m` entering and `advance < m` advancing, without building its
/// layout: the same numbers as [`TournamentConfig::layout`] in `O(1)`.
///
/// The `g` groups have two sizes: the first `m mod g` have `ceil(m / g)`, the others
/// `floor(m / g)`. Groups of one size get the same quota and remainder in
/// [`split_advance`], and the leftover seats go to the class with the larger remainder first
/// (the earlier groups, the larger ones, on a tie), earlier groups first within a class. A
/// group calls when fewer than all of it advance.
fn stage_calls(m: u128, groups: u128, advance: u128) -> u128 {
    let g = groups.min(advance).min(m - advance).max(1);
    let (small, big_count) = (m / g, m % g);
    let big = small + 1;
    let (qa, ra) = (advance * big / m, advance * big % m);
    let (qb, rb) = (advance * small / m, advance * small % m);
    let small_count = g - big_count;
    let leftover = advance - big_count * qa - small_count * qb;
    let (extra_big, extra_small) = if ra >= rb {
        let e = leftover.min(big_count);
        (e, (leftover - e).min(small_count))
    } else {
        let e = leftover.min(small_count);
        ((leftover - e).min(big_count), e)
    };
    let calling = |count: u128, extra: u128, size: u128, quota: u128| {
        u128::from(quota + 1 < size) * extra + u128::from(quota < size) * (count - extra)
    };
    calling(big_count, extra_big, big, qa) + calling(small_count, extra_small, small, qb)
}

/// One query's TourRank run (see the module docs): a [`State`] over [`TournamentMachine`].
pub type Tournament = State<TournamentMachine>;

impl Tournament {
    /// A state for `n` candidates in first-stage order `0..n`.
    ///
    /// # Errors
    /// An invalid configuration.
    pub fn start(n: usize, config: TournamentConfig) -> Result<Self> {
        config.validate()?;
        let layout = config.layout(n);
        let tournaments = (0..config.tournaments)
            .map(|t| Run {
                rng: Rng::new(config.seed, t as u64),
                advanced: (0..n).collect(),
            })
            .collect();
        Ok(State::new(TournamentMachine {
            n,
            layout,
            stage: 0,
            points: vec![0; n],
            tournaments,
            owner: HashMap::new(),
        }))
    }
}

/// One tournament in progress.
#[derive(Debug, Clone)]
struct Run {
    rng: Rng,
    /// Candidates that advanced from the last stage (the next stage's input), any order.
    advanced: Vec<usize>,
}

/// The logic of [`Tournament`].
#[derive(Debug, Clone)]
pub struct TournamentMachine {
    n: usize,
    /// The stages that make calls.
    layout: Vec<StageLayout>,
    /// The stage asked for next.
    stage: usize,
    /// Points per candidate, summed over tournaments.
    points: Vec<usize>,
    tournaments: Vec<Run>,
    /// Task id -> tournament it belongs to.
    owner: HashMap<u64, usize>,
}

impl TournamentMachine {
    /// Points per candidate so far, summed over the tournaments.
    pub fn points(&self) -> &[usize] {
        &self.points
    }
}

impl Machine for TournamentMachine {
    fn advance(&mut self, book: &mut Book) {
        let Some(stage) = self.layout.get(self.stage) else {
            return;
        };
        self.stage += 1;
        let g = stage.groups.len();
        for (t, run) in self.tournaments.iter_mut().enumerate() {
            let mut input = std::mem::take(&mut run.advanced);
            input.sort_unstable(); // first-stage order
            debug_assert_eq!(input.len(), stage.input);
            for (i, &(size, advancing)) in stage.groups.iter().enumerate() {
                let mut group: Vec<usize> = input.iter().copied().skip(i).step_by(g).collect();
                debug_assert_eq!(group.len(), size);
                if advancing >= group.len() {
                    for &c in &group {
                        self.points[c] += 1;
                    }
                    run.advanced.extend(group);
                    continue;
                }
                run.rng.shuffle(&mut group);
                let id = book.ask(TaskKind::Select, group, advancing);
                self.owner.insert(id, t);
            }
        }
    }

    fn take(&mut self, task: Task, answer: Resolved) {
        let Resolved::Choice(chosen) = answer else {
            unreachable!("select tasks resolve to choices")
        };
        let t = self.owner.remove(&task.id).unwrap_or_default();
        for p in chosen {
            let c = task.candidates[p];
            self.points[c] += 1;
            if let Some(run) = self.tournaments.get_mut(t) {
                run.advanced.push(c);
            }
        }
    }

    fn order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.n).collect();
        order.sort_by(|&a, &b| self.points[b].cmp(&self.points[a]).then(a.cmp(&b)));
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rerank::ParseOptions;
    use crate::rerank::task::closed_form_plan_equals_the_walk;
    use crate::rerank::task::{Answer, Strategy, oracle_answer, run_to_end};
    use crate::rng::Rng;
    use proptest::prelude::*;

    #[test]
    fn tourrank_on_100_makes_13_calls_per_tournament_in_5_rounds() {
        let cfg = TournamentConfig::default();
        assert_eq!(cfg.calls_per_tournament(100), 13);
        assert_eq!(cfg.slots_per_tournament(100), 185);
        assert_eq!(cfg.plan(100).unwrap(), Plan::exact(13, 5));
        let ten = TournamentConfig {
            tournaments: 10,
            ..cfg.clone()
        };
        assert_eq!(ten.plan(100).unwrap(), Plan::exact(130, 5));
        let layout = cfg.layout(100);
        let groups: Vec<Vec<(usize, usize)>> = layout.iter().map(|s| s.groups.clone()).collect();
        assert_eq!(groups[0], vec![(20, 10); 5]);
        assert_eq!(groups[1], vec![(10, 4); 5]);
        assert_eq!(groups[2..], [vec![(20, 10)], vec![(10, 5)], vec![(5, 2)]]);

        // The first round: 5 skip groups of 20, 10 to select from each.
        let mut state = Tournament::start(100, ten).unwrap();
        let round = state.ready();
        assert_eq!(round.len(), 50);
        let mut first = round[0].candidates.clone();
        first.sort_unstable();
        assert_eq!(first, (0..20).map(|j| j * 5).collect::<Vec<_>>());
        assert!(
            round
                .iter()
                .all(|t| t.kind == TaskKind::Select && t.count == 10)
        );
        // Different tournaments shuffle differently.
        assert_ne!(round[0].candidates, round[5].candidates);
    }

    #[test]
    fn small_lists_skip_stages_and_clamp_groups() {
        let cfg = TournamentConfig::default();
        for n in [0, 1, 2, 3] {
            // Until n = 3 every stage advances everyone; n = 3 plays only the last (3 -> 2).
            let plan = cfg.plan(n).unwrap();
            assert_eq!(plan, Plan::exact(usize::from(n == 3), usize::from(n == 3)));
            let mut state = Tournament::start(n, cfg.clone()).unwrap();
            let order = run_to_end(&mut state, |t| oracle_answer(&[0.0, 1.0, 2.0], t)).unwrap();
            assert_eq!(
                order,
                if n == 3 {
                    vec![1, 2, 0]
                } else {
                    (0..n).collect()
                }
            );
        }
        // n = 30: stage 1 (advance 50) is skipped; stage 2 (30 -> 20) keeps its 5 groups
        // (min(5, 20, 30 - 20) = 5), 6 candidates each, 4 advance from each.
        let layout = cfg.layout(30);
        assert_eq!(layout[0].groups, vec![(6, 4); 5]);
        assert_eq!(layout.len(), 4);
        // 12 -> 10 with 5 groups: clamped to 2 groups of 6, 5 advance each.
        let c = TournamentConfig {
            stages: vec![(5, 10)],
            ..cfg.clone()
        };
        assert_eq!(c.layout(12)[0].groups, vec![(6, 5), (6, 5)]);
        // Uneven groups: 7 -> 3 over 3 groups of 3, 2, 2: quotas 9/7, 6/7, 6/7.
        let c = TournamentConfig {
            stages: vec![(3, 3)],
            ..cfg
        };
        assert_eq!(c.layout(7)[0].groups, vec![(3, 1), (2, 1), (2, 1)]);
    }

    /// For every input size, advance and group count, the clamped split gives every group at
    /// least one candidate advancing and one not, and the seats sum to `advance`.
    #[test]
    fn the_split_gives_every_group_a_winner_and_a_loser() {
        for m in 2..120usize {
            for advance in 1..m {
                for groups in 1..25usize {
                    let cfg = TournamentConfig {
                        stages: vec![(groups, advance)],
                        ..TournamentConfig::default()
                    };
                    let layout = cfg.layout(m);
                    let stage = &layout[0];
                    let total: usize = stage.groups.iter().map(|g| g.0).sum();
                    let seats: usize = stage.groups.iter().map(|g| g.1).sum();
                    assert_eq!((total, seats), (m, advance));
                    assert!(
                        stage.groups.iter().all(|&(s, a)| a >= 1 && a < s),
                        "m={m} advance={advance} groups={groups}: {:?}",
                        stage.groups
                    );
                }
            }
        }
    }

    #[test]
    fn invalid_configs_are_refused_by_name() {
        let bad = [
            (vec![], 1, "stages"),
            (vec![(0, 5)], 1, "stages[0]"),
            (vec![(5, 50), (2, 0)], 1, "stages[1]"),
            (vec![(1, 2)], 0, "tournaments"),
        ];
        for (stages, tournaments, field) in bad {
            let cfg = TournamentConfig {
                stages,
                tournaments,
                seed: 0,
            };
            for n in [0, 1, 100] {
                let e = Tournament::start(n, cfg.clone()).unwrap_err().to_string();
                assert!(e.contains(field), "{e}");
            }
        }
    }

    #[test]
    fn answers_are_checked() {
        let mut state = Tournament::start(10, TournamentConfig::default()).unwrap();
        let task = state.ready().pop().unwrap();
        assert_eq!(task.count, 5);
        let o = ParseOptions::default();
        assert!(
            state
                .answer(task.id, Answer::Choice(vec![0, 1]), &o)
                .is_err()
        );
        assert!(
            state
                .answer(task.id, Answer::Order((0..10).collect()), &o)
                .is_err()
        );
        state
            .answer(task.id, Answer::Choice(vec![0, 1, 2, 3, 4]), &o)
            .unwrap();
        assert!(state.answer(task.id, Answer::Choice(vec![0]), &o).is_err());
    }

    /// The plan before the closed form, over the built layout (kept as the oracle).
    fn walked_plan(cfg: &TournamentConfig, n: usize) -> Plan {
        let layout = cfg.layout(n);
        let per: usize = layout.iter().map(StageLayout::calls).sum();
        let depth = layout.iter().filter(|s| s.calls() > 0).count();
        Plan::exact(per * cfg.tournaments, depth)
    }

    #[test]
    fn huge_plans_return_at_once_or_refuse_to_overflow() {
        let cfg = TournamentConfig {
            stages: vec![(1 << 40, 1 << 50), (usize::MAX, 1 << 45), (3, 2)],
            ..TournamentConfig::default()
        };
        let p = cfg.plan(1 << 60).unwrap();
        assert_eq!((p.calls_max, p.depth_max), ((1 << 40) + (1 << 45) + 2, 3));
        let many = TournamentConfig {
            tournaments: usize::MAX,
            ..cfg
        };
        let err = many.plan(1 << 60).unwrap_err().to_string();
        assert!(err.contains("64 bits"), "{err}");
    }

    closed_form_plan_equals_the_walk!(
        (stages in proptest::collection::vec((1usize..40, 1usize..2100), 1..6), tournaments in 1usize..5)
        { TournamentConfig { stages, tournaments, seed: 0 } }
    );

    proptest! {
        /// Every run is a permutation with exactly the planned calls, depth and slots; with an
        /// oracle the best candidate is selected in every group it plays in (the only guarantee
        /// TourRank gives: skip groups can hold more good candidates than they have seats);
        /// the order follows the points; the same seed replays the same calls.
        #[test]
        fn runs_follow_the_plan_and_the_oracle_wins(
            n in 0usize..130,
            stages in proptest::collection::vec((1usize..7, 1usize..60), 1..6),
            tournaments in 1usize..4,
            seed in any::<u64>(),
        ) {
            // Distinct relevance, in a random first-stage order.
            let mut rel: Vec<f64> = (0..n).map(|i| i as f64).collect();
            Rng::new(seed, 99).shuffle(&mut rel);
            let cfg = TournamentConfig { stages, tournaments, seed };
            let plan = cfg.plan(n).unwrap();
            prop_assert!(plan.is_exact());
            let mut log = Vec::new();
            let mut state = Tournament::start(n, cfg.clone()).unwrap();
            let order = run_to_end(&mut state, |t| { log.push(t.clone()); oracle_answer(&rel, t) }).unwrap();
            prop_assert_eq!(state.book().calls(), plan.calls_max);
            prop_assert_eq!(state.book().rounds(), plan.depth_max);
            let slots: usize = log.iter().map(|t| t.candidates.len()).sum();
            prop_assert_eq!(slots, cfg.slots_per_tournament(n) * tournaments);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            // The best candidate wins every group it plays in: all the points there are.
            let points = state.machine.points().to_vec();
            if let Some(best) = (0..n).max_by(|&a, &b| rel[a].total_cmp(&rel[b])) {
                prop_assert_eq!(points[best], tournaments * plan.depth_max);
            }
            // Points are non-increasing along the order, ties in first-stage order.
            for w in order.windows(2) {
                prop_assert!(points[w[0]] > points[w[1]] || (points[w[0]] == points[w[1]] && w[0] < w[1]));
            }
            let mut again = Vec::new();
            let mut replay = Tournament::start(n, cfg).unwrap();
            let order2 = run_to_end(&mut replay, |t| { again.push(t.clone()); oracle_answer(&rel, t) }).unwrap();
            prop_assert_eq!(order2, order);
            prop_assert_eq!(again, log);
        }
    }
}
