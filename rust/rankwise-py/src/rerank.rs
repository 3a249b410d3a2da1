//! Reading listwise rankers' answers (`rankwise.rerank`).

use pyo3::prelude::*;
use rankwise_core::rerank::{
    IdStyle, OnProblem, ParseOptions, SlidingWindow, WindowConfig, WindowSemantics,
    parse_permutation as parse,
};

use crate::errors::{CoreError, invalid_value};

fn on_problem(py: Python<'_>, name: &str, value: &str) -> PyResult<OnProblem> {
    match value {
        "repair" => Ok(OnProblem::Repair),
        "error" => Ok(OnProblem::Error),
        _ => Err(invalid_value(
            py,
            format!("`{name}` must be \"repair\" or \"error\"; got {value:?}"),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn parse_options(
    py: Python<'_>,
    ids: &str,
    first_id: u64,
    duplicates: &str,
    out_of_range: &str,
    missing: &str,
) -> PyResult<ParseOptions> {
    let style = match ids {
        "bracketed" => IdStyle::Bracketed,
        "numbers" => IdStyle::Numbers,
        "letters" => IdStyle::Letters,
        _ => {
            return Err(invalid_value(
                py,
                format!("`ids` must be \"bracketed\", \"numbers\" or \"letters\"; got {ids:?}"),
            ));
        }
    };
    Ok(ParseOptions {
        style,
        first_id,
        duplicates: on_problem(py, "duplicates", duplicates)?,
        out_of_range: on_problem(py, "out_of_range", out_of_range)?,
        missing: on_problem(py, "missing", missing)?,
    })
}

fn window_config(
    py: Python<'_>,
    window: usize,
    step: usize,
    passes: usize,
    compat: &str,
) -> PyResult<WindowConfig> {
    let semantics = match compat {
        "rankllm" => WindowSemantics::RankLlm,
        "rankgpt" => WindowSemantics::RankGpt,
        _ => {
            return Err(invalid_value(
                py,
                format!("`compat` must be \"rankllm\" or \"rankgpt\"; got {compat:?}"),
            ));
        }
    };
    Ok(WindowConfig {
        window,
        step,
        passes,
        semantics,
    })
}

/// Sliding-window reranking of one query's candidates: a state machine that hands out model
/// calls (`ready`) and takes their answers (`answer`, `answer_text`).
#[pyclass(module = "rankwise.rerank", name = "SlidingWindowState")]
pub struct PySlidingWindow {
    inner: SlidingWindow,
}

#[pymethods]
impl PySlidingWindow {
    #[new]
    #[pyo3(signature = (n, *, window = 20, step = 10, passes = 1, compat = "rankllm"))]
    fn new(
        py: Python<'_>,
        n: usize,
        window: usize,
        step: usize,
        passes: usize,
        compat: &str,
    ) -> PyResult<Self> {
        let config = window_config(py, window, step, passes, compat)?;
        Ok(PySlidingWindow {
            inner: SlidingWindow::new(n, config).map_err(CoreError)?,
        })
    }

    /// Model calls for `n` candidates (exact; the calls are sequential).
    #[staticmethod]
    #[pyo3(signature = (n, *, window = 20, step = 10, passes = 1, compat = "rankllm"))]
    fn planned_calls(
        py: Python<'_>,
        n: usize,
        window: usize,
        step: usize,
        passes: usize,
        compat: &str,
    ) -> PyResult<usize> {
        let config = window_config(py, window, step, passes, compat)?;
        config.validate().map_err(CoreError)?;
        Ok(config.calls(n))
    }

    /// The calls that can be made now, as `(task_id, candidate indices)`.
    fn ready(&mut self) -> Vec<(u64, Vec<usize>)> {
        self.inner
            .ready()
            .into_iter()
            .map(|t| (t.id, t.candidates))
            .collect()
    }

    /// Answer task `task_id` with a permutation of its positions.
    fn answer(&mut self, task_id: u64, permutation: Vec<usize>) -> PyResult<()> {
        Ok(self
            .inner
            .answer(task_id, &permutation)
            .map_err(CoreError)?)
    }

    /// Answer task `task_id` with the ranker's raw text; returns what was read, as
    /// `parse_permutation` does.
    #[pyo3(signature = (task_id, text, *, ids = "bracketed", first_id = 1, duplicates = "repair", out_of_range = "repair", missing = "repair"))]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn answer_text(
        &mut self,
        py: Python<'_>,
        task_id: u64,
        text: &str,
        ids: &str,
        first_id: u64,
        duplicates: &str,
        out_of_range: &str,
        missing: &str,
    ) -> PyResult<(Vec<usize>, Vec<usize>, Vec<String>, Vec<usize>)> {
        let opts = parse_options(py, ids, first_id, duplicates, out_of_range, missing)?;
        let p = self
            .inner
            .answer_text(task_id, text, &opts)
            .map_err(CoreError)?;
        Ok((p.order, p.duplicates, p.out_of_range, p.missing))
    }

    /// Whether every call has been answered.
    #[getter]
    fn done(&self) -> bool {
        self.inner.done()
    }

    /// Calls answered so far.
    #[getter]
    fn calls(&self) -> usize {
        self.inner.calls()
    }

    /// Text answers that needed a repair.
    #[getter]
    fn repaired_answers(&self) -> usize {
        self.inner.repaired_answers()
    }

    /// The current order (final once `done`): candidate indices, best first.
    fn result(&self) -> Vec<usize> {
        self.inner.result().to_vec()
    }

    fn __repr__(&self) -> String {
        format!(
            "SlidingWindowState({} candidates, {} calls answered, done={})",
            self.inner.result().len(),
            self.inner.calls(),
            self.inner.done()
        )
    }
}

/// The order a listwise ranker gave to `n` candidates, read from its raw answer: returns
/// `(order, duplicates, out_of_range, missing)` (see `rankwise.rerank.parse_permutation`).
#[pyfunction]
#[pyo3(signature = (text, n, *, ids = "bracketed", first_id = 1, duplicates = "repair", out_of_range = "repair", missing = "repair"))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn parse_permutation(
    py: Python<'_>,
    text: &str,
    n: usize,
    ids: &str,
    first_id: u64,
    duplicates: &str,
    out_of_range: &str,
    missing: &str,
) -> PyResult<(Vec<usize>, Vec<usize>, Vec<String>, Vec<usize>)> {
    let opts = parse_options(py, ids, first_id, duplicates, out_of_range, missing)?;
    let p = parse(text, n, &opts).map_err(CoreError)?;
    Ok((p.order, p.duplicates, p.out_of_range, p.missing))
}
