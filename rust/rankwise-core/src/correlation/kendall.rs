//! Kendall's tau (a, b and c) in O(n log n), with scipy's p-values.
//!
//! Over the `n0 = n (n - 1) / 2` pairs, `P` are concordant, `Q` discordant, `T` tied in `x`
//! only, `U` tied in `y` only and `J` tied in both. With `t_k` (`u_k`) the sizes of the tie
//! groups of `x` (`y`), `n1 = sum t_k (t_k - 1) / 2` and `n2 = sum u_k (u_k - 1) / 2`:
//!
//! ```text
//! tau_a = (P - Q) / n0
//! tau_b = (P - Q) / sqrt((n0 - n1) (n0 - n2))          (Kendall 1945)
//! tau_c = 2 (P - Q) / (n^2 (m - 1) / m),  m = min(#distinct x, #distinct y)   (Stuart 1953)
//! ```
//!
//! Counting follows Knight (1966) as scipy's `kendalltau` does: sort by `(x, y)`; the
//! discordant pairs are then the strict inversions of the `y` sequence, counted by a Fenwick
//! tree (few distinct `y`) or a merge sort (many). Every count is an exact integer. tau is then
//! rounded once from the exact integers (correctly rounded; exactly +-1 for identical or
//! reversed rankings), or, with
//! [`KendallOptions::scipy_rounding`], with scipy's floating-point steps in scipy's order,
//! which is **bit-identical** to `scipy.stats.kendalltau` (tau-a is not in scipy).
//!
//! p-values test `tau = 0` and depend only on `S = P - Q` (so they are the same for all three
//! variants): the exact null distribution (Mahonian numbers) without ties, or the normal
//! approximation with the tie-corrected variance (Kendall 1970, eq. 4.3):
//!
//! ```text
//! Var S = [n(n-1)(2n+5) - sum t(t-1)(2t+5) - sum u(u-1)(2u+5)] / 18
//!       + [sum t(t-1)(t-2)] [sum u(u-1)(u-2)] / (9 n (n-1) (n-2))
//!       + [sum t(t-1)] [sum u(u-1)] / (2 n (n-1))
//! ```
//!
//! Both are computed exactly as scipy 1.17 computes them (its sums over tie groups are
//! numpy's pairwise sums, reproduced here), so they match to the last bit.

use rayon::prelude::*;

use super::order::{PARALLEL_LEN, SortScratch, argsort, dense_ranks};
use super::{Alternative, Estimate, Status, check_len_of_x};
use crate::error::{RankError, Result};
use crate::special::{factorial, ndtr, pairwise_sum, ratio_to_f64};

/// Which tau.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    A,
    #[default]
    B,
    C,
}

crate::choice!(Variant, "variant", {
    "a" => Variant::A,
    "b" => Variant::B,
    "c" => Variant::C,
});

/// How the p-value is computed (scipy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PValueMethod {
    /// Exact when there are no ties and `n <= 33` or `min(Q, n0 - Q) <= 1`; otherwise the
    /// normal approximation (scipy's rule).
    #[default]
    Auto,
    /// The exact null distribution; refused when there are ties.
    Exact,
    /// The normal approximation with the tie-corrected variance.
    Asymptotic,
}

crate::choice!(PValueMethod, "method", {
    "auto" => PValueMethod::Auto,
    "exact" => PValueMethod::Exact,
    "asymptotic" => PValueMethod::Asymptotic,
});

/// Options of [`kendall_tau`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KendallOptions {
    pub variant: Variant,
    pub method: PValueMethod,
    pub alternative: Alternative,
    /// Round tau as scipy does (bit-identical to `scipy.stats.kendalltau`) instead of from
    /// exact integers (see [`kendall_from_counts`]).
    pub scipy_rounding: bool,
}

