//! Scores and labels as ragged arrays: input-order tie-break, or sklearn's tie averaging
//! for DCG-family measures.

use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use rayon::prelude::*;

use super::{check_rel_level, to_measure_major};
use crate::error::{Location, RankError, Result};
use crate::interrupt;
use crate::metrics::gain::{ideal_dcg, tie_averaged_dcg};
use crate::metrics::{Hit, MeasureKind, MeasureSet, RankedQuery, compute};
use crate::parallel;
use crate::ragged::{Ragged, RowLayout};
use crate::ranking::{Label, RankScratch, Score, full_order, rank_hits};

/// How equal scores are ordered in the array API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ties {
    /// Equal scores keep input order (the lower position ranks first).
    #[default]
    Stable,
    /// Equal scores share their gains (McSherry & Najork 2008; sklearn's and torchmetrics'
    /// nDCG). Only DCG-family measures are defined this way.
    Average,
}

crate::choice!(Ties, "ties", {
    "stable" => Ties::Stable,
    "average" => Ties::Average,
});

/// What to do with NaN and infinite scores in the array API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NanPolicy {
    /// Refuse them with an error naming the position.
    #[default]
    Raise,
    /// Treat them as padding: the document is not part of the ranking.
    Omit,
}

crate::choice!(NanPolicy, "nan_policy", {
    "raise" => NanPolicy::Raise,
    "omit" => NanPolicy::Omit,
});

/// Options of [`evaluate_arrays`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArrayOptions {
    pub rel_level: f64,
    pub ties: Ties,
    pub nan_policy: NanPolicy,
}

impl Default for ArrayOptions {
    fn default() -> Self {
        ArrayOptions {
            rel_level: 1.0,
            ties: Ties::Stable,
            nan_policy: NanPolicy::Raise,
        }
    }
}

/// Borrowed inputs of [`evaluate_arrays`].
#[derive(Debug, Clone, Copy)]
pub struct ArrayBatch<'a, S, L> {
    /// Scores, flat.
    pub scores: &'a [S],
    /// Labels, flat, aligned with `scores`. Negative labels mean "judged pool, unjudged"
    /// (as trec_eval's negative qrels labels).
    pub labels: &'a [L],
    /// How the flat arrays are cut into queries.
    pub layout: RowLayout<'a>,
    /// `false` marks padding.
    pub mask: Option<&'a [bool]>,
    /// Number of relevant documents of each query, counting relevant documents that are not
    /// in the arrays (so AP, recall and nDCG's ideal are right for truncated lists). Missing
    /// relevant documents are taken to have the label `rel_level`.
    pub n_relevant: Option<&'a [i64]>,
}

#[derive(Default)]
struct ArrayScratch {
    rank: RankScratch,
    hits: Vec<Hit>,
    positive: Vec<f64>,
    keys: Vec<u128>,
    order: Vec<u32>,
    gains: Vec<f64>,
    group_ends: Vec<usize>,
}

