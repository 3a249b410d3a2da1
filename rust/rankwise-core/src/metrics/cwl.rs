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
//! (label `>= rel`). Costs: 1 per document (cwl_eval's default without a cost file) for
//! `evaluate`'s measures; [`Costed`] rankings (`crate::cwl_eval`, cwl_eval's cost files) give
//! each rank its own cost, and a constant one past the end. Unjudged
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
        k: f64,
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
    /// Precision at `k` (`cwl_precision.py`): `C(i) = 1` for `i < k - 1`, else 0.
    Precision { k: usize },
    /// NDCG at `k` as a user model (Jarvelin & Kekalainen, TOIS 2002; `cwl_dcg.py`):
    /// `C(i) = log2(i + 2) / log2(i + 3)` for `i < k - 1`, else 0.
    Ndcg { k: usize },
    /// Reciprocal rank (`cwl_rr.py`): `C(i) = 1` until the first rank with a gain, 0 there.
    Rr,
}

/// BPM's cost limit `K` for a limit of `k` documents (each costs 1).
#[allow(clippy::cast_precision_loss)]
pub fn cost_limit(k: usize) -> f64 {
    k as f64
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
    let worst = scores(&labelled(q, gain, true), model, TAIL_STEPS)[i];
    if residual {
        scores(&labelled(q, gain, false), model, TAIL_STEPS)[i] - worst
    } else {
        worst
    }
}

/// The gain and cost of each rank of a ranking, as the C/W/L walk reads them.
pub trait Ranks {
    /// Number of ranks of the ranking (at most [`CWL_MAX_RANKS`] are read).
    fn len(&self) -> usize;
    /// Whether the ranking is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `(g(i), c(i))` of ranks `0, 1, ...` in order, each asked once.
    fn each(&self) -> impl FnMut(usize) -> (f64, f64);
    /// `(g, c)` of every rank past the ranking's end.
    fn past_end(&self) -> (f64, f64);
}

/// A [`RankedQuery`] whose labels become gains by `gain`, each document costing 1.
struct Labelled<'q, 'a> {
    q: &'q RankedQuery<'a>,
    gain: CwlGain,
    missing: f64,
}

fn labelled<'q, 'a>(q: &'q RankedQuery<'a>, gain: CwlGain, worst: bool) -> Labelled<'q, 'a> {
    Labelled {
        q,
        gain,
        missing: if worst { 0.0 } else { 1.0 },
    }
}

impl Ranks for Labelled<'_, '_> {
    fn len(&self) -> usize {
        self.q.num_ret
    }
    fn each(&self) -> impl FnMut(usize) -> (f64, f64) {
        let retrieved = self.q.num_ret.min(CWL_MAX_RANKS);
        let between = if self.q.others_judged {
            self.gain.of(0.0)
        } else {
            self.missing
        };
        let mut hits = self.q.hits_before(retrieved).iter().peekable();
        let gain = self.gain;
        move |i| {
            let g = if let Some(h) = hits.next_if(|h| h.rank as usize == i) {
                gain.of(h.label)
            } else {
                between
            };
            (g, 1.0)
        }
    }
    fn past_end(&self) -> (f64, f64) {
        (self.missing, 1.0)
    }
}

/// A ranking given as its gains and costs rank by rank, as cwl_eval's `Ranking` holds it
/// (`cwl/ruler/ranking.py`): a NaN gain (unjudged) or cost (unknown element type) is resolved
/// to `min_gain`/`max_cost` in the worst case and `max_gain`/`min_cost` in the best, and so
/// is every rank past the end.
pub struct Costed<'a> {
    pub gains: &'a [f64],
    pub costs: &'a [f64],
    /// `(gain, cost)` for unjudged / unknown ranks and past the end.
    pub fill: (f64, f64),
}

impl Ranks for Costed<'_> {
    fn len(&self) -> usize {
        self.gains.len()
    }
    fn each(&self) -> impl FnMut(usize) -> (f64, f64) {
        let (gains, costs, (fg, fc)) = (self.gains, self.costs, self.fill);
        move |i| {
            let g = gains[i];
            let c = costs[i];
            (
                if g.is_nan() { fg } else { g },
                if c.is_nan() { fc } else { c },
            )
        }
    }
    fn past_end(&self) -> (f64, f64) {
        self.fill
    }
}

