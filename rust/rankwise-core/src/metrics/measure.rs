//! Measure names: parsing, validation and what each measure needs from a ranking.
//!
//! Three spellings are accepted, so that code written for any of the usual tools works:
//! * **ir_measures** (canonical): `nDCG@10`, `nDCG(dcg=exp-log2)@10`, `AP`, `AP(rel=2)@100`,
//!   `RR@10`, `P@5`, `R@100`, `Rprec`, `Success@10`, `Bpref`, `Judged@10`, `ERR@20`,
//!   `RBP(p=0.8)`, `IPrec@0.5`, `NumRet`, `NumRel`, `NumRelRet`, `NumQ` (+ aliases `NDCG`,
//!   `MAP`, `MRR`, `Precision`, `Recall`, `RPrec`, `BPref`) and our `DCG@k`;
//! * **trec_eval**: `ndcg`, `ndcg_cut_10`, `ndcg_cut.5,10`, `map`, `map_cut_100`, `gm_map`,
//!   `recip_rank`, `P_5`, `P.5,10`, `recall_100`, `Rprec`, `bpref`, `success_10`,
//!   `iprec_at_recall_0.10`, `num_ret`, `num_rel`, `num_rel_ret`, `num_q`; family names
//!   without parameters (`P`, `recall`, `ndcg_cut`, `map_cut`, `success`,
//!   `iprec_at_recall`) expand to trec_eval's default cutoffs, and `official` to the set
//!   trec_eval prints by default;
//! * **ranx**: `ndcg@10`, `ndcg_burges@10`, `dcg@10`, `dcg_burges@10`, `map@100`, `mrr@10`,
//!   `precision@5`, `recall@100`, `r-precision`, `hit_rate@10`, `hits@10`, `rbp.95`.
//!
//! A measure keeps the name it was asked for; expansions get trec_eval's printed names.

use crate::error::{RankError, Result};

/// How a label becomes a gain in DCG-family measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gain {
    /// gain = label (trec_eval, pytrec_eval, ir_measures' default, sklearn).
    Linear,
    /// gain = 2^label - 1 (Burges et al. 2005; ranx `ndcg_burges`, gdeval).
    Exp2,
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
    Rbp {
        p: f64,
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
    },
    /// `num_nonrel_judged_ret`.
    NumNonrelJudgedRet,
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

/// The forms `UnknownMeasure` lists.
pub const VALID_MEASURES_HELP: &str = "nDCG, nDCG@k, nDCG(dcg=exp-log2)@k, DCG, DCG@k, AP, AP@k, \
RR, RR@k, P@k, R@k, Rprec, Success@k, Bpref, Judged@k, ERR@k, ERR(max_grade=g)@k, RBP(p=0.8), \
IPrec@r, NumRet, NumRel, NumRelRet, NumQ, binary measures with (rel=l); trec_eval names ndcg, \
ndcg_cut_k, ndcg_cut.k1,k2, map, map_cut_k, gm_map, recip_rank, P_k, P.k1,k2, recall_k, Rprec, \
bpref, success_k, iprec_at_recall_r, num_ret, num_rel, num_rel_ret, num_q, official and the \
families P, recall, ndcg_cut, map_cut, success, iprec_at_recall; ranx names ndcg@k, \
ndcg_burges@k, dcg@k, dcg_burges@k, map@k, mrr@k, precision@k, recall@k, r-precision, \
hit_rate@k, hits@k, bpref, rbp.95";

const TREC_CUTOFFS: [usize; 9] = [5, 10, 15, 20, 30, 100, 200, 500, 1000];
const TREC_SUCCESS_CUTOFFS: [usize; 3] = [1, 5, 10];
const TREC_RECALL_LEVELS: [f64; 11] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
const TREC_R_MULTIPLES: [f64; 10] = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0];

/// The 11 recall levels of `11pt_avg` and `iprec_at_recall`.
pub const ELEVEN_RECALL_LEVELS: [f64; 11] = TREC_RECALL_LEVELS;

/// trec_eval's names for `-m all_trec`, in its output order (`runid` and `relstring`, which
/// are not numbers, left out).
pub const ALL_TREC: [&str; 32] = [
    "num_q",
    "num_ret",
    "num_rel",
    "num_rel_ret",
    "map",
    "gm_map",
    "Rprec",
    "bpref",
    "recip_rank",
    "iprec_at_recall",
    "P",
    "recall",
    "infAP",
    "gm_bpref",
    "Rprec_mult",
    "utility",
    "11pt_avg",
    "binG",
    "G",
    "ndcg",
    "ndcg_rel",
    "Rndcg",
    "ndcg_cut",
    "map_cut",
    "relative_P",
    "success",
    "set_P",
    "set_relative_P",
    "set_recall",
    "set_map",
    "set_F",
    "num_nonrel_judged_ret",
];

