//! Statistics of system comparisons: one-sided paired tests, corrections, effect sizes and t
//! intervals (`rankwise.stats`, `rankwise.Comparison`).

use numpy::ndarray::{Array2, Array3};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use rankwise_core::compare::anova as core_anova;
use rankwise_core::compare::effects::{self, EffectSize};
use rankwise_core::compare::stats::{self, Alternative, Correction, PairedTest};

use crate::errors::{CoreError, invalid_value};
use crate::interrupt;

fn alternative(py: Python<'_>, name: &str) -> PyResult<Alternative> {
    match name {
        "two-sided" => Ok(Alternative::TwoSided),
        "greater" => Ok(Alternative::Greater),
        "less" => Ok(Alternative::Less),
        _ => Err(invalid_value(
            py,
            format!(
                "`alternative` must be one of \"two-sided\", \"greater\", \"less\"; got {name:?}"
            ),
        )),
    }
}

/// The rows of a (systems, queries) C-contiguous array.
fn rows<'a>(py: Python<'_>, scores: &'a PyReadonlyArray2<'_, f64>) -> PyResult<Vec<&'a [f64]>> {
    let queries = scores.as_array().ncols();
    let flat = scores.as_slice().map_err(|_| {
        invalid_value(
            py,
            "`scores` must be a C-contiguous float64 array".to_owned(),
        )
    })?;
    if queries == 0 {
        return Ok(vec![&[][..]; scores.as_array().nrows()]);
    }
    Ok(flat.chunks(queries).collect())
}

fn shape_error(py: Python<'_>, e: impl std::fmt::Display) -> PyErr {
    invalid_value(py, format!("internal shape error: {e}"))
}

/// p-values of a paired test between every pair of rows of `scores` (systems x queries) under
/// `alternative`: entry `(i, j)` tests system `i` against system `j`.
#[pyfunction]
#[pyo3(signature = (scores, test, alternative = "two-sided", *, n_resamples = 10_000, seed = 42))]
pub fn pairwise_p_values<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    test: &str,
    alternative: &str,
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
    let alternative = self::alternative(py, alternative)?;
    let rows = rows(py, &scores)?;
    let k = rows.len();
    let p = interrupt::run(py, || stats::pairwise_with(&rows, test, seed, alternative))?
        .map_err(CoreError)?;
    Ok(Array2::from_shape_vec((k, k), p)
        .map_err(|e| shape_error(py, e))?
        .into_pyarray(py))
}

/// Multiple-comparison correction of a family of p-values, each checked to lie in [0, 1].
#[pyfunction]
pub fn corrected_p_values<'py>(
    py: Python<'py>,
    p: PyReadonlyArray1<'py, f64>,
    method: Option<&str>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let how = match method {
        None => Correction::None,
        Some("bonferroni") => Correction::Bonferroni,
        Some("holm") => Correction::Holm,
        Some("bh") => Correction::BenjaminiHochberg,
        Some("by") => Correction::BenjaminiYekutieli,
        Some(other) => {
            return Err(invalid_value(
                py,
                format!(
                    "`correction` must be one of \"holm\", \"bonferroni\", \"bh\", \"by\" or None; got {other:?}"
                ),
            ));
        }
    };
    let values = p
        .as_slice()
        .map_err(|_| invalid_value(py, "`p` must be contiguous".into()))?;
    let out = stats::correct_checked(values, how).map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

/// Effect sizes between every pair of rows of `scores`: entry `(i, j)` is system `i`'s effect
/// over baseline `j`.
#[pyfunction]
pub fn pairwise_effect_sizes<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    kind: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let kind = match kind {
        "cohens_d" => EffectSize::CohensD,
        "glass_delta" => EffectSize::GlassDelta,
        "hedges_g" => EffectSize::HedgesG,
        _ => {
            return Err(invalid_value(
                py,
                format!(
                    "`kind` must be one of \"cohens_d\", \"glass_delta\", \"hedges_g\"; got {kind:?}"
                ),
            ));
        }
    };
    let rows = rows(py, &scores)?;
    let k = rows.len();
    let out =
        interrupt::run(py, || effects::pairwise_effect_sizes(&rows, kind))?.map_err(CoreError)?;
    Ok(Array2::from_shape_vec((k, k), out)
        .map_err(|e| shape_error(py, e))?
        .into_pyarray(py))
}

/// Paired t intervals of the mean difference between every pair of rows of `scores`, shape
/// (systems, systems, 2).
#[pyfunction]
#[pyo3(signature = (scores, confidence = 0.95, alternative = "two-sided"))]
pub fn pairwise_intervals<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    confidence: f64,
    alternative: &str,
) -> PyResult<Bound<'py, PyArray3<f64>>> {
    let alternative = self::alternative(py, alternative)?;
    let rows = rows(py, &scores)?;
    let k = rows.len();
    let out = interrupt::run(py, || {
        effects::pairwise_intervals(&rows, confidence, alternative)
    })?
    .map_err(CoreError)?;
    Ok(Array3::from_shape_vec((k, k, 2), out)
        .map_err(|e| shape_error(py, e))?
        .into_pyarray(py))
}

/// t intervals of the mean of every row of `scores`, shape (systems, 2).
#[pyfunction]
#[pyo3(signature = (scores, confidence = 0.95, alternative = "two-sided"))]
pub fn mean_intervals<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    confidence: f64,
    alternative: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let alternative = self::alternative(py, alternative)?;
    let rows = rows(py, &scores)?;
    let k = rows.len();
    let out = interrupt::run(py, || {
        effects::mean_intervals(&rows, confidence, alternative)
    })?
    .map_err(CoreError)?;
    Ok(Array2::from_shape_vec((k, 2), out)
        .map_err(|e| shape_error(py, e))?
        .into_pyarray(py))
}

/// ANOVA table of `scores` (systems x topics): `design` "one-way" (rows system, residual) or
/// "two-way" (system, topic, residual); columns df, sum_sq, mean_sq, F, p-value.
#[pyfunction]
pub fn anova<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    design: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let two_way = match design {
        "one-way" => false,
        "two-way" => true,
        _ => {
            return Err(invalid_value(
                py,
                format!("`design` must be one of \"one-way\", \"two-way\"; got {design:?}"),
            ));
        }
    };
    let rows = rows(py, &scores)?;
    let table = interrupt::run(py, || {
        if two_way {
            core_anova::two_way(&rows)
        } else {
            core_anova::one_way(&rows)
        }
    })?
    .map_err(CoreError)?;
    let flat: Vec<f64> = table
        .iter()
        .flat_map(|r| [r.df, r.sum_sq, r.mean_sq, r.f, r.p_value])
        .collect();
    Ok(Array2::from_shape_vec((table.len(), 5), flat)
        .map_err(|e| shape_error(py, e))?
        .into_pyarray(py))
}

/// Sakai's residual-variance effect sizes between every pair of rows of `scores`.
#[pyfunction]
pub fn residual_effect_sizes<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let rows = rows(py, &scores)?;
    let k = rows.len();
    let out =
        interrupt::run(py, || core_anova::residual_effect_sizes(&rows))?.map_err(CoreError)?;
    Ok(Array2::from_shape_vec((k, k), out)
        .map_err(|e| shape_error(py, e))?
        .into_pyarray(py))
}
