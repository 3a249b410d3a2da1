//! Copeland scores from pairwise evidence.
//!
//! Window orders are expanded into their pairs (each ordered pair of a window is one
//! comparison of the window's weight). With `W[a][b]` the total weight of evidence that `a`
//! comes before `b`:
//! * [`CopelandCount::Majority`] (Copeland's rule): for every pair of candidates compared at
//!   least once, the majority winner scores `+1` and the loser `-1`; an exact tie (`W[a][b] ==
//!   W[b][a]`) is half a win and half a loss, `0` to both. Score = pair wins − pair losses.
//! * [`CopelandCount::Sum`] (PRP-allpair, llm-rankers allpair): every comparison counts, score
//!   = `Σ_b W[a][b] - W[b][a]`, wins minus losses with a tie (`p = 0.5`) counting half each.

/// How comparisons are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CopelandCount {
    #[default]
    Majority,
    Sum,
}

crate::choice!(CopelandCount, "count", {
    "majority" => CopelandCount::Majority,
    "sum" => CopelandCount::Sum,
});

/// Copeland scores from the pairwise matrix `w` (`m x m`, row-major).
pub fn scores(w: &[f64], m: usize, count: CopelandCount) -> Vec<f64> {
    let mut s = vec![0.0; m];
    for a in 0..m {
        for b in a + 1..m {
            let (ab, ba) = (w[a * m + b], w[b * m + a]);
            let d = match count {
                CopelandCount::Sum => ab - ba,
                CopelandCount::Majority => {
                    if ab > ba {
                        1.0
                    } else if ab < ba {
                        -1.0
                    } else {
                        0.0
                    }
                }
            };
            s[a] += d;
            s[b] -= d;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_and_sum_count_differently() {
        // 0 beats 1 twice, 1 beats 0 once; 1 and 2 tie; 0 beats 2 once
        let w = [0.0, 2.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        assert_eq!(
            scores(&w, 3, CopelandCount::Majority),
            vec![2.0, -1.0, -1.0]
        );
        assert_eq!(scores(&w, 3, CopelandCount::Sum), vec![2.0, -1.0, -1.0]);
        let w = [0.0, 3.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(scores(&w, 3, CopelandCount::Majority), vec![1.0, -1.0, 0.0]);
        assert_eq!(scores(&w, 3, CopelandCount::Sum), vec![2.0, -2.0, 0.0]);
    }
}
