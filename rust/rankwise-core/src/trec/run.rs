//! Retrieval runs: ranked documents per query.

use super::collection::{Builder, Source, local_order, local_order_u32};
use super::index::{DocIndex, IdMap};
use super::strings::StrTable;
use crate::error::{RankError, Result};
use crate::ranking::{ScorePrecision, score_order_key, score_order_key_f32};

/// A run: for each query, retrieved documents with scores.
///
/// Immutable and columnar. Documents are kept in the order they came in; beside them, each
/// query's **ranking** is stored once, as a permutation, the trec_eval way (score descending,
/// equal scores by document id descending, byte-wise; the rank column of a file is ignored),
/// so evaluating a run never sorts it again.
#[derive(Debug, Clone)]
pub struct Run {
    name: Option<String>,
    precision: ScorePrecision,
    queries: StrTable,
    lookup: IdMap,
    offsets: Vec<usize>,
    docs: StrTable,
    scores: Vec<f64>,
    /// Per query: `ranked[rank]` = local index of the document at that rank.
    ranked: Vec<u32>,
    /// The hash index of each query's documents, if kept ([`RunBuilder::keep_index`]).
    index: Option<DocIndex>,
}

/// Collects scored documents; [`RunBuilder::build`] validates and ranks them.
#[derive(Debug, Default)]
pub struct RunBuilder {
    inner: Builder,
    name: Option<String>,
    precision: ScorePrecision,
    unique_docs: bool,
    keep_index: bool,
}

impl RunBuilder {
    pub fn new() -> Self {
        RunBuilder {
            inner: Builder::new(),
            name: None,
            precision: ScorePrecision::F32,
            unique_docs: false,
            keep_index: false,
        }
    }

    /// Add parsed documents `docs[range]` with their `values` to the current query.
    pub(crate) fn push_docs(
        &mut self,
        docs: &super::strings::StrTable,
        range: std::ops::Range<usize>,
        values: &[f64],
    ) {
        self.inner.push_docs(docs, range, values);
    }

    /// Reserve room for `entries` more entries with `doc_bytes` bytes of doc ids.
    pub(crate) fn reserve_bytes(&mut self, entries: usize, doc_bytes: usize) {
        self.inner.reserve_bytes(entries, doc_bytes);
    }

    /// Reserve room for `n` documents.
    pub fn reserve(&mut self, n: usize) {
        self.inner.reserve(n);
    }

    /// Name of the run (the last column of a TREC run file).
    pub fn set_name(&mut self, name: Option<String>) {
        self.name = name;
    }

    /// Precision at which scores are compared when ranking (default: `f32`, trec_eval 9.0.x).
    pub fn set_score_precision(&mut self, precision: ScorePrecision) {
        self.precision = precision;
    }

    /// Promise that no document appears twice in a query (true of a dict of dicts), which
    /// skips the duplicate check.
    pub fn set_unique_docs(&mut self, unique: bool) {
        self.unique_docs = unique;
    }

    /// Keep the hash index of each query's documents that the duplicate check builds (4 to
    /// 8 bytes a document): evaluation then finds the run documents each judgement names
    /// (a few per query) instead of hashing every ranked document. For small, short-lived
    /// runs (the blocks of a streamed file); a run of millions of documents would rather
    /// keep the memory.
    pub(crate) fn keep_index(&mut self, keep: bool) {
        self.keep_index = keep;
    }

    /// Start (or return to) a query; a query begun but given no document is kept, with an
    /// empty ranking.
    pub fn begin_query(&mut self, query: &str) {
        self.inner.begin_query(query.as_bytes());
    }

    /// Add a retrieved document to the current query.
    #[inline]
    pub fn push_doc(&mut self, doc: &str, score: f64) {
        self.inner.push_doc(doc.as_bytes(), score);
    }

