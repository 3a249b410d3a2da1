//! Measure names: parsing, validation and what each measure needs from a ranking.
//!
//! Three spellings are accepted, so that code written for any of the usual tools works:
//! * **ir_measures** (canonical): `Name(key=value, ...)@k`, as `nDCG@10`,
//!   `nDCG(dcg=exp-log2)@10`, `AP(rel=2)@100`, `RBP(p=0.8)`, `IPrec@0.5`;
//! * **trec_eval**: `ndcg_cut_10`, `ndcg_cut.5,10`, `iprec_at_recall_0.10`, `set_F.0.5`; a
//!   family name without parameters (`P`, `iprec_at_recall`) expands to trec_eval's
//!   defaults, and a group (`official`, `set`, `all_trec`) to its measures;
//! * **ranx**: `name@k`, as `ndcg_burges@10`, and `rbp.95`.
//!
//! A measure keeps the name it was asked for; expansions get trec_eval's printed names.
//! Which names exist, and every other fact about a measure kind, is data: the rows of
//! [`MEASURES`]; this module only reads them.

use super::cwl::{BpmDynamic, CwlColumn, CwlParams};
use super::relstring::{self, RelString};
use super::table::{
    self, CutoffUse, MEASURES, MeasureInfo, Reads, TREC_GROUPS, TrecForm, TrecName,
};
use crate::error::{RankError, Result};

pub use super::table::ELEVEN_RECALL_LEVELS;

/// How a label becomes a gain in DCG-family measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gain {
    /// gain = label (trec_eval, pytrec_eval, ir_measures' default, sklearn).
    Linear,
    /// gain = 2^label - 1 (Burges et al. 2005; ranx `ndcg_burges`, gdeval).
    Exp2,
    /// A gain per label, the label itself for labels the map does not name (ir_measures'
    /// `nDCG(gains={0:0,1:1,2:3})`, which relabels the qrels before trec_eval's `ndcg`).
    Custom(GainMap),
}

/// Most labels a custom gain map names (graded scales have a handful).
pub const GAIN_MAP_CAPACITY: usize = 8;

/// A custom gain map: integer labels in `0..=65535` to finite gains `>= 0`. Fixed-size
/// arrays, so that measures stay small, `Copy`, and need no allocation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GainMap {
    len: u8,
    labels: [u16; GAIN_MAP_CAPACITY],
    gains: [f64; GAIN_MAP_CAPACITY],
}

impl GainMap {
    /// The gain of `label`: the map's value, or the label itself.
    #[inline]
    pub fn get(&self, label: f64) -> f64 {
        self.entries()
            .find(|&(l, _)| f64::from(l) == label)
            .map_or(label, |(_, g)| g)
    }

    /// The `(label, gain)` pairs, in the order they were given.
    pub fn entries(&self) -> impl Iterator<Item = (u16, f64)> + '_ {
        let n = usize::from(self.len);
        self.labels[..n]
            .iter()
            .copied()
            .zip(self.gains[..n].iter().copied())
    }
}

/// What a measure computes; cutoff and relevance level live in [`Measure`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MeasureKind {
    Ndcg(Gain),
    Dcg(Gain),
    Err {
        max_grade: f64,
    },
    AP,
    GmAP,
    RR,
    P,
    R,
    Rprec,
    Success,
    IPrec {
        recall: f64,
    },
    /// `RBP(p=)`; `column=` picks a C/W/L column other than the expected utility.
    Rbp {
        p: f64,
        column: CwlColumn,
    },
    Bpref,
    Judged,
    NumRet,
    NumRel,
    NumRelRet,
    NumQ,
    // trec_eval's remaining measures (`-m all_trec`, pytrec_eval's `supported_measures`).
    /// `set_P`: precision of the whole retrieved set.
    SetP,
    /// `set_recall`.
    SetRecall,
    /// `set_relative_P`.
    SetRelativeP,
    /// `set_map`: set precision times set recall.
    SetMap,
    /// `set_F`: weighted harmonic mean of set precision and recall.
    SetF {
        beta: f64,
    },
    /// `utility`: linear utility with coefficients for rel_ret, nonrel_ret, rel_not_ret,
    /// nonrel_not_ret.
    Utility {
        coef: [f64; 4],
        /// trec_eval's `-N`: documents in the collection, in the 4th coefficient's term
        /// `num_docs_in_coll + rel_ret - ret - rel` (0 unless given).
        num_docs_in_coll: i64,
    },
    /// `num_nonrel_judged_ret`.
    NumNonrelJudgedRet,
    /// `yaap`: Robertson's "yet another average precision" (trec_eval `m_yaap.c`).
    Yaap,
    /// `relative_P.k`: P@k over the best P@k possible.
    RelativeP,
    /// `Rprec_mult`: precision at `mult * R` documents.
    RprecMult {
        mult: f64,
    },
    /// `11pt_avg`: interpolated precision averaged over the 11 standard recall levels.
    IPrecAvg11,
    /// `gm_bpref`: bpref summarised by a geometric mean.
    GmBpref,
    /// `infAP`: inferred average precision.
    InfAP,
    /// `binG`: binary G.
    BinG,
    /// `G`: normalised gain.
    G,
    /// `ndcg_rel`: nDCG averaged over relevant documents.
    NdcgRel,
    /// `Rndcg`: nDCG averaged at the R levels.
    Rndcg,
    // ir_measures' measures that trec_eval lacks.
    /// `SDCG(max_rel=m)@k`: DCG@k of labels scaled to [0, 1], over the DCG@k of k documents of
    /// gain 1 (cwl_eval's `NDCG-k`).
    Sdcg {
        min_rel: f64,
        max_rel: f64,
    },
    /// `Compat(p=, normalize=)`: rank-biased overlap with the ideal ranking (Clarke et al.).
    Compat {
        p: f64,
        normalize: bool,
    },
    /// `Accuracy@k`: the share of (relevant, non-relevant) pairs of the top k ranked in order.
    Accuracy,
    // BEIR's measures.
    /// `recall_cap@k`: relevant documents in the top k over `min(k, R)`.
    RecallCap,
    // cwl_eval's C/W/L user models, named as ir_measures' `cwl_eval` provider names them.
    /// `INST(T=, max_rel=)`.
    Inst {
        t: f64,
        cwl: CwlParams,
    },
    /// `INSQ(T=, max_rel=)`.
    Insq {
        t: f64,
        cwl: CwlParams,
    },
    /// `BPM(T=, max_rel=)@K`; dynamic with `dynamic=True` (or any of `hb`, `hc`, `gain_med`).
    Bpm {
        t: f64,
        dynamic: Option<BpmDynamic>,
        cwl: CwlParams,
    },
    /// `NERR8(max_rel=)@k`.
    Nerr8 {
        cwl: CwlParams,
    },
    /// `NERR9(max_rel=)@k`.
    Nerr9 {
        cwl: CwlParams,
    },
    /// `NERR10(p=, max_rel=)`.
    Nerr10 {
        p: f64,
        cwl: CwlParams,
    },
    /// `NERR11(T=, max_rel=)`.
    Nerr11 {
        t: f64,
        cwl: CwlParams,
    },
    /// BEIR's `hole@k`: the share of the top k (over k) that is not judged.
    Hole,
    // trec_eval 10.0's measures (`m_rbp.c`, `m_rbp_resid.c`, `m_unjudged.c`).
    /// trec_eval 10.0's `rbp`: graded RBP, labels over the largest when it is above 1.
    TrecRbp {
        p: f64,
    },
    /// trec_eval 10.0's `rbp_resid`: RBP's residual from unjudged documents.
    RbpResid {
        p: f64,
    },
    /// trec_eval 10.0's `unj`: unjudged documents in the top k, over k.
    Unj,
}

