//! Vigna's weighted tau (WWW 2015), as `scipy.stats.weightedtau` computes it.
//!
//! Each element has a rank `r` (0 = most important) and a weight `w(r)`, by default the
//! hyperbolic `w(r) = 1 / (r + 1)`. A pair (exchange) `{i, j}` weighs `w_i + w_j`
//! (additive) or `w_i w_j` (multiplicative). With `tot` the weight of all pairs, `U_x`, `U_y`
//! the weight of the pairs tied in `x`, in `y`, `J` of those tied in both, and `D` of the
//! discordant ones:
//!
//! ```text
//! tau_w = (tot - U_x - U_y + J - 2 D) / sqrt((tot - U_x)(tot - U_y))
//! ```
//!
//! Ranks: the decreasing lexicographic rank by `(x, y)` ([`RankSpec::Lexicographic`], scipy's
//! `rank=None`), the average of the values with the ranks by `(x, y)` and by `(y, x)`
//! ([`RankSpec::Average`], scipy's default `rank=True`), the element index
//! ([`RankSpec::Index`], `rank=False`), or given ranks, replaced by their dense ranks from 0
//! as scipy does ([`RankSpec::Given`]).
//!
//! The discordance weight comes from a weighted merge sort after a lexicographic sort by
//! `(x, y)`, O(n log n). The sort, the merge recursion and every floating-point sum follow
//! scipy's `_weightedrankedtau` step by step, so results are **bit-identical** to scipy's; only
//! the weigher is evaluated once per element instead of once per visit.

use super::order::{PARALLEL_LEN, SortScratch, argsort, dense_ranks};
use super::{Status, Values, check_len_of_x};
use crate::error::{RankError, Result};

/// Where the ranks (importance) of the elements come from.
#[derive(Debug, Clone, Copy)]
pub enum RankSpec<'a> {
    /// Average of the two lexicographic versions, by `(x, y)` and by `(y, x)` (scipy default).
    Average,
    /// Decreasing lexicographic rank by `(x, y)`: the largest `x` (ties: largest `y`) is 0.
    Lexicographic,
    /// The element index is its rank.
    Index,
    /// Given ranks (their order keys), replaced by dense ranks 0, 1, ... (NaN first).
    Given(&'a [u64]),
}

/// The weight of each rank.
#[derive(Debug, Clone, Copy)]
pub enum Weigher<'a> {
    /// `w(r) = 1 / (r + 1)` (scipy's default).
    Hyperbolic,
    /// `w(r) = table[r]`; the table must cover every rank used.
    Table(&'a [f64]),
}

impl Weigher<'_> {
    #[inline]
    fn weight(&self, r: u32) -> f64 {
        match self {
            Weigher::Hyperbolic => 1.0 / f64::from(r + 1),
            Weigher::Table(t) => t[r as usize],
        }
    }
}

/// Buffers reused across rows by [`weighted_tau`].
#[derive(Debug, Default)]
pub struct WeightedScratch {
    a: DirectionScratch,
    b: DirectionScratch,
    sort: SortScratch,
    order: Vec<u32>,
    rank: Vec<u32>,
    groups: Vec<u32>,
}

#[derive(Debug, Default)]
struct DirectionScratch {
    sort: SortScratch,
    order_y: Vec<u32>,
    keys: Vec<u64>,
    pos: Vec<u32>,
    rank: Vec<u32>,
    /// x, y and weight of the elements in (x, y) order; the merge sort permutes `ys` and `ws`.
    xs: Vec<u64>,
    ys: Vec<u64>,
    ws: Vec<f64>,
    temp_y: Vec<u64>,
    temp_w: Vec<f64>,
}

