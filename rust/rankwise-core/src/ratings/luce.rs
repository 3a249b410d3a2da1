//! Luce's choice model from top-1 data: each observation is a player chosen from a set of
//! options (a setwise `select` answer, a "best of these" vote).
//!
//! Under Luce's axiom with strengths `γ`, `w` is chosen from `S` with probability
//! `γ_w / Σ_{u ∈ S} γ_u`. [`mm_top1`] is Hunter's (2004) MM iteration for this likelihood
//! step for step as `choix.mm_top1` (choix 0.4): from `θ = 0`, each iteration computes
//! `γ = exp(θ - mean θ)` rescaled to sum to `n`, the wins `w_i` (times chosen) and
//! `d_i = Σ_{choices with i ∈ S} 1 / Σ_{u ∈ S} γ_u`, then `θ = log((w + α) / (d + α))`,
//! centred, until the L1 norm of the change is at most `tol · n` (the loop of
//! [`crate::labels::plackett_luce::mm`]).

use super::cuts;
use super::groups::Problems;
use crate::error::{RankError, Result};
use crate::labels::plackett_luce::{Fit, MmOptions, exp_transform, iterate};

/// Validated top-1 choices: choice `c` picked `chosen[c]` over
/// `others[offsets[c]..offsets[c + 1]]`.
#[derive(Debug, Clone, Copy)]
pub struct Choices<'a> {
    chosen: &'a [i64],
    others: &'a [i64],
    offsets: &'a [i64],
    n_players: usize,
}

impl<'a> Choices<'a> {
    /// Check the layout (offsets from 0 to `others.len()`, non-decreasing, one choice per
    /// chosen player) and the players (in `0..n_players`, the chosen one not among the
    /// others).
    pub fn new(
        chosen: &'a [i64],
        others: &'a [i64],
        offsets: &'a [i64],
        n_players: usize,
    ) -> Result<Self> {
        if chosen.is_empty() {
            return Err(RankError::invalid("chosen", "at least one choice", "none"));
        }
        check_offsets(chosen, others, offsets)?;
        let n = n_players as i64;
        for (c, &w) in chosen.iter().enumerate() {
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let set = &others[offsets[c] as usize..offsets[c + 1] as usize];
            for (name, v) in
                std::iter::once(("chosen", w)).chain(set.iter().map(|&v| ("alternatives", v)))
            {
                if v < 0 || v >= n {
                    return Err(RankError::invalid(
                        name,
                        format!("player indices in 0..{n}"),
                        format!("{v} at choice {c}"),
                    ));
                }
            }
            if set.contains(&w) {
                return Err(RankError::invalid(
                    "alternatives",
                    "the options not chosen (without the chosen player)",
                    format!("player {w} both chosen and among the alternatives at choice {c}"),
                ));
            }
        }
        Ok(Choices {
            chosen,
            others,
            offsets,
            n_players,
        })
    }

    fn choice(&self, c: usize) -> (usize, &'a [i64]) {
        // Validated: offsets in range, players in 0..n_players.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        (
            self.chosen[c] as usize,
            &self.others[self.offsets[c] as usize..self.offsets[c + 1] as usize],
        )
    }
}

/// Check that `offsets` cut `others` into one set of alternatives per chosen player.
fn check_offsets(chosen: &[i64], others: &[i64], offsets: &[i64]) -> Result<()> {
    if offsets.len() != chosen.len() + 1 || !cuts(offsets, others.len()) {
        return Err(RankError::shape(
            "alternatives",
            format!(
                "one set of alternatives per chosen player ({}), cut by offsets from 0 to {}",
                chosen.len(),
                others.len()
            ),
            format!("{} offsets", offsets.len()),
        ));
    }
    Ok(())
}

