//! Expected values under ties of the measures that need more than one expected gain per
//! place: interpolated precision (`iprec_at_recall`, `11pt_avg`), `binG`, `G`, `ndcg_rel`,
//! `Rndcg` (trec_eval 9.0's `m_iprec_at_recall.c`, `m_11pt_avg.c`, `m_binG.c`, `m_G.c`,
//! `m_ndcg_rel.c`, `m_Rndcg.c`, as the kernels in [`crate::metrics`] compute them), and the
//! C/W/L user models, by enumerating every distinct order of labels when there are few.
//!
//! Each is exact: the mean over every ordering of the documents of each tied group, all
//! orderings equally likely (McSherry & Najork, ECIR 2008).

use super::{Tied, f};
use crate::metrics::gain::ndcg_at_r_levels_of;
use crate::metrics::{Gain, Hit, Measure, RankedQuery, TrecEval, compute, log2_discount};
use crate::summation::exact_sum;

/// A group of tied documents with relevant ones: 0-based `start`, `size`, `rel` relevant,
/// `above` relevant documents in the groups above it.
struct RelGroup {
    start: usize,
    size: usize,
    rel: usize,
    above: usize,
    /// The first relevant document of the group (1-based, within it) that counts.
    first: usize,
}

/// Expected interpolated precision at recall `level` (trec_eval `iprec_at_recall`, as
/// [`crate::metrics::binary::interpolated_precision`]): the largest precision `i / rank_i`
/// over the relevant documents `i >= T`, `T` the relevant count `level` stands for under
/// `version`'s rounding (at least 1); 0 when fewer than `T` relevant documents are retrieved
/// (a count no ordering changes).
///
/// The `j`-th relevant document of a group (start `s`, `B` relevant above) has precision
/// `(B + j) / (s + p_j)`, `p_1 < ... < p_r` a uniform `r`-subset of the group's places, and
/// the groups are ordered independently, so the maximum `M` over all groups has
/// `P(M <= x) = prod_g P(M_g <= x)`. Each `P(M_g <= x)` is a dynamic programme over the
/// group's places (the chance the next place holds a relevant document is `(r - k) / (t - p +
/// 1)` with `k` placed), dropping the orderings where a counted document's precision exceeds
/// `x`; `x` runs over the finitely many values `M` can take, compared as exact fractions, and
/// `E[M] = sum_x x (P(M <= x) - P(M < x))`. A group of `t` documents, `r` relevant, costs
/// `O((r t)^2)`.
pub(super) fn expected_iprec(
    tied: &Tied<'_>,
    num_rel: usize,
    level: f64,
    version: TrecEval,
    is_rel: impl Fn(f64) -> bool,
) -> f64 {
    let target = version.recall_cutoff(level, num_rel).max(1);
    expected_iprec_from(&relevant_groups(tied, &is_rel), target)
}

/// Expected `11pt_avg`: the mean of [`expected_iprec`] over the 11 recall levels, summed in
/// the kernel's order (levels descending); levels standing for the same count share a value.
pub(super) fn expected_iprec_average(
    tied: &Tied<'_>,
    num_rel: usize,
    levels: &[f64],
    version: TrecEval,
    is_rel: impl Fn(f64) -> bool,
) -> f64 {
    if levels.is_empty() {
        return 0.0;
    }
    let groups = relevant_groups(tied, &is_rel);
    let mut seen: Vec<(usize, f64)> = Vec::new();
    let sum = levels.iter().rev().fold(0.0, |acc, &level| {
        let target = version.recall_cutoff(level, num_rel).max(1);
        let value = if let Some(&(_, v)) = seen.iter().find(|(t, _)| *t == target) {
            v
        } else {
            let v = expected_iprec_from(&groups, target);
            seen.push((target, v));
            v
        };
        acc + value
    });
    sum / f(levels.len())
}

/// At most this much work for one query's interpolated precision (candidate values times
/// dynamic-programme steps, summed over the groups) or G (count vectors times places), about
/// a second.
pub const IPREC_WORK_LIMIT: u128 = 500_000_000;

