//! Significance tests between systems and run fusion.

use std::sync::Arc;

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use rankwise_core::compare::fusion::{self, Method, Normalization};
use rankwise_core::compare::stats::{self, Correction, PairedTest};

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
    test: &str,
    n_resamples: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let test = match test {
        "t-test" => PairedTest::TTest,
        "wilcoxon" => PairedTest::Wilcoxon,
        "randomization" => PairedTest::Randomization(n_resamples),
        "bootstrap" => PairedTest::Bootstrap(n_resamples),
        _ => {
            return Err(invalid_value(
                py,
                format!(
                    "`test` must be one of \"randomization\", \"t-test\", \"bootstrap\", \"wilcoxon\"; got {test:?}"
                ),
            ));
        }
    };
    let view = scores.as_array();
    let k = view.nrows();
    let rows: Vec<Vec<f64>> = view.rows().into_iter().map(|r| r.to_vec()).collect();
    let p = interrupt::run(py, || {
        let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        stats::pairwise(&refs, test, seed)
    })?
    .map_err(CoreError)?;
    let out = Array2::from_shape_vec((k, k), p)
        .map_err(|e| invalid_value(py, format!("internal shape error: {e}")))?;
    Ok(out.into_pyarray(py))
}

/// Multiple-comparison correction of a family of p-values.
#[pyfunction]
pub fn correct_p_values<'py>(
    py: Python<'py>,
    p: PyReadonlyArray1<'py, f64>,
    method: Option<&str>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let how = match method {
        None => Correction::None,
        Some("bonferroni") => Correction::Bonferroni,
        Some("holm") => Correction::Holm,
        Some(other) => {
            return Err(invalid_value(
                py,
                format!("`correction` must be \"holm\", \"bonferroni\" or None; got {other:?}"),
            ));
        }
    };
    let values = p
        .as_slice()
        .map_err(|_| invalid_value(py, "`p` must be contiguous".into()))?;
    Ok(PyArray1::from_vec(py, stats::correct(values, how)))
}

/// Fuse runs into one (see `rankwise.fuse`).
#[pyfunction]
#[pyo3(signature = (runs, method, norm, *, k = 60.0, weights = None, name = "fused".to_owned()))]
pub fn fuse(
    py: Python<'_>,
    runs: Vec<PyRef<'_, PyRun>>,
    method: &str,
    norm: Option<&str>,
    k: f64,
    weights: Option<Vec<f64>>,
    name: String,
) -> PyResult<PyRun> {
    let method = match (method, weights) {
        ("sum" | "combsum", _) => Method::Sum,
        ("mnz" | "combmnz", _) => Method::Mnz,
        ("max" | "combmax", _) => Method::Max,
        ("min" | "combmin", _) => Method::Min,
        ("anz" | "combanz", _) => Method::Anz,
        ("rrf", _) => Method::Rrf { k },
        ("isr", _) => Method::Isr,
        ("borda" | "bordafuse", _) => Method::Borda,
        ("wsum" | "weighted_sum", Some(w)) => Method::WeightedSum(w),
        ("wsum" | "weighted_sum", None) => {
            return Err(invalid_value(
                py,
                "`weights` are needed for method=\"wsum\"".into(),
            ));
        }
        (other, _) => {
            return Err(invalid_value(
                py,
                format!(
                    "`method` must be one of \"rrf\", \"combsum\", \"combmnz\", \"combmax\", \"combmin\", \"combanz\", \"borda\", \"isr\", \"wsum\"; got {other:?}"
                ),
            ));
        }
    };
    let norm = match norm {
        None => Normalization::None,
        Some("min-max") => Normalization::MinMax,
        Some("max") => Normalization::Max,
        Some("sum") => Normalization::Sum,
        Some("zmuv" | "z-score") => Normalization::Zmuv,
        Some("rank") => Normalization::Rank,
        Some("borda") => Normalization::Borda,
        Some(other) => {
            return Err(invalid_value(
                py,
                format!(
                    "`norm` must be None, \"min-max\", \"max\", \"sum\", \"zmuv\", \"rank\" or \"borda\"; got {other:?}"
                ),
            ));
        }
    };
    let inner: Vec<Arc<rankwise_core::trec::Run>> = runs.iter().map(|r| r.inner.clone()).collect();
    let fused = interrupt::run(py, || {
        let refs: Vec<&rankwise_core::trec::Run> = inner.iter().map(AsRef::as_ref).collect();
        fusion::fuse(&refs, &method, norm, &name)
    })?
    .map_err(CoreError)?;
    Ok(PyRun {
        inner: Arc::new(fused),
    })
}
