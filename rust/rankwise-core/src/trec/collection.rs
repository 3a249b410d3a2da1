//! Building query-grouped columns from `(query, doc, value)` triples, as qrels and runs are.

use rayon::prelude::*;

use super::index::{Duplicate, IdMap};
use super::strings::StrTable;
use crate::error::RankError;

/// The query accessors qrels and runs share, over their fields `queries` (ids), `lookup`
/// (id to index), `offsets` (query `q`'s entries are `offsets[q]..offsets[q + 1]`) and `docs`.
/// `$entries` names what an entry is, for the doc comments.
macro_rules! query_accessors {
    ($entries:literal) => {
        /// Number of queries.
        pub fn num_queries(&self) -> usize {
            self.queries.len()
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

        #[doc = concat!("Flat index range of query `q`'s ", $entries, " (in the order they came in).")]
        pub fn range(&self, q: usize) -> std::ops::Range<usize> {
            self.offsets[q]..self.offsets[q + 1]
        }

        /// Document id at flat index `i`.
        pub fn doc(&self, i: usize) -> &[u8] {
            self.docs.get(i)
        }

        /// The query ids, the offsets of each query's entries and the document ids.
        pub(crate) fn columns(
            &self,
        ) -> (
            &$crate::trec::StrTable,
            &[usize],
            &$crate::trec::StrTable,
        ) {
            (&self.queries, &self.offsets, &self.docs)
        }
    };
}
pub(crate) use query_accessors;

/// Where the triples came from, for error messages.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// File path, if read from a file.
    pub path: Option<String>,
}

/// Collects triples in arrival order. Triples of one query usually arrive together (a dict of
/// dicts, a sorted file): then only a count per query is kept. If a query's triples come back
/// after another query's, the builder switches to recording the query of every triple, and
/// [`Builder::group`] regroups them stably.
#[derive(Debug, Default)]
pub struct Builder {
    pub(crate) queries: StrTable,
    lookup: IdMap,
    current: Option<u32>,
    /// Number of triples per query (contiguous mode).
    counts: Vec<usize>,
    /// Query of every triple, once the input turned out not to be grouped.
    query_of: Option<Vec<u32>>,
    /// Highest query index that received a triple (contiguous mode).
    tail: Option<u32>,
    pub(crate) docs: StrTable,
    pub(crate) values: Vec<f64>,
    pub(crate) source: Source,
}

impl Builder {
    pub fn new() -> Self {
        Builder::default()
    }

    /// Reserve room for `n` triples.
    pub fn reserve(&mut self, n: usize) {
        self.reserve_bytes(n, n * 8);
    }

    /// Reserve room for `n` triples with `doc_bytes` bytes of doc ids in all.
    pub fn reserve_bytes(&mut self, n: usize, doc_bytes: usize) {
        self.values.reserve(n);
        self.docs.reserve(n, doc_bytes);
    }

    /// Make `query` the query that [`Builder::push_doc`] adds to, registering it (even if it
    /// never gets a document).
    pub fn begin_query(&mut self, query: &[u8]) {
        if let Some(c) = self.current
            && self.queries.get(c as usize) == query
        {
            return;
        }
        let idx = match self.lookup.get(query) {
            Some(&i) => i,
            None => {
                let i = u32::try_from(self.queries.len()).unwrap_or(u32::MAX);
                self.queries.push(query);
                self.lookup.insert(query.into(), i);
                self.counts.push(0);
                i
            }
        };
        self.current = Some(idx);
    }

    /// Add a document to the current query.
    ///
    /// # Panics
    /// If no query was begun (a programming error in the caller, not a user error).
    #[inline]
    pub fn push_doc(&mut self, doc: &[u8], value: f64) {
        self.count_doc();
        self.docs.push(doc);
        self.values.push(value);
    }

    /// Add the documents `docs[range]`, with their `values`, to the current query (a block of
    /// lines of one query, parsed elsewhere).
    pub(crate) fn push_docs(
        &mut self,
        docs: &StrTable,
        range: std::ops::Range<usize>,
        values: &[f64],
    ) {
        self.count_docs(values.len());
        self.docs.extend_from(docs, range);
        self.values.extend_from_slice(values);
    }

    /// Account for one more triple of the current query.
    #[inline]
    fn count_doc(&mut self) {
        self.count_docs(1);
    }