/// Luce choice MLE (MAP with `α > 0`) by MM, as `choix.mm_top1` (module documentation).
pub fn mm_top1(c: &Choices<'_>, opts: &MmOptions) -> Result<Fit> {
    opts.validate()?;
    let n = c.n_players;
    let mut wins = vec![0.0; n];
    let mut seen = vec![false; n];
    for k in 0..c.chosen.len() {
        let (w, set) = c.choice(k);
        wins[w] += 1.0;
        if !set.is_empty() {
            seen[w] = true;
        }
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        set.iter().for_each(|&v| seen[v as usize] = true);
    }
    if opts.alpha <= 0.0
        && let Some(i) = (0..n).find(|&i| !seen[i] || wins[i] <= 0.0)
    {
        return Err(RankError::invalid(
            "alpha",
            format!(
                "> 0 when a player is never chosen or never offered (player {i}), as its \
                 maximum-likelihood strength is 0 or undefined; pass e.g. alpha=0.01"
            ),
            opts.alpha,
        ));
    }
    let (mut gamma, mut denoms) = (Vec::new(), vec![0.0; n]);
    iterate(n, opts, &mut Vec::new(), |params| {
        exp_transform(params, &mut gamma);
        denoms.iter_mut().for_each(|d| *d = 0.0);
        for k in 0..c.chosen.len() {
            let (w, set) = c.choice(k);
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let total: f64 = set.iter().map(|&v| gamma[v as usize]).sum::<f64>() + gamma[w];
            let val = 1.0 / total;
            denoms[w] += val;
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            set.iter().for_each(|&v| denoms[v as usize] += val);
        }
        for ((p, &w), &d) in params.iter_mut().zip(&wins).zip(&denoms) {
            *p = ((w + opts.alpha) / (d + opts.alpha)).ln();
        }
        Ok(())
    })
}

/// Independent Luce choice fits of many problems, in parallel by [`Problems::each`]: the
/// choices (the chosen players, their alternatives cut from `others` by `offsets`) cut into
/// problems by `problems`; each fit as [`mm_top1`] on that problem alone.
pub fn mm_top1_groups(
    chosen: &[i64],
    others: &[i64],
    offsets: &[i64],
    problems: Problems<'_>,
    opts: &MmOptions,
) -> Result<Vec<Fit>> {
    opts.validate()?;
    check_offsets(chosen, others, offsets)?;
    problems.check(chosen.len(), "choices")?;
    problems.each(|rows, n| {
        let base = offsets[rows.start];
        let local: Vec<i64> = offsets[rows.start..=rows.end]
            .iter()
            .map(|&o| o - base)
            .collect();
        // Validated by `cuts`: offsets rise within `others`.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        let span = &others[base as usize..offsets[rows.end] as usize];
        let c = Choices::new(&chosen[rows], span, &local, n)?;
        mm_top1(&c, opts)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratings::Comparisons;

    /// Pairwise comparisons are choices from sets of two.
    fn from_pairs(c: &Comparisons<'_>) -> (Vec<i64>, Vec<i64>) {
        (0..c.len())
            .map(|i| {
                let (a, b, s, _) = c.get(i);
                let (a, b) = (i64::try_from(a).unwrap(), i64::try_from(b).unwrap());
                if s >= 0.5 { (a, b) } else { (b, a) }
            })
            .unzip()
    }

    #[test]
    fn choices_of_two_give_the_bradley_terry_fit() {
        let (a, b, s) = (vec![0, 1, 2, 0, 1], vec![1, 2, 0, 2, 0], vec![1.0; 5]);
        let pairs = Comparisons::new(&a, &b, &s, None, 3).unwrap();
        let bt = super::super::bradley_terry::fit(&pairs, &MmOptions::default()).unwrap();
        let (w, l) = from_pairs(&pairs);
        let offsets: Vec<i64> = (0..=w.len() as i64).collect();
        let ch = Choices::new(&w, &l, &offsets, 3).unwrap();
        let top1 = mm_top1(&ch, &MmOptions::default()).unwrap();
        for (x, y) in bt.params.iter().zip(&top1.params) {
            assert!((x - y).abs() < 1e-6, "{bt:?} {top1:?}");
        }
    }

    #[test]
    fn a_chosen_player_among_its_alternatives_is_refused() {
        let e = Choices::new(&[0], &[0, 1], &[0, 2], 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("both chosen"), "{e}");
    }
}
