//! Bootstrap confidence intervals of a mean (and of a paired mean difference, the mean of the
//! differences), percentile and BCa, as `scipy.stats.bootstrap((values,), np.mean,
//! method=..., confidence_level=..., alternative=...)` computes them from the same resamples:
//!
//! * the bootstrap distribution: the mean of each resample, `pairwise_sum / n` as `np.mean`
//!   forms it ([`pairwise_sum`]), so it is scipy's to the bit;
//! * percentile: the `alpha` and `1 - alpha` quantiles of that distribution (`alpha = (1 -
//!   confidence) / 2`, or `1 - confidence` one-sided), quantiles as `scipy.stats.quantile`'s
//!   default `"linear"` (Hyndman & Fan type 7);
//! * BCa (Efron, "Better bootstrap confidence intervals", JASA 82(397), 1987; DiCiccio &
//!   Efron, Stat. Sci. 11(3), 1996): the quantiles at `alpha_1 = Phi(z0 + (z0 + z_a) / (1 -
//!   a (z0 + z_a)))` and `alpha_2` likewise with `z_(1-a)`, `z0 = Phi^-1(share of resampled
//!   means below the observed one, ties counted half)` and the acceleration `a = sum U^3 /
//!   (6 (sum U^2)^(3/2))` from the jackknife means' deviations `U_i = (n - 1)(mean_. - mean_-i)`.
//!
//! Resamples are either given (a `resamples x n` matrix of indices, scipy's
//! `rng.integers(0, n, (n_resamples, n))`) or drawn from a seed in parallel chunks, each chunk
//! from its own generator, so the result does not depend on the number of threads.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::special::{ndtr, pairwise_sum};

use super::stats::Alternative;

/// The interval of [`interval`]: bootstrap percentile or bias-corrected and accelerated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BootstrapMethod {
    Percentile,
    #[default]
    Bca,
}

crate::choice!(BootstrapMethod, "method", {
    "percentile" => BootstrapMethod::Percentile,
    "bca" => BootstrapMethod::Bca,
});

/// Where the resamples come from.
#[derive(Debug, Clone, Copy)]
pub enum Resamples<'a> {
    /// `n_resamples` resamples drawn from `seed`.
    Seeded { n_resamples: usize, seed: u64 },
    /// Given indices, `n_resamples x n` row-major, each in `0..n`.
    Indices(&'a [u32]),
}

const CHUNK: usize = 256;

