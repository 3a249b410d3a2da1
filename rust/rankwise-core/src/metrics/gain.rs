//! Graded measures: DCG, nDCG (linear, exponential or custom gains), tie-averaged DCG, ERR,
//! scaled DCG (SDCG) and compatibility (Compat).

use super::measure::GainMap;
use super::{Gain, RankedQuery, log2_discount};

impl Gain {
    /// Gain of a label: the label itself (trec_eval, Järvelin & Kekäläinen) or `2^label - 1`
    /// (Burges et al.; ranx `ndcg_burges`, gdeval), where labels `<= 0` (and pool-but-unjudged
    /// documents) gain nothing; or a custom map's gain (label 0 included).
    #[inline]
    pub fn of(self, label: f64) -> f64 {
        match self {
            Gain::Custom(map) => Gain::custom(&map, label),
            _ if label <= 0.0 => 0.0,
            Gain::Linear => label,
            Gain::Exp2 => label.exp2() - 1.0,
        }
    }

    /// Gain of a label under a custom map, where label 0 may gain something; negative labels
    /// (unjudged pool documents) gain nothing.
    #[inline]
    fn custom(map: &GainMap, label: f64) -> f64 {
        if label < 0.0 { 0.0 } else { map.get(label) }
    }
}

/// `sum_{i < limit} gain(l_i) / log2(i + 2)` over every ranked document: hits through `gain`,
/// the documents between hits with `between` (judged label 0 in arrays; unjudged, 0, in runs).
fn discounted_sum(
    q: &RankedQuery<'_>,
    limit: usize,
    gain: impl Fn(f64) -> f64,
    between: f64,
) -> f64 {
    let mut sum = 0.0;
    let mut hits = q.hits_before(limit).iter().peekable();
    for i in 0..limit {
        let g = match hits.peek() {
            Some(h) if h.rank as usize == i => {
                let label = h.label;
                hits.next();
                gain(label)
            }
            _ => between,
        };
        if g != 0.0 {
            sum += g / log2_discount(i);
        }
        if between == 0.0 && hits.peek().is_none() {
            break;
        }
    }
    sum
}

