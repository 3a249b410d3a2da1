//! Diversity and intent-aware evaluation, equal to ndeval (the TREC Web track's `ndeval.c`,
//! version 4.5, and `pyndeval`, its Python binding).
//!
//! Qrels carry a subtopic column (`topic subtopic docno judgement`); a document is relevant to
//! a subtopic when its judgement reaches the relevance level (ndeval: 1; it keeps judgements
//! binary). The measures, ndeval's columns:
//!
//! * `ERR-IA@k`, `nERR-IA@k`: intent-aware expected reciprocal rank (Chapelle et al., CIKM
//!   2009), divided by the "ideal ideal" list, or by the greedy ideal ranking;
//! * `alpha-DCG@k`, `alpha-nDCG@k` (Clarke et al., SIGIR 2008), normalised the same two ways;
//! * `NRBP`, `nNRBP`: novelty- and rank-biased precision (Clarke et al., ICTIR 2009);
//! * `MAP-IA`, `P-IA@k`: intent-aware average precision and precision (Agrawal et al., WSDM
//!   2009);
//! * `strec@k`: subtopic recall, the fraction of the topic's subtopics covered by the top k.
//!
//! `alpha` (redundancy intolerance) and `beta` (patience, for NRBP) default to 0.5. ndeval
//! stops at depth 20; rankwise takes any cutoff, with the same value as ndeval up to 20.
//!
//! ```
//! use rankwise_core::diversity::{evaluate, DiversityMeasure, Params, RunOrder,
//!     RankedRunBuilder, SubtopicQrelsBuilder};
//!
//! let mut q = SubtopicQrelsBuilder::new(1);
//! q.push("1", "a", "A", 1);
//! q.push("1", "b", "B", 1);
//! let qrels = q.build();
//! let mut r = RankedRunBuilder::new();
//! r.push("1", "B", 2.0, None, None);
//! r.push("1", "A", 1.0, None, None);
//! let run = r.build(RunOrder::Score, None)?;
//! let measures = [DiversityMeasure::parse("strec@1")?, DiversityMeasure::parse("P-IA@2")?];
//! let result = evaluate(&qrels, &run, &measures, &Params::default())?;
//! assert_eq!(result.values, vec![0.5, 0.5]);
//! # Ok::<(), rankwise_core::error::RankError>(())
//! ```

mod kernel;
pub mod read;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::error::{RankError, Result};

pub use read::{read_ranked_run, read_subtopic_qrels};

/// ndeval's fixed depth (`DEPTH`): its cutoffs and pyndeval's largest.
pub const NDEVAL_DEPTH: usize = 20;

/// ndeval's default redundancy intolerance (`ALPHA`).
pub const DEFAULT_ALPHA: f64 = 0.5;

/// ndeval's default patience for NRBP (`BETA`).
pub const DEFAULT_BETA: f64 = 0.5;

/// The parameters of the gains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Redundancy intolerance in [0, 1]: the n-th document on a subtopic gains `(1-alpha)^(n-1)`.
    pub alpha: f64,
    /// Patience in [0, 1] of NRBP's user.
    pub beta: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            alpha: DEFAULT_ALPHA,
            beta: DEFAULT_BETA,
        }
    }
}

impl Params {
    /// The parameters, checked as ndeval checks its `-alpha` and `-beta` options (in [0, 1]).
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        for (name, v) in [("alpha", alpha), ("beta", beta)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(RankError::invalid(name, "a number in [0, 1]", v));
            }
        }
        Ok(Params { alpha, beta })
    }
}

/// The kinds of measure, in ndeval's column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiversityKind {
    ErrIa,
    NErrIa,
    AlphaDcg,
    AlphaNdcg,
    Nrbp,
    NNrbp,
    MapIa,
    PIa,
    Strec,
}