    /// Account for `n` more triples of the current query.
    #[inline]
    fn count_docs(&mut self, n: usize) {
        let q = self.current.expect("begin_query before push_doc");
        match self.query_of.as_mut() {
            Some(query_of) => query_of.extend(std::iter::repeat_n(q, n)),
            None if self
                .tail
                .is_none_or(|t| q == t || (q > t && self.counts[q as usize] == 0)) =>
            {
                self.tail = Some(q);
                self.counts[q as usize] += n;
            }
            None => {
                // Not grouped after all: record the query of every triple from now on.
                let mut query_of = Vec::with_capacity(self.values.capacity());
                for (qi, &c) in self.counts.iter().enumerate() {
                    query_of.extend(std::iter::repeat_n(
                        u32::try_from(qi).unwrap_or(u32::MAX),
                        c,
                    ));
                }
                query_of.extend(std::iter::repeat_n(q, n));
                self.query_of = Some(query_of);
            }
        }
    }

    /// Add a triple.
    #[inline]
    pub fn push(&mut self, query: &[u8], doc: &[u8], value: f64) {
        self.begin_query(query);
        self.push_doc(doc, value);
    }

    /// Query index of triple `i`.
    fn query_of(&self, i: usize) -> usize {
        match &self.query_of {
            Some(q) => q[i] as usize,
            None => {
                let mut end = 0;
                self.counts
                    .iter()
                    .position(|&c| {
                        end += c;
                        i < end
                    })
                    .unwrap_or(0)
            }
        }
    }

    /// The first triple whose value fails `ok`, as (query, doc, value, line).
    pub(crate) fn find_value(&self, ok: impl Fn(f64) -> bool) -> Option<BadValue> {
        let i = self.values.iter().position(|&v| !ok(v))?;
        Some(BadValue {
            query: self.queries.get_str(self.query_of(i)).into_owned(),
            doc: self.docs.get_str(i).into_owned(),
            value: self.values[i],
        })
    }

    /// Group triples by query (stable, in order of first appearance of each query).
    pub(crate) fn group(self) -> Grouped {
        let Builder {
            queries,
            lookup,
            counts,
            query_of,
            docs,
            values,
            source,
            ..
        } = self;
        let (offsets, docs, values) = match query_of {
            // Already grouped, in query order.
            None => {
                let mut offsets = Vec::with_capacity(counts.len() + 1);
                offsets.push(0);
                for c in counts {
                    offsets.push(offsets.last().copied().unwrap_or(0) + c);
                }
                (offsets, docs, values)
            }
            Some(query_of) => {
                let nq = queries.len();
                let mut offsets = vec![0usize; nq + 1];
                for &q in &query_of {
                    offsets[q as usize + 1] += 1;
                }
                for i in 1..offsets.len() {
                    offsets[i] += offsets[i - 1];
                }
                // Counting sort by query: stable within a query.
                let mut next = offsets.clone();
                let mut order = vec![0usize; query_of.len()];
                for (i, &q) in query_of.iter().enumerate() {
                    order[next[q as usize]] = i;
                    next[q as usize] += 1;
                }
                let docs = docs.permuted(order.iter().copied());
                let values = order.iter().map(|&i| values[i]).collect();
                (offsets, docs, values)
            }
        };
        Grouped {
            queries,
            lookup,
            offsets,
            docs,
            values,
            source,
        }
    }
}

/// A value a check refused.
#[derive(Debug, Clone)]
pub(crate) struct BadValue {
    pub query: String,
    pub doc: String,
    pub value: f64,
}

/// Triples grouped by query: query `q` owns `offsets[q]..offsets[q + 1]`.
#[derive(Debug)]
pub(crate) struct Grouped {
    pub queries: StrTable,
    pub lookup: IdMap,
    pub offsets: Vec<usize>,
    pub docs: StrTable,
    pub values: Vec<f64>,
    pub source: Source,
}

impl Grouped {
    /// The error for two entries of query `q` with the same doc id (local indices).
    pub fn duplicate_error(&self, (q, _, second): Duplicate, what: &'static str) -> RankError {
        let i = self.offsets[q] + second;
        RankError::DuplicateDocument {
            what,
            query: self.queries.get_str(q).into_owned(),
            doc: self.docs.get_str(i).into_owned(),
            path: self.source.path.clone(),
            line: None,
        }
    }
}

/// For each group `offsets[q]..offsets[q + 1]`, the local indices `0..n` sorted by `key` (a
/// cheap integer) and, for equal keys, by `tie`. Both receive the group's start and local
/// indices. Groups are sorted in parallel.
pub(crate) fn local_order<K: Ord + Copy + Send + Sync>(
    offsets: &[usize],
    key: impl Fn(usize, usize) -> K + Sync,
    tie: impl Fn(usize, usize, usize) -> std::cmp::Ordering + Sync,
) -> Vec<u32> {
    order_groups(
        offsets,
        |start, i| (key(start, i), u32::try_from(i).unwrap_or(u32::MAX)),
        |a, b| a.0 == b.0,
        |e| e.1,
        tie,
    )
}

