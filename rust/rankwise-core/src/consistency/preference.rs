//! Ranking accuracy of preference-tuned models (Chen, Malladi, Zhang, Chen, Zhang, Ranganath
//! & Cho, "Preference Learning Algorithms Do Not Learn Preference Rankings", NeurIPS 2024,
//! arXiv:2405.19534).
//!
//! Inputs are sequence log-likelihoods `log pi(y | x)` (sums of token log-probabilities, or
//! their means for the length-normalised variants, which the caller forms).
//!
//! * Ranking accuracy (Def. 2.3): `1[pi(y_w) >= pi(y_l)]`. With the fraction `alpha` of
//!   raters preferring the first response (Def. C.1): `alpha > 1/2` needs
//!   `pi(y_1) > pi(y_2)`, `alpha < 1/2` needs `pi(y_1) < pi(y_2)`, and a tie (`alpha = 1/2`)
//!   needs `|pi(y_1) - pi(y_2)| < eps` (absolute difference of probabilities, eps = 0.01).
//!   More than two responses (Def. A.8): the model's order must be the human order; every
//!   pair ranked apart by the humans must be ordered strictly by the model, every pair they
//!   tie must satisfy the tie rule above.
//! * Idealized ranking accuracy (Cor. 3.3): what a perfect DPO/RLHF optimum would reach
//!   from the reference model: `1[log pi_ref(y_w) - log pi_ref(y_l)
//!   + (1/beta)(log alpha - log(1 - alpha)) > 0]`; unanimous preferences (`alpha = 1`, or 0)
//!   get `eps = 0.001` on the empty side (App. C.4).
//! * Difficulty (Thm. 4.1): `c = log pi_ref(y_l) - log pi_ref(y_w)`; the model ranks the
//!   pair correctly exactly when its DPO loss is at most `softplus(-beta c)`.

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::parallel;
use crate::ragged::Ragged;

fn check_same_len(name: &str, len: usize, want: usize) -> Result<()> {
    if len == want {
        Ok(())
    } else {
        Err(RankError::shape(
            name,
            format!("the length of `chosen` ({want})"),
            format!("length {len}"),
        ))
    }
}

fn check_finite(name: &str, v: &[f64], allow_neg_inf: bool) -> Result<()> {
    match v
        .iter()
        .position(|x| x.is_nan() || (x.is_infinite() && !(allow_neg_inf && *x < 0.0)))
    {
        None => Ok(()),
        Some(p) => Err(RankError::invalid(
            name,
            if allow_neg_inf {
                "log-likelihoods (finite, or -inf for probability 0)"
            } else {
                "finite numbers"
            },
            format!("{} at position {p}", v[p]),
        )),
    }
}

/// Whether two log-likelihoods are a tie under Def. C.1: `|exp(a) - exp(b)| < eps`.
#[inline]
fn tied(a: f64, b: f64, eps: f64) -> bool {
    (a.exp() - b.exp()).abs() < eps
}

/// Per-pair ranking accuracy (1.0 correct, 0.0 not) of log-likelihoods of the preferred
/// (`chosen`) and dispreferred (`rejected`) responses; with `alpha`, the tie-aware rule.
pub fn ranking_accuracy(
    chosen: &[f64],
    rejected: &[f64],
    alpha: Option<&[f64]>,
    tie_epsilon: f64,
) -> Result<Vec<f64>> {
    check_same_len("rejected", rejected.len(), chosen.len())?;
    check_finite("chosen", chosen, true)?;
    check_finite("rejected", rejected, true)?;
    if !(tie_epsilon.is_finite() && tie_epsilon >= 0.0) {
        return Err(RankError::invalid(
            "tie_epsilon",
            "a non-negative number",
            tie_epsilon,
        ));
    }
    match alpha {
        None => Ok(chosen
            .iter()
            .zip(rejected)
            .map(|(c, r)| f64::from(u8::from(c >= r)))
            .collect()),
        Some(a) => {
            check_same_len("alpha", a.len(), chosen.len())?;
            check_alpha(a)?;
            Ok(chosen
                .iter()
                .zip(rejected)
                .zip(a)
                .map(|((&c, &r), &al)| {
                    let ok = if al > 0.5 {
                        c > r
                    } else if al < 0.5 {
                        c < r
                    } else {
                        tied(c, r, tie_epsilon)
                    };
                    f64::from(u8::from(ok))
                })
                .collect())
        }
    }
}

