//! Ratings from pairwise comparisons: Bradley–Terry with bootstrap and asymptotic
//! uncertainty, online Elo, Rank Centrality (`rankwise.ratings` normalises the arguments).

use numpy::{PyArray1, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use rankwise_core::error::Result as CoreResult;
use rankwise_core::labels::plackett_luce::{Fit, MmOptions};
use rankwise_core::ratings::bradley_terry;
use rankwise_core::ratings::contextual::{self, ContextOptions, Covariates};
use rankwise_core::ratings::elo::{self, EloOptions};
use rankwise_core::ratings::groups::{
    self as core_groups, ComparisonGroups, RankingGroups, concat_draws,
};
use rankwise_core::ratings::openskill::{self, OpenSkillOptions};
use rankwise_core::ratings::plackett_luce::{self as pl, Rankings};
use rankwise_core::ratings::ties::{self, TieModel, TieOptions};
use rankwise_core::ratings::trueskill::{self, TrueSkillOptions};
use rankwise_core::ratings::{Bootstrap, Comparisons, Resamples, centrality, luce};

use crate::convert::{Array, matrix, slice_opt, slice2, vector};
use crate::errors::CoreError;
use crate::interrupt;

type F64s<'py> = Array<'py, f64>;
type I64s<'py> = Array<'py, i64>;
type F64Array<'py> = Bound<'py, PyArray1<f64>>;
type F64Matrix<'py> = Bound<'py, PyArray2<f64>>;
type Given<'py> = Option<PyReadonlyArray2<'py, i64>>;

// The arguments come from `rankwise.ratings` as the dicts it builds and checks once, each
// converted here by one struct: the comparisons (or rankings) of one problem or of many, the
// iteration options (`_fit_options`) and the bootstrap's resampling (`_resample_args`).

/// The iteration options every fit takes: `{"alpha", "max_iter", "tol"}`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Iteration {
    alpha: f64,
    max_iter: usize,
    tol: f64,
}

impl Iteration {
    fn mm(&self) -> MmOptions {
        MmOptions {
            alpha: self.alpha,
            max_iter: self.max_iter,
            tol: self.tol,
        }
    }

    fn context(&self) -> ContextOptions {
        ContextOptions {
            alpha: self.alpha,
            max_iter: self.max_iter,
            tol: self.tol,
        }
    }
}

/// How a bootstrap draws its resamples: `{"seed", "n_resamples"}`, or `{"seed", "resamples"}`
/// with one row of indices per resample.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Resampling<'py> {
    seed: u64,
    #[pyo3(default)]
    n_resamples: usize,
    #[pyo3(default)]
    resamples: Given<'py>,
}

impl Resampling<'_> {
    fn get(&self) -> PyResult<Resamples<'_>> {
        Ok(match &self.resamples {
            None => Resamples::Seeded {
                count: self.n_resamples,
                seed: self.seed,
            },
            Some(r) => Resamples::Given {
                indices: slice2(r, "resamples")?,
                count: r.shape()[0],
            },
        })
    }
}

/// A fit and, when `standard_errors`, its `errors` (else `n` NaN), computed off the
/// interpreter.
fn fit_with_errors<F: Send>(
    py: Python<'_>,
    standard_errors: bool,
    n: usize,
    fit: impl FnOnce() -> CoreResult<F> + Send,
    errors: impl FnOnce(&F) -> CoreResult<Vec<f64>> + Send,
) -> PyResult<(F, Vec<f64>)> {
    let run = || {
        let fit = fit()?;
        let se = if standard_errors {
            errors(&fit)?
        } else {
            vec![f64::NAN; n]
        };
        Ok((fit, se))
    };
    Ok(interrupt::run(py, run)?.map_err(CoreError)?)
}

/// What a fit of log-strengths gives back: `(theta, se, iterations, converged)`.
type StrengthFit<'py> = (F64Array<'py>, F64Array<'py>, usize, bool);

fn strength_fit(py: Python<'_>, (fit, se): (Fit, Vec<f64>)) -> StrengthFit<'_> {
    (
        PyArray1::from_vec(py, fit.params),
        PyArray1::from_vec(py, se),
        fit.iterations,
        fit.converged,
    )
}

/// What a bootstrap of log-strengths gives back: `(theta (resamples, players), not_converged)`.
fn strength_bootstrap(
    py: Python<'_>,
    n_players: usize,
    boot: CoreResult<Bootstrap>,
) -> PyResult<(F64Matrix<'_>, usize)> {
    let boot = boot.map_err(CoreError)?;
    let count = boot.params.len() / n_players.max(1);
    Ok((
        matrix(py, count, n_players, boot.params)?,
        boot.not_converged,
    ))
}

/// The rows of the comparisons: `{"a", "b", "score"}` and, optionally, `"weights"` (player
/// indices, scores of model_a, a weight per comparison).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Pairs<'py> {
    a: I64s<'py>,
    b: I64s<'py>,
    score: F64s<'py>,
    #[pyo3(default)]
    weights: Option<F64s<'py>>,
}

