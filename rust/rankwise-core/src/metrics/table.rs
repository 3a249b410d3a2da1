//! The measure table: every fact about a measure kind in one row.
//!
//! The parser ([`super::measure`]), validation, the list of valid measures in errors, the
//! did-you-mean suggestions, trec_eval's output order and measure groups, and the Python
//! side (`rankwise._native.measures()`, read by `rankwise.compat.pytrec_eval` and the CLI's
//! help) are all built from [`MEASURES`]. Adding a measure is one row here and one kernel
//! in [`super::compute`].
//!
//! trec_eval's facts (names, default cutoffs, output order, groups) follow its measure table
//! `te_trec_measures` and groups in `measures.c` of trec_eval 9.0.x; ir_measures' names follow
//! `ir_measures/measures/__init__.py` (0.4), ranx's its `metrics` module (0.3), and BEIR's
//! `EvaluateRetrieval.evaluate_custom` (`beir/retrieval/evaluation.py`, 2.2).

use super::cwl::{CwlColumn, CwlParams};
use super::measure::{Aggregate, Gain, MeasureKind};

/// trec_eval's default cutoffs for `P`, `recall`, `ndcg_cut`, `map_cut`, `relative_P`.
pub const TREC_CUTOFFS: [usize; 9] = [5, 10, 15, 20, 30, 100, 200, 500, 1000];
/// trec_eval's default cutoffs for `success`.
pub const TREC_SUCCESS_CUTOFFS: [usize; 3] = [1, 5, 10];
/// The 11 standard recall levels of `iprec_at_recall` and `11pt_avg`.
pub const ELEVEN_RECALL_LEVELS: [f64; 11] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
/// trec_eval's default multiples of R for `Rprec_mult`.
pub const TREC_R_MULTIPLES: [f64; 10] = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0];

/// Whether a measure takes a rank cutoff `@k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutoffUse {
    /// Never (`Bpref@10` is refused).
    None,
    /// With or without (`nDCG`, `nDCG@10`).
    Optional,
    /// Always (`P@10`; a bare `P` is refused).
    Required,
}

impl CutoffUse {
    /// The name Python sees.
    pub fn name(self) -> &'static str {
        match self {
            CutoffUse::None => "none",
            CutoffUse::Optional => "optional",
            CutoffUse::Required => "required",
        }
    }
}

/// How much of a ranking a measure reads (before its cutoff).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// The top `k` documents with a cutoff, every document without.
    Ranking,
    /// The top `R` documents, `R` = number of relevant judged documents (R-precision).
    TopR,
    /// No ranked labels: counts such as `min(k, n)`, `R`, `1`.
    Nothing,
}

/// The forms of one trec_eval name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrecForm {
    /// No parameters: `map`, `bpref` (`map.5` is refused).
    Plain,
    /// A cutoff family: `P_5`, `P.5,10`, and `P` for these default cutoffs.
    Cutoffs(&'static [usize]),
    /// A family over a number, printed with two decimals: `iprec_at_recall_0.10`,
    /// `iprec_at_recall.0.1,0.5`, and the bare name for these default values.
    Levels(&'static [f64]),
    /// Plain, or numeric parameters after a dot (`set_F.0.5`, `utility.1,-1,0,0`); the text
    /// names them for the help list.
    Params(&'static str),
    /// Plain only: rankwise computes it with trec_eval's default parameters (`11pt_avg`).
    DefaultOnly,
}

impl TrecForm {
    /// The name Python sees.
    pub fn name(self) -> &'static str {
        match self {
            TrecForm::Plain => "plain",
            TrecForm::Cutoffs(_) => "cutoffs",
            TrecForm::Levels(_) => "levels",
            TrecForm::Params(_) => "params",
            TrecForm::DefaultOnly => "default_only",
        }
    }
}

/// One trec_eval name of a measure kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrecName {
    pub name: &'static str,
    pub form: TrecForm,
    /// Position in trec_eval's output (its measure table); 0 is `runid`, 12 `relstring`.
    pub order: usize,
    /// trec_eval's measure groups (`-m official`, `-m set`) that include it, besides
    /// `all_trec` (see [`TrecName::all_trec`]).
    pub groups: &'static [&'static str],
    /// Whether trec_eval's `all_trec` group includes it (`trec_names` in `measures.c`): every
    /// name but those trec_eval computes only when named (`yaap`).
    pub all_trec: bool,
}

/// One ranx name; the kind carries what the name implies (`ndcg_burges`: exponential gain).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RanxName {
    pub name: &'static str,
    pub kind: MeasureKind,
}

/// Every fact about one measure kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureInfo {
    /// The name errors use for the kind.
    pub family: &'static str,
    /// The kind with its default parameters.
    pub kind: MeasureKind,
    pub cutoff: CutoffUse,
    /// Whether a relevance level (`rel=`, trec_eval's `-l`) changes it.
    pub relevance_level: bool,
    pub aggregate: Aggregate,
    pub reads: Reads,
    /// ir_measures-style parameters `Name(key=value)`, as errors list them.
    pub parameters: &'static str,
    /// ir_measures names: `Name(key=value, ...)@k`; the first is canonical.
    pub ir_measures: &'static [&'static str],
    /// Parameters an ir_measures name must give, with an example value (`max_rel=3` for
    /// `SDCG(max_rel=3)@10`); empty for none.
    pub required: &'static str,
    /// Whether ir_measures' `judged_only=True` parameter applies (trec_eval's `-J` for this
    /// measure alone; ir_measures' pytrec_eval provider).
    pub judged_only: bool,
    pub trec_eval: &'static [TrecName],
    /// ranx names: `name@k` (and `rbp.95` for RBP).
    pub ranx: &'static [RanxName],
    /// BEIR names (`EvaluateRetrieval.evaluate_custom`'s metrics): `name@k`.
    pub beir: &'static [&'static str],
    /// What it measures, in a few words.
    pub help: &'static str,
}

const fn trec(name: &'static str, form: TrecForm, order: usize) -> TrecName {
    TrecName {
        name,
        form,
        order,
        groups: &[],
        all_trec: true,
    }
}

