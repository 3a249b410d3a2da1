//! Pairwise ranking prompting (PRP; Qin et al., NAACL Findings 2024; `ielab/llm-rankers`
//! `pairwise.py`): the model compares two candidates at a time (`TaskKind::Compare`, answered
//! by P(first before second)).
//!
//! A *comparison* of `a` and `b` asks `(a, b)` and, with `both_orders` (the default, as PRP
//! does to cancel position bias), `(b, a)` in the same round. `a` wins when both answers agree
//! (`P(a, b) > 0.5` and `P(b, a) < 0.5`); disagreeing answers, or an answer of exactly 0.5, are
//! a tie. With one order, `a` wins when `P(a, b) > 0.5`.
//!
//! * [`PairwiseMethod::Allpair`]: every pair in one round; a win scores 1, a tie 0.5 to each
//!   (PRP-Allpair); the list is sorted by score, ties to the first-stage order. `n(n-1)`
//!   calls with both orders (`n(n-1)/2` without), depth 1.
//! * [`PairwiseMethod::Heapsort`]: llm-rankers' binary max-heap; a child replaces its parent
//!   only if it wins (a tie keeps the order), the heap is built from node `n/2` down and the
//!   root extracted `top_k` times; the top `k` then every other candidate in first-stage order.
//!   The calls depend on the answers: the plan gives exact bounds.
//! * [`PairwiseMethod::Sliding`]: PRP-Sliding-K: `passes` bubble passes from the bottom of
//!   the list to the top, comparing adjacent candidates and swapping when the lower one wins:
//!   exactly `passes * (n - 1)` comparisons, all sequential; the whole list is returned.
//!
//! A comparison is asked again whenever an algorithm needs it again (the reference call
//! counts hold); with the driver's answer cache, repeats cost nothing.

use std::collections::HashMap;

use super::config::positive;
use super::count::{fit, heap_bounds, pairs, span, sum_log2};
use super::heap::{HeapSort, root_sizes};
use super::task::{Book, Machine, Plan, Resolved, State, Task, order_by_score};
use crate::error::Result;

/// The algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PairwiseMethod {
    Allpair,
    #[default]
    Heapsort,
    Sliding,
}

crate::choice!(PairwiseMethod, "method", {
    "allpair" => PairwiseMethod::Allpair,
    "heapsort" => PairwiseMethod::Heapsort,
    "sliding" => PairwiseMethod::Sliding,
});

/// Configuration of [`Pairwise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairwiseConfig {
    pub method: PairwiseMethod,
    /// Heapsort: top positions to settle.
    pub top_k: usize,
    /// Sliding: bubble passes (`K`).
    pub passes: usize,
    /// Ask each comparison in both orders.
    pub both_orders: bool,
}

impl Default for PairwiseConfig {
    fn default() -> Self {
        PairwiseConfig {
            method: PairwiseMethod::Heapsort,
            top_k: 10,
            passes: 10,
            both_orders: true,
        }
    }
}

/// Comparisons made by heapifying from `node` in a binary heap of `size`: (fewest, most).
/// Both children are always compared; only the descent depends on the answers, and the
/// leftmost path is the longest and costliest in a complete binary tree (walked: the test
/// oracle of [`heap_comparisons`]).
#[cfg(test)]
fn sift_comparisons(node: usize, size: usize) -> (usize, usize) {
    let children = |i: usize| (size.saturating_sub(2 * i + 1)).min(2);
    let fewest = children(node);
    let (mut most, mut i) = (0, node);
    while children(i) > 0 {
        most += children(i);
        i = 2 * i + 1;
    }
    (fewest, most)
}