/// The comparisons' values: `(model_a, model_b, winner, weights)`.
type ComparisonSlices<'a> = (&'a [i64], &'a [i64], &'a [f64], Option<&'a [f64]>);

impl Pairs<'_> {
    fn slices(&self) -> PyResult<ComparisonSlices<'_>> {
        Ok((
            self.a.slice("model_a")?,
            self.b.slice("model_b")?,
            self.score.slice("winner")?,
            slice_opt(&self.weights, "weights")?,
        ))
    }
}

/// The rows of the rankings: `{"items", "offsets"}` and, optionally, `"weights"` (ranking `r`
/// is `items[offsets[r]..offsets[r + 1]]`, best first).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Ranked<'py> {
    items: I64s<'py>,
    offsets: I64s<'py>,
    #[pyo3(default)]
    weights: Option<F64s<'py>>,
}

/// The rows of top-1 choices: `{"chosen", "others", "offsets"}` (choice `c` picked
/// `chosen[c]` over `others[offsets[c]..offsets[c + 1]]`).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Chosen<'py> {
    chosen: I64s<'py>,
    others: I64s<'py>,
    offsets: I64s<'py>,
}

impl Chosen<'_> {
    /// `(chosen, alternatives, offsets)`.
    fn slices(&self) -> PyResult<(&[i64], &[i64], &[i64])> {
        Ok((
            self.chosen.slice("chosen")?,
            self.others.slice("alternatives")?,
            self.offsets.slice("offsets")?,
        ))
    }
}

/// One problem: its rows `T` and, in the same dict, `"n_players"`.
pub struct OneProblem<T> {
    rows: T,
    n_players: usize,
}

/// Many problems: their rows `T` sorted by problem and, in the same dict, `"bounds"` cutting
/// them and `"players"` (each problem's count; local player indices).
pub struct Problems<T> {
    rows: T,
    bounds: Vec<usize>,
    players: Vec<usize>,
}

impl<T> Problems<T> {
    /// The core's view of the cut.
    fn problems(&self) -> core_groups::Problems<'_> {
        core_groups::Problems {
            bounds: &self.bounds,
            players: &self.players,
        }
    }
}

impl<'a, 'py, T: FromPyObject<'a, 'py, Error = PyErr>> FromPyObject<'a, 'py> for OneProblem<T> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(OneProblem {
            rows: T::extract(obj)?,
            n_players: obj.get_item("n_players")?.extract()?,
        })
    }
}

impl<'a, 'py, T: FromPyObject<'a, 'py, Error = PyErr>> FromPyObject<'a, 'py> for Problems<T> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Problems {
            rows: T::extract(obj)?,
            bounds: obj.get_item("bounds")?.extract()?,
            players: obj.get_item("players")?.extract()?,
        })
    }
}

type ComparisonArgs<'py> = OneProblem<Pairs<'py>>;
type ComparisonGroupArgs<'py> = Problems<Pairs<'py>>;
type RankingArgs<'py> = OneProblem<Ranked<'py>>;
type RankingGroupArgs<'py> = Problems<Ranked<'py>>;
type ChoiceArgs<'py> = OneProblem<Chosen<'py>>;
type ChoiceGroupArgs<'py> = Problems<Chosen<'py>>;

impl ComparisonArgs<'_> {
    fn get(&self) -> PyResult<Comparisons<'_>> {
        let (a, b, score, w) = self.rows.slices()?;
        Ok(Comparisons::new(a, b, score, w, self.n_players).map_err(CoreError)?)
    }
}

impl ComparisonGroupArgs<'_> {
    fn get(&self) -> PyResult<ComparisonGroups<'_>> {
        let (a, b, score, weights) = self.rows.slices()?;
        Ok(ComparisonGroups {
            a,
            b,
            score,
            weights,
            problems: self.problems(),
        })
    }
}

impl RankingGroupArgs<'_> {
    fn get(&self) -> PyResult<RankingGroups<'_>> {
        let r = &self.rows;
        Ok(RankingGroups {
            items: r.items.slice("rankings")?,
            offsets: r.offsets.slice("offsets")?,
            weights: slice_opt(&r.weights, "weights")?,
            problems: self.problems(),
        })
    }
}

impl RankingArgs<'_> {
    fn get(&self) -> PyResult<Rankings<'_>> {
        let r = &self.rows;
        rankings(&r.items, &r.offsets, &r.weights, self.n_players)
    }
}

/// The standard errors of grouped fits concatenated (`n_errors(fit)` NaN for a problem
/// without them: `standard_errors` False), each fit handed on to `take` in problem order, and
/// the number of problems whose iteration did not converge.
fn concat_fits<F>(
    fits: Vec<(F, Option<Vec<f64>>)>,
    converged: impl Fn(&F) -> bool,
    n_errors: impl Fn(&F) -> usize,
    mut take: impl FnMut(F),
) -> (Vec<f64>, usize) {
    let (mut se, mut not_converged) = (vec![], 0);
    for (f, e) in fits {
        not_converged += usize::from(!converged(&f));
        match e {
            Some(e) => se.extend(e),
            None => se.extend(std::iter::repeat_n(f64::NAN, n_errors(&f))),
        }
        take(f);
    }
    (se, not_converged)
}

