//! Effect sizes and confidence intervals of paired per-query values.
//!
//! * [`effect_size`]: standardised mean differences of paired values (Cohen's d of the
//!   differences, Glass's delta, Hedges' g);
//! * [`t_interval`]: the Student t confidence interval of a mean, as
//!   `scipy.stats.ttest_1samp(x, 0).confidence_interval()`, and [`paired_t_interval`], that
//!   of a mean difference, as `scipy.stats.ttest_rel(x, y).confidence_interval()`;
//! * [`margin_of_error`]: the half-width of a two-sided t interval, elinor's "MOE";
//! * [`pairwise_effect_sizes`] and [`pairwise_intervals`]: the same between every pair of
//!   systems, pairs in parallel.

use rayon::prelude::*;

use crate::compare::stats::Alternative;
use crate::error::{RankError, Result};
use crate::special::{ln_gamma_ratio_half, student_t_ppf};

/// A standardised mean difference between paired values `x` (the system) and `y` (the
/// baseline), with `d = x - y` over `n` queries and standard deviations with `n - 1`:
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectSize {
    /// Cohen's d of the differences (`d_z`): `mean(d) / sd(d)` (Cohen, *Statistical Power
    /// Analysis for the Behavioral Sciences*, 2nd ed. 1988, eq. 2.3.5; Lakens, Front. Psychol.
    /// 4:863, 2013, eq. 6).
    CohensD,
    /// Glass's delta: `mean(d) / sd(y)`, the baseline's standard deviation (Glass, Educ. Res.
    /// 5(10), 1976; Hedges & Olkin, *Statistical Methods for Meta-Analysis*, 1985, p. 78).
    GlassDelta,
    /// Hedges' g: Cohen's d times the small-sample correction
    /// `J(m) = Gamma(m / 2) / (sqrt(m / 2) Gamma((m - 1) / 2))`, `m = n - 1` (Hedges, J. Educ.
    /// Stat. 6(2), 1981, eq. 6e), which makes it unbiased; needs `n >= 3` (`J(1) = 0`).
    HedgesG,
}

crate::choice!(EffectSize, "kind", {
    "cohens_d" => EffectSize::CohensD,
    "glass_delta" => EffectSize::GlassDelta,
    "hedges_g" => EffectSize::HedgesG,
});

/// Mean and sample standard deviation (`n - 1`) of `v`, `v.len() >= 2`.
#[allow(clippy::cast_precision_loss)]
fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    // Equal values have no spread; the two-pass variance would keep the rounding of a mean
    // that is not representable (0.3 three times: sd 1e-17, Glass's delta -3.7e15, not -inf).
    if v.iter().all(|&a| a == v[0]) {
        return (mean, 0.0);
    }
    let var = v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

fn check_values(name: &str, v: &[f64], minimum: usize) -> Result<()> {
    if v.len() < minimum {
        return Err(RankError::invalid(
            name,
            format!("at least {minimum} values"),
            format!("{} values", v.len()),
        ));
    }
    if let Some(a) = v.iter().find(|a| !a.is_finite()) {
        return Err(RankError::invalid(name, "finite values", a));
    }
    Ok(())
}

fn check_pair(x: &[f64], y: &[f64], minimum: usize) -> Result<Vec<f64>> {
    check_values("x", x, minimum)?;
    check_values("y", y, minimum)?;
    if x.len() != y.len() {
        return Err(RankError::shape(
            "y",
            format!("as many values as x ({})", x.len()),
            format!("{} values", y.len()),
        ));
    }
    Ok(x.iter().zip(y).map(|(a, b)| a - b).collect())
}

/// `mean / sd`, with `0 / 0 = 0` (no difference at all) and `m / 0 = +-inf` (a difference
/// without any spread), never NaN.
pub(crate) fn standardise(mean: f64, sd: f64) -> f64 {
    if sd == 0.0 {
        if mean == 0.0 {
            0.0
        } else {
            mean.signum() * f64::INFINITY
        }
    } else {
        mean / sd
    }
}

/// Hedges' correction `J(m)` for `m >= 2` degrees of freedom, through
/// `ln(Gamma(a + 1/2) / Gamma(a))` with `a = (m - 1) / 2`.
fn hedges_correction(m: f64) -> f64 {
    ln_gamma_ratio_half(0.5 * (m - 1.0)).exp() / (0.5 * m).sqrt()
}

