//! Listwise label construction: permutations, aggregation, weights, targets, committees.
//!
//! Arrays arrive flat and C-contiguous (`rankwise.labels` normalises them) and are cut into
//! rows by `offsets` or `shape`; heavy work runs detached from the interpreter.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rankwise_core::labels::aggregate::{self, KemenyStart, Method};
use rankwise_core::labels::borda::BordaNorm;
use rankwise_core::labels::committee::{self, Groups, Rule};
use rankwise_core::labels::copeland::CopelandCount;
use rankwise_core::labels::evidence::{Evidence, PairBatch, WindowBatch};
use rankwise_core::labels::permutation::{self, Ties};
use rankwise_core::labels::plackett_luce::MmOptions;
use rankwise_core::labels::{targets, weights};
use rankwise_core::ragged::Ragged;

use crate::correlation::layout;
use crate::errors::{CoreError, invalid_value};
use crate::evaluate::{parse_choice, slice_of};
use crate::interrupt;

type F64s<'py> = PyReadonlyArray1<'py, f64>;
type I64s<'py> = PyReadonlyArray1<'py, i64>;
type Offsets<'py> = Option<PyReadonlyArray1<'py, i64>>;
type Pair<'py, A, B> = (Bound<'py, PyArray1<A>>, Bound<'py, PyArray1<B>>);

fn rows<'a, T>(
    values: &'a [T],
    offsets: Option<&'a [i64]>,
    shape: Option<(usize, usize)>,
    name: &str,
) -> PyResult<Ragged<'a, T>> {
    let lay = layout(offsets, shape, values.len(), name)?;
    Ok(Ragged::new(values, lay, name).map_err(CoreError)?)
}