/// What grouped fits of log-strengths give back: `(theta, se, not_converged)`, each
/// concatenated over the problems.
fn strength_groups(py: Python<'_>, fits: Vec<(Fit, Option<Vec<f64>>)>) -> StrengthGroups<'_> {
    let mut theta = vec![];
    let (se, not_converged) = concat_fits(
        fits,
        |f| f.converged,
        |f| f.params.len(),
        |f| theta.extend(f.params),
    );
    (
        PyArray1::from_vec(py, theta),
        PyArray1::from_vec(py, se),
        not_converged,
    )
}

type StrengthGroups<'py> = (F64Array<'py>, F64Array<'py>, usize);

/// What grouped fits with other parameters besides the log-strengths give back: `(theta,
/// others, se, not_converged)`, each concatenated over the problems; `about` says whether a
/// fit converged and how many standard errors it has, `split` cuts it into its log-strengths
/// and its other parameters.
fn groups_with<F>(
    py: Python<'_>,
    fits: Vec<(F, Option<Vec<f64>>)>,
    about: impl Fn(&F) -> (bool, usize),
    split: impl Fn(F) -> (Vec<f64>, Vec<f64>),
) -> (F64Array<'_>, F64Array<'_>, F64Array<'_>, usize) {
    let (mut theta, mut others) = (vec![], vec![]);
    let (se, not_converged) = concat_fits(
        fits,
        |f| about(f).0,
        |f| about(f).1,
        |f| {
            let (t, o) = split(f);
            theta.extend(t);
            others.extend(o);
        },
    );
    (
        PyArray1::from_vec(py, theta),
        PyArray1::from_vec(py, others),
        PyArray1::from_vec(py, se),
        not_converged,
    )
}

/// The four bindings of a model of log-strengths fitted by MM (core `Fit` and `Bootstrap`,
/// the same in Bradley–Terry and Plackett–Luce): the fit with its standard errors, its
/// bootstrap, and both over many independent problems. `$arg` names the one problem's rows,
/// `$c` its validated form, whose player count is `$n`.
macro_rules! strength_model {
    (
        $core:ident, $arg:ident: $Args:ident, $GroupArgs:ident, |$c:ident| $n:expr;
        $(#[$fit_doc:meta])* fn $fit:ident;
        $(#[$boot_doc:meta])* fn $boot:ident;
        $(#[$groups_doc:meta])* fn $groups:ident;
        $(#[$groups_boot_doc:meta])* fn $groups_boot:ident;
    ) => {
        $(#[$fit_doc])*
        #[pyfunction]
        #[pyo3(signature = ($arg, options, *, standard_errors))]
        pub fn $fit<'py>(
            py: Python<'py>,
            $arg: $Args<'py>,
            options: Iteration,
            standard_errors: bool,
        ) -> PyResult<StrengthFit<'py>> {
            let ($c, opts) = ($arg.get()?, options.mm());
            let fit = fit_with_errors(
                py,
                standard_errors,
                $n,
                || $core::fit(&$c, &opts),
                |f| $core::standard_errors(&$c, &f.params),
            )?;
            Ok(strength_fit(py, fit))
        }

        $(#[$boot_doc])*
        #[pyfunction]
        pub fn $boot<'py>(
            py: Python<'py>,
            $arg: $Args<'py>,
            options: Iteration,
            resampling: Resampling<'py>,
        ) -> PyResult<(F64Matrix<'py>, usize)> {
            let ($c, opts, how) = ($arg.get()?, options.mm(), resampling.get()?);
            let boot = interrupt::run(py, || $core::bootstrap(&$c, how, &opts))?;
            strength_bootstrap(py, $n, boot)
        }

        $(#[$groups_doc])*
        #[pyfunction]
        #[pyo3(signature = (groups, options, *, standard_errors))]
        pub fn $groups<'py>(
            py: Python<'py>,
            groups: $GroupArgs<'py>,
            options: Iteration,
            standard_errors: bool,
        ) -> PyResult<StrengthGroups<'py>> {
            let (groups, opts) = (groups.get()?, options.mm());
            let fits = interrupt::run(py, || $core::fit_groups(&groups, &opts, standard_errors))?
                .map_err(CoreError)?;
            Ok(strength_groups(py, fits))
        }

        $(#[$groups_boot_doc])*
        #[pyfunction]
        pub fn $groups_boot<'py>(
            py: Python<'py>,
            groups: $GroupArgs<'py>,
            options: Iteration,
            resampling: Resampling<'py>,
        ) -> PyResult<(F64Array<'py>, usize)> {
            let (groups, opts, how) = (groups.get()?, options.mm(), resampling.get()?);
            let count = resampling.count();
            let (theta, _, not_converged) = groups_bootstrap(
                py,
                count,
                || $core::bootstrap_groups(&groups, how, &opts),
                |b| (b.params, vec![], b.not_converged),
            )?;
            Ok((theta, not_converged))
        }
    };
}

strength_model! {
    bradley_terry, comparisons: ComparisonArgs, ComparisonGroupArgs, |c| c.n_players;
    /// Bradley–Terry fit: centred natural log-strengths, their asymptotic standard errors (NaN
    /// when `standard_errors` is False), iterations and convergence.
    fn ratings_bradley_terry;
    /// Bradley–Terry fits on bootstrap resamples: a (resamples, players) array of centred
    /// natural log-strengths and the number of resamples whose iteration did not converge.
    fn ratings_bradley_terry_bootstrap;
    /// Bradley–Terry fits of many independent problems in parallel (comparisons sorted by
    /// problem, `bounds` cutting them, local player indices): the concatenated centred
    /// log-strengths, their standard errors (NaN when `standard_errors` is False), and the
    /// number of problems whose iteration did not converge.
    fn ratings_bradley_terry_groups;
    /// Bradley–Terry bootstraps of many independent problems in parallel (over problems and
    /// resamples): each problem's (resamples, players) draws of centred log-strengths,
    /// concatenated problem after problem, and the resamples that did not converge in all.
    fn ratings_bradley_terry_groups_bootstrap;
}

strength_model! {
    pl, rankings: RankingArgs, RankingGroupArgs, |c| c.n_players();
    /// Plackett–Luce fit of rankings (`choix.mm_rankings`): centred natural log-strengths,
    /// their asymptotic standard errors (NaN when `standard_errors` is False), iterations,
    /// convergence.
    fn ratings_plackett_luce;
    /// Plackett–Luce fits on bootstrap resamples of the rankings: a (resamples, players) array
    /// of centred natural log-strengths and the number of resamples that did not converge.
    fn ratings_plackett_luce_bootstrap;
    /// Plackett–Luce fits of many independent problems in parallel (rankings sorted by
    /// problem, `bounds` cutting them, local player indices): the concatenated centred
    /// log-strengths, their standard errors (NaN when `standard_errors` is False), and the
    /// number of problems whose iteration did not converge.
    fn ratings_plackett_luce_groups;
    /// Plackett–Luce bootstraps of many independent problems, as
    /// [`ratings_bradley_terry_groups_bootstrap`] (rankings sorted by problem).
    fn ratings_plackett_luce_groups_bootstrap;
}

/// Luce choice (top-1) log-strengths by MM (`choix.mm_top1`), iterations and convergence.
#[pyfunction]
pub fn ratings_luce_choice<'py>(
    py: Python<'py>,
    choices: ChoiceArgs<'py>,
    options: Iteration,
) -> PyResult<(F64Array<'py>, usize, bool)> {
    let (chosen, others, offsets) = choices.rows.slices()?;
    let c = luce::Choices::new(chosen, others, offsets, choices.n_players).map_err(CoreError)?;
    let opts = options.mm();
    let fit = interrupt::run(py, || luce::mm_top1(&c, &opts))?.map_err(CoreError)?;
    Ok((
        PyArray1::from_vec(py, fit.params),
        fit.iterations,
        fit.converged,
    ))
}

fn tie_options(model: &str, options: &Iteration) -> PyResult<TieOptions> {
    let model = match model {
        "davidson" => TieModel::Davidson,
        "rao_kupper" => TieModel::RaoKupper,
        other => {
            return Err(CoreError(rankwise_core::error::RankError::invalid(
                "model",
                "'davidson' or 'rao_kupper'",
                format!("{other:?}"),
            ))
            .into());
        }
    };
    Ok(TieOptions {
        model,
        alpha: options.alpha,
        max_iter: options.max_iter,
        tol: options.tol,
    })
}

/// Davidson or Rao–Kupper fit: centred natural log-strengths, the tie parameter (`ln ν` or
/// `ln ϑ`), standard errors of both (`players + 1`, NaN when `standard_errors` is False),
/// iterations and convergence.
#[pyfunction]
#[pyo3(signature = (comparisons, options, *, model, standard_errors))]
pub fn ratings_ties<'py>(
    py: Python<'py>,
    comparisons: ComparisonArgs<'py>,
    options: Iteration,
    model: &str,
    standard_errors: bool,
) -> PyResult<(F64Array<'py>, f64, F64Array<'py>, usize, bool)> {
    let (c, opts) = (comparisons.get()?, tie_options(model, &options)?);
    let (fit, se) = fit_with_errors(
        py,
        standard_errors,
        c.n_players + 1,
        || ties::fit(&c, &opts),
        |f| ties::standard_errors(&c, f, &opts),
    )?;
    Ok((
        PyArray1::from_vec(py, fit.theta),
        fit.eta,
        PyArray1::from_vec(py, se),
        fit.iterations,
        fit.converged,
    ))
}

/// Davidson or Rao–Kupper fits on bootstrap resamples: (resamples, players) log-strengths,
/// one tie parameter per resample, and the number of resamples that did not converge.
#[pyfunction]
#[pyo3(signature = (comparisons, options, resampling, *, model))]
pub fn ratings_ties_bootstrap<'py>(
    py: Python<'py>,
    comparisons: ComparisonArgs<'py>,
    options: Iteration,
    resampling: Resampling<'py>,
    model: &str,
) -> PyResult<(F64Matrix<'py>, F64Array<'py>, usize)> {
    let (c, opts, how) = (
        comparisons.get()?,
        tie_options(model, &options)?,
        resampling.get()?,
    );
    let boot = interrupt::run(py, || ties::bootstrap(&c, how, &opts))?.map_err(CoreError)?;
    let count = boot.eta.len();
    Ok((
        matrix(py, count, c.n_players, boot.theta)?,
        PyArray1::from_vec(py, boot.eta),
        boot.not_converged,
    ))
}

