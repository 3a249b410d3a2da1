//! Evidence about the candidates of many queries, validated once.
//!
//! Two kinds exist:
//! * [`WindowBatch`]: window orders. Query `q` has `n_items[q]` candidates `0..n_items[q]` and
//!   owns windows `query_offsets[q]..query_offsets[q + 1]`; window `w` is the order (best
//!   first) `items[window_offsets[w]..window_offsets[w + 1]]` over a subset of the candidates;
//! * [`PairBatch`]: weighted pairwise outcomes `(winner, loser, weight)`; query `q` owns pairs
//!   `query_offsets[q]..query_offsets[q + 1]`. A weight is a count (1 for one comparison) or
//!   the mass of a probabilistic outcome (PRP-allpair's `P(a before b)` is the pair `(a, b)`
//!   with weight `p` plus the pair `(b, a)` with weight `1 - p`).
//!
//! Validation rejects candidates outside `0..n_items[q]`, a candidate twice in one window, a
//! pair of a candidate with itself and negative or non-finite weights, naming the argument,
//! the query, the position and the value.

use crate::error::{RankError, Result};
use crate::ragged::RowLayout;

/// Rename the `offsets` argument of a [`RowLayout`] error.
fn renamed(e: RankError, name: &str) -> RankError {
    let rename = |argument: String, got: String| {
        let argument = if argument == "offsets" {
            name.to_owned()
        } else {
            argument
        };
        (argument, got.replace("offsets", name))
    };
    match e {
        RankError::InvalidValue {
            argument,
            expected,
            got,
        } => {
            let (argument, got) = rename(argument, got);
            RankError::InvalidValue {
                argument,
                expected,
                got,
            }
        }
        RankError::Shape {
            argument,
            expected,
            got,
        } => {
            let (argument, got) = rename(argument, got);
            RankError::Shape {
                argument,
                expected,
                got,
            }
        }
        other => other,
    }
}

fn layout<'a>(offsets: &'a [i64], len: usize, name: &str) -> Result<RowLayout<'a>> {
    RowLayout::offsets(offsets, len).map_err(|e| renamed(e, name))
}

fn candidate_counts(n_items: &[i64], rows: usize) -> Result<()> {
    if n_items.len() != rows {
        return Err(RankError::shape(
            "n_items",
            format!("one candidate count per query ({rows})"),
            format!("{} counts", n_items.len()),
        ));
    }
    if let Some((q, &n)) = n_items
        .iter()
        .enumerate()
        .find(|&(_, &n)| n < 0 || n > i64::from(u32::MAX))
    {
        return Err(RankError::invalid(
            "n_items",
            "a non-negative candidate count (at most 2^32 - 1)",
            format!("{n} for query {q}"),
        ));
    }
    Ok(())
}

/// Check the `weights` argument: one per `unit` (`n` of them), each finite and non-negative
/// (`expected` says so in the error).
pub(crate) fn check_weights(weights: &[f64], n: usize, unit: &str, expected: &str) -> Result<()> {
    if weights.len() != n {
        return Err(RankError::shape(
            "weights",
            format!("one weight per {unit} ({n})"),
            format!("{} weights", weights.len()),
        ));
    }
    if let Some((i, v)) = weights
        .iter()
        .enumerate()
        .find(|&(_, &v)| !(v.is_finite() && v >= 0.0))
    {
        return Err(RankError::invalid(
            "weights",
            expected,
            format!("{v} at {unit} {i}"),
        ));
    }
    Ok(())
}

/// A candidate count that [`candidate_counts`] validated (`0 <= n <= u32::MAX`).
fn candidate_count(n: i64) -> usize {
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
    let n = n as usize;
    n
}

/// The queries of a batch, as both kinds of evidence hold them: query `q` owns rows
/// `query_offsets[q]..query_offsets[q + 1]` of the evidence and has `n_items[q]` candidates.
#[derive(Debug, Clone, Copy)]
struct Queries<'a> {
    layout: RowLayout<'a>,
    n_items: &'a [i64],
}

