//! Committee selection from many rankings (multiwinner voting), optionally under group
//! constraints.
//!
//! Each of `V` voters ranks all `n` candidates (a row of `rankings`, best first). A voter's
//! Borda utility for the candidate at 0-based position `p` is `n - 1 - p`. A committee `S` of
//! size `k` is chosen greedily, one candidate at a time, by the largest marginal gain of:
//! * [`Rule::KBorda`]: `Σ_v Σ_{c ∈ S} u_v(c)` (greedy is exact: the top-k Borda scores);
//! * [`Rule::ChamberlinCourant`]: `Σ_v max_{c ∈ S} u_v(c)` (each voter is represented by
//!   their favourite member; greedy is a `1 - 1/e` approximation, Lu & Boutilier 2011);
//! * [`Rule::Pav`]: proportional approval voting with approvals = each voter's top `t`:
//!   `Σ_v H(|A_v ∩ S|)`, `H` the harmonic number (greedy = sequential PAV).
//!
//! Ties go to the lower candidate index. With groups (one group id per candidate) and bounds
//! `lower[g] <= |S ∩ g| <= upper[g]`, a candidate is only taken when the remaining slots can
//! still meet every lower bound (the greedy of Celis, Huang & Vishnoi, "Multiwinner Voting
//! with Fairness Constraints", IJCAI 2018, in its simplest form).

use crate::error::{RankError, Result};

/// The committee scoring rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    KBorda,
    ChamberlinCourant,
    Pav { approval_top: usize },
}

/// A [`Rule`] by name, before its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    KBorda,
    ChamberlinCourant,
    Pav,
}
crate::choice!(RuleKind, "rule", {
    "k_borda" => RuleKind::KBorda,
    "chamberlin_courant" => RuleKind::ChamberlinCourant,
    "pav" => RuleKind::Pav,
});

/// Group constraints.
#[derive(Debug, Clone, Copy)]
pub struct Groups<'a> {
    pub group: &'a [i64],
    pub lower: &'a [i64],
    pub upper: &'a [i64],
}

/// The selected committee (in selection order) and its score under the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Committee {
    pub members: Vec<i64>,
    pub score: f64,
}

/// Select `k` of `n` candidates from `voters` full rankings (`rankings` row-major `V x n`).
pub fn select(
    rankings: &[i64],
    n: usize,
    k: usize,
    rule: Rule,
    groups: Option<Groups<'_>>,
) -> Result<Committee> {
    if n == 0 || !rankings.len().is_multiple_of(n) {
        return Err(RankError::shape(
            "rankings",
            "shape (voters, candidates) with at least one candidate",
            format!("{} values for {n} candidates", rankings.len()),
        ));
    }
    if k > n {
        return Err(RankError::invalid(
            "k",
            format!("at most the number of candidates ({n})"),
            k,
        ));
    }
    let voters = rankings.len() / n;
    // Without a voter every gain is 0: the committee would be the first `k` candidates, found
    // in k * n steps over buffers sized by the (possibly huge) width of an empty array.
    if voters == 0 {
        return Err(RankError::shape(
            "rankings",
            "at least one voter (row)",
            format!("0 rows of {n} candidates"),
        ));
    }
    // utility[v * n + c]
    let mut utility = vec![0.0f64; rankings.len()];
    for v in 0..voters {
        let row = &rankings[v * n..(v + 1) * n];
        let mut seen = vec![false; n];
        for (p, &c) in row.iter().enumerate() {
            if c < 0 || c as usize >= n || seen[c as usize] {
                return Err(RankError::invalid(
                    "rankings",
                    format!("a permutation of 0..{n} in each row"),
                    format!("{c} at row {v}, position {p}"),
                ));
            }
            seen[c as usize] = true;
            utility[v * n + c as usize] = (n - 1 - p) as f64;
        }
    }
    let approval_top = match rule {
        Rule::Pav { approval_top } => {
            if approval_top == 0 || approval_top > n {
                return Err(RankError::invalid(
                    "approval_top",
                    format!("in 1..={n}"),
                    approval_top,
                ));
            }
            approval_top
        }
        _ => 0,
    };
    let n_groups = match groups {
        None => 0,
        Some(g) => check_groups(&g, n, k)?,
    };
    let mut counts = vec![0i64; n_groups];
    let mut chosen = vec![false; n];
    let mut best_u = vec![0.0f64; voters];
    let mut approved = vec![0usize; voters];
    let mut members = Vec::with_capacity(k);
    let mut score = 0.0;
    let approves = |v: usize, c: usize| utility[v * n + c] >= (n - approval_top) as f64;
    for step in 0..k {
        let remaining_after = (k - step - 1) as i64;
        let mut best: Option<(f64, usize)> = None;
        for c in (0..n).filter(|&c| !chosen[c]) {
            if let Some(g) = groups {
                #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
                let gc = g.group[c] as usize;
                if counts[gc] + 1 > g.upper[gc] {
                    continue;
                }
                let need: i64 = (0..n_groups)
                    .map(|h| (g.lower[h] - counts[h] - i64::from(h == gc)).max(0))
                    .sum();
                if need > remaining_after {
                    continue;
                }
            }
            let gain: f64 = match rule {
                Rule::KBorda => (0..voters).map(|v| utility[v * n + c]).sum(),
                Rule::ChamberlinCourant => (0..voters)
                    .map(|v| {
                        let u = utility[v * n + c];
                        if step == 0 {
                            u
                        } else {
                            (u - best_u[v]).max(0.0)
                        }
                    })
                    .sum(),
                Rule::Pav { .. } => (0..voters)
                    .filter(|&v| approves(v, c))
                    .map(|v| 1.0 / (approved[v] + 1) as f64)
                    .sum(),
            };
            if best.is_none_or(|(b, _)| gain > b) {
                best = Some((gain, c));
            }
        }
        let Some((gain, c)) = best else {
            return Err(RankError::invalid(
                "groups",
                "bounds that some committee of size k meets",
                format!("no eligible candidate at step {step}"),
            ));
        };
        chosen[c] = true;
        members.push(c as i64);
        score += gain;
        if let Some(g) = groups {
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            {
                counts[g.group[c] as usize] += 1;
            }
        }
        for v in 0..voters {
            let u = utility[v * n + c];
            if step == 0 || u > best_u[v] {
                best_u[v] = u;
            }
            if approval_top > 0 && approves(v, c) {
                approved[v] += 1;
            }
        }
    }
    Ok(Committee { members, score })
}

