//! The reranking engine (`rankwise.rerank`): strategies, the states of a batch of queries,
//! and reading listwise rankers' answers.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyString};
use rankwise_core::rerank::{
    AcuRankConfig, Answer, BlockDesign, Combine, Direction, GroupwiseConfig, IdStyle,
    JointRankConfig, PairwiseConfig, PairwiseMethod, ParseOptions, Reading, SetwiseConfig,
    SetwiseMethod, Strategy, StrategyConfig, TaskKind, TopDownConfig, TournamentConfig,
    WindowConfig, WindowSemantics, parse_many, parse_permutation as parse,
};

use crate::convert::{Wrap, choose_name};
use crate::errors::{CoreError, invalid_value, type_error};

fn parse_options(
    py: Python<'_>,
    ids: IdStyle,
    first_id: u64,
    duplicates: &str,
    out_of_range: &str,
    missing: &str,
) -> PyResult<ParseOptions> {
    Ok(ParseOptions {
        style: ids,
        first_id,
        duplicates: choose_name(py, duplicates, "duplicates")?,
        out_of_range: choose_name(py, out_of_range, "out_of_range")?,
        missing: choose_name(py, missing, "missing")?,
    })
}

/// A reranking strategy with its configuration (built by the classes of
/// `rankwise.rerank.strategies`): plans runs and starts the states of a batch of queries.
#[pyclass(module = "rankwise.rerank", name = "StrategySpec", frozen)]
pub struct PyStrategySpec {
    config: StrategyConfig,
}

fn spec(config: StrategyConfig) -> PyResult<PyStrategySpec> {
    config.validate().map_err(CoreError)?;
    Ok(PyStrategySpec { config })
}

#[pymethods]
impl PyStrategySpec {
    #[staticmethod]
    #[pyo3(signature = (*, window, step, passes, compat, direction, top_k))]
    fn sliding_window(
        window: usize,
        step: usize,
        passes: usize,
        compat: Wrap<WindowSemantics>,
        direction: Wrap<Direction>,
        top_k: Option<usize>,
    ) -> PyResult<Self> {
        spec(StrategyConfig::SlidingWindow(WindowConfig {
            window,
            step,
            passes,
            semantics: compat.0,
            direction: direction.0,
            top_k,
        }))
    }

    #[staticmethod]
    fn full_list() -> PyResult<Self> {
        spec(StrategyConfig::FullList)
    }

    #[staticmethod]
    fn pointwise() -> PyResult<Self> {
        spec(StrategyConfig::Pointwise)
    }

    #[staticmethod]
    #[pyo3(signature = (*, children, method, top_k))]
    fn setwise(children: usize, method: Wrap<SetwiseMethod>, top_k: usize) -> PyResult<Self> {
        spec(StrategyConfig::Setwise(SetwiseConfig {
            children,
            method: method.0,
            top_k,
        }))
    }

    #[staticmethod]
    #[pyo3(signature = (*, method, top_k, passes, both_orders))]
    fn pairwise(
        method: Wrap<PairwiseMethod>,
        top_k: usize,
        passes: usize,
        both_orders: bool,
    ) -> PyResult<Self> {
        spec(StrategyConfig::Pairwise(PairwiseConfig {
            method: method.0,
            top_k,
            passes,
            both_orders,
        }))
    }

    #[staticmethod]
    #[pyo3(signature = (*, stages, tournaments, seed))]
    fn tournament(stages: Vec<(usize, usize)>, tournaments: usize, seed: u64) -> PyResult<Self> {
        spec(StrategyConfig::Tournament(TournamentConfig {
            stages,
            tournaments,
            seed,
        }))
    }

    #[staticmethod]
    #[pyo3(signature = (*, window, top_k, buffer, parallel))]
    fn top_down(window: usize, top_k: usize, buffer: usize, parallel: bool) -> PyResult<Self> {
        spec(StrategyConfig::TopDown(TopDownConfig {
            window,
            top_k,
            buffer,
            parallel,
        }))
    }

    #[staticmethod]
    #[pyo3(signature = (*, group_size, overlap, rounds))]
    fn groupwise(group_size: usize, overlap: usize, rounds: usize) -> PyResult<Self> {
        spec(StrategyConfig::Groupwise(GroupwiseConfig {
            group_size,
            overlap,
            rounds,
        }))
    }

