//! Permutations from scores or graded labels, their inverses and rank vectors, over a ragged
//! batch.
//!
//! Row `q` of the batch is ordered by value (descending by default: higher scores and higher
//! grades first), equal values by the tie rule:
//! * [`Ties::Stable`]: lower position first (input order);
//! * [`Ties::Random`]: a random order drawn from `seed` and the row index (the same on every
//!   machine and with any number of threads);
//! * [`Ties::DocId`]: lower document id first (an integer id per value, same layout).
//!
//! NaN values are padding (a 2-D array with shorter rows): they take no part. The outputs have
//! the layout of the input: `order` holds the positions of the row's valid values, best
//! first, then `-1` for each NaN; `ranks` the 0-based rank of each valid value, `-1` for NaN.

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::parallel;
use crate::ragged::Ragged;
use crate::ranking::score_order_key;
use crate::rng::Rng;

/// The tie rule.
#[derive(Debug, Clone, Copy)]
pub enum Ties<'a> {
    Stable,
    Random(u64),
    DocId(&'a [i64]),
}

/// A [`Ties`] rule by name, before its seed or doc ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieBreak {
    Stable,
    Random,
    DocId,
}
crate::choice!(TieBreak, "ties", {
    "stable" => TieBreak::Stable,
    "random" => TieBreak::Random,
    "doc_id" => TieBreak::DocId,
});

/// `order` and `ranks` of a batch (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordered {
    pub order: Vec<i64>,
    pub ranks: Vec<i64>,
}

/// Order every row of `values` (see the module documentation).
pub fn order(values: &Ragged<'_, f64>, ties: Ties<'_>, descending: bool) -> Result<Ordered> {
    if let Ties::DocId(ids) = ties
        && ids.len() != values.values().len()
    {
        return Err(RankError::shape(
            "doc_ids",
            format!("one id per value ({})", values.values().len()),
            format!("{} ids", ids.len()),
        ));
    }
    let rows = values.rows();
    let layout = values.layout();
    let per_row: Vec<(Vec<i64>, Vec<i64>)> = parallel::install(|| {
        (0..rows)
            .into_par_iter()
            .map(|q| {
                let row = values.row(q);
                let start = layout.range(q).start;
                let mut rng = match ties {
                    Ties::Random(seed) => Some(Rng::new(seed, q as u64)),
                    _ => None,
                };
                let mut keys: Vec<(u64, u64, usize)> = row
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !v.is_nan())
                    .map(|(j, &v)| {
                        let k = score_order_key(v);
                        let k = if descending { !k } else { k };
                        let tie = match ties {
                            Ties::Stable => 0,
                            Ties::Random(_) => rng.as_mut().map_or(0, Rng::next),
                            // Order-preserving map of i64 to u64.
                            #[allow(clippy::cast_sign_loss)]
                            Ties::DocId(ids) => (ids[start + j] as u64) ^ (1 << 63),
                        };
                        (k, tie, j)
                    })
                    .collect();
                keys.sort_unstable();
                let mut order = Vec::with_capacity(row.len());
                let mut ranks = vec![-1i64; row.len()];
                for (r, &(_, _, j)) in keys.iter().enumerate() {
                    order.push(j as i64);
                    ranks[j] = r as i64;
                }
                order.resize(row.len(), -1);
                (order, ranks)
            })
            .collect()
    });
    let mut out = Ordered {
        order: Vec::with_capacity(values.values().len()),
        ranks: Vec::with_capacity(values.values().len()),
    };
    for (o, r) in per_row {
        out.order.extend(o);
        out.ranks.extend(r);
    }
    Ok(out)
}

/// Inverse of every row of `perms`: a row holds distinct positions in `0..len(row)` followed
/// by `-1` padding (a permutation, or an `order` with NaN values left out); its inverse maps
/// each position back to where it appears, `-1` for positions that do not (so the inverse of
/// an `order` is its `ranks`).
pub fn inverse(perms: &Ragged<'_, i64>) -> Result<Vec<i64>> {
    let mut out = vec![-1i64; perms.values().len()];
    let layout = perms.layout();
    for q in 0..perms.rows() {
        let row = perms.row(q);
        let k = row.iter().position(|&v| v < 0).unwrap_or(row.len());
        let range = layout.range(q);
        let dst = &mut out[range];
        for (j, &v) in row.iter().enumerate() {
            if j >= k {
                if v != -1 {
                    return Err(RankError::invalid(
                        "permutation",
                        "a permutation of 0..k followed only by -1 padding",
                        format!("{v} after padding in row {q}, position {j}"),
                    ));
                }
                continue;
            }
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let ok = (v as usize) < row.len() && dst[v as usize] == -1;
            if !ok {
                return Err(RankError::invalid(
                    "permutation",
                    format!(
                        "distinct positions in 0..{} in each row (a permutation)",
                        row.len()
                    ),
                    format!("{v} at row {q}, position {j}"),
                ));
            }
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            {
                dst[v as usize] = j as i64;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ragged::RowLayout;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn stable_order_is_a_stable_sort_and_its_inverse_is_the_ranks(
            grades in prop::collection::vec(prop_oneof![Just(f64::NAN), (0i8..5).prop_map(f64::from)], 0..60),
        ) {
            let r = Ragged::new(&grades, RowLayout::uniform(1, grades.len()), "v").unwrap();
            let o = order(&r, Ties::Stable, true).unwrap();
            let mut expect: Vec<usize> = (0..grades.len()).filter(|&j| !grades[j].is_nan()).collect();
            expect.sort_by(|&a, &b| grades[b].partial_cmp(&grades[a]).unwrap());
            let valid = expect.len();
            prop_assert_eq!(&o.order[..valid], &expect.iter().map(|&j| j as i64).collect::<Vec<_>>()[..]);
            prop_assert!(o.order[valid..].iter().all(|&v| v == -1));
            let p = Ragged::new(&o.order, RowLayout::uniform(1, grades.len()), "p").unwrap();
            prop_assert_eq!(inverse(&p).unwrap(), o.ranks);
        }
    }

    #[test]
    fn ties_are_broken_by_the_chosen_rule() {
        let v = [1.0, 3.0, 1.0, f64::NAN, 2.0, 2.0];
        let r = Ragged::new(&v, RowLayout::uniform(2, 3), "scores").unwrap();
        let o = order(&r, Ties::Stable, true).unwrap();
        assert_eq!(o.order, vec![1, 0, 2, 1, 2, -1]);
        assert_eq!(o.ranks, vec![1, 0, 2, -1, 0, 1]);
        let ids = [5, 0, 4, 0, 9, 1];
        let o = order(&r, Ties::DocId(&ids), true).unwrap();
        assert_eq!(o.order, vec![1, 2, 0, 2, 1, -1]);
        let o = order(&r, Ties::Stable, false).unwrap();
        assert_eq!(o.order, vec![0, 2, 1, 1, 2, -1]);
        let a = order(&r, Ties::Random(3), true).unwrap();
        assert_eq!(a, order(&r, Ties::Random(3), true).unwrap());
        let inv = inverse(&Ragged::new(&o.order, RowLayout::uniform(2, 3), "p").unwrap()).unwrap();
        assert_eq!(inv, vec![0, 2, 1, -1, 0, 1]);
        let bad = [0, 0];
        assert!(inverse(&Ragged::new(&bad, RowLayout::uniform(1, 2), "p").unwrap()).is_err());
    }
}