/// The pattern of the measure kinds that carry C/W/L parameters, binding them to `$cwl`: one
/// list for [`MeasureKind::cwl_params`] and its `mut` twin, which differ only in borrowing.
macro_rules! cwl_kinds {
    ($cwl:ident) => {
        MeasureKind::Inst { $cwl, .. }
            | MeasureKind::Insq { $cwl, .. }
            | MeasureKind::Bpm { $cwl, .. }
            | MeasureKind::Nerr8 { $cwl }
            | MeasureKind::Nerr9 { $cwl }
            | MeasureKind::Nerr10 { $cwl, .. }
            | MeasureKind::Nerr11 { $cwl, .. }
    };
}

impl MeasureKind {
    /// The C/W/L gain scale and column of a cwl_eval user model.
    pub fn cwl_params(&self) -> Option<&CwlParams> {
        match self {
            cwl_kinds!(cwl) => Some(cwl),
            _ => None,
        }
    }

    fn cwl_params_mut(&mut self) -> Option<&mut CwlParams> {
        match self {
            cwl_kinds!(cwl) => Some(cwl),
            _ => None,
        }
    }
}

/// How per-query values become one number for a set of queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Arithmetic mean (all averaged measures).
    Mean,
    /// Sum over queries (trec_eval's summary of `num_ret`, `num_rel`, `num_rel_ret`, `num_q`).
    Sum,
    /// `exp(mean(log(max(v, 1e-5))))`: trec_eval's `gm_map` (`MIN_GEO_MEAN = .00001`).
    GeometricMean,
}

/// trec_eval's floor for values entering a geometric mean (`MIN_GEO_MEAN` in `trec_eval.h`).
pub const MIN_GEO_MEAN: f64 = 0.00001;

/// One measure, ready to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// The name results are reported under (as requested, or trec_eval's for expansions).
    pub name: String,
    pub kind: MeasureKind,
    /// Rank cutoff `k`; `None` = the whole ranking.
    pub cutoff: Option<usize>,
    /// Relevance level for binary measures; `None` = the evaluation's `rel_level`.
    pub rel: Option<f64>,
    /// ir_measures' `judged_only=True`: measure the ranking without its unjudged documents
    /// (trec_eval's `-J`, for this measure only).
    pub judged_only: bool,
    /// The trec_eval version whose arithmetic it follows where versions differ
    /// ([`TrecEval`]).
    pub trec_eval: TrecEval,
}

/// A trec_eval version whose results rankwise reproduces. Versions differ on purpose in:
/// * the number of relevant documents a recall level stands for in `iprec_at_recall` and
///   `11pt_avg`: `(long)(level * R + 0.9)` in 9.0.x, `lround(level * R)` in 10.0
///   (usnistgov/trec_eval commits 2a9e214 and 2d77a47, "Breaking fix: change uses of int
///   truncation to round/floor" in its CHANGELOG); `Rprec_mult` kept 9.0's rounding;
/// * scores: read as `float` in 9.0.x and as `double` in 10.0 (commit dc0c991), so scores
///   equal in single precision tie in 9.0.x only (see [`TrecEval::score_precision`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrecEval {
    /// trec_eval 9.0.4 to 9.0.8 (the same results): the default.
    #[default]
    V9,
    /// trec_eval 10.0 (2026-06-17).
    V10,
}

crate::choice!(TrecEval, "trec_eval", {
    "9.0" => TrecEval::V9,
    "10.0" => TrecEval::V10,
});

impl TrecEval {
    /// The number of relevant documents that recall `level` of `num_rel` stands for in
    /// `iprec_at_recall` and `11pt_avg`.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn recall_cutoff(self, level: f64, num_rel: usize) -> usize {
        #[allow(clippy::cast_precision_loss)]
        let x = level * num_rel as f64;
        match self {
            // `(long) (cutoff_percents[i] * rr.num_rel + 0.9)`: truncation toward zero.
            TrecEval::V9 => (x + 0.9) as usize,
            // `lround(cutoff_percents[i] * rr.num_rel)`: halves away from zero, as `round`.
            TrecEval::V10 => x.round() as usize,
        }
    }

    /// The precision at which the version compares scores (`float` in 9.0.x, `double` in
    /// 10.0).
    pub fn score_precision(self) -> crate::ranking::ScorePrecision {
        match self {
            TrecEval::V9 => crate::ranking::ScorePrecision::F32,
            TrecEval::V10 => crate::ranking::ScorePrecision::F64,
        }
    }
}

/// How much of a ranking a measure reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The top `k` documents.
    Top(usize),
    /// The top `R` documents, `R` = number of relevant judged documents (R-precision).
    NumRel,
    /// Every document.
    All,
}

impl Measure {
    fn new(name: &str, kind: MeasureKind, cutoff: Option<usize>, rel: Option<f64>) -> Self {
        Measure {
            name: name.to_owned(),
            kind,
            cutoff,
            rel,
            judged_only: false,
            trec_eval: TrecEval::V9,
        }
    }

