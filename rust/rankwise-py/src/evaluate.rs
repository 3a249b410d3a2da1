//! `evaluate` (qrels + run) and `evaluate_arrays` (score/label arrays).
//!
//! Arguments are converted while attached to the interpreter; the evaluation itself runs
//! detached (`py.detach`) on the rankwise thread pool. Arrays are borrowed, never copied:
//! the Python layer hands over contiguous 1-D arrays of a supported dtype.

use std::sync::{Arc, mpsc};

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use rankwise_core::evaluate::{
    self as core, ArrayBatch, ArrayOptions, EvalOptions, Evaluation, Missing, NanPolicy, TieRule,
    Ties,
};
use rankwise_core::metrics::MeasureSet;
use rankwise_core::metrics::measure::MIN_GEO_MEAN;
use rankwise_core::ragged::RowLayout;
use rankwise_core::ranking::{Label, Score};
use rankwise_core::trec::run::LabelledRun;
use rankwise_core::trec::{Qrels, QrelsBuilder, RunBuilder};

use crate::convert::{Array, Wrap, describe, layout, matrix, slice_opt, slice2};
use crate::dicts::{
    DictJudgements, LabelSink, Sink, fill_from_dict, judgements_snapshot, nested_dict,
    read_judgements, read_labelled_run,
};
use crate::errors::{CoreError, invalid_value, type_error};
use crate::interrupt;
use crate::trec::{PyQrels, PyRun};

/// Evaluate a run against qrels, `ties` deciding how equal scores are ordered (trec_eval's
/// rule, ranx's order, or the tie-aware expected value). Returns
/// `(measure_names, query_ids, values, summary)` with `values` of shape `(measures, queries)`.
/// `nan_over_limit` (with `ties="expected"`): NaN for a (query, measure) over the limits of
/// its exact expected value, where the default raises for the whole evaluation.
#[pyfunction]
#[pyo3(signature = (qrels, run, measures, *, rel_level = 1.0, judged_only = false, max_docs = None, missing = Wrap::default(), ignore_identical_ids = false, ties = Wrap::default(), trec_eval = Wrap::default(), nan_over_limit = false))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn evaluate<'py>(
    py: Python<'py>,
    qrels: &PyQrels,
    run: &PyRun,
    measures: Vec<String>,
    rel_level: f64,
    judged_only: bool,
    max_docs: Option<usize>,
    missing: Wrap<Missing>,
    ignore_identical_ids: bool,
    ties: Wrap<TieRule>,
    trec_eval: Wrap<rankwise_core::metrics::TrecEval>,
    nan_over_limit: bool,
) -> PyResult<(
    Vec<String>,
    Vec<String>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
)> {
    let set = MeasureSet::parse_for(&measures, trec_eval.0).map_err(CoreError)?;
    let opts = EvalOptions {
        rel_level,
        judged_only,
        max_docs,
        missing: missing.0,
        ignore_identical_ids,
    };
    let (q, r) = (qrels.inner.clone(), run.inner.clone());
    let result = interrupt::run(py, || {
        if nan_over_limit && ties.0 == TieRule::Expected {
            core::evaluate_expected_or_nan(&q, &r, &set, &opts)
        } else {
            core::evaluate_with_ties(&q, &r, &set, &opts, ties.0)
        }
    })?
    .map_err(CoreError)?;
    let summary = result.summary();
    let names = result.names().to_vec();
    let query_ids = result.query_ids().to_vec();
    let nq = result.num_queries();
    let values = matrix(py, names.len(), nq, result.into_values())?;
    Ok((names, query_ids, values, PyArray1::from_vec(py, summary)))
}

/// The summary `evaluate` gives (mean, sum or geometric mean per measure, from an exactly
/// rounded sum) of per-query values of shape `(measures, queries)` gathered from anywhere,
/// e.g. from the partitions of a cluster.
#[pyfunction]
pub fn summarize<'py>(
    py: Python<'py>,
    measures: Vec<String>,
    values: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let set = MeasureSet::parse(&measures).map_err(CoreError)?;
    let queries = values.shape()[1];
    let flat = slice2(&values, "values")?;
    let summary = core::summarize(&set, flat, queries).map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, summary))
}