/// trec_eval's `-m set` group (`runid` left out).
pub const TREC_SET: [&str; 10] = [
    "num_q",
    "num_ret",
    "num_rel",
    "num_rel_ret",
    "utility",
    "set_P",
    "set_relative_P",
    "set_recall",
    "set_map",
    "set_F",
];

impl Measure {
    fn new(name: &str, kind: MeasureKind, cutoff: Option<usize>, rel: Option<f64>) -> Self {
        Measure {
            name: name.to_owned(),
            kind,
            cutoff,
            rel,
        }
    }

    /// Parse one name into one or more measures (trec_eval families expand).
    pub fn parse(name: &str) -> Result<Vec<Measure>> {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err(unknown(name));
        }
        if let Some(ms) = parse_trec(trimmed)? {
            return Ok(ms);
        }
        if let Some(m) = parse_ranx(trimmed)? {
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

    /// How per-query values of this measure are summarised.
    pub fn aggregate(&self) -> Aggregate {
        match self.kind {
            MeasureKind::NumRet
            | MeasureKind::NumRel
            | MeasureKind::NumRelRet
            | MeasureKind::NumQ
            | MeasureKind::NumNonrelJudgedRet => Aggregate::Sum,
            MeasureKind::GmAP | MeasureKind::GmBpref => Aggregate::GeometricMean,
            _ => Aggregate::Mean,
        }
    }

    /// Whether the measure depends on a relevance level.
    pub fn uses_relevance_level(&self) -> bool {
        matches!(
            self.kind,
            MeasureKind::AP
                | MeasureKind::GmAP
                | MeasureKind::RR
                | MeasureKind::P
                | MeasureKind::R
                | MeasureKind::Rprec
                | MeasureKind::Success
                | MeasureKind::IPrec { .. }
                | MeasureKind::Rbp { .. }
                | MeasureKind::Bpref
                | MeasureKind::NumRel
                | MeasureKind::NumRelRet
                | MeasureKind::SetP
                | MeasureKind::SetRecall
                | MeasureKind::SetRelativeP
                | MeasureKind::SetMap
                | MeasureKind::SetF { .. }
                | MeasureKind::Utility { .. }
                | MeasureKind::NumNonrelJudgedRet
                | MeasureKind::RelativeP
                | MeasureKind::RprecMult { .. }
                | MeasureKind::IPrecAvg11
                | MeasureKind::GmBpref
                | MeasureKind::InfAP
                | MeasureKind::BinG
                | MeasureKind::Rndcg
        )
    }

    /// How deep into the ranking the measure reads.
    pub fn depth(&self) -> Depth {
        match self.kind {
            MeasureKind::Rprec => Depth::NumRel,
            // Counts that need no ranked labels: min(k, n), R, 1.
            MeasureKind::NumQ | MeasureKind::NumRel | MeasureKind::NumRet => Depth::Top(0),
            _ => self.cutoff.map_or(Depth::All, Depth::Top),
        }
    }

    fn validate(self, original: &str) -> Result<Measure> {
        let invalid = |reason: String| RankError::InvalidMeasure {
            name: original.to_owned(),
            reason,
        };
        let takes_cutoff = !matches!(
            self.kind,
            MeasureKind::Rprec
                | MeasureKind::Bpref
                | MeasureKind::GmAP
                | MeasureKind::NumRel
                | MeasureKind::NumQ
                | MeasureKind::IPrec { .. }
                | MeasureKind::SetP
                | MeasureKind::SetRecall
                | MeasureKind::SetRelativeP
                | MeasureKind::SetMap
                | MeasureKind::SetF { .. }
                | MeasureKind::Utility { .. }
                | MeasureKind::NumNonrelJudgedRet
                | MeasureKind::RprecMult { .. }
                | MeasureKind::IPrecAvg11
                | MeasureKind::GmBpref
                | MeasureKind::InfAP
                | MeasureKind::BinG
                | MeasureKind::G
                | MeasureKind::NdcgRel
                | MeasureKind::Rndcg
        );
        if self.cutoff.is_some() && !takes_cutoff {
            return Err(invalid(format!("{} takes no cutoff", family(self.kind))));
        }
        if self.cutoff == Some(0) {
            return Err(invalid(
                "the cutoff must be a positive integer; got 0".into(),
            ));
        }
        if matches!(self.kind, MeasureKind::P | MeasureKind::RelativeP) && self.cutoff.is_none() {
            return Err(invalid("precision needs a cutoff, as in P@10".into()));
        }
        if let Some(rel) = self.rel {
            if !self.uses_relevance_level() {
                return Err(invalid(format!(
                    "{} does not use a relevance level (rel=)",
                    family(self.kind)
                )));
            }
            if !(rel.is_finite() && rel > 0.0) {
                return Err(invalid(format!("rel must be a positive number; got {rel}")));
            }
        }
        match self.kind {
            MeasureKind::Rbp { p } if !(p > 0.0 && p < 1.0) => {
                return Err(invalid(format!("p must be in (0, 1); got {p}")));
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
            _ => {}
        }
        Ok(self)
    }
}

fn family(kind: MeasureKind) -> &'static str {
    match kind {
        MeasureKind::Ndcg(_) => "nDCG",
        MeasureKind::Dcg(_) => "DCG",
        MeasureKind::Err { .. } => "ERR",
        MeasureKind::AP => "AP",
        MeasureKind::GmAP => "gm_map",
        MeasureKind::RR => "RR",
        MeasureKind::P => "P",
        MeasureKind::R => "R",
        MeasureKind::Rprec => "Rprec",
        MeasureKind::Success => "Success",
        MeasureKind::IPrec { .. } => "IPrec",
        MeasureKind::Rbp { .. } => "RBP",
        MeasureKind::Bpref => "Bpref",
        MeasureKind::Judged => "Judged",
        MeasureKind::NumRet => "NumRet",
        MeasureKind::NumRel => "NumRel",
        MeasureKind::NumRelRet => "NumRelRet",
        MeasureKind::NumQ => "NumQ",
        MeasureKind::SetP => "set_P",
        MeasureKind::SetRecall => "set_recall",
        MeasureKind::SetRelativeP => "set_relative_P",
        MeasureKind::SetMap => "set_map",
        MeasureKind::SetF { .. } => "set_F",
        MeasureKind::Utility { .. } => "utility",
        MeasureKind::NumNonrelJudgedRet => "num_nonrel_judged_ret",
        MeasureKind::RelativeP => "relative_P",
        MeasureKind::RprecMult { .. } => "Rprec_mult",
        MeasureKind::IPrecAvg11 => "11pt_avg",
        MeasureKind::GmBpref => "gm_bpref",
        MeasureKind::InfAP => "infAP",
        MeasureKind::BinG => "binG",
        MeasureKind::G => "G",
        MeasureKind::NdcgRel => "ndcg_rel",
        MeasureKind::Rndcg => "Rndcg",
    }
}

// ----------------------------------------------------------------------------------------
// trec_eval names

fn trec_single(base: &str) -> Option<MeasureKind> {
    Some(match base {
        "ndcg" => MeasureKind::Ndcg(Gain::Linear),
        "map" => MeasureKind::AP,
        "gm_map" => MeasureKind::GmAP,
        "recip_rank" => MeasureKind::RR,
        "Rprec" => MeasureKind::Rprec,
        "bpref" => MeasureKind::Bpref,
        "num_ret" => MeasureKind::NumRet,
        "num_rel" => MeasureKind::NumRel,
        "num_rel_ret" => MeasureKind::NumRelRet,
        "num_q" => MeasureKind::NumQ,
        "set_P" => MeasureKind::SetP,
        "set_recall" => MeasureKind::SetRecall,
        "set_relative_P" => MeasureKind::SetRelativeP,
        "set_map" => MeasureKind::SetMap,
        "set_F" => MeasureKind::SetF { beta: 1.0 },
        "utility" => MeasureKind::Utility {
            coef: [1.0, -1.0, 0.0, 0.0],
        },
        "num_nonrel_judged_ret" => MeasureKind::NumNonrelJudgedRet,
        "11pt_avg" => MeasureKind::IPrecAvg11,
        "gm_bpref" => MeasureKind::GmBpref,
        "infAP" => MeasureKind::InfAP,
        "binG" => MeasureKind::BinG,
        "G" => MeasureKind::G,
        "ndcg_rel" => MeasureKind::NdcgRel,
        "Rndcg" => MeasureKind::Rndcg,
        _ => return None,
    })
}

/// trec_eval families that take cutoffs, with their default cutoffs.
fn trec_cutoff_family(base: &str) -> Option<(MeasureKind, &'static [usize])> {
    Some(match base {
        "P" => (MeasureKind::P, &TREC_CUTOFFS),
        "recall" => (MeasureKind::R, &TREC_CUTOFFS),
        "map_cut" => (MeasureKind::AP, &TREC_CUTOFFS),
        "ndcg_cut" => (MeasureKind::Ndcg(Gain::Linear), &TREC_CUTOFFS),
        "success" => (MeasureKind::Success, &TREC_SUCCESS_CUTOFFS),
        "relative_P" => (MeasureKind::RelativeP, &TREC_CUTOFFS),
        _ => return None,
    })
}

fn iprec_name(level: f64) -> String {
    format!("iprec_at_recall_{level:.2}")
}

fn parse_trec(name: &str) -> Result<Option<Vec<Measure>>> {
    if name == "official" {
        let mut out = Vec::new();
        for n in [
            "num_q",
            "num_ret",
            "num_rel",
            "num_rel_ret",
            "map",
            "gm_map",
            "Rprec",
            "bpref",
            "recip_rank",
            "iprec_at_recall",
            "P",
        ] {
            out.extend(Measure::parse(n)?);
        }
        return Ok(Some(out));
    }
    if name == "all_trec" || name == "set" {
        let group: &[&str] = if name == "set" { &TREC_SET } else { &ALL_TREC };
        let mut out = Vec::new();
        for n in group {
            out.extend(Measure::parse(n)?);
        }
        return Ok(Some(out));
    }
    if let Some(kind) = trec_single(name) {
        return Ok(Some(vec![Measure::new(name, kind, None, None)]));
    }
    // Family with trec_eval parameters: `P.5,10`, `iprec_at_recall..1,.5`.
    let (base, params) = match name.split_once('.') {
        Some((b, p)) => (b, Some(p)),
        None => (name, None),
    };
    match (base, params) {
        ("set_F", Some(p)) => {
            let beta = parse_f64_param(name, p)?;
            return Measure::new("set_F", MeasureKind::SetF { beta }, None, None)
                .validate(name)
                .map(|m| Some(vec![m]));
        }
        ("utility", Some(p)) => {
            let values = split_params(name, p, parse_f64_param)?;
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
            return Ok(Some(vec![Measure::new(
                "utility",
                MeasureKind::Utility { coef },
                None,
                None,
            )]));
        }
        ("Rprec_mult", _) => {
            let mults: Vec<f64> = match params {
                None => TREC_R_MULTIPLES.to_vec(),
                Some(p) => split_params(name, p, parse_f64_param)?,
            };
            return mults
                .into_iter()
                .map(|x| {
                    Measure::new(
                        &format!("Rprec_mult_{x:.2}"),
                        MeasureKind::RprecMult { mult: x },
                        None,
                        None,
                    )
                    .validate(name)
                })
                .collect::<Result<Vec<_>>>()
                .map(Some);
        }
        ("11pt_avg" | "G" | "ndcg_rel" | "Rndcg", Some(_)) => {
            return Err(RankError::InvalidMeasure {
                name: name.to_owned(),
                reason: format!(
                    "rankwise computes trec_eval's {base} with its default parameters only"
                ),
            });
        }
        _ => {}
    }
    if let Some(m) = name.strip_prefix("Rprec_mult_") {
        let mult = parse_f64_param(name, m)?;
        let m = Measure::new(name, MeasureKind::RprecMult { mult }, None, None);
        return m.validate(name).map(|m| Some(vec![m]));
    }
    if base == "iprec_at_recall" {
        let levels: Vec<f64> = match params {
            None => TREC_RECALL_LEVELS.to_vec(),
            Some(p) => split_params(name, p, parse_f64_param)?,
        };
        return levels
            .into_iter()
            .map(|r| {
                Measure::new(&iprec_name(r), MeasureKind::IPrec { recall: r }, None, None)
                    .validate(name)
            })
            .collect::<Result<Vec<_>>>()
            .map(Some);
    }
    if let Some((kind, defaults)) = trec_cutoff_family(base) {
        let cutoffs: Vec<usize> = match params {
            None => defaults.to_vec(),
            Some(p) => split_params(name, p, parse_cutoff)?,
        };
        return cutoffs
            .into_iter()
            .map(|k| Measure::new(&format!("{base}_{k}"), kind, Some(k), None).validate(name))
            .collect::<Result<Vec<_>>>()
            .map(Some);
    }
    if params.is_some() && trec_single(base).is_some() {
        return Err(RankError::InvalidMeasure {
            name: name.to_owned(),
            reason: format!("trec_eval's {base} takes no parameters here"),
        });
    }
    // Single measure with an underscore suffix: `P_5`, `ndcg_cut_10`, `iprec_at_recall_0.10`.
    if let Some(level) = name.strip_prefix("iprec_at_recall_") {
        let r = parse_f64_param(name, level)?;
        let m = Measure::new(name, MeasureKind::IPrec { recall: r }, None, None);
        return m.validate(name).map(|m| Some(vec![m]));
    }
    if let Some((base, k)) = name.rsplit_once('_')
        && let Some((kind, _)) = trec_cutoff_family(base)
        && k.bytes().all(|b| b.is_ascii_digit())
        && !k.is_empty()
    {
        let k = parse_cutoff(name, k)?;
        return Measure::new(name, kind, Some(k), None)
            .validate(name)
            .map(|m| Some(vec![m]));
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
        return Measure::new(name, MeasureKind::Rbp { p }, None, None)
            .validate(name)
            .map(Some);
    }
    let (base, k) = match name.split_once('@') {
        Some((b, k)) => (b, Some(k)),
        None => (name, None),
    };
    let kind = match base {
        "ndcg" if k.is_some() => MeasureKind::Ndcg(Gain::Linear),
        "ndcg_burges" => MeasureKind::Ndcg(Gain::Exp2),
        "dcg" => MeasureKind::Dcg(Gain::Linear),
        "dcg_burges" => MeasureKind::Dcg(Gain::Exp2),
        "map" if k.is_some() => MeasureKind::AP,
        "mrr" => MeasureKind::RR,
        "precision" => MeasureKind::P,
        "recall" if k.is_some() => MeasureKind::R,
        "r-precision" | "r_precision" => MeasureKind::Rprec,
        "hit_rate" => MeasureKind::Success,
        "hits" => MeasureKind::NumRelRet,
        _ => return Ok(None),
    };
    let cutoff = k.map(|k| parse_cutoff(name, k)).transpose()?;
    Measure::new(name, kind, cutoff, None)
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
    let mut kind = match family_name {
        "nDCG" | "NDCG" => MeasureKind::Ndcg(Gain::Linear),
        "DCG" => MeasureKind::Dcg(Gain::Linear),
        "ERR" => MeasureKind::Err { max_grade: 4.0 },
        "AP" | "MAP" => MeasureKind::AP,
        "RR" | "MRR" => MeasureKind::RR,
        "P" | "Precision" => MeasureKind::P,
        "R" | "Recall" => MeasureKind::R,
        "Rprec" | "RPrec" => MeasureKind::Rprec,
        "Success" => MeasureKind::Success,
        "IPrec" => MeasureKind::IPrec { recall: f64::NAN },
        "RBP" => MeasureKind::Rbp { p: 0.8 },
        "Bpref" | "BPref" => MeasureKind::Bpref,
        "Judged" => MeasureKind::Judged,
        "NumRet" => MeasureKind::NumRet,
        "NumRel" => MeasureKind::NumRel,
        "NumRelRet" => MeasureKind::NumRelRet,
        "NumQ" => MeasureKind::NumQ,
        _ => return Err(unknown(name)),
    };
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
    for param in params.into_iter().flat_map(|p| p.split(',')) {
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
        let (key, value) = (key.trim(), value.trim());
        match (key, &mut kind) {
            ("rel", _) => rel = Some(parse_f64_param(name, value)?),
            ("dcg", MeasureKind::Ndcg(g) | MeasureKind::Dcg(g)) => {
                *g = match value {
                    "log2" => Gain::Linear,
                    "exp-log2" => Gain::Exp2,
                    _ => {
                        return Err(RankError::InvalidMeasure {
                            name: name.to_owned(),
                            reason: format!("dcg must be log2 or exp-log2; got {value:?}"),
                        });
                    }
                }
            }
            ("gain", MeasureKind::Ndcg(g) | MeasureKind::Dcg(g)) => {
                *g = match value {
                    "linear" => Gain::Linear,
                    "exp2" => Gain::Exp2,
                    _ => {
                        return Err(RankError::InvalidMeasure {
                            name: name.to_owned(),
                            reason: format!("gain must be linear or exp2; got {value:?}"),
                        });
                    }
                }
            }
            ("p", MeasureKind::Rbp { p }) => *p = parse_f64_param(name, value)?,
            ("max_grade", MeasureKind::Err { max_grade }) => {
                *max_grade = parse_f64_param(name, value)?;
            }
            ("cutoff", _) => cutoff = Some(parse_cutoff(name, value)?),
            _ => {
                return Err(RankError::InvalidMeasure {
                    name: name.to_owned(),
                    reason: format!(
                        "{} has no parameter {key:?} (parameters: {})",
                        family(kind),
                        allowed_params(kind)
                    ),
                });
            }
        }
    }
    // ir_measures spells num_rel_ret as NumRet(rel=l).
    if kind == MeasureKind::NumRet && rel.is_some() {
        kind = MeasureKind::NumRelRet;
    }
    Measure::new(name, kind, cutoff, rel).validate(name)
}

fn allowed_params(kind: MeasureKind) -> &'static str {
    match kind {
        MeasureKind::Ndcg(_) | MeasureKind::Dcg(_) => "dcg=log2|exp-log2, gain=linear|exp2",
        MeasureKind::Rbp { .. } => "p, rel",
        MeasureKind::Err { .. } => "max_grade",
        MeasureKind::Judged | MeasureKind::NumQ => "none",
        MeasureKind::NumRet => "rel",
        _ => "rel",
    }
}