    /// Parse one name into one or more measures (trec_eval families expand).
    pub fn parse(name: &str) -> Result<Vec<Measure>> {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err(unknown(name));
        }
        if relstring::is_relstring(trimmed) {
            return Err(RankError::InvalidMeasure {
                name: trimmed.to_owned(),
                reason: "relstring is trec_eval's string of the labels of the first documents \
                         of each ranking, not a number: `rankwise eval -q -m relstring` prints \
                         it (trec_eval's text output); the Python API and `rankwise eval \
                         --format json|csv|table` give numbers only"
                    .into(),
            });
        }
        if let Some(row) = table::rel_info_row(trimmed) {
            let (formats, reader) = if row.rel_format == "prefs" {
                ("-R prefs or -R qrels_prefs", "rel_format=\"prefs\"")
            } else {
                ("-R qrels_jg", "rel_format=\"qrels_jg\"")
            };
            return Err(RankError::InvalidMeasure {
                name: trimmed.to_owned(),
                reason: format!(
                    "it is a measure of {} judgements, not of qrels: rankwise eval {formats}, \
                     or rankwise.rel_info.evaluate_rel_info(..., {reader})",
                    if row.rel_format == "prefs" {
                        "preference"
                    } else {
                        "judgement-group"
                    }
                ),
            });
        }
        if let Some(ms) = parse_trec(trimmed)? {
            return Ok(ms);
        }
        if let Some(m) = parse_ranx(trimmed)? {
            return Ok(vec![m]);
        }
        if let Some(m) = parse_beir(trimmed)? {
            return Ok(vec![m]);
        }
        parse_ir_measures(trimmed).map(|m| vec![m])
    }

    /// Parse a name that must stand for exactly one measure.
    pub fn parse_one(name: &str) -> Result<Measure> {
        let mut ms = Measure::parse(name)?;
        if ms.len() == 1 {
            Ok(ms.remove(0))
        } else {
            Err(RankError::InvalidMeasure {
                name: name.to_owned(),
                reason: format!("it stands for {} measures; name one of them", ms.len()),
            })
        }
    }

    /// The row of [`MEASURES`] that describes this measure's kind.
    pub fn info(&self) -> &'static MeasureInfo {
        table::info(self.kind)
    }

    /// How per-query values of this measure are summarised.
    pub fn aggregate(&self) -> Aggregate {
        self.info().aggregate
    }

    /// Whether the measure depends on a relevance level.
    pub fn uses_relevance_level(&self) -> bool {
        self.info().relevance_level
    }

    /// How deep into the ranking the measure reads.
    pub fn depth(&self) -> Depth {
        if self.judged_only {
            return Depth::All; // the top k judged documents may lie anywhere
        }
        match self.info().reads {
            Reads::TopR => Depth::NumRel,
            Reads::Nothing => Depth::Top(0),
            Reads::Ranking => self.cutoff.map_or(Depth::All, Depth::Top),
        }
    }

    /// The trec_eval name this measure is printed under, if trec_eval has it: the one of
    /// its row whose form takes a cutoff exactly when the measure has one.
    pub fn trec_name(&self) -> Option<&'static TrecName> {
        let row = self.info();
        if !table::same_kind(row.kind, self.kind) {
            return None; // nDCG with exponential gain: not in trec_eval
        }
        row.trec_eval
            .iter()
            .find(|t| matches!(t.form, TrecForm::Cutoffs(_)) == self.cutoff.is_some())
    }

    fn validate(self, original: &str) -> Result<Measure> {
        let invalid = |reason: String| RankError::InvalidMeasure {
            name: original.to_owned(),
            reason,
        };
        let info = self.info();
        if self.cutoff.is_some() && info.cutoff == CutoffUse::None {
            return Err(invalid(format!("{} takes no cutoff", info.family)));
        }
        if self.cutoff == Some(0) {
            return Err(invalid(
                "the cutoff must be a positive integer; got 0".into(),
            ));
        }
        if info.cutoff == CutoffUse::Required && self.cutoff.is_none() {
            return Err(invalid(format!(
                "{} needs a cutoff, as in {}@10",
                info.family, info.family
            )));
        }
        if let Some(rel) = self.rel {
            if !info.relevance_level {
                return Err(invalid(format!(
                    "{} does not use a relevance level (rel=)",
                    info.family
                )));
            }
            if !(rel.is_finite() && rel > 0.0) {
                return Err(invalid(format!("rel must be a positive number; got {rel}")));
            }
        }
        match self.kind {
            MeasureKind::Rbp { p, .. }
            | MeasureKind::TrecRbp { p }
            | MeasureKind::RbpResid { p }
                if !(p > 0.0 && p < 1.0) =>
            {
                return Err(invalid(format!("p must be in (0, 1); got {p}")));
            }
            // cwl_eval's columns read the whole ranking; only the expected utility is cut at k
            MeasureKind::Rbp { column, .. } if column != CwlColumn::EU && self.cutoff.is_some() => {
                return Err(invalid(
                    "a cutoff applies only to RBP's expected utility (column=EU), not to the \
                     other C/W/L columns, which read the whole ranking"
                        .to_string(),
                ));
            }
            MeasureKind::Err { max_grade } if !(max_grade.is_finite() && max_grade > 0.0) => {
                return Err(invalid(format!(
                    "max_grade must be a positive number; got {max_grade}"
                )));
            }
            MeasureKind::RprecMult { mult } if !(mult.is_finite() && mult >= 0.0) => {
                return Err(invalid(format!(
                    "the multiple of R must be a non-negative number; got {mult}"
                )));
            }
            MeasureKind::SetF { beta } if !(beta.is_finite() && beta >= 0.0) => {
                return Err(invalid(format!(
                    "beta must be a non-negative number; got {beta}"
                )));
            }
            MeasureKind::IPrec { recall } if !(0.0..=1.0).contains(&recall) => {
                return Err(invalid(format!(
                    "the recall level must be in [0, 1]; got {recall}"
                )));
            }
            MeasureKind::Sdcg { max_rel, .. } if max_rel.is_nan() => {
                return Err(invalid(
                    "SDCG needs the top of the label scale, as in SDCG(max_rel=3)@10".into(),
                ));
            }
            MeasureKind::Sdcg { min_rel, max_rel } if min_rel >= max_rel => {
                return Err(invalid(format!(
                    "min_rel must be below max_rel; got min_rel={min_rel}, max_rel={max_rel}"
                )));
            }
            MeasureKind::Compat { p, .. } | MeasureKind::Nerr10 { p, .. }
                if !(p > 0.0 && p <= 1.0) =>
            {
                return Err(invalid(format!("p must be in (0, 1]; got {p}")));
            }
            MeasureKind::Inst { t, .. }
            | MeasureKind::Insq { t, .. }
            | MeasureKind::Nerr11 { t, .. }
                if !(t.is_finite() && t > 0.0) =>
            {
                return Err(invalid(format!("T must be a positive number; got {t}")));
            }
            MeasureKind::Bpm { t, dynamic, .. } => {
                let d = dynamic.unwrap_or(BPM_DYNAMIC);
                if ![t, d.hb, d.hc, d.gain_med].iter().all(|v| v.is_finite()) {
                    return Err(invalid(
                        "T, hb, hc and gain_med must be finite numbers".into(),
                    ));
                }
            }
            _ => {}
        }
        if let Some(cwl) = self.kind.cwl_params() {
            if cwl.max_rel.is_nan() {
                return Err(invalid(format!(
                    "{} needs the top of the label scale, as in {}(max_rel=3)",
                    info.family, info.family
                )));
            }
            if !(cwl.min_rel.is_finite() && cwl.max_rel.is_finite() && cwl.min_rel < cwl.max_rel) {
                return Err(invalid(format!(
                    "min_rel must be below max_rel; got min_rel={}, max_rel={}",
                    cwl.min_rel, cwl.max_rel
                )));
            }
        }
        Ok(self)
    }
}

/// The kind a `Levels` family gives at one value (`iprec_at_recall`, `Rprec_mult`).
fn at_level(kind: MeasureKind, level: f64) -> MeasureKind {
    match kind {
        MeasureKind::IPrec { .. } => MeasureKind::IPrec { recall: level },
        MeasureKind::RprecMult { .. } => MeasureKind::RprecMult { mult: level },
        other => other,
    }
}

/// The kind a `Params` name gives with its numeric parameters (`set_F.0.5`, `utility.1,-1,0,0`).
fn with_params(name: &str, kind: MeasureKind, params: &str) -> Result<MeasureKind> {
    Ok(match kind {
        MeasureKind::SetF { .. } => MeasureKind::SetF {
            beta: parse_f64_param(name, params)?,
        },
        MeasureKind::Utility { .. } => {
            let values = split_params(name, params, parse_f64_param)?;
            let coef: [f64; 4] =
                values
                    .try_into()
                    .map_err(|v: Vec<f64>| RankError::InvalidMeasure {
                        name: name.to_owned(),
                        reason: format!(
                            "utility takes 4 coefficients (rel_ret, nonrel_ret, rel_not_ret, \
                             nonrel_not_ret); got {}",
                            v.len()
                        ),
                    })?;
            MeasureKind::Utility {
                coef,
                num_docs_in_coll: 0,
            }
        }
        MeasureKind::TrecRbp { .. } => MeasureKind::TrecRbp {
            p: parse_p_pair(name, params)?,
        },
        MeasureKind::RbpResid { .. } => MeasureKind::RbpResid {
            p: parse_p_pair(name, params)?,
        },
        other => other,
    })
}

