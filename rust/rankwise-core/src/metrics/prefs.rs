//! trec_eval's measures of preference judgements (`-R prefs`, `-R qrels_prefs`) and of qrels
//! with judgement groups (`-R qrels_jg`), transcribed from trec_eval 9.0.4 (usnistgov/trec_eval,
//! tag v9.0.4): `form_prefs_counts.c`, `m_prefs_*.c`, `form_res_rels_jg.c`, `m_map_avgjg.c`,
//! `m_P_avgjg.c`, `m_Rprec_mult_avgjg.c`, and the main loop of `trec_eval.c`.
//!
//! Preferences. For one query, every judged document gets an internal rank: the judged
//! documents the run retrieves first, in run order (score descending, ties by doc id
//! *ascending* here, unlike trec_eval's other measures), then the judged documents it misses,
//! by doc id. A judgement group (JG) with one sub-group is a list of equivalence classes (one
//! per `rel_level`); one with several sub-groups is a preference array closed under
//! transitivity. A preference A > B is *fulfilled* when A ranks above B, *retrieved* when
//! both are retrieved, *implied* when exactly one is, *not occurring* when neither is. The
//! measures are ratios of these counts, pooled over JGs (`prefs_simp*`), averaged over JGs
//! (`prefs_avgjg*`) or over document pairs (`prefs_pair*`). The counts array of pairs sums
//! 16-bit counters, as trec_eval's `unsigned short`s (wrapping).
//!
//! Judgement groups. `map_avgjg`, `P_avgjg`, `Rprec_mult_avgjg` are `map`, `P` and
//! `Rprec_mult` computed against each JG as its own qrels, then averaged over the query's JGs.
//!
//! Where trec_eval's behaviour is undefined (it `abort()`s on an inconsistent preference array;
//! it reads past an array in `prefs_avgjg_Rnonrel*` when a JG has negative `rel_level`s), the
//! first is an error here and the second reads what is there (the classes' own documents).

use std::collections::HashMap;
use std::fmt::Write;

use crate::error::{RankError, Result};
use crate::trec::prefs::{JgQrels, JgQuery, PrefJudgment, PrefsQrels, RelFormat};

/// One measure of the preference or judgement-group family.
#[derive(Debug, Clone, PartialEq)]
pub enum RelInfoMeasure {
    /// `prefs_*`: index into [`PREFS_NAMES`].
    Prefs(usize),
    /// `map_avgjg`.
    MapAvgjg,
    /// `P_avgjg` at these cutoffs (ascending).
    PAvgjg(Vec<i64>),
    /// `Rprec_mult_avgjg` at these multiples of R (ascending).
    RprecMultAvgjg(Vec<f64>),
}

/// The preference measures, in trec_eval's order (`measures.c`); the first three are counts.
pub const PREFS_NAMES: [&str; 14] = [
    "prefs_num_prefs_poss",
    "prefs_num_prefs_ful",
    "prefs_num_prefs_ful_ret",
    "prefs_simp",
    "prefs_pair",
    "prefs_avgjg",
    "prefs_avgjg_Rnonrel",
    "prefs_simp_ret",
    "prefs_pair_ret",
    "prefs_avgjg_ret",
    "prefs_avgjg_Rnonrel_ret",
    "prefs_simp_imp",
    "prefs_pair_imp",
    "prefs_avgjg_imp",
];

/// The judgement-group measures, in trec_eval's order.
pub const JG_NAMES: [&str; 3] = ["map_avgjg", "P_avgjg", "Rprec_mult_avgjg"];

const P_AVGJG_DEFAULT: [i64; 9] = [5, 10, 15, 20, 30, 100, 200, 500, 1000];
const RPREC_MULT_DEFAULT: [f64; 10] = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0];

/// The measures asked for with `-m`, for one relevance format, and whether `runid` and
/// `num_q` are printed.
#[derive(Debug, Clone, PartialEq)]
pub struct RelInfoMeasures {
    pub measures: Vec<RelInfoMeasure>,
    pub runid: bool,
    pub num_q: bool,
}

fn order(m: &RelInfoMeasure) -> usize {
    match m {
        RelInfoMeasure::Prefs(i) => *i,
        RelInfoMeasure::MapAvgjg => 14,
        RelInfoMeasure::PAvgjg(_) => 15,
        RelInfoMeasure::RprecMultAvgjg(_) => 16,
    }
}

fn invalid_measure(name: &str, reason: String) -> RankError {
    RankError::InvalidMeasure {
        name: name.to_owned(),
        reason,
    }
}