/// The resample indices (`resamples x n`, row-major) of `source` for `n` values.
fn indices(source: Resamples<'_>, n: usize) -> Result<std::borrow::Cow<'_, [u32]>> {
    let bound =
        u32::try_from(n).map_err(|_| RankError::invalid("scores", "at most 2^32 - 1 topics", n))?;
    match source {
        Resamples::Indices(ix) => {
            if ix.is_empty() || ix.len() % n != 0 {
                return Err(RankError::shape(
                    "resamples",
                    format!("a non-empty (n_resamples, {n}) matrix of indices"),
                    format!("{} indices", ix.len()),
                ));
            }
            if let Some(v) = ix.iter().find(|&&v| v >= bound) {
                return Err(RankError::invalid(
                    "resamples",
                    format!("indices in 0..{n}"),
                    v,
                ));
            }
            Ok(std::borrow::Cow::Borrowed(ix))
        }
        Resamples::Seeded { n_resamples, seed } => {
            if n_resamples == 0 {
                return Err(RankError::invalid("n_resamples", "a positive integer", 0));
            }
            // The indices are held at once: a count memory cannot hold is refused by name,
            // not left to abort the process.
            let len = n_resamples.checked_mul(n).ok_or_else(|| {
                crate::memory::too_large(
                    "n_resamples",
                    n_resamples,
                    crate::memory::bytes_of::<u32>(n_resamples).saturating_mul(n as u128),
                )
            })?;
            let mut out = crate::memory::filled("n_resamples", n_resamples, len, 0u32)?;
            crate::rng::fill_seeded(&mut out, CHUNK * n, seed, |rng, block| {
                for v in block.iter_mut() {
                    #[allow(clippy::cast_possible_truncation)]
                    let i = rng.below(n) as u32;
                    *v = i;
                }
            })?;
            Ok(std::borrow::Cow::Owned(out))
        }
    }
}

/// `Phi^-1(p)`, scipy's `ndtri`: Newton's method on the concave `ln Phi(x) = ln p` from
/// `-sqrt(-2 ln p)`, left of the root, so the iterates rise monotonically to it.
fn ndtri(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p > 0.5 {
        return -ndtri(1.0 - p);
    }
    if p == 0.5 {
        return 0.0;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    let target = p.ln();
    let mut x = -(-2.0 * target).sqrt();
    for _ in 0..100 {
        let cdf = ndtr(x);
        let density = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        if cdf <= 0.0 || density <= 0.0 {
            break;
        }
        let step = (cdf.ln() - target) * cdf / density;
        x -= step;
        if step.abs() <= 1e-16 * x.abs().max(1e-300) {
            break;
        }
    }
    x
}

/// `scipy.stats.quantile(sorted, p)` with the default `"linear"` method, of sorted values.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len() as f64;
    let jg = p * n + (1.0 - p);
    let jp1 = jg.floor();
    let j = jp1 - 1.0;
    let mut g = jg - jg.floor();
    if j < 0.0 {
        g = 0.0;
    }
    let at = |v: f64| sorted[v.clamp(0.0, n - 1.0) as usize];
    (1.0 - g) * at(j) + g * at(jp1)
}

#[allow(clippy::cast_precision_loss)]
fn mean(v: &[f64]) -> f64 {
    pairwise_sum(v) / v.len() as f64
}

/// BCa's adjusted quantile levels `(alpha_1, alpha_2)`; an error where the bias correction
/// is infinite (every resampled mean on one side of the observed one).
#[allow(clippy::cast_precision_loss)]
fn bca_levels(values: &[f64], theta: &[f64], alpha: f64) -> Result<(f64, f64)> {
    let observed = mean(values);
    let below = theta.iter().filter(|&&t| t < observed).count()
        + theta.iter().filter(|&&t| t <= observed).count();
    let z0 = ndtri(below as f64 / (2 * theta.len()) as f64);
    if !z0.is_finite() {
        return Err(RankError::invalid(
            "method",
            "'percentile' here: BCa's bias correction is infinite when every resampled mean \
             lies on one side of the observed one",
            "bca",
        ));
    }
    let n = values.len();
    let mut rest = Vec::with_capacity(n - 1);
    let jackknife: Vec<f64> = (0..n)
        .map(|i| {
            rest.clear();
            rest.extend_from_slice(&values[..i]);
            rest.extend_from_slice(&values[i + 1..]);
            mean(&rest)
        })
        .collect();
    let dot = mean(&jackknife);
    let nf = n as f64;
    let u: Vec<f64> = jackknife.iter().map(|t| (nf - 1.0) * (dot - t)).collect();
    let cubes: Vec<f64> = u.iter().map(|v| v.powi(3)).collect();
    let squares: Vec<f64> = u.iter().map(|v| v * v).collect();
    let num = pairwise_sum(&cubes) / (nf * nf * nf);
    let den = pairwise_sum(&squares) / (nf * nf);
    let a = 1.0 / 6.0 * num / den.powf(1.5);
    if !a.is_finite() {
        return Err(RankError::invalid(
            "method",
            "'percentile' here: BCa's acceleration is undefined when the jackknife means' \
             spread underflows",
            "bca",
        ));
    }
    let z_alpha = ndtri(alpha);
    let num1 = z0 + z_alpha;
    let num2 = z0 - z_alpha;
    Ok((
        ndtr(z0 + num1 / (1.0 - a * num1)),
        ndtr(z0 + num2 / (1.0 - a * num2)),
    ))
}

/// The bootstrap interval of the mean of `values` over the resamples `ix` (`resamples x n`).
#[allow(clippy::cast_precision_loss)]
fn interval_of(
    values: &[f64],
    ix: &[u32],
    confidence: f64,
    alternative: Alternative,
    method: BootstrapMethod,
) -> Result<(f64, f64)> {
    let n = values.len();
    let (lo, hi) = if values.iter().all(|v| *v == values[0]) {
        let m = mean(values);
        (m, m)
    } else {
        let mut theta: Vec<f64> = ix
            .par_chunks(n * CHUNK)
            .flat_map_iter(|block| {
                let mut buf = vec![0.0; n];
                block
                    .chunks(n)
                    .map(|row| {
                        for (b, &i) in buf.iter_mut().zip(row) {
                            *b = values[i as usize];
                        }
                        mean(&buf)
                    })
                    .collect::<Vec<f64>>()
            })
            .collect();
        let alpha = match alternative {
            Alternative::TwoSided => (1.0 - confidence) / 2.0,
            _ => 1.0 - confidence,
        };
        let (p_lo, p_hi) = match method {
            BootstrapMethod::Percentile => (alpha, 1.0 - alpha),
            BootstrapMethod::Bca => bca_levels(values, &theta, alpha)?,
        };
        theta.sort_unstable_by(f64::total_cmp);
        (quantile(&theta, p_lo), quantile(&theta, p_hi))
    };
    Ok(match alternative {
        Alternative::TwoSided => (lo, hi),
        Alternative::Greater => (lo, f64::INFINITY),
        Alternative::Less => (f64::NEG_INFINITY, hi),
    })
}

fn check(rows: &[&[f64]], confidence: f64) -> Result<usize> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(RankError::invalid(
            "confidence",
            "a number in (0, 1)",
            confidence,
        ));
    }
    super::anova::check_topics(rows)
}