/// trec_eval 10.0's `name=value` parameters of `rbp` and `rbp_resid` (`get_param_pairs` in
/// `meas_init.c`): rankwise takes `p=` only (the last one given wins, as in `m_rbp.c`).
/// 10.0's `rbp` also reads integer names as gains of labels (`1=2`, `setup_gains` in
/// `gain_init.c`), and both ignore other names; rankwise refuses both.
fn parse_p_pair(name: &str, params: &str) -> Result<f64> {
    let mut p = 0.9;
    for pair in params.split(',') {
        match pair.split_once('=') {
            Some(("p", value)) => p = parse_f64_param(name, value)?,
            _ => {
                return Err(RankError::InvalidMeasure {
                    name: name.to_owned(),
                    reason: format!(
                        "trec_eval 10.0's {} takes p=value parameters here (as in \
                         {}.p=0.8); got {pair:?}",
                        name.split('.').next().unwrap_or(name),
                        name.split('.').next().unwrap_or(name),
                    ),
                });
            }
        }
    }
    Ok(p)
}

// ----------------------------------------------------------------------------------------
// trec_eval names

fn trec_lookup(name: &str) -> Option<(&'static MeasureInfo, &'static TrecName)> {
    MEASURES.iter().find_map(|row| {
        row.trec_eval
            .iter()
            .find(|t| t.name == name)
            .map(|t| (row, t))
    })
}

fn level_name(base: &str, level: f64) -> String {
    format!("{base}_{level:.2}")
}

fn expand_levels(
    original: &str,
    base: &str,
    kind: MeasureKind,
    levels: Vec<f64>,
) -> Result<Vec<Measure>> {
    levels
        .into_iter()
        .map(|x| {
            Measure::new(&level_name(base, x), at_level(kind, x), None, None).validate(original)
        })
        .collect()
}

fn expand_cutoffs(
    original: &str,
    base: &str,
    kind: MeasureKind,
    cutoffs: Vec<usize>,
) -> Result<Vec<Measure>> {
    cutoffs
        .into_iter()
        .map(|k| Measure::new(&format!("{base}_{k}"), kind, Some(k), None).validate(original))
        .collect()
}

fn parse_trec(name: &str) -> Result<Option<Vec<Measure>>> {
    if TREC_GROUPS.contains(&name) {
        let mut out = Vec::new();
        for n in table::trec_group(name) {
            out.extend(Measure::parse(n)?);
        }
        return Ok(Some(out));
    }
    // A bare name: one measure, or a family at its default cutoffs or levels.
    if let Some((row, t)) = trec_lookup(name) {
        return match t.form {
            TrecForm::Plain | TrecForm::Params(_) | TrecForm::DefaultOnly => {
                Ok(Some(vec![Measure::new(name, row.kind, None, None)]))
            }
            TrecForm::Cutoffs(defaults) => {
                expand_cutoffs(name, name, row.kind, defaults.to_vec()).map(Some)
            }
            TrecForm::Levels(defaults) => {
                expand_levels(name, name, row.kind, defaults.to_vec()).map(Some)
            }
        };
    }
    // With trec_eval parameters: `P.5,10`, `iprec_at_recall.0.1,0.5`, `set_F.0.5`.
    if let Some((base, params)) = name.split_once('.')
        && let Some((row, t)) = trec_lookup(base)
    {
        return match t.form {
            TrecForm::Cutoffs(_) => {
                let cutoffs = split_params(name, params, parse_cutoff)?;
                expand_cutoffs(name, base, row.kind, cutoffs).map(Some)
            }
            TrecForm::Levels(_) => {
                let levels = split_params(name, params, parse_f64_param)?;
                expand_levels(name, base, row.kind, levels).map(Some)
            }
            // ranx's `rbp.95` (p = 0.95): trec_eval's `rbp` takes `p=` pairs
            TrecForm::Params(_)
                if matches!(row.kind, MeasureKind::TrecRbp { .. }) && !params.contains('=') =>
            {
                Ok(None)
            }
            TrecForm::Params(_) => {
                let kind = with_params(name, row.kind, params)?;
                Measure::new(base, kind, None, None)
                    .validate(name)
                    .map(|m| Some(vec![m]))
            }
            TrecForm::DefaultOnly => Err(RankError::InvalidMeasure {
                name: name.to_owned(),
                reason: format!(
                    "rankwise computes trec_eval's {base} with its default parameters only"
                ),
            }),
            TrecForm::Plain => Err(RankError::InvalidMeasure {
                name: name.to_owned(),
                reason: format!("trec_eval's {base} takes no parameters here"),
            }),
        };
    }
    // One member of a family: `P_5`, `ndcg_cut_10`, `iprec_at_recall_0.10`, `Rprec_mult_0.20`.
    for row in MEASURES {
        for t in row.trec_eval {
            let Some(rest) = name
                .strip_prefix(t.name)
                .and_then(|rest| rest.strip_prefix('_'))
            else {
                continue;
            };
            match t.form {
                TrecForm::Levels(_) => {
                    let level = parse_f64_param(name, rest)?;
                    return Measure::new(name, at_level(row.kind, level), None, None)
                        .validate(name)
                        .map(|m| Some(vec![m]));
                }
                TrecForm::Cutoffs(_)
                    if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    let k = parse_cutoff(name, rest)?;
                    return Measure::new(name, row.kind, Some(k), None)
                        .validate(name)
                        .map(|m| Some(vec![m]));
                }
                _ => {}
            }
        }
    }
    Ok(None)
}

fn split_params<T>(
    name: &str,
    params: &str,
    parse: impl Fn(&str, &str) -> Result<T>,
) -> Result<Vec<T>> {
    params.split(',').map(|p| parse(name, p.trim())).collect()
}

fn parse_cutoff(name: &str, text: &str) -> Result<usize> {
    match text.parse::<usize>() {
        Ok(0) | Err(_) => Err(RankError::InvalidMeasure {
            name: name.to_owned(),
            reason: format!("the cutoff must be a positive integer; got {text:?}"),
        }),
        Ok(k) => Ok(k),
    }
}

fn parse_f64_param(name: &str, text: &str) -> Result<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| RankError::InvalidMeasure {
            name: name.to_owned(),
            reason: format!("expected a number; got {text:?}"),
        })
}

// ----------------------------------------------------------------------------------------
// ranx names

fn parse_ranx(name: &str) -> Result<Option<Measure>> {
    if let Some(p) = name.strip_prefix("rbp.") {
        // ranx: `rbp.95` is p = 0.95
        let p = parse_f64_param(name, &format!("0.{p}"))?;
        return Measure::new(
            name,
            MeasureKind::Rbp {
                p,
                column: CwlColumn::EU,
            },
            None,
            None,
        )
        .validate(name)
        .map(Some);
    }
    let (base, k) = match name.split_once('@') {
        Some((b, k)) => (b, Some(k)),
        None => (name, None),
    };
    // ranx spells RBP only with its dot (`rbp.95`, above).
    let Some(kind) = MEASURES
        .iter()
        .flat_map(|row| row.ranx)
        .find(|r| r.name == base && !matches!(r.kind, MeasureKind::Rbp { .. }))
        .map(|r| r.kind)
    else {
        return Ok(None);
    };
    let cutoff = k.map(|k| parse_cutoff(name, k)).transpose()?;
    Measure::new(name, kind, cutoff, None)
        .validate(name)
        .map(Some)
}

// ----------------------------------------------------------------------------------------
// BEIR names: name@k