impl<'a> Queries<'a> {
    /// Validate the `query_offsets` cutting `rows` rows of evidence, and one candidate count
    /// per query.
    fn new(query_offsets: &'a [i64], rows: usize, n_items: &'a [i64]) -> Result<Self> {
        let layout = layout(query_offsets, rows, "query_offsets")?;
        candidate_counts(n_items, layout.rows())?;
        Ok(Queries { layout, n_items })
    }
}

/// Window orders of many queries (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct WindowBatch<'a> {
    items: &'a [i64],
    windows: RowLayout<'a>,
    queries: Queries<'a>,
}

impl<'a> WindowBatch<'a> {
    /// Validate window orders: offsets, candidate counts, candidates in range and distinct
    /// within each window.
    pub fn new(
        items: &'a [i64],
        window_offsets: &'a [i64],
        query_offsets: &'a [i64],
        n_items: &'a [i64],
    ) -> Result<Self> {
        let windows = layout(window_offsets, items.len(), "window_offsets")?;
        let queries = Queries::new(query_offsets, windows.rows(), n_items)?;
        let max_n = n_items.iter().copied().max().unwrap_or(0);
        // A stamp per item of the largest query: refused (naming `n_items`) where it cannot be
        // allocated, rather than aborting the process.
        let len = usize::try_from(max_n).unwrap_or(0);
        let mut stamp: Vec<usize> = Vec::new();
        crate::memory::reserve(&mut stamp, len).map_err(|()| {
            RankError::invalid(
                "n_items",
                "small enough for one entry per item to fit in memory",
                max_n,
            )
        })?;
        stamp.resize(len, usize::MAX);
        for (q, &n) in n_items.iter().enumerate() {
            for w in queries.layout.range(q) {
                for (position, &item) in items[windows.range(w)].iter().enumerate() {
                    if item < 0 || item >= n {
                        return Err(RankError::invalid(
                            "windows",
                            format!("candidate indices in 0..{n} (query {q} has {n} candidates)"),
                            format!("{item} in window {w} of query {q}, position {position}"),
                        ));
                    }
                    // In range, so the cast is lossless.
                    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
                    let slot = &mut stamp[item as usize];
                    if *slot == w {
                        return Err(RankError::invalid(
                            "windows",
                            "each candidate at most once per window",
                            format!("{item} twice in window {w} of query {q}"),
                        ));
                    }
                    *slot = w;
                }
            }
        }
        Ok(WindowBatch {
            items,
            windows,
            queries,
        })
    }

    /// The windows of query `q`, best candidate first.
    pub fn windows(&self, q: usize) -> impl Iterator<Item = &'a [i64]> + '_ {
        let items = self.items;
        let windows = self.windows;
        self.queries
            .layout
            .range(q)
            .map(move |w| &items[windows.range(w)])
    }
}

/// Weighted pairwise outcomes of many queries (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct PairBatch<'a> {
    winners: &'a [i64],
    losers: &'a [i64],
    weights: Option<&'a [f64]>,
    queries: Queries<'a>,
}

impl<'a> PairBatch<'a> {
    /// Validate pairwise outcomes: equal lengths, candidates in range and distinct, weights
    /// finite and non-negative.
    pub fn new(
        winners: &'a [i64],
        losers: &'a [i64],
        weights: Option<&'a [f64]>,
        query_offsets: &'a [i64],
        n_items: &'a [i64],
    ) -> Result<Self> {
        if losers.len() != winners.len() {
            return Err(RankError::shape(
                "pairs",
                "as many losers as winners",
                format!("{} winners and {} losers", winners.len(), losers.len()),
            ));
        }
        if let Some(w) = weights {
            check_weights(w, winners.len(), "pair", "finite and non-negative")?;
        }
        let queries = Queries::new(query_offsets, winners.len(), n_items)?;
        for (q, &n) in n_items.iter().enumerate() {
            for p in queries.layout.range(q) {
                let (a, b) = (winners[p], losers[p]);
                for v in [a, b] {
                    if v < 0 || v >= n {
                        return Err(RankError::invalid(
                            "pairs",
                            format!("candidate indices in 0..{n} (query {q} has {n} candidates)"),
                            format!("{v} in pair {p} of query {q}"),
                        ));
                    }
                }
                if a == b {
                    return Err(RankError::invalid(
                        "pairs",
                        "two different candidates in each pair",
                        format!("({a}, {b}) at pair {p} of query {q}"),
                    ));
                }
            }
        }
        Ok(PairBatch {
            winners,
            losers,
            weights,
            queries,
        })
    }

