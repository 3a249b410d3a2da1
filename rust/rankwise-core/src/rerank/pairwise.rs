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

use super::heap::HeapSort;
use super::task::{Book, Machine, Plan, Resolved, State, Task, order_by_score};
use crate::error::{RankError, Result};

/// The algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PairwiseMethod {
    Allpair,
    #[default]
    Heapsort,
    Sliding,
}

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
/// leftmost path is the longest and costliest in a complete binary tree.
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

impl PairwiseConfig {
    /// `top_k >= 1`, `passes >= 1`.
    ///
    /// # Errors
    /// The first field out of range, named.
    pub fn validate(&self) -> Result<()> {
        if self.top_k == 0 {
            return Err(RankError::invalid("top_k", "a positive integer", 0));
        }
        if self.passes == 0 {
            return Err(RankError::invalid("passes", "a positive integer", 0));
        }
        Ok(())
    }

    /// Calls (prompts) and depth for `n` candidates: exact for allpair and sliding, bounds for
    /// heapsort.
    pub fn plan(&self, n: usize) -> Plan {
        let per = if self.both_orders { 2 } else { 1 };
        match self.method {
            PairwiseMethod::Allpair => {
                let pairs = n * n.saturating_sub(1) / 2;
                Plan::exact(pairs * per, usize::from(pairs > 0))
            }
            PairwiseMethod::Sliding => {
                let comparisons = self.passes * n.saturating_sub(1);
                Plan::exact(comparisons * per, comparisons)
            }
            PairwiseMethod::Heapsort => {
                let (lo, hi) = HeapSort::bounds(n, 2, self.top_k, sift_comparisons);
                Plan {
                    calls_min: lo * per,
                    calls_max: hi * per,
                    depth_min: lo,
                    depth_max: hi,
                }
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
    use crate::rerank::task::{Answer, Strategy, oracle_answer, run_to_end, top_then_rest};
    use proptest::prelude::*;

    /// llm-rankers' `pairwise.py` heapSort / heapify with `ComparableDoc.__gt__` (both
    /// orders must agree), transcribed, with an oracle comparator: the order and the number
    /// of comparisons.
    fn llm_rankers_heapsort(rel: &[f64], k: usize) -> (Vec<usize>, usize) {
        fn heapify(arr: &mut [usize], n: usize, i: usize, rel: &[f64], cmps: &mut usize) {
            let mut largest = i;
            let (l, r) = (2 * i + 1, 2 * i + 2);
            if l < n {
                *cmps += 1;
                if rel[arr[l]] > rel[arr[i]] {
                    largest = l;
                }
            }
            if r < n {
                *cmps += 1;
                if rel[arr[r]] > rel[arr[largest]] {
                    largest = r;
                }
            }
            if largest != i {
                arr.swap(i, largest);
                heapify(arr, n, largest, rel, cmps);
            }
        }
        let n = rel.len();
        let mut arr: Vec<usize> = (0..n).collect();
        let mut cmps = 0;
        for i in (0..=n / 2).rev() {
            heapify(&mut arr, n, i, rel, &mut cmps);
        }
        let mut ranked = 0;
        for i in (1..n).rev() {
            arr.swap(i, 0);
            ranked += 1;
            if ranked == k {
                break;
            }
            heapify(&mut arr, i, 0, rel, &mut cmps);
        }
        arr.reverse();
        let top: Vec<usize> = arr.into_iter().take(k).collect();
        (top_then_rest(&top, n), cmps)
    }

    fn run(rel: &[f64], config: PairwiseConfig) -> (Vec<usize>, usize, usize) {
        let mut state = Pairwise::start(rel.len(), config).unwrap();
        let order = run_to_end(&mut state, |t| oracle_answer(rel, t)).unwrap();
        (order, state.book().calls(), state.book().rounds())
    }

    #[test]
    fn the_papers_call_counts() {
        let allpair = PairwiseConfig {
            method: PairwiseMethod::Allpair,
            ..PairwiseConfig::default()
        };
        assert_eq!(allpair.plan(100), Plan::exact(9900, 1));
        let sliding = PairwiseConfig {
            method: PairwiseMethod::Sliding,
            passes: 10,
            ..PairwiseConfig::default()
        };
        assert_eq!(sliding.plan(100), Plan::exact(1980, 990));
        // Heapsort on a sorted list of 100, k = 10: 203 comparisons (spec section 12).
        let sorted: Vec<f64> = (0..100).rev().map(f64::from).collect();
        let (_, calls, rounds) = run(&sorted, PairwiseConfig::default());
        assert_eq!((calls, rounds), (406, 203));
    }

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
            let (expected, cmps) = llm_rankers_heapsort(&rel, k);
            prop_assert_eq!(&order, &expected);
            prop_assert_eq!((calls, rounds), (cmps * per, cmps));
            let plan = heap.plan(n);
            prop_assert!(plan.depth_min <= rounds && rounds <= plan.depth_max, "{plan:?} {rounds}");

            // Allpair with a consistent oracle sorts by relevance, ties in first-stage order.
            let all = PairwiseConfig { method: PairwiseMethod::Allpair, ..heap };
            let (order, calls, rounds) = run(&rel, all);
            let mut sorted: Vec<usize> = (0..n).collect();
            sorted.sort_by(|&a, &b| rel[b].total_cmp(&rel[a]).then(a.cmp(&b)));
            prop_assert_eq!(&order, &sorted);
            prop_assert_eq!(Plan::exact(calls, rounds), all.plan(n));

            // Sliding-K: stable bubble passes; the top K are sorted, n - 1 passes sort all.
            let slide = PairwiseConfig { method: PairwiseMethod::Sliding, passes, ..heap };
            let (order, calls, rounds) = run(&rel, slide);
            prop_assert_eq!(Plan::exact(calls, rounds), slide.plan(n));
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
