//! Plackett–Luce (and Bradley–Terry) maximum likelihood from rankings over subsets.
//!
//! Under Plackett–Luce with strengths `γ`, a ranking `π` of a subset has probability
//! `Π_t γ_{π_t} / Σ_{u ≥ t} γ_{π_u}`; Bradley–Terry is the case of rankings of two.
//! Log-strengths `θ = log γ` are identified up to a constant and reported **centred**
//! (mean 0), as choix does.
//!
//! * [`mm`]: Hunter's (2004) minorization–maximization algorithm, step for step as
//!   `choix.mm_rankings` / `choix.mm_pairwise` (choix 0.4): starting from `θ = 0`, each
//!   iteration computes `γ = exp(θ - mean θ)` rescaled to sum to `m`, the wins `w_i` (stages
//!   won) and `d_i = Σ_stages [i still in the stage] / Σ_{u in stage} γ_u`, then
//!   `θ = log((w + α) / (d + α))`, centred. It stops when the L1 norm of the change of the
//!   centred `θ` is at most `tol · m` (never on the first iteration), or after `max_iter`
//!   iterations, returning the current estimate flagged as not converged.
//! * [`ilsr`]: iterative Luce spectral ranking (Maystre & Grossglauser 2015) as
//!   `choix.ilsr_rankings`: `θ` is the log of the stationary distribution of the Markov chain
//!   whose rate from loser `j` to winner `i` is `α + Σ_stages 1/Σ_{u in stage} γ_u` with the
//!   current `γ`, iterated with the same convergence test.
//!
//! Rankings carry weights (a pair of weight `w` counts as `w` comparisons), which generalises
//! choix's data to counts and probabilistic outcomes; with unit weights the arithmetic is
//! choix's.

use crate::error::{RankError, Result};
use crate::labels::evidence::Compact;

/// Options of the MM and I-LSR iterations (choix's parameters and defaults differ per
/// function: `mm_rankings` uses `max_iter = 10000`, `ilsr_rankings` `max_iter = 100`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmOptions {
    /// Regularisation (choix's `alpha`): `α > 0` is the MAP estimate under a Dirichlet-like
    /// prior and makes the estimate exist when some candidate never wins.
    pub alpha: f64,
    /// Iteration cap.
    pub max_iter: usize,
    /// Convergence tolerance on the mean absolute change of the centred log-strengths.
    pub tol: f64,
}

impl Default for MmOptions {
    fn default() -> Self {
        MmOptions {
            alpha: 0.0,
            max_iter: 10_000,
            tol: 1e-8,
        }
    }
}

impl MmOptions {
    /// Check the options.
    pub fn validate(&self) -> Result<()> {
        check_iteration(self.alpha, self.max_iter, self.tol, false)
    }
}

/// Check the options every iterative fit shares: `alpha` finite and `>= 0`, `max_iter`
/// positive, `tol` finite and `>= 0`, or `> 0` when `strict` (a Newton fit converges when its
/// step is below `tol`, which a `tol` of 0 never lets it do).
pub(crate) fn check_iteration(alpha: f64, max_iter: usize, tol: f64, strict: bool) -> Result<()> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(RankError::invalid("alpha", "a finite number >= 0", alpha));
    }
    if max_iter == 0 {
        return Err(RankError::invalid("max_iter", "a positive integer", 0));
    }
    if strict && !(tol.is_finite() && tol > 0.0) {
        return Err(RankError::invalid("tol", "a finite number > 0", tol));
    }
    if !(tol.is_finite() && tol >= 0.0) {
        return Err(RankError::invalid("tol", "a finite number >= 0", tol));
    }
    Ok(())
}

/// A fitted model: centred log-strengths of the observed candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub params: Vec<f64>,
    pub iterations: usize,
    pub converged: bool,
}

/// Reusable buffers of the iterations.
#[derive(Debug, Default)]
pub struct Scratch {
    wins: Vec<f64>,
    denoms: Vec<f64>,
    gamma: Vec<f64>,
    prev: Vec<f64>,
    chain: Vec<f64>,
}