impl RelInfoMeasures {
    /// Parse trec_eval `-m` arguments for `format` (`prefs`, `qrels_prefs` or `qrels_jg`):
    /// the measure names above, `P_avgjg.5,10`, `Rprec_mult_avgjg.0.5,1`, and trec_eval's
    /// groups `all_prefs`, `prefs` (the official preference measures) and `qrels_jg`, each
    /// with `runid` and `num_q`. No names: the format's group (trec_eval would take
    /// `official`, whose measures need `-R qrels`).
    pub fn parse(names: &[String], format: RelFormat) -> Result<Self> {
        let prefs = matches!(format, RelFormat::Prefs | RelFormat::QrelsPrefs);
        let mut out = RelInfoMeasures {
            measures: Vec::new(),
            runid: false,
            num_q: false,
        };
        let default = [if prefs { "prefs" } else { "qrels_jg" }.to_owned()];
        let names = if names.is_empty() {
            &default[..]
        } else {
            names
        };
        let add = |m: RelInfoMeasure, out: &mut RelInfoMeasures| {
            // trec_eval computes a measure once, with the parameters first given.
            if !out.measures.iter().any(|x| order(x) == order(&m)) {
                out.measures.push(m);
            }
        };
        for full in names {
            let (name, params) = match full.split_once('.') {
                Some((n, p)) => (n, Some(p)),
                None => (full.as_str(), None),
            };
            let family_prefs = PREFS_NAMES.contains(&name) || matches!(name, "all_prefs" | "prefs");
            let family_jg = JG_NAMES.contains(&name) || name == "qrels_jg";
            if (family_prefs && !prefs) || (family_jg && prefs) {
                return Err(invalid_measure(
                    full,
                    format!(
                        "it needs relevance format {}; the relevance file is read as {}",
                        if family_prefs {
                            "prefs or qrels_prefs"
                        } else {
                            "qrels_jg"
                        },
                        format.name()
                    ),
                ));
            }
            if params.is_some() && !matches!(name, "P_avgjg" | "Rprec_mult_avgjg") {
                return Err(invalid_measure(full, format!("{name} takes no parameters")));
            }
            match name {
                "runid" => out.runid = true,
                "num_q" => out.num_q = true,
                "all_prefs" | "prefs" => {
                    out.runid = true;
                    out.num_q = true;
                    let n = if name == "prefs" {
                        6
                    } else {
                        PREFS_NAMES.len()
                    };
                    for i in 0..n {
                        add(RelInfoMeasure::Prefs(i), &mut out);
                    }
                }
                "qrels_jg" => {
                    out.runid = true;
                    out.num_q = true;
                    add(RelInfoMeasure::MapAvgjg, &mut out);
                    add(RelInfoMeasure::PAvgjg(P_AVGJG_DEFAULT.to_vec()), &mut out);
                    add(
                        RelInfoMeasure::RprecMultAvgjg(RPREC_MULT_DEFAULT.to_vec()),
                        &mut out,
                    );
                }
                "map_avgjg" => add(RelInfoMeasure::MapAvgjg, &mut out),
                "P_avgjg" => {
                    let cuts = match params {
                        None => P_AVGJG_DEFAULT.to_vec(),
                        Some(p) => long_cutoffs(full, p)?,
                    };
                    add(RelInfoMeasure::PAvgjg(cuts), &mut out);
                }
                "Rprec_mult_avgjg" => {
                    let cuts = match params {
                        None => RPREC_MULT_DEFAULT.to_vec(),
                        Some(p) => float_cutoffs(full, p)?,
                    };
                    add(RelInfoMeasure::RprecMultAvgjg(cuts), &mut out);
                }
                other => match PREFS_NAMES.iter().position(|&n| n == other) {
                    Some(i) => add(RelInfoMeasure::Prefs(i), &mut out),
                    None if crate::metrics::MeasureSet::parse(std::slice::from_ref(full))
                        .is_ok() =>
                    {
                        return Err(invalid_measure(
                            full,
                            format!(
                                "it needs relevance format qrels; the relevance file is read as {}",
                                format.name()
                            ),
                        ));
                    }
                    None => {
                        let valid: Vec<&str> = if prefs {
                            let mut v = vec!["all_prefs", "prefs", "runid", "num_q"];
                            v.extend(PREFS_NAMES);
                            v
                        } else {
                            let mut v = vec!["qrels_jg", "runid", "num_q"];
                            v.extend(JG_NAMES);
                            v
                        };
                        return Err(invalid_measure(
                            full,
                            format!(
                                "not a measure of relevance format {}; valid measures are: {}",
                                format.name(),
                                valid.join(", ")
                            ),
                        ));
                    }
                },
            }
        }
        out.measures.sort_by_key(order);
        Ok(out)
    }

    /// The printed columns: `(name, is_count)` for every value, in trec_eval's order.
    pub fn columns(&self) -> Vec<(String, bool)> {
        let mut cols = Vec::new();
        for m in &self.measures {
            match m {
                RelInfoMeasure::Prefs(i) => cols.push((PREFS_NAMES[*i].to_owned(), *i < 3)),
                RelInfoMeasure::MapAvgjg => cols.push(("map_avgjg".to_owned(), false)),
                RelInfoMeasure::PAvgjg(cuts) => {
                    cols.extend(cuts.iter().map(|c| (format!("P_avgjg_{c}"), false)));
                }
                RelInfoMeasure::RprecMultAvgjg(cuts) => {
                    // meas_init.c's append_float: "%s_%3.2f".
                    cols.extend(
                        cuts.iter()
                            .map(|c| (format!("Rprec_mult_avgjg_{c:3.2}"), false)),
                    );
                }
            }
        }
        cols
    }
}

/// Each comma-separated value of `params` parsed as a `T`; `expected` is the error's message
/// when one does not parse.
fn comma_list<T: std::str::FromStr>(full: &str, params: &str, expected: &str) -> Result<Vec<T>> {
    params
        .split(',')
        .map(|p| p.trim().parse::<T>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| invalid_measure(full, expected.to_owned()))
}

/// trec_eval's `get_long_cutoffs`: `atol` of each comma-separated value, sorted, positive,
/// without duplicates.
fn long_cutoffs(full: &str, params: &str) -> Result<Vec<i64>> {
    let mut cuts: Vec<i64> = comma_list(full, params, "cutoffs must be integers")?;
    cuts.sort_unstable();
    if cuts[0] <= 0 || cuts.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid_measure(
            full,
            "cutoffs must be positive, without duplicates".to_owned(),
        ));
    }
    Ok(cuts)
}

/// trec_eval's `get_float_cutoffs`: sorted, without duplicates.
fn float_cutoffs(full: &str, params: &str) -> Result<Vec<f64>> {
    let mut cuts: Vec<f64> = comma_list(full, params, "multiples must be numbers")?;
    if cuts.iter().any(|c| !c.is_finite() || *c < 0.0) {
        return Err(invalid_measure(
            full,
            "multiples must be finite and non-negative".to_owned(),
        ));
    }
    cuts.sort_by(f64::total_cmp);
    if cuts.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid_measure(
            full,
            "multiples must not repeat".to_owned(),
        ));
    }
    Ok(cuts)
}

