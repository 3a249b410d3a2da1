//! Graded measures: DCG, nDCG (linear or exponential gains), tie-averaged DCG and ERR.

use super::{Gain, RankedQuery, log2_discount};

impl Gain {
    /// Gain of a label: the label itself (trec_eval, Järvelin & Kekäläinen) or `2^label - 1`
    /// (Burges et al.; ranx `ndcg_burges`, gdeval). Labels `<= 0` (and pool-but-unjudged
    /// documents) gain nothing.
    #[inline]
    pub fn of(self, label: f64) -> f64 {
        if label <= 0.0 {
            return 0.0;
        }
        match self {
            Gain::Linear => label,
            Gain::Exp2 => label.exp2() - 1.0,
        }
    }
}

/// Discounted cumulative gain of the ranking down to `cutoff`:
/// `DCG@k = sum_{i < min(k, n)} gain(l_i) / log2(i + 2)` (0-based `i`).
///
/// Summed in rank order, skipping zero gains, with a division per term: the same operations
/// as trec_eval's `te_calc_ndcg`/`te_calc_ndcg_cut` (`m_ndcg.c`, `m_ndcg_cut.c`), so the
/// result is bit-identical.
pub fn dcg(q: &RankedQuery<'_>, cutoff: Option<usize>, gain: Gain) -> f64 {
    let mut sum = 0.0;
    for h in q.hits_before(q.limit(cutoff)) {
        let g = gain.of(h.label);
        if g > 0.0 {
            sum += g / log2_discount(h.rank as usize);
        }
    }
    sum
}

/// DCG of the ideal ranking: all judged documents of the query sorted by label, down to
/// `cutoff` (trec_eval builds it from the qrels, not from the retrieved documents).
pub fn ideal_dcg(q: &RankedQuery<'_>, cutoff: Option<usize>, gain: Gain) -> f64 {
    let depth = cutoff.unwrap_or(usize::MAX);
    let mut sum = 0.0;
    for (i, &l) in q.positive_labels.iter().take(depth).enumerate() {
        sum += gain.of(l) / log2_discount(i);
    }
    sum
}

/// Normalised DCG: `DCG@k / IDCG@k`, 0 when the ideal is 0 (no relevant judged document).
///
/// Without a cutoff this is trec_eval's `ndcg`; with one, `ndcg_cut.k`. The ideal ranking is
/// truncated at the same `k` and extends past the end of a short run. trec_eval's relevance
/// level (`-l`) does not apply to nDCG.
pub fn ndcg(q: &RankedQuery<'_>, cutoff: Option<usize>, gain: Gain) -> f64 {
    let ideal = ideal_dcg(q, cutoff, gain);
    if ideal > 0.0 {
        dcg(q, cutoff, gain) / ideal
    } else {
        0.0
    }
}

/// Expected reciprocal rank (Chapelle et al., CIKM 2009) down to `cutoff`:
/// `ERR@k = sum_{i<k} R_i / (i + 1) * prod_{j<i} (1 - R_j)` with
/// `R = (2^min(l, g_max) - 1) / 2^g_max`.
///
/// As gdeval (ir_measures' `ERR@k` provider) computes it: `g_max = 4` by default, labels above
/// `g_max` count as `g_max` (gdeval refuses them), negative labels as 0.
pub fn err(q: &RankedQuery<'_>, cutoff: Option<usize>, max_grade: f64) -> f64 {
    let denom = max_grade.exp2();
    let mut score = 0.0;
    let mut decay = 1.0;
    for h in q.hits_before(q.limit(cutoff)) {
        if h.label <= 0.0 {
            continue;
        }
        let r = (h.label.min(max_grade).exp2() - 1.0) / denom;
        score += r * decay / f64::from(h.rank + 1);
        decay *= 1.0 - r;
    }
    score
}