/// The five plain columns `[EU, ETU, EC, ETC, ED]` of `model` on `ranks`.
pub fn cwl_columns(ranks: &impl Ranks, model: CwlModel) -> [f64; 5] {
    scores(ranks, model, TAIL_STEPS)
}

/// `[EU, ETU, EC, ETC, ED]` in the worst case (`worst`: unjudged gain 0) or the best.
#[allow(clippy::cast_precision_loss)]
fn scores(ranks: &impl Ranks, model: CwlModel, steps: usize) -> [f64; 5] {
    let pass = Pass { ranks, steps };
    let rank = |i: usize| (i + 1) as f64;
    match model {
        CwlModel::Inst { t } => {
            let mut cum = 0.0;
            pass.walk(
                |i, g, _| {
                    cum += g;
                    let ti = t - cum;
                    let x = (rank(i) + t + ti - 1.0) / (rank(i) + t + ti);
                    x * x
                },
                |r, cum, g| {
                    if g == 0.0 {
                        // T_i stays put: C(i) = ((i + 2T - cum) / (i + 1 + 2T - cum))^2
                        Tail::Hyperbolic(2.0 * t - cum)
                    } else {
                        // every rank gains 1: i + 1 - cum(i) stays r - cum, so C is constant
                        let b = r as f64 - 1.0 + 2.0 * t - cum;
                        let x = b / (b + 1.0);
                        Tail::Geometric(x * x)
                    }
                },
            )
        }
        CwlModel::Insq { t } => pass.walk(
            |i, _, _| {
                let x = (rank(i) + 2.0 * t - 1.0) / (rank(i) + 2.0 * t);
                x * x
            },
            |_, _, _| Tail::Hyperbolic(2.0 * t),
        ),
        CwlModel::Bpm { t, k, dynamic } => {
            // continue while the gain so far is below T (moving, when dynamic) and the cost
            // so far below K; both runs are prefixes of the ranking
            let (mut cum, mut target, mut gain_run) = (0.0, t, true);
            pass.walk(
                |_, g, cost| {
                    cum += g;
                    gain_run = gain_run && cum < target;
                    if gain_run && let Some(d) = dynamic {
                        target += d.hb * (g - d.gain_med);
                    }
                    if gain_run && cost < k { 1.0 } else { 0.0 }
                },
                |_, _, _| Tail::Walk,
            )
        }
        CwlModel::Nerr8 { k } => pass.walk(
            |i, g, _| if i + 1 < k { 1.0 - g } else { 0.0 },
            |_, _, _| Tail::Walk,
        ),
        CwlModel::Nerr9 { k } => pass.walk(
            |i, g, _| {
                if i + 1 < k {
                    (rank(i) / (rank(i) + 1.0)) * (1.0 - g)
                } else {
                    0.0
                }
            },
            |_, _, _| Tail::Walk,
        ),
        CwlModel::Nerr10 { phi } => pass.walk(
            |_, g, _| phi * (1.0 - g),
            |_, _, g| Tail::Geometric(phi * (1.0 - g)),
        ),
        CwlModel::Nerr11 { t } => pass.walk(
            |i, g, _| {
                let x = (rank(i) + 2.0 * t - 1.0) / (rank(i) + 2.0 * t);
                (x * x) * (1.0 - g)
            },
            |_, _, g| {
                if g == 0.0 {
                    Tail::Hyperbolic(2.0 * t)
                } else {
                    Tail::Geometric(0.0)
                }
            },
        ),
        CwlModel::Rbp { theta } => pass.walk(|_, _, _| theta, |_, _, _| Tail::Geometric(theta)),
        CwlModel::Precision { k } => pass.walk(
            |i, _, _| if i + 1 < k { 1.0 } else { 0.0 },
            |_, _, _| Tail::Walk,
        ),
        CwlModel::Ndcg { k } => pass.walk(
            |i, _, _| {
                if i + 1 < k {
                    // math.log(x, 2.0) as cwl_dcg.py computes it
                    let log2 = |x: f64| x.ln() / 2.0f64.ln();
                    log2(rank(i) + 1.0) / log2(rank(i) + 2.0)
                } else {
                    0.0
                }
            },
            |_, _, _| Tail::Walk,
        ),
        CwlModel::Rr => pass.walk(
            |_, g, _| if g > 0.0 { 0.0 } else { 1.0 },
            |_, _, g| Tail::Geometric(if g > 0.0 { 0.0 } else { 1.0 }),
        ),
    }
}

