//! Relevance judgements.

use super::collection::{Builder, Grouped, Source};
use super::index::{DocIndex, IdMap};
use super::strings::StrTable;
use crate::error::{RankError, Result};

/// Relevance judgements: for each query, documents and their labels.
///
/// Immutable and columnar. Judgements are kept in the order they came in; beside them, a hash
/// index per query finds a document's label in O(1), and the query's positive labels are kept
/// sorted descending (the ideal ranking) with a count of its zero labels. Negative labels are kept: trec_eval treats them as
/// "in the pool but unjudged". Queries with no judgement at all are dropped, as in
/// pytrec_eval.
#[derive(Debug, Clone)]
pub struct Qrels {
    queries: StrTable,
    lookup: IdMap,
    offsets: Vec<usize>,
    docs: StrTable,
    labels: Vec<f64>,
    index: DocIndex,
    /// Query `q`'s positive labels, sorted descending: `positive[positive_offsets[q]..]`.
    positive_offsets: Vec<usize>,
    positive: Vec<f64>,
    /// Number of judgements with label 0, per query.
    zeros: Vec<usize>,
}

/// Collects judgements; [`QrelsBuilder::build`] validates and indexes them.
#[derive(Debug, Default)]
pub struct QrelsBuilder {
    inner: Builder,
}

impl QrelsBuilder {
    pub fn new() -> Self {
        QrelsBuilder {
            inner: Builder::new(),
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

    /// Reserve room for `n` judgements.
    pub fn reserve(&mut self, n: usize) {
        self.inner.reserve(n);
    }

    /// Start (or return to) a query.
    pub fn begin_query(&mut self, query: &str) {
        self.inner.begin_query(query.as_bytes());
    }

    /// Judge `doc` with `label` for the current query.
    #[inline]
    pub fn push_doc(&mut self, doc: &str, label: f64) {
        self.inner.push_doc(doc.as_bytes(), label);
    }

    /// Add one judgement.
    pub fn push(&mut self, query: &str, doc: &str, label: f64) {
        self.inner.push(query.as_bytes(), doc.as_bytes(), label);
    }

    /// Record where the judgements came from (file path and line of each), for errors.
    pub fn set_source(&mut self, path: Option<String>) {
        self.inner.source = Source { path };
    }

    /// Validate (finite labels, no document judged twice for a query) and index.
    pub fn build(self) -> Result<Qrels> {
        if let Some(bad) = self.inner.find_value(f64::is_finite) {
            return Err(RankError::invalid(
                "qrels",
                "finite relevance labels",
                format!(
                    "{} for query {:?}, document {:?}",
                    bad.value, bad.query, bad.doc,
                ),
            ));
        }
        let g: Grouped = self.inner.group();
        let index =
            DocIndex::build(&g.offsets, &g.docs).map_err(|dup| g.duplicate_error(dup, "qrels"))?;
        Ok(Qrels::from_grouped(g, index))
    }
}

impl Qrels {
    pub fn builder() -> QrelsBuilder {
        QrelsBuilder::new()
    }

    fn from_grouped(g: Grouped, index: DocIndex) -> Qrels {
        let num_queries = g.queries.len();
        let mut positive_offsets = Vec::with_capacity(num_queries + 1);
        positive_offsets.push(0);
        let mut positive = Vec::new();
        let mut zeros = Vec::with_capacity(num_queries);
        for w in g.offsets.windows(2) {
            let labels = &g.values[w[0]..w[1]];
            let start = positive.len();
            positive.extend(labels.iter().copied().filter(|&l| l > 0.0));
            positive[start..].sort_unstable_by(|a, b| b.total_cmp(a));
            positive_offsets.push(positive.len());
            zeros.push(labels.iter().filter(|&&l| l == 0.0).count());
        }
        let mut qrels = Qrels {
            queries: g.queries,
            lookup: g.lookup,
            offsets: g.offsets,
            docs: g.docs,
            labels: g.values,
            index,
            positive_offsets,
            positive,
            zeros,
        };
        qrels.drop_empty_queries();
        qrels
    }

    /// Queries without judgements are dropped (pytrec_eval drops `{}` queries too). They own
    /// no judgement, so only the query tables change.
    fn drop_empty_queries(&mut self) {
        let keep: Vec<usize> = (0..self.queries.len())
            .filter(|&q| self.offsets[q + 1] > self.offsets[q])
            .collect();
        if keep.len() == self.queries.len() {
            return;
        }
        self.queries = self.queries.permuted(keep.iter().copied());
        self.lookup = (0..self.queries.len())
            .map(|i| {
                (
                    self.queries.get(i).into(),
                    u32::try_from(i).unwrap_or(u32::MAX),
                )
            })
            .collect();
        let mut offsets = vec![0];
        let mut positive_offsets = vec![0];
        for &q in &keep {
            offsets.push(self.offsets[q + 1]);
            positive_offsets.push(self.positive_offsets[q + 1]);
        }
        self.zeros = keep.iter().map(|&q| self.zeros[q]).collect();
        self.offsets = offsets;
        self.positive_offsets = positive_offsets;
    }

    super::collection::query_accessors!("judgements");

    /// Number of judgements.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Label of judgement `i`.
    pub fn label(&self, i: usize) -> f64 {
        self.labels[i]
    }

    /// Positive labels of query `q`, sorted descending (its ideal ranking).
    pub fn positive_labels(&self, q: usize) -> &[f64] {
        &self.positive[self.positive_offsets[q]..self.positive_offsets[q + 1]]
    }

    /// Number of judgements with label `>= rel_level` (`rel_level > 0`), over all queries.
    pub fn num_relevant(&self, rel_level: f64) -> usize {
        (0..self.num_queries())
            .map(|q| self.positive_labels(q).partition_point(|&l| l >= rel_level))
            .sum()
    }

    /// Number of judgements of query `q` with label 0.
    pub fn zero_labels(&self, q: usize) -> usize {
        self.zeros[q]
    }

    /// Label of `doc` for query `q`, if judged.
    #[inline]
    pub fn lookup(&self, q: usize, doc: &[u8]) -> Option<f64> {
        let start = self.offsets[q];
        self.index
            .find(q, start, &self.docs, doc)
            .map(|local| self.labels[start + local])
    }

    /// Query `q`'s judgements, for many [`JudgedDocs::label`] lookups in a row: what
    /// [`Qrels::lookup`] finds again on every call is found once.
    #[inline]
    pub(crate) fn judged(&self, q: usize) -> JudgedDocs<'_> {
        let start = self.offsets[q];
        JudgedDocs {
            table: self.index.table(q),
            docs: &self.docs,
            start,
            labels: &self.labels[start..self.offsets[q + 1]],
        }
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.queries.heap_bytes()
            + self.docs.heap_bytes()
            + (self.labels.capacity() + self.positive.capacity()) * 8
            + self.zeros.capacity() * 8
            + self.index.heap_bytes()
            + (self.offsets.capacity() + self.positive_offsets.capacity()) * 8
            + self.lookup.capacity() * 32
    }
}

/// One query's judgements (see [`Qrels::judged`]).
pub(crate) struct JudgedDocs<'a> {
    table: &'a [u32],
    docs: &'a StrTable,
    start: usize,
    labels: &'a [f64],
}