impl DiversityKind {
    /// The name as ndeval prints it (and pyndeval takes it).
    pub fn name(self) -> &'static str {
        match self {
            DiversityKind::ErrIa => "ERR-IA",
            DiversityKind::NErrIa => "nERR-IA",
            DiversityKind::AlphaDcg => "alpha-DCG",
            DiversityKind::AlphaNdcg => "alpha-nDCG",
            DiversityKind::Nrbp => "NRBP",
            DiversityKind::NNrbp => "nNRBP",
            DiversityKind::MapIa => "MAP-IA",
            DiversityKind::PIa => "P-IA",
            DiversityKind::Strec => "strec",
        }
    }

    const ALL: [DiversityKind; 9] = [
        DiversityKind::ErrIa,
        DiversityKind::NErrIa,
        DiversityKind::AlphaDcg,
        DiversityKind::AlphaNdcg,
        DiversityKind::Nrbp,
        DiversityKind::NNrbp,
        DiversityKind::MapIa,
        DiversityKind::PIa,
        DiversityKind::Strec,
    ];

    /// Whether the measure takes a cutoff (`NRBP`, `nNRBP` and `MAP-IA` do not).
    pub fn has_cutoff(self) -> bool {
        !matches!(
            self,
            DiversityKind::Nrbp | DiversityKind::NNrbp | DiversityKind::MapIa
        )
    }
}

/// One measure: a kind and, for the kinds that take one, a cutoff k >= 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DiversityMeasure {
    pub kind: DiversityKind,
    pub cutoff: Option<usize>,
}

/// Every measure name `DiversityMeasure::parse` accepts, for error messages.
const VALID: &str = "ERR-IA@k, nERR-IA@k, alpha-DCG@k, alpha-nDCG@k, P-IA@k, strec@k, NRBP, \
                     nNRBP, MAP-IA (k a positive integer)";

impl DiversityMeasure {
    /// Parse a name as pyndeval takes it: `alpha-nDCG@10`, `NRBP`, ...
    pub fn parse(name: &str) -> Result<Self> {
        let (base, cutoff) = match name.split_once('@') {
            Some((b, k)) => (b, Some(k)),
            None => (name, None),
        };
        let Some(kind) = DiversityKind::ALL.into_iter().find(|k| k.name() == base) else {
            return Err(RankError::invalid(
                "measures",
                format!("diversity measure names ({VALID})"),
                format!("{name:?}"),
            ));
        };
        let cutoff = match (kind.has_cutoff(), cutoff) {
            (false, None) => None,
            (true, Some(text)) => match text.parse::<usize>() {
                Ok(k) if (1..=1 << 20).contains(&k) && text.bytes().all(|b| b.is_ascii_digit()) => {
                    Some(k)
                }
                _ => {
                    return Err(RankError::invalid(
                        "measures",
                        format!("{base}@k with k an integer in [1, 1048576]"),
                        format!("{name:?}"),
                    ));
                }
            },
            (false, Some(_)) => {
                return Err(RankError::invalid(
                    "measures",
                    format!("{base} without a cutoff"),
                    format!("{name:?}"),
                ));
            }
            (true, None) => {
                return Err(RankError::invalid(
                    "measures",
                    format!("{base}@k with a cutoff k"),
                    format!("{name:?}"),
                ));
            }
        };
        Ok(DiversityMeasure { kind, cutoff })
    }

    /// The measure's name, as [`DiversityMeasure::parse`] reads it.
    pub fn name(&self) -> String {
        match self.cutoff {
            Some(k) => format!("{}@{k}", self.kind.name()),
            None => self.kind.name().to_owned(),
        }
    }

    /// ndeval's 21 columns, in its order (pyndeval's `DEFAULT_MEASURES` holds the same set).
    pub fn ndeval_columns() -> Vec<DiversityMeasure> {
        let mut out = Vec::with_capacity(21);
        for kind in DiversityKind::ALL {
            if kind.has_cutoff() {
                for k in [5, 10, 20] {
                    out.push(DiversityMeasure {
                        kind,
                        cutoff: Some(k),
                    });
                }
            } else {
                out.push(DiversityMeasure { kind, cutoff: None });
            }
        }
        out
    }
}

