//! AP correlation (Yilmaz, Aslam & Robertson, SIGIR 2008) and its tie-aware versions (Urbano &
//! Marrero, ICTIR 2017), as julian-urbano/ircor defines them.
//!
//! `x` holds the true scores, `y` the estimated ones; both rank higher values first. Order
//! the items by `y`; for the item at position `i >= 2`, `C(i)` counts the items above it that
//! `x` also puts above it:
//!
//! ```text
//! tau_AP(x, y) = 2 / (n - 1) * sum_{i=2..n} C(i) / (i - 1) - 1
//! ```
//!
//! It is top-weighted (a swap at the top costs more) and not symmetric.
//!
//! * [`ApTies::A`] ("accuracy", ircor `tauAP_a`): ties allowed in `y` only; the expected
//!   value over the orders of each tied group of `y`. With item `i` in a group of size `t`
//!   whose first position is `p`, `C_above(i)` the concordant items in better groups:
//!   `2 / (n - 1) * [sum_i C_above(i) / t * sum_{k=1..t} 1 / (p + k - 2)
//!   + sum_groups sum_{k=1..t-1} k / (p + k - 1) / 2] - 1`. Without ties it equals `tau_AP`.
//! * [`ApTies::B`] ("agreement", ircor `tauAP_b`): ties allowed in both; the average of the
//!   two directions `(tau_AP_b(x, y) + tau_AP_b(y, x)) / 2`, where a direction divides by
//!   `p - 1` (the items above the group) and averages over the items not in the top group.
//!
//! O(n log n): the concordant counts come from one sweep with a Fenwick tree over `x`.

use super::order::{SortScratch, argsort, dense_ranks};
use super::{Status, check_len_of_x};
use crate::error::{RankError, Result};

/// Which tie treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApTies {
    /// Ties in `y` only (ircor `tauAP_a`); equals Yilmaz's tau_AP without ties.
    #[default]
    A,
    /// Ties in both, symmetric (ircor `tauAP_b`).
    B,
}

crate::choice!(ApTies, "ties", {
    "a" => ApTies::A,
    "b" => ApTies::B,
});

/// Buffers reused across rows by [`ap_correlation`].
#[derive(Debug, Default)]
pub struct ApScratch {
    sort: SortScratch,
    order: Vec<u32>,
    order_y: Vec<u32>,
    rank: Vec<u32>,
    groups: Vec<u32>,
    tree: Vec<u32>,
    above: Vec<u32>,
}

/// For the items in `y`-descending order, the number of items in strictly better `y` groups
/// that are also strictly better in `x`; returns the group sizes (best first) in `groups` and
/// fills `above` (indexed like `order_y`, i.e. by position in the `y`-descending order).
fn concordant_above(x: &[u64], y: &[u64], s: &mut ApScratch) {
    let n = x.len();
    argsort(x, &mut s.order, &mut s.sort);
    dense_ranks(x, &s.order, &mut s.rank, &mut s.groups);
    let kx = s.groups.len();
    argsort(y, &mut s.order_y, &mut s.sort);
    s.order_y.reverse(); // best first; equal y in any order (they are one group)
    s.tree.clear();
    s.tree.resize(kx + 1, 0);
    s.above.clear();
    s.above.resize(n, 0);
    s.groups.clear();
    let mut start = 0;
    let mut inserted = 0u32;
    while start < n {
        let key = y[s.order_y[start] as usize];
        let mut end = start + 1;
        while end < n && y[s.order_y[end] as usize] == key {
            end += 1;
        }
        for p in start..end {
            // Inserted items with x rank <= this one's; the rest are strictly better.
            let mut idx = s.rank[s.order_y[p] as usize] as usize + 1;
            let mut le = 0u32;
            while idx > 0 {
                le += s.tree[idx];
                idx &= idx - 1;
            }
            s.above[p] = inserted - le;
        }
        for p in start..end {
            let mut idx = s.rank[s.order_y[p] as usize] as usize + 1;
            while idx <= kx {
                s.tree[idx] += 1;
                idx += idx & idx.wrapping_neg();
            }
        }
        #[allow(clippy::cast_possible_truncation)]
        {
            inserted += (end - start) as u32;
            s.groups.push((end - start) as u32);
        }
        start = end;
    }
}

/// One direction of [`ApTies::B`]: groups by `y`, divide by `p - 1`, average over the items
/// not in the top group. NaN when every item is in the top group.
#[allow(clippy::cast_precision_loss)]
fn tau_ap_b_direction(x: &[u64], y: &[u64], s: &mut ApScratch) -> f64 {
    concordant_above(x, y, s);
    let mut total = 0.0;
    let mut not_top = 0usize;
    let mut start = 0usize;
    for (gi, &g) in s.groups.iter().enumerate() {
        let g = g as usize;
        if gi > 0 {
            for p in start..start + g {
                total += f64::from(s.above[p]) / start as f64;
                not_top += 1;
            }
        }
        start += g;
    }
    if not_top == 0 {
        return f64::NAN;
    }
    2.0 / not_top as f64 * total - 1.0
}

