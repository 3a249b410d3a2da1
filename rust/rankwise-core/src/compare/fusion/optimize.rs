//! Scoring fusion configurations against training qrels, in parallel (ranx's
//! `optimize_fusion` evaluates them one after another).
//!
//! The search space (ranx's grids, or a random sample of them) is built by the caller; this
//! fuses the runs with every candidate [`Method`] and evaluates each fused run, rayon spreading
//! the candidates (and each fusion its queries) over the rankwise pool.

use rayon::prelude::*;

use super::{Method, Normalization, check_method, fuse};
use crate::error::{RankError, Result};
use crate::evaluate::{EvalOptions, evaluate};
use crate::metrics::MeasureSet;
use crate::parallel;
use crate::trec::{Qrels, Run};

/// The summary value of the first of `measures` for `runs` fused by each of `candidates`,
/// in the order of `candidates`.
pub fn score_candidates(
    qrels: &Qrels,
    runs: &[&Run],
    candidates: &[Method],
    norm: Normalization,
    measures: &MeasureSet,
    opts: &EvalOptions,
) -> Result<Vec<f64>> {
    if candidates.is_empty() {
        return Err(RankError::invalid(
            "candidates",
            "at least one configuration",
            "none",
        ));
    }
    for c in candidates {
        check_method(c, runs.len())?;
    }
    let watch = crate::interrupt::current();
    let scores: Vec<Result<f64>> = parallel::install(|| {
        candidates
            .par_iter()
            .map(|method| {
                watch.check()?;
                let fused = fuse(runs, method, norm, "candidate")?;
                let eval = evaluate(qrels, &fused, measures, opts)?;
                Ok(eval.summary().first().copied().unwrap_or(f64::NAN))
            })
            .collect()
    });
    watch.check()?;
    scores.into_iter().collect()
}
