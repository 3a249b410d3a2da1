//! Run fusion: combining the rankings of several systems into one (ranx's methods).
//!
//! Each run's scores are first normalised per query ([`Normalization`]), then combined per
//! document ([`Method`]). A run is read in its ranking order (score descending, doc id
//! descending on ties, as everywhere in rankwise); ranx reads ties in an arbitrary order.
//! Queries are the union of the runs' queries (ranx keeps the first run's only).
//!
//! The supervised methods (BayesFuse, MAPFuse, PosFuse, ProbFuse, SegFuse, SlideFuse) take
//! what [`train`] estimates from training qrels; [`optimize`] searches a method's parameters.

mod condorcet;
pub mod optimize;
pub mod train;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::parallel;
use crate::ranking::ScorePrecision;
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

/// The log-odds BayesFuse gives a document a run did not retrieve, `ln(0.001 / 0.999)`
/// (ranx's `min_odd`).
pub const MIN_LOG_ODDS: f64 = -6.906_754_778_648_554;

/// How normalised scores combine (ranx's `method`). "Retrieving runs" are the runs that
/// ranked the document; `i` is a 0-based rank.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// CombSUM (Fox & Shaw 1993): sum over the runs (absent = 0).
    Sum,
    /// CombMNZ: the sum times the number of runs that retrieved the document.
    Mnz,
    /// CombMAX: the largest score over the runs that retrieved it.
    Max,
    /// CombMIN: the smallest score over the runs that retrieved it.
    Min,
    /// CombANZ: the sum divided by the number of runs that retrieved it.
    Anz,
    /// CombMED: the median over the retrieving runs (mean of the middle two for an even count).
    Med,
    /// CombGMNZ (Lee 1997): the sum times `count ^ gamma`.
    Gmnz { gamma: f64 },
    /// Weighted sum (ranx `wsum`), one weight per run.
    WeightedSum(Vec<f64>),
    /// WMNZ: the (unweighted) sum times the sum of the retrieving runs' weights.
    Wmnz(Vec<f64>),
    /// Mixed: the weighted sum times `sqrt(count)`.
    Mixed(Vec<f64>),
    /// Reciprocal rank fusion (Cormack et al. 2009): `sum 1 / (k + rank)`, ranks from 1.
    Rrf { k: f64 },
    /// Inverse square rank (Mourão et al. 2014): `(#runs retrieving) * sum 1 / rank^2`.
    Isr,
    /// LogN-ISR (Mourão et al. 2015): `ln(count + sigma) * sum 1 / rank^2`.
    LognIsr { sigma: f64 },
    /// Log_ISR (Mourão et al. 2015): `ln(count) * sum 1 / rank^2` (0 for a document one run
    /// retrieved).
    LogIsr,
    /// Rank-biased centroid (Bailey et al. 2017): `sum (1 - phi) phi^i`.
    Rbc { phi: f64 },
    /// BordaFuse (Aslam & Montague 2001): `c - i` points for rank `i` (0-based) among `c`
    /// candidates, `(c - n + 1) / 2` for a candidate a run of `n` documents did not retrieve.
    Borda,
    /// Condorcet fuse (Montague & Aslam 2002): candidates sorted by pairwise majority
    /// (see [`condorcet`]); the first of `c` scores `c`, the last 1.
    Condorcet,
    /// Weighted BordaFuse (Aslam & Montague 2001): each run's Borda points times its weight,
    /// summed.
    WeightedBorda(Vec<f64>),
    /// Weighted Condorcet fuse (Montague & Aslam 2002): [`Method::Condorcet`] with each run's
    /// vote counting its weight.
    WeightedCondorcet(Vec<f64>),
    /// BayesFuse (Aslam & Montague 2001): `sum log_odds[run][i]` over all runs, a run that did
    /// not retrieve the document (or ranks it past its table) adding [`MIN_LOG_ODDS`].
    BayesFuse(Vec<Vec<f64>>),
    /// MAPFuse (Lillis et al. 2010): `sum map[run] / (i + 1)`.
    MapFuse(Vec<f64>),
    /// PosFuse (Lillis et al. 2010): `sum probs[run][i]` (0 past the table).
    PosFuse(Vec<Vec<f64>>),
    /// ProbFuse (Lillis et al. 2006): a ranking of `n` is cut into `len(probs[run])` segments
    /// of `ceil(n / segments)`; rank `i` in segment `s` adds `probs[run][s] / (s + 1)`.
    ProbFuse(Vec<Vec<f64>>),
    /// SegFuse (Shokouhi 2007): segments `[0, 5), [5, 15), [15, 35), ...` (sizes
    /// `10 * 2^(s-1) - 5`); rank `i` in segment `s` adds `probs[run][s] * (score + 1)`.
    SegFuse(Vec<Vec<f64>>),
    /// SlideFuse (Lillis et al. 2008): rank `i` adds the mean of `probs[run]` over ranks
    /// `max(i - w, 0) ..= min(i + w, n - 1)` (entries past the table count 0).
    SlideFuse { probs: Vec<Vec<f64>>, w: usize },
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
    Med,
    Gmnz,
    LognIsr,
    LogIsr,
    Condorcet,
    WeightedBorda,
    WeightedCondorcet,
    Rbc,
    Wmnz,
    Mixed,
    BayesFuse,
    MapFuse,
    PosFuse,
    ProbFuse,
    SegFuse,
    SlideFuse,
}
// ranx's own names for CombSUM ... CombGMNZ and BordaFuse are accepted as aliases.
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
    "combmed" => MethodKind::Med,
    "combgmnz" => MethodKind::Gmnz,
    "logn_isr" => MethodKind::LognIsr,
    "condorcet" => MethodKind::Condorcet,
    "rbc" => MethodKind::Rbc,
    "wmnz" => MethodKind::Wmnz,
    "mixed" => MethodKind::Mixed,
    "bayesfuse" => MethodKind::BayesFuse,
    "mapfuse" => MethodKind::MapFuse,
    "posfuse" => MethodKind::PosFuse,
    "probfuse" => MethodKind::ProbFuse,
    "segfuse" => MethodKind::SegFuse,
    "slidefuse" => MethodKind::SlideFuse,
    "sum" => MethodKind::Sum,
    "mnz" => MethodKind::Mnz,
    "max" => MethodKind::Max,
    "min" => MethodKind::Min,
    "anz" => MethodKind::Anz,
    "med" => MethodKind::Med,
    "gmnz" => MethodKind::Gmnz,
    "bordafuse" => MethodKind::Borda,
    "log_isr" => MethodKind::LogIsr,
    "w_bordafuse" => MethodKind::WeightedBorda,
    "w_condorcet" => MethodKind::WeightedCondorcet,
});

