//! Tie rules for runs: which order equal scores take, or none at all.
//!
//! * [`TieRule::TrecEval`]: score descending, then document id descending (trec_eval 9.0.x,
//!   `form_res_rels.c`'s `qsort` comparison); the rule [`evaluate`](super::evaluate) applies.
//! * [`TieRule::Ranx`]: ranx 0.3.21's order. `ranx.Run` sorts each query's documents with
//!   `sort_dict_by_value` (`ranx/data_structures/common.py`): `np.argsort` of the negated
//!   scores, in the order the documents were added, compiled by numba, whose argsort is its
//!   own quicksort (`numba/misc/quicksort.py`: median-of-three partitions, insertion sort
//!   below 16 elements). Below 16 documents that keeps tied documents in insertion order;
//!   above, the partitions move them. [`ranx_order`] is that algorithm, step for step.
//! * [`TieRule::Expected`]: the expected value of a measure over every ordering of each
//!   group of tied documents, all orderings equally likely (McSherry & Najork, "Computing
//!   Information Retrieval Performance Measures Efficiently in the Presence of Tied
//!   Scores", ECIR 2008), in closed form, in one pass over the ranking: see
//!   [`expected_value`] for the measures and formulas.

mod expected;

pub use expected::{ENUMERATION_LIMIT, IPREC_WORK_LIMIT};

use super::Evaluation;
use super::run::{
    EvalOptions, check_run_options, check_score_precision, pair_query_ids, pair_rows, query_pairs,
};
use crate::error::{RankError, Result};
use crate::interrupt;
use crate::metrics::gain::ideal_dcg;
use crate::metrics::{Gain, Hit, Measure, MeasureKind, MeasureSet, RankedQuery, compute};
use crate::parallel;
use crate::ranking::{ScorePrecision, score_order_key, score_order_key_f32};
use crate::trec::{Qrels, Run};
use rayon::prelude::*;

/// How documents with equal scores are ordered (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TieRule {
    /// Document id descending (trec_eval, pytrec_eval).
    #[default]
    TrecEval,
    /// ranx 0.3.21's order (numba's quicksort of the negated scores in insertion order).
    Ranx,
    /// The expected value over all orderings of tied documents (McSherry & Najork 2008).
    Expected,
}

crate::choice!(TieRule, "ties", {
    "trec_eval" => TieRule::TrecEval,
    "ranx" => TieRule::Ranx,
    "expected" => TieRule::Expected,
});

/// How [`TieRule::Expected`] computes each measure, for messages and documentation.
pub const EXPECTED_MEASURES: &str = "closed forms for P@k, R@k, Rprec, Success@k, RR@k, AP@k \
     (and gm_map), nDCG@k, DCG@k, ERR@k, RBP, bpref (and gm_bpref), infAP, num_rel_ret@k, \
     Judged@k, relative_P, Rprec_mult, recall_cap@k, hole@k, SDCG@k, iprec_at_recall, \
     11pt_avg, binG, G, ndcg_rel, Rndcg; the order-free set measures as they are; every other \
     measure (the C/W/L models, Compat, Accuracy) as the mean over every distinct order of \
     labels within the tied groups, up to 100000 per query";

/// Whether `kind` has a closed-form expected value under [`TieRule::Expected`] (the others
/// are [`enumerated`] or [`order_free`]).
fn closed_form(kind: MeasureKind) -> bool {
    use MeasureKind as K;
    matches!(
        kind,
        K::P | K::R
            | K::Rprec
            | K::Success
            | K::RR
            | K::AP
            | K::GmAP
            | K::Ndcg(_)
            | K::Dcg(_)
            | K::NumRelRet
            | K::Judged
            | K::Err { .. }
            | K::Bpref
            | K::GmBpref
            | K::InfAP
            | K::Rbp {
                column: crate::metrics::cwl::CwlColumn::EU,
                ..
            }
            | K::RelativeP
            | K::RprecMult { .. }
            | K::RecallCap
            | K::Hole
            | K::Sdcg { .. }
            | K::IPrec { .. }
            | K::IPrecAvg11
            | K::BinG
            | K::G
            | K::NdcgRel
            | K::Rndcg
    )
}

/// The measures whose expected value is the mean over every distinct order of labels within
/// the tied groups (at most [`ENUMERATION_LIMIT`] per query): the C/W/L user models (INST,
/// INSQ, BPM, NERR8-11, RBP's columns other than its expected utility), Compat, Accuracy.
fn enumerated(kind: MeasureKind) -> bool {
    !closed_form(kind) && !order_free(kind)
}

/// Measures of the whole retrieved set, which no ordering changes (without `max_docs`).
fn order_free(kind: MeasureKind) -> bool {
    use MeasureKind as K;
    matches!(
        kind,
        K::NumRet
            | K::NumRel
            | K::NumQ
            | K::SetP
            | K::SetRecall
            | K::SetF { .. }
            | K::SetRelativeP
            | K::SetMap
            | K::Utility { .. }
            | K::NumNonrelJudgedRet
    )
}