/// The counts behind every Kendall statistic of one pair of rankings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct KendallCounts {
    /// Number of observations.
    pub n: u64,
    /// `n (n - 1) / 2`.
    pub pairs: u64,
    /// `Q`: pairs ordered one way by `x` and the other way by `y`.
    pub discordant: u64,
    /// `n1`: pairs tied in `x` (including those tied in both).
    pub x_ties: u64,
    /// `n2`: pairs tied in `y` (including those tied in both).
    pub y_ties: u64,
    /// `J`: pairs tied in both.
    pub joint_ties: u64,
    /// `sum t (t - 1) (t - 2)` over the tie groups of `x`, as scipy's float sum rounds it.
    pub x_ties_cubic: f64,
    /// `sum t (t - 1) (2 t + 5)` over the tie groups of `x`, as scipy rounds it.
    pub x_ties_var: f64,
    /// The same two sums for `y`.
    pub y_ties_cubic: f64,
    pub y_ties_var: f64,
    /// Number of distinct values of `x` and of `y`.
    pub distinct_x: u64,
    pub distinct_y: u64,
}

impl KendallCounts {
    /// `S = P - Q = n0 - n1 - n2 + J - 2 Q`.
    pub fn s(&self) -> i128 {
        i128::from(self.pairs) - i128::from(self.x_ties) - i128::from(self.y_ties)
            + i128::from(self.joint_ties)
            - 2 * i128::from(self.discordant)
    }

    /// Concordant pairs `P`.
    pub fn concordant(&self) -> u64 {
        let p = i128::from(self.discordant) + self.s();
        u64::try_from(p).unwrap_or(0)
    }
}

/// Buffers reused across rows by [`kendall_counts`].
#[derive(Debug, Default)]
pub struct KendallScratch {
    sort_x: SortScratch,
    sort_y: SortScratch,
    order_x: Vec<u32>,
    order_y: Vec<u32>,
    rank_x: Vec<u32>,
    rank_y: Vec<u32>,
    groups_x: Vec<u32>,
    groups_y: Vec<u32>,
    seq: Vec<u32>,
    buf: Vec<u32>,
    terms: Vec<f64>,
}

/// Tie statistics of one variable from its group sizes (ascending by value), as scipy's
/// `count_rank_tie` computes them: `(sum c(c-1)/2, sum c(c-1)(c-2), sum c(c-1)(2c+5))`, the
/// last two as numpy sums of float products (then truncated to integers, as scipy's `int()`).
fn tie_stats(groups: &[u32], terms: &mut Vec<f64>) -> (u64, f64, f64) {
    let mut pairs = 0u64;
    terms.clear();
    for &c in groups.iter().filter(|&&c| c > 1) {
        let c64 = u64::from(c);
        pairs += c64 * (c64 - 1) / 2;
        let c = f64::from(c);
        terms.push(c * (c - 1.0) * (c - 2.0));
    }
    let cubic = pairwise_sum(terms).trunc();
    terms.clear();
    for &c in groups.iter().filter(|&&c| c > 1) {
        let c = f64::from(c);
        terms.push(c * (c - 1.0) * (2.0 * c + 5.0));
    }
    let var = pairwise_sum(terms).trunc();
    (pairs, cubic, var)
}

/// The counts of `n` pairs from the discordant and jointly tied pairs and each side's tie
/// groups (shared by both counting paths).
fn counts_from(
    n: usize,
    discordant: u64,
    joint_ties: u64,
    groups_x: &[u32],
    groups_y: &[u32],
    terms: &mut Vec<f64>,
) -> KendallCounts {
    let (x_ties, x_ties_cubic, x_ties_var) = tie_stats(groups_x, terms);
    let (y_ties, y_ties_cubic, y_ties_var) = tie_stats(groups_y, terms);
    let n64 = n as u64;
    KendallCounts {
        n: n64,
        pairs: n64 * n64.saturating_sub(1) / 2,
        discordant,
        x_ties,
        y_ties,
        joint_ties,
        x_ties_cubic,
        x_ties_var,
        y_ties_cubic,
        y_ties_var,
        distinct_x: groups_x.len() as u64,
        distinct_y: groups_y.len() as u64,
    }
}

/// Below this length, [`kendall_counts`] ranks through sorted copies of the keys and one
/// sort of 64-bit `(rank_x, rank_y)` pairs, which beats two argsorts of 128-bit keys.
const SMALL: usize = 1 << 11;

