//! Analysis of variance of a systems x topics matrix of per-topic values.
//!
//! * [`one_way`]: one-way ANOVA with the systems as groups (the topics ignored), as
//!   statsmodels' `anova_lm(ols("score ~ C(system)"))` and `scipy.stats.f_oneway`;
//! * [`two_way`]: two-way ANOVA without replication, systems x topics, as statsmodels'
//!   `anova_lm(ols("score ~ C(system) + C(topic)"))` (Sakai, *Laboratory Experiments in
//!   Information Retrieval*, Springer 2018, section 3.2);
//! * [`residual_effect_sizes`]: the effect size between two systems after the two-way ANOVA,
//!   `(mean_i - mean_j) / sqrt(V_E)` with `V_E` the residual mean square (Sakai 2018, 5.2).
//!
//! Sums of squares run over the systems in parallel.

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::special::f_sf;

/// One row of an ANOVA table: degrees of freedom, sum of squares, mean square, F statistic and
/// its p-value (`P(F > f)`). The residual row has no F and p (NaN, as statsmodels shows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnovaRow {
    pub df: f64,
    pub sum_sq: f64,
    pub mean_sq: f64,
    pub f: f64,
    pub p_value: f64,
}

/// Validates a systems x topics matrix: at least 2 systems and 2 topics, rows of one length,
/// finite values. Returns (systems, topics).
fn check(rows: &[&[f64]]) -> Result<(usize, usize)> {
    let k = rows.len();
    if k < 2 {
        return Err(RankError::invalid("scores", "at least 2 systems (rows)", k));
    }
    Ok((k, check_topics(rows)?))
}

/// Validates the topics of a systems x topics `scores` matrix: rows of one length, at least 2
/// topics, finite values. Returns the number of topics (0 rows: 0, refused as too few).
pub(crate) fn check_topics(rows: &[&[f64]]) -> Result<usize> {
    let n = rows.first().map_or(0, |r| r.len());
    if let Some(r) = rows.iter().find(|r| r.len() != n) {
        return Err(RankError::shape(
            "scores",
            format!("rows of one length ({n} topics)"),
            format!("a row of {}", r.len()),
        ));
    }
    if n < 2 {
        return Err(RankError::invalid(
            "scores",
            "at least 2 topics (columns)",
            n,
        ));
    }
    if let Some(v) = rows.iter().flat_map(|r| r.iter()).find(|v| !v.is_finite()) {
        return Err(RankError::invalid("scores", "finite values", v));
    }
    Ok(n)
}

#[allow(clippy::cast_precision_loss)]
fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// An effect row tested against the residual mean square. A residual mean square of 0 (the
/// model explains every value) gives F = inf and p = 0 for an effect with a non-zero mean
/// square, and F = 0, p = 1 for one without (statsmodels: inf or NaN).
fn effect(df: f64, sum_sq: f64, residual_mean_sq: f64, residual_df: f64) -> AnovaRow {
    let mean_sq = sum_sq / df;
    let f = if residual_mean_sq == 0.0 {
        if mean_sq == 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        mean_sq / residual_mean_sq
    };
    AnovaRow {
        df,
        sum_sq,
        mean_sq,
        f,
        p_value: f_sf(f, df, residual_df),
    }
}

fn residual(df: f64, sum_sq: f64) -> AnovaRow {
    AnovaRow {
        df,
        sum_sq,
        mean_sq: sum_sq / df,
        f: f64::NAN,
        p_value: f64::NAN,
    }
}

/// The design of [`anova`]: systems only, or systems and topics (without replication).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Design {
    /// [`one_way`].
    OneWay,
    /// [`two_way`].
    #[default]
    TwoWay,
}

crate::choice!(Design, "design", {
    "one-way" => Design::OneWay,
    "two-way" => Design::TwoWay,
});

/// The ANOVA table of `rows` (systems x topics) under `design`.
pub fn anova(rows: &[&[f64]], design: Design) -> Result<Vec<AnovaRow>> {
    match design {
        Design::OneWay => one_way(rows),
        Design::TwoWay => two_way(rows),
    }
}

/// One-way ANOVA of `rows` (system `i`'s values over the topics), the systems as groups:
/// rows `[system, residual]` with `k - 1` and `k (n - 1)` degrees of freedom.
pub fn one_way(rows: &[&[f64]]) -> Result<Vec<AnovaRow>> {
    let (k, n) = check(rows)?;
    let means: Vec<f64> = rows.par_iter().map(|r| mean(r)).collect();
    let grand = mean(&means);
    #[allow(clippy::cast_precision_loss)]
    let (kf, nf) = (k as f64, n as f64);
    let between: f64 = means.iter().map(|m| nf * (m - grand) * (m - grand)).sum();
    let within: f64 = rows
        .par_iter()
        .zip(&means)
        .map(|(r, m)| r.iter().map(|v| (v - m) * (v - m)).sum::<f64>())
        .sum();
    let df_res = kf * (nf - 1.0);
    let res = residual(df_res, within);
    Ok(vec![effect(kf - 1.0, between, res.mean_sq, df_res), res])
}