/// SegFuse's segment boundaries: `0` then `10 * 2^(s-1) - 5` for `s = 1..=10` (Shokouhi 2007).
pub const SEGFUSE_BOUNDS: [usize; 11] = [0, 5, 15, 35, 75, 155, 315, 635, 1275, 2555, 5115];

/// Hashes document ids with FxHash rather than SipHash (ids are trusted input, as in the run
/// index), for the many lookups of long rankings.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // FxHash (rustc's): rotate, xor a word, multiply.
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.0 = h;
    }
    fn write_usize(&mut self, _len: usize) {}
}

type IdMap<'a> = HashMap<&'a [u8], usize, BuildHasherDefault<IdHasher>>;

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

fn check_per_run<T>(argument: &str, what: &str, values: &[T], runs: usize) -> Result<()> {
    if values.len() == runs {
        Ok(())
    } else {
        Err(RankError::shape(
            argument,
            format!("one {what} per run ({runs})"),
            format!("{} {what}s", values.len()),
        ))
    }
}

fn check_finite<'a>(argument: &str, values: impl IntoIterator<Item = &'a f64>) -> Result<()> {
    match values.into_iter().find(|v| !v.is_finite()) {
        Some(v) => Err(RankError::invalid(argument, "finite numbers", v)),
        None => Ok(()),
    }
}

fn check_tables(argument: &str, tables: &[Vec<f64>], runs: usize) -> Result<()> {
    check_per_run(argument, "table", tables, runs)?;
    check_finite(argument, tables.iter().flatten())
}

fn check_parameter(argument: &str, value: f64, lo: f64, hi: f64, expected: &str) -> Result<()> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(RankError::invalid(argument, expected, value))
    }
}

