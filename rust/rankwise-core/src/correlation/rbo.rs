//! Rank-biased overlap (Webber, Moffat & Zobel, TOIS 2010), for lists of different lengths
//! and with ties (Corsi & Urbano, SIGIR 2024).
//!
//! With `X_d` the overlap of the two prefixes of depth `d`, `A_d` the agreement and `p` the
//! persistence, `RBO = (1 - p) sum_d p^(d-1) A_d`. Seen to depth `s` (shorter list) and `l`
//! (longer list), the sum splits into the seen part (`d <= s`), the part where only the
//! longer list is seen (`s < d <= l`) and the unseen tail (`d > l`):
//!
//! * `min`: nothing more overlaps (lower bound); `max`: everything that can overlap does
//!   (upper bound); `res = max - min`; `ext`: the agreement seen at depth `s` continues
//!   (Webber's extrapolation, eq. 32; for lists of equal length `X_k/k p^k + (1-p)/p
//!   sum_{d<=k} X_d/d p^d`).
//! * Without ties `ext` is Webber's eq. 32 and, for lists of equal length, `min` and `res`
//!   are his eq. 11 and 30. For lists of different lengths `min` and `max` follow Corsi &
//!   Urbano, whose bounds also use the longer list's tail and are tighter than eq. 11/30.
//! * Ties ([`RboTies`]): an item's contribution to a prefix is 1 once its whole tie group is
//!   inside; inside the group it is 1 as soon as the group starts ([`RboTies::W`], ties as
//!   equality), or the fraction of the group seen so far, the expected value over the
//!   orders of the group ([`RboTies::A`], the average over permutations; [`RboTies::B`],
//!   the same corrected for the information lost to ties: agreement normalised like a
//!   cosine). `X_d` is the sum of the products of the two contributions.
//!
//! Cost: O(n) plus, with ties, the length of the tie groups that shared items straddle.

use crate::error::{RankError, Result};

/// How ties are treated (Corsi & Urbano 2024, section 1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RboTies {
    /// Ties mean equality (sports rankings).
    W,
    /// Ties mean uncertainty: the average over the orders of the tied items.
    #[default]
    A,
    /// Uncertainty, corrected for the information lost to ties.
    B,
}

crate::choice!(RboTies, "ties", {
    "a" => RboTies::A,
    "b" => RboTies::B,
    "w" => RboTies::W,
});

/// One ranking: item codes best first, and a tie-group number per position (non-decreasing;
/// equal numbers at consecutive positions are tied).
#[derive(Debug, Clone, Copy)]
pub struct Ranking<'a> {
    pub items: &'a [u32],
    pub groups: &'a [u32],
}

/// The four RBO scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RboScores {
    pub ext: f64,
    pub min: f64,
    pub max: f64,
    pub res: f64,
}

/// Per position: first and last position of its tie group.
struct Flat {
    top: Vec<usize>,
    bottom: Vec<usize>,
}

fn flatten(r: &Ranking<'_>, name: &str) -> Result<Flat> {
    let n = r.items.len();
    if r.groups.len() != n {
        return Err(RankError::shape(
            format!("{name}_groups"),
            format!("one group number per item ({n})"),
            format!("{} group numbers", r.groups.len()),
        ));
    }
    if let Some(i) = r.groups.windows(2).position(|w| w[1] < w[0]) {
        return Err(RankError::invalid(
            format!("{name}_groups"),
            "non-decreasing (tied items sit together)",
            format!(
                "{} before {} at position {}",
                r.groups[i],
                r.groups[i + 1],
                i + 1
            ),
        ));
    }
    let mut top = vec![0; n];
    let mut bottom = vec![0; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && r.groups[end] == r.groups[start] {
            end += 1;
        }
        for p in start..end {
            top[p] = start;
            bottom[p] = end - 1;
        }
        start = end;
    }
    Ok(Flat { top, bottom })
}

/// Contribution of an item to the prefix ending at column `c` (depth `c + 1`).
#[inline]
#[allow(clippy::cast_precision_loss)]
fn ramp(ties: RboTies, c: usize, top: usize, bottom: usize) -> f64 {
    if c < top {
        0.0
    } else if c >= bottom || ties == RboTies::W {
        1.0
    } else {
        (c - top + 1) as f64 / (bottom - top + 1) as f64
    }
}

