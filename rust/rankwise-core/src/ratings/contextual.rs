//! Contextual (style-controlled) Bradley–Terry: covariates per comparison.
//!
//! Comparison `i` between `a` and `b` with covariates `x_i ∈ R^k` (for style control, the
//! differences of style features of the two answers: length, markdown headers, lists, bold
//! text) has `P(a wins) = σ(θ_a - θ_b + x_iᵀβ)`. This is the LMSYS arena's style control
//! (lm-sys/FastChat `fastchat/serve/monitor/elo_analysis.py`, `fit_mle_elo` on the matrix of
//! `construct_style_matrices`): a logistic regression on the player contrasts `e_a - e_b`
//! and the covariates, without intercept; the arena's ties count half a win each way, as a
//! score of 0.5 here. The maximum-likelihood `(θ, β)`, `θ` centred, is found by Newton's
//! method with step halving on this concave log-likelihood, the centring gauge handled as in
//! [`super::ties`]; `alpha > 0` adds the ridge penalty `-alpha/2 · Σ θ²` (β unpenalised).
//! Standard errors: the inverse of the Fisher information `Σ w p (1 - p) z zᵀ`
//! (`z = (e_a - e_b, x)`), projected on centred `θ`.

use super::Comparisons;
use super::groups::{ComparisonGroups, fit_and_errors};
use super::resample::{self, Resamples};
use super::solve::{Derivatives, Newton, log_sigmoid, ridge};
use crate::error::{RankError, Result};
use crate::labels::plackett_luce::check_iteration;

/// Options of the Newton fit.
#[derive(Debug, Clone, Copy)]
pub struct ContextOptions {
    /// Ridge penalty `alpha/2 · Σ θ²` on the player strengths (0: maximum likelihood).
    pub alpha: f64,
    pub max_iter: usize,
    /// Converged when the largest Newton step is below `tol`.
    pub tol: f64,
}

/// Validated covariates: `values[i * k + j]` is covariate `j` of comparison `i`.
#[derive(Debug, Clone, Copy)]
pub struct Covariates<'a> {
    pub values: &'a [f64],
    pub k: usize,
}

impl<'a> Covariates<'a> {
    /// Check the shape (`n x k`, `k ≥ 1`) and that every value is finite.
    pub fn new(values: &'a [f64], n: usize, k: usize) -> Result<Self> {
        if k == 0 || values.len() != n * k {
            return Err(RankError::shape(
                "features",
                format!("({n}, k): one row of k >= 1 covariates per comparison"),
                format!("{} values for k = {k}", values.len()),
            ));
        }
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(RankError::invalid(
                "features",
                "finite values",
                format!("{v} at comparison {}, feature {}", i / k, i % k),
            ));
        }
        Ok(Covariates { values, k })
    }
}

/// A fit: centred log-strengths, covariate coefficients, iterations, convergence.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextFit {
    pub theta: Vec<f64>,
    pub beta: Vec<f64>,
    pub iterations: usize,
    pub converged: bool,
}

/// Penalised log-likelihood over the comparisons `rows` (with multiplicity) and, with
/// `deriv`, its gradient and Hessian (`m + k`, row-major).
fn evaluate(
    c: &Comparisons<'_>,
    x: &Covariates<'_>,
    rows: &[u32],
    alpha: f64,
    params: &[f64],
    mut deriv: Derivatives<'_>,
) -> f64 {
    let (m, k) = (c.n_players, x.k);
    let d = m + k;
    let (theta, beta) = params.split_at(m);
    let mut ll = ridge(alpha, theta, &mut deriv);
    for &r in rows {
        let r = r as usize;
        let (a, b, s, w) = c.get(r);
        let xi = &x.values[r * k..(r + 1) * k];
        let eta = theta[a] - theta[b] + xi.iter().zip(beta).map(|(u, v)| u * v).sum::<f64>();
        // s ln σ(η) + (1 - s) ln σ(-η), stably.
        let lp = log_sigmoid(eta);
        ll += w * (s * lp + (1.0 - s) * (lp - eta));
        if let Some((g, h)) = deriv.as_mut() {
            let p = 1.0 / (1.0 + (-eta).exp());
            let (e, q) = (w * (s - p), w * p * (1.0 - p));
            g[a] += e;
            g[b] -= e;
            h[a * d + a] -= q;
            h[b * d + b] -= q;
            h[a * d + b] += q;
            h[b * d + a] += q;
            for (j, &u) in xi.iter().enumerate() {
                let col = m + j;
                g[col] += e * u;
                h[a * d + col] -= q * u;
                h[col * d + a] -= q * u;
                h[b * d + col] += q * u;
                h[col * d + b] += q * u;
                for (l, &v) in xi.iter().enumerate() {
                    h[col * d + m + l] -= q * u * v;
                }
            }
        }
    }
    ll
}

