//! Rewards for RL fine-tuning of rankers (`rankwise.torch.rewards`).

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use rankwise_core::ragged::{Ragged, RowLayout};
use rankwise_core::rewards;

use crate::convert::Array;
use crate::errors::CoreError;
use crate::interrupt;

/// Pairwise accuracy per row of a ragged batch (flat f64 `scores` and `labels`, int64
/// `offsets`, strided views copied); rows without a pair of different labels get `empty`.
#[pyfunction]
#[pyo3(signature = (scores, labels, offsets, *, empty = 0.0))]
pub fn pairwise_accuracy<'py>(
    py: Python<'py>,
    scores: Array<'py, f64>,
    labels: Array<'py, f64>,
    offsets: Array<'py, i64>,
    empty: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (s, y) = (scores.slice("scores")?, labels.slice("labels")?);
    let o = offsets.slice("offsets")?;
    let values = interrupt::run(py, || {
        let layout = RowLayout::offsets(o, s.len())?;
        let scores = Ragged::new(s, layout, "scores")?;
        let labels = Ragged::new(y, layout, "labels")?;
        rewards::pairwise_accuracy(&scores, &labels, empty)
    })?
    .map_err(CoreError)?;
    Ok(values.into_pyarray(py))
}