// ----------------------------------------------------------------------------------------
// Errors with suggestions

const SUGGESTIONS: &[&str] = &[
    "nDCG",
    "nDCG@10",
    "DCG@10",
    "AP",
    "AP@100",
    "RR",
    "RR@10",
    "P@10",
    "R@100",
    "Rprec",
    "Success@10",
    "Bpref",
    "Judged@10",
    "ERR@10",
    "RBP(p=0.8)",
    "IPrec@0.5",
    "NumRet",
    "NumRel",
    "NumRelRet",
    "NumQ",
    "ndcg",
    "ndcg_cut_10",
    "map",
    "map_cut_10",
    "gm_map",
    "recip_rank",
    "P_10",
    "recall_100",
    "bpref",
    "success_10",
    "iprec_at_recall_0.50",
    "num_ret",
    "num_rel",
    "num_rel_ret",
    "num_q",
    "official",
    "ndcg@10",
    "ndcg_burges@10",
    "map@100",
    "mrr@10",
    "precision@10",
    "recall@100",
    "hit_rate@10",
];

fn unknown(name: &str) -> RankError {
    let lower = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = SUGGESTIONS
        .iter()
        .map(|s| (edit_distance(&lower, &s.to_lowercase()), *s))
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
}

impl MeasureSet {
    /// Parse every name; the same reported name twice is kept once.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self> {
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
                if !measures.iter().any(|x| x.name == m.name) {
                    measures.push(m);
                }
            }
        }
        Ok(MeasureSet { measures })
    }

    /// Build from already parsed measures.
    pub fn from_measures(measures: Vec<Measure>) -> Self {
        MeasureSet { measures }
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
        let m = one("nDCG(dcg=exp-log2)@5");
        assert_eq!((m.kind, m.cutoff), (MeasureKind::Ndcg(Gain::Exp2), Some(5)));
        let m = one("P(rel=2)@5");
        assert_eq!(
            (m.kind, m.cutoff, m.rel),
            (MeasureKind::P, Some(5), Some(2.0))
        );
        assert_eq!(one("RBP(p=0.5)").kind, MeasureKind::Rbp { p: 0.5 });
        assert_eq!(one("RBP").kind, MeasureKind::Rbp { p: 0.8 });
        assert_eq!(one("IPrec@0.3").kind, MeasureKind::IPrec { recall: 0.3 });
        assert_eq!(one("ERR@20").kind, MeasureKind::Err { max_grade: 4.0 });
        assert_eq!(one("NumRet(rel=1)").kind, MeasureKind::NumRelRet);
        assert_eq!(one("MAP").kind, MeasureKind::AP);
        assert_eq!(one("AP").name, "AP");
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
        assert_eq!(one("rbp.95").kind, MeasureKind::Rbp { p: 0.95 });
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
