//! Setwise reranking (Zhuang et al., SIGIR 2024; `ielab/llm-rankers` `setwise.py`): each call
//! shows the model a small set of candidates and asks which one is the most relevant
//! (`TaskKind::Select` with `count = 1`), and a sorting algorithm built on that choice settles
//! the top `k`.
//!
//! * [`SetwiseMethod::Heapsort`]: a `c`-ary max-heap (`c` = `children`). Heapifying a node
//!   shows the parent and its up to `c` children in one call (parent first) and swaps the
//!   parent with the winner, sifting down. The heap is built from node `n / c` down to the
//!   root, then the root is extracted `k` times. Calls depend on the answers; the plan gives
//!   exact bounds (spec section 12: about 125 calls for n = 100, c = 2, k = 10).
//! * [`SetwiseMethod::Bubblesort`]: `k` passes; pass `p` slides a window of `c + 1` from the
//!   bottom of the list up to position `p`, `c` positions at a time (consecutive windows share
//!   one candidate, so the winner is carried up), swapping each window's winner into its first
//!   slot. Exactly `sum_{p < min(k, n-1)} ceil((n - 1 - p) / c)` calls. Unlike llm-rankers, no
//!   call is ever made over an empty window (its skip bookkeeping drives the start index
//!   negative when the list is already in order, spec section 4.1).
//!
//! Both return, as llm-rankers does, the top `k` in the order found followed by every other
//! candidate in first-stage order. Calls are sequential: the depth equals the calls.

use super::config::positive;
use super::count::{fit, floor_sum, heap_bounds, pairs, span};
use super::heap::{HeapSort, root_sizes};
use super::task::{Book, Machine, Plan, Resolved, State, Task, TaskKind, top_then_rest};
use crate::error::Result;

/// The sorting algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetwiseMethod {
    #[default]
    Heapsort,
    Bubblesort,
}

crate::choice!(SetwiseMethod, "method", {
    "heapsort" => SetwiseMethod::Heapsort,
    "bubblesort" => SetwiseMethod::Bubblesort,
});

/// Configuration of [`Setwise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetwiseConfig {
    /// Children per heap node / window size minus one (`c`; a call shows `c + 1`).
    pub children: usize,
    pub method: SetwiseMethod,
    /// Top positions to settle.
    pub top_k: usize,
}

impl Default for SetwiseConfig {
    fn default() -> Self {
        SetwiseConfig {
            children: 3,
            method: SetwiseMethod::Heapsort,
            top_k: 10,
        }
    }
}

/// Sift-down calls from `node` in a `c`-ary heap of `size`: each level down the deepest
/// (leftmost) path whose node has a child is one call at most (walked: the test oracle).
#[cfg(test)]
fn max_sift_calls(mut node: usize, size: usize, c: usize) -> usize {
    let mut calls = 0;
    while c * node + 1 < size {
        calls += 1;
        node = c * node + 1;
    }
    calls
}

/// Calls of a setwise heapsort of `n >= 2` with arity `c` and `k` extractions: `(fewest,
/// most)`, in `O(log_c n)` steps.
///
/// A sift from `node` in a heap of `size` costs one call at least if the node has a child
/// (`c node + 1 < size`), and at most one per level of its leftmost path, whose `t`-th node is
/// `c^t node + g_t` with `g_t = 1 + c + ... + c^(t-1)`: its height is the number of `t >= 1`
/// with `c^t node + g_t <= size - 1`. Summing over the nodes of the construction
/// (`0..=n / c`, heap of `n`) level by level, and over the root sifts of heaps of
/// [`root_sizes`], needs one term per level. For `c = 1` (a chain) the height is
/// `size - 1 - node`: arithmetic series.
fn heap_calls(n: usize, c: usize, k: usize) -> Option<(u128, u128)> {
    let (nn, cc) = (n as u128, c as u128);
    let (lo_size, hi_size) = root_sizes(n, k);
    let fewest = ((nn - 2) / cc + 1).checked_add(span(lo_size.max(2), hi_size))?;
    if c == 1 {
        // Construction: sum_{i=0}^{n} max(0, n - 1 - i); roots: sum of (size - 1).
        let roots = if lo_size > hi_size {
            0
        } else {
            pairs(hi_size)? - pairs(lo_size - 1)?
        };
        return Some((fewest, pairs(nn)?.checked_add(roots)?));
    }
    let nodes = nn / cc + 1;
    let (mut most, mut power, mut g) = (0u128, cc, 1u128);
    while g < nn {
        // Construction nodes whose leftmost path reaches level t: c^t i + g_t <= n - 1.
        most = most.checked_add(nodes.min((nn - 1 - g) / power + 1))?;
        // Root sifts of a heap of `size` reach level t when g_t <= size - 1.
        most = most.checked_add(span(lo_size.max(g + 1), hi_size))?;
        let Some(next) = power.checked_mul(cc) else {
            break; // c^(t+1) > 2^128: g_(t+1) > c^t >= n, no deeper level.
        };
        power = next;
        g = g.checked_mul(cc)?.checked_add(1)?;
    }
    Some((fewest, most))
}

