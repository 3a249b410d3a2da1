//! Spearman's rank correlation with mid-ranks for ties, and its t-test p-value.
//!
//! `rho` is Pearson's correlation of the average ranks (`scipy.stats.rankdata`'s
//! `"average"`): with ties this differs from `1 - 6 sum d^2 / (n (n^2 - 1))`, which only holds
//! without them. Doubled mid-ranks are integers, so the centred sums of squares and products
//!
//! ```text
//! S_xy = n sum (2 r_x)(2 r_y) - (sum 2 r_x)(sum 2 r_y)        (and S_xx, S_yy alike)
//! rho  = S_xy / sqrt(S_xx S_yy)
//! ```
//!
//! are computed exactly in integers; only the final square root and division round. scipy
//! goes through floating-point means and a BLAS product and can be off by an ulp or two
//! (`scipy.stats.spearmanr(x, x)` may print `0.9999999999999999`, here it is `1.0`).
//!
//! p-value (scipy's): `t = rho sqrt((n - 2) / ((1 + rho)(1 - rho)))`, Student t with `n - 2`
//! degrees of freedom.

use rayon::prelude::*;

use super::order::{PARALLEL_LEN, SortScratch, argsort};
use super::{Alternative, Estimate, Status};
use crate::special::student_t_cdf;

/// Buffers reused across rows by [`spearman`].
#[derive(Debug, Default)]
pub struct SpearmanScratch {
    sort_x: SortScratch,
    sort_y: SortScratch,
    order_x: Vec<u32>,
    order_y: Vec<u32>,
    ranks_x: Vec<u64>,
    ranks_y: Vec<u64>,
}

/// Doubled mid-ranks (`2 * average rank`, 1-based) of `keys` along their sorted `order`,
/// written into `out`; returns `sum (2 r)^2`.
fn doubled_midranks(keys: &[u64], order: &[u32], out: &mut Vec<u64>) -> u128 {
    out.clear();
    out.resize(keys.len(), 0);
    let mut sum_sq = 0u128;
    let mut start = 0usize;
    let n = order.len();
    while start < n {
        let k = keys[order[start] as usize];
        let mut end = start + 1;
        while end < n && keys[order[end] as usize] == k {
            end += 1;
        }
        // Ranks start+1..=end share (start + 1 + end) / 2.
        let doubled = (start + 1 + end) as u64;
        for &i in &order[start..end] {
            out[i as usize] = doubled;
        }
        sum_sq += (end - start) as u128 * u128::from(doubled) * u128::from(doubled);
        start = end;
    }
    sum_sq
}

/// Spearman's rho of two variables given as order keys, with the p-value of `rho = 0`.
///
/// Fewer than two observations give NaN ([`Status::TooSmall`]); a constant variable gives
/// NaN ([`Status::Constant`]); `n = 2` gives `rho = +-1` with a NaN p-value (0 degrees of
/// freedom), as scipy.
pub fn spearman(
    x: &[u64],
    y: &[u64],
    alternative: Alternative,
    scratch: &mut SpearmanScratch,
) -> (Estimate, Status) {
    let n = x.len().min(y.len());
    if n < 2 {
        return (Estimate::NAN, Status::TooSmall);
    }
    let (x, y) = (&x[..n], &y[..n]);
    let SpearmanScratch {
        sort_x,
        sort_y,
        order_x,
        order_y,
        ranks_x,
        ranks_y,
    } = scratch;
    let side = |keys: &[u64], order: &mut Vec<u32>, s: &mut SortScratch, r: &mut Vec<u64>| {
        argsort(keys, order, s);
        doubled_midranks(keys, order, r)
    };
    let (sxx_raw, syy_raw) = if n >= PARALLEL_LEN {
        rayon::join(
            || side(x, order_x, sort_x, ranks_x),
            || side(y, order_y, sort_y, ranks_y),
        )
    } else {
        (
            side(x, order_x, sort_x, ranks_x),
            side(y, order_y, sort_y, ranks_y),
        )
    };
    let sxy_raw: u128 = if n >= PARALLEL_LEN {
        ranks_x
            .par_iter()
            .zip(ranks_y.par_iter())
            .map(|(&a, &b)| u128::from(a * b))
            .sum()
    } else {
        ranks_x
            .iter()
            .zip(ranks_y.iter())
            .map(|(&a, &b)| u128::from(a * b))
            .sum()
    };
    let n128 = n as u128;
    let total = n128 * (n128 + 1); // sum of doubled ranks
    let centre = total * total;
    let sxx = n128 * sxx_raw - centre;
    let syy = n128 * syy_raw - centre;
    if sxx == 0 || syy == 0 {
        return (Estimate::NAN, Status::Constant);
    }
    let sxy = i128::try_from(n128 * sxy_raw).unwrap_or(i128::MAX)
        - i128::try_from(centre).unwrap_or(i128::MAX);
    #[allow(clippy::cast_precision_loss)]
    let rho = (sxy as f64 / ((sxx as f64) * (syy as f64)).sqrt()).clamp(-1.0, 1.0);
    (
        Estimate {
            statistic: rho,
            pvalue: spearman_pvalue(rho, n as u64, alternative),
        },
        Status::Ok,
    )
}