/// Check `method`'s parameters against the number of runs.
pub fn check_method(method: &Method, runs: usize) -> Result<()> {
    match method {
        Method::WeightedSum(w)
        | Method::Wmnz(w)
        | Method::Mixed(w)
        | Method::WeightedBorda(w)
        | Method::WeightedCondorcet(w) => {
            check_per_run("weights", "weight", w, runs)?;
            check_finite("weights", w)
        }
        Method::MapFuse(m) => {
            check_per_run("map_scores", "score", m, runs)?;
            check_finite("map_scores", m)
        }
        Method::BayesFuse(t) => check_tables("log_odds", t, runs),
        Method::PosFuse(t) | Method::SlideFuse { probs: t, .. } => check_tables("probs", t, runs),
        Method::ProbFuse(t) => {
            check_tables("probs", t, runs)?;
            match t.iter().find(|p| p.is_empty()) {
                Some(_) => Err(RankError::invalid(
                    "probs",
                    "at least one segment probability per run",
                    "an empty table",
                )),
                None => Ok(()),
            }
        }
        Method::SegFuse(t) => {
            check_tables("probs", t, runs)?;
            match t.iter().find(|p| p.len() >= SEGFUSE_BOUNDS.len()) {
                Some(p) => Err(RankError::invalid(
                    "probs",
                    format!(
                        "at most {} segment probabilities per run",
                        SEGFUSE_BOUNDS.len() - 1
                    ),
                    format!("{} of them", p.len()),
                )),
                None => Ok(()),
            }
        }
        Method::Rrf { k } => check_parameter("k", *k, 0.0, f64::MAX, "a non-negative number"),
        Method::Gmnz { gamma } => {
            check_parameter("gamma", *gamma, f64::MIN, f64::MAX, "a finite number")
        }
        Method::LognIsr { sigma } => {
            check_parameter("sigma", *sigma, 0.0, 1.0, "a number in [0, 1]")
        }
        Method::Rbc { phi } => check_parameter("phi", *phi, 0.0, 1.0, "a number in [0, 1]"),
        _ => Ok(()),
    }
}

