//! Training targets: soft labels, Margin-MSE margins, hard negatives, the target text of a
//! generative listwise ranker.

use crate::error::{RankError, Result};
use crate::ragged::Ragged;
use crate::ranking::desc_key;

/// Soft labels: per row, `softmax(θ / T)` of the log-strengths `θ` (under Plackett–Luce, the
/// probability of each candidate being ranked first when `T = 1`). NaN entries (unobserved or
/// padding) get probability 0 and take no part.
pub fn soft_labels(values: &Ragged<'_, f64>, temperature: f64) -> Result<Vec<f64>> {
    if !(temperature.is_finite() && temperature > 0.0) {
        return Err(RankError::invalid(
            "temperature",
            "a finite number > 0",
            temperature,
        ));
    }
    let mut out = vec![0.0; values.values().len()];
    for q in 0..values.rows() {
        let row = values.row(q);
        if let Some(j) = row.iter().position(|v| v.is_infinite()) {
            return Err(RankError::NonFinite {
                argument: "scores".into(),
                value: row[j],
                location: crate::error::Location {
                    query: q,
                    position: j,
                },
                hint: " (or NaN for padding)",
            });
        }
        let dst = &mut out[values.layout().range(q)];
        let max = row
            .iter()
            .filter(|v| !v.is_nan())
            .fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        if max == f64::NEG_INFINITY {
            continue;
        }
        let mut total = 0.0;
        for (d, &v) in dst.iter_mut().zip(row) {
            if !v.is_nan() {
                *d = ((v - max) / temperature).exp();
                total += *d;
            }
        }
        for d in dst.iter_mut() {
            *d /= total;
        }
    }
    Ok(out)
}

/// Margin-MSE targets (Hofstätter et al., 2020): `teacher(q, d+) - teacher(q, d-)` per
/// triple.
pub fn margin_targets(positive: &[f64], negative: &[f64]) -> Result<Vec<f64>> {
    if positive.len() != negative.len() {
        return Err(RankError::shape(
            "negative_scores",
            format!("one score per triple ({})", positive.len()),
            format!("{} scores", negative.len()),
        ));
    }
    for (name, v) in [("positive_scores", positive), ("negative_scores", negative)] {
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(RankError::invalid(
                name,
                "finite teacher scores",
                format!("{} at triple {i}", v[i]),
            ));
        }
    }
    Ok(positive.iter().zip(negative).map(|(p, n)| p - n).collect())
}

/// Hard negatives per query (top-k negatives by teacher score, away from the positives).
///
/// With `P` the **lowest** teacher score of the query's positives (`label > 0`), a negative
/// (`label <= 0`, score not NaN) is eligible when `score <= P - margin` and, if `relative` is
/// given, `score <= relative · P` (NV-Retriever's TopK-MarginPos and TopK-PercPos filters
/// against false negatives). The `k` eligible negatives of highest score are returned, ties
/// by position, as `(Q, k)` positions padded with `-1`, with their margins `P - score`
/// (NaN for padding). A query without a positive gets no negatives.
pub fn hard_negatives(
    scores: &Ragged<'_, f64>,
    labels: &[f64],
    k: usize,
    margin: f64,
    relative: Option<f64>,
) -> Result<(Vec<i64>, Vec<f64>)> {
    if labels.len() != scores.values().len() {
        return Err(RankError::shape(
            "labels",
            format!("the shape of `scores` ({} values)", scores.values().len()),
            format!("{} values", labels.len()),
        ));
    }
    if !(margin.is_finite() && margin >= 0.0) {
        return Err(RankError::invalid("margin", "a finite number >= 0", margin));
    }
    if let Some(r) = relative
        && !(r.is_finite() && r > 0.0)
    {
        return Err(RankError::invalid("relative", "a finite number > 0", r));
    }
    let rows = scores.rows();
    // The output is `rows x k` whatever the number of candidates (padded with -1), so a huge
    // `k` must be refused, not multiplied into a wrapped length or an allocation that aborts.
    let too_large = || {
        RankError::invalid(
            "k",
            format!("small enough for the ({rows}, k) output to fit in memory"),
            k,
        )
    };
    let len = rows.checked_mul(k).ok_or_else(too_large)?;
    let mut idx: Vec<i64> = Vec::new();
    let mut gap: Vec<f64> = Vec::new();
    crate::memory::reserve(&mut idx, len).map_err(|()| too_large())?;
    crate::memory::reserve(&mut gap, len).map_err(|()| too_large())?;
    idx.resize(len, -1);
    gap.resize(len, f64::NAN);
    let mut keys: Vec<u128> = Vec::new();
    for q in 0..rows {
        let row = scores.row(q);
        let lab = &labels[scores.layout().range(q)];
        let p = row
            .iter()
            .zip(lab)
            .filter(|(s, l)| **l > 0.0 && !s.is_nan())
            .fold(f64::INFINITY, |a, (&s, _)| a.min(s));
        if p == f64::INFINITY {
            continue;
        }
        keys.clear();
        keys.extend(
            row.iter()
                .zip(lab)
                .enumerate()
                .filter(|&(_, (&s, &l))| {
                    !s.is_nan()
                        && l <= 0.0
                        && s <= p - margin
                        && relative.is_none_or(|r| s <= r * p)
                })
                .map(|(j, (&s, _))| desc_key(s, u32::try_from(j).unwrap_or(u32::MAX))),
        );
        keys.sort_unstable();
        for (slot, &key) in keys.iter().take(k).enumerate() {
            #[allow(clippy::cast_possible_truncation)]
            let j = key as u32 as usize;
            idx[q * k + slot] = j as i64;
            gap[q * k + slot] = p - row[j];
        }
    }
    Ok((idx, gap))
}

