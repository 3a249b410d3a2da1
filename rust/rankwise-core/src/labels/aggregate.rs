//! Aggregation of partial evidence into one full ranking per query, in parallel.
//!
//! For each query the observed candidates (see [`Compact`]) are ordered by the method's
//! score, descending, equal scores by candidate index ascending. **Never-observed candidates**
//! (no window of two or more, no pair of positive weight) carry no evidence: they are placed
//! after all observed ones in candidate order, get a NaN score and are flagged in
//! `observed`.
//!
//! The **confidence** of position `p` is the probability that the candidate at `p` belongs
//! before the one at `p + 1`: under the fitted model for Plackett–Luce and Bradley–Terry
//! (`γ_a / (γ_a + γ_b)`), otherwise the share of the direct evidence between the two that
//! agrees (`W[a][b] / (W[a][b] + W[b][a])`, NaN when they were never compared). The last
//! observed position and the unobserved ones have NaN.
//!
//! Every method also reports the Kemeny cost of its order (the weight of pairwise evidence it
//! contradicts), so that methods can be compared on the same footing.

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::labels::borda::{self, BordaNorm};
use crate::labels::copeland::{self, CopelandCount};
use crate::labels::evidence::{Compact, Evidence};
use crate::labels::kemeny;
use crate::labels::plackett_luce::{self, MmOptions};
use crate::parallel;
use crate::ranking::desc_key;

/// Most observed candidates of one query: the pairwise matrix takes `8 m²` bytes per thread.
pub const MAX_OBSERVED: usize = 10_000;

/// The start of the Kemeny local search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KemenyStart {
    #[default]
    Borda,
    Copeland,
}

crate::choice!(KemenyStart, "start", {
    "borda" => KemenyStart::Borda,
    "copeland" => KemenyStart::Copeland,
});

/// An aggregation method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    Borda(BordaNorm),
    Copeland(CopelandCount),
    /// Plackett–Luce MLE by MM (`choix.mm_rankings`); on pairs, Bradley–Terry.
    PlackettLuce(MmOptions),
    /// Plackett–Luce MLE by I-LSR (`choix.ilsr_rankings`).
    PlackettLuceIlsr(MmOptions),
    /// Bradley–Terry MLE by MM (`choix.mm_pairwise`) on the pairs of the evidence (windows
    /// are expanded into all their ordered pairs).
    BradleyTerry(MmOptions),
    Kemeny(KemenyStart),
    KemenyExact,
}

/// A [`Method`] by name, before its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodKind {
    Borda,
    Copeland,
    PlackettLuce,
    PlackettLuceIlsr,
    BradleyTerry,
    Kemeny,
    KemenyExact,
}
crate::choice!(MethodKind, "method", {
    "borda" => MethodKind::Borda,
    "copeland" => MethodKind::Copeland,
    "plackett_luce" => MethodKind::PlackettLuce,
    "plackett_luce_ilsr" => MethodKind::PlackettLuceIlsr,
    "bradley_terry" => MethodKind::BradleyTerry,
    "kemeny" => MethodKind::Kemeny,
    "kemeny_exact" => MethodKind::KemenyExact,
});

/// The aggregated rankings of a batch, flat: query `q` owns `n_items[q]` entries of `order`,
/// `scores`, `confidence` and `observed`, in query order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregation {
    /// Candidate indices, best first (observed candidates, then unobserved ones).
    pub order: Vec<i64>,
    /// Score of each candidate (indexed by candidate, NaN when unobserved): Borda points,
    /// Copeland score, centred log-strength, or `m - 1 - position` for Kemeny.
    pub scores: Vec<f64>,
    /// Confidence of each position (see the module documentation).
    pub confidence: Vec<f64>,
    /// Whether each candidate (indexed by candidate) carries evidence.
    pub observed: Vec<bool>,
    /// Per query: iterations of MM / I-LSR (0 for the other methods).
    pub iterations: Vec<u32>,
    /// Per query: whether the iterations converged (true for the other methods).
    pub converged: Vec<bool>,
    /// Per query: the Kemeny cost of the order (weight of contradicted pairwise evidence).
    pub disagreement: Vec<f64>,
}

/// One query's share of the flat outputs, written in place.
struct Out<'a> {
    order: &'a mut [i64],
    scores: &'a mut [f64],
    confidence: &'a mut [f64],
    observed: &'a mut [bool],
}

/// One query's scalar results.
struct One {
    iterations: u32,
    converged: bool,
    disagreement: f64,
}

#[derive(Default)]
struct Work {
    data: Compact,
    pairs: Compact,
    matrix: Vec<f64>,
    mm: plackett_luce::Scratch,
}

fn order_by(scores: &[f64]) -> Vec<u32> {
    let mut keys: Vec<u128> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            // NaN cannot come out of a valid fit; rank it last rather than panic.
            let s = if s.is_nan() { f64::NEG_INFINITY } else { s };
            desc_key(s, u32::try_from(i).unwrap_or(u32::MAX))
        })
        .collect();
    keys.sort_unstable();
    #[allow(clippy::cast_possible_truncation)]
    keys.into_iter().map(|k| k as u32).collect()
}