/// A trec_eval name outside every group, `all_trec` included: computed only when named.
const fn trec_named_only(name: &'static str, form: TrecForm, order: usize) -> TrecName {
    TrecName {
        name,
        form,
        order,
        groups: &[],
        all_trec: false,
    }
}

const fn trec_in(
    name: &'static str,
    form: TrecForm,
    order: usize,
    groups: &'static [&'static str],
) -> TrecName {
    TrecName {
        name,
        form,
        order,
        groups,
        all_trec: true,
    }
}

const fn ranx(name: &'static str, kind: MeasureKind) -> RanxName {
    RanxName { name, kind }
}

const OFFICIAL: &[&str] = &["official"];
const SET: &[&str] = &["set"];
const OFFICIAL_SET: &[&str] = &["official", "set"];
const REL: &str = "rel";
const DCG_PARAMS: &str = "dcg=log2|exp-log2, gain=linear|exp2, gains={label:gain,...}";

/// Defaults for the fields most rows share: a binary measure, cut or not, averaged.
const BINARY: MeasureInfo = MeasureInfo {
    family: "",
    kind: MeasureKind::AP,
    cutoff: CutoffUse::Optional,
    relevance_level: true,
    aggregate: Aggregate::Mean,
    reads: Reads::Ranking,
    parameters: REL,
    ir_measures: &[],
    required: "",
    judged_only: false,
    trec_eval: &[],
    ranx: &[],
    beir: &[],
    help: "",
};

/// A trec_eval measure of the whole retrieved set: binary, no cutoff.
const TREC_SET_MEASURE: MeasureInfo = MeasureInfo {
    cutoff: CutoffUse::None,
    ..BINARY
};

