//! Bradley–Terry ratings and their uncertainty.
//!
//! Under Bradley–Terry, `a` beats `b` with probability `1 / (1 + exp(θ_b - θ_a))`. Comparisons
//! are pooled into the matrix `W[a][b] = Σ weight · score` of (fractional) wins of `a` over
//! `b` (a tie is half a win each way, as the arena's `compute_mle_elo` counts it), and the
//! maximum-likelihood `θ`, centred to mean 0, is fitted by Hunter's (2004) MM iteration of
//! [`crate::labels::plackett_luce::mm`] on those weighted pairs, the iteration that equals
//! `choix.mm_pairwise`. Arena ratings are `init + scale · θ / ln(base)`: the arena's logistic
//! regression (lm-sys/FastChat `fastchat/serve/monitor/elo_analysis.py`, `compute_mle_elo`)
//! maximises the same likelihood, and its coefficients stay centred because every gradient
//! step sums to zero.
//!
//! * [`bootstrap`]: the fit on resamples of the comparisons drawn with replacement (the
//!   arena's `battles.sample(frac=1.0, replace=True)`), in parallel; each resample's draws
//!   come from its own stream of [`crate::rng::Rng`], so the result does not depend on the
//!   number of threads. Explicit resample indices can be given instead. The call stops at the
//!   next resample (or MM iteration) once interrupted ([`crate::interrupt`]).
//! * [`standard_errors`]: asymptotic standard errors of the centred `θ`: the square roots of
//!   the diagonal of the Moore–Penrose inverse of the Fisher information
//!   `I = Σ_{a<b} n_ab p_ab (1 - p_ab) (e_a - e_b)(e_a - e_b)ᵀ` (`n_ab` the weight of the
//!   comparisons of `a` and `b`), computed as `(I + J/m)⁻¹ - J/m` with `J` the all-ones
//!   matrix (Agresti 2013, *Categorical Data Analysis*, §11.6).

use super::Comparisons;
use super::groups::{ComparisonGroups, fit_and_errors};
use super::resample::{self, Bootstrap, Resamples};
use super::solve::information_errors;
use crate::error::{RankError, Result};
use crate::labels::evidence::Compact;
use crate::labels::plackett_luce::{self, Fit, MmOptions, Scratch};

/// Add comparison `i` of `c` to the win matrix `w` (row-major `m x m`).
#[inline]
fn add(c: &Comparisons<'_>, i: usize, w: &mut [f64]) {
    let m = c.n_players;
    let (a, b, s, wt) = c.get(i);
    w[a * m + b] += wt * s;
    w[b * m + a] += wt * (1.0 - s);
}

/// Where a fit happens, for error messages.
fn place(resample: Option<usize>) -> String {
    resample.map_or_else(String::new, |r| format!(" in resample {r}"))
}

/// Fit the centred log-strengths from the win matrix `w`, reusing `compact` and `scratch`.
fn fit_matrix(
    w: &[f64],
    m: usize,
    opts: &MmOptions,
    resample: Option<usize>,
    compact: &mut Compact,
    scratch: &mut Scratch,
) -> Result<Fit> {
    compact.observed.clear();
    compact.items.clear();
    compact.bounds.clear();
    compact.bounds.push(0);
    compact.weights.clear();
    for i in 0..m {
        let row = &w[i * m..(i + 1) * m];
        let won: f64 = row.iter().sum();
        let played: f64 = won + (0..m).map(|j| w[j * m + i]).sum::<f64>();
        // With α > 0, MM gives a player without comparisons the strength ratio α / α = 1.
        if played <= 0.0 && opts.alpha <= 0.0 {
            return Err(RankError::invalid(
                "alpha",
                format!(
                    "> 0 when a player has no comparisons (player {i}{} has none; pass e.g. \
                     alpha=0.01)",
                    place(resample)
                ),
                opts.alpha,
            ));
        }
        if won <= 0.0 && opts.alpha <= 0.0 {
            return Err(RankError::invalid(
                "alpha",
                format!(
                    "> 0 when a player never wins (player {i} scores 0 in all its comparisons{}, \
                     so its maximum-likelihood strength is 0; pass e.g. alpha=0.01)",
                    place(resample)
                ),
                opts.alpha,
            ));
        }
        compact.observed.push(u32::try_from(i).unwrap_or(u32::MAX));
        for (j, &v) in row.iter().enumerate() {
            if v > 0.0 {
                compact.items.push(u32::try_from(i).unwrap_or(u32::MAX));
                compact.items.push(u32::try_from(j).unwrap_or(u32::MAX));
                compact.bounds.push(compact.items.len());
                compact.weights.push(v);
            }
        }
    }
    plackett_luce::mm(compact, opts, resample.unwrap_or(0), scratch)
}

