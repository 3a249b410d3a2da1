//! Rank correlation: Kendall, Spearman, weighted tau and AP correlation over rows, and RBO.
//!
//! Each function takes flat 1-D arrays (`rankwise.correlation` flattens and
//! normalises them) cut into rows by `offsets` or `shape`, borrows them without copying, and
//! runs detached from the interpreter on the rankwise pool. Results come back as arrays plus
//! the number of rows that were too small, constant or NaN (the Python layer warns).

use numpy::PyArray1;
use pyo3::prelude::*;
use rankwise_core::correlation::ap::ApTies;
use rankwise_core::correlation::batch::{self, RowPairs, RowRanks, RowRanksKind, Summary};
use rankwise_core::correlation::kendall::{KendallOptions, PValueMethod, Variant};
use rankwise_core::correlation::rbo::{self, Ranking, RboTies};
use rankwise_core::correlation::weighted::Weigher;
use rankwise_core::correlation::{Alternative, Estimate, NanPolicy};
use rankwise_core::error::Result as CoreResult;

use crate::convert::{Array, Held, Wrap, layout_of, slice_opt};
use crate::errors::{CoreError, invalid_value};
use crate::interrupt;

/// `(too_small, too_small_after_omit, constant, nan)` row counts.
type Counts = (usize, usize, usize, usize);

fn counts(s: Summary) -> Counts {
    (s.too_small, s.too_small_after_omit, s.constant, s.nan)
}

type Pair<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Counts);

/// `x` and `y` of any value dtype with their row layout, handed to `f`.
fn over_rows<T>(
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    offsets: &Option<Array<'_, i64>>,
    shape: Option<(usize, usize)>,
    f: impl FnOnce(RowPairs<'_>) -> PyResult<T>,
) -> PyResult<T> {
    let (hx, hy) = (Held::new(x, "x")?, Held::new(y, "y")?);
    let (x, y) = (hx.values("x")?, hy.values("y")?);
    let layout = layout_of(offsets, shape, x.len(), "x")?;
    f(RowPairs { x, y, layout })
}

/// Kendall's tau of every row: `(statistic, pvalue, counts)`.
#[pyfunction]
#[pyo3(signature = (x, y, *, offsets = None, shape = None, variant = Wrap::default(), method = Wrap::default(), alternative = Wrap::default(), nan_policy = Wrap::default(), scipy_rounding = false))]
#[allow(clippy::too_many_arguments)]
pub fn kendall_tau<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    offsets: Option<Array<'py, i64>>,
    shape: Option<(usize, usize)>,
    variant: Wrap<Variant>,
    method: Wrap<PValueMethod>,
    alternative: Wrap<Alternative>,
    nan_policy: Wrap<NanPolicy>,
    scipy_rounding: bool,
) -> PyResult<Pair<'py>> {
    let opts = KendallOptions {
        variant: variant.0,
        method: method.0,
        alternative: alternative.0,
        scipy_rounding,
    };
    over_rows(x, y, &offsets, shape, |rows| {
        estimates(py, || batch::kendall_rows(rows, &opts, nan_policy.0))
    })
}

/// Spearman's rho of every row: `(statistic, pvalue, counts)`.
#[pyfunction]
#[pyo3(signature = (x, y, *, offsets = None, shape = None, alternative = Wrap::default(), nan_policy = Wrap::default()))]
pub fn spearman<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    offsets: Option<Array<'py, i64>>,
    shape: Option<(usize, usize)>,
    alternative: Wrap<Alternative>,
    nan_policy: Wrap<NanPolicy>,
) -> PyResult<Pair<'py>> {
    over_rows(x, y, &offsets, shape, |rows| {
        estimates(py, || {
            batch::spearman_rows(rows, alternative.0, nan_policy.0)
        })
    })
}

/// Estimates of every row, computed off the interpreter: `(statistic, pvalue, counts)`.
fn estimates(
    py: Python<'_>,
    rows: impl FnOnce() -> CoreResult<(Vec<Estimate>, Summary)> + Send,
) -> PyResult<Pair<'_>> {
    let (est, summary) = interrupt::run(py, rows)?.map_err(CoreError)?;
    let (stat, p): (Vec<f64>, Vec<f64>) = est.iter().map(|e| (e.statistic, e.pvalue)).unzip();
    Ok((
        PyArray1::from_vec(py, stat),
        PyArray1::from_vec(py, p),
        counts(summary),
    ))
}

