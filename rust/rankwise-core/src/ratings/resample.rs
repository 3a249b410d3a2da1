//! The bootstrap of every ratings fit: resamples of the data drawn with replacement (the
//! arena's `battles.sample(frac=1.0, replace=True)`, lm-sys/FastChat
//! `fastchat/serve/monitor/elo_analysis.py`), or given as explicit indices, each fitted in
//! parallel on the rankwise pool. Resample `r` draws from its own stream `Rng::new(seed, r)`,
//! so the result does not depend on the number of threads; the call stops at the next
//! resample (or iteration) once interrupted ([`crate::interrupt`]).

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::labels::plackett_luce::Fit;
use crate::rng::Rng;

/// The most resamples a seeded bootstrap draws. Percentile intervals settle within a few
/// thousand resamples (Efron & Tibshirani 1993, ch. 19); far larger counts come from a slip,
/// and would hold the results of every resample (and the CPU for hours) before failing in the
/// allocator, which cannot refuse them in advance.
pub const MAX_RESAMPLES: usize = 10_000_000;

/// How the bootstrap draws its resamples.
#[derive(Debug, Clone, Copy)]
pub enum Resamples<'a> {
    /// `count` resamples of `len` comparisons drawn uniformly with replacement, resample `r`
    /// from `Rng::new(seed, r)`.
    Seeded { count: usize, seed: u64 },
    /// Explicit comparison indices, `count` rows of `len` (row-major).
    Given { indices: &'a [i64], count: usize },
}

impl Resamples<'_> {
    /// The number of resamples, checking explicit indices (`n` comparisons).
    fn count(self, n: usize) -> Result<usize> {
        let count = match self {
            Resamples::Seeded { count, .. } if count > MAX_RESAMPLES => {
                return Err(RankError::invalid(
                    "n_resamples",
                    format!("a positive integer at most {MAX_RESAMPLES}"),
                    count,
                ));
            }
            Resamples::Seeded { count, .. } => count,
            Resamples::Given { indices, count } => {
                if indices.len() != count * n {
                    return Err(RankError::shape(
                        "resamples",
                        format!("({count}, {n}): one row of {n} comparison indices per resample"),
                        format!("{} indices", indices.len()),
                    ));
                }
                if let Some((k, &v)) = indices
                    .iter()
                    .enumerate()
                    .find(|&(_, &v)| v < 0 || v >= n as i64)
                {
                    return Err(RankError::invalid(
                        "resamples",
                        format!("comparison indices in 0..{n}"),
                        format!("{v} at resample {}, position {}", k / n, k % n),
                    ));
                }
                count
            }
        };
        if count == 0 {
            return Err(RankError::invalid("n_resamples", "a positive integer", 0));
        }
        Ok(count)
    }
}

/// Resample `index` of `n` data, as [`fits`] hands it to a fit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Resample<'a> {
    pub index: usize,
    n: usize,
    how: Resamples<'a>,
}

impl Resample<'_> {
    /// Hand the `n` indices (into `0..n`) of the resample to `take`, in order.
    pub(super) fn for_each(self, mut take: impl FnMut(usize)) {
        let (r, n) = (self.index, self.n);
        match self.how {
            Resamples::Seeded { seed, .. } => {
                let mut rng = Rng::new(seed, r as u64);
                for _ in 0..n {
                    take(rng.below(n));
                }
            }
            Resamples::Given { indices, .. } => {
                // Validated by `count`: in 0..n.
                #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
                for &i in &indices[r * n..(r + 1) * n] {
                    take(i as usize);
                }
            }
        }
    }
}

/// The fit of each resample of `n` data, in parallel, in resample order: `fit` gets a worker's
/// state (made by `init`, reused across its resamples) and the resample. The first failing
/// resample fails the call.
pub(super) fn fits<S, T: Send>(
    how: Resamples<'_>,
    n: usize,
    init: impl Fn() -> S + Sync + Send,
    fit: impl Fn(&mut S, Resample<'_>) -> Result<T> + Sync + Send,
) -> Result<Vec<T>> {
    let count = how.count(n)?;
    // Read on this thread: rayon's workers have no interrupt scope of their own.
    let watch = crate::interrupt::current();
    let fits: Vec<Result<T>> = (0..count)
        .into_par_iter()
        .map_init(init, |state, r| {
            watch.check()?;
            watch.scope(|| fit(state, Resample { index: r, n, how }))
        })
        .collect();
    watch.check()?;
    fits.into_iter().collect()
}

/// Bootstrap estimates: `params[r * m + i]` is player `i`'s centred log-strength in resample
/// `r`; `not_converged` counts resamples whose iteration hit `max_iter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    pub params: Vec<f64>,
    pub not_converged: usize,
}

impl Bootstrap {
    /// The fits of the resamples, in order.
    pub(super) fn of(fits: Vec<Fit>) -> Self {
        let mut params = Vec::with_capacity(fits.iter().map(|f| f.params.len()).sum());
        let mut not_converged = 0;
        for f in fits {
            not_converged += usize::from(!f.converged);
            params.extend_from_slice(&f.params);
        }
        Bootstrap {
            params,
            not_converged,
        }
    }
}