/// Discounted cumulative gain of the ranking down to `cutoff`:
/// `DCG@k = sum_{i < min(k, n)} gain(l_i) / log2(i + 2)` (0-based `i`).
///
/// Summed in rank order, skipping zero gains, with a division per term: the same operations
/// as trec_eval's `te_calc_ndcg`/`te_calc_ndcg_cut` (`m_ndcg.c`, `m_ndcg_cut.c`), so the
/// result is bit-identical.
pub fn dcg(q: &RankedQuery<'_>, cutoff: Option<usize>, gain: Gain) -> f64 {
    if let Gain::Custom(map) = gain {
        let between = if q.others_judged {
            Gain::custom(&map, 0.0)
        } else {
            0.0
        };
        return discounted_sum(q, q.limit(cutoff), |l| Gain::custom(&map, l), between);
    }
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
    if let Gain::Custom(map) = gain {
        // The judged labels relabelled, best first (a map need not keep the labels' order).
        let zero = Gain::custom(&map, 0.0);
        let mut gains: Vec<f64> = q
            .positive_labels
            .iter()
            .map(|&l| Gain::custom(&map, l))
            .chain(std::iter::repeat_n(
                zero,
                if zero > 0.0 { q.zero_labels } else { 0 },
            ))
            .filter(|&g| g > 0.0)
            .collect();
        gains.sort_by(|a, b| b.total_cmp(a));
        return gains
            .iter()
            .take(depth)
            .enumerate()
            .fold(0.0, |sum, (i, &g)| sum + g / log2_discount(i));
    }
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

/// Scaled DCG (ir_measures' `SDCG(max_rel=m)@k`, computed there by cwl_eval's `NDCG-k`;
/// Moffat, Bailey, Scholer & Thomas, "Incorporating user expectations and behavior into the
/// measurement of search effectiveness", TOIS 35(3), 2017, and Azzopardi, Thomas & Moffat,
/// "cwl_eval", SIGIR 2019): the C/W/L user of DCG@k, whose weight at 0-based rank `i < k` is
/// `(1 / log2(i + 2)) / sum_{j < k} 1 / log2(j + 2)`, times the label scaled to [0, 1]:
/// `(clamp(max(l, 0), min_rel, max_rel) - min_rel) / (max_rel - min_rel)`. Unjudged documents
/// gain 0. Equivalently DCG@k over the DCG@k of `k` documents of gain 1: nDCG as if the query
/// had at least `k` fully relevant documents.
///
/// As cwl_eval (whose `max_n` ir_measures' provider fixes at 1000), only the top
/// [`CWL_MAX_RANKS`] ranks count, in the ranking and in the normaliser: `SDCG@k` for a larger
/// `k` is `SDCG@1000`, and the cost per query stays bounded whatever `k`.
pub fn scaled_dcg(q: &RankedQuery<'_>, k: usize, min_rel: f64, max_rel: f64) -> f64 {
    let k = k.min(CWL_MAX_RANKS);
    let scale = |l: f64| (l.max(0.0).clamp(min_rel, max_rel) - min_rel) / (max_rel - min_rel);
    let between = if q.others_judged { scale(0.0) } else { 0.0 };
    let dcg = discounted_sum(q, q.limit(Some(k)), scale, between);
    let norm = (0..k).fold(0.0, |acc, i| acc + 1.0 / log2_discount(i));
    if norm > 0.0 { dcg / norm } else { 0.0 }
}

/// The ranks cwl_eval reads (`max_n=1000` in ir_measures' `cwl_eval` provider).
pub const CWL_MAX_RANKS: usize = 1000;

/// Compatibility (Clarke, Vtyurina & Smucker, "Assessing top-k preferences", TOIS 39(3),
/// 2021), as ir_measures' `compat` provider computes it: the rank-biased overlap (Webber,
/// Moffat & Zobel, TOIS 28(4), 2010) of the ranking with an ideal ranking, down to
/// `d = max(n, |ideal|)`, `RBO = sum_{i<d} p^i |R_{:i+1} ∩ I_{:i+1}| / (i + 1) / sum_{i<d} p^i`,
/// divided by the RBO of the ideal with itself when `normalize`.
///
/// The ideal ranking holds the documents with a label `> 0` by decreasing label; documents of
/// one label come in the order of the ranking, the unretrieved ones after them (the paper's
/// most compatible ideal; the provider sorts them by run score, which agrees for positive
/// scores).
pub fn compatibility(q: &RankedQuery<'_>, p: f64, normalize: bool) -> f64 {
    let ideal_len = q.positive_labels.len();
    let depth = q.num_ret.max(ideal_len);
    if depth == 0 {
        return 0.0;
    }
    // Each retrieved relevant document enters the overlap at depth max(rank, ideal position).
    let mut enters = vec![0usize; depth];
    let mut seen_at_label = vec![0usize; ideal_len];
    for h in q.hits.iter().filter(|h| h.label > 0.0) {
        let above = q.positive_labels.partition_point(|&l| l > h.label);
        let pos = above + seen_at_label[above];
        seen_at_label[above] += 1;
        enters[(h.rank as usize).max(pos)] += 1;
    }
    let rbo = |overlap_at: &mut dyn FnMut(usize) -> usize| {
        let (mut score, mut normalizer, mut weight) = (0.0f64, 0.0f64, 1.0f64);
        for i in 0..depth {
            score += weight * f(overlap_at(i)) / f(i + 1);
            normalizer += weight;
            weight *= p;
        }
        score / normalizer
    };
    let mut overlap = 0;
    let score = rbo(&mut |i| {
        overlap += enters[i];
        overlap
    });
    if normalize {
        let best = rbo(&mut |i| (i + 1).min(ideal_len));
        if best > 0.0 {
            return score / best;
        }
    }
    score
}

/// Linear gains of the whole ranking in rank order (0 for documents that are not hits).
fn dense_gains<'a>(q: &'a RankedQuery<'_>) -> impl Iterator<Item = f64> + 'a {
    let mut hits = q.hits.iter().peekable();
    (0..q.num_ret).map(move |i| match hits.peek() {
        Some(h) if h.rank as usize == i => {
            let g = Gain::Linear.of(h.label);
            hits.next();
            g
        }
        _ => 0.0,
    })
}

/// Gain of the ideal ranking at 0-based rank `i`.
#[inline]
fn ideal_gain(q: &RankedQuery<'_>, i: usize) -> f64 {
    q.positive_labels.get(i).copied().unwrap_or(0.0)
}

#[allow(clippy::cast_precision_loss)]
#[inline]
fn f(n: usize) -> f64 {
    n as f64
}

/// Normalised gain G (trec_eval `G`, `m_G.c`): a document at rank `i` earns
/// `gain / log2(2 + cost(i) - results(i))`, where `results(i)` is the gain retrieved down to
/// `i` and `cost(i)` the ideal gain down to `i` with each rank costing at least 1; the sum is
/// divided by the total ideal gain. Linear gains (trec_eval's default gain per level).
pub fn normalized_gain(q: &RankedQuery<'_>) -> f64 {
    let (mut sum_results, mut sum_cost, mut g) = (0.0f64, 0.0f64, 0.0f64);
    for (i, gain) in dense_gains(q).enumerate() {
        sum_results += gain;
        let ideal = ideal_gain(q, i);
        sum_cost += if ideal >= 1.0 { ideal } else { 1.0 };
        if gain != 0.0 {
            g += gain / (2.0 + sum_cost - sum_results).log2();
        }
    }
    let sum_ideal = q.positive_labels.iter().fold(0.0, |acc, &l| acc + l);
    if sum_ideal > 0.0 { g / sum_ideal } else { 0.0 }
}

/// nDCG averaged over the relevant documents (trec_eval `ndcg_rel`, `m_ndcg_rel.c`): the nDCG
/// at the rank of each retrieved document with a positive gain, and the nDCG at the end of the
/// ranking for each positive document not retrieved, averaged over all positive documents.
pub fn ndcg_over_relevant(q: &RankedQuery<'_>) -> f64 {
    let num_pos = q.positive_labels.len();
    if num_pos == 0 {
        return 0.0;
    }
    let (mut dcg, mut ideal, mut sum) = (0.0f64, 0.0f64, 0.0f64);
    let mut pos_ret = 0usize;
    for (i, gain) in dense_gains(q).enumerate() {
        if gain != 0.0 {
            dcg += gain / log2_discount(i);
        }
        let ig = ideal_gain(q, i);
        if ig > 0.0 {
            ideal += ig / log2_discount(i);
        }
        if gain > 0.0 {
            sum += dcg / ideal;
            pos_ret += 1;
        }
    }
    for i in q.num_ret..num_pos {
        ideal += ideal_gain(q, i) / log2_discount(i);
    }
    sum += f(num_pos - pos_ret) * dcg / ideal;
    if sum > 0.0 { sum / f(num_pos) } else { 0.0 }
}

/// nDCG averaged at the R levels (trec_eval `Rndcg`, `m_Rndcg.c`): the nDCG at each rank where
/// the ideal ranking's gain changes (the end of each relevance level) and at the end of the
/// ranking, averaged. 0 when the query has no relevant document at the relevance level.
pub fn ndcg_at_r_levels(q: &RankedQuery<'_>, rel: f64) -> f64 {
    ndcg_at_r_levels_of(q, rel, dense_gains(q))
}

/// [`ndcg_at_r_levels`] of `gains` in rank order, one per ranked document (linear in them:
/// the expected value under ties reads it with each place's expected gain).
pub fn ndcg_at_r_levels_of(
    q: &RankedQuery<'_>,
    rel: f64,
    mut gains: impl Iterator<Item = f64>,
) -> f64 {
    if q.num_rel(rel) == 0 {
        return 0.0;
    }
    let n = q.num_ret;
    let (mut dcg, mut ideal, mut sum) = (0.0f64, 0.0f64, 0.0f64);
    let mut points = 0usize;
    let mut current = ideal_gain(q, 0);
    let mut previous = current;
    let mut i = 0;
    // Mirror trec_eval's three loops: ranking and ideal together, the rest of the ranking,
    // the rest of the ideal; an nDCG point is taken before rank i when the ideal gain changes.
    let mut take_point = |dcg: f64, ideal: f64, sum: &mut f64| {
        if ideal > 0.0 {
            *sum += dcg / ideal;
            points += 1;
        }
    };
    while i < n && current > 0.0 {
        let gain = gains.next().unwrap_or(0.0);
        current = ideal_gain(q, i);
        if previous != current {
            take_point(dcg, ideal, &mut sum);
            previous = current;
        }
        if gain != 0.0 {
            dcg += gain / log2_discount(i);
        }
        if current > 0.0 {
            ideal += current / log2_discount(i);
        }
        i += 1;
    }
    if i < n {
        for gain in gains {
            if gain != 0.0 {
                dcg += gain / log2_discount(i);
            }
            i += 1;
        }
        take_point(dcg, ideal, &mut sum);
    }
    while current > 0.0 {
        current = ideal_gain(q, i);
        if previous != current {
            take_point(dcg, ideal, &mut sum);
            previous = current;
        }
        if current > 0.0 {
            ideal += current / log2_discount(i);
        }
        i += 1;
    }
    if points == 0 { 0.0 } else { sum / f(points) }
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
    fn experimental_gain_measures_by_hand() {
        // ranking: 2, 0, 1; judged positives 2, 1, 1 (one 1 unretrieved)
        let o = Owned::run(&[Some(2.0), Some(0.0), Some(1.0)], &[1.0]);
        let v = o.view();
        // G: costs 2, 3, 4; results 2, 2, 3 -> 2/log2(2) + 1/log2(3); / 4
        assert!(close(normalized_gain(&v), (2.0 + 1.0 / 3f64.log2()) / 4.0));
        // ndcg_rel: at rank 0: 1; at rank 2: dcg/ideal over 3 ranks; one unretrieved at end.
        let d = 2.0 + 1.0 / 2.0;
        let i3 = 2.0 + 1.0 / 3f64.log2() + 1.0 / 2.0;
        let expected = (1.0 + d / i3 + d / i3) / 3.0;
        assert!(close(ndcg_over_relevant(&v), expected));
        // Rndcg: ideal gains 2, 1, 1 then 0: one point where the ideal drops to 1 (before
        // rank 1: 2/2), one where it drops to 0 (after the ranking ended: d/i3).
        let expected = (2.0 / 2.0 + d / i3) / 2.0;
        assert!(close(ndcg_at_r_levels(&v, 1.0), expected));
    }

    #[test]
    fn custom_gains_relabel_before_ndcg() {
        // labels 2, 0, 1 retrieved, one more 1 unretrieved; gains {1: 3, 2: 1}: the ideal
        // is 3, 3, 1 and the ranking gains 1, 0, 3.
        let m = match crate::metrics::Measure::parse_one("nDCG(gains={1:3, 2:1})")
            .unwrap()
            .kind
        {
            crate::metrics::MeasureKind::Ndcg(g) => g,
            other => panic!("{other:?}"),
        };
        let o = Owned::run(&[Some(2.0), Some(0.0), Some(1.0)], &[1.0]);
        let d = 1.0 + 3.0 / 2.0;
        let i = 3.0 + 3.0 / 3f64.log2() + 1.0 / 2.0;
        assert!(close(ndcg(&o.view(), None, m), d / i));
        // label 0 -> 1 counts the judged non-relevant document, in the ideal too
        let m0 = match crate::metrics::Measure::parse_one("nDCG(gains={0:1})")
            .unwrap()
            .kind
        {
            crate::metrics::MeasureKind::Ndcg(g) => g,
            other => panic!("{other:?}"),
        };
        let d = 2.0 + 1.0 / 3f64.log2() + 1.0 / 2.0;
        let i = 2.0 + 1.0 / 3f64.log2() + 1.0 / 2.0 + 1.0 / 5f64.log2();
        assert!(close(ndcg(&o.view(), None, m0), d / i));
    }

    #[test]
    fn scaled_dcg_and_compatibility_by_hand() {
        // labels 3, unjudged, 1 with max_rel 3: gains 1, 0, 1/3 over k = 4 ranks
        let o = Owned::run(&[Some(3.0), None, Some(1.0)], &[2.0]);
        let norm: f64 = (0..4).map(|i| 1.0 / log2_discount(i)).sum();
        let want = (1.0 + (1.0 / 3.0) / 2.0) / norm;
        assert!(close(scaled_dcg(&o.view(), 4, 0.0, 3.0), want));
        // ideal 3, 2, 1; ranking 3, x, 1: overlaps 1, 1, 2 at depths 1..3
        let p: f64 = 0.5;
        let score = (1.0 + p * 1.0 / 2.0 + p * p * 2.0 / 3.0) / (1.0 + p + p * p);
        assert!(close(compatibility(&o.view(), p, false), score));
        let best = 1.0;
        assert!(close(compatibility(&o.view(), p, true), score / best));
        let none = Owned::run(&[], &[]);
        assert_eq!(compatibility(&none.view(), 0.9, true), 0.0);
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