/// One topic's judgements: its judged documents in byte order (ndeval sorts with `strcmp`),
/// the subtopics each is relevant to, and the number of relevant judgements per subtopic.
#[derive(Debug, Clone, Default)]
pub struct Topic {
    pub(crate) id: String,
    pub(crate) docs: Vec<Box<[u8]>>,
    /// Per document, the (local, ascending) subtopics it is relevant to.
    pub(crate) rels: Vec<Vec<u32>>,
    /// Per local subtopic, ndeval's `nrelSub`: the sum of its judgements, repeated lines
    /// included.
    pub(crate) nrel_sub: Vec<u32>,
    /// Number of local subtopics (judged at all).
    pub(crate) subtopics: usize,
    /// Subtopics with a relevant document (ndeval's `actualSubtopics`).
    pub(crate) actual: usize,
}

/// Judgements with subtopics, one [`Topic`] per query.
#[derive(Debug, Clone, Default)]
pub struct SubtopicQrels {
    topics: Vec<Topic>,
    index: HashMap<String, usize>,
}

impl SubtopicQrels {
    /// Number of topics.
    pub fn num_queries(&self) -> usize {
        self.topics.len()
    }

    /// The topics' ids, in the order they first appeared.
    pub fn query_ids(&self) -> impl Iterator<Item = &str> {
        self.topics.iter().map(|t| t.id.as_str())
    }
}

/// How subtopic ids are ordered, which sets the order of ndeval's sums over subtopics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubtopicOrder {
    /// By first appearance (pyndeval's numbering).
    FirstSeen,
    /// By numeric value when every id is a natural number (ndeval's files), else by first
    /// appearance.
    Numeric,
}

/// Collects `(topic, subtopic, doc, judgement)` rows into [`SubtopicQrels`].
#[derive(Debug, Clone)]
pub struct SubtopicQrelsBuilder {
    relevance_level: i64,
    queries: HashMap<String, usize>,
    query_ids: Vec<String>,
    subtopics: HashMap<String, usize>,
    subtopic_ids: Vec<String>,
    /// (query, subtopic, doc, relevant), in input order.
    rows: Vec<(usize, usize, Box<[u8]>, bool)>,
}

