//! OPIS and preference ranking accuracy.

use numpy::ndarray::Array2;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rankwise_core::consistency::opis as core_opis;
use rankwise_core::consistency::opis::{
    Calibration, Integration, Metric, OpisOptions, PairSource, Reference, Utility,
};
use rankwise_core::consistency::preference;

use crate::correlation::layout;
use crate::errors::{CoreError, invalid_value, type_error};
use crate::evaluate::{describe, parse_choice, slice_of};
use crate::interrupt;

/// OPIS and epsilon-OPIS. `data` is `(n, dim)` embeddings or an `(n, n)` matrix (f32/f64,
/// C-contiguous), `labels` class codes. Returns a dict with `opis`, `epsilon_opis`,
/// `thresholds`, `classes`, `weights`, `utility` (classes x thresholds) and `reference`.
#[pyfunction]
#[pyo3(signature = (data, labels, *, metric = "cosine", utility = "hmean", beta = 1.0, reference = "class_mean", calibration = "far", lo = 0.01, hi = 0.1, n_thresholds = 101, epsilon = 0.05, integration = "trapezoid", class_weights = None))]
#[allow(clippy::too_many_arguments)]
pub fn opis<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    labels: PyReadonlyArray1<'py, u32>,
    metric: &str,
    utility: &str,
    beta: f64,
    reference: &str,
    calibration: &str,
    lo: f64,
    hi: f64,
    n_thresholds: usize,
    epsilon: f64,
    integration: &str,
    class_weights: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let metric = parse_choice(
        py,
        "metric",
        metric,
        &[
            ("cosine", Metric::Cosine),
            ("l2", Metric::L2),
            ("similarity", Metric::Similarity),
            ("distance", Metric::Distance),
        ],
    )?;
    let opts = OpisOptions {
        metric,
        utility: parse_choice(
            py,
            "utility",
            utility,
            &[("hmean", Utility::HarmonicMean), ("f1", Utility::F1)],
        )?,
        beta,
        reference: parse_choice(
            py,
            "reference",
            reference,
            &[
                ("class_mean", Reference::ClassMean),
                ("pooled", Reference::Pooled),
            ],
        )?,
        calibration: match calibration {
            "far" => Calibration::Far(lo, hi),
            "threshold" => Calibration::Threshold(lo, hi),
            other => {
                return Err(invalid_value(
                    py,
                    format!("`calibration` must be \"far\" or \"threshold\"; got {other:?}"),
                ));
            }
        },
        n_thresholds,
        epsilon,
        integration: parse_choice(
            py,
            "integration",
            integration,
            &[
                ("trapezoid", Integration::Trapezoid),
                ("mean", Integration::Mean),
            ],
        )?,
    };
    let labels_slice = slice_of(&labels, "labels")?;
    let weights = class_weights
        .as_ref()
        .map(|w| slice_of(w, "class_weights"))
        .transpose()?;
    let matrix = matches!(metric, Metric::Similarity | Metric::Distance);
    macro_rules! run {
        ($t:ty, $emb:ident, $mat:ident) => {{
            let a = data.cast::<PyArray2<$t>>().map_err(PyErr::from)?;
            let ro: PyReadonlyArray2<'py, $t> = a.readonly();
            let dim = ro.shape()[1];
            let values = ro.as_slice().map_err(|_| {
                invalid_value(
                    py,
                    "`embeddings` must be C-contiguous (rankwise.consistency converts it for you)"
                        .to_owned(),
                )
            })?;
            let source = if matrix {
                PairSource::$mat(values)
            } else {
                PairSource::$emb { values, dim }
            };
            interrupt::run(py, || core_opis::opis(source, labels_slice, weights, &opts))?
                .map_err(CoreError)?
        }};
    }
    let result = if data.cast::<PyArray2<f64>>().is_ok() {
        run!(f64, EmbeddingsF64, MatrixF64)
    } else if data.cast::<PyArray2<f32>>().is_ok() {
        run!(f32, EmbeddingsF32, MatrixF32)
    } else {
        return Err(type_error(
            py,
            format!(
                "`embeddings` must be a 2-D float32 or float64 array; got {}",
                describe(data)
            ),
        ));
    };
    let k = result.thresholds.len();
    let t = result.classes.len();
    let out = PyDict::new(py);
    out.set_item("opis", result.opis)?;
    out.set_item("epsilon_opis", result.epsilon_opis)?;
    out.set_item("thresholds", PyArray1::from_vec(py, result.thresholds))?;
    out.set_item("classes", PyArray1::from_vec(py, result.classes))?;
    out.set_item("weights", PyArray1::from_vec(py, result.weights))?;
    let utility = Array2::from_shape_vec((t, k), result.utility)
        .map_err(|e| invalid_value(py, format!("internal shape error: {e}")))?;
    out.set_item("utility", utility.into_pyarray(py))?;
    out.set_item("reference", PyArray1::from_vec(py, result.reference))?;
    Ok(out)
}