/// Evaluate `run` against `qrels` as [`evaluate`](super::evaluate) does, with `ties` deciding
/// how equal scores are ordered. [`TieRule::TrecEval`] is [`evaluate`](super::evaluate)
/// itself. Queries run in parallel on the rankwise pool.
///
/// Errors as [`evaluate`](super::evaluate), and with [`TieRule::Expected`]: a measure
/// computed by enumeration on a query with more than [`ENUMERATION_LIMIT`] orders of labels
/// (naming the measure and the query), or `max_docs` (a cutoff through a group of tied
/// documents is a measure cutoff, not a ranking).
pub fn evaluate_with_ties(
    qrels: &Qrels,
    run: &Run,
    measures: &MeasureSet,
    opts: &EvalOptions,
    ties: TieRule,
) -> Result<Evaluation> {
    evaluate_tie_rule(qrels, run, measures, opts, ties, false)
}

/// [`evaluate_with_ties`] under [`TieRule::Expected`], where a (query, measure) over the
/// limits of its exact expected value (more than [`ENUMERATION_LIMIT`] orders of labels for
/// a measure computed by enumeration, more than [`IPREC_WORK_LIMIT`] steps for
/// interpolated precision or G) is NaN instead of an error for the whole evaluation: every
/// other query keeps its value (what `Report.tie_effect` shows). `max_docs` is still an
/// error.
pub fn evaluate_expected_or_nan(
    qrels: &Qrels,
    run: &Run,
    measures: &MeasureSet,
    opts: &EvalOptions,
) -> Result<Evaluation> {
    evaluate_tie_rule(qrels, run, measures, opts, TieRule::Expected, true)
}

/// [`evaluate_with_ties`], with `nan_over_limit` as in [`evaluate_expected_or_nan`].
fn evaluate_tie_rule(
    qrels: &Qrels,
    run: &Run,
    measures: &MeasureSet,
    opts: &EvalOptions,
    ties: TieRule,
    nan_over_limit: bool,
) -> Result<Evaluation> {
    if ties == TieRule::TrecEval {
        return super::evaluate(qrels, run, measures, opts);
    }
    check_run_options(opts)?;
    if ties == TieRule::Expected {
        check_expected(opts)?;
        check_score_precision(run, measures)?;
        if let Some(relstring) = measures.relstring() {
            return Err(RankError::invalid(
                "ties",
                format!(
                    "\"trec_eval\" or \"ranx\" for {} (the labels of one ranking; \
                     ties='expected' averages over every order of tied documents)",
                    relstring.name
                ),
                "\"expected\"",
            ));
        }
    }
    let pairs = query_pairs(qrels, run, opts)?;
    let refused: std::sync::Mutex<Option<RankError>> = std::sync::Mutex::new(None);
    let rows = pair_rows(
        &pairs,
        measures.len(),
        |scratch: &mut Scratch, (q, r), row| {
            scratch.rank(qrels, run, q, r, opts, ties);
            if let Err(e) = scratch.measure(qrels, q, measures, opts, (ties, nan_over_limit), row) {
                let mut first = refused
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if first.is_none() {
                    *first = Some(e);
                }
            }
        },
    );
    interrupt::current().check()?;
    if let Some(e) = refused
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        return Err(e);
    }
    // ranx's order (trec_eval's is `evaluate`'s; `expected` was refused above).
    let relstrings = measures.relstring().map(|relstring| {
        parallel::install(|| {
            pairs
                .par_iter()
                .map_init(Scratch::default, |scratch, &(q, r)| {
                    scratch.rank(qrels, run, q, r, opts, ties);
                    // `rank` has left out the unjudged documents under -J already.
                    relstring.text(&scratch.labels, false)
                })
                .collect()
        })
    });
    interrupt::current().check()?;
    Ok(
        Evaluation::from_rows(measures, pair_query_ids(qrels, &pairs), &rows)
            .with_relstrings(relstrings),
    )
}

fn check_expected(opts: &EvalOptions) -> Result<()> {
    if let Some(k) = opts.max_docs {
        return Err(RankError::invalid(
            "max_docs",
            "None under ties='expected' (a cutoff inside a group of tied documents is a \
             measure's cutoff, e.g. P@k, not a ranking)",
            k,
        ));
    }
    Ok(())
}

/// One query ranked under a tie rule: labels in rank order (NaN = not judged) and, for
/// [`TieRule::Expected`], where each group of tied documents starts.
#[derive(Default)]
struct Scratch {
    order: Vec<usize>,
    keys: Vec<f64>,
    labels: Vec<f64>,
    group_starts: Vec<usize>,
    hits: Vec<Hit>,
    judged_labels: Vec<f64>,
    judged_starts: Vec<usize>,
}