fn check_groups(g: &Groups<'_>, n: usize, k: usize) -> Result<usize> {
    if g.group.len() != n {
        return Err(RankError::shape(
            "groups",
            format!("one group id per candidate ({n})"),
            format!("{} ids", g.group.len()),
        ));
    }
    let n_groups = g.lower.len();
    if g.upper.len() != n_groups {
        return Err(RankError::shape(
            "upper",
            format!("one bound per group ({n_groups}, the length of `lower`)"),
            format!("{} bounds", g.upper.len()),
        ));
    }
    if let Some((i, &v)) = g
        .group
        .iter()
        .enumerate()
        .find(|&(_, &v)| v < 0 || v as usize >= n_groups)
    {
        return Err(RankError::invalid(
            "groups",
            format!("group ids in 0..{n_groups} (one bound each in `lower`/`upper`)"),
            format!("{v} for candidate {i}"),
        ));
    }
    let mut sizes = vec![0i64; n_groups];
    for &v in g.group {
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        {
            sizes[v as usize] += 1;
        }
    }
    for (h, &size) in sizes.iter().enumerate() {
        if g.lower[h] < 0 || g.lower[h] > g.upper[h] || g.lower[h] > size {
            return Err(RankError::invalid(
                "lower",
                "0 <= lower[g] <= min(upper[g], size of group g)",
                format!(
                    "lower[{h}] = {}, upper[{h}] = {}, group size {}",
                    g.lower[h], g.upper[h], size
                ),
            ));
        }
    }
    let need: i64 = g.lower.iter().sum();
    let cap: i64 = g.upper.iter().zip(&sizes).map(|(u, s)| (*u).min(*s)).sum();
    let k64 = i64::try_from(k).unwrap_or(i64::MAX);
    if need > k64 || cap < k64 {
        return Err(RankError::invalid(
            "k",
            format!("between sum(lower) = {need} and the capacity of the groups ({cap})"),
            k,
        ));
    }
    Ok(n_groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_constraints_select_as_defined() {
        // three voters over four candidates
        let r = [0, 1, 2, 3, 0, 1, 3, 2, 3, 2, 1, 0];
        let c = select(&r, 4, 2, Rule::KBorda, None).unwrap();
        assert_eq!(c.members, vec![0, 1]);
        let c = select(&r, 4, 2, Rule::ChamberlinCourant, None).unwrap();
        assert_eq!(c.members, vec![0, 3]);
        assert_eq!(c.score, 9.0);
        let c = select(&r, 4, 2, Rule::Pav { approval_top: 1 }, None).unwrap();
        assert_eq!(c.members, vec![0, 3]);
        let g = Groups {
            group: &[0, 0, 1, 1],
            lower: &[0, 2],
            upper: &[2, 2],
        };
        let c = select(&r, 4, 2, Rule::KBorda, Some(g)).unwrap();
        assert_eq!(c.members, vec![3, 2]);
        assert!(select(&r, 4, 1, Rule::KBorda, Some(g)).is_err());
    }
}