/// Weighted tau of `x` and `y` (order keys; NaN has key 0, the smallest).
///
/// `n < 2` gives NaN ([`Status::TooSmall`]); a constant `x` or `y` gives NaN
/// ([`Status::Constant`]). A weigher table shorter than the largest rank is an error.
pub fn weighted_tau(
    x: &[u64],
    y: &[u64],
    rank: RankSpec<'_>,
    weigher: Weigher<'_>,
    additive: bool,
    scratch: &mut WeightedScratch,
) -> Result<(f64, Status)> {
    let n = x.len();
    check_len_of_x("y", n, y.len())?;
    if let RankSpec::Given(r) = rank {
        check_len_of_x("rank", n, r.len())?;
    }
    if n < 2 {
        return Ok((f64::NAN, Status::TooSmall));
    }
    if let Weigher::Table(t) = weigher
        && t.len() < n
    {
        return Err(RankError::shape(
            "weigher",
            format!("a weight for every rank 0..{n}"),
            format!("{} weights", t.len()),
        ));
    }
    let WeightedScratch {
        a,
        b,
        sort,
        order,
        rank: given,
        groups,
    } = scratch;
    let fixed: Option<&[u32]> = match rank {
        RankSpec::Given(keys) => {
            argsort(keys, order, sort);
            dense_ranks(keys, order, given, groups);
            Some(given)
        }
        RankSpec::Index => {
            given.clear();
            #[allow(clippy::cast_possible_truncation)]
            given.extend(0..n as u32);
            Some(given)
        }
        RankSpec::Average | RankSpec::Lexicographic => None,
    };
    let tau = match rank {
        RankSpec::Average => {
            let (t1, t2) = if n >= PARALLEL_LEN {
                rayon::join(
                    || ranked_tau(x, y, None, weigher, additive, a),
                    || ranked_tau(y, x, None, weigher, additive, b),
                )
            } else {
                (
                    ranked_tau(x, y, None, weigher, additive, a),
                    ranked_tau(y, x, None, weigher, additive, b),
                )
            };
            (t1 + t2) / 2.0
        }
        _ => ranked_tau(x, y, fixed, weigher, additive, a),
    };
    let status = if tau.is_nan() {
        Status::Constant
    } else {
        Status::Ok
    };
    Ok((tau, status))
}

/// Weighted tau of `x` and `y` given as [`Values`], ranks as in [`weighted_tau`].
pub fn weighted_tau_values(
    x: Values<'_>,
    y: Values<'_>,
    rank: RankSpec<'_>,
    weigher: Weigher<'_>,
    additive: bool,
) -> Result<(f64, Status)> {
    let (mut kx, mut ky) = (Vec::new(), Vec::new());
    x.keys_into(&mut kx);
    y.keys_into(&mut ky);
    weighted_tau(
        &kx,
        &ky,
        rank,
        weigher,
        additive,
        &mut WeightedScratch::default(),
    )
}