fn aggregate_one(
    evidence: &Evidence<'_>,
    q: usize,
    method: &Method,
    work: &mut Work,
    out: Out<'_>,
) -> Result<One> {
    let n = evidence.n(q);
    work.data.load(evidence, q);
    let data = &work.data;
    let m = data.m();
    if m > MAX_OBSERVED {
        return Err(RankError::invalid(
            "windows",
            format!(
                "evidence on at most {MAX_OBSERVED} candidates per query (aggregation keeps an \
                 m x m matrix of pairwise evidence)"
            ),
            format!("{m} observed candidates in query {q}"),
        ));
    }
    data.pair_matrix(&mut work.matrix);
    let w = &work.matrix;
    let mut iterations = 0u32;
    let mut converged = true;
    let mut model: Option<Vec<f64>> = None;
    let (local_order, local_scores): (Vec<u32>, Vec<f64>) = match *method {
        Method::Borda(norm) => {
            let s = borda::scores(data, norm);
            (order_by(&s), s)
        }
        Method::Copeland(count) => {
            let s = copeland::scores(w, m, count);
            (order_by(&s), s)
        }
        Method::PlackettLuce(opts)
        | Method::PlackettLuceIlsr(opts)
        | Method::BradleyTerry(opts) => {
            let fit = match *method {
                Method::PlackettLuce(_) => plackett_luce::mm(data, &opts, q, &mut work.mm)?,
                Method::PlackettLuceIlsr(_) => plackett_luce::ilsr(data, &opts, q, &mut work.mm)?,
                _ => {
                    data.expand_pairs(&mut work.pairs);
                    plackett_luce::mm(&work.pairs, &opts, q, &mut work.mm)?
                }
            };
            iterations = u32::try_from(fit.iterations).unwrap_or(u32::MAX);
            converged = fit.converged;
            model = Some(fit.params.clone());
            (order_by(&fit.params), fit.params)
        }
        Method::Kemeny(start) => {
            let s = match start {
                KemenyStart::Borda => borda::scores(data, BordaNorm::None),
                KemenyStart::Copeland => copeland::scores(w, m, CopelandCount::Majority),
            };
            let mut order = order_by(&s);
            kemeny::local_search(w, m, &mut order);
            let s = position_scores(&order);
            (order, s)
        }
        Method::KemenyExact => {
            let order = kemeny::exact(w, m)?;
            let s = position_scores(&order);
            (order, s)
        }
    };
    let disagreement = kemeny::cost(w, m, &local_order);
    let Out {
        order,
        scores,
        confidence,
        observed,
    } = out;
    scores.fill(f64::NAN);
    confidence.fill(f64::NAN);
    observed.fill(false);
    for (p, &i) in local_order.iter().enumerate() {
        order[p] = i64::from(data.observed[i as usize]);
        if let Some(&j) = local_order.get(p + 1) {
            let (a, b) = (i as usize, j as usize);
            confidence[p] = match &model {
                Some(theta) => 1.0 / (1.0 + (theta[b] - theta[a]).exp()),
                None => {
                    let (ab, ba) = (w[a * m + b], w[b * m + a]);
                    if ab + ba > 0.0 {
                        ab / (ab + ba)
                    } else {
                        f64::NAN
                    }
                }
            };
        }
    }
    for (i, &c) in data.observed.iter().enumerate() {
        scores[c as usize] = local_scores[i];
        observed[c as usize] = true;
    }
    let unobserved = (0..n)
        .filter(|&c| !observed[c])
        .map(|c| i64::try_from(c).unwrap_or(i64::MAX));
    for (slot, c) in order[m..].iter_mut().zip(unobserved) {
        *slot = c;
    }
    Ok(One {
        iterations,
        converged,
        disagreement,
    })
}

fn position_scores(order: &[u32]) -> Vec<f64> {
    let m = order.len();
    let mut s = vec![0.0; m];
    for (p, &i) in order.iter().enumerate() {
        s[i as usize] = (m - 1 - p) as f64;
    }
    s
}

/// `len` copies of `value`, or `None` where the allocation fails (rather than aborting).
fn filled<T: Clone>(len: usize, value: T) -> Option<Vec<T>> {
    let mut v = Vec::new();
    crate::memory::reserve(&mut v, len).ok()?;
    v.resize(len, value);
    Some(v)
}