fn rankings<'a>(
    items: &'a I64s<'_>,
    offsets: &'a I64s<'_>,
    weights: &'a Option<F64s<'_>>,
    n_players: usize,
) -> PyResult<Rankings<'a>> {
    let w = slice_opt(weights, "weights")?;
    Ok(Rankings::new(
        items.slice("rankings")?,
        offsets.slice("offsets")?,
        w,
        n_players,
    )
    .map_err(CoreError)?)
}

fn covariates<'a>(features: &'a PyReadonlyArray2<'_, f64>, n: usize) -> PyResult<Covariates<'a>> {
    let k = features.shape()[1];
    Ok(Covariates::new(slice2(features, "features")?, n, k).map_err(CoreError)?)
}

/// Contextual (style-controlled) Bradley–Terry: centred log-strengths, covariate
/// coefficients, standard errors of both (`players + k`; NaN when `standard_errors` is
/// False), iterations and convergence.
#[pyfunction]
#[pyo3(signature = (comparisons, features, options, *, standard_errors))]
#[allow(clippy::type_complexity)]
pub fn ratings_contextual<'py>(
    py: Python<'py>,
    comparisons: ComparisonArgs<'py>,
    features: PyReadonlyArray2<'py, f64>,
    options: Iteration,
    standard_errors: bool,
) -> PyResult<(F64Array<'py>, F64Array<'py>, F64Array<'py>, usize, bool)> {
    let c = comparisons.get()?;
    let (x, opts) = (covariates(&features, c.len())?, options.context());
    let (fit, se) = fit_with_errors(
        py,
        standard_errors,
        c.n_players + x.k,
        || contextual::fit(&c, &x, &opts),
        |f| contextual::standard_errors(&c, &x, f, &opts),
    )?;
    Ok((
        PyArray1::from_vec(py, fit.theta),
        PyArray1::from_vec(py, fit.beta),
        PyArray1::from_vec(py, se),
        fit.iterations,
        fit.converged,
    ))
}