/// Everything `evaluate_arrays` needs besides the typed score and label slices.
struct ArrayArgs<'a> {
    layout: RowLayout<'a>,
    mask: Option<&'a [bool]>,
    n_relevant: Option<&'a [i64]>,
    set: &'a MeasureSet,
    opts: ArrayOptions,
}

fn run_typed<S: Score, L: Label>(
    py: Python<'_>,
    scores: &[S],
    labels: &[L],
    args: &ArrayArgs<'_>,
) -> PyResult<Vec<f64>> {
    let batch = ArrayBatch {
        scores,
        labels,
        layout: args.layout,
        mask: args.mask,
        n_relevant: args.n_relevant,
    };
    Ok(
        interrupt::run(py, || core::evaluate_arrays(&batch, args.set, &args.opts))?
            .map_err(CoreError)?,
    )
}

/// Dispatch on the label dtype, then run.
fn with_labels<S: Score + numpy::Element>(
    py: Python<'_>,
    scores: &[S],
    labels: &Bound<'_, PyAny>,
    args: &ArrayArgs<'_>,
) -> PyResult<Vec<f64>> {
    macro_rules! try_label {
        ($($t:ty),*) => {$(
            if let Ok(a) = labels.cast::<PyArray1<$t>>() {
                let a = Array::new(a.readonly());
                return run_typed(py, scores, a.slice("labels")?, args);
            }
        )*};
    }
    try_label!(f64, f32, i64, i32, i16, i8, u8, u16, u32);
    Err(type_error(
        py,
        format!(
            "`labels` must be a 1-D array of int8..int64, uint8..uint32, float32 or float64; got {}",
            describe(labels)
        ),
    ))
}

/// Evaluate measures over flat score/label arrays cut into queries by `offsets` or by
/// `shape = (queries, width)`. Returns `(measure_names, values)` with `values` of shape
/// `(measures, queries)`.
#[pyfunction]
#[pyo3(signature = (scores, labels, measures, *, offsets = None, shape = None, mask = None, n_relevant = None, rel_level = 1.0, ties = Wrap::default(), nan_policy = Wrap::default()))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate_arrays<'py>(
    py: Python<'py>,
    scores: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    measures: Vec<String>,
    offsets: Option<Array<'py, i64>>,
    shape: Option<(usize, usize)>,
    mask: Option<Array<'py, bool>>,
    n_relevant: Option<Array<'py, i64>>,
    rel_level: f64,
    ties: Wrap<Ties>,
    nan_policy: Wrap<NanPolicy>,
) -> PyResult<(Vec<String>, Bound<'py, PyArray2<f64>>)> {
    let set = MeasureSet::parse(&measures).map_err(CoreError)?;
    let len = scores
        .cast::<numpy::PyUntypedArray>()
        .map(|a| a.len())
        .map_err(|_| {
            type_error(
                py,
                format!("`scores` must be a numpy array; got {}", describe(scores)),
            )
        })?;
    let offsets = slice_opt(&offsets, "offsets")?;
    if offsets.is_none() && shape.is_none() {
        return Err(invalid_value(
            py,
            "either `offsets` or `shape` must be given".to_owned(),
        ));
    }
    let layout = layout(offsets, shape, len, "scores")?;
    let args = ArrayArgs {
        layout,
        mask: slice_opt(&mask, "mask")?,
        n_relevant: slice_opt(&n_relevant, "n_relevant")?,
        set: &set,
        opts: ArrayOptions {
            rel_level,
            ties: ties.0,
            nan_policy: nan_policy.0,
        },
    };
    let values = if let Ok(s) = scores.cast::<PyArray1<f64>>() {
        let s = Array::new(s.readonly());
        with_labels(py, s.slice("scores")?, labels, &args)?
    } else if let Ok(s) = scores.cast::<PyArray1<f32>>() {
        let s = Array::new(s.readonly());
        with_labels(py, s.slice("scores")?, labels, &args)?
    } else {
        return Err(type_error(
            py,
            format!(
                "`scores` must be a 1-D float32 or float64 array; got {}",
                describe(scores)
            ),
        ));
    };
    let names: Vec<String> = set.names().into_iter().map(str::to_owned).collect();
    let rows = layout.rows();
    let array = matrix(py, names.len(), rows, values)?;
    Ok((names, array))
}

