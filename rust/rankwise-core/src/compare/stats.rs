//! Paired significance tests for comparing systems over the same queries, two-sided or
//! one-sided ([`Alternative`]).
//!
//! * [`t_test`]: Student's paired t-test, as `scipy.stats.ttest_rel`;
//! * [`wilcoxon`]: the Wilcoxon signed-rank test, as `scipy.stats.wilcoxon` with its defaults
//!   (zeros dropped, no continuity correction, exact null distribution for up to 50 pairs
//!   without ties or zeros, exact sign-flip enumeration for up to 13 pairs with them, normal
//!   approximation with tie correction otherwise);
//! * [`randomization`]: Fisher's randomization (sign-flip permutation) test on the mean
//!   difference (Smucker et al., CIKM 2007; ranx's `fisher`);
//! * [`bootstrap`]: Sakai's paired bootstrap test on the mean difference (SIGIR 2006).
//!
//! Resampling tests are deterministic for a seed, whatever the number of threads: resamples
//! are drawn in fixed-size chunks, each from its own generator seeded by (seed, chunk).
//! Their p-value is `(1 + #{resampled statistic >= observed}) / (1 + resamples)`, which never
//! reports 0 (Phipson & Smyth 2010); ranx divides the count by the resamples alone.
//! One-sided resampling tests count the resampled statistics on one side of the observed one
//! (`>=` for [`Alternative::Greater`], `<=` for [`Alternative::Less`]).

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::rng::Rng;
use crate::special::{normal_sf, student_t_sf};

/// The alternative hypothesis of a paired test between `x` and `y`, as scipy's `alternative=`:
/// the differences `x - y` are centred away from 0 (`TwoSided`), above 0 (`Greater`: `x` is
/// better) or below 0 (`Less`). The same option as the correlation tests' (one name, one
/// set of names).
pub use crate::correlation::Alternative;

impl Alternative {
    /// The same hypothesis with `x` and `y` swapped.
    pub fn reversed(self) -> Self {
        match self {
            Alternative::TwoSided => Alternative::TwoSided,
            Alternative::Greater => Alternative::Less,
            Alternative::Less => Alternative::Greater,
        }
    }
}

fn differences(x: &[f64], y: &[f64]) -> Result<Vec<f64>> {
    if x.len() != y.len() {
        return Err(RankError::shape(
            "y",
            format!("as many values as x ({})", x.len()),
            format!("{} values", y.len()),
        ));
    }
    if let Some(v) = x.iter().chain(y).find(|v| !v.is_finite()) {
        return Err(RankError::invalid("x, y", "finite per-query values", v));
    }
    Ok(x.iter().zip(y).map(|(a, b)| a - b).collect())
}

/// Paired t-test p-value (two-sided), as `scipy.stats.ttest_rel(x, y).pvalue`. With no
/// variation in the differences scipy returns NaN when they are all 0; rankwise returns 1
/// (the systems do not differ) and 0 when they all equal another value.
pub fn t_test(x: &[f64], y: &[f64]) -> Result<f64> {
    t_test_with(x, y, Alternative::TwoSided)
}

/// Paired t-test p-value under `alternative`, as `scipy.stats.ttest_rel(x, y,
/// alternative=...).pvalue`: `P(T >= t)` for `Greater`, `P(T <= t)` for `Less` with `n - 1`
/// degrees of freedom. Differences without variation give 1 when all 0, else 0 or 1 by the
/// side their common value lies on (scipy: NaN or 0/1).
pub fn t_test_with(x: &[f64], y: &[f64], alternative: Alternative) -> Result<f64> {
    let d = differences(x, y)?;
    let n = d.len();
    if n < 2 {
        return Err(RankError::invalid("x", "at least 2 paired values", n));
    }
    #[allow(clippy::cast_precision_loss)]
    let nf = n as f64;
    let mean = d.iter().sum::<f64>() / nf;
    let var = d.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (nf - 1.0);
    if var == 0.0 {
        let supported = match alternative {
            Alternative::TwoSided => mean != 0.0,
            Alternative::Greater => mean > 0.0,
            Alternative::Less => mean < 0.0,
        };
        return Ok(if supported { 0.0 } else { 1.0 });
    }
    let t = mean / (var / nf).sqrt();
    Ok(match alternative {
        Alternative::TwoSided => (2.0 * student_t_sf(t.abs(), nf - 1.0)).min(1.0),
        Alternative::Greater => student_t_sf(t, nf - 1.0),
        Alternative::Less => student_t_sf(-t, nf - 1.0),
    })
}

