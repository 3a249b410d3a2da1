//! Ordering documents by score with an explicit tie rule, and finding the ranks of the few
//! documents that measures look at.
//!
//! Two tie rules exist in the core:
//! * arrays have no document ids, so equal scores keep **input order** (the lower index ranks
//!   first). Together with "score descending" this is a total order, so the result does not
//!   depend on the sorting algorithm;
//! * runs follow trec_eval: score descending, then **document id descending, compared as bytes**
//!   (`strcmp`), see [`trec_cmp`].
//!
//! `-0.0` and `0.0` are equal scores (as in C's `>`/`<` comparisons), and NaN never reaches
//! this module: callers reject or drop it first.

use std::cmp::Ordering;

/// A score type that arrays may hold (`f32`, `f64`). Conversion to `f64` is exact.
pub trait Score: Copy + Send + Sync + 'static {
    fn to_f64(self) -> f64;
}

impl Score for f64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Score for f32 {
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

/// A relevance label type that arrays may hold: signed integers or floats.
pub trait Label: Copy + Send + Sync + 'static {
    fn to_f64(self) -> f64;
}

macro_rules! label_from {
    ($($t:ty),*) => {$(
        impl Label for $t {
            #[inline]
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
label_from!(i8, i16, i32, i64, u8, u16, u32, f32, f64);

/// An order key for each float width: the IEEE 754 bits of `score + 0.0` (so `-0.0` becomes
/// `0.0`), all inverted for a negative score and with the sign bit set for a positive one,
/// compare as unsigned integers in the order of the scores.
macro_rules! order_key {
    ($(#[$doc:meta])* $name:ident($float:ty) -> $bits:ty) => {
        $(#[$doc])*
        #[inline]
        pub fn $name(score: $float) -> $bits {
            const SIGN: $bits = 1 << (<$bits>::BITS - 1);
            let bits = (score + 0.0).to_bits();
            if bits & SIGN != 0 { !bits } else { bits | SIGN }
        }
    };
}

order_key!(
    /// An integer with the order of the (finite or infinite, not NaN) score: ascending keys
    /// for ascending scores, `-0.0` and `0.0` equal.
    score_order_key(f64) -> u64
);

/// Sort key for "score descending, then index ascending" as one integer: smaller key ranks
/// first. The score's bits are mapped to an order-preserving unsigned integer (after turning
/// `-0.0` into `0.0`), inverted for descending order, and the index fills the low 32 bits.
#[inline]
pub fn desc_key(score: f64, index: u32) -> u128 {
    (u128::from(!score_order_key(score)) << 32) | u128::from(index)
}

/// The precision at which trec_eval compares scores when it ranks a run.
///
/// trec_eval 9.0.x (and pytrec_eval, which bundles it) parses scores as `double` but copies
/// them into a `float` (`DOCNO_INFO.sim` in `form_res_rels.c`) before sorting, so two scores
/// that differ only beyond single precision are **tied** and ordered by document id.
/// trec_eval 10.0 keeps the `double` (commit dc0c991, "Convert float to double").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScorePrecision {
    /// Compare scores rounded to `f32` (trec_eval 9.0.x, pytrec_eval): the default.
    #[default]
    F32,
    /// Compare scores as `f64` (trec_eval 10.0, ranx, ir_measures).
    F64,
}

crate::choice!(ScorePrecision, "score_precision", {
    "float32" => ScorePrecision::F32,
    "float64" => ScorePrecision::F64,
});

impl ScorePrecision {
    /// The value trec_eval compares: the score, rounded to `f32` for 9.0.x semantics
    /// (round to nearest even, as C's `double` to `float` conversion).
    #[inline]
    #[allow(clippy::cast_possible_truncation)]
    pub fn key(self, score: f64) -> f64 {
        match self {
            ScorePrecision::F32 => f64::from(score as f32),
            ScorePrecision::F64 => score,
        }
    }
}

order_key!(
    /// An integer with the order of an `f32` score (not NaN): ascending keys for ascending
    /// scores, `-0.0` and `0.0` equal.
    score_order_key_f32(f32) -> u32
);

/// trec_eval's order of two retrieved documents (`comp_sim_docno` in `form_res_rels.c`):
/// higher score first; equal scores by document id descending, byte-wise. Scores are
/// compared as given: round them with [`ScorePrecision::key`] first.
#[inline]
pub fn trec_cmp(score_a: f64, doc_a: &[u8], score_b: f64, doc_b: &[u8]) -> Ordering {
    match score_b.partial_cmp(&score_a) {
        Some(Ordering::Equal) | None => doc_b.cmp(doc_a),
        Some(o) => o,
    }
}

/// A document that a measure may look at, with its 0-based rank in the ranking.
///
/// `label >= 0` is a judged relevance label; a negative label marks a document that is in the
/// judgement pool but unjudged (trec_eval's negative qrels labels). Documents that are not hits
/// share the ranking's default status (see `RankedQuery::others_judged`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub rank: u32,
    pub label: f64,
}

/// Reusable buffers for [`rank_hits`].
#[derive(Debug, Default)]
pub struct RankScratch {
    notable: Vec<(u128, f64)>,
    before: Vec<u32>,
}

/// Up to this many notable documents, ranks are counted directly (O(n r), branch-free and
/// vectorised); above it, the others are placed by binary search (O(n log r)).
const COUNTING_LIMIT: usize = 24;

/// Ranks of the *notable* documents of one row (label != 0), without sorting the whole row.
///
/// `valid(j)` says whether position `j` takes part (padding and omitted NaNs do not); valid
/// scores and labels must be finite. Writes the notable documents as [`Hit`]s in rank order
/// into `hits` and returns the number of valid documents (the ranking's length).
///
/// Ranks follow the total order of [`desc_key`] (score descending, position ascending). With
/// few notable documents (the usual ~10% relevant) each one's rank is counted in a pass over
/// the row's scores; with many, the others are placed among the sorted notable documents by
/// binary search. Either way the row itself is never sorted.
pub fn rank_hits<S: Score, L: Label>(
    scores: &[S],
    labels: &[L],
    valid: impl Fn(usize) -> bool,
    scratch: &mut RankScratch,
    hits: &mut Vec<Hit>,
) -> usize {
    let RankScratch { notable, before } = scratch;
    notable.clear();
    hits.clear();
    let mut num_valid = 0usize;
    for (j, (s, l)) in scores.iter().zip(labels).enumerate() {
        if !valid(j) {
            continue;
        }
        num_valid += 1;
        let l = l.to_f64();
        if l != 0.0 {
            notable.push((desc_key(s.to_f64(), index_u32(j)), l));
        }
    }
    if notable.is_empty() {
        return num_valid;
    }
    notable.sort_unstable_by_key(|&(k, _)| k);
    if notable.len() <= COUNTING_LIMIT {
        for &(key, label) in notable.iter() {
            #[allow(clippy::cast_possible_truncation)]
            let pos = key as u32 as usize;
            let sm = scores[pos].to_f64() + 0.0;
            // Documents ranked above m: higher scores, and equal scores at earlier positions.
            let (mut higher, mut equal) = (0u64, 0u64);
            for (j, s) in scores.iter().enumerate() {
                let v = s.to_f64();
                let ok = u64::from(valid(j));
                higher += u64::from(v > sm) & ok;
                equal += u64::from(v == sm) & ok;
            }
            let mut rank = higher;
            if equal > 1 {
                // Ties (rare with real-valued scores): count the earlier ones.
                rank += scores[..pos]
                    .iter()
                    .enumerate()
                    .filter(|&(j, s)| valid(j) && s.to_f64() == sm)
                    .count() as u64;
            }
            hits.push(Hit {
                rank: u32::try_from(rank).unwrap_or(u32::MAX),
                label,
            });
        }
        return num_valid;
    }
    before.clear();
    before.resize(notable.len() + 1, 0);
    if notable.len() < num_valid {
        for (j, (s, l)) in scores.iter().zip(labels).enumerate() {
            if !valid(j) || l.to_f64() != 0.0 {
                continue;
            }
            let key = desc_key(s.to_f64(), index_u32(j));
            let p = notable.partition_point(|&(k, _)| k < key);
            before[p] += 1;
        }
    }
    let mut others_before = 0u32;
    for (m, &(_, l)) in notable.iter().enumerate() {
        others_before += before[m];
        hits.push(Hit {
            rank: index_u32(m) + others_before,
            label: l,
        });
    }
    num_valid
}

/// Full order of the valid positions of a row (for tie-averaged measures, which need every
/// document): writes positions into `order`, best first.
pub fn full_order(
    n: usize,
    valid: impl Fn(usize) -> bool,
    score: impl Fn(usize) -> f64,
    keys: &mut Vec<u128>,
    order: &mut Vec<u32>,
) {
    keys.clear();
    keys.extend(
        (0..n)
            .filter(|&j| valid(j))
            .map(|j| desc_key(score(j), index_u32(j))),
    );
    keys.sort_unstable();
    order.clear();
    // The low 32 bits of a key are the position.
    #[allow(clippy::cast_possible_truncation)]
    order.extend(keys.iter().map(|&k| k as u32));
}

#[inline]
fn index_u32(j: usize) -> u32 {
    // Rows longer than u32::MAX are rejected when a batch is validated.
    u32::try_from(j).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn desc_key_orders_scores_descending_then_index_ascending() {
        let mut v = [
            (0.5, 0u32),
            (-1.0, 1),
            (2.0, 2),
            (0.5, 3),
            (f64::INFINITY, 4),
            (f64::NEG_INFINITY, 5),
            (-0.0, 6),
            (0.0, 7),
        ];
        v.sort_by_key(|&(s, i)| desc_key(s, i));
        let idx: Vec<u32> = v.iter().map(|x| x.1).collect();
        assert_eq!(idx, vec![4, 2, 0, 3, 6, 7, 1, 5]);
    }

    #[test]
    fn trec_order_breaks_ties_by_docno_descending() {
        assert_eq!(trec_cmp(1.0, b"a", 1.0, b"b"), Ordering::Greater);
        assert_eq!(trec_cmp(2.0, b"a", 1.0, b"b"), Ordering::Less);
        assert_eq!(trec_cmp(0.0, b"d10", -0.0, b"d9"), Ordering::Greater);
        // trec_eval 9.0.x ties scores that are equal in single precision
        let p = ScorePrecision::F32;
        assert_eq!(p.key(1.0 + 1e-12), p.key(1.0));
        assert_eq!(p.key(6e-160), 0.0);
        assert!(ScorePrecision::F64.key(1.0 + 1e-12) > 1.0);
    }

    fn brute_force(scores: &[f64], labels: &[f64]) -> Vec<Hit> {
        let mut idx: Vec<usize> = (0..scores.len()).collect();
        idx.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).unwrap().then(a.cmp(&b)));
        idx.iter()
            .enumerate()
            .filter(|&(_, &j)| labels[j] != 0.0)
            .map(|(r, &j)| Hit {
                rank: r as u32,
                label: labels[j],
            })
            .collect()
    }

    proptest! {
        #[test]
        fn rank_hits_equals_a_full_stable_sort(
            rows in prop::collection::vec((0i8..6, prop_oneof![Just(0.0), Just(1.0), Just(2.0), Just(-1.0)]), 0..120)
        ) {
            let scores: Vec<f64> = rows.iter().map(|r| f64::from(r.0) / 2.0).collect();
            let labels: Vec<f64> = rows.iter().map(|r| r.1).collect();
            let mut scratch = RankScratch::default();
            let mut hits = Vec::new();
            let n = rank_hits(&scores, &labels, |_| true, &mut scratch, &mut hits);
            prop_assert_eq!(n, scores.len());
            prop_assert_eq!(hits, brute_force(&scores, &labels));
        }
    }
}