/// RBO of two rankings with persistence `p` in (0, 1).
///
/// Items must be unique within each ranking; both rankings need at least one item. Item codes
/// index a table, so keep them dense (`numpy.unique(..., return_inverse=True)` does).
#[allow(clippy::cast_precision_loss, clippy::too_many_lines)]
pub fn rbo(a: &Ranking<'_>, b: &Ranking<'_>, p: f64, ties: RboTies) -> Result<RboScores> {
    if !(p > 0.0 && p < 1.0) {
        return Err(RankError::invalid(
            "p",
            "a persistence strictly between 0 and 1",
            p,
        ));
    }
    for (r, name) in [(a, "a"), (b, "b")] {
        if r.items.is_empty() {
            return Err(RankError::invalid(
                name,
                "a ranking with at least one item",
                "an empty ranking",
            ));
        }
    }
    let fa = flatten(a, "a")?;
    let fb = flatten(b, "b")?;
    // S is the shorter ranking (the second one when the lengths are equal, as Corsi & Urbano).
    let (s_rank, s_flat, l_rank, l_flat) = if a.items.len() >= b.items.len() {
        (b, &fb, a, &fa)
    } else {
        (a, &fa, b, &fb)
    };
    let s = s_rank.items.len();
    let l = l_rank.items.len();
    let universe = a
        .items
        .iter()
        .chain(b.items.iter())
        .max()
        .map_or(0, |&m| m as usize + 1);
    let mut pos_l = vec![usize::MAX; universe];
    for (i, &item) in l_rank.items.iter().enumerate() {
        if pos_l[item as usize] != usize::MAX {
            return Err(duplicate(l_rank, a, item));
        }
        pos_l[item as usize] = i;
    }
    let mut in_s = vec![false; universe];
    for &item in s_rank.items {
        if in_s[item as usize] {
            return Err(duplicate(s_rank, a, item));
        }
        in_s[item as usize] = true;
    }
    let untied = s_flat.top.iter().zip(&s_flat.bottom).all(|(t, b)| t == b)
        && l_flat.top.iter().zip(&l_flat.bottom).all(|(t, b)| t == b);
    let ties = if untied { RboTies::W } else { ties };

    // X_c: overlap at column c (depth c + 1), as an integer part plus fractional terms.
    let mut whole = vec![0i64; l + 1];
    let mut frac = vec![0.0f64; l];
    for (i, &item) in s_rank.items.iter().enumerate() {
        let j = pos_l[item as usize];
        if j == usize::MAX {
            continue;
        }
        let (ts, bs) = (s_flat.top[i], s_flat.bottom[i]);
        let (tl, bl) = (l_flat.top[j], l_flat.bottom[j]);
        let from = ts.max(tl);
        let full = if ties == RboTies::W { from } else { bs.max(bl) };
        whole[full] += 1;
        for (c, f) in frac.iter_mut().enumerate().take(full).skip(from) {
            *f += ramp(ties, c, ts, bs) * ramp(ties, c, tl, bl);
        }
    }
    let mut x = vec![0.0f64; l];
    let mut acc = 0i64;
    for c in 0..l {
        acc += whole[c];
        x[c] = acc as f64 + frac[c];
    }

    // Per list and column: items seen (W), and the sum of squared contributions (B).
    let seen = |f: &Flat, len: usize| -> Vec<f64> {
        let mut out = vec![0.0; l];
        let mut count = vec![0i64; l + 1];
        for &t in &f.top[..len] {
            count[t] += 1;
        }
        let mut acc = 0i64;
        for c in 0..l {
            acc += count[c];
            out[c] = acc as f64;
        }
        out
    };
    let squares = |f: &Flat, len: usize| -> Vec<f64> {
        let mut out = vec![0.0; l];
        let mut full = vec![0i64; l + 1];
        let mut start = 0;
        while start < len {
            let (t, bt) = (f.top[start], f.bottom[start]);
            let g = bt - t + 1;
            full[bt] += g as i64;
            for (c, o) in out.iter_mut().enumerate().take(bt.min(l)).skip(t) {
                let r = (c - t + 1) as f64;
                *o += r * r / g as f64;
            }
            start = bt + 1;
        }
        let mut acc = 0i64;
        for c in 0..l {
            acc += full[c];
            out[c] += acc as f64;
        }
        out
    };
    let (seen_s, seen_l, sq_s, sq_l) = match ties {
        RboTies::W => (seen(s_flat, s), seen(l_flat, l), Vec::new(), Vec::new()),
        RboTies::B => (
            Vec::new(),
            Vec::new(),
            squares(s_flat, s),
            squares(l_flat, l),
        ),
        RboTies::A => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
    };
    // Agreement at column c given the overlap, the S side being `s_side` (its count, or for
    // the part beyond S the depth).
    let agreement = |xc: f64, c: usize, beyond_s: bool| -> f64 {
        let depth = (c + 1) as f64;
        match ties {
            RboTies::W => {
                let ns = if beyond_s { depth } else { seen_s[c] };
                2.0 * xc / (ns + seen_l[c])
            }
            RboTies::A => xc / depth,
            RboTies::B => {
                let ss = if beyond_s { depth } else { sq_s[c] };
                xc / ss.sqrt() / sq_l[c].sqrt()
            }
        }
    };
    let mut a_seen = vec![0.0; s];
    for c in 0..s {
        a_seen[c] = agreement(x[c], c, false);
    }
    let a_s = a_seen[s - 1];

    // Items of L that are not in S, in L's order: their contributions beyond depth s.
    let mut lds_top_count = vec![0i64; l + 1];
    let mut lds_bottom_count = vec![0i64; l + 1];
    for (j, &item) in l_rank.items.iter().enumerate() {
        if !in_s[item as usize] {
            lds_top_count[l_flat.top[j]] += 1;
            lds_bottom_count[l_flat.bottom[j]] += 1;
        }
    }
    let (mut any_acc, mut full_acc) = (0i64, 0i64);
    let mut sum_min = 0.0;
    let mut sum_max = 0.0;
    let mut sum_ext = 0.0;
    for c in 0..l {
        any_acc += lds_top_count[c];
        full_acc += lds_bottom_count[c];
        let weight = p.powf((c + 1) as f64);
        if c < s {
            let term = a_seen[c] * weight;
            sum_min += term;
            sum_max += term;
            sum_ext += term;
            continue;
        }
        // Column c in L's tail: the straddling tie group of L at c, if any.
        let (t_str, b_str) = (l_flat.top[c], l_flat.bottom[c]);
        let straddle_frac = if c < b_str && ties != RboTies::W {
            (c - t_str + 1) as f64 / (b_str - t_str + 1) as f64
        } else {
            1.0
        };
        // max: the first (c - s + 1) unseen items of L also appear in S's unseen part.
        let m = (c - s + 1) as i64;
        let full_m = m.min(full_acc);
        let any_m = m.min(any_acc);
        let unseen_max = full_m as f64 + (any_m - full_m) as f64 * straddle_frac;
        // ext: the agreement at depth s continues, times the mean non-zero contribution of
        // L's unseen items.
        let mean_nz = if any_acc == 0 {
            f64::NAN
        } else {
            (full_acc as f64 + (any_acc - full_acc) as f64 * straddle_frac) / any_acc as f64
        };
        let x_ext = x[c] + (c - s + 1) as f64 * a_s * mean_nz;
        sum_min += agreement(x[c], c, true) * weight;
        sum_max += agreement(x[c] + unseen_max, c, true) * weight;
        sum_ext += agreement(x_ext, c, true) * weight;
    }
    let x_l = x[l - 1];
    let (sf, lf) = (s as f64, l as f64);
    let harmonic_tail: f64 = (1..=l).map(|d| p.powf(d as f64) / d as f64).sum();
    let sec3_min = x_l * ((1.0 / (1.0 - p)).ln() - harmonic_tail);
    let f = lf + sf - x_l;
    let count = (f - lf).ceil().max(0.0) as usize;
    let mut sec3_max: f64 = (0..count)
        .map(|i| {
            let d = lf + 1.0 + i as f64;
            (2.0 * d - lf - sf + x_l) / d * p.powf(d)
        })
        .sum();
    sec3_max += p.powf(f + 1.0) / (1.0 - p);
    let sec3_ext = (x_l + (lf - sf) * a_s) / lf * p.powf(lf + 1.0) / (1.0 - p);
    let scale = (1.0 - p) / p;
    let min = scale * (sum_min + sec3_min);
    let max = scale * (sum_max + sec3_max);
    Ok(RboScores {
        ext: scale * (sum_ext + sec3_ext),
        min,
        max,
        res: max - min,
    })
}