/// Average ranks (1-based) of `values`, with the sizes of the tie groups.
fn average_ranks(values: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let j = i + order[i..]
            .iter()
            .take_while(|&&k| values[k] == values[order[i]])
            .count();
        #[allow(clippy::cast_precision_loss)]
        let rank = (i + j + 1) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = rank;
        }
        ties.push(j - i);
        i = j;
    }
    (ranks, ties)
}

/// Sum of the ranks of `|d|` over the positive `d` (zeros dropped).
fn rank_sum_positive(d: &[f64], ranks: &[f64]) -> f64 {
    d.iter()
        .zip(ranks)
        .filter(|(v, _)| **v > 0.0)
        .map(|(_, r)| r)
        .sum()
}

/// Wilcoxon signed-rank p-value (two-sided), as `scipy.stats.wilcoxon(x, y).pvalue`.
pub fn wilcoxon(x: &[f64], y: &[f64]) -> Result<f64> {
    wilcoxon_with(x, y, Alternative::TwoSided)
}

/// Wilcoxon signed-rank p-value under `alternative`, as `scipy.stats.wilcoxon(x, y,
/// alternative=...).pvalue`: the one-sided p-values are the upper (`Greater`) or lower
/// (`Less`) tail of the positive rank sum's null distribution. No pair differing gives 1.
pub fn wilcoxon_with(x: &[f64], y: &[f64], alternative: Alternative) -> Result<f64> {
    let d = differences(x, y)?;
    let n_all = d.len();
    let nonzero: Vec<f64> = d.iter().copied().filter(|&v| v != 0.0).collect();
    let n = nonzero.len();
    if n == 0 {
        return Ok(1.0); // scipy: NaN; no pair differs
    }
    let abs: Vec<f64> = nonzero.iter().map(|v| v.abs()).collect();
    let (ranks, ties) = average_ranks(&abs);
    let r_plus = rank_sum_positive(&nonzero, &ranks);
    let has_ties = ties.iter().any(|&t| t > 1);
    let has_zeros = n < n_all;
    if n_all <= 50 && !has_ties && !has_zeros {
        return Ok(wilcoxon_exact(n, r_plus, alternative));
    }
    if n_all <= 13 {
        return Ok(wilcoxon_sign_flips(&nonzero, &ranks, r_plus, alternative));
    }
    #[allow(clippy::cast_precision_loss)]
    let nf = n as f64;
    let mean = nf * (nf + 1.0) * 0.25;
    #[allow(clippy::cast_precision_loss)]
    let tie_term: f64 = ties.iter().map(|&t| (t * t * t - t) as f64).sum();
    let se = ((nf * (nf + 1.0) * (2.0 * nf + 1.0) - tie_term / 2.0) / 24.0).sqrt();
    let z = (r_plus - mean) / se;
    Ok(match alternative {
        Alternative::TwoSided => (2.0 * normal_sf(z.abs())).min(1.0),
        Alternative::Greater => normal_sf(z),
        Alternative::Less => normal_sf(-z),
    })
}