fn parse_beir(name: &str) -> Result<Option<Measure>> {
    let (base, k) = match name.split_once('@') {
        Some((b, k)) => (b, Some(k)),
        None => (name, None),
    };
    let Some(row) = MEASURES.iter().find(|row| row.beir.contains(&base)) else {
        return Ok(None);
    };
    let Some(k) = k else {
        return Err(RankError::InvalidMeasure {
            name: name.to_owned(),
            reason: format!("BEIR's {base} needs a cutoff, as in {base}@10"),
        });
    };
    let cutoff = parse_cutoff(name, k)?;
    Measure::new(name, row.kind, Some(cutoff), None)
        .validate(name)
        .map(Some)
}

// ----------------------------------------------------------------------------------------
// ir_measures names: Name(key=value, ...)@cutoff

fn parse_ir_measures(name: &str) -> Result<Measure> {
    let (head, at) = match name.rsplit_once('@') {
        Some((h, a)) => (h, Some(a)),
        None => (name, None),
    };
    let (family_name, params) = match head.split_once('(') {
        Some((f, rest)) => {
            let inner = rest
                .strip_suffix(')')
                .ok_or_else(|| RankError::InvalidMeasure {
                    name: name.to_owned(),
                    reason: "unbalanced parentheses".into(),
                })?;
            (f, Some(inner))
        }
        None => (head, None),
    };
    let mut kind = MEASURES
        .iter()
        .find(|row| row.ir_measures.contains(&family_name))
        .map(|row| row.kind)
        .ok_or_else(|| unknown(name))?;
    let mut cutoff = None;
    if let Some(a) = at {
        if let MeasureKind::IPrec { recall } = &mut kind {
            *recall = parse_f64_param(name, a)?;
        } else {
            cutoff = Some(parse_cutoff(name, a)?);
        }
    }
    if let MeasureKind::IPrec { recall } = kind
        && recall.is_nan()
    {
        return Err(RankError::InvalidMeasure {
            name: name.to_owned(),
            reason: "IPrec needs a recall level, as in IPrec@0.5".into(),
        });
    }
    let mut rel = None;
    let mut judged_only = false;
    let mut dcg_given = false;
    for param in params.into_iter().flat_map(split_top_level) {
        let param = param.trim();
        if param.is_empty() {
            continue;
        }
        let (key, value) = param
            .split_once('=')
            .ok_or_else(|| RankError::InvalidMeasure {
                name: name.to_owned(),
                reason: format!("expected key=value parameters; got {param:?}"),
            })?;
        // ir_measures quotes strings: `nDCG(dcg='exp-log2')`.
        let (key, value) = (key.trim(), strip_quotes(value.trim()));
        let row = table::info(kind);
        match (key, &mut kind) {
            ("rel", _) => rel = Some(parse_f64_param(name, value)?),
            ("judged_only", _) if row.judged_only => judged_only = parse_bool(name, key, value)?,
            ("dcg" | "gain", MeasureKind::Ndcg(g) | MeasureKind::Dcg(g)) => {
                if matches!(g, Gain::Custom(_)) {
                    return Err(both_gains(name));
                }
                *g = parse_gain(name, key, value)?;
                dcg_given = true;
            }
            ("gains", MeasureKind::Ndcg(g) | MeasureKind::Dcg(g)) => {
                if dcg_given && *g != Gain::Linear {
                    return Err(both_gains(name));
                }
                *g = Gain::Custom(parse_gain_map(name, value)?);
            }
            (
                "p",
                MeasureKind::Rbp { p, .. }
                | MeasureKind::Compat { p, .. }
                | MeasureKind::Nerr10 { p, .. },
            ) => {
                *p = parse_f64_param(name, value)?;
            }
            (
                "T",
                MeasureKind::Inst { t, .. }
                | MeasureKind::Insq { t, .. }
                | MeasureKind::Bpm { t, .. }
                | MeasureKind::Nerr11 { t, .. },
            ) => *t = parse_f64_param(name, value)?,
            ("column", MeasureKind::Rbp { column, .. }) => *column = parse_column(name, value)?,
            ("dynamic", MeasureKind::Bpm { dynamic, .. }) => {
                *dynamic = parse_bool(name, key, value)?.then_some(BPM_DYNAMIC);
            }
            ("hb" | "hc" | "gain_med", MeasureKind::Bpm { dynamic, .. }) => {
                let d = dynamic.get_or_insert(BPM_DYNAMIC);
                let v = parse_f64_param(name, value)?;
                match key {
                    "hb" => d.hb = v,
                    "hc" => d.hc = v,
                    _ => d.gain_med = v,
                }
            }
            ("min_rel" | "max_rel" | "column", k) if k.cwl_params().is_some() => {
                if let Some(cwl) = k.cwl_params_mut() {
                    match key {
                        "min_rel" => cwl.min_rel = parse_f64_param(name, value)?,
                        "max_rel" => cwl.max_rel = parse_f64_param(name, value)?,
                        _ => cwl.column = parse_column(name, value)?,
                    }
                }
            }
            ("normalize", MeasureKind::Compat { normalize, .. }) => {
                *normalize = parse_bool(name, key, value)?;
            }
            ("min_rel", MeasureKind::Sdcg { min_rel, .. }) => {
                *min_rel = parse_f64_param(name, value)?;
            }
            ("max_rel", MeasureKind::Sdcg { max_rel, .. }) => {
                *max_rel = parse_f64_param(name, value)?;
            }
            ("dcg", MeasureKind::Sdcg { .. }) if value == "log2" => {}
            ("beta", MeasureKind::SetF { beta }) => *beta = parse_f64_param(name, value)?,
            ("max_grade", MeasureKind::Err { max_grade }) => {
                *max_grade = parse_f64_param(name, value)?;
            }
            ("cutoff", _) => cutoff = Some(parse_cutoff(name, value)?),
            _ => {
                return Err(RankError::InvalidMeasure {
                    name: name.to_owned(),
                    reason: format!(
                        "{} has no parameter {key:?} (parameters: {}{})",
                        row.family,
                        row.parameters,
                        if row.judged_only { ", judged_only" } else { "" }
                    ),
                });
            }
        }
    }
    // ir_measures spells num_rel_ret as NumRet(rel=l).
    if kind == MeasureKind::NumRet && rel.is_some() {
        kind = MeasureKind::NumRelRet;
    }
    let mut measure = Measure::new(name, kind, cutoff, rel);
    measure.judged_only = judged_only;
    measure.validate(name)
}

/// Split `key=value` parameters at the commas outside braces (`gains={0:0,1:1}, rel=2`).
fn split_top_level(params: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in params.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&params[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&params[start..]);
    out
}