/// The continuation past the end of the ranking, where every rank gains the same `g` (0 in
/// the worst case, 1 in the best), as a closed form in the rank `i`.
#[derive(Debug, Clone, Copy)]
enum Tail {
    /// `C(i) = c`: `P(i) = P(r) c^(i - r)`.
    Geometric(f64),
    /// `C(i) = ((i + a) / (i + 1 + a))^2` with `r + a > 0`: the product telescopes to
    /// `P(i) = P(r) ((r + a) / (i + a))^2`.
    Hyperbolic(f64),
    /// No closed form: step rank by rank (BPM, NERR8, NERR9, which stop within their cutoff).
    Walk,
}

/// Below this many ranks past the ranking's end, [`Pass::walk`] steps through them.
const TAIL_STEPS: usize = 32;

/// One evaluation pass of [`scores`]: the query, its gains, the case, and how short a tail
/// [`Pass::walk`] steps through.
struct Pass<'r, R> {
    ranks: &'r R,
    steps: usize,
}

impl<R: Ranks> Pass<'_, R> {
    /// The C/W/L sums over the top [`CWL_MAX_RANKS`] ranks for the continuation `next(i, g(i))`
    /// (each cwl_eval class's `c_vector`): `P(i)`, its sum (ED), and the sums that weigh gains and
    /// costs (`ranks` gives each rank's gain and cost, and those past the end).
    ///
    /// The ranks of the ranking are stepped through in rank order, as cwl_eval's vectors run.
    /// Past the ranking's end every rank gains the same `g`, and `tail(r, G, g)` (`r` the first
    /// such rank, `G` the gain so far) gives the continuation there in closed form ([`Tail`]);
    /// with `S = sum_{i=r}^{N-1} P(i)` and `P(N)` from it, summation by parts gives the rest:
    /// `sum_i (P(i) - P(i+1)) h(i) = P(r) h(r) - P(N) h(N-1) + s (S - P(r))` for `h` linear with
    /// slope `s` (`h(i) = K + c (i - r + 1)` for ETC, `K` the cost so far and `c` the cost of
    /// every rank past the end; `G + g (i - r + 1)` for ETU). This turns the walk of up
    /// to 1,000 ranks into a few operations, at a price in the last bits: the tail is summed in
    /// another order than cwl_eval's (which itself sums pairwise with numpy), so values agree with
    /// the rank-by-rank sums to about `1e-14` relative (pinned at `1e-12` by
    /// `closed_tail_matches_stepping`), far inside the tests' `1e-9` against cwl_eval.
    ///
    /// Stepping stops once `P(i) N^2` falls below `1e-20` of the expected depth: every term left
    /// is at most `P(i) N` and they sum to less than `P(i) N^2`, far below the rounding of the
    /// sums. A continuation of 0 stops it at once (BPM, NERR8, NERR9).
    #[allow(clippy::cast_precision_loss)]
    fn walk(
        &self,
        mut next: impl FnMut(usize, f64, f64) -> f64,
        tail: impl FnOnce(usize, f64, f64) -> Tail,
    ) -> [f64; 5] {
        let Pass { ranks, steps } = *self;
        const N: usize = CWL_MAX_RANKS;
        const NEGLIGIBLE: f64 = 1e-20 / (N * N) as f64;
        let (missing, missing_cost) = ranks.past_end();
        let retrieved = ranks.len().min(N);
        let mut at = ranks.each();
        let mut sums = Sums {
            reach: 1.0,
            depth: 0.0,
            wg: 0.0,
            wc: 0.0,
            etu: 0.0,
            etc: 0.0,
            cum_gain: 0.0,
            cum_cost: 0.0,
        };
        // Two parts: the ranks of the ranking (gains from the hits), then the ranks past its
        // end (a constant gain), in closed form unless it is short or has none.
        let mut stopped = false;
        for i in 0..retrieved {
            let (g, c) = at(i);
            let cost = sums.cum_cost + c;
            if sums.step(g, c, next(i, g, cost), NEGLIGIBLE) {
                stopped = true;
                break;
            }
        }
        if !stopped {
            let law = if N - retrieved > steps {
                tail(retrieved, sums.cum_gain, missing)
            } else {
                Tail::Walk
            };
            match law {
                Tail::Walk => {
                    for i in retrieved..N {
                        let cost = sums.cum_cost + missing_cost;
                        let c = next(i, missing, cost);
                        if sums.step(missing, missing_cost, c, NEGLIGIBLE) {
                            break;
                        }
                    }
                }
                Tail::Geometric(c) => sums.tail(
                    retrieved,
                    (missing, missing_cost),
                    geometric(c, N - retrieved),
                ),
                Tail::Hyperbolic(a) => {
                    sums.tail(retrieved, (missing, missing_cost), hyperbolic(retrieved, a))
                }
            }
        }
        let Sums {
            depth,
            wg,
            wc,
            etu,
            etc,
            ..
        } = sums;
        let w0 = 1.0 / depth;
        [wg * w0, etu, wc * w0, etc, depth]
    }
}

