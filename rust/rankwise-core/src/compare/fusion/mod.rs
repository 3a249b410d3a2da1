//! Run fusion: combining the rankings of several systems into one (ranx's methods).
//!
//! Each run's scores are first normalised per query ([`Normalization`]), then combined per
//! document ([`Method`]). A run is read in its ranking order (score descending, doc id
//! descending on ties, as everywhere in rankwise); ranx reads ties in an arbitrary order.
//! Queries are the union of the runs' queries (ranx keeps the first run's only).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::parallel;
use crate::trec::{Run, RunBuilder};

/// Per-query score normalisation (ranx's `norm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalization {
    /// Raw scores.
    None,
    /// `(s - min) / max(max - min, 1e-9)`.
    MinMax,
    /// `s / max(max, 1e-9)`.
    Max,
    /// `(s - min) / max(sum - n min, 1e-9)`.
    Sum,
    /// `(s - mean) / max(std, 1e-9)` (population standard deviation).
    Zmuv,
    /// `1 - i / n` for the document at 0-based rank `i` of `n`.
    Rank,
    /// Borda: `1 - i / c` for a ranked document, `0.5 - (n - 1) / (2c)` for the other
    /// candidates (documents any run retrieved; `c` of them).
    Borda,
}

// `None` (no option) stands for [`Normalization::None`].
crate::choice!(Normalization, "norm", {
    "min-max" => Normalization::MinMax,
    "max" => Normalization::Max,
    "sum" => Normalization::Sum,
    "zmuv" => Normalization::Zmuv,
    "rank" => Normalization::Rank,
    "borda" => Normalization::Borda,
});

/// How normalised scores combine (ranx's `method`).
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// CombSUM: sum over the runs (absent = 0).
    Sum,
    /// CombMNZ: the sum times the number of runs that retrieved the document.
    Mnz,
    /// CombMAX: the largest score over the runs that retrieved it.
    Max,
    /// CombMIN: the smallest score over the runs that retrieved it.
    Min,
    /// CombANZ: the sum divided by the number of runs that retrieved it.
    Anz,
    /// Weighted sum (ranx `wsum`), one weight per run.
    WeightedSum(Vec<f64>),
    /// Reciprocal rank fusion (Cormack et al. 2009): `sum 1 / (k + rank)`, ranks from 1.
    Rrf { k: f64 },
    /// Inverse square rank (Mourão et al. 2014): `(#runs retrieving) * sum 1 / rank^2`.
    Isr,
    /// BordaFuse (Aslam & Montague 2001): `c - i` points for rank `i` (0-based) among `c`
    /// candidates, `(c - n + 1) / 2` for a candidate a run of `n` documents did not retrieve.
    Borda,
}

/// A [`Method`] by name, before its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodKind {
    Rrf,
    Sum,
    Mnz,
    Max,
    Min,
    Anz,
    Borda,
    Isr,
    WeightedSum,
}
crate::choice!(MethodKind, "method", {
    "rrf" => MethodKind::Rrf,
    "combsum" => MethodKind::Sum,
    "combmnz" => MethodKind::Mnz,
    "combmax" => MethodKind::Max,
    "combmin" => MethodKind::Min,
    "combanz" => MethodKind::Anz,
    "borda" => MethodKind::Borda,
    "isr" => MethodKind::Isr,
    "wsum" => MethodKind::WeightedSum,
});

struct Entry<'a> {
    doc: &'a [u8],
    score: f64,
}

