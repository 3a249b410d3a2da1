//! `cwl_eval_files`: cwl_eval's command line over a gain file, a result file with element
//! types, and optional cost and metrics files, read and evaluated detached from Python.

use pyo3::prelude::*;
use rankwise_core::cwl_eval as core;

use crate::errors::{CoreError, path_arg};

/// A row: `(topic, measure, [EU, ETU, EC, ETC, ED], residuals or None)`.
type Row = (String, String, Vec<f64>, Option<Vec<f64>>);

/// cwl_eval's rows and its printed text (with the `-n` headings when `headings`).
#[pyfunction]
#[pyo3(signature = (gains, run, costs=None, metrics=None, residuals=false, headings=false))]
pub fn cwl_eval_files(
    py: Python<'_>,
    gains: &Bound<'_, PyAny>,
    run: &Bound<'_, PyAny>,
    costs: Option<&Bound<'_, PyAny>>,
    metrics: Option<&Bound<'_, PyAny>>,
    residuals: bool,
    headings: bool,
) -> PyResult<(Vec<Row>, String)> {
    let gains = path_arg(py, "qrels", gains)?;
    let run = path_arg(py, "run", run)?;
    let costs = costs.map(|c| path_arg(py, "costs", c)).transpose()?;
    // metrics: a metrics file, or its lines
    let (metrics, lines) = match metrics {
        None => (None, None),
        Some(m) if m.is_instance_of::<pyo3::types::PyList>() => {
            (None, Some(m.extract::<Vec<String>>()?))
        }
        Some(m) => (Some(path_arg(py, "metrics", m)?), None),
    };
    let rows = py
        .detach(|| {
            core::evaluate_files(
                &gains,
                &run,
                costs.as_deref(),
                metrics.as_deref(),
                lines.as_deref(),
                residuals,
            )
        })
        .map_err(CoreError)?;
    let text = core::format_rows(&rows, headings, residuals);
    let out = rows
        .into_iter()
        .map(|r| {
            (
                r.topic,
                r.measure,
                r.values.to_vec(),
                r.residuals.map(|x| x.to_vec()),
            )
        })
        .collect();
    Ok((out, text))
}
