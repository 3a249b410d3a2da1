//! Listwise label construction: permutations, aggregation, weights, targets, committees.
//!
//! Arrays arrive flat (`rankwise.labels` normalises them) and are cut into
//! rows by `offsets` or `shape`; heavy work runs detached from the interpreter.

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rankwise_core::labels::active;
use rankwise_core::labels::aggregate::{self, KemenyStart, Method, MethodKind};
use rankwise_core::labels::borda::BordaNorm;
use rankwise_core::labels::committee::{self, Groups, Rule, RuleKind};
use rankwise_core::labels::copeland::CopelandCount;
use rankwise_core::labels::evidence::{Evidence, PairBatch, WindowBatch};
use rankwise_core::labels::permutation::{self, TieBreak, Ties};
use rankwise_core::labels::plackett_luce::MmOptions;
use rankwise_core::labels::weights::{EaseHeuristic, PositionScheme};
use rankwise_core::labels::{targets, weights};

use crate::convert::{Array, F64Out, Wrap, rows, slice_opt, vector};
use crate::errors::{CoreError, invalid_value};
use crate::interrupt;

type F64s<'py> = Array<'py, f64>;
type I64s<'py> = Array<'py, i64>;
type Offsets<'py> = Option<Array<'py, i64>>;
type I64Out<'py> = Bound<'py, PyArray1<i64>>;
type Pair<'py, A, B> = (Bound<'py, PyArray1<A>>, Bound<'py, PyArray1<B>>);

/// Order and 0-based ranks of every row (NaN values left out, `-1` in their place).
#[pyfunction]
#[pyo3(signature = (values, *, offsets = None, shape = None, ties = Wrap(TieBreak::Stable), seed = 0, doc_ids = None, descending = true))]
#[allow(clippy::too_many_arguments)]
pub fn labels_order<'py>(
    py: Python<'py>,
    values: F64s<'py>,
    offsets: Offsets<'py>,
    shape: Option<(usize, usize)>,
    ties: Wrap<TieBreak>,
    seed: u64,
    doc_ids: Option<I64s<'py>>,
    descending: bool,
) -> PyResult<Pair<'py, i64, i64>> {
    let ids = slice_opt(&doc_ids, "doc_ids")?;
    let r = rows(&values, &offsets, shape, "values")?;
    let rule = match (ties.0, ids) {
        (TieBreak::Stable, _) => Ties::Stable,
        (TieBreak::Random, _) => Ties::Random(seed),
        (TieBreak::DocId, Some(ids)) => Ties::DocId(ids),
        (TieBreak::DocId, None) => {
            return Err(invalid_value(
                py,
                "`doc_ids` must be given with ties=\"doc_id\"; got None".to_owned(),
            ));
        }
    };
    let out = py
        .detach(|| permutation::order(&r, rule, descending))
        .map_err(CoreError)?;
    Ok((
        PyArray1::from_vec(py, out.order),
        PyArray1::from_vec(py, out.ranks),
    ))
}

/// Inverse of every row of a batch of permutations (`-1` padding allowed at the end).
#[pyfunction]
#[pyo3(signature = (perm, *, offsets = None, shape = None))]
pub fn labels_inverse<'py>(
    py: Python<'py>,
    perm: I64s<'py>,
    offsets: Offsets<'py>,
    shape: Option<(usize, usize)>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let r = rows(&perm, &offsets, shape, "permutation")?;
    vector(py, py.detach(|| permutation::inverse(&r)))
}