/// Bootstrap intervals of each row's mean (`[low, high]` per row, row-major `k x 2`) or, when
/// `paired`, of the mean difference `row_i - row_j` for every ordered pair, one set of
/// resampled topics for all (`k x k x 2` row-major, the diagonal `(0, 0)`).
pub fn intervals(
    rows: &[&[f64]],
    resamples: Resamples<'_>,
    confidence: f64,
    alternative: Alternative,
    method: BootstrapMethod,
    paired: bool,
) -> Result<Vec<f64>> {
    let how = (resamples, confidence, alternative, method);
    if !paired {
        return intervals_of(rows, how, rows.len(), |c| Some(Cow::Borrowed(rows[c])));
    }
    let k = rows.len();
    intervals_of(rows, how, k * k, |c| {
        let (i, j) = (c / k, c % k);
        (i != j).then(|| Cow::Owned(rows[i].iter().zip(rows[j]).map(|(a, b)| a - b).collect()))
    })
}

/// `[low, high]` of the bootstrapped mean of `values(c)` for each of `cells` cells, one set of
/// resampled topics for all (`(0, 0)` where `values` gives none), flat.
fn intervals_of<'r>(
    rows: &[&[f64]],
    (resamples, confidence, alternative, method): (
        Resamples<'_>,
        f64,
        Alternative,
        BootstrapMethod,
    ),
    cells: usize,
    values: impl Fn(usize) -> Option<Cow<'r, [f64]>>,
) -> Result<Vec<f64>> {
    let n = check(rows, confidence)?;
    let ix = indices(resamples, n)?;
    let watch = crate::interrupt::current();
    let mut out = vec![0.0; 2 * cells];
    for c in 0..cells {
        if let Some(v) = values(c) {
            let (lo, hi) = interval_of(&v, &ix, confidence, alternative, method)?;
            out[2 * c] = lo;
            out[2 * c + 1] = hi;
            watch.check()?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndtri_inverts_ndtr() {
        for p in [1e-300, 1e-20, 0.001, 0.025, 0.3, 0.5, 0.7, 0.975, 0.999_999] {
            let x = ndtri(p);
            // |d ln Phi / dx| is about |x| in the tail: one ulp of x moves Phi by |x| ulps.
            let tolerance = 64.0 * f64::EPSILON * p * x.abs().max(1.0);
            assert!((ndtr(x) - p).abs() <= tolerance, "{p} {x}");
        }
        // scipy.special.ndtri(0.025)
        assert!((ndtri(0.025) + 1.959_963_984_540_054).abs() < 1e-15);
    }

    #[test]
    fn intervals_cover_the_mean_and_refuse_bad_input() {
        let v = [0.1, 0.4, 0.35, 0.8, 0.05, 0.6, 0.3];
        let seeded = Resamples::Seeded {
            n_resamples: 2000,
            seed: 7,
        };
        for method in [BootstrapMethod::Percentile, BootstrapMethod::Bca] {
            let ci =
                intervals(&[&v[..]], seeded, 0.9, Alternative::TwoSided, method, false).unwrap();
            let m = v.iter().sum::<f64>() / 7.0;
            assert!(ci[0] < m && m < ci[1], "{ci:?}");
        }
        let bca = |resamples, confidence| {
            let (two_sided, bca) = (Alternative::TwoSided, BootstrapMethod::Bca);
            intervals(&[&v[..]], resamples, confidence, two_sided, bca, false)
        };
        assert_eq!(bca(seeded, 0.9).unwrap(), bca(seeded, 0.9).unwrap());
        assert!(bca(Resamples::Indices(&[0, 9, 1, 2, 3, 4, 5]), 0.9).is_err());
        assert!(bca(seeded, 1.0).is_err());
        let (greater, bca) = (Alternative::Greater, BootstrapMethod::Bca);
        let flat = intervals(&[&v[..], &v[..]], seeded, 0.9, greater, bca, true).unwrap();
        assert_eq!(&flat[2..4], &[0.0, f64::INFINITY]);
    }
}
