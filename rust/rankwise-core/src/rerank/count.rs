//! Exact counting for the call plans: closed forms and `O(log n)` walks in `u128` with checked
//! arithmetic, so [`Plan`](super::Plan)s for any `n` take no memory and no time to speak of.
//! A count that does not fit a `usize` (64 bits) is an error naming `n`, never a wrapped or
//! saturated number.

use crate::error::{RankError, Result};

/// `n (n - 1) / 2`, `None` on overflow.
pub(crate) fn pairs(n: u128) -> Option<u128> {
    if n.is_multiple_of(2) {
        (n / 2).checked_mul(n.saturating_sub(1))
    } else {
        n.checked_mul((n - 1) / 2)
    }
}

/// `sum_{i=0}^{n-1} floor((a i + b) / m)` for `m >= 1`, `None` on overflow of `u128`.
///
/// The Euclidean-like reduction of AtCoder Library's `floor_sum` (`atcoder/math.hpp`,
/// `floor_sum_unsigned`): `O(log m)` steps. Every product stays below `2^128` for arguments
/// below `2^64`: after reduction `a, b < m`, so `a n + b < m (n + 1)`.
pub(crate) fn floor_sum(mut n: u128, mut m: u128, mut a: u128, mut b: u128) -> Option<u128> {
    let mut sum: u128 = 0;
    if n == 0 || m == 0 {
        return Some(0);
    }
    loop {
        if a >= m {
            sum = sum.checked_add(pairs(n)?.checked_mul(a / m)?)?;
            a %= m;
        }
        if b >= m {
            sum = sum.checked_add(n.checked_mul(b / m)?)?;
            b %= m;
        }
        let y_max = a.checked_mul(n)?.checked_add(b)?;
        if y_max < m {
            return Some(sum);
        }
        n = y_max / m;
        b = y_max % m;
        std::mem::swap(&mut m, &mut a);
    }
}

/// `sum_{x=lo}^{hi} floor(log2 x)` for `1 <= lo` (0 when `lo > hi`): one term per power of two.
pub(crate) fn sum_log2(lo: u128, hi: u128) -> Option<u128> {
    if lo > hi {
        return Some(0);
    }
    let mut sum: u128 = 0;
    let mut t: u32 = 1;
    // floor(log2 x) = #{t >= 1 : 2^t <= x}: count the x in [lo, hi] with x >= 2^t.
    while t < 128 {
        let p = 1u128 << t;
        if p > hi {
            break;
        }
        sum = sum.checked_add(hi - p.max(lo) + 1)?;
        t += 1;
    }
    Some(sum)
}

/// The number of `x` in `lo..=hi` (0 when empty).
pub(crate) fn span(lo: u128, hi: u128) -> u128 {
    if lo > hi { 0 } else { hi - lo + 1 }
}

/// Fewest and most of a heapsort's count for `n` candidates: 0 below two candidates, else
/// the bounds `count` gives, each `None` where it overflows.
pub(crate) fn heap_bounds(
    n: usize,
    count: impl FnOnce() -> Option<(u128, u128)>,
) -> (Option<u128>, Option<u128>) {
    if n < 2 {
        (Some(0), Some(0))
    } else {
        count().map_or((None, None), |(a, b)| (Some(a), Some(b)))
    }
}

/// A count as a `usize`, or the error that says the plan for `n` overflows 64 bits.
pub(crate) fn fit(count: Option<u128>, n: usize) -> Result<usize> {
    count.and_then(|c| usize::try_from(c).ok()).ok_or_else(|| {
        RankError::invalid(
            "n",
            format!(
                "a list size whose call count fits 64 bits (at most {} calls)",
                usize::MAX
            ),
            n,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn floor_sum_naive(n: u128, m: u128, a: u128, b: u128) -> u128 {
        (0..n).map(|i| (a * i + b) / m).sum()
    }

    #[test]
    fn floor_sum_of_huge_arguments_is_exact_or_none() {
        let big = u128::from(u64::MAX);
        // sum_{i<n} i = n (n - 1) / 2 for n = 2^64 - 1 fits u128.
        assert_eq!(floor_sum(big, 1, 1, 0), pairs(big));
        assert_eq!(floor_sum(big, 1, big, big), None);
        assert_eq!(sum_log2(1, 1), Some(0));
        assert_eq!(sum_log2(5, 4), Some(0));
    }

    #[test]
    fn fit_refuses_counts_beyond_64_bits() {
        assert_eq!(fit(Some(7), 3), Ok(7));
        let err = fit(Some(u128::from(u64::MAX) + 1), 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`n`") && err.contains("64 bits"), "{err}");
        assert!(fit(None, 3).is_err());
    }

    proptest! {
        #[test]
        fn floor_sum_matches_the_sum(n in 0u128..60, m in 1u128..40, a in 0u128..100, b in 0u128..100) {
            prop_assert_eq!(floor_sum(n, m, a, b), Some(floor_sum_naive(n, m, a, b)));
        }

        #[test]
        fn sum_log2_matches_the_sum(lo in 1u128..3000, len in 0u128..3000) {
            let hi = lo + len;
            let naive: u128 = (lo..=hi).map(|x| u128::from(127 - x.leading_zeros())).sum();
            prop_assert_eq!(sum_log2(lo, hi), Some(naive));
        }
    }
}