/// scipy's `_weightedrankedtau(x, y, rank, weigher, additive)`.
///
/// scipy sorts a permutation and looks `y` and the weights up through it; here the values
/// travel with the sort instead (the same elements meet in the same order, so every sum is
/// the same), which keeps the merge passes sequential in memory.
#[allow(clippy::cast_precision_loss)]
fn ranked_tau(
    x: &[u64],
    y: &[u64],
    rank: Option<&[u32]>,
    weigher: Weigher<'_>,
    additive: bool,
    s: &mut DirectionScratch,
) -> f64 {
    let n = x.len();
    let DirectionScratch {
        sort,
        order_y,
        keys,
        pos,
        rank: own_rank,
        xs,
        ys,
        ws,
        temp_y,
        temp_w,
    } = s;
    // np.lexsort((y, x)): stable by y, then stable by x.
    argsort(y, order_y, sort);
    keys.clear();
    keys.extend(order_y.iter().map(|&i| x[i as usize]));
    argsort(keys, pos, sort);
    // `pos` lists, in (x, y) order, positions into `order_y`.
    let element = |p: u32| order_y[p as usize] as usize;
    let rank: &[u32] = match rank {
        Some(r) => r,
        None => {
            // Reverse the permutation (larger values first) and invert it.
            own_rank.clear();
            own_rank.resize(n, 0);
            for (k, &p) in pos.iter().rev().enumerate() {
                #[allow(clippy::cast_possible_truncation)]
                {
                    own_rank[element(p)] = k as u32;
                }
            }
            own_rank
        }
    };
    xs.clear();
    ys.clear();
    ws.clear();
    for &p in pos.iter() {
        let i = element(p);
        xs.push(x[i]);
        ys.push(y[i]);
        ws.push(weigher.weight(rank[i]));
    }
    let pair_weight = |s: f64, sq: f64, count: usize| -> f64 {
        if additive {
            s * (count as f64)
        } else {
            (s * s - sq) / 2.0
        }
    };
    // Weight of the pairs inside runs of `same` consecutive elements, and the start of the
    // last run (0 when everything is one run).
    let tied = |same: &dyn Fn(usize, usize) -> bool, ws: &[f64]| -> (f64, usize) {
        let mut first = 0usize;
        let mut total = 0.0;
        let (mut s, mut sq) = (ws[0], ws[0] * ws[0]);
        for (i, &wi) in ws.iter().enumerate().skip(1) {
            if !same(first, i) {
                total += pair_weight(s, sq, i - first - 1);
                first = i;
                s = 0.0;
                sq = 0.0;
            }
            s += wi;
            sq += wi * wi;
        }
        total += pair_weight(s, sq, n - first - 1);
        (total, first)
    };
    let (t, _) = tied(&|a, b| xs[a] == xs[b] && ys[a] == ys[b], ws);
    let (u, first) = tied(&|a, b| xs[a] == xs[b], ws);
    if first == 0 {
        return f64::NAN; // x is constant
    }
    let mut exchanges = 0.0;
    temp_y.clear();
    temp_y.resize(n, 0);
    temp_w.clear();
    temp_w.resize(n, 0.0);
    weigh(ys, ws, temp_y, temp_w, additive, &mut exchanges);
    let (v, first) = tied(&|a, b| ys[a] == ys[b], ws);
    if first == 0 {
        return f64::NAN; // y is constant
    }
    let (mut sum, mut sq) = (0.0, 0.0);
    for &wi in ws.iter() {
        sum += wi;
        sq += wi * wi;
    }
    let tot = pair_weight(sum, sq, n - 1);
    let tau = ((tot - (v + u - t)) - 2.0 * exchanges) / (tot - u).sqrt() / (tot - v).sqrt();
    // Python's min(1., max(-1., tau)).
    let tau = if tau > -1.0 { tau } else { -1.0 };
    if tau < 1.0 { tau } else { 1.0 }
}

