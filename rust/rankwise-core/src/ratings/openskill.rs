//! Online Bayesian ratings: the Plackett–Luce model of Weng & Lin (2011), as openskill.
//!
//! Each player has a Gaussian belief `N(μ, σ²)` about its skill. Matches are rankings (best
//! first, no ties) taken in order; for each, every participant's `σ` is first inflated to
//! `√(σ² + τ²)`, then updated by Algorithm 4 of R. C. Weng & C.-J. Lin, "A Bayesian
//! approximation method for online ranking", *JMLR* 12 (2011), in the form of openskill's
//! `PlackettLuce.rate` (vivekjoshy/openskill.py `openskill/models/weng_lin/plackett_luce.py`,
//! one player per team, no weights, `balance` and `limit_sigma` off), operation for operation:
//!
//! * `c = √(Σ_i (σ_i² + β²))`, `e_i = exp(μ_i / c)`, `S_q = Σ_{i ranked q or below} e_i`;
//! * `Ω_i = σ_i²/c · Σ_{q ≤ i} ([q = i] - e_i/S_q)`,
//!   `Δ_i = (σ_i/c) · σ_i²/c² · Σ_{q ≤ i} (e_i/S_q)(1 - e_i/S_q)` (`γ = σ_i / c`);
//! * `μ_i += Ω_i`, `σ_i *= √max(1 - Δ_i, κ)`.
//!
//! Ties are not part of the data: openskill's tie handling has had several bugs (openskill.py
//! issues #155, #173, #201), so a match here is a strict order.

use super::one_per_player;
use super::plackett_luce::Rankings;
use crate::error::{RankError, Result};

/// The model's constants (openskill's defaults: μ 25, σ 25/3, β 25/6, κ 1e-4, τ 25/300).
#[derive(Debug, Clone, Copy)]
pub struct OpenSkillOptions {
    pub beta: f64,
    pub kappa: f64,
    pub tau: f64,
}

/// Update the beliefs `mu` and `sigma` (one per player, the starting values) with the
/// matches `c` in order (see the module documentation).
pub fn plackett_luce(
    c: &Rankings<'_>,
    opts: &OpenSkillOptions,
    mu: &mut [f64],
    sigma: &mut [f64],
) -> Result<()> {
    for (name, v) in [
        ("beta", opts.beta),
        ("kappa", opts.kappa),
        ("tau", opts.tau),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(RankError::invalid(name, "a finite number >= 0", v));
        }
    }
    if opts.beta <= 0.0 {
        return Err(RankError::invalid("beta", "a finite number > 0", opts.beta));
    }
    let m = c.n_players();
    for (name, values) in [("mu", &*mu), ("sigma", &*sigma)] {
        one_per_player(name, values, m)?;
        if let Some((i, v)) = values
            .iter()
            .enumerate()
            .find(|&(_, &v)| !v.is_finite() || (name == "sigma" && v <= 0.0))
        {
            return Err(RankError::invalid(
                name,
                if name == "sigma" {
                    "finite values > 0"
                } else {
                    "finite values"
                },
                format!("{v} for player {i}"),
            ));
        }
    }
    let tau2 = opts.tau * opts.tau;
    let beta2 = opts.beta * opts.beta;
    let (mut s, mut sig2, mut e, mut sum_q) = (vec![], vec![], vec![], vec![]);
    let watch = crate::interrupt::current();
    for r in 0..c.len() {
        if r % 4096 == 0 {
            watch.check()?;
        }
        let (ranking, _) = c.get(r);
        let k = ranking.len();
        // Validated: in 0..n_players.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        let idx = |t: usize| ranking[t] as usize;
        s.clear();
        sig2.clear();
        let mut total = 0.0;
        for t in 0..k {
            let p = idx(t);
            let inflated = (sigma[p] * sigma[p] + tau2).sqrt();
            s.push(inflated);
            sig2.push(inflated * inflated);
            total += inflated * inflated + beta2;
        }
        let cc = total.sqrt();
        e.clear();
        e.extend((0..k).map(|t| (mu[idx(t)] / cc).exp()));
        sum_q.clear();
        sum_q.resize(k, 0.0);
        for (i, &ei) in e.iter().enumerate() {
            for q in sum_q.iter_mut().take(i + 1) {
                *q += ei;
            }
        }
        for i in 0..k {
            let (mut omega, mut delta) = (0.0, 0.0);
            for (q, &sq) in sum_q.iter().enumerate().take(i + 1) {
                let t = e[i] / sq;
                delta += t * (1.0 - t);
                if q == i {
                    omega += 1.0 - t;
                } else {
                    omega -= t;
                }
            }
            omega *= sig2[i] / cc;
            delta *= sig2[i] / (cc * cc);
            delta *= sig2[i].sqrt() / cc;
            let p = idx(i);
            mu[p] += omega;
            sigma[p] = s[i] * (1.0 - delta).max(opts.kappa).sqrt();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_win_moves_the_means_apart_by_the_same_amount_and_shrinks_both_sigmas() {
        let r = Rankings::new(&[0, 1], &[0, 2], None, 2).unwrap();
        let (mut mu, mut sigma) = (vec![25.0; 2], vec![25.0 / 3.0; 2]);
        let opts = OpenSkillOptions {
            beta: 25.0 / 6.0,
            kappa: 1e-4,
            tau: 25.0 / 300.0,
        };
        plackett_luce(&r, &opts, &mut mu, &mut sigma).unwrap();
        assert!(mu[0] > 25.0 && mu[1] < 25.0);
        assert!(((mu[0] - 25.0) - (25.0 - mu[1])).abs() < 1e-12);
        assert!(sigma.iter().all(|&s| s < 25.0 / 3.0));
        let mut bad = vec![1.0];
        let e = plackett_luce(&r, &opts, &mut bad, &mut sigma)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`mu`"), "{e}");
    }
}
