//! `Qrels` and `Run`: Rust-owned collections, built from dict-of-dicts or TREC files.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rankwise_core::ranking::ScorePrecision;
use rankwise_core::trec::{self, Qrels, QrelsBuilder, Run, RunBuilder};

use crate::convert::choose_name;
use crate::dicts::{Sink, fill_from_dict};
use crate::errors::{CoreError, invalid_value, path_arg, real_arg, str_arg};
use crate::interrupt;
use crate::tables;

/// Both builders take the rows of a dict of dicts the same way (their own methods of the
/// same names).
macro_rules! sink {
    ($($builder:ident),+) => {$(
        impl Sink for $builder {
            fn reserve(&mut self, n: usize) {
                $builder::reserve(self, n);
            }
            fn begin_query(&mut self, query: &str) {
                $builder::begin_query(self, query);
            }
            fn push_doc(&mut self, doc: &str, value: f64) {
                $builder::push_doc(self, doc, value);
            }
        }
    )+};
}
sink!(QrelsBuilder, RunBuilder);

/// The `#[pymethods]` of `Qrels` and `Run` (and their `From` the core type): `methods`, and
/// the Python protocol both share (tables, files, query ids, `len`, `in`, pickling), written
/// once. `columns` describes their tables, `state` what pickling keeps; `to_arrow` and
/// `to_trec` name the functions of `tables` that write them, after their docs.
macro_rules! pymethods_with_protocol {
    (
        $class:ident, $core:ident, $columns:literal, $state:literal,
        to_arrow: $(#[$arrow_doc:meta])* $to_arrow:path,
        to_trec: $(#[$trec_doc:meta])* $to_trec:path,
        { $($methods:tt)* }
    ) => {
        impl From<$core> for $class {
            fn from(inner: $core) -> Self {
                $class {
                    inner: Arc::new(inner),
                }
            }
        }

        #[pymethods]
        impl $class {
            $($methods)*

            $(#[$arrow_doc])*
            fn to_arrow<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                $to_arrow(py, &self.inner)
            }

            $(#[$trec_doc])*
            fn to_trec(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
                let path = path_arg(py, "path", path)?;
                $to_trec(py, &self.inner, &path)
            }

            /// Query ids, in order of first appearance.
            #[getter]
            fn query_ids(&self) -> Vec<String> {
                (0..self.inner.num_queries())
                    .map(|q| self.inner.query_id(q).into_owned())
                    .collect()
            }

            #[doc = concat!("A pandas DataFrame ", $columns, ".")]
            fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                tables::convert(self.to_arrow(py)?, "pandas")
            }

            #[doc = concat!("A polars DataFrame ", $columns, ".")]
            fn to_polars<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                tables::convert(self.to_arrow(py)?, "polars")
            }

            fn __len__(&self) -> usize {
                self.inner.num_queries()
            }

            fn __contains__(&self, query_id: &str) -> bool {
                self.inner.query_index(query_id.as_bytes()).is_some()
            }

            #[doc = concat!("Pickled as the compact columnar bytes of the core (", $state, "), so that")]
            /// they travel to the workers of Dask, Ray or Spark without per-row Python objects.
            fn __reduce__<'py>(
                slf: &Bound<'py, Self>,
            ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
                let py = slf.py();
                let inner = slf.get().inner.clone();
                let bytes = py.detach(|| inner.to_bytes()).map_err(CoreError)?;
                Ok((
                    slf.get_type().getattr("_from_state")?,
                    (PyBytes::new(py, &bytes),),
                ))
            }

            /// The object from the bytes written by `__reduce__` (what unpickling calls).
            #[staticmethod]
            fn _from_state(py: Python<'_>, state: &[u8]) -> PyResult<Self> {
                let inner = py.detach(|| $core::from_bytes(state)).map_err(CoreError)?;
                Ok($class::from(inner))
            }
        }
    };
}