/// Exact null distribution of the rank sum for `n` pairs without ties (scipy's
/// `_get_wilcoxon_distr`), and the p-value of `r_plus` under `alternative`.
fn wilcoxon_exact(n: usize, r_plus: f64, alternative: Alternative) -> f64 {
    let mut c = vec![1.0f64];
    for k in 1..=n {
        let mut next = vec![0.0; k * (k + 1) / 2 + 1];
        let m = c.len();
        let shift = next.len() - m;
        for (i, &p) in c.iter().enumerate() {
            next[i] += p * 0.5;
            next[shift + i] += p * 0.5;
        }
        c = next;
    }
    #[allow(clippy::cast_precision_loss)]
    let mean = (n * (n + 1)) as f64 / 4.0;
    // scipy's WilcoxonDistribution: sums from the nearer tail.
    let cdf = |k: f64| -> f64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ki = k as usize;
        if k <= mean {
            c[..=ki.min(c.len() - 1)].iter().sum()
        } else {
            1.0 - c[(ki + 1).min(c.len())..].iter().sum::<f64>()
        }
    };
    let sf = |k: f64| -> f64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ki = k as usize;
        if k <= mean {
            c[ki.min(c.len())..].iter().sum()
        } else {
            1.0 - c[..ki.min(c.len())].iter().sum::<f64>()
        }
    };
    match alternative {
        Alternative::TwoSided => (2.0 * sf(r_plus.floor()).min(cdf(r_plus.ceil()))).clamp(0.0, 1.0),
        Alternative::Greater => sf(r_plus.floor()).clamp(0.0, 1.0),
        Alternative::Less => cdf(r_plus.ceil()).clamp(0.0, 1.0),
    }
}

/// p-value of the rank sum by enumerating all sign flips (scipy's `permutation_test` for
/// `n <= 13`, which is exact there).
fn wilcoxon_sign_flips(
    nonzero: &[f64],
    ranks: &[f64],
    observed: f64,
    alternative: Alternative,
) -> f64 {
    let n = nonzero.len();
    let total = 1u64 << n;
    // Relative tolerance for equal statistics, as scipy's permutation_test.
    let gamma = (observed * 1e-14).abs().max(1e-14);
    let (mut less, mut greater) = (0u64, 0u64);
    for mask in 0..total {
        let s: f64 = (0..n)
            .filter(|&i| mask & (1 << i) != 0)
            .map(|i| ranks[i])
            .sum();
        if s <= observed + gamma {
            less += 1;
        }
        if s >= observed - gamma {
            greater += 1;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let (pl, pg) = (less as f64 / total as f64, greater as f64 / total as f64);
    match alternative {
        Alternative::TwoSided => (2.0 * pl.min(pg)).min(1.0),
        Alternative::Greater => pg,
        Alternative::Less => pl,
    }
}

const CHUNK: usize = 256;

/// Counts of resampled statistics at least as extreme as `observed` under each alternative
/// (indexed by [`Alternative::index`]), drawn in parallel chunks; `tolerance` keeps exact ties
/// counted despite rounding. An interrupted call (see [`crate::interrupt`]) stops scheduling
/// chunks (`try_reduce` short-circuits, so a huge `resamples` stops at once rather than
/// visiting every chunk left) and returns `Interrupted`.
fn resample_tails(
    resamples: usize,
    seed: u64,
    observed: f64,
    tolerance: f64,
    draw: impl Fn(&mut Rng) -> f64 + Sync,
) -> Result<[usize; 3]> {
    let chunks = resamples.div_ceil(CHUNK);
    let watch = crate::interrupt::current();
    let hits = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut tails = [0usize; 3];
            if watch.stopped() {
                return None;
            }
            let mut rng = Rng::new(seed, c as u64);
            let n = CHUNK.min(resamples - c * CHUNK);
            for _ in 0..n {
                let s = draw(&mut rng);
                tails[0] += usize::from(s.abs() >= observed.abs() - tolerance);
                tails[1] += usize::from(s >= observed - tolerance);
                tails[2] += usize::from(s <= observed + tolerance);
            }
            Some(tails)
        })
        .try_reduce(
            || [0; 3],
            |a, b| Some([a[0] + b[0], a[1] + b[1], a[2] + b[2]]),
        );
    watch.check()?;
    hits.ok_or(RankError::Interrupted)
}