fn duplicate(r: &Ranking<'_>, a: &Ranking<'_>, item: u32) -> RankError {
    let name = if std::ptr::eq(r.items, a.items) {
        "a"
    } else {
        "b"
    };
    RankError::invalid(
        name,
        "a ranking with every item once",
        format!("item code {item} twice"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untied(items: &[u32]) -> Vec<u32> {
        (0..items.len() as u32).collect()
    }

    fn score(a: &[u32], b: &[u32], p: f64) -> RboScores {
        let (ga, gb) = (untied(a), untied(b));
        rbo(
            &Ranking {
                items: a,
                groups: &ga,
            },
            &Ranking {
                items: b,
                groups: &gb,
            },
            p,
            RboTies::A,
        )
        .unwrap()
    }

    /// Webber et al. eq. 32 (extrapolation) and, for equal lengths, eq. 11 and 30.
    fn webber(sl: &[u32], ll: &[u32], p: f64) -> (f64, f64, f64) {
        let (s, l) = (sl.len(), ll.len());
        let overlap = |d: usize| -> f64 {
            let a: std::collections::HashSet<_> = sl[..d.min(s)].iter().collect();
            ll[..d.min(l)].iter().filter(|i| a.contains(i)).count() as f64
        };
        let xs = overlap(s);
        let xl = overlap(l);
        let mut sum = 0.0;
        for d in 1..=l {
            sum += overlap(d) / d as f64 * p.powi(d as i32);
        }
        for d in s + 1..=l {
            sum += xs * (d - s) as f64 / (s * d) as f64 * p.powi(d as i32);
        }
        let ext = (1.0 - p) / p * sum + ((xl - xs) / l as f64 + xs / s as f64) * p.powi(l as i32);
        // Equal lengths: eq. 11 and 30.
        let k = s;
        let xk = overlap(k);
        let mut m = 0.0;
        for d in 1..=k {
            m += (overlap(d) - xk) * p.powi(d as i32) / d as f64;
        }
        let min = (1.0 - p) / p * (m - xk * (1.0 - p).ln());
        let f = (2 * k) as f64 - xk;
        let fi = f as usize;
        let mut s1 = 0.0;
        for d in k + 1..=fi {
            s1 += p.powi(d as i32) / d as f64;
        }
        let mut s2 = 0.0;
        for d in 1..=fi {
            s2 += p.powi(d as i32) / d as f64;
        }
        let res = 2.0 * p.powi(k as i32)
            - p.powi(fi as i32)
            - (1.0 - p) / p * (2.0 * k as f64 * s1 + xk * ((1.0 / (1.0 - p)).ln() - s2));
        (ext, min, res)
    }

    #[test]
    fn untied_lists_match_webber() {
        let a = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        let b = [1, 0, 12, 3, 2, 11, 10, 5, 13, 4];
        for p in [0.5, 0.8, 0.9, 0.95] {
            let got = score(&a, &b, p);
            let (ext, min, res) = webber(&a, &b, p);
            assert!((got.ext - ext).abs() < 1e-12, "{p}: {} vs {ext}", got.ext);
            assert!((got.min - min).abs() < 1e-12, "{p}: {} vs {min}", got.min);
            assert!((got.res - res).abs() < 1e-12, "{p}: {} vs {res}", got.res);
            // uneven: only ext is Webber's
            let got = score(&a[..6], &b, p);
            let (ext, _, _) = webber(&a[..6], &b, p);
            assert!((got.ext - ext).abs() < 1e-12);
            assert!(got.min <= got.ext && got.ext <= got.max);
        }
    }

    #[test]
    fn identical_and_disjoint_lists() {
        let a = [3, 1, 4, 0, 5];
        let r = score(&a, &a, 0.9);
        assert!((r.ext - 1.0).abs() < 1e-15 && (r.min + r.res - 1.0).abs() < 1e-12);
        let r = score(&a, &[6, 7, 8, 9, 10], 0.9);
        assert_eq!((r.ext, r.min), (0.0, 0.0));
        let g = [0u32];
        let one = Ranking {
            items: &[0],
            groups: &g,
        };
        let empty = Ranking {
            items: &[],
            groups: &[],
        };
        assert!(rbo(&one, &empty, 0.9, RboTies::A).is_err());
        assert!(rbo(&one, &one, 1.0, RboTies::A).is_err());
        let twice = Ranking {
            items: &[0, 0],
            groups: &[0, 1],
        };
        let dup = rbo(&twice, &one, 0.5, RboTies::A);
        assert!(dup.unwrap_err().to_string().contains("every item once"));
    }
}
