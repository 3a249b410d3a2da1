//! `evaluate` (qrels + run) and `evaluate_arrays` (score/label arrays).
//!
//! Arguments are converted while attached to the interpreter; the evaluation itself runs
//! detached (`py.detach`) on the rankwise thread pool. Arrays are borrowed, never copied:
//! the Python layer hands over C-contiguous 1-D arrays of a supported dtype.

use numpy::ndarray::Array2;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use rankwise_core::evaluate::{
    self as core, ArrayBatch, ArrayOptions, EvalOptions, Missing, NanPolicy, Ties,
};
use rankwise_core::metrics::MeasureSet;
use rankwise_core::ragged::RowLayout;
use rankwise_core::ranking::{Label, Score};

use crate::errors::{CoreError, invalid_value, type_error};
use crate::interrupt;
use crate::trec::{PyQrels, PyRun};

fn measure_major<'py>(
    py: Python<'py>,
    values: Vec<f64>,
    measures: usize,
    queries: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let array = Array2::from_shape_vec((measures, queries), values)
        .map_err(|e| invalid_value(py, format!("internal shape error: {e}")))?;
    Ok(array.into_pyarray(py))
}

pub(crate) fn parse_choice<T: Copy>(
    py: Python<'_>,
    argument: &str,
    value: &str,
    choices: &[(&str, T)],
) -> PyResult<T> {
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<String> = choices.iter().map(|(n, _)| format!("{n:?}")).collect();
            invalid_value(
                py,
                format!(
                    "`{argument}` must be one of {}; got {value:?}",
                    names.join(", ")
                ),
            )
        })
}

/// Evaluate a run against qrels. Returns `(measure_names, query_ids, values, summary)` with
/// `values` of shape `(measures, queries)`.
#[pyfunction]
#[pyo3(signature = (qrels, run, measures, *, rel_level = 1.0, judged_only = false, max_docs = None, missing = "skip"))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn evaluate<'py>(
    py: Python<'py>,
    qrels: &PyQrels,
    run: &PyRun,
    measures: Vec<String>,
    rel_level: f64,
    judged_only: bool,
    max_docs: Option<usize>,
    missing: &str,
) -> PyResult<(
    Vec<String>,
    Vec<String>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
)> {
    let set = MeasureSet::parse(&measures).map_err(CoreError)?;
    let missing = parse_choice(
        py,
        "missing",
        missing,
        &[("skip", Missing::Skip), ("zero", Missing::Zero)],
    )?;
    let opts = EvalOptions {
        rel_level,
        judged_only,
        max_docs,
        missing,
    };
    let (q, r) = (qrels.inner.clone(), run.inner.clone());
    let result = interrupt::run(py, || core::evaluate(&q, &r, &set, &opts))?.map_err(CoreError)?;
    let summary = result.summary();
    let names = result.names().to_vec();
    let query_ids = result.query_ids().to_vec();
    let nq = result.num_queries();
    let values = measure_major(py, result.into_values(), names.len(), nq)?;
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
    let flat = values.as_slice().map_err(|_| {
        invalid_value(
            py,
            "`values` must be a C-contiguous float64 array (measures, queries)".to_owned(),
        )
    })?;
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

pub(crate) fn slice_of<'a, T: numpy::Element>(
    array: &'a PyReadonlyArray1<'_, T>,
    argument: &str,
) -> PyResult<&'a [T]> {
    array.as_slice().map_err(|_| {
        invalid_value(
            array.py(),
            format!("`{argument}` must be C-contiguous (rankwise.metrics converts it for you)"),
        )
    })
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
                let a = a.readonly();
                return run_typed(py, scores, slice_of(&a, "labels")?, args);
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

pub(crate) fn describe(obj: &Bound<'_, PyAny>) -> String {
    if let Ok(a) = obj.cast::<numpy::PyUntypedArray>() {
        format!("a {}-D array of {}", a.ndim(), a.dtype())
    } else {
        obj.get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string())
    }
}

/// Evaluate measures over flat score/label arrays cut into queries by `offsets` or by
/// `shape = (queries, width)`. Returns `(measure_names, values)` with `values` of shape
/// `(measures, queries)`.
#[pyfunction]
#[pyo3(signature = (scores, labels, measures, *, offsets = None, shape = None, mask = None, n_relevant = None, rel_level = 1.0, ties = "stable", nan_policy = "raise"))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate_arrays<'py>(
    py: Python<'py>,
    scores: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    measures: Vec<String>,
    offsets: Option<PyReadonlyArray1<'py, i64>>,
    shape: Option<(usize, usize)>,
    mask: Option<PyReadonlyArray1<'py, bool>>,
    n_relevant: Option<PyReadonlyArray1<'py, i64>>,
    rel_level: f64,
    ties: &str,
    nan_policy: &str,
) -> PyResult<(Vec<String>, Bound<'py, PyArray2<f64>>)> {
    let set = MeasureSet::parse(&measures).map_err(CoreError)?;
    let ties = parse_choice(
        py,
        "ties",
        ties,
        &[("stable", Ties::Stable), ("average", Ties::Average)],
    )?;
    let nan_policy = parse_choice(
        py,
        "nan_policy",
        nan_policy,
        &[("raise", NanPolicy::Raise), ("omit", NanPolicy::Omit)],
    )?;
    let len = scores
        .cast::<numpy::PyUntypedArray>()
        .map(|a| a.len())
        .map_err(|_| {
            type_error(
                py,
                format!("`scores` must be a numpy array; got {}", describe(scores)),
            )
        })?;
    let offsets_slice = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let layout = match (offsets_slice, shape) {
        (Some(o), _) => RowLayout::offsets(o, len).map_err(CoreError)?,
        (None, Some(shape)) => crate::correlation::layout(None, Some(shape), len, "scores")?,
        (None, None) => {
            return Err(invalid_value(
                py,
                "either `offsets` or `shape` must be given".to_owned(),
            ));
        }
    };
    let mask_slice = mask.as_ref().map(|m| slice_of(m, "mask")).transpose()?;
    let n_rel_slice = n_relevant
        .as_ref()
        .map(|n| slice_of(n, "n_relevant"))
        .transpose()?;
    let args = ArrayArgs {
        layout,
        mask: mask_slice,
        n_relevant: n_rel_slice,
        set: &set,
        opts: ArrayOptions {
            rel_level,
            ties,
            nan_policy,
        },
    };
    let values = if let Ok(s) = scores.cast::<PyArray1<f64>>() {
        let s = s.readonly();
        with_labels(py, slice_of(&s, "scores")?, labels, &args)?
    } else if let Ok(s) = scores.cast::<PyArray1<f32>>() {
        let s = s.readonly();
        with_labels(py, slice_of(&s, "scores")?, labels, &args)?
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
    let array = measure_major(py, values, names.len(), rows)?;
    Ok((names, array))
}