/// Most chunks a run dict is cut into by [`evaluate_dicts`]: each chunk's evaluation looks up
/// every judged query once, so more chunks overlap more work but repeat those lookups.
const MAX_CHUNKS: usize = 16;
/// Fewest documents in a chunk, so that small runs are one chunk.
const MIN_CHUNK_DOCS: usize = 16_384;
/// Fewest documents in a chunk per judged query, so that the lookups of judged queries
/// (one per judged query per chunk) stay a small part of a chunk's work.
const DOCS_PER_JUDGED_QUERY: usize = 24;

/// The qrels [`evaluate_dicts`] reads the run against: built already, or still to build (on
/// the worker, while the run dict is read).
enum QrelsSource {
    Built(Arc<Qrels>),
    Pending(Box<QrelsBuilder>),
}

/// A run dict read as whole queries of about `chunk_docs` documents: each full chunk goes to
/// the worker that ranks and evaluates it while the next one is read.
struct ChunkedRun {
    builder: RunBuilder,
    /// Queries and documents in `builder`.
    queries: usize,
    docs: usize,
    chunk_docs: usize,
    send: mpsc::Sender<RunBuilder>,
}

impl ChunkedRun {
    fn fresh(chunk_docs: usize) -> RunBuilder {
        let mut builder = RunBuilder::new();
        // Keys of a dict are unique: no document can appear twice in a query.
        builder.set_unique_docs(true);
        builder.reserve(chunk_docs);
        builder
    }

    /// Hand the last chunk over; dropping `self` then ends the worker's input.
    fn finish(self) {
        // A query without documents counts too: its empty ranking is evaluated.
        if self.queries > 0 {
            let _ = self.send.send(self.builder);
        }
    }
}

impl Sink for ChunkedRun {
    fn reserve(&mut self, n: usize) {
        self.chunk_docs = self.chunk_docs.max(n.div_ceil(MAX_CHUNKS));
        self.builder = ChunkedRun::fresh(self.chunk_docs.min(n));
    }
    fn begin_query(&mut self, query: &str) {
        if self.docs >= self.chunk_docs {
            let full = std::mem::replace(&mut self.builder, ChunkedRun::fresh(self.chunk_docs));
            // The worker only stops listening after a failure; the result is dropped then.
            let _ = self.send.send(full);
            (self.queries, self.docs) = (0, 0);
        }
        self.builder.begin_query(query);
        self.queries += 1;
    }
    fn push_doc(&mut self, doc: &str, value: f64) {
        self.builder.push_doc(doc, value);
        self.docs += 1;
    }
}

/// pytrec_eval's `{query_id: {measure: value}}`, built here rather than from Python lists.
/// Each query's dict holds `zero_keys` (as 0.0), then `keys[i]` = the value of measure
/// `columns[i]`, as `log(max(value, MIN_GEO_MEAN))` where `log_floor[i]` (pytrec_eval's
/// per-query form of geometric-mean measures). The key objects are made once, by the caller,
/// and shared by every query's dict. From Python: the tuple `(keys, columns, log_floor,
/// zero_keys)`.
pub struct PerQuery<'py> {
    keys: Vec<Bound<'py, PyString>>,
    columns: Vec<usize>,
    log_floor: Vec<bool>,
    zero_keys: Vec<Bound<'py, PyString>>,
}

/// [`PerQuery`] as Python passes it.
type PerQueryTuple<'py> = (
    Vec<Bound<'py, PyString>>,
    Vec<usize>,
    Vec<bool>,
    Vec<Bound<'py, PyString>>,
);

/// Python's `max(value, MIN_GEO_MEAN)` (a NaN stays NaN, where `f64::max` would drop it),
/// then its natural logarithm, as pytrec_eval reports geometric-mean measures per query.
fn floored_log(value: f64) -> f64 {
    if MIN_GEO_MEAN > value {
        MIN_GEO_MEAN.ln()
    } else {
        value.ln()
    }
}

/// The evaluated queries of [`evaluate_dicts`], in the qrels' order: their ids, or (read
/// against a qrels dict) their indices among its judged queries, whose `str` objects are
/// reused as the keys of a nested result.
enum Queries {
    Ids(Vec<String>),
    Judged {
        order: Vec<u32>,
        judged: Arc<DictJudgements>,
    },
}

impl Queries {
    fn len(&self) -> usize {
        match self {
            Queries::Ids(ids) => ids.len(),
            Queries::Judged { order, .. } => order.len(),
        }
    }