/// One row per [`MeasureKind`], in the order the help list shows them.
pub const MEASURES: &[MeasureInfo] = &[
    MeasureInfo {
        family: "nDCG",
        judged_only: true,
        kind: MeasureKind::Ndcg(Gain::Linear),
        relevance_level: false,
        parameters: DCG_PARAMS,
        ir_measures: &["nDCG", "NDCG"],
        trec_eval: &[
            trec("ndcg", TrecForm::Plain, 21),
            trec("ndcg_cut", TrecForm::Cutoffs(&TREC_CUTOFFS), 24),
        ],
        ranx: &[
            ranx("ndcg", MeasureKind::Ndcg(Gain::Linear)),
            ranx("ndcg_burges", MeasureKind::Ndcg(Gain::Exp2)),
        ],
        help: "normalised discounted cumulative gain",
        ..BINARY
    },
    MeasureInfo {
        family: "DCG",
        kind: MeasureKind::Dcg(Gain::Linear),
        relevance_level: false,
        parameters: DCG_PARAMS,
        ir_measures: &["DCG"],
        ranx: &[
            ranx("dcg", MeasureKind::Dcg(Gain::Linear)),
            ranx("dcg_burges", MeasureKind::Dcg(Gain::Exp2)),
        ],
        help: "discounted cumulative gain",
        ..BINARY
    },
    MeasureInfo {
        family: "ERR",
        kind: MeasureKind::Err { max_grade: 4.0 },
        relevance_level: false,
        parameters: "max_grade",
        ir_measures: &["ERR"],
        help: "expected reciprocal rank (graded, max_grade=4 by default)",
        ..BINARY
    },
    MeasureInfo {
        family: "AP",
        judged_only: true,
        kind: MeasureKind::AP,
        ir_measures: &["AP", "MAP"],
        trec_eval: &[
            trec_in("map", TrecForm::Plain, 5, OFFICIAL),
            trec("map_cut", TrecForm::Cutoffs(&TREC_CUTOFFS), 25),
        ],
        ranx: &[ranx("map", MeasureKind::AP)],
        help: "average precision",
        ..BINARY
    },
    MeasureInfo {
        family: "gm_map",
        kind: MeasureKind::GmAP,
        cutoff: CutoffUse::None,
        aggregate: Aggregate::GeometricMean,
        trec_eval: &[trec_in("gm_map", TrecForm::Plain, 6, OFFICIAL)],
        help: "average precision summarised by a geometric mean",
        ..BINARY
    },
    MeasureInfo {
        family: "RR",
        judged_only: true,
        kind: MeasureKind::RR,
        ir_measures: &["RR", "MRR"],
        trec_eval: &[trec_in("recip_rank", TrecForm::Plain, 9, OFFICIAL)],
        ranx: &[ranx("mrr", MeasureKind::RR)],
        help: "reciprocal rank of the first relevant document",
        ..BINARY
    },
    MeasureInfo {
        family: "P",
        judged_only: true,
        kind: MeasureKind::P,
        cutoff: CutoffUse::Required,
        ir_measures: &["P", "Precision"],
        trec_eval: &[trec_in("P", TrecForm::Cutoffs(&TREC_CUTOFFS), 11, OFFICIAL)],
        ranx: &[ranx("precision", MeasureKind::P)],
        help: "precision at a cutoff",
        ..BINARY
    },
    MeasureInfo {
        family: "R",
        judged_only: true,
        kind: MeasureKind::R,
        ir_measures: &["R", "Recall"],
        trec_eval: &[trec("recall", TrecForm::Cutoffs(&TREC_CUTOFFS), 13)],
        ranx: &[ranx("recall", MeasureKind::R)],
        help: "recall",
        ..BINARY
    },
    MeasureInfo {
        family: "Rprec",
        judged_only: true,
        kind: MeasureKind::Rprec,
        cutoff: CutoffUse::None,
        reads: Reads::TopR,
        ir_measures: &["Rprec", "RPrec"],
        trec_eval: &[trec_in("Rprec", TrecForm::Plain, 7, OFFICIAL)],
        ranx: &[
            ranx("r-precision", MeasureKind::Rprec),
            ranx("r_precision", MeasureKind::Rprec),
        ],
        help: "precision at R, the number of relevant documents",
        ..BINARY
    },
    MeasureInfo {
        family: "Success",
        judged_only: true,
        kind: MeasureKind::Success,
        ir_measures: &["Success"],
        trec_eval: &[trec(
            "success",
            TrecForm::Cutoffs(&TREC_SUCCESS_CUTOFFS),
            27,
        )],
        ranx: &[ranx("hit_rate", MeasureKind::Success)],
        beir: &["top_k_accuracy"],
        help: "1 if a relevant document is retrieved, else 0",
        ..BINARY
    },
    MeasureInfo {
        family: "IPrec",
        judged_only: true,
        kind: MeasureKind::IPrec { recall: f64::NAN },
        cutoff: CutoffUse::None,
        ir_measures: &["IPrec"],
        trec_eval: &[trec_in(
            "iprec_at_recall",
            TrecForm::Levels(&ELEVEN_RECALL_LEVELS),
            10,
            OFFICIAL,
        )],
        help: "interpolated precision at a recall level (IPrec@0.5)",
        ..BINARY
    },
    MeasureInfo {
        family: "RBP",
        kind: MeasureKind::Rbp {
            p: 0.8,
            column: CwlColumn::EU,
        },
        parameters: "p, rel, column=EU",
        ir_measures: &["RBP"],
        ranx: &[ranx(
            "rbp",
            MeasureKind::Rbp {
                p: 0.8,
                column: CwlColumn::EU,
            },
        )],
        help: "rank-biased precision (p=0.8 by default; ranx's rbp.95 is p=0.95)",
        ..BINARY
    },
    MeasureInfo {
        family: "Bpref",
        kind: MeasureKind::Bpref,
        cutoff: CutoffUse::None,
        ir_measures: &["Bpref", "BPref"],
        trec_eval: &[trec_in("bpref", TrecForm::Plain, 8, OFFICIAL)],
        ranx: &[ranx("bpref", MeasureKind::Bpref)],
        help: "binary preference: judged non-relevant documents ranked above relevant ones",
        ..BINARY
    },
    MeasureInfo {
        family: "Judged",
        kind: MeasureKind::Judged,
        relevance_level: false,
        parameters: "none",
        ir_measures: &["Judged"],
        help: "share of retrieved documents that are judged",
        ..BINARY
    },
    MeasureInfo {
        family: "NumRet",
        kind: MeasureKind::NumRet,
        relevance_level: false,
        aggregate: Aggregate::Sum,
        reads: Reads::Nothing,
        ir_measures: &["NumRet"],
        trec_eval: &[trec_in("num_ret", TrecForm::Plain, 2, OFFICIAL_SET)],
        help: "number of retrieved documents (NumRet(rel=l) is NumRelRet)",
        ..BINARY
    },
    MeasureInfo {
        family: "NumRel",
        kind: MeasureKind::NumRel,
        cutoff: CutoffUse::None,
        aggregate: Aggregate::Sum,
        reads: Reads::Nothing,
        ir_measures: &["NumRel"],
        trec_eval: &[trec_in("num_rel", TrecForm::Plain, 3, OFFICIAL_SET)],
        help: "number of relevant documents",
        ..BINARY
    },
    MeasureInfo {
        family: "NumRelRet",
        kind: MeasureKind::NumRelRet,
        aggregate: Aggregate::Sum,
        ir_measures: &["NumRelRet"],
        trec_eval: &[trec_in("num_rel_ret", TrecForm::Plain, 4, OFFICIAL_SET)],
        ranx: &[ranx("hits", MeasureKind::NumRelRet)],
        help: "number of relevant documents retrieved",
        ..BINARY
    },
    MeasureInfo {
        family: "NumQ",
        kind: MeasureKind::NumQ,
        cutoff: CutoffUse::None,
        relevance_level: false,
        aggregate: Aggregate::Sum,
        reads: Reads::Nothing,
        parameters: "none",
        ir_measures: &["NumQ"],
        trec_eval: &[trec_in("num_q", TrecForm::Plain, 1, OFFICIAL_SET)],
        help: "number of queries",
        ..BINARY
    },
    MeasureInfo {
        family: "set_P",
        judged_only: true,
        kind: MeasureKind::SetP,
        ir_measures: &["SetP"],
        trec_eval: &[trec_in("set_P", TrecForm::Plain, 28, SET)],
        help: "precision of the whole retrieved set",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "set_recall",
        kind: MeasureKind::SetRecall,
        ir_measures: &["SetR"],
        trec_eval: &[trec_in("set_recall", TrecForm::Plain, 30, SET)],
        help: "recall of the whole retrieved set",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "set_relative_P",
        kind: MeasureKind::SetRelativeP,
        trec_eval: &[trec_in("set_relative_P", TrecForm::Plain, 29, SET)],
        help: "set precision over the best set precision possible",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "set_map",
        judged_only: true,
        kind: MeasureKind::SetMap,
        ir_measures: &["SetAP"],
        trec_eval: &[trec_in("set_map", TrecForm::Plain, 31, SET)],
        help: "set precision times set recall",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "set_F",
        judged_only: true,
        kind: MeasureKind::SetF { beta: 1.0 },
        parameters: "beta, rel",
        ir_measures: &["SetF"],
        trec_eval: &[trec_in("set_F", TrecForm::Params("beta"), 32, SET)],
        help: "F-measure of set precision and set recall (beta=1 by default)",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "utility",
        kind: MeasureKind::Utility {
            coef: [1.0, -1.0, 0.0, 0.0],
            num_docs_in_coll: 0,
        },
        trec_eval: &[trec_in("utility", TrecForm::Params("c1,c2,c3,c4"), 17, SET)],
        help: "linear utility, coefficients 1,-1,0,0 (rel_ret, nonrel_ret, ...)",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "num_nonrel_judged_ret",
        kind: MeasureKind::NumNonrelJudgedRet,
        aggregate: Aggregate::Sum,
        trec_eval: &[trec("num_nonrel_judged_ret", TrecForm::Plain, 33)],
        help: "number of judged non-relevant documents retrieved",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "relative_P",
        kind: MeasureKind::RelativeP,
        cutoff: CutoffUse::Required,
        trec_eval: &[trec("relative_P", TrecForm::Cutoffs(&TREC_CUTOFFS), 26)],
        help: "P@k over the best P@k possible",
        ..BINARY
    },
    MeasureInfo {
        family: "Rprec_mult",
        kind: MeasureKind::RprecMult { mult: 1.0 },
        trec_eval: &[trec("Rprec_mult", TrecForm::Levels(&TREC_R_MULTIPLES), 16)],
        help: "precision at a multiple of R documents",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "11pt_avg",
        kind: MeasureKind::IPrecAvg11,
        trec_eval: &[trec("11pt_avg", TrecForm::DefaultOnly, 18)],
        help: "interpolated precision averaged over the 11 standard recall levels",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "gm_bpref",
        kind: MeasureKind::GmBpref,
        aggregate: Aggregate::GeometricMean,
        trec_eval: &[trec("gm_bpref", TrecForm::Plain, 15)],
        help: "bpref summarised by a geometric mean",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "infAP",
        kind: MeasureKind::InfAP,
        ir_measures: &["infAP"],
        trec_eval: &[trec("infAP", TrecForm::Plain, 14)],
        help: "inferred average precision (unjudged documents sampled out)",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "yaap",
        kind: MeasureKind::Yaap,
        // Position 51 of `te_trec_measures` in trec_eval 9.0.4's measures.c (after the
        // preference and judgement-group measures); not in `all_trec`.
        trec_eval: &[trec_named_only("yaap", TrecForm::Plain, 51)],
        help: "yet another average precision: log((1 + S) / (1 + R - S)), S = AP's sum",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "binG",
        kind: MeasureKind::BinG,
        trec_eval: &[trec("binG", TrecForm::Plain, 19)],
        help: "binary G: normalised gain with binary labels",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "G",
        kind: MeasureKind::G,
        relevance_level: false,
        parameters: "none",
        trec_eval: &[trec("G", TrecForm::DefaultOnly, 20)],
        help: "normalised cumulative gain",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "ndcg_rel",
        kind: MeasureKind::NdcgRel,
        relevance_level: false,
        parameters: "none",
        trec_eval: &[trec("ndcg_rel", TrecForm::DefaultOnly, 22)],
        help: "nDCG averaged over the relevant documents",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "Rndcg",
        kind: MeasureKind::Rndcg,
        trec_eval: &[trec("Rndcg", TrecForm::DefaultOnly, 23)],
        help: "nDCG averaged at the R levels",
        ..TREC_SET_MEASURE
    },
    MeasureInfo {
        family: "SDCG",
        kind: MeasureKind::Sdcg {
            min_rel: 0.0,
            max_rel: f64::NAN,
        },
        cutoff: CutoffUse::Required,
        relevance_level: false,
        parameters: "max_rel, min_rel=0, dcg=log2",
        ir_measures: &["SDCG"],
        required: "max_rel=3",
        help: "scaled DCG: DCG@k of labels scaled to [0, 1], over the DCG@k of k fully relevant",
        ..BINARY
    },
    MeasureInfo {
        family: "Compat",
        kind: MeasureKind::Compat {
            p: 0.95,
            normalize: true,
        },
        cutoff: CutoffUse::None,
        relevance_level: false,
        parameters: "p=0.95, normalize=True",
        ir_measures: &["Compat"],
        help: "compatibility: rank-biased overlap with the ideal ranking (p=0.95 by default)",
        ..BINARY
    },
    MeasureInfo {
        family: "R_cap",
        kind: MeasureKind::RecallCap,
        cutoff: CutoffUse::Required,
        beir: &["recall_cap", "R_cap"],
        help: "capped recall: relevant documents in the top k over min(k, R)",
        ..BINARY
    },
    MeasureInfo {
        family: "Accuracy",
        kind: MeasureKind::Accuracy,
        ir_measures: &["Accuracy"],
        help: "share of (relevant, non-relevant) pairs of the ranking in the right order",
        ..BINARY
    },
    MeasureInfo {
        family: "hole",
        kind: MeasureKind::Hole,
        cutoff: CutoffUse::Required,
        relevance_level: false,
        parameters: "none",
        beir: &["hole"],
        help: "share of the top k (over k) that is not judged",
        ..BINARY
    },
    MeasureInfo {
        family: "INST",
        kind: MeasureKind::Inst {
            t: 1.0,
            cwl: CwlParams::DEFAULT,
        },
        parameters: "T=1, max_rel, min_rel=0, column=EU",
        ir_measures: &["INST"],
        help: "C/W/L INST: an adaptive user who wants T (scaled) gain",
        ..CWL
    },
    MeasureInfo {
        family: "INSQ",
        kind: MeasureKind::Insq {
            t: 1.0,
            cwl: CwlParams::DEFAULT,
        },
        parameters: "T=1, max_rel, min_rel=0, column=EU",
        ir_measures: &["INSQ"],
        help: "C/W/L INSQ: INST's user with a patience that does not adapt to gain",
        ..CWL
    },
    MeasureInfo {
        family: "BPM",
        kind: MeasureKind::Bpm {
            t: 1.0,
            dynamic: None,
            cwl: CwlParams::DEFAULT,
        },
        cutoff: CutoffUse::Required,
        parameters: "T=1, max_rel, min_rel=0, column=EU, dynamic=False, hb=1, hc=1, gain_med=0.5",
        ir_measures: &["BPM"],
        help: "C/W/L bejeweled player: stops at T gain or k documents (static or dynamic)",
        ..CWL
    },
    MeasureInfo {
        family: "NERR8",
        kind: MeasureKind::Nerr8 {
            cwl: CwlParams::DEFAULT,
        },
        cutoff: CutoffUse::Required,
        parameters: "max_rel, min_rel=0, column=EU",
        ir_measures: &["NERR8"],
        help: "C/W/L not-ERR, eq. 8: continue with 1 - gain, to depth k",
        ..CWL
    },
    MeasureInfo {
        family: "NERR9",
        kind: MeasureKind::Nerr9 {
            cwl: CwlParams::DEFAULT,
        },
        cutoff: CutoffUse::Required,
        parameters: "max_rel, min_rel=0, column=EU",
        ir_measures: &["NERR9"],
        help: "C/W/L not-ERR, eq. 9: continue with i/(i+1) (1 - gain), to depth k",
        ..CWL
    },
    MeasureInfo {
        family: "NERR10",
        kind: MeasureKind::Nerr10 {
            p: 0.9,
            cwl: CwlParams::DEFAULT,
        },
        parameters: "p=0.9, max_rel, min_rel=0, column=EU",
        ir_measures: &["NERR10"],
        help: "C/W/L not-ERR, eq. 10: continue with p (1 - gain)",
        ..CWL
    },
    MeasureInfo {
        family: "NERR11",
        kind: MeasureKind::Nerr11 {
            t: 1.0,
            cwl: CwlParams::DEFAULT,
        },
        parameters: "T=1, max_rel, min_rel=0, column=EU",
        ir_measures: &["NERR11"],
        help: "C/W/L not-ERR, eq. 11: INSQ's continuation times 1 - gain",
        ..CWL
    },
    // trec_eval 10.0's measures, after yaap in its `te_trec_measures` (`measures.c`); in its
    // `all_trec` only ([`ALL_TREC_SINCE_10`]).
    MeasureInfo {
        family: "rbp",
        kind: MeasureKind::TrecRbp { p: 0.9 },
        parameters: "none",
        trec_eval: &[trec_named_only("rbp", TrecForm::Params("p=0.9"), 52)],
        help: "trec_eval 10.0's graded rank-biased precision (p=0.9; labels over the largest \
               when it is above 1)",
        ..TREC_10_MEASURE
    },
    MeasureInfo {
        family: "rbp_resid",
        kind: MeasureKind::RbpResid { p: 0.9 },
        parameters: "none",
        trec_eval: &[trec_named_only("rbp_resid", TrecForm::Params("p=0.9"), 53)],
        help: "trec_eval 10.0's RBP residual: what unjudged documents could add to rbp",
        ..TREC_10_MEASURE
    },
    MeasureInfo {
        family: "unj",
        kind: MeasureKind::Unj,
        cutoff: CutoffUse::Required,
        parameters: "none",
        trec_eval: &[trec_named_only("unj", TrecForm::Cutoffs(&UNJ_CUTOFFS), 54)],
        help: "trec_eval 10.0's unjudged documents in the top k, over k",
        ..TREC_10_MEASURE
    },
];

