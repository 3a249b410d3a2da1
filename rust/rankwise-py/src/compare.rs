//! Significance tests between systems and run fusion.

use std::sync::Arc;

use numpy::{PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use rankwise_core::compare::fusion::{self, Method, MethodKind, Normalization};
use rankwise_core::compare::stats::{self, Correction, PairedTest, PairedTestKind};

use crate::convert::{Array, Wrap, matrix};
use crate::errors::{CoreError, invalid_value};
use crate::interrupt;
use crate::trec::PyRun;

/// Two-sided p-values of a paired test between every pair of rows of `scores` (systems x
/// queries); returns a symmetric (systems, systems) matrix with ones on the diagonal.
#[pyfunction]
#[pyo3(signature = (scores, test, *, n_resamples = 10_000, seed = 42))]
pub fn paired_p_values<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    test: Wrap<PairedTestKind>,
    n_resamples: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let test = match test.0 {
        PairedTestKind::TTest => PairedTest::TTest,
        PairedTestKind::Wilcoxon => PairedTest::Wilcoxon,
        PairedTestKind::Randomization => PairedTest::Randomization(n_resamples),
        PairedTestKind::Bootstrap => PairedTest::Bootstrap(n_resamples),
    };
    let view = scores.as_array();
    let k = view.nrows();
    let rows: Vec<Vec<f64>> = view.rows().into_iter().map(|r| r.to_vec()).collect();
    let p = interrupt::run(py, || {
        let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        stats::pairwise(&refs, test, seed)
    })?
    .map_err(CoreError)?;
    matrix(py, k, k, p)
}

/// Multiple-comparison correction of a family of p-values.
#[pyfunction]
pub fn correct_p_values<'py>(
    py: Python<'py>,
    p: Array<'py, f64>,
    method: Option<Wrap<Correction>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let how = method.map_or(Correction::None, |m| m.0);
    let values = p.slice("p")?;
    Ok(PyArray1::from_vec(py, stats::correct(values, how)))
}

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