/// Contextual Bradley–Terry fits on bootstrap resamples: (resamples, players) log-strengths,
/// (resamples, k) coefficients, and the number of resamples that did not converge.
#[pyfunction]
pub fn ratings_contextual_bootstrap<'py>(
    py: Python<'py>,
    comparisons: ComparisonArgs<'py>,
    features: PyReadonlyArray2<'py, f64>,
    options: Iteration,
    resampling: Resampling<'py>,
) -> PyResult<(F64Matrix<'py>, F64Matrix<'py>, usize)> {
    let c = comparisons.get()?;
    let (x, opts, how) = (
        covariates(&features, c.len())?,
        options.context(),
        resampling.get()?,
    );
    let boot =
        interrupt::run(py, || contextual::bootstrap(&c, &x, how, &opts))?.map_err(CoreError)?;
    let count = boot.theta.len() / c.n_players.max(1);
    Ok((
        matrix(py, count, c.n_players, boot.theta)?,
        matrix(py, count, x.k, boot.beta)?,
        boot.not_converged,
    ))
}

/// The matches of the online ratings and the starting beliefs: `{"items", "offsets", "mu",
/// "sigma"}` (match `r` is `items[offsets[r]..offsets[r + 1]]`, best first; one belief per
/// player) and, optionally, `"ranks"` (one per entry of `items`: its player's rank in its
/// match, equal ranks a draw; TrueSkill only).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Matches<'py> {
    items: I64s<'py>,
    offsets: I64s<'py>,
    mu: F64s<'py>,
    sigma: F64s<'py>,
    #[pyo3(default)]
    ranks: Option<F64s<'py>>,
}