/// A measure of preference or judgement-group judgements (trec_eval's `-R prefs`,
/// `qrels_prefs`, `qrels_jg`): listed with the others (`rankwise._native.measures()`, the
/// CLI's help, the list of valid measures), computed and parsed by [`super::prefs`] from
/// its own readers ([`crate::trec::prefs`]); the qrels parser refuses them, naming `-R`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelInfoInfo {
    pub name: &'static str,
    /// The relevance format it needs: `"prefs"` (also `qrels_prefs`) or `"qrels_jg"`.
    pub rel_format: &'static str,
    /// `Plain`, or `Cutoffs`/`Levels` at these defaults (`P_avgjg`, `Rprec_mult_avgjg`).
    pub form: TrecForm,
    /// Position in trec_eval 9.0.4's output (`te_trec_measures` in `measures.c`).
    pub order: usize,
    /// trec_eval's groups that include it (`all_prefs`, `prefs`, `qrels_jg`).
    pub groups: &'static [&'static str],
    /// Whether it is a count (printed `%ld`, summed).
    pub count: bool,
    pub help: &'static str,
}

const ALL_PREFS: &[&str] = &["all_prefs"];
const PREFS_GROUPS: &[&str] = &["all_prefs", "prefs"];

const fn prefs_row(
    name: &'static str,
    order: usize,
    groups: &'static [&'static str],
    count: bool,
    help: &'static str,
) -> RelInfoInfo {
    RelInfoInfo {
        name,
        rel_format: "prefs",
        form: TrecForm::Plain,
        order,
        groups,
        count,
        help,
    }
}

