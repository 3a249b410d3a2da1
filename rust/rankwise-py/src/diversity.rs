//! `diversity_evaluate` and `diversity_ndeval`: ndeval's measures over subtopic qrels and a
//! run, from TREC files or dicts.
//!
//! Dicts are read while attached to the interpreter; files are read, runs ordered and every
//! query evaluated detached (`interrupt::run`), on the rankwise thread pool.

use numpy::PyArray2;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyString};
use rankwise_core::diversity::{
    self as core, DiversityMeasure, Params, RankedRunBuilder, RunOrder, SubtopicQrels,
    SubtopicQrelsBuilder,
};

use crate::convert::matrix;
use crate::errors::{CoreError, invalid_value, path_arg, short_repr, type_error};
use crate::interrupt;

/// Where the qrels come from: a file, or rows read from a dict.
enum QrelsSource {
    File(std::path::PathBuf),
    Rows(SubtopicQrelsBuilder),
}

/// Where the run comes from: a file, or rows read from a dict.
enum RunSource {
    File(std::path::PathBuf),
    Rows(RankedRunBuilder),
}

fn is_path(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(value.is_instance_of::<PyString>() || value.hasattr("__fspath__")?)
}

fn key_str(py: Python<'_>, what: &str, key: &Bound<'_, PyAny>) -> PyResult<String> {
    borrowed_str(py, what, key).map(str::to_owned)
}

/// A str key, borrowed (no copy); a str UTF-8 cannot encode (a lone surrogate) is a value
/// error naming `what`, not Python's UnicodeEncodeError. `what` holds the argument's closing
/// backtick itself (`` run` doc ids ``), so the messages read `` `run` doc ids must be ``.
fn borrowed_str<'a>(py: Python<'_>, what: &str, key: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    match key.cast::<PyString>() {
        Ok(s) => s.to_str().map_err(|_| {
            invalid_value(
                py,
                format!(
                    "`{what} must be valid Unicode text (no lone surrogates); got {}",
                    short_repr(key)
                ),
            )
        }),
        Err(_) => Err(type_error(
            py,
            format!("`{what} must be str; got {}", short_repr(key)),
        )),
    }
}

/// `value` as a dict, or the type error `` `argument` must be `shape`; `` followed by where it
/// was found (`place`, e.g. `query "1"`, or the top level when `None`) and what it was.
fn dict_arg<'a, 'py>(
    value: &'a Bound<'py, PyAny>,
    argument: &str,
    shape: &str,
    place: Option<String>,
) -> PyResult<&'a Bound<'py, PyDict>> {
    value.cast::<PyDict>().map_err(|_| {
        let got = match place {
            None => format!("got {}", short_repr(value)),
            Some(place) => format!("{place} holds {}", short_repr(value)),
        };
        type_error(value.py(), format!("`{argument}` must be {shape}; {got}"))
    })
}

/// `value` as a number, or the type error `` `must`; got `` what it was `` for `place` `` (a bool
/// is refused too: Python's bool is an int, but no judgement or score).
fn number<'a, 'py, T: FromPyObject<'a, 'py>>(
    value: &'a Bound<'py, PyAny>,
    must: &str,
    place: impl FnOnce() -> String,
) -> PyResult<T> {
    let number = if value.is_instance_of::<PyBool>() {
        None
    } else {
        value.extract::<T>().ok()
    };
    number.ok_or_else(|| {
        let got = short_repr(value);
        type_error(value.py(), format!("{must}; got {got} for {}", place()))
    })
}

/// `{query_id: {subtopic_id: {doc_id: judgement}}}`; subtopic ids may be str or int.
fn qrels_source(
    py: Python<'_>,
    qrels: &Bound<'_, PyAny>,
    relevance_level: i64,
) -> PyResult<QrelsSource> {
    if is_path(qrels)? {
        return Ok(QrelsSource::File(path_arg(py, "qrels", qrels)?));
    }
    let shape = "a path or a dict {query_id: {subtopic_id: {doc_id: judgement}}}";
    let outer = dict_arg(qrels, "qrels", shape, None)?;
    let mut b = SubtopicQrelsBuilder::new(relevance_level);
    for (q, subtopics) in outer.iter() {
        let q = key_str(py, "qrels` query ids", &q)?;
        let subtopics = dict_arg(&subtopics, "qrels", shape, Some(format!("query {q:?}")))?;
        for (s, docs) in subtopics.iter() {
            let s = if s.is_instance_of::<PyInt>() && !s.is_instance_of::<PyBool>() {
                s.str()?.to_string()
            } else {
                key_str(py, "qrels` subtopic ids", &s)?
            };
            let place = format!("subtopic {s:?} of query {q:?}");
            let docs = dict_arg(&docs, "qrels", shape, Some(place))?;
            for (d, j) in docs.iter() {
                let d = borrowed_str(py, "qrels` doc ids", &d)?;
                let judgement = number::<i64>(&j, "`qrels` judgements must be integers", || {
                    format!("document {d:?} of subtopic {s:?}, query {q:?}")
                })?;
                b.push(&q, &s, d.as_bytes(), judgement);
            }
        }
    }
    Ok(QrelsSource::Rows(b))
}

