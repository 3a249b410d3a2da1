//! Measures about judgements themselves: bpref, judged@k, and the counts trec_eval prints.

use super::RankedQuery;

#[allow(clippy::cast_precision_loss)]
#[inline]
fn f(n: usize) -> f64 {
    n as f64
}

/// Binary preference (Buckley & Voorhees, SIGIR 2004), as trec_eval's `m_bpref.c`:
/// `bpref = (1/R) sum_{relevant retrieved r} (1 - min(n_r, R) / min(N, R))`, where `n_r` counts
/// the judged non-relevant documents ranked above `r` and `N` all judged non-relevant documents.
/// Documents outside the pool and pool documents with a negative label are skipped.
pub fn bpref(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let num_rel = q.num_rel(rel);
    let num_nonrel = q.num_judged() - num_rel;
    let mut nonrel_hits = 0usize;
    let mut sum = 0.0;
    for (seen, h) in q.hits.iter().enumerate() {
        if h.label < 0.0 {
            continue; // in the pool but unjudged
        }
        if h.label < rel {
            nonrel_hits += 1;
            continue;
        }
        // Documents that are not hits sit between the hits: judged non-relevant for arrays.
        let nonrel_so_far = nonrel_hits
            + if q.others_judged {
                h.rank as usize - seen
            } else {
                0
            };
        sum += if nonrel_so_far > 0 {
            1.0 - f(nonrel_so_far.min(num_rel)) / f(num_nonrel.min(num_rel))
        } else {
            1.0
        };
    }
    if num_rel > 0 { sum / f(num_rel) } else { sum }
}

/// trec_eval's `INFAP_EPSILON` (`trec_eval.h`).
const INFAP_EPSILON: f64 = 0.00001;

/// Inferred AP (Yilmaz & Aslam, CIKM 2006), as trec_eval's `m_infap.c`: for a relevant
/// document at 0-based rank `j > 0` with `r` relevant, `n` judged non-relevant and `u`
/// pooled-but-unjudged (negative label) documents above it,
/// `1/(j+1) + j/(j+1) * (r+n+u)/j * (r+eps)/(r+n+2 eps)`; 1 at rank 0. Summed and divided
/// by `R`. Documents outside the pool only advance the rank.
pub fn inferred_ap(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let (mut rel_so_far, mut nonrel_hits, mut unjudged) = (0usize, 0usize, 0usize);
    let mut sum = 0.0;
    for (seen, h) in q.hits.iter().enumerate() {
        if h.label < 0.0 {
            unjudged += 1;
            continue;
        }
        if h.label < rel {
            nonrel_hits += 1;
            continue;
        }
        rel_so_far += 1;
        let j = h.rank as usize;
        if j == 0 {
            sum += 1.0;
            continue;
        }
        let nonrel = nonrel_hits + if q.others_judged { j - seen } else { 0 };
        let above = rel_so_far - 1;
        let fj = f(j);
        sum += 1.0 / (fj + 1.0)
            + (fj / (fj + 1.0))
                * (f(above + nonrel + unjudged) / fj)
                * ((f(above) + INFAP_EPSILON) / (f(above + nonrel) + 2.0 * INFAP_EPSILON));
    }
    let num_rel = q.num_rel(rel);
    if num_rel > 0 { sum / f(num_rel) } else { sum }
}

/// Fraction of the top `k` retrieved documents that are judged (any label, negative included),
/// as ir_measures' `Judged@k`: divided by `min(k, n)` for a ranking of `n < k` documents, and 0
/// for an empty ranking.
pub fn judged(q: &RankedQuery<'_>, cutoff: Option<usize>) -> f64 {
    let limit = q.limit(cutoff);
    if limit == 0 {
        return 0.0;
    }
    let judged_hits = q.hits_before(limit).len();
    let count = if q.others_judged { limit } else { judged_hits };
    f(count) / f(limit)
}

/// BEIR's `hole@k` (`beir/retrieval/custom_metrics.py`, `hole`): the documents of the top `k`
/// that are not judged, over `k` (not `min(k, n)`). BEIR calls a document judged when any
/// query's qrels hold it; rankwise, when this query's do (see `docs/guide/exactness.md`).
pub fn hole(q: &RankedQuery<'_>, k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let limit = q.limit(Some(k));
    let judged = if q.others_judged {
        limit
    } else {
        q.hits_before(limit).len()
    };
    f(limit - judged) / f(k)
}