/// Evaluate many measures over a batch of scored, labelled arrays; returns the values
/// measure-major (`values[m * Q + q]`).
pub fn evaluate_arrays<S: Score, L: Label>(
    batch: &ArrayBatch<'_, S, L>,
    measures: &MeasureSet,
    opts: &ArrayOptions,
) -> Result<Vec<f64>> {
    check_rel_level(opts.rel_level)?;
    let scores = Ragged::new(batch.scores, batch.layout, "scores")?;
    let labels = Ragged::new(batch.labels, batch.layout, "labels")?;
    let rows = scores.rows();
    if rows == 0 {
        return Err(RankError::shape(
            "scores",
            "at least one query (row)",
            "an empty batch",
        ));
    }
    if let Some(mask) = batch.mask
        && mask.len() != batch.scores.len()
    {
        return Err(RankError::shape(
            "mask",
            format!("the shape of `scores` ({} values)", batch.scores.len()),
            format!("{} values", mask.len()),
        ));
    }
    if let Some(n_rel) = batch.n_relevant
        && n_rel.len() != rows
    {
        return Err(RankError::shape(
            "n_relevant",
            format!("one count per query ({rows})"),
            format!("{} counts", n_rel.len()),
        ));
    }
    if let Some(row) = (0..rows).find(|&q| batch.layout.range(q).len() > u32::MAX as usize) {
        return Err(RankError::shape(
            "scores",
            "rows of at most 4294967295 documents",
            format!("{} documents in row {row}", batch.layout.range(row).len()),
        ));
    }
    if opts.ties == Ties::Average
        && let Some(m) = measures.measures().iter().find(|m| {
            m.judged_only || !matches!(m.kind, MeasureKind::Ndcg(_) | MeasureKind::Dcg(_))
        })
    {
        return Err(RankError::invalid(
            "ties",
            "\"stable\" for measures other than nDCG and DCG, or with judged_only (tie \
                 averaging is defined for DCG-family measures of the whole ranking only)",
            format!("\"average\" with {:?}", m.name),
        ));
    }
    let m = measures.len();
    let mut out = vec![0.0; rows * m];
    let first_bad = AtomicUsize::new(usize::MAX);
    let watch = interrupt::current();
    parallel::install(|| {
        out.par_chunks_mut(m.max(1)).enumerate().for_each_init(
            ArrayScratch::default,
            |scratch, (q, row)| {
                if watch.stopped() {
                    return;
                }
                if array_row(batch, &scores, &labels, q, measures, opts, scratch, row).is_err() {
                    first_bad.fetch_min(q, AtomicOrdering::Relaxed);
                }
            },
        );
    });
    watch.check()?;
    let bad = first_bad.into_inner();
    if bad != usize::MAX {
        // Re-run the first failing row alone: its error is deterministic.
        let mut row = vec![0.0; m];
        let mut scratch = ArrayScratch::default();
        array_row(
            batch,
            &scores,
            &labels,
            bad,
            measures,
            opts,
            &mut scratch,
            &mut row,
        )?;
    }
    Ok(to_measure_major(&out, m))
}

/// The first non-finite value of a row that takes part in the ranking, as an error.
fn check_row<S: Score, L: Label>(
    s: &[S],
    l: &[L],
    in_mask: impl Fn(usize) -> bool,
    q: usize,
    nan_policy: NanPolicy,
) -> Result<()> {
    for j in (0..s.len()).filter(|&j| in_mask(j)) {
        let v = s[j].to_f64();
        if !v.is_finite() && nan_policy == NanPolicy::Raise {
            return Err(RankError::NonFinite {
                argument: "scores".into(),
                value: v,
                location: Location {
                    query: q,
                    position: j,
                },
                hint: " (pass nan_policy=\"omit\" to treat NaN and infinite scores as padding)",
            });
        }
        let lab = l[j].to_f64();
        if !lab.is_finite() {
            return Err(RankError::NonFinite {
                argument: "labels".into(),
                value: lab,
                location: Location {
                    query: q,
                    position: j,
                },
                hint: "",
            });
        }
    }
    Ok(())
}