/// The effect size `kind` of `x` over `y` (paired, same length; see [`EffectSize`]). Needs at
/// least 2 pairs (3 for Hedges' g) and finite values. Without spread in the denominator the
/// result is 0 when the mean difference is 0, else an infinity of its sign.
pub fn effect_size(x: &[f64], y: &[f64], kind: EffectSize) -> Result<f64> {
    let minimum = if kind == EffectSize::HedgesG { 3 } else { 2 };
    let d = check_pair(x, y, minimum)?;
    let (mean, sd) = mean_sd(&d);
    Ok(match kind {
        EffectSize::CohensD => standardise(mean, sd),
        EffectSize::GlassDelta => standardise(mean, mean_sd(y).1),
        EffectSize::HedgesG => {
            #[allow(clippy::cast_precision_loss)]
            let m = (d.len() - 1) as f64;
            standardise(mean, sd) * hedges_correction(m)
        }
    })
}

/// Runs `f` on every pair `(i, j)`, `i != j`, of `k` systems in parallel; returns a `k x k`
/// row-major matrix with `diagonal` on the diagonal.
fn pairwise_map<T: Copy + Send>(
    k: usize,
    diagonal: T,
    f: impl Fn(usize, usize) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let cells: Vec<(usize, usize)> = (0..k)
        .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
        .collect();
    let values = crate::parallel::install(|| {
        cells
            .par_iter()
            .map(|&(i, j)| f(i, j))
            .collect::<Result<Vec<T>>>()
    })?;
    let mut out = vec![diagonal; k * k];
    for (&(i, j), v) in cells.iter().zip(values) {
        out[i * k + j] = v;
    }
    Ok(out)
}

/// Effect sizes between every pair of systems (`rows[i]`: system `i`'s per-query values), a
/// `k x k` row-major matrix: entry `(i, j)` is system `i`'s effect over baseline `j`; zeros on
/// the diagonal.
pub fn pairwise_effect_sizes(rows: &[&[f64]], kind: EffectSize) -> Result<Vec<f64>> {
    pairwise_map(rows.len(), 0.0, |i, j| effect_size(rows[i], rows[j], kind))
}

fn check_confidence(confidence: f64) -> Result<()> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(RankError::invalid(
            "confidence",
            "a number in (0, 1)",
            confidence,
        ));
    }
    Ok(())
}

/// Student t confidence interval of the mean of `v` at level `confidence`, as
/// `scipy.stats.ttest_1samp(v, 0, alternative=...).confidence_interval(confidence)`:
/// `mean -+ t_q sd / sqrt(n)` with `t_q` the `(1 + confidence) / 2` quantile of t with `n - 1`
/// degrees of freedom (two-sided), or a half-line `[mean - t_c se, inf)` (`Greater`) or
/// `(-inf, mean + t_c se]` (`Less`). Values without spread give `(mean, mean)` on the finite
/// sides (scipy: NaN). Needs at least 2 finite values.
pub fn t_interval(v: &[f64], confidence: f64, alternative: Alternative) -> Result<(f64, f64)> {
    check_values("x", v, 2)?;
    check_confidence(confidence)?;
    let (mean, sd) = mean_sd(v);
    #[allow(clippy::cast_precision_loss)]
    let n = v.len() as f64;
    let se = sd / n.sqrt();
    let df = n - 1.0;
    let half = |q: f64| {
        if se == 0.0 {
            0.0
        } else {
            student_t_ppf(q, df) * se
        }
    };
    Ok(match alternative {
        Alternative::TwoSided => {
            let h = half(0.5 + 0.5 * confidence);
            (mean - h, mean + h)
        }
        Alternative::Greater => (mean - half(confidence), f64::INFINITY),
        Alternative::Less => (f64::NEG_INFINITY, mean + half(confidence)),
    })
}

/// The margin of error of a mean at level `confidence`, as elinor prints it (the "95% MOE"
/// column of `elinor-cli compare`; `StudentTTest::margin_of_error` and
/// `TwoWayAnovaWithoutReplication::margin_of_error` in kampersanda/elinor, after Sakai,
/// *Laboratory Experiments in Information Retrieval*, 2018, 2.4 and 3.2): the half-width
/// `t_q(df) sqrt(variance / n)` of the two-sided t interval, `t_q(df)` the
/// `q = (1 + confidence) / 2` quantile of Student's t with `df` degrees of freedom. For one
/// mean or paired difference `variance` is the sample variance and `df = n - 1` (the
/// half-width of [`t_interval`]); for the system means after a two-way ANOVA it is the residual
/// mean square `V_E` with `df = (k - 1)(n - 1)`. Zero variance gives 0.
pub fn margin_of_error(variance: f64, n: f64, df: f64, confidence: f64) -> Result<f64> {
    check_confidence(confidence)?;
    if !(variance.is_finite() && variance >= 0.0) {
        return Err(RankError::invalid(
            "variance",
            "a finite number >= 0",
            variance,
        ));
    }
    if !(n.is_finite() && n >= 1.0) {
        return Err(RankError::invalid("n", "a number of topics >= 1", n));
    }
    if !(df.is_finite() && df > 0.0) {
        return Err(RankError::invalid(
            "df",
            "a finite number of degrees of freedom > 0",
            df,
        ));
    }
    if variance == 0.0 {
        return Ok(0.0);
    }
    Ok(student_t_ppf(0.5 + 0.5 * confidence, df) * (variance / n).sqrt())
}

