//! Plackett–Luce ratings from rankings, with their uncertainty.
//!
//! A ranking lists players best first; under Plackett–Luce with log-strengths `θ` it has
//! probability `Π_t exp θ_{π_t} / Σ_{u ≥ t} exp θ_{π_u}`. The fit is the core's
//! [`crate::labels::plackett_luce::mm`] (Hunter 2004, step for step `choix.mm_rankings`) on
//! all the players, centred.
//!
//! * [`bootstrap`]: the fit on resamples of the rankings drawn with replacement, in parallel;
//!   resample `r` from its own stream `Rng::new(seed, r)` (or explicit indices), so the
//!   result does not depend on the number of threads.
//! * [`standard_errors`]: asymptotic standard errors of the centred `θ` from the Fisher
//!   information. Each stage of a ranking is a multinomial-logit choice among the players
//!   still unranked, `S`, with probabilities `p_u = γ_u / Σ_S γ`; its information is
//!   `diag(p) - p pᵀ` on `S` (observed and expected information coincide for this
//!   canonical-link model; Hunter 2004, *Ann. Statist.* 32, §5), summed over stages and
//!   rankings with their weights; inverted as [`super::bradley_terry::standard_errors`] does.

use super::cuts;
use super::groups::{RankingGroups, fit_and_errors};
use super::resample::{self, Bootstrap, Resamples};
use super::solve::information_errors;
use crate::error::{RankError, Result};
use crate::labels::evidence::{Compact, check_weights};
use crate::labels::plackett_luce::{self, Fit, MmOptions, Scratch};

/// Validated rankings: ranking `r` is `items[offsets[r]..offsets[r + 1]]`, best first.
#[derive(Debug, Clone, Copy)]
pub struct Rankings<'a> {
    items: &'a [i64],
    offsets: &'a [i64],
    weights: Option<&'a [f64]>,
    n_players: usize,
}

impl<'a> Rankings<'a> {
    /// Check the layout (offsets from 0 to `items.len()`, each ranking of two or more players),
    /// the players (in `0..n_players`, distinct within a ranking) and the weights (finite,
    /// non-negative, one per ranking).
    pub fn new(
        items: &'a [i64],
        offsets: &'a [i64],
        weights: Option<&'a [f64]>,
        n_players: usize,
    ) -> Result<Self> {
        if offsets.len() < 2 || !cuts(offsets, items.len()) {
            return Err(RankError::shape(
                "rankings",
                format!(
                    "at least one ranking, cut by offsets rising from 0 to {}",
                    items.len()
                ),
                format!("{} offsets", offsets.len()),
            ));
        }
        let n = offsets.len() - 1;
        if let Some(w) = weights {
            check_weights(w, n, "ranking", "finite and non-negative counts")?;
        }
        let mut seen = vec![usize::MAX; n_players];
        for r in 0..n {
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let ranking = &items[offsets[r] as usize..offsets[r + 1] as usize];
            if ranking.len() < 2 {
                return Err(RankError::invalid(
                    "rankings",
                    "rankings of two or more players",
                    format!("{} player(s) in ranking {r}", ranking.len()),
                ));
            }
            for &v in ranking {
                if v < 0 || v >= n_players as i64 {
                    return Err(RankError::invalid(
                        "rankings",
                        format!("player indices in 0..{n_players}"),
                        format!("{v} in ranking {r}"),
                    ));
                }
                #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
                let p = v as usize;
                if seen[p] == r {
                    return Err(RankError::invalid(
                        "rankings",
                        "each player at most once in a ranking",
                        format!("player {v} twice in ranking {r}"),
                    ));
                }
                seen[p] = r;
            }
        }
        Ok(Rankings {
            items,
            offsets,
            weights,
            n_players,
        })
    }

    /// Number of rankings.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when there is no ranking (never, once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of players.
    pub fn n_players(&self) -> usize {
        self.n_players
    }

    /// Where ranking `r` starts among the flat players (`r == len()`: their count).
    pub fn offset(&self, r: usize) -> usize {
        // Validated: offsets rise from 0.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        let at = self.offsets[r] as usize;
        at
    }

