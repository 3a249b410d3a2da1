//! Set measures: the retrieved documents of a query taken as an unordered set (trec_eval's
//! `set_P`, `set_recall`, `set_relative_P`, `set_map`, `set_F`, `utility`,
//! `num_nonrel_judged_ret`; `m_set_*.c`, `m_utility.c`, `m_num_nonrel_judged_ret.c` in 9.0.x).
//!
//! A set measure counts the whole ranking; combine with `max_docs` (trec_eval's `-M`) to
//! measure a prefix. trec_eval leaves a value at 0 whenever its denominator is 0.

use super::RankedQuery;

#[allow(clippy::cast_precision_loss)]
#[inline]
fn f(n: usize) -> f64 {
    n as f64
}

/// The three counts every set measure is made of.
struct Counts {
    num_ret: usize,
    num_rel: usize,
    num_rel_ret: usize,
}

fn counts(q: &RankedQuery<'_>, rel: f64) -> Counts {
    Counts {
        num_ret: q.num_ret,
        num_rel: q.num_rel(rel),
        num_rel_ret: q.hits.iter().filter(|h| h.label >= rel).count(),
    }
}

/// `n / d`, or 0 when `d` is 0 (trec_eval's set measures score an empty set 0).
fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { f(n) / f(d) }
}

/// `num_rel_ret / num_ret` (trec_eval `set_P`).
pub fn set_precision(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let c = counts(q, rel);
    ratio(c.num_rel_ret, c.num_ret)
}

/// `num_rel_ret / num_rel` (trec_eval `set_recall`).
pub fn set_recall(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let c = counts(q, rel);
    ratio(c.num_rel_ret, c.num_rel)
}

/// `num_rel_ret / min(num_ret, num_rel)`: set precision relative to the best possible for a
/// set of this size (trec_eval `set_relative_P`).
pub fn set_relative_precision(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let c = counts(q, rel);
    // min(num_ret, num_rel) is 0 exactly when either is.
    ratio(c.num_rel_ret, c.num_ret.min(c.num_rel))
}

/// `num_rel_ret^2 / (num_ret * num_rel)`: unranked average precision, set precision times set
/// recall (trec_eval `set_map`).
pub fn set_map(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let c = counts(q, rel);
    if c.num_ret == 0 || c.num_rel == 0 {
        0.0
    } else {
        (f(c.num_rel_ret) * f(c.num_rel_ret)) / (f(c.num_ret) * f(c.num_rel))
    }
}

/// `(beta + 1) P R / (beta P + R)` over the retrieved set, `beta` the weight of recall
/// against precision (trec_eval `set_F`, default `beta = 1`). 0 when nothing relevant is
/// retrieved.
pub fn set_f(q: &RankedQuery<'_>, beta: f64, rel: f64) -> f64 {
    let c = counts(q, rel);
    if c.num_rel_ret == 0 {
        return 0.0;
    }
    let p = f(c.num_rel_ret) / f(c.num_ret);
    let r = f(c.num_rel_ret) / f(c.num_rel);
    (beta + 1.0) * p * r / (beta * p + r)
}

/// Linear utility `a * rel_ret + b * nonrel_ret + c * rel_not_ret + d * nonrel_not_ret`
/// (trec_eval `utility`, default coefficients `1, -1, 0, 0`). `num_docs_in_coll` is
/// trec_eval's collection size `-N` (0 by default there too): the `d` term is
/// `d * (num_docs_in_coll + rel_ret - ret - rel)`, the count in integers as trec_eval's
/// `long`s (`m_utility.c`).
#[allow(clippy::cast_possible_wrap, clippy::cast_precision_loss)]
pub fn utility(q: &RankedQuery<'_>, coef: [f64; 4], num_docs_in_coll: i64, rel: f64) -> f64 {
    let c = counts(q, rel);
    let (ret, rel_n, rel_ret) = (f(c.num_ret), f(c.num_rel), f(c.num_rel_ret));
    let not_ret_nonrel = num_docs_in_coll
        .wrapping_add(c.num_rel_ret as i64)
        .wrapping_sub(c.num_ret as i64)
        .wrapping_sub(c.num_rel as i64);
    coef[0] * rel_ret
        + coef[1] * (ret - rel_ret)
        + coef[2] * (rel_n - rel_ret)
        + coef[3] * not_ret_nonrel as f64
}

/// Judged non-relevant documents retrieved: label in `[0, rel)` (trec_eval
/// `num_nonrel_judged_ret`). Documents outside the pool and negative labels do not count.
pub fn num_nonrel_judged_ret(q: &RankedQuery<'_>, rel: f64) -> f64 {
    let judged_hits = q
        .hits
        .iter()
        .filter(|h| h.label >= 0.0 && h.label < rel)
        .count();
    let gaps = if q.others_judged {
        q.num_ret - q.hits.len()
    } else {
        0
    };
    f(judged_hits + gaps)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Owned, close};
    use super::*;

    #[test]
    fn set_measures_count_the_whole_ranking() {
        // R N ? R (?: not judged), one relevant unretrieved: ret 4, rel 3, rel_ret 2.
        let o = Owned::run(&[Some(1.0), Some(0.0), None, Some(2.0)], &[1.0]);
        let v = o.view();
        assert!(close(set_precision(&v, 1.0), 0.5));
        assert!(close(set_recall(&v, 1.0), 2.0 / 3.0));
        assert!(close(set_relative_precision(&v, 1.0), 2.0 / 3.0));
        assert!(close(set_map(&v, 1.0), 4.0 / 12.0));
        assert!(close(
            set_f(&v, 1.0, 1.0),
            2.0 * 0.5 * (2.0 / 3.0) / (0.5 + 2.0 / 3.0)
        ));
        assert!(close(utility(&v, [1.0, -1.0, 0.0, 0.0], 0, 1.0), 0.0));
        // -N 100: 100 + 2 - 4 - 3 = 95 non-relevant documents not retrieved.
        assert!(close(utility(&v, [0.0, 0.0, 0.0, 0.5], 100, 1.0), 47.5));
        assert_eq!(num_nonrel_judged_ret(&v, 1.0), 1.0);
        assert_eq!(num_nonrel_judged_ret(&v, 2.0), 2.0);
    }

    #[test]
    fn empty_denominators_give_zero() {
        let o = Owned::run(&[], &[1.0]);
        assert_eq!(set_precision(&o.view(), 1.0), 0.0);
        assert_eq!(set_map(&o.view(), 1.0), 0.0);
        assert_eq!(set_f(&o.view(), 1.0, 1.0), 0.0);
        let o = Owned::run(&[Some(0.0)], &[]);
        assert_eq!(set_recall(&o.view(), 1.0), 0.0);
        assert_eq!(set_relative_precision(&o.view(), 1.0), 0.0);
    }
}