    /// [`RunBuilder::begin_query`] for an id already checked to be UTF-8 (a parsed line's).
    pub(crate) fn begin_query_bytes(&mut self, query: &[u8]) {
        self.inner.begin_query(query);
    }

    /// [`RunBuilder::push_doc`] for an id already checked to be UTF-8 (a parsed line's).
    #[inline]
    pub(crate) fn push_doc_bytes(&mut self, doc: &[u8], score: f64) {
        self.inner.push_doc(doc, score);
    }

    /// Add one retrieved document.
    pub fn push(&mut self, query: &str, doc: &str, score: f64) {
        self.inner.push(query.as_bytes(), doc.as_bytes(), score);
    }

    /// Record where the documents came from (file path and line of each), for errors.
    pub fn set_source(&mut self, path: Option<String>) {
        self.inner.source = Source { path };
    }

    /// Validate (no NaN score, no document twice in a query) and rank.
    pub fn build(self) -> Result<Run> {
        if let Some(bad) = self.inner.find_value(|v| !v.is_nan()) {
            return Err(RankError::invalid(
                "run",
                "scores that are numbers (infinities are allowed)",
                format!("NaN for query {:?}, document {:?}", bad.query, bad.doc,),
            ));
        }
        let g = self.inner.group();
        let p = self.precision;
        // Rank: score descending (as an order-preserving integer), then doc id descending.
        // Score descending as an order-preserving integer, then doc id descending.
        let tie =
            |start: usize, a: usize, b: usize| g.docs.get(start + b).cmp(g.docs.get(start + a));
        #[allow(clippy::cast_possible_truncation)]
        let ranked = match p {
            // The 9.0.x comparison is on C floats: 32-bit keys, sorted as packed integers.
            ScorePrecision::F32 => local_order_u32(
                &g.offsets,
                |start, i| !score_order_key_f32(g.values[start + i] as f32),
                tie,
            ),
            ScorePrecision::F64 => local_order(
                &g.offsets,
                |start, i| !score_order_key(g.values[start + i]),
                tie,
            ),
        };
        let index = if self.unique_docs && !self.keep_index {
            None
        } else {
            // trec_eval refuses a document retrieved twice for a query.
            Some(
                DocIndex::build(&g.offsets, &g.docs)
                    .map_err(|dup| g.duplicate_error(dup, "run"))?,
            )
        };
        Ok(Run {
            name: self.name,
            precision: self.precision,
            queries: g.queries,
            lookup: g.lookup,
            offsets: g.offsets,
            docs: g.docs,
            scores: g.values,
            ranked,
            index: index.filter(|_| self.keep_index),
        })
    }
}

impl Run {
    pub fn builder() -> RunBuilder {
        RunBuilder::new()
    }

    /// Name of the run, if known.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Precision at which scores were compared when ranking.
    pub fn score_precision(&self) -> ScorePrecision {
        self.precision
    }

    super::collection::query_accessors!("documents");

    /// Number of (query, document) pairs.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// Score at flat index `i`.
    pub fn score(&self, i: usize) -> f64 {
        self.scores[i]
    }

    /// Flat index of the document ranked at `rank` (0-based) in query `q`.
    #[inline]
    pub fn at_rank(&self, q: usize, rank: usize) -> usize {
        let start = self.offsets[q];
        start + self.ranked[start + rank] as usize
    }

    /// Local index of `doc` in query `q`, if the run kept its index
    /// ([`RunBuilder::keep_index`]): `Some(None)` when the query does not retrieve it.
    #[inline]
    pub(crate) fn find_doc(&self, q: usize, doc: &[u8]) -> Option<Option<usize>> {
        let start = self.offsets[q];
        let index = self.index.as_ref()?;
        Some(super::index::probe(index.table(q), doc, |local| {
            self.docs.get(start + local)
        }))
    }

    /// Whether [`Run::find_doc`] can answer.
    #[inline]
    pub(crate) fn has_index(&self) -> bool {
        self.index.is_some()
    }