fn check_alpha(a: &[f64]) -> Result<()> {
    match a.iter().position(|x| !(0.0..=1.0).contains(x)) {
        None => Ok(()),
        Some(p) => Err(RankError::invalid(
            "alpha",
            "fractions of raters in [0, 1]",
            format!("{} at position {p}", a[p]),
        )),
    }
}

/// Per-row ranking accuracy with any number of responses: `human_rank` (smaller is better,
/// equal ranks are ties) shares the rows of `logp`. Rows with fewer than two responses count
/// as correct (there is nothing to order).
pub fn listwise_ranking_accuracy(
    logp: &Ragged<'_, f64>,
    human_rank: &[f64],
    tie_epsilon: f64,
) -> Result<Vec<f64>> {
    let (layout, logp) = (logp.layout(), logp.values());
    if human_rank.len() != logp.len() {
        return Err(RankError::shape(
            "human_rank",
            format!("the shape of `logp` ({} values)", logp.len()),
            format!("{} values", human_rank.len()),
        ));
    }
    check_finite("logp", logp, true)?;
    if let Some(p) = human_rank.iter().position(|x| x.is_nan()) {
        return Err(RankError::invalid(
            "human_rank",
            "ranks without NaN",
            format!("NaN at position {p}"),
        ));
    }
    Ok(parallel::install(|| {
        (0..layout.rows())
            .into_par_iter()
            .map(|q| {
                let r = layout.range(q);
                let (lp, hr) = (&logp[r.clone()], &human_rank[r]);
                let ok = (0..lp.len()).all(|a| {
                    (a + 1..lp.len()).all(|b| {
                        if hr[a] < hr[b] {
                            lp[a] > lp[b]
                        } else if hr[a] > hr[b] {
                            lp[a] < lp[b]
                        } else {
                            tied(lp[a], lp[b], tie_epsilon)
                        }
                    })
                });
                f64::from(u8::from(ok))
            })
            .collect()
    }))
}

/// Idealized ranking accuracy indicators, `betas.len() x n` (row-major): for each `beta`,
/// whether the DPO/RLHF optimum would rank each pair correctly.
pub fn idealized_ranking_accuracy(
    ref_chosen: &[f64],
    ref_rejected: &[f64],
    alpha: &[f64],
    betas: &[f64],
    alpha_epsilon: f64,
) -> Result<Vec<f64>> {
    check_same_len("ref_rejected", ref_rejected.len(), ref_chosen.len())?;
    check_same_len("alpha", alpha.len(), ref_chosen.len())?;
    check_finite("ref_chosen", ref_chosen, true)?;
    check_finite("ref_rejected", ref_rejected, true)?;
    check_alpha(alpha)?;
    if let Some(b) = betas.iter().find(|b| !(b.is_finite() && **b > 0.0)) {
        return Err(RankError::invalid("beta", "positive finite numbers", b));
    }
    if !(alpha_epsilon > 0.0 && alpha_epsilon < 0.5) {
        return Err(RankError::invalid(
            "alpha_epsilon",
            "a number in (0, 0.5)",
            alpha_epsilon,
        ));
    }
    let log_odds: Vec<f64> = alpha
        .iter()
        .map(|&a| {
            // Unanimous: the empty side gets alpha_epsilon.
            let w = if a == 0.0 { alpha_epsilon } else { a };
            let l = if a == 1.0 { alpha_epsilon } else { 1.0 - a };
            w.ln() - l.ln()
        })
        .collect();
    let mut out = Vec::with_capacity(betas.len() * ref_chosen.len());
    for &beta in betas {
        out.extend(
            ref_chosen
                .iter()
                .zip(ref_rejected)
                .zip(&log_odds)
                .map(|((&c, &r), &lo)| f64::from(u8::from(c - r + lo / beta > 0.0))),
        );
    }
    Ok(out)
}