/// `{query_id: {doc_id: score}}`.
fn run_source(py: Python<'_>, run: &Bound<'_, PyAny>) -> PyResult<RunSource> {
    if is_path(run)? {
        return Ok(RunSource::File(path_arg(py, "run", run)?));
    }
    let shape = "a path or a dict {query_id: {doc_id: score}}";
    let outer = dict_arg(run, "run", shape, None)?;
    let mut b = RankedRunBuilder::new();
    for (q, docs) in outer.iter() {
        let q = key_str(py, "run` query ids", &q)?;
        let docs = dict_arg(&docs, "run", shape, Some(format!("query {q:?}")))?;
        b.begin_query(&q);
        for (d, s) in docs.iter() {
            let d = borrowed_str(py, "run` doc ids", &d)?;
            let score = number::<f64>(&s, "`run` scores must be numbers", || {
                format!("document {d:?} of query {q:?}")
            })?;
            b.push_doc(d.as_bytes(), score, None, None);
        }
    }
    Ok(RunSource::Rows(b))
}

/// Read (if files), order and evaluate; runs detached.
fn load(
    qrels: QrelsSource,
    run: RunSource,
    relevance_level: i64,
    order: RunOrder,
    depth: Option<usize>,
) -> rankwise_core::Result<(SubtopicQrels, core::RankedRun)> {
    let qrels = match qrels {
        QrelsSource::File(p) => core::read_subtopic_qrels(p, relevance_level)?,
        QrelsSource::Rows(b) => b.build(),
    };
    let run = match run {
        RunSource::File(p) => core::read_ranked_run(p)?,
        RunSource::Rows(b) => b,
    };
    Ok((qrels, run.build(order, depth)?))
}

fn parse_measures(measures: &[String]) -> Result<Vec<DiversityMeasure>, CoreError> {
    Ok(measures
        .iter()
        .map(|m| DiversityMeasure::parse(m))
        .collect::<rankwise_core::Result<Vec<_>>>()?)
}

/// Evaluate `run` against subtopic `qrels` (paths or dicts). Returns `(measure_names,
/// query_ids, values, means, run_name)` with `values` of shape `(measures, queries)`.
#[pyfunction]
#[pyo3(signature = (qrels, run, measures, *, alpha = 0.5, beta = 0.5, relevance_level = 1, order = "score", depth = None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn diversity_evaluate<'py>(
    py: Python<'py>,
    qrels: &Bound<'py, PyAny>,
    run: &Bound<'py, PyAny>,
    measures: Vec<String>,
    alpha: f64,
    beta: f64,
    relevance_level: i64,
    order: &str,
    depth: Option<usize>,
) -> PyResult<(
    Vec<String>,
    Vec<String>,
    Bound<'py, PyArray2<f64>>,
    Vec<f64>,
    Option<String>,
)> {
    let measures = parse_measures(&measures)?;
    let params = Params::new(alpha, beta).map_err(CoreError)?;
    let order = RunOrder::parse(order).map_err(CoreError)?;
    let q = qrels_source(py, qrels, relevance_level)?;
    let r = run_source(py, run)?;
    let (result, name) = interrupt::run(py, || {
        let (qrels, run) = load(q, r, relevance_level, order, depth)?;
        let result = core::evaluate(&qrels, &run, &measures, &params)?;
        Ok::<_, rankwise_core::RankError>((result, run.name().map(str::to_owned)))
    })?
    .map_err(CoreError)?;
    let means = result.means();
    let nq = result.query_ids.len();
    let values = matrix(py, result.measures.len(), nq, result.values)?;
    Ok((result.measures, result.query_ids, values, means, name))
}

/// What the ndeval program prints for `qrels` and `run` files (its CSV), or `None` when no
/// query of the run is judged. With `baseline` (a run file), ndeval's risk-sensitive
/// comparison (`-baseline`, `-riskAlpha`), `risk_alpha_text` naming `risk_alpha` in the run
/// name as ndeval's command line spells it.
#[pyfunction]
#[pyo3(signature = (qrels, run, *, alpha = 0.5, beta = 0.5, order = "rank", depth = None, complete = false, baseline = None, risk_alpha = 0.0, risk_alpha_text = "0"))]
#[allow(clippy::too_many_arguments)]
pub fn diversity_ndeval(
    py: Python<'_>,
    qrels: &Bound<'_, PyAny>,
    run: &Bound<'_, PyAny>,
    alpha: f64,
    beta: f64,
    order: &str,
    depth: Option<usize>,
    complete: bool,
    baseline: Option<&Bound<'_, PyAny>>,
    risk_alpha: f64,
    risk_alpha_text: &str,
) -> PyResult<Option<String>> {
    let params = Params::new(alpha, beta).map_err(CoreError)?;
    let order = RunOrder::parse(order).map_err(CoreError)?;
    let q = QrelsSource::File(path_arg(py, "qrels", qrels)?);
    let r = RunSource::File(path_arg(py, "run", run)?);
    let b = baseline.map(|b| path_arg(py, "baseline", b)).transpose()?;
    let alpha_text = risk_alpha_text.to_owned();
    let csv = interrupt::run(py, || {
        let (qrels, run) = load(q, r, 1, order, depth)?;
        let columns = DiversityMeasure::ndeval_columns();
        let result = core::evaluate(&qrels, &run, &columns, &params)?;
        let name = run.name().unwrap_or("");
        let Some(b) = b else {
            return Ok::<_, rankwise_core::RankError>(core::ndeval_csv(&result, name, complete));
        };
        let base = core::read_ranked_run(b)?.build(order, depth)?;
        let base_result = core::evaluate(&qrels, &base, &columns, &params)?;
        core::ndeval_risk_csv(
            &result,
            &base_result,
            (name, base.name().unwrap_or("")),
            (risk_alpha, &alpha_text),
            complete,
        )
        .map(Some)
    })?
    .map_err(CoreError)?;
    Ok(csv)
}
