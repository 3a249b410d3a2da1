//! The per-query computations of ndeval (TREC Web track, `ndeval.c` version 4.5), one function
//! per step of its `applyQrels`: the same floating-point operations in the same order, so that
//! the values are equal to ndeval's to the last bit.
//!
//! Gains are "intent aware" (Agrawal et al., WSDM 2009): a document relevant to subtopic `j`
//! gains `(1 - alpha)^c` for it, where `c` is the number of documents above it relevant to `j`
//! (Clarke et al., SIGIR 2008). `ERR-IA` and `alpha-DCG` are divided by an "ideal ideal" list
//! (every subtopic covered at every rank); `nERR-IA`, `alpha-nDCG` and `nNRBP` by the values of
//! the greedy ideal ranking of the judged documents (ndeval's `idealResult`).

use super::{Params, Topic};

/// ndeval's rank discount `log(2) / log(i + 2)` for the 0-based position `i` (`discount`);
/// position 0 is 1 exactly.
pub(crate) fn discount(i: usize) -> f64 {
    if i == 0 {
        1.0
    } else {
        2f64.ln() / ((i + 2) as f64).ln()
    }
}

/// Cumulative gain curves to `depth` and NRBP of one ranked list, as ndeval's `computeDCG`,
/// `computeERR` and `computeNRBP` compute them (before `renormalize`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Curves {
    pub dcg: Vec<f64>,
    pub err: Vec<f64>,
    pub nrbp: f64,
}

/// The curves of a ranked list whose position `i` is relevant to the subtopics `rels[i]`
/// (ascending local indices; `None` for an unjudged document).
pub(crate) fn curves<'a>(
    rels: impl Iterator<Item = Option<&'a [u32]>>,
    topic: &Topic,
    depth: usize,
    p: &Params,
) -> Curves {
    let mut c = Curves {
        dcg: vec![0.0; depth],
        err: vec![0.0; depth],
        nrbp: 0.0,
    };
    if topic.actual == 0 {
        return c;
    }
    let mut gain = vec![1.0f64; topic.subtopics];
    let mut decay = 1.0f64;
    for (i, rel) in rels.enumerate() {
        let mut score = 0.0f64;
        for &j in rel.unwrap_or(&[]) {
            if let Some(g) = gain.get_mut(j as usize) {
                score += *g;
                *g *= 1.0 - p.alpha;
            }
        }
        if i < depth {
            c.dcg[i] = score * discount(i);
            c.err[i] = score / ((i + 1) as f64);
        }
        c.nrbp += score * decay;
        decay *= p.beta;
    }
    // The "ideal ideal" list: every subtopic covered at every rank.
    let mut ideal_gain = topic.actual as f64;
    let mut ideal_dcg = vec![0.0f64; depth];
    let mut ideal_err = vec![0.0f64; depth];
    for i in 0..depth {
        ideal_dcg[i] = ideal_gain * discount(i);
        ideal_err[i] = ideal_gain / ((i + 1) as f64);
        ideal_gain *= 1.0 - p.alpha;
    }
    for i in 1..depth {
        c.dcg[i] += c.dcg[i - 1];
        c.err[i] += c.err[i - 1];
        ideal_dcg[i] += ideal_dcg[i - 1];
        ideal_err[i] += ideal_err[i - 1];
    }
    // ndeval leaves position 0 undivided (its loops start at 1).
    for i in 1..depth {
        c.dcg[i] /= ideal_dcg[i];
        c.err[i] /= ideal_err[i];
    }
    c.nrbp *= (1.0 - (1.0 - p.alpha) * p.beta) / topic.actual as f64;
    c
}