/// The Bradley–Terry fit of all the comparisons (see the module documentation).
pub fn fit(c: &Comparisons<'_>, opts: &MmOptions) -> Result<Fit> {
    opts.validate()?;
    let m = c.n_players;
    let mut w = vec![0.0; m * m];
    for i in 0..c.len() {
        add(c, i, &mut w);
    }
    fit_matrix(
        &w,
        m,
        opts,
        None,
        &mut Compact::default(),
        &mut Scratch::default(),
    )
}

/// The Bradley–Terry fit on each resample of the comparisons, in parallel on the rankwise
/// pool (see the module documentation).
pub fn bootstrap(
    c: &Comparisons<'_>,
    resamples: Resamples<'_>,
    opts: &MmOptions,
) -> Result<Bootstrap> {
    opts.validate()?;
    let m = c.n_players;
    resample::fits(
        resamples,
        c.len(),
        || (vec![0.0; m * m], Compact::default(), Scratch::default()),
        |(w, compact, scratch), r| {
            w.iter_mut().for_each(|v| *v = 0.0);
            r.for_each(|i| add(c, i, w));
            fit_matrix(w, m, opts, Some(r.index), compact, scratch)
        },
    )
    .map(Bootstrap::of)
}

/// Asymptotic standard errors of the centred log-strengths `theta` fitted to `c` (see the
/// module documentation). Fails when the information is singular: the comparisons do not
/// connect all the players.
pub fn standard_errors(c: &Comparisons<'_>, theta: &[f64]) -> Result<Vec<f64>> {
    let m = c.n_players;
    let add = |info: &mut [f64]| {
        for i in 0..c.len() {
            let (a, b, _, wt) = c.get(i);
            let p = 1.0 / (1.0 + (theta[b] - theta[a]).exp());
            let v = wt * p * (1.0 - p);
            info[a * m + a] += v;
            info[b * m + b] += v;
            info[a * m + b] -= v;
            info[b * m + a] -= v;
        }
    };
    information_errors(theta, m, add, || {
        RankError::invalid(
            "comparisons",
            "comparisons that connect all the players (the Fisher information is singular)",
            format!("{} comparisons between {m} players", c.len()),
        )
    })
}

/// Independent Bradley–Terry fits of many problems (queries, leaderboards), in parallel on the
/// rankwise pool by [`ComparisonGroups::each`]. Returns each problem's fit and, with
/// `with_errors`, its standard errors; a problem that cannot be fitted fails the call, naming
/// it.
pub fn fit_groups(
    groups: &ComparisonGroups<'_>,
    opts: &MmOptions,
    with_errors: bool,
) -> Result<Vec<(Fit, Option<Vec<f64>>)>> {
    opts.validate()?;
    groups.each(|c, _| fit_and_errors(with_errors, fit(c, opts), |f| standard_errors(c, &f.params)))
}