fn check_resamples(resamples: usize) -> Result<()> {
    if resamples == 0 {
        return Err(RankError::invalid("n_resamples", "a positive integer", 0));
    }
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn resample_p(hits: [usize; 3], resamples: usize) -> [f64; 3] {
    hits.map(|h| (1 + h) as f64 / (1 + resamples) as f64)
}

impl Alternative {
    /// Position in the `[two-sided, greater, less]` triples of the resampling tests.
    fn index(self) -> usize {
        match self {
            Alternative::TwoSided => 0,
            Alternative::Greater => 1,
            Alternative::Less => 2,
        }
    }
}

/// Fisher's randomization test: each query's difference keeps or flips its sign with
/// probability 1/2; the p-value is the share of resamples whose |mean difference| reaches the
/// observed one.
pub fn randomization(x: &[f64], y: &[f64], resamples: usize, seed: u64) -> Result<f64> {
    PairedTest::Randomization(resamples).p_value(x, y, seed)
}

/// The randomization test's p-values under every alternative, from one set of resamples:
/// the share of sign-flip resamples whose mean difference is at least the observed one
/// (`Greater`), at most it (`Less`), or at least it in absolute value (`TwoSided`).
fn randomization_tails(x: &[f64], y: &[f64], resamples: usize, seed: u64) -> Result<[f64; 3]> {
    check_resamples(resamples)?;
    let d = differences(x, y)?;
    let observed = d.iter().sum::<f64>();
    // Compare sums rather than means (same test); a tiny tolerance keeps exact ties counted.
    let tolerance = observed.abs() * 1e-12;
    let hits = resample_tails(resamples, seed, observed, tolerance, |rng| {
        let mut sum = 0.0;
        let mut bits = 0u64;
        for (i, v) in d.iter().enumerate() {
            if i % 64 == 0 {
                bits = rng.next();
            }
            sum += if bits & 1 == 1 { *v } else { -*v };
            bits >>= 1;
        }
        sum
    })?;
    Ok(resample_p(hits, resamples))
}

/// Sakai's paired bootstrap test: resample the centred differences with replacement; the
/// p-value is the share of resamples whose |mean| reaches the observed |mean difference|.
pub fn bootstrap(x: &[f64], y: &[f64], resamples: usize, seed: u64) -> Result<f64> {
    PairedTest::Bootstrap(resamples).p_value(x, y, seed)
}

/// The bootstrap test's p-values under every alternative, from one set of resamples: the
/// share of resamples of the centred differences whose mean is at least the observed mean
/// difference (`Greater`), at most it (`Less`), or at least it in absolute value
/// (`TwoSided`).
fn bootstrap_tails(x: &[f64], y: &[f64], resamples: usize, seed: u64) -> Result<[f64; 3]> {
    check_resamples(resamples)?;
    let d = differences(x, y)?;
    if d.is_empty() {
        return Err(RankError::invalid("x", "at least 1 paired value", 0));
    }
    #[allow(clippy::cast_precision_loss)]
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let centred: Vec<f64> = d.iter().map(|v| v - mean).collect();
    let tolerance = mean.abs() * 1e-12;
    let hits = resample_tails(resamples, seed, mean, tolerance, |rng| {
        let s: f64 = (0..centred.len())
            .map(|_| centred[rng.below(centred.len())])
            .sum();
        s / n
    })?;
    Ok(resample_p(hits, resamples))
}

/// A paired test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairedTest {
    TTest,
    Wilcoxon,
    /// With this many resamples.
    Randomization(usize),
    /// With this many resamples.
    Bootstrap(usize),
}

/// A [`PairedTest`] by name, before its resample count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairedTestKind {
    Randomization,
    TTest,
    Bootstrap,
    Wilcoxon,
}
crate::choice!(PairedTestKind, "test", {
    "randomization" => PairedTestKind::Randomization,
    "t-test" => PairedTestKind::TTest,
    "bootstrap" => PairedTestKind::Bootstrap,
    "wilcoxon" => PairedTestKind::Wilcoxon,
});