/// choix's `exp_transform`: `γ = exp(θ - mean θ)`, rescaled to sum to `m`.
pub(crate) fn exp_transform(params: &[f64], gamma: &mut Vec<f64>) {
    let m = params.len() as f64;
    let mean = params.iter().sum::<f64>() / m;
    gamma.clear();
    gamma.extend(params.iter().map(|&p| (p - mean).exp()));
    let scale = m / gamma.iter().sum::<f64>();
    for g in gamma.iter_mut() {
        *g *= scale;
    }
}

impl Fit {
    /// The fit of at most one candidate: nothing to estimate, converged at once.
    fn settled(m: usize) -> Fit {
        Fit {
            params: vec![0.0; m],
            iterations: 0,
            converged: true,
        }
    }
}

/// Centre in place (choix's `log_transform` after the log).
fn centre(params: &mut [f64]) {
    let mean = params.iter().sum::<f64>() / params.len() as f64;
    for p in params.iter_mut() {
        *p -= mean;
    }
}

/// choix's `NormOfDifferenceTest(tol, order=1)`: `prev` holds the previous centred iterate
/// (empty before the first call).
fn converged(prev: &mut Vec<f64>, params: &[f64], tol: f64) -> bool {
    if prev.is_empty() {
        prev.extend_from_slice(params);
        return false;
    }
    let dist: f64 = prev.iter().zip(params).map(|(a, b)| (a - b).abs()).sum();
    prev.copy_from_slice(params);
    dist <= tol * params.len() as f64
}

/// The fixed-point loop of [`mm`], [`ilsr`] and [`crate::ratings::luce::mm_top1`]: from zeros, `step` replaces the parameters
/// with the next estimate, which is centred; stops once they move by at most `tol` per
/// candidate (choix's convergence test) or after `max_iter` steps. One query can iterate for
/// long (`max_iter` is the user's): polls for an interrupt per iteration.
pub(crate) fn iterate(
    m: usize,
    opts: &MmOptions,
    prev: &mut Vec<f64>,
    mut step: impl FnMut(&mut Vec<f64>) -> Result<()>,
) -> Result<Fit> {
    let mut params = vec![0.0; m];
    prev.clear();
    let watch = crate::interrupt::current();
    for it in 1..=opts.max_iter {
        watch.check()?;
        step(&mut params)?;
        centre(&mut params);
        if converged(prev, &params, opts.tol) {
            return Ok(Fit {
                params,
                iterations: it,
                converged: true,
            });
        }
    }
    Ok(Fit {
        params,
        iterations: opts.max_iter,
        converged: false,
    })
}

/// Stages won by each candidate (`Σ` of the ranking weights over the stages it wins).
fn wins(data: &Compact, out: &mut Vec<f64>) {
    out.clear();
    out.resize(data.m(), 0.0);
    for r in 0..data.len() {
        let (items, w) = data.ranking(r);
        if let Some((_, head)) = items.split_last() {
            for &i in head {
                out[i as usize] += w;
            }
        }
    }
}

/// With `α = 0`, a candidate that never wins a stage has MLE `-∞`: refuse it by name.
fn check_wins(data: &Compact, wins: &[f64], alpha: f64, query: usize) -> Result<()> {
    if alpha > 0.0 {
        return Ok(());
    }
    if let Some(i) = wins.iter().position(|&w| w <= 0.0) {
        return Err(RankError::invalid(
            "alpha",
            format!(
                "> 0 when a candidate never wins (candidate {} of query {query} is never \
                 preferred to another, so its maximum-likelihood strength is 0; pass e.g. \
                 alpha=0.01)",
                data.observed[i]
            ),
            alpha,
        ));
    }
    Ok(())
}