/// Comparisons of a binary heapsort of `n >= 2` with `k` extractions, `(fewest, most)`, in
/// `O(log n)` steps.
///
/// Fewest: a sift compares the node's children only (1 or 2). Over the construction
/// (`0..=n / 2`, heap of `n`) that counts every node but the root once: `n - 1`; a root sift
/// in a heap of `s` costs `min(2, s - 1)`.
///
/// Most: the leftmost path of node `i` (0-based) has `h = floor(log2(size / (i + 1)))`
/// levels with a child, each costing 2, except that the last costs 1 when its node has one
/// child, which happens exactly when `2^h (i + 1) = size`. Over the construction the heights
/// sum to `sum_{t >= 1} floor(n / 2^t)` (node `i` reaches level `t` iff `2^t (i + 1) <= n`)
/// and the one-child ends number the `t >= 1` with `2^t | n`, the trailing zeros of `n`. A
/// root sift in a heap of `s` costs `2 floor(log2 s)`, less 1 when `s >= 2` is a power of 2.
fn heap_comparisons(n: usize, k: usize) -> Option<(u128, u128)> {
    let nn = n as u128;
    let (lo, hi) = root_sizes(n, k);
    let fewest = (nn - 1)
        .checked_add(2 * span(lo.max(3), hi))?
        .checked_add(span(lo.max(2), hi.min(2)))?;
    let mut heights = 0u128;
    let mut t = 1;
    while t < 128 && (nn >> t) > 0 {
        heights += nn >> t;
        t += 1;
    }
    let construction = 2 * heights - u128::from(nn.trailing_zeros());
    let powers = (1..128)
        .map(|t| 1u128 << t)
        .filter(|&p| p >= lo && p <= hi)
        .count() as u128;
    let roots = 2 * sum_log2(lo, hi)? - powers;
    Some((fewest, construction.checked_add(roots)?))
}

impl PairwiseConfig {
    /// `top_k >= 1`, `passes >= 1`.
    ///
    /// # Errors
    /// The first field out of range, named.
    pub fn validate(&self) -> Result<()> {
        positive("top_k", self.top_k)?;
        positive("passes", self.passes)
    }

    /// Calls (prompts) and depth for `n` candidates: exact for allpair and sliding, bounds for
    /// heapsort. Closed forms: `O(log n)` time, no memory.
    ///
    /// # Errors
    /// A count beyond 64 bits.
    pub fn plan(&self, n: usize) -> Result<Plan> {
        let per: u128 = if self.both_orders { 2 } else { 1 };
        match self.method {
            PairwiseMethod::Allpair => {
                let pairs = pairs(n as u128);
                let calls = fit(pairs.and_then(|p| p.checked_mul(per)), n)?;
                Ok(Plan::exact(calls, usize::from(n >= 2)))
            }
            PairwiseMethod::Sliding => {
                let comparisons = (self.passes as u128).checked_mul(n.saturating_sub(1) as u128);
                let calls = fit(comparisons.and_then(|c| c.checked_mul(per)), n)?;
                Ok(Plan::exact(calls, fit(comparisons, n)?))
            }
            PairwiseMethod::Heapsort => {
                let (lo, hi) = heap_bounds(n, || heap_comparisons(n, self.top_k));
                Ok(Plan {
                    calls_min: fit(lo.and_then(|x| x.checked_mul(per)), n)?,
                    calls_max: fit(hi.and_then(|x| x.checked_mul(per)), n)?,
                    depth_min: fit(lo, n)?,
                    depth_max: fit(hi, n)?,
                })
            }
        }
    }
}

/// Who won a comparison of `(a, b)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    First,
    Second,
    Tie,
}

fn outcome(p_ab: f64, p_ba: Option<f64>) -> Outcome {
    let (first, second) = match p_ba {
        Some(p_ba) => (p_ab > 0.5 && p_ba < 0.5, p_ab < 0.5 && p_ba > 0.5),
        None => (p_ab > 0.5, p_ab < 0.5),
    };
    match (first, second) {
        (true, _) => Outcome::First,
        (_, true) => Outcome::Second,
        _ => Outcome::Tie,
    }
}

/// One query's pairwise run (see the module docs).
pub type Pairwise = State<PairwiseMachine>;

