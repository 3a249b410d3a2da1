//! Tukey's honestly significant difference test over all systems (Tukey, "The problem of
//! multiple comparisons", 1953; Sakai, *Laboratory Experiments in Information Retrieval*,
//! Springer 2018, 4.4), as `scipy.stats.tukey_hsd(*rows)` computes it: the systems are the
//! groups of a one-way ANOVA, `MSE` its residual mean square with `df = k (n - 1)`, and for
//! systems `i` and `j` with means `m_i`, `m_j` over `n` topics
//!
//! * statistic `m_i - m_j`;
//! * p-value `P(Q > |m_i - m_j| / sqrt(MSE / n))`, `Q` studentized range with `k` groups and
//!   `df` degrees of freedom ([`studentized_range::sf`]);
//! * confidence interval `m_i - m_j -+ q_c sqrt(MSE / n)`, `q_c` the `confidence` quantile of
//!   `Q` ([`studentized_range::ppf`]).
//!
//! [`randomized_tukey_hsd`] is its distribution-free form, Carterette's randomised Tukey HSD
//! ("Multiple testing in statistical analysis of systems-based information retrieval
//! experiments", ACM TOIS 30(1), 2012, section 4.2; Sakai 2018, 4.5): Fisher's randomization
//! over all systems at once, each resample permuting every topic's values among the systems,
//! and each pair judged against the permutation distribution of the largest difference
//! between system means (the range), so the p-values hold the family-wise error rate
//! (Westfall & Young's single-step max-T, *Resampling-Based Multiple Testing*, 1993).

use rayon::prelude::*;

use super::anova::one_way;
use super::studentized_range;
use crate::error::{RankError, Result};

/// The result of [`tukey_hsd`], each a `k x k` row-major matrix (entry `(i, j)`: system `i`
/// against system `j`).
#[derive(Debug, Clone, PartialEq)]
pub struct TukeyHsd {
    pub statistic: Vec<f64>,
    pub p_value: Vec<f64>,
    pub low: Vec<f64>,
    pub high: Vec<f64>,
}

/// Tukey's HSD between every pair of rows of `rows` (systems x topics) with intervals at
/// `confidence`. Without any spread within systems (`MSE = 0`) scipy reports NaN or inf;
/// here a pair's p-value is 1 for equal means and 0 otherwise, and its interval the point
/// `m_i - m_j`.
pub fn tukey_hsd(rows: &[&[f64]], confidence: f64) -> Result<TukeyHsd> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(RankError::invalid(
            "confidence",
            "a level strictly between 0 and 1",
            confidence,
        ));
    }
    tukey_hsd_with(rows, Some(confidence))
}

/// The p-values of [`tukey_hsd`] alone (`k x k`, row-major), without the intervals: their
/// quantile of the studentized range is a root search, several times the cost of the
/// p-values, and a comparison that only tests needs none.
pub fn tukey_hsd_p_values(rows: &[&[f64]]) -> Result<Vec<f64>> {
    Ok(tukey_hsd_with(rows, None)?.p_value)
}

/// [`tukey_hsd`], with intervals at `confidence` when given (else empty `low` and `high`).
fn tukey_hsd_with(rows: &[&[f64]], confidence: Option<f64>) -> Result<TukeyHsd> {
    let table = one_way(rows)?;
    let k = rows.len();
    let n = rows[0].len();
    let groups = u32::try_from(k)
        .map_err(|_| RankError::invalid("scores", "at most 2^32 - 1 systems", k))?;
    let df = table[1].df;
    #[allow(clippy::cast_precision_loss)]
    let se = (table[1].mean_sq / n as f64).sqrt();
    #[allow(clippy::cast_precision_loss)]
    let means: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().sum::<f64>() / n as f64)
        .collect();
    let statistic: Vec<f64> = means
        .iter()
        .flat_map(|a| means.iter().map(move |b| a - b))
        .collect();
    // One integral per unordered pair: |m_i - m_j| is symmetric.
    let upper: Vec<(usize, usize)> = (0..k)
        .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
        .collect();
    let (tails, quantile): (Vec<f64>, f64) = rayon::join(
        || {
            upper
                .par_iter()
                .map(|&(i, j)| {
                    let d = statistic[i * k + j];
                    if se == 0.0 {
                        if d == 0.0 { 1.0 } else { 0.0 }
                    } else {
                        studentized_range::sf(d.abs() / se, groups, df)
                    }
                })
                .collect()
        },
        || match confidence {
            Some(c) if se != 0.0 => studentized_range::ppf(c, groups, df),
            _ => 0.0,
        },
    );
    let mut p_value = vec![1.0; k * k];
    for (&(i, j), p) in upper.iter().zip(tails) {
        p_value[i * k + j] = p;
        p_value[j * k + i] = p;
    }
    let radius = quantile * se;
    let bound = |sign: f64| -> Vec<f64> {
        if confidence.is_some() {
            statistic.iter().map(|d| d + sign * radius).collect()
        } else {
            Vec::new()
        }
    };
    Ok(TukeyHsd {
        low: bound(-1.0),
        high: bound(1.0),
        statistic,
        p_value,
    })
}