impl Scratch {
    /// Rank run query `r` (none: an empty ranking) and look up its labels.
    fn rank(
        &mut self,
        qrels: &Qrels,
        run: &Run,
        q: usize,
        r: Option<usize>,
        opts: &EvalOptions,
        ties: TieRule,
    ) {
        self.labels.clear();
        self.group_starts.clear();
        let Some(r) = r else { return };
        let range = run.range(r);
        let start = range.start;
        self.order.clear();
        if ties == TieRule::Ranx {
            self.keys.clear();
            self.keys.extend(range.map(|i| -run.score(i)));
            ranx_order(&self.keys, &mut self.order);
            self.order.iter_mut().for_each(|i| *i += start);
        } else {
            self.order
                .extend((0..range.len()).map(|rank| run.at_rank(r, rank)));
        }
        let same_id = opts.ignore_identical_ids.then(|| run.query_id_bytes(r));
        let mut last_key = None;
        let mut seen = 0;
        for &i in &self.order {
            let doc = run.doc(i);
            if same_id == Some(doc) {
                continue;
            }
            if opts.max_docs.is_some_and(|k| seen >= k) {
                break;
            }
            seen += 1;
            let label = qrels.lookup(q, doc).unwrap_or(f64::NAN);
            if opts.judged_only && (label.is_nan() || label < 0.0) {
                continue;
            }
            let key = tie_key(run, i);
            if last_key != Some(key) {
                self.group_starts.push(self.labels.len());
                last_key = Some(key);
            }
            self.labels.push(label);
        }
    }

    /// Every measure of `measures` on the ranked query, into `row`. A measure over the limits
    /// of its exact expected value on this query ([`over_limit`]) is an error, or NaN with
    /// `nan_over_limit`.
    fn measure(
        &mut self,
        qrels: &Qrels,
        q: usize,
        measures: &MeasureSet,
        opts: &EvalOptions,
        (ties, nan_over_limit): (TieRule, bool),
        row: &mut [f64],
    ) -> Result<()> {
        self.hits.clear();
        self.hits.extend(
            self.labels
                .iter()
                .enumerate()
                .filter(|(_, l)| !l.is_nan())
                .map(|(rank, &label)| Hit {
                    rank: u32::try_from(rank).unwrap_or(u32::MAX),
                    label,
                }),
        );
        let query = RankedQuery {
            hits: &self.hits,
            num_ret: self.labels.len(),
            others_judged: false,
            positive_labels: qrels.positive_labels(q),
            zero_labels: qrels.zero_labels(q),
        };
        if ties == TieRule::Ranx {
            for (slot, measure) in row.iter_mut().zip(measures.measures()) {
                *slot = compute(measure, &query, opts.rel_level);
            }
            return Ok(());
        }
        if measures.measures().iter().any(|x| x.judged_only) {
            // ir_measures' judged_only=True: the ranking without its unjudged documents.
            self.judged_labels.clear();
            self.judged_starts.clear();
            let tied = Tied {
                labels: &self.labels,
                starts: &self.group_starts,
            };
            for (_, group) in tied.groups() {
                let before = self.judged_labels.len();
                self.judged_labels
                    .extend(group.iter().copied().filter(|&l| l >= 0.0));
                if self.judged_labels.len() > before {
                    self.judged_starts.push(before);
                }
            }
        }
        for (slot, measure) in row.iter_mut().zip(measures.measures()) {
            let (labels, starts) = if measure.judged_only {
                (&self.judged_labels, &self.judged_starts)
            } else {
                (&self.labels, &self.group_starts)
            };
            let tied = Tied { labels, starts };
            let rel = measure.rel.unwrap_or(opts.rel_level);
            if let Some(e) = over_limit(measure, &tied, rel, || qrels.query_id(q).into_owned()) {
                if !nan_over_limit {
                    return Err(e);
                }
                *slot = f64::NAN;
                continue;
            }
            *slot = if order_free(measure.kind) {
                compute(measure, &query, opts.rel_level)
            } else {
                expected_value(measure, &tied, &query, opts.rel_level)
            };
        }
        Ok(())
    }
}

/// The error for `measure` on the tied groups of the query `query_id()` (relevance level `rel`)
/// where its exact expected value costs more than the limits allow: interpolated precision
/// and G past [`IPREC_WORK_LIMIT`] steps, a measure computed by enumeration past
/// [`ENUMERATION_LIMIT`] orders of labels; `None` within them.
fn over_limit(
    measure: &Measure,
    tied: &Tied<'_>,
    rel: f64,
    query_id: impl FnOnce() -> String,
) -> Option<RankError> {
    let too_much = match measure.kind {
        MeasureKind::IPrec { .. } | MeasureKind::IPrecAvg11 => {
            expected::iprec_work(tied, |l| l >= rel).is_none()
        }
        MeasureKind::G => expected::g_work(tied).is_none(),
        _ => false,
    };
    let expected = if too_much {
        format!(
            "tied groups small enough for the exact expected {:?} under ties='expected' \
             (interpolated precision costs about (r t)^2 steps for a group of t documents, r \
             relevant, G its size times the product of its gain counts plus one; at most \
             {IPREC_WORK_LIMIT} per query)",
            measure.name
        )
    } else if enumerated(measure.kind) && expected::label_orders(tied).is_none() {
        format!(
            "at most {ENUMERATION_LIMIT} distinct orders of labels within the tied groups of \
             a query for {:?} under ties='expected' (its expected value is the mean over \
             them)",
            measure.name
        )
    } else {
        return None;
    };
    let need = if too_much { "need" } else { "have" };
    Some(RankError::invalid(
        "ties",
        expected,
        format!(
            "query {:?}, whose {} ranked documents in {} tied groups {need} more",
            query_id(),
            tied.labels.len(),
            tied.starts.len()
        ),
    ))
}