/// Aggregate the evidence of every query with `method`, in parallel on the rankwise pool.
///
/// Errors: invalid MM options, `alpha = 0` with a candidate that never wins, a disconnected
/// comparison graph for I-LSR, more than [`kemeny::EXACT_LIMIT`] candidates for the exact
/// Kemeny order; the error of the first failing query is returned.
pub fn aggregate(evidence: &Evidence<'_>, method: &Method) -> Result<Aggregation> {
    if let Method::PlackettLuce(o) | Method::PlackettLuceIlsr(o) | Method::BradleyTerry(o) = method
    {
        o.validate()?;
    }
    let rows = evidence.rows();
    // The outputs hold one entry per item: a huge `n_items` is refused here, not summed into a
    // wrapped total or allocated until the process aborts.
    let too_large = |got: String| {
        RankError::invalid(
            "n_items",
            "small enough for the outputs (one entry per item) to fit in memory",
            got,
        )
    };
    let total = (0..rows)
        .try_fold(0usize, |acc, q| acc.checked_add(evidence.n(q)))
        .ok_or_else(|| too_large("a total past 2**64 - 1 items".to_owned()))?;
    let out_of_memory = || too_large(format!("{total} items in all"));
    let mut out = Aggregation {
        order: filled(total, 0).ok_or_else(out_of_memory)?,
        scores: filled(total, 0.0).ok_or_else(out_of_memory)?,
        confidence: filled(total, 0.0).ok_or_else(out_of_memory)?,
        observed: filled(total, false).ok_or_else(out_of_memory)?,
        iterations: Vec::with_capacity(rows),
        converged: Vec::with_capacity(rows),
        disagreement: Vec::with_capacity(rows),
    };
    // Every query writes its share of the flat outputs in place: no per-query vectors are
    // kept until the end, so the peak is the outputs plus one working set per thread.
    let mut shares = Vec::with_capacity(rows);
    {
        let (mut o, mut s, mut c, mut b) = (
            &mut out.order[..],
            &mut out.scores[..],
            &mut out.confidence[..],
            &mut out.observed[..],
        );
        for q in 0..rows {
            let n = evidence.n(q);
            let (o1, o2) = o.split_at_mut(n);
            let (s1, s2) = s.split_at_mut(n);
            let (c1, c2) = c.split_at_mut(n);
            let (b1, b2) = b.split_at_mut(n);
            shares.push((
                q,
                Out {
                    order: o1,
                    scores: s1,
                    confidence: c1,
                    observed: b1,
                },
            ));
            (o, s, c, b) = (o2, s2, c2, b2);
        }
    }
    // Checked per query: an interrupted call skips the rest and returns `Interrupted`.
    let watch = crate::interrupt::current();
    let results: Vec<Result<One>> = parallel::install(|| {
        shares
            .into_par_iter()
            .map_init(Work::default, |work, (q, share)| {
                watch.check()?;
                // On a worker thread: re-enter the call's scope for the iterative fits.
                watch.scope(|| aggregate_one(evidence, q, method, work, share))
            })
            .collect()
    });
    watch.check()?;
    for r in results {
        let one = r?;
        out.iterations.push(one.iterations);
        out.converged.push(one.converged);
        out.disagreement.push(one.disagreement);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::evidence::{PairBatch, WindowBatch};
    use proptest::prelude::*;

    fn sliding_windows(truth: &[i64], size: usize, step: usize) -> (Vec<i64>, Vec<i64>) {
        let mut items = Vec::new();
        let mut offsets = vec![0];
        let mut start = 0;
        loop {
            let end = (start + size).min(truth.len());
            let mut w: Vec<i64> = truth[start..end].to_vec();
            w.sort_unstable_by_key(|&c| truth.iter().position(|&t| t == c));
            items.extend(w);
            offsets.push(items.len() as i64);
            if end == truth.len() {
                break;
            }
            start += step;
        }
        (items, offsets)
    }

    proptest! {
        #[test]
        fn consistent_windows_recover_the_true_order(
            perm in Just((0..12i64).collect::<Vec<_>>()).prop_shuffle()
        ) {
            let (items, wo) = sliding_windows(&perm, 4, 2);
            let qo = [0, (wo.len() - 1) as i64];
            let n = [12];
            let b = WindowBatch::new(&items, &wo, &qo, &n).unwrap();
            let ev = Evidence::Windows(b);
            // Copeland, Borda and Kemeny local search need (nearly) every pair compared; windows of
            // 4 by 2 leave most pairs to transitivity, which only the likelihood models use.
            for method in [
                Method::PlackettLuce(MmOptions { alpha: 0.01, ..MmOptions::default() }),
                Method::BradleyTerry(MmOptions { alpha: 0.01, ..MmOptions::default() }),
            ] {
                let a = aggregate(&ev, &method).unwrap();
                prop_assert_eq!(&a.order, &perm, "{:?}", method);
                prop_assert_eq!(a.disagreement[0], 0.0);
            }
        }
    }

    #[test]
    fn unobserved_candidates_go_last_flagged_with_nan_scores() {
        let b = PairBatch::new(&[3, 1], &[1, 0], None, &[0, 2], &[5]).unwrap();
        let a = aggregate(&Evidence::Pairs(b), &Method::Copeland(CopelandCount::Sum)).unwrap();
        assert_eq!(a.order, vec![3, 1, 0, 2, 4]);
        assert_eq!(a.observed, vec![true, true, false, true, false]);
        assert!(a.scores[2].is_nan() && a.scores[4].is_nan());
        assert_eq!(&a.confidence[..2], &[1.0, 1.0]);
        assert!(a.confidence[2..].iter().all(|c| c.is_nan()));
    }
}
