//! Many independent problems (queries, leaderboards) fitted at once: the one driver every
//! grouped rating uses.
//!
//! The rows of all the problems lie together, sorted by problem: problem `g` owns rows
//! `bounds[g]..bounds[g + 1]` and its players are `0..players[g]` (local indices). Each
//! problem is computed by the single-problem function on its own rows, alone, in parallel on
//! the rankwise pool; a problem that fails fails the call, naming it.

use std::ops::Range;

use rayon::prelude::*;

use super::Comparisons;
use crate::error::{RankError, Result};
use crate::labels::evidence::check_weights;

/// Check that `bounds` cut `rows` rows into `players.len()` problems: rising from 0 to `rows`.
pub fn check_bounds(bounds: &[usize], players: &[usize], rows: usize, what: &str) -> Result<()> {
    let ok = bounds.len() == players.len() + 1
        && bounds.first() == Some(&0)
        && bounds.last() == Some(&rows)
        && bounds.windows(2).all(|w| w[0] <= w[1]);
    if ok {
        Ok(())
    } else {
        Err(RankError::shape(
            "groups",
            format!("problem bounds rising from 0 to {rows} {what}, one per problem"),
            format!("{} bounds for {} problems", bounds.len(), players.len()),
        ))
    }
}

/// `run(rows, n_players)` for every problem, in parallel, in problem order. An error of
/// problem `g` is returned as an invalid `groups` naming `g` (an interruption as itself).
pub fn each_problem<T: Send>(
    bounds: &[usize],
    players: &[usize],
    run: impl Fn(Range<usize>, usize) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let watch = crate::interrupt::current();
    (0..players.len())
        .into_par_iter()
        .map(|g| {
            watch.check()?;
            watch
                .scope(|| run(bounds[g]..bounds[g + 1], players[g]))
                .map_err(|e| match e {
                    RankError::Interrupted => e,
                    e => RankError::invalid(
                        "groups",
                        "problems that can each be fitted",
                        format!("problem {g}: {e}"),
                    ),
                })
        })
        .collect()
}

/// The comparisons of many independent problems, sorted by problem: problem `g` owns
/// comparisons `bounds[g]..bounds[g + 1]` of `a`, `b`, `score` (and `weights`), between its
/// players `0..players[g]`. What every grouped comparison model takes; checked by [`Self::each`].
#[derive(Debug, Clone, Copy)]
pub struct ComparisonGroups<'a> {
    pub a: &'a [i64],
    pub b: &'a [i64],
    pub score: &'a [f64],
    pub weights: Option<&'a [f64]>,
    pub bounds: &'a [usize],
    pub players: &'a [usize],
}

impl ComparisonGroups<'_> {
    /// Number of comparisons, of all the problems together.
    pub fn len(&self) -> usize {
        self.a.len()
    }

    /// True when there is no comparison.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    /// [`each_problem`] over the comparisons: `run` gets each problem's validated
    /// [`Comparisons`] and its rows (for the other per-row inputs of a model).
    pub fn each<T: Send>(
        &self,
        run: impl Fn(&Comparisons<'_>, Range<usize>) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let Self {
            a,
            b,
            score,
            weights,
            bounds,
            players,
        } = *self;
        check_bounds(bounds, players, a.len(), "comparisons")?;
        if b.len() != a.len()
            || score.len() != a.len()
            || weights.is_some_and(|w| w.len() != a.len())
        {
            return Err(RankError::shape(
                "comparisons",
                "as many `model_b`, `winner` and `weights` entries as `model_a` entries",
                a.len(),
            ));
        }
        // The checks that need no player count, on all the rows at once: a bad weight is named
        // as such, whichever problem holds it.
        if let Some(w) = weights {
            check_weights(w, a.len(), "comparison", "finite and non-negative counts")?;
        }
        each_problem(bounds, players, |r, n| {
            let c = Comparisons::new(
                &a[r.clone()],
                &b[r.clone()],
                &score[r.clone()],
                weights.map(|w| &w[r.clone()]),
                n,
            )?;
            run(&c, r)
        })
    }
}

/// One problem's fit and, `with_errors`, its standard errors (`errors` of the fit): what
/// the grouped fits return per problem.
pub fn fit_and_errors<F>(
    with_errors: bool,
    fit: Result<F>,
    errors: impl FnOnce(&F) -> Result<Vec<f64>>,
) -> Result<(F, Option<Vec<f64>>)> {
    let fit = fit?;
    let se = if with_errors {
        Some(errors(&fit)?)
    } else {
        None
    };
    Ok((fit, se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_runs_every_problem_in_order_and_names_a_failure() {
        let got = each_problem(&[0, 2, 2, 5], &[3, 1, 4], |r, n| Ok((r, n))).unwrap();
        assert_eq!(got, vec![(0..2, 3), (2..2, 1), (2..5, 4)]);
        let e = each_problem(&[0, 1, 2], &[2, 2], |r, _| {
            if r.start == 1 {
                Err(RankError::invalid("alpha", "> 0", 0))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert!(e.to_string().contains("problem 1"), "{e}");
        let e = each_problem(&[0, 1], &[2], |_, _| -> Result<()> {
            Err(RankError::Interrupted)
        })
        .unwrap_err();
        assert!(matches!(e, RankError::Interrupted));
    }

    #[test]
    fn bad_bounds_and_weights_are_refused_by_name() {
        let (a, b, s) = ([0_i64, 0], [1_i64, 1], [1.0, 0.0]);
        let groups = |weights, bounds, players| ComparisonGroups {
            a: &a,
            b: &b,
            score: &s,
            weights,
            bounds,
            players,
        };
        for bounds in [&[0, 1][..], &[1, 2], &[0, 2, 1]] {
            let e = groups(None, bounds, &[2]).each(|_, _| Ok(())).unwrap_err();
            assert!(e.to_string().contains("groups"), "{e}");
        }
        let w = [1.0, -1.0];
        let e = groups(Some(&w), &[0, 1, 2], &[2, 2])
            .each(|_, _| Ok(()))
            .unwrap_err();
        assert!(e.to_string().contains("weights"), "{e}");
        assert!(!e.to_string().contains("problem"), "{e}");
    }
}