/// scipy's t-test of Spearman's rho: `t = rho sqrt(dof / ((rho + 1)(1 - rho)))`,
/// `dof = n - 2`, `clip(0)` before the root, Student t tail(s).
#[allow(clippy::cast_precision_loss)]
pub fn spearman_pvalue(rho: f64, n: u64, alternative: Alternative) -> f64 {
    let dof = n as f64 - 2.0;
    let ratio = dof / ((rho + 1.0) * (1.0 - rho));
    let ratio = if ratio < 0.0 { 0.0 } else { ratio }; // NaN stays NaN, as np.clip
    let t = rho * ratio.sqrt();
    match alternative {
        Alternative::Less => student_t_cdf(dof, t),
        Alternative::Greater => student_t_cdf(dof, -t),
        Alternative::TwoSided => 2.0 * student_t_cdf(dof, -t.abs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pearson_of_midranks(x: &[u64], y: &[u64]) -> f64 {
        let rank = |v: &[u64]| -> Vec<f64> {
            v.iter()
                .map(|a| {
                    let less = v.iter().filter(|b| *b < a).count() as f64;
                    let equal = v.iter().filter(|b| *b == a).count() as f64;
                    less + (equal + 1.0) / 2.0
                })
                .collect()
        };
        let (rx, ry) = (rank(x), rank(y));
        let n = rx.len() as f64;
        let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
        let sxy: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
        let sxx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
        let syy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
        sxy / (sxx * syy).sqrt()
    }

    proptest! {
        #[test]
        fn rho_is_pearson_of_midranks(pairs in prop::collection::vec((0u64..8, 0u64..8), 3..60)) {
            let x: Vec<u64> = pairs.iter().map(|p| p.0).collect();
            let y: Vec<u64> = pairs.iter().map(|p| p.1).collect();
            let (e, st) = spearman(&x, &y, Alternative::TwoSided, &mut SpearmanScratch::default());
            if st == Status::Ok {
                let want = pearson_of_midranks(&x, &y);
                prop_assert!((e.statistic - want).abs() < 1e-12, "{} vs {}", e.statistic, want);
                prop_assert!((0.0..=1.0).contains(&e.pvalue));
            } else {
                prop_assert_eq!(st, Status::Constant);
            }
        }

        #[test]
        fn identical_rankings_give_exactly_one(v in prop::collection::vec(0u64..1000, 3..200)) {
            let (e, st) = spearman(&v, &v, Alternative::TwoSided, &mut SpearmanScratch::default());
            if st == Status::Ok {
                prop_assert_eq!(e.statistic, 1.0);
                prop_assert_eq!(e.pvalue, 0.0);
            }
        }
    }

    #[test]
    fn two_observations_have_no_pvalue() {
        let (e, _) = spearman(
            &[1, 2],
            &[2, 1],
            Alternative::TwoSided,
            &mut SpearmanScratch::default(),
        );
        assert_eq!(e.statistic, -1.0);
        assert!(e.pvalue.is_nan());
    }
}