/// Online ratings: `rate` updates the starting beliefs with the matches, off the interpreter;
/// the means and standard deviations after them.
fn online<'py>(
    py: Python<'py>,
    matches: &Matches<'_>,
    rate: impl FnOnce(&Rankings<'_>, Option<&[f64]>, &mut [f64], &mut [f64]) -> CoreResult<()> + Send,
) -> PyResult<(F64Array<'py>, F64Array<'py>)> {
    let mut mu = matches.mu.slice("mu")?.to_vec();
    let mut sigma = matches.sigma.slice("sigma")?.to_vec();
    let c = rankings(&matches.items, &matches.offsets, &None, mu.len())?;
    let ranks = slice_opt(&matches.ranks, "ranks")?;
    interrupt::run(py, || rate(&c, ranks, &mut mu, &mut sigma))?.map_err(CoreError)?;
    Ok((PyArray1::from_vec(py, mu), PyArray1::from_vec(py, sigma)))
}

/// Davidson or Rao–Kupper fits of many independent problems in parallel (comparisons sorted
/// by problem, `bounds` cutting them, local player indices): the concatenated centred
/// log-strengths, one tie parameter (`ln ν` or `ln ϑ`) per problem, the standard errors
/// (`players + 1` per problem, the tie parameter's last; NaN when `standard_errors` is
/// False), and the number of problems whose iteration did not converge.
#[pyfunction]
#[pyo3(signature = (groups, options, *, model, standard_errors))]
pub fn ratings_ties_groups<'py>(
    py: Python<'py>,
    groups: ComparisonGroupArgs<'py>,
    options: Iteration,
    model: &str,
    standard_errors: bool,
) -> PyResult<(F64Array<'py>, F64Array<'py>, F64Array<'py>, usize)> {
    let (groups, opts) = (groups.get()?, tie_options(model, &options)?);
    let fits = interrupt::run(py, || ties::fit_groups(&groups, &opts, standard_errors))?
        .map_err(CoreError)?;
    Ok(groups_with(
        py,
        fits,
        |f| (f.converged, f.theta.len() + 1),
        |f| (f.theta, vec![f.eta]),
    ))
}

/// Luce choice (top-1) fits of many independent problems in parallel (choices sorted by
/// problem, `bounds` cutting them, local player indices): the concatenated log-strengths and
/// the number of problems whose iteration did not converge.
#[pyfunction]
pub fn ratings_luce_choice_groups<'py>(
    py: Python<'py>,
    groups: ChoiceGroupArgs<'py>,
    options: Iteration,
) -> PyResult<(F64Array<'py>, usize)> {
    let (chosen, others, offsets) = groups.rows.slices()?;
    let (problems, opts) = (groups.problems(), options.mm());
    let fits = interrupt::run(py, || {
        luce::mm_top1_groups(chosen, others, offsets, problems, &opts)
    })?
    .map_err(CoreError)?;
    let not_converged = fits.iter().filter(|f| !f.converged).count();
    let params: Vec<f64> = fits.into_iter().flat_map(|f| f.params).collect();
    Ok((PyArray1::from_vec(py, params), not_converged))
}

/// Contextual (style-controlled) Bradley–Terry fits of many independent problems in parallel
/// (comparisons and their feature rows sorted by problem, `bounds` cutting them, local player
/// indices): the concatenated centred log-strengths, the coefficients (`k` per problem), the
/// standard errors (`players + k` per problem; NaN when `standard_errors` is False), and the
/// number of problems whose iteration did not converge.
#[pyfunction]
#[pyo3(signature = (groups, features, options, *, standard_errors))]
#[allow(clippy::type_complexity)]
pub fn ratings_contextual_groups<'py>(
    py: Python<'py>,
    groups: ComparisonGroupArgs<'py>,
    features: PyReadonlyArray2<'py, f64>,
    options: Iteration,
    standard_errors: bool,
) -> PyResult<(F64Array<'py>, F64Array<'py>, F64Array<'py>, usize)> {
    let (groups, opts) = (groups.get()?, options.context());
    let k = features.shape()[1];
    let x = slice2(&features, "features")?;
    let fits = interrupt::run(py, || {
        contextual::fit_groups(&groups, x, k, &opts, standard_errors)
    })?
    .map_err(CoreError)?;
    Ok(groups_with(
        py,
        fits,
        |f| (f.converged, f.theta.len() + f.beta.len()),
        |f| (f.theta, f.beta),
    ))
}