    fn into_ids(self) -> Vec<String> {
        match self {
            Queries::Ids(ids) => ids,
            Queries::Judged { order, judged } => order
                .iter()
                .map(|&k| judged.ids[k as usize].clone())
                .collect(),
        }
    }

    /// Query `q`'s id as a Python `str`.
    fn key<'py>(&self, py: Python<'py>, q: usize) -> Bound<'py, PyAny> {
        match self {
            Queries::Ids(ids) => PyString::new(py, &ids[q]).into_any(),
            Queries::Judged { order, judged } => judged.keys[order[q] as usize].bind(py).clone(),
        }
    }
}

fn nested<'py>(
    py: Python<'py>,
    spec: &PerQuery<'py>,
    queries: &Queries,
    values: &[f64],
    measures: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let nq = queries.len();
    if let Some(key) = spec
        .keys
        .iter()
        .chain(&spec.zero_keys)
        .find(|k| !k.is_exact_instance_of::<PyString>())
    {
        return Err(type_error(
            py,
            format!(
                "`per_query` keys must be exact str; got {}",
                crate::dicts::type_name(key)
            ),
        ));
    }
    if spec.keys.len() != spec.columns.len()
        || spec.keys.len() != spec.log_floor.len()
        || spec.columns.iter().any(|&c| c >= measures)
    {
        return Err(invalid_value(
            py,
            format!(
                "`per_query` must give one column below {measures} and one flag per key; got \
                 {} keys, {} columns, {} flags",
                spec.keys.len(),
                spec.columns.len(),
                spec.log_floor.len()
            ),
        ));
    }
    nested_dict(
        py,
        &spec.zero_keys,
        &spec.keys,
        nq,
        |q| queries.key(py, q),
        |q, i| {
            let v = values[spec.columns[i] * nq + q];
            if spec.log_floor[i] { floored_log(v) } else { v }
        },
    )
}

/// Per-query values of the evaluated chunks, merged into the qrels' query order: what one
/// `evaluate` of the whole run gives (each query is evaluated on its own).
fn merge(qrels: &Qrels, m: usize, chunks: &[Evaluation]) -> (Vec<String>, Vec<f64>) {
    let mut order: Vec<(usize, usize, usize)> = chunks
        .iter()
        .enumerate()
        .flat_map(|(c, e)| {
            e.query_ids().iter().enumerate().map(move |(j, id)| {
                let q = qrels.query_index(id.as_bytes()).unwrap_or(usize::MAX);
                (q, c, j)
            })
        })
        .collect();
    order.sort_unstable();
    let n = order.len();
    let mut values = vec![0.0; n * m];
    for (k, &(_, c, j)) in order.iter().enumerate() {
        let e = &chunks[c];
        let nc = e.num_queries();
        for i in 0..m {
            values[i * n + k] = e.values()[i * nc + j];
        }
    }
    let query_ids = order
        .iter()
        .map(|&(_, c, j)| chunks[c].query_ids()[j].clone())
        .collect();
    (query_ids, values)
}

/// Whole judged queries of a run dict, labelled as they were read, with their judgements:
/// query `i` of `run` (key `i`) has judgements `i` of `judgements` and is the qrels' query
/// `order[i]`.
struct LabelChunk {
    run: LabelledRun,
    judgements: core::Judgements,
    order: Vec<u32>,
}

impl LabelChunk {
    fn with_capacity(n: usize) -> Self {
        LabelChunk {
            run: LabelledRun::with_capacity(n, n * 8),
            judgements: core::Judgements::default(),
            order: Vec::new(),
        }
    }

    fn finish(mut self) -> Self {
        self.judgements.finish();
        self
    }
}

/// A run dict read as chunks of about `chunk_docs` documents: each full chunk goes to the
/// worker that ranks and evaluates it while the next one is read.
struct ChunkedLabels {
    chunk: LabelChunk,
    docs: usize,
    chunk_docs: usize,
    send: mpsc::Sender<LabelChunk>,
}

impl ChunkedLabels {
    fn finish(self) {
        if !self.chunk.order.is_empty() {
            let _ = self.send.send(self.chunk.finish());
        }
    }
}