/// Add the relevant documents `n_relevant` says are missing from the row (label `rel_level`)
/// to its positive labels, and sort them descending.
fn finish_positive(
    positive: &mut Vec<f64>,
    n_relevant: Option<i64>,
    rel_level: f64,
    q: usize,
) -> Result<()> {
    if let Some(wanted) = n_relevant {
        let present = positive.iter().filter(|&&v| v >= rel_level).count();
        let extra = usize::try_from(wanted)
            .ok()
            .and_then(|w| w.checked_sub(present))
            .ok_or_else(|| {
                RankError::invalid(
                    "n_relevant",
                    format!(
                        "at least the number of relevant documents in the row ({present} in query {q})"
                    ),
                    wanted,
                )
            })?;
        positive.extend(std::iter::repeat_n(rel_level, extra));
    }
    positive.sort_unstable_by(|a, b| b.total_cmp(a));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn array_row<S: Score, L: Label>(
    batch: &ArrayBatch<'_, S, L>,
    scores: &Ragged<'_, S>,
    labels: &Ragged<'_, L>,
    q: usize,
    measures: &MeasureSet,
    opts: &ArrayOptions,
    scratch: &mut ArrayScratch,
    out: &mut [f64],
) -> Result<()> {
    let s = scores.row(q);
    let l = labels.row(q);
    let mask = batch.mask.map(|mk| &mk[batch.layout.range(q)]);
    let in_mask = |j: usize| mask.is_none_or(|mk| mk[j]);
    // The common case, checked with one vectorisable pass: no padding, every value finite.
    let clean = mask.is_none()
        && s.iter().all(|v| v.to_f64().is_finite())
        && l.iter().all(|v| v.to_f64().is_finite());
    if !clean {
        check_row(s, l, in_mask, q, opts.nan_policy)?;
    }
    let valid = |j: usize| clean || (in_mask(j) && s[j].to_f64().is_finite());
    let n_relevant = batch.n_relevant.map(|n| n[q]);

    if opts.ties == Ties::Average {
        scratch.positive.clear();
        let mut zeros = 0;
        for j in (0..s.len()).filter(|&j| valid(j)) {
            let v = l[j].to_f64();
            if v > 0.0 {
                scratch.positive.push(v);
            } else if v == 0.0 {
                zeros += 1;
            }
        }
        finish_positive(&mut scratch.positive, n_relevant, opts.rel_level, q)?;
        tie_averaged_row(s, l, valid, zeros, measures, scratch, out);
        return Ok(());
    }

    let num_ret = if clean {
        rank_hits(s, l, |_| true, &mut scratch.rank, &mut scratch.hits)
    } else {
        rank_hits(s, l, valid, &mut scratch.rank, &mut scratch.hits)
    };
    // Hits are the documents with a non-zero label, so the positive labels are those of the
    // positive hits, and every other document has label 0.
    scratch.positive.clear();
    scratch
        .positive
        .extend(scratch.hits.iter().map(|h| h.label).filter(|&v| v > 0.0));
    finish_positive(&mut scratch.positive, n_relevant, opts.rel_level, q)?;
    let view = RankedQuery {
        hits: &scratch.hits,
        num_ret,
        others_judged: true,
        positive_labels: &scratch.positive,
        zero_labels: num_ret - scratch.hits.len(),
    };
    for (slot, measure) in out.iter_mut().zip(measures.measures()) {
        *slot = compute(measure, &view, opts.rel_level);
    }
    Ok(())
}

/// nDCG and DCG with tie-averaged gains (sklearn's default), for one row.
fn tie_averaged_row<S: Score, L: Label>(
    s: &[S],
    l: &[L],
    valid: impl Fn(usize) -> bool,
    zero_labels: usize,
    measures: &MeasureSet,
    scratch: &mut ArrayScratch,
    out: &mut [f64],
) {
    full_order(
        s.len(),
        valid,
        |j| s[j].to_f64(),
        &mut scratch.keys,
        &mut scratch.order,
    );
    scratch.group_ends.clear();
    let ord = &scratch.order;
    for i in 1..=ord.len() {
        if i == ord.len() || s[ord[i] as usize].to_f64() != s[ord[i - 1] as usize].to_f64() {
            scratch.group_ends.push(i);
        }
    }
    let view = RankedQuery {
        hits: &[],
        num_ret: ord.len(),
        others_judged: true,
        positive_labels: &scratch.positive,
        zero_labels,
    };
    for (slot, measure) in out.iter_mut().zip(measures.measures()) {
        let (MeasureKind::Ndcg(gain) | MeasureKind::Dcg(gain)) = measure.kind else {
            continue; // refused before evaluation starts
        };
        scratch.gains.clear();
        scratch
            .gains
            .extend(ord.iter().map(|&j| gain.of(l[j as usize].to_f64())));
        let dcg = tie_averaged_dcg(&scratch.gains, &scratch.group_ends, measure.cutoff);
        *slot = if matches!(measure.kind, MeasureKind::Dcg(_)) {
            dcg
        } else {
            let ideal = ideal_dcg(&view, measure.cutoff, gain);
            if ideal > 0.0 { dcg / ideal } else { 0.0 }
        };
    }
}
