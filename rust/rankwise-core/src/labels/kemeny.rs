//! Kemeny(–Young) aggregation: the order that minimises the total weight of disagreeing
//! pairwise evidence.
//!
//! With `W[a][b]` the weight of evidence that `a` comes before `b` (each ordered pair of a
//! window order is one unit), the Kemeny cost of an order `σ` is
//! `K(σ) = Σ_{a before b in σ} W[b][a]`, the total Kendall-tau distance to the input rankings
//! restricted to the pairs each one orders. Minimising it is NP-hard:
//! * [`local_search`] improves a start order (Borda or Copeland) by *insertion moves* (take
//!   one candidate out and put it back at the position that lowers `K` most; adjacent swaps
//!   are the moves by one position) until no move lowers `K`. Only strictly improving moves
//!   are made, so the result is never worse than its start (Bioconsert-style local search,
//!   Cohen-Boulakia, Denise & Hamel 2011);
//! * [`exact`] enumerates every order of up to [`EXACT_LIMIT`] candidates, for tests.

use crate::error::{RankError, Result};

/// Largest number of candidates [`exact`] accepts.
pub const EXACT_LIMIT: usize = 8;

/// The Kemeny cost `K(order)` under `w` (`m x m`, row-major).
pub fn cost(w: &[f64], m: usize, order: &[u32]) -> f64 {
    let mut k = 0.0;
    for (i, &a) in order.iter().enumerate() {
        for &b in &order[i + 1..] {
            k += w[b as usize * m + a as usize];
        }
    }
    k
}

/// Improve `order` in place by insertion moves until none lowers the cost; returns the
/// number of moves made.
pub fn local_search(w: &[f64], m: usize, order: &mut [u32]) -> usize {
    let total: f64 = w.iter().sum();
    // Improvements below this are rounding noise; refusing them guarantees termination.
    let eps = 1e-12 * total.max(1.0);
    let mut moves = 0;
    loop {
        let mut improved = false;
        for from in 0..order.len() {
            let x = order[from] as usize;
            let (mut best, mut best_to) = (0.0, from);
            // Moving x before order[to..from]: each of those pairs flips.
            let mut delta = 0.0;
            for to in (0..from).rev() {
                let y = order[to] as usize;
                delta += w[y * m + x] - w[x * m + y];
                if delta < best - eps {
                    best = delta;
                    best_to = to;
                }
            }
            delta = 0.0;
            for (to, &y) in order.iter().enumerate().skip(from + 1) {
                let y = y as usize;
                delta += w[x * m + y] - w[y * m + x];
                if delta < best - eps {
                    best = delta;
                    best_to = to;
                }
            }
            if best_to != from {
                if best_to < from {
                    order[best_to..=from].rotate_right(1);
                } else {
                    order[from..=best_to].rotate_left(1);
                }
                moves += 1;
                improved = true;
            }
        }
        if !improved {
            return moves;
        }
    }
}

/// The exact Kemeny order of `m <= EXACT_LIMIT` candidates by enumeration: the first optimal
/// order in lexicographic order of candidate indices.
pub fn exact(w: &[f64], m: usize) -> Result<Vec<u32>> {
    if m > EXACT_LIMIT {
        return Err(RankError::invalid(
            "method",
            format!("\"kemeny_exact\" only for at most {EXACT_LIMIT} observed candidates"),
            format!("a query with {m}"),
        ));
    }
    let mut perm: Vec<u32> = (0..u32::try_from(m).unwrap_or(0)).collect();
    let mut best = perm.clone();
    let mut best_cost = cost(w, m, &perm);
    while next_permutation(&mut perm) {
        let c = cost(w, m, &perm);
        if c < best_cost {
            best_cost = c;
            best.copy_from_slice(&perm);
        }
    }
    Ok(best)
}

fn next_permutation(p: &mut [u32]) -> bool {
    let n = p.len();
    if n < 2 {
        return false;
    }
    let mut i = n - 1;
    while i > 0 && p[i - 1] >= p[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = n - 1;
    while p[j] <= p[i - 1] {
        j -= 1;
    }
    p.swap(i - 1, j);
    p[i..].reverse();
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn local_search_is_never_worse_than_its_start_and_finds_small_optima(
            m in 1usize..7,
            raw in prop::collection::vec(0u8..4, 49),
        ) {
            let mut w = vec![0.0; m * m];
            for a in 0..m {
                for b in 0..m {
                    if a != b {
                        w[a * m + b] = f64::from(raw[a * 7 + b]);
                    }
                }
            }
            let mut order: Vec<u32> = (0..m as u32).rev().collect();
            let start = cost(&w, m, &order);
            local_search(&w, m, &mut order);
            let after = cost(&w, m, &order);
            prop_assert!(after <= start);
            let best = exact(&w, m).unwrap();
            prop_assert!(cost(&w, m, &best) <= after);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..m as u32).collect::<Vec<_>>());
        }
    }

    #[test]
    fn exact_refuses_large_queries() {
        let e = exact(&vec![0.0; 81], 9).unwrap_err().to_string();
        assert!(e.contains("at most 8"), "{e}");
    }
}
