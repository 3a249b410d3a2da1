//! Rewards for RL fine-tuning of rankers (`rankwise.torch.rewards`): what a rollout's ranking
//! is worth against the labels, over thousands of rollouts at once. The IR measures come from
//! [`crate::evaluate::evaluate_arrays`] and the answers are read by
//! [`crate::rerank::parse_many`]; this module adds the measures they do not have.

use rayon::prelude::*;

use crate::error::Result;
use crate::parallel;
use crate::ragged::Ragged;

/// Pairwise accuracy of each row: among pairs of candidates with different labels, the
/// fraction the scores order the same way (a tie in score counts one half). A row with no such
/// pair scores `empty` (it carries no ranking signal).
///
/// # Errors
/// `scores` and `labels` of different lengths or layouts.
pub fn pairwise_accuracy(
    scores: &Ragged<'_, f64>,
    labels: &Ragged<'_, f64>,
    empty: f64,
) -> Result<Vec<f64>> {
    if scores.values().len() != labels.values().len() || scores.rows() != labels.rows() {
        return Err(crate::error::RankError::shape(
            "labels",
            format!("the shape of `scores` ({} values)", scores.values().len()),
            format!("{} values", labels.values().len()),
        ));
    }
    // Quadratic in a row's length: an interrupted call (see `crate::interrupt`) stops at the
    // next item of every row being worked on.
    let watch = crate::interrupt::current();
    let values = parallel::install(|| {
        (0..scores.rows())
            .into_par_iter()
            .map(|q| {
                let (s, y) = (scores.row(q), labels.row(q));
                let (mut right, mut pairs) = (0.0, 0usize);
                for i in 0..s.len() {
                    if watch.stopped() {
                        break;
                    }
                    for j in i + 1..s.len() {
                        if y[i] == y[j] {
                            continue;
                        }
                        pairs += 1;
                        let (hi, lo) = if y[i] > y[j] { (i, j) } else { (j, i) };
                        if s[hi] > s[lo] {
                            right += 1.0;
                        } else if s[hi] == s[lo] {
                            right += 0.5;
                        }
                    }
                }
                #[allow(clippy::cast_precision_loss)]
                let value = if pairs == 0 {
                    empty
                } else {
                    right / pairs as f64
                };
                value
            })
            .collect()
    });
    watch.check()?;
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ragged::RowLayout;

    #[test]
    fn pairs_with_different_labels_only() {
        let scores = [3.0, 2.0, 1.0, 1.0, 5.0, 5.0];
        let labels = [2.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let offsets = [0i64, 3, 4, 6];
        let layout = RowLayout::offsets(&offsets, 6).unwrap();
        let s = Ragged::new(&scores, layout, "scores").unwrap();
        let y = Ragged::new(&labels, layout, "labels").unwrap();
        // Row 0: (0,1) right, (0,2) right, (1,2) wrong -> 2/3; rows 1 and 2 have no pair.
        let got = pairwise_accuracy(&s, &y, f64::NAN).unwrap();
        assert!((got[0] - 2.0 / 3.0).abs() < 1e-15);
        assert!(got[1].is_nan() && got[2].is_nan());
        let tie = [1.0, 1.0];
        let layout = RowLayout::uniform(1, 2);
        let got = pairwise_accuracy(
            &Ragged::new(&tie, layout, "scores").unwrap(),
            &Ragged::new(&[1.0, 0.0], layout, "labels").unwrap(),
            0.0,
        )
        .unwrap();
        assert_eq!(got, vec![0.5]);
    }
}