/// Count `P`, `Q` and the ties of `(x, y)` given their order keys. O(n log n).
///
/// `x` and `y` must have the same length, below `u32::MAX`.
pub fn kendall_counts(x: &[u64], y: &[u64], scratch: &mut KendallScratch) -> KendallCounts {
    if x.len() < SMALL {
        kendall_counts_small(x, y, scratch)
    } else {
        kendall_counts_large(x, y, scratch)
    }
}

/// [`kendall_counts`] for long inputs: two argsorts (in parallel when long), dense ranks,
/// the `y` ranks gathered in `x` order with each `x` tie group sorted, then inversions.
fn kendall_counts_large(x: &[u64], y: &[u64], scratch: &mut KendallScratch) -> KendallCounts {
    let n = x.len();
    let KendallScratch {
        sort_x,
        sort_y,
        order_x,
        order_y,
        rank_x,
        rank_y,
        groups_x,
        groups_y,
        seq,
        buf,
        terms,
    } = scratch;
    let sort_x_side =
        |order: &mut Vec<u32>, s: &mut SortScratch, r: &mut Vec<u32>, g: &mut Vec<u32>| {
            argsort(x, order, s);
            dense_ranks(x, order, r, g);
        };
    let sort_y_side =
        |order: &mut Vec<u32>, s: &mut SortScratch, r: &mut Vec<u32>, g: &mut Vec<u32>| {
            argsort(y, order, s);
            dense_ranks(y, order, r, g);
        };
    if n >= PARALLEL_LEN {
        rayon::join(
            || sort_x_side(order_x, sort_x, rank_x, groups_x),
            || sort_y_side(order_y, sort_y, rank_y, groups_y),
        );
    } else {
        sort_x_side(order_x, sort_x, rank_x, groups_x);
        sort_y_side(order_y, sort_y, rank_y, groups_y);
    }

    // The y ranks in (x, y) order: gather along the x order, then sort each x tie group.
    seq.clear();
    seq.resize(n, 0);
    if n >= PARALLEL_LEN {
        seq.par_iter_mut()
            .zip(order_x.par_iter())
            .for_each(|(s, &i)| *s = rank_y[i as usize]);
    } else {
        seq.iter_mut()
            .zip(order_x.iter())
            .for_each(|(s, &i)| *s = rank_y[i as usize]);
    }
    let mut joint_ties = 0u64;
    {
        let mut segments: Vec<&mut [u32]> = Vec::new();
        let mut rest: &mut [u32] = seq;
        for &g in groups_x.iter() {
            let (head, tail) = rest.split_at_mut(g as usize);
            if g > 1 {
                segments.push(head);
            }
            rest = tail;
        }
        let joint = |s: &mut &mut [u32]| -> u64 {
            s.sort_unstable();
            tied_pairs(s)
        };
        joint_ties += if n >= PARALLEL_LEN {
            segments.par_iter_mut().map(joint).sum::<u64>()
        } else {
            segments.iter_mut().map(joint).sum::<u64>()
        };
    }
    let distinct_y = groups_y.len();
    let discordant = if distinct_y <= FENWICK_MAX {
        fenwick_inversions(seq, distinct_y)
    } else {
        buf.clear();
        buf.resize(n, 0);
        merge_inversions(seq, buf)
    };
    counts_from(n, discordant, joint_ties, groups_x, groups_y, terms)
}

/// Pairs of equal elements in a sorted slice: `run (run - 1) / 2` summed over its runs of
/// equal elements.
fn tied_pairs<T: PartialEq>(sorted: &[T]) -> u64 {
    let mut total = 0u64;
    let mut run = 1u64;
    for w in sorted.windows(2) {
        if w[0] == w[1] {
            run += 1;
        } else {
            total += run * (run - 1) / 2;
            run = 1;
        }
    }
    total + run * (run - 1) / 2
}

