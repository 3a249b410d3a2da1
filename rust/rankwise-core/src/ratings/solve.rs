//! The numerics the ratings fits share: inverting an information matrix under the centring
//! gauge, standard errors from it, and Newton's method with step halving.
//!
//! Log-strengths `θ` are identified up to a constant and reported centred. An information
//! matrix `I` of the `m` strengths is then singular along `u = 1/√m · 1`; adding `uuᵀ` (`J/m`,
//! `J` the all-ones matrix) makes it invertible, and `(I + J/m)⁻¹ - J/m` is its
//! Moore–Penrose inverse (Agresti 2013, *Categorical Data Analysis*, §11.6). With more
//! parameters than the strengths (a tie parameter, covariate coefficients), the same `uuᵀ` on
//! the `θ` block gives a Newton step orthogonal to `u`, and the centring projection
//! `P = I - uuᵀ` of the inverse gives the covariance of the centred `θ`.

use crate::error::{RankError, Result};

/// Invert the `m x m` matrix `a` in place by Gauss–Jordan elimination with partial
/// pivoting; `None` when it is singular.
pub(super) fn invert(a: &mut [f64], m: usize) -> Option<Vec<f64>> {
    let mut inv = vec![0.0; m * m];
    for i in 0..m {
        inv[i * m + i] = 1.0;
    }
    let scale = a
        .iter()
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    for col in 0..m {
        let pivot =
            (col..m).max_by(|&x, &y| a[x * m + col].abs().total_cmp(&a[y * m + col].abs()))?;
        if a[pivot * m + col].abs() <= 1e-13 * scale {
            return None;
        }
        if pivot != col {
            for j in 0..m {
                a.swap(pivot * m + j, col * m + j);
                inv.swap(pivot * m + j, col * m + j);
            }
        }
        let d = a[col * m + col];
        for j in 0..m {
            a[col * m + j] /= d;
            inv[col * m + j] /= d;
        }
        for r in 0..m {
            let f = a[r * m + col];
            if r != col && f != 0.0 {
                for j in 0..m {
                    a[r * m + j] -= f * a[col * m + j];
                    inv[r * m + j] -= f * inv[col * m + j];
                }
            }
        }
    }
    Some(inv)
}

/// Invert the symmetric positive definite `k x k` matrix `a` after scaling it to a unit
/// diagonal (`D^{-1/2} a D^{-1/2}`), so that parameters on different scales (a tie parameter
/// near its boundary, covariates in other units) do not look singular to the pivoting.
fn scaled_invert(mut a: Vec<f64>, k: usize) -> Option<Vec<f64>> {
    let d: Vec<f64> = (0..k)
        .map(|i| {
            let v = a[i * k + i];
            if v > 0.0 && v.is_finite() {
                1.0 / v.sqrt()
            } else {
                1.0
            }
        })
        .collect();
    for i in 0..k {
        for j in 0..k {
            a[i * k + j] *= d[i] * d[j];
        }
    }
    let mut inv = invert(&mut a, k)?;
    for i in 0..k {
        for j in 0..k {
            inv[i * k + j] *= d[i] * d[j];
        }
    }
    Some(inv)
}

/// Check that `theta` holds one strength per player (`m`).
pub(super) fn check_strengths(theta: &[f64], m: usize) -> Result<()> {
    if theta.len() != m {
        return Err(RankError::shape(
            "theta",
            format!("one strength per player ({m})"),
            theta.len(),
        ));
    }
    Ok(())
}

/// Asymptotic standard errors of the centred strengths `theta` (`m`) from the Fisher
/// information of the strengths alone, which `add` accumulates into a zero `m x m` matrix:
/// the square roots of the diagonal of its Moore–Penrose inverse (see the module
/// documentation). Fails with `singular()` when it is singular beyond the gauge (the data do
/// not connect the players).
pub(super) fn information_errors(
    theta: &[f64],
    m: usize,
    add: impl FnOnce(&mut [f64]),
    singular: impl FnOnce() -> RankError,
) -> Result<Vec<f64>> {
    check_strengths(theta, m)?;
    let mut info = vec![0.0; m * m];
    add(&mut info);
    let j = 1.0 / m as f64;
    for v in &mut info {
        *v += j;
    }
    let inv = invert(&mut info, m).ok_or_else(singular)?;
    Ok((0..m)
        .map(|i| (inv[i * m + i] - j).max(0.0).sqrt())
        .collect())
}

/// `ln σ(x)` (σ the logistic function), without overflow or cancellation.
#[inline]
pub(super) fn log_sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        -(-x).exp().ln_1p()
    } else {
        x - x.exp().ln_1p()
    }
}