/// The key by which trec_eval's rule compares scores, at the run's precision: equal keys
/// are tied.
#[allow(clippy::cast_possible_truncation)]
fn tie_key(run: &Run, i: usize) -> u64 {
    match run.score_precision() {
        ScorePrecision::F32 => u64::from(score_order_key_f32(run.score(i) as f32)),
        ScorePrecision::F64 => score_order_key(run.score(i)),
    }
}

/// A ranking as groups of tied documents: `labels` in rank order (NaN = not judged), group
/// `g` from `starts[g]` to `starts[g + 1]` (or the end).
pub struct Tied<'a> {
    pub labels: &'a [f64],
    pub starts: &'a [usize],
}

impl Tied<'_> {
    /// `(start, labels)` of each group, in rank order.
    fn groups(&self) -> impl Iterator<Item = (usize, &[f64])> + '_ {
        self.starts.iter().enumerate().map(|(g, &s)| {
            let end = self.starts.get(g + 1).copied().unwrap_or(self.labels.len());
            (s, &self.labels[s..end])
        })
    }

    /// The groups that start above `limit`, in rank order: each one's start `s`, size `t`
    /// and count `r` of documents with `is(label)`, what every expected measure cut at
    /// `limit` reads of a group.
    fn counted_groups(
        &self,
        limit: usize,
        is: impl Fn(f64) -> bool,
    ) -> impl Iterator<Item = (usize, usize, usize)> {
        self.groups()
            .take_while(move |&(s, _)| s < limit)
            .map(move |(s, g)| (s, g.len(), g.iter().filter(|&&l| is(l)).count()))
    }

    /// Expected number of documents with `is(label)` in the top `limit`: a group with `c` of
    /// its `t` places above `limit` holds, in expectation, `c / t` of its documents there.
    fn expected_count(&self, limit: usize, is: impl Fn(f64) -> bool) -> f64 {
        let mut sum = 0.0;
        for (s, t, n) in self.counted_groups(limit, is) {
            let c = t.min(limit - s);
            sum += f(n) * f(c) / f(t);
        }
        sum
    }
}

/// `numerator() / n`, or 0 without computing the numerator when `n` is 0 (an empty cutoff
/// or no relevant document scores 0, as in trec_eval).
fn over(n: usize, numerator: impl FnOnce() -> f64) -> f64 {
    if n == 0 { 0.0 } else { numerator() / f(n) }
}

#[allow(clippy::cast_precision_loss)]
fn f(x: usize) -> f64 {
    x as f64
}