fn singular(c: &Comparisons<'_>, resample: Option<usize>) -> RankError {
    let at = resample.map_or_else(String::new, |r| format!(" in resample {r}"));
    RankError::invalid(
        "comparisons",
        "comparisons that connect all the players and covariates that are not collinear with \
         them (the information matrix is singular)",
        format!(
            "{} comparisons between {} players{at}",
            c.len(),
            c.n_players
        ),
    )
}

impl ContextOptions {
    /// The Newton iteration of `m` strengths and the coefficients.
    fn newton(&self, m: usize) -> Newton {
        Newton {
            m,
            pinned: None,
            max_iter: self.max_iter,
            tol: self.tol,
        }
    }
}

/// Newton's method on the comparisons `rows`, from `start` when given.
fn newton(
    c: &Comparisons<'_>,
    x: &Covariates<'_>,
    rows: &[u32],
    opts: &ContextOptions,
    start: Option<&[f64]>,
    resample: Option<usize>,
) -> Result<ContextFit> {
    let (m, d) = (c.n_players, c.n_players + x.k);
    let mut params = start.map_or_else(|| vec![0.0; d], <[f64]>::to_vec);
    let (iterations, converged) = opts.newton(m).maximise(
        &mut params,
        |p, deriv| evaluate(c, x, rows, opts.alpha, p, deriv),
        |_| true,
        || singular(c, resample),
    )?;
    let beta = params.split_off(m);
    Ok(ContextFit {
        theta: params,
        beta,
        iterations,
        converged,
    })
}

fn all_rows(n: usize) -> Vec<u32> {
    (0..n)
        .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
        .collect()
}

/// The fit of all the comparisons (see the module documentation).
pub fn fit(c: &Comparisons<'_>, x: &Covariates<'_>, opts: &ContextOptions) -> Result<ContextFit> {
    check_iteration(opts.alpha, opts.max_iter, opts.tol, true)?;
    if u32::try_from(c.len()).is_err() {
        return Err(RankError::invalid(
            "comparisons",
            "fewer than 2^32 comparisons",
            c.len(),
        ));
    }
    newton(c, x, &all_rows(c.len()), opts, None, None)
}

/// Standard errors of the centred `theta` then of `beta` at a fit.
pub fn standard_errors(
    c: &Comparisons<'_>,
    x: &Covariates<'_>,
    fit: &ContextFit,
    opts: &ContextOptions,
) -> Result<Vec<f64>> {
    let (m, k) = (c.n_players, x.k);
    let d = m + k;
    let params: Vec<f64> = fit.theta.iter().chain(&fit.beta).copied().collect();
    if params.len() != d {
        return Err(RankError::shape(
            "params",
            format!("{d} parameters"),
            params.len(),
        ));
    }
    let (mut g, mut h) = (vec![0.0; d], vec![0.0; d * d]);
    evaluate(
        c,
        x,
        &all_rows(c.len()),
        opts.alpha,
        &params,
        Some((&mut g, &mut h)),
    );
    let newton = opts.newton(m);
    let inv = newton.inverse(&h).ok_or_else(|| singular(c, None))?;
    Ok(newton.errors(&inv))
}

/// Bootstrap fits: `theta[r * m + i]`, `beta[r * k + j]`, resamples not converged.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextBootstrap {
    pub theta: Vec<f64>,
    pub beta: Vec<f64>,
    pub not_converged: usize,
}

