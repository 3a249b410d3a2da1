//! Rank correlation: Kendall, Spearman, weighted tau and AP correlation over rows, and RBO.
//!
//! Each function takes flat, C-contiguous 1-D arrays (`rankwise.correlation` flattens and
//! normalises them) cut into rows by `offsets` or `shape`, borrows them without copying, and
//! runs detached from the interpreter on the rankwise pool. Results come back as arrays plus
//! the number of rows that were too small, constant or NaN (the Python layer warns).

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use rankwise_core::correlation::ap::ApTies;
use rankwise_core::correlation::batch::{self, RowRanks, Summary};
use rankwise_core::correlation::kendall::{KendallOptions, PValueMethod, Variant};
use rankwise_core::correlation::rbo::{self, Ranking, RboTies};
use rankwise_core::correlation::weighted::Weigher;
use rankwise_core::correlation::{Alternative, NanPolicy, Values};
use rankwise_core::ragged::RowLayout;

use crate::errors::{CoreError, invalid_value, type_error};
use crate::evaluate::{describe, parse_choice, slice_of};
use crate::interrupt;

/// A borrowed numpy array of one of the value dtypes.
pub(crate) enum Held<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    F32(PyReadonlyArray1<'py, f32>),
    I64(PyReadonlyArray1<'py, i64>),
    I32(PyReadonlyArray1<'py, i32>),
}

impl<'py> Held<'py> {
    pub(crate) fn new(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        if let Ok(a) = obj.cast::<PyArray1<f64>>() {
            return Ok(Held::F64(a.readonly()));
        }
        if let Ok(a) = obj.cast::<PyArray1<f32>>() {
            return Ok(Held::F32(a.readonly()));
        }
        if let Ok(a) = obj.cast::<PyArray1<i64>>() {
            return Ok(Held::I64(a.readonly()));
        }
        if let Ok(a) = obj.cast::<PyArray1<i32>>() {
            return Ok(Held::I32(a.readonly()));
        }
        Err(type_error(
            obj.py(),
            format!(
                "`{name}` must be a 1-D float64, float32, int64 or int32 array (rankwise.correlation converts other dtypes); got {}",
                describe(obj)
            ),
        ))
    }

    pub(crate) fn values(&self, name: &str) -> PyResult<Values<'_>> {
        Ok(match self {
            Held::F64(a) => Values::F64(slice_of(a, name)?),
            Held::F32(a) => Values::F32(slice_of(a, name)?),
            Held::I64(a) => Values::I64(slice_of(a, name)?),
            Held::I32(a) => Values::I32(slice_of(a, name)?),
        })
    }
}

/// The row layout from `offsets` or `shape`, over `len` values of the argument `name` (one
/// row when neither).
pub(crate) fn layout<'a>(
    offsets: Option<&'a [i64]>,
    shape: Option<(usize, usize)>,
    len: usize,
    name: &str,
) -> PyResult<RowLayout<'a>> {
    Ok(match (offsets, shape) {
        (Some(o), _) => RowLayout::offsets(o, len).map_err(CoreError)?,
        (None, Some((rows, width))) => {
            // Rows of no values hold no data, so their count is bounded by nothing the caller
            // allocated (a numpy array of shape (2**40, 0) is free); the outputs of a row (a
            // string, a result, padding) are, so that count must fit in memory.
            if width == 0 {
                const BYTES_PER_ROW: u128 = 128;
                rankwise_core::memory::ensure(
                    name,
                    format!("{rows} rows of no values"),
                    rows as u128 * BYTES_PER_ROW,
                )
                .map_err(CoreError)?;
            }
            RowLayout::uniform(rows, width)
        }
        (None, None) => RowLayout::uniform(1, len),
    })
}

pub(crate) fn alternative(py: Python<'_>, value: &str) -> PyResult<Alternative> {
    parse_choice(
        py,
        "alternative",
        value,
        &[
            ("two-sided", Alternative::TwoSided),
            ("less", Alternative::Less),
            ("greater", Alternative::Greater),
        ],
    )
}

