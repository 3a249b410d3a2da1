//! Measure names.

use pyo3::prelude::*;
use rankwise_core::metrics::MeasureSet;

use crate::errors::CoreError;

/// Validate measure names and return the names results are reported under (trec_eval
/// families such as `P` or `iprec_at_recall` expand into several), in the order asked or,
/// with `trec_order`, in the order trec_eval prints them.
#[pyfunction]
#[pyo3(signature = (names, *, trec_order = false))]
pub fn measure_names(names: Vec<String>, trec_order: bool) -> PyResult<Vec<String>> {
    let set = MeasureSet::parse(&names).map_err(CoreError)?;
    let all = set.names();
    if trec_order {
        Ok(rankwise_core::trec::output::trec_order(&set)
            .into_iter()
            .map(|i| all[i].to_owned())
            .collect())
    } else {
        Ok(all.into_iter().map(str::to_owned).collect())
    }
}