    #[staticmethod]
    #[pyo3(signature = (*, block_size, replication, design, aggregation, seed))]
    fn joint_rank(
        block_size: usize,
        replication: usize,
        design: Wrap<BlockDesign>,
        aggregation: Wrap<Combine>,
        seed: u64,
    ) -> PyResult<Self> {
        spec(StrategyConfig::JointRank(JointRankConfig {
            block_size,
            replication,
            design: design.0,
            aggregation: aggregation.0,
            seed,
        }))
    }

    #[staticmethod]
    #[pyo3(signature = (*, window, top_k, tol, min_uncertain, max_calls))]
    fn acurank(
        window: usize,
        top_k: usize,
        tol: f64,
        min_uncertain: usize,
        max_calls: usize,
    ) -> PyResult<Self> {
        spec(StrategyConfig::AcuRank(AcuRankConfig {
            window,
            top_k,
            tol,
            min_uncertain,
            max_calls,
        }))
    }

    /// This strategy with each rank call asked in `permutations` orders (the first as the
    /// strategy shows it, the others shuffled with `seed`), the answers aggregated.
    #[pyo3(signature = (*, permutations, aggregation, seed))]
    fn self_consistent(
        &self,
        permutations: usize,
        aggregation: Wrap<Combine>,
        seed: u64,
    ) -> PyResult<Self> {
        spec(StrategyConfig::SelfConsistent {
            inner: Box::new(self.config.clone()),
            permutations,
            aggregation: aggregation.0,
            seed,
        })
    }

    /// `(calls_min, calls_max, depth_min, depth_max)` for `n` candidates (closed forms, no
    /// memory; an error when a count exceeds 64 bits).
    fn plan(&self, n: usize) -> PyResult<(usize, usize, usize, usize)> {
        let p = self.config.plan(n).map_err(CoreError)?;
        Ok((p.calls_min, p.calls_max, p.depth_min, p.depth_max))
    }

    /// Start one state per query, for `sizes[q]` candidates each; text answers to rank tasks
    /// are read with the given policy (see `parse_permutation`).
    #[pyo3(signature = (sizes, *, ids = Wrap::default(), first_id = 1, duplicates = "repair", out_of_range = "repair", missing = "repair"))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        py: Python<'_>,
        sizes: Vec<usize>,
        ids: Wrap<IdStyle>,
        first_id: u64,
        duplicates: &str,
        out_of_range: &str,
        missing: &str,
    ) -> PyResult<PyRerankStates> {
        let opts = parse_options(py, ids.0, first_id, duplicates, out_of_range, missing)?;
        let states = sizes
            .iter()
            .map(|&n| self.config.start(n))
            .collect::<Result<Vec<_>, _>>()
            .map_err(CoreError)?;
        Ok(PyRerankStates { states, opts })
    }

    fn __repr__(&self) -> String {
        format!("StrategySpec({:?})", self.config)
    }
}

/// The reranking states of a batch of queries: hands out every ready model call across the
/// queries and takes the answers.
#[pyclass(module = "rankwise.rerank", name = "RerankStates")]
pub struct PyRerankStates {
    states: Vec<Box<dyn Strategy>>,
    opts: ParseOptions,
}

/// A Python answer, read as the task's kind expects.
fn to_answer(value: &Bound<'_, PyAny>, kind: TaskKind) -> PyResult<Answer> {
    // An integer (Python or numpy scalar), not a float, a bool or an array.
    let is_index = |v: &Bound<'_, PyAny>| {
        !v.is_instance_of::<PyFloat>()
            && !v.is_instance_of::<PyBool>()
            && v.hasattr("__index__").unwrap_or(false)
            && !v.hasattr("__len__").unwrap_or(true)
    };
    Ok(match kind {
        TaskKind::Rank => match value.cast::<PyString>() {
            Ok(text) => Answer::Text(text.to_cow()?.into_owned()),
            Err(_) => Answer::Order(value.extract()?),
        },
        TaskKind::Compare | TaskKind::Score => Answer::Value(value.extract()?),
        TaskKind::ScoreGroup => Answer::Values(value.extract()?),
        TaskKind::Select => {
            if is_index(value) {
                Answer::Choice(vec![value.extract()?])
            } else {
                let items: Vec<Bound<'_, PyAny>> = value.extract()?;
                if !items.is_empty() && items.iter().all(is_index) {
                    Answer::Choice(items.iter().map(|v| v.extract()).collect::<PyResult<_>>()?)
                } else {
                    Answer::Values(items.iter().map(|v| v.extract()).collect::<PyResult<_>>()?)
                }
            }
        }
    })
}

