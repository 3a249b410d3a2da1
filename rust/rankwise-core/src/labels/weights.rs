//! Importance weights for training on ranked labels, and curriculum weights.
//!
//! Ranks here are **1-based** (the rank of the best candidate is 1); `-1` marks padding and
//! gives NaN; any other rank below 1 is an error (it is usually a 0-based rank passed by
//! mistake).
//!
//! * [`PositionScheme::Fullrank`]: `1 + 1/log2(r + 1)`, the identifier-token weight of
//!   fullrank (Liu et al., ACL 2025, `training/model.py::GenerationRanker.forward`);
//! * [`PositionScheme::Dcg`]: `1/log2(r + 1)`, the DCG discount;
//! * [`pair_weights`]: `1/(r_i + r_j)`, FIRST's weight of the pair of ranks `r_i`, `r_j` in
//!   its weighted RankNet loss (Reddy et al., 2024);
//! * [`curriculum_weights`]: MacAvaney et al., "Training Curricula for Open Domain Answer
//!   Re-Ranking" (SIGIR 2020): a sample of ease `D ∈ [0, 1]` (1 = easy) weighs
//!   `W = D + (i/m)(1 - D)` at training step `i < m` and `1` from step `m` on, so hard samples
//!   are down-weighted early and all weigh the same after `m` steps. This is the authors'
//!   code (OpenNIR, `onir/trainers/pointwise_cl.py::train_batch`: `weight * (1 - progress) +
//!   progress` with `progress = epoch / eoc_epoch` while `epoch < eoc_epoch`), which also adds
//!   1e-8 to `D` and scales each batch's loss by the batch's mean weight;
//! * [`curriculum_ease`]: the same code's heuristics for `D`: `1/r` from the first-stage rank
//!   `r` (`reciprank`) or the first-stage score min-max normalised per query (`normscore`,
//!   `onir/datasets/index_backed.py::_norm`) for a relevant sample, one minus it otherwise.

use crate::error::{RankError, Result};
use crate::ragged::Ragged;

/// Weight of a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionScheme {
    Fullrank,
    Dcg,
}

crate::choice!(PositionScheme, "scheme", {
    "fullrank" => PositionScheme::Fullrank,
    "dcg" => PositionScheme::Dcg,
});

fn rank_value(r: i64, argument: &str, i: usize) -> Result<Option<f64>> {
    if r == -1 {
        return Ok(None);
    }
    if r < 1 {
        return Err(RankError::invalid(
            argument,
            "1-based ranks (>= 1, or -1 for padding)",
            format!("{r} at index {i}"),
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    Ok(Some(r as f64))
}

/// Weight of each 1-based rank under `scheme`.
pub fn position_weights(ranks: &[i64], scheme: PositionScheme) -> Result<Vec<f64>> {
    ranks
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            Ok(match rank_value(r, "ranks", i)? {
                None => f64::NAN,
                Some(r) => {
                    let d = 1.0 / (r + 1.0).log2();
                    match scheme {
                        PositionScheme::Fullrank => 1.0 + d,
                        PositionScheme::Dcg => d,
                    }
                }
            })
        })
        .collect()
}

/// FIRST's pair weight `1/(r_i + r_j)` of each pair of 1-based ranks.
pub fn pair_weights(ranks_i: &[i64], ranks_j: &[i64]) -> Result<Vec<f64>> {
    if ranks_i.len() != ranks_j.len() {
        return Err(RankError::shape(
            "ranks_j",
            format!("as many ranks as `ranks_i` ({})", ranks_i.len()),
            format!("{} ranks", ranks_j.len()),
        ));
    }
    ranks_i
        .iter()
        .zip(ranks_j)
        .enumerate()
        .map(|(k, (&a, &b))| {
            Ok(
                match (rank_value(a, "ranks_i", k)?, rank_value(b, "ranks_j", k)?) {
                    (Some(a), Some(b)) => 1.0 / (a + b),
                    _ => f64::NAN,
                },
            )
        })
        .collect()
}

/// A difficulty heuristic of MacAvaney et al. (2020), giving the ease `D ∈ [0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EaseHeuristic {
    /// Reciprocal rank: `D = 1/r` for a relevant sample at first-stage rank `r` (1-based),
    /// `D = 1 - 1/r` for a non-relevant one.
    Reciprocal,
    /// Normalised score: with `s̃` the first-stage (or teacher) score min-max normalised within
    /// the query, `D = s̃` for a relevant sample and `1 - s̃` for a non-relevant one (a query
    /// whose scores are all equal gives `s̃ = 1`).
    NormScore,
}