/// The work [`expected_g`] does on `tied`: over the groups, the number of distinct positive
/// gains times the count vectors `prod_v (c_v + 1)` times the group's size; `None` above
/// [`IPREC_WORK_LIMIT`].
pub(super) fn g_work(tied: &Tied<'_>) -> Option<u128> {
    let mut work: u128 = 0;
    let mut grades: Vec<(f64, usize)> = Vec::new();
    for (_, g) in tied.groups() {
        positive_gains(g, &mut grades);
        let mut vectors: u128 = grades.len() as u128 * g.len() as u128;
        for &(_, c) in &grades {
            vectors = vectors.saturating_mul(c as u128 + 1);
            if vectors > IPREC_WORK_LIMIT {
                return None;
            }
        }
        work += vectors;
        if work > IPREC_WORK_LIMIT {
            return None;
        }
    }
    Some(work)
}

/// The work [`expected_iprec`] does on `tied`: `sum_g r (t - r + 1) r t` over the groups
/// with `r` relevant of `t`, or `None` above [`IPREC_WORK_LIMIT`].
pub(super) fn iprec_work(tied: &Tied<'_>, is_rel: impl Fn(f64) -> bool) -> Option<u128> {
    let work = relevant_groups(tied, &is_rel)
        .iter()
        .map(|g| {
            let (r, t) = (g.rel as u128, g.size as u128);
            r * (t - r + 1) * r * t
        })
        .sum::<u128>();
    (work <= IPREC_WORK_LIMIT).then_some(work)
}

fn relevant_groups(tied: &Tied<'_>, is_rel: &impl Fn(f64) -> bool) -> Vec<RelGroup> {
    let mut groups = Vec::new();
    let mut above = 0;
    for (start, size, rel) in tied.counted_groups(tied.labels.len(), is_rel) {
        if rel > 0 {
            groups.push(RelGroup {
                start,
                size,
                rel,
                above,
                first: 1,
            });
        }
        above += rel;
    }
    groups
}

fn expected_iprec_from(all: &[RelGroup], target: usize) -> f64 {
    let retrieved = all.last().map_or(0, |g| g.above + g.rel);
    if retrieved < target {
        return 0.0; // includes nothing relevant retrieved
    }
    let groups: Vec<RelGroup> = all
        .iter()
        .filter(|g| g.above + g.rel >= target)
        .map(|g| RelGroup {
            first: target.saturating_sub(g.above).max(1),
            ..*g
        })
        .collect();
    // Every value a counted document's precision can take: (B + j, s + p, group).
    let mut values: Vec<(u64, u64, usize)> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        for j in g.first..=g.rel {
            for p in j..=g.size - g.rel + j {
                values.push((u64_of(g.above + j), u64_of(g.start + p), gi));
            }
        }
    }
    // as fractions a / b: a * d vs c * b, exact (ranks and counts far below 2^32)
    // Below the largest of the groups' smallest maxima (every relevant document of a group at
    // its bottom places) P(M <= x) is 0: those values need no programme.
    let floor = groups
        .iter()
        .map(|g| {
            (g.first..=g.rel)
                .map(|j| (u64_of(g.above + j), u64_of(g.start + g.size - g.rel + j)))
                .max_by(|x, y| fraction_order(*x, *y))
                .unwrap_or((0, 1))
        })
        .max_by(|x, y| fraction_order(*x, *y))
        .unwrap_or((0, 1));
    values.retain(|v| fraction_order((v.0, v.1), floor).is_ge());
    values.sort_unstable_by(|x, y| fraction_order((x.0, x.1), (y.0, y.1)));
    let mut probs = Vec::new();
    // each group's P(M_g <= x) from the floor on (a group whose values below it were dropped)
    let mut cdf: Vec<f64> = groups
        .iter()
        .map(|g| group_cdf(g, floor.0, floor.1, &mut probs))
        .collect();
    // From each group's largest value on (its counted documents at its top places), its
    // P(M_g <= x) is 1: no programme either.
    let ceiling: Vec<(u64, u64)> = groups
        .iter()
        .map(|g| {
            (g.first..=g.rel)
                .map(|j| (u64_of(g.above + j), u64_of(g.start + j)))
                .max_by(|x, y| fraction_order(*x, *y))
                .unwrap_or((0, 1))
        })
        .collect();
    let mut stamp = vec![usize::MAX; groups.len()];
    let (mut below, mut sum) = (0.0f64, 0.0f64);
    let mut i = 0;
    while i < values.len() {
        let (a, b, _) = values[i];
        let mut k = i;
        while k < values.len() && same_fraction(values[k], (a, b)) {
            let gi = values[k].2;
            if stamp[gi] != i {
                stamp[gi] = i;
                cdf[gi] = if fraction_order((a, b), ceiling[gi]).is_ge() {
                    1.0
                } else {
                    group_cdf(&groups[gi], a, b, &mut probs)
                };
            }
            k += 1;
        }
        let at = cdf.iter().product::<f64>();
        #[allow(clippy::cast_precision_loss)]
        let x = a as f64 / b as f64;
        sum += x * (at - below);
        below = at;
        i = k;
    }
    sum
}

