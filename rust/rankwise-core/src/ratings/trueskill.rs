//! TrueSkill's update from one ranking of one-player teams, as the `trueskill` package.
//!
//! R. Herbrich, T. Minka & T. Graepel, "TrueSkill™: A Bayesian Skill Rating System", NIPS 2006:
//! each player's skill `s_i ~ N(μ_i, σ_i² + τ²)`, performance `p_i ~ N(s_i, β²)`, and for the
//! players in rank order the differences `d_j = p_j - p_{j+1}` are truncated to `d_j > ε`
//! (the draw margin `ε = √2 β Φ⁻¹((1 + draw_probability) / 2)`). The posterior is approximated
//! by expectation propagation on that factor graph, in the schedule of the `trueskill` package
//! (Heungsub Lee, version 0.4.5, `TrueSkill.run_schedule` and `trueskill/factorgraph.py`),
//! message for message:
//!
//! 1. prior, likelihood and team-performance factors send their messages down;
//! 2. up to 10 sweeps over the chain of differences — forward: difference `j` down, its
//!    truncation up, `j` up to its right team; backward likewise up to the left team —
//!    until the largest change of a difference's belief is `<= min_delta` (two players: one
//!    difference, down and up);
//! 3. the end differences up to their outer teams, then team performances and performances
//!    up to the skills.
//!
//! The truncation uses `V(t, ε) = φ(t - ε)/Φ(t - ε)` and `W = V (V + t - ε)` for a win, and
//! for a draw (two neighbours of equal rank, `|d_j| <= ε`) the package's `v_draw` and `w_draw`
//! (the moments of the normal truncated to `[-ε, ε]`, Herbrich et al. 2006, Table 1), and `Φ`, `φ`, `Φ⁻¹` are the package's default backend: `erfc` by
//! the Chebyshev fit of Numerical Recipes (relative error below 1.2e-7) and its inverse by two
//! Newton steps, so that the results equal the package's to rounding, not only to that error.
//! Where the package raises `FloatingPointError` (`W` outside `(0, 1)`: a winner rated far
//! below the players it beat), this returns an error and leaves the beliefs as they were.

use std::cmp::Ordering;

use crate::error::{RankError, Result};

/// The model's constants (the package's defaults: μ 25, σ 25/3, β 25/6, τ 25/300, draw
/// probability 0.10, `min_delta` 1e-4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrueSkillOptions {
    pub beta: f64,
    pub tau: f64,
    pub draw_probability: f64,
    pub min_delta: f64,
}

impl Default for TrueSkillOptions {
    fn default() -> Self {
        let sigma = 25.0 / 3.0;
        TrueSkillOptions {
            beta: sigma / 2.0,
            tau: sigma / 100.0,
            draw_probability: 0.10,
            min_delta: 1e-4,
        }
    }
}

/// A Gaussian in natural parameters: precision `pi` and precision-adjusted mean `tau`.
#[derive(Debug, Clone, Copy, Default)]
struct G {
    pi: f64,
    tau: f64,
}

impl G {
    fn from_mu_sigma(mu: f64, sigma: f64) -> G {
        let pi = sigma.powf(-2.0);
        G { pi, tau: pi * mu }
    }
    /// The package's `mu`: `pi and tau / pi`.
    fn mu(self) -> f64 {
        if self.pi == 0.0 {
            0.0
        } else {
            self.tau / self.pi
        }
    }
    fn sigma(self) -> f64 {
        if self.pi == 0.0 {
            f64::INFINITY
        } else {
            (1.0 / self.pi).sqrt()
        }
    }
    /// The package's `LikelihoodFactor` message (up or down, the same formula) from the
    /// cavity `self` through performance noise of variance `beta2`.
    fn likelihood(self, beta2: f64) -> G {
        let a = 1.0 / (1.0 + beta2 * self.pi);
        G {
            pi: a * self.pi,
            tau: a * self.tau,
        }
    }
    fn div(self, o: G) -> G {
        G {
            pi: self.pi - o.pi,
            tau: self.tau - o.tau,
        }
    }
}

/// A variable of the graph: its belief and, per connected factor, that factor's message.
#[derive(Debug, Clone, Copy)]
struct Var<const K: usize> {
    value: G,
    msg: [G; K],
}