/// Relevance judgements: for each query, documents and their relevance labels.
///
/// `Qrels({"q1": {"d1": 2, "d2": 0}, ...})` takes the dict shape of pytrec_eval and ranx;
/// `Qrels.from_trec(path)` reads a TREC qrels file (`query_id iteration doc_id relevance`,
/// gzip allowed, `-` for standard input). Labels may be ints or floats; negative labels mean "in the judgement pool
/// but unjudged", as in trec_eval. Queries without any judgement are dropped (as pytrec_eval
/// does); a document judged twice for a query is an error.
///
/// Immutable and Rust-owned: ids cross from Python once, each query is indexed once, and every
/// evaluation runs without the GIL.
#[pyclass(frozen, module = "rankwise", name = "Qrels")]
pub struct PyQrels {
    pub inner: Arc<Qrels>,
}

pymethods_with_protocol!(
    PyQrels,
    Qrels,
    "`(query_id, doc_id, relevance)`",
    "ids, labels bit for bit",
    to_arrow:
        /// A pyarrow Table `(query_id, doc_id, relevance)`, judgements in input order.
        tables::qrels_to_arrow,
    to_trec:
        /// Write a TREC qrels file (`query_id 0 doc_id label`); gzip when the path ends in `.gz`.
        tables::qrels_to_trec,
    {
        #[new]
        #[pyo3(signature = (qrels, /))]
        fn new(py: Python<'_>, qrels: &Bound<'_, PyAny>) -> PyResult<Self> {
            let mut builder = QrelsBuilder::new();
            fill_from_dict("qrels", qrels, &mut builder)?;
            let inner = py.detach(|| builder.build()).map_err(CoreError)?;
            Ok(PyQrels::from(inner))
        }

        /// Read a TREC qrels file (`query_id iteration doc_id relevance`).
        ///
        /// The file is read once, from its first byte, so pipes, FIFOs, `/dev/stdin`,
        /// `/dev/fd/N` and `<(...)` work; `"-"` reads standard input. gzip is recognised by its
        /// magic bytes (file or pipe). A UTF-8 byte-order mark at the start is dropped. Fields
        /// are split on any whitespace; blank lines and `#` comments are skipped; a malformed
        /// line is a `ParseError` naming the file and line, quoting at most 200 characters of it.
        #[staticmethod]
        fn from_trec(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Self> {
            let path = path_arg(py, "path", path)?;
            // Interruptible, also while a pipe that stays open blocks the read.
            let inner =
                interrupt::run_owned(py, move || trec::read_qrels(&path))?.map_err(CoreError)?;
            Ok(PyQrels::from(inner))
        }

        /// Qrels from a pandas or polars DataFrame or a pyarrow Table with one row per
        /// judgement; `query`, `doc` and `label` name the columns. Read through Arrow buffers.
        #[staticmethod]
        #[pyo3(signature = (frame, /, *, query = "query_id", doc = "doc_id", label = "relevance"))]
        fn from_frame(
            frame: &Bound<'_, PyAny>,
            query: &str,
            doc: &str,
            label: &str,
        ) -> PyResult<Self> {
            let inner = tables::qrels_from_frame(frame, query, doc, label)?;
            Ok(PyQrels::from(inner))
        }

        /// Number of (query, document) judgements.
        #[getter]
        fn num_judgements(&self) -> usize {
            self.inner.len()
        }

        /// `(number of judged documents, number with label >= rel_level)`.
        #[pyo3(signature = (rel_level = None), text_signature = "($self, rel_level=1.0)")]
        fn count_relevant(
            &self,
            py: Python<'_>,
            rel_level: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<(usize, usize)> {
            let rel_level = rel_level.map_or(Ok(1.0), |v| real_arg(py, "rel_level", v))?;
            Ok(self.counts(rel_level))
        }

        /// `{query_id: {doc_id: label}}`; integral labels come back as `int`.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            let q = &self.inner;
            let out = PyDict::new(py);
            for qi in 0..q.num_queries() {
                let docs = PyDict::new(py);
                for i in q.range(qi) {
                    let doc = String::from_utf8_lossy(q.doc(i));
                    let l = q.label(i);
                    if l.fract() == 0.0 && l.abs() < 9.0e15 {
                        #[allow(clippy::cast_possible_truncation)]
                        docs.set_item(doc, l as i64)?;
                    } else {
                        docs.set_item(doc, l)?;
                    }
                }
                out.set_item(q.query_id(qi), docs)?;
            }
            Ok(out)
        }

        fn __repr__(&self) -> String {
            let (n, rel) = self.counts(1.0);
            format!(
                "Qrels({} queries, {} judgements, {} with label >= 1)",
                group(self.inner.num_queries()),
                group(n),
                group(rel)
            )
        }
    }
);

impl PyQrels {
    fn counts(&self, rel_level: f64) -> (usize, usize) {
        (self.inner.len(), self.inner.num_relevant(rel_level))
    }
}

/// `score_precision`: `"float32"` (the default, `None`) or `"float64"`.
fn parse_precision(py: Python<'_>, value: Option<&Bound<'_, PyAny>>) -> PyResult<ScorePrecision> {
    let Some(value) = value else {
        return Ok(ScorePrecision::F32);
    };
    let value = str_arg(py, "score_precision", value)?;
    choose_name(py, &value, "score_precision")
}

/// A retrieval run: for each query, retrieved documents with their scores.
///
/// `Run({"q1": {"d1": 12.5, "d2": 11.0}, ...}, name="bm25")` takes the dict shape of
/// pytrec_eval and ranx; `Run.from_trec(path)` reads a TREC run file (`query_id Q0 doc_id rank
/// score run_name`, gzip allowed, `-` for standard input; the rank column is ignored). Each query is ranked once, as
/// trec_eval 9.0.x ranks it: score descending, equal scores by doc id descending (byte-wise),
/// scores compared in single precision (`score_precision="float32"`, what trec_eval 9.0.x and
/// pytrec_eval do) or double precision (`"float64"`, trec_eval 10.0). NaN scores and a document
/// retrieved twice for a query are errors; a query with no documents is kept and scores 0.
#[pyclass(frozen, module = "rankwise", name = "Run")]
pub struct PyRun {
    pub inner: Arc<Run>,
}

pymethods_with_protocol!(
    PyRun,
    Run,
    "`(query_id, doc_id, score, rank)`, each query in rank order",
    "ids, scores bit for bit, name, score precision",
    to_arrow:
        /// A pyarrow Table `(query_id, doc_id, score, rank)`, each query in rank order.
        tables::run_to_arrow,
    to_trec:
        /// Write a TREC run file (`query_id Q0 doc_id rank score name`) in rank order; gzip when
        /// the path ends in `.gz`.
        tables::run_to_trec,
    {
        #[new]
        #[pyo3(signature = (run, /, *, name = None, score_precision = None), text_signature = "(run, /, *, name=None, score_precision='float32')")]
        fn new(
            py: Python<'_>,
            run: &Bound<'_, PyAny>,
            name: Option<&Bound<'_, PyAny>>,
            score_precision: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            let name = name.map(|n| str_arg(py, "name", n)).transpose()?;
            let mut builder = RunBuilder::new();
            builder.set_name(name);
            builder.set_score_precision(parse_precision(py, score_precision)?);
            // Keys of a dict are unique: no document can appear twice in a query.
            builder.set_unique_docs(true);
            fill_from_dict("run", run, &mut builder)?;
            let inner = py.detach(|| builder.build()).map_err(CoreError)?;
            Ok(PyRun::from(inner))
        }

        /// Read a TREC run file (`query_id Q0 doc_id rank score run_name`). The rank column is
        /// ignored: documents are ranked by score, ties by doc id descending.
        ///
        /// The file is read once, from its first byte, so pipes, FIFOs, `/dev/stdin`,
        /// `/dev/fd/N` and `<(...)` work; `"-"` reads standard input. gzip is recognised by its
        /// magic bytes (file or pipe). A UTF-8 byte-order mark at the start is dropped. A
        /// malformed line is a `ParseError` naming the file and line, quoting at most 200
        /// characters of it. The whole run is held in memory (its parsed columns).
        #[staticmethod]
        #[pyo3(signature = (path, *, score_precision = None), text_signature = "(path, *, score_precision='float32')")]
        fn from_trec(
            py: Python<'_>,
            path: &Bound<'_, PyAny>,
            score_precision: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            let path = path_arg(py, "path", path)?;
            let precision = parse_precision(py, score_precision)?;
            let inner = interrupt::run_owned(py, move || trec::read_run_with(&path, precision))?
                .map_err(CoreError)?;
            Ok(PyRun::from(inner))
        }

        /// A run from a pandas or polars DataFrame or a pyarrow Table with one row per retrieved
        /// document; `query`, `doc` and `score` name the columns. Read through Arrow buffers.
        #[staticmethod]
        #[pyo3(signature = (frame, /, *, query = "query_id", doc = "doc_id", score = "score", name = None, score_precision = None), text_signature = "(frame, /, *, query='query_id', doc='doc_id', score='score', name=None, score_precision='float32')")]
        fn from_frame(
            py: Python<'_>,
            frame: &Bound<'_, PyAny>,
            query: &str,
            doc: &str,
            score: &str,
            name: Option<&Bound<'_, PyAny>>,
            score_precision: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            let name = name.map(|n| str_arg(py, "name", n)).transpose()?;
            let precision = parse_precision(py, score_precision)?;
            let inner = tables::run_from_frame(frame, query, doc, score, name, precision)?;
            Ok(PyRun::from(inner))
        }

        /// Name of the run (`None` if unknown).
        #[getter]
        fn name(&self) -> Option<String> {
            self.inner.name().map(str::to_owned)
        }

        /// Precision at which scores were compared when ranking: `"float32"` (trec_eval 9.0.x,
        /// pytrec_eval) or `"float64"` (trec_eval 10.0).
        #[getter]
        fn score_precision(&self) -> &'static str {
            match self.inner.score_precision() {
                ScorePrecision::F32 => "float32",
                ScorePrecision::F64 => "float64",
            }
        }

        /// Number of (query, document) pairs.
        #[getter]
        fn num_documents(&self) -> usize {
            self.inner.len()
        }

        /// `{query_id: {doc_id: score}}`, each query's documents in rank order.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            let r = &self.inner;
            let out = PyDict::new(py);
            for qi in 0..r.num_queries() {
                let docs = PyDict::new(py);
                for rank in 0..r.range(qi).len() {
                    let i = r.at_rank(qi, rank);
                    docs.set_item(String::from_utf8_lossy(r.doc(i)), r.score(i))?;
                }
                out.set_item(r.query_id(qi), docs)?;
            }
            Ok(out)
        }

        fn __repr__(&self) -> String {
            let name = self
                .inner
                .name()
                .map(|n| format!("{n:?}, "))
                .unwrap_or_default();
            format!(
                "Run({name}{} queries, {} documents)",
                group(self.inner.num_queries()),
                group(self.inner.len())
            )
        }
    }
);