/// `a / b` against `c / d`, exactly (ranks and counts far below 2^32).
fn fraction_order((a, b): (u64, u64), (c, d): (u64, u64)) -> std::cmp::Ordering {
    (u128::from(a) * u128::from(d)).cmp(&(u128::from(c) * u128::from(b)))
}

fn same_fraction(x: (u64, u64, usize), (a, b): (u64, u64)) -> bool {
    u128::from(x.0) * u128::from(b) == u128::from(a) * u128::from(x.1)
}

fn u64_of(x: usize) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

/// `P(every counted relevant document of g has precision <= a / b)`: over the group's places
/// in order, `probs[k]` the chance that `k` relevant documents took the places so far and no
/// counted one exceeded `a / b`.
fn group_cdf(g: &RelGroup, a: u64, b: u64, probs: &mut Vec<f64>) -> f64 {
    probs.clear();
    probs.resize(g.rel + 1, 0.0);
    probs[0] = 1.0;
    for p in 1..=g.size {
        let left = g.size - p + 1; // places from p on
        let low = g.rel.saturating_sub(left);
        for k in (low..=g.rel.min(p - 1)).rev() {
            let mass = probs[k];
            if mass == 0.0 {
                continue;
            }
            let rel_left = g.rel - k;
            probs[k] = mass * f(left - rel_left) / f(left);
            if rel_left > 0 {
                let j = k + 1;
                let fits = j < g.first
                    || u128::from(u64_of(g.above + j)) * u128::from(b)
                        <= u128::from(a) * u128::from(u64_of(g.start + p));
                if fits {
                    probs[j] += mass * f(rel_left) / f(left);
                }
            }
        }
    }
    probs[g.rel]
}

/// Expected `binG` (as [`crate::metrics::binary::binary_g`]): a relevant document earns
/// `1 / log2(2 + n)`, `n` the non-relevant documents above it. Among itself and the `m`
/// non-relevant documents of its group its place is uniform, so `n` is `N + x`, `N` those of
/// the groups above and `x` uniform on `0..=m`.
pub(super) fn expected_binary_g(
    tied: &Tied<'_>,
    num_rel: usize,
    is_rel: impl Fn(f64) -> bool,
) -> f64 {
    let (mut nonrel_above, mut found, mut sum) = (0usize, 0usize, 0.0f64);
    for (_, t, r) in tied.counted_groups(tied.labels.len(), is_rel) {
        let m = t - r;
        if r > 0 {
            let mean = (0..=m)
                .map(|x| 1.0 / log2_discount(nonrel_above + x))
                .fold(0.0, |acc, v| acc + v)
                / f(m + 1);
            sum += f(r) * mean;
            found += r;
        }
        nonrel_above += m;
    }
    if found == 0 { 0.0 } else { sum / f(num_rel) }
}

/// trec_eval's linear gain of a ranked label (NaN: not judged, 0).
fn linear(l: f64) -> f64 {
    if l.is_nan() { 0.0 } else { Gain::Linear.of(l) }
}

/// Each place's expected linear gain: its group's mean gain.
fn mean_gains(tied: &Tied<'_>) -> Vec<f64> {
    let mut out = Vec::with_capacity(tied.labels.len());
    for (_, g) in tied.groups() {
        let mean = g.iter().map(|&l| linear(l)).fold(0.0, |a, x| a + x) / f(g.len());
        out.extend(std::iter::repeat_n(mean, g.len()));
    }
    out
}

/// Expected `Rndcg` (as [`crate::metrics::gain::ndcg_at_r_levels`]): a mean of DCG prefixes
/// over ideal DCGs at places no ordering changes, linear in the gains, so the kernel on each
/// place's expected gain.
pub(super) fn expected_rndcg(tied: &Tied<'_>, query: &RankedQuery<'_>, rel: f64) -> f64 {
    let q = RankedQuery {
        num_ret: tied.labels.len(),
        ..*query
    };
    ndcg_at_r_levels_of(&q, rel, mean_gains(tied).into_iter())
}

