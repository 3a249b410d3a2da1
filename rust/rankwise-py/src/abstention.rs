//! `confidence_scores`, `nauc` and `answer_ranks`: MTEB's abstention measures and DPR's
//! answer-string matching (`rankwise.metrics.nauc`, `rankwise.answers`).

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2};
use pyo3::prelude::*;
use rankwise_core::ragged::{Ragged, RowLayout};
use rankwise_core::{abstention, answers};

use crate::convert::Array;
use crate::errors::CoreError;
use crate::interrupt;

/// `(Q, 3)` confidences `[max, std, diff1]` of each row of flat f64 `scores` cut by `offsets`.
#[pyfunction]
pub fn confidence_scores<'py>(
    py: Python<'py>,
    scores: Array<'py, f64>,
    offsets: Array<'py, i64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (s, o) = (scores.slice("scores")?, offsets.slice("offsets")?);
    let rows = interrupt::run(py, || {
        let layout = RowLayout::offsets(o, s.len())?;
        abstention::confidences(&Ragged::new(s, layout, "scores")?)
    })?
    .map_err(CoreError)?;
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let table = Array2::from_shape_vec((rows.len(), 3), flat)
        .unwrap_or_else(|_| unreachable!("three values per row"));
    Ok(table.into_pyarray(py))
}

/// nAUC of every value column against every confidence column (`out[m * C + c]`).
#[pyfunction]
pub fn nauc<'py>(
    py: Python<'py>,
    confidences: Vec<Array<'py, f64>>,
    values: Vec<Array<'py, f64>>,
    abstention_rates: Array<'py, f64>,
) -> PyResult<Vec<f64>> {
    let confs = confidences
        .iter()
        .map(|a| a.slice("confidence"))
        .collect::<PyResult<Vec<_>>>()?;
    let vals = values
        .iter()
        .map(|a| a.slice("values"))
        .collect::<PyResult<Vec<_>>>()?;
    let rates = abstention_rates.slice("abstention_rates")?;
    Ok(interrupt::run(py, || abstention::nauc_table(&confs, &vals, rates))?.map_err(CoreError)?)
}

/// For each query, the 0-based rank of the first passage (of `ranked[q]`, indices into
/// `passages`, at most `depth`) holding one of `answers[q]`, or -1; strings NFD-normalised.
#[pyfunction]
pub fn answer_ranks(
    py: Python<'_>,
    passages: Vec<String>,
    answers: Vec<Vec<String>>,
    ranked: Vec<Vec<usize>>,
    depth: usize,
) -> PyResult<Vec<i64>> {
    Ok(interrupt::run(py, || {
        answers::first_answer_ranks(&passages, &answers, &ranked, depth)
    })?
    .map_err(CoreError)?)
}
