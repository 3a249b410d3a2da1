//! C/W/L user models (Moffat, Bailey, Scholer & Thomas, "Incorporating user expectations and
//! behavior into the measurement of search effectiveness", TOIS 35(3), 2017), computed as
//! `cwl_eval` 1.0.12 computes them (Azzopardi, Thomas & Moffat, "cwl_eval: An evaluation tool
//! for information retrieval", SIGIR 2019; `cwl/ruler/measures/cwl_metrics.py`) and as
//! ir_measures' `cwl_eval` provider feeds it.
//!
//! A model is its continuation vector `C(i)`, the probability that a user at 0-based rank `i`
//! goes on to rank `i + 1`. From it, over the top [`CWL_MAX_RANKS`] ranks (`max_n`):
//!
//! * `P(i) = prod_{j < i} C(j)` (so `P(0) = 1`), the chance of reaching rank `i`;
//! * `W(i) = P(i) / sum_j P(j)`, the weight of rank `i`; `L(i) = P(i) (1 - C(i))`, the chance
//!   of stopping at rank `i`;
//! * the output columns: expected utility per document `EU = sum_i W(i) g(i)`, expected total
//!   utility `ETU = sum_i L(i) sum_{j <= i} g(j)`, expected cost per document
//!   `EC = sum_i W(i) c(i)`, expected total cost `ETC = sum_i L(i) sum_{j <= i} c(j)`, and
//!   expected depth `ED = 1 / W(0) = sum_i P(i)`.
//!
//! Gains: labels are clipped to `[min_rel, max_rel]` (negative labels first to 0) and scaled to
//! `[0, 1]`, as ir_measures' provider does (`IrmQrelHandler.put_value`); RBP uses binary gains
//! (label `>= rel`). Costs: 1 per document (cwl_eval's default without a cost file). Unjudged
//! documents, and the ranks past the end of the ranking, gain 0 (the worst case, the plain
//! columns) or 1 (the best case); the residual columns (`ResEU`, ...) are best minus worst,
//! cwl_eval's `-r`.

use super::RankedQuery;

/// The ranks cwl_eval reads (`max_n=1000`: its default, and ir_measures' provider's).
pub const CWL_MAX_RANKS: usize = 1000;

/// One of cwl_eval's output columns (its `-n` headings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CwlColumn {
    /// Expected utility per document (the value ir_measures reports).
    EU,
    /// Expected total utility.
    ETU,
    /// Expected cost per document.
    EC,
    /// Expected total cost.
    ETC,
    /// Expected depth (expected number of documents examined).
    ED,
    /// The residual of each column: its best case (unjudged gain 1) minus its worst case.
    ResEU,
    ResETU,
    ResEC,
    ResETC,
    ResED,
}

impl CwlColumn {
    /// Every column, in cwl_eval's output order.
    pub const ALL: [CwlColumn; 10] = [
        CwlColumn::EU,
        CwlColumn::ETU,
        CwlColumn::EC,
        CwlColumn::ETC,
        CwlColumn::ED,
        CwlColumn::ResEU,
        CwlColumn::ResETU,
        CwlColumn::ResEC,
        CwlColumn::ResETC,
        CwlColumn::ResED,
    ];

    /// cwl_eval's heading for the column.
    pub fn name(self) -> &'static str {
        match self {
            CwlColumn::EU => "EU",
            CwlColumn::ETU => "ETU",
            CwlColumn::EC => "EC",
            CwlColumn::ETC => "ETC",
            CwlColumn::ED => "ED",
            CwlColumn::ResEU => "ResEU",
            CwlColumn::ResETU => "ResETU",
            CwlColumn::ResEC => "ResEC",
            CwlColumn::ResETC => "ResETC",
            CwlColumn::ResED => "ResED",
        }
    }

    /// The column named `name` (cwl_eval's heading).
    pub fn parse(name: &str) -> Option<CwlColumn> {
        CwlColumn::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Its index among the five plain columns, and whether it is a residual.
    fn split(self) -> (usize, bool) {
        let i = CwlColumn::ALL.iter().position(|&c| c == self).unwrap_or(0);
        (i % 5, i >= 5)
    }
}