/// Expected `ndcg_rel` (as [`crate::metrics::gain::ndcg_over_relevant`]): the sum over
/// places `i` holding a positive gain of `DCG@(i+1) / IDCG@(i+1)`, plus, per positive
/// document not retrieved, the full DCG over the ideal DCG down to the last positive one,
/// over the number of positive documents. For place `i` of a group of `t` with `c` positive
/// documents and gain total `G`, `E[[g_i > 0] g_j]` is `(c / t) E[g_j]` for a place `j` of a
/// group above, `G / t` for `j = i`, and `G (c - 1) / (t (t - 1))` for another place of its
/// group (linear gains are never negative).
pub(super) fn expected_ndcg_rel(tied: &Tied<'_>, query: &RankedQuery<'_>) -> f64 {
    let ideal_gain = |i: usize| query.positive_labels.get(i).copied().unwrap_or(0.0);
    let num_pos = query.positive_labels.len();
    if num_pos == 0 {
        return 0.0;
    }
    let (mut dcg_above, mut ideal, mut sum) = (0.0f64, 0.0f64, 0.0f64);
    let mut pos_ret = 0usize;
    for (s, g) in tied.groups() {
        let t = g.len();
        let total = g.iter().map(|&l| linear(l)).fold(0.0, |a, x| a + x);
        let c = g.iter().filter(|&&l| linear(l) > 0.0).count();
        let share = f(c) / f(t);
        let pair = if t > 1 {
            total * f(c.saturating_sub(1)) / (f(t) * f(t - 1))
        } else {
            0.0
        };
        let mut group_discounts = 0.0; // sum of 1 / log2 over the group's places above i
        for i in s..s + t {
            let ig = ideal_gain(i);
            if ig > 0.0 {
                ideal += ig / log2_discount(i);
            }
            if c > 0 {
                let joint =
                    share * dcg_above + total / f(t) / log2_discount(i) + pair * group_discounts;
                sum += joint / ideal;
            }
            group_discounts += 1.0 / log2_discount(i);
        }
        dcg_above += total / f(t) * group_discounts;
        pos_ret += c;
    }
    for i in tied.labels.len()..num_pos {
        ideal += ideal_gain(i) / log2_discount(i);
    }
    sum += f(num_pos - pos_ret) * dcg_above / ideal;
    if sum > 0.0 { sum / f(num_pos) } else { 0.0 }
}

/// The distinct positive gains of the labels `g` of a group, each with how many of `g` have
/// it, in order of first appearance, into `grades` (cleared first): what both [`expected_g`]
/// and its work estimate [`g_work`] iterate over.
fn positive_gains(g: &[f64], grades: &mut Vec<(f64, usize)>) {
    grades.clear();
    for &l in g {
        let v = linear(l);
        if v != 0.0 {
            match grades.iter_mut().find(|(w, _)| *w == v) {
                Some((_, c)) => *c += 1,
                None => grades.push((v, 1)),
            }
        }
    }
}

