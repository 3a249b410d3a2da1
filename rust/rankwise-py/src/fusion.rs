//! Run fusion (`rankwise.fuse`), its training estimates and the parallel scoring of the
//! configurations `rankwise.optimize_fusion` searches.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rankwise_core::compare::fusion::{self, Method, MethodKind, Normalization, optimize, train};
use rankwise_core::evaluate::EvalOptions;
use rankwise_core::metrics::MeasureSet;
use rankwise_core::trec::Run;

use crate::convert::Wrap;
use crate::errors::{CoreError, invalid_value};
use crate::interrupt;
use crate::trec::{PyQrels, PyRun};

/// `Params` and its `from_dict`, from one list of the parameters and their types.
macro_rules! params {
    ($($field:ident: $ty:ty),+ $(,)?) => {
        /// The parameters of a method, each optional until the method needs it (ranx's names).
        #[derive(Default, Clone)]
        struct Params {
            $($field: Option<$ty>,)+
        }

        impl Params {
            /// The parameters in `d`: the keyword arguments of `fuse` or a candidate of
            /// `fusion_score_candidates`, each missing or `None` when not given.
            fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<Self> {
                Ok(Params {
                    $($field: d
                        .get_item(stringify!($field))?
                        .map(|v| v.extract::<Option<$ty>>())
                        .transpose()?
                        .flatten(),)+
                })
            }
        }
    };
}

params! {
    k: f64,
    weights: Vec<f64>,
    gamma: f64,
    sigma: f64,
    phi: f64,
    log_odds: Vec<Vec<f64>>,
    map_scores: Vec<f64>,
    probs: Vec<Vec<f64>>,
    w: usize,
}

fn need<T>(py: Python<'_>, value: Option<T>, param: &str, method: &str) -> PyResult<T> {
    value.ok_or_else(|| {
        invalid_value(
            py,
            format!(
                "`{param}` {} needed for method=\"{method}\"",
                if param.ends_with('s') { "are" } else { "is" }
            ),
        )
    })
}

/// The [`Method`] `kind` names, completed by `p`.
fn method_of(py: Python<'_>, kind: MethodKind, p: Params) -> PyResult<Method> {
    let name = <MethodKind as rankwise_core::options::Choice>::NAMES
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or("", |(n, _)| n);
    Ok(match kind {
        MethodKind::Sum => Method::Sum,
        MethodKind::Mnz => Method::Mnz,
        MethodKind::Max => Method::Max,
        MethodKind::Min => Method::Min,
        MethodKind::Anz => Method::Anz,
        MethodKind::Med => Method::Med,
        MethodKind::Isr => Method::Isr,
        MethodKind::Borda => Method::Borda,
        MethodKind::Condorcet => Method::Condorcet,
        MethodKind::LogIsr => Method::LogIsr,
        MethodKind::WeightedBorda => Method::WeightedBorda(need(py, p.weights, "weights", name)?),
        MethodKind::WeightedCondorcet => {
            Method::WeightedCondorcet(need(py, p.weights, "weights", name)?)
        }
        MethodKind::Rrf => Method::Rrf {
            k: p.k.unwrap_or(60.0),
        },
        MethodKind::LognIsr => Method::LognIsr {
            sigma: p.sigma.unwrap_or(0.01),
        },
        MethodKind::Gmnz => Method::Gmnz {
            gamma: need(py, p.gamma, "gamma", name)?,
        },
        MethodKind::Rbc => Method::Rbc {
            phi: need(py, p.phi, "phi", name)?,
        },
        MethodKind::WeightedSum => Method::WeightedSum(need(py, p.weights, "weights", name)?),
        MethodKind::Wmnz => Method::Wmnz(need(py, p.weights, "weights", name)?),
        MethodKind::Mixed => Method::Mixed(need(py, p.weights, "weights", name)?),
        MethodKind::BayesFuse => Method::BayesFuse(need(py, p.log_odds, "log_odds", name)?),
        MethodKind::MapFuse => Method::MapFuse(need(py, p.map_scores, "map_scores", name)?),
        MethodKind::PosFuse => Method::PosFuse(need(py, p.probs, "probs", name)?),
        MethodKind::ProbFuse => Method::ProbFuse(need(py, p.probs, "probs", name)?),
        MethodKind::SegFuse => Method::SegFuse(need(py, p.probs, "probs", name)?),
        MethodKind::SlideFuse => Method::SlideFuse {
            probs: need(py, p.probs, "probs", name)?,
            w: need(py, p.w, "w", name)?,
        },
    })
}