impl<const K: usize> Default for Var<K> {
    fn default() -> Self {
        Var {
            value: G::default(),
            msg: [G::default(); K],
        }
    }
}

impl<const K: usize> Var<K> {
    /// `Variable.set`: the change (largest of `|Δtau|` and `√|Δpi|`), then the new belief.
    fn set(&mut self, v: G) -> f64 {
        let pi_delta = (self.value.pi - v.pi).abs();
        let delta = if pi_delta == f64::INFINITY {
            0.0
        } else {
            let a = (self.value.tau - v.tau).abs();
            let b = pi_delta.sqrt();
            if b > a { b } else { a }
        };
        self.value = v;
        delta
    }
    /// `Variable.update_message`: factor `f` sends `m`.
    fn update_message(&mut self, f: usize, m: G) -> f64 {
        let old = self.msg[f];
        self.msg[f] = m;
        let v = G {
            pi: self.value.pi - old.pi + m.pi,
            tau: self.value.tau - old.tau + m.tau,
        };
        self.set(v)
    }
    /// `Variable.update_value`: factor `f` sets the belief to `v`.
    fn update_value(&mut self, f: usize, v: G) -> f64 {
        let old = self.msg[f];
        self.msg[f] = G {
            pi: v.pi + old.pi - self.value.pi,
            tau: v.tau + old.tau - self.value.tau,
        };
        self.set(v)
    }
    /// The belief without factor `f`'s message.
    fn cavity(&self, f: usize) -> G {
        self.value.div(self.msg[f])
    }
}

/// `SumFactor.update`: the message `N(Σ c_k μ_k, Σ c_k² / π_k)` from the cavities `terms`
/// (`(cavity, coefficient)`).
fn sum_message(terms: &[(G, f64)]) -> G {
    let (mut pi_inv, mut mu) = (0.0f64, 0.0f64);
    for &(div, c) in terms {
        mu += c * div.mu();
        if pi_inv == f64::INFINITY {
            continue;
        }
        if div.pi == 0.0 {
            pi_inv = f64::INFINITY;
        } else {
            pi_inv += c * c / div.pi;
        }
    }
    let pi = 1.0 / pi_inv;
    G { pi, tau: pi * mu }
}

/// The package's `erfc` (Numerical Recipes' Chebyshev fit, `trueskill/backends.py`).
fn erfc_nr(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + z / 2.0);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x < 0.0 { 2.0 - r } else { r }
}

