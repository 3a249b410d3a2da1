//! Ratings of players from pairwise comparisons, with their uncertainty.
//!
//! A comparison is `(a, b, s)`: players `a != b` met and `a` scored `s` in `[0, 1]` (1 a win,
//! 0 a loss, 0.5 a tie, as the LMSYS arena counts ties), optionally with a weight (a count).
//!
//! * [`bradley_terry`]: the Bradley–Terry maximum-likelihood fit (by Hunter's MM, the
//!   [`crate::labels::plackett_luce::mm`] iteration that equals `choix.mm_pairwise`), its
//!   bootstrap over comparisons (the arena's `get_bootstrap_result` of `compute_mle_elo`,
//!   lm-sys/FastChat `fastchat/serve/monitor/elo_analysis.py`) and its asymptotic standard
//!   errors from the Fisher information;
//! * [`elo`]: online Elo updates in comparison order (the arena's `compute_elo`, same file);
//! * [`centrality`]: Rank Centrality (Negahban, Oh & Shah 2017) as `choix.rank_centrality`;
//! * [`luce`]: Luce choice (top-1) data, as `choix.mm_top1`;
//! * [`ties`]: comparisons with ties, the Davidson and Rao–Kupper models;
//! * [`plackett_luce`]: Plackett–Luce from rankings, with bootstrap and asymptotic errors;
//! * [`contextual`]: Bradley–Terry with covariates per comparison (the arena's style control);
//! * [`openskill`]: online Bayesian ratings, Weng & Lin's Plackett–Luce as openskill.
//! * [`trueskill`]: TrueSkill's update from one ranking (Herbrich, Minka & Graepel 2006), as
//!   the `trueskill` package.
//!
//! [`groups`] runs any of them over many independent problems at once, in parallel.
//!
//! The fits share [`resample`] (the bootstrap of every fit) and `solve` (matrix inversion
//! under the centring gauge, standard errors from the information, Newton's method).

pub mod bradley_terry;
pub mod centrality;
pub mod contextual;
pub mod elo;
pub mod groups;
pub mod luce;
pub mod openskill;
pub mod plackett_luce;
pub mod resample;
mod solve;
pub mod ties;
pub mod trueskill;

pub use resample::{Bootstrap, Resamples};

use crate::error::{RankError, Result};
use crate::labels::evidence::check_weights;

/// Whether `offsets` cut `len` values into rows: rising from 0 to `len`.
fn cuts(offsets: &[i64], len: usize) -> bool {
    offsets.first() == Some(&0)
        && offsets.last() == Some(&(len as i64))
        && offsets.windows(2).all(|w| w[0] <= w[1])
}

/// Check that the starting beliefs `name` (of the online ratings) hold one value per player
/// of the `m`.
fn one_per_player(name: &str, values: &[f64], m: usize) -> Result<()> {
    if values.len() != m {
        return Err(RankError::shape(
            name,
            format!("one value per player ({m})"),
            values.len(),
        ));
    }
    Ok(())
}

/// Validated comparisons between `n_players` players (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct Comparisons<'a> {
    pub a: &'a [i64],
    pub b: &'a [i64],
    pub score: &'a [f64],
    pub weights: Option<&'a [f64]>,
    pub n_players: usize,
}

impl<'a> Comparisons<'a> {
    /// Check lengths, player indices (in `0..n_players`, `a != b`), scores (finite, in
    /// `[0, 1]`) and weights (finite, non-negative); at least one comparison.
    pub fn new(
        a: &'a [i64],
        b: &'a [i64],
        score: &'a [f64],
        weights: Option<&'a [f64]>,
        n_players: usize,
    ) -> Result<Self> {
        if a.is_empty() {
            return Err(RankError::invalid(
                "comparisons",
                "at least one comparison",
                "none",
            ));
        }
        if b.len() != a.len() || score.len() != a.len() {
            return Err(RankError::shape(
                "comparisons",
                "as many `model_b` and `winner` entries as `model_a` entries",
                format!(
                    "{} model_a, {} model_b, {} winner",
                    a.len(),
                    b.len(),
                    score.len()
                ),
            ));
        }
        if let Some(w) = weights {
            check_weights(w, a.len(), "comparison", "finite and non-negative counts")?;
        }
        let n = n_players as i64;
        for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
            for v in [x, y] {
                if v < 0 || v >= n {
                    return Err(RankError::invalid(
                        "comparisons",
                        format!("player indices in 0..{n}"),
                        format!("{v} at comparison {i}"),
                    ));
                }
            }
            if x == y {
                return Err(RankError::invalid(
                    "comparisons",
                    "two different players in each comparison",
                    format!("player {x} against itself at comparison {i}"),
                ));
            }
        }
        if let Some((i, s)) = score
            .iter()
            .enumerate()
            .find(|&(_, &s)| !(s.is_finite() && (0.0..=1.0).contains(&s)))
        {
            return Err(RankError::invalid(
                "winner",
                "scores of model_a in [0, 1] (1 a win, 0 a loss, 0.5 a tie)",
                format!("{s} at comparison {i}"),
            ));
        }
        Ok(Comparisons {
            a,
            b,
            score,
            weights,
            n_players,
        })
    }

    /// Number of comparisons.
    pub fn len(&self) -> usize {
        self.a.len()
    }

    /// True when there is no comparison (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    /// Comparison `i` as `(a, b, score, weight)`.
    #[inline]
    pub fn get(&self, i: usize) -> (usize, usize, f64, f64) {
        // Validated: indices in 0..n_players.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        (
            self.a[i] as usize,
            self.b[i] as usize,
            self.score[i],
            self.weights.map_or(1.0, |w| w[i]),
        )
    }
}