impl SetwiseConfig {
    /// `children >= 1`, `top_k >= 1`.
    ///
    /// # Errors
    /// The first field out of range, named.
    pub fn validate(&self) -> Result<()> {
        positive("children", self.children)?;
        positive("top_k", self.top_k)
    }

    /// Calls and depth for `n` candidates: exact for bubblesort, bounds for heapsort. Closed
    /// forms: `O(log n)` time, no memory.
    ///
    /// # Errors
    /// A count beyond 64 bits.
    pub fn plan(&self, n: usize) -> Result<Plan> {
        let c = self.children.max(1);
        match self.method {
            SetwiseMethod::Bubblesort => {
                // sum over passes p < min(k, n - 1) of ceil((n - 1 - p) / c): the terms run
                // over m = n - P ..= n - 1, ceil(m / c) = floor((m + c - 1) / c).
                let passes = self.top_k.min(n.saturating_sub(1)) as u128;
                let calls = floor_sum(passes, c as u128, 1, n as u128 - passes + c as u128 - 1);
                let calls = fit(calls, n)?;
                Ok(Plan::exact(calls, calls))
            }
            SetwiseMethod::Heapsort => {
                // Every node with a child costs one call at least, its height at most.
                let (lo, hi) = heap_bounds(n, || heap_calls(n, c, self.top_k));
                let (lo, hi) = (fit(lo, n)?, fit(hi, n)?);
                Ok(Plan {
                    calls_min: lo,
                    calls_max: hi,
                    depth_min: lo,
                    depth_max: hi,
                })
            }
        }
    }
}

/// One query's setwise run (see the module docs).
pub type Setwise = State<SetwiseMachine>;

impl Setwise {
    /// A state for `n` candidates in first-stage order `0..n`.
    ///
    /// # Errors
    /// An invalid configuration.
    pub fn start(n: usize, config: SetwiseConfig) -> Result<Self> {
        config.validate()?;
        let c = config.children;
        let sort = match config.method {
            SetwiseMethod::Heapsort => Sort::Heap {
                heap: HeapSort::new(n, c, config.top_k),
                sifting: None,
            },
            SetwiseMethod::Bubblesort => Sort::Bubble(Bubble {
                arr: (0..n).collect(),
                pass: 0,
                end: n,
                finished: n < 2,
            }),
        };
        Ok(State::new(SetwiseMachine {
            c,
            k: config.top_k,
            sort,
            window: Vec::new(),
        }))
    }
}

/// The sort in progress.
#[derive(Debug, Clone)]
enum Sort {
    /// The heap, and the node being sifted down.
    Heap {
        heap: HeapSort,
        sifting: Option<usize>,
    },
    Bubble(Bubble),
}

/// A bubblesort in progress: the order; pass `pass`, whose next window ends at `end`.
#[derive(Debug, Clone)]
struct Bubble {
    arr: Vec<usize>,
    pass: usize,
    end: usize,
    finished: bool,
}

impl Bubble {
    /// Positions of the next window of `c + 1` (fewer at the pass's top), or none when done.
    fn window(&self, c: usize) -> Option<Vec<usize>> {
        let start = self.end.saturating_sub(c + 1).max(self.pass);
        (!self.finished).then(|| (start..self.end).collect())
    }

    /// The window starting at position `first` chose position `winner`: swap it to the top
    /// and move to the next window, the next of `k` passes, or the end.
    fn take(&mut self, first: usize, winner: usize, k: usize) {
        self.arr.swap(first, winner);
        if first > self.pass {
            self.end = first + 1;
        } else if self.pass + 1 < k.min(self.arr.len() - 1) {
            self.pass += 1;
            self.end = self.arr.len();
        } else {
            self.finished = true;
        }
    }

    /// The settled top (all `k` once finished), then the rest in first-stage order.
    fn order(&self, k: usize) -> Vec<usize> {
        let settled = if self.finished {
            k.min(self.arr.len())
        } else {
            self.pass
        };
        top_then_rest(&self.arr[..settled], self.arr.len())
    }
}