/// Paired t confidence interval of the mean difference `x - y`, as
/// `scipy.stats.ttest_rel(x, y, alternative=...).confidence_interval(confidence)` (see
/// [`t_interval`]).
pub fn paired_t_interval(
    x: &[f64],
    y: &[f64],
    confidence: f64,
    alternative: Alternative,
) -> Result<(f64, f64)> {
    let d = check_pair(x, y, 2)?;
    t_interval(&d, confidence, alternative)
}

/// Paired t intervals of the mean difference between every pair of systems, as a `k x k x 2`
/// row-major array: entry `(i, j)` bounds `mean(rows[i] - rows[j])`; `(0, 0)` on the diagonal.
pub fn pairwise_intervals(
    rows: &[&[f64]],
    confidence: f64,
    alternative: Alternative,
) -> Result<Vec<f64>> {
    check_confidence(confidence)?;
    let cells = pairwise_map(rows.len(), (0.0, 0.0), |i, j| {
        paired_t_interval(rows[i], rows[j], confidence, alternative)
    })?;
    Ok(cells.into_iter().flat_map(|(a, b)| [a, b]).collect())
}

/// t intervals of every system's mean, as a `k x 2` row-major array.
pub fn mean_intervals(
    rows: &[&[f64]],
    confidence: f64,
    alternative: Alternative,
) -> Result<Vec<f64>> {
    check_confidence(confidence)?;
    let cells = crate::parallel::install(|| {
        rows.par_iter()
            .map(|r| t_interval(r, confidence, alternative))
            .collect::<Result<Vec<(f64, f64)>>>()
    })?;
    Ok(cells.into_iter().flat_map(|(a, b)| [a, b]).collect())
}

/// Margins of error of the mean difference between every pair of systems (paired t, elinor's
/// "95% MOE" at `confidence = 0.95`), as a `k x k` row-major array; 0 on the diagonal.
pub fn pairwise_margins_of_error(rows: &[&[f64]], confidence: f64) -> Result<Vec<f64>> {
    check_confidence(confidence)?;
    pairwise_map(rows.len(), 0.0, |i, j| {
        let d = check_pair(rows[i], rows[j], 2)?;
        mean_margin(&d, confidence)
    })
}

/// Margins of error (one-sample t) of every system's mean, one per row.
pub fn mean_margins_of_error(rows: &[&[f64]], confidence: f64) -> Result<Vec<f64>> {
    check_confidence(confidence)?;
    crate::parallel::install(|| {
        rows.par_iter()
            .map(|r| {
                check_values("x", r, 2)?;
                mean_margin(r, confidence)
            })
            .collect::<Result<Vec<f64>>>()
    })
}