    /// Local index of the document at each rank of query `q`.
    #[inline]
    pub(crate) fn ranking(&self, q: usize) -> &[u32] {
        &self.ranked[self.offsets[q]..self.offsets[q + 1]]
    }

    /// The documents of query `q`, in rank order (what [`Run::at_rank`] gives rank by rank).
    #[inline]
    pub fn ranked_docs(&self, q: usize) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let (start, end) = (self.offsets[q], self.offsets[q + 1]);
        self.ranked[start..end]
            .iter()
            .map(move |&local| self.docs.get(start + local as usize))
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.queries.heap_bytes()
            + self.docs.heap_bytes()
            + self.scores.capacity() * 8
            + self.ranked.capacity() * 4
            + self.offsets.capacity() * 8
            + self.lookup.capacity() * 32
            + self.index.as_ref().map_or(0, DocIndex::heap_bytes)
    }
}

/// Retrieved documents whose labels were looked up as they were read (a run dict read
/// beside a dict of judgements, each document found in its query's judgements): what
/// evaluating needs, without building qrels or a run. Each query carries a key of the
/// caller's (e.g. the index of its judgements); documents of one query are pushed together.
#[derive(Debug, Default)]
pub struct LabelledRun {
    keys: Vec<u32>,
    /// Query `q`'s documents are `offsets[q]..offsets[q + 1]` (the last bound is pushed by
    /// [`LabelledRun::offsets`]).
    starts: Vec<usize>,
    docs: StrTable,
    scores: Vec<f64>,
    /// NaN: not judged.
    labels: Vec<f64>,
}

impl LabelledRun {
    /// Room for `n` documents of ids `doc_bytes` long in all.
    pub fn with_capacity(n: usize, doc_bytes: usize) -> Self {
        LabelledRun {
            docs: StrTable::with_capacity(n, doc_bytes),
            scores: Vec::with_capacity(n),
            labels: Vec::with_capacity(n),
            ..LabelledRun::default()
        }
    }

    /// Start a query, known to the caller as `key`.
    pub fn begin_query(&mut self, key: u32) {
        self.keys.push(key);
        self.starts.push(self.scores.len());
    }

    /// Add a document of the current query: its id, score and label (NaN if not judged).
    #[inline]
    pub fn push(&mut self, doc: &[u8], score: f64, label: f64) {
        self.docs.push(doc);
        self.scores.push(score);
        self.labels.push(label);
    }