/// [`kendall_counts`] for short inputs: dense ranks by binary search in the sorted distinct
/// keys, then one sort of `rank_x << 32 | rank_y`, which orders the pairs by `(x, y)`.
fn kendall_counts_small(x: &[u64], y: &[u64], scratch: &mut KendallScratch) -> KendallCounts {
    let n = x.len();
    let KendallScratch {
        groups_x,
        groups_y,
        seq,
        terms,
        ..
    } = scratch;
    let mut sorted_x = std::mem::take(&mut scratch.sort_x.keys_buf);
    let mut sorted_y = std::mem::take(&mut scratch.sort_y.keys_buf);
    let distinct = |keys: &[u64], sorted: &mut Vec<u64>, groups: &mut Vec<u32>| {
        sorted.clear();
        sorted.extend_from_slice(keys);
        sorted.sort_unstable();
        groups.clear();
        let mut write = 0;
        for read in 0..sorted.len() {
            if read == 0 || sorted[read] != sorted[write - 1] {
                sorted[write] = sorted[read];
                write += 1;
                groups.push(1);
            } else if let Some(last) = groups.last_mut() {
                *last += 1;
            }
        }
        sorted.truncate(write);
    };
    distinct(x, &mut sorted_x, groups_x);
    distinct(y, &mut sorted_y, groups_y);
    let mut pairs = std::mem::take(&mut scratch.sort_x.pairs_buf);
    pairs.clear();
    pairs.extend(x.iter().zip(y).map(|(&a, &b)| {
        let rx = sorted_x.partition_point(|&v| v < a) as u64;
        let ry = sorted_y.partition_point(|&v| v < b) as u64;
        (rx << 32) | ry
    }));
    pairs.sort_unstable();
    let joint_ties = tied_pairs(&pairs);
    seq.clear();
    #[allow(clippy::cast_possible_truncation)]
    seq.extend(pairs.iter().map(|&p| p as u32));
    let distinct_y = groups_y.len();
    let discordant = fenwick_inversions(seq, distinct_y);
    let counts = counts_from(n, discordant, joint_ties, groups_x, groups_y, terms);
    scratch.sort_x.keys_buf = sorted_x;
    scratch.sort_y.keys_buf = sorted_y;
    scratch.sort_x.pairs_buf = pairs;
    counts
}

/// With at most this many distinct `y` values the Fenwick tree stays in cache.
const FENWICK_MAX: usize = 1 << 14;

/// Strict inversions (`i < j`, `v[i] > v[j]`) of values in `0..k`, by a Fenwick tree.
fn fenwick_inversions(v: &[u32], k: usize) -> u64 {
    let mut tree = vec![0u64; k + 1];
    let mut inversions = 0u64;
    for (seen, &val) in v.iter().enumerate() {
        // Earlier values <= val.
        let mut idx = val as usize + 1;
        let mut le = 0u64;
        while idx > 0 {
            le += tree[idx];
            idx &= idx - 1;
        }
        inversions += seen as u64 - le;
        let mut idx = val as usize + 1;
        while idx <= k {
            tree[idx] += 1;
            idx += idx & idx.wrapping_neg();
        }
    }
    inversions
}

/// Strict inversions of `v` by merge sort (sorts `v`; `buf` has `v`'s length).
fn merge_inversions(v: &mut [u32], buf: &mut [u32]) -> u64 {
    let n = v.len();
    if n <= 32 {
        // Insertion sort, counting the moves past strictly greater elements.
        let mut inv = 0u64;
        for i in 1..n {
            let x = v[i];
            let mut j = i;
            while j > 0 && v[j - 1] > x {
                v[j] = v[j - 1];
                j -= 1;
            }
            v[j] = x;
            inv += (i - j) as u64;
        }
        return inv;
    }
    let mid = n / 2;
    let (a, b) = v.split_at_mut(mid);
    let (ba, bb) = buf.split_at_mut(mid);
    let (ia, ib) = if n >= 1 << 16 {
        rayon::join(|| merge_inversions(a, ba), || merge_inversions(b, bb))
    } else {
        (merge_inversions(a, ba), merge_inversions(b, bb))
    };
    let mut inv = ia + ib;
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            buf[k] = a[i];
            i += 1;
        } else {
            buf[k] = b[j];
            inv += (a.len() - i) as u64;
            j += 1;
        }
        k += 1;
    }
    buf[k..k + a.len() - i].copy_from_slice(&a[i..]);
    k += a.len() - i;
    buf[k..k + b.len() - j].copy_from_slice(&b[j..]);
    v.copy_from_slice(buf);
    inv
}

