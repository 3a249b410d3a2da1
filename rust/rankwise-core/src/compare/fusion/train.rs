//! What the supervised fusion methods learn from training qrels, as ranx 0.3 estimates it.
//!
//! Everything reads *hit lists*: per judged query (in query-id order, as ranx sorts them), one
//! flag per rank of the run's ranking, set when the document is judged relevant (label >= 1).
//! A query the run lacks has an empty hit list. Sums follow ranx's order, so the values are
//! ranx's to the last bit or nearly.

use crate::error::{RankError, Result};
use crate::trec::{Qrels, Run};

/// BayesFuse's rank cut-offs (ranx `estimate_bayesfuse_log_odds`).
pub const BAYESFUSE_CUTOFFS: [usize; 10] = [0, 5, 10, 15, 20, 30, 100, 200, 500, 1000];

/// The hit lists of `run` for every query of `qrels`, in query-id order.
pub fn hit_lists(qrels: &Qrels, run: &Run) -> Vec<Vec<bool>> {
    let mut queries: Vec<usize> = (0..qrels.num_queries()).collect();
    queries.sort_by(|&a, &b| qrels.query_id_bytes(a).cmp(qrels.query_id_bytes(b)));
    queries
        .iter()
        .map(|&q| match run.query_index(qrels.query_id_bytes(q)) {
            Some(r) => (0..run.range(r).len())
                .map(|rank| {
                    let doc = run.doc(run.at_rank(r, rank));
                    qrels.lookup(q, doc).is_some_and(|label| label >= 1.0)
                })
                .collect(),
            None => Vec::new(),
        })
        .collect()
}

fn hits(list: &[bool], start: usize, end: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = list
        .get(start.min(list.len())..end.min(list.len()))
        .map_or(0, |s| s.iter().filter(|&&h| h).count()) as f64;
    n
}

/// BayesFuse's log-odds of relevance per rank (1000 of them): the mean precision `p` of each
/// segment between [`BAYESFUSE_CUTOFFS`] over the queries, `ln(p / (1 - p))` (0.001 added to
/// a zero `p` or `1 - p`).
#[allow(clippy::cast_precision_loss)]
pub fn bayesfuse_log_odds(lists: &[Vec<bool>]) -> Vec<f64> {
    let last = BAYESFUSE_CUTOFFS[BAYESFUSE_CUTOFFS.len() - 1];
    let mut odds = vec![0.0; last];
    let nq = lists.len() as f64;
    for pair in BAYESFUSE_CUTOFFS.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let mut p = 0.0;
        for list in lists {
            p += hits(list, start, end) / (end - start) as f64 / nq;
        }
        if p == 0.0 {
            p += 0.001;
        }
        let mut q = 1.0 - p;
        if q == 0.0 {
            q += 0.001;
        }
        odds[start..end].fill((p / q).ln());
    }
    odds
}

/// The probability that rank `i` holds a relevant document: hits at `i` over the queries
/// ranking at least `i + 1` documents (PosFuse, SlideFuse; ranx `estimate_probs`).
#[allow(clippy::cast_precision_loss)]
pub fn position_probs(lists: &[Vec<bool>]) -> Vec<f64> {
    let depth = lists.iter().map(Vec::len).max().unwrap_or(0);
    let mut num = vec![0.0; depth];
    let mut den = vec![0.0; depth];
    for list in lists {
        for (i, &h) in list.iter().enumerate() {
            den[i] += 1.0;
            num[i] += f64::from(u8::from(h));
        }
    }
    num.iter().zip(&den).map(|(n, d)| n / d).collect()
}

/// ProbFuse's segment probabilities: each ranking cut into `n_segments` segments of
/// `ceil(len / n_segments)`, the mean over queries of each segment's precision (an empty
/// segment adds 0).
#[allow(clippy::cast_precision_loss)]
pub fn probfuse_probs(lists: &[Vec<bool>], n_segments: usize) -> Result<Vec<f64>> {
    if n_segments == 0 {
        return Err(RankError::invalid("n_segments", "a positive integer", 0));
    }
    let mut probs = vec![0.0; n_segments];
    for list in lists {
        let size = list.len().div_ceil(n_segments);
        for (k, p) in probs.iter_mut().enumerate() {
            let start = (k * size).min(list.len());
            let end = ((k + 1) * size).min(list.len());
            if end > start {
                *p += hits(list, start, end) / (end - start) as f64;
            }
        }
    }
    let nq = lists.len() as f64;
    Ok(probs.iter().map(|p| p / nq).collect())
}

/// SegFuse's segment probabilities: hits in each segment of
/// [`super::SEGFUSE_BOUNDS`] over the segment's full size, averaged over queries.
#[allow(clippy::cast_precision_loss)]
pub fn segfuse_probs(lists: &[Vec<bool>]) -> Vec<f64> {
    let bounds = super::SEGFUSE_BOUNDS;
    let mut probs = vec![0.0; bounds.len() - 1];
    for list in lists {
        for (k, pair) in bounds.windows(2).enumerate() {
            probs[k] += hits(list, pair[0], pair[1]) / (pair[1] - pair[0]) as f64;
        }
    }
    let nq = lists.len() as f64;
    probs.iter().map(|p| p / nq).collect()
}

/// Mean average precision of `run` over the queries of `qrels` (ranx's `map`, MAPFuse's
/// weight): per query, the precision at each relevant rank summed over the number of
/// relevant (label >= 1) judgements; a query without any scores 0.
#[allow(clippy::cast_precision_loss)]
pub fn mean_average_precision(qrels: &Qrels, run: &Run) -> f64 {
    let lists = hit_lists(qrels, run);
    let mut queries: Vec<usize> = (0..qrels.num_queries()).collect();
    queries.sort_by(|&a, &b| qrels.query_id_bytes(a).cmp(qrels.query_id_bytes(b)));
    let mut total = 0.0;
    for (list, &q) in lists.iter().zip(&queries) {
        let relevant = qrels.range(q).filter(|&i| qrels.label(i) >= 1.0).count();
        if relevant == 0 {
            continue;
        }
        let mut found = 0.0;
        let mut sum = 0.0;
        for (i, _) in list.iter().enumerate().filter(|(_, h)| **h) {
            found += 1.0;
            sum += found / (i + 1) as f64;
        }
        total += sum / relevant as f64;
    }
    if lists.is_empty() {
        0.0
    } else {
        total / lists.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_of_a_small_example() {
        let lists = vec![vec![true, false, true], vec![false, true]];
        assert_eq!(position_probs(&lists), vec![0.5, 0.5, 1.0]);
        // n_segments 2: segments of 2 for the first list ([1/2, 1/1]), of 1 for the second
        // ([0/1, 1/1]); means over the two queries: [0.25, 1.0].
        assert_eq!(probfuse_probs(&lists, 2).unwrap(), vec![0.25, 1.0]);
        assert!(probfuse_probs(&lists, 0).is_err());
        let odds = bayesfuse_log_odds(&lists);
        assert_eq!(odds.len(), 1000);
        let p: f64 = (2.0 / 5.0 + 1.0 / 5.0) / 2.0;
        assert!((odds[0] - (p / (1.0 - p)).ln()).abs() < 1e-12);
        assert!((odds[999] - (0.001f64 / 0.999).ln()).abs() < 1e-12);
    }
}