/// `'text'` or `"text"` without its quotes; other text as it is.
fn strip_quotes(value: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

fn both_gains(name: &str) -> RankError {
    RankError::InvalidMeasure {
        name: name.to_owned(),
        reason: "gains= replaces the gain formula; give it without dcg=exp-log2 or gain=exp2"
            .into(),
    }
}

/// ir_measures' booleans: `True`/`False` (Python's spelling), `true`/`false`, `1`/`0`.
/// cwl_eval's defaults for the dynamic BPM (`BPMDCWLMetric`: `hb=1.0, hc=1.0, gain_med=0.5`).
const BPM_DYNAMIC: BpmDynamic = BpmDynamic {
    hb: 1.0,
    hc: 1.0,
    gain_med: 0.5,
};

/// A C/W/L output column: one of cwl_eval's headings (`EU`, `ETU`, ..., `ResED`).
fn parse_column(name: &str, value: &str) -> Result<CwlColumn> {
    CwlColumn::parse(value).ok_or_else(|| RankError::InvalidMeasure {
        name: name.to_owned(),
        reason: format!(
            "column must be one of cwl_eval's columns {}; got {value:?}",
            CwlColumn::ALL.map(CwlColumn::name).join(", ")
        ),
    })
}

fn parse_bool(name: &str, key: &str, value: &str) -> Result<bool> {
    match value {
        "True" | "true" | "1" => Ok(true),
        "False" | "false" | "0" => Ok(false),
        _ => Err(RankError::InvalidMeasure {
            name: name.to_owned(),
            reason: format!("{key} must be True or False; got {value:?}"),
        }),
    }
}

/// ir_measures' custom gains, a Python dict literal of integer labels to gains:
/// `{0: 0, 1: 1, 2: 3}`. Labels must be `>= 0`: the ideal ranking is built from the judged
/// labels a query has, and rankwise keeps no count of its negative (unjudged pool) labels.
fn parse_gain_map(name: &str, value: &str) -> Result<GainMap> {
    let invalid = |reason: String| RankError::InvalidMeasure {
        name: name.to_owned(),
        reason,
    };
    let inner = value
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .ok_or_else(|| {
            invalid(format!(
                "gains must be a dict such as {{0:0,1:1,2:3}}; got {value:?}"
            ))
        })?;
    let mut map = GainMap {
        len: 0,
        labels: [0; GAIN_MAP_CAPACITY],
        gains: [0.0; GAIN_MAP_CAPACITY],
    };
    for entry in inner.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (label, gain) = entry
            .split_once(':')
            .ok_or_else(|| invalid(format!("gains entries are label:gain; got {entry:?}")))?;
        let label: u16 = label.trim().parse().map_err(|_| {
            invalid(format!(
                "gains labels must be integers in 0..=65535; got {:?}",
                label.trim()
            ))
        })?;
        let gain = parse_f64_param(name, gain.trim())?;
        if gain < 0.0 {
            return Err(invalid(format!(
                "gains must be >= 0; got {gain} for label {label}"
            )));
        }
        if map.entries().any(|(l, _)| l == label) {
            return Err(invalid(format!("gains names label {label} twice")));
        }
        let n = usize::from(map.len);
        if n == GAIN_MAP_CAPACITY {
            return Err(invalid(format!(
                "gains names at most {GAIN_MAP_CAPACITY} labels"
            )));
        }
        map.labels[n] = label;
        map.gains[n] = gain;
        map.len += 1;
    }
    Ok(map)
}

/// ir_measures' `dcg=log2|exp-log2` and our `gain=linear|exp2`.
fn parse_gain(name: &str, key: &str, value: &str) -> Result<Gain> {
    match (key, value) {
        ("dcg", "log2") | ("gain", "linear") => Ok(Gain::Linear),
        ("dcg", "exp-log2") | ("gain", "exp2") => Ok(Gain::Exp2),
        _ => {
            let allowed = if key == "dcg" {
                "log2 or exp-log2"
            } else {
                "linear or exp2"
            };
            Err(RankError::InvalidMeasure {
                name: name.to_owned(),
                reason: format!("{key} must be {allowed}; got {value:?}"),
            })
        }
    }
}

// ----------------------------------------------------------------------------------------
// Errors with suggestions

/// The names suggestions are drawn from: every row's examples and trec_eval's groups.
fn suggestion_pool() -> Vec<String> {
    MEASURES
        .iter()
        .flat_map(table::examples)
        .chain(TREC_GROUPS.iter().map(|g| (*g).to_owned()))
        .collect()
}

