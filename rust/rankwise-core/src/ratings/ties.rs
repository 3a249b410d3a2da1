//! Pairwise comparisons with ties: the Davidson (1970) and Rao–Kupper (1967) models.
//!
//! With log-strengths `θ` (`π = exp θ`) and `d = θ_a - θ_b`:
//!
//! * **Davidson** (R. R. Davidson, "On extending the Bradley–Terry model to accommodate ties
//!   in paired comparison experiments", *JASA* 65, 1970): with `ν ≥ 0`,
//!   `P(a wins) = π_a / (π_a + π_b + ν √(π_a π_b))`, `P(tie) = ν √(π_a π_b) / (same)`;
//!   dividing by `√(π_a π_b)`, the log-probabilities are `d/2`, `-d/2` and `ln ν` minus
//!   `ln(2 cosh(d/2) + ν)`.
//! * **Rao–Kupper** (P. V. Rao & L. L. Kupper, "Ties in paired-comparison experiments: a
//!   generalization of the Bradley–Terry model", *JASA* 62, 1967): with `ϑ = exp τ ≥ 1`,
//!   `P(a wins) = π_a / (π_a + ϑ π_b) = σ(d - τ)` and
//!   `P(tie) = (ϑ² - 1) π_a π_b / ((π_a + ϑ π_b)(ϑ π_a + π_b)) = σ(τ - d) σ(τ + d) (1 - e^{-2τ})`
//!   (σ the logistic function), the last form free of cancellation.
//!
//! A comparison scores 1 (a win of `a`), 0 (a loss) or 0.5 (a tie), with a weight. The
//! maximum-likelihood `(θ, η)` (`η = ln ν` for Davidson, `η = τ = ln ϑ` for Rao–Kupper),
//! `θ` centred, is found by Newton's method with step halving: both log-likelihoods are
//! concave in these parameters (Davidson's is a sum of linear terms minus log-sum-exps of
//! linear forms; Rao–Kupper's is a cumulative-logit likelihood with cut points `±τ`, concave by
//! Pratt 1981, *JASA* 76). The centring is the gauge: each Newton system is solved with
//! `uuᵀ` added on the `θ` block (`u = 1/√m`), whose solution is orthogonal to `u`.
//! `alpha > 0` adds the penalty `-alpha/2 · Σ θ_i²` (a Gaussian prior: a maximum a posteriori
//! fit, finite for any data). Without ties the tie parameter's maximum is on the boundary
//! (`ν = 0`, `ϑ = 1`) and both models are Bradley–Terry: the fit then keeps it there.
//!
//! Asymptotic standard errors come from the inverse of the observed information at the fit
//! (the negative Hessian, penalty included), projected on centred `θ`: `P (H̃)⁻¹ P` with
//! `H̃ = -H + uuᵀ` on the `θ` block and `P` the centring projection.

use super::Comparisons;
use super::groups::{ComparisonGroups, fit_and_errors};
use super::resample::{self, Resamples};
use super::solve::{Derivatives, Newton, check_strengths, log_sigmoid, ridge};
use crate::error::{RankError, Result};
use crate::labels::plackett_luce::check_iteration;

/// Which model of ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieModel {
    Davidson,
    RaoKupper,
}

/// Options of the Newton fit.
#[derive(Debug, Clone, Copy)]
pub struct TieOptions {
    pub model: TieModel,
    /// Ridge penalty `alpha/2 · Σ θ²` (0: maximum likelihood).
    pub alpha: f64,
    pub max_iter: usize,
    /// Converged when the largest Newton step is below `tol`.
    pub tol: f64,
}

impl TieOptions {
    /// Check `alpha`, `max_iter` and `tol`.
    pub fn validate(&self) -> Result<()> {
        check_iteration(self.alpha, self.max_iter, self.tol, true)
    }

    /// The Newton iteration of `m` strengths and the tie parameter, pinned on its boundary
    /// unless `free`.
    fn newton(&self, m: usize, free: bool) -> Newton {
        Newton {
            m,
            pinned: (!free).then_some(m),
            max_iter: self.max_iter,
            tol: self.tol,
        }
    }
}

/// A fit: centred log-strengths `theta`, the tie parameter `eta` (`ln ν` for Davidson, `τ =
/// ln ϑ` for Rao–Kupper; `-inf` and 0 on the no-ties boundary), iterations, convergence.
#[derive(Debug, Clone, PartialEq)]
pub struct TieFit {
    pub theta: Vec<f64>,
    pub eta: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Pooled counts: `wins[a * m + b]` weighted wins of `a` over `b`, `ties[a * m + b]` (a < b)
/// weighted ties.
struct Counts {
    m: usize,
    wins: Vec<f64>,
    ties: Vec<f64>,
    /// Pairs `(a, b)`, `a < b`, with any comparison.
    pairs: Vec<(usize, usize)>,
}

impl Counts {
    fn new(m: usize) -> Self {
        Counts {
            m,
            wins: vec![0.0; m * m],
            ties: vec![0.0; m * m],
            pairs: Vec::new(),
        }
    }