/// Build `Qrels` and `Run` from two dicts at once: the qrels' indexing runs on a background
/// thread while the run dict is read (reading dicts needs the GIL, indexing does not), so
/// the two overlap. Same results as `Qrels(qrels)` and `Run(run)`.
#[pyfunction]
#[pyo3(signature = (qrels, run, *, score_precision = None))]
pub fn qrels_and_run_from_dicts(
    py: Python<'_>,
    qrels: &Bound<'_, PyAny>,
    run: &Bound<'_, PyAny>,
    score_precision: Option<&Bound<'_, PyAny>>,
) -> PyResult<(PyQrels, PyRun)> {
    let precision = parse_precision(py, score_precision)?;
    let mut qb = QrelsBuilder::new();
    fill_from_dict("qrels", qrels, &mut qb)?;
    let mut rb = RunBuilder::new();
    rb.set_score_precision(precision);
    rb.set_unique_docs(true);
    let (q, r) = std::thread::scope(|scope| {
        let pending = scope.spawn(move || qb.build());
        let filled = fill_from_dict("run", run, &mut rb);
        let q = py.detach(|| pending.join());
        (q, filled.map(|()| rb))
    });
    let q = q.map_err(|_| invalid_value(py, "building the qrels failed".to_owned()))?;
    let q = q.map_err(CoreError)?;
    let r = py.detach(|| r.map(RunBuilder::build));
    let r = r?.map_err(CoreError)?;
    Ok((PyQrels::from(q), PyRun::from(r)))
}

