//! Ratings from pairwise comparisons: Bradley–Terry with bootstrap and asymptotic
//! uncertainty, online Elo, Rank Centrality (`rankwise.ratings` normalises the arguments).

use numpy::{PyArray1, PyArray2, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use rankwise_core::labels::plackett_luce::MmOptions;
use rankwise_core::ratings::bradley_terry::{self, Resamples};
use rankwise_core::ratings::elo::{self, EloOptions};
use rankwise_core::ratings::{Comparisons, centrality, luce};

use crate::convert::{Array, matrix, slice2, vector};
use crate::errors::CoreError;
use crate::interrupt;

type F64s<'py> = Array<'py, f64>;
type I64s<'py> = Array<'py, i64>;

fn comparisons<'a>(
    a: &'a I64s<'_>,
    b: &'a I64s<'_>,
    score: &'a F64s<'_>,
    weights: Option<&'a F64s<'_>>,
    n_players: usize,
) -> PyResult<Comparisons<'a>> {
    let w = weights.map(|w| w.slice("weights")).transpose()?;
    Ok(Comparisons::new(
        a.slice("model_a")?,
        b.slice("model_b")?,
        score.slice("winner")?,
        w,
        n_players,
    )
    .map_err(CoreError)?)
}

/// Bradley–Terry fit: centred natural log-strengths, their asymptotic standard errors (NaN
/// when `standard_errors` is False), iterations and convergence.
#[pyfunction]
#[pyo3(signature = (a, b, score, n_players, *, weights = None, alpha = 0.0, max_iter = 10_000, tol = 1e-8, standard_errors = true))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn ratings_bradley_terry<'py>(
    py: Python<'py>,
    a: I64s<'py>,
    b: I64s<'py>,
    score: F64s<'py>,
    n_players: usize,
    weights: Option<F64s<'py>>,
    alpha: f64,
    max_iter: usize,
    tol: f64,
    standard_errors: bool,
) -> PyResult<(
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    usize,
    bool,
)> {
    let c = comparisons(&a, &b, &score, weights.as_ref(), n_players)?;
    let opts = MmOptions {
        alpha,
        max_iter,
        tol,
    };
    let (fit, se) = interrupt::run(py, || {
        let fit = bradley_terry::fit(&c, &opts)?;
        let se = if standard_errors {
            bradley_terry::standard_errors(&c, &fit.params)?
        } else {
            vec![f64::NAN; fit.params.len()]
        };
        Ok::<_, rankwise_core::error::RankError>((fit, se))
    })?
    .map_err(CoreError)?;
    Ok((
        PyArray1::from_vec(py, fit.params),
        PyArray1::from_vec(py, se),
        fit.iterations,
        fit.converged,
    ))
}

/// Bradley–Terry fits on bootstrap resamples: a (resamples, players) array of centred natural
/// log-strengths and the number of resamples whose iteration did not converge.
#[pyfunction]
#[pyo3(signature = (a, b, score, n_players, *, weights = None, n_resamples = 1000, seed = 0, resamples = None, alpha = 0.0, max_iter = 10_000, tol = 1e-8))]
#[allow(clippy::too_many_arguments)]
pub fn ratings_bradley_terry_bootstrap<'py>(
    py: Python<'py>,
    a: I64s<'py>,
    b: I64s<'py>,
    score: F64s<'py>,
    n_players: usize,
    weights: Option<F64s<'py>>,
    n_resamples: usize,
    seed: u64,
    resamples: Option<PyReadonlyArray2<'py, i64>>,
    alpha: f64,
    max_iter: usize,
    tol: f64,
) -> PyResult<(Bound<'py, PyArray2<f64>>, usize)> {
    let c = comparisons(&a, &b, &score, weights.as_ref(), n_players)?;
    let opts = MmOptions {
        alpha,
        max_iter,
        tol,
    };
    let how = match &resamples {
        None => Resamples::Seeded {
            count: n_resamples,
            seed,
        },
        Some(r) => Resamples::Given {
            indices: slice2(r, "resamples")?,
            count: r.shape()[0],
        },
    };
    let boot =
        interrupt::run(py, || bradley_terry::bootstrap(&c, how, &opts))?.map_err(CoreError)?;
    let count = boot.params.len() / n_players.max(1);
    Ok((
        matrix(py, count, n_players, boot.params)?,
        boot.not_converged,
    ))
}

/// Online Elo ratings (the arena's `compute_elo`).
#[pyfunction]
#[pyo3(signature = (a, b, score, n_players, *, weights = None, k = 4.0, scale = 400.0, base = 10.0, init = 1000.0))]
#[allow(clippy::too_many_arguments)]
pub fn ratings_elo<'py>(
    py: Python<'py>,
    a: I64s<'py>,
    b: I64s<'py>,
    score: F64s<'py>,
    n_players: usize,
    weights: Option<F64s<'py>>,
    k: f64,
    scale: f64,
    base: f64,
    init: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let c = comparisons(&a, &b, &score, weights.as_ref(), n_players)?;
    let opts = EloOptions {
        k,
        scale,
        base,
        init,
    };
    vector(py, interrupt::run(py, || elo::elo(&c, &opts))?)
}

/// Rank Centrality log-strengths (`choix.rank_centrality`).
#[pyfunction]
#[pyo3(signature = (a, b, score, n_players, *, weights = None, alpha = 0.0))]
pub fn ratings_rank_centrality<'py>(
    py: Python<'py>,
    a: I64s<'py>,
    b: I64s<'py>,
    score: F64s<'py>,
    n_players: usize,
    weights: Option<F64s<'py>>,
    alpha: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let c = comparisons(&a, &b, &score, weights.as_ref(), n_players)?;
    vector(
        py,
        interrupt::run(py, || centrality::rank_centrality(&c, alpha))?,
    )
}

/// Luce choice (top-1) log-strengths by MM (`choix.mm_top1`), iterations and convergence.
#[pyfunction]
#[pyo3(signature = (chosen, others, offsets, n_players, *, alpha = 0.0, max_iter = 10_000, tol = 1e-8))]
#[allow(clippy::too_many_arguments)]
pub fn ratings_luce_choice<'py>(
    py: Python<'py>,
    chosen: I64s<'py>,
    others: I64s<'py>,
    offsets: I64s<'py>,
    n_players: usize,
    alpha: f64,
    max_iter: usize,
    tol: f64,
) -> PyResult<(Bound<'py, PyArray1<f64>>, usize, bool)> {
    let c = luce::Choices::new(
        chosen.slice("chosen")?,
        others.slice("alternatives")?,
        offsets.slice("offsets")?,
        n_players,
    )
    .map_err(CoreError)?;
    let opts = MmOptions {
        alpha,
        max_iter,
        tol,
    };
    let fit = interrupt::run(py, || luce::mm_top1(&c, &opts))?.map_err(CoreError)?;
    Ok((
        PyArray1::from_vec(py, fit.params),
        fit.iterations,
        fit.converged,
    ))
}