/// Plackett–Luce MLE by Hunter's MM, as `choix.mm_rankings` (see the module documentation).
/// `query` only names the query in errors.
pub fn mm(data: &Compact, opts: &MmOptions, query: usize, s: &mut Scratch) -> Result<Fit> {
    let m = data.m();
    if m <= 1 {
        return Ok(Fit::settled(m));
    }
    wins(data, &mut s.wins);
    check_wins(data, &s.wins, opts.alpha, query)?;
    // γ = exp(θ - mean θ) rescaled to sum to m is the last ratio (w + α) / (d + α) rescaled
    // to sum to m: the same numbers (up to rounding) without an exp per candidate.
    s.gamma.clear();
    s.gamma.resize(m, 1.0);
    iterate(m, opts, &mut s.prev, |params| {
        s.denoms.clear();
        s.denoms.resize(m, 0.0);
        for r in 0..data.len() {
            let (items, w) = data.ranking(r);
            let Some((&last, head)) = items.split_last() else {
                continue;
            };
            let mut sum: f64 = items.iter().map(|&i| s.gamma[i as usize]).sum();
            let mut acc = 0.0;
            for &i in head {
                acc += w / sum;
                s.denoms[i as usize] += acc;
                sum -= s.gamma[i as usize];
            }
            s.denoms[last as usize] += acc;
        }
        let mut total = 0.0;
        for (((p, g), &w), &d) in params
            .iter_mut()
            .zip(s.gamma.iter_mut())
            .zip(&s.wins)
            .zip(&s.denoms)
        {
            let ratio = (w + opts.alpha) / (d + opts.alpha);
            *g = ratio;
            total += ratio;
            *p = ratio.ln();
        }
        let scale = m as f64 / total;
        for g in s.gamma.iter_mut() {
            *g *= scale;
        }
        Ok(())
    })
}

