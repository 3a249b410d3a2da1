//! Values of one variable, their order keys, and the sorts that every rank statistic needs.
//!
//! Rank statistics only compare values, so each variable is turned into **order keys**
//! (`u64`, ascending with the values, `-0.0 == 0.0`) once per row; everything downstream sorts
//! and compares integers. NaN gets the key 0, below every number: weighted tau treats it as
//! the smallest score (as scipy does); the other statistics drop or refuse NaN before they
//! look at keys.

use std::ops::Range;

use rayon::prelude::*;

use crate::ranking::score_order_key;

/// One variable (a row of a batch, or a whole 1-D array), borrowed.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    F64(&'a [f64]),
    F32(&'a [f32]),
    I64(&'a [i64]),
    I32(&'a [i32]),
}

/// Above this many values, keys are computed and sorts run in parallel.
pub(crate) const PARALLEL_LEN: usize = 1 << 17;

#[inline]
fn f64_key(v: f64) -> u64 {
    if v.is_nan() { 0 } else { score_order_key(v) }
}

#[inline]
#[allow(clippy::cast_sign_loss)]
fn i64_key(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

impl<'a> Values<'a> {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::F64(v) => v.len(),
            Values::F32(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::I32(v) => v.len(),
        }
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values at `range`.
    pub fn slice(&self, range: Range<usize>) -> Values<'a> {
        match *self {
            Values::F64(v) => Values::F64(&v[range]),
            Values::F32(v) => Values::F32(&v[range]),
            Values::I64(v) => Values::I64(&v[range]),
            Values::I32(v) => Values::I32(&v[range]),
        }
    }

    /// The dtype, as numpy names it.
    pub fn dtype(&self) -> &'static str {
        match self {
            Values::F64(_) => "float64",
            Values::F32(_) => "float32",
            Values::I64(_) => "int64",
            Values::I32(_) => "int32",
        }
    }

    /// Whether value `i` is NaN (never for integers).
    #[inline]
    pub fn is_nan(&self, i: usize) -> bool {
        match self {
            Values::F64(v) => v[i].is_nan(),
            Values::F32(v) => v[i].is_nan(),
            Values::I64(_) | Values::I32(_) => false,
        }
    }

    /// Position of the first NaN, if any.
    pub fn first_nan(&self) -> Option<usize> {
        match self {
            Values::F64(v) => v.iter().position(|x| x.is_nan()),
            Values::F32(v) => v.iter().position(|x| x.is_nan()),
            Values::I64(_) | Values::I32(_) => None,
        }
    }

    /// Value `i` as `f64` (exact for floats and for integers below 2^53).
    #[inline]
    #[allow(clippy::cast_precision_loss)]
    pub fn get_f64(&self, i: usize) -> f64 {
        match self {
            Values::F64(v) => v[i],
            Values::F32(v) => f64::from(v[i]),
            Values::I64(v) => v[i] as f64,
            Values::I32(v) => f64::from(v[i]),
        }
    }

    /// Order key of value `i` (NaN: 0).
    #[inline]
    pub fn key(&self, i: usize) -> u64 {
        match self {
            Values::F64(v) => f64_key(v[i]),
            Values::F32(v) => f64_key(f64::from(v[i])),
            Values::I64(v) => i64_key(v[i]),
            Values::I32(v) => i64_key(i64::from(v[i])),
        }
    }

    /// Order keys of all values, written into `out` (cleared first).
    pub fn keys_into(&self, out: &mut Vec<u64>) {
        fn fill<T: Copy + Sync>(src: &[T], out: &mut Vec<u64>, f: impl Fn(T) -> u64 + Sync) {
            out.clear();
            out.resize(src.len(), 0);
            if src.len() >= PARALLEL_LEN {
                out.par_chunks_mut(1 << 14)
                    .zip(src.par_chunks(1 << 14))
                    .for_each(|(o, s)| o.iter_mut().zip(s).for_each(|(o, &v)| *o = f(v)));
            } else {
                out.iter_mut().zip(src).for_each(|(o, &v)| *o = f(v));
            }
        }
        match *self {
            Values::F64(v) => fill(v, out, f64_key),
            Values::F32(v) => fill(v, out, |x| f64_key(f64::from(x))),
            Values::I64(v) => fill(v, out, i64_key),
            Values::I32(v) => fill(v, out, |x| i64_key(i64::from(x))),
        }
    }

    /// Order keys of the values at `positions`, in that order.
    pub fn keys_at(&self, positions: &[u32], out: &mut Vec<u64>) {
        out.clear();
        out.extend(positions.iter().map(|&p| self.key(p as usize)));
    }
}

/// Buffers reused by [`argsort`].
#[derive(Debug, Default)]
pub struct SortScratch {
    packed: Vec<u128>,
    keys: Vec<u64>,
    keys_tmp: Vec<u64>,
    idx_tmp: Vec<u32>,
    /// Spare buffers for callers that sort keys themselves (reused across rows).
    pub(crate) keys_buf: Vec<u64>,
    pub(crate) pairs_buf: Vec<u64>,
}

/// Below this length a comparison sort of packed `(key, position)` beats the radix sort.
const RADIX_MIN: usize = 1 << 11;

/// Positions `0..keys.len()` sorted by key, equal keys by position: a stable argsort.
/// Comparison sort for short inputs, LSD radix sort (8-bit digits, constant digits skipped)
/// for long ones. `keys.len()` must fit `u32`.
pub fn argsort(keys: &[u64], order: &mut Vec<u32>, scratch: &mut SortScratch) {
    let n = keys.len();
    order.clear();
    if n < RADIX_MIN {
        let packed = &mut scratch.packed;
        packed.clear();
        packed.extend(
            keys.iter()
                .enumerate()
                .map(|(i, &k)| (u128::from(k) << 32) | i as u128),
        );
        packed.sort_unstable();
        #[allow(clippy::cast_possible_truncation)]
        order.extend(packed.iter().map(|&p| p as u32));
        return;
    }
    let SortScratch {
        keys: k0,
        keys_tmp: k1,
        idx_tmp: i1,
        ..
    } = scratch;
    k0.clear();
    k0.extend_from_slice(keys);
    #[allow(clippy::cast_possible_truncation)]
    order.extend(0..n as u32);
    k1.clear();
    k1.resize(n, 0);
    i1.clear();
    i1.resize(n, 0);
    let mut hist = [[0usize; 256]; 8];
    for &k in k0.iter() {
        for (d, h) in hist.iter_mut().enumerate() {
            h[((k >> (8 * d)) & 0xff) as usize] += 1;
        }
    }
    let mut src_is_primary = true;
    for (d, h) in hist.iter().enumerate() {
        if h.contains(&n) {
            continue; // every key has the same digit here
        }
        let mut offsets = [0usize; 256];
        let mut acc = 0;
        for (o, &c) in offsets.iter_mut().zip(h.iter()) {
            *o = acc;
            acc += c;
        }
        let shift = 8 * d;
        let (ks, is, kd, id) = if src_is_primary {
            (&*k0, &*order, &mut *k1, &mut *i1)
        } else {
            (&*k1, &*i1, &mut *k0, &mut *order)
        };
        for (&k, &i) in ks.iter().zip(is.iter()) {
            let b = ((k >> shift) & 0xff) as usize;
            let p = offsets[b];
            offsets[b] = p + 1;
            kd[p] = k;
            id[p] = i;
        }
        src_is_primary = !src_is_primary;
    }
    if !src_is_primary {
        order.copy_from_slice(i1);
    }
}

/// Sizes of the runs of equal keys along `order` (the tie groups, ascending by value), and
/// the dense rank (0-based) of every position, written into `rank`.
pub fn dense_ranks(keys: &[u64], order: &[u32], rank: &mut Vec<u32>, groups: &mut Vec<u32>) {
    rank.clear();
    rank.resize(keys.len(), 0);
    groups.clear();
    let mut prev: Option<u64> = None;
    let mut r = 0u32;
    for &i in order {
        let k = keys[i as usize];
        match prev {
            Some(p) if p == k => {
                if let Some(last) = groups.last_mut() {
                    *last += 1;
                }
            }
            Some(_) => {
                r += 1;
                groups.push(1);
            }
            None => groups.push(1),
        }
        prev = Some(k);
        rank[i as usize] = r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_order_numbers_and_put_nan_first() {
        let v = [1.5, -0.0, 0.0, f64::NAN, f64::NEG_INFINITY, -3.0];
        let vals = Values::F64(&v);
        let mut k = Vec::new();
        vals.keys_into(&mut k);
        assert_eq!(k[1], k[2]);
        assert_eq!(k[3], 0);
        assert!(k[3] < k[4] && k[4] < k[5] && k[5] < k[1] && k[1] < k[0]);
        let i = [i64::MIN, -1, 0, i64::MAX];
        let mut ki = Vec::new();
        Values::I64(&i).keys_into(&mut ki);
        assert!(ki.windows(2).all(|w| w[0] < w[1]));
    }

    proptest! {
        #[test]
        fn argsort_is_a_stable_sort(v in prop::collection::vec(0u64..50, 0..5000)) {
            // Many equal keys, both below and above the radix threshold.
            let mut order = Vec::new();
            let mut scratch = SortScratch::default();
            argsort(&v, &mut order, &mut scratch);
            let mut want: Vec<u32> = (0..v.len() as u32).collect();
            want.sort_by_key(|&i| v[i as usize]);
            prop_assert_eq!(order, want);
        }

        #[test]
        fn radix_sort_handles_full_width_keys(v in prop::collection::vec(any::<u64>(), 2048..3000)) {
            let mut order = Vec::new();
            argsort(&v, &mut order, &mut SortScratch::default());
            let mut want: Vec<u32> = (0..v.len() as u32).collect();
            want.sort_by_key(|&i| (v[i as usize], i));
            prop_assert_eq!(order, want);
        }
    }
}