/// The logic of [`Setwise`].
#[derive(Debug, Clone)]
pub struct SetwiseMachine {
    c: usize,
    k: usize,
    sort: Sort,
    /// Positions (into the array) of the candidates shown in the call in flight.
    window: Vec<usize>,
}

impl Machine for SetwiseMachine {
    fn advance(&mut self, book: &mut Book) {
        let c = self.c;
        let (arr, positions): (&[usize], Vec<usize>) = match &mut self.sort {
            Sort::Heap { heap, sifting } => loop {
                if let Some(node) = *sifting {
                    let first = c * node + 1;
                    if first < heap.size {
                        let last = (c * (node + 1) + 1).min(heap.size);
                        break (
                            &heap.arr,
                            std::iter::once(node).chain(first..last).collect(),
                        );
                    }
                }
                *sifting = heap.next_sift();
                if sifting.is_none() {
                    return;
                }
            },
            Sort::Bubble(bubble) => match bubble.window(c) {
                Some(positions) => (&bubble.arr, positions),
                None => return,
            },
        };
        let candidates = positions.iter().map(|&p| arr[p]).collect();
        self.window = positions;
        book.ask(TaskKind::Select, candidates, 1);
    }

    fn take(&mut self, _task: Task, answer: Resolved) {
        let Resolved::Choice(chosen) = answer else {
            unreachable!("select tasks resolve to choices")
        };
        let winner = self.window[chosen[0]];
        let first = self.window[0];
        match &mut self.sort {
            Sort::Heap { heap, sifting } => {
                // The parent is shown first; a child that wins takes its place and goes on down.
                heap.arr.swap(first, winner);
                *sifting = (winner != first).then_some(winner);
            }
            Sort::Bubble(bubble) => bubble.take(first, winner, self.k),
        }
    }