/// Grouped online ratings: `rate(matches, ranks, mu, sigma)` per problem (matches sorted by
/// problem, `bounds` cutting them, local player indices; `mu` and `sigma` one per player of
/// each problem in turn), in parallel off the interpreter; the concatenated beliefs after.
fn online_groups<'py>(
    py: Python<'py>,
    groups: &Problems<Matches<'_>>,
    rate: impl Fn(&Rankings<'_>, Option<&[f64]>, &mut [f64], &mut [f64]) -> CoreResult<()> + Sync,
) -> PyResult<(F64Array<'py>, F64Array<'py>)> {
    let r = &groups.rows;
    let g = RankingGroups {
        items: r.items.slice("rankings")?,
        offsets: r.offsets.slice("offsets")?,
        weights: None,
        problems: groups.problems(),
    };
    let (mu, sigma) = (r.mu.slice("mu")?, r.sigma.slice("sigma")?);
    let ranks = slice_opt(&r.ranks, "ranks")?;
    if let Some(v) = ranks
        && v.len() != g.items.len()
    {
        return Err(CoreError(rankwise_core::error::RankError::shape(
            "ranks",
            format!("one rank per player of every match ({})", g.items.len()),
            v.len(),
        ))
        .into());
    }
    let (mu, sigma) = interrupt::run(py, || {
        g.online(mu, sigma, |c, entries, m, s| {
            rate(c, ranks.map(|v| &v[entries]), m, s)
        })
    })?
    .map_err(CoreError)?;
    Ok((PyArray1::from_vec(py, mu), PyArray1::from_vec(py, sigma)))
}

/// One value per player from one problem's comparisons, `run` off the interpreter.
fn per_player<'py>(
    py: Python<'py>,
    comparisons: &ComparisonArgs<'_>,
    run: impl FnOnce(&Comparisons<'_>) -> CoreResult<Vec<f64>> + Send,
) -> PyResult<F64Array<'py>> {
    let c = comparisons.get()?;
    vector(py, interrupt::run(py, || run(&c))?)
}

/// [`per_player`] of many independent problems: `run` gives one vector per problem, the
/// vectors concatenated.
fn per_player_groups<'py>(
    py: Python<'py>,
    groups: &ComparisonGroupArgs<'_>,
    run: impl FnOnce(&ComparisonGroups<'_>) -> CoreResult<Vec<Vec<f64>>> + Send,
) -> PyResult<F64Array<'py>> {
    let g = groups.get()?;
    let r = interrupt::run(py, || run(&g))?;
    vector(py, r.map(|v| v.concat()))
}

type MatchGroupArgs<'py> = Problems<Matches<'py>>;

/// The means and standard deviations of online ratings.
type Beliefs<'py> = (F64Array<'py>, F64Array<'py>);

/// The two bindings of a model whose options are keyword arguments (each `f64`, made into
/// `$opts` by `$make`): over one problem (`$arg`, through the driver `$drive` running
/// `$one`) and over many independent problems (`groups`, through `$drive_groups` running
/// `$many`).
macro_rules! keyword_model {
    (
        ($($option:ident),*) => $opts:ident = $make:expr;
        $arg:ident: $Arg:ident, $GroupArgs:ident => $Out:ident;
        $drive:ident(|$($p:pat_param),*| $one:expr);
        $drive_groups:ident(|$($q:pat_param),*| $many:expr);
        $(#[$doc:meta])* fn $single:ident;
        $(#[$groups_doc:meta])* fn $groups:ident;
    ) => {
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(signature = ($arg, *, $($option),*))]
        pub fn $single<'py>(
            py: Python<'py>,
            $arg: $Arg<'py>,
            $($option: f64),*
        ) -> PyResult<$Out<'py>> {
            let $opts = $make;
            $drive(py, &$arg, |$($p),*| $one)
        }

        $(#[$groups_doc])*
        #[pyfunction]
        #[pyo3(signature = (groups, *, $($option),*))]
        pub fn $groups<'py>(
            py: Python<'py>,
            groups: $GroupArgs<'py>,
            $($option: f64),*
        ) -> PyResult<$Out<'py>> {
            let $opts = $make;
            $drive_groups(py, &groups, |$($q),*| $many)
        }
    };
}

keyword_model! {
    (k, scale, base, init) => opts = EloOptions { k, scale, base, init };
    comparisons: ComparisonArgs, ComparisonGroupArgs => F64Array;
    per_player(|c| elo::elo(c, &opts));
    per_player_groups(|g| elo::elo_groups(g, &opts));
    /// Online Elo ratings (the arena's `compute_elo`).
    fn ratings_elo;
    /// Online Elo ratings of many independent problems in parallel (comparisons sorted by
    /// problem, in order within each, `bounds` cutting them, local player indices): the
    /// concatenated ratings.
    fn ratings_elo_groups;
}

keyword_model! {
    (alpha) => opts = alpha;
    comparisons: ComparisonArgs, ComparisonGroupArgs => F64Array;
    per_player(|c| centrality::rank_centrality(c, opts));
    per_player_groups(|g| centrality::rank_centrality_groups(g, opts));
    /// Rank Centrality log-strengths (`choix.rank_centrality`).
    fn ratings_rank_centrality;
    /// Rank Centrality log-strengths of many independent problems in parallel (comparisons
    /// sorted by problem, `bounds` cutting them, local player indices), concatenated.
    fn ratings_rank_centrality_groups;
}