/// Order and 0-based ranks of every row (NaN values left out, `-1` in their place).
#[pyfunction]
#[pyo3(signature = (values, *, offsets = None, shape = None, ties = "stable", seed = 0, doc_ids = None, descending = true))]
#[allow(clippy::too_many_arguments)]
pub fn labels_order<'py>(
    py: Python<'py>,
    values: F64s<'py>,
    offsets: Offsets<'py>,
    shape: Option<(usize, usize)>,
    ties: &str,
    seed: u64,
    doc_ids: Option<I64s<'py>>,
    descending: bool,
) -> PyResult<Pair<'py, i64, i64>> {
    let v = slice_of(&values, "values")?;
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let ids = doc_ids
        .as_ref()
        .map(|d| slice_of(d, "doc_ids"))
        .transpose()?;
    let r = rows(v, off, shape, "values")?;
    let rule = match (ties, ids) {
        ("stable", _) => Ties::Stable,
        ("random", _) => Ties::Random(seed),
        ("doc_id", Some(ids)) => Ties::DocId(ids),
        ("doc_id", None) => {
            return Err(invalid_value(
                py,
                "`doc_ids` must be given with ties=\"doc_id\"; got None".to_owned(),
            ));
        }
        (other, _) => {
            return Err(invalid_value(
                py,
                format!("`ties` must be one of \"stable\", \"random\", \"doc_id\"; got {other:?}"),
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
    let p = slice_of(&perm, "permutation")?;
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let r = rows(p, off, shape, "permutation")?;
    let out = py.detach(|| permutation::inverse(&r)).map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

/// Aggregate window orders (`items`, `window_offsets`) or pairs (`winners`, `losers`,
/// `weights`) of the queries cut by `query_offsets` into one ranking per query. Returns a
/// dict of flat arrays (`order`, `scores`, `confidence`, `observed`) and per-query arrays
/// (`iterations`, `converged`, `disagreement`).
#[pyfunction]
#[pyo3(signature = (method, n_items, query_offsets, *, items = None, window_offsets = None, winners = None, losers = None, weights = None, normalize = "none", count = "majority", start = "borda", alpha = 0.0, max_iter = 10000, tol = 1e-8))]
#[allow(clippy::too_many_arguments)]
pub fn labels_aggregate<'py>(
    py: Python<'py>,
    method: &str,
    n_items: I64s<'py>,
    query_offsets: I64s<'py>,
    items: Option<I64s<'py>>,
    window_offsets: Option<I64s<'py>>,
    winners: Option<I64s<'py>>,
    losers: Option<I64s<'py>>,
    weights: Option<F64s<'py>>,
    normalize: &str,
    count: &str,
    start: &str,
    alpha: f64,
    max_iter: usize,
    tol: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = MmOptions {
        alpha,
        max_iter,
        tol,
    };
    let method = match method {
        "borda" => Method::Borda(parse_choice(
            py,
            "normalize",
            normalize,
            &[
                ("none", BordaNorm::None),
                ("window", BordaNorm::Window),
                ("mean", BordaNorm::Mean),
            ],
        )?),
        "copeland" => Method::Copeland(parse_choice(
            py,
            "count",
            count,
            &[
                ("majority", CopelandCount::Majority),
                ("sum", CopelandCount::Sum),
            ],
        )?),
        "plackett_luce" => Method::PlackettLuce(opts),
        "plackett_luce_ilsr" => Method::PlackettLuceIlsr(opts),
        "bradley_terry" => Method::BradleyTerry(opts),
        "kemeny" => Method::Kemeny(parse_choice(
            py,
            "start",
            start,
            &[
                ("borda", KemenyStart::Borda),
                ("copeland", KemenyStart::Copeland),
            ],
        )?),
        "kemeny_exact" => Method::KemenyExact,
        other => {
            return Err(invalid_value(
                py,
                format!(
                    "`method` must be one of \"borda\", \"copeland\", \"plackett_luce\", \
                     \"plackett_luce_ilsr\", \"bradley_terry\", \"kemeny\", \"kemeny_exact\"; \
                     got {other:?}"
                ),
            ));
        }
    };
    let n = slice_of(&n_items, "n_items")?;
    let qo = slice_of(&query_offsets, "query_offsets")?;
    let evidence = match (&items, &window_offsets, &winners, &losers) {
        (Some(i), Some(w), None, None) => Evidence::Windows(
            WindowBatch::new(
                slice_of(i, "windows")?,
                slice_of(w, "window_offsets")?,
                qo,
                n,
            )
            .map_err(CoreError)?,
        ),
        (None, None, Some(a), Some(b)) => Evidence::Pairs(
            PairBatch::new(
                slice_of(a, "pairs")?,
                slice_of(b, "pairs")?,
                weights
                    .as_ref()
                    .map(|w| slice_of(w, "weights"))
                    .transpose()?,
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
    scheme: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let scheme = parse_choice(
        py,
        "scheme",
        scheme,
        &[
            ("fullrank", weights::PositionScheme::Fullrank),
            ("dcg", weights::PositionScheme::Dcg),
        ],
    )?;
    let r = slice_of(&ranks, "ranks")?;
    let out = weights::position_weights(r, scheme).map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

/// FIRST's pair weight 1/(r_i + r_j) of 1-based ranks.
#[pyfunction]
pub fn labels_pair_weights<'py>(
    py: Python<'py>,
    ranks_i: I64s<'py>,
    ranks_j: I64s<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let out = weights::pair_weights(
        slice_of(&ranks_i, "ranks_i")?,
        slice_of(&ranks_j, "ranks_j")?,
    )
    .map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

/// Ease D in [0, 1] of each sample (MacAvaney et al. 2020 heuristics).
#[pyfunction]
#[pyo3(signature = (scores, labels, difficulty, *, offsets = None, shape = None))]
pub fn labels_curriculum_ease<'py>(
    py: Python<'py>,
    scores: F64s<'py>,
    labels: PyReadonlyArray1<'py, bool>,
    difficulty: &str,
    offsets: Offsets<'py>,
    shape: Option<(usize, usize)>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let h = parse_choice(
        py,
        "difficulty",
        difficulty,
        &[
            ("reciprocal_rank", weights::EaseHeuristic::Reciprocal),
            ("normalized_score", weights::EaseHeuristic::NormScore),
        ],
    )?;
    let s = slice_of(&scores, "scores")?;
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let r = rows(s, off, shape, "scores")?;
    let rel = slice_of(&labels, "labels")?;
    let out = py
        .detach(|| weights::curriculum_ease(&r, rel, h))
        .map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

/// Curriculum weights D + (i/m)(1 - D) at step i < m, 1 afterwards.
#[pyfunction]
pub fn labels_curriculum_weights<'py>(
    py: Python<'py>,
    ease: F64s<'py>,
    step: u64,
    total_steps: u64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let out = weights::curriculum_weights(slice_of(&ease, "ease")?, step, total_steps)
        .map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
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
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let v = slice_of(&scores, "scores")?;
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let r = rows(v, off, shape, "scores")?;
    let out = py
        .detach(|| targets::soft_labels(&r, temperature))
        .map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

/// Margin-MSE targets: positive minus negative teacher score.
#[pyfunction]
pub fn labels_margin_targets<'py>(
    py: Python<'py>,
    positive_scores: F64s<'py>,
    negative_scores: F64s<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let out = targets::margin_targets(
        slice_of(&positive_scores, "positive_scores")?,
        slice_of(&negative_scores, "negative_scores")?,
    )
    .map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
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
    let s = slice_of(&scores, "scores")?;
    let l = slice_of(&labels, "labels")?;
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let r = rows(s, off, shape, "scores")?;
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
    let o = slice_of(&order, "order")?;
    let off = offsets
        .as_ref()
        .map(|o| slice_of(o, "offsets"))
        .transpose()?;
    let r = rows(o, off, shape, "order")?;
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
    rule: &str,
    approval_top: usize,
    groups: Option<I64s<'py>>,
    lower: Option<I64s<'py>>,
    upper: Option<I64s<'py>>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, f64)> {
    let rule = match rule {
        "k_borda" => Rule::KBorda,
        "chamberlin_courant" => Rule::ChamberlinCourant,
        "pav" => Rule::Pav { approval_top },
        other => {
            return Err(invalid_value(
                py,
                format!(
                    "`rule` must be one of \"k_borda\", \"chamberlin_courant\", \"pav\"; got {other:?}"
                ),
            ));
        }
    };
    let r = slice_of(&rankings, "rankings")?;
    let g = match (&groups, &lower, &upper) {
        (Some(g), Some(l), Some(u)) => Some(Groups {
            group: slice_of(g, "groups")?,
            lower: slice_of(l, "lower")?,
            upper: slice_of(u, "upper")?,
        }),
        _ => None,
    };
    let c = py
        .detach(|| committee::select(r, n, k, rule, g))
        .map_err(CoreError)?;
    Ok((PyArray1::from_vec(py, c.members), c.score))
}