/// The package's `erfcinv`: a rational first guess and two Newton steps on [`erfc_nr`]
/// (its `0.70711` is the package's rounded `1/√2`, kept).
#[allow(clippy::approx_constant)]
fn erfcinv_nr(y: f64) -> f64 {
    if y >= 2.0 {
        return -100.0;
    }
    if y <= 0.0 {
        return 100.0;
    }
    let zero_point = y < 1.0;
    let y = if zero_point { y } else { 2.0 - y };
    let t = (-2.0 * (y / 2.0).ln()).sqrt();
    let mut x = -0.70711 * ((2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t);
    for _ in 0..2 {
        let err = erfc_nr(x) - y;
        x += err / (std::f64::consts::FRAC_2_SQRT_PI * (-x.powf(2.0)).exp() - x * err);
    }
    if zero_point { x } else { -x }
}

fn cdf(x: f64) -> f64 {
    0.5 * erfc_nr(-x / 2f64.sqrt())
}

fn pdf(x: f64) -> f64 {
    1.0 / (2.0 * std::f64::consts::PI).sqrt() * 1.0 * (-(x.powf(2.0) / 2.0)).exp()
}

fn ppf(p: f64) -> f64 {
    -2f64.sqrt() * erfcinv_nr(2.0 * p)
}

/// `TrueSkill.v_win` and `w_win`; `None` where the package raises `FloatingPointError`.
fn v_w_win(diff: f64, margin: f64) -> Option<(f64, f64)> {
    let x = diff - margin;
    let denom = cdf(x);
    let v = if denom != 0.0 { pdf(x) / denom } else { -x };
    let w = v * (v + x);
    (0.0 < w && w < 1.0).then_some((v, w))
}

/// `TrueSkill.v_draw` at `diff` (a draw: the difference truncated to `|d| <= ε`).
fn v_draw(diff: f64, margin: f64) -> f64 {
    let abs_diff = diff.abs();
    let (a, b) = (margin - abs_diff, -margin - abs_diff);
    let denom = cdf(a) - cdf(b);
    let numer = pdf(b) - pdf(a);
    (if denom != 0.0 { numer / denom } else { a }) * if diff < 0.0 { -1.0 } else { 1.0 }
}

/// `TrueSkill.v_draw` and `w_draw`; `None` where the package raises `FloatingPointError`
/// (the truncation interval has no mass). `w` is not bounded here: the package checks only
/// the mass.
fn v_w_draw(diff: f64, margin: f64) -> Option<(f64, f64)> {
    let v = v_draw(diff, margin);
    let abs_diff = diff.abs();
    let (a, b) = (margin - abs_diff, -margin - abs_diff);
    let denom = cdf(a) - cdf(b);
    if denom == 0.0 {
        return None;
    }
    let va = v_draw(abs_diff, margin);
    Some((v, va.powf(2.0) + (a * pdf(a) - b * pdf(b)) / denom))
}

/// Update the beliefs `mu` and `sigma` (indexed by player) of the players in `order` (best
/// first, distinct, at least two) with TrueSkill's posterior from that ranking, as
/// `TrueSkill(beta=…, tau=…, draw_probability=…).rate([(r,) for r in ranked], ranks=range(n),
/// min_delta=…)` (see the module documentation). Other players are untouched.
///
/// # Errors
/// Options out of range, a bad `order`, non-finite beliefs or `σ <= 0`, each named; and the
/// package's `FloatingPointError` case, after which the beliefs are unchanged.
pub fn rate(
    order: &[usize],
    opts: &TrueSkillOptions,
    mu: &mut [f64],
    sigma: &mut [f64],
) -> Result<()> {
    rate_ranked(order, None, opts, mu, sigma)
}

/// [`rate`] with draws: `ranks[i]` is the rank of player `order[i]` (lower is better, equal
/// ranks a draw), as the package's `rate(..., ranks=ranks)`: the players are taken in the
/// stable order of their ranks and each neighbouring pair of equal rank is truncated to a
/// draw, `|d_j| <= ε`, with `V` and `W` of `TrueSkill.v_draw` and `w_draw`. `None` is
/// `ranks = 0, 1, …` (no draws).
///
/// # Errors
/// As [`rate`]; `ranks` not one finite value per player of `order`.
pub fn rate_ranked(
    order: &[usize],
    ranks: Option<&[f64]>,
    opts: &TrueSkillOptions,
    mu: &mut [f64],
    sigma: &mut [f64],
) -> Result<()> {
    let mut sorted = order.to_vec();
    let mut draw = vec![false; order.len().saturating_sub(1)];
    if let Some(ranks) = ranks {
        if ranks.len() != order.len() {
            return Err(RankError::shape(
                "ranks",
                format!("one rank per player of the match ({})", order.len()),
                ranks.len(),
            ));
        }
        if let Some(r) = ranks.iter().find(|r| !r.is_finite()) {
            return Err(RankError::invalid("ranks", "finite numbers", r));
        }
        // Python's `sorted` is stable, as `sort_by` is.
        let mut by_rank: Vec<usize> = (0..order.len()).collect();
        by_rank.sort_by(|&i, &j| ranks[i].partial_cmp(&ranks[j]).unwrap_or(Ordering::Equal));
        for (k, &i) in by_rank.iter().enumerate() {
            sorted[k] = order[i];
        }
        for (j, w) in by_rank.windows(2).enumerate() {
            draw[j] = ranks[w[0]] == ranks[w[1]];
        }
        // With `draw_probability` 0 the model gives a draw no probability: the package then
        // truncates to its `ppf(0.5)` margin (3.8e-8 β, its inverse erfc's error), in
        // catastrophic cancellation; refused instead.
        if opts.draw_probability == 0.0
            && let Some(j) = draw.iter().position(|&d| d)
        {
            return Err(RankError::invalid(
                "ranks",
                "no draws where draw_probability is 0 (the model gives a draw no probability)",
                format!("players {} and {} drew", sorted[j], sorted[j + 1]),
            ));
        }
    }
    let order = &sorted[..];
    for (name, v) in [("beta", opts.beta), ("min_delta", opts.min_delta)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(RankError::invalid(name, "a finite number > 0", v));
        }
    }
    if !(opts.tau.is_finite() && opts.tau >= 0.0) {
        return Err(RankError::invalid("tau", "a finite number >= 0", opts.tau));
    }
    if !(opts.draw_probability >= 0.0 && opts.draw_probability < 1.0) {
        return Err(RankError::invalid(
            "draw_probability",
            "a probability in [0, 1)",
            opts.draw_probability,
        ));
    }
    let m = mu.len();
    if sigma.len() != m {
        return Err(RankError::shape(
            "sigma",
            format!("one value per player ({m})"),
            sigma.len(),
        ));
    }
    let n = order.len();
    if n < 2 {
        return Err(RankError::invalid(
            "order",
            "a ranking of two players or more",
            n,
        ));
    }
    let mut seen = vec![false; m];
    for &p in order {
        if p >= m || seen[p] {
            return Err(RankError::invalid(
                "order",
                format!("distinct players in 0..{m}"),
                p,
            ));
        }
        seen[p] = true;
        if !(mu[p].is_finite() && sigma[p].is_finite() && sigma[p] > 0.0) {
            return Err(RankError::invalid(
                "ratings",
                "finite mu and finite sigma > 0",
                format!("mu {}, sigma {} for player {p}", mu[p], sigma[p]),
            ));
        }
    }
    let beta2 = opts.beta.powf(2.0);
    // `calc_draw_margin` for two one-player teams.
    let margin = ppf((opts.draw_probability + 1.0) / 2.0) * 2f64.sqrt() * opts.beta;
    // Skills (message 0: prior, 1: likelihood), performances (0: likelihood, 1: team sum),
    // team performances (0: team sum, 1: difference to the right, 2: difference to the left),
    // differences (0: difference sum, 1: truncation).
    let mut skill = vec![Var::<2>::default(); n];
    let mut perf = vec![Var::<2>::default(); n];
    let mut team = vec![Var::<3>::default(); n];
    let mut diff = vec![Var::<2>::default(); n - 1];
    for (i, &p) in order.iter().enumerate() {
        // PriorFactor.down on the package's Rating (stored as pi, tau).
        let r = G::from_mu_sigma(mu[p], sigma[p]);
        let s = (r.sigma().powf(2.0) + opts.tau.powf(2.0)).sqrt();
        skill[i].update_value(0, G::from_mu_sigma(r.mu(), s));
    }
    for i in 0..n {
        // LikelihoodFactor.down.
        perf[i].update_message(0, skill[i].cavity(1).likelihood(beta2));
    }
    for i in 0..n {
        // SumFactor.down of a one-player team.
        let m = sum_message(&[(perf[i].cavity(1), 1.0)]);
        team[i].update_message(0, m);
    }
    let down = |diff: &mut [Var<2>], team: &[Var<3>], j: usize| {
        let m = sum_message(&[(team[j].cavity(1), 1.0), (team[j + 1].cavity(2), -1.0)]);
        diff[j].update_message(0, m);
    };
    let trunc_up = |diff: &mut [Var<2>], j: usize| -> Option<f64> {
        let div = diff[j].cavity(1);
        let sqrt_pi = div.pi.sqrt();
        let v_w = if draw[j] { v_w_draw } else { v_w_win };
        let (v, w) = v_w(div.tau / sqrt_pi, margin * sqrt_pi)?;
        let denom = 1.0 - w;
        let g = G {
            pi: div.pi / denom,
            tau: (div.tau + sqrt_pi * v) / denom,
        };
        Some(diff[j].update_value(1, g))
    };
    // SumFactor.up(0): the left team from the difference and the right team.
    let up_left = |diff: &[Var<2>], team: &mut [Var<3>], j: usize| {
        let m = sum_message(&[(diff[j].cavity(0), 1.0), (team[j + 1].cavity(2), 1.0)]);
        team[j].update_message(1, m);
    };
    // SumFactor.up(1): the right team from the left team and the difference.
    let up_right = |diff: &[Var<2>], team: &mut [Var<3>], j: usize| {
        let m = sum_message(&[(team[j].cavity(1), 1.0), (diff[j].cavity(0), -1.0)]);
        team[j + 1].update_message(2, m);
    };
    let k = n - 1;
    for _ in 0..10 {
        let mut delta = 0.0f64;
        if k == 1 {
            down(&mut diff, &team, 0);
            delta = trunc_up(&mut diff, 0).ok_or_else(floating_point)?;
        } else {
            for j in 0..k - 1 {
                down(&mut diff, &team, j);
                let d = trunc_up(&mut diff, j).ok_or_else(floating_point)?;
                if d > delta {
                    delta = d;
                }
                up_right(&diff, &mut team, j);
            }
            for j in (1..k).rev() {
                down(&mut diff, &team, j);
                let d = trunc_up(&mut diff, j).ok_or_else(floating_point)?;
                if d > delta {
                    delta = d;
                }
                up_left(&diff, &mut team, j);
            }
        }
        if delta <= opts.min_delta {
            break;
        }
    }
    up_left(&diff, &mut team, 0);
    up_right(&diff, &mut team, k - 1);
    for i in 0..n {
        // SumFactor.up(0) of a one-player team, then LikelihoodFactor.up.
        let m = sum_message(&[(team[i].cavity(0), 1.0)]);
        perf[i].update_message(1, m);
        skill[i].update_message(1, perf[i].cavity(0).likelihood(beta2));
    }
    // A draw's `W` is not bounded by the package: where it reaches 1 the precision turns
    // negative, and the package's `math.sqrt` raises; refused likewise, beliefs unchanged.
    if skill
        .iter()
        .any(|s| !(s.value.pi > 0.0 && s.value.mu().is_finite() && s.value.sigma().is_finite()))
    {
        return Err(floating_point());
    }
    for (i, &p) in order.iter().enumerate() {
        mu[p] = skill[i].value.mu();
        sigma[p] = skill[i].value.sigma();
    }
    Ok(())
}