/// Where the permutations of [`randomized_tukey_hsd`] come from.
#[derive(Debug, Clone, Copy)]
pub enum Permutations<'a> {
    /// `n_resamples` resamples drawn from `seed`.
    Seeded { n_resamples: usize, seed: u64 },
    /// Given, `resamples x topics x systems` row-major: entry `(b, t, s)` is the system whose
    /// value on topic `t` system `s` takes in resample `b`; each `(b, t)` row a permutation.
    Given(&'a [u32]),
}

const CHUNK: usize = 64;

/// The range (largest minus smallest) of the systems' sums after permuting each topic's values
/// by `permutation(t, slots)`, `columns` topic-major (`n x k`).
fn permuted_range(
    columns: &[f64],
    k: usize,
    mut permutation: impl FnMut(usize, &mut [u32]),
) -> f64 {
    let mut sums = vec![0.0; k];
    let mut slots: Vec<u32> = (0..k)
        .map(|s| u32::try_from(s).unwrap_or(u32::MAX))
        .collect();
    for (t, column) in columns.chunks(k).enumerate() {
        permutation(t, &mut slots);
        for (sum, &from) in sums.iter_mut().zip(&slots) {
            *sum += column[from as usize];
        }
    }
    let max = sums.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = sums.iter().copied().fold(f64::INFINITY, f64::min);
    max - min
}