/// Expected `G` (as [`crate::metrics::gain::normalized_gain`]): a document of gain `g` at
/// rank `i` earns `g / log2(2 + C_i - S_i)`, `C_i` the ideal cost down to `i` (no ordering
/// changes it) and `S_i` the gain retrieved down to `i`. For a document `d` of a group, at
/// its place `p` with `p - 1` of the others above it, `S_i` is the gain above the group, plus
/// `g_d`, plus the gains of a uniform `(p - 1)`-subset of the others: over the counts `k_v`
/// taken of each positive gain `v` (`c_v` of them among the others, `z` zero gains), the
/// multivariate hypergeometric chance `prod_v C(c_v, k_v) C(z, p - 1 - K) / C(t - 1, p - 1)`.
/// Exact; a group costs its size times the number of such count vectors per distinct gain.
pub(super) fn expected_g(tied: &Tied<'_>, query: &RankedQuery<'_>) -> f64 {
    let ideal_gain = |i: usize| query.positive_labels.get(i).copied().unwrap_or(0.0);
    let largest = tied.groups().map(|(_, g)| g.len()).max().unwrap_or(0);
    let ln_fact: Vec<f64> = (0..=largest)
        .map(|i| crate::special::ln_gamma(f(i) + 1.0))
        .collect();
    let ln_choose = |n: usize, k: usize| ln_fact[n] - ln_fact[k] - ln_fact[n - k];
    let (mut cost, mut gain_above, mut total) = (0.0f64, 0.0f64, 0.0f64);
    let mut grades: Vec<(f64, usize)> = Vec::new();
    let mut costs: Vec<f64> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    for (s, g) in tied.groups() {
        let t = g.len();
        costs.clear();
        for i in s..s + t {
            let ideal = ideal_gain(i);
            cost += if ideal >= 1.0 { ideal } else { 1.0 };
            costs.push(cost);
        }
        positive_gains(g, &mut grades);
        let zeros = t - grades.iter().map(|&(_, c)| c).sum::<usize>();
        let mut group = 0.0;
        for d in 0..grades.len() {
            let (gd, nd) = grades[d];
            // the others of one document of gain gd: every count vector k_v <= c_v
            counts.clear();
            counts.resize(grades.len(), 0);
            loop {
                let (mut taken, mut gained, mut ln_ways) = (0usize, 0.0f64, 0.0f64);
                for (v, (&(w, c), &k)) in grades.iter().zip(&counts).enumerate() {
                    let c = if v == d { c - 1 } else { c };
                    taken += k;
                    gained += f(k) * w;
                    ln_ways += ln_choose(c, k);
                }
                let last = (taken + zeros).min(t - 1);
                for (above, &cost_here) in costs.iter().enumerate().take(last + 1).skip(taken) {
                    let chance =
                        (ln_ways + ln_choose(zeros, above - taken) - ln_choose(t - 1, above)).exp();
                    let results = gain_above + gd + gained;
                    group += f(nd) * chance * gd / (2.0 + cost_here - results).log2();
                }
                // next count vector (odometer), or done
                let mut v = 0;
                loop {
                    if v == grades.len() {
                        break;
                    }
                    let cap = if v == d { grades[v].1 - 1 } else { grades[v].1 };
                    if counts[v] < cap {
                        counts[v] += 1;
                        break;
                    }
                    counts[v] = 0;
                    v += 1;
                }
                if v == grades.len() {
                    break;
                }
            }
        }
        total += group / f(t);
        gain_above += grades
            .iter()
            .map(|&(w, c)| w * f(c))
            .fold(0.0, |a, x| a + x);
    }
    let sum_ideal = query.positive_labels.iter().fold(0.0, |acc, &l| acc + l);
    if sum_ideal > 0.0 {
        total / sum_ideal
    } else {
        0.0
    }
}

/// At most this many distinct orders of labels are enumerated for one query.
pub const ENUMERATION_LIMIT: u64 = 100_000;

/// The number of distinct label sequences the orderings of `tied` give (the product over
/// groups of the multinomial `t! / prod_l c_l!` of its label counts), or `None` above
/// [`ENUMERATION_LIMIT`].
pub(super) fn label_orders(tied: &Tied<'_>) -> Option<u64> {
    let mut total: u128 = 1;
    let mut sorted: Vec<f64> = Vec::new();
    for (_, g) in tied.groups() {
        sorted.clear();
        sorted.extend_from_slice(g);
        sorted.sort_unstable_by(f64::total_cmp);
        let mut n: u128 = 0;
        let mut run: u128 = 0;
        for (i, &l) in sorted.iter().enumerate() {
            run = if i > 0 && sorted[i - 1].total_cmp(&l).is_eq() {
                run + 1
            } else {
                1
            };
            n += 1;
            // times C(n, run) / C(n - 1, run - 1) = n / run: an integer at each step
            total = total * n / run;
            if total > u128::from(ENUMERATION_LIMIT) {
                return None;
            }
        }
    }
    u64::try_from(total).ok()
}

