//! Order-independent summation.
//!
//! Means over queries are computed from the correctly rounded sum of the per-query values
//! (Shewchuk's algorithm, as Python's `math.fsum`). The result does not depend on the order of
//! the queries, so a mean computed on one machine, on shuffled input or from partitions
//! gathered on many workers is the same to the last bit, and equals `statistics.fmean`.

/// The correctly rounded sum of finite `values` (Shewchuk 1997; CPython's `math.fsum`).
pub fn exact_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for value in values {
        let mut x = value;
        let mut kept = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    // Add the partials from the top, then round half-even as CPython does.
    let Some(mut n) = partials.len().checked_sub(1) else {
        return 0.0;
    };
    let mut hi = partials[n];
    let mut lo = 0.0;
    while n > 0 {
        let x = hi;
        n -= 1;
        let y = partials[n];
        hi = x + y;
        let yr = hi - x;
        lo = y - yr;
        if lo != 0.0 {
            break;
        }
    }
    if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        let yr = x - hi;
        if y == yr {
            hi = x;
        }
    }
    hi
}

/// Arithmetic mean through [`exact_sum`]; NaN for no values.
#[allow(clippy::cast_precision_loss)]
pub fn exact_mean(values: &[f64]) -> f64 {
    exact_sum(values.iter().copied()) / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sums_exactly_where_naive_summation_drifts() {
        assert_eq!(exact_sum([0.1; 10]), 1.0);
        assert_eq!(exact_sum([1e100, 1.0, -1e100, 1e-100]), 1.0);
        assert_eq!(exact_sum([]), 0.0);
        assert_eq!(exact_sum([0.3, 0.6, 0.1]), 1.0);
    }

    proptest! {
        #[test]
        fn sum_does_not_depend_on_order(mut v in prop::collection::vec(0.0f64..1.0, 0..200), seed in 0u64..1000) {
            let a = exact_sum(v.iter().copied());
            // deterministic shuffle
            let n = v.len();
            let mut s = seed;
            for i in (1..n).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                v.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(a.to_bits(), exact_sum(v.iter().copied()).to_bits());
        }
    }
}
