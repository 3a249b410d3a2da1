//! A small, seedable random number generator: the same seed gives the same numbers on every
//! machine (resampling tests, tournament shuffles, random tie breaks).

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): advances `state` and returns the next 64 bits. Seeds the generators; on its
/// own, a tiny generator for synthetic test and benchmark data.
pub fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++ (Blackman & Vigna): small, fast, good enough for resampling and shuffles.
#[derive(Debug, Clone)]
pub struct Rng([u64; 4]);

impl Rng {
    /// A generator for `seed`; different `stream`s give independent sequences (one per
    /// parallel chunk, one per tournament, ...).
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut s = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Rng([
            splitmix(&mut s),
            splitmix(&mut s),
            splitmix(&mut s),
            splitmix(&mut s),
        ])
    }

    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2^-32 for n < 2^32).
    pub fn below(&mut self, n: usize) -> usize {
        #[allow(clippy::cast_possible_truncation)]
        let r = ((u128::from(self.next() >> 32) * n as u128) >> 32) as usize;
        r
    }

    /// Shuffle `items` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// Uniform in `[0, 1)`, 53 random bits.
    pub fn unit(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let x = (self.next() >> 11) as f64;
        x / (1u64 << 53) as f64
    }
}

/// Fill `out` in parallel, `chunk` values at a time, chunk `c` from its own generator
/// `Rng::new(seed, c)` (so the values do not depend on the number of threads). An interrupted
/// call (see [`crate::interrupt`]) stops scheduling chunks and returns `Interrupted`.
pub(crate) fn fill_seeded<T: Send>(
    out: &mut [T],
    chunk: usize,
    seed: u64,
    fill: impl Fn(&mut Rng, &mut [T]) + Sync,
) -> crate::error::Result<()> {
    use rayon::prelude::*;

    let watch = crate::interrupt::current();
    // `try_for_each` short-circuits once the call is interrupted.
    let done = out
        .par_chunks_mut(chunk)
        .enumerate()
        .try_for_each(|(c, block)| {
            if watch.stopped() {
                return None;
            }
            fill(&mut Rng::new(seed, c as u64), block);
            Some(())
        });
    watch.check()?;
    done.ok_or(crate::error::RankError::Interrupted)
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn shuffles_are_permutations_and_reproducible() {
        let mut a: Vec<usize> = (0..50).collect();
        let mut b = a.clone();
        Rng::new(7, 1).shuffle(&mut a);
        Rng::new(7, 1).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
        a.sort_unstable();
        assert_eq!(a, (0..50).collect::<Vec<_>>());
        let mut r = Rng::new(3, 0);
        assert!((0..1000).map(|_| r.unit()).all(|u| (0.0..1.0).contains(&u)));
    }
}