/// Per-pair ranking accuracy (Chen et al. Def. 2.3, or Def. C.1 with `alpha`).
#[pyfunction]
#[pyo3(signature = (chosen, rejected, *, alpha = None, tie_epsilon = 0.01))]
pub fn ranking_accuracy<'py>(
    py: Python<'py>,
    chosen: PyReadonlyArray1<'py, f64>,
    rejected: PyReadonlyArray1<'py, f64>,
    alpha: Option<PyReadonlyArray1<'py, f64>>,
    tie_epsilon: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (c, r) = (
        slice_of(&chosen, "chosen")?,
        slice_of(&rejected, "rejected")?,
    );
    let a = alpha.as_ref().map(|a| slice_of(a, "alpha")).transpose()?;
    let out = py
        .detach(|| preference::ranking_accuracy(c, r, a, tie_epsilon))
        .map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

/// Per-row ranking accuracy with any number of responses (Def. A.8).
#[pyfunction]
#[pyo3(signature = (logp, human_rank, *, offsets = None, shape = None, tie_epsilon = 0.01))]
pub fn listwise_ranking_accuracy<'py>(
    py: Python<'py>,
    logp: PyReadonlyArray1<'py, f64>,
    human_rank: PyReadonlyArray1<'py, f64>,
    offsets: Option<PyReadonlyArray1<'py, i64>>,
    shape: Option<(usize, usize)>,
    tie_epsilon: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (l, h) = (
        slice_of(&logp, "logp")?,
        slice_of(&human_rank, "human_rank")?,
    );
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let lay = layout(off, shape, l.len(), "logp")?;
    let out = py
        .detach(|| preference::listwise_ranking_accuracy(l, h, lay, tie_epsilon))
        .map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

/// Idealized ranking accuracy indicators, shape `(len(betas), n)`.
#[pyfunction]
#[pyo3(signature = (ref_chosen, ref_rejected, alpha, betas, *, alpha_epsilon = 0.001))]
pub fn idealized_ranking_accuracy<'py>(
    py: Python<'py>,
    ref_chosen: PyReadonlyArray1<'py, f64>,
    ref_rejected: PyReadonlyArray1<'py, f64>,
    alpha: PyReadonlyArray1<'py, f64>,
    betas: PyReadonlyArray1<'py, f64>,
    alpha_epsilon: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (c, r) = (
        slice_of(&ref_chosen, "ref_chosen")?,
        slice_of(&ref_rejected, "ref_rejected")?,
    );
    let (a, b) = (slice_of(&alpha, "alpha")?, slice_of(&betas, "beta")?);
    let out = py
        .detach(|| preference::idealized_ranking_accuracy(c, r, a, b, alpha_epsilon))
        .map_err(CoreError)?;
    let array = Array2::from_shape_vec((b.len(), c.len()), out)
        .map_err(|e| invalid_value(py, format!("internal shape error: {e}")))?;
    Ok(array.into_pyarray(py))
}

/// Difficulty `log pi_ref(y_l) - log pi_ref(y_w)` of each pair.
#[pyfunction]
pub fn ranking_difficulty<'py>(
    py: Python<'py>,
    ref_chosen: PyReadonlyArray1<'py, f64>,
    ref_rejected: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (c, r) = (
        slice_of(&ref_chosen, "ref_chosen")?,
        slice_of(&ref_rejected, "ref_rejected")?,
    );
    let out = preference::ranking_difficulty(c, r).map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

/// `softplus(-beta c)`: the largest DPO loss that still ranks a pair of difficulty `c` right.
#[pyfunction]
pub fn dpo_loss_bound<'py>(
    py: Python<'py>,
    difficulty: PyReadonlyArray1<'py, f64>,
    beta: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let d = slice_of(&difficulty, "difficulty")?;
    let out = preference::dpo_loss_bound(d, beta).map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}