/// Carterette's randomised Tukey HSD between every pair of rows of `rows` (systems x topics):
/// a `k x k` row-major matrix of p-values `(1 + #{b: range_b >= |S_i - S_j|}) / (1 + B)`,
/// `S_i` system `i`'s sum over the topics (the test of means, scaled by `n`) and `range_b`
/// the largest minus the smallest system sum after resample `b` permutes each topic's values
/// among the systems. Counting from 1 keeps p above 0 (Phipson & Smyth 2010; Carterette and
/// Sakai count from 0); a tolerance of `1e-12 max |S_i|` keeps exact ties counted. Sums run
/// over the topics in order, so a transcription of the loop reproduces them exactly.
pub fn randomized_tukey_hsd(rows: &[&[f64]], permutations: Permutations<'_>) -> Result<Vec<f64>> {
    one_way(rows)?; // the shape and value checks
    let (k, n) = (rows.len(), rows[0].len());
    let columns: Vec<f64> = (0..n)
        .flat_map(|t| rows.iter().map(move |r| r[t]))
        .collect();
    let sums: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().fold(0.0, |a, v| a + v))
        .collect();
    let tolerance = 1e-12 * sums.iter().fold(0.0_f64, |a, s| a.max(s.abs()));
    let watch = crate::interrupt::current();
    let ranges: Vec<f64> = match permutations {
        Permutations::Given(p) => {
            if p.is_empty() || p.len() % (n * k) != 0 {
                return Err(RankError::shape(
                    "permutations",
                    format!("a non-empty (n_resamples, {n}, {k}) array"),
                    format!("{} values", p.len()),
                ));
            }
            let mut seen = vec![false; k];
            for row in p.chunks(k) {
                seen.iter_mut().for_each(|s| *s = false);
                for &s in row {
                    if (s as usize) >= k || std::mem::replace(&mut seen[s as usize], true) {
                        return Err(RankError::invalid(
                            "permutations",
                            format!("a permutation of 0..{k} in every (resample, topic) row"),
                            format!("{row:?}"),
                        ));
                    }
                }
            }
            p.par_chunks(n * k)
                .map(|b| {
                    permuted_range(&columns, k, |t, slots| {
                        slots.copy_from_slice(&b[t * k..(t + 1) * k]);
                    })
                })
                .collect()
        }
        Permutations::Seeded { n_resamples, seed } => {
            if n_resamples == 0 {
                return Err(RankError::invalid("n_resamples", "a positive integer", 0));
            }
            // Every resample's range is held at once: a count memory cannot hold is refused
            // by name, not left to abort the process.
            let mut ranges = crate::memory::filled("n_resamples", n_resamples, n_resamples, 0.0)?;
            crate::rng::fill_seeded(&mut ranges, CHUNK, seed, |rng, out| {
                for slot in out.iter_mut() {
                    *slot = permuted_range(&columns, k, |_, slots| rng.shuffle(slots));
                }
            })?;
            ranges
        }
    };
    watch.check()?;
    #[allow(clippy::cast_precision_loss)]
    let total = (1 + ranges.len()) as f64;
    Ok(sums
        .iter()
        .flat_map(|a| sums.iter().map(move |b| (a - b).abs()))
        .map(|d| {
            #[allow(clippy::cast_precision_loss)]
            let hits = ranges.iter().filter(|&&r| r >= d - tolerance).count() as f64;
            (1.0 + hits) / total
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const P01: f64 = 0.887_488_437_389_837_4;
    const P12: f64 = 0.631_977_646_262_664_7;
    const LOW12: f64 = -0.395_918_626_954_009;

    #[test]
    fn tukey_matches_scipy() {
        let a = [0.2, 0.5, 0.9, 0.4];
        let b = [0.3, 0.4, 1.0, 0.7];
        let c = [0.1, 0.6, 0.7, 0.2];
        let t = tukey_hsd(&[&a[..], &b[..], &c[..]], 0.95).unwrap();
        // scipy.stats.tukey_hsd(a, b, c): pvalue[0, 1], pvalue[1, 2], ci low[1, 2].
        assert!((t.p_value[1] - P01).abs() < 1e-9, "{:?}", t.p_value);
        assert!((t.p_value[5] - P12).abs() < 1e-9, "{:?}", t.p_value);
        assert!((t.low[5] - LOW12).abs() < 1e-9, "{:?}", t.low);
        assert_eq!(t.p_value[0], 1.0);
        assert!(tukey_hsd(&[&a[..], &b[..]], 1.0).is_err());
        let rows = [&a[..], &b[..], &c[..]];
        assert_eq!(tukey_hsd_p_values(&rows).unwrap(), t.p_value);
        let flat = tukey_hsd(&[&[1.0, 1.0][..], &[2.0, 2.0][..]], 0.9).unwrap();
        assert_eq!((flat.p_value[1], flat.low[1]), (0.0, -1.0));
    }

    #[test]
    fn randomized_tukey_is_reproducible_and_ranks_pairs() {
        let a = [0.9, 0.8, 0.95, 0.7, 0.85, 0.9];
        let b = [0.1, 0.2, 0.15, 0.3, 0.05, 0.2];
        let c = [0.12, 0.22, 0.1, 0.28, 0.1, 0.18];
        let rows = [&a[..], &b[..], &c[..]];
        let seeded = Permutations::Seeded {
            n_resamples: 999,
            seed: 3,
        };
        let p = randomized_tukey_hsd(&rows, seeded).unwrap();
        assert_eq!(p, randomized_tukey_hsd(&rows, seeded).unwrap());
        assert!(p[1] < 0.05 && p[5] > 0.5 && p[0] == 1.0, "{p:?}");
        // The identity permutation everywhere: every range equals the observed one.
        let identity: Vec<u32> = (0..6).flat_map(|_| [0, 1, 2]).collect();
        let p = randomized_tukey_hsd(&rows, Permutations::Given(&identity)).unwrap();
        assert!(p.iter().all(|v| *v == 1.0));
        assert!(randomized_tukey_hsd(&rows, Permutations::Given(&identity[..17])).is_err());
        let mut twice = identity.clone();
        twice[1] = 0;
        assert!(randomized_tukey_hsd(&rows, Permutations::Given(&twice)).is_err());
    }
}