impl SubtopicQrelsBuilder {
    /// A builder; a judgement `>= relevance_level` is relevant (ndeval: 1).
    pub fn new(relevance_level: i64) -> Self {
        SubtopicQrelsBuilder {
            relevance_level,
            queries: HashMap::new(),
            query_ids: Vec::new(),
            subtopics: HashMap::new(),
            subtopic_ids: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Add one judgement. Repeated `(topic, subtopic, doc)` rows are kept as ndeval keeps them:
    /// the last one says whether the document is relevant, and each relevant one counts in the
    /// subtopic's number of relevant documents (which divides MAP-IA).
    pub fn push(&mut self, query: &str, subtopic: &str, doc: impl AsRef<[u8]>, judgement: i64) {
        let q = ordinal(&mut self.queries, query, |id| {
            self.query_ids.push(id.to_owned())
        });
        let s = ordinal(&mut self.subtopics, subtopic, |id| {
            self.subtopic_ids.push(id.to_owned());
        });
        let relevant = judgement >= self.relevance_level;
        self.rows.push((q, s, doc.as_ref().into(), relevant));
    }

    /// The qrels, subtopics summed in first-appearance order (pyndeval's).
    pub fn build(self) -> SubtopicQrels {
        self.build_with(SubtopicOrder::FirstSeen)
    }

    /// The qrels, with subtopics summed in the given order.
    pub fn build_with(self, order: SubtopicOrder) -> SubtopicQrels {
        // The rank of each subtopic id in the order of the sums.
        let mut rank: Vec<u64> = (0..self.subtopic_ids.len() as u64).collect();
        if order == SubtopicOrder::Numeric {
            let numeric: Option<Vec<u64>> = self
                .subtopic_ids
                .iter()
                .map(|s| {
                    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                        .then(|| s.parse::<u64>().ok())
                        .flatten()
                })
                .collect();
            if let Some(n) = numeric {
                rank = n;
            }
        }
        let mut per_query: Vec<Vec<QrelRow>> = vec![Vec::new(); self.query_ids.len()];
        for (q, s, doc, rel) in self.rows {
            per_query[q].push((rank[s], doc, rel));
        }
        let topics: Vec<Topic> = per_query
            .into_par_iter()
            .zip(self.query_ids.into_par_iter())
            .map(|(rows, id)| topic_from_rows(id, rows))
            .collect();
        let index = topics
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        SubtopicQrels { topics, index }
    }
}

/// One judgement of a topic: subtopic order key, docno, relevant.
type QrelRow = (u64, Box<[u8]>, bool);

/// ndeval's `qrelPopulateResultList` for one topic.
fn topic_from_rows(id: String, mut rows: Vec<QrelRow>) -> Topic {
    let mut keys: Vec<u64> = rows.iter().map(|r| r.0).collect();
    keys.sort_unstable();
    keys.dedup();
    // A stable sort by docno keeps repeated rows in input order: the last one wins below.
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    let mut t = Topic {
        id,
        subtopics: keys.len(),
        nrel_sub: vec![0; keys.len()],
        ..Topic::default()
    };
    let mut flags: Vec<bool> = vec![false; keys.len()];
    let mut i = 0;
    while i < rows.len() {
        let doc = &rows[i].1;
        flags.iter_mut().for_each(|f| *f = false);
        let mut j = i;
        while j < rows.len() && rows[j].1 == *doc {
            let s = keys.binary_search(&rows[j].0).unwrap_or(0);
            flags[s] = rows[j].2;
            t.nrel_sub[s] += u32::from(rows[j].2);
            j += 1;
        }
        let rel: Vec<u32> = (0..keys.len() as u32)
            .filter(|&s| flags[s as usize])
            .collect();
        t.docs.push(doc.clone());
        t.rels.push(rel);
        i = j;
    }
    t.actual = t.nrel_sub.iter().filter(|&&n| n != 0).count();
    t
}

/// How a run's documents are ordered within a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOrder {
    /// By score, descending, ties by docno ascending (pyndeval's order).
    Score,
    /// By score, descending, ties by docno descending (ndeval's `-traditional`, trec_eval's).
    Traditional,
    /// By the rank column, ascending (ndeval's default); ranks must not repeat in a query.
    Rank,
}

impl RunOrder {
    /// Parse `score`, `traditional` or `rank`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "score" => Ok(RunOrder::Score),
            "traditional" => Ok(RunOrder::Traditional),
            "rank" => Ok(RunOrder::Rank),
            _ => Err(RankError::invalid(
                "order",
                "one of 'score', 'traditional', 'rank'",
                format!("{name:?}"),
            )),
        }
    }
}

/// A run, each query's documents in ranked order.
#[derive(Debug, Clone, Default)]
pub struct RankedRun {
    queries: Vec<(String, Vec<Box<[u8]>>)>,
    name: Option<String>,
}

impl RankedRun {
    /// The run's name (the sixth column of a TREC run file's first line).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Number of queries.
    pub fn num_queries(&self) -> usize {
        self.queries.len()
    }
}

struct RunRow {
    doc: Box<[u8]>,
    score: f64,
    rank: Option<u64>,
    line: Option<u64>,
}

/// Collects `(query, doc, score, rank)` rows into a [`RankedRun`].
#[derive(Default)]
pub struct RankedRunBuilder {
    queries: HashMap<String, usize>,
    rows: Vec<(String, Vec<RunRow>)>,
    current: Option<usize>,
    name: Option<String>,
    path: Option<String>,
}

