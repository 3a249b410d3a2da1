//! Binary-relevance measures: a document is relevant when its label is `>= rel`. Besides
//! trec_eval's, ir_measures' Accuracy and BEIR's capped recall.
//!
//! trec_eval's follow its 9.0.x sources (`m_map.c`, `m_map_cut.c`, `m_recip_rank.c`, `m_P.c`,
//! `m_recall.c`, `m_Rprec.c`, `m_success.c`, `m_iprec_at_recall.c`): a cutoff larger than the
//! ranking counts the missing ranks as non-relevant, and denominators that count relevant
//! documents use every judged relevant document of the query, retrieved or not.

use super::measure::TrecEval;
use super::{Hit, RankedQuery};

#[inline]
fn relevant(hits: &[Hit], rel: f64) -> impl Iterator<Item = &Hit> {
    hits.iter().filter(move |h| h.label >= rel)
}

#[allow(clippy::cast_precision_loss)]
#[inline]
fn f(n: usize) -> f64 {
    n as f64
}

/// Average precision down to `cutoff`:
/// `AP@k = (1/R) sum_{relevant d at rank i <= k} (relevant in top i) / i`, with `R` the number
/// of relevant judged documents (trec_eval `map`, `map_cut.k`). 0 when `R = 0`.
pub fn average_precision(q: &RankedQuery<'_>, cutoff: Option<usize>, rel: f64) -> f64 {
    let num_rel = q.num_rel(rel);
    if num_rel == 0 {
        return 0.0;
    }
    let mut found = 0usize;
    let mut sum = 0.0;
    for h in relevant(q.hits_before(q.limit(cutoff)), rel) {
        found += 1;
        sum += f(found) / f(h.rank as usize + 1);
    }
    if found == 0 { 0.0 } else { sum / f(num_rel) }
}

/// Yet another average precision (trec_eval `yaap`, `m_yaap.c`; S. Robertson, "On Smoothing
/// Average Precision", ECIR 2012): `log((1 + S) / (1 + R - S))`, where `S` is average
/// precision's sum `sum_{relevant d at rank i} (relevant in top i) / i` over the whole ranking
/// and `R` the number of relevant judged documents. `log(1) = 0` when `R = 0`.
pub fn yaap(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let mut found = 0usize;
    let mut sum = 0.0;
    for h in relevant(q.hits_before(q.num_ret), rel) {
        found += 1;
        sum += f(found) / f(h.rank as usize + 1);
    }
    ((1.0 + sum) / (1.0 + f(q.num_rel(rel)) - sum)).ln()
}

/// Accuracy (ir_measures' `Accuracy@k`, computed by its own `accuracy` provider): the
/// share of (relevant, non-relevant) pairs of the top `k` in which the relevant document
/// ranks first, `1 - sum_{relevant r} nonrel_above(r) / (num_nonrel * num_rel)`, where every
/// document with a label below `rel` (unjudged ones too) is non-relevant.
///
/// Where ir_measures reports nothing rankwise reports a value: 0 when no relevant document is
/// in the top `k` (ir_measures leaves the query out of its mean), 1 when no non-relevant one
/// is (ir_measures divides by zero).
pub fn accuracy(q: &RankedQuery<'_>, cutoff: Option<usize>, rel: f64) -> f64 {
    let limit = q.limit(cutoff);
    let (mut num_rel, mut nonrel_above) = (0usize, 0usize);
    for h in relevant(q.hits_before(limit), rel) {
        nonrel_above += h.rank as usize - num_rel;
        num_rel += 1;
    }
    let num_nonrel = limit - num_rel;
    match (num_rel, num_nonrel) {
        (0, _) => 0.0,
        (_, 0) => 1.0,
        _ => 1.0 - f(nonrel_above) / (f(num_nonrel) * f(num_rel)),
    }
}

/// Capped recall at `k` (BEIR's `recall_cap`, `beir/retrieval/custom_metrics.py`; Thakur et
/// al., "BEIR", NeurIPS Datasets and Benchmarks 2021): relevant documents in the top `k` over
/// `min(k, R)`, so that a query with more than `k` relevant documents can reach 1. 0 when the
/// query has no relevant document (BEIR divides by zero).
pub fn capped_recall(q: &RankedQuery<'_>, k: usize, rel: f64) -> f64 {
    let denominator = q.num_rel(rel).min(k);
    if denominator == 0 {
        return 0.0;
    }
    let found = relevant(q.hits_before(q.limit(Some(k))), rel).count();
    f(found) / f(denominator)
}