    /// The pairs of query `q` as `(winner, loser, weight)`.
    pub fn pairs(&self, q: usize) -> impl Iterator<Item = (i64, i64, f64)> + '_ {
        self.queries.layout.range(q).map(move |p| {
            (
                self.winners[p],
                self.losers[p],
                self.weights.map_or(1.0, |w| w[p]),
            )
        })
    }
}

/// The evidence of a batch: window orders or pairwise outcomes.
#[derive(Debug, Clone, Copy)]
pub enum Evidence<'a> {
    Windows(WindowBatch<'a>),
    Pairs(PairBatch<'a>),
}

impl<'a> Evidence<'a> {
    /// The queries, the same for both kinds.
    fn queries(&self) -> Queries<'a> {
        match self {
            Evidence::Windows(w) => w.queries,
            Evidence::Pairs(p) => p.queries,
        }
    }

    /// Number of queries.
    pub fn rows(&self) -> usize {
        self.queries().layout.rows()
    }

    /// Number of candidates of query `q`.
    pub fn n(&self, q: usize) -> usize {
        candidate_count(self.queries().n_items[q])
    }
}

/// One query's evidence over its **observed** candidates, renumbered `0..m` in candidate
/// order, as weighted rankings: a window is a ranking of weight 1, a pair `(a, b, w)` the
/// ranking `[a, b]` of weight `w`. A candidate is observed when it appears in a window of two
/// or more candidates, or in a pair of positive weight; the others carry no evidence.
#[derive(Debug, Default, Clone)]
pub struct Compact {
    /// Original candidate index of each observed candidate, ascending.
    pub observed: Vec<u32>,
    /// Renumbered rankings, flat.
    pub items: Vec<u32>,
    /// Boundaries of the rankings in `items` (length = rankings + 1).
    pub bounds: Vec<usize>,
    /// Weight of each ranking.
    pub weights: Vec<f64>,
    map: Vec<u32>,
}

impl Compact {
    /// Number of observed candidates.
    pub fn m(&self) -> usize {
        self.observed.len()
    }

    /// Number of rankings.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True when there is no ranking.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Ranking `r` and its weight.
    #[inline]
    pub fn ranking(&self, r: usize) -> (&[u32], f64) {
        (
            &self.items[self.bounds[r]..self.bounds[r + 1]],
            self.weights[r],
        )
    }