/// The weighted merge sort of scipy's `weigh(offset, length)`: sorts `ys` (carrying `ws`),
/// adds the weight of the exchanged pairs to `exchanges`, returns the total weight.
#[allow(clippy::cast_precision_loss)]
fn weigh(
    ys: &mut [u64],
    ws: &mut [f64],
    ty: &mut [u64],
    tw: &mut [f64],
    additive: bool,
    exchanges: &mut f64,
) -> f64 {
    let length = ys.len();
    if length == 1 {
        return ws[0];
    }
    let length0 = length / 2;
    let length1 = length - length0;
    let mut residual = weigh(
        &mut ys[..length0],
        &mut ws[..length0],
        ty,
        tw,
        additive,
        exchanges,
    );
    let weight = weigh(
        &mut ys[length0..],
        &mut ws[length0..],
        ty,
        tw,
        additive,
        exchanges,
    ) + residual;
    if ys[length0 - 1] < ys[length0] {
        return weight;
    }
    // Branch-free merge: adding or subtracting 0.0 leaves a sum exactly as it is, so every
    // running sum sees the same operations as scipy's branching loop.
    let (mut i, mut j, mut k) = (0usize, 0usize, 0usize);
    while j < length0 && k < length1 {
        let (yl, yr) = (ys[j], ys[length0 + k]);
        let (wl, wr) = (ws[j], ws[length0 + k]);
        let left = yl <= yr;
        ty[i] = if left { yl } else { yr };
        tw[i] = if left { wl } else { wr };
        residual -= if left { wl } else { 0.0 };
        let gain = if additive {
            wr * ((length0 - j) as f64) + residual
        } else {
            wr * residual
        };
        *exchanges += if left { 0.0 } else { gain };
        j += usize::from(left);
        k += usize::from(!left);
        i += 1;
    }
    ys.copy_within(j..length0, i);
    ws.copy_within(j..length0, i);
    ys[..i].copy_from_slice(&ty[..i]);
    ws[..i].copy_from_slice(&tw[..i]);
    weight
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, pair by pair, for given ranks.
    fn brute(x: &[u64], y: &[u64], rank: &[u32], additive: bool) -> f64 {
        let w = |i: usize| 1.0 / f64::from(rank[i] + 1);
        let (mut tot, mut ux, mut uy, mut j, mut d) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for a in 0..x.len() {
            for b in a + 1..x.len() {
                let pw = if additive { w(a) + w(b) } else { w(a) * w(b) };
                tot += pw;
                let tx = x[a] == x[b];
                let ty = y[a] == y[b];
                if tx {
                    ux += pw;
                }
                if ty {
                    uy += pw;
                }
                if tx && ty {
                    j += pw;
                }
                if !tx && !ty && ((x[a] < x[b]) != (y[a] < y[b])) {
                    d += pw;
                }
            }
        }
        (tot - ux - uy + j - 2.0 * d) / ((tot - ux) * (tot - uy)).sqrt()
    }

    proptest! {
        #[test]
        fn merge_sort_weights_equal_the_pair_definition(
            pairs in prop::collection::vec((0u64..5, 0u64..5), 2..40),
            additive in any::<bool>(),
        ) {
            let x: Vec<u64> = pairs.iter().map(|p| p.0).collect();
            let y: Vec<u64> = pairs.iter().map(|p| p.1).collect();
            let mut s = WeightedScratch::default();
            let (got, st) = weighted_tau(&x, &y, RankSpec::Index, Weigher::Hyperbolic, additive, &mut s).unwrap();
            let ranks: Vec<u32> = (0..x.len() as u32).collect();
            if st == Status::Ok {
                let want = brute(&x, &y, &ranks, additive);
                prop_assert!((got - want.clamp(-1.0, 1.0)).abs() < 1e-12, "{got} vs {want}");
            } else {
                prop_assert!(got.is_nan());
            }
        }

        #[test]
        fn average_rank_is_symmetric(pairs in prop::collection::vec((0u64..9, 0u64..9), 2..50)) {
            let x: Vec<u64> = pairs.iter().map(|p| p.0).collect();
            let y: Vec<u64> = pairs.iter().map(|p| p.1).collect();
            let mut s = WeightedScratch::default();
            let (a, _) = weighted_tau(&x, &y, RankSpec::Average, Weigher::Hyperbolic, true, &mut s).unwrap();
            let (b, _) = weighted_tau(&y, &x, RankSpec::Average, Weigher::Hyperbolic, true, &mut s).unwrap();
            prop_assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
        }
    }

    #[test]
    fn scipy_docstring_examples() {
        // x = [12, 2, 1, 12, 2], y = [1, 4, 7, 1, 0] (scipy.stats.weightedtau docstring).
        let x = [12u64, 2, 1, 12, 2];
        let y = [1u64, 4, 7, 1, 0];
        let mut s = WeightedScratch::default();
        let run = |r: RankSpec<'_>, add: bool, s: &mut WeightedScratch| {
            weighted_tau(&x, &y, r, Weigher::Hyperbolic, add, s)
                .unwrap()
                .0
        };
        assert_eq!(run(RankSpec::Average, true, &mut s), -0.5669496815368272);
        assert_eq!(run(RankSpec::Average, false, &mut s), -0.6220571695180104);
        assert_eq!(
            run(RankSpec::Lexicographic, true, &mut s),
            -0.4157652301037516
        );
        let ones = [1.0; 5];
        let (t, _) = weighted_tau(
            &x,
            &y,
            RankSpec::Average,
            Weigher::Table(&ones),
            true,
            &mut s,
        )
        .unwrap();
        assert_eq!(t, -0.47140452079103173);
        let (t, st) = weighted_tau(
            &[1, 1, 1],
            &[1, 2, 3],
            RankSpec::Average,
            Weigher::Hyperbolic,
            true,
            &mut s,
        )
        .unwrap();
        assert!(t.is_nan() && st == Status::Constant);
    }
}
