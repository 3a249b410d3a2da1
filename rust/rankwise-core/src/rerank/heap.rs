//! The partial heapsort shared by the setwise and pairwise strategies, as llm-rankers runs it
//! (`setwise.py` / `pairwise.py` `heapSort`): a max-heap of arity `a` is built by sifting down
//! every node from `n / a` to the root, then the root is swapped to the end of the array and
//! the heap re-sifted from the root, until `k` candidates are extracted. How one node is
//! sifted down (one set-selection call per level, or two pairwise comparisons) is the
//! strategy's business; this type holds the array and says which node to sift next.

use super::task::top_then_rest;

/// Where a partial heapsort stands, apart from the comparisons of the sift in progress.
#[derive(Debug, Clone)]
pub struct HeapSort {
    /// The heap in `arr[..size]`, the extracted candidates after it, best last.
    pub arr: Vec<usize>,
    /// Candidates still in the heap.
    pub size: usize,
    /// Candidates extracted so far.
    ranked: usize,
    k: usize,
    /// The next node to sift during construction (none once the root was sifted).
    next_build: Option<usize>,
    finished: bool,
}

impl HeapSort {
    /// `n` candidates in first-stage order, a heap of `arity`, `k` extractions.
    pub fn new(n: usize, arity: usize, k: usize) -> Self {
        HeapSort {
            arr: (0..n).collect(),
            size: n,
            ranked: 0,
            k,
            next_build: (n >= 2).then_some(n / arity.max(1)),
            finished: n < 2,
        }
    }

    /// The next node to sift down, or `None` when the sort is over: construction nodes from
    /// `n / arity` down to the root, then the root after each extraction.
    pub fn next_sift(&mut self) -> Option<usize> {
        if let Some(i) = self.next_build {
            self.next_build = i.checked_sub(1);
            return Some(i);
        }
        if self.finished {
            return None;
        }
        let last = self.arr.len() - 1 - self.ranked;
        if last == 0 {
            self.finished = true;
            return None;
        }
        self.arr.swap(0, last);
        self.ranked += 1;
        if self.ranked == self.k {
            self.finished = true;
            return None;
        }
        self.size = last;
        Some(0)
    }

    /// The extracted top, best first, then every other candidate in first-stage order (the
    /// whole array, sorted, if extraction ran to the end).
    pub fn order(&self) -> Vec<usize> {
        let n = self.arr.len();
        if n <= 1 {
            return self.arr.clone();
        }
        let top: Vec<usize> = if self.finished && self.ranked == n - 1 {
            self.arr.iter().rev().copied().collect()
        } else {
            self.arr[n - self.ranked..].iter().rev().copied().collect()
        };
        top_then_rest(&top[..top.len().min(self.k)], n)
    }

    /// Bounds on the work of a whole sort of `n` with `k` extractions, walked: the sum, over
    /// every sift it makes (each construction node, the root after each of the first `k - 1`
    /// extractions), of `sift(node, heap size)`'s `(fewest, most)`.
    /// (The test oracle of the closed forms, [`root_sizes`] and the strategies' plans.)
    #[cfg(test)]
    pub fn bounds(
        n: usize,
        arity: usize,
        k: usize,
        sift: impl Fn(usize, usize) -> (usize, usize),
    ) -> (usize, usize) {
        let (mut lo, mut hi) = (0, 0);
        if n < 2 {
            return (0, 0);
        }
        let mut add = |(a, b): (usize, usize)| {
            lo += a;
            hi += b;
        };
        for node in (0..=n / arity.max(1)).rev() {
            add(sift(node, n));
        }
        for ranked in 1..k.min(n) {
            add(sift(0, n - ranked));
        }
        (lo, hi)
    }
}

/// The heap sizes at the root sifts after the extractions of a sort of `n >= 2` with `k`
/// extractions: `n - r` for `r` in `1..min(k, n)`, as the range `lo..=hi` (empty when
/// `lo > hi`). Construction sifts every node of `0..=n / arity` in a heap of `n`.
pub(crate) fn root_sizes(n: usize, k: usize) -> (u128, u128) {
    let n = n as u128;
    (n - n.min(k as u128) + 1, n - 1)
}

/// llm-rankers' `heapSort` (`setwise.py`, `pairwise.py`), transcribed: the test oracle of
/// the strategies built on [`HeapSort`]. `heapify(arr, size, node)` sifts `node` down in
/// `arr[..size]` the strategy's way and returns the model calls it made; the heap is built
/// from node `n / arity` down to the root, then the root is swapped to the end and the heap
/// re-sifted until `k` are ranked. Returns the top `k`, best first, then the rest in
/// first-stage order, and the calls.
#[cfg(test)]
pub(crate) fn llm_rankers_heapsort(
    n: usize,
    arity: usize,
    k: usize,
    mut heapify: impl FnMut(&mut [usize], usize, usize) -> usize,
) -> (Vec<usize>, usize) {
    let mut arr: Vec<usize> = (0..n).collect();
    let mut calls = 0;
    for i in (0..=n / arity).rev() {
        calls += heapify(&mut arr, n, i);
    }
    let mut ranked = 0;
    for i in (1..n).rev() {
        arr.swap(i, 0);
        ranked += 1;
        if ranked == k {
            break;
        }
        calls += heapify(&mut arr, i, 0);
    }
    arr.reverse();
    let top: Vec<usize> = arr.into_iter().take(k).collect();
    (top_then_rest(&top, n), calls)
}