/// Update the beliefs `mu` and `sigma` (one per player) with the matches `c` in order, each
/// by [`rate_ranked`] (as calling the package's `rate` match after match), `ranks` (one per
/// entry of the matches, flat as their players) giving each player's rank in its match, or
/// `None` for strict orders. An error names the match; the beliefs are then those after the
/// matches before it.
///
/// # Errors
/// As [`rate_ranked`], with `match {r}: ` before the value.
pub fn rate_matches(
    c: &super::plackett_luce::Rankings<'_>,
    ranks: Option<&[f64]>,
    opts: &TrueSkillOptions,
    mu: &mut [f64],
    sigma: &mut [f64],
) -> Result<()> {
    let m = c.n_players();
    for (name, values) in [("mu", &*mu), ("sigma", &*sigma)] {
        super::one_per_player(name, values, m)?;
    }
    let total = c.offset(c.len());
    if let Some(r) = ranks
        && r.len() != total
    {
        return Err(RankError::shape(
            "ranks",
            format!("one rank per player of every match ({total})"),
            r.len(),
        ));
    }
    let mut order = Vec::new();
    for r in 0..c.len() {
        let (items, _) = c.get(r);
        order.clear();
        // Validated by `Rankings::new`: indices in 0..m.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        order.extend(items.iter().map(|&i| i as usize));
        let at = c.offset(r);
        let match_ranks = ranks.map(|v| &v[at..at + order.len()]);
        rate_ranked(&order, match_ranks, opts, mu, sigma).map_err(|e| match e {
            RankError::InvalidValue {
                argument,
                expected,
                got,
            } => RankError::InvalidValue {
                argument,
                expected,
                got: format!("match {r}: {got}"),
            },
            other => other,
        })?;
    }
    Ok(())
}

