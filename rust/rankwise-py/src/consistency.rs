//! OPIS and preference ranking accuracy.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rankwise_core::consistency::opis as core_opis;
use rankwise_core::consistency::opis::{
    Calibration, CalibrationKind, Integration, Metric, OpisOptions, PairSource, Reference, Utility,
};
use rankwise_core::consistency::preference;

use crate::convert::{Array, F64Out, Wrap, describe, matrix, rows, slice_opt, slice2, vector};
use crate::errors::{CoreError, type_error};
use crate::interrupt;

type F64s<'py> = Array<'py, f64>;

/// OPIS and epsilon-OPIS. `data` is `(n, dim)` embeddings or an `(n, n)` matrix (f32/f64,
/// C-contiguous), `labels` class codes. Returns a dict with `opis`, `epsilon_opis`,
/// `thresholds`, `classes`, `weights`, `utility` (classes x thresholds) and `reference`.
#[pyfunction]
#[pyo3(signature = (data, labels, *, metric = Wrap::default(), utility = Wrap::default(), beta = 1.0, reference = Wrap::default(), calibration = Wrap(CalibrationKind::Far), lo = 0.01, hi = 0.1, n_thresholds = 101, epsilon = 0.05, integration = Wrap::default(), class_weights = None))]
#[allow(clippy::too_many_arguments)]
pub fn opis<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    labels: Array<'py, u32>,
    metric: Wrap<Metric>,
    utility: Wrap<Utility>,
    beta: f64,
    reference: Wrap<Reference>,
    calibration: Wrap<CalibrationKind>,
    lo: f64,
    hi: f64,
    n_thresholds: usize,
    epsilon: f64,
    integration: Wrap<Integration>,
    class_weights: Option<F64s<'py>>,
) -> PyResult<Bound<'py, PyDict>> {
    let metric = metric.0;
    let opts = OpisOptions {
        metric,
        utility: utility.0,
        beta,
        reference: reference.0,
        calibration: match calibration.0 {
            CalibrationKind::Far => Calibration::Far(lo, hi),
            CalibrationKind::Threshold => Calibration::Threshold(lo, hi),
        },
        n_thresholds,
        epsilon,
        integration: integration.0,
    };
    let labels_slice = labels.slice("labels")?;
    let weights = slice_opt(&class_weights, "class_weights")?;
    let is_matrix = matches!(metric, Metric::Similarity | Metric::Distance);
    macro_rules! run {
        ($t:ty, $emb:ident, $mat:ident) => {{
            let a = data.cast::<PyArray2<$t>>().map_err(PyErr::from)?;
            let ro: PyReadonlyArray2<'py, $t> = a.readonly();
            let dim = ro.shape()[1];
            let values = slice2(&ro, "embeddings")?;
            let source = if is_matrix {
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
    out.set_item("utility", matrix(py, t, k, result.utility)?)?;
    out.set_item("reference", PyArray1::from_vec(py, result.reference))?;
    Ok(out)
}

/// Per-pair ranking accuracy (Chen et al. Def. 2.3, or Def. C.1 with `alpha`).
#[pyfunction]
#[pyo3(signature = (chosen, rejected, *, alpha = None, tie_epsilon = 0.01))]
pub fn ranking_accuracy<'py>(
    py: Python<'py>,
    chosen: F64s<'py>,
    rejected: F64s<'py>,
    alpha: Option<F64s<'py>>,
    tie_epsilon: f64,
) -> F64Out<'py> {
    let (c, r) = (chosen.slice("chosen")?, rejected.slice("rejected")?);
    let a = slice_opt(&alpha, "alpha")?;
    vector(
        py,
        py.detach(|| preference::ranking_accuracy(c, r, a, tie_epsilon)),
    )
}

/// Per-row ranking accuracy with any number of responses (Def. A.8).
#[pyfunction]
#[pyo3(signature = (logp, human_rank, *, offsets = None, shape = None, tie_epsilon = 0.01))]
pub fn listwise_ranking_accuracy<'py>(
    py: Python<'py>,
    logp: F64s<'py>,
    human_rank: F64s<'py>,
    offsets: Option<Array<'py, i64>>,
    shape: Option<(usize, usize)>,
    tie_epsilon: f64,
) -> F64Out<'py> {
    let l = rows(&logp, &offsets, shape, "logp")?;
    let h = human_rank.slice("human_rank")?;
    vector(
        py,
        py.detach(|| preference::listwise_ranking_accuracy(&l, h, tie_epsilon)),
    )
}

/// Idealized ranking accuracy indicators, shape `(len(betas), n)`.
#[pyfunction]
#[pyo3(signature = (ref_chosen, ref_rejected, alpha, betas, *, alpha_epsilon = 0.001))]
pub fn idealized_ranking_accuracy<'py>(
    py: Python<'py>,
    ref_chosen: F64s<'py>,
    ref_rejected: F64s<'py>,
    alpha: F64s<'py>,
    betas: F64s<'py>,
    alpha_epsilon: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (c, r) = (
        ref_chosen.slice("ref_chosen")?,
        ref_rejected.slice("ref_rejected")?,
    );
    let (a, b) = (alpha.slice("alpha")?, betas.slice("beta")?);
    let out = py
        .detach(|| preference::idealized_ranking_accuracy(c, r, a, b, alpha_epsilon))
        .map_err(CoreError)?;
    matrix(py, b.len(), c.len(), out)
}

/// Difficulty `log pi_ref(y_l) - log pi_ref(y_w)` of each pair.
#[pyfunction]
pub fn ranking_difficulty<'py>(
    py: Python<'py>,
    ref_chosen: F64s<'py>,
    ref_rejected: F64s<'py>,
) -> F64Out<'py> {
    let (c, r) = (
        ref_chosen.slice("ref_chosen")?,
        ref_rejected.slice("ref_rejected")?,
    );
    vector(py, preference::ranking_difficulty(c, r))
}

/// `softplus(-beta c)`: the largest DPO loss that still ranks a pair of difficulty `c` right.
#[pyfunction]
pub fn dpo_loss_bound<'py>(py: Python<'py>, difficulty: F64s<'py>, beta: f64) -> F64Out<'py> {
    let d = difficulty.slice("difficulty")?;
    vector(py, preference::dpo_loss_bound(d, beta))
}