    /// Ranking `r` and its weight.
    #[inline]
    pub(super) fn get(&self, r: usize) -> (&'a [i64], f64) {
        // Validated: offsets rise within items.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        (
            &self.items[self.offsets[r] as usize..self.offsets[r + 1] as usize],
            self.weights.map_or(1.0, |w| w[r]),
        )
    }
}

/// Reset `compact` to the players `0..m`, no rankings.
fn start(compact: &mut Compact, m: usize) {
    compact.observed.clear();
    compact.items.clear();
    compact.bounds.clear();
    compact.bounds.push(0);
    compact.weights.clear();
    compact
        .observed
        .extend((0..m).map(|i| u32::try_from(i).unwrap_or(u32::MAX)));
}

/// Append ranking `r` of `c` to `compact`.
fn push(c: &Rankings<'_>, r: usize, compact: &mut Compact) {
    let (ranking, w) = c.get(r);
    // Validated: in 0..n_players.
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
    compact.items.extend(ranking.iter().map(|&v| v as u32));
    compact.bounds.push(compact.items.len());
    compact.weights.push(w);
}

/// Fit `compact` after checking that every player wins a stage and is ranked above the
/// last place somewhere (or `alpha > 0`).
fn fit_compact(
    compact: &Compact,
    m: usize,
    opts: &MmOptions,
    resample: Option<usize>,
    scratch: &mut Scratch,
) -> Result<Fit> {
    if opts.alpha <= 0.0 {
        let mut wins = vec![0.0; m];
        for (k, w) in compact.bounds.windows(2).zip(&compact.weights) {
            for &p in &compact.items[k[0]..k[1] - 1] {
                wins[p as usize] += w;
            }
        }
        if let Some(i) = wins.iter().position(|&v| v <= 0.0) {
            let at = resample.map_or_else(String::new, |r| format!(" in resample {r}"));
            return Err(RankError::invalid(
                "alpha",
                format!(
                    "> 0 when a player is never ranked above another (player {i}{at}; its \
                     maximum-likelihood strength is 0; pass e.g. alpha=0.01)"
                ),
                opts.alpha,
            ));
        }
    }
    plackett_luce::mm(compact, opts, resample.unwrap_or(0), scratch)
}

/// The Plackett–Luce fit of all the rankings (see the module documentation).
pub fn fit(c: &Rankings<'_>, opts: &MmOptions) -> Result<Fit> {
    opts.validate()?;
    let mut compact = Compact::default();
    start(&mut compact, c.n_players);
    for r in 0..c.len() {
        push(c, r, &mut compact);
    }
    fit_compact(&compact, c.n_players, opts, None, &mut Scratch::default())
}

/// Independent Plackett–Luce fits of many problems (queries, leaderboards), in parallel on the
/// rankwise pool, as [`super::bradley_terry::fit_groups`]: problem `g` owns rankings
/// `bounds[g]..bounds[g + 1]` (cut from `items` by `offsets`, with their `weights`), between
/// its players `0..players[g]`. Returns each problem's fit and, with `with_errors`, its
/// standard errors; a problem that cannot be fitted fails the call, naming it.
#[allow(clippy::too_many_arguments)]
pub fn fit_groups(
    groups: &RankingGroups<'_>,
    opts: &MmOptions,
    with_errors: bool,
) -> Result<Vec<(Fit, Option<Vec<f64>>)>> {
    opts.validate()?;
    groups.each(|c, _, _| {
        fit_and_errors(with_errors, fit(c, opts), |f| standard_errors(c, &f.params))
    })
}

/// [`bootstrap`] of many independent problems at once, in parallel over problems and
/// resamples: each problem's draws (`resamples x players`, as [`bootstrap`] of that problem
/// alone with [`super::groups::resamples_of`] its resamples), in problem order.
pub fn bootstrap_groups(
    groups: &RankingGroups<'_>,
    resamples: Resamples<'_>,
    opts: &MmOptions,
) -> Result<Vec<Bootstrap>> {
    opts.validate()?;
    groups.bootstrap(resamples, |c, how| bootstrap(c, how, opts))
}