/// Kendall's tau and its p-value from the counts (see the module documentation).
///
/// Fewer than two observations, or a constant `x` or `y`, give NaN for both (scipy's
/// values), with the [`Status`] saying which. `method = Exact` with ties is an error.
pub fn kendall_from_counts(c: &KendallCounts, opts: &KendallOptions) -> Result<(Estimate, Status)> {
    if c.n < 2 {
        return Ok((Estimate::NAN, Status::TooSmall));
    }
    if c.x_ties == c.pairs || c.y_ties == c.pairs {
        return Ok((Estimate::NAN, Status::Constant));
    }
    let s = c.s();
    let tau = if opts.scipy_rounding {
        scipy_tau(c, s, opts.variant)
    } else {
        exact_tau(c, s, opts.variant)
    };
    let ties = c.x_ties != 0 || c.y_ties != 0;
    let exact = match opts.method {
        PValueMethod::Exact if ties => {
            return Err(RankError::invalid(
                "method",
                "\"auto\" or \"asymptotic\" when there are ties (the exact distribution assumes none)",
                format!(
                    "\"exact\" with {} tied pairs in x and {} in y",
                    c.x_ties, c.y_ties
                ),
            ));
        }
        PValueMethod::Exact => true,
        PValueMethod::Asymptotic => false,
        PValueMethod::Auto => !ties && (c.n <= 33 || c.discordant.min(c.pairs - c.discordant) <= 1),
    };
    let pvalue = if exact {
        kendall_p_exact(c.n, c.pairs - c.discordant, opts.alternative)?
    } else {
        kendall_p_asymptotic(c, s, opts.alternative)
    };
    Ok((
        Estimate {
            statistic: tau,
            pvalue,
        },
        Status::Ok,
    ))
}

/// tau rounded as scipy 1.17 rounds it: tau-b as `S / sqrt(n0 - n1) / sqrt(n0 - n2)`, tau-c
/// as `2 S / (n^2 (m - 1) / m)` (the denominator rounded once), then clipped to [-1, 1].
#[allow(clippy::cast_precision_loss)]
fn scipy_tau(c: &KendallCounts, s: i128, variant: Variant) -> f64 {
    let tau = match variant {
        Variant::B => {
            s as f64 / ((c.pairs - c.x_ties) as f64).sqrt() / ((c.pairs - c.y_ties) as f64).sqrt()
        }
        Variant::C => {
            let m = u128::from(c.distinct_x.min(c.distinct_y));
            let n = u128::from(c.n);
            (2 * s) as f64 / ratio_to_f64(n * n * (m - 1), m)
        }
        Variant::A => exact_tau(c, s, Variant::A),
    };
    // np.minimum(1., max(-1., tau))
    let tau = if tau > -1.0 { tau } else { -1.0 };
    tau.min(1.0)
}

/// tau from the exact integer counts, rounded once: tau-a and tau-c are correctly rounded
/// ratios of integers, tau-b is `S / sqrt((n0 - n1)(n0 - n2))` with the product exact and the
/// root and quotient in double-double arithmetic (exactly +-1 when the rankings agree or
/// disagree completely, where scipy's two square roots can give `0.9999999999999998`).
#[allow(clippy::cast_precision_loss)]
fn exact_tau(c: &KendallCounts, s: i128, variant: Variant) -> f64 {
    let magnitude = s.unsigned_abs();
    let sign = if s < 0 { -1.0 } else { 1.0 };
    let tau = match variant {
        Variant::A => sign * ratio_to_f64(magnitude, u128::from(c.pairs)),
        Variant::B => {
            sign * ratio_over_sqrt(
                magnitude,
                u128::from(c.pairs - c.x_ties) * u128::from(c.pairs - c.y_ties),
            )
        }
        Variant::C => {
            let m = u128::from(c.distinct_x.min(c.distinct_y));
            let n = u128::from(c.n);
            sign * ratio_to_f64(2 * magnitude * m, n * n * (m - 1))
        }
    };
    tau.clamp(-1.0, 1.0)
}

