//! Abstention: MTEB's confidence scores and normalised area under the abstention curve (nAUC).
//!
//! Gisserot-Boukhlef, Faysse, Malherbe, Hudelot & Colombo, "Towards trustworthy reranking: a
//! simple yet effective abstention mechanism" (arXiv 2402.12997), as MTEB 2.26 computes it
//! (`mteb/_evaluators/retrieval_metrics.py`: `confidence_scores`, `nauc`):
//!
//! * a query's confidence is computed from all its scores: `max`, `std` (numpy's population
//!   standard deviation) or `diff1` (the highest score minus the second highest; 0 with fewer
//!   than two scores; every confidence is 0 for a query without scores);
//! * the abstention curve at rate `r` is the mean per-query value of the queries kept after
//!   abstaining on the `min(round(r n), n - 1)` least confident ones (`round`: half to even,
//!   Python's); each group of equal confidences contributes its mean value, so which member
//!   of a tied group is dropped does not matter (MTEB #5613);
//! * the oracle curve abstains on the lowest values, the flat one keeps the curve's value at
//!   the first rate; areas are trapezoids over the rates (scikit-learn's `auc`), and
//!   `nAUC = (auc - flat) / (oracle - flat)`, NaN when `oracle == flat`.
//!
//! Sums follow numpy's order of operations (pairwise summation in blocks of eight, [`np_sum`]),
//! so that values equal MTEB's to the last bit, not only to rounding.

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::ragged::Ragged;
use crate::special::numpy_pairwise_sum;

/// numpy's `np.add.reduce` over a contiguous float64 array: `pairwise_sum` of
/// `numpy/_core/src/umath/loops_utils.h.src` (blocks of 128, eight accumulators), added to
/// the reduction's initial 0.
pub fn np_sum(a: &[f64]) -> f64 {
    0.0 + numpy_pairwise_sum(a)
}

/// numpy's `np.mean` of a contiguous float64 array (NaN when empty).
#[allow(clippy::cast_precision_loss)]
pub fn np_mean(a: &[f64]) -> f64 {
    np_sum(a) / a.len() as f64
}

/// MTEB's confidence functions, in its order (`confidence_scores`' keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// The highest score.
    Max,
    /// The population standard deviation of the scores (`np.std`).
    Std,
    /// The highest score minus the second highest.
    Diff1,
}

impl Confidence {
    /// Every function, in MTEB's order.
    pub const ALL: [Confidence; 3] = [Confidence::Max, Confidence::Std, Confidence::Diff1];

    /// MTEB's name (the suffix of `nAUC_{metric}_{name}`).
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Max => "max",
            Confidence::Std => "std",
            Confidence::Diff1 => "diff1",
        }
    }
}

/// `[max, std, diff1]` of one query's scores, as MTEB's `confidence_scores`.
#[allow(clippy::cast_precision_loss)]
pub fn confidence(scores: &[f64]) -> [f64; 3] {
    if scores.is_empty() {
        return [0.0; 3];
    }
    let (mut first, mut second) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for &s in scores {
        if s > first {
            second = first;
            first = s;
        } else if s > second {
            second = s;
        }
    }
    let n = scores.len() as f64;
    let mean = np_sum(scores) / n;
    let squares: Vec<f64> = scores
        .iter()
        .map(|&s| {
            let d = s - mean;
            d * d
        })
        .collect();
    let std = (np_sum(&squares) / n).sqrt();
    let diff1 = if scores.len() > 1 {
        first - second
    } else {
        0.0
    };
    [first, std, diff1]
}

/// [`confidence`] of every row, in parallel across rows; scores must be finite.
///
/// # Errors
/// [`RankError::NonFinite`] for a NaN or infinite score.
pub fn confidences(scores: &Ragged<'_, f64>) -> Result<Vec<[f64; 3]>> {
    if let Some(i) = scores.values().iter().position(|s| !s.is_finite()) {
        return Err(RankError::InvalidValue {
            argument: "scores".into(),
            expected: "finite numbers".into(),
            got: format!("{} at index {i}", scores.values()[i]),
        });
    }
    Ok((0..scores.rows())
        .into_par_iter()
        .map(|q| confidence(scores.row(q)))
        .collect())
}

/// MTEB's `abstention_curve`: the mean value kept at each rate, abstaining on the least
/// confident queries first (tied confidences share their group's mean value).
fn abstention_curve(conf: &[f64], values: &[f64], rates: &[f64]) -> Vec<f64> {
    let n = conf.len();
    let mut order: Vec<usize> = (0..n).collect();
    // numpy's stable argsort (-0.0 and 0.0 tie, as in numpy; inputs are finite)
    order.sort_by(|&a, &b| conf[a].partial_cmp(&conf[b]).unwrap_or(Ordering::Equal));
    let mut sorted: Vec<f64> = order.iter().map(|&i| values[i]).collect();
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && conf[order[end]] == conf[order[start]] {
            end += 1;
        }
        if end - start > 1 {
            // np.add.reduceat: the group's first value plus the pairwise sum of the rest
            let group = &sorted[start..end];
            #[allow(clippy::cast_precision_loss)]
            let mean = (group[0] + numpy_pairwise_sum(&group[1..])) / (end - start) as f64;
            sorted[start..end].fill(mean);
        }
        start = end;
    }
    rates
        .iter()
        .map(|&r| {
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let dropped = ((r * n as f64).round_ties_even() as usize).min(n - 1);
            np_mean(&sorted[dropped..])
        })
        .collect()
}