    fn clear(&mut self) {
        self.wins.iter_mut().for_each(|v| *v = 0.0);
        self.ties.iter_mut().for_each(|v| *v = 0.0);
        self.pairs.clear();
    }

    #[inline]
    fn add(&mut self, c: &Comparisons<'_>, i: usize) {
        let m = self.m;
        let (a, b, s, w) = c.get(i);
        if s == 0.5 {
            let (x, y) = (a.min(b), a.max(b));
            self.ties[x * m + y] += w;
        } else if s == 1.0 {
            self.wins[a * m + b] += w;
        } else {
            self.wins[b * m + a] += w;
        }
    }

    /// List the pairs and check that a maximum-likelihood fit can exist.
    fn finish(&mut self, alpha: f64, resample: Option<usize>) -> Result<bool> {
        let m = self.m;
        self.pairs.clear();
        let mut any_tie = false;
        let mut any_decisive = false;
        for a in 0..m {
            for b in a + 1..m {
                let (w, l, t) = (
                    self.wins[a * m + b],
                    self.wins[b * m + a],
                    self.ties[a * m + b],
                );
                if w + l + t > 0.0 {
                    self.pairs.push((a, b));
                }
                any_tie |= t > 0.0;
                any_decisive |= w + l > 0.0;
            }
        }
        let at = resample.map_or_else(String::new, |r| format!(" in resample {r}"));
        if !any_decisive {
            return Err(RankError::invalid(
                "winner",
                "at least one comparison that is not a tie (with only ties the tie parameter \
                 has no finite maximum-likelihood value)",
                format!("only ties{at}"),
            ));
        }
        if alpha <= 0.0 {
            for i in 0..m {
                let (mut up, mut down, mut tied) = (0.0, 0.0, 0.0);
                for j in 0..m {
                    up += self.wins[i * m + j];
                    down += self.wins[j * m + i];
                    tied += self.ties[i.min(j) * m + i.max(j)];
                }
                if up + tied <= 0.0 || down + tied <= 0.0 {
                    let what = if up + down + tied <= 0.0 {
                        "has no comparisons"
                    } else if up + tied <= 0.0 {
                        "never wins nor ties, so its maximum-likelihood strength is 0"
                    } else {
                        "never loses nor ties, so its maximum-likelihood strength is infinite"
                    };
                    return Err(RankError::invalid(
                        "alpha",
                        format!("> 0 when a player {what} (player {i}{at}; pass e.g. alpha=0.01)"),
                        alpha,
                    ));
                }
            }
        }
        Ok(any_tie)
    }
}

#[inline]
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Log-likelihood of one pair with `w` wins of the first, `l` losses and `t` ties at
/// difference `d` and tie parameter `eta`; with `grad`, its derivatives
/// `(∂d, ∂η, ∂dd, ∂dη, ∂ηη)`. With `free == false` the tie parameter is on the boundary
/// (no ties anywhere) and the model is Bradley–Terry.
#[inline]
fn pair_terms(model: TieModel, free: bool, d: f64, eta: f64, w: f64, l: f64, t: f64) -> [f64; 6] {
    let n = w + l + t;
    match (model, free) {
        (_, false) => {
            // Bradley–Terry: w ln σ(d) + l ln σ(-d).
            let p = sigmoid(d);
            let q = p * (1.0 - p);
            let ll = w * log_sigmoid(d) + l * log_sigmoid(-d);
            [ll, w - n * p, 0.0, -n * q, 0.0, 0.0]
        }
        (TieModel::Davidson, true) => {
            // ln of the denominator over √(π_a π_b): f = ln(e^{d/2} + e^{-d/2} + e^η),
            // a log-sum-exp of the linear forms d/2, -d/2, η.
            let top = (d / 2.0).abs().max(eta);
            let (ew, el, et) = (
                (d / 2.0 - top).exp(),
                (-d / 2.0 - top).exp(),
                (eta - top).exp(),
            );
            let s = ew + el + et;
            let f = top + s.ln();
            let (pw, pl, pt) = (ew / s, el / s, et / s);
            let mu = (pw - pl) / 2.0;
            let ll = (w - l) * d / 2.0 + t * eta - n * f;
            [
                ll,
                (w - l) / 2.0 - n * mu,
                t - n * pt,
                -n * ((pw + pl) / 4.0 - mu * mu),
                n * mu * pt,
                -n * pt * (1.0 - pt),
            ]
        }
        (TieModel::RaoKupper, true) => {
            let tau = eta;
            // ln σ(x) has derivative σ(-x) and second derivative -σ(x)σ(-x).
            let q = |x: f64| sigmoid(x) * sigmoid(-x);
            // win: ln σ(d - τ)
            let (gw, qw) = (sigmoid(tau - d), q(d - tau));
            // loss: ln σ(-d - τ)
            let (gl, ql) = (sigmoid(d + tau), q(d + tau));
            // tie: ln σ(τ - d) + ln σ(τ + d) + ln(1 - e^{-2τ})
            let (ga, qa) = (sigmoid(d - tau), q(tau - d));
            let (gb, qb) = (sigmoid(-tau - d), q(tau + d));
            let em = (2.0 * tau).exp_m1();
            let ll = w * log_sigmoid(d - tau)
                + l * log_sigmoid(-d - tau)
                + t * (log_sigmoid(tau - d) + log_sigmoid(tau + d) + (-(-2.0 * tau).exp_m1()).ln());
            let gd = w * gw - l * gl + t * (-ga + gb);
            let ge = -w * gw - l * gl + t * (ga + gb + 2.0 / em);
            let hdd = -w * qw - l * ql - t * (qa + qb);
            let hde = w * qw - l * ql + t * (qa - qb);
            let hee = -w * qw - l * ql - t * (qa + qb + 4.0 * (em + 1.0) / (em * em));
            [ll, gd, ge, hdd, hde, hee]
        }
    }
}

/// Log-likelihood (penalised) at `(theta, eta)` and, with `hess`, the gradient (`m + 1`) and the
/// Hessian (`(m + 1)²`, row-major; the last row and column the tie parameter's, zero when it
/// is not free).
fn evaluate(
    counts: &Counts,
    opts: &TieOptions,
    free: bool,
    theta: &[f64],
    eta: f64,
    mut deriv: Derivatives<'_>,
) -> f64 {
    let m = counts.m;
    let k = m + 1;
    let mut ll = ridge(opts.alpha, theta, &mut deriv);
    for &(a, b) in &counts.pairs {
        let (w, l, t) = (
            counts.wins[a * m + b],
            counts.wins[b * m + a],
            counts.ties[a * m + b],
        );
        let [v, gd, ge, hdd, hde, hee] =
            pair_terms(opts.model, free, theta[a] - theta[b], eta, w, l, t);
        ll += v;
        if let Some((g, h)) = deriv.as_mut() {
            g[a] += gd;
            g[b] -= gd;
            g[m] += ge;
            h[a * k + a] += hdd;
            h[b * k + b] += hdd;
            h[a * k + b] -= hdd;
            h[b * k + a] -= hdd;
            h[a * k + m] += hde;
            h[m * k + a] += hde;
            h[b * k + m] -= hde;
            h[m * k + b] -= hde;
            h[m * k + m] += hee;
        }
    }
    ll
}

fn singular(c: &Comparisons<'_>, resample: Option<usize>) -> RankError {
    let at = resample.map_or_else(String::new, |r| format!(" in resample {r}"));
    RankError::invalid(
        "comparisons",
        "comparisons that connect all the players (the information matrix is singular; or \
         pass alpha > 0)",
        format!(
            "{} comparisons between {} players{at}",
            c.len(),
            c.n_players
        ),
    )
}

/// Newton's method on pooled counts, from `start` when given.
fn fit_counts(
    c: &Comparisons<'_>,
    counts: &Counts,
    free: bool,
    opts: &TieOptions,
    start: Option<(&[f64], f64)>,
    resample: Option<usize>,
) -> Result<TieFit> {
    let m = counts.m;
    let (theta, mut eta) = match start {
        Some((t, e)) if free && e.is_finite() => (t.to_vec(), e),
        Some((t, _)) => (t.to_vec(), 0.0),
        None => (vec![0.0; m], 0.0),
    };
    if !free {
        eta = match opts.model {
            TieModel::Davidson => f64::NEG_INFINITY,
            TieModel::RaoKupper => 0.0,
        };
    } else if start.is_none_or(|(_, e)| !e.is_finite()) {
        // Start from the tie fraction p at θ = 0: Davidson ν = 2p/(1-p), Rao–Kupper
        // ϑ = (1+p)/(1-p).
        let (mut tied, mut all) = (0.0, 0.0);
        for &(a, b) in &counts.pairs {
            let t = counts.ties[a * m + b];
            tied += t;
            all += t + counts.wins[a * m + b] + counts.wins[b * m + a];
        }
        let p = (tied / all).clamp(1e-6, 1.0 - 1e-6);
        eta = match opts.model {
            TieModel::Davidson => (2.0 * p / (1.0 - p)).ln(),
            TieModel::RaoKupper => ((1.0 + p) / (1.0 - p)).ln(),
        };
    }
    let mut params = theta;
    params.push(eta);
    // Rao–Kupper's ϑ = e^τ is above 1: steps are halved until τ stays positive.
    let rao_kupper = free && opts.model == TieModel::RaoKupper;
    let (iterations, converged) = opts.newton(m, free).maximise(
        &mut params,
        |p, deriv| evaluate(counts, opts, free, &p[..m], p[m], deriv),
        |p| !(rao_kupper && p[m] <= 0.0),
        || singular(c, resample),
    )?;
    let eta = params.pop().unwrap_or(eta);
    Ok(TieFit {
        theta: params,
        eta,
        iterations,
        converged,
    })
}

/// The counts of all the comparisons, and whether the tie parameter is free (see
/// [`Counts::finish`]).
fn pooled(c: &Comparisons<'_>, opts: &TieOptions) -> Result<(Counts, bool)> {
    opts.validate()?;
    if let Some((i, s)) = c
        .score
        .iter()
        .enumerate()
        .find(|&(_, &s)| s != 0.0 && s != 0.5 && s != 1.0)
    {
        return Err(RankError::invalid(
            "winner",
            "1 (a win of model_a), 0 (a loss) or 0.5 (a tie) for a model of ties",
            format!("{s} at comparison {i}"),
        ));
    }
    let mut counts = Counts::new(c.n_players);
    for i in 0..c.len() {
        counts.add(c, i);
    }
    let free = counts.finish(opts.alpha, None)?;
    Ok((counts, free))
}

/// The maximum-likelihood (or, with `alpha > 0`, penalised) fit of all the comparisons (see the
/// module documentation).
pub fn fit(c: &Comparisons<'_>, opts: &TieOptions) -> Result<TieFit> {
    let (counts, free) = pooled(c, opts)?;
    fit_counts(c, &counts, free, opts, None, None)
}

/// Asymptotic standard errors of the centred `theta` and of `eta` (NaN on the no-ties
/// boundary, where the tie parameter is not estimated) at a fit (see the module
/// documentation).
pub fn standard_errors(c: &Comparisons<'_>, fit: &TieFit, opts: &TieOptions) -> Result<Vec<f64>> {
    let (counts, free) = pooled(c, opts)?;
    let m = c.n_players;
    check_strengths(&fit.theta, m)?;
    let k = m + 1;
    let (mut g, mut h) = (vec![0.0; k], vec![0.0; k * k]);
    evaluate(
        &counts,
        opts,
        free,
        &fit.theta,
        fit.eta,
        Some((&mut g, &mut h)),
    );
    let newton = opts.newton(m, free);
    let inv = newton.inverse(&h).ok_or_else(|| singular(c, None))?;
    let mut se = newton.errors(&inv);
    if !free {
        // The tie parameter is not estimated on the boundary.
        se[m] = f64::NAN;
    }
    Ok(se)
}

/// Independent Davidson or Rao–Kupper fits of many problems, in parallel by
/// [`ComparisonGroups::each`]: each problem's fit and, with `with_errors`, its
/// standard errors (`players + 1`, the tie parameter's last), each as [`fit`] and
/// [`standard_errors`] on that problem alone.
pub fn fit_groups(
    groups: &ComparisonGroups<'_>,
    opts: &TieOptions,
    with_errors: bool,
) -> Result<Vec<(TieFit, Option<Vec<f64>>)>> {
    opts.validate()?;
    groups.each(|c, _| fit_and_errors(with_errors, fit(c, opts), |f| standard_errors(c, f, opts)))
}

/// [`bootstrap`] of many independent problems at once, as
/// [`super::bradley_terry::bootstrap_groups`].
pub fn bootstrap_groups(
    groups: &ComparisonGroups<'_>,
    resamples: Resamples<'_>,
    opts: &TieOptions,
) -> Result<Vec<TieBootstrap>> {
    opts.validate()?;
    groups.bootstrap(resamples, |c, _, how| bootstrap(c, how, opts))
}

/// Bootstrap fits: `theta[r * m + i]`, `eta[r]`, and the number of resamples that did not
/// converge.
#[derive(Debug, Clone, PartialEq)]
pub struct TieBootstrap {
    pub theta: Vec<f64>,
    pub eta: Vec<f64>,
    pub not_converged: usize,
}

/// The fit on each resample of the comparisons, in parallel (resamples as
/// [`super::bradley_terry::bootstrap`]'s), each Newton iteration started from the full fit.
pub fn bootstrap(
    c: &Comparisons<'_>,
    resamples: Resamples<'_>,
    opts: &TieOptions,
) -> Result<TieBootstrap> {
    let full = fit(c, opts)?;
    let start = Some((&full.theta[..], full.eta));
    let fits = resample::fits(
        resamples,
        c.len(),
        || Counts::new(c.n_players),
        |counts, r| {
            counts.clear();
            r.for_each(|i| counts.add(c, i));
            let free = counts.finish(opts.alpha, Some(r.index))?;
            fit_counts(c, counts, free, opts, start, Some(r.index))
        },
    )?;
    let mut out = TieBootstrap {
        theta: Vec::with_capacity(fits.len() * c.n_players),
        eta: Vec::with_capacity(fits.len()),
        not_converged: 0,
    };
    for f in fits {
        out.not_converged += usize::from(!f.converged);
        out.theta.extend_from_slice(&f.theta);
        out.eta.push(f.eta);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::plackett_luce::MmOptions;

    fn opts(model: TieModel) -> TieOptions {
        TieOptions {
            model,
            alpha: 0.0,
            max_iter: 200,
            tol: 1e-10,
        }
    }

    #[test]
    fn without_ties_both_models_are_bradley_terry() {
        let (a, b, s) = (
            vec![0, 1, 2, 0, 1, 0, 2, 1],
            vec![1, 2, 0, 2, 0, 1, 1, 2],
            vec![1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0],
        );
        let c = Comparisons::new(&a, &b, &s, None, 3).unwrap();
        let bt = super::super::bradley_terry::fit(
            &c,
            &MmOptions {
                tol: 1e-12,
                ..MmOptions::default()
            },
        )
        .unwrap();
        for model in [TieModel::Davidson, TieModel::RaoKupper] {
            let f = fit(&c, &opts(model)).unwrap();
            assert!(f.converged);
            for (x, y) in f.theta.iter().zip(&bt.params) {
                assert!((x - y).abs() < 1e-8, "{f:?} {bt:?}");
            }
        }
    }

    #[test]
    fn the_gradient_vanishes_at_the_fit_and_ties_raise_the_tie_parameter() {
        let (a, b) = (vec![0, 1, 2, 0, 1, 0, 2, 1], vec![1, 2, 0, 2, 0, 1, 1, 2]);
        let few = vec![1.0, 1.0, 0.5, 0.0, 1.0, 0.0, 0.0, 1.0];
        let many = vec![1.0, 0.5, 0.5, 0.0, 0.5, 0.0, 0.0, 1.0];
        for model in [TieModel::Davidson, TieModel::RaoKupper] {
            let o = opts(model);
            let mut etas = vec![];
            for s in [&few, &many] {
                let c = Comparisons::new(&a, &b, s, None, 3).unwrap();
                let f = fit(&c, &o).unwrap();
                let (counts, free) = pooled(&c, &o).unwrap();
                assert!(free);
                let (mut g, mut h) = (vec![0.0; 4], vec![0.0; 16]);
                evaluate(&counts, &o, true, &f.theta, f.eta, Some((&mut g, &mut h)));
                assert!(g.iter().all(|v| v.abs() < 1e-8), "{model:?} {g:?}");
                etas.push(f.eta);
            }
            assert!(etas[1] > etas[0], "{model:?} {etas:?}");
        }
    }

    #[test]
    fn bad_data_is_refused_by_name() {
        let c = Comparisons::new(&[0, 1], &[1, 0], &[0.5, 0.5], None, 2).unwrap();
        let e = fit(&c, &opts(TieModel::Davidson)).unwrap_err().to_string();
        assert!(e.contains("only ties"), "{e}");
        let c = Comparisons::new(&[0], &[1], &[0.25], None, 2).unwrap();
        let e = fit(&c, &opts(TieModel::Davidson)).unwrap_err().to_string();
        assert!(e.contains("`winner`"), "{e}");
        let c = Comparisons::new(&[0, 1], &[1, 2], &[1.0, 0.5], None, 3).unwrap();
        let e = fit(&c, &opts(TieModel::RaoKupper)).unwrap_err().to_string();
        assert!(e.contains("player 1") || e.contains("player 0"), "{e}");
    }
}