/// The fit on each resample of the rankings, in parallel on the rankwise pool:
/// `params[r * m + i]`, and the number of resamples that did not converge.
pub fn bootstrap(
    c: &Rankings<'_>,
    resamples: Resamples<'_>,
    opts: &MmOptions,
) -> Result<Bootstrap> {
    opts.validate()?;
    let m = c.n_players;
    resample::fits(
        resamples,
        c.len(),
        || (Compact::default(), Scratch::default()),
        |(compact, scratch), r| {
            start(compact, m);
            r.for_each(|i| push(c, i, compact));
            fit_compact(compact, m, opts, Some(r.index), scratch)
        },
    )
    .map(Bootstrap::of)
}

/// Asymptotic standard errors of the centred log-strengths `theta` fitted to `c` (see the
/// module documentation). Fails when the information is singular (the rankings do not
/// connect the players).
pub fn standard_errors(c: &Rankings<'_>, theta: &[f64]) -> Result<Vec<f64>> {
    let m = c.n_players;
    let add = |info: &mut [f64]| {
        let mut p = Vec::new();
        for r in 0..c.len() {
            let (ranking, w) = c.get(r);
            // Validated: in 0..n_players.
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let idx: Vec<usize> = ranking.iter().map(|&v| v as usize).collect();
            for t in 0..idx.len() - 1 {
                let stage = &idx[t..];
                let top = stage
                    .iter()
                    .map(|&i| theta[i])
                    .fold(f64::NEG_INFINITY, f64::max);
                p.clear();
                p.extend(stage.iter().map(|&i| (theta[i] - top).exp()));
                let s: f64 = p.iter().sum();
                p.iter_mut().for_each(|v| *v /= s);
                for (x, &i) in stage.iter().enumerate() {
                    info[i * m + i] += w * p[x];
                    for (y, &j) in stage.iter().enumerate() {
                        info[i * m + j] -= w * p[x] * p[y];
                    }
                }
            }
        }
    };
    information_errors(theta, m, add, || {
        RankError::invalid(
            "rankings",
            "rankings that connect all the players (the Fisher information is singular)",
            format!("{} rankings of {m} players", c.len()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratings::{Comparisons, bradley_terry};

    #[test]
    fn rankings_of_two_are_bradley_terry() {
        let (a, b) = (vec![0, 1, 2, 0, 1, 2], vec![1, 2, 0, 2, 0, 1]);
        let s = vec![1.0, 1.0, 1.0, 1.0, 0.0, 0.0];
        let c = Comparisons::new(&a, &b, &s, None, 3).unwrap();
        let mut items = vec![];
        for i in 0..6 {
            if s[i] == 1.0 {
                items.extend([a[i], b[i]]);
            } else {
                items.extend([b[i], a[i]]);
            }
        }
        let offsets: Vec<i64> = (0..=6).map(|i| 2 * i).collect();
        let r = Rankings::new(&items, &offsets, None, 3).unwrap();
        let opts = MmOptions::default();
        let (pl, bt) = (
            fit(&r, &opts).unwrap(),
            bradley_terry::fit(&c, &opts).unwrap(),
        );
        for (x, y) in pl.params.iter().zip(&bt.params) {
            assert!((x - y).abs() < 1e-9);
        }
        let se_pl = standard_errors(&r, &pl.params).unwrap();
        let se_bt = bradley_terry::standard_errors(&c, &bt.params).unwrap();
        for (x, y) in se_pl.iter().zip(&se_bt) {
            assert!((x - y).abs() < 1e-9);
        }
    }

    #[test]
    fn bad_rankings_are_refused_by_name() {
        let e = Rankings::new(&[0, 0], &[0, 2], None, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("twice"), "{e}");
        let e = Rankings::new(&[0], &[0, 1], None, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("two or more"), "{e}");
        let e = Rankings::new(&[0, 1], &[0, 3], None, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`rankings`"), "{e}");
        let r = Rankings::new(&[0, 1], &[0, 2], None, 2).unwrap();
        let e = fit(&r, &MmOptions::default()).unwrap_err().to_string();
        assert!(e.contains("player 1"), "{e}");
    }
}