/// How labels become gains, and which column a measure reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CwlParams {
    /// Labels at or below it gain 0 (ir_measures' `min_rel`, default 0).
    pub min_rel: f64,
    /// Labels at or above it gain 1 (ir_measures' `max_rel`, required; NaN until given).
    pub max_rel: f64,
    pub column: CwlColumn,
}

impl CwlParams {
    /// The defaults: `min_rel=0`, `max_rel` not given, `EU`.
    pub const DEFAULT: CwlParams = CwlParams {
        min_rel: 0.0,
        max_rel: f64::NAN,
        column: CwlColumn::EU,
    };
}

/// A C/W/L user model: how `C(i)` follows from the gains (and unit costs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CwlModel {
    /// INST (Moffat et al., ADCS 2015; `cwl_inst.py`):
    /// `C(i) = ((i + 1 + T + T_i - 1) / (i + 1 + T + T_i))^2`, `T_i = T - sum_{j <= i} g(j)`.
    Inst { t: f64 },
    /// INSQ (Moffat et al., ADCS 2012; `cwl_insq.py`): `C(i) = ((i + 2T) / (i + 1 + 2T))^2`.
    Insq { t: f64 },
    /// BPM, static (Zhang et al., SIGIR 2017; `cwl_bpm.py` `BPMCWLMetric`): continue while the
    /// gain so far is below `T` and the cost so far below `K`.
    /// Dynamic (`BPMDCWLMetric`): after each document of the gain run, `T += hb (g(i) - gain_med)`.
    /// cwl_eval 1.0.12's cost run updates `T`, not `K`, with `hc`, after the gain run is over,
    /// so `hc` changes nothing; rankwise mirrors it.
    Bpm {
        t: f64,
        k: usize,
        dynamic: Option<BpmDynamic>,
    },
    /// NERR eq. 8 (Azzopardi, Mackenzie & Moffat, ICTIR 2021; `cwl_nerr.py`):
    /// `C(i) = 1 - g(i)` for `i < k - 1`, else 0.
    Nerr8 { k: usize },
    /// NERR eq. 9: `C(i) = (i + 1) / (i + 2) (1 - g(i))` for `i < k - 1`, else 0.
    Nerr9 { k: usize },
    /// NERR eq. 10: `C(i) = phi (1 - g(i))`.
    Nerr10 { phi: f64 },
    /// NERR eq. 11: `C(i) = ((i + 2T) / (i + 1 + 2T))^2 (1 - g(i))`.
    Nerr11 { t: f64 },
    /// RBP (Moffat & Zobel, TOIS 2008; `cwl_rbp.py`): `C(i) = theta`.
    Rbp { theta: f64 },
}

/// The dynamic BPM's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BpmDynamic {
    pub hb: f64,
    pub hc: f64,
    pub gain_med: f64,
}

/// How a ranked label becomes a gain in `[0, 1]`.
#[derive(Debug, Clone, Copy)]
pub enum CwlGain {
    /// `(clamp(max(l, 0), min_rel, max_rel) - min_rel) / (max_rel - min_rel)`.
    Scaled { min_rel: f64, max_rel: f64 },
    /// 1 when `max(l, 0) >= rel`, else 0.
    Binary { rel: f64 },
}