/// A judgement group's preferences: equivalence classes or a preference array.
#[derive(Debug, Clone)]
enum JgPrefs {
    /// `(rel_level, internal ranks ascending)`, rel_levels descending.
    Classes(Vec<(f32, Vec<usize>)>),
    /// `a[i * n + j]`: i preferred to j (transitively closed); `rel[i]`: i's rel_level, -1
    /// if the JG does not judge i.
    Array { a: Vec<u8>, rel: Vec<f32> },
}

/// The counts of one judgement group (trec_eval's `JG`).
#[derive(Debug, Clone)]
struct Jg {
    prefs: JgPrefs,
    ful_ret: i64,
    poss_ret: i64,
    ful_imp: i64,
    poss_imp: i64,
    poss_notoccur: i64,
    num_rel: i64,
    num_rel_ret: i64,
    num_nonrel: i64,
    num_nonrel_ret: i64,
}

impl Jg {
    fn new(prefs: JgPrefs) -> Self {
        Jg {
            prefs,
            ful_ret: 0,
            poss_ret: 0,
            ful_imp: 0,
            poss_imp: 0,
            poss_notoccur: 0,
            num_rel: 0,
            num_rel_ret: 0,
            num_nonrel: 0,
            num_nonrel_ret: 0,
        }
    }
}

/// What `form_prefs_counts` returns for a query.
#[derive(Debug, Clone)]
struct ResultsPrefs {
    num_judged: usize,
    num_judged_ret: usize,
    jgs: Vec<Jg>,
    /// `counts[i * num_judged + j]`: the JGs preferring i to j.
    counts: Vec<u16>,
}

/// C's `qsort` comparison of `(sim, docno)` pairs: score descending, then `docno_order`.
fn by_score(a: f32, b: f32) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    if a > b {
        Ordering::Less
    } else if a < b {
        Ordering::Greater
    } else {
        // Equal, or a NaN (C compares it equal to everything; here NaNs sort last, so
        // that the order is total).
        b.is_nan().cmp(&a.is_nan()).reverse()
    }
}

/// The run's documents for one query ranked as trec_eval ranks them, the first `max_docs`;
/// an error for a document retrieved twice. `docs_ascending`: ties by doc id ascending
/// (`form_prefs_counts.c`) rather than descending (`form_res_rels*.c`).
fn rank_results<'a>(
    results: &[(&'a [u8], f32)],
    max_docs: usize,
    docs_ascending: bool,
    qid: &str,
) -> Result<Vec<&'a [u8]>> {
    let mut docs: Vec<(&[u8], f32)> = results.to_vec();
    docs.sort_by(|a, b| {
        by_score(a.1, b.1).then_with(|| {
            if docs_ascending {
                a.0.cmp(b.0)
            } else {
                b.0.cmp(a.0)
            }
        })
    });
    docs.truncate(max_docs);
    let mut sorted: Vec<&[u8]> = docs.iter().map(|d| d.0).collect();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(RankError::DuplicateDocument {
            what: "run",
            query: qid.to_owned(),
            doc: String::from_utf8_lossy(w[0]).into_owned(),
            path: None,
            line: None,
        });
    }
    Ok(docs.into_iter().map(|d| d.0).collect())
}

/// One preference line with its document's internal rank.
struct PrefRank<'a> {
    jg: &'a [u8],
    jsg: &'a [u8],
    rel: f32,
    rank: usize,
    doc: &'a [u8],
}

/// `form_prefs_counts` for one query.
fn form_prefs_counts(
    judgments: &[PrefJudgment],
    results: &[(&[u8], f32)],
    max_docs: usize,
    qid: &str,
) -> Result<ResultsPrefs> {
    let ranked = rank_results(results, max_docs, true, qid)?;
    let mut judged: Vec<&[u8]> = judgments.iter().map(|j| &*j.doc).collect();
    judged.sort_unstable();
    judged.dedup();
    let mut rank_of: HashMap<&[u8], usize> = HashMap::with_capacity(judged.len());
    for &doc in &ranked {
        if judged.binary_search(&doc).is_ok() {
            let next = rank_of.len();
            rank_of.insert(doc, next);
        }
    }
    let num_judged_ret = rank_of.len();
    for &doc in &judged {
        let next = rank_of.len();
        rank_of.entry(doc).or_insert(next);
    }
    let n = judged.len();
    let mut prefs: Vec<PrefRank<'_>> = judgments
        .iter()
        .map(|j| PrefRank {
            jg: &j.jg,
            jsg: &j.jsg,
            rel: j.rel_level,
            rank: rank_of[&*j.doc],
            doc: &j.doc,
        })
        .collect();
    // comp_prefs_and_ranks_jg_rel_level: jg, jsg, rel_level descending, rank.
    prefs.sort_by(|a, b| {
        a.jg.cmp(b.jg)
            .then_with(|| a.jsg.cmp(b.jsg))
            .then_with(|| by_score(a.rel, b.rel))
            .then_with(|| a.rank.cmp(&b.rank))
    });
    let mut rp = ResultsPrefs {
        num_judged: n,
        num_judged_ret,
        jgs: Vec::new(),
        counts: vec![0; n * n],
    };
    let mut start = 0;
    while start < prefs.len() {
        let end = start
            + prefs[start..]
                .iter()
                .position(|p| p.jg != prefs[start].jg)
                .unwrap_or(prefs.len() - start);
        let group = &prefs[start..end];
        let sub_groups = 1 + group.windows(2).filter(|w| w[0].jsg != w[1].jsg).count();
        let jg = if sub_groups > 1 {
            form_jg_array(group, &mut rp, qid)?
        } else {
            form_jg_classes(group, &mut rp, qid)?
        };
        rp.jgs.push(jg);
        start = end;
    }
    Ok(rp)
}