/// `s / sqrt(r)` for integers, rounded to the nearest f64: the square root and the quotient
/// are carried in double-double arithmetic (about 100 bits, exact products through `mul_add`)
/// and rounded once at the end, so the result is the correctly rounded value unless the
/// exact quotient lies within ~2^-100 of a rounding boundary without being on it.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_wrap)]
fn ratio_over_sqrt(s: u128, r: u128) -> f64 {
    if s == 0 {
        return 0.0;
    }
    // r = r_hi + r_lo exactly (up to the rounding of a residual far below r_hi's last bit).
    let r_hi = r as f64;
    let back = r_hi as u128;
    let r_lo = if back >= r {
        -((back - r) as f64)
    } else {
        (r - back) as f64
    };
    // sqrt(r_hi + r_lo) = q_hi + q_lo.
    let q_hi = r_hi.sqrt();
    let residual = (-q_hi).mul_add(q_hi, r_hi) + r_lo;
    let q_lo = residual / (2.0 * q_hi);
    // s / (q_hi + q_lo): one Newton step on the quotient.
    let sf = s as f64;
    let s_lo = if s < (1 << 53) {
        0.0
    } else {
        (s - sf as u128) as f64
    };
    let t = sf / q_hi;
    let rem = (-t).mul_add(q_hi, sf) + s_lo - t * q_lo;
    t + rem / q_hi
}

/// The normal approximation, computed as scipy 1.17 computes it.
///
/// scipy divides `0 * 0` by `0` for `n = 2` and raises `ZeroDivisionError`; that term is 0
/// here (no tie group can have three members), giving `Var S = 1`.
#[allow(clippy::cast_precision_loss)]
fn kendall_p_asymptotic(c: &KendallCounts, s: i128, alternative: Alternative) -> f64 {
    let n = c.n as f64;
    let m = n * (n - 1.0);
    let two_ties = 2 * i128::from(c.x_ties) * i128::from(c.y_ties);
    let cubic = c.x_ties_cubic * c.y_ties_cubic;
    let third = if cubic == 0.0 {
        0.0
    } else {
        cubic / (9.0 * m * (n - 2.0))
    };
    let var =
        (m * (2.0 * n + 5.0) - c.x_ties_var - c.y_ties_var) / 18.0 + two_ties as f64 / m + third;
    let z = s as f64 / var.sqrt();
    normal_pvalue(z, alternative)
}

/// p-value of a standard normal statistic, as scipy's `_get_pvalue` with `_SimpleNormal`.
pub(crate) fn normal_pvalue(z: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::Less => ndtr(z),
        Alternative::Greater => ndtr(-z),
        Alternative::TwoSided => 2.0 * ndtr(-z.abs()),
    }
}

/// Exact p-value of `tau = 0` without ties, given `n` and the number of concordant pairs
/// `concordant` (scipy's `_kendall_p_exact`, including its floating-point steps).
///
/// The null distribution of the number of inversions of a random permutation is built with
/// the recurrence "cumulative sum, then subtract a shifted copy" over `j = 3..n`, dividing by
/// `j` at each step for `n >= 171` to stay finite. O(n * min(P, n0 - P)) time and
/// O(min(P, n0 - P)) memory.
pub fn kendall_p_exact(n: u64, concordant: u64, alternative: Alternative) -> Result<f64> {
    let pairs = n * n.saturating_sub(1) / 2;
    if n == 0 || concordant > pairs {
        return Err(RankError::invalid(
            "concordant",
            format!("between 0 and n (n - 1) / 2 = {pairs} for n = {n} >= 1"),
            concordant,
        ));
    }
    let in_right_tail = concordant >= pairs - concordant;
    let c = concordant.min(pairs - concordant);
    let mut p_mass = f64::NAN;
    #[allow(clippy::cast_precision_loss)]
    let mut prob = if n == 1 {
        p_mass = 1.0;
        1.0
    } else if n == 2 {
        p_mass = 0.5;
        1.0
    } else if c == 0 {
        let prob = if n < 171 { 2.0 / factorial(n) } else { 0.0 };
        p_mass = prob / 2.0;
        prob
    } else if c == 1 {
        p_mass = if n <= 34 {
            ratio_to_f64(u128::from(n - 1), exact_factorial(n))
        } else {
            (n - 1) as f64 / factorial(n)
        };
        if n < 172 { 2.0 / factorial(n - 1) } else { 0.0 }
    } else if 4 * c == n * (n - 1) && alternative == Alternative::TwoSided {
        1.0
    } else {
        let len = usize::try_from(c + 1).map_err(|_| too_big(n, c))?;
        let mut new = Vec::new();
        crate::memory::reserve(&mut new, len).map_err(|()| too_big(n, c))?;
        new.resize(len, 0.0);
        new[0] = 1.0;
        new[1] = 1.0;
        let scaled = n >= 171;
        for j in 3..=n {
            let mut acc = 0.0;
            for v in new.iter_mut() {
                acc += *v;
                *v = acc;
            }
            if scaled {
                let jf = j as f64;
                new.iter_mut().for_each(|v| *v /= jf);
            }
            if j <= c {
                // new[j:] -= new[:c+1-j], right-hand side taken before the update.
                let j = j as usize;
                for i in (j..len).rev() {
                    new[i] -= new[i - j];
                }
            }
        }
        let last = new[len - 1];
        if scaled {
            p_mass = last / 2.0;
            pairwise_sum(&new)
        } else {
            p_mass = last / factorial(n);
            2.0 * pairwise_sum(&new) / factorial(n)
        }
    };
    if alternative != Alternative::TwoSided {
        if in_right_tail == (alternative == Alternative::Greater) {
            prob /= 2.0;
        } else {
            prob = 1.0 - prob / 2.0 + p_mass;
        }
    }
    Ok(prob.clamp(0.0, 1.0))
}