impl PairedTest {
    /// Two-sided p-value between `x` and `y`; `seed` drives the resampling tests.
    pub fn p_value(self, x: &[f64], y: &[f64], seed: u64) -> Result<f64> {
        self.p_value_with(x, y, seed, Alternative::TwoSided)
    }

    /// p-value between `x` and `y` under `alternative`.
    pub fn p_value_with(
        self,
        x: &[f64],
        y: &[f64],
        seed: u64,
        alternative: Alternative,
    ) -> Result<f64> {
        match self {
            PairedTest::TTest => t_test_with(x, y, alternative),
            PairedTest::Wilcoxon => wilcoxon_with(x, y, alternative),
            PairedTest::Randomization(n) => {
                Ok(randomization_tails(x, y, n, seed)?[alternative.index()])
            }
            PairedTest::Bootstrap(n) => Ok(bootstrap_tails(x, y, n, seed)?[alternative.index()]),
        }
    }

    /// The p-values of `x` against `y` and of `y` against `x` under `alternative`, equal to
    /// two calls of [`PairedTest::p_value_with`] with the same seed; the resampling tests draw
    /// their resamples once (swapping `x` and `y` swaps the one-sided tails).
    pub fn p_values_both_ways(
        self,
        x: &[f64],
        y: &[f64],
        seed: u64,
        alternative: Alternative,
    ) -> Result<(f64, f64)> {
        let tails = match self {
            PairedTest::Randomization(n) => randomization_tails(x, y, n, seed)?,
            PairedTest::Bootstrap(n) => bootstrap_tails(x, y, n, seed)?,
            PairedTest::TTest | PairedTest::Wilcoxon => {
                let forward = self.p_value_with(x, y, seed, alternative)?;
                if alternative == Alternative::TwoSided {
                    return Ok((forward, forward));
                }
                return Ok((forward, self.p_value_with(y, x, seed, alternative)?));
            }
        };
        Ok((
            tails[alternative.index()],
            tails[alternative.reversed().index()],
        ))
    }
}

/// p-values between every pair of systems (`rows[i]`: system `i`'s per-query values), as a
/// symmetric `k x k` row-major matrix with ones on the diagonal. Pair `(i, j)`, `i < j`, is
/// the `n`-th in row-major order and resamples with seed `seed + n`, so results do not depend
/// on the number of threads.
pub fn pairwise(rows: &[&[f64]], test: PairedTest, seed: u64) -> Result<Vec<f64>> {
    pairwise_with(rows, test, seed, Alternative::TwoSided)
}

/// p-values between every pair of systems under `alternative`, as a `k x k` row-major matrix
/// with ones on the diagonal: entry `(i, j)` tests system `i` against system `j` (`Greater`:
/// `i` scores higher). Two-sided matrices are symmetric; one-sided ones test `(i, j)` and
/// `(j, i)` on the same resamples (seed `seed + n` for the `n`-th pair `i < j`), so that for
/// the resampling tests `p[i, j]` and `p[j, i]` count the two tails of one null distribution.
pub fn pairwise_with(
    rows: &[&[f64]],
    test: PairedTest,
    seed: u64,
    alternative: Alternative,
) -> Result<Vec<f64>> {
    let k = rows.len();
    let pairs: Vec<(usize, usize)> = (0..k)
        .flat_map(|i| ((i + 1)..k).map(move |j| (i, j)))
        .collect();
    // The pairs run on worker threads: each enters the call's interrupt scope, so the
    // resampling inside stops too.
    let watch = crate::interrupt::current();
    let p = crate::parallel::install(|| {
        pairs
            .par_iter()
            .enumerate()
            .map(|(n, &(i, j))| {
                watch.check()?;
                let seed = seed.wrapping_add(n as u64);
                watch.scope(|| test.p_values_both_ways(rows[i], rows[j], seed, alternative))
            })
            .collect::<Result<Vec<(f64, f64)>>>()
    })?;
    let mut out = vec![1.0; k * k];
    for (&(i, j), &(forward, backward)) in pairs.iter().zip(&p) {
        out[i * k + j] = forward;
        out[j * k + i] = backward;
    }
    Ok(out)
}