/// [`bootstrap`] of many independent problems at once, in parallel over problems and
/// resamples: each problem's draws as [`bootstrap`] of that problem alone with its share of
/// the `resamples` ([`super::groups::check_resamples`]), in problem order.
pub fn bootstrap_groups(
    groups: &ComparisonGroups<'_>,
    resamples: Resamples<'_>,
    opts: &MmOptions,
) -> Result<Vec<Bootstrap>> {
    opts.validate()?;
    groups.bootstrap(resamples, |c, _, how| bootstrap(c, how, opts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratings::groups::Problems;

    fn data() -> (Vec<i64>, Vec<i64>, Vec<f64>) {
        (
            vec![0, 1, 2, 0, 1, 0, 2, 1],
            vec![1, 2, 0, 2, 0, 1, 1, 2],
            vec![1.0, 1.0, 0.5, 1.0, 1.0, 0.0, 0.0, 1.0],
        )
    }

    #[test]
    fn fit_solves_the_likelihood_equations() {
        let (a, b, s) = (vec![0, 1, 2, 0, 1], vec![1, 2, 0, 2, 0], vec![1.0; 5]);
        let c = Comparisons::new(&a, &b, &s, None, 3).unwrap();
        let f = fit(&c, &MmOptions::default()).unwrap();
        assert!(f.converged);
        let sum: f64 = f.params.iter().sum();
        assert!(sum.abs() < 1e-12);
        // The maximum-likelihood equations: wins = Σ_b n_ab p_ab for each player.
        let p = |x: usize, y: usize| 1.0 / (1.0 + (f.params[y] - f.params[x]).exp());
        let wins = [2.0, 2.0, 1.0];
        let expected = [
            2.0 * p(0, 1) + 2.0 * p(0, 2),
            2.0 * p(1, 0) + p(1, 2),
            2.0 * p(2, 0) + p(2, 1),
        ];
        for (w, e) in wins.iter().zip(expected) {
            assert!((w - e).abs() < 1e-6, "{f:?}");
        }
    }

    #[test]
    fn bootstrap_is_reproducible_and_given_resamples_of_identity_give_the_fit() {
        let (a, b, s) = data();
        let c = Comparisons::new(&a, &b, &s, None, 3).unwrap();
        let opts = MmOptions::default();
        let seeded = Resamples::Seeded { count: 5, seed: 3 };
        let x = bootstrap(&c, seeded, &opts);
        let y = bootstrap(&c, seeded, &opts);
        assert_eq!(x.is_ok(), y.is_ok());
        if let (Ok(x), Ok(y)) = (x, y) {
            assert_eq!(x, y);
        }
        let ident: Vec<i64> = (0..8).chain(0..8).collect();
        let given = bootstrap(
            &c,
            Resamples::Given {
                indices: &ident,
                count: 2,
            },
            &opts,
        )
        .unwrap();
        let full = fit(&c, &opts).unwrap();
        assert_eq!(&given.params[..3], &full.params[..]);
        assert_eq!(&given.params[3..], &full.params[..]);
    }

    #[test]
    fn bad_input_is_refused_by_name() {
        let e = Comparisons::new(&[0], &[0], &[1.0], None, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("against itself"), "{e}");
        let e = Comparisons::new(&[0], &[1], &[f64::NAN], None, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`winner`"), "{e}");
        let e = Comparisons::new(&[0], &[1], &[1.0], Some(&[-1.0]), 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`weights`"), "{e}");
        let e = Comparisons::new(&[], &[], &[], None, 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least one comparison"), "{e}");
        let c = Comparisons::new(&[0], &[1], &[1.0], None, 2).unwrap();
        let e = fit(&c, &MmOptions::default()).unwrap_err().to_string();
        assert!(e.contains("player 1"), "{e}");
    }

    #[test]
    fn groups_equal_separate_fits_and_a_bad_group_is_named() {
        let (a, b, s) = data();
        let (a2, b2, s2) = (
            [a.clone(), a].concat(),
            [b.clone(), b].concat(),
            [s.clone(), s].concat(),
        );
        let opts = MmOptions::default();
        let groups = ComparisonGroups {
            a: &a2,
            b: &b2,
            score: &s2,
            weights: None,
            problems: Problems {
                bounds: &[0, 8, 16],
                players: &[3, 3],
            },
        };
        let fits = fit_groups(&groups, &opts, true).unwrap();
        let (a, b, s) = data();
        let c = Comparisons::new(&a, &b, &s, None, 3).unwrap();
        let alone = fit(&c, &opts).unwrap();
        for (f, se) in &fits {
            assert_eq!(f.params, alone.params);
            assert_eq!(
                se.as_ref().unwrap(),
                &standard_errors(&c, &alone.params).unwrap()
            );
        }
        let bad = ComparisonGroups {
            a: &[0, 0, 0],
            b: &[1, 1, 1],
            score: &[1.0, 1.0, 0.0],
            weights: None,
            problems: Problems {
                bounds: &[0, 1, 3],
                players: &[2, 2],
            },
        };
        let e = fit_groups(&bad, &opts, false).unwrap_err().to_string();
        assert!(e.contains("problem 0"), "{e}");
    }

    #[test]
    fn standard_errors_shrink_with_more_data() {
        let (a, b, s) = data();
        let c = Comparisons::new(&a, &b, &s, None, 3).unwrap();
        let f = fit(&c, &MmOptions::default()).unwrap();
        let se = standard_errors(&c, &f.params).unwrap();
        let w = vec![4.0; 8];
        let c4 = Comparisons::new(&a, &b, &s, Some(&w), 3).unwrap();
        let se4 = standard_errors(&c4, &f.params).unwrap();
        for (x, y) in se.iter().zip(&se4) {
            assert!((x / 2.0 - y).abs() < 1e-9, "{se:?} {se4:?}");
        }
    }
}