/// Reciprocal rank of the first relevant document within `cutoff` (trec_eval `recip_rank`
/// has no cutoff; `RR@k` equals `recip_rank` on the ranking truncated at `k`). 0 if none.
pub fn reciprocal_rank(q: &RankedQuery<'_>, cutoff: Option<usize>, rel: f64) -> f64 {
    relevant(q.hits_before(q.limit(cutoff)), rel)
        .next()
        .map_or(0.0, |h| 1.0 / f(h.rank as usize + 1))
}

/// Precision at `k`: relevant documents in the top `k`, divided by `k` even when fewer than
/// `k` documents were retrieved (trec_eval `P.k`).
pub fn precision(q: &RankedQuery<'_>, k: usize, rel: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let found = relevant(q.hits_before(q.limit(Some(k))), rel).count();
    f(found) / f(k)
}

/// Recall at `k`: relevant documents in the top `k` over all relevant judged documents
/// (trec_eval `recall.k`). 0 when the query has no relevant document.
pub fn recall(q: &RankedQuery<'_>, cutoff: Option<usize>, rel: f64) -> f64 {
    let num_rel = q.num_rel(rel);
    if num_rel == 0 {
        return 0.0;
    }
    let found = relevant(q.hits_before(q.limit(cutoff)), rel).count();
    f(found) / f(num_rel)
}

/// R-precision: precision after `R` documents, `R` the number of relevant judged documents,
/// looking at no more than the ranking holds (trec_eval `Rprec`).
pub fn r_precision(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let num_rel = q.num_rel(rel);
    let look = num_rel.min(q.num_ret);
    if look == 0 {
        return 0.0;
    }
    let found = relevant(q.hits_before(look), rel).count();
    f(found) / f(num_rel)
}

/// 1 if a relevant document is in the top `k`, else 0 (trec_eval `success.k`, ranx
/// `hit_rate@k`).
pub fn success(q: &RankedQuery<'_>, cutoff: Option<usize>, rel: f64) -> f64 {
    if relevant(q.hits_before(q.limit(cutoff)), rel)
        .next()
        .is_some()
    {
        1.0
    } else {
        0.0
    }
}

/// Interpolated precision at recall level `recall` (trec_eval 9.0.x `iprec_at_recall`):
/// the highest precision reached at or after the rank where `c` relevant documents have been
/// seen, with `c = (long)(recall * R + 0.9)` exactly as trec_eval 9.0.x rounds it, or
/// `lround(recall * R)` as 10.0 does (`version`, see [`TrecEval::recall_cutoff`]). 0 when fewer than `c` relevant documents are
/// retrieved, and 0 for an empty ranking (trec_eval computes 0/0 there and prints NaN).
pub fn interpolated_precision(
    q: &RankedQuery<'_>,
    recall: f64,
    rel: f64,
    version: TrecEval,
) -> f64 {
    let needed = version.recall_cutoff(recall, q.num_rel(rel));
    let mut best = 0.0f64;
    let mut seen = 0usize;
    let mut rel_hits = relevant(q.hits, rel).peekable();
    if rel_hits.peek().is_none() {
        return 0.0; // nothing relevant retrieved: every precision is 0
    }
    // Precision is constant between relevant documents and falls as rank grows, so the
    // maximum over ranks >= r is reached at a relevant document's own rank.
    let target = needed.max(1);
    let mut reached = false;
    for h in rel_hits {
        seen += 1;
        if seen == target {
            reached = true;
        }
        if reached {
            best = best.max(f(seen) / f(h.rank as usize + 1));
        }
    }
    if reached { best } else { 0.0 }
}