/// [`local_order`] for 32-bit keys: key and local index are packed into one `u64`, so each
/// group is sorted as plain integers (ties on the key are then ordered by `tie`).
pub(crate) fn local_order_u32(
    offsets: &[usize],
    key: impl Fn(usize, usize) -> u32 + Sync,
    tie: impl Fn(usize, usize, usize) -> std::cmp::Ordering + Sync,
) -> Vec<u32> {
    order_groups(
        offsets,
        |start, i| {
            (u64::from(key(start, i)) << 32) | u64::from(u32::try_from(i).unwrap_or(u32::MAX))
        },
        |a, b| a >> 32 == b >> 32,
        |e| {
            #[allow(clippy::cast_possible_truncation)]
            let local = *e as u32;
            local
        },
        tie,
    )
}

/// The body of [`local_order`] and [`local_order_u32`]: each group's entries (`entry` of the
/// group's start and a local index) sorted as plain integers, runs of equal keys (`same_key`)
/// then ordered by `tie` on their local indices (`local`), and those local indices written out.
fn order_groups<E: Ord + Copy + Send>(
    offsets: &[usize],
    entry: impl Fn(usize, usize) -> E + Sync,
    same_key: impl Fn(&E, &E) -> bool + Sync,
    local: impl Fn(&E) -> u32 + Sync,
    tie: impl Fn(usize, usize, usize) -> std::cmp::Ordering + Sync,
) -> Vec<u32> {
    let n = offsets.last().copied().unwrap_or(0);
    let mut perm = vec![0u32; n];
    chunks_by_offsets_mut(&mut perm, offsets)
        .into_par_iter()
        .enumerate()
        .for_each_init(Vec::new, |entries: &mut Vec<E>, (q, chunk)| {
            let start = offsets[q];
            entries.clear();
            entries.extend((0..chunk.len()).map(|i| entry(start, i)));
            // Plain integer sort first; then order runs of equal keys with `tie` (rare).
            entries.sort_unstable();
            sort_equal_runs(entries, &same_key, |a, b| {
                tie(start, local(a) as usize, local(b) as usize)
            });
            for (slot, e) in chunk.iter_mut().zip(entries.iter()) {
                *slot = local(e);
            }
        });
    perm
}

/// In a slice sorted by key, order each run of equal keys (`same_key`) with `tie`.
fn sort_equal_runs<T>(
    v: &mut [T],
    same_key: impl Fn(&T, &T) -> bool,
    tie: impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    let mut i = 0;
    while i < v.len() {
        let j = i + v[i..].iter().take_while(|e| same_key(e, &v[i])).count();
        if j - i > 1 {
            v[i..j].sort_unstable_by(&tie);
        }
        i = j;
    }
}

/// Split `data` into the disjoint mutable chunks `offsets` describes.
pub(crate) fn chunks_by_offsets_mut<'a, T>(
    data: &'a mut [T],
    offsets: &[usize],
) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(offsets.len().saturating_sub(1));
    let mut rest = data;
    for w in offsets.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        out.push(head);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a builder groups after the queries `begun` are begun, in order, and then the
    /// `(query, doc, value)` entries pushed.
    fn grouped(begun: &[&[u8]], entries: &[(&[u8], &[u8], f64)]) -> Grouped {
        let mut b = Builder::new();
        for &q in begun {
            b.begin_query(q);
        }
        for &(q, d, v) in entries {
            b.push(q, d, v);
        }
        b.group()
    }

    #[test]
    fn interleaved_queries_are_regrouped_stably() {
        let g = grouped(
            &[],
            &[(b"q1", b"a", 1.0), (b"q2", b"b", 2.0), (b"q1", b"c", 3.0)],
        );
        assert_eq!(g.offsets, vec![0, 2, 3]);
        assert_eq!(g.docs.get(0), b"a");
        assert_eq!(g.docs.get(1), b"c");
        assert_eq!(g.values, vec![1.0, 3.0, 2.0]);
    }

    #[test]
    fn a_query_begun_early_and_filled_late_is_regrouped() {
        let g = grouped(
            &[b"q0"],
            &[(b"q1", b"a", 1.0), (b"q0", b"b", 2.0), (b"q1", b"c", 3.0)],
        );
        assert_eq!(g.offsets, vec![0, 1, 3]);
        assert_eq!(g.values, vec![2.0, 1.0, 3.0]);
    }

    #[test]
    fn empty_queries_are_kept() {
        let g = grouped(&[b"q0"], &[(b"q1", b"a", 1.0)]);
        assert_eq!(g.offsets, vec![0, 0, 1]);
        assert_eq!(g.queries.len(), 2);
    }
}
