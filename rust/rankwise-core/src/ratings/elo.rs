//! Online Elo ratings, the LMSYS arena's conventions.
//!
//! Comparisons are taken in order; before comparison `(a, b, s)` the expected scores are
//! `e_a = 1 / (1 + base^((r_b - r_a) / scale))` and `e_b = 1 / (1 + base^((r_a - r_b) /
//! scale))`, then `r_a += k (s - e_a)` and `r_b += k (1 - s - e_b)`; every rating starts at
//! `init`. This is `compute_elo` of lm-sys/FastChat `fastchat/serve/monitor/elo_analysis.py`
//! operation for operation (defaults `k = 4`, `scale = 400`, `base = 10`, `init = 1000`). A
//! comparison of weight `w` scales both updates by `w`.

use super::Comparisons;
use super::groups::ComparisonGroups;
use crate::error::{RankError, Result};

/// Options of [`elo`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EloOptions {
    pub k: f64,
    pub scale: f64,
    pub base: f64,
    pub init: f64,
}

impl Default for EloOptions {
    fn default() -> Self {
        EloOptions {
            k: 4.0,
            scale: 400.0,
            base: 10.0,
            init: 1000.0,
        }
    }
}

impl EloOptions {
    /// Check the options: `k >= 0`, `scale > 0`, `base > 1`, `init` finite.
    pub fn validate(&self) -> Result<()> {
        if !(self.k.is_finite() && self.k >= 0.0) {
            return Err(RankError::invalid("k", "a finite number >= 0", self.k));
        }
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err(RankError::invalid(
                "scale",
                "a finite number > 0",
                self.scale,
            ));
        }
        if !(self.base.is_finite() && self.base > 1.0) {
            return Err(RankError::invalid("base", "a finite number > 1", self.base));
        }
        if !self.init.is_finite() {
            return Err(RankError::invalid("init", "a finite number", self.init));
        }
        Ok(())
    }
}

/// Online Elo ratings after all the comparisons, in order (see the module documentation).
pub fn elo(c: &Comparisons<'_>, opts: &EloOptions) -> Result<Vec<f64>> {
    opts.validate()?;
    let mut rating = vec![opts.init; c.n_players];
    for i in 0..c.len() {
        let (a, b, s, w) = c.get(i);
        let (ra, rb) = (rating[a], rating[b]);
        let ea = 1.0 / (1.0 + opts.base.powf((rb - ra) / opts.scale));
        let eb = 1.0 / (1.0 + opts.base.powf((ra - rb) / opts.scale));
        if w == 1.0 {
            rating[a] += opts.k * (s - ea);
            rating[b] += opts.k * (1.0 - s - eb);
        } else {
            rating[a] += w * opts.k * (s - ea);
            rating[b] += w * opts.k * (1.0 - s - eb);
        }
    }
    Ok(rating)
}

/// Independent Elo ratings of many problems, in parallel by [`ComparisonGroups::each`] (each
/// problem's comparisons in their order): each as [`elo`] on that problem alone.
pub fn elo_groups(groups: &ComparisonGroups<'_>, opts: &EloOptions) -> Result<Vec<Vec<f64>>> {
    opts.validate()?;
    groups.each(|c, _| elo(c, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_win_between_equals_moves_k_over_two() {
        let c = Comparisons::new(&[0], &[1], &[1.0], None, 2).unwrap();
        let r = elo(&c, &EloOptions::default()).unwrap();
        assert_eq!(r, vec![1002.0, 998.0]);
    }

    #[test]
    fn bad_options_are_refused_by_name() {
        let c = Comparisons::new(&[0], &[1], &[1.0], None, 2).unwrap();
        let e = elo(
            &c,
            &EloOptions {
                base: 1.0,
                ..EloOptions::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("`base`"), "{e}");
    }
}
