//! Measure names.

use pyo3::prelude::*;
use rankwise_core::metrics::MeasureSet;

use crate::errors::CoreError;

/// Validate measure names and return the names results are reported under (trec_eval
/// families such as `P` or `iprec_at_recall` expand into several).
#[pyfunction]
pub fn measure_names(names: Vec<String>) -> PyResult<Vec<String>> {
    let set = MeasureSet::parse(&names).map_err(CoreError)?;
    Ok(set.names().into_iter().map(str::to_owned).collect())
}