/// Normalised scores of one run's ranking of one query (`candidates`: for Borda).
fn normalise(ranked: &[Entry<'_>], how: Normalization, candidates: usize) -> Vec<f64> {
    let n = ranked.len();
    if n == 0 {
        return Vec::new();
    }
    let scores: Vec<f64> = ranked.iter().map(|e| e.score).collect();
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    #[allow(clippy::cast_precision_loss)]
    let nf = n as f64;
    #[allow(clippy::cast_precision_loss)]
    let cf = candidates as f64;
    match how {
        Normalization::None => scores,
        Normalization::MinMax => {
            let den = (max - min).max(1e-9);
            scores.iter().map(|s| (s - min) / den).collect()
        }
        Normalization::Max => {
            let den = max.max(1e-9);
            scores.iter().map(|s| s / den).collect()
        }
        Normalization::Sum => {
            let den = (scores.iter().sum::<f64>() - min * nf).max(1e-9);
            scores.iter().map(|s| (s - min) / den).collect()
        }
        Normalization::Zmuv => {
            let mean = scores.iter().sum::<f64>() / nf;
            let std = (scores.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / nf).sqrt();
            let den = std.max(1e-9);
            scores.iter().map(|s| (s - mean) / den).collect()
        }
        #[allow(clippy::cast_precision_loss)]
        Normalization::Rank => (0..n).map(|i| 1.0 - i as f64 / nf).collect(),
        #[allow(clippy::cast_precision_loss)]
        Normalization::Borda => (0..n).map(|i| 1.0 - i as f64 / cf).collect(),
    }
}

/// Fuse `runs` into one run named `name`.
pub fn fuse(runs: &[&Run], method: &Method, norm: Normalization, name: &str) -> Result<Run> {
    if runs.is_empty() {
        return Err(RankError::invalid("runs", "at least one run", "none"));
    }
    if let Method::WeightedSum(w) = method {
        if w.len() != runs.len() {
            return Err(RankError::shape(
                "weights",
                format!("one weight per run ({})", runs.len()),
                format!("{} weights", w.len()),
            ));
        }
        if let Some(v) = w.iter().find(|v| !v.is_finite()) {
            return Err(RankError::invalid("weights", "finite numbers", v));
        }
    }
    if let Method::Rrf { k } = method
        && !(k.is_finite() && *k >= 0.0)
    {
        return Err(RankError::invalid("k", "a non-negative number", k));
    }
    // Union of the queries, in order of first appearance.
    let mut queries: Vec<&[u8]> = Vec::new();
    let mut seen: HashMap<&[u8], ()> = HashMap::new();
    for run in runs {
        for q in 0..run.num_queries() {
            let id = run.query_id_bytes(q);
            if seen.insert(id, ()).is_none() {
                queries.push(id);
            }
        }
    }
    // An interrupted call (see `crate::interrupt`) skips the queries not started.
    let watch = crate::interrupt::current();
    let fused: Vec<Vec<(Vec<u8>, f64)>> = parallel::install(|| {
        queries
            .par_iter()
            .map(|qid| {
                if watch.stopped() {
                    Vec::new()
                } else {
                    fuse_query(runs, qid, method, norm)
                }
            })
            .collect()
    });
    watch.check()?;
    let mut b = RunBuilder::new();
    b.set_name(Some(name.to_owned()));
    b.set_unique_docs(true);
    for (i, (qid, docs)) in queries.iter().zip(&fused).enumerate() {
        if i % 1024 == 0 {
            watch.check()?;
        }
        b.begin_query(&String::from_utf8_lossy(qid));
        for (doc, score) in docs {
            b.push_doc(&String::from_utf8_lossy(doc), *score);
        }
    }
    b.build()
}

fn fuse_query(
    runs: &[&Run],
    qid: &[u8],
    method: &Method,
    norm: Normalization,
) -> Vec<(Vec<u8>, f64)> {
    let rankings: Vec<Vec<Entry<'_>>> = runs
        .iter()
        .map(|run| match run.query_index(qid) {
            Some(q) => (0..run.range(q).len())
                .map(|rank| {
                    let i = run.at_rank(q, rank);
                    Entry {
                        doc: run.doc(i),
                        score: run.score(i),
                    }
                })
                .collect(),
            None => Vec::new(),
        })
        .collect();
    // Candidates: every document some run retrieved, in order of first appearance.
    let mut index: HashMap<&[u8], usize> = HashMap::new();
    let mut docs: Vec<&[u8]> = Vec::new();
    for ranking in &rankings {
        for e in ranking {
            index.entry(e.doc).or_insert_with(|| {
                docs.push(e.doc);
                docs.len() - 1
            });
        }
    }
    let c = docs.len();
    let mut sum = vec![0.0; c];
    let mut count = vec![0usize; c];
    let mut best = vec![f64::NEG_INFINITY; c];
    let mut worst = vec![f64::INFINITY; c];
    #[allow(clippy::cast_precision_loss)]
    let cf = c as f64;
    for (r, ranking) in rankings.iter().enumerate() {
        let values: Vec<f64> = match method {
            #[allow(clippy::cast_precision_loss)]
            Method::Rrf { k } => (0..ranking.len())
                .map(|i| 1.0 / (k + (i + 1) as f64))
                .collect(),
            #[allow(clippy::cast_precision_loss)]
            Method::Isr => (0..ranking.len())
                .map(|i| 1.0 / ((i + 1) as f64).powi(2))
                .collect(),
            #[allow(clippy::cast_precision_loss)]
            Method::Borda => (0..ranking.len()).map(|i| cf - i as f64).collect(),
            _ => normalise(ranking, norm, c),
        };
        let weight = match method {
            Method::WeightedSum(w) => w[r],
            _ => 1.0,
        };
        let mut retrieved = vec![false; c];
        for (e, v) in ranking.iter().zip(values) {
            let j = index[e.doc];
            retrieved[j] = true;
            sum[j] += weight * v;
            count[j] += 1;
            best[j] = best[j].max(v);
            worst[j] = worst[j].min(v);
        }
        // Candidates this run did not retrieve still score under Borda-style schemes.
        #[allow(clippy::cast_precision_loss)]
        let missing = match (method, norm) {
            (Method::Borda, _) => Some((cf - ranking.len() as f64 + 1.0) / 2.0),
            (Method::Rrf { .. } | Method::Isr, _) => None,
            (_, Normalization::Borda) => Some(0.5 - (ranking.len() as f64 - 1.0) / (2.0 * cf)),
            _ => None,
        };
        if let Some(m) = missing {
            for j in (0..c).filter(|&j| !retrieved[j]) {
                sum[j] += weight * m;
                count[j] += 1;
                best[j] = best[j].max(m);
                worst[j] = worst[j].min(m);
            }
        }
    }
    docs.iter()
        .enumerate()
        .map(|(j, d)| {
            #[allow(clippy::cast_precision_loss)]
            let n = count[j] as f64;
            let score = match method {
                Method::Sum | Method::WeightedSum(_) | Method::Rrf { .. } | Method::Borda => sum[j],
                Method::Mnz | Method::Isr => sum[j] * n,
                Method::Max => best[j],
                Method::Min => worst[j],
                Method::Anz => sum[j] / n,
            };
            (d.to_vec(), score)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rows: &[(&str, &str, f64)]) -> Run {
        let mut b = Run::builder();
        for &(q, d, s) in rows {
            b.push(q, d, s);
        }
        b.build().unwrap()
    }

    fn scores(r: &Run, q: &str) -> Vec<(String, f64)> {
        let qi = r.query_index(q.as_bytes()).unwrap();
        (0..r.range(qi).len())
            .map(|k| {
                let i = r.at_rank(qi, k);
                (String::from_utf8_lossy(r.doc(i)).into_owned(), r.score(i))
            })
            .collect()
    }

    #[test]
    fn rrf_and_combsum() {
        let a = run(&[("q", "x", 3.0), ("q", "y", 2.0)]);
        let b = run(&[("q", "y", 9.0), ("q", "z", 1.0), ("p", "w", 1.0)]);
        let f = fuse(
            &[&a, &b],
            &Method::Rrf { k: 60.0 },
            Normalization::None,
            "rrf",
        )
        .unwrap();
        let s = scores(&f, "q");
        assert_eq!(s[0].0, "y");
        assert!((s[0].1 - (1.0 / 62.0 + 1.0 / 61.0)).abs() < 1e-15);
        assert_eq!(f.num_queries(), 2, "queries are the union");
        let f = fuse(&[&a, &b], &Method::Mnz, Normalization::MinMax, "mnz").unwrap();
        let s = scores(&f, "q");
        // a: x 1, y 0; b: y 1, z 0 -> y: (0 + 1) * 2 = 2, x: 1, z: 0
        assert_eq!(
            s,
            vec![("y".into(), 2.0), ("x".into(), 1.0), ("z".into(), 0.0)]
        );
    }

    #[test]
    fn bad_weights_are_refused() {
        let a = run(&[("q", "x", 1.0)]);
        let e = fuse(
            &[&a],
            &Method::WeightedSum(vec![1.0, 2.0]),
            Normalization::None,
            "w",
        );
        assert!(e.unwrap_err().to_string().contains("`weights`"));
        assert!(fuse(&[], &Method::Sum, Normalization::None, "x").is_err());
    }
}