/// Difficulty `c = log pi_ref(y_l) - log pi_ref(y_w)` of each pair.
pub fn ranking_difficulty(ref_chosen: &[f64], ref_rejected: &[f64]) -> Result<Vec<f64>> {
    check_same_len("ref_rejected", ref_rejected.len(), ref_chosen.len())?;
    check_finite("ref_chosen", ref_chosen, false)?;
    check_finite("ref_rejected", ref_rejected, false)?;
    Ok(ref_chosen
        .iter()
        .zip(ref_rejected)
        .map(|(c, r)| r - c)
        .collect())
}

/// The largest DPO loss at which the model still ranks a pair of difficulty `c` correctly:
/// `softplus(-beta c) = -log sigmoid(beta c)` (Thm. 4.1), computed without overflow.
pub fn dpo_loss_bound(difficulty: &[f64], beta: f64) -> Result<Vec<f64>> {
    if !(beta.is_finite() && beta > 0.0) {
        return Err(RankError::invalid("beta", "a positive finite number", beta));
    }
    check_finite("difficulty", difficulty, false)?;
    Ok(difficulty
        .iter()
        .map(|&c| {
            let z = -beta * c;
            z.max(0.0) + (-z.abs()).exp().ln_1p()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_follow_definitions_2_3_and_c_1() {
        let r = ranking_accuracy(&[-1.0, -2.0, -3.0], &[-2.0, -2.0, -1.0], None, 0.01).unwrap();
        assert_eq!(r, vec![1.0, 1.0, 0.0]);
        let alpha = [0.8, 0.5, 0.2];
        let r =
            ranking_accuracy(&[-1.0, -2.0, -3.0], &[-2.0, -2.0, -1.0], Some(&alpha), 0.01).unwrap();
        assert_eq!(r, vec![1.0, 1.0, 1.0]);
        // a tie judged by the humans needs probabilities within eps
        let r = ranking_accuracy(&[0.0_f64.ln()], &[0.5_f64.ln()], Some(&[0.5]), 0.01).unwrap();
        assert_eq!(r, vec![0.0]);
        assert!(ranking_accuracy(&[f64::NAN], &[0.0], None, 0.01).is_err());
    }

    #[test]
    fn lists_need_the_exact_human_order() {
        let logp = [-1.0, -2.0, -3.0, -1.0, -3.0, -2.0];
        let ranks = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0];
        let logp = Ragged::new(&logp, crate::ragged::RowLayout::uniform(2, 3), "logp").unwrap();
        let r = listwise_ranking_accuracy(&logp, &ranks, 0.01).unwrap();
        assert_eq!(r, vec![1.0, 0.0]);
    }

    #[test]
    fn idealized_accuracy_and_difficulty_agree_with_theorem_4_1() {
        // Reference prefers the loser by 2 nats; with alpha = 0.9 the optimum needs
        // (1/beta) log 9 > 2, i.e. beta < log(9)/2 = 1.0986.
        let ind = idealized_ranking_accuracy(&[-5.0], &[-3.0], &[0.9], &[1.0, 1.2], 0.001).unwrap();
        assert_eq!(ind, vec![1.0, 0.0]);
        let c = ranking_difficulty(&[-5.0], &[-3.0]).unwrap();
        assert_eq!(c, vec![2.0]);
        let bound = dpo_loss_bound(&c, 0.1).unwrap()[0];
        let direct = -(1.0 / (1.0 + (-0.1f64 * 2.0).exp())).ln();
        assert!((bound - direct).abs() < 1e-15);
        // unanimous preferences get the epsilon on the empty side
        let ind = idealized_ranking_accuracy(&[-3.0], &[-3.0], &[1.0], &[10.0], 0.001).unwrap();
        assert_eq!(ind, vec![1.0]);
    }
}
