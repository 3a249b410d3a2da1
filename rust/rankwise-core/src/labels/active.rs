//! Active label construction: which teacher windows to ask next.
//!
//! A full ranking aggregated from teacher windows ([`super::aggregate`]) carries a confidence
//! per position: the probability that the candidate at `p` belongs before the one at `p + 1`.
//! Instead of a fixed construction (fullrank's 45 windows for 100 candidates), the teacher is
//! asked again only where that confidence is low: each round, for every query, the adjacent
//! pairs below the requested confidence are taken least confident first, and each one not yet
//! covered by this round's windows gets a window of consecutive positions of the current order
//! centred on it. Pairs whose confidence is unknown (never compared, or next to a candidate
//! without evidence) count as least confident. With no evidence at all the rule yields a cover
//! of the given order by windows overlapping by half, the first pass of a sliding window.
//!
//! Each window is shown in a shuffled order (drawn from `seed`, the query, the round and the
//! window), so that the teacher's position bias does not simply confirm the current order and a
//! window asked again is a new question.

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::rng::Rng;

/// How the next windows are chosen.
#[derive(Debug, Clone, Copy)]
pub struct ActiveOptions {
    /// Candidates per window (a query with fewer gets windows of all its candidates).
    pub window: usize,
    /// Adjacent pairs with confidence below this (or unknown) are asked again.
    pub confidence: f64,
    /// At most this many windows per query and round.
    pub per_round: usize,
    /// Seed of the shown orders.
    pub seed: u64,
    /// Round number (a stream of the shuffles).
    pub round: u64,
}

impl ActiveOptions {
    /// Refuse options that cannot select anything sensible.
    pub fn validate(&self) -> Result<()> {
        if self.window < 2 {
            return Err(RankError::invalid(
                "window",
                "at least 2 candidates",
                self.window,
            ));
        }
        if !(self.confidence > 0.5 && self.confidence <= 1.0) {
            return Err(RankError::invalid(
                "confidence",
                "a probability in (0.5, 1]",
                self.confidence,
            ));
        }
        if self.per_round == 0 {
            return Err(RankError::invalid("per_round", "at least 1", 0));
        }
        Ok(())
    }
}

/// The next windows of one query: `order` is its current full order (candidate indices, best
/// first), `confidence[p]` the confidence of positions `p`, `p + 1` (NaN: unknown), `budget`
/// the windows it may still ask. Each window lists candidate indices in the order to show.
pub fn next_windows_one(
    order: &[i64],
    confidence: &[f64],
    budget: usize,
    query: usize,
    opts: &ActiveOptions,
) -> Vec<Vec<i64>> {
    let n = order.len();
    if n < 2 || budget == 0 {
        return Vec::new();
    }
    let len = opts.window.min(n);
    let half = len / 2;
    // Pairs below the requested confidence, least confident (unknown first), then by position.
    let mut low: Vec<usize> = (0..n - 1)
        .filter(|&p| {
            let c = confidence.get(p).copied().unwrap_or(f64::NAN);
            c.is_nan() || c < opts.confidence
        })
        .collect();
    let key = |p: usize| {
        let c = confidence.get(p).copied().unwrap_or(f64::NAN);
        if c.is_nan() { f64::NEG_INFINITY } else { c }
    };
    low.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
    let mut covered = vec![false; n - 1];
    let mut out = Vec::new();
    let cap = budget.min(opts.per_round);
    for p in low {
        if out.len() == cap {
            break;
        }
        if covered[p] {
            continue;
        }
        let start = (p + 1).saturating_sub(half).min(n - len);
        for c in &mut covered[start..start + len - 1] {
            *c = true;
        }
        let mut shown = order[start..start + len].to_vec();
        let stream = (query as u64)
            .wrapping_mul(0x9E37_79B9)
            .wrapping_add(opts.round.wrapping_mul(0x1_0000_0001))
            .wrapping_add(out.len() as u64);
        Rng::new(opts.seed, stream).shuffle(&mut shown);
        out.push(shown);
    }
    out
}