/// Aggregate window orders (`items`, `window_offsets`) or pairs (`winners`, `losers`,
/// `weights`) of the queries cut by `query_offsets` into one ranking per query. Returns a
/// dict of flat arrays (`order`, `scores`, `confidence`, `observed`) and per-query arrays
/// (`iterations`, `converged`, `disagreement`).
#[pyfunction]
#[pyo3(signature = (method, n_items, query_offsets, *, items = None, window_offsets = None, winners = None, losers = None, weights = None, normalize = Wrap::default(), count = Wrap::default(), start = Wrap::default(), alpha = 0.0, max_iter = 10000, tol = 1e-8))]
#[allow(clippy::too_many_arguments)]
pub fn labels_aggregate<'py>(
    py: Python<'py>,
    method: Wrap<MethodKind>,
    n_items: I64s<'py>,
    query_offsets: I64s<'py>,
    items: Option<I64s<'py>>,
    window_offsets: Option<I64s<'py>>,
    winners: Option<I64s<'py>>,
    losers: Option<I64s<'py>>,
    weights: Option<F64s<'py>>,
    normalize: Wrap<BordaNorm>,
    count: Wrap<CopelandCount>,
    start: Wrap<KemenyStart>,
    alpha: f64,
    max_iter: usize,
    tol: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = MmOptions {
        alpha,
        max_iter,
        tol,
    };
    let method = match method.0 {
        MethodKind::Borda => Method::Borda(normalize.0),
        MethodKind::Copeland => Method::Copeland(count.0),
        MethodKind::PlackettLuce => Method::PlackettLuce(opts),
        MethodKind::PlackettLuceIlsr => Method::PlackettLuceIlsr(opts),
        MethodKind::BradleyTerry => Method::BradleyTerry(opts),
        MethodKind::Kemeny => Method::Kemeny(start.0),
        MethodKind::KemenyExact => Method::KemenyExact,
    };
    let n = n_items.slice("n_items")?;
    let qo = query_offsets.slice("query_offsets")?;
    let evidence = match (&items, &window_offsets, &winners, &losers) {
        (Some(i), Some(w), None, None) => Evidence::Windows(
            WindowBatch::new(i.slice("windows")?, w.slice("window_offsets")?, qo, n)
                .map_err(CoreError)?,
        ),
        (None, None, Some(a), Some(b)) => Evidence::Pairs(
            PairBatch::new(
                a.slice("pairs")?,
                b.slice("pairs")?,
                slice_opt(&weights, "weights")?,
                qo,
                n,
            )
            .map_err(CoreError)?,
        ),
        _ => {
            return Err(invalid_value(
                py,
                "give either windows (items, window_offsets) or pairs (winners, losers)".to_owned(),
            ));
        }
    };
    let out =
        interrupt::run(py, || aggregate::aggregate(&evidence, &method))?.map_err(CoreError)?;
    let d = PyDict::new(py);
    d.set_item("order", PyArray1::from_vec(py, out.order))?;
    d.set_item("scores", PyArray1::from_vec(py, out.scores))?;
    d.set_item("confidence", PyArray1::from_vec(py, out.confidence))?;
    d.set_item("observed", PyArray1::from_vec(py, out.observed))?;
    d.set_item("iterations", PyArray1::from_vec(py, out.iterations))?;
    d.set_item("converged", PyArray1::from_vec(py, out.converged))?;
    d.set_item("disagreement", PyArray1::from_vec(py, out.disagreement))?;
    Ok(d)
}

/// Importance weight of each 1-based rank (`"fullrank"`: 1 + 1/log2(r+1), `"dcg"`:
/// 1/log2(r+1)).
#[pyfunction]
pub fn labels_position_weights<'py>(
    py: Python<'py>,
    ranks: I64s<'py>,
    scheme: Wrap<PositionScheme>,
) -> F64Out<'py> {
    vector(
        py,
        weights::position_weights(ranks.slice("ranks")?, scheme.0),
    )
}

/// FIRST's pair weight 1/(r_i + r_j) of 1-based ranks.
#[pyfunction]
pub fn labels_pair_weights<'py>(
    py: Python<'py>,
    ranks_i: I64s<'py>,
    ranks_j: I64s<'py>,
) -> F64Out<'py> {
    vector(
        py,
        weights::pair_weights(ranks_i.slice("ranks_i")?, ranks_j.slice("ranks_j")?),
    )
}

/// Ease D in [0, 1] of each sample (MacAvaney et al. 2020 heuristics).
#[pyfunction]
#[pyo3(signature = (scores, labels, difficulty, *, offsets = None, shape = None))]
pub fn labels_curriculum_ease<'py>(
    py: Python<'py>,
    scores: F64s<'py>,
    labels: Array<'py, bool>,
    difficulty: Wrap<EaseHeuristic>,
    offsets: Offsets<'py>,
    shape: Option<(usize, usize)>,
) -> F64Out<'py> {
    let r = rows(&scores, &offsets, shape, "scores")?;
    let rel = labels.slice("labels")?;
    vector(
        py,
        py.detach(|| weights::curriculum_ease(&r, rel, difficulty.0)),
    )
}

/// Curriculum weights D + (i/m)(1 - D) at step i < m, 1 afterwards.
#[pyfunction]
pub fn labels_curriculum_weights<'py>(
    py: Python<'py>,
    ease: F64s<'py>,
    step: u64,
    total_steps: u64,
) -> F64Out<'py> {
    vector(
        py,
        weights::curriculum_weights(ease.slice("ease")?, step, total_steps),
    )
}

/// Row-wise softmax(values / temperature), NaN entries 0.
#[pyfunction]
#[pyo3(signature = (scores, temperature, *, offsets = None, shape = None))]
pub fn labels_soft_labels<'py>(
    py: Python<'py>,
    scores: F64s<'py>,
    temperature: f64,
    offsets: Offsets<'py>,
    shape: Option<(usize, usize)>,
) -> F64Out<'py> {
    let r = rows(&scores, &offsets, shape, "scores")?;
    vector(py, py.detach(|| targets::soft_labels(&r, temperature)))
}

/// Margin-MSE targets: positive minus negative teacher score.
#[pyfunction]
pub fn labels_margin_targets<'py>(
    py: Python<'py>,
    positive_scores: F64s<'py>,
    negative_scores: F64s<'py>,
) -> F64Out<'py> {
    vector(
        py,
        targets::margin_targets(
            positive_scores.slice("positive_scores")?,
            negative_scores.slice("negative_scores")?,
        ),
    )
}