fn nan_policy(py: Python<'_>, value: &str) -> PyResult<NanPolicy> {
    parse_choice(
        py,
        "nan_policy",
        value,
        &[
            ("propagate", NanPolicy::Propagate),
            ("raise", NanPolicy::Raise),
            ("omit", NanPolicy::Omit),
        ],
    )
}

/// `(too_small, too_small_after_omit, constant, nan)` row counts.
type Counts = (usize, usize, usize, usize);

fn counts(s: Summary) -> Counts {
    (s.too_small, s.too_small_after_omit, s.constant, s.nan)
}

type Pair<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>, Counts);

/// Kendall's tau of every row: `(statistic, pvalue, counts)`.
#[pyfunction]
#[pyo3(signature = (x, y, *, offsets = None, shape = None, variant = "b", method = "auto", alternative = "two-sided", nan_policy = "propagate", scipy_rounding = false))]
#[allow(clippy::too_many_arguments)]
pub fn kendall_tau<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    offsets: Option<PyReadonlyArray1<'py, i64>>,
    shape: Option<(usize, usize)>,
    variant: &str,
    method: &str,
    alternative: &str,
    nan_policy: &str,
    scipy_rounding: bool,
) -> PyResult<Pair<'py>> {
    let opts = KendallOptions {
        variant: parse_choice(
            py,
            "variant",
            variant,
            &[("a", Variant::A), ("b", Variant::B), ("c", Variant::C)],
        )?,
        method: parse_choice(
            py,
            "method",
            method,
            &[
                ("auto", PValueMethod::Auto),
                ("exact", PValueMethod::Exact),
                ("asymptotic", PValueMethod::Asymptotic),
            ],
        )?,
        alternative: self::alternative(py, alternative)?,
        scipy_rounding,
    };
    let policy = self::nan_policy(py, nan_policy)?;
    let (hx, hy) = (Held::new(x, "x")?, Held::new(y, "y")?);
    let (vx, vy) = (hx.values("x")?, hy.values("y")?);
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let lay = layout(off, shape, vx.len(), "x")?;
    let (est, summary) = interrupt::run(py, || batch::kendall_rows(vx, vy, lay, &opts, policy))?
        .map_err(CoreError)?;
    let (stat, p): (Vec<f64>, Vec<f64>) = est.iter().map(|e| (e.statistic, e.pvalue)).unzip();
    Ok((
        PyArray1::from_vec(py, stat),
        PyArray1::from_vec(py, p),
        counts(summary),
    ))
}

/// Spearman's rho of every row: `(statistic, pvalue, counts)`.
#[pyfunction]
#[pyo3(signature = (x, y, *, offsets = None, shape = None, alternative = "two-sided", nan_policy = "propagate"))]
pub fn spearman<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    offsets: Option<PyReadonlyArray1<'py, i64>>,
    shape: Option<(usize, usize)>,
    alternative: &str,
    nan_policy: &str,
) -> PyResult<Pair<'py>> {
    let alt = self::alternative(py, alternative)?;
    let policy = self::nan_policy(py, nan_policy)?;
    let (hx, hy) = (Held::new(x, "x")?, Held::new(y, "y")?);
    let (vx, vy) = (hx.values("x")?, hy.values("y")?);
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let lay = layout(off, shape, vx.len(), "x")?;
    let (est, summary) = interrupt::run(py, || batch::spearman_rows(vx, vy, lay, alt, policy))?
        .map_err(CoreError)?;
    let (stat, p): (Vec<f64>, Vec<f64>) = est.iter().map(|e| (e.statistic, e.pvalue)).unzip();
    Ok((
        PyArray1::from_vec(py, stat),
        PyArray1::from_vec(py, p),
        counts(summary),
    ))
}

