//! Power of the paired t-test and of the one-way ANOVA, and topic-set-size design: how many
//! topics a test collection needs to detect a given difference (Sakai, "Topic set size
//! design", Information Retrieval Journal 19(3), 2016; Sakai, *Laboratory Experiments in
//! Information Retrieval*, Springer 2018, ch. 6). Power is computed
//! with the exact noncentral t and F distributions ([`crate::special`]), as
//! `statsmodels.stats.power` computes it; Sakai's Excel tools use normal approximations of
//! them (Nagata 2003), so their sizes can differ from these by a topic or two.

use crate::correlation::Alternative;
use crate::error::{RankError, Result};
use crate::special::{
    f_isf, ln_gamma_ratio_half, noncentral_f_sf, noncentral_t_cdf, noncentral_t_sf, student_t_ppf,
};

/// Which requirement [`topic_set_size`] meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SizeDesign {
    /// The paired t-test detects the difference with the requested power.
    #[default]
    TTest,
    /// The one-way ANOVA over the systems detects the difference with the requested power.
    Anova,
    /// The expected width of the paired t confidence interval is at most the difference.
    Interval,
}

crate::choice!(SizeDesign, "design", {
    "t-test" => SizeDesign::TTest,
    "anova" => SizeDesign::Anova,
    "ci" => SizeDesign::Interval,
});

/// The largest topic set [`topic_set_size`] considers.
pub const MAX_TOPICS: u64 = 1 << 40;

fn check_alpha(alpha: f64) -> Result<()> {
    let ok = alpha > 0.0 && alpha < 1.0;
    RankError::require(ok, "alpha", "a level strictly between 0 and 1", alpha)
}

fn check_variance(variance: f64) -> Result<()> {
    let ok = variance > 0.0 && variance.is_finite();
    RankError::require(ok, "variance", "a positive finite number", variance)
}

/// The largest noncentrality `|nc|` of the t (`nc^2` of the F) whose series
/// (`special::noncentral_t_cdf`, `noncentral_f_tails`) is summed: their Poisson weights spread
/// over `~sqrt(nc^2 / 2)` terms, so a noncentrality of 1e100 would run for ever (and past
/// 2^53 the term index stops moving). 1e4 keeps a call under a second.
const MAX_NONCENTRALITY: f64 = 1e4;

/// Refuses a `difference` whose noncentrality `nc` lies beyond [`MAX_NONCENTRALITY`].
#[allow(clippy::cast_precision_loss)]
fn check_noncentrality(difference: f64, variance: f64, n: u64) -> Result<()> {
    let nc = difference.abs() / variance.sqrt() * (n as f64).sqrt();
    if nc <= MAX_NONCENTRALITY {
        return Ok(());
    }
    Err(RankError::invalid(
        "difference",
        format!(
            "a difference whose noncentrality |difference| sqrt(n_topics / variance) is at most \
             {MAX_NONCENTRALITY:e} (here {nc:e}, with variance {variance} and {n} topics)"
        ),
        difference,
    ))
}

fn check_difference(difference: f64) -> Result<()> {
    let ok = difference.is_finite();
    RankError::require(ok, "difference", "a finite number", difference)
}

fn check_topics(n: u64) -> Result<()> {
    RankError::require(n >= 2, "n_topics", "at least 2", n)
}

fn check_systems(systems: u64) -> Result<()> {
    let ok = (2..=1 << 40).contains(&systems);
    RankError::require(ok, "n_systems", "at least 2", systems)
}

/// Power of the paired t-test over `n` topics at level `alpha` when the per-topic differences
/// have mean `difference` and variance `variance`: with `df = n - 1`, noncentrality `nc =
/// sqrt(n) difference / sqrt(variance)` and `T'` noncentral t,
///
/// * two-sided: `P(T' > t_(1 - alpha/2)) + P(T' < t_(alpha/2))`;
/// * `Greater`: `P(T' > t_(1 - alpha))`; `Less`: `P(T' < t_alpha)`
///
/// (Cohen, *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., 1988, 2.5;
/// `statsmodels.stats.power.TTestPower().power(difference / sqrt(variance), n, alpha)`).
pub fn t_test_power(
    difference: f64,
    variance: f64,
    n: u64,
    alpha: f64,
    alternative: Alternative,
) -> Result<f64> {
    check_difference(difference)?;
    check_variance(variance)?;
    check_topics(n)?;
    check_alpha(alpha)?;
    check_noncentrality(difference, variance, n)?;
    Ok(t_power(difference / variance.sqrt(), n, alpha, alternative))
}