/// Expected value of `measure` over all orderings of the tied groups of `tied`, with `query`
/// for what does not depend on the order (judged labels, ideal rankings). Closed forms after
/// McSherry & Najork (ECIR 2008), for a group of `t` tied documents starting at 0-based rank
/// `s`, `r` of them relevant, `B` relevant documents ranked above it, `R` = num_rel:
///
/// * counts in the top `k` (P@k, R@k, Rprec, num_rel_ret@k, Judged@k): the group puts
///   `r * c / t` relevant documents above `k`, where `c = min(t, k - s)`;
/// * Success@k: 1 if a group wholly above `k` holds a relevant document, else for the group
///   across `k`: `1 - C(t - r, c) / C(t, c)`;
/// * RR@k: over the first group with a relevant document, `sum_i P(first relevant at its
///   i-th place) / (s + i)`, `P = C(t - i, r - 1) / C(t, r)`, for `s + i <= k`;
/// * AP@k: `(1 / R) sum_{places j of a group, s + j <= k} (r / t) (B + 1 + (j - 1)(r - 1) /
///   (t - 1)) / (s + j)`: the chance the `j`-th place is relevant times the expected
///   number of relevant documents down to it, given that it is;
/// * DCG@k: each place's discount times its group's mean gain; nDCG@k divides by the ideal
///   DCG@k, which no ordering changes (SDCG@k likewise);
/// * relative_P, Rprec_mult, recall_cap@k, hole@k: counts in the top `k`, as above;
/// * iprec_at_recall, 11pt_avg, binG, G, ndcg_rel, Rndcg: see the `expected` module;
/// * every other measure (C/W/L models, Compat, Accuracy): the mean of its own kernel over
///   every distinct order of labels within the groups (callers bound their number).
pub fn expected_value(
    measure: &Measure,
    tied: &Tied<'_>,
    query: &RankedQuery<'_>,
    rel_level: f64,
) -> f64 {
    let rel = measure.rel.unwrap_or(rel_level);
    let n = tied.labels.len();
    let limit = measure.cutoff.map_or(n, |k| k.min(n));
    let is_rel = |l: f64| l >= rel;
    match measure.kind {
        MeasureKind::P => {
            let k = measure.cutoff.unwrap_or(n);
            over(k, || tied.expected_count(k, is_rel))
        }
        MeasureKind::R => over(query.num_rel(rel), || tied.expected_count(limit, is_rel)),
        MeasureKind::Rprec => {
            let num_rel = query.num_rel(rel);
            let look = num_rel.min(n);
            if look == 0 {
                0.0
            } else {
                tied.expected_count(look, is_rel) / f(num_rel)
            }
        }
        MeasureKind::NumRelRet => tied.expected_count(limit, is_rel),
        MeasureKind::Judged => over(limit, || tied.expected_count(limit, |l| !l.is_nan())),
        MeasureKind::Success => expected_success(tied, limit, is_rel),
        MeasureKind::RR => expected_reciprocal_rank(tied, limit, is_rel),
        MeasureKind::AP | MeasureKind::GmAP => over(query.num_rel(rel), || {
            expected_precision_sum(tied, limit, is_rel)
        }),
        MeasureKind::Dcg(gain) => expected_dcg(tied, limit, gain),
        MeasureKind::Ndcg(gain) => {
            let ideal = ideal_dcg(query, measure.cutoff, gain);
            if ideal > 0.0 {
                expected_dcg(tied, limit, gain) / ideal
            } else {
                0.0
            }
        }
        MeasureKind::Err { max_grade } => expected_err(tied, limit, max_grade),
        _ if enumerated(measure.kind) => expected::enumerated_mean(measure, tied, query, rel),
        MeasureKind::Rbp { p, .. } => expected_rbp(tied, limit, p, is_rel),
        MeasureKind::IPrec { recall } => {
            expected::expected_iprec(tied, query.num_rel(rel), recall, measure.trec_eval, is_rel)
        }
        MeasureKind::IPrecAvg11 => expected::expected_iprec_average(
            tied,
            query.num_rel(rel),
            &crate::metrics::measure::ELEVEN_RECALL_LEVELS,
            measure.trec_eval,
            is_rel,
        ),
        MeasureKind::RelativeP => {
            let k = measure.cutoff.unwrap_or(0);
            let num_rel = query.num_rel(rel);
            if num_rel == 0 || k == 0 {
                0.0
            } else {
                tied.expected_count(k, is_rel) / f(k.min(num_rel))
            }
        }
        MeasureKind::RprecMult { mult } => {
            // trec_eval `m_Rprec_mult.c`: `(long)(cutoff_percents[i] * rr.num_rel + 0.9)`
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let c = (mult * f(query.num_rel(rel)) + 0.9) as usize;
            over(c, || tied.expected_count(c, is_rel))
        }
        MeasureKind::RecallCap => {
            let k = measure.cutoff.unwrap_or(0);
            over(query.num_rel(rel).min(k), || tied.expected_count(k, is_rel))
        }
        MeasureKind::Hole => {
            let k = measure.cutoff.unwrap_or(0);
            over(k, || tied.expected_count(k, f64::is_nan))
        }
        MeasureKind::Sdcg { min_rel, max_rel } => {
            expected::expected_scaled_dcg(tied, measure.cutoff.unwrap_or(0), min_rel, max_rel)
        }
        MeasureKind::BinG => expected::expected_binary_g(tied, query.num_rel(rel), is_rel),
        MeasureKind::G => expected::expected_g(tied, query),
        MeasureKind::NdcgRel => expected::expected_ndcg_rel(tied, query),
        MeasureKind::Rndcg => expected::expected_rndcg(tied, query, rel),
        MeasureKind::Bpref | MeasureKind::GmBpref => expected_bpref(tied, query, rel),
        MeasureKind::InfAP => expected_inferred_ap(tied, query, rel),
        // Every other kind is order-free or enumerated, above.
        _ => f64::NAN,
    }
}

/// Expected ERR@k (Chapelle et al. 2009) over the orderings of each tied group, exactly.
///
/// The product `prod (1 - R_j)` over a whole group does not depend on its order, so ERR is
/// a sum over groups of (the product over the groups above) times the group's own expected
/// part, `sum_{places i} E[R_{doc at i} prod_{places j < i} (1 - R_{doc at j})] / (s + i)`.
/// The document at place `i` is each document `d` with chance `1/t`, and the `i - 1` above
/// it a uniform subset of the others, so the expectation is `(1/t) sum_d R_d M_{i-1}(d)`,
/// `M_m(d)` the mean over `m`-subsets of the others of `d` of the product of `1 - R`: an
/// elementary symmetric mean, computed exactly by its recurrence (adding `x` to `N` values:
/// `M'_m = ((N + 1 - m) M_m + m x M_{m-1}) / (N + 1)`). Documents of one grade share
/// `M`, so a group of `t` documents over `g` grades costs `O(g t^2)`.
fn expected_err(tied: &Tied<'_>, limit: usize, max_grade: f64) -> f64 {
    let denom = max_grade.exp2();
    // the kernel's `R` (crate::metrics::gain::err): unjudged and labels <= 0 give 0
    let stop = |l: f64| {
        if l.is_nan() || l <= 0.0 {
            0.0
        } else {
            (l.min(max_grade).exp2() - 1.0) / denom
        }
    };
    let mut decay = 1.0;
    let mut score = 0.0;
    let mut grades: Vec<(f64, usize)> = Vec::new();
    let mut means: Vec<f64> = Vec::new();
    for (s, g) in tied.groups() {
        if s >= limit || decay == 0.0 {
            break;
        }
        let t = g.len();
        let places = t.min(limit - s);
        grades.clear();
        for &l in g {
            let r = stop(l);
            if r > 0.0 {
                match grades.iter_mut().find(|(v, _)| *v == r) {
                    Some((_, c)) => *c += 1,
                    None => grades.push((r, 1)),
                }
            }
        }
        let mut inner = 0.0;
        for &(r, count) in &grades {
            // M_m over the others of one document of stop chance `r`, m < places
            means.clear();
            means.push(1.0);
            let mut size = 0usize;
            let mut skipped = false;
            for &l in g {
                let x = stop(l);
                if !skipped && x == r {
                    skipped = true;
                    continue;
                }
                let top = (size + 1).min(places - 1);
                if means.len() <= top {
                    means.push(0.0);
                }
                for m in (1..=top).rev() {
                    means[m] = (f(size + 1 - m) * means[m] + f(m) * (1.0 - x) * means[m - 1])
                        / f(size + 1);
                }
                size += 1;
            }
            for (m, &mean) in means.iter().enumerate().take(places) {
                inner += f(count) / f(t) * r * mean / f(s + m + 1);
            }
        }
        score += decay * inner;
        decay *= g.iter().map(|&l| 1.0 - stop(l)).product::<f64>();
    }
    score
}