    /// Number of queries.
    pub fn num_queries(&self) -> usize {
        self.keys.len()
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// The caller's key of each query.
    pub fn keys(&self) -> &[u32] {
        &self.keys
    }

    /// Labels, flat (query `q`'s are `offsets()[q]..offsets()[q + 1]`).
    pub fn labels(&self) -> &[f64] {
        &self.labels
    }

    /// Bounds of each query's documents, `num_queries() + 1` of them.
    pub fn offsets(&self) -> Vec<usize> {
        let mut offsets = Vec::with_capacity(self.starts.len() + 1);
        offsets.extend_from_slice(&self.starts);
        offsets.push(self.scores.len());
        offsets
    }

    /// The first score that is NaN, as (query position, document id).
    pub fn find_nan(&self) -> Option<usize> {
        self.scores.iter().position(|s| s.is_nan())
    }

    /// Each query's ranking, as [`RunBuilder::build`] ranks (score descending at
    /// `precision`, then doc id descending): `ranked[offsets[q] + rank]` = local index.
    pub fn rank(&self, offsets: &[usize], precision: ScorePrecision) -> Vec<u32> {
        let tie = |start: usize, a: usize, b: usize| {
            self.docs.get(start + b).cmp(self.docs.get(start + a))
        };
        #[allow(clippy::cast_possible_truncation)]
        match precision {
            ScorePrecision::F32 => local_order_u32(
                offsets,
                |start, i| !score_order_key_f32(self.scores[start + i] as f32),
                tie,
            ),
            ScorePrecision::F64 => local_order(
                offsets,
                |start, i| !score_order_key(self.scores[start + i]),
                tie,
            ),
        }
    }
}

/// Per query: its id and its (doc id, score bits) in rank order.
#[cfg(test)]
pub(crate) type RankedRows = Vec<(String, Vec<(Vec<u8>, u64)>)>;

#[cfg(test)]
impl Run {
    /// The run as [`RankedRows`]: what the tests compare two reads of one run by.
    pub(crate) fn ranked_rows(&self) -> RankedRows {
        (0..self.num_queries())
            .map(|q| {
                let docs = (0..self.range(q).len())
                    .map(|k| {
                        let i = self.at_rank(q, k);
                        (self.doc(i).to_vec(), self.score(i).to_bits())
                    })
                    .collect();
                (self.query_id(q).into_owned(), docs)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_ranked_by_score_then_docno_descending() {
        let mut b = Run::builder();
        for (d, s) in [("d1", 1.0), ("d3", 2.0), ("d2", 1.0), ("d10", 1.0)] {
            b.push("q", d, s);
        }
        let r = b.build().unwrap();
        let ranked: Vec<&[u8]> = (0..4).map(|k| r.doc(r.at_rank(0, k))).collect();
        assert_eq!(ranked, [b"d3".as_slice(), b"d2", b"d10", b"d1"]);
    }

    proptest::proptest! {
        /// The integer-keyed sort ranks exactly as trec_eval's comparator.
        #[test]
        fn ranking_equals_trec_eval_comparator(
            docs in proptest::collection::hash_map("[a-c]{0,10}", 0u8..4, 0..40),
            f64_precision in proptest::bool::ANY,
        ) {
            let p = if f64_precision { ScorePrecision::F64 } else { ScorePrecision::F32 };
            let mut b = Run::builder();
            b.set_score_precision(p);
            b.begin_query("q");
            let entries: Vec<(String, f64)> = docs
                .into_iter()
                .map(|(d, s)| (d, f64::from(s) / 3.0 - 0.5 + if s == 2 { 1e-12 } else { 0.0 }))
                .collect();
            for (d, s) in &entries {
                b.push_doc(d, *s);
            }
            let run = b.build().unwrap();
            let mut expected = entries.clone();
            expected.sort_by(|x, y| {
                crate::ranking::trec_cmp(p.key(x.1), x.0.as_bytes(), p.key(y.1), y.0.as_bytes())
            });
            let got: Vec<&[u8]> = (0..run.len()).map(|k| run.doc(run.at_rank(0, k))).collect();
            let want: Vec<&[u8]> = expected.iter().map(|e| e.0.as_bytes()).collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn scores_equal_in_single_precision_tie_unless_asked_for_f64() {
        let build = |p| {
            let mut b = Run::builder();
            b.set_score_precision(p);
            b.push("q", "a", 1.0 + 1e-12);
            b.push("q", "b", 1.0);
            let r = b.build().unwrap();
            r.doc(r.at_rank(0, 0)).to_vec()
        };
        assert_eq!(build(ScorePrecision::F32), b"b"); // tie: doc id descending
        assert_eq!(build(ScorePrecision::F64), b"a");
    }

    #[test]
    fn duplicates_and_nan_scores_are_refused() {
        let mut b = Run::builder();
        b.push("q", "a", 1.0);
        b.push("q", "a", 2.0);
        let e = b.build().unwrap_err().to_string();
        assert!(
            e.contains("duplicate document \"a\" in query \"q\" of the run"),
            "{e}"
        );
        let mut b = Run::builder();
        b.push("q", "a", f64::NAN);
        let e = b.build().unwrap_err().to_string();
        assert!(e.contains("NaN for query \"q\", document \"a\""), "{e}");
    }
}