impl JudgedDocs<'_> {
    /// Label of `doc`, if judged: [`Qrels::lookup`] for this query.
    #[inline]
    pub(crate) fn label(&self, doc: &[u8]) -> Option<f64> {
        super::index::probe(self.table, doc, |local| self.docs.get(self.start + local))
            .map(|local| self.labels[local])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qrels(rows: &[(&str, &str, f64)]) -> Result<Qrels> {
        let mut b = Qrels::builder();
        for &(q, d, l) in rows {
            b.push(q, d, l);
        }
        b.build()
    }

    #[test]
    fn judgements_are_indexed_by_query_and_doc() {
        let q = qrels(&[
            ("q1", "b", 1.0),
            ("q1", "a", 0.0),
            ("q2", "c", 2.0),
            ("q1", "z", -1.0),
        ])
        .unwrap();
        assert_eq!(q.num_queries(), 2);
        let q1 = q.query_index(b"q1").unwrap();
        assert_eq!(q.lookup(q1, b"a"), Some(0.0));
        assert_eq!(q.lookup(q1, b"b"), Some(1.0));
        assert_eq!(q.lookup(q1, b"z"), Some(-1.0));
        assert_eq!(q.lookup(q1, b"c"), None);
        assert_eq!(q.positive_labels(q1), &[1.0]);
        assert_eq!(q.zero_labels(q1), 1);
    }

    #[test]
    fn duplicates_and_nan_labels_are_refused() {
        let e = qrels(&[("q1", "a", 1.0), ("q1", "a", 0.0)]).unwrap_err();
        assert!(
            e.to_string()
                .contains("duplicate document \"a\" in query \"q1\"")
        );
        let e = qrels(&[("q1", "a", f64::NAN)]).unwrap_err();
        assert!(e.to_string().contains("finite relevance labels"), "{e}");
    }

    #[test]
    fn queries_without_judgements_are_dropped() {
        let mut b = Qrels::builder();
        b.begin_query("empty");
        b.push("q1", "a", 1.0);
        let q = b.build().unwrap();
        assert_eq!(q.num_queries(), 1);
        assert_eq!(q.query_id(0), "q1");
        assert_eq!(q.query_index(b"q1"), Some(0));
    }
}