crate::choice!(EaseHeuristic, "difficulty", {
    "reciprocal_rank" => EaseHeuristic::Reciprocal,
    "normalized_score" => EaseHeuristic::NormScore,
});

/// Ease of each sample. `scores` are the first-stage scores (higher is better), `relevant`
/// marks relevant samples; NaN scores are padding and give NaN.
pub fn curriculum_ease(
    scores: &Ragged<'_, f64>,
    relevant: &[bool],
    difficulty: EaseHeuristic,
) -> Result<Vec<f64>> {
    if relevant.len() != scores.values().len() {
        return Err(RankError::shape(
            "labels",
            format!("the shape of `scores` ({} values)", scores.values().len()),
            format!("{} values", relevant.len()),
        ));
    }
    let mut out = vec![f64::NAN; relevant.len()];
    for q in 0..scores.rows() {
        let range = scores.layout().range(q);
        let row = scores.row(q);
        let rel = &relevant[range.clone()];
        let dst = &mut out[range];
        match difficulty {
            EaseHeuristic::Reciprocal => {
                for (j, &s) in row.iter().enumerate() {
                    if s.is_nan() {
                        continue;
                    }
                    // 1-based rank: score descending, ties by position.
                    let r = 1 + row
                        .iter()
                        .enumerate()
                        .filter(|&(k, &t)| !t.is_nan() && (t > s || (t == s && k < j)))
                        .count();
                    let rr = 1.0 / r as f64;
                    dst[j] = if rel[j] { rr } else { 1.0 - rr };
                }
            }
            EaseHeuristic::NormScore => {
                let (lo, hi) = row
                    .iter()
                    .filter(|s| !s.is_nan())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &s| {
                        (lo.min(s), hi.max(s))
                    });
                if lo.is_infinite() || hi.is_infinite() {
                    if row.iter().any(|s| s.is_infinite()) {
                        return Err(RankError::invalid(
                            "scores",
                            "finite (or NaN for padding)",
                            format!("an infinite score in query {q}"),
                        ));
                    }
                    continue;
                }
                for (j, &s) in row.iter().enumerate() {
                    if s.is_nan() {
                        continue;
                    }
                    let t = if hi > lo { (s - lo) / (hi - lo) } else { 1.0 };
                    dst[j] = if rel[j] { t } else { 1.0 - t };
                }
            }
        }
    }
    Ok(out)
}

/// Curriculum weights `W = D + (i/m)(1 - D)` for `step = i < m`, `1` from `m` on.
pub fn curriculum_weights(ease: &[f64], step: u64, total_steps: u64) -> Result<Vec<f64>> {
    if total_steps == 0 {
        return Err(RankError::invalid(
            "total_steps",
            "a positive number of steps",
            0,
        ));
    }
    if let Some((i, &d)) = ease
        .iter()
        .enumerate()
        .find(|&(_, &d)| !(d.is_nan() || (0.0..=1.0).contains(&d)))
    {
        return Err(RankError::invalid(
            "ease",
            "values in [0, 1] (NaN for padding)",
            format!("{d} at index {i}"),
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    let frac = if step >= total_steps {
        1.0
    } else {
        step as f64 / total_steps as f64
    };
    Ok(ease.iter().map(|&d| d + frac * (1.0 - d)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ragged::RowLayout;

    #[test]
    fn weights_equal_their_formulas() {
        let w = position_weights(&[1, 2, 3, 10, 100, -1], PositionScheme::Fullrank).unwrap();
        let expect = [
            2.0,
            1.630_929_753_571_457_4,
            1.5,
            1.289_064_826_317_888,
            1.150_190_483_223_688,
        ];
        for (a, b) in w.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{a} {b}");
        }
        assert!(w[5].is_nan());
        assert!(position_weights(&[0], PositionScheme::Dcg).is_err());
        assert_eq!(pair_weights(&[1, 2], &[3, 2]).unwrap(), vec![0.25, 0.25]);
        let c = curriculum_weights(&[0.2, 1.0], 5, 10).unwrap();
        assert!((c[0] - 0.6).abs() < 1e-15 && c[1] == 1.0);
        assert_eq!(curriculum_weights(&[0.2], 10, 10).unwrap(), vec![1.0]);
        let s = [3.0, 1.0, 2.0];
        let r = Ragged::new(&s, RowLayout::uniform(1, 3), "scores").unwrap();
        let d = curriculum_ease(&r, &[true, true, false], EaseHeuristic::Reciprocal).unwrap();
        assert_eq!(d, vec![1.0, 1.0 / 3.0, 0.5]);
        let d = curriculum_ease(&r, &[true, true, false], EaseHeuristic::NormScore).unwrap();
        assert_eq!(d, vec![1.0, 0.0, 0.5]);
    }
}