/// scikit-learn's `auc` for increasing `x`: `np.trapezoid(y, x)`,
/// `add.reduce(diff(x) * (y[1:] + y[:-1]) / 2.0)`.
fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    let terms: Vec<f64> = x
        .windows(2)
        .zip(y.windows(2))
        .map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0)
        .collect();
    np_sum(&terms)
}

fn check_rates(rates: &[f64]) -> Result<()> {
    let ok = rates.len() >= 2
        && rates.iter().all(|r| (0.0..=1.0).contains(r))
        && rates.windows(2).all(|w| w[0] <= w[1]);
    if ok {
        Ok(())
    } else {
        Err(RankError::InvalidValue {
            argument: "abstention_rates".into(),
            expected: "at least two non-decreasing rates in [0, 1]".into(),
            got: format!("{rates:?}").chars().take(200).collect(),
        })
    }
}

/// MTEB's `nauc(conf_scores, metrics, abstention_rates)`: NaN when the oracle curve is flat
/// (every value the same, so abstaining cannot help).
///
/// # Errors
/// [`RankError::Shape`] when the lengths differ or no query is given;
/// [`RankError::InvalidValue`] for non-finite inputs or rates that are not at least two
/// non-decreasing numbers in `[0, 1]`.
pub fn nauc(conf: &[f64], values: &[f64], rates: &[f64]) -> Result<f64> {
    if conf.len() != values.len() || conf.is_empty() {
        return Err(RankError::Shape {
            argument: "values".into(),
            expected: format!(
                "one value per confidence (at least one query), length {}",
                conf.len()
            ),
            got: format!("length {}", values.len()),
        });
    }
    for (name, a) in [("confidence", conf), ("values", values)] {
        if let Some(i) = a.iter().position(|x| !x.is_finite()) {
            return Err(RankError::InvalidValue {
                argument: name.into(),
                expected: "finite numbers".into(),
                got: format!("{} at index {i}", a[i]),
            });
        }
    }
    check_rates(rates)?;
    let curve = abstention_curve(conf, values, rates);
    let oracle = abstention_curve(values, values, rates);
    let area = trapezoid(rates, &curve);
    let oracle_area = trapezoid(rates, &oracle);
    let flat_area = oracle[0] * (rates[rates.len() - 1] - rates[0]);
    #[allow(clippy::float_cmp)]
    Ok(if oracle_area == flat_area {
        f64::NAN
    } else {
        (area - flat_area) / (oracle_area - flat_area)
    })
}

/// [`nauc`] of several value columns against several confidence columns, in parallel:
/// `out[m * confs.len() + c]` for value column `m` and confidence column `c`.
///
/// # Errors
/// As [`nauc`].
pub fn nauc_table(confs: &[&[f64]], values: &[&[f64]], rates: &[f64]) -> Result<Vec<f64>> {
    let pairs: Vec<(usize, usize)> = (0..values.len())
        .flat_map(|m| (0..confs.len()).map(move |c| (m, c)))
        .collect();
    pairs
        .into_par_iter()
        .map(|(m, c)| nauc(confs[c], values[m], rates))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_plain_sum_on_exact_values() {
        let a: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(np_sum(&a), 499_500.0);
        assert_eq!(np_sum(&[]), 0.0);
    }

    #[test]
    fn confidence_of_a_small_query() {
        let c = confidence(&[1.0, 3.0, 2.0]);
        assert_eq!(c[0], 3.0);
        assert!((c[1] - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(c[2], 1.0);
        assert_eq!(confidence(&[5.0]), [5.0, 0.0, 0.0]);
        assert_eq!(confidence(&[]), [0.0; 3]);
    }

    #[test]
    fn oracle_confidence_gives_one_and_flat_values_nan() {
        let rates: Vec<f64> = (0..10).map(|i| f64::from(i) * 0.1).collect();
        let values = [0.1, 0.9, 0.4, 0.7, 0.0, 1.0, 0.3, 0.2, 0.8, 0.6];
        assert!((nauc(&values, &values, &rates).unwrap() - 1.0).abs() < 1e-12);
        assert!(nauc(&values, &[0.5; 10], &rates).unwrap().is_nan());
        assert!(nauc(&values, &[0.5; 9], &rates).is_err());
        assert!(nauc(&values, &values, &[0.5]).is_err());
    }
}