/// Rank-biased precision (Moffat & Zobel, TOIS 2008):
/// `RBP(p) = (1 - p) sum_i rel_i p^i` over the whole ranking (0-based `i`), with binary
/// `rel_i` (label `>= rel`), as ranx's `rbp` documents it. `RBP@k` sums over the top `k`
/// only, as ir_measures' `RBP@k` does (its trectools provider cuts the ranking at depth `k`).
pub fn rank_biased_precision(q: &RankedQuery<'_>, k: Option<usize>, p: f64, rel: f64) -> f64 {
    // fold from +0.0: `Iterator::sum` of no floats is -0.0
    let sum = relevant(q.hits_before(q.limit(k)), rel)
        .map(|h| p.powf(f64::from(h.rank)))
        .fold(0.0, |acc, x| acc + x);
    (1.0 - p) * sum
}

/// trec_eval 10.0's `rbp` (`te_calc_rbp` in `m_rbp.c`): `(1 - p) * sum gain_i p^i` over the
/// whole ranking, `i` 0-based, `p^i` as the running product trec_eval keeps. A document's gain
/// is its label (`setup_gains` in `gain_init.c`: each judged level `l >= 0` gains `l`; unjudged
/// and negative labels gain 0), rescaled to `(gain - min) / (max - min)` when `min < 0 || max >
/// 1`. `m_rbp.c` compares the gains with `min` and `max` before giving them a value (undefined
/// behaviour in C); the 10.0 build rankwise is checked against behaves as if both started at
/// 0, so, gains being `>= 0`, `min = 0` and `max` is the largest judged label: labels over the
/// largest when it is above 1, as they are otherwise. That is what the 10.0 build does; the C
/// source leaves it undefined (`docs/guide/trec_eval_versions.md`).
pub fn trec_rbp(q: &RankedQuery<'_>, p: f64) -> f64 {
    let (min, max) = (
        0.0,
        q.positive_labels.first().copied().unwrap_or(0.0).max(0.0),
    );
    let rescale = min < 0.0 || max > 1.0;
    let mut sum = 0.0;
    let mut cur_p = 1.0; // p^0
    let mut rank = 0;
    for h in q.hits_before(q.num_ret) {
        while rank < h.rank {
            cur_p *= p;
            rank += 1;
        }
        if h.label > 0.0 {
            let gain = if rescale {
                (h.label - min) / (max - min)
            } else {
                h.label
            };
            sum += gain * cur_p;
        }
    }
    (1.0 - p) * sum
}

/// Precision at `k` relative to the best possible: relevant documents in the top `k` over
/// `min(k, R)` (trec_eval `relative_P.k`: precision up to `R`, recall after). 0 when `R = 0`.
pub fn relative_precision(q: &RankedQuery<'_>, k: usize, rel: f64) -> f64 {
    let num_rel = q.num_rel(rel);
    if num_rel == 0 || k == 0 {
        return 0.0;
    }
    let found = relevant(q.hits_before(q.limit(Some(k))), rel).count();
    f(found) / f(k.min(num_rel))
}

/// Precision at a multiple of `R`: `P@c` with `c = (long)(mult * R + 0.9)`, as trec_eval's
/// `Rprec_mult` rounds it; 0 when `c = 0`. A ranking shorter than `c` counts the missing ranks
/// as non-relevant, as `P@k` does.
pub fn r_precision_mult(q: &RankedQuery<'_>, mult: f64, rel: f64) -> f64 {
    // trec_eval: `(long)(cutoff_percents[i] * rr.num_rel + 0.9)`.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let cutoff = (mult * f(q.num_rel(rel)) + 0.9) as usize;
    precision(q, cutoff, rel)
}

/// Interpolated precision averaged over recall `levels` (trec_eval `11pt_avg`, by default
/// the 11 levels 0.0, 0.1, ..., 1.0). Summed from the highest level down, as trec_eval does,
/// so the floating-point result is the same.
pub fn interpolated_precision_average(
    q: &RankedQuery<'_>,
    levels: &[f64],
    rel: f64,
    version: TrecEval,
) -> f64 {
    if levels.is_empty() {
        return 0.0;
    }
    let sum = levels.iter().rev().fold(0.0, |acc, &r| {
        acc + interpolated_precision(q, r, rel, version)
    });
    sum / f(levels.len())
}