/// Expected RBP: `(1 - p) sum_groups (r / t) sum_{places} p^rank`, each place of a group
/// holding a relevant document with chance `r / t`.
fn expected_rbp(tied: &Tied<'_>, limit: usize, p: f64, is_rel: impl Fn(f64) -> bool) -> f64 {
    let mut sum = 0.0;
    for (s, t, r) in tied.counted_groups(limit, is_rel) {
        if r == 0 {
            continue;
        }
        let weights: f64 = (s..(s + t).min(limit))
            .map(|rank| p.powf(f(rank)))
            .fold(0.0, |a, w| a + w);
        sum += f(r) / f(t) * weights;
    }
    (1.0 - p) * sum
}

/// Expected bpref (trec_eval's `m_bpref.c`, as [`crate::metrics::judgments::bpref`]). A
/// relevant document's term depends on the judged non-relevant documents above it: `B` from
/// the groups above, and `X` of the `n` in its own group, uniform on `0..=n` (its place among
/// itself and those `n` is uniform), so its expected term is the mean over `X`.
fn expected_bpref(tied: &Tied<'_>, query: &RankedQuery<'_>, rel: f64) -> f64 {
    let num_rel = query.num_rel(rel);
    let num_nonrel = query.num_judged() - num_rel;
    let term = |above: usize| {
        if above > 0 {
            1.0 - f(above.min(num_rel)) / f(num_nonrel.min(num_rel))
        } else {
            1.0
        }
    };
    let mut before = 0usize;
    let mut sum = 0.0;
    for (_, g) in tied.groups() {
        let judged = |l: f64| !l.is_nan() && l >= 0.0;
        let r = g.iter().filter(|&&l| judged(l) && l >= rel).count();
        let n = g.iter().filter(|&&l| judged(l) && l < rel).count();
        if r > 0 {
            let mean = (0..=n).map(|x| term(before + x)).fold(0.0, |a, v| a + v) / f(n + 1);
            sum += f(r) * mean;
        }
        before += n;
    }
    if num_rel > 0 { sum / f(num_rel) } else { sum }
}

/// `ln C(n, k)` from `ln_fact[i] = ln i!`.
fn ln_choose(ln_fact: &[f64], n: usize, k: usize) -> f64 {
    ln_fact[n] - ln_fact[k] - ln_fact[n - k]
}