/// trec_eval's default cutoffs for `P_avgjg` (those of `P`).
pub const P_AVGJG_CUTOFFS: [usize; 9] = TREC_CUTOFFS;

/// The preference and judgement-group measures, in trec_eval's order (`measures.c`, whose
/// groups `all_prefs`, `prefs` and `qrels_jg` they follow; help after `m_prefs_*.c`).
pub const REL_INFO_MEASURES: &[RelInfoInfo] = &[
    prefs_row(
        "prefs_num_prefs_poss",
        34,
        PREFS_GROUPS,
        true,
        "number of preferences possible",
    ),
    prefs_row(
        "prefs_num_prefs_ful",
        35,
        PREFS_GROUPS,
        true,
        "number of preferences fulfilled",
    ),
    prefs_row(
        "prefs_num_prefs_ful_ret",
        36,
        PREFS_GROUPS,
        true,
        "number of preferences fulfilled among retrieved documents",
    ),
    prefs_row(
        "prefs_simp",
        37,
        PREFS_GROUPS,
        false,
        "share of the possible preferences fulfilled",
    ),
    prefs_row(
        "prefs_pair",
        38,
        PREFS_GROUPS,
        false,
        "preferences fulfilled, averaged over pairs of judgement classes",
    ),
    prefs_row(
        "prefs_avgjg",
        39,
        PREFS_GROUPS,
        false,
        "prefs_simp averaged over judgement groups",
    ),
    prefs_row(
        "prefs_avgjg_Rnonrel",
        40,
        ALL_PREFS,
        false,
        "prefs_avgjg with as many non-relevant documents as relevant ones",
    ),
    prefs_row(
        "prefs_simp_ret",
        41,
        ALL_PREFS,
        false,
        "prefs_simp over retrieved documents",
    ),
    prefs_row(
        "prefs_pair_ret",
        42,
        ALL_PREFS,
        false,
        "prefs_pair over retrieved documents",
    ),
    prefs_row(
        "prefs_avgjg_ret",
        43,
        ALL_PREFS,
        false,
        "prefs_avgjg over retrieved documents",
    ),
    prefs_row(
        "prefs_avgjg_Rnonrel_ret",
        44,
        ALL_PREFS,
        false,
        "prefs_avgjg_Rnonrel over retrieved documents",
    ),
    prefs_row(
        "prefs_simp_imp",
        45,
        ALL_PREFS,
        false,
        "prefs_simp counting only preferences the ranking could still fulfil",
    ),
    prefs_row(
        "prefs_pair_imp",
        46,
        ALL_PREFS,
        false,
        "prefs_pair counting only preferences the ranking could still fulfil",
    ),
    prefs_row(
        "prefs_avgjg_imp",
        47,
        ALL_PREFS,
        false,
        "prefs_avgjg counting only preferences the ranking could still fulfil",
    ),
    RelInfoInfo {
        name: "map_avgjg",
        rel_format: "qrels_jg",
        form: TrecForm::Plain,
        order: 48,
        groups: &["qrels_jg"],
        count: false,
        help: "average precision averaged over judgement groups",
    },
    RelInfoInfo {
        name: "P_avgjg",
        rel_format: "qrels_jg",
        form: TrecForm::Cutoffs(&P_AVGJG_CUTOFFS),
        order: 49,
        groups: &["qrels_jg"],
        count: false,
        help: "P@k averaged over judgement groups",
    },
    RelInfoInfo {
        name: "Rprec_mult_avgjg",
        rel_format: "qrels_jg",
        form: TrecForm::Levels(&TREC_R_MULTIPLES),
        order: 50,
        groups: &["qrels_jg"],
        count: false,
        help: "precision at multiples of R averaged over judgement groups",
    },
];