/// Binary G (trec_eval `binG`): each relevant retrieved document earns
/// `1 / log2(2 + non-relevant documents ranked above it)`; the sum is divided by `R`.
pub fn binary_g(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let mut sum = 0.0;
    let mut found = 0usize;
    for h in relevant(q.hits, rel) {
        found += 1;
        // trec_eval: `1.0 / log2((double)(3 + i - rel_so_far))`, i the 0-based rank.
        sum += 1.0 / super::log2_discount(h.rank as usize + 1 - found);
    }
    if found == 0 {
        0.0
    } else {
        sum / f(q.num_rel(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Owned, close};
    use super::*;

    fn q(ranked: &[Option<f64>], unretrieved: &[f64]) -> Owned {
        Owned::run(ranked, unretrieved)
    }

    #[test]
    fn average_precision_divides_by_all_relevant() {
        // R N R, plus one relevant never retrieved: (1/1 + 2/3) / 3
        let o = q(&[Some(1.0), Some(0.0), Some(2.0)], &[1.0]);
        assert!(close(
            average_precision(&o.view(), None, 1.0),
            (1.0 + 2.0 / 3.0) / 3.0
        ));
        assert!(close(average_precision(&o.view(), Some(2), 1.0), 1.0 / 3.0));
        // rel level 2: only the third doc is relevant
        assert!(close(average_precision(&o.view(), None, 2.0), 1.0 / 3.0));
    }

    #[test]
    fn precision_counts_missing_ranks_as_non_relevant() {
        let o = q(&[Some(1.0), None, Some(1.0)], &[]);
        assert!(close(precision(&o.view(), 5, 1.0), 2.0 / 5.0));
        assert!(close(precision(&o.view(), 1, 1.0), 1.0));
        assert!(close(recall(&o.view(), Some(1), 1.0), 0.5));
        assert!(close(success(&o.view(), Some(1), 1.0), 1.0));
    }

    #[test]
    fn reciprocal_rank_respects_the_cutoff() {
        let o = q(&[None, Some(0.0), Some(1.0)], &[]);
        assert!(close(reciprocal_rank(&o.view(), None, 1.0), 1.0 / 3.0));
        assert_eq!(reciprocal_rank(&o.view(), Some(2), 1.0), 0.0);
    }

    #[test]
    fn r_precision_looks_at_r_documents() {
        // R = 3 relevant judged; top 3 has 2 relevant.
        let o = q(&[Some(1.0), None, Some(1.0), Some(1.0)], &[]);
        assert!(close(r_precision(&o.view(), 1.0), 2.0 / 3.0));
        // ranking shorter than R: still divided by R.
        let o = q(&[Some(1.0)], &[1.0, 1.0]);
        assert!(close(r_precision(&o.view(), 1.0), 1.0 / 3.0));
    }

    #[test]
    fn interpolated_precision_matches_trec_eval_rounding() {
        // Relevant at ranks 1 and 3 of 3, R = 3: precisions 1/1, 2/3.
        let o = q(&[Some(1.0), Some(0.0), Some(1.0)], &[1.0]);
        let v = o.view();
        assert!(close(
            interpolated_precision(&v, 0.0, 1.0, TrecEval::V9),
            1.0
        ));
        // 0.5 * 3 + 0.9 = 2.4 -> 2 relevant needed: max precision from rank 3 on = 2/3
        assert!(close(
            interpolated_precision(&v, 0.5, 1.0, TrecEval::V9),
            2.0 / 3.0
        ));
        // 1.0 * 3 + 0.9 -> 3 needed, only 2 retrieved
        assert_eq!(interpolated_precision(&v, 1.0, 1.0, TrecEval::V9), 0.0);
        // 0.1 * 3 + 0.9 = 1.2 -> 1
        assert!(close(
            interpolated_precision(&v, 0.1, 1.0, TrecEval::V9),
            1.0
        ));
    }

    #[test]
    fn yaap_is_the_log_odds_of_the_ap_sum() {
        // R N R, one relevant unretrieved: S = 1/1 + 2/3, R = 3.
        let o = q(&[Some(1.0), Some(0.0), Some(1.0)], &[1.0]);
        let s: f64 = 1.0 + 2.0 / 3.0;
        assert!(close(yaap(&o.view(), 1.0), ((1.0 + s) / (4.0 - s)).ln()));
        assert_eq!(yaap(&q(&[Some(0.0)], &[]).view(), 1.0), 0.0);
    }

    #[test]
    fn trec_eval_10_rounds_recall_cutoffs_to_nearest() {
        // Same ranking, R = 3. Level 0.4: 9.0 needs (long)(1.2 + 0.9) = 2 relevant
        // documents (best precision from rank 3 on, 2/3); 10.0 needs lround(1.2) = 1 (1/1).
        let o = q(&[Some(1.0), Some(0.0), Some(1.0)], &[1.0]);
        let v = o.view();
        assert!(close(
            interpolated_precision(&v, 0.4, 1.0, TrecEval::V9),
            2.0 / 3.0
        ));
        assert!(close(
            interpolated_precision(&v, 0.4, 1.0, TrecEval::V10),
            1.0
        ));
        // Halves round away from zero in both: 0.5 * 3 = 1.5 -> 2.
        assert_eq!(TrecEval::V10.recall_cutoff(0.5, 3), 2);
        assert_eq!(TrecEval::V9.recall_cutoff(0.5, 3), 2);
        assert_eq!(TrecEval::V10.recall_cutoff(0.1, 4), 0);
        assert_eq!(TrecEval::V9.recall_cutoff(0.1, 4), 1);
    }

    #[test]
    fn relative_and_multiple_of_r_precision() {
        // R = 2; ranking R N R N.
        let o = q(&[Some(1.0), Some(0.0), Some(1.0), Some(0.0)], &[]);
        let v = o.view();
        assert!(close(relative_precision(&v, 1, 1.0), 1.0));
        assert!(close(relative_precision(&v, 2, 1.0), 0.5));
        assert!(close(relative_precision(&v, 10, 1.0), 1.0));
        // c = (long)(0.2 * 2 + 0.9) = 1 -> P@1; c = (long)(2 * 2 + .9) = 4 -> P@4
        assert!(close(r_precision_mult(&v, 0.2, 1.0), 1.0));
        assert!(close(r_precision_mult(&v, 2.0, 1.0), 0.5));
        // no relevant: c = 0
        let o = q(&[Some(0.0)], &[]);
        assert_eq!(r_precision_mult(&o.view(), 0.2, 1.0), 0.0);
    }

    #[test]
    fn eleven_point_average_and_binary_g() {
        let o = q(&[Some(1.0), Some(0.0), Some(1.0)], &[1.0]);
        let v = o.view();
        let levels = [0.0, 0.5, 1.0];
        let expected = (1.0 + 2.0 / 3.0 + 0.0) / 3.0;
        assert!(close(
            interpolated_precision_average(&v, &levels, 1.0, TrecEval::V9),
            expected
        ));
        // first relevant: no non-relevant above -> 1/log2(2); second: one above -> 1/log2(3)
        assert!(close(binary_g(&v, 1.0), (1.0 + 1.0 / 3f64.log2()) / 3.0));
    }

    #[test]
    fn rbp_is_binary_and_geometric() {
        let o = q(&[Some(2.0), None, Some(1.0)], &[]);
        assert!(close(
            rank_biased_precision(&o.view(), None, 0.8, 1.0),
            0.2 * (1.0 + 0.64)
        ));
    }

    #[test]
    fn capped_recall_caps_at_k() {
        // 3 relevant, 1 in the top 2: 1 / min(3, 2)
        let o = Owned::run(&[Some(1.0), Some(0.0), Some(1.0)], &[2.0]);
        assert!(close(capped_recall(&o.view(), 2, 1.0), 0.5));
        assert!(close(capped_recall(&o.view(), 10, 1.0), 2.0 / 3.0));
        assert_eq!(capped_recall(&o.view(), 10, 5.0), 0.0);
    }

    #[test]
    fn accuracy_counts_pairs_in_order() {
        // relevant at ranks 1 and 3 of 4 (0-based 0, 2): nonrel above = 0 and 1; 2 nonrel.
        let o = Owned::run(&[Some(1.0), Some(0.0), Some(2.0), None], &[]);
        assert!(close(accuracy(&o.view(), None, 1.0), 1.0 - 1.0 / 4.0));
        assert!(close(accuracy(&o.view(), Some(2), 1.0), 1.0));
        assert_eq!(accuracy(&o.view(), Some(1), 1.0), 1.0);
        assert_eq!(accuracy(&o.view(), None, 3.0), 0.0);
    }
}