/// Tie-averaged DCG (McSherry & Najork, ECIR 2008), as `sklearn.metrics.dcg_score` computes it
/// by default: every document of a group of equal scores receives the group's mean gain, and
/// the group gets the sum of the discounts of the ranks it spans (discounts past `cutoff` are 0).
///
/// `gains` are the gains in rank order and `group_ends[g]` the exclusive end of group `g`.
pub fn tie_averaged_dcg(gains: &[f64], group_ends: &[usize], cutoff: Option<usize>) -> f64 {
    let limit = cutoff.map_or(gains.len(), |k| k.min(gains.len()));
    let mut total = 0.0;
    let mut start = 0;
    for &end in group_ends {
        if start >= limit {
            break;
        }
        let group = &gains[start..end];
        #[allow(clippy::cast_precision_loss)]
        let mean = group.iter().sum::<f64>() / group.len() as f64;
        let discounts = (start..end.min(limit))
            .map(|i| 1.0 / log2_discount(i))
            .fold(0.0, |acc, d| acc + d);
        total += mean * discounts;
        start = end;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Owned, close};
    use super::*;

    #[test]
    fn ndcg_matches_hand_computation() {
        // ranked labels 3, 2, 0, 1; one more relevant (3) never retrieved.
        let q = Owned::run(&[Some(3.0), Some(2.0), Some(0.0), Some(1.0)], &[3.0]);
        let dcg4 = 3.0 + 2.0 / 3f64.log2() + 1.0 / 5f64.log2();
        let ideal4 = 3.0 + 3.0 / 3f64.log2() + 2.0 / 2.0 + 1.0 / 5f64.log2();
        assert!(close(ndcg(&q.view(), None, Gain::Linear), dcg4 / ideal4));
        let dcg2 = 3.0 + 2.0 / 3f64.log2();
        let ideal2 = 3.0 + 3.0 / 3f64.log2();
        assert!(close(ndcg(&q.view(), Some(2), Gain::Linear), dcg2 / ideal2));
        assert!(close(dcg(&q.view(), Some(2), Gain::Linear), dcg2));
    }

    #[test]
    fn ideal_extends_past_a_short_run() {
        // One doc retrieved, relevant; three relevant judged: nDCG@10 < 1.
        let q = Owned::run(&[Some(1.0)], &[1.0, 1.0]);
        let ideal = 1.0 + 1.0 / 3f64.log2() + 1.0 / 2.0;
        assert!(close(ndcg(&q.view(), Some(10), Gain::Linear), 1.0 / ideal));
    }

    #[test]
    fn exp2_gains_and_no_relevant_gives_zero() {
        let q = Owned::run(&[Some(2.0), Some(1.0)], &[]);
        assert!(close(
            dcg(&q.view(), None, Gain::Exp2),
            3.0 + 1.0 / 3f64.log2()
        ));
        assert!(close(ndcg(&q.view(), None, Gain::Exp2), 1.0));
        let none = Owned::run(&[Some(0.0), None], &[0.0]);
        assert_eq!(ndcg(&none.view(), Some(5), Gain::Linear), 0.0);
    }

    #[test]
    fn err_follows_gdeval() {
        // labels 4, 0, 2 with g_max = 4: R = 15/16, 0, 3/16
        let q = Owned::run(&[Some(4.0), Some(0.0), Some(2.0)], &[]);
        let expected = 15.0 / 16.0 + (1.0 - 15.0 / 16.0) * (3.0 / 16.0) / 3.0;
        assert!(close(err(&q.view(), Some(10), 4.0), expected));
        assert!(close(err(&q.view(), Some(1), 4.0), 15.0 / 16.0));
        // a label above g_max counts as g_max
        let q = Owned::run(&[Some(7.0)], &[]);
        assert!(close(err(&q.view(), None, 4.0), 15.0 / 16.0));
    }

    #[test]
    fn tie_averaged_dcg_spreads_gain_over_a_group() {
        // scores all tied, gains [1, 0, 0]: each rank gets 1/3.
        let d: f64 = (0..3).map(|i| 1.0 / log2_discount(i)).sum();
        assert!(close(
            tie_averaged_dcg(&[1.0, 0.0, 0.0], &[3], None),
            d / 3.0
        ));
        // cut inside the group: only discounts before k count.
        let d2: f64 = (0..2).map(|i| 1.0 / log2_discount(i)).sum();
        assert!(close(
            tie_averaged_dcg(&[1.0, 0.0, 0.0], &[3], Some(2)),
            d2 / 3.0
        ));
    }
}