/// Whether the document at each rank of the ranking is judged (in the qrels with a label
/// `>= 0`), in rank order: trec_eval's `RELVALUE_NONPOOL` and `RELVALUE_UNJUDGED` are not.
fn judged_ranks<'a>(q: &'a RankedQuery<'_>) -> impl Iterator<Item = bool> + 'a {
    let mut hits = q.hits.iter().peekable();
    (0..q.num_ret).map(move |rank| match hits.peek() {
        Some(h) if h.rank as usize == rank => hits.next().is_some_and(|h| h.label >= 0.0),
        _ => q.others_judged,
    })
}

/// trec_eval 10.0's `rbp_resid` (`te_calc_rbp_resid` in `m_rbp_resid.c`): with `u` the set of
/// unjudged ranks (0-based) of a ranking of `n` documents, `p^n + (1 - p) * sum_{i in u} p^i`
/// (what RBP could gain if every unjudged document and every one after the ranking were
/// relevant), or 0 when `u` is empty; `p^i` as the running product trec_eval keeps.
pub fn rbp_residual(q: &RankedQuery<'_>, p: f64) -> f64 {
    let (mut unjudged, mut sum, mut cur_p) = (0usize, 0.0, 1.0);
    for judged in judged_ranks(q) {
        if !judged {
            unjudged += 1;
            sum += cur_p;
        }
        cur_p *= p;
    }
    if unjudged > 0 {
        cur_p + (1.0 - p) * sum
    } else {
        0.0
    }
}

/// trec_eval 10.0's `unj_k` (`te_calc_unj` in `m_unjudged.c`): the unjudged documents
/// (outside the qrels, or with a negative label) among the top `min(k, n)`, over `k`.
pub fn unjudged(q: &RankedQuery<'_>, k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let count = judged_ranks(q).take(k).filter(|&j| !j).count();
    f(count) / f(k)
}

/// Relevant documents retrieved (in the top `k` with a cutoff; ranx `hits@k`).
pub fn num_rel_ret(q: &RankedQuery<'_>, cutoff: Option<usize>, rel: f64) -> f64 {
    f(q.hits_before(q.limit(cutoff))
        .iter()
        .filter(|h| h.label >= rel)
        .count())
}

/// Documents retrieved (at most `k` with a cutoff).
pub fn num_ret(q: &RankedQuery<'_>, cutoff: Option<usize>) -> f64 {
    f(q.limit(cutoff))
}

/// Relevant judged documents of the query.
pub fn num_rel(q: &RankedQuery<'_>, rel: f64) -> f64 {
    f(q.num_rel(rel))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Owned, close};
    use super::*;

    #[test]
    fn bpref_counts_judged_non_relevant_above_each_relevant() {
        // ranking: N R ? R  (? = not judged), plus one judged non-relevant unretrieved.
        // R = 2, N = 2: first R has 1 nonrel above -> 1 - 1/2; second also 1 -> 1 - 1/2.
        let o = Owned::run(&[Some(0.0), Some(1.0), None, Some(1.0)], &[0.0]);
        assert!(close(bpref(&o.view(), 1.0), 0.5));
        // negative labels are skipped like unjudged documents
        let o = Owned::run(&[Some(-1.0), Some(1.0)], &[0.0]);
        assert!(close(bpref(&o.view(), 1.0), 1.0));
    }

    #[test]
    fn judged_divides_by_the_shorter_of_k_and_the_ranking() {
        let o = Owned::run(&[Some(0.0), None, Some(-1.0)], &[]);
        assert!(close(judged(&o.view(), Some(10)), 2.0 / 3.0));
        assert!(close(judged(&o.view(), Some(2)), 0.5));
        let empty = Owned::run(&[], &[1.0]);
        assert_eq!(judged(&empty.view(), Some(5)), 0.0);
    }

    #[test]
    fn counts() {
        let o = Owned::run(&[Some(0.0), None, Some(2.0)], &[1.0]);
        let v = o.view();
        assert_eq!(num_ret(&v, None), 3.0);
        assert_eq!(num_ret(&v, Some(2)), 2.0);
        assert_eq!(num_rel(&v, 1.0), 2.0);
        assert_eq!(num_rel_ret(&v, None, 1.0), 1.0);
        assert_eq!(num_rel_ret(&v, Some(2), 1.0), 0.0);
    }
}