    /// Load query `q` of `evidence`, reusing the buffers.
    pub fn load(&mut self, evidence: &Evidence<'_>, q: usize) {
        let n = evidence.n(q);
        self.map.clear();
        self.map.resize(n, u32::MAX);
        self.observed.clear();
        self.items.clear();
        self.bounds.clear();
        self.bounds.push(0);
        self.weights.clear();
        // Validated: indices in 0..n.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        let ix = |v: i64| v as usize;
        match evidence {
            Evidence::Windows(b) => {
                for w in b.windows(q).filter(|w| w.len() >= 2) {
                    for &v in w {
                        self.map[ix(v)] = 0;
                    }
                }
            }
            Evidence::Pairs(b) => {
                for (a, l, _) in b.pairs(q).filter(|p| p.2 > 0.0) {
                    self.map[ix(a)] = 0;
                    self.map[ix(l)] = 0;
                }
            }
        }
        let mut next = 0u32;
        for (i, slot) in self.map.iter_mut().enumerate() {
            if *slot == 0 {
                *slot = next;
                next += 1;
                self.observed.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        match evidence {
            Evidence::Windows(b) => {
                for w in b.windows(q).filter(|w| w.len() >= 2) {
                    self.items.extend(w.iter().map(|&v| self.map[ix(v)]));
                    self.bounds.push(self.items.len());
                    self.weights.push(1.0);
                }
            }
            Evidence::Pairs(b) => {
                for (a, l, w) in b.pairs(q).filter(|p| p.2 > 0.0) {
                    self.items.push(self.map[ix(a)]);
                    self.items.push(self.map[ix(l)]);
                    self.bounds.push(self.items.len());
                    self.weights.push(w);
                }
            }
        }
    }

    /// Expand every ranking into all its ordered pairs (rankings of two of the same weight),
    /// into `out`.
    pub fn expand_pairs(&self, out: &mut Compact) {
        out.observed.clone_from(&self.observed);
        out.items.clear();
        out.bounds.clear();
        out.bounds.push(0);
        out.weights.clear();
        for r in 0..self.len() {
            let (items, w) = self.ranking(r);
            for (i, &a) in items.iter().enumerate() {
                for &b in &items[i + 1..] {
                    out.items.push(a);
                    out.items.push(b);
                    out.bounds.push(out.items.len());
                    out.weights.push(w);
                }
            }
        }
    }

    /// The pairwise matrix `W` (row-major, `m x m`): `W[a][b]` is the total weight of
    /// evidence that `a` comes before `b` (every ordered pair of a ranking counts once).
    pub fn pair_matrix(&self, matrix: &mut Vec<f64>) {
        let m = self.m();
        matrix.clear();
        matrix.resize(m * m, 0.0);
        for r in 0..self.len() {
            let (items, w) = self.ranking(r);
            for (i, &a) in items.iter().enumerate() {
                let row = a as usize * m;
                for &b in &items[i + 1..] {
                    matrix[row + b as usize] += w;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_out_of_range_or_repeated_are_rejected_with_their_place() {
        let e = WindowBatch::new(&[0, 3], &[0, 2], &[0, 1], &[3])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`windows` must be candidate indices in 0..3"),
            "{e}"
        );
        assert!(e.contains("3 in window 0 of query 0, position 1"), "{e}");
        let e = WindowBatch::new(&[1, 1], &[0, 2], &[0, 1], &[3])
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 twice in window 0"), "{e}");
        let e = WindowBatch::new(&[1, 0], &[0, 2], &[0, 2], &[3])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`query_offsets`"), "{e}");
        assert!(e.contains("query_offsets[-1] = 2"), "{e}");
        let e = WindowBatch::new(&[1, 0], &[0, 2], &[1, 1], &[3])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`query_offsets`"), "{e}");
        assert!(e.contains("query_offsets[0] = 1"), "{e}");
        let e = PairBatch::new(&[0], &[0], None, &[0, 1], &[2])
            .unwrap_err()
            .to_string();
        assert!(e.contains("two different candidates"), "{e}");
        let e = PairBatch::new(&[0], &[1], Some(&[-1.0]), &[0, 1], &[2])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`weights` must be finite and non-negative"),
            "{e}"
        );
    }

    #[test]
    fn compact_renumbers_observed_candidates_and_counts_pairs() {
        let items = [3, 1, 2, 0];
        let b = WindowBatch::new(&items, &[0, 2, 3, 4], &[0, 3], &[5]).unwrap();
        let mut c = Compact::default();
        c.load(&Evidence::Windows(b), 0);
        // windows of one candidate carry no evidence: 2 and 0 are unobserved
        assert_eq!(c.observed, vec![1, 3]);
        assert_eq!(c.items, vec![1, 0]);
        let mut w = Vec::new();
        c.pair_matrix(&mut w);
        assert_eq!(w, vec![0.0, 0.0, 1.0, 0.0]);
    }
}