/// The target text of a generative listwise ranker for each row of `order`: `[i+1] > [j+1] >
/// ...` where `i, j, ...` are the 0-based positions of the candidates in the prompt, best
/// first (fullrank's `get_ranking_label`, RankGPT's output format). `-1` entries are padding
/// and are skipped.
pub fn ranking_text(order: &Ragged<'_, i64>) -> Result<Vec<String>> {
    let mut seen: Vec<usize> = Vec::new();
    (0..order.rows())
        .map(|q| {
            let row = order.row(q);
            let mut s = String::with_capacity(row.len() * 6);
            // A candidate named twice would give a label no permutation has: refuse it, as
            // out-of-range positions are refused. `seen[v]` holds the position + 1 where `v`
            // was first met in this row (0: not yet).
            seen.clear();
            seen.resize(row.len(), 0);
            for (j, &v) in row.iter().enumerate() {
                if v == -1 {
                    continue;
                }
                let Some(slot) = usize::try_from(v).ok().and_then(|i| seen.get_mut(i)) else {
                    return Err(RankError::invalid(
                        "order",
                        format!("prompt positions in 0..{} (or -1 for padding)", row.len()),
                        format!("{v} at row {q}, position {j}"),
                    ));
                };
                if *slot != 0 {
                    return Err(RankError::invalid(
                        "order",
                        "a permutation in each row (every prompt position at most once; -1 pads)",
                        format!("{v} twice in row {q}, at positions {} and {j}", *slot - 1),
                    ));
                }
                *slot = j + 1;
                if !s.is_empty() {
                    s.push_str(" > ");
                }
                s.push('[');
                s.push_str(&(v + 1).to_string());
                s.push(']');
            }
            Ok(s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ragged::RowLayout;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn soft_labels_are_a_distribution_ordered_like_their_scores(
            v in prop::collection::vec(-30.0f64..30.0, 1..40),
            t in 0.1f64..10.0,
        ) {
            let r = Ragged::new(&v, RowLayout::uniform(1, v.len()), "s").unwrap();
            let p = soft_labels(&r, t).unwrap();
            prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            for i in 0..v.len() {
                for j in 0..v.len() {
                    if v[i] > v[j] {
                        prop_assert!(p[i] >= p[j]);
                    }
                }
            }
        }
    }

    #[test]
    fn targets_follow_their_definitions() {
        let v = [0.0, f64::NAN, 2.0_f64.ln()];
        let r = Ragged::new(&v, RowLayout::uniform(1, 3), "s").unwrap();
        let p = soft_labels(&r, 1.0).unwrap();
        assert!((p[0] - 1.0 / 3.0).abs() < 1e-15 && p[1] == 0.0);
        assert_eq!(margin_targets(&[3.0], &[1.0]).unwrap(), vec![2.0]);
        let s = [5.0, 4.9, 4.0, 3.0, 1.0];
        let l = [1.0, 0.0, 0.0, 0.0, 0.0];
        let r = Ragged::new(&s, RowLayout::uniform(1, 5), "s").unwrap();
        let (i, g) = hard_negatives(&r, &l, 2, 0.5, None).unwrap();
        assert_eq!(i, vec![2, 3]);
        assert_eq!(g, vec![1.0, 2.0]);
        let o = [2, 0, 1];
        let r = Ragged::new(&o, RowLayout::uniform(1, 3), "o").unwrap();
        assert_eq!(ranking_text(&r).unwrap(), vec!["[3] > [1] > [2]"]);
    }

    #[test]
    fn ranking_text_refuses_a_position_named_twice_or_out_of_range() {
        let o = [0, 0, -1, 1, -1, 0];
        let r = Ragged::new(&o, RowLayout::uniform(2, 3), "o").unwrap();
        let e = ranking_text(&r).unwrap_err().to_string();
        assert!(
            e.contains("`order`") && e.contains("0 twice in row 0"),
            "{e}"
        );
        let o = [1, -1, 0, -2];
        let r = Ragged::new(&o, RowLayout::uniform(1, 4), "o").unwrap();
        let e = ranking_text(&r).unwrap_err().to_string();
        assert!(e.contains("-2 at row 0, position 3"), "{e}");
        let r = Ragged::new(&o[..3], RowLayout::uniform(1, 3), "o").unwrap();
        assert_eq!(ranking_text(&r).unwrap(), vec!["[2] > [1]"]);
    }
}