/// Fuse `runs` into one run named `name`.
pub fn fuse(runs: &[&Run], method: &Method, norm: Normalization, name: &str) -> Result<Run> {
    if runs.is_empty() {
        return Err(RankError::invalid("runs", "at least one run", "none"));
    }
    check_method(method, runs.len())?;
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
    let fused: Vec<Vec<(&[u8], f64)>> = parallel::install(|| {
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
    // Fused scores are ranked at the precision of the runs fused (f64 if any run is f64).
    if runs
        .iter()
        .any(|r| r.score_precision() == ScorePrecision::F64)
    {
        b.set_score_precision(ScorePrecision::F64);
    }
    b.reserve(fused.iter().map(Vec::len).sum());
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

/// The value run `r` gives the documents of its `ranking`, in ranking order.
#[allow(clippy::cast_precision_loss)]
fn run_values(
    ranking: &[Entry<'_>],
    r: usize,
    method: &Method,
    norm: Normalization,
    candidates: usize,
) -> Vec<f64> {
    let n = ranking.len();
    let ranks = 0..n;
    match method {
        Method::Rrf { k } => ranks.map(|i| 1.0 / (k + (i + 1) as f64)).collect(),
        Method::Isr | Method::LognIsr { .. } | Method::LogIsr => {
            ranks.map(|i| 1.0 / ((i + 1) as f64).powi(2)).collect()
        }
        Method::Borda | Method::WeightedBorda(_) => {
            ranks.map(|i| candidates as f64 - i as f64).collect()
        }
        Method::Rbc { phi } => ranks.map(|i| (1.0 - phi) * phi.powf(i as f64)).collect(),
        Method::MapFuse(m) => ranks.map(|i| m[r] / (i + 1) as f64).collect(),
        Method::PosFuse(p) => ranks.map(|i| p[r].get(i).copied().unwrap_or(0.0)).collect(),
        Method::BayesFuse(t) => ranks
            .map(|i| t[r].get(i).copied().unwrap_or(MIN_LOG_ODDS))
            .collect(),
        Method::ProbFuse(p) => {
            let segments = p[r].len();
            let size = n.div_ceil(segments).max(1);
            ranks
                .map(|i| {
                    let s = i / size;
                    p[r][s] / (s + 1) as f64
                })
                .collect()
        }
        Method::SegFuse(p) => {
            let scores = normalise(ranking, norm, candidates);
            ranks
                .zip(scores)
                .map(|(i, s)| {
                    let seg = SEGFUSE_BOUNDS[1..].iter().position(|&end| i < end);
                    let prob = seg.and_then(|k| p[r].get(k)).copied().unwrap_or(0.0);
                    prob * (s + 1.0)
                })
                .collect()
        }
        Method::SlideFuse { probs, w } => {
            let p = &probs[r];
            ranks
                .map(|i| {
                    let a = i.saturating_sub(*w);
                    let b = (i.saturating_add(*w)).min(n - 1);
                    let hi = (b + 1).min(p.len());
                    let total: f64 = if a < hi { p[a..hi].iter().sum() } else { 0.0 };
                    total / (b - a + 1) as f64
                })
                .collect()
        }
        _ => normalise(ranking, norm, candidates),
    }
}

/// The median of `values` (not empty), as numpy's: the mean of the middle two for an even count.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn fuse_query<'a>(
    runs: &[&'a Run],
    qid: &[u8],
    method: &Method,
    norm: Normalization,
) -> Vec<(&'a [u8], f64)> {
    let rankings: Vec<Vec<Entry<'a>>> = runs
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
    // Candidates: every document some run retrieved, in order of first appearance; `slots`
    // holds each ranking's candidate indices, so every document id is hashed once.
    let total: usize = rankings.iter().map(Vec::len).sum();
    let mut index = IdMap::with_capacity_and_hasher(total, BuildHasherDefault::default());
    let mut docs: Vec<&'a [u8]> = Vec::with_capacity(total);
    let slots: Vec<Vec<usize>> = rankings
        .iter()
        .map(|ranking| {
            ranking
                .iter()
                .map(|e| {
                    *index.entry(e.doc).or_insert_with(|| {
                        docs.push(e.doc);
                        docs.len() - 1
                    })
                })
                .collect()
        })
        .collect();
    let c = docs.len();
    if let Method::Condorcet | Method::WeightedCondorcet(_) = method {
        let positions: Vec<Vec<usize>> = slots
            .iter()
            .map(|slot| {
                let mut pos = vec![usize::MAX; c];
                for (i, &j) in slot.iter().enumerate() {
                    pos[j] = i;
                }
                pos
            })
            .collect();
        let weights = match method {
            Method::WeightedCondorcet(w) => Some(w.as_slice()),
            _ => None,
        };
        let order = condorcet::order(&positions, weights, c);
        #[allow(clippy::cast_precision_loss)]
        return order
            .iter()
            .enumerate()
            .map(|(i, &j)| (docs[j], (c - i) as f64))
            .collect();
    }
    let mut sum = vec![0.0; c];
    let mut count = vec![0usize; c];
    let mut best = vec![f64::NEG_INFINITY; c];
    let mut worst = vec![f64::INFINITY; c];
    let mut each: Vec<Vec<f64>> = match method {
        Method::Med => vec![Vec::new(); c],
        _ => Vec::new(),
    };
    let mut weight_of_retrieving = match method {
        Method::Wmnz(_) => vec![0.0; c],
        _ => Vec::new(),
    };
    let mut retrieved = vec![false; c];
    for (r, (ranking, slot)) in rankings.iter().zip(&slots).enumerate() {
        let values = run_values(ranking, r, method, norm, c);
        let weight = match method {
            Method::WeightedSum(w) | Method::Mixed(w) | Method::WeightedBorda(w) => w[r],
            _ => 1.0,
        };
        // Candidate `j` takes the value `v` from this run (retrieved, or the missing value).
        let mut add = |j: usize, v: f64| {
            sum[j] += weight * v;
            count[j] += 1;
            best[j] = best[j].max(v);
            worst[j] = worst[j].min(v);
            if let Some(vals) = each.get_mut(j) {
                vals.push(v);
            }
            if let Method::Wmnz(w) = method {
                weight_of_retrieving[j] += w[r];
            }
        };
        retrieved.fill(false);
        for (&j, v) in slot.iter().zip(values) {
            retrieved[j] = true;
            add(j, v);
        }
        // Candidates this run did not retrieve still score under Borda-style schemes.
        #[allow(clippy::cast_precision_loss)]
        let missing = match (method, norm) {
            (Method::Borda | Method::WeightedBorda(_), _) => {
                Some((c as f64 - ranking.len() as f64 + 1.0) / 2.0)
            }
            (Method::BayesFuse(_), _) => Some(MIN_LOG_ODDS),
            (
                Method::Rrf { .. }
                | Method::Isr
                | Method::LognIsr { .. }
                | Method::LogIsr
                | Method::Rbc { .. }
                | Method::MapFuse(_)
                | Method::PosFuse(_)
                | Method::ProbFuse(_)
                | Method::SlideFuse { .. },
                _,
            ) => None,
            (_, Normalization::Borda) => {
                Some(0.5 - (ranking.len() as f64 - 1.0) / (2.0 * c as f64))
            }
            _ => None,
        };
        if let Some(m) = missing {
            for j in (0..c).filter(|&j| !retrieved[j]) {
                add(j, m);
            }
        }
    }
    docs.iter()
        .enumerate()
        .map(|(j, d)| {
            #[allow(clippy::cast_precision_loss)]
            let n = count[j] as f64;
            let score = match method {
                Method::Mnz | Method::Isr => sum[j] * n,
                Method::Gmnz { gamma } => sum[j] * n.powf(*gamma),
                Method::LognIsr { sigma } => sum[j] * (n + sigma).ln(),
                Method::LogIsr => sum[j] * n.ln(),
                Method::Mixed(_) => sum[j] * n.sqrt(),
                Method::Wmnz(_) => sum[j] * weight_of_retrieving[j],
                Method::Max => best[j],
                Method::Min => worst[j],
                Method::Anz => sum[j] / n,
                Method::Med => median(&mut each[j]),
                _ => sum[j],
            };
            (*d, score)
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