/// AP correlation of the estimated ranking `y` against the true scores `x` (order keys).
///
/// Fewer than two items give NaN ([`Status::TooSmall`]). With [`ApTies::A`], ties in `x` are
/// an error; with [`ApTies::B`] a constant `x` or `y` gives NaN ([`Status::Constant`]).
#[allow(clippy::cast_precision_loss)]
pub fn ap_correlation(
    x: &[u64],
    y: &[u64],
    ties: ApTies,
    s: &mut ApScratch,
) -> Result<(f64, Status)> {
    let n = x.len();
    check_len_of_x("y", n, y.len())?;
    if n < 2 {
        return Ok((f64::NAN, Status::TooSmall));
    }
    match ties {
        ApTies::A => {
            concordant_above(x, y, s);
            if s.rank.iter().max().map_or(0, |&m| m as usize + 1) != n {
                return Err(RankError::invalid(
                    "x",
                    "free of ties with ties=\"a\" (only the estimated scores y may tie; use ties=\"b\" when the true scores tie too)",
                    format!(
                        "{} distinct values among {n}",
                        s.rank.iter().max().map_or(0, |&m| m + 1)
                    ),
                ));
            }
            let mut term_above = 0.0;
            let mut term_within = 0.0;
            let mut start = 0usize;
            for &g in &s.groups {
                let g = g as usize;
                let p = start + 1; // first (1-based) position of the group
                if p > 1 {
                    // (1 / t) sum_{k=1..t} 1 / (p + k - 2)
                    let mean_inv: f64 =
                        (1..=g).map(|k| 1.0 / (p + k - 2) as f64).sum::<f64>() / g as f64;
                    for q in start..start + g {
                        term_above += f64::from(s.above[q]) * mean_inv;
                    }
                }
                // sum_{k=1..t-1} k / (p + k - 1), halved, once per group.
                let within: f64 = (1..g).map(|k| k as f64 / (p + k - 1) as f64).sum();
                term_within += within / 2.0;
                start += g;
            }
            Ok((
                2.0 / (n - 1) as f64 * (term_above + term_within) - 1.0,
                Status::Ok,
            ))
        }
        ApTies::B => {
            let a = tau_ap_b_direction(x, y, s);
            let b = tau_ap_b_direction(y, x, s);
            let tau = (a + b) / 2.0;
            Ok((
                tau,
                if tau.is_nan() {
                    Status::Constant
                } else {
                    Status::Ok
                },
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// ircor's pairwise form of tau_AP (no ties): each concordant pair adds
    /// 1 / (max position in y - 1).
    fn brute(x: &[u64], y: &[u64]) -> f64 {
        let n = x.len();
        let pos = |i: usize| 1 + y.iter().filter(|&&v| v > y[i]).count();
        let mut num = 0.0;
        for i in 0..n {
            for j in i + 1..n {
                if (x[i] > x[j]) == (y[i] > y[j]) {
                    num += 1.0 / (pos(i).max(pos(j)) - 1) as f64;
                }
            }
        }
        2.0 * num / (n - 1) as f64 - 1.0
    }

    #[test]
    fn swaps_at_the_top_cost_more() {
        let mut s = ApScratch::default();
        let x = [4, 3, 2, 1];
        let (top, _) = ap_correlation(&x, &[3, 4, 2, 1], ApTies::A, &mut s).unwrap();
        let (bottom, _) = ap_correlation(&x, &[4, 3, 1, 2], ApTies::A, &mut s).unwrap();
        assert!((top - 1.0 / 3.0).abs() < 1e-15 && (bottom - 7.0 / 9.0).abs() < 1e-15);
        assert_eq!(ap_correlation(&x, &x, ApTies::A, &mut s).unwrap().0, 1.0);
        assert_eq!(
            ap_correlation(&x, &[1, 2, 3, 4], ApTies::A, &mut s)
                .unwrap()
                .0,
            -1.0
        );
        assert!(ap_correlation(&[1, 1, 2], &[1, 2, 3], ApTies::A, &mut s).is_err());
    }

    proptest! {
        #[test]
        fn sweep_equals_the_pairwise_form(perm in Just((0u64..30).collect::<Vec<_>>()).prop_shuffle(), seed in any::<u64>()) {
            let x = perm.clone();
            let mut y = perm;
            let k = (seed % 29) as usize;
            y.rotate_left(k);
            let (got, _) = ap_correlation(&x, &y, ApTies::A, &mut ApScratch::default()).unwrap();
            prop_assert!((got - brute(&x, &y)).abs() < 1e-12);
        }
    }
}