/// Expected infAP (trec_eval's `m_infap.c`, as [`crate::metrics::judgments::inferred_ap`]).
/// A relevant document at 0-based rank `j` scores
/// `(1 + (a + b + c) (a + eps) / (a + b + 2 eps)) / (j + 1)` with `a`, `b`, `c` the relevant,
/// judged non-relevant and unjudged (negative label) documents above it. In a group of `t`
/// starting at rank `s`, with `r` relevant, `n` non-relevant, `u` unjudged and `o` unpooled
/// documents, a relevant document has `m` of the others above it, uniform on `0..t`, and those
/// are a uniform `m`-subset: `x` relevant and `y` non-relevant with the multivariate
/// hypergeometric chance `C(r-1, x) C(n, y) C(u+o, m-x-y) / C(t-1, m)`, and in expectation
/// `(m - x - y) u / (u + o)` unjudged (the term is linear in that count). Exact, in
/// `O(t r n)` per group.
fn expected_inferred_ap(tied: &Tied<'_>, query: &RankedQuery<'_>, rel: f64) -> f64 {
    const EPS: f64 = 0.00001; // trec_eval's INFAP_EPSILON
    let (mut above_rel, mut above_nonrel, mut above_unjudged) = (0usize, 0usize, 0usize);
    let mut sum = 0.0;
    // ln i! for i up to the largest group (Lanczos' ln Gamma: about 1e-15 relative)
    let largest = tied.groups().map(|(_, g)| g.len()).max().unwrap_or(0);
    let ln_fact: Vec<f64> = (0..=largest)
        .map(|i| crate::special::ln_gamma(f(i) + 1.0))
        .collect();
    for (s, g) in tied.groups() {
        let t = g.len();
        let r = g.iter().filter(|&&l| !l.is_nan() && l >= rel).count();
        let n = g
            .iter()
            .filter(|&&l| !l.is_nan() && l >= 0.0 && l < rel)
            .count();
        let u = g.iter().filter(|&&l| l < 0.0).count();
        let w = t - r - n; // unjudged or unpooled
        if r > 0 {
            let unjudged_share = if w > 0 { f(u) / f(w) } else { 0.0 };
            let mut group = 0.0;
            for m in 0..t {
                let ln_all = ln_choose(&ln_fact, t - 1, m);
                let mut at_m = 0.0;
                for x in 0..=(r - 1).min(m) {
                    for y in 0..=n.min(m - x) {
                        let rest = m - x - y;
                        if rest > w {
                            continue;
                        }
                        let chance = (ln_choose(&ln_fact, r - 1, x)
                            + ln_choose(&ln_fact, n, y)
                            + ln_choose(&ln_fact, w, rest)
                            - ln_all)
                            .exp();
                        let a = f(above_rel + x);
                        let b = f(above_nonrel + y);
                        let c = f(above_unjudged) + f(rest) * unjudged_share;
                        at_m += chance * (1.0 + (a + b + c) * ((a + EPS) / (a + b + 2.0 * EPS)));
                    }
                }
                group += at_m / f(s + m + 1);
            }
            sum += f(r) * group / f(t);
        }
        above_rel += r;
        above_nonrel += n;
        above_unjudged += u;
    }
    let num_rel = query.num_rel(rel);
    if num_rel > 0 { sum / f(num_rel) } else { sum }
}

/// The first group above `limit` with a relevant document: its start, size and relevant
/// count. Success and reciprocal rank depend on it alone.
fn first_relevant_group(
    tied: &Tied<'_>,
    limit: usize,
    is_rel: impl Fn(f64) -> bool,
) -> Option<(usize, usize, usize)> {
    tied.counted_groups(limit, is_rel).find(|&(_, _, r)| r > 0)
}

fn expected_success(tied: &Tied<'_>, limit: usize, is_rel: impl Fn(f64) -> bool) -> f64 {
    let Some((s, t, r)) = first_relevant_group(tied, limit, is_rel) else {
        return 0.0;
    };
    let c = t.min(limit - s);
    if c == t {
        return 1.0;
    }
    // P(no relevant document among the c places above the cutoff) = C(t - r, c) / C(t, c).
    let mut none = 1.0;
    for j in 0..c {
        if t - r <= j {
            none = 0.0;
            break;
        }
        none *= f(t - r - j) / f(t - j);
    }
    1.0 - none
}

fn expected_reciprocal_rank(tied: &Tied<'_>, limit: usize, is_rel: impl Fn(f64) -> bool) -> f64 {
    let Some((s, t, r)) = first_relevant_group(tied, limit, is_rel) else {
        return 0.0;
    };
    // P(the first i - 1 places are not relevant) and P(first relevant at place i).
    let mut none_before = 1.0;
    let mut sum = 0.0;
    for i in 1..=(t - r + 1) {
        if s + i > limit {
            break;
        }
        let first_here = none_before * f(r) / f(t - i + 1);
        sum += first_here / f(s + i);
        none_before *= f(t - r - (i - 1)) / f(t - (i - 1));
    }
    sum
}

/// `E[sum over relevant places i <= limit of (relevant in 1..=i) / i]`.
fn expected_precision_sum(tied: &Tied<'_>, limit: usize, is_rel: impl Fn(f64) -> bool) -> f64 {
    let mut above = 0usize;
    let mut sum = 0.0;
    for (s, t, r) in tied.counted_groups(limit, is_rel) {
        if r > 0 {
            let p = f(r) / f(t);
            for j in 1..=t.min(limit - s) {
                let others = if t > 1 {
                    f(j - 1) * f(r - 1) / f(t - 1)
                } else {
                    0.0
                };
                sum += p * (f(above) + 1.0 + others) / f(s + j);
            }
        }
        above += r;
    }
    sum
}

fn expected_dcg(tied: &Tied<'_>, limit: usize, gain: Gain) -> f64 {
    let mut sum = 0.0;
    for (s, g) in tied.groups() {
        if s >= limit {
            break;
        }
        let total: f64 = g.iter().filter(|l| !l.is_nan()).map(|&l| gain.of(l)).sum();
        if total == 0.0 {
            continue;
        }
        let mean = total / f(g.len());
        for rank in s..(s + g.len()).min(limit) {
            sum += mean / crate::metrics::log2_discount(rank);
        }
    }
    sum
}