#[allow(clippy::cast_precision_loss)]
fn mean_margin(v: &[f64], confidence: f64) -> Result<f64> {
    let (_, sd) = mean_sd(v);
    let n = v.len() as f64;
    if (sd * sd).is_infinite() {
        // The spread overflows float64: t_q sd / sqrt(n) without the square, infinite where
        // sd is (half the t interval (-inf, inf), as scipy's).
        return Ok(student_t_ppf(0.5 + 0.5 * confidence, n - 1.0) * sd / n.sqrt());
    }
    margin_of_error(sd * sd, n, n - 1.0, confidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_of_error_is_the_half_width_of_the_t_interval() {
        let v = [0.1, 0.0, 0.2, 0.4, -0.1];
        let (lo, hi) = t_interval(&v, 0.9, Alternative::TwoSided).unwrap();
        let (mean, sd) = mean_sd(&v);
        let moe = margin_of_error(sd * sd, 5.0, 4.0, 0.9).unwrap();
        assert!((moe - 0.5 * (hi - lo)).abs() < 1e-15, "{moe}");
        assert!((0.5 * (lo + hi) - mean).abs() < 1e-15);
        assert_eq!(margin_of_error(0.0, 5.0, 4.0, 0.95).unwrap(), 0.0);
        assert!(margin_of_error(0.1, 5.0, 0.0, 0.95).is_err());
        assert!(margin_of_error(0.1, 5.0, 4.0, 1.0).is_err());
        assert!(margin_of_error(-0.1, 5.0, 4.0, 0.95).is_err());
        let rows: [&[f64]; 2] = [&[0.5, 0.7, 0.2, 0.9], &[0.4, 0.3, 0.3, 0.6]];
        let pairs = pairwise_margins_of_error(&rows, 0.95).unwrap();
        let (lo, hi) = paired_t_interval(rows[0], rows[1], 0.95, Alternative::TwoSided).unwrap();
        assert!((pairs[1] - 0.5 * (hi - lo)).abs() < 1e-15);
        assert_eq!((pairs[0], pairs[3], pairs[1]), (0.0, 0.0, pairs[2]));
        let means = mean_margins_of_error(&rows, 0.95).unwrap();
        let (lo, hi) = t_interval(rows[1], 0.95, Alternative::TwoSided).unwrap();
        assert!((means[1] - 0.5 * (hi - lo)).abs() < 1e-15);
    }

    #[test]
    fn effect_sizes_follow_their_definitions() {
        let x = [0.5, 0.7, 0.2, 0.9];
        let y = [0.4, 0.3, 0.3, 0.6];
        // d = 0.1, 0.4, -0.1, 0.3: mean 0.175, variance 0.1475 / 3
        let d = effect_size(&x, &y, EffectSize::CohensD).unwrap();
        assert!((d - 0.175 / (0.1475f64 / 3.0).sqrt()).abs() < 1e-12, "{d}");
        // var(y) = 0.06 / 3
        let glass = effect_size(&x, &y, EffectSize::GlassDelta).unwrap();
        assert!((glass - 0.175 / 0.02f64.sqrt()).abs() < 1e-12, "{glass}");
        // J(3) = Gamma(1.5) / (sqrt(1.5) Gamma(1)) = sqrt(pi) / 2 / sqrt(1.5)
        let j3 = std::f64::consts::PI.sqrt() / 2.0 / 1.5f64.sqrt();
        let g = effect_size(&x, &y, EffectSize::HedgesG).unwrap();
        assert!((g - d * j3).abs() < 1e-12, "{g}");
        assert!(effect_size(&x[..2], &y[..2], EffectSize::HedgesG).is_err());
        assert_eq!(effect_size(&x, &x, EffectSize::CohensD).unwrap(), 0.0);
        // A constant difference: no spread, an infinite standardised effect (of its sign).
        let (a, b) = ([1.5, 2.5, 3.5], [1.0, 2.0, 3.0]);
        assert_eq!(
            effect_size(&a, &b, EffectSize::CohensD).unwrap(),
            f64::INFINITY
        );
        assert_eq!(
            effect_size(&b, &a, EffectSize::HedgesG).unwrap(),
            f64::NEG_INFINITY
        );
        assert!(effect_size(&[1.0, f64::NAN], &[1.0, 2.0], EffectSize::CohensD).is_err());
        assert!(effect_size(&x, &y[..3], EffectSize::CohensD).is_err());
    }

    #[test]
    fn t_intervals_match_scipy() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.5, 2.1, 2.0, 3.0, 4.1];
        // scipy.stats.ttest_rel(x, y).confidence_interval(0.95)
        let (lo, hi) = paired_t_interval(&x, &y, 0.95, Alternative::TwoSided).unwrap();
        assert!((lo - -0.420_619_061_042_278_86).abs() < 1e-12, "{lo}");
        assert!((hi - 1.340_619_061_042_279).abs() < 1e-12, "{hi}");
        let (lo, hi) = paired_t_interval(&x, &y, 0.9, Alternative::Greater).unwrap();
        assert!(lo > -0.42 && hi.is_infinite());
        assert_eq!(
            t_interval(&[2.0, 2.0], 0.9, Alternative::TwoSided).unwrap(),
            (2.0, 2.0)
        );
        assert!(t_interval(&[2.0, 2.0], 1.0, Alternative::TwoSided).is_err());
        assert!(t_interval(&[2.0], 0.9, Alternative::TwoSided).is_err());
        let rows = [&x[..], &y[..]];
        let m = pairwise_intervals(&rows, 0.95, Alternative::TwoSided).unwrap();
        assert_eq!(m.len(), 8);
        assert!((m[2] - -0.420_619_061_042_278_86).abs() < 1e-12);
        assert!(
            (m[4] + m[3]).abs() < 1e-15,
            "the reversed pair mirrors the interval"
        );
    }
}
