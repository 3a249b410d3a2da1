//! Many independent problems (queries, leaderboards) fitted at once: the one driver every
//! grouped rating uses.
//!
//! The rows of all the problems lie together, sorted by problem and cut by [`Problems`]. Each
//! problem is computed by the single-problem function on its own rows, alone, in parallel on
//! the rankwise pool; a problem that fails fails the call, naming it.

use std::ops::Range;

use rayon::prelude::*;

use super::plackett_luce::Rankings;
use super::{Comparisons, Resamples, cuts};
use crate::error::{RankError, Result};
use crate::labels::evidence::check_weights;

/// How the rows of many independent problems lie together, sorted by problem: problem `g`
/// owns rows `bounds[g]..bounds[g + 1]` and its players are `0..players[g]` (local indices).
/// The one cut every grouped rating takes, whatever its rows are.
#[derive(Debug, Clone, Copy)]
pub struct Problems<'a> {
    pub bounds: &'a [usize],
    pub players: &'a [usize],
}

impl Problems<'_> {
    /// Check that `bounds` cut `rows` rows into `players.len()` problems: rising from 0 to
    /// `rows`.
    pub fn check(&self, rows: usize, what: &str) -> Result<()> {
        let Self { bounds, players } = *self;
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

    /// The rows of problem `g`.
    pub fn rows(&self, g: usize) -> Range<usize> {
        self.bounds[g]..self.bounds[g + 1]
    }

    /// The players of all the problems together.
    pub fn total_players(&self) -> usize {
        self.players.iter().sum()
    }

    /// `run(rows, n_players)` for every problem, in parallel, in problem order. An error of
    /// problem `g` is returned as an invalid `groups` naming `g` (an interruption as itself).
    pub fn each<T: Send>(
        &self,
        run: impl Fn(Range<usize>, usize) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        self.each_indexed(|_, rows, n| run(rows, n))
    }

    /// [`Self::each`] with the problem's index: `run(g, rows, n_players)`.
    fn each_indexed<T: Send>(
        &self,
        run: impl Fn(usize, Range<usize>, usize) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let watch = crate::interrupt::current();
        (0..self.players.len())
            .into_par_iter()
            .map(|g| {
                watch.check()?;
                watch
                    .scope(|| run(g, self.rows(g), self.players[g]))
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
}

/// The comparisons of many independent problems: `a`, `b`, `score` (and `weights`), cut into
/// problems by `problems`. What every grouped comparison model takes; checked by
/// [`Self::each`].
#[derive(Debug, Clone, Copy)]
pub struct ComparisonGroups<'a> {
    pub a: &'a [i64],
    pub b: &'a [i64],
    pub score: &'a [f64],
    pub weights: Option<&'a [f64]>,
    pub problems: Problems<'a>,
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

    /// [`Problems::each`] over the comparisons: `run` gets each problem's validated
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
            problems,
        } = *self;
        problems.check(a.len(), "comparisons")?;
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
        problems.each(|r, n| {
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

    /// [`Self::each`] for a grouped bootstrap: `run` also gets the problem's share of the
    /// `resamples` (see [`check_resamples`]).
    pub fn bootstrap<T: Send>(
        &self,
        resamples: Resamples<'_>,
        run: impl Fn(&Comparisons<'_>, Range<usize>, Resamples<'_>) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        check_resamples(resamples, self.len(), self.problems.total_players())?;
        self.each(|c, rows| run(c, rows.clone(), resamples_of(resamples, &rows)))
    }
}

/// The rankings (or matches) of many independent problems (ranking `r` is
/// `items[offsets[r]..offsets[r + 1]]`, best first, with `weights[r]`), cut into problems by
/// `problems`.
#[derive(Debug, Clone, Copy)]
pub struct RankingGroups<'a> {
    pub items: &'a [i64],
    pub offsets: &'a [i64],
    pub weights: Option<&'a [f64]>,
    pub problems: Problems<'a>,
}

impl RankingGroups<'_> {
    /// [`Problems::each`] over the rankings: `run` gets each problem's validated [`Rankings`]
    /// (offsets from 0), its index, and the range of its entries among the flat `items`
    /// (for the other per-entry inputs, such as ranks).
    pub fn each<T: Send>(
        &self,
        run: impl Fn(&Rankings<'_>, usize, Range<usize>) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let Self {
            items,
            offsets,
            weights,
            problems,
        } = *self;
        let n = offsets.len().saturating_sub(1);
        if !cuts(offsets, items.len()) {
            return Err(RankError::shape(
                "offsets",
                format!("offsets rising from 0 to {} ranked players", items.len()),
                offsets.len(),
            ));
        }
        problems.check(n, "rankings")?;
        if weights.is_some_and(|w| w.len() != n) {
            return Err(RankError::shape(
                "weights",
                format!("one weight per ranking ({n})"),
                weights.map_or(0, <[f64]>::len),
            ));
        }
        problems.each_indexed(|g, rows, n| {
            let (r0, r1) = (rows.start, rows.end);
            // Validated by `cuts`: offsets rise from 0 within items.
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let (base, end) = (offsets[r0] as usize, offsets[r1] as usize);
            let local: Vec<i64> = offsets[r0..=r1].iter().map(|&o| o - offsets[r0]).collect();
            let c = Rankings::new(&items[base..end], &local, weights.map(|w| &w[r0..r1]), n)?;
            run(&c, g, base..end)
        })
    }

    /// Online ratings of every problem: `rate(matches, entries, mu, sigma)` updates the
    /// problem's starting beliefs (its slice of `mu` and `sigma`, one per player of each
    /// problem in turn) with its matches, whose entries are `entries` of the flat `items`.
    /// Returns the beliefs after the matches, concatenated as given.
    ///
    /// # Errors
    /// `mu` or `sigma` not one value per player of every problem; any error of `rate`, naming
    /// its problem.
    pub fn online(
        &self,
        mu: &[f64],
        sigma: &[f64],
        rate: impl Fn(&Rankings<'_>, Range<usize>, &mut [f64], &mut [f64]) -> Result<()> + Sync,
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        let total = self.problems.total_players();
        for (name, v) in [("mu", mu), ("sigma", sigma)] {
            if v.len() != total {
                return Err(RankError::shape(
                    name,
                    format!("one value per player of every problem ({total})"),
                    v.len(),
                ));
            }
        }
        let mut first = Vec::with_capacity(self.problems.players.len());
        let mut at = 0;
        for &m in self.problems.players {
            first.push(at);
            at += m;
        }
        let beliefs = self.each(|c, g, entries| {
            let span = first[g]..first[g] + c.n_players();
            let (mut m, mut s) = (mu[span.clone()].to_vec(), sigma[span].to_vec());
            rate(c, entries, &mut m, &mut s)?;
            Ok((m, s))
        })?;
        let (m, s): (Vec<Vec<f64>>, Vec<Vec<f64>>) = beliefs.into_iter().unzip();
        Ok((m.concat(), s.concat()))
    }

    /// [`Self::each`] for a grouped bootstrap: `run` gets each problem's rankings and its
    /// share of the `resamples` (see [`check_resamples`]).
    pub fn bootstrap<T: Send>(
        &self,
        resamples: Resamples<'_>,
        run: impl Fn(&Rankings<'_>, Resamples<'_>) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        let n = self.offsets.len().saturating_sub(1);
        check_resamples(resamples, n, self.problems.total_players())?;
        self.each(|c, g, _| run(c, resamples_of(resamples, &self.problems.rows(g))))
    }
}

/// The resamples of each problem in a grouped bootstrap, checked against the `rows` of all
/// the problems and `n_players` (all of them together): seeded resamples are the same for
/// every problem (resample `r` of problem `g` draws from `Rng::new(seed, r)` over its own
/// rows, as the bootstrap of that problem alone); explicit resamples hold, problem after
/// problem, `count` rows of that problem's local row indices. Refuses (naming
/// `n_resamples`) a count whose draws of every player could not be held in memory.
///
/// # Errors
/// Explicit resamples of the wrong length; a count too large for memory.
pub fn check_resamples(how: Resamples<'_>, rows: usize, n_players: usize) -> Result<()> {
    let count = match how {
        Resamples::Seeded { count, .. } | Resamples::Given { count, .. } => count,
    };
    if let Resamples::Given { indices, count } = how
        && indices.len() != count * rows
    {
        return Err(RankError::shape(
            "resamples",
            format!(
                "{count} resamples of each problem's rows ({} indices)",
                count * rows
            ),
            format!("{} indices", indices.len()),
        ));
    }
    // The draws of every resample of every problem, held per problem and concatenated.
    let bytes = crate::memory::bytes_of::<f64>(count.saturating_mul(n_players)) * 2;
    crate::memory::ensure("n_resamples", count, bytes)
}

/// Problem `rows`' share of grouped resamples (see [`check_resamples`]).
pub fn resamples_of<'a>(how: Resamples<'a>, rows: &Range<usize>) -> Resamples<'a> {
    match how {
        Resamples::Seeded { .. } => how,
        Resamples::Given { indices, count } => Resamples::Given {
            indices: &indices[count * rows.start..count * rows.end],
            count,
        },
    }
}