impl PyRerankStates {
    fn query(&self, py: Python<'_>, q: usize) -> PyResult<&dyn Strategy> {
        self.states.get(q).map(AsRef::as_ref).ok_or_else(|| {
            invalid_value(
                py,
                format!("`query` must be in 0..{}; got {q}", self.states.len()),
            )
        })
    }
}

#[pymethods]
impl PyRerankStates {
    /// Every call that can be made now and was not handed out before, across the queries:
    /// `(query, task_id, kind, candidates, count)`.
    #[allow(clippy::type_complexity)]
    fn ready(&mut self) -> Vec<(usize, u64, &'static str, Vec<usize>, usize)> {
        let mut out = Vec::new();
        for (q, state) in self.states.iter_mut().enumerate() {
            for t in state.ready() {
                out.push((q, t.id, t.kind.name(), t.candidates, t.count));
            }
        }
        out
    }

    /// Answer task `task_id` of query `query`: a permutation or the model's text (rank), a
    /// probability (compare), an index, indices or a weight per candidate (select), a score
    /// per candidate (score_group), a number (score).
    fn answer(
        &mut self,
        py: Python<'_>,
        query: usize,
        task_id: u64,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let kind = self
            .query(py, query)?
            .book()
            .task(task_id)
            .map_err(CoreError)?
            .kind;
        let answer = to_answer(value, kind).map_err(|e| {
            type_error(
                py,
                format!(
                    "the answer to a {} task must be {}; got {} ({e})",
                    kind.name(),
                    expected(kind),
                    value
                        .get_type()
                        .name()
                        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
                ),
            )
        })?;
        let opts = self.opts;
        self.states[query]
            .answer(task_id, answer, &opts)
            .map_err(CoreError)?;
        Ok(())
    }

    /// Answer a batch of tasks: `values[i]` answers task `task_ids[i]` of query `queries[i]`.
    /// Stops at the first answer that does not fit and returns `(i, exception)` for it (the
    /// answers before it are taken); `None` when all are taken.
    fn answer_many(
        &mut self,
        py: Python<'_>,
        queries: Vec<usize>,
        task_ids: Vec<u64>,
        values: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<Option<(usize, Py<pyo3::exceptions::PyBaseException>)>> {
        if queries.len() != task_ids.len() || queries.len() != values.len() {
            return Err(invalid_value(
                py,
                format!(
                    "`queries`, `task_ids` and `values` must have one entry per answer; got {}, \
                     {} and {}",
                    queries.len(),
                    task_ids.len(),
                    values.len()
                ),
            ));
        }
        for (i, ((&q, &id), value)) in queries.iter().zip(&task_ids).zip(&values).enumerate() {
            if let Err(e) = self.answer(py, q, id, value) {
                return Ok(Some((i, e.into_value(py))));
            }
        }
        Ok(None)
    }

    /// Whether every query is done.
    #[getter]
    fn done(&self) -> bool {
        self.states.iter().all(|s| s.done())
    }

    /// Queries done so far.
    #[getter]
    fn finished(&self) -> usize {
        self.states.iter().filter(|s| s.done()).count()
    }

    /// Whether each query is done.
    fn finished_mask(&self) -> Vec<bool> {
        self.states.iter().map(|s| s.done()).collect()
    }

    fn __len__(&self) -> usize {
        self.states.len()
    }

    /// Each query's order: candidate indices, best first (final once done).
    fn results(&self) -> Vec<Vec<usize>> {
        self.states.iter().map(|s| s.result()).collect()
    }

    /// Calls answered per query.
    fn calls(&self) -> Vec<usize> {
        self.states.iter().map(|s| s.book().calls()).collect()
    }

    /// Rounds of calls per query (the critical path reached).
    fn rounds(&self) -> Vec<usize> {
        self.states.iter().map(|s| s.book().rounds()).collect()
    }

    /// Text answers that needed repairs: `(query, task_id, duplicates, out_of_range, missing)`.
    #[allow(clippy::type_complexity)]
    fn repairs(&self) -> Vec<(usize, u64, Vec<usize>, Vec<String>, Vec<usize>)> {
        let mut out = Vec::new();
        for (q, state) in self.states.iter().enumerate() {
            for r in state.book().repairs() {
                let p = &r.parsed;
                out.push((
                    q,
                    r.task_id,
                    p.duplicates.clone(),
                    p.out_of_range.clone(),
                    p.missing.clone(),
                ));
            }
        }
        out
    }

    fn __repr__(&self) -> String {
        format!(
            "RerankStates({} queries, {} done, {} calls answered)",
            self.states.len(),
            self.finished(),
            self.states.iter().map(|s| s.book().calls()).sum::<usize>()
        )
    }
}

fn expected(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::Rank => "a permutation (sequence of int) or the model's text (str)",
        TaskKind::Compare => "a probability (float)",
        TaskKind::Select => "an index, indices or a weight per candidate",
        TaskKind::ScoreGroup => "a score per candidate (sequence of float)",
        TaskKind::Score => "a score (float)",
    }
}