/// trec_eval's groups of [`REL_INFO_MEASURES`].
pub const REL_INFO_GROUPS: [&str; 3] = ["all_prefs", "prefs", "qrels_jg"];

/// The row of a preference or judgement-group measure name as `-m` takes it: the bare name,
/// with parameters (`P_avgjg.5,10`), one member (`P_avgjg_5`, `Rprec_mult_avgjg_0.20`); or
/// of a group of them (`all_prefs`, `prefs`, `qrels_jg`: its first row).
pub fn rel_info_row(name: &str) -> Option<&'static RelInfoInfo> {
    let name = name.trim();
    if let Some(group) = REL_INFO_GROUPS.iter().find(|&&g| g == name) {
        return REL_INFO_MEASURES.iter().find(|r| r.groups.contains(group));
    }
    REL_INFO_MEASURES.iter().find(|r| {
        name == r.name
            || (!matches!(r.form, TrecForm::Plain)
                && name
                    .strip_prefix(r.name)
                    .is_some_and(|rest| rest.starts_with(['.', '_'])))
    })
}

/// Example spellings of a [`RelInfoInfo`] row, each of which `-R` with its format parses.
pub fn rel_info_examples(row: &RelInfoInfo) -> Vec<String> {
    match row.form {
        TrecForm::Cutoffs(_) => vec![row.name.to_owned(), format!("{}.5,10", row.name)],
        TrecForm::Levels(_) => vec![row.name.to_owned(), format!("{}.0.5,1", row.name)],
        _ => vec![row.name.to_owned()],
    }
}

/// A cwl_eval C/W/L user model: graded (scaled by `min_rel`/`max_rel`), no cutoff, `max_rel`
/// required.
const CWL: MeasureInfo = MeasureInfo {
    cutoff: CutoffUse::None,
    relevance_level: false,
    required: "max_rel=3",
    ..BINARY
};

/// Whether two kinds are the same measure, numeric parameters aside (`Ndcg(Linear)` and
/// `Ndcg(Exp2)` differ: trec_eval has only the first).
pub fn same_kind(a: MeasureKind, b: MeasureKind) -> bool {
    match (a, b) {
        (MeasureKind::Ndcg(x), MeasureKind::Ndcg(y))
        | (MeasureKind::Dcg(x), MeasureKind::Dcg(y)) => x == y,
        _ => std::mem::discriminant(&a) == std::mem::discriminant(&b),
    }
}

/// The row of a kind.
pub fn info(kind: MeasureKind) -> &'static MeasureInfo {
    let d = std::mem::discriminant(&kind);
    MEASURES
        .iter()
        .find(|row| std::mem::discriminant(&row.kind) == d)
        // Every kind has a row: `every_kind_has_one_row` below.
        .unwrap_or(&MEASURES[0])
}

/// The rows and trec_eval names of every trec_eval measure, in trec_eval's output order.
pub fn trec_names() -> Vec<(&'static MeasureInfo, &'static TrecName)> {
    let mut out: Vec<_> = MEASURES
        .iter()
        .flat_map(|row| row.trec_eval.iter().map(move |t| (row, t)))
        .collect();
    out.sort_by_key(|(_, t)| t.order);
    out
}

/// trec_eval's names in a group (`official`, `set`, `all_trec`), in its output order.
pub fn trec_group(group: &str) -> Vec<&'static str> {
    trec_names()
        .into_iter()
        .filter(|(_, t)| {
            if group == "all_trec" {
                t.all_trec
            } else {
                t.groups.contains(&group)
            }
        })
        .map(|(_, t)| t.name)
        .collect()
}

/// The trec_eval measure groups.
pub const TREC_GROUPS: [&str; 3] = ["official", "set", "all_trec"];

/// The measures trec_eval 10.0 added to `all_trec` (`trec_names` in its `measures.c`, commit
/// 4e0ebd0); 9.0.x lacks them.
pub const ALL_TREC_SINCE_10: [&str; 3] = ["rbp", "rbp_resid", "unj"];

/// trec_eval 10.0's default cutoffs for `unj` (`m_unjudged.c`).
pub const UNJ_CUTOFFS: [usize; 3] = [5, 10, 20];

/// A measure of trec_eval 10.0 only: graded or about judgements, no relevance level, no
/// ir_measures name.
const TREC_10_MEASURE: MeasureInfo = MeasureInfo {
    cutoff: CutoffUse::None,
    relevance_level: false,
    ..BINARY
};

/// An ir_measures name with the parameters its row requires: `SDCG(max_rel=3)`.
fn with_required(name: &str, row: &MeasureInfo) -> String {
    if row.required.is_empty() {
        name.to_owned()
    } else {
        format!("{name}({})", row.required)
    }
}