fn too_big(n: u64, c: u64) -> RankError {
    RankError::invalid(
        "method",
        "\"asymptotic\" for this sample: the exact distribution needs memory for min(P, Q) + 1 values",
        format!("n = {n} with min(P, Q) = {c}"),
    )
}

/// `n!` exactly, for `n <= 34`.
fn exact_factorial(n: u64) -> u128 {
    (1..=u128::from(n)).product()
}

/// Kendall's tau of two variables given as order keys.
pub fn kendall_tau(
    x: &[u64],
    y: &[u64],
    opts: &KendallOptions,
    scratch: &mut KendallScratch,
) -> Result<(Estimate, Status)> {
    check_len_of_x("y", x.len(), y.len())?;
    let counts = kendall_counts(x, y, scratch);
    kendall_from_counts(&counts, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute(x: &[u64], y: &[u64]) -> (u64, u64, u64, u64, u64) {
        // (P, Q, x-only ties, y-only ties, joint ties)
        let (mut p, mut q, mut t, mut u, mut j) = (0, 0, 0, 0, 0);
        for a in 0..x.len() {
            for b in a + 1..x.len() {
                let sx = x[a].cmp(&x[b]);
                let sy = y[a].cmp(&y[b]);
                use std::cmp::Ordering::Equal;
                match (sx, sy) {
                    (Equal, Equal) => j += 1,
                    (Equal, _) => t += 1,
                    (_, Equal) => u += 1,
                    _ if sx == sy => p += 1,
                    _ => q += 1,
                }
            }
        }
        (p, q, t, u, j)
    }

    proptest! {
        #[test]
        fn counts_equal_the_pair_by_pair_definition(
            pairs in prop::collection::vec((0u64..6, 0u64..6), 0..80)
        ) {
            let x: Vec<u64> = pairs.iter().map(|p| p.0).collect();
            let y: Vec<u64> = pairs.iter().map(|p| p.1).collect();
            let (p, q, t, u, j) = brute(&x, &y);
            let mut scratch = KendallScratch::default();
            for c in [
                kendall_counts(&x, &y, &mut scratch),
                kendall_counts_large(&x, &y, &mut scratch),
            ] {
                prop_assert_eq!(c.discordant, q);
                prop_assert_eq!(c.concordant(), p);
                prop_assert_eq!(c.x_ties, t + j);
                prop_assert_eq!(c.y_ties, u + j);
                prop_assert_eq!(c.joint_ties, j);
            }
        }

        #[test]
        fn short_and_long_input_paths_give_the_same_counts(
            levels in 1u64..5000,
            seed in any::<u64>(),
            lens in prop::collection::vec(0usize..2 * SMALL, 1..4),
        ) {
            // One scratch across rows of different lengths, as the batched forms reuse it.
            let mut small = KendallScratch::default();
            let mut large = KendallScratch::default();
            let mut s = seed;
            let mut next = || {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                (s >> 33) % levels
            };
            for n in lens {
                let x: Vec<u64> = (0..n).map(|_| next()).collect();
                let y: Vec<u64> = x.iter().map(|&v| (v + next()) / 2).collect();
                let a = kendall_counts_small(&x, &y, &mut small);
                let b = kendall_counts_large(&x, &y, &mut large);
                prop_assert_eq!(a, b);
            }
        }

        #[test]
        fn merge_and_fenwick_count_the_same_inversions(v in prop::collection::vec(0u32..300, 0..3000)) {
            let k = v.iter().max().map_or(0, |&m| m as usize + 1);
            let f = fenwick_inversions(&v, k);
            let mut w = v.clone();
            let mut buf = vec![0; w.len()];
            prop_assert_eq!(merge_inversions(&mut w, &mut buf), f);
            prop_assert!(w.windows(2).all(|p| p[0] <= p[1]));
        }

        #[test]
        fn tau_is_antisymmetric_and_bounded(v in prop::collection::vec(0u64..1000, 2..60)) {
            let rev: Vec<u64> = v.iter().map(|&a| 10_000 - a).collect();
            let mut s = KendallScratch::default();
            let o = KendallOptions::default();
            let (same, st) = kendall_tau(&v, &v, &o, &mut s).unwrap();
            let (opp, _) = kendall_tau(&v, &rev, &o, &mut s).unwrap();
            if st == Status::Ok {
                prop_assert_eq!(same.statistic, 1.0);
                prop_assert_eq!(opp.statistic, -1.0);
            } else {
                prop_assert!(same.statistic.is_nan());
            }
        }
    }

    #[test]
    fn exact_extremes_are_one_over_n_factorial() {
        for n in 3..12u64 {
            let pairs = n * (n - 1) / 2;
            let p_all = kendall_p_exact(n, pairs, Alternative::Greater).unwrap();
            assert_eq!(p_all, 1.0 / factorial(n), "n = {n}");
        }
        assert!(kendall_p_exact(5, 11, Alternative::TwoSided).is_err());
    }

    #[test]
    fn exact_p_values_match_scipy() {
        // scipy.stats._mstats_basic._kendall_p_exact(n, c, alternative), scipy 1.17.1.
        let cases = [
            (5, 8, Alternative::TwoSided, 0.23333333333333334),
            (10, 30, Alternative::TwoSided, 0.21637345679012346),
            (10, 30, Alternative::Greater, 0.10818672839506173),
            (10, 30, Alternative::Less, 0.9221290784832452),
            (20, 120, Alternative::TwoSided, 0.11260412706479736),
            (40, 500, Alternative::TwoSided, 0.010085673184768811),
            (200, 10_500, Alternative::TwoSided, 0.24584903844309192),
            (200, 1, Alternative::Less, 0.0),
            (25, 1, Alternative::Greater, 1.0),
            (25, 299, Alternative::Less, 1.0),
            (6, 15, Alternative::Less, 1.0),
            (180, 8000, Alternative::Greater, 0.5545322144233078),
        ];
        for (n, c, alt, want) in cases {
            assert_eq!(
                kendall_p_exact(n, c, alt).unwrap(),
                want,
                "n={n} c={c} {alt:?}"
            );
        }
    }

    #[test]
    fn constant_input_and_tiny_samples_give_nan() {
        let mut s = KendallScratch::default();
        let o = KendallOptions::default();
        let (e, st) = kendall_tau(&[1, 1, 1], &[1, 2, 3], &o, &mut s).unwrap();
        assert!(e.statistic.is_nan() && e.pvalue.is_nan() && st == Status::Constant);
        let (e, st) = kendall_tau(&[1], &[2], &o, &mut s).unwrap();
        assert!(e.statistic.is_nan() && st == Status::TooSmall);
        assert!(kendall_tau(&[1, 2], &[1], &o, &mut s).is_err());
        let exact = KendallOptions {
            method: PValueMethod::Exact,
            ..o
        };
        let e = kendall_tau(&[1, 1, 2], &[1, 2, 3], &exact, &mut s).unwrap_err();
        assert!(e.to_string().contains("`method`"), "{e}");
    }
}