fn inner_runs(runs: &[PyRef<'_, PyRun>]) -> Vec<Arc<Run>> {
    runs.iter().map(|r| r.inner.clone()).collect()
}

/// Fuse runs into one (see `rankwise.fuse`); `params` holds the method's parameters.
#[pyfunction]
#[pyo3(signature = (runs, method, norm, *, name = "fused".to_owned(), **params))]
pub fn fuse(
    py: Python<'_>,
    runs: Vec<PyRef<'_, PyRun>>,
    method: Wrap<MethodKind>,
    norm: Option<Wrap<Normalization>>,
    name: String,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyRun> {
    let params = params
        .map(Params::from_dict)
        .transpose()?
        .unwrap_or_default();
    let method = method_of(py, method.0, params)?;
    let norm = norm.map_or(Normalization::None, |n| n.0);
    let inner = inner_runs(&runs);
    let fused = interrupt::run(py, || {
        let refs: Vec<&Run> = inner.iter().map(AsRef::as_ref).collect();
        fusion::fuse(&refs, &method, norm, &name)
    })?
    .map_err(CoreError)?;
    Ok(PyRun::from(fused))
}

/// What a supervised method learns from `qrels` for each run (see `rankwise.fusion_train`):
/// one table per run (MAPFuse: a table of one value, the run's MAP).
#[pyfunction]
#[pyo3(signature = (qrels, runs, method, *, n_segments = None))]
pub fn fusion_train(
    py: Python<'_>,
    qrels: &PyQrels,
    runs: Vec<PyRef<'_, PyRun>>,
    method: Wrap<MethodKind>,
    n_segments: Option<usize>,
) -> PyResult<Vec<Vec<f64>>> {
    let q = qrels.inner.clone();
    let inner = inner_runs(&runs);
    let kind = method.0;
    if kind == MethodKind::ProbFuse && n_segments.is_none() {
        return Err(invalid_value(
            py,
            "`n_segments` is needed for method=\"probfuse\"".into(),
        ));
    }
    if !matches!(
        kind,
        MethodKind::BayesFuse
            | MethodKind::MapFuse
            | MethodKind::PosFuse
            | MethodKind::ProbFuse
            | MethodKind::SegFuse
            | MethodKind::SlideFuse
    ) {
        return Err(invalid_value(
            py,
            "`method` must be a supervised method ('bayesfuse', 'mapfuse', 'posfuse', \
             'probfuse', 'segfuse', 'slidefuse') to be trained"
                .into(),
        ));
    }
    interrupt::run(py, || -> rankwise_core::error::Result<Vec<Vec<f64>>> {
        inner
            .iter()
            .map(|run| {
                if kind == MethodKind::MapFuse {
                    return Ok(vec![train::mean_average_precision(&q, run)]);
                }
                let lists = train::hit_lists(&q, run);
                Ok(match kind {
                    MethodKind::BayesFuse => train::bayesfuse_log_odds(&lists),
                    MethodKind::ProbFuse => train::probfuse_probs(&lists, n_segments.unwrap_or(0))?,
                    MethodKind::SegFuse => train::segfuse_probs(&lists),
                    _ => train::position_probs(&lists),
                })
            })
            .collect()
    })?
    .map_err(|e| CoreError(e).into())
}

/// The value of `measure` for `runs` fused by `method` with each parameter set of
/// `candidates` (dicts of ranx's parameter names), in parallel.
#[pyfunction]
#[pyo3(signature = (qrels, runs, method, norm, candidates, measure))]
pub fn fusion_score_candidates(
    py: Python<'_>,
    qrels: &PyQrels,
    runs: Vec<PyRef<'_, PyRun>>,
    method: Wrap<MethodKind>,
    norm: Option<Wrap<Normalization>>,
    candidates: Vec<Bound<'_, PyDict>>,
    measure: String,
) -> PyResult<Vec<f64>> {
    let methods = candidates
        .iter()
        .map(|d| method_of(py, method.0, Params::from_dict(d)?))
        .collect::<PyResult<Vec<Method>>>()?;
    let set = MeasureSet::parse(&[measure]).map_err(CoreError)?;
    let norm = norm.map_or(Normalization::None, |n| n.0);
    let q = qrels.inner.clone();
    let inner = inner_runs(&runs);
    interrupt::run(py, || {
        let refs: Vec<&Run> = inner.iter().map(AsRef::as_ref).collect();
        optimize::score_candidates(&q, &refs, &methods, norm, &set, &EvalOptions::default())
    })?
    .map_err(|e| CoreError(e).into())
}