/// Stationary distribution of the chain with generator `q` (row-major `m x m`, rows summing
/// to 0), rescaled to sum to `m`: solves `πᵀ Q = 0`, `Σ π = 1` by Gaussian elimination with
/// partial pivoting. `None` when the chain has no unique stationary distribution.
fn stationary(q: &[f64], m: usize, a: &mut Vec<f64>) -> Option<Vec<f64>> {
    // A = Qᵀ with the last equation replaced by Σ π = 1.
    a.clear();
    a.resize(m * (m + 1), 0.0);
    let w = m + 1;
    for i in 0..m {
        for j in 0..m {
            a[i * w + j] = q[j * m + i];
        }
    }
    for j in 0..m {
        a[(m - 1) * w + j] = 1.0;
    }
    a[(m - 1) * w + m] = 1.0;
    let scale = q.iter().fold(0.0f64, |s, v| s.max(v.abs())).max(1.0);
    for col in 0..m {
        let pivot = (col..m).max_by(|&x, &y| {
            a[x * w + col]
                .abs()
                .partial_cmp(&a[y * w + col].abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        })?;
        if a[pivot * w + col].abs() <= 1e-13 * scale {
            return None;
        }
        if pivot != col {
            for j in 0..w {
                a.swap(pivot * w + j, col * w + j);
            }
        }
        let d = a[col * w + col];
        for r in col + 1..m {
            let f = a[r * w + col] / d;
            if f != 0.0 {
                for j in col..w {
                    a[r * w + j] -= f * a[col * w + j];
                }
            }
        }
    }
    let mut x = vec![0.0; m];
    for r in (0..m).rev() {
        let mut v = a[r * w + m];
        for j in r + 1..m {
            v -= a[r * w + j] * x[j];
        }
        x[r] = v / a[r * w + r];
    }
    let total: f64 = x.iter().sum();
    if !(total.is_finite() && total > 0.0) || x.iter().any(|&v| v.is_nan() || v <= 0.0) {
        return None;
    }
    let k = m as f64 / total;
    Some(x.into_iter().map(|v| v * k).collect())
}

/// Plackett–Luce MLE by iterative Luce spectral ranking, as `choix.ilsr_rankings`.
pub fn ilsr(data: &Compact, opts: &MmOptions, query: usize, s: &mut Scratch) -> Result<Fit> {
    let m = data.m();
    if m <= 1 {
        return Ok(Fit::settled(m));
    }
    let mut solve = Vec::new();
    iterate(m, opts, &mut s.prev, |params| {
        exp_transform(params, &mut s.gamma);
        s.chain.clear();
        s.chain.resize(m * m, opts.alpha);
        for r in 0..data.len() {
            let (items, w) = data.ranking(r);
            let mut sum: f64 = items.iter().map(|&i| s.gamma[i as usize]).sum();
            for (t, &winner) in items.iter().enumerate().take(items.len().saturating_sub(1)) {
                let val = w / sum;
                for &loser in &items[t + 1..] {
                    s.chain[loser as usize * m + winner as usize] += val;
                }
                sum -= s.gamma[winner as usize];
            }
        }
        for i in 0..m {
            let row = &mut s.chain[i * m..(i + 1) * m];
            let total: f64 = row.iter().sum();
            row[i] -= total;
        }
        let Some(pi) = stationary(&s.chain, m, &mut solve) else {
            return Err(RankError::invalid(
                "alpha",
                format!(
                    "> 0 when the comparisons of a query do not connect its candidates (query \
                     {query}: the I-LSR Markov chain has no unique stationary distribution)"
                ),
                opts.alpha,
            ));
        };
        for (p, v) in params.iter_mut().zip(pi) {
            *p = v.ln();
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::evidence::{Evidence, WindowBatch};

    /// The default options but `alpha` and `max_iter`.
    fn options(alpha: f64, max_iter: usize) -> MmOptions {
        MmOptions {
            alpha,
            max_iter,
            ..MmOptions::default()
        }
    }

    fn compact(items: &[i64], window_offsets: &[i64], n: i64) -> Compact {
        let q = [0, (window_offsets.len() - 1) as i64];
        let nn = [n];
        let b = WindowBatch::new(items, window_offsets, &q, &nn).unwrap();
        let mut c = Compact::default();
        c.load(&Evidence::Windows(b), 0);
        c
    }

    #[test]
    fn mm_equals_choix_on_a_small_example() {
        // choix 0.4.1: mm_rankings(3, [[0, 1, 2], [1, 0], [2, 0, 1], [1, 2]])
        let c = compact(&[0, 1, 2, 1, 0, 2, 0, 1, 1, 2], &[0, 3, 5, 8, 10], 3);
        let fit = mm(&c, &MmOptions::default(), 0, &mut Scratch::default()).unwrap();
        assert!(fit.converged);
        let choix = [
            0.376_829_328_935_863_4,
            0.181_879_156_460_998_23,
            -0.558_708_485_396_861_6,
        ];
        for (a, b) in fit.params.iter().zip(choix) {
            assert!((a - b).abs() < 1e-9, "{fit:?}");
        }
        // I-LSR converges to the same maximum-likelihood estimate
        let i = ilsr(&c, &options(0.0, 100), 0, &mut Scratch::default()).unwrap();
        for (a, b) in fit.params.iter().zip(&i.params) {
            assert!((a - b).abs() < 1e-6, "{fit:?} {i:?}");
        }
    }

    #[test]
    fn a_candidate_that_never_wins_needs_alpha() {
        let c = compact(&[0, 1, 0, 1], &[0, 2, 4], 2);
        let e = mm(&c, &MmOptions::default(), 7, &mut Scratch::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("candidate 1 of query 7"), "{e}");
        let fit = mm(&c, &options(0.5, 10_000), 7, &mut Scratch::default()).unwrap();
        assert!(fit.params[0] > fit.params[1]);
    }

    #[test]
    fn iteration_cap_returns_the_current_estimate_unconverged() {
        let c = compact(&[0, 1, 2, 2, 1, 0, 1, 0], &[0, 3, 6, 8], 3);
        let fit = mm(&c, &options(0.0, 2), 0, &mut Scratch::default()).unwrap();
        assert!(!fit.converged);
        assert_eq!(fit.iterations, 2);
        assert!(fit.params.iter().all(|p| p.is_finite()));
    }
}