impl LabelSink for ChunkedLabels {
    fn reserve(&mut self, n: usize) {
        self.chunk_docs = self.chunk_docs.max(n.div_ceil(MAX_CHUNKS));
        self.chunk = LabelChunk::with_capacity(self.chunk_docs.min(n));
    }
    fn begin_query(&mut self, key: u32) {
        if self.docs >= self.chunk_docs {
            let fresh = LabelChunk::with_capacity(self.chunk_docs);
            let full = std::mem::replace(&mut self.chunk, fresh);
            // The worker only stops listening after a failure; the result is dropped then.
            let _ = self.send.send(full.finish());
            self.docs = 0;
        }
        let local = u32::try_from(self.chunk.order.len()).unwrap_or(u32::MAX);
        self.chunk.order.push(key);
        self.chunk.run.begin_query(local);
        self.chunk.judgements.begin_query();
    }
    fn judgement(&mut self, label: f64) {
        self.chunk.judgements.push_label(label);
    }
    fn push(&mut self, doc: &str, score: f64, label: f64) {
        self.chunk.run.push(doc.as_bytes(), score, label);
        self.docs += 1;
    }
}

/// Most documents (and queries) of a run dict that [`evaluate_labelled_dicts`] reads whole
/// before evaluating it, rather than overlapping the two on a worker thread.
const SMALL_RUN_DOCS: usize = 1 << 18;
const SMALL_RUN_QUERIES: usize = 1 << 14;

/// Evaluate the chunks `receive` gets until its sender is dropped: each chunk's key order and
/// query-major values, or `None` if one failed or none came.
fn evaluate_label_chunks(
    receive: mpsc::Receiver<LabelChunk>,
    set: &MeasureSet,
    opts: &EvalOptions,
) -> Option<Vec<(Vec<u32>, Vec<f64>)>> {
    let mut done = Vec::new();
    let mut failed = false;
    for chunk in receive {
        if failed {
            continue; // drain: the reader is told nothing, its result is dropped
        }
        match core::evaluate_labelled(&chunk.judgements, &chunk.run, set, opts) {
            Ok(rows) => done.push((chunk.order, rows)),
            Err(_) => failed = true,
        }
    }
    (!failed && !done.is_empty()).then_some(done)
}

/// [`evaluate_dicts`] for the judged queries of a qrels dict (read by [`read_judgements`], or
/// kept by [`JudgedDicts`]) and a run dict of exact `str` ids and exact numbers:
/// each run document's label is looked up in the qrels dict as the run is read (Python's
/// own hash of the id, cached in the `str`), so neither `Qrels` nor `Run` is built. A
/// query's judgements are read when the run reaches it, just before the lookups into the
/// same dict (still in cache); the worker gets them with the chunk. The
/// per-query values (query ids in the qrels' order, values measure-major), or `None` where
/// the ordinary path must decide (any other input, or nothing to evaluate).
fn evaluate_labelled_dicts(
    py: Python<'_>,
    judged: Arc<DictJudgements>,
    run: &Bound<'_, PyDict>,
    set: &MeasureSet,
    opts: &EvalOptions,
    run_order: bool,
) -> PyResult<Option<(Queries, Vec<f64>)>> {
    // A small run is read whole, then evaluated: a worker thread would overlap little work
    // with the reading and take a core from it (the evaluation runs on the rankwise pool).
    let small = run.len() <= SMALL_RUN_QUERIES && crate::dicts::total_docs(run) <= SMALL_RUN_DOCS;
    let (send, receive) = mpsc::channel::<LabelChunk>();
    let mut chunks = ChunkedLabels {
        chunk: LabelChunk::with_capacity(0),
        docs: 0,
        chunk_docs: if small { usize::MAX } else { MIN_CHUNK_DOCS },
        send,
    };
    let (filled, joined) = if small {
        let filled = read_labelled_run(run, &judged, &mut chunks);
        chunks.finish();
        let done = if filled {
            py.detach(|| evaluate_label_chunks(receive, set, opts))
        } else {
            None
        };
        (filled, Ok(done))
    } else {
        std::thread::scope(|scope| {
            let worker = scope.spawn(move || evaluate_label_chunks(receive, set, opts));
            let filled = read_labelled_run(run, &judged, &mut chunks);
            chunks.finish();
            let joined = py.detach(|| worker.join());
            (filled, joined)
        })
    };
    let joined = joined.map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err("a rankwise worker stopped without a result")
    })?;
    let (true, Some(done)) = (filled, joined) else {
        return Ok(None);
    };
    let m = set.len();
    let (order, values) = py.detach(|| {
        // Each judged query is read once (dict keys are unique): order them as the qrels, or
        // keep the run's order (the chunks', and each chunk's, read order).
        let mut order: Vec<(u32, usize, usize)> = done
            .iter()
            .enumerate()
            .flat_map(|(c, (keys, _))| keys.iter().enumerate().map(move |(j, &k)| (k, c, j)))
            .collect();
        if !run_order {
            order.sort_unstable();
        }
        let n = order.len();
        let mut values = vec![0.0; n * m];
        for (k, &(_, c, j)) in order.iter().enumerate() {
            let rows = &done[c].1;
            for i in 0..m {
                values[i * n + k] = rows[j * m + i];
            }
        }
        (order.iter().map(|&(k, _, _)| k).collect(), values)
    });
    Ok(Some((Queries::Judged { order, judged }, values)))
}