/// The mean of `measure` over every distinct order of labels within the groups of `tied`
/// (each stands for the same number of orderings of the documents), each computed by the
/// measure's own kernel. Callers check [`label_orders`] first.
pub(super) fn enumerated_mean(
    measure: &Measure,
    tied: &Tied<'_>,
    query: &RankedQuery<'_>,
    rel: f64,
) -> f64 {
    let mut labels = tied.labels.to_vec();
    let ranges: Vec<(usize, usize)> = tied.groups().map(|(s, g)| (s, s + g.len())).collect();
    for &(s, e) in &ranges {
        labels[s..e].sort_unstable_by(f64::total_cmp);
    }
    let mut hits: Vec<Hit> = Vec::new();
    let mut values: Vec<f64> = Vec::new();
    loop {
        hits.clear();
        hits.extend(labels.iter().enumerate().filter(|(_, l)| !l.is_nan()).map(
            |(rank, &label)| Hit {
                rank: u32::try_from(rank).unwrap_or(u32::MAX),
                label,
            },
        ));
        let q = RankedQuery {
            hits: &hits,
            num_ret: labels.len(),
            ..*query
        };
        values.push(compute(measure, &q, rel));
        // the next order: the first group that is not at its last order steps on, the
        // ones before it start over (odometer)
        if !ranges
            .iter()
            .any(|&(s, e)| next_permutation(&mut labels[s..e]))
        {
            break;
        }
    }
    exact_sum(values.iter().copied()) / f(values.len())
}

/// The next distinct permutation of `a` in lexicographic order (by `total_cmp`), or `false`
/// and `a` sorted ascending again after the last.
fn next_permutation(a: &mut [f64]) -> bool {
    let n = a.len();
    if n < 2 {
        return false;
    }
    let mut i = n - 1;
    while i > 0 && a[i - 1].total_cmp(&a[i]).is_ge() {
        i -= 1;
    }
    if i == 0 {
        a.reverse();
        return false;
    }
    let mut j = n - 1;
    while a[j].total_cmp(&a[i - 1]).is_le() {
        j -= 1;
    }
    a.swap(i - 1, j);
    a[i..].reverse();
    true
}

/// Expected `SDCG(min_rel=, max_rel=)@k` (as [`crate::metrics::gain::scaled_dcg`]): linear in
/// the scaled gains, so each place's discount times its group's mean scaled gain (not judged:
/// 0), over the DCG of `k` gains of 1.
pub(super) fn expected_scaled_dcg(tied: &Tied<'_>, k: usize, min_rel: f64, max_rel: f64) -> f64 {
    let k = k.min(crate::metrics::gain::CWL_MAX_RANKS);
    let scale = |l: f64| {
        if l.is_nan() {
            0.0
        } else {
            (l.max(0.0).clamp(min_rel, max_rel) - min_rel) / (max_rel - min_rel)
        }
    };
    let mut dcg = 0.0;
    for (s, g) in tied.groups() {
        if s >= k {
            break;
        }
        let mean = g.iter().map(|&l| scale(l)).fold(0.0, |a, x| a + x) / f(g.len());
        for rank in s..(s + g.len()).min(k) {
            dcg += mean / log2_discount(rank);
        }
    }
    let norm = (0..k).fold(0.0, |acc, i| acc + 1.0 / log2_discount(i));
    if norm > 0.0 { dcg / norm } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MeasureSet;

    #[test]
    fn closed_forms_equal_the_mean_over_every_order_of_labels() {
        // Three groups, unjudged (NaN) and pool (-1) documents, grades 0 to 3.
        let nan = f64::NAN;
        let labels = [1.0, 0.0, 2.0, nan, 1.0, 0.0, 3.0, -1.0, 1.0, 0.0, 0.0, 2.0];
        let starts = [0, 5, 9];
        let tied = Tied {
            labels: &labels,
            starts: &starts,
        };
        let positive = [3.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0];
        let query = RankedQuery {
            hits: &[],
            num_ret: labels.len(),
            others_judged: false,
            positive_labels: &positive,
            zero_labels: 4,
        };
        assert!(label_orders(&tied).is_some());
        let names = [
            "iprec_at_recall.0.00",
            "iprec_at_recall.0.40",
            "iprec_at_recall.1.00",
            "11pt_avg",
            "binG",
            "G",
            "ndcg_rel",
            "Rndcg",
            "SDCG(max_rel=3)@7",
        ];
        let set = MeasureSet::parse(&names).unwrap();
        for version in [TrecEval::V9, TrecEval::V10] {
            for m in set.measures() {
                let m = &Measure {
                    trec_eval: version,
                    ..m.clone()
                };
                let closed = super::super::expected_value(m, &tied, &query, 1.0);
                let mean = enumerated_mean(m, &tied, &query, 1.0);
                assert!(
                    (closed - mean).abs() < 1e-12,
                    "{}: {closed} vs {mean}",
                    m.name
                );
            }
        }
    }
}