/// The order numba's `np.argsort(keys)` (kind "quicksort") gives, as ranx 0.3.21 ranks a
/// query's documents with `keys` the negated scores in insertion order: a port of
/// `numba/misc/quicksort.py` (`run_quicksort1`, `partition`, `insertion_sort`; numba
/// 0.60), comparisons and swaps in the same sequence, so ties land where numba puts them.
pub fn ranx_order(keys: &[f64], out: &mut Vec<usize>) {
    // Bounds are signed, as numba's `intp`: `high = i - 1` reaches -1 when the pivot lands
    // first, and the partition's `j` steps below `low`.
    const SMALL_QUICKSORT: isize = 15;
    out.clear();
    out.extend(0..keys.len());
    if keys.len() < 2 {
        return;
    }
    let lt = |a: usize, b: usize| keys[a] < keys[b];
    let r = out.as_mut_slice();
    let n = isize::try_from(keys.len()).unwrap_or(isize::MAX);
    let mut stack: Vec<(isize, isize)> = vec![(0, n - 1)];
    while let Some((mut low, mut high)) = stack.pop() {
        while high - low >= SMALL_QUICKSORT {
            let i = ranx_partition(r, low, high, lt);
            if high - i > i - low {
                if high > i {
                    stack.push((i + 1, high));
                }
                high = i - 1;
            } else {
                if i > low {
                    stack.push((low, i - 1));
                }
                low = i + 1;
            }
        }
        insertion_sort(r, low, high, lt);
    }
}

/// numba's `insertion_sort(A, R, low, high)`: `r[low..=high]`, nothing when `high <= low`.
#[allow(clippy::cast_sign_loss)]
fn insertion_sort(r: &mut [usize], low: isize, high: isize, lt: impl Fn(usize, usize) -> bool) {
    if high <= low {
        return;
    }
    let (low, high) = (low as usize, high as usize);
    for i in low + 1..=high {
        let k = r[i];
        let mut j = i;
        while j > low && lt(k, r[j - 1]) {
            r[j] = r[j - 1];
            j -= 1;
        }
        r[j] = k;
    }
}

/// numba's `partition(A, R, low, high)`: median of three, pivot stashed at `high`; returns
/// the pivot's final place. `0 <= low < high < r.len()`.
#[allow(clippy::cast_sign_loss)]
fn ranx_partition(
    r: &mut [usize],
    low: isize,
    high: isize,
    lt: impl Fn(usize, usize) -> bool,
) -> isize {
    let at = |i: isize| i as usize;
    let mid = (low + high) >> 1;
    if lt(r[at(mid)], r[at(low)]) {
        r.swap(at(low), at(mid));
    }
    if lt(r[at(high)], r[at(mid)]) {
        r.swap(at(high), at(mid));
    }
    if lt(r[at(mid)], r[at(low)]) {
        r.swap(at(low), at(mid));
    }
    let pivot = r[at(mid)];
    r.swap(at(high), at(mid));
    let mut i = low;
    let mut j = high - 1;
    loop {
        while i < high && lt(r[at(i)], pivot) {
            i += 1;
        }
        while j >= low && lt(pivot, r[at(j)]) {
            j -= 1;
        }
        if i >= j {
            break;
        }
        r.swap(at(i), at(j));
        i += 1;
        j -= 1;
    }
    r.swap(at(i), at(high));
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[f64]) -> Vec<usize> {
        let mut out = Vec::new();
        ranx_order(v, &mut out);
        out
    }

    #[test]
    fn ranx_order_sorts_and_keeps_short_ties_in_insertion_order() {
        assert_eq!(keys(&[]), Vec::<usize>::new());
        assert_eq!(keys(&[-0.5, -0.5, -0.9, -0.5]), [2, 0, 1, 3]);
        let many: Vec<f64> = (0..200).map(|i| f64::from((i * 37) % 11)).collect();
        let order = keys(&many);
        let mut seen = order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..200).collect::<Vec<_>>());
        assert!(order.windows(2).all(|w| many[w[0]] <= many[w[1]]));
    }

    #[test]
    fn ranx_order_moves_long_ties_as_numba_does() {
        // 30 equal keys: numba's partitions leave index 0 away from the front (pinned
        // against ranx itself in tests/test_ties.py).
        let order = keys(&[1.0; 30]);
        assert_ne!(order[0], 0);
    }

    #[test]
    fn expected_values_of_three_tied_documents_two_relevant() {
        let labels = [1.0, 0.0, 1.0];
        let tied = Tied {
            labels: &labels,
            starts: &[0],
        };
        let positive = [1.0, 1.0];
        let query = RankedQuery {
            hits: &[],
            num_ret: 3,
            others_judged: false,
            positive_labels: &positive,
            zero_labels: 1,
        };
        let set = MeasureSet::parse(&["P@1", "AP", "RR", "Success@1", "R@2"]).unwrap();
        let got: Vec<f64> = set
            .measures()
            .iter()
            .map(|m| expected_value(m, &tied, &query, 1.0))
            .collect();
        // Orderings RRN, RNR, NRR (each twice): AP 1, 5/6, 7/12; RR 1, 1, 1/2.
        let want = [
            2.0 / 3.0,
            (1.0 + 5.0 / 6.0 + 7.0 / 12.0) / 3.0,
            5.0 / 6.0,
            2.0 / 3.0,
            2.0 / 3.0,
        ];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
        }
    }
}