/// Multiple-comparison corrections of a family of p-values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    None,
    /// `min(1, m p)`.
    Bonferroni,
    /// Holm's step-down: the k-th smallest is `max_{j<=k} min(1, (m - j + 1) p_(j))`.
    Holm,
    /// Benjamini & Hochberg's step-up false discovery rate (J. R. Stat. Soc. B 57, 1995): the
    /// k-th smallest is `min(1, min_{j>=k} m p_(j) / j)`.
    BenjaminiHochberg,
    /// Benjamini & Yekutieli's step-up under dependence (Ann. Stat. 29, 2001): as
    /// Benjamini-Hochberg with each `m p_(j) / j` multiplied by `c(m) = sum_{i<=m} 1 / i`.
    BenjaminiYekutieli,
}

// `None` (no option) stands for [`Correction::None`].
crate::choice!(Correction, "correction", {
    "holm" => Correction::Holm,
    "bonferroni" => Correction::Bonferroni,
    "bh" => Correction::BenjaminiHochberg,
    "by" => Correction::BenjaminiYekutieli,
});

/// Corrected p-values, in the order given.
pub fn correct(p: &[f64], how: Correction) -> Vec<f64> {
    #[allow(clippy::cast_precision_loss)]
    let m = p.len() as f64;
    match how {
        Correction::None => p.to_vec(),
        Correction::Bonferroni => p.iter().map(|v| (v * m).min(1.0)).collect(),
        Correction::Holm => {
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
            let mut out = vec![0.0; p.len()];
            let mut running = 0.0f64;
            for (j, &i) in order.iter().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let adjusted = ((m - j as f64) * p[i]).min(1.0);
                running = running.max(adjusted);
                out[i] = running;
            }
            out
        }
        Correction::BenjaminiHochberg => step_up(p, 1.0),
        Correction::BenjaminiYekutieli => {
            #[allow(clippy::cast_precision_loss)]
            let c: f64 = (1..=p.len()).map(|i| 1.0 / i as f64).sum();
            step_up(p, c)
        }
    }
}

/// The step-up adjustment `min(1, min_{j>=k} c m p_(j) / j)` of the k-th smallest p-value,
/// computed as statsmodels' `multipletests` (`p_(j) / (j / m / c)`, a running minimum from the
/// largest).
fn step_up(p: &[f64], c: f64) -> Vec<f64> {
    #[allow(clippy::cast_precision_loss)]
    let m = p.len() as f64;
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; p.len()];
    let mut running = f64::INFINITY;
    for (j, &i) in order.iter().enumerate().rev() {
        #[allow(clippy::cast_precision_loss)]
        let factor = (j + 1) as f64 / m / c;
        running = running.min(p[i] / factor);
        out[i] = running.min(1.0);
    }
    out
}