/// ndeval's greedy ideal ranking (`idealResult`): at each rank the judged document with the
/// largest remaining gain, ties to the larger docno. Only documents with a positive gain are
/// returned; the rest of ndeval's ideal list adds exact zeros to every sum.
pub(crate) fn ideal_order(topic: &Topic, p: &Params) -> Vec<usize> {
    let mut gain = vec![1.0f64; topic.subtopics];
    let mut left: Vec<usize> = (0..topic.docs.len())
        .filter(|&d| !topic.rels[d].is_empty())
        .collect();
    let mut order = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let mut best: Option<(usize, f64)> = None;
        for (slot, &d) in left.iter().enumerate() {
            let mut score = 0.0f64;
            for &j in &topic.rels[d] {
                score += gain.get(j as usize).copied().unwrap_or(0.0);
            }
            let better = match best {
                None => true,
                Some((b, max)) => {
                    score > max || (score == max && topic.docs[d] > topic.docs[left[b]])
                }
            };
            if better {
                best = Some((slot, score));
            }
        }
        let Some((slot, score)) = best else { break };
        if score <= 0.0 {
            break;
        }
        let d = left.remove(slot);
        for &j in &topic.rels[d] {
            if let Some(g) = gain.get_mut(j as usize) {
                *g *= 1.0 - p.alpha;
            }
        }
        order.push(d);
    }
    order
}

/// Per-query values at every depth, ndeval's `struct rList` after `applyQrels`.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryValues {
    pub curves: Curves,
    pub ndcg: Vec<f64>,
    pub nerr: Vec<f64>,
    pub nnrbp: f64,
    pub precision: Vec<f64>,
    pub strec: Vec<f64>,
    pub map_ia: f64,
}

/// Everything ndeval computes for one run query against its judged topic; `ranked[i]` is the
/// index into `topic.docs` of the document at position `i` (`None`: unjudged).
pub(crate) fn query_values(
    topic: &Topic,
    ideal: &Curves,
    ranked: &[Option<usize>],
    depth: usize,
    p: &Params,
) -> QueryValues {
    let rel_at = |d: &Option<usize>| d.map(|d| topic.rels[d].as_slice());
    let curves = curves(ranked.iter().map(rel_at), topic, depth, p);
    let mut v = QueryValues {
        ndcg: vec![0.0; depth],
        nerr: vec![0.0; depth],
        precision: vec![0.0; depth],
        strec: vec![0.0; depth],
        ..QueryValues::default()
    };
    // renormalize: only where the run's DCG is non-zero.
    for i in 0..depth {
        if curves.dcg[i] != 0.0 {
            v.ndcg[i] = curves.dcg[i] / ideal.dcg[i];
            v.nerr[i] = curves.err[i] / ideal.err[i];
        }
    }
    // ndeval divides unconditionally and prints nan (0/0) for a topic without relevant
    // documents; rankwise gives 0, as every other measure of such a topic.
    v.nnrbp = if ideal.nrbp != 0.0 {
        curves.nrbp / ideal.nrbp
    } else {
        0.0
    };
    v.curves = curves;
    if topic.actual == 0 {
        return v;
    }
    let actual = topic.actual;
    // computeSTRecall and computePrecision.
    let mut seen = vec![false; topic.subtopics];
    let (mut covered, mut count) = (0usize, 0usize);
    for i in 0..depth {
        if let Some(rel) = ranked.get(i).and_then(rel_at) {
            for &j in rel {
                count += 1;
                if let Some(s) = seen.get_mut(j as usize)
                    && !*s
                {
                    *s = true;
                    covered += 1;
                }
            }
        }
        v.strec[i] = covered as f64 / actual as f64;
        v.precision[i] = count as f64 / ((i + 1) * actual) as f64;
    }
    // computeMAP: the intent-aware mean average precision over the whole ranking.
    let mut hits = vec![0usize; topic.subtopics];
    let mut total = vec![0.0f64; topic.subtopics];
    for (i, d) in ranked.iter().enumerate() {
        for &j in rel_at(d).unwrap_or(&[]) {
            let j = j as usize;
            if j < hits.len() {
                hits[j] += 1;
                total[j] += hits[j] as f64 / ((i + 1) as f64);
            }
        }
    }
    let mut map = 0.0f64;
    for (j, &n) in topic.nrel_sub.iter().enumerate() {
        if n != 0 {
            map += total[j] / n as f64;
        }
    }
    v.map_ia = map / actual as f64;
    v
}