/// Weighted tau of every row: `(statistic, (too_small, constant, nan))`. `rank` is
/// `"average"`, `"lexicographic"` or `"index"`, or `"given"` with `rank_values`; `weights`
/// gives the weight of each rank (hyperbolic when absent).
#[pyfunction]
#[pyo3(signature = (x, y, *, offsets = None, shape = None, rank = "average", rank_values = None, weights = None, additive = true, nan_policy = "propagate"))]
#[allow(clippy::too_many_arguments)]
pub fn weighted_tau<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    offsets: Option<PyReadonlyArray1<'py, i64>>,
    shape: Option<(usize, usize)>,
    rank: &str,
    rank_values: Option<&Bound<'py, PyAny>>,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    additive: bool,
    nan_policy: &str,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Counts)> {
    let policy = self::nan_policy(py, nan_policy)?;
    let (hx, hy) = (Held::new(x, "x")?, Held::new(y, "y")?);
    let (vx, vy) = (hx.values("x")?, hy.values("y")?);
    let hr = rank_values.map(|r| Held::new(r, "rank")).transpose()?;
    let vr = hr.as_ref().map(|h| h.values("rank")).transpose()?;
    let ranks = match (rank, vr) {
        ("average", _) => RowRanks::Average,
        ("lexicographic", _) => RowRanks::Lexicographic,
        ("index", _) => RowRanks::Index,
        ("given", Some(v)) => RowRanks::Given(v),
        (other, _) => {
            return Err(invalid_value(
                py,
                format!(
                    "`rank` must be \"average\", \"lexicographic\", \"index\" or \"given\" with `rank_values`; got {other:?}"
                ),
            ));
        }
    };
    let table = weights
        .as_ref()
        .map(|w| slice_of(w, "weights"))
        .transpose()?;
    let weigher = table.map_or(Weigher::Hyperbolic, Weigher::Table);
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let lay = layout(off, shape, vx.len(), "x")?;
    let (stat, summary) = interrupt::run(py, || {
        batch::weighted_tau_rows(vx, vy, lay, ranks, weigher, additive, policy)
    })?
    .map_err(CoreError)?;
    Ok((PyArray1::from_vec(py, stat), counts(summary)))
}

/// AP correlation of every row (`x` true scores, `y` estimated): `(statistic, counts)`.
#[pyfunction]
#[pyo3(signature = (x, y, *, offsets = None, shape = None, ties = "a", nan_policy = "propagate"))]
pub fn ap_correlation<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    offsets: Option<PyReadonlyArray1<'py, i64>>,
    shape: Option<(usize, usize)>,
    ties: &str,
    nan_policy: &str,
) -> PyResult<(Bound<'py, PyArray1<f64>>, Counts)> {
    let ties = parse_choice(py, "ties", ties, &[("a", ApTies::A), ("b", ApTies::B)])?;
    let policy = self::nan_policy(py, nan_policy)?;
    let (hx, hy) = (Held::new(x, "x")?, Held::new(y, "y")?);
    let (vx, vy) = (hx.values("x")?, hy.values("y")?);
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let lay = layout(off, shape, vx.len(), "x")?;
    let (stat, summary) =
        interrupt::run(py, || batch::ap_rows(vx, vy, lay, ties, policy))?.map_err(CoreError)?;
    Ok((PyArray1::from_vec(py, stat), counts(summary)))
}

/// Rank-biased overlap of two rankings (item codes and tie-group numbers, best first):
/// `(ext, min, max, res)`.
#[pyfunction]
#[pyo3(signature = (a_items, a_groups, b_items, b_groups, *, p = 0.9, ties = "a"))]
pub fn rank_biased_overlap(
    py: Python<'_>,
    a_items: PyReadonlyArray1<'_, u32>,
    a_groups: PyReadonlyArray1<'_, u32>,
    b_items: PyReadonlyArray1<'_, u32>,
    b_groups: PyReadonlyArray1<'_, u32>,
    p: f64,
    ties: &str,
) -> PyResult<(f64, f64, f64, f64)> {
    let ties = parse_choice(
        py,
        "ties",
        ties,
        &[("w", RboTies::W), ("a", RboTies::A), ("b", RboTies::B)],
    )?;
    let a = Ranking {
        items: slice_of(&a_items, "a")?,
        groups: slice_of(&a_groups, "a")?,
    };
    let b = Ranking {
        items: slice_of(&b_items, "b")?,
        groups: slice_of(&b_groups, "b")?,
    };
    let r = py.detach(|| rbo::rbo(&a, &b, p, ties)).map_err(CoreError)?;
    Ok((r.ext, r.min, r.max, r.res))
}