/// Hard negatives per query: `(positions (Q*k), margins (Q*k))`, padded with -1 / NaN.
#[pyfunction]
#[pyo3(signature = (scores, labels, k, *, margin = 0.0, relative = None, offsets = None, shape = None))]
#[allow(clippy::too_many_arguments)]
pub fn labels_hard_negatives<'py>(
    py: Python<'py>,
    scores: F64s<'py>,
    labels: F64s<'py>,
    k: usize,
    margin: f64,
    relative: Option<f64>,
    offsets: Offsets<'py>,
    shape: Option<(usize, usize)>,
) -> PyResult<Pair<'py, i64, f64>> {
    let l = labels.slice("labels")?;
    let r = rows(&scores, &offsets, shape, "scores")?;
    let (i, g) = py
        .detach(|| targets::hard_negatives(&r, l, k, margin, relative))
        .map_err(CoreError)?;
    Ok((PyArray1::from_vec(py, i), PyArray1::from_vec(py, g)))
}

/// `"[3] > [1] > [2]"` per row of 0-based prompt positions.
#[pyfunction]
#[pyo3(signature = (order, *, offsets = None, shape = None))]
pub fn labels_ranking_text(
    order: I64s<'_>,
    offsets: Offsets<'_>,
    shape: Option<(usize, usize)>,
) -> PyResult<Vec<String>> {
    let r = rows(&order, &offsets, shape, "order")?;
    Ok(targets::ranking_text(&r).map_err(CoreError)?)
}

/// Greedy committee of `k` candidates from `rankings` (flat `V x n`).
#[pyfunction]
#[pyo3(signature = (rankings, n, k, rule, *, approval_top = 1, groups = None, lower = None, upper = None))]
#[allow(clippy::too_many_arguments)]
pub fn labels_committee<'py>(
    py: Python<'py>,
    rankings: I64s<'py>,
    n: usize,
    k: usize,
    rule: Wrap<RuleKind>,
    approval_top: usize,
    groups: Option<I64s<'py>>,
    lower: Option<I64s<'py>>,
    upper: Option<I64s<'py>>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, f64)> {
    let rule = match rule.0 {
        RuleKind::KBorda => Rule::KBorda,
        RuleKind::ChamberlinCourant => Rule::ChamberlinCourant,
        RuleKind::Pav => Rule::Pav { approval_top },
    };
    let r = rankings.slice("rankings")?;
    let g = match (&groups, &lower, &upper) {
        (Some(g), Some(l), Some(u)) => Some(Groups {
            group: g.slice("groups")?,
            lower: l.slice("lower")?,
            upper: u.slice("upper")?,
        }),
        _ => None,
    };
    let c = py
        .detach(|| committee::select(r, n, k, rule, g))
        .map_err(CoreError)?;
    Ok((PyArray1::from_vec(py, c.members), c.score))
}

/// The next teacher windows of active label construction: for each query, windows of
/// consecutive positions of its current `order` around the adjacent pairs whose `confidence`
/// is below the requested one (flat items, window offsets, query offsets).
#[pyfunction]
#[pyo3(signature = (order, confidence, offsets, budgets, *, window, threshold, per_round, seed = 0, round = 0))]
#[allow(clippy::too_many_arguments)]
pub fn labels_active_windows<'py>(
    py: Python<'py>,
    order: I64s<'py>,
    confidence: F64s<'py>,
    offsets: I64s<'py>,
    budgets: I64s<'py>,
    window: usize,
    threshold: f64,
    per_round: usize,
    seed: u64,
    round: u64,
) -> PyResult<(I64Out<'py>, I64Out<'py>, I64Out<'py>)> {
    let to_usize = |name: &str, v: &[i64]| -> PyResult<Vec<usize>> {
        v.iter()
            .map(|&x| usize::try_from(x))
            .collect::<Result<_, _>>()
            .map_err(|_| invalid_value(py, format!("`{name}` must be non-negative")))
    };
    let off = to_usize("offsets", offsets.slice("offsets")?)?;
    let bud = to_usize("budgets", budgets.slice("budgets")?)?;
    let opts = active::ActiveOptions {
        window,
        confidence: threshold,
        per_round,
        seed,
        round,
    };
    let (o, c) = (order.slice("order")?, confidence.slice("confidence")?);
    let (items, wo, qo) = py
        .detach(|| active::next_windows(o, c, &off, &bud, &opts))
        .map_err(CoreError)?;
    let as_i64 = |v: Vec<usize>| v.into_iter().map(|x| x as i64).collect::<Vec<i64>>();
    Ok((
        PyArray1::from_vec(py, items),
        PyArray1::from_vec(py, as_i64(wo)),
        PyArray1::from_vec(py, as_i64(qo)),
    ))
}
