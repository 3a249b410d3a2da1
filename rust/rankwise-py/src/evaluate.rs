//! `evaluate` (qrels + run) and `evaluate_arrays` (score/label arrays).
//!
//! Arguments are converted while attached to the interpreter; the evaluation itself runs
//! detached (`py.detach`) on the rankwise thread pool. Arrays are borrowed, never copied:
//! the Python layer hands over contiguous 1-D arrays of a supported dtype.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use rankwise_core::evaluate::{
    self as core, ArrayBatch, ArrayOptions, EvalOptions, Missing, NanPolicy, Ties,
};
use rankwise_core::metrics::MeasureSet;
use rankwise_core::ragged::RowLayout;
use rankwise_core::ranking::{Label, Score};

use crate::convert::{Array, Wrap, describe, layout, matrix, slice_opt, slice2};
use crate::errors::{CoreError, invalid_value, type_error};
use crate::interrupt;
use crate::trec::{PyQrels, PyRun};

/// Evaluate a run against qrels. Returns `(measure_names, query_ids, values, summary)` with
/// `values` of shape `(measures, queries)`.
#[pyfunction]
#[pyo3(signature = (qrels, run, measures, *, rel_level = 1.0, judged_only = false, max_docs = None, missing = Wrap::default(), ignore_identical_ids = false))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn evaluate<'py>(
    py: Python<'py>,
    qrels: &PyQrels,
    run: &PyRun,
    measures: Vec<String>,
    rel_level: f64,
    judged_only: bool,
    max_docs: Option<usize>,
    missing: Wrap<Missing>,
    ignore_identical_ids: bool,
) -> PyResult<(
    Vec<String>,
    Vec<String>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
)> {
    let set = MeasureSet::parse(&measures).map_err(CoreError)?;
    let opts = EvalOptions {
        rel_level,
        judged_only,
        max_docs,
        missing: missing.0,
        ignore_identical_ids,
    };
    let (q, r) = (qrels.inner.clone(), run.inner.clone());
    let result = interrupt::run(py, || core::evaluate(&q, &r, &set, &opts))?.map_err(CoreError)?;
    let summary = result.summary();
    let names = result.names().to_vec();
    let query_ids = result.query_ids().to_vec();
    let nq = result.num_queries();
    let values = matrix(py, names.len(), nq, result.into_values())?;
    Ok((names, query_ids, values, PyArray1::from_vec(py, summary)))
}

/// The summary `evaluate` gives (mean, sum or geometric mean per measure, from an exactly
/// rounded sum) of per-query values of shape `(measures, queries)` gathered from anywhere,
/// e.g. from the partitions of a cluster.
#[pyfunction]
pub fn summarize<'py>(
    py: Python<'py>,
    measures: Vec<String>,
    values: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let set = MeasureSet::parse(&measures).map_err(CoreError)?;
    let queries = values.shape()[1];
    let flat = slice2(&values, "values")?;
    let summary = core::summarize(&set, flat, queries).map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, summary))
}

/// Everything `evaluate_arrays` needs besides the typed score and label slices.
struct ArrayArgs<'a> {
    layout: RowLayout<'a>,
    mask: Option<&'a [bool]>,
    n_relevant: Option<&'a [i64]>,
    set: &'a MeasureSet,
    opts: ArrayOptions,
}

fn run_typed<S: Score, L: Label>(
    py: Python<'_>,
    scores: &[S],
    labels: &[L],
    args: &ArrayArgs<'_>,
) -> PyResult<Vec<f64>> {
    let batch = ArrayBatch {
        scores,
        labels,
        layout: args.layout,
        mask: args.mask,
        n_relevant: args.n_relevant,
    };
    Ok(
        interrupt::run(py, || core::evaluate_arrays(&batch, args.set, &args.opts))?
            .map_err(CoreError)?,
    )
}

/// Dispatch on the label dtype, then run.
fn with_labels<S: Score + numpy::Element>(
    py: Python<'_>,
    scores: &[S],
    labels: &Bound<'_, PyAny>,
    args: &ArrayArgs<'_>,
) -> PyResult<Vec<f64>> {
    macro_rules! try_label {
        ($($t:ty),*) => {$(
            if let Ok(a) = labels.cast::<PyArray1<$t>>() {
                let a = Array::new(a.readonly());
                return run_typed(py, scores, a.slice("labels")?, args);
            }
        )*};
    }
    try_label!(f64, f32, i64, i32, i16, i8, u8, u16, u32);
    Err(type_error(
        py,
        format!(
            "`labels` must be a 1-D array of int8..int64, uint8..uint32, float32 or float64; got {}",
            describe(labels)
        ),
    ))
}

/// Evaluate measures over flat score/label arrays cut into queries by `offsets` or by
/// `shape = (queries, width)`. Returns `(measure_names, values)` with `values` of shape
/// `(measures, queries)`.
#[pyfunction]
#[pyo3(signature = (scores, labels, measures, *, offsets = None, shape = None, mask = None, n_relevant = None, rel_level = 1.0, ties = Wrap::default(), nan_policy = Wrap::default()))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate_arrays<'py>(
    py: Python<'py>,
    scores: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    measures: Vec<String>,
    offsets: Option<Array<'py, i64>>,
    shape: Option<(usize, usize)>,
    mask: Option<Array<'py, bool>>,
    n_relevant: Option<Array<'py, i64>>,
    rel_level: f64,
    ties: Wrap<Ties>,
    nan_policy: Wrap<NanPolicy>,
) -> PyResult<(Vec<String>, Bound<'py, PyArray2<f64>>)> {
    let set = MeasureSet::parse(&measures).map_err(CoreError)?;
    let len = scores
        .cast::<numpy::PyUntypedArray>()
        .map(|a| a.len())
        .map_err(|_| {
            type_error(
                py,
                format!("`scores` must be a numpy array; got {}", describe(scores)),
            )
        })?;
    let offsets = slice_opt(&offsets, "offsets")?;
    if offsets.is_none() && shape.is_none() {
        return Err(invalid_value(
            py,
            "either `offsets` or `shape` must be given".to_owned(),
        ));
    }
    let layout = layout(offsets, shape, len, "scores")?;
    let args = ArrayArgs {
        layout,
        mask: slice_opt(&mask, "mask")?,
        n_relevant: slice_opt(&n_relevant, "n_relevant")?,
        set: &set,
        opts: ArrayOptions {
            rel_level,
            ties: ties.0,
            nan_policy: nan_policy.0,
        },
    };
    let values = if let Ok(s) = scores.cast::<PyArray1<f64>>() {
        let s = Array::new(s.readonly());
        with_labels(py, s.slice("scores")?, labels, &args)?
    } else if let Ok(s) = scores.cast::<PyArray1<f32>>() {
        let s = Array::new(s.readonly());
        with_labels(py, s.slice("scores")?, labels, &args)?
    } else {
        return Err(type_error(
            py,
            format!(
                "`scores` must be a 1-D float32 or float64 array; got {}",
                describe(scores)
            ),
        ));
    };
    let names: Vec<String> = set.names().into_iter().map(str::to_owned).collect();
    let rows = layout.rows();
    let array = matrix(py, names.len(), rows, values)?;
    Ok((names, array))
}