fn floating_point() -> RankError {
    RankError::invalid(
        "rankings",
        "matches whose beliefs (`mu`, `sigma`, `beta`) TrueSkill can update in double \
         precision (the `trueskill` package raises FloatingPointError here)",
        "a winner rated far below a player it beat",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_inverts_its_own_cdf() {
        for p in [0.01, 0.3, 0.55, 0.9, 0.999] {
            assert!((cdf(ppf(p)) - p).abs() < 1e-12, "{p}");
        }
        // The Numerical Recipes fit is within 1.2e-7 of the exact erfc.
        for x in [-3.0, -0.5, 0.0, 0.7, 2.5] {
            let exact = crate::special::erfc(x);
            assert!((erfc_nr(x) - exact).abs() <= 1.2e-7 * exact, "{x}");
        }
    }

    #[test]
    fn winners_gain_losers_lose_and_everyone_is_surer() {
        let opts = TrueSkillOptions::default();
        for n in 2..=20usize {
            let mut mu = vec![25.0; n];
            let mut sigma = vec![25.0 / 3.0; n];
            let order: Vec<usize> = (0..n).rev().collect();
            rate(&order, &opts, &mut mu, &mut sigma).unwrap();
            // Best player `n - 1` first: means fall along the ranking, symmetric about 25.
            for w in order.windows(2) {
                assert!(mu[w[0]] > mu[w[1]], "{n}: {mu:?}");
            }
            for i in 0..n {
                assert!(
                    (mu[i] - 25.0 + mu[n - 1 - i] - 25.0).abs() < 1e-6,
                    "{n}: {mu:?}"
                );
                assert!(sigma[i] < 25.0 / 3.0);
            }
        }
    }

    #[test]
    fn bad_input_is_named_and_leaves_beliefs() {
        let opts = TrueSkillOptions::default();
        let (mut mu, mut sigma) = (vec![25.0; 3], vec![1.0; 3]);
        for (order, name) in [
            (&[0usize][..], "order"),
            (&[0, 0][..], "order"),
            (&[0, 3][..], "order"),
        ] {
            let e = rate(order, &opts, &mut mu, &mut sigma).unwrap_err();
            assert!(e.to_string().contains(name), "{e}");
        }
        let bad = TrueSkillOptions { beta: 0.0, ..opts };
        assert!(
            rate(&[0, 1], &bad, &mut mu, &mut sigma)
                .unwrap_err()
                .to_string()
                .contains("beta")
        );
        // A winner 200 σ below the loser: the package's FloatingPointError.
        let (mut mu, mut sigma) = (vec![0.0, 1000.0], vec![1.0, 1.0]);
        assert!(rate(&[0, 1], &opts, &mut mu, &mut sigma).is_err());
        assert_eq!((mu, sigma), (vec![0.0, 1000.0], vec![1.0, 1.0]));
    }

    #[test]
    fn a_draw_pulls_the_drawn_players_together_as_the_package() {
        // `TrueSkill().rate([(Rating(30),), (Rating(20),)], ranks=[0, 0])`, trueskill 0.4.5.
        let (mut mu, mut sigma) = (vec![30.0, 20.0], vec![25.0 / 3.0; 2]);
        let opts = TrueSkillOptions::default();
        rate_ranked(&[0, 1], Some(&[0.0, 0.0]), &opts, &mut mu, &mut sigma).unwrap();
        assert!(20.0 < mu[1] && mu[1] < mu[0] && mu[0] < 30.0, "{mu:?}");
        // Ranks reorder the match: [1, 0] ranked (1, 0) is the same as [0, 1] ranked (0, 1).
        let (mut a, mut sa) = (vec![30.0, 20.0], vec![5.0, 6.0]);
        let (mut b, mut sb) = (a.clone(), sa.clone());
        rate_ranked(&[1, 0], Some(&[1.0, 0.0]), &opts, &mut a, &mut sa).unwrap();
        rate(&[0, 1], &opts, &mut b, &mut sb).unwrap();
        assert_eq!((a, sa), (b, sb));
        let none = TrueSkillOptions {
            draw_probability: 0.0,
            ..opts
        };
        let e = rate_ranked(&[0, 1], Some(&[0.0, 0.0]), &none, &mut mu, &mut sigma).unwrap_err();
        assert!(e.to_string().contains("ranks"), "{e}");
    }

    /// Pinned outputs of the `trueskill` package 0.4.5 (`rate([(Rating(mu, sigma),) for p in
    /// order], ranks=range(n))`, default environment) on random beliefs, for a check of the
    /// port that needs no Python; the Python tests compare AcuRank with the package itself.
    #[test]
    #[allow(clippy::type_complexity)]
    fn equals_the_trueskill_package() {
        let cases: [(&[usize], &[f64], &[f64], &[f64], &[f64]); 4] = [
            (
                &[1, 0],
                &[21.477, 18.017],
                &[5.707, 1.079],
                &[16.962667394987623, 18.179297147120632],
                &[4.60646178427851, 1.0754096851700685],
            ),
            (
                &[2, 1, 0],
                &[22.314, 16.16, 25.149],
                &[0.8, 3.969, 1.059],
                &[22.141403552139153, 18.605526412384016, 25.2749471720022],
                &[0.7985366511598555, 3.2767996847767074, 1.0517946500049107],
            ),
            (
                &[6, 3, 2, 0, 1, 5, 4],
                &[16.182, 26.309, 33.949, 27.613, 26.66, 16.237, 26.711],
                &[0.897, 2.269, 4.953, 1.565, 3.853, 4.825, 5.067],
                &[
                    16.495814602067227,
                    25.071181574721336,
                    30.123937432673756,
                    27.979417133370838,
                    21.093068660828703,
                    17.075874538096276,
                    31.81919405606427,
                ],
                &[
                    0.8872761968957864,
                    2.0727086621802706,
                    3.5863138624934487,
                    1.5089106875950073,
                    3.197349316988445,
                    3.5465051642399055,
                    3.9732408479153056,
                ],
            ),
            (
                &[
                    4, 6, 16, 8, 13, 11, 3, 1, 2, 15, 7, 0, 5, 10, 17, 12, 19, 14, 18, 9,
                ],
                &[
                    22.448, 25.955, 16.256, 16.192, 19.119, 28.608, 23.552, 21.283, 26.711, 24.064,
                    20.995, 30.888, 28.98, 19.882, 26.488, 25.504, 32.503, 29.589, 20.759, 34.603,
                ],
                &[
                    1.445, 3.845, 6.557, 1.716, 4.412, 0.814, 5.846, 6.617, 5.084, 7.504, 3.01,
                    6.062, 5.255, 5.139, 4.15, 7.22, 8.057, 4.293, 5.813, 0.985,
                ],
                &[
                    22.59056558722091,
                    27.11128665083632,
                    24.097954712360625,
                    18.1534993041897,
                    30.302195443614977,
                    28.385905466731845,
                    33.061404594525236,
                    23.89348882437079,
                    31.20518505344111,
                    11.681162884887112,
                    21.140834132977293,
                    31.057057815960928,
                    22.81906963988711,
                    27.549162595392694,
                    21.03494624848069,
                    25.947633524839915,
                    35.28436238595412,
                    24.761406260203053,
                    15.297023433118058,
                    33.69737996724112,
                ],
                &[
                    1.3762077574876503,
                    2.9091866921907417,
                    3.6724987626968444,
                    1.603681088840037,
                    3.315321715248018,
                    0.8047409221895704,
                    3.6836182749351196,
                    3.678383963761694,
                    3.397962980863873,
                    4.793750106109246,
                    2.4924461082565212,
                    3.60163435510223,
                    3.3990998974565363,
                    3.3909666557119857,
                    3.09081223883324,
                    3.7744104702364702,
                    4.016866834778192,
                    3.0883942212626456,
                    3.812330676201762,
                    0.9655641584555333,
                ],
            ),
        ];
        for (order, mu0, sigma0, mu1, sigma1) in cases {
            let (mut mu, mut sigma) = (mu0.to_vec(), sigma0.to_vec());
            rate(order, &TrueSkillOptions::default(), &mut mu, &mut sigma).unwrap();
            for p in 0..mu.len() {
                assert!((mu[p] - mu1[p]).abs() <= 1e-9 * mu1[p].abs(), "{p}: {mu:?}");
                assert!(
                    (sigma[p] - sigma1[p]).abs() <= 1e-9 * sigma1[p],
                    "{p}: {sigma:?}"
                );
            }
        }
    }
}