/// Example spellings of a row, one or two per name and form: the help list shows them,
/// the did-you-mean suggestions are drawn from them, and a test parses every one.
pub fn examples(row: &MeasureInfo) -> Vec<String> {
    let mut out = Vec::new();
    for &bare in row.ir_measures {
        let name = &with_required(bare, row);
        match (row.kind, row.cutoff) {
            (MeasureKind::IPrec { .. }, _) => out.push(format!("{name}@0.5")),
            (_, CutoffUse::None) => out.push(name.to_owned()),
            (_, CutoffUse::Optional) => {
                out.push(name.to_owned());
                out.push(format!("{name}@10"));
            }
            (_, CutoffUse::Required) => out.push(format!("{name}@10")),
        }
    }
    for t in row.trec_eval {
        let name = t.name;
        match t.form {
            TrecForm::Plain | TrecForm::DefaultOnly => out.push(name.to_owned()),
            TrecForm::Params(_) => out.push(name.to_owned()),
            TrecForm::Cutoffs(_) => out.push(format!("{name}_10")),
            TrecForm::Levels(_) => out.push(format!("{name}_0.50")),
        }
    }
    for r in row.ranx {
        if matches!(r.kind, MeasureKind::Rbp { .. }) {
            out.push(format!("{}.95", r.name));
        } else if row.cutoff == CutoffUse::None {
            out.push(r.name.to_owned());
        } else {
            out.push(format!("{}@10", r.name));
        }
    }
    out.extend(row.beir.iter().map(|name| format!("{name}@10")));
    out
}

/// The forms the list of valid measures shows for a row, per tool.
fn help_forms(row: &MeasureInfo) -> [Vec<String>; 4] {
    let mut ir = Vec::new();
    for &bare in row.ir_measures {
        let name = &with_required(bare, row);
        match (row.kind, row.cutoff) {
            (MeasureKind::IPrec { .. }, _) => ir.push(format!("{name}@r")),
            (_, CutoffUse::None) => ir.push(name.to_owned()),
            (_, CutoffUse::Optional) => ir.extend([name.to_owned(), format!("{name}@k")]),
            (_, CutoffUse::Required) => ir.push(format!("{name}@k")),
        }
    }
    let mut trec_forms = Vec::new();
    for t in row.trec_eval {
        let name = t.name;
        match t.form {
            TrecForm::Plain | TrecForm::DefaultOnly => trec_forms.push(name.to_owned()),
            TrecForm::Params(p) => trec_forms.extend([name.to_owned(), format!("{name}.{p}")]),
            TrecForm::Cutoffs(_) => {
                trec_forms.extend([
                    name.to_owned(),
                    format!("{name}_k"),
                    format!("{name}.k1,k2"),
                ]);
            }
            TrecForm::Levels(_) => {
                trec_forms.extend([
                    name.to_owned(),
                    format!("{name}_x"),
                    format!("{name}.x1,x2"),
                ]);
            }
        }
    }
    let mut ranx_forms = Vec::new();
    for r in row.ranx {
        if matches!(r.kind, MeasureKind::Rbp { .. }) {
            ranx_forms.push(format!("{}.95", r.name));
        } else if row.cutoff == CutoffUse::None {
            ranx_forms.push(r.name.to_owned());
        } else {
            ranx_forms.push(format!("{}@k", r.name));
        }
    }
    let beir_forms = row.beir.iter().map(|name| format!("{name}@k")).collect();
    [ir, trec_forms, ranx_forms, beir_forms]
}