/// The fit on each resample of the comparisons, in parallel, from the full fit.
pub fn bootstrap(
    c: &Comparisons<'_>,
    x: &Covariates<'_>,
    resamples: Resamples<'_>,
    opts: &ContextOptions,
) -> Result<ContextBootstrap> {
    let full = fit(c, x, opts)?;
    let start: Vec<f64> = full.theta.iter().chain(&full.beta).copied().collect();
    let fits = resample::fits(resamples, c.len(), Vec::new, |rows: &mut Vec<u32>, r| {
        rows.clear();
        // Validated: indices in 0..n < 2^32.
        #[allow(clippy::cast_possible_truncation)]
        r.for_each(|i| rows.push(i as u32));
        newton(c, x, rows, opts, Some(&start), Some(r.index))
    })?;
    let mut out = ContextBootstrap {
        theta: Vec::with_capacity(fits.len() * c.n_players),
        beta: Vec::with_capacity(fits.len() * x.k),
        not_converged: 0,
    };
    for f in fits {
        out.not_converged += usize::from(!f.converged);
        out.theta.extend_from_slice(&f.theta);
        out.beta.extend_from_slice(&f.beta);
    }
    Ok(out)
}

/// Independent contextual Bradley–Terry fits of many problems, in parallel by
/// [`ComparisonGroups::each`]: each problem owns its comparisons' rows of `features`
/// (row-major, `k` columns). Returns each problem's fit and, with `with_errors`, its standard errors
/// (`players + k`), each as [`fit`] and [`standard_errors`] on that problem alone.
#[allow(clippy::type_complexity)]
pub fn fit_groups(
    groups: &ComparisonGroups<'_>,
    features: &[f64],
    k: usize,
    opts: &ContextOptions,
    with_errors: bool,
) -> Result<Vec<(ContextFit, Option<Vec<f64>>)>> {
    Covariates::new(features, groups.len(), k)?;
    groups.each(|c, rows| {
        let x = Covariates::new(&features[rows.start * k..rows.end * k], c.len(), k)?;
        fit_and_errors(with_errors, fit(c, &x, opts), |f| {
            standard_errors(c, &x, f, opts)
        })
    })
}

/// [`bootstrap`] of many independent problems at once (each problem's rows of `features`,
/// `k` per comparison, with it), as [`super::bradley_terry::bootstrap_groups`].
pub fn bootstrap_groups(
    groups: &ComparisonGroups<'_>,
    features: &[f64],
    k: usize,
    resamples: Resamples<'_>,
    opts: &ContextOptions,
) -> Result<Vec<ContextBootstrap>> {
    Covariates::new(features, groups.len(), k)?;
    groups.bootstrap(resamples, |c, rows, how| {
        let x = Covariates::new(&features[rows.start * k..rows.end * k], c.len(), k)?;
        bootstrap(c, &x, how, opts)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::plackett_luce::MmOptions;

    #[test]
    fn a_zero_covariate_is_refused_and_the_gradient_vanishes_at_the_fit() {
        let (a, b) = (vec![0, 1, 2, 0, 1, 0, 2, 1], vec![1, 2, 0, 2, 0, 1, 1, 2]);
        let s = vec![1.0, 1.0, 0.5, 0.0, 1.0, 0.0, 0.0, 1.0];
        let c = Comparisons::new(&a, &b, &s, None, 3).unwrap();
        let opts = ContextOptions {
            alpha: 0.0,
            max_iter: 100,
            tol: 1e-12,
        };
        let zeros = vec![0.0; 8];
        // A zero covariate is not identified: the information is singular.
        let x0 = Covariates::new(&zeros, 8, 1).unwrap();
        assert!(fit(&c, &x0, &opts).is_err());
        let feats = vec![0.3, -0.2, 0.1, 0.5, -0.4, 0.2, -0.1, 0.6];
        let x = Covariates::new(&feats, 8, 1).unwrap();
        let f = fit(&c, &x, &opts).unwrap();
        assert!(f.converged);
        let params: Vec<f64> = f.theta.iter().chain(&f.beta).copied().collect();
        let (mut g, mut h) = (vec![0.0; 4], vec![0.0; 16]);
        evaluate(&c, &x, &all_rows(8), 0.0, &params, Some((&mut g, &mut h)));
        assert!(g.iter().all(|v| v.abs() < 1e-9), "{g:?}");
        let bt = super::super::bradley_terry::fit(&c, &MmOptions::default()).unwrap();
        assert!(
            f.theta
                .iter()
                .zip(&bt.params)
                .any(|(x, y)| (x - y).abs() > 1e-6)
        );
    }
}