#[allow(clippy::cast_precision_loss)]
fn t_power(effect: f64, n: u64, alpha: f64, alternative: Alternative) -> f64 {
    let n = n as f64;
    let df = n - 1.0;
    let nc = effect * n.sqrt();
    let tail = if alternative == Alternative::TwoSided {
        0.5 * alpha
    } else {
        alpha
    };
    let mut power = 0.0;
    if alternative != Alternative::Less {
        power += noncentral_t_sf(-student_t_ppf(tail, df), df, nc);
    }
    if alternative != Alternative::Greater {
        power += noncentral_t_cdf(student_t_ppf(tail, df), df, nc);
    }
    power.min(1.0) // the two tails can round to just above 1
}

/// Power of the one-way ANOVA over `systems` systems with `n` topics each at level `alpha`,
/// when the largest and smallest system means differ by `difference` (the others at their
/// midpoint, the least favourable case) and the within-system variance is `variance`: with
/// `df1 = m - 1`, `df2 = m (n - 1)` and noncentrality `lambda = n difference^2 / (2
/// variance)` (Sakai 2016, 4.1), `P(F' > F_(1 - alpha)(df1, df2))` for `F'` noncentral F.
/// Equals `statsmodels.stats.power.FTestAnovaPower().power(f, m n, alpha, m)` with Cohen's
/// `f = sqrt(difference^2 / (2 m variance))`.
pub fn anova_power(
    difference: f64,
    variance: f64,
    n: u64,
    systems: u64,
    alpha: f64,
) -> Result<f64> {
    check_difference(difference)?;
    check_variance(variance)?;
    check_topics(n)?;
    check_systems(systems)?;
    check_alpha(alpha)?;
    // lambda = n d^2 / (2 v) <= nc^2 / 2 with nc as for the t-test.
    check_noncentrality(difference, variance, n)?;
    Ok(f_power(
        difference * difference / (2.0 * variance),
        n,
        systems,
        alpha,
    ))
}

#[allow(clippy::cast_precision_loss)]
fn f_power(delta: f64, n: u64, systems: u64, alpha: f64) -> f64 {
    let (n, m) = (n as f64, systems as f64);
    let (df1, df2) = (m - 1.0, m * (n - 1.0));
    noncentral_f_sf(f_isf(alpha, df1, df2), df1, df2, n * delta)
}

/// The expected width of the two-sided paired t interval at level `1 - alpha` over `n` topics
/// when the differences have variance `variance`: `2 t_(1 - alpha/2)(n - 1) sqrt(variance / n)
/// c(n)`, with `c(n) = sqrt(2 / (n - 1)) Gamma(n/2) / Gamma((n - 1)/2)` the expected sample
/// standard deviation in units of the true one (Sakai 2016, 5).
#[allow(clippy::cast_precision_loss)]
pub fn expected_interval_width(variance: f64, n: u64, alpha: f64) -> Result<f64> {
    check_variance(variance)?;
    check_topics(n)?;
    check_alpha(alpha)?;
    let nf = n as f64;
    let df = nf - 1.0;
    let c = (2.0 / df).sqrt() * ln_gamma_ratio_half(0.5 * df).exp();
    Ok(-2.0 * student_t_ppf(0.5 * alpha, df) * (variance / nf).sqrt() * c)
}

/// The smallest `n` in `2..=MAX_TOPICS` for which `enough(n)` holds, `enough` monotone.
fn smallest(enough: impl Fn(u64) -> bool) -> Option<u64> {
    if enough(2) {
        return Some(2);
    }
    let mut lo = 2; // not enough
    let mut hi = 4;
    while !enough(hi) {
        lo = hi;
        if hi >= MAX_TOPICS {
            return None;
        }
        hi = (hi * 2).min(MAX_TOPICS);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if enough(mid) { hi = mid } else { lo = mid }
    }
    Some(hi)
}