    fn order(&self) -> Vec<usize> {
        match &self.sort {
            Sort::Heap { heap, .. } => heap.order(),
            Sort::Bubble(bubble) => bubble.order(self.k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rerank::heap;
    use crate::rerank::task::closed_form_plan_equals_the_walk;
    use crate::rerank::task::{Answer, Strategy, run_with_oracle};
    use proptest::prelude::*;

    /// llm-rankers' `setwise.py` heapify, transcribed (comparisons by an oracle that prefers
    /// higher relevance, ties to the earlier shown): the calls it made.
    fn heapify(arr: &mut [usize], n: usize, i: usize, c: usize, rel: &[f64]) -> usize {
        let mut calls = 0;
        if c * i + 1 < n {
            let inds: Vec<usize> = std::iter::once(i)
                .chain(c * i + 1..(c * (i + 1) + 1).min(n))
                .collect();
            calls += 1;
            let mut best = 0;
            for (j, &p) in inds.iter().enumerate() {
                if rel[arr[p]] > rel[arr[inds[best]]] {
                    best = j;
                }
            }
            let largest = inds[best];
            if largest != i {
                arr.swap(i, largest);
                calls += heapify(arr, n, largest, c, rel);
            }
        }
        calls
    }

    fn run(rel: &[f64], config: SetwiseConfig) -> (Vec<usize>, usize, usize) {
        run_with_oracle(&mut Setwise::start(rel.len(), config).unwrap(), rel)
    }

    #[test]
    fn the_papers_call_counts() {
        // Setwise bubblesort, c = 2, k = 10, n = 100: sum of ceil((99 - p) / 2) = 475, the
        // bound of spec section 1 (llm-rankers skips some windows: 455-463 simulated).
        let cfg = SetwiseConfig {
            children: 2,
            method: SetwiseMethod::Bubblesort,
            top_k: 10,
        };
        assert_eq!(cfg.plan(100).unwrap(), Plan::exact(475, 475));
        // Heapsort on an already sorted list of 100 (spec section 12: 102 calls with c = 2).
        let sorted: Vec<f64> = (0..100).rev().map(f64::from).collect();
        let heap = SetwiseConfig {
            children: 2,
            ..SetwiseConfig::default()
        };
        assert_eq!(run(&sorted, heap).1, 102);
    }

    /// The plan before the closed forms, walked over every sift (kept as the oracle).
    fn walked_plan(cfg: &SetwiseConfig, n: usize) -> Plan {
        let c = cfg.children.max(1);
        match cfg.method {
            SetwiseMethod::Bubblesort => {
                let calls = (0..cfg.top_k.min(n.saturating_sub(1)))
                    .map(|p| (n - 1 - p).div_ceil(c))
                    .sum();
                Plan::exact(calls, calls)
            }
            SetwiseMethod::Heapsort => {
                let (lo, hi) = HeapSort::bounds(n, c, cfg.top_k, |node, size| {
                    (
                        usize::from(c * node + 1 < size),
                        max_sift_calls(node, size, c),
                    )
                });
                Plan {
                    calls_min: lo,
                    calls_max: hi,
                    depth_min: lo,
                    depth_max: hi,
                }
            }
        }
    }

    #[test]
    fn huge_plans_return_at_once_or_refuse_to_overflow() {
        let chain = SetwiseConfig {
            children: 1,
            ..SetwiseConfig::default()
        };
        // 10^7 candidates in a chain: n (n - 1) / 2 + the root sifts, in no time.
        let p = chain.plan(10_000_000).unwrap();
        assert_eq!(
            p.calls_max,
            49_999_995_000_000 + (1..10).map(|r| 10_000_000 - r - 1).sum::<usize>()
        );
        let err = chain.plan(usize::MAX).unwrap_err().to_string();
        assert!(err.contains("64 bits"), "{err}");
        let wide = SetwiseConfig {
            children: usize::MAX,
            top_k: usize::MAX,
            ..SetwiseConfig::default()
        };
        assert!(wide.plan(usize::MAX).is_ok());
        let bubble = SetwiseConfig {
            children: 1,
            top_k: usize::MAX,
            method: SetwiseMethod::Bubblesort,
        };
        assert!(bubble.plan(usize::MAX).is_err());
        assert!(bubble.plan(1 << 20).is_ok());
    }

    closed_form_plan_equals_the_walk!(
        (children in 1usize..12, top_k in 1usize..2100, bubble in any::<bool>())
        {
            let method = if bubble { SetwiseMethod::Bubblesort } else { SetwiseMethod::Heapsort };
            SetwiseConfig { children, method, top_k }
        }
    );

    proptest! {
        #[test]
        fn heapsort_is_llm_rankers_and_bubblesort_settles_the_top(
            rel in proptest::collection::vec(0u32..50, 0..70),
            c in 1usize..6,
            k in 1usize..15,
        ) {
            let rel: Vec<f64> = rel.into_iter().map(f64::from).collect();
            let n = rel.len();
            let heap = SetwiseConfig { children: c, method: SetwiseMethod::Heapsort, top_k: k };
            let (order, calls, rounds) = run(&rel, heap);
            let (expected, expected_calls) =
                heap::llm_rankers_heapsort(n, c, k, |arr, size, i| heapify(arr, size, i, c, &rel));
            prop_assert_eq!(&order, &expected);
            prop_assert_eq!(calls, expected_calls);
            prop_assert_eq!(rounds, calls);
            let plan = heap.plan(n).unwrap();
            prop_assert!(plan.calls_min <= calls && calls <= plan.calls_max, "{plan:?} {calls}");

            let mut best = rel.clone();
            best.sort_by(|a, b| b.total_cmp(a));
            let bubble = SetwiseConfig { method: SetwiseMethod::Bubblesort, ..heap };
            let (order, calls, _) = run(&rel, bubble);
            prop_assert_eq!(calls, bubble.plan(n).unwrap().calls_max);
            let top: Vec<f64> = order.iter().take(k).map(|&i| rel[i]).collect();
            prop_assert_eq!(&top[..], &best[..k.min(n)]);
            let top: Vec<f64> = expected.iter().take(k).map(|&i| rel[i]).collect();
            prop_assert_eq!(&top[..], &best[..k.min(n)]);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn answers_are_positions_or_distributions() {
        let mut state = Setwise::start(4, SetwiseConfig::default()).unwrap();
        let task = state.ready().pop().unwrap();
        assert_eq!(
            (task.kind, task.count, task.candidates.len()),
            (TaskKind::Select, 1, 4)
        );
        let o = Default::default();
        assert!(state.answer(task.id, Answer::Choice(vec![4]), &o).is_err());
        state
            .answer(task.id, Answer::Values(vec![0.1, 0.2, 0.6, 0.1]), &o)
            .unwrap();
        let no_children = SetwiseConfig {
            children: 0,
            ..SetwiseConfig::default()
        };
        let no_top = SetwiseConfig {
            top_k: 0,
            ..SetwiseConfig::default()
        };
        for cfg in [no_children, no_top] {
            assert!(Setwise::start(3, cfg).is_err());
        }
    }
}