keyword_model! {
    (beta, kappa, tau) => opts = OpenSkillOptions { beta, kappa, tau };
    matches: Matches, MatchGroupArgs => Beliefs;
    online(|c, _, mu, sigma| openskill::plackett_luce(c, &opts, mu, sigma));
    online_groups(|c, _, mu, sigma| openskill::plackett_luce(c, &opts, mu, sigma));
    /// Online Weng–Lin Plackett–Luce ratings (openskill's `PlackettLuce.rate` per match): the
    /// means and standard deviations after the matches, from the given starting values.
    fn ratings_openskill;
    /// openskill's Plackett–Luce ratings of many independent leaderboards in parallel, each as
    /// [`ratings_openskill`] on it alone: the concatenated means and standard deviations.
    fn ratings_openskill_groups;
}

keyword_model! {
    (beta, tau, draw_probability, min_delta) => opts = TrueSkillOptions {
        beta,
        tau,
        draw_probability,
        min_delta,
    };
    matches: Matches, MatchGroupArgs => Beliefs;
    online(|c, ranks, mu, sigma| trueskill::rate_matches(c, ranks, &opts, mu, sigma));
    online_groups(|c, ranks, mu, sigma| trueskill::rate_matches(c, ranks, &opts, mu, sigma));
    /// TrueSkill ratings (the `trueskill` package's `rate` per match, one-player teams, draws
    /// where `ranks` are equal): the means and standard deviations after the matches, from the
    /// given starting values.
    fn ratings_trueskill;
    /// TrueSkill ratings of many independent leaderboards in parallel, each as
    /// [`ratings_trueskill`] on it alone: the concatenated means and standard deviations.
    fn ratings_trueskill_groups;
}

/// Grouped bootstraps: `run` (of `count` resamples per problem) off the interpreter, each
/// problem's draws split by `split` into its log-strengths, its other parameters and its
/// resamples not converged. The log-strengths concatenated problem after problem (each
/// problem's `resamples x players`, row-major), the other parameters concatenated, and the
/// resamples that did not converge in all.
fn groups_bootstrap<B>(
    py: Python<'_>,
    count: usize,
    run: impl FnOnce() -> CoreResult<Vec<B>> + Send,
    split: impl Fn(B) -> (Vec<f64>, Vec<f64>, usize) + Send,
) -> PyResult<(F64Array<'_>, F64Array<'_>, usize)> {
    let concat = || -> CoreResult<_> {
        let (mut theta, mut other, mut not_converged) = (vec![], vec![], 0);
        for (t, o, n) in run()?.into_iter().map(split) {
            theta.push(t);
            other.extend(o);
            not_converged += n;
        }
        Ok((concat_draws(theta, count)?, other, not_converged))
    };
    let (theta, other, not_converged) = interrupt::run(py, concat)?.map_err(CoreError)?;
    Ok((
        PyArray1::from_vec(py, theta),
        PyArray1::from_vec(py, other),
        not_converged,
    ))
}

impl Resampling<'_> {
    /// The number of resamples each problem of a grouped bootstrap draws.
    fn count(&self) -> usize {
        self.resamples
            .as_ref()
            .map_or(self.n_resamples, |r| r.shape()[0])
    }
}

// The grouped bootstraps take explicit resamples as a (resamples, rows) array whose flat
// buffer holds, problem after problem, that problem's (resamples, its rows) local indices.

/// Davidson or Rao–Kupper bootstraps of many independent problems, as
/// [`ratings_bradley_terry_groups_bootstrap`], with each resample's tie parameter (`ln ν` or
/// `ln ϑ`; resamples per problem, concatenated).
#[pyfunction]
#[pyo3(signature = (groups, options, resampling, *, model))]
pub fn ratings_ties_groups_bootstrap<'py>(
    py: Python<'py>,
    groups: ComparisonGroupArgs<'py>,
    options: Iteration,
    resampling: Resampling<'py>,
    model: &str,
) -> PyResult<(F64Array<'py>, F64Array<'py>, usize)> {
    let (groups, how) = (groups.get()?, resampling.get()?);
    let (opts, count) = (tie_options(model, &options)?, resampling.count());
    groups_bootstrap(
        py,
        count,
        || ties::bootstrap_groups(&groups, how, &opts),
        |b| (b.theta, b.eta, b.not_converged),
    )
}

/// Contextual Bradley–Terry bootstraps of many independent problems, as
/// [`ratings_bradley_terry_groups_bootstrap`], with each resample's coefficients (`k` per
/// resample, resamples per problem, concatenated).
#[pyfunction]
pub fn ratings_contextual_groups_bootstrap<'py>(
    py: Python<'py>,
    groups: ComparisonGroupArgs<'py>,
    features: PyReadonlyArray2<'py, f64>,
    options: Iteration,
    resampling: Resampling<'py>,
) -> PyResult<(F64Array<'py>, F64Array<'py>, usize)> {
    let (groups, opts, how) = (groups.get()?, options.context(), resampling.get()?);
    let (k, count) = (features.shape()[1], resampling.count());
    let x = slice2(&features, "features")?;
    groups_bootstrap(
        py,
        count,
        || contextual::bootstrap_groups(&groups, x, k, how, &opts),
        |b| (b.theta, b.beta, b.not_converged),
    )
}