/// [`correct`], after checking that every p-value is a number in `[0, 1]`.
pub fn correct_checked(p: &[f64], how: Correction) -> Result<Vec<f64>> {
    if let Some(v) = p.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return Err(RankError::invalid("p", "p-values in [0, 1] (no NaN)", v));
    }
    Ok(correct(p, how))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300) || (a - b).abs() < 1e-15
    }

    #[test]
    fn t_test_matches_the_textbook() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [1.5, 2.1, 2.0, 3.0, 4.1];
        // scipy.stats.ttest_rel(x, y): t = 1.450303320574693, p = 0.22058376823566214
        let p = t_test(&x, &y).unwrap();
        assert!(close(p, 0.220_583_768_235_662_14, 1e-12), "{p}");
        assert_eq!(t_test(&x, &x).unwrap(), 1.0);
        assert!(t_test(&x, &y[..3]).is_err());
    }

    #[test]
    fn wilcoxon_exact_small_case() {
        // d = 1..6, all positive: r_plus = 21 = max; p = 2 / 2^6
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = [0.0; 6];
        assert!(close(wilcoxon(&x, &y).unwrap(), 2.0 / 64.0, 1e-12));
    }

    #[test]
    fn resampling_tests_are_deterministic_and_sensible() {
        let x: Vec<f64> = (0..40).map(|i| f64::from(i % 7) / 7.0 + 0.2).collect();
        let y: Vec<f64> = (0..40).map(|i| f64::from(i % 7) / 7.0).collect();
        let a = randomization(&x, &y, 2000, 7).unwrap();
        assert_eq!(a, randomization(&x, &y, 2000, 7).unwrap());
        assert!(a < 0.01, "{a}");
        assert!(randomization(&x, &x, 500, 1).unwrap() > 0.99);
        let b = bootstrap(&x, &y, 2000, 7).unwrap();
        assert!(b < 0.01, "{b}");
        assert!(randomization(&x, &y, 0, 1).is_err());
    }

    #[test]
    fn corrections() {
        let p = [0.01, 0.04, 0.03];
        assert_eq!(correct(&p, Correction::Bonferroni), vec![0.03, 0.12, 0.09]);
        let holm = correct(&p, Correction::Holm);
        assert!(close(holm[0], 0.03, 1e-12));
        assert!(close(holm[2], 0.06, 1e-12));
        assert!(close(holm[1], 0.06, 1e-12));
        // Sorted 0.01, 0.03, 0.04: 3 p / j = 0.03, 0.045, 0.04 -> running minimum from the top.
        let bh = correct(&p, Correction::BenjaminiHochberg);
        assert!(close(bh[0], 0.03, 1e-12) && close(bh[1], 0.04, 1e-12));
        assert!(close(bh[2], 0.04, 1e-12));
        let by = correct(&p, Correction::BenjaminiYekutieli);
        let c = 1.0 + 0.5 + 1.0 / 3.0;
        assert!(close(by[0], 0.03 * c, 1e-12) && close(by[1], (0.04 * c).min(1.0), 1e-12));
        assert!(correct_checked(&[0.1, f64::NAN], Correction::Holm).is_err());
        assert!(correct_checked(&[0.1, 1.5], Correction::Holm).is_err());
    }

    #[test]
    fn one_sided_p_values_split_the_two_sided_one() {
        let x: Vec<f64> = (0..30).map(|i| f64::from(i % 5) / 5.0 + 0.1).collect();
        let y: Vec<f64> = (0..30).map(|i| f64::from((i * 7) % 5) / 5.0).collect();
        let two = t_test(&x, &y).unwrap();
        let g = t_test_with(&x, &y, Alternative::Greater).unwrap();
        let l = t_test_with(&x, &y, Alternative::Less).unwrap();
        assert!(close(g + l, 1.0, 1e-12) && close(two, 2.0 * g.min(l), 1e-12));
        for test in [PairedTest::Randomization(3000), PairedTest::Bootstrap(3000)] {
            let g = test.p_value_with(&x, &y, 5, Alternative::Greater).unwrap();
            let l = test.p_value_with(&y, &x, 5, Alternative::Less).unwrap();
            assert_eq!(
                g, l,
                "{test:?}: swapping x and y and the side is the same test"
            );
            assert!(g < 0.05, "{test:?} {g}");
            assert!(test.p_value_with(&x, &y, 5, Alternative::Less).unwrap() > 0.9);
        }
        for test in [PairedTest::Randomization(500), PairedTest::Bootstrap(500)] {
            for alt in [
                Alternative::Greater,
                Alternative::Less,
                Alternative::TwoSided,
            ] {
                let (f, b) = test.p_values_both_ways(&x, &y, 9, alt).unwrap();
                assert_eq!(f, test.p_value_with(&x, &y, 9, alt).unwrap());
                assert_eq!(
                    b,
                    test.p_value_with(&y, &x, 9, alt).unwrap(),
                    "{test:?} {alt:?}"
                );
            }
        }
        let rows = [&x[..], &y[..]];
        let m = pairwise_with(&rows, PairedTest::TTest, 0, Alternative::Greater).unwrap();
        assert!(close(m[1], g, 1e-15) && close(m[2], l, 1e-15));
    }
}