/// A statistic of every row, computed off the interpreter: `(statistic, counts)`.
fn statistics(
    py: Python<'_>,
    rows: impl FnOnce() -> CoreResult<(Vec<f64>, Summary)> + Send,
) -> PyResult<(Bound<'_, PyArray1<f64>>, Counts)> {
    let (stat, summary) = interrupt::run(py, rows)?.map_err(CoreError)?;
    Ok((PyArray1::from_vec(py, stat), counts(summary)))
}

/// Weighted tau of every row: `(statistic, (too_small, constant, nan))`. `rank` is
/// `"average"`, `"lexicographic"` or `"index"`, or `"given"` with `rank_values`; `weights`
/// gives the weight of each rank (hyperbolic when absent).
#[pyfunction]
#[pyo3(signature = (x, y, *, offsets = None, shape = None, rank = Wrap(RowRanksKind::Average), rank_values = None, weights = None, additive = true, nan_policy = Wrap::default()))]
#[allow(clippy::too_many_arguments)]
pub fn weighted_tau<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    offsets: Option<Array<'py, i64>>,
    shape: Option<(usize, usize)>,
    rank: Wrap<RowRanksKind>,
    rank_values: Option<&Bound<'py, PyAny>>,
    weights: Option<Array<'py, f64>>,
    additive: bool,
    nan_policy: Wrap<NanPolicy>,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Counts)> {
    let hr = rank_values.map(|r| Held::new(r, "rank")).transpose()?;
    let ranks = match (rank.0, &hr) {
        (RowRanksKind::Average, _) => RowRanks::Average,
        (RowRanksKind::Lexicographic, _) => RowRanks::Lexicographic,
        (RowRanksKind::Index, _) => RowRanks::Index,
        (RowRanksKind::Given, Some(h)) => RowRanks::Given(h.values("rank")?),
        (RowRanksKind::Given, None) => {
            return Err(invalid_value(
                py,
                "`rank_values` must be given with rank=\"given\"; got None".to_owned(),
            ));
        }
    };
    let weigher = slice_opt(&weights, "weights")?.map_or(Weigher::Hyperbolic, Weigher::Table);
    over_rows(x, y, &offsets, shape, |rows| {
        statistics(py, || {
            batch::weighted_tau_rows(rows, ranks, weigher, additive, nan_policy.0)
        })
    })
}

/// AP correlation of every row (`x` true scores, `y` estimated): `(statistic, counts)`.
#[pyfunction]
#[pyo3(signature = (x, y, *, offsets = None, shape = None, ties = Wrap::default(), nan_policy = Wrap::default()))]
pub fn ap_correlation<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    offsets: Option<Array<'py, i64>>,
    shape: Option<(usize, usize)>,
    ties: Wrap<ApTies>,
    nan_policy: Wrap<NanPolicy>,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Counts)> {
    over_rows(x, y, &offsets, shape, |rows| {
        statistics(py, || batch::ap_rows(rows, ties.0, nan_policy.0))
    })
}

/// Rank-biased overlap of two rankings (item codes and tie-group numbers, best first):
/// `(ext, min, max, res)`.
#[pyfunction]
#[pyo3(signature = (a_items, a_groups, b_items, b_groups, *, p = 0.9, ties = Wrap::default()))]
pub fn rank_biased_overlap(
    py: Python<'_>,
    a_items: Array<'_, u32>,
    a_groups: Array<'_, u32>,
    b_items: Array<'_, u32>,
    b_groups: Array<'_, u32>,
    p: f64,
    ties: Wrap<RboTies>,
) -> PyResult<(f64, f64, f64, f64)> {
    let a = Ranking {
        items: a_items.slice("a")?,
        groups: a_groups.slice("a")?,
    };
    let b = Ranking {
        items: b_items.slice("b")?,
        groups: b_groups.slice("b")?,
    };
    let r = py
        .detach(|| rbo::rbo(&a, &b, p, ties.0))
        .map_err(CoreError)?;
    Ok((r.ext, r.min, r.max, r.res))
}