/// `evaluate` straight from a `{query_id: {doc_id: score}}` run dict, against `Qrels` or a
/// qrels dict, with `missing="skip"`. The run dict is read (the GIL held) in chunks of whole
/// queries while a worker thread ranks and evaluates each chunk: reading the dicts, which only
/// one thread can do, overlaps with all the rest. Against a qrels dict of plain `str` ids and
/// numbers, each document's label is looked up in that dict as the run is read
/// ([`evaluate_labelled_dicts`]: no `Qrels` or `Run` is built); otherwise the worker first
/// builds the qrels, then each chunk's `Run`.
///
/// Queries come in the qrels' order, or with `run_order` in the run's (pytrec_eval's order;
/// then only against a qrels dict of plain `str` ids and numbers).
///
/// Returns what `evaluate` returns (or, given `per_query`, pytrec_eval's nested dict), or
/// `None` when anything is wrong with the input (a wrong type, a NaN score, no query in
/// common, a bad option or measure): the caller then takes the ordinary path (`Qrels(...)`,
/// `Run(...)`, `evaluate`), which raises the very error it always raised, in the same order.
#[pyfunction]
#[pyo3(signature = (qrels, run, measures, *, rel_level = 1.0, judged_only = false, max_docs = None, per_query = None, run_order = false))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate_dicts<'py>(
    py: Python<'py>,
    qrels: &Bound<'py, PyAny>,
    run: &Bound<'py, PyDict>,
    measures: Vec<String>,
    rel_level: f64,
    judged_only: bool,
    max_docs: Option<usize>,
    per_query: Option<PerQueryTuple<'py>>,
    run_order: bool,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Ok(set) = MeasureSet::parse(&measures) else {
        return Ok(None);
    };
    let opts = EvalOptions {
        rel_level,
        judged_only,
        max_docs,
        missing: Missing::Skip,
        // `rankwise.evaluate` takes this path only with `ignore_identical_ids=False`
        ignore_identical_ids: false,
    };
    let judged = if set.trec_eval() == rankwise_core::metrics::TrecEval::V9 {
        if let Ok(kept) = qrels.cast::<JudgedDicts>() {
            Some(Arc::clone(&kept.get().judged))
        } else if let Ok(q) = qrels.cast::<PyDict>() {
            read_judgements(q).map(Arc::new)
        } else {
            None
        }
    } else {
        None
    };
    let labelled = match judged {
        Some(judged) => evaluate_labelled_dicts(py, judged, run, &set, &opts, run_order)?,
        None => None,
    };
    if let Some((queries, values)) = labelled {
        return dict_result(py, &set, queries, values, per_query).map(Some);
    }
    if run_order {
        return Ok(None); // only the labelled path keeps the run's order
    }
    let (source, judged_queries) = if let Ok(q) = qrels.cast::<PyQrels>() {
        let inner = Arc::clone(&q.get().inner);
        let n = inner.num_queries();
        (QrelsSource::Built(inner), n)
    } else {
        let mut builder = QrelsBuilder::new();
        if fill_from_dict("qrels", qrels, &mut builder).is_err() {
            return Ok(None);
        }
        let n = qrels.cast::<PyDict>().map_or(0, |d| d.len());
        (QrelsSource::Pending(Box::new(builder)), n)
    };
    let (send, receive) = mpsc::channel::<RunBuilder>();
    let mut chunks = ChunkedRun {
        builder: ChunkedRun::fresh(0),
        queries: 0,
        docs: 0,
        chunk_docs: MIN_CHUNK_DOCS.max(judged_queries.saturating_mul(DOCS_PER_JUDGED_QUERY)),
        send,
    };
    let set_ref = &set;
    let outcome = std::thread::scope(|scope| {
        let worker = scope.spawn(move || -> Option<(Arc<Qrels>, Vec<Evaluation>)> {
            let qrels = match source {
                QrelsSource::Built(q) => q,
                QrelsSource::Pending(b) => Arc::new(b.build().ok()?),
            };
            let mut done = Vec::new();
            let mut failed = false;
            for chunk in receive {
                if failed {
                    continue; // drain: the reader is told nothing, its result is dropped
                }
                let Ok(run) = chunk.build() else {
                    failed = true;
                    continue;
                };
                let judged = (0..run.num_queries())
                    .any(|r| qrels.query_index(run.query_id_bytes(r)).is_some());
                if judged {
                    match core::evaluate(&qrels, &run, set_ref, &opts) {
                        Ok(e) => done.push(e),
                        Err(_) => failed = true,
                    }
                }
            }
            (!failed && !done.is_empty()).then_some((qrels, done))
        });
        let filled = fill_from_dict("run", run, &mut chunks);
        chunks.finish();
        let joined = py.detach(|| worker.join());
        (filled, joined)
    });
    let (filled, joined) = outcome;
    let joined = joined.map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err("a rankwise worker stopped without a result")
    })?;
    let (Ok(()), Some((qrels, done))) = (filled, joined) else {
        return Ok(None);
    };
    let m = set.len();
    let (query_ids, values) = py.detach(|| merge(&qrels, m, &done));
    dict_result(py, &set, Queries::Ids(query_ids), values, per_query).map(Some)
}