impl RankedRunBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the run's name.
    pub fn set_name(&mut self, name: Option<String>) {
        self.name = name;
    }

    /// The file the rows come from (for error messages).
    pub fn set_source(&mut self, path: Option<String>) {
        self.path = path;
    }

    /// Start (or go back to) a query; [`RankedRunBuilder::push_doc`] adds to it.
    pub fn begin_query(&mut self, query: &str) {
        let q = ordinal(&mut self.queries, query, |id| {
            self.rows.push((id.to_owned(), Vec::new()));
        });
        self.current = Some(q);
    }

    /// Add a document to the query of the last [`RankedRunBuilder::begin_query`] (or
    /// [`RankedRunBuilder::push`]); before any, to a query with the empty id.
    pub fn push_doc(&mut self, doc: &[u8], score: f64, rank: Option<u64>, line: Option<u64>) {
        if self.current.is_none() {
            self.begin_query("");
        }
        if let Some((_, rows)) = self.current.and_then(|q| self.rows.get_mut(q)) {
            rows.push(RunRow {
                doc: doc.into(),
                score,
                rank,
                line,
            });
        }
    }

    /// Add one retrieved document; `rank` is needed only for [`RunOrder::Rank`], `line` only
    /// for error messages.
    pub fn push(
        &mut self,
        query: &str,
        doc: impl AsRef<[u8]>,
        score: f64,
        rank: Option<u64>,
        line: Option<u64>,
    ) {
        let current = self.current.and_then(|q| self.rows.get(q));
        if current.is_none_or(|(id, _)| id != query) {
            self.begin_query(query);
        }
        self.push_doc(doc.as_ref(), score, rank, line);
    }

    /// Order every query's documents and keep the first `depth` (ndeval's `-M`). A repeated
    /// document, a repeated rank under [`RunOrder::Rank`], or a score that is not finite is an
    /// error, as in ndeval.
    pub fn build(self, order: RunOrder, depth: Option<usize>) -> Result<RankedRun> {
        let path = self.path;
        let queries = self
            .rows
            .into_par_iter()
            // A query begun without documents (an empty dict) is not part of the run.
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(id, mut rows)| {
                for r in &rows {
                    if !r.score.is_finite() {
                        return Err(RankError::invalid(
                            "run",
                            "finite scores",
                            format!(
                                "{} for document {:?} of query {id:?}",
                                r.score,
                                lossy(&r.doc)
                            ),
                        ));
                    }
                }
                match order {
                    RunOrder::Score => rows.sort_by(|a, b| {
                        b.score.total_cmp(&a.score).then_with(|| a.doc.cmp(&b.doc))
                    }),
                    RunOrder::Traditional => rows.sort_by(|a, b| {
                        b.score.total_cmp(&a.score).then_with(|| b.doc.cmp(&a.doc))
                    }),
                    RunOrder::Rank => {
                        if let Some(r) = rows.iter().find(|r| r.rank.is_none()) {
                            return Err(RankError::invalid(
                                "order",
                                "'score' or 'traditional' for a run without ranks",
                                format!("'rank' (document {:?} of query {id:?})", lossy(&r.doc)),
                            ));
                        }
                        rows.sort_by_key(|r| r.rank);
                        if let Some(w) = rows.windows(2).find(|w| w[0].rank == w[1].rank) {
                            let at = match (&path, w[1].line) {
                                (Some(p), Some(l)) => format!(" ({p}:{l})"),
                                _ => String::new(),
                            };
                            return Err(RankError::invalid(
                                "run",
                                "distinct ranks within a query",
                                format!(
                                    "rank {} twice in query {id:?}{at}",
                                    w[1].rank.unwrap_or(0)
                                ),
                            ));
                        }
                    }
                }
                if let Some(m) = depth {
                    rows.truncate(m);
                }
                let mut by_doc: Vec<&RunRow> = rows.iter().collect();
                by_doc.sort_by(|a, b| a.doc.cmp(&b.doc).then(a.line.cmp(&b.line)));
                if let Some(w) = by_doc.windows(2).find(|w| w[0].doc == w[1].doc) {
                    let second = w[0].line.max(w[1].line);
                    return Err(RankError::DuplicateDocument {
                        what: "run",
                        query: id,
                        doc: lossy(&w[1].doc),
                        path: path.clone(),
                        line: second,
                    });
                }
                Ok((id, rows.into_iter().map(|r| r.doc).collect()))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RankedRun {
            queries,
            name: self.name,
        })
    }
}