/// `(sum_{j<n} c^j, c^n)`: the tail of a geometric law relative to `P(r)`, over `n` ranks.
#[allow(clippy::cast_precision_loss)]
fn geometric(c: f64, n: usize) -> (f64, f64) {
    let n_f = n as f64;
    if c == 1.0 {
        return (n_f, 1.0);
    }
    if c == 0.0 {
        return (1.0, 0.0);
    }
    // c^n = exp(n ln c), and 1 - c^n = -expm1(n ln c) without cancellation when c is near 1
    let ln = if c > 0.0 { (c - 1.0).ln_1p() } else { f64::NAN };
    if ln.is_nan() {
        let power = c.powi(i32::try_from(n).unwrap_or(i32::MAX));
        return ((1.0 - power) / (1.0 - c), power);
    }
    let x = n_f * ln;
    (-x.exp_m1() / (1.0 - c), x.exp())
}

/// `(sum_{i=r}^{N-1} ((r + a) / (i + a))^2, ((r + a) / (N + a))^2)`: the hyperbolic tail
/// relative to `P(r)`, `sum_{i=r}^{N-1} (i + a)^-2 = psi_1(r + a) - psi_1(N + a)`.
#[allow(clippy::cast_precision_loss)]
fn hyperbolic(r: usize, a: f64) -> (f64, f64) {
    let x = r as f64 + a;
    let end = CWL_MAX_RANKS as f64 + a;
    let s = x * x * (trigamma(x) - trigamma(end));
    let f = x / end;
    (s, f * f)
}

/// The trigamma function `psi_1(x) = sum_{i >= 0} (x + i)^-2` for `x > 0`: the recurrence
/// `psi_1(x) = psi_1(x + 1) + x^-2` up to `x >= 20`, then its asymptotic series
/// (Abramowitz & Stegun 6.4.12) to the `x^-11` term, whose remainder is below `1e-17` there.
fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 20.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let w = 1.0 / x;
    let w2 = w * w;
    let series = w
        + 0.5 * w2
        + w * w2
            * (1.0 / 6.0
                - w2 * (1.0 / 30.0 - w2 * (1.0 / 42.0 - w2 * (1.0 / 30.0 - w2 * (5.0 / 66.0)))));
    acc + series
}

/// The running sums of [`Pass::walk`].
struct Sums {
    reach: f64,
    depth: f64,
    wg: f64,
    wc: f64,
    etu: f64,
    etc: f64,
    cum_gain: f64,
    cum_cost: f64,
}

impl Sums {
    /// Add the next rank with gain `g`, cost `cost` and continuation `c`; whether the pass
    /// may stop.
    #[inline(always)]
    fn step(&mut self, g: f64, cost: f64, c: f64, negligible: f64) -> bool {
        self.depth += self.reach;
        self.wg += self.reach * g;
        self.wc += self.reach * cost;
        self.cum_gain += g;
        self.cum_cost += cost;
        let stop = self.reach * (1.0 - c);
        self.etu += stop * self.cum_gain;
        self.etc += stop * self.cum_cost;
        self.reach *= c;
        self.reach < negligible * self.depth
    }