/// Concatenate per-problem draws, reserving their room first (refused, naming
/// `n_resamples`, where it cannot be had).
///
/// # Errors
/// The room cannot be reserved.
pub fn concat_draws(parts: Vec<Vec<f64>>, count: usize) -> Result<Vec<f64>> {
    let len = parts.iter().map(Vec::len).sum();
    let mut out = Vec::new();
    crate::memory::reserve(&mut out, len).map_err(|()| {
        crate::memory::too_large("n_resamples", count, crate::memory::bytes_of::<f64>(len))
    })?;
    for p in parts {
        out.extend(p);
    }
    Ok(out)
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

    fn problems<'a>(bounds: &'a [usize], players: &'a [usize]) -> Problems<'a> {
        Problems { bounds, players }
    }

    #[test]
    fn each_problem_runs_every_problem_in_order_and_names_a_failure() {
        let got = problems(&[0, 2, 2, 5], &[3, 1, 4])
            .each(|r, n| Ok((r, n)))
            .unwrap();
        assert_eq!(got, vec![(0..2, 3), (2..2, 1), (2..5, 4)]);
        let e = problems(&[0, 1, 2], &[2, 2])
            .each(|r, _| {
                if r.start == 1 {
                    Err(RankError::invalid("alpha", "> 0", 0))
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
        assert!(e.to_string().contains("problem 1"), "{e}");
        let e = problems(&[0, 1], &[2])
            .each(|_, _| -> Result<()> { Err(RankError::Interrupted) })
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
            problems: problems(bounds, players),
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
    #[test]
    fn grouped_resamples_are_each_problems_share_and_checked() {
        let idx = [0_i64, 1, 1, 0, 2, 2, 0, 1, 0, 0];
        let given = Resamples::Given {
            indices: &idx,
            count: 2,
        };
        // two problems of 2 and 3 rows: 2 x 2 indices, then 2 x 3
        assert!(check_resamples(given, 5, 4).is_ok());
        match resamples_of(given, &(2..5)) {
            Resamples::Given { indices, count } => {
                assert_eq!((indices, count), (&idx[4..10], 2));
            }
            Resamples::Seeded { .. } => panic!("explicit resamples stay explicit"),
        }
        let e = check_resamples(given, 4, 4).unwrap_err();
        assert!(e.to_string().contains("resamples"), "{e}");
        let seeded = Resamples::Seeded {
            count: usize::MAX / 4,
            seed: 0,
        };
        let e = check_resamples(seeded, 5, 4).unwrap_err();
        assert!(e.to_string().contains("n_resamples"), "{e}");
    }

    #[test]
    fn online_ratings_of_each_problem_start_from_its_own_beliefs() {
        // problem 0: one match of players 0 > 1; problem 1: one match of 1 > 0 > 2
        let (items, offsets) = ([0_i64, 1, 1, 0, 2], [0_i64, 2, 5]);
        let groups = RankingGroups {
            items: &items,
            offsets: &offsets,
            weights: None,
            problems: problems(&[0, 1, 2], &[2, 3]),
        };
        let mu = [1.0, 2.0, 3.0, 4.0, 5.0];
        let (m, s) = groups
            .online(&mu, &[1.0; 5], |c, entries, m, s| {
                // each problem's beliefs and its entries among the flat items
                m[0] += c.len() as f64 * 10.0 + entries.start as f64;
                s[0] = c.n_players() as f64;
                Ok(())
            })
            .unwrap();
        assert_eq!(m, vec![11.0, 2.0, 15.0, 4.0, 5.0]);
        assert_eq!(s, vec![2.0, 1.0, 3.0, 1.0, 1.0]);
        let e = groups
            .online(&mu[..4], &[1.0; 5], |_, _, _, _| Ok(()))
            .unwrap_err();
        assert!(e.to_string().contains("mu"), "{e}");
    }
}