impl Pairwise {
    /// A state for `n` candidates in first-stage order `0..n`.
    ///
    /// # Errors
    /// An invalid configuration.
    pub fn start(n: usize, config: PairwiseConfig) -> Result<Self> {
        config.validate()?;
        let phase = match config.method {
            _ if n < 2 => Phase::Finished,
            PairwiseMethod::Allpair => Phase::Allpair,
            PairwiseMethod::Heapsort => Phase::Heap,
            PairwiseMethod::Sliding => Phase::Slide { pass: 0, j: n - 1 },
        };
        Ok(State::new(PairwiseMachine {
            config,
            arr: (0..n).collect(),
            answers: HashMap::new(),
            asked: None,
            phase,
            heap: HeapSort::new(n, 2, config.top_k),
            sift: None,
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Allpair,
    Heap,
    /// Sliding pass `pass`; the next comparison is of positions `j - 1` and `j`.
    Slide {
        pass: usize,
        j: usize,
    },
    Finished,
}

/// Which comparison of a heapify step comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Left child against the node.
    Left,
    /// Right child against the larger so far.
    Right,
    /// Both done: swap and descend, or stop.
    Finish,
}

/// Heapify in progress at `node`, `largest` so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sift {
    node: usize,
    largest: usize,
    stage: Stage,
}

impl Sift {
    fn at(node: usize) -> Self {
        Sift {
            node,
            largest: node,
            stage: Stage::Left,
        }
    }
}

/// The logic of [`Pairwise`].
#[derive(Debug, Clone)]
pub struct PairwiseMachine {
    config: PairwiseConfig,
    /// Sliding: the order (allpair: the first-stage order).
    arr: Vec<usize>,
    /// Answers: `(a, b)` -> P(a before b); allpair keeps them all, the sorts only the
    /// comparison in flight.
    answers: HashMap<(usize, usize), f64>,
    /// The comparison in flight (heapsort, sliding): `(a, b)` as asked first.
    asked: Option<(usize, usize)>,
    phase: Phase,
    heap: HeapSort,
    sift: Option<Sift>,
}

impl PairwiseMachine {
    fn ask(&mut self, book: &mut Book, a: usize, b: usize) {
        book.compare(a, b);
        if self.config.both_orders {
            book.compare(b, a);
        }
    }

    fn ask_one(&mut self, book: &mut Book, a: usize, b: usize) {
        self.asked = Some((a, b));
        self.ask(book, a, b);
    }

    /// The outcome of the comparison in flight (every answer is in: the round is over).
    fn decided(&mut self) -> Outcome {
        let (a, b) = self.asked.take().expect("a comparison was asked");
        let p_ba = self.answers.remove(&(b, a));
        let p_ab = self.answers.remove(&(a, b)).expect("answered");
        outcome(p_ab, p_ba)
    }

    /// Heapsort: the next comparison, or finish.
    fn advance_heap(&mut self, book: &mut Book) {
        loop {
            if let Some(mut sift) = self.sift {
                let (l, r) = (2 * sift.node + 1, 2 * sift.node + 2);
                let arr = &self.heap.arr;
                match sift.stage {
                    // `arr[l] > arr[i]`: the child is asked first, as llm-rankers does.
                    Stage::Left if l < self.heap.size => {
                        let (a, b) = (arr[l], arr[sift.node]);
                        return self.ask_one(book, a, b);
                    }
                    Stage::Right if r < self.heap.size => {
                        let (a, b) = (arr[r], arr[sift.largest]);
                        return self.ask_one(book, a, b);
                    }
                    Stage::Left | Stage::Right => sift.stage = Stage::Finish,
                    Stage::Finish => {}
                }
                self.sift = None;
                if sift.largest != sift.node {
                    self.heap.arr.swap(sift.node, sift.largest);
                    self.sift = Some(Sift::at(sift.largest));
                }
                continue;
            }
            match self.heap.next_sift() {
                Some(node) => self.sift = Some(Sift::at(node)),
                None => {
                    self.phase = Phase::Finished;
                    return;
                }
            }
        }
    }

    /// Allpair: a win scores 1, a tie 0.5 each.
    fn points(&self) -> Vec<f64> {
        let mut points = vec![0.0; self.arr.len()];
        for (&(a, b), &p_ab) in &self.answers {
            if a < b {
                match outcome(p_ab, self.answers.get(&(b, a)).copied()) {
                    Outcome::First => points[a] += 1.0,
                    Outcome::Second => points[b] += 1.0,
                    Outcome::Tie => {
                        points[a] += 0.5;
                        points[b] += 0.5;
                    }
                }
            }
        }
        points
    }
}

impl Machine for PairwiseMachine {
    fn advance(&mut self, book: &mut Book) {
        let n = self.arr.len();
        match self.phase {
            Phase::Allpair => {
                for a in 0..n {
                    for b in a + 1..n {
                        self.ask(book, a, b);
                    }
                }
                self.phase = Phase::Finished;
            }
            Phase::Heap => self.advance_heap(book),
            Phase::Slide { j, .. } => self.ask_one(book, self.arr[j], self.arr[j - 1]),
            Phase::Finished => {}
        }
    }

    fn take(&mut self, task: Task, answer: Resolved) {
        let Resolved::Value(p) = answer else {
            unreachable!("compare tasks resolve to values")
        };
        self.answers
            .insert((task.candidates[0], task.candidates[1]), p);
        let complete = match self.asked {
            Some((a, b)) => {
                self.answers.contains_key(&(a, b))
                    && (!self.config.both_orders || self.answers.contains_key(&(b, a)))
            }
            None => false,
        };
        if !complete {
            return;
        }
        let won = self.decided() == Outcome::First;
        match self.phase {
            Phase::Slide { pass, j } => {
                if won {
                    self.arr.swap(j, j - 1);
                }
                let n = self.arr.len();
                self.phase = if j > 1 {
                    Phase::Slide { pass, j: j - 1 }
                } else if pass + 1 < self.config.passes {
                    Phase::Slide {
                        pass: pass + 1,
                        j: n - 1,
                    }
                } else {
                    Phase::Finished
                };
            }
            _ => {
                let mut sift = self.sift.expect("a heapify is in progress");
                match sift.stage {
                    Stage::Left => {
                        if won {
                            sift.largest = 2 * sift.node + 1;
                        }
                        sift.stage = Stage::Right;
                    }
                    Stage::Right => {
                        if won {
                            sift.largest = 2 * sift.node + 2;
                        }
                        sift.stage = Stage::Finish;
                    }
                    Stage::Finish => unreachable!("nothing is asked once both are compared"),
                }
                self.sift = Some(sift);
            }
        }
    }

    fn order(&self) -> Vec<usize> {
        let n = self.arr.len();
        match self.config.method {
            _ if n <= 1 => self.arr.clone(),
            PairwiseMethod::Allpair => order_by_score(&self.points()),
            PairwiseMethod::Sliding => self.arr.clone(),
            PairwiseMethod::Heapsort => self.heap.order(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rerank::heap;
    use crate::rerank::task::closed_form_plan_equals_the_walk;
    use crate::rerank::task::{Answer, run_to_end, run_with_oracle};
    use proptest::prelude::*;

    /// llm-rankers' `pairwise.py` heapify with `ComparableDoc.__gt__` (both orders must
    /// agree), transcribed, with an oracle comparator: the comparisons it made.
    fn heapify(arr: &mut [usize], n: usize, i: usize, rel: &[f64]) -> usize {
        let mut largest = i;
        let mut cmps = 0;
        let (l, r) = (2 * i + 1, 2 * i + 2);
        if l < n {
            cmps += 1;
            if rel[arr[l]] > rel[arr[i]] {
                largest = l;
            }
        }
        if r < n {
            cmps += 1;
            if rel[arr[r]] > rel[arr[largest]] {
                largest = r;
            }
        }
        if largest != i {
            arr.swap(i, largest);
            cmps += heapify(arr, n, largest, rel);
        }
        cmps
    }

    fn run(rel: &[f64], config: PairwiseConfig) -> (Vec<usize>, usize, usize) {
        run_with_oracle(&mut Pairwise::start(rel.len(), config).unwrap(), rel)
    }

    #[test]
    fn the_papers_call_counts() {
        let allpair = PairwiseConfig {
            method: PairwiseMethod::Allpair,
            ..PairwiseConfig::default()
        };
        assert_eq!(allpair.plan(100).unwrap(), Plan::exact(9900, 1));
        let sliding = PairwiseConfig {
            method: PairwiseMethod::Sliding,
            passes: 10,
            ..PairwiseConfig::default()
        };
        assert_eq!(sliding.plan(100).unwrap(), Plan::exact(1980, 990));
        // Heapsort on a sorted list of 100, k = 10: 203 comparisons (spec section 12).
        let sorted: Vec<f64> = (0..100).rev().map(f64::from).collect();
        let (_, calls, rounds) = run(&sorted, PairwiseConfig::default());
        assert_eq!((calls, rounds), (406, 203));
    }

    /// The plan before the closed forms, walked over every sift (kept as the oracle).
    fn walked_plan(cfg: &PairwiseConfig, n: usize) -> Plan {
        let per = if cfg.both_orders { 2 } else { 1 };
        match cfg.method {
            PairwiseMethod::Allpair => {
                let pairs = n * n.saturating_sub(1) / 2;
                Plan::exact(pairs * per, usize::from(pairs > 0))
            }
            PairwiseMethod::Sliding => {
                let comparisons = cfg.passes * n.saturating_sub(1);
                Plan::exact(comparisons * per, comparisons)
            }
            PairwiseMethod::Heapsort => {
                let (lo, hi) = HeapSort::bounds(n, 2, cfg.top_k, sift_comparisons);
                Plan {
                    calls_min: lo * per,
                    calls_max: hi * per,
                    depth_min: lo,
                    depth_max: hi,
                }
            }
        }
    }

    #[test]
    fn huge_plans_return_at_once_or_refuse_to_overflow() {
        let heap = PairwiseConfig {
            top_k: usize::MAX,
            ..PairwiseConfig::default()
        };
        // Every extraction of 10^18 costs about 2 log2(n) comparisons: beyond 64 bits.
        assert!(heap.plan(1_000_000_000_000_000_000).is_err());
        let p = PairwiseConfig::default()
            .plan(1_000_000_000_000_000_000)
            .unwrap();
        assert!(p.calls_max > 2 * p.calls_min && p.calls_min >= 2_000_000_000_000_000_000);
        let all = PairwiseConfig {
            method: PairwiseMethod::Allpair,
            ..heap
        };
        let err = all.plan(1_000_000_000_000_000_000).unwrap_err().to_string();
        assert!(err.contains("64 bits"), "{err}");
        assert_eq!(
            all.plan(1 << 32).unwrap().calls_max,
            (1 << 32) * ((1 << 32) - 1)
        );
        let slide = PairwiseConfig {
            method: PairwiseMethod::Sliding,
            passes: usize::MAX,
            ..heap
        };
        assert!(slide.plan(3).is_err());
    }

    closed_form_plan_equals_the_walk!(
        (top_k in 1usize..2100, passes in 1usize..20, method in 0usize..3, both_orders in any::<bool>())
        {
            let method = [PairwiseMethod::Allpair, PairwiseMethod::Heapsort, PairwiseMethod::Sliding][method];
            PairwiseConfig { method, top_k, passes, both_orders }
        }
    );

    proptest! {
        #[test]
        fn every_method_against_its_reference(
            rel in proptest::collection::vec(0u32..20, 0..40),
            k in 1usize..12,
            passes in 1usize..5,
            both_orders in any::<bool>(),
        ) {
            let rel: Vec<f64> = rel.into_iter().map(f64::from).collect();
            let n = rel.len();
            let per = if both_orders { 2 } else { 1 };
            let heap = PairwiseConfig { top_k: k, both_orders, ..PairwiseConfig::default() };
            let (order, calls, rounds) = run(&rel, heap);
            let (expected, cmps) = heap::llm_rankers_heapsort(n, 2, k, |arr, size, i| heapify(arr, size, i, &rel));
            prop_assert_eq!(&order, &expected);
            prop_assert_eq!((calls, rounds), (cmps * per, cmps));
            let plan = heap.plan(n).unwrap();
            prop_assert!(plan.depth_min <= rounds && rounds <= plan.depth_max, "{plan:?} {rounds}");

            // Allpair with a consistent oracle sorts by relevance, ties in first-stage order.
            let all = PairwiseConfig { method: PairwiseMethod::Allpair, ..heap };
            let (order, calls, rounds) = run(&rel, all);
            let mut sorted: Vec<usize> = (0..n).collect();
            sorted.sort_by(|&a, &b| rel[b].total_cmp(&rel[a]).then(a.cmp(&b)));
            prop_assert_eq!(&order, &sorted);
            prop_assert_eq!(Plan::exact(calls, rounds), all.plan(n).unwrap());

            // Sliding-K: stable bubble passes; the top K are sorted, n - 1 passes sort all.
            let slide = PairwiseConfig { method: PairwiseMethod::Sliding, passes, ..heap };
            let (order, calls, rounds) = run(&rel, slide);
            prop_assert_eq!(Plan::exact(calls, rounds), slide.plan(n).unwrap());
            let top = passes.min(n);
            prop_assert_eq!(&order[..top], &sorted[..top]);
            let slide = PairwiseConfig { passes: n.max(1), ..slide };
            prop_assert_eq!(run(&rel, slide).0, sorted);
        }
    }

    #[test]
    fn inconsistent_orders_are_ties() {
        // A ranker that always prefers whatever it sees first: every pair disagrees.
        let mut state = Pairwise::start(
            4,
            PairwiseConfig {
                method: PairwiseMethod::Allpair,
                ..PairwiseConfig::default()
            },
        )
        .unwrap();
        let order = run_to_end(&mut state, |_| Answer::Value(0.9)).unwrap();
        assert_eq!(order, vec![0, 1, 2, 3]);
        assert_eq!(outcome(0.9, Some(0.2)), Outcome::First);
        assert_eq!(outcome(0.5, Some(0.2)), Outcome::Tie);
        assert_eq!(outcome(0.4, None), Outcome::Second);
        let bad = PairwiseConfig {
            passes: 0,
            ..PairwiseConfig::default()
        };
        assert!(Pairwise::start(3, bad).is_err());
    }
}