    /// Add ranks `r..N`, each gaining `g` and costing `c`, given `(S, P(N))` relative to
    /// `P(r)` (see [`Pass::walk`]).
    #[allow(clippy::cast_precision_loss)]
    fn tail(&mut self, r: usize, (g, c): (f64, f64), (s_rel, end_rel): (f64, f64)) {
        let pr = self.reach;
        let s = pr * s_rel;
        let pn = pr * end_rel;
        self.depth += s;
        self.wg += g * s;
        self.wc += c * s;
        let span = (CWL_MAX_RANKS - r) as f64;
        // h(i) = G + g (i - r + 1): h(r) = G + g, h(N - 1) = G + g (N - r), slope g
        let g0 = self.cum_gain;
        self.etu += pr * (g0 + g) - pn * (g0 + g * span) + g * (s - pr);
        // the same with the cost so far and the constant cost c per rank
        let c0 = self.cum_cost;
        self.etc += pr * (c0 + c) - pn * (c0 + c * span) + c * (s - pr);
        self.cum_gain += g * span;
        self.cum_cost += c * span;
        self.reach = pn;
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
            k: 10.0,
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

    /// Checks that the closed tail gives `model`'s scores of `ranks` (`len` ranks) as stepping
    /// rank by rank to the 1,000th does, to 1e-12 relative; the largest relative difference.
    fn assert_tail_matches(ranks: &impl Ranks, model: CwlModel, len: usize) -> f64 {
        let fast = scores(ranks, model, TAIL_STEPS);
        let slow = scores(ranks, model, usize::MAX);
        let mut worst_rel = 0.0f64;
        for (a, b) in fast.iter().zip(slow) {
            let rel = (a - b).abs() / b.abs().max(1e-300);
            assert!(
                rel <= 1e-12 || (a - b).abs() < 1e-15,
                "{model:?} {len} {a} {b}"
            );
            worst_rel = worst_rel.max(rel);
        }
        worst_rel
    }

    #[test]
    fn closed_tail_matches_stepping() {
        // rankings of every length around the step threshold, judged and unjudged ranks,
        // against the same sums stepped rank by rank to the 1,000th
        let models = [
            CwlModel::Inst { t: 1.0 },
            CwlModel::Inst { t: 0.3 },
            CwlModel::Inst { t: 7.5 },
            CwlModel::Insq { t: 0.05 },
            CwlModel::Insq { t: 2.0 },
            CwlModel::Nerr10 { phi: 0.999 },
            CwlModel::Nerr10 { phi: 0.5 },
            CwlModel::Nerr11 { t: 1.0 },
            CwlModel::Rbp { theta: 0.8 },
            CwlModel::Rbp { theta: 0.999_999 },
            CwlModel::Rbp { theta: 1.0 },
        ];
        let mut worst_rel = 0.0f64;
        for len in [0usize, 1, 5, 100, 967, 968, 969, 999, 1000, 1200] {
            let ranked: Vec<Option<f64>> = (0..len)
                .map(|i| match (i * 7 + len) % 5 {
                    0 => None,
                    1 => Some(3.0),
                    2 => Some(1.0),
                    _ => Some(0.0),
                })
                .collect();
            let o = Owned::run(&ranked, &[]);
            for m in models {
                for worst in [true, false] {
                    let v = o.view();
                    let rel = assert_tail_matches(&labelled(&v, SCALE3, worst), m, len);
                    worst_rel = worst_rel.max(rel);
                }
            }
        }
        assert!(worst_rel > 0.0, "the closed form was never taken");
    }

    #[test]
    fn closed_tail_with_costs_matches_stepping() {
        // per-rank costs, unknown ones (NaN) and a tail cost other than 1
        let models = [
            CwlModel::Inst { t: 2.0 },
            CwlModel::Insq { t: 1.0 },
            CwlModel::Nerr10 { phi: 0.9 },
            CwlModel::Nerr11 { t: 1.5 },
            CwlModel::Rbp { theta: 0.95 },
            CwlModel::Rr,
        ];
        for len in [0usize, 3, 50, 968, 1000] {
            let gains: Vec<f64> = (0..len)
                .map(|i| [0.0, 0.5, f64::NAN, 0.0, 1.0][(i * 3 + len) % 5])
                .collect();
            let costs: Vec<f64> = (0..len)
                .map(|i| [0.5, 3.0, f64::NAN][(i + len) % 3])
                .collect();
            for fill in [(0.0, 2.5), (1.0, 0.25)] {
                let r = Costed {
                    gains: &gains,
                    costs: &costs,
                    fill,
                };
                for m in models {
                    assert_tail_matches(&r, m, len);
                }
            }
        }
    }

    #[test]
    fn trigamma_known_values() {
        // psi_1(1) = pi^2 / 6, psi_1(1/2) = pi^2 / 2
        let pi2 = std::f64::consts::PI * std::f64::consts::PI;
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-15);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 4e-15);
        // psi_1(x) - psi_1(x + 1) = x^-2
        for x in [0.1, 3.7, 19.9, 20.0, 250.5] {
            let d = trigamma(x) - trigamma(x + 1.0);
            assert!((d * x * x - 1.0).abs() < 1e-12, "{x}");
        }
    }
}
