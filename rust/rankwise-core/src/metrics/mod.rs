//! IR effectiveness measures over one ranked query.
//!
//! Every measure reads a [`RankedQuery`]: the ranks and labels of the documents that can
//! change a measure ([`Hit`]s), the length of the ranking and the labels of all judged
//! documents of the query (for ideal rankings and recall denominators). The semantics are
//! trec_eval 9.0.x's (`usnistgov/trec_eval`, one `m_<measure>.c` file per measure; where
//! rankwise differs on purpose is listed in `docs/guide/exactness.md`); each function's doc
//! comment gives the formula and the trec_eval source it follows.
//!
//! Families: [`gain`] (nDCG, DCG, ERR, tie-averaged DCG, SDCG, Compat), [`binary`] (AP, RR,
//! P, R, R-prec, success, interpolated precision, RBP, relative P, binG, Accuracy, capped
//! recall), [`judgments`] (bpref, infAP, judged@k, counts), [`set`] (trec_eval's set measures
//! and utility). [`judged_only`] re-ranks a query without its unjudged documents for the
//! measures asked for with ir_measures' `judged_only=True`.

pub mod binary;
pub mod cwl;
pub mod gain;
pub mod judgments;
pub mod measure;
pub mod prefs;
pub mod relstring;
pub mod set;
pub mod table;

pub use crate::ranking::Hit;
use cwl::{CwlColumn, CwlGain, CwlModel, CwlParams};
pub use measure::{Aggregate, Gain, Measure, MeasureKind, MeasureSet, TrecEval};

/// One query, ranked, as the measures see it.
#[derive(Debug, Clone, Copy)]
pub struct RankedQuery<'a> {
    /// Notable documents in increasing rank. For runs: every retrieved document that is in
    /// the qrels (any label). For arrays: every document whose label is not 0.
    pub hits: &'a [Hit],
    /// Number of documents in the ranking.
    pub num_ret: usize,
    /// Status of the retrieved documents that are not hits: judged non-relevant (label 0,
    /// arrays) when true, outside the judgement pool (runs) when false.
    pub others_judged: bool,
    /// Positive labels of every judged document of the query, retrieved or not, sorted
    /// descending: the ideal ranking, and the count of relevant documents.
    pub positive_labels: &'a [f64],
    /// Number of judged documents of the query with label 0.
    pub zero_labels: usize,
}

impl RankedQuery<'_> {
    /// Number of judged documents with `label >= rel` (trec_eval's `num_rel`); `rel > 0`.
    #[inline]
    pub fn num_rel(&self, rel: f64) -> usize {
        self.positive_labels.partition_point(|&l| l >= rel)
    }

    /// Number of judged documents with a label `>= 0`.
    #[inline]
    pub fn num_judged(&self) -> usize {
        self.positive_labels.len() + self.zero_labels
    }

    /// Hits ranked above `limit` (0-based ranks `< limit`).
    #[inline]
    pub fn hits_before(&self, limit: usize) -> &[Hit] {
        let end = self.hits.partition_point(|h| (h.rank as usize) < limit);
        &self.hits[..end]
    }

    /// `min(k, num_ret)`, or `num_ret` without a cutoff.
    #[inline]
    pub fn limit(&self, cutoff: Option<usize>) -> usize {
        cutoff.map_or(self.num_ret, |k| k.min(self.num_ret))
    }
}

/// `1 / log2(rank + 2)`'s denominator for 0-based `rank`, as trec_eval computes it
/// (`log2((double)(i + 2))`). Values below 4096 come from a table built with the same
/// function, so they are bit-identical.
#[inline]
pub(crate) fn log2_discount(rank: usize) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| (0..4096).map(rank_log2).collect());
    match table.get(rank) {
        Some(&v) => v,
        None => rank_log2(rank),
    }
}

#[allow(clippy::cast_precision_loss)]
fn rank_log2(rank: usize) -> f64 {
    ((rank + 2) as f64).log2()
}