/// The ridge penalty `-alpha/2 · Σ θ²` of the log-strengths `theta` (the first parameters),
/// to start a log-likelihood with: with `deriv`, its gradient and Hessian are written over
/// the buffers (zero for the other parameters).
pub(super) fn ridge(alpha: f64, theta: &[f64], deriv: &mut Derivatives<'_>) -> f64 {
    if let Some((g, h)) = deriv.as_mut() {
        let d = g.len();
        g.fill(0.0);
        h.fill(0.0);
        for (i, t) in theta.iter().enumerate() {
            g[i] = -alpha * t;
            h[i * d + i] = -alpha;
        }
    }
    -0.5 * alpha * theta.iter().map(|x| x * x).sum::<f64>()
}

/// Newton's method with step halving for a concave (penalised) log-likelihood of `d`
/// parameters, the first `m` of them log-strengths kept centred (see the module
/// documentation).
#[derive(Debug, Clone, Copy)]
pub(super) struct Newton {
    /// Number of log-strengths, the first parameters.
    pub m: usize,
    /// A parameter held where it starts (its step 0): a tie parameter on its boundary.
    pub pinned: Option<usize>,
    pub max_iter: usize,
    /// Converged when the largest accepted step is below `tol`.
    pub tol: f64,
}

/// The value at some parameters and, when asked, the gradient and the Hessian (row-major)
/// written into the two buffers.
pub(super) type Derivatives<'a> = Option<(&'a mut [f64], &'a mut [f64])>;

impl Newton {
    /// `-H + uuᵀ` on the `θ` block (and 1 on the diagonal of a pinned parameter), inverted.
    pub(super) fn inverse(&self, h: &[f64]) -> Option<Vec<f64>> {
        let (m, d) = (self.m, h.len().isqrt());
        let mut a: Vec<f64> = h.iter().map(|v| -v).collect();
        let u2 = 1.0 / m as f64;
        for i in 0..m {
            for j in 0..m {
                a[i * d + j] += u2;
            }
        }
        if let Some(p) = self.pinned {
            a[p * d + p] = 1.0;
        }
        scaled_invert(a, d)
    }

    /// Standard errors from the inverse `inv` of [`Newton::inverse`] at a fit: of the centred
    /// `θ` (the diagonal of `P X P` on the `θ` block), then of the other parameters.
    pub(super) fn errors(&self, inv: &[f64]) -> Vec<f64> {
        let (m, d) = (self.m, inv.len().isqrt());
        // Diagonal of P X P on the θ block, P = I - uuᵀ: X_ii - 2 (X u)_i u_i + (uᵀ X u) u_i².
        let u = (1.0 / m as f64).sqrt();
        let xu: Vec<f64> = (0..m)
            .map(|i| (0..m).map(|j| inv[i * d + j]).sum::<f64>() * u)
            .collect();
        let uxu: f64 = xu.iter().sum::<f64>() * u;
        (0..d)
            .map(|i| {
                let v = if i < m {
                    inv[i * d + i] - 2.0 * xu[i] * u + uxu * u * u
                } else {
                    inv[i * d + i]
                };
                v.max(0.0).sqrt()
            })
            .collect()
    }

    /// Maximise `value` from `params` (updated in place): each iteration takes the Newton
    /// step, halved until it stays `feasible` and does not decrease the value, and centres
    /// `θ`. Returns the iterations and whether the step fell below `tol` (or could not
    /// improve the value) before `max_iter`; fails with `singular()` when the Hessian is
    /// singular beyond the gauge.
    pub(super) fn maximise(
        &self,
        params: &mut [f64],
        mut value: impl FnMut(&[f64], Derivatives<'_>) -> f64,
        feasible: impl Fn(&[f64]) -> bool,
        singular: impl Fn() -> RankError,
    ) -> Result<(usize, bool)> {
        let (m, d) = (self.m, params.len());
        let (mut g, mut h) = (vec![0.0; d], vec![0.0; d * d]);
        let (mut step, mut trial) = (vec![0.0; d], vec![0.0; d]);
        let watch = crate::interrupt::current();
        for it in 1..=self.max_iter {
            watch.check()?;
            let ll = value(params, Some((&mut g, &mut h)));
            let inv = self.inverse(&h).ok_or_else(&singular)?;
            for i in 0..d {
                step[i] = (0..d).map(|j| inv[i * d + j] * g[j]).sum();
            }
            if let Some(p) = self.pinned {
                step[p] = 0.0;
            }
            let size = step.iter().fold(0.0f64, |s, v| s.max(v.abs()));
            if !size.is_finite() {
                return Err(singular());
            }
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..60 {
                for i in 0..d {
                    trial[i] = params[i] + t * step[i];
                }
                if feasible(&trial) {
                    let v = value(&trial, None);
                    if v.is_finite() && v >= ll - 1e-12 * ll.abs() {
                        accepted = true;
                        break;
                    }
                }
                t *= 0.5;
            }
            if accepted {
                params.copy_from_slice(&trial);
                let mean = params[..m].iter().sum::<f64>() / m as f64;
                params[..m].iter_mut().for_each(|v| *v -= mean);
            }
            if !accepted || size * t < self.tol {
                return Ok((it, true));
            }
        }
        Ok((self.max_iter, false))
    }
}