/// The next windows of many queries, in parallel: query `q` owns
/// `order[offsets[q]..offsets[q + 1]]` and the same slice of `confidence`, and may ask
/// `budgets[q]` more windows. Returns flat candidate indices, window offsets and query
/// offsets (query `q` owns windows `query_offsets[q]..query_offsets[q + 1]`).
pub fn next_windows(
    order: &[i64],
    confidence: &[f64],
    offsets: &[usize],
    budgets: &[usize],
    opts: &ActiveOptions,
) -> Result<(Vec<i64>, Vec<usize>, Vec<usize>)> {
    opts.validate()?;
    if confidence.len() != order.len() {
        return Err(RankError::shape(
            "confidence",
            format!("one value per position ({})", order.len()),
            confidence.len(),
        ));
    }
    let q = offsets.len().saturating_sub(1);
    if budgets.len() != q {
        return Err(RankError::shape(
            "budgets",
            format!("one value per query ({q})"),
            budgets.len(),
        ));
    }
    if offsets.first().is_some_and(|&o| o != 0)
        || offsets.windows(2).any(|w| w[0] > w[1])
        || offsets.last().is_some_and(|&o| o != order.len())
    {
        return Err(RankError::invalid(
            "offsets",
            format!("non-decreasing from 0 to {}", order.len()),
            "other values",
        ));
    }
    let per_query: Vec<Vec<Vec<i64>>> = (0..q)
        .into_par_iter()
        .map(|i| {
            let (s, e) = (offsets[i], offsets[i + 1]);
            next_windows_one(&order[s..e], &confidence[s..e], budgets[i], i, opts)
        })
        .collect();
    let mut items = Vec::new();
    let mut window_offsets = vec![0];
    let mut query_offsets = vec![0];
    for windows in per_query {
        for w in windows {
            items.extend_from_slice(&w);
            window_offsets.push(items.len());
        }
        query_offsets.push(window_offsets.len() - 1);
    }
    Ok((items, window_offsets, query_offsets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(window: usize, per_round: usize) -> ActiveOptions {
        ActiveOptions {
            window,
            confidence: 0.9,
            per_round,
            seed: 0,
            round: 0,
        }
    }

    fn sorted(mut w: Vec<i64>) -> Vec<i64> {
        w.sort_unstable();
        w
    }

    #[test]
    fn without_evidence_the_windows_cover_the_order_overlapping_by_half() {
        let order: Vec<i64> = (0..100).collect();
        let conf = vec![f64::NAN; 100];
        let w = next_windows_one(&order, &conf, 100, 0, &opts(20, 100));
        assert_eq!(w.len(), 9);
        for (k, win) in w.iter().enumerate() {
            let s = 10 * k as i64;
            assert_eq!(sorted(win.clone()), (s..s + 20).collect::<Vec<_>>());
        }
    }

    #[test]
    fn confident_pairs_are_not_asked_and_the_least_confident_comes_first() {
        let order: Vec<i64> = (0..10).rev().collect();
        let mut conf = vec![0.99; 10];
        conf[9] = f64::NAN; // the last position has no pair
        conf[6] = 0.6;
        conf[2] = 0.7;
        let w = next_windows_one(&order, &conf, 5, 0, &opts(4, 5));
        assert_eq!(w.len(), 2);
        // pair (6, 7) first: positions 5..9 of the order, i.e. candidates 4, 3, 2, 1
        assert_eq!(sorted(w[0].clone()), vec![1, 2, 3, 4]);
        assert_eq!(sorted(w[1].clone()), vec![5, 6, 7, 8]);
        assert!(next_windows_one(&order, &[0.95; 10], 5, 0, &opts(4, 5)).is_empty());
        assert_eq!(next_windows_one(&order, &conf, 1, 0, &opts(4, 5)).len(), 1);
    }

    #[test]
    fn bad_options_and_shapes_are_refused() {
        let mut o = opts(1, 1);
        assert!(next_windows(&[0, 1], &[0.5, 0.5], &[0, 2], &[1], &o).is_err());
        o.window = 2;
        o.confidence = 0.5;
        assert!(next_windows(&[0, 1], &[0.5, 0.5], &[0, 2], &[1], &o).is_err());
        o.confidence = 0.9;
        assert!(next_windows(&[0, 1], &[0.5], &[0, 2], &[1], &o).is_err());
        assert!(next_windows(&[0, 1], &[0.5, 0.5], &[0, 3], &[1], &o).is_err());
        let (items, wo, qo) = next_windows(&[0, 1], &[0.5, f64::NAN], &[0, 2], &[1], &o).unwrap();
        assert_eq!(
            (sorted(items), wo, qo),
            (vec![0, 1], vec![0, 2], vec![0, 1])
        );
    }
}