/// What [`evaluate_dicts`] returns for per-query values (measure-major).
fn dict_result<'py>(
    py: Python<'py>,
    set: &MeasureSet,
    queries: Queries,
    values: Vec<f64>,
    per_query: Option<PerQueryTuple<'py>>,
) -> PyResult<Bound<'py, PyAny>> {
    let m = set.len();
    if let Some((keys, columns, log_floor, zero_keys)) = per_query {
        let spec = PerQuery {
            keys,
            columns,
            log_floor,
            zero_keys,
        };
        return Ok(nested(py, &spec, &queries, &values, m)?.into_any());
    }
    let query_ids = queries.into_ids();
    let summary = core::summarize(set, &values, query_ids.len()).map_err(CoreError)?;
    let names: Vec<String> = set.names().into_iter().map(str::to_owned).collect();
    let nq = query_ids.len();
    let values = matrix(py, m, nq, values)?;
    Ok((names, query_ids, values, PyArray1::from_vec(py, summary))
        .into_pyobject(py)?
        .into_any())
}

/// The judgements of a `{query_id: {doc_id: label}}` qrels dict as [`evaluate_dicts`] reads
/// them fastest, kept by `compat.pytrec_eval.RelevanceEvaluator`: its judged queries, each
/// inner dict copied (later changes to the caller's dicts are not seen) and its labels read
/// once, so that each `evaluate` only looks the run's documents up. Copying dicts is several
/// times cheaper than building `Qrels`.
#[pyclass(frozen, module = "rankwise._native")]
pub struct JudgedDicts {
    judged: Arc<DictJudgements>,
    /// The copies, `{query_id: {doc_id: label}}`, for `Qrels` should a run need it.
    copy: Py<PyDict>,
}

#[pymethods]
impl JudgedDicts {
    /// The copied judged queries as a `{query_id: {doc_id: label}}` dict (the copy itself).
    fn to_dict(&self, py: Python<'_>) -> Py<PyDict> {
        self.copy.clone_ref(py)
    }

    fn __len__(&self) -> usize {
        self.judged.ids.len()
    }
}

/// [`JudgedDicts`] of a qrels dict, or `None` for any other qrels (anything but exact `str`
/// ids and exact finite numbers in exact dicts, or no judgement at all): the caller builds
/// `Qrels` instead, which accepts or refuses it as always.
#[pyfunction]
pub fn judgements_copy(qrels: &Bound<'_, PyAny>) -> PyResult<Option<JudgedDicts>> {
    Ok(
        judgements_snapshot(qrels)?.map(|(judged, copy)| JudgedDicts {
            judged: Arc::new(judged),
            copy: copy.unbind(),
        }),
    )
}