fn unknown(name: &str) -> RankError {
    let lower = name.to_lowercase();
    let pool = suggestion_pool();
    let mut scored: Vec<(usize, &str)> = pool
        .iter()
        .map(|s| (edit_distance(&lower, &s.to_lowercase()), s.as_str()))
        .collect();
    scored.sort_by_key(|&(d, _)| d);
    let best = scored.first().map_or(usize::MAX, |&(d, _)| d);
    let limit = (name.chars().count() / 3).max(1);
    let suggestions = scored
        .iter()
        .take_while(|&&(d, _)| d == best && d <= limit)
        .take(3)
        .map(|&(_, s)| s.to_owned())
        .collect();
    RankError::UnknownMeasure {
        name: name.to_owned(),
        suggestions,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

// ----------------------------------------------------------------------------------------

/// The measures of one evaluation, parsed and de-duplicated by name.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureSet {
    measures: Vec<Measure>,
    /// trec_eval's `relstring`, where `-m` asks for it ([`MeasureSet::parse_trec_eval_args`]
    /// only): text beside the measures, which only the trec output prints.
    relstring: Option<RelString>,
    /// The trec_eval version of a set without measures (text only: `-m relstring`).
    version: TrecEval,
}

impl MeasureSet {
    /// Parse every name; the same reported name twice is kept once.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self> {
        Self::parse_keeping(names, |_, _| true)
    }

    /// [`MeasureSet::parse`], keeping of each name's measures those for which
    /// `keep(name, measure)` holds.
    fn parse_keeping<S: AsRef<str>>(
        names: &[S],
        keep: impl Fn(&str, &Measure) -> bool,
    ) -> Result<Self> {
        if names.is_empty() {
            return Err(RankError::invalid(
                "measures",
                "at least one measure name",
                "an empty list",
            ));
        }
        let mut measures: Vec<Measure> = Vec::new();
        for n in names {
            for m in Measure::parse(n.as_ref())? {
                if keep(n.as_ref(), &m) && !measures.iter().any(|x| x.name == m.name) {
                    measures.push(m);
                }
            }
        }
        Ok(MeasureSet::from_measures(measures))
    }

    /// Parse trec_eval's `-m` arguments as its command line reads them: each measure is
    /// computed once, with the parameters of the *first* `-m name.params` that names it. A
    /// later `-m name.params` is ignored, and a bare `-m name`, or a group such as `all_trec`
    /// that holds it, adds nothing to it (trec_eval 9.0.x and 10.0: `mark_measure` keeps
    /// every `name.params` in order, and `te_init_meas_*` in `meas_init.c` takes the first
    /// entry whose name matches). So `-m all_trec -m P.5` prints `P_5` and no other `P`, and
    /// `-m P.5 -m P.10` prints only `P_5`. [`MeasureSet::parse_for`], which the Python API
    /// and the pytrec_eval drop-in use, takes every parameter list given instead.
    ///
    /// trec_eval's text measures are not measures of the set: `runid` is left to the caller
    /// (the trec output's `runid` line), and `relstring` (`relstring.N`, or in `all_trec`),
    /// by the same first-parameters rule, becomes [`MeasureSet::relstring`]. Names that are
    /// all text give a set without measures (`-m relstring` prints only its lines).
    ///
    /// Returns the set and the names that were used (a later `name.params` left out), to
    /// hand to [`MeasureSet::use_trec_eval_param_names`].
    pub fn parse_trec_eval_args<S: AsRef<str>>(
        names: &[S],
        version: TrecEval,
    ) -> Result<(Self, Vec<String>)> {
        // The first `base.params` of each trec_eval measure; later ones are dropped.
        let mut first: Vec<(&str, &str)> = Vec::new();
        let mut used: Vec<String> = Vec::new();
        let (mut relstring, mut relstring_default) = (None, false);
        for n in names {
            let name = n.as_ref().trim();
            if name == "runid" {
                continue;
            }
            if relstring::is_relstring(name) {
                let asked = RelString::parse(name)?;
                if name == relstring::NAME {
                    relstring_default = true;
                } else if relstring.is_none() {
                    relstring = Some(asked);
                }
                continue;
            }
            relstring_default |= name == "all_trec";
            if let Some((base, _)) = name.split_once('.')
                && trec_lookup(base).is_some()
            {
                if first.iter().any(|(b, _)| *b == base) {
                    continue;
                }
                first.push((base, name));
            }
            used.push(name.to_owned());
        }
        // What the bare name of each such measure stands for (its default parameters): a
        // bare name or a group gives none of these.
        let mut defaults: Vec<String> = Vec::new();
        for (base, _) in &first {
            defaults.extend(Measure::parse(base).into_iter().flatten().map(|m| m.name));
        }
        let explicit = |name: &str| first.iter().any(|(_, full)| *full == name);
        let mut set = if used.is_empty() && !names.is_empty() {
            Self::from_measures(Vec::new())
        } else {
            Self::parse_keeping(&Self::expand_for(&used, version), |name, m| {
                explicit(name.trim()) || !defaults.contains(&m.name)
            })?
        };
        set.relstring = relstring.or_else(|| {
            relstring_default.then(|| RelString {
                len: relstring::DEFAULT_LEN,
                name: relstring::NAME.to_owned(),
            })
        });
        set.set_trec_eval(version);
        Ok((set, used))
    }

    /// Parse every name for a trec_eval version: as [`MeasureSet::parse`], each measure
    /// following `version`'s arithmetic. Under 10.0 the group `all_trec` also holds `rbp`,
    /// `rbp_resid` and `unj` (10.0's `trec_names` in `measures.c`, commit 4e0ebd0).
    pub fn parse_for<S: AsRef<str>>(names: &[S], version: TrecEval) -> Result<Self> {
        let mut set = MeasureSet::parse(&Self::expand_for(names, version))?;
        set.set_trec_eval(version);
        Ok(set)
    }

    /// The names with what `version`'s groups add: under 10.0, `all_trec` is followed by
    /// the measures 10.0 added to it.
    fn expand_for<S: AsRef<str>>(names: &[S], version: TrecEval) -> Vec<&str> {
        let mut expanded: Vec<&str> = Vec::new();
        for n in names {
            expanded.push(n.as_ref());
            if version == TrecEval::V10 && n.as_ref().trim() == "all_trec" {
                expanded.extend(table::ALL_TREC_SINCE_10);
            }
        }
        expanded
    }

    fn set_trec_eval(&mut self, version: TrecEval) {
        self.version = version;
        for m in &mut self.measures {
            m.trec_eval = version;
        }
    }

    /// The trec_eval version the measures follow (that of the first; [`MeasureSet::parse_for`]
    /// gives them all one), which also ranks a set without measures (`-m relstring`).
    pub fn trec_eval(&self) -> TrecEval {
        self.measures.first().map_or(self.version, |m| m.trec_eval)
    }

    /// Name the measures given numeric parameters in `asked` as trec_eval prints them:
    /// `set_F.0.5` as `set_F_0.5`, `utility.1,-1,0,0` as `utility_1,-1,0,0`, the parameters
    /// as written (`append_string` in trec_eval's `meas_init.c`). Elsewhere rankwise keeps
    /// the family's name (`set_F`), as pytrec_eval reports it.
    pub fn use_trec_eval_param_names<S: AsRef<str>>(&mut self, asked: &[S]) {
        for name in asked {
            let name = name.as_ref().trim();
            let Some((base, params)) = name.split_once('.') else {
                continue;
            };
            let Some((row, t)) = trec_lookup(base) else {
                continue;
            };
            if !matches!(t.form, TrecForm::Params(_)) {
                continue;
            }
            let Ok(kind) = with_params(name, row.kind, params) else {
                continue;
            };
            if let Some(m) = self
                .measures
                .iter_mut()
                .find(|m| m.name == base && m.kind == kind)
            {
                m.name = format!("{base}_{params}");
            }
        }
    }

    /// trec_eval's `-N`: the number of documents in the collection, which `utility`'s 4th
    /// coefficient multiplies (with `rel_ret - ret - rel`; [`super::set::utility`]).
    pub fn set_num_docs_in_coll(&mut self, num_docs_in_coll: i64) {
        for m in &mut self.measures {
            if let MeasureKind::Utility {
                num_docs_in_coll: n,
                ..
            } = &mut m.kind
            {
                *n = num_docs_in_coll;
            }
        }
    }

    /// Build from already parsed measures.
    pub fn from_measures(measures: Vec<Measure>) -> Self {
        MeasureSet {
            measures,
            relstring: None,
            version: TrecEval::V9,
        }
    }

    /// trec_eval's `relstring`, where asked ([`MeasureSet::parse_trec_eval_args`]).
    pub fn relstring(&self) -> Option<&RelString> {
        self.relstring.as_ref()
    }

    pub fn measures(&self) -> &[Measure] {
        &self.measures
    }

    pub fn len(&self) -> usize {
        self.measures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.measures.is_empty()
    }

    pub fn names(&self) -> Vec<&str> {
        self.measures.iter().map(|m| m.name.as_str()).collect()
    }

    /// How many top documents of a ranking of `num_ret` the set reads; `num_rel(rel)` gives
    /// the query's number of relevant documents at a relevance level (for R-precision).
    pub fn depth(&self, num_ret: usize, rel_level: f64, num_rel: impl Fn(f64) -> usize) -> usize {
        let mut depth = 0;
        for m in &self.measures {
            let d = match m.depth() {
                Depth::Top(k) => k,
                Depth::NumRel => num_rel(m.rel.unwrap_or(rel_level)),
                Depth::All => return num_ret,
            };
            depth = depth.max(d);
        }
        depth.min(num_ret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str) -> Measure {
        Measure::parse_one(name).unwrap()
    }

    #[test]
    fn ir_measures_names() {
        let m = one("nDCG@10");
        assert_eq!(
            (m.kind, m.cutoff),
            (MeasureKind::Ndcg(Gain::Linear), Some(10))
        );
        let m = one("nDCG(dcg='exp-log2')@5");
        assert_eq!((m.kind, m.cutoff), (MeasureKind::Ndcg(Gain::Exp2), Some(5)));
        assert_eq!(one("SetF(beta=0.5)").kind, MeasureKind::SetF { beta: 0.5 });
        let m = one("nDCG(dcg=exp-log2)@5");
        assert_eq!((m.kind, m.cutoff), (MeasureKind::Ndcg(Gain::Exp2), Some(5)));
        let m = one("P(rel=2)@5");
        assert_eq!(
            (m.kind, m.cutoff, m.rel),
            (MeasureKind::P, Some(5), Some(2.0))
        );
        assert_eq!(
            one("RBP(p=0.5)").kind,
            MeasureKind::Rbp {
                p: 0.5,
                column: CwlColumn::EU,
            }
        );
        assert_eq!(
            one("RBP").kind,
            MeasureKind::Rbp {
                p: 0.8,
                column: CwlColumn::EU,
            }
        );
        assert_eq!(one("IPrec@0.3").kind, MeasureKind::IPrec { recall: 0.3 });
        assert_eq!(one("ERR@20").kind, MeasureKind::Err { max_grade: 4.0 });
        assert_eq!(one("NumRet(rel=1)").kind, MeasureKind::NumRelRet);
        assert_eq!(one("MAP").kind, MeasureKind::AP);
        assert_eq!(one("AP").name, "AP");
    }

    #[test]
    fn ir_measures_names_trec_eval_lacks() {
        let m = one("SDCG(max_rel=3)@10");
        assert_eq!(
            (m.kind, m.cutoff),
            (
                MeasureKind::Sdcg {
                    min_rel: 0.0,
                    max_rel: 3.0
                },
                Some(10)
            )
        );
        assert_eq!(
            one("SDCG(dcg=log2, min_rel=1, max_rel=4)@5").kind,
            MeasureKind::Sdcg {
                min_rel: 1.0,
                max_rel: 4.0
            }
        );
        assert_eq!(
            one("Compat").kind,
            MeasureKind::Compat {
                p: 0.95,
                normalize: true
            }
        );
        assert_eq!(
            one("Compat(p=0.8,normalize=False)").kind,
            MeasureKind::Compat {
                p: 0.8,
                normalize: false
            }
        );
        let m = one("Accuracy(rel=2)@10");
        assert_eq!(
            (m.kind, m.cutoff, m.rel),
            (MeasureKind::Accuracy, Some(10), Some(2.0))
        );
        let m = one("nDCG(gains={0: 0, 1: 1, 2: 3}, judged_only=True)@10");
        let MeasureKind::Ndcg(Gain::Custom(map)) = m.kind else {
            panic!("{m:?}")
        };
        assert_eq!(
            map.entries().collect::<Vec<_>>(),
            [(0, 0.0), (1, 1.0), (2, 3.0)]
        );
        assert!(m.judged_only && m.depth() == Depth::All);
        assert!(one("P(judged_only=True)@5").judged_only);
        assert!(!one("P(judged_only=False)@5").judged_only);
    }

    #[test]
    fn beir_names() {
        let m = one("recall_cap@10");
        assert_eq!((m.kind, m.cutoff), (MeasureKind::RecallCap, Some(10)));
        assert_eq!(one("R_cap@5").kind, MeasureKind::RecallCap);
        assert_eq!(one("top_k_accuracy@3").kind, MeasureKind::Success);
        let e = Measure::parse("recall_cap").unwrap_err().to_string();
        assert!(e.contains("recall_cap@10"), "{e}");
    }

    #[test]
    fn bad_ir_measures_parameters_are_explained() {
        let err = |name: &str| Measure::parse(name).unwrap_err().to_string();
        assert!(err("SDCG@10").contains("SDCG(max_rel=3)@10"));
        assert!(err("SDCG(max_rel=3)").contains("needs a cutoff"));
        assert!(err("SDCG(max_rel=1, min_rel=2)@5").contains("min_rel must be below"));
        assert!(err("SDCG(dcg=exp-log2, max_rel=3)@5").contains("no parameter \"dcg\""));
        assert!(err("Compat(p=0)").contains("(0, 1]"));
        assert!(err("Compat(normalize=maybe)").contains("True or False"));
        assert!(err("Compat@10").contains("takes no cutoff"));
        assert!(err("nDCG(gains={-1:2})").contains("integers in 0..=65535"));
        assert!(err("nDCG(gains={1:-2})").contains(">= 0"));
        assert!(err("nDCG(gains={1:2,1:3})").contains("twice"));
        assert!(err("nDCG(gains=[1,2])").contains("a dict"));
        assert!(err("nDCG(gains={1:2}, dcg=exp-log2)").contains("replaces"));
        assert!(err("nDCG(dcg=exp-log2, gains={1:2})").contains("replaces"));
        assert!(err("Bpref(judged_only=True)").contains("no parameter \"judged_only\""));
        let many: Vec<String> = (0..=GAIN_MAP_CAPACITY).map(|l| format!("{l}:1")).collect();
        assert!(err(&format!("nDCG(gains={{{}}})", many.join(","))).contains("at most"));
    }

    #[test]
    fn trec_eval_names_and_expansions() {
        let m = one("ndcg_cut_10");
        assert_eq!(
            (m.kind, m.cutoff),
            (MeasureKind::Ndcg(Gain::Linear), Some(10))
        );
        assert_eq!(one("recip_rank").kind, MeasureKind::RR);
        assert_eq!(one("P_5").cutoff, Some(5));
        let ms = Measure::parse("P.5,10").unwrap();
        assert_eq!(
            ms.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
            ["P_5", "P_10"]
        );
        let ms = Measure::parse("iprec_at_recall").unwrap();
        assert_eq!(ms.len(), 11);
        assert_eq!(ms[1].name, "iprec_at_recall_0.10");
        assert_eq!(Measure::parse("P").unwrap().len(), 9);
        assert_eq!(Measure::parse("success").unwrap()[0].name, "success_1");
        let official = Measure::parse("official").unwrap();
        assert_eq!(official.len(), 4 + 5 + 11 + 9);
        assert_eq!(
            one("iprec_at_recall_0.10").kind,
            MeasureKind::IPrec { recall: 0.1 }
        );
    }

    #[test]
    fn ranx_names() {
        assert_eq!(one("ndcg_burges@10").kind, MeasureKind::Ndcg(Gain::Exp2));
        assert_eq!(one("mrr@10").cutoff, Some(10));
        assert_eq!(
            one("rbp.95").kind,
            MeasureKind::Rbp {
                p: 0.95,
                column: CwlColumn::EU,
            }
        );
        assert_eq!(one("hit_rate@5").kind, MeasureKind::Success);
        assert_eq!(one("map@100").kind, MeasureKind::AP);
    }

    #[test]
    fn bad_names_are_explained() {
        let e = Measure::parse("nDGC@10").unwrap_err().to_string();
        assert!(e.contains("did you mean nDCG@10"), "{e}");
        assert!(e.contains("valid measures are"), "{e}");
        let e = Measure::parse("nDCG@0").unwrap_err().to_string();
        assert!(e.contains("positive integer"), "{e}");
        let e = Measure::parse("nDCG@-3").unwrap_err().to_string();
        assert!(e.contains("positive integer"), "{e}");
        let e = Measure::parse("Bpref@10").unwrap_err().to_string();
        assert!(e.contains("takes no cutoff"), "{e}");
        let e = Measure::parse("nDCG(rel=2)@10").unwrap_err().to_string();
        assert!(e.contains("does not use a relevance level"), "{e}");
        let e = Measure::parse("RBP(p=1.5)").unwrap_err().to_string();
        assert!(e.contains("(0, 1)"), "{e}");
        let e = Measure::parse("P").map(|v| v.len()).unwrap();
        assert_eq!(e, 9);
        let e = Measure::parse("Precision").unwrap_err().to_string();
        assert!(e.contains("needs a cutoff"), "{e}");
        let e = Measure::parse("nDCG(foo=1)").unwrap_err().to_string();
        assert!(e.contains("no parameter \"foo\""), "{e}");
        assert!(MeasureSet::parse::<&str>(&[]).is_err());
    }

    #[test]
    fn depth_is_the_deepest_cutoff_or_everything() {
        let set = MeasureSet::parse(&["nDCG@10", "P@5"]).unwrap();
        assert_eq!(set.depth(100, 1.0, |_| 3), 10);
        assert_eq!(set.depth(4, 1.0, |_| 3), 4);
        let set = MeasureSet::parse(&["nDCG@10", "Rprec"]).unwrap();
        assert_eq!(set.depth(100, 1.0, |_| 30), 30);
        let set = MeasureSet::parse(&["nDCG@10", "AP"]).unwrap();
        assert_eq!(set.depth(100, 1.0, |_| 3), 100);
        let set = MeasureSet::parse(&["NumRel", "NumQ"]).unwrap();
        assert_eq!(set.depth(100, 1.0, |_| 3), 0);
    }
}