/// The smallest number of topics (at least 2) that meets `design`'s requirement (Sakai 2016):
///
/// * `TTest`: the paired t-test at level `alpha` under `alternative` detects a mean
///   difference `difference` between two systems whose per-topic differences have variance
///   `variance` with probability at least `power` ([`t_test_power`]);
/// * `Anova`: the one-way ANOVA over `systems` systems detects a range `difference` of the
///   system means, within-system variance `variance`, with probability at least `power`
///   ([`anova_power`]);
/// * `Interval`: the expected width of the `1 - alpha` paired t interval of the mean
///   difference, differences of variance `variance`, is at most `difference`
///   ([`expected_interval_width`]; `power` and `alternative` play no part).
///
/// An error when no topic set up to [`MAX_TOPICS`] suffices, and for a `difference` that no
/// test can detect (0, or of the wrong sign for a one-sided `alternative`).
#[allow(clippy::too_many_arguments)]
pub fn topic_set_size(
    design: SizeDesign,
    difference: f64,
    variance: f64,
    power: f64,
    alpha: f64,
    alternative: Alternative,
    systems: u64,
) -> Result<u64> {
    check_difference(difference)?;
    check_variance(variance)?;
    check_alpha(alpha)?;
    if design != SizeDesign::Interval && !(power > 0.0 && power < 1.0) {
        return Err(RankError::invalid(
            "power",
            "a probability strictly between 0 and 1",
            power,
        ));
    }
    // The power series are summed only up to MAX_NONCENTRALITY (as `t_test_power` and
    // `anova_power` refuse beyond it): a size search that would pass it stops and reports it.
    let beyond = std::cell::Cell::new(None);
    let within = |n: u64| match check_noncentrality(difference, variance, n) {
        Ok(()) => true,
        Err(e) => {
            // the first (smallest) n past the limit is the one to report
            let first = beyond.take().unwrap_or(e);
            beyond.set(Some(first));
            false
        }
    };
    let found = match design {
        SizeDesign::TTest => {
            let expected = match alternative {
                Alternative::TwoSided => "a non-zero number",
                Alternative::Greater => "a positive number (alternative 'greater')",
                Alternative::Less => "a negative number (alternative 'less')",
            };
            let detectable = match alternative {
                Alternative::TwoSided => difference != 0.0,
                Alternative::Greater => difference > 0.0,
                Alternative::Less => difference < 0.0,
            };
            if !detectable {
                return Err(RankError::invalid("difference", expected, difference));
            }
            let effect = difference / variance.sqrt();
            smallest(|n| within(n) && t_power(effect, n, alpha, alternative) >= power)
        }
        SizeDesign::Anova => {
            check_systems(systems)?;
            if difference == 0.0 {
                return Err(RankError::invalid(
                    "difference",
                    "a non-zero number",
                    difference,
                ));
            }
            let delta = difference * difference / (2.0 * variance);
            smallest(|n| within(n) && f_power(delta, n, systems, alpha) >= power)
        }
        SizeDesign::Interval => {
            if difference <= 0.0 {
                return Err(RankError::invalid(
                    "difference",
                    "a positive interval width (design 'ci')",
                    difference,
                ));
            }
            smallest(|n| expected_interval_width(variance, n, alpha).is_ok_and(|w| w <= difference))
        }
    };
    // Only the doubling phase can pass the limit (the bisection stays below an `n` that was
    // within it), so a size found is a size computed.
    if let (None, Some(e)) = (found, beyond.take()) {
        return Err(e);
    }
    found.ok_or_else(|| {
        RankError::invalid(
            "difference",
            format!("large enough to be met by at most {MAX_TOPICS} topics"),
            difference,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_searches_stop_at_the_noncentrality_limit() {
        // The fuzzer's input: variance 2e-204 made the ANOVA search sum for ever.
        for design in [SizeDesign::Anova, SizeDesign::TTest] {
            let e = topic_set_size(
                design,
                0.05,
                2.3e-204,
                0.91,
                0.048,
                Alternative::TwoSided,
                5,
            )
            .unwrap_err();
            assert!(e.to_string().contains("noncentrality"), "{e}");
        }
        let n = topic_set_size(
            SizeDesign::TTest,
            0.1,
            0.1,
            0.8,
            0.05,
            Alternative::TwoSided,
            2,
        );
        assert!(n.unwrap() > 2);
    }

    #[test]
    fn huge_noncentralities_are_refused_not_summed_for_ever() {
        // The fuzzer's input: nc ~ 2e131 never finished.
        let e = t_test_power(-1.8e130, 0.4866, 74, 0.12, Alternative::Greater).unwrap_err();
        assert!(e.to_string().contains("difference"), "{e}");
        assert!(anova_power(1e130, 0.5, 74, 6, 0.05).is_err());
        // At the bound the series still sums, to the obvious limits.
        let p = t_test_power(1e4, 1.0, 1, 0.05, Alternative::TwoSided);
        assert!(p.is_err()); // one topic
        let p = t_test_power(1e4 / 2f64.sqrt(), 1.0, 2, 0.05, Alternative::Greater).unwrap();
        assert!(p > 0.99, "{p}");
        let p = anova_power(1e4 / 10.0, 1.0, 100, 3, 0.05).unwrap();
        assert!((p - 1.0).abs() < 1e-12, "{p}");
    }

    #[test]
    fn power_matches_statsmodels() {
        // statsmodels.stats.power.TTestPower().power(0.5, 20, 0.05) and alternative="larger";
        // FTestAnovaPower().power(sqrt(0.1**2 / (2 * 4 * 0.01)), 4 * 30, 0.05, 4).
        let p = t_test_power(0.5, 1.0, 20, 0.05, Alternative::TwoSided).unwrap();
        assert!((p - 0.564_504_418_439_020_3).abs() < 1e-10, "{p}");
        let p = t_test_power(0.5, 1.0, 20, 0.05, Alternative::Greater).unwrap();
        assert!((p - 0.695_149_338_244_341_1).abs() < 1e-10, "{p}");
        let p = anova_power(0.1, 0.01, 30, 4, 0.05).unwrap();
        assert!((p - 0.907_115_398_741_476).abs() < 1e-10, "{p}");
    }

    #[test]
    fn topic_set_sizes_are_the_smallest_that_suffice() {
        for design in [SizeDesign::TTest, SizeDesign::Anova, SizeDesign::Interval] {
            let (d, v) = (0.1, 0.05);
            let n = topic_set_size(design, d, v, 0.8, 0.05, Alternative::TwoSided, 5).unwrap();
            let meets = |n: u64| match design {
                SizeDesign::TTest => {
                    t_test_power(d, v, n, 0.05, Alternative::TwoSided).unwrap() >= 0.8
                }
                SizeDesign::Anova => anova_power(d, v, n, 5, 0.05).unwrap() >= 0.8,
                SizeDesign::Interval => expected_interval_width(v, n, 0.05).unwrap() <= d,
            };
            assert!(meets(n) && !meets(n - 1), "{design:?} {n}");
        }
        let err = topic_set_size(
            SizeDesign::TTest,
            -0.1,
            0.05,
            0.8,
            0.05,
            Alternative::Greater,
            2,
        );
        assert!(err.is_err());
        assert!(
            topic_set_size(
                SizeDesign::Anova,
                0.0,
                1.0,
                0.8,
                0.05,
                Alternative::TwoSided,
                3
            )
            .is_err()
        );
        assert!(
            topic_set_size(
                SizeDesign::TTest,
                1e-12,
                1.0,
                0.8,
                0.05,
                Alternative::TwoSided,
                2
            )
            .is_err()
        );
        assert!(t_test_power(0.1, 0.0, 10, 0.05, Alternative::TwoSided).is_err());
        assert!(anova_power(0.1, 1.0, 10, 1, 0.05).is_err());
    }
}
