//! Rank Centrality (Negahban, Oh & Shah 2017, "Rank centrality: ranking from pairwise
//! comparisons", Operations Research 65(1)), as `choix.rank_centrality` (choix 0.4).
//!
//! The chain starts with rate `α` between every two players; each comparison `(a, b, s)` of
//! weight `w` adds `w · s` to the rate from `b` to `a` and `w · (1 - s)` to the rate from `a`
//! to `b` (a plain win adds 1 from loser to winner, as choix). Every positive rate is then
//! divided by the sum of the rates between the two players in both directions, and the
//! stationary distribution `π` of the continuous-time chain with those rates (rescaled to sum
//! to `m`) gives the centred log-strengths `log π - mean log π`.

use super::Comparisons;
use super::groups::ComparisonGroups;
use super::solve::invert;
use crate::error::{RankError, Result};

/// Rank Centrality log-strengths (see the module documentation).
pub fn rank_centrality(c: &Comparisons<'_>, alpha: f64) -> Result<Vec<f64>> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(RankError::invalid("alpha", "a finite number >= 0", alpha));
    }
    let m = c.n_players;
    let mut chain = vec![alpha; m * m];
    for i in 0..c.len() {
        let (a, b, s, w) = c.get(i);
        chain[b * m + a] += w * s;
        chain[a * m + b] += w * (1.0 - s);
    }
    let mut q = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            let v = chain[i * m + j];
            if v > 0.0 {
                q[i * m + j] = v / (v + chain[j * m + i]);
            }
        }
    }
    // Stationary distribution: πᵀ Q = 0 with Σ π = 1, i.e. Qᵀ π = 0 with its last equation
    // replaced by the normalisation; the diagonal of Q is minus its row sums.
    let mut a = vec![0.0; m * m];
    for i in 0..m {
        let total: f64 = q[i * m..(i + 1) * m]
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, v)| v)
            .sum();
        for j in 0..m {
            let v = if i == j { -total } else { q[i * m + j] };
            a[j * m + i] = v;
        }
    }
    for j in 0..m {
        a[(m - 1) * m + j] = 1.0;
    }
    let pi: Option<Vec<f64>> =
        invert(&mut a, m).map(|inv| (0..m).map(|i| inv[i * m + m - 1]).collect());
    match pi {
        Some(pi) if pi.iter().all(|&v| v.is_finite() && v > 0.0) => {
            let logs: Vec<f64> = pi.iter().map(|v| v.ln()).collect();
            let mean = logs.iter().sum::<f64>() / m as f64;
            Ok(logs.into_iter().map(|v| v - mean).collect())
        }
        _ => Err(RankError::invalid(
            "alpha",
            "> 0 when the comparisons do not connect every player to every other in both \
             directions (the Rank Centrality chain has no unique positive stationary \
             distribution)",
            alpha,
        )),
    }
}

/// Independent Rank Centrality log-strengths of many problems, in parallel by
/// [`ComparisonGroups::each`]: each as [`rank_centrality`] on that problem alone.
pub fn rank_centrality_groups(groups: &ComparisonGroups<'_>, alpha: f64) -> Result<Vec<Vec<f64>>> {
    if !(alpha.is_finite() && alpha >= 0.0) {
        return Err(RankError::invalid("alpha", "a finite number >= 0", alpha));
    }
    groups.each(|c, _| rank_centrality(c, alpha))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_rates_everyone_equal() {
        let c = Comparisons::new(&[0, 1, 2], &[1, 2, 0], &[1.0; 3], None, 3).unwrap();
        let p = rank_centrality(&c, 0.0).unwrap();
        for v in p {
            assert!(v.abs() < 1e-12);
        }
    }

    #[test]
    fn an_unbeaten_player_needs_alpha() {
        let c = Comparisons::new(&[0, 0], &[1, 2], &[1.0; 2], None, 3).unwrap();
        assert!(rank_centrality(&c, 0.0).is_err());
        assert!(rank_centrality(&c, 0.1).is_ok());
    }
}