/// The number of `id` in order of first appearance: its entry in `index`, or, for a new id,
/// the next number, after `add` has stored what the number stands for.
fn ordinal(index: &mut HashMap<String, usize>, id: &str, add: impl FnOnce(&str)) -> usize {
    if let Some(&n) = index.get(id) {
        return n;
    }
    let n = index.len();
    add(id);
    index.insert(id.to_owned(), n);
    n
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Per-query values of an evaluation, measure-major.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiversityResult {
    /// The measures' names.
    pub measures: Vec<String>,
    /// The queries both in the run and in the qrels, in the run's order.
    pub query_ids: Vec<String>,
    /// `values[m * query_ids.len() + q]`: measure `m` on query `q`.
    pub values: Vec<f64>,
    /// Queries of the run that the qrels do not judge (ndeval prints them with zeros).
    pub unjudged_queries: Vec<String>,
    /// Number of topics in the qrels (ndeval's `-c` averages over these).
    pub qrels_queries: usize,
}

impl DiversityResult {
    /// The mean of each measure over `query_ids`, summed in their order (as ndeval sums).
    pub fn means(&self) -> Vec<f64> {
        let n = self.query_ids.len();
        (0..self.measures.len())
            .map(|m| {
                let col = &self.values[m * n..(m + 1) * n];
                col.iter().fold(0.0, |a, &v| a + v) / n as f64
            })
            .collect()
    }
}

/// Evaluate `run` against `qrels`: every query of both, in parallel on the rankwise pool.
pub fn evaluate(
    qrels: &SubtopicQrels,
    run: &RankedRun,
    measures: &[DiversityMeasure],
    params: &Params,
) -> Result<DiversityResult> {
    Params::new(params.alpha, params.beta)?;
    if measures.is_empty() {
        return Err(RankError::invalid(
            "measures",
            "at least one diversity measure",
            "none",
        ));
    }
    let depth = measures.iter().filter_map(|m| m.cutoff).max().unwrap_or(1);
    let judged: Vec<(usize, usize)> = run
        .queries
        .iter()
        .enumerate()
        .filter_map(|(r, (id, _))| qrels.index.get(id).map(|&t| (r, t)))
        .collect();
    let unjudged_queries = run
        .queries
        .iter()
        .filter(|(id, _)| !qrels.index.contains_key(id))
        .map(|(id, _)| id.clone())
        .collect();
    let per_query: Vec<Vec<f64>> = crate::parallel::install(|| {
        judged
            .par_iter()
            .map(|&(r, t)| {
                let topic = &qrels.topics[t];
                let docs = &run.queries[r].1;
                let ideal_docs = kernel::ideal_order(topic, params);
                let ideal = kernel::curves(
                    ideal_docs.iter().map(|&d| Some(topic.rels[d].as_slice())),
                    topic,
                    depth,
                    params,
                );
                let ranked: Vec<Option<usize>> = docs
                    .iter()
                    .map(|d| topic.docs.binary_search(d).ok())
                    .collect();
                let v = kernel::query_values(topic, &ideal, &ranked, depth, params);
                measures
                    .iter()
                    .map(|m| {
                        let at = |a: &[f64]| a[m.cutoff.unwrap_or(1) - 1];
                        match m.kind {
                            DiversityKind::ErrIa => at(&v.curves.err),
                            DiversityKind::NErrIa => at(&v.nerr),
                            DiversityKind::AlphaDcg => at(&v.curves.dcg),
                            DiversityKind::AlphaNdcg => at(&v.ndcg),
                            DiversityKind::Nrbp => v.curves.nrbp,
                            DiversityKind::NNrbp => v.nnrbp,
                            DiversityKind::MapIa => v.map_ia,
                            DiversityKind::PIa => at(&v.precision),
                            DiversityKind::Strec => at(&v.strec),
                        }
                    })
                    .collect()
            })
            .collect()
    });
    let n = judged.len();
    let mut values = vec![0.0; measures.len() * n];
    for (q, row) in per_query.iter().enumerate() {
        for (m, &v) in row.iter().enumerate() {
            values[m * n + q] = v;
        }
    }
    Ok(DiversityResult {
        measures: measures.iter().map(DiversityMeasure::name).collect(),
        query_ids: judged
            .iter()
            .map(|&(r, _)| run.queries[r].0.clone())
            .collect(),
        values,
        unjudged_queries,
        qrels_queries: qrels.num_queries(),
    })
}

/// What ndeval prints for an evaluation of its 21 columns ([`DiversityMeasure::ndeval_columns`]):
/// a CSV header, one line per query of the run (those the qrels do not judge as zeros), in
/// topic order (numeric when every id is a natural number), and `amean`, the sum over those
/// lines divided by the number of judged queries (or, with `complete`, ndeval's `-c`, of
/// topics in the qrels). `None` when no query is judged (ndeval divides by zero).
pub fn ndeval_csv(result: &DiversityResult, run_name: &str, complete: bool) -> Option<String> {
    let n = result.query_ids.len();
    let denominator = if complete { result.qrels_queries } else { n };
    if result.measures != ndeval_names() || denominator == 0 {
        return None;
    }
    let numeric = numeric_ids(&[result]);
    let mut rows = topic_rows(result);
    rows.sort_by(|a, b| topic_cmp(a.0, b.0, numeric));
    let lines = rows.into_iter().map(|(id, q)| (id, column(result, q)));
    Some(csv_lines(run_name, lines, denominator))
}

/// ndeval's risk-sensitive comparison with a baseline run (its `-baseline FILE` and
/// `-riskAlpha A`; Collins-Thompson et al., "TREC 2013 Web Track Overview", and
/// `outputMeasures` in ndeval.c 4.5): each topic's value is `run - baseline` when the run
/// does at least as well, else `(1 + risk_alpha) (run - baseline)`.
///
/// The topics are those of the run (and, with `complete`, also those only the baseline
/// has), merged in topic order; a topic a side lacks, or its qrels do not judge, counts as
/// 0 on that side. The run is named `"RUN (rel to. BASELINE; rs=1+a; a=TEXT)"`, with
/// `risk_alpha_text` as given on ndeval's command line. `amean` divides the sum of the lines
/// by the larger of the number of lines and what [`ndeval_csv`] divides by.
pub fn ndeval_risk_csv(
    result: &DiversityResult,
    baseline: &DiversityResult,
    names: (&str, &str),
    risk_alpha: (f64, &str),
    complete: bool,
) -> Result<String> {
    let (alpha, alpha_text) = risk_alpha;
    if !(alpha >= 0.0 && alpha.is_finite()) {
        return Err(RankError::invalid(
            "risk_alpha",
            "a finite number >= 0",
            alpha,
        ));
    }
    let columns = ndeval_names();
    if result.measures != columns || baseline.measures != columns {
        return Err(RankError::invalid(
            "measures",
            "ndeval's 21 columns",
            result.measures.join(","),
        ));
    }
    let numeric = numeric_ids(&[result, baseline]);
    let mut run_rows = topic_rows(result);
    run_rows.sort_by(|a, b| topic_cmp(a.0, b.0, numeric));
    let mut base_rows = topic_rows(baseline);
    base_rows.sort_by(|a, b| topic_cmp(a.0, b.0, numeric));
    let risk = |r: f64, b: f64| {
        if r >= b {
            r - b
        } else {
            (alpha + 1.0) * (r - b)
        }
    };
    let zero = vec![0.0; columns.len()];
    let mut lines: Vec<(&str, Vec<f64>)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < run_rows.len() || (j < base_rows.len() && complete) {
        let (id, run, base) = match (run_rows.get(i), base_rows.get(j)) {
            (Some(r), Some(b)) => match topic_cmp(r.0, b.0, numeric) {
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    (r.0, column(result, r.1), column(baseline, b.1))
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    if !complete {
                        continue;
                    }
                    (b.0, zero.clone(), column(baseline, b.1))
                }
                std::cmp::Ordering::Less => {
                    i += 1;
                    (r.0, column(result, r.1), zero.clone())
                }
            },
            (Some(r), None) => {
                i += 1;
                (r.0, column(result, r.1), zero.clone())
            }
            (None, Some(b)) => {
                j += 1;
                (b.0, zero.clone(), column(baseline, b.1))
            }
            (None, None) => break,
        };
        let values = run.iter().zip(&base).map(|(&r, &b)| risk(r, b)).collect();
        lines.push((id, values));
    }
    let judged = if complete {
        result.qrels_queries
    } else {
        result.query_ids.len()
    };
    let denominator = judged.max(lines.len());
    let (run_name, base_name) = names;
    let name = format!("{run_name} (rel to. {base_name}; rs=1+a; a={alpha_text})");
    Ok(csv_lines(&name, lines.into_iter(), denominator))
}

