//! Run fusion (the significance tests are in `stats.rs`).

use std::sync::Arc;

use pyo3::prelude::*;
use rankwise_core::compare::fusion::{self, Method, MethodKind, Normalization};

use crate::convert::Wrap;
use crate::errors::{CoreError, invalid_value};
use crate::interrupt;
use crate::trec::PyRun;

/// Fuse runs into one (see `rankwise.fuse`).
#[pyfunction]
#[pyo3(signature = (runs, method, norm, *, k = 60.0, weights = None, name = "fused".to_owned()))]
pub fn fuse(
    py: Python<'_>,
    runs: Vec<PyRef<'_, PyRun>>,
    method: Wrap<MethodKind>,
    norm: Option<Wrap<Normalization>>,
    k: f64,
    weights: Option<Vec<f64>>,
    name: String,
) -> PyResult<PyRun> {
    let method = match (method.0, weights) {
        (MethodKind::Sum, _) => Method::Sum,
        (MethodKind::Mnz, _) => Method::Mnz,
        (MethodKind::Max, _) => Method::Max,
        (MethodKind::Min, _) => Method::Min,
        (MethodKind::Anz, _) => Method::Anz,
        (MethodKind::Rrf, _) => Method::Rrf { k },
        (MethodKind::Isr, _) => Method::Isr,
        (MethodKind::Borda, _) => Method::Borda,
        (MethodKind::WeightedSum, Some(w)) => Method::WeightedSum(w),
        (MethodKind::WeightedSum, None) => {
            return Err(invalid_value(
                py,
                "`weights` are needed for method=\"wsum\"".into(),
            ));
        }
    };
    let norm = norm.map_or(Normalization::None, |n| n.0);
    let inner: Vec<Arc<rankwise_core::trec::Run>> = runs.iter().map(|r| r.inner.clone()).collect();
    let fused = interrupt::run(py, || {
        let refs: Vec<&rankwise_core::trec::Run> = inner.iter().map(AsRef::as_ref).collect();
        fusion::fuse(&refs, &method, norm, &name)
    })?
    .map_err(CoreError)?;
    Ok(PyRun::from(fused))
}