/// The order a listwise ranker gave to `n` candidates, read from its raw answer: returns
/// `(order, duplicates, out_of_range, missing)` (see `rankwise.rerank.parse_permutation`).
#[pyfunction]
#[pyo3(signature = (text, n, *, ids = Wrap::default(), first_id = 1, duplicates = "repair", out_of_range = "repair", missing = "repair"))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn parse_permutation(
    py: Python<'_>,
    text: &str,
    n: usize,
    ids: Wrap<IdStyle>,
    first_id: u64,
    duplicates: &str,
    out_of_range: &str,
    missing: &str,
) -> PyResult<(Vec<usize>, Vec<usize>, Vec<String>, Vec<usize>)> {
    let opts = parse_options(py, ids.0, first_id, duplicates, out_of_range, missing)?;
    // The answer is Python lists of up to `n` ints (a pointer and an int object each) built
    // from the core's `seen`, `order` and `missing`: PyO3 panics where a list cannot be made,
    // so the whole budget is asked for first.
    const BYTES_PER_CANDIDATE: u128 = 1 + 8 + 8 + 8 + 32;
    rankwise_core::memory::ensure("n", n, n as u128 * BYTES_PER_CANDIDATE).map_err(CoreError)?;
    let p = parse(text, n, &opts).map_err(CoreError)?;
    Ok((p.order, p.duplicates, p.out_of_range, p.missing))
}

/// Parse many listwise answers at once (in parallel, GIL released): answer `i` orders
/// `sizes[i]` candidates. Returns the flat orders (each answer's permutation, concatenated;
/// refused answers contribute the identity) and a status per answer: 0 clean, 1 repaired,
/// 2 refused by the policy.
#[pyfunction]
#[pyo3(signature = (texts, sizes, *, ids = Wrap::default(), first_id = 1, duplicates = "repair", out_of_range = "repair", missing = "repair"))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub fn parse_permutations<'py>(
    py: Python<'py>,
    texts: Vec<String>,
    sizes: Vec<usize>,
    ids: Wrap<IdStyle>,
    first_id: u64,
    duplicates: &str,
    out_of_range: &str,
    missing: &str,
) -> PyResult<(Bound<'py, PyArray1<i64>>, Vec<u8>)> {
    let opts = parse_options(py, ids.0, first_id, duplicates, out_of_range, missing)?;
    let readings = py
        .detach(|| {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            parse_many(&refs, &sizes, &opts)
        })
        .map_err(CoreError)?;
    let mut orders: Vec<i64> = Vec::with_capacity(sizes.iter().sum());
    let mut status = Vec::with_capacity(readings.len());
    let wide = |i: usize| i64::try_from(i).unwrap_or(i64::MAX);
    for (reading, &n) in readings.into_iter().zip(&sizes) {
        let (order, code): (Box<dyn Iterator<Item = usize>>, u8) = match reading {
            Reading::Clean(order) => (Box::new(order.into_iter()), 0),
            Reading::Repaired(order) => (Box::new(order.into_iter()), 1),
            Reading::Refused => (Box::new(0..n), 2),
        };
        orders.extend(order.map(wide));
        status.push(code);
    }
    Ok((orders.into_pyarray(py), status))
}