/// `1234567` -> `"1,234,567"`.
fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `-` (standard input) can be read once: refuse it for more than one of `judgements` (the
/// qrels or judgement file, named `kind` in the error) and `run_paths`.
fn check_one_stdin(
    py: Python<'_>,
    judgements: &std::path::Path,
    run_paths: &[PathBuf],
    kind: &str,
) -> PyResult<()> {
    let stdin_uses = std::iter::once(judgements)
        .chain(run_paths.iter().map(PathBuf::as_path))
        .filter(|p| trec::parse::is_stdin(p))
        .count();
    if stdin_uses > 1 {
        return Err(invalid_value(
            py,
            format!(
                "`-` (standard input) can stand for one file only; got it {stdin_uses} times \
                 among the {kind} and runs"
            ),
        ));
    }
    Ok(())
}

/// trec_eval's text output for each run file against a qrels file, all in Rust (files read
/// in parallel blocks, evaluation without the GIL, no numpy): what `rankwise eval` prints.
/// Each file is read once; `-` is standard input, for at most one of the files. A run that
/// is a regular file with each query's lines consecutive is streamed (memory holds the
/// qrels and one block); any other run is read whole.
#[pyfunction]
#[pyo3(signature = (qrels_path, run_paths, measures, *, per_query = false, complete = false, rel_level = 1.0, judged_only = false, max_docs = None, summary = true, runid = false, trec_eval = crate::convert::Wrap::default(), ties = crate::convert::Wrap::default(), num_docs_in_coll = 0, zscore_path = None))]
#[allow(clippy::too_many_arguments)]
pub fn trec_eval_output(
    py: Python<'_>,
    qrels_path: PathBuf,
    run_paths: Vec<PathBuf>,
    measures: Vec<String>,
    per_query: bool,
    complete: bool,
    rel_level: f64,
    judged_only: bool,
    max_docs: Option<usize>,
    summary: bool,
    runid: bool,
    trec_eval: crate::convert::Wrap<rankwise_core::metrics::TrecEval>,
    ties: crate::convert::Wrap<rankwise_core::evaluate::TieRule>,
    num_docs_in_coll: i64,
    zscore_path: Option<PathBuf>,
) -> PyResult<String> {
    use rankwise_core::evaluate::{EvalOptions, Missing, evaluate_run_file_with_ties};
    use rankwise_core::metrics::MeasureSet;
    let (mut set, used) =
        MeasureSet::parse_trec_eval_args(&measures, trec_eval.0).map_err(CoreError)?;
    set.use_trec_eval_param_names(&used);
    set.set_num_docs_in_coll(num_docs_in_coll);
    check_one_stdin(py, &qrels_path, &run_paths, "qrels")?;
    let opts = EvalOptions {
        rel_level,
        judged_only,
        max_docs,
        missing: if complete {
            Missing::Zero
        } else {
            Missing::Skip
        },
        ignore_identical_ids: false,
    };
    let output = trec::TrecOutput {
        per_query,
        summary,
        runid,
        complete,
    };
    // Interruptible (Ctrl-C), also while a pipe that stays open blocks the read.
    let text = interrupt::run_owned(py, move || -> Result<String, rankwise_core::RankError> {
        let qrels = trec::read_qrels(&qrels_path)?;
        let zscores = match &zscore_path {
            Some(p) => Some(trec::prefs::read_zscores(p)?),
            None => None,
        };
        if qrels.num_queries() == 0 {
            // trec_eval: "Cannot read qrels file".
            return Err(rankwise_core::RankError::invalid(
                "qrels",
                "a qrels file with at least one judgement",
                format!("{}: no judgements", qrels_path.display()),
            ));
        }
        let mut out = String::new();
        for path in &run_paths {
            // Streamed: memory holds the qrels and a block of the run, not the run.
            let ev = evaluate_run_file_with_ties(&qrels, path, &set, &opts, ties.0)?;
            if ev.run_queries == 0 {
                // trec_eval refuses an empty run file ("Cannot read results file") even
                // under -c, where rankwise would otherwise print zeros.
                return Err(rankwise_core::RankError::invalid(
                    "run",
                    "a run file with at least one line",
                    format!("{}: no results", path.display()),
                ));
            }
            trec::write_trec_eval(
                &mut out,
                &ev.evaluation,
                &set,
                &qrels,
                ev.name.as_deref(),
                &ev.in_run,
                output,
                zscores.as_ref(),
            );
        }
        Ok(out)
    })?;
    Ok(text.map_err(CoreError)?)
}

/// The measures asked for and, per run, its name and evaluation.
type RelInfoEvaluations = (
    rankwise_core::metrics::prefs::RelInfoMeasures,
    Vec<(
        Option<String>,
        rankwise_core::metrics::prefs::RelInfoEvaluation,
    )>,
);

/// Read one run and the preference or judgement-group file at `rel_path` (`-R` format
/// `rel_format`) and evaluate: what `rankwise eval -R FORMAT` and
/// `rankwise.rel_info.evaluate_rel_info` share.
fn rel_info_evaluations(
    rel_path: &std::path::Path,
    rel_format: &str,
    run_paths: &[PathBuf],
    measures: &[String],
    opts: rankwise_core::metrics::prefs::RelInfoOptions,
    zscore_path: Option<&std::path::Path>,
) -> Result<RelInfoEvaluations, rankwise_core::RankError> {
    use rankwise_core::metrics::prefs::{RelInfo, RelInfoMeasures, evaluate_rel_info, run_results};
    use rankwise_core::trec::prefs::RelFormat;
    let format = RelFormat::parse(rel_format)?;
    let set = RelInfoMeasures::parse(measures, format)?;
    let rel = RelInfo::read(rel_path, format)?;
    let zscores = zscore_path
        .map(rankwise_core::trec::prefs::read_zscores)
        .transpose()?;
    let mut out = Vec::new();
    for path in run_paths {
        let run = trec::read_run(path)?;
        let results = run_results(&run);
        let ev = evaluate_rel_info(&rel, &results, &set, &opts, zscores.as_ref())?;
        out.push((run.name().map(str::to_owned), ev));
    }
    Ok((set, out))
}

/// trec_eval's text output for runs against preferences (`-R prefs`, `-R qrels_prefs`) or
/// judgement groups (`-R qrels_jg`): what `rankwise eval -R FORMAT` prints.
#[pyfunction]
#[pyo3(signature = (rel_path, rel_format, run_paths, measures, *, per_query = false, complete = false, rel_level = 1.0, judged_only = false, max_docs = None, summary = true, zscore_path = None))]
#[allow(clippy::too_many_arguments)]
pub fn trec_eval_rel_info_output(
    py: Python<'_>,
    rel_path: PathBuf,
    rel_format: String,
    run_paths: Vec<PathBuf>,
    measures: Vec<String>,
    per_query: bool,
    complete: bool,
    rel_level: f64,
    judged_only: bool,
    max_docs: Option<usize>,
    summary: bool,
    zscore_path: Option<PathBuf>,
) -> PyResult<String> {
    use rankwise_core::metrics::prefs::{RelInfoOptions, write_rel_info_trec};
    check_one_stdin(py, &rel_path, &run_paths, "judgements")?;
    let opts = RelInfoOptions {
        rel_level,
        judged_only,
        max_docs,
        complete,
    };
    let text = interrupt::run_owned(py, move || -> Result<String, rankwise_core::RankError> {
        let (set, evs) = rel_info_evaluations(
            &rel_path,
            &rel_format,
            &run_paths,
            &measures,
            opts,
            zscore_path.as_deref(),
        )?;
        let mut out = String::new();
        for (name, ev) in &evs {
            write_rel_info_trec(
                &mut out,
                ev,
                &set,
                name.as_deref(),
                per_query,
                summary,
                zscore_path.is_some(),
            );
        }
        Ok(out)
    })?;
    Ok(text.map_err(CoreError)?)
}

/// Per-query values and summary of one run against preferences or judgement groups:
/// `(columns, query_ids, values, summary, num_q)`.
#[pyfunction]
#[pyo3(signature = (rel_path, rel_format, run_path, measures, *, complete = false, rel_level = 1.0, judged_only = false, max_docs = None, zscore_path = None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn evaluate_rel_info_files(
    py: Python<'_>,
    rel_path: PathBuf,
    rel_format: String,
    run_path: PathBuf,
    measures: Vec<String>,
    complete: bool,
    rel_level: f64,
    judged_only: bool,
    max_docs: Option<usize>,
    zscore_path: Option<PathBuf>,
) -> PyResult<(Vec<String>, Vec<String>, Vec<Vec<f64>>, Vec<f64>, usize)> {
    use rankwise_core::metrics::prefs::RelInfoOptions;
    let opts = RelInfoOptions {
        rel_level,
        judged_only,
        max_docs,
        complete,
    };
    let result = interrupt::run_owned(py, move || {
        rel_info_evaluations(
            &rel_path,
            &rel_format,
            &[run_path],
            &measures,
            opts,
            zscore_path.as_deref(),
        )
    })?;
    let (_, mut evs) = result.map_err(CoreError)?;
    let (_, ev) = evs.remove(0);
    let columns = ev.columns.into_iter().map(|(n, _)| n).collect();
    Ok((columns, ev.query_ids, ev.values, ev.summary, ev.num_q))
}

/// Refuse the `#` lines of the judgements file and the runs that trec_eval `trec_eval` would
/// not skip, where rankwise's readers skip them (`rankwise eval --trec-eval`; see
/// `rankwise_core::trec::comments`). Standard input is not checked.
#[pyfunction]
#[pyo3(signature = (rel_path, run_paths, *, trec_eval = crate::convert::Wrap::default()))]
pub fn check_comment_lines(
    py: Python<'_>,
    rel_path: PathBuf,
    run_paths: Vec<PathBuf>,
    trec_eval: crate::convert::Wrap<rankwise_core::metrics::TrecEval>,
) -> PyResult<()> {
    use rankwise_core::trec::comments::{self, CommentReader};
    let version = trec_eval.0;
    interrupt::run_owned(py, move || -> Result<(), rankwise_core::RankError> {
        comments::check_comment_lines(&rel_path, CommentReader::Judgements, version)?;
        for path in &run_paths {
            comments::check_comment_lines(path, CommentReader::Results, version)?;
        }
        Ok(())
    })?
    .map_err(|e| CoreError(e).into())
}