/// The query without its unjudged documents, re-ranked (trec_eval's `-J`, `form_res_rels.c`:
/// documents outside the qrels and pool documents with a negative label are dropped, the rest
/// keep their order). `hits` is scratch space for the re-ranked hits.
pub fn judged_only<'a>(q: &RankedQuery<'a>, hits: &'a mut Vec<Hit>) -> RankedQuery<'a> {
    hits.clear();
    let mut dropped = 0u32;
    for h in q.hits {
        if h.label < 0.0 {
            dropped += 1;
        } else if q.others_judged {
            // arrays: the documents between hits are judged (label 0) and stay
            hits.push(Hit {
                rank: h.rank - dropped,
                label: h.label,
            });
        } else {
            hits.push(Hit {
                rank: u32::try_from(hits.len()).unwrap_or(u32::MAX),
                label: h.label,
            });
        }
    }
    let num_ret = if q.others_judged {
        q.num_ret - dropped as usize
    } else {
        hits.len()
    };
    RankedQuery {
        hits,
        num_ret,
        ..*q
    }
}

/// Value of `measure` on `query`, with `rel_level` as the default relevance threshold for
/// binary measures.
pub fn compute(measure: &Measure, query: &RankedQuery<'_>, rel_level: f64) -> f64 {
    if measure.judged_only {
        thread_local! {
            static HITS: std::cell::RefCell<Vec<Hit>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        return HITS.with(|cell| {
            let mut hits = cell.take();
            let value = compute_kind(measure, &judged_only(query, &mut hits), rel_level);
            cell.replace(hits);
            value
        });
    }
    compute_kind(measure, query, rel_level)
}

/// [`compute`] on the ranking as given: one kernel per measure kind.
fn compute_kind(measure: &Measure, query: &RankedQuery<'_>, rel_level: f64) -> f64 {
    let rel = measure.rel.unwrap_or(rel_level);
    let k = measure.cutoff;
    match measure.kind {
        MeasureKind::Ndcg(g) => gain::ndcg(query, k, g),
        MeasureKind::Dcg(g) => gain::dcg(query, k, g),
        MeasureKind::Err { max_grade } => gain::err(query, k, max_grade),
        MeasureKind::AP | MeasureKind::GmAP => binary::average_precision(query, k, rel),
        MeasureKind::RR => binary::reciprocal_rank(query, k, rel),
        MeasureKind::P => binary::precision(query, k.unwrap_or(query.num_ret), rel),
        MeasureKind::R => binary::recall(query, k, rel),
        MeasureKind::Rprec => binary::r_precision(query, rel),
        MeasureKind::Success => binary::success(query, k, rel),
        MeasureKind::IPrec { recall } => {
            binary::interpolated_precision(query, recall, rel, measure.trec_eval)
        }
        MeasureKind::Rbp {
            p,
            column: CwlColumn::EU,
        } => binary::rank_biased_precision(query, k, p, rel),
        MeasureKind::Rbp { p, column } => cwl::cwl_measure(
            query,
            CwlModel::Rbp { theta: p },
            CwlGain::Binary { rel },
            column,
        ),
        MeasureKind::NumRelRet => judgments::num_rel_ret(query, k, rel),
        MeasureKind::Bpref => judgments::bpref(query, rel),
        MeasureKind::Judged => judgments::judged(query, k),
        MeasureKind::NumRet => judgments::num_ret(query, k),
        MeasureKind::NumRel => judgments::num_rel(query, rel),
        MeasureKind::NumQ => 1.0,
        MeasureKind::SetP => set::set_precision(query, rel),
        MeasureKind::SetRecall => set::set_recall(query, rel),
        MeasureKind::SetRelativeP => set::set_relative_precision(query, rel),
        MeasureKind::SetMap => set::set_map(query, rel),
        MeasureKind::SetF { beta } => set::set_f(query, beta, rel),
        MeasureKind::Utility {
            coef,
            num_docs_in_coll,
        } => set::utility(query, coef, num_docs_in_coll, rel),
        MeasureKind::Yaap => binary::yaap(query, rel),
        MeasureKind::NumNonrelJudgedRet => set::num_nonrel_judged_ret(query, rel),
        MeasureKind::RelativeP => binary::relative_precision(query, k.unwrap_or(0), rel),
        MeasureKind::RprecMult { mult } => binary::r_precision_mult(query, mult, rel),
        MeasureKind::IPrecAvg11 => binary::interpolated_precision_average(
            query,
            &measure::ELEVEN_RECALL_LEVELS,
            rel,
            measure.trec_eval,
        ),
        MeasureKind::GmBpref => judgments::bpref(query, rel),
        MeasureKind::InfAP => judgments::inferred_ap(query, rel),
        MeasureKind::BinG => binary::binary_g(query, rel),
        MeasureKind::G => gain::normalized_gain(query),
        MeasureKind::NdcgRel => gain::ndcg_over_relevant(query),
        MeasureKind::Rndcg => gain::ndcg_at_r_levels(query, rel),
        MeasureKind::Sdcg { min_rel, max_rel } => {
            gain::scaled_dcg(query, k.unwrap_or(0), min_rel, max_rel)
        }
        MeasureKind::Compat { p, normalize } => gain::compatibility(query, p, normalize),
        MeasureKind::Accuracy => binary::accuracy(query, k, rel),
        MeasureKind::RecallCap => binary::capped_recall(query, k.unwrap_or(0), rel),
        MeasureKind::Hole => judgments::hole(query, k.unwrap_or(0)),
        MeasureKind::TrecRbp { p } => binary::trec_rbp(query, p),
        MeasureKind::RbpResid { p } => judgments::rbp_residual(query, p),
        MeasureKind::Unj => judgments::unjudged(query, k.unwrap_or(0)),
        MeasureKind::Inst { t, cwl } => cwl_model(query, CwlModel::Inst { t }, cwl),
        MeasureKind::Insq { t, cwl } => cwl_model(query, CwlModel::Insq { t }, cwl),
        MeasureKind::Bpm { t, dynamic, cwl } => {
            let k = cwl::cost_limit(k.unwrap_or(0));
            cwl_model(query, CwlModel::Bpm { t, k, dynamic }, cwl)
        }
        MeasureKind::Nerr8 { cwl } => cwl_model(query, CwlModel::Nerr8 { k: k.unwrap_or(0) }, cwl),
        MeasureKind::Nerr9 { cwl } => cwl_model(query, CwlModel::Nerr9 { k: k.unwrap_or(0) }, cwl),
        MeasureKind::Nerr10 { p, cwl } => cwl_model(query, CwlModel::Nerr10 { phi: p }, cwl),
        MeasureKind::Nerr11 { t, cwl } => cwl_model(query, CwlModel::Nerr11 { t }, cwl),
    }
}

/// A C/W/L model on labels scaled by `cwl`'s `min_rel`/`max_rel`, at `cwl`'s column.
fn cwl_model(query: &RankedQuery<'_>, model: CwlModel, cwl: CwlParams) -> f64 {
    let gain = CwlGain::Scaled {
        min_rel: cwl.min_rel,
        max_rel: cwl.max_rel,
    };
    cwl::cwl_measure(query, model, gain, cwl.column)
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// A ranked query from labels in rank order (`None` = not judged) plus unretrieved
    /// judged labels, as a run would produce it.
    pub struct Owned {
        pub hits: Vec<Hit>,
        pub num_ret: usize,
        pub positive: Vec<f64>,
        pub zeros: usize,
    }

    impl Owned {
        pub fn run(ranked: &[Option<f64>], unretrieved: &[f64]) -> Self {
            let hits = ranked
                .iter()
                .enumerate()
                .filter_map(|(r, l)| {
                    l.map(|label| Hit {
                        rank: r as u32,
                        label,
                    })
                })
                .collect();
            let all: Vec<f64> = ranked
                .iter()
                .flatten()
                .chain(unretrieved)
                .copied()
                .collect();
            let mut positive: Vec<f64> = all.iter().copied().filter(|&l| l > 0.0).collect();
            positive.sort_by(|a, b| b.partial_cmp(a).unwrap());
            Owned {
                hits,
                num_ret: ranked.len(),
                positive,
                zeros: all.iter().filter(|&&l| l == 0.0).count(),
            }
        }

        pub fn view(&self) -> RankedQuery<'_> {
            RankedQuery {
                hits: &self.hits,
                num_ret: self.num_ret,
                others_judged: false,
                positive_labels: &self.positive,
                zero_labels: self.zeros,
            }
        }
    }

    pub fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }
}