fn ndeval_names() -> Vec<String> {
    DiversityMeasure::ndeval_columns()
        .iter()
        .map(DiversityMeasure::name)
        .collect()
}

/// The topics of the run: the judged ones with their index in `query_ids`, then the others.
fn topic_rows(result: &DiversityResult) -> Vec<(&str, Option<usize>)> {
    result
        .query_ids
        .iter()
        .enumerate()
        .map(|(q, id)| (id.as_str(), Some(q)))
        .chain(result.unjudged_queries.iter().map(|id| (id.as_str(), None)))
        .collect()
}

/// Whether every topic id of these results is a natural number (ndeval's topics are).
fn numeric_ids(results: &[&DiversityResult]) -> bool {
    results.iter().all(|r| {
        r.query_ids
            .iter()
            .chain(&r.unjudged_queries)
            .all(|id| !id.is_empty() && id.len() < 19 && id.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Topic order: by number when `numeric`, else by text.
fn topic_cmp(a: &str, b: &str, numeric: bool) -> std::cmp::Ordering {
    if numeric {
        let n = |s: &str| s.parse::<u64>().unwrap_or(0);
        n(a).cmp(&n(b))
    } else {
        a.cmp(b)
    }
}

/// The 21 values of query `q` (zeros for a topic the qrels do not judge).
fn column(result: &DiversityResult, q: Option<usize>) -> Vec<f64> {
    let n = result.query_ids.len();
    (0..result.measures.len())
        .map(|m| q.map_or(0.0, |q| result.values[m * n + q]))
        .collect()
}

/// The CSV: header, one line per topic, and `amean` (the column sums over `denominator`).
#[allow(clippy::cast_precision_loss)]
fn csv_lines<'a>(
    run_name: &str,
    lines: impl Iterator<Item = (&'a str, Vec<f64>)>,
    denominator: usize,
) -> String {
    use std::fmt::Write;
    let columns = ndeval_names();
    let mut out = String::from("runid,topic");
    for c in &columns {
        out.push(',');
        out.push_str(c);
    }
    out.push('\n');
    let mut totals = vec![0.0f64; columns.len()];
    for (id, values) in lines {
        let _ = write!(out, "{run_name},{id}");
        for (total, v) in totals.iter_mut().zip(values) {
            *total += v;
            let _ = write!(out, ",{v:.6}");
        }
        out.push('\n');
    }
    let _ = write!(out, "{run_name},amean");
    for total in totals {
        let _ = write!(out, ",{:.6}", total / denominator as f64);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;