impl CwlGain {
    #[inline]
    fn of(self, label: f64) -> f64 {
        let l = label.max(0.0);
        match self {
            CwlGain::Scaled { min_rel, max_rel } => {
                (l.clamp(min_rel, max_rel) - min_rel) / (max_rel - min_rel)
            }
            CwlGain::Binary { rel } => {
                if l >= rel {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// The value of `column` of `model` on `q`.
pub fn cwl_measure(q: &RankedQuery<'_>, model: CwlModel, gain: CwlGain, column: CwlColumn) -> f64 {
    let (i, residual) = column.split();
    let worst = scores(q, model, gain, true)[i];
    if residual {
        scores(q, model, gain, false)[i] - worst
    } else {
        worst
    }
}

/// `[EU, ETU, EC, ETC, ED]` in the worst case (`worst`: unjudged gain 0) or the best.
#[allow(clippy::cast_precision_loss)]
fn scores(q: &RankedQuery<'_>, model: CwlModel, gain: CwlGain, worst: bool) -> [f64; 5] {
    let rank = |i: usize| (i + 1) as f64;
    match model {
        CwlModel::Inst { t } => {
            let mut cum = 0.0;
            walk(q, gain, worst, |i, g| {
                cum += g;
                let ti = t - cum;
                let x = (rank(i) + t + ti - 1.0) / (rank(i) + t + ti);
                x * x
            })
        }
        CwlModel::Insq { t } => walk(q, gain, worst, |i, _| {
            let x = (rank(i) + 2.0 * t - 1.0) / (rank(i) + 2.0 * t);
            x * x
        }),
        CwlModel::Bpm { t, k, dynamic } => {
            // continue while the gain so far is below T (moving, when dynamic) and the cost
            // so far (i + 1) below K; both runs are prefixes of the ranking
            let (mut cum, mut target, mut gain_run) = (0.0, t, true);
            walk(q, gain, worst, |i, g| {
                cum += g;
                gain_run = gain_run && cum < target;
                if gain_run && let Some(d) = dynamic {
                    target += d.hb * (g - d.gain_med);
                }
                if gain_run && rank(i) < k as f64 {
                    1.0
                } else {
                    0.0
                }
            })
        }
        CwlModel::Nerr8 { k } => walk(q, gain, worst, |i, g| if i + 1 < k { 1.0 - g } else { 0.0 }),
        CwlModel::Nerr9 { k } => walk(q, gain, worst, |i, g| {
            if i + 1 < k {
                (rank(i) / (rank(i) + 1.0)) * (1.0 - g)
            } else {
                0.0
            }
        }),
        CwlModel::Nerr10 { phi } => walk(q, gain, worst, |_, g| phi * (1.0 - g)),
        CwlModel::Nerr11 { t } => walk(q, gain, worst, |i, g| {
            let x = (rank(i) + 2.0 * t - 1.0) / (rank(i) + 2.0 * t);
            (x * x) * (1.0 - g)
        }),
        CwlModel::Rbp { theta } => walk(q, gain, worst, |_, _| theta),
    }
}

/// The C/W/L sums over the top [`CWL_MAX_RANKS`] ranks for the continuation `next(i, g(i))`
/// (each cwl_eval class's `c_vector`), in one pass: `P(i)`, its sum (ED), and the sums that
/// weigh gains and costs (costs are 1 per document, so `sum_{j <= i} c(j) = i + 1`).
///
/// The pass stops once `P(i) N^2` falls below `1e-20` of the expected depth: every term left
/// is at most `P(i) N` and they sum to less than `P(i) N^2`, far below the rounding of the
/// sums. A continuation of 0 stops it at once (BPM, NERR8, NERR9).
#[allow(clippy::cast_precision_loss)]
fn walk(
    q: &RankedQuery<'_>,
    gain: CwlGain,
    worst: bool,
    mut next: impl FnMut(usize, f64) -> f64,
) -> [f64; 5] {
    const N: usize = CWL_MAX_RANKS;
    const NEGLIGIBLE: f64 = 1e-20 / (N * N) as f64;
    let missing = if worst { 0.0 } else { 1.0 };
    let retrieved = q.num_ret.min(N);
    let between = if q.others_judged {
        gain.of(0.0)
    } else {
        missing
    };
    let mut hits = q.hits_before(retrieved).iter().peekable();
    let mut sums = Sums {
        reach: 1.0,
        depth: 0.0,
        wg: 0.0,
        etu: 0.0,
        etc: 0.0,
        cum_gain: 0.0,
    };
    // Two loops, one body: the ranks of the ranking (gains from the hits), then the ranks
    // past its end (a constant gain, no lookup). Same operations in the same order as one
    // loop, so the same bits; the second loop is the long one for slow-decaying models.
    let mut stopped = false;
    for i in 0..retrieved {
        let g = if let Some(h) = hits.next_if(|h| h.rank as usize == i) {
            gain.of(h.label)
        } else {
            between
        };
        if sums.step(i, g, next(i, g), NEGLIGIBLE) {
            stopped = true;
            break;
        }
    }
    if !stopped {
        for i in retrieved..N {
            if sums.step(i, missing, next(i, missing), NEGLIGIBLE) {
                break;
            }
        }
    }
    let Sums {
        depth,
        wg,
        etu,
        etc,
        ..
    } = sums;
    let w0 = 1.0 / depth;
    // EC = sum_i W(i) * 1
    [wg * w0, etu, depth * w0, etc, depth]
}

/// The running sums of [`walk`].
struct Sums {
    reach: f64,
    depth: f64,
    wg: f64,
    etu: f64,
    etc: f64,
    cum_gain: f64,
}

impl Sums {
    /// Add rank `i` with gain `g` and continuation `c`; whether the pass may stop.
    #[inline(always)]
    #[allow(clippy::cast_precision_loss)]
    fn step(&mut self, i: usize, g: f64, c: f64, negligible: f64) -> bool {
        self.depth += self.reach;
        self.wg += self.reach * g;
        self.cum_gain += g;
        let stop = self.reach * (1.0 - c);
        self.etu += stop * self.cum_gain;
        self.etc += stop * (i + 1) as f64;
        self.reach *= c;
        self.reach < negligible * self.depth
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::test_support::{Owned, close};

    const SCALE3: CwlGain = CwlGain::Scaled {
        min_rel: 0.0,
        max_rel: 3.0,
    };

    #[test]
    fn rbp_columns_by_hand() {
        // gains 1, 0, 1 then nothing: W(i) = theta^i / sum_{i < N} theta^i
        let o = Owned::run(&[Some(3.0), Some(0.0), Some(3.0)], &[]);
        let theta: f64 = 0.5;
        let norm: f64 = (0..CWL_MAX_RANKS).map(|i| theta.powi(i as i32)).sum();
        let m = CwlModel::Rbp { theta };
        let eu = cwl_measure(&o.view(), m, SCALE3, CwlColumn::EU);
        assert!(close(eu, (1.0 + 0.25) / norm));
        let ed = cwl_measure(&o.view(), m, SCALE3, CwlColumn::ED);
        assert!(close(ed, norm));
        assert!(close(cwl_measure(&o.view(), m, SCALE3, CwlColumn::EC), 1.0));
    }

    #[test]
    fn bpm_static_stops_at_t_or_k() {
        // gains 1/3, 1/3, 1/3, 1: the gain run ends at rank 2 (sum 1 >= T = 1)
        let o = Owned::run(&[Some(1.0), Some(1.0), Some(1.0), Some(3.0)], &[]);
        let m = CwlModel::Bpm {
            t: 1.0,
            k: 10,
            dynamic: None,
        };
        // C = 1, 1, 0: three ranks of weight 1/3 each
        let eu = cwl_measure(&o.view(), m, SCALE3, CwlColumn::EU);
        assert!(close(eu, 1.0 / 3.0));
        assert!(close(cwl_measure(&o.view(), m, SCALE3, CwlColumn::ED), 3.0));
        assert!(close(
            cwl_measure(&o.view(), m, SCALE3, CwlColumn::ETU),
            1.0
        ));
        assert!(close(
            cwl_measure(&o.view(), m, SCALE3, CwlColumn::ETC),
            3.0
        ));
    }

    #[test]
    fn residuals_count_unjudged_as_fully_relevant() {
        // unjudged at rank 0, nothing else: worst EU 0; best every rank gains 1
        let o = Owned::run(&[None], &[]);
        let m = CwlModel::Nerr10 { phi: 0.9 };
        assert_eq!(cwl_measure(&o.view(), m, SCALE3, CwlColumn::EU), 0.0);
        // best case: g = 1 everywhere, C = 0: only rank 0, EU 1
        assert!(close(
            cwl_measure(&o.view(), m, SCALE3, CwlColumn::ResEU),
            1.0
        ));
    }
}