/// Two-way ANOVA without replication of `rows` (systems x topics): rows `[system, topic,
/// residual]` with `k - 1`, `n - 1` and `(k - 1)(n - 1)` degrees of freedom; the residual sum
/// of squares is `sum (x_ij - mean_i. - mean_.j + grand)^2`.
pub fn two_way(rows: &[&[f64]]) -> Result<Vec<AnovaRow>> {
    let (k, n) = check(rows)?;
    #[allow(clippy::cast_precision_loss)]
    let (kf, nf) = (k as f64, n as f64);
    let system_means: Vec<f64> = rows.par_iter().map(|r| mean(r)).collect();
    let topic_means: Vec<f64> = (0..n)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / kf)
        .collect();
    let grand = mean(&system_means);
    let ss_system: f64 = system_means
        .iter()
        .map(|m| nf * (m - grand) * (m - grand))
        .sum();
    let ss_topic: f64 = topic_means
        .iter()
        .map(|m| kf * (m - grand) * (m - grand))
        .sum();
    let ss_residual: f64 = rows
        .par_iter()
        .zip(&system_means)
        .map(|(r, mi)| {
            r.iter()
                .zip(&topic_means)
                .map(|(v, mj)| {
                    let e = v - mi - mj + grand;
                    e * e
                })
                .sum::<f64>()
        })
        .sum();
    let df_res = (kf - 1.0) * (nf - 1.0);
    let res = residual(df_res, ss_residual);
    Ok(vec![
        effect(kf - 1.0, ss_system, res.mean_sq, df_res),
        effect(nf - 1.0, ss_topic, res.mean_sq, df_res),
        res,
    ])
}

/// Sakai's effect sizes after a two-way ANOVA without replication: a `k x k` row-major matrix
/// of `(mean_i - mean_j) / sqrt(V_E)`, `V_E` the residual mean square of [`two_way`]; with
/// `V_E = 0`, 0 for equal means and an infinity of the difference's sign otherwise.
pub fn residual_effect_sizes(rows: &[&[f64]]) -> Result<Vec<f64>> {
    let table = two_way(rows)?;
    let sd = table[2].mean_sq.sqrt();
    let means: Vec<f64> = rows.iter().map(|r| mean(r)).collect();
    Ok(means
        .iter()
        .flat_map(|a| {
            means
                .iter()
                .map(move |b| super::effects::standardise(a - b, sd))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anova_tables_match_statsmodels() {
        let a = [0.2, 0.5, 0.9, 0.4];
        let b = [0.3, 0.4, 1.0, 0.7];
        let c = [0.1, 0.6, 0.7, 0.2];
        let rows = [&a[..], &b[..], &c[..]];
        // scipy.stats.f_oneway(a, b, c): F = 0.4390243902439025, p = 0.6577654278812759
        let one = one_way(&rows).unwrap();
        assert!(
            (one[0].f - 0.439_024_390_243_902_5).abs() < 1e-12,
            "{:?}",
            one[0]
        );
        assert!((one[0].p_value - 0.657_765_427_881_275_9).abs() < 1e-12);
        assert_eq!((one[0].df, one[1].df), (2.0, 9.0));
        let two = two_way(&rows).unwrap();
        assert_eq!((two[0].df, two[1].df, two[2].df), (2.0, 3.0, 6.0));
        let total: f64 = rows
            .iter()
            .flat_map(|r| r.iter())
            .map(|v| (v - 0.5) * (v - 0.5))
            .sum();
        let parts = two[0].sum_sq + two[1].sum_sq + two[2].sum_sq;
        assert!((total - parts).abs() < 1e-12, "the sums of squares add up");
        assert!(two[2].f.is_nan() && two[2].p_value.is_nan());
        let es = residual_effect_sizes(&rows).unwrap();
        assert!((es[1] + es[3]).abs() < 1e-15 && es[0] == 0.0);
        assert!(one_way(&rows[..1]).is_err());
        assert!(two_way(&[&a[..], &b[..3]]).is_err());
        assert!(two_way(&[&[1.0, f64::NAN][..], &[1.0, 2.0][..]]).is_err());
    }

    #[test]
    fn an_exactly_additive_matrix_has_no_residual() {
        let rows = [&[0.1, 0.5, 0.3][..], &[0.1, 0.5, 0.3][..]];
        let two = two_way(&rows).unwrap();
        assert_eq!(two[2].sum_sq, 0.0);
        assert_eq!((two[0].f, two[0].p_value), (0.0, 1.0));
        assert_eq!((two[1].f, two[1].p_value), (f64::INFINITY, 0.0));
    }
}