fn bump(counts: &mut [u16], n: usize, i: usize, j: usize) {
    counts[i * n + j] = counts[i * n + j].wrapping_add(1);
}

/// `form_jg_ec` and `add_ec_pref_to_jg`.
fn form_jg_classes(group: &[PrefRank<'_>], rp: &mut ResultsPrefs, qid: &str) -> Result<Jg> {
    let mut classes: Vec<(f32, Vec<usize>)> = Vec::new();
    for p in group {
        match classes.last_mut() {
            Some((rel, ranks)) if *rel == p.rel => ranks.push(p.rank),
            _ => classes.push((p.rel, vec![p.rank])),
        }
    }
    let (n, njr) = (rp.num_judged, rp.num_judged_ret);
    let mut jg = Jg::new(JgPrefs::Classes(Vec::new()));
    for (e1, (rel1, ranks1)) in classes.iter().enumerate() {
        let ret = ranks1.iter().take_while(|&&r| r < njr).count() as i64;
        if *rel1 > 0.0 {
            jg.num_rel_ret += ret;
            jg.num_rel += ranks1.len() as i64;
        } else {
            jg.num_nonrel_ret += ret;
            jg.num_nonrel += ranks1.len() as i64;
        }
        for (_, ranks2) in &classes[e1 + 1..] {
            for &r1 in ranks1 {
                for &r2 in ranks2 {
                    bump(&mut rp.counts, n, r1, r2);
                    if r1 == r2 {
                        let doc = group
                            .iter()
                            .find(|p| p.rank == r1)
                            .map_or(&b""[..], |p| p.doc);
                        return Err(inconsistent(
                            qid,
                            format!(
                                "document {:?} has two relevance levels in one judgement \
                                 sub-group",
                                String::from_utf8_lossy(doc)
                            ),
                        ));
                    }
                    if r1 < r2 {
                        if r2 < njr {
                            jg.ful_ret += 1;
                        } else if r1 < njr {
                            jg.ful_imp += 1;
                        } else {
                            jg.poss_notoccur += 1;
                        }
                    } else if r1 < njr {
                        jg.poss_ret += 1;
                    } else if r2 < njr {
                        jg.poss_imp += 1;
                    } else {
                        jg.poss_notoccur += 1;
                    }
                }
            }
        }
    }
    jg.poss_ret += jg.ful_ret;
    jg.poss_imp += jg.ful_imp;
    jg.prefs = JgPrefs::Classes(classes);
    Ok(jg)
}

fn inconsistent(qid: &str, what: String) -> RankError {
    RankError::InvalidValue {
        argument: "preference judgements".to_owned(),
        expected: "consistent within each judgement group".to_owned(),
        got: format!("in query {qid:?}, {what}"),
    }
}

/// `form_jg_pa`, `add_transitives` and `add_pa_pref_to_jg`.
fn form_jg_array(group: &[PrefRank<'_>], rp: &mut ResultsPrefs, qid: &str) -> Result<Jg> {
    let (n, njr) = (rp.num_judged, rp.num_judged_ret);
    let mut a = vec![0u8; n * n];
    let mut rel = vec![-1.0f32; n];
    for (i, p) in group.iter().enumerate() {
        let old = rel[p.rank];
        if (old > 0.0 && p.rel == 0.0) || (old == 0.0 && p.rel > 0.0) {
            return Err(inconsistent(
                qid,
                format!(
                    "document {:?} has both 0 and a non-0 relevance level in one judgement group",
                    String::from_utf8_lossy(p.doc)
                ),
            ));
        }
        rel[p.rank] = p.rel;
        let mut j = i + 1;
        while j < group.len() && group[j].jsg == p.jsg && group[j].rel == p.rel {
            j += 1;
        }
        while j < group.len() && group[j].jsg == p.jsg {
            a[p.rank * n + group[j].rank] = 1;
            j += 1;
        }
    }
    // Transitive closure (trec_eval multiplies the array, diagonal set, by itself until it
    // no longer changes: the same reachability), then the diagonal cleared.
    for i in 0..n {
        a[i * n + i] = 1;
    }
    for k in 0..n {
        for i in 0..n {
            if a[i * n + k] != 0 {
                for j in 0..n {
                    if a[k * n + j] != 0 {
                        a[i * n + j] = 1;
                    }
                }
            }
        }
    }
    for i in 0..n {
        a[i * n + i] = 0;
    }
    for i in 0..n {
        for j in i + 1..n {
            if a[i * n + j] != 0 && a[j * n + i] != 0 {
                return Err(inconsistent(
                    qid,
                    "two documents are each preferred to the other (trec_eval aborts)".to_owned(),
                ));
            }
        }
    }
    let mut jg = Jg::new(JgPrefs::Array {
        a: Vec::new(),
        rel: Vec::new(),
    });
    for (i, &r) in rel.iter().enumerate() {
        if r > 0.0 {
            jg.num_rel += 1;
            if i < njr {
                jg.num_rel_ret += 1;
            }
        } else if r == 0.0 {
            jg.num_nonrel += 1;
            if i < njr {
                jg.num_nonrel_ret += 1;
            }
        }
    }
    for i in 0..n {
        for j in 0..n {
            if i == j || a[i * n + j] == 0 {
                continue;
            }
            bump(&mut rp.counts, n, i, j);
            match (i < njr, j < njr) {
                (true, true) if j < i => jg.poss_ret += 1,
                (true, true) => jg.ful_ret += 1,
                (true, false) => jg.ful_imp += 1,
                (false, true) => jg.poss_imp += 1,
                (false, false) => jg.poss_notoccur += 1,
            }
        }
    }
    jg.poss_ret += jg.ful_ret;
    jg.poss_imp += jg.ful_imp;
    jg.prefs = JgPrefs::Array { a, rel };
    Ok(jg)
}

/// `recalculate` of `m_prefs_avgjg_Rnonrel.c` (`ret == false`) and
/// `m_prefs_avgjg_Rnonrel_ret.c` (`ret == true`): the counts with only the first R
/// non-relevant documents.
fn recalculate(jg: &Jg, n: usize, njr: usize, ret: bool) -> (i64, i64) {
    let (mut ful, mut poss) = (0i64, 0i64);
    match &jg.prefs {
        JgPrefs::Classes(classes) => {
            let keep = if ret { jg.num_rel_ret } else { jg.num_rel };
            let last = &classes[classes.len() - 1].1;
            // trec_eval takes the first R ranks of the last class even past its end.
            let nonrel = &last[..usize::try_from(keep).unwrap_or(0).min(last.len())];
            let limit = |ranks: &[usize]| -> usize {
                if ret {
                    ranks.iter().take_while(|&&r| r < njr).count()
                } else {
                    ranks.len()
                }
            };
            let mut count = |r1: usize, r2: usize| {
                if r1 < r2 && (ret || r1 < njr) {
                    ful += 1;
                } else {
                    poss += 1;
                }
            };
            // The pairs among the classes but the last (taken as the non-relevant one).
            let inner = &classes[..classes.len().saturating_sub(1)];
            for (e1, (_, ranks1)) in classes.iter().enumerate() {
                for (_, ranks2) in inner.iter().skip(e1 + 1) {
                    for &r1 in &ranks1[..limit(ranks1)] {
                        for &r2 in &ranks2[..limit(ranks2)] {
                            count(r1, r2);
                        }
                    }
                }
            }
            for (_, ranks1) in classes {
                for &r1 in &ranks1[..limit(ranks1)] {
                    for &r2 in &nonrel[..limit(nonrel)] {
                        count(r1, r2);
                    }
                }
            }
            poss += ful;
        }
        JgPrefs::Array { a, rel } => {
            let scan = if ret { njr } else { n };
            let mut seen = 0;
            let mut first_discarded = scan;
            for (i, &r) in rel.iter().enumerate().take(scan) {
                if r == 0.0 {
                    seen += 1;
                    if seen == jg.num_rel + 1 {
                        first_discarded = i;
                        break;
                    }
                }
            }
            let skip = |i: usize| i >= first_discarded && rel[i] == 0.0;
            let rows = if ret { njr } else { n };
            for i in 0..rows {
                if skip(i) {
                    continue;
                }
                let cols = if ret { njr } else { n };
                for j in 0..cols {
                    if j == i || skip(j) || a[i * n + j] == 0 {
                        continue;
                    }
                    match (i < njr, j < njr) {
                        (true, true) if j < i => poss += 1,
                        (true, true) | (true, false) => ful += 1,
                        (false, _) => poss += 1,
                    }
                }
            }
            poss += ful;
        }
    }
    (ful, poss)
}

fn prefs_value(which: usize, rp: &ResultsPrefs) -> f64 {
    let (n, njr) = (rp.num_judged, rp.num_judged_ret);
    let sum_over = |f: &dyn Fn(&Jg) -> (i64, i64)| -> (i64, i64) {
        rp.jgs.iter().fold((0, 0), |(a, b), jg| {
            let (x, y) = f(jg);
            (a + x, b + y)
        })
    };
    let ratio = |(ful, poss): (i64, i64)| {
        if poss != 0 {
            ful as f64 / poss as f64
        } else {
            0.0
        }
    };
    let avg_jg = |f: &dyn Fn(&Jg) -> (i64, i64)| -> f64 {
        let mut sum = 0.0;
        for jg in &rp.jgs {
            let (ful, poss) = f(jg);
            if poss != 0 {
                sum += ful as f64 / poss as f64;
            }
        }
        if sum > 0.0 {
            sum / rp.jgs.len() as f64
        } else {
            0.0
        }
    };
    let pair = |regions: usize| -> f64 {
        // regions: 1 = both retrieved, 2 = and implied, 3 = and neither (counted, no sum).
        let c = |i: usize, j: usize| f64::from(rp.counts[i * n + j]);
        let (mut pairs, mut sum) = (0u64, 0.0);
        let mut visit = |i: usize, j: usize, add: bool| {
            if rp.counts[i * n + j] != 0 || rp.counts[j * n + i] != 0 {
                pairs += 1;
                if add {
                    sum += c(i, j) / (c(i, j) + c(j, i));
                }
            }
        };
        for i in 0..njr {
            for j in i + 1..njr {
                visit(i, j, true);
            }
        }
        if regions >= 2 {
            for i in 0..njr {
                for j in njr..n {
                    visit(i, j, true);
                }
            }
        }
        if regions >= 3 {
            for i in njr..n {
                for j in i + 1..n {
                    visit(i, j, false);
                }
            }
        }
        if pairs != 0 { sum / pairs as f64 } else { 0.0 }
    };
    let all = |jg: &Jg| {
        (
            jg.ful_ret + jg.ful_imp,
            jg.poss_ret + jg.poss_imp + jg.poss_notoccur,
        )
    };
    let ret = |jg: &Jg| (jg.ful_ret, jg.poss_ret);
    let imp = |jg: &Jg| (jg.ful_ret + jg.ful_imp, jg.poss_ret + jg.poss_imp);
    match which {
        0 => sum_over(&all).1 as f64,
        1 => sum_over(&all).0 as f64,
        2 => sum_over(&ret).0 as f64,
        3 => ratio(sum_over(&all)),
        4 => pair(3),
        5 => avg_jg(&all),
        6 | 10 => {
            let on_ret = which == 10;
            let mut sum = 0.0;
            for jg in &rp.jgs {
                let (r, nn) = if on_ret {
                    (jg.num_rel_ret, jg.num_nonrel_ret)
                } else {
                    (jg.num_rel, jg.num_nonrel)
                };
                let (ful, poss) = if r >= nn {
                    let (f, p) = if on_ret { ret(jg) } else { all(jg) };
                    (f + jg.num_rel_ret * (r - nn), p + jg.num_rel * (r - nn))
                } else {
                    recalculate(jg, n, njr, on_ret)
                };
                sum += ful as f64 / poss as f64;
            }
            if sum > 0.0 {
                sum / rp.jgs.len() as f64
            } else {
                0.0
            }
        }
        7 => ratio(sum_over(&ret)),
        8 => pair(1),
        9 => avg_jg(&ret),
        11 => ratio(sum_over(&imp)),
        12 => pair(2),
        _ => avg_jg(&imp),
    }
}

/// trec_eval's `RES_RELS` for one judgement group.
struct JgRels {
    /// Relevance of the document at each rank: its label, -1 unjudged, -2 judged below 0.
    rels: Vec<i64>,
    num_rel: i64,
    num_rel_ret: i64,
}

/// `te_form_res_rels_jg` for one query.
fn form_res_rels_jg(
    groups: &JgQuery,
    results: &[(&[u8], f32)],
    opts: &RelInfoOptions,
    qid: &str,
) -> Result<Vec<JgRels>> {
    let ranked = rank_results(results, opts.max_docs.unwrap_or(usize::MAX), false, qid)?;
    let level = opts.rel_level;
    Ok(groups
        .iter()
        .map(|(_, judged)| {
            let mut rels: Vec<i64> = ranked
                .iter()
                .map(|doc| match judged.binary_search_by(|j| (*j.doc).cmp(doc)) {
                    Ok(k) if judged[k].rel < 0 => -2,
                    Ok(k) => judged[k].rel,
                    Err(_) => -1,
                })
                .collect();
            if opts.judged_only {
                rels.retain(|&r| r >= 0);
            }
            #[allow(clippy::cast_precision_loss)]
            let num_rel_ret = rels
                .iter()
                .filter(|&&r| r >= 0 && r as f64 >= level)
                .count();
            #[allow(clippy::cast_precision_loss)]
            let num_rel = judged
                .iter()
                .filter(|j| j.rel >= 0 && j.rel as f64 >= level)
                .count();
            JgRels {
                rels,
                num_rel: num_rel as i64,
                num_rel_ret: num_rel_ret as i64,
            }
        })
        .collect())
}

/// Values of the judgement-group measure `m` for one query, appended to `out`.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
fn jg_values(m: &RelInfoMeasure, jgs: &[JgRels], level: f64, out: &mut Vec<f64>) {
    let is_rel = |r: i64| r as f64 >= level;
    let start = out.len();
    match m {
        RelInfoMeasure::MapAvgjg => {
            let mut value = 0.0;
            for jg in jgs {
                let (mut so_far, mut sum) = (0i64, 0.0);
                for (i, &r) in jg.rels.iter().enumerate() {
                    if is_rel(r) {
                        so_far += 1;
                        sum += so_far as f64 / (i + 1) as f64;
                    }
                }
                if so_far != 0 {
                    value += sum / jg.num_rel as f64;
                }
            }
            out.push(value);
        }
        RelInfoMeasure::PAvgjg(cuts) => {
            out.extend(std::iter::repeat_n(0.0, cuts.len()));
            let v = &mut out[start..];
            for jg in jgs {
                let (mut ci, mut so_far) = (0usize, 0i64);
                for (i, &r) in jg.rels.iter().enumerate() {
                    if i as i64 == cuts[ci] {
                        v[ci] += so_far as f64 / i as f64;
                        ci += 1;
                        if ci == cuts.len() {
                            break;
                        }
                    }
                    if is_rel(r) {
                        so_far += 1;
                    }
                }
                while ci < cuts.len() {
                    v[ci] += so_far as f64 / cuts[ci] as f64;
                    ci += 1;
                }
            }
        }
        RelInfoMeasure::RprecMultAvgjg(pcts) => {
            out.extend(std::iter::repeat_n(0.0, pcts.len()));
            let v = &mut out[start..];
            for jg in jgs {
                let cuts: Vec<i64> = pcts
                    .iter()
                    .map(|p| (p * jg.num_rel as f64 + 0.9) as i64)
                    .collect();
                let num_ret = jg.rels.len() as i64;
                let mut cc = cuts.len() as i64 - 1;
                while cc >= 0 && cuts[cc as usize] > num_ret {
                    v[cc as usize] += jg.num_rel_ret as f64 / cuts[cc as usize] as f64;
                    cc -= 1;
                }
                let mut so_far = jg.num_rel_ret;
                let mut i = num_ret;
                while i > 0 && so_far > 0 {
                    let precis = so_far as f64 / i as f64;
                    while cc >= 0 && i == cuts[cc as usize] {
                        v[cc as usize] += precis;
                        cc -= 1;
                    }
                    if is_rel(jg.rels[(i - 1) as usize]) {
                        so_far -= 1;
                    }
                    i -= 1;
                }
            }
        }
        RelInfoMeasure::Prefs(_) => unreachable!("not a judgement-group measure"),
    }
    if jgs.len() > 1 {
        for x in &mut out[start..] {
            *x /= jgs.len() as f64;
        }
    }
}

/// Options of an evaluation against preferences or judgement groups (trec_eval's flags).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelInfoOptions {
    /// `-l`: the smallest label that is relevant (judgement-group measures).
    pub rel_level: f64,
    /// `-J`: only judged documents count (judgement-group measures).
    pub judged_only: bool,
    /// `-M`: only the first documents of each ranking count.
    pub max_docs: Option<usize>,
    /// `-c`: average over every query of the relevance file.
    pub complete: bool,
}

/// trec_eval's value for a Z-score it cannot compute (`MISSING_ZSCORE_VALUE`, trec_eval.h).
pub const MISSING_ZSCORE: f64 = -1_000_000.0;

/// `te_convert_to_zscore` (`convert_zscores.c`): each value of query `qid` in the column
/// `names[c]` as a Z-score against the file's mean and standard deviation for that query
/// and measure; [`MISSING_ZSCORE`] where the file lacks them, or where the deviation is 0
/// and the value differs from the mean (0 where it equals it).
pub fn convert_to_zscores(
    zscores: &crate::trec::prefs::ZScores,
    qid: &[u8],
    names: &[(String, bool)],
    row: &mut [f64],
) {
    for ((name, _), value) in names.iter().zip(row.iter_mut()) {
        *value = match zscores.get(qid, name.as_bytes()) {
            Some((mean, stddev)) if stddev != 0.0 => (*value - mean) / stddev,
            Some((mean, _)) if *value == mean => 0.0,
            _ => MISSING_ZSCORE,
        };
    }
}

impl Default for RelInfoOptions {
    fn default() -> Self {
        RelInfoOptions {
            rel_level: 1.0,
            judged_only: false,
            max_docs: None,
            complete: false,
        }
    }
}

/// Preference or judgement-group judgements, as read for `-R`.
#[derive(Debug, Clone, PartialEq)]
pub enum RelInfo {
    Prefs(PrefsQrels),
    Jg(JgQrels),
}

impl RelInfo {
    /// Read `path` in `format` (`prefs`, `qrels_prefs` or `qrels_jg`).
    pub fn read(path: &std::path::Path, format: RelFormat) -> Result<Self> {
        use crate::trec::prefs::{read_prefs, read_qrels_jg, read_qrels_prefs};
        match format {
            RelFormat::Prefs => Ok(RelInfo::Prefs(read_prefs(path)?)),
            RelFormat::QrelsPrefs => Ok(RelInfo::Prefs(read_qrels_prefs(path)?)),
            RelFormat::QrelsJg => Ok(RelInfo::Jg(read_qrels_jg(path)?)),
            RelFormat::Qrels => Err(RankError::InvalidValue {
                argument: "rel_format".to_owned(),
                expected: "prefs, qrels_prefs or qrels_jg here (qrels files are read by \
                           read_qrels)"
                    .to_owned(),
                got: "\"qrels\"".to_owned(),
            }),
        }
    }

    /// The relevance format these judgements answer (for the measures' check).
    pub fn format(&self) -> RelFormat {
        match self {
            RelInfo::Prefs(_) => RelFormat::Prefs,
            RelInfo::Jg(_) => RelFormat::QrelsJg,
        }
    }

    fn num_queries(&self) -> usize {
        match self {
            RelInfo::Prefs(p) => p.queries.len(),
            RelInfo::Jg(j) => j.queries.len(),
        }
    }

    fn query_index(&self, qid: &[u8]) -> Option<usize> {
        match self {
            RelInfo::Prefs(p) => p.queries.binary_search_by(|q| (*q.0).cmp(qid)).ok(),
            RelInfo::Jg(j) => j.queries.binary_search_by(|q| (*q.0).cmp(qid)).ok(),
        }
    }
}

/// A run's results by query: `(query id, [(doc id, score)])`, as trec_eval keeps them
/// (scores in single precision).
pub type RunResults<'a> = Vec<(&'a [u8], Vec<(&'a [u8], f32)>)>;

/// The results of a [`crate::trec::Run`] by query, in `strcmp` order of the query ids.
#[allow(clippy::cast_possible_truncation)]
pub fn run_results(run: &crate::trec::Run) -> RunResults<'_> {
    let mut out: RunResults<'_> = (0..run.num_queries())
        .map(|q| {
            let docs = run
                .range(q)
                .map(|i| (run.doc(i), run.score(i) as f32))
                .collect();
            (run.query_id_bytes(q), docs)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

/// An evaluation against preferences or judgement groups.
#[derive(Debug, Clone, PartialEq)]
pub struct RelInfoEvaluation {
    /// `(name, is_count)` of each value column.
    pub columns: Vec<(String, bool)>,
    /// Evaluated query ids (those of the run with judgements), in `strcmp` order.
    pub query_ids: Vec<String>,
    /// `values[q][c]`.
    pub values: Vec<Vec<f64>>,
    /// The summary of each column, as trec_eval computes it (sums in query order, divided
    /// by the number of queries; counts summed).
    pub summary: Vec<f64>,
    /// trec_eval's `num_q`: the evaluated queries, or (`complete`) the judged ones.
    pub num_q: usize,
}

/// Evaluate `results` (from [`run_results`]) against `rel` with `measures`.
///
/// `zscores` (`-Z`): each query's values become Z-scores ([`convert_to_zscores`]) before
/// they are printed and averaged, as trec_eval converts them.
pub fn evaluate_rel_info(
    rel: &RelInfo,
    results: &RunResults<'_>,
    measures: &RelInfoMeasures,
    opts: &RelInfoOptions,
    zscores: Option<&crate::trec::prefs::ZScores>,
) -> Result<RelInfoEvaluation> {
    let columns = measures.columns();
    let watch = crate::interrupt::current();
    let mut query_ids = Vec::new();
    let mut values = Vec::new();
    for (qid_bytes, docs) in results {
        watch.check()?;
        let Some(k) = rel.query_index(qid_bytes) else {
            continue;
        };
        let qid = String::from_utf8_lossy(qid_bytes).into_owned();
        let mut row = Vec::with_capacity(columns.len());
        match rel {
            RelInfo::Prefs(p) => {
                let rp = form_prefs_counts(
                    &p.queries[k].1,
                    docs,
                    opts.max_docs.unwrap_or(usize::MAX),
                    &qid,
                )?;
                for m in &measures.measures {
                    if let RelInfoMeasure::Prefs(i) = m {
                        row.push(prefs_value(*i, &rp));
                    }
                }
            }
            RelInfo::Jg(j) => {
                let jgs = form_res_rels_jg(&j.queries[k].1, docs, opts, &qid)?;
                for m in &measures.measures {
                    jg_values(m, &jgs, opts.rel_level, &mut row);
                }
            }
        }
        if let Some(z) = zscores {
            convert_to_zscores(z, qid_bytes, &columns, &mut row);
        }
        query_ids.push(qid);
        values.push(row);
    }
    if query_ids.is_empty() {
        return Err(RankError::InvalidValue {
            argument: "run".to_owned(),
            expected: "at least one query with judgements (trec_eval: \"No queries with both \
                       results and relevance info\")"
                .to_owned(),
            got: format!("none of its {} queries", results.len()),
        });
    }
    let num_q = if opts.complete {
        rel.num_queries()
    } else {
        query_ids.len()
    };
    #[allow(clippy::cast_precision_loss)]
    let summary = columns
        .iter()
        .enumerate()
        .map(|(c, (_, count))| {
            let sum = values.iter().fold(0.0, |acc, row| acc + row[c]);
            if *count { sum } else { sum / num_q as f64 }
        })
        .collect();
    Ok(RelInfoEvaluation {
        columns,
        query_ids,
        values,
        summary,
        num_q,
    })
}

fn print_value(out: &mut String, name: &str, qid: &str, value: f64, count: bool, z: bool) {
    // meas_print_*.c: under -Z every name takes a `Z` and every value prints as a float.
    if z {
        let _ = writeln!(out, "Z{name:<22}\t{qid}\t{value:6.4}");
    } else if count {
        #[allow(clippy::cast_possible_truncation)]
        let v = value as i64;
        let _ = writeln!(out, "{name:<22}\t{qid}\t{v}");
    } else {
        let _ = writeln!(out, "{name:<22}\t{qid}\t{value:6.4}");
    }
}

/// Append `ev` to `out` as trec_eval prints it (`-q`: `per_query`; `-n`: no `summary`;
/// `zscores`: the values are Z-scores, `-Z`).
pub fn write_rel_info_trec(
    out: &mut String,
    ev: &RelInfoEvaluation,
    measures: &RelInfoMeasures,
    run_name: Option<&str>,
    per_query: bool,
    summary: bool,
    zscores: bool,
) {
    if per_query {
        for (q, qid) in ev.query_ids.iter().enumerate() {
            for (c, (name, count)) in ev.columns.iter().enumerate() {
                print_value(out, name, qid, ev.values[q][c], *count, zscores);
            }
        }
    }
    if summary {
        if measures.runid {
            let _ = writeln!(out, "{:<22}\tall\t{}", "runid", run_name.unwrap_or(""));
        }
        if measures.num_q {
            #[allow(clippy::cast_precision_loss)]
            print_value(out, "num_q", "all", ev.num_q as f64, true, zscores);
        }
        for (c, (name, count)) in ev.columns.iter().enumerate() {
            print_value(out, name, "all", ev.summary[c], *count, zscores);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judgment(jg: &str, jsg: &str, doc: &str, rel: f32) -> PrefJudgment {
        PrefJudgment {
            jg: jg.as_bytes().into(),
            jsg: jsg.as_bytes().into(),
            doc: doc.as_bytes().into(),
            rel_level: rel,
        }
    }

    #[test]
    fn counts_get_prefs_examples() {
        // get_prefs.c: 6 docs of one sub-group give 13 preferences.
        let js: Vec<_> = [
            ("d1", 3.0),
            ("d2", 2.0),
            ("d3", 0.0),
            ("d4", 6.0),
            ("d5", 0.0),
            ("d6", 2.0),
        ]
        .iter()
        .map(|(d, r)| judgment("u1", "s1", d, *r))
        .collect();
        let rp = form_prefs_counts(&js, &[], usize::MAX, "q").unwrap();
        assert_eq!(prefs_value(0, &rp), 13.0);
        // Two sub-groups, transitive: 1>2, 1>3, 2>3, 2>4, 1>4.
        let js = vec![
            judgment("u1", "s1", "d1", 3.0),
            judgment("u1", "s1", "d2", 2.0),
            judgment("u1", "s1", "d3", 1.0),
            judgment("u1", "s2", "d2", 5.0),
            judgment("u1", "s2", "d4", 4.0),
        ];
        let run: Vec<(&[u8], f32)> = vec![(b"d4", 2.0), (b"d1", 1.0)];
        let rp = form_prefs_counts(&js, &run, usize::MAX, "q").unwrap();
        assert_eq!(prefs_value(0, &rp), 5.0);
        // Fulfilled: 1>2, 1>3 (implied), 2>3? neither retrieved; 4<1 retrieved both: 1>4 not.
        assert_eq!(prefs_value(1, &rp), 2.0);
        assert_eq!(prefs_value(2, &rp), 0.0);
    }

    #[test]
    fn measures_parse_per_format() {
        let m = RelInfoMeasures::parse(&[], RelFormat::Prefs).unwrap();
        assert_eq!(m.columns().len(), 6);
        let m = RelInfoMeasures::parse(&["qrels_jg".into()], RelFormat::QrelsJg).unwrap();
        assert!(m.columns().iter().any(|c| c.0 == "Rprec_mult_avgjg_0.20"));
        assert!(RelInfoMeasures::parse(&["map".into()], RelFormat::Prefs).is_err());
        assert!(RelInfoMeasures::parse(&["map_avgjg".into()], RelFormat::Prefs).is_err());
        assert!(RelInfoMeasures::parse(&["P_avgjg.0".into()], RelFormat::QrelsJg).is_err());
    }
}
