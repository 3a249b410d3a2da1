//! Retrieval runs: ranked documents per query.

use std::collections::HashMap;

use rayon::prelude::*;

use super::collection::{Builder, Source, chunks_by_offsets_mut};
use super::strings::StrTable;
use crate::error::{RankError, Result};
use crate::ranking::trec_cmp;

/// A run: for each query, retrieved documents with scores.
///
/// Immutable and columnar. Each query's documents are stored **ranked** the trec_eval way
/// (score descending, equal scores by document id descending, byte-wise; the rank column of a
/// file is ignored), so evaluating a run never sorts it again; beside them, a permutation
/// lists the same documents in byte order for matching against qrels by merging.
#[derive(Debug, Clone)]
pub struct Run {
    name: Option<String>,
    queries: StrTable,
    lookup: HashMap<Box<[u8]>, u32>,
    offsets: Vec<usize>,
    docs: StrTable,
    scores: Vec<f64>,
    by_doc: Vec<u32>,
}

/// Collects scored documents; [`RunBuilder::build`] validates and ranks them.
#[derive(Debug, Default)]
pub struct RunBuilder {
    inner: Builder,
    name: Option<String>,
}

impl RunBuilder {
    pub fn new() -> Self {
        RunBuilder {
            inner: Builder::new(),
            name: None,
        }
    }

    /// Reserve room for `n` documents.
    pub fn reserve(&mut self, n: usize) {
        self.inner.reserve(n, 12);
    }

    /// Name of the run (the last column of a TREC run file).
    pub fn set_name(&mut self, name: Option<String>) {
        self.name = name;
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

    /// Add one retrieved document.
    pub fn push(&mut self, query: &str, doc: &str, score: f64) {
        self.inner.push(query.as_bytes(), doc.as_bytes(), score);
    }

    /// Record where the documents came from (file path and line of each), for errors.
    pub fn set_source(&mut self, path: Option<String>, lines: Option<Vec<u64>>) {
        self.inner.source = Source { path, lines };
    }

    /// Validate (no NaN score, no document twice in a query) and rank.
    pub fn build(self) -> Result<Run> {
        if let Some(bad) = self.inner.find_value(|v| !v.is_nan()) {
            return Err(RankError::invalid(
                "run",
                "scores that are numbers (infinities are allowed)",
                format!(
                    "NaN for query {:?}, document {:?}{}",
                    bad.query,
                    bad.doc,
                    bad.line.map(|l| format!(" (line {l})")).unwrap_or_default()
                ),
            ));
        }
        let mut g = self.inner.group();
        g.sort_within_queries(|g, a, b| {
            trec_cmp(g.values[a], g.docs.get(a), g.values[b], g.docs.get(b))
        });
        // Byte order of each query's (now ranked) documents, for merging with qrels.
        let mut by_doc: Vec<u32> = Vec::with_capacity(g.values.len());
        for w in g.offsets.windows(2) {
            by_doc.extend((0..w[1] - w[0]).map(|i| u32::try_from(i).unwrap_or(u32::MAX)));
        }
        chunks_by_offsets_mut(&mut by_doc, &g.offsets)
            .into_par_iter()
            .enumerate()
            .for_each(|(q, chunk)| {
                let base = g.offsets[q];
                chunk.sort_unstable_by(|&a, &b| {
                    g.docs
                        .get(base + a as usize)
                        .cmp(g.docs.get(base + b as usize))
                });
            });
        g.find_duplicate(Some(&by_doc), "run")?;
        Ok(Run {
            name: self.name,
            queries: g.queries,
            lookup: g.lookup,
            offsets: g.offsets,
            docs: g.docs,
            scores: g.values,
            by_doc,
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

    /// Number of queries.
    pub fn num_queries(&self) -> usize {
        self.queries.len()
    }

    /// Number of (query, document) pairs.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    /// Id of query `q`.
    pub fn query_id(&self, q: usize) -> std::borrow::Cow<'_, str> {
        self.queries.get_str(q)
    }

    /// Raw id of query `q`.
    pub fn query_id_bytes(&self, q: usize) -> &[u8] {
        self.queries.get(q)
    }

    /// Index of a query id.
    pub fn query_index(&self, id: &[u8]) -> Option<usize> {
        self.lookup.get(id).map(|&i| i as usize)
    }

    /// Flat index range of query `q`'s documents, in rank order.
    pub fn range(&self, q: usize) -> std::ops::Range<usize> {
        self.offsets[q]..self.offsets[q + 1]
    }

    /// Document id at flat index `i`.
    pub fn doc(&self, i: usize) -> &[u8] {
        self.docs.get(i)
    }

    /// Score at flat index `i`.
    pub fn score(&self, i: usize) -> f64 {
        self.scores[i]
    }

    /// Query `q`'s documents in byte order, as local rank positions.
    pub fn by_doc(&self, q: usize) -> &[u32] {
        &self.by_doc[self.range(q)]
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.queries.heap_bytes()
            + self.docs.heap_bytes()
            + self.scores.capacity() * 8
            + self.by_doc.capacity() * 4
            + self.offsets.capacity() * 8
            + self.lookup.capacity() * 32
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
        let ranked: Vec<&[u8]> = r.range(0).map(|i| r.doc(i)).collect();
        assert_eq!(ranked, [b"d3".as_slice(), b"d2", b"d10", b"d1"]);
        let by_doc: Vec<&[u8]> = r.by_doc(0).iter().map(|&i| r.doc(i as usize)).collect();
        assert_eq!(by_doc, [b"d1".as_slice(), b"d10", b"d2", b"d3"]);
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
