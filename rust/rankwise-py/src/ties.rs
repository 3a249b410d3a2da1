//! `evaluate_ties`: `evaluate` (qrels + run) under a tie rule (`ties="ranx"` or
//! `"expected"`; `"trec_eval"` is `evaluate` itself).

use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use rankwise_core::evaluate::{self as core, EvalOptions, Missing, TieRule};
use rankwise_core::metrics::MeasureSet;

use crate::convert::{Wrap, matrix};
use crate::errors::CoreError;
use crate::interrupt;
use crate::trec::{PyQrels, PyRun};

/// Evaluate a run against qrels with `ties` deciding how equal scores are ordered. Returns
/// `(measure_names, query_ids, values, summary)` with `values` of shape `(measures, queries)`.
#[pyfunction]
#[pyo3(signature = (qrels, run, measures, *, ties = Wrap::default(), rel_level = 1.0, judged_only = false, max_docs = None, missing = Wrap::default(), ignore_identical_ids = false))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn evaluate_ties<'py>(
    py: Python<'py>,
    qrels: &PyQrels,
    run: &PyRun,
    measures: Vec<String>,
    ties: Wrap<TieRule>,
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
    let result = interrupt::run(py, || core::evaluate_with_ties(&q, &r, &set, &opts, ties.0))?
        .map_err(CoreError)?;
    let summary = result.summary();
    let names = result.names().to_vec();
    let query_ids = result.query_ids().to_vec();
    let nq = result.num_queries();
    let values = matrix(py, names.len(), nq, result.into_values())?;
    Ok((names, query_ids, values, PyArray1::from_vec(py, summary)))
}