/// The list of valid measures that [`crate::RankError::UnknownMeasure`] shows.
pub fn valid_measures_help() -> String {
    let mut tools: [Vec<String>; 4] = Default::default();
    let mut params = Vec::new();
    for row in MEASURES {
        for (all, forms) in tools.iter_mut().zip(help_forms(row)) {
            all.extend(forms);
        }
        if !matches!(row.parameters, REL | "none") {
            params.push(format!("{}({})", row.family, row.parameters));
        }
    }
    let [ir, trec_forms, ranx_forms, beir_forms] = tools;
    let judged_only: Vec<&str> = MEASURES
        .iter()
        .filter(|row| row.judged_only)
        .filter_map(|row| row.ir_measures.first().copied())
        .collect();
    let rel_info = |format: &str| -> String {
        REL_INFO_MEASURES
            .iter()
            .filter(|r| r.rel_format == format)
            .flat_map(rel_info_examples)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{}, with parameters {}, (rel=l) on binary measures and (judged_only=True) on {}; \
         trec_eval names {}, and the groups {}; ranx names {}; BEIR names {}; with -R prefs \
         or qrels_prefs judgements {} and the groups all_prefs, prefs; with -R qrels_jg \
         judgements {} and the group qrels_jg",
        ir.join(", "),
        params.join(", "),
        judged_only.join(", "),
        trec_forms.join(", "),
        TREC_GROUPS.join(", "),
        ranx_forms.join(", "),
        beir_forms.join(", "),
        rel_info("prefs"),
        rel_info("qrels_jg"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Measure;

    /// Every variant, so that a new variant without a row fails to compile here.
    fn every_kind() -> Vec<MeasureKind> {
        use MeasureKind as K;
        let all = [
            K::Ndcg(Gain::Linear),
            K::Dcg(Gain::Linear),
            K::Err { max_grade: 4.0 },
            K::AP,
            K::GmAP,
            K::RR,
            K::P,
            K::R,
            K::Rprec,
            K::Success,
            K::IPrec { recall: 0.5 },
            K::Rbp {
                p: 0.8,
                column: CwlColumn::EU,
            },
            K::Bpref,
            K::Judged,
            K::NumRet,
            K::NumRel,
            K::NumRelRet,
            K::NumQ,
            K::SetP,
            K::SetRecall,
            K::SetRelativeP,
            K::SetMap,
            K::SetF { beta: 1.0 },
            K::Utility {
                coef: [0.0; 4],
                num_docs_in_coll: 0,
            },
            K::NumNonrelJudgedRet,
            K::Yaap,
            K::RelativeP,
            K::RprecMult { mult: 1.0 },
            K::IPrecAvg11,
            K::GmBpref,
            K::InfAP,
            K::BinG,
            K::G,
            K::NdcgRel,
            K::Rndcg,
            K::Sdcg {
                min_rel: 0.0,
                max_rel: 3.0,
            },
            K::Compat {
                p: 0.95,
                normalize: true,
            },
            K::Accuracy,
            K::RecallCap,
            K::Hole,
            K::Inst {
                t: 1.0,
                cwl: CwlParams::DEFAULT,
            },
            K::Insq {
                t: 1.0,
                cwl: CwlParams::DEFAULT,
            },
            K::Bpm {
                t: 1.0,
                dynamic: None,
                cwl: CwlParams::DEFAULT,
            },
            K::Nerr8 {
                cwl: CwlParams::DEFAULT,
            },
            K::Nerr9 {
                cwl: CwlParams::DEFAULT,
            },
            K::Nerr10 {
                p: 0.9,
                cwl: CwlParams::DEFAULT,
            },
            K::Nerr11 {
                t: 1.0,
                cwl: CwlParams::DEFAULT,
            },
            K::TrecRbp { p: 0.9 },
            K::RbpResid { p: 0.9 },
            K::Unj,
        ];
        for k in all {
            // Exhaustive: a new variant must be added to `all` above.
            match k {
                K::Ndcg(_)
                | K::Dcg(_)
                | K::Err { .. }
                | K::AP
                | K::GmAP
                | K::RR
                | K::P
                | K::R
                | K::Rprec
                | K::Success
                | K::IPrec { .. }
                | K::Rbp { .. }
                | K::Bpref
                | K::Judged
                | K::NumRet
                | K::NumRel
                | K::NumRelRet
                | K::NumQ
                | K::SetP
                | K::SetRecall
                | K::SetRelativeP
                | K::SetMap
                | K::SetF { .. }
                | K::Utility { .. }
                | K::NumNonrelJudgedRet
                | K::Yaap
                | K::RelativeP
                | K::RprecMult { .. }
                | K::IPrecAvg11
                | K::GmBpref
                | K::InfAP
                | K::BinG
                | K::G
                | K::NdcgRel
                | K::Rndcg
                | K::Sdcg { .. }
                | K::Compat { .. }
                | K::Accuracy
                | K::RecallCap
                | K::Hole
                | K::Inst { .. }
                | K::Insq { .. }
                | K::Bpm { .. }
                | K::Nerr8 { .. }
                | K::Nerr9 { .. }
                | K::Nerr10 { .. }
                | K::Nerr11 { .. }
                | K::TrecRbp { .. }
                | K::RbpResid { .. }
                | K::Unj => {}
            }
        }
        all.to_vec()
    }

    #[test]
    fn every_kind_has_one_row() {
        let kinds = every_kind();
        assert_eq!(kinds.len(), MEASURES.len());
        for kind in kinds {
            let rows = MEASURES
                .iter()
                .filter(|r| std::mem::discriminant(&r.kind) == std::mem::discriminant(&kind))
                .count();
            assert_eq!(rows, 1, "{kind:?}");
            assert!(same_kind(info(kind).kind, kind) || matches!(kind, MeasureKind::Ndcg(_)));
        }
    }

    #[test]
    fn every_listed_example_parses_to_its_row() {
        for row in MEASURES {
            let examples = examples(row);
            assert!(!examples.is_empty(), "{} has no name", row.family);
            for name in examples {
                let parsed = Measure::parse(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
                for m in parsed {
                    assert_eq!(
                        std::mem::discriminant(&m.kind),
                        std::mem::discriminant(&row.kind),
                        "{name}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_name_is_in_the_help_list() {
        let help = valid_measures_help();
        let words: std::collections::HashSet<&str> = help
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .collect();
        for row in MEASURES {
            let names = row
                .ir_measures
                .iter()
                .copied()
                .chain(row.trec_eval.iter().map(|t| t.name))
                .chain(row.ranx.iter().map(|r| r.name))
                .chain(row.beir.iter().copied());
            for name in names {
                let listed = words.iter().any(|w| {
                    *w == name
                        || w.strip_prefix(name)
                            .is_some_and(|rest| rest.starts_with(['@', '_', '.', '(']))
                });
                assert!(listed, "{name} is accepted but not in the help list");
            }
        }
    }

    #[test]
    fn rel_info_rows_are_the_prefs_parsers_names() {
        use crate::metrics::prefs::{JG_NAMES, PREFS_NAMES};
        use crate::trec::prefs::RelFormat;
        let names: Vec<&str> = REL_INFO_MEASURES.iter().map(|r| r.name).collect();
        let expected: Vec<&str> = PREFS_NAMES.iter().chain(JG_NAMES.iter()).copied().collect();
        assert_eq!(names, expected);
        let orders: Vec<usize> = REL_INFO_MEASURES.iter().map(|r| r.order).collect();
        assert_eq!(orders, (34..=50).collect::<Vec<_>>());
        for row in REL_INFO_MEASURES {
            let format = if row.rel_format == "prefs" {
                RelFormat::Prefs
            } else {
                RelFormat::QrelsJg
            };
            for name in rel_info_examples(row) {
                let parsed = crate::metrics::prefs::RelInfoMeasures::parse(
                    std::slice::from_ref(&name),
                    format,
                );
                assert!(parsed.is_ok(), "{name}");
                assert!(Measure::parse(&name).is_err(), "{name}");
                assert_eq!(rel_info_row(&name).map(|r| r.name), Some(row.name));
            }
            assert_eq!(row.count, PREFS_NAMES[..3].contains(&row.name));
        }
        for group in REL_INFO_GROUPS {
            assert!(rel_info_row(group).is_some());
        }
        assert!(rel_info_row("P_5").is_none() && rel_info_row("map").is_none());
    }

    #[test]
    fn trec_groups_are_trec_evals() {
        assert_eq!(trec_group("all_trec").len(), 32);
        assert!(!trec_group("all_trec").contains(&"yaap"));
        assert_eq!(
            trec_group("set"),
            [
                "num_q",
                "num_ret",
                "num_rel",
                "num_rel_ret",
                "utility",
                "set_P",
                "set_relative_P",
                "set_recall",
                "set_map",
                "set_F"
            ]
        );
        let orders: Vec<usize> = trec_names().iter().map(|(_, t)| t.order).collect();
        // yaap at 51, then trec_eval 10.0's rbp, rbp_resid, unj (its `te_trec_measures`)
        let expected: Vec<usize> = (1..=33)
            .filter(|&o| o != 12)
            .chain([51, 52, 53, 54])
            .collect();
        assert_eq!(orders, expected);
        assert!(
            ALL_TREC_SINCE_10
                .iter()
                .all(|n| !trec_group("all_trec").contains(n))
        );
    }
}
