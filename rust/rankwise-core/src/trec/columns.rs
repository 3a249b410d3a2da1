//! Qrels and runs from columns in Arrow's layout (what pandas, polars and pyarrow tables hold),
//! and back out as columns or TREC files, without a per-row trip through Python.
//!
//! A string column is Arrow's `Utf8`/`LargeUtf8` layout: row `i` is
//! `data[offsets[i]..offsets[i + 1]]`. The offsets are validated before use, so a malformed
//! buffer gives an error, never an out-of-bounds read.

use std::io::Write;

use super::{Qrels, QrelsBuilder, Run, RunBuilder};
use crate::error::{RankError, Result};
use crate::ranking::ScorePrecision;

/// Arrow offsets: 32-bit (`Utf8`) or 64-bit (`LargeUtf8`).
#[derive(Debug, Clone, Copy)]
pub enum Offsets<'a> {
    I32(&'a [i32]),
    I64(&'a [i64]),
}

/// A borrowed string column in Arrow's layout.
#[derive(Debug, Clone, Copy)]
pub struct StrColumn<'a> {
    pub offsets: Offsets<'a>,
    pub data: &'a [u8],
}

impl StrColumn<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self.offsets {
            Offsets::I32(o) => o.len().saturating_sub(1),
            Offsets::I64(o) => o.len().saturating_sub(1),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn bounds(&self, i: usize) -> (usize, usize) {
        // Validated by `check`: non-negative, non-decreasing, within `data`.
        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
        match self.offsets {
            Offsets::I32(o) => (o[i] as usize, o[i + 1] as usize),
            Offsets::I64(o) => (o[i] as usize, o[i + 1] as usize),
        }
    }

    /// Row `i`'s bytes.
    #[inline]
    pub fn get(&self, i: usize) -> &[u8] {
        let (a, b) = self.bounds(i);
        &self.data[a..b]
    }

    /// Reject offsets that do not describe `data`: empty, negative, decreasing or too long.
    pub fn check(&self, name: &str) -> Result<()> {
        let bad = |what: String| RankError::invalid(name, "a valid Arrow string column", what);
        let (first, last, len) = match self.offsets {
            Offsets::I32(o) => (
                o.first().map(|&v| i64::from(v)),
                o.last().map(|&v| i64::from(v)),
                o.len(),
            ),
            Offsets::I64(o) => (o.first().copied(), o.last().copied(), o.len()),
        };
        if len == 0 {
            return Err(bad("an empty offsets buffer".into()));
        }
        let (first, last) = (first.unwrap_or(0), last.unwrap_or(0));
        #[allow(clippy::cast_possible_wrap)]
        if first < 0 || last > self.data.len() as i64 {
            return Err(bad(format!(
                "offsets from {first} to {last} over {} bytes of data",
                self.data.len()
            )));
        }
        let decreasing = match self.offsets {
            Offsets::I32(o) => o.windows(2).position(|w| w[1] < w[0]),
            Offsets::I64(o) => o.windows(2).position(|w| w[1] < w[0]),
        };
        if let Some(row) = decreasing {
            return Err(bad(format!("decreasing offsets at row {row}")));
        }
        Ok(())
    }
}

fn check_lengths(queries: &StrColumn<'_>, docs: &StrColumn<'_>, values: usize) -> Result<()> {
    queries.check("query column")?;
    docs.check("doc column")?;
    if docs.len() != queries.len() || values != queries.len() {
        return Err(RankError::shape(
            "columns",
            "query, doc and value columns of one length",
            format!(
                "{} query ids, {} doc ids, {} values",
                queries.len(),
                docs.len(),
                values
            ),
        ));
    }
    Ok(())
}

fn utf8<'a>(column: &str, row: usize, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|_| {
        RankError::invalid(
            column,
            "UTF-8 strings",
            format!("invalid UTF-8 at row {row}"),
        )
    })
}

/// Qrels from a query-id column, a doc-id column and labels (one row per judgement).
pub fn qrels_from_columns(
    queries: &StrColumn<'_>,
    docs: &StrColumn<'_>,
    labels: &[f64],
) -> Result<Qrels> {
    check_lengths(queries, docs, labels.len())?;
    let mut builder = QrelsBuilder::new();
    builder.reserve_bytes(labels.len(), docs.data.len());
    for (i, &label) in labels.iter().enumerate() {
        builder.begin_query(utf8("query column", i, queries.get(i))?);
        builder.push_doc(utf8("doc column", i, docs.get(i))?, label);
    }
    builder.build()
}

/// A run from a query-id column, a doc-id column and scores (one row per retrieved document).
pub fn run_from_columns(
    queries: &StrColumn<'_>,
    docs: &StrColumn<'_>,
    scores: &[f64],
    name: Option<String>,
    precision: ScorePrecision,
) -> Result<Run> {
    check_lengths(queries, docs, scores.len())?;
    let mut builder = RunBuilder::new();
    builder.set_name(name);
    builder.set_score_precision(precision);
    builder.reserve_bytes(scores.len(), docs.data.len());
    for (i, &score) in scores.iter().enumerate() {
        builder.begin_query(utf8("query column", i, queries.get(i))?);
        builder.push_doc(utf8("doc column", i, docs.get(i))?, score);
    }
    builder.build()
}

/// An owned string column in Arrow's `LargeUtf8` layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnedStrColumn {
    pub offsets: Vec<i64>,
    pub data: Vec<u8>,
}

impl OwnedStrColumn {
    fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        OwnedStrColumn {
            offsets,
            data: Vec::with_capacity(bytes),
        }
    }

    fn push(&mut self, s: &[u8]) {
        self.data.extend_from_slice(s);
        #[allow(clippy::cast_possible_wrap)]
        self.offsets.push(self.data.len() as i64);
    }
}

/// Qrels as columns: query ids, doc ids, labels; queries in order of first appearance,
/// judgements in the order they came in.
pub fn qrels_to_columns(qrels: &Qrels) -> (OwnedStrColumn, OwnedStrColumn, Vec<f64>) {
    let n = qrels.len();
    let mut queries = OwnedStrColumn::with_capacity(n, n * 4);
    let mut docs = OwnedStrColumn::with_capacity(n, n * 8);
    let mut labels = Vec::with_capacity(n);
    for q in 0..qrels.num_queries() {
        let id = qrels.query_id(q);
        for i in qrels.range(q) {
            queries.push(id.as_bytes());
            docs.push(qrels.doc(i));
            labels.push(qrels.label(i));
        }
    }
    (queries, docs, labels)
}

/// A run as columns: query ids, doc ids, scores and 1-based ranks, each query's documents in
/// rank order (trec_eval's ranking: score descending, ties by doc id descending).
pub fn run_to_columns(run: &Run) -> (OwnedStrColumn, OwnedStrColumn, Vec<f64>, Vec<i64>) {
    let n = run.len();
    let mut queries = OwnedStrColumn::with_capacity(n, n * 4);
    let mut docs = OwnedStrColumn::with_capacity(n, n * 8);
    let mut scores = Vec::with_capacity(n);
    let mut ranks = Vec::with_capacity(n);
    for q in 0..run.num_queries() {
        let id = run.query_id_bytes(q);
        for rank in 0..run.range(q).len() {
            let i = run.at_rank(q, rank);
            queries.push(id);
            docs.push(run.doc(i));
            scores.push(run.score(i));
            #[allow(clippy::cast_possible_wrap)]
            ranks.push(rank as i64 + 1);
        }
    }
    (queries, docs, scores, ranks)
}

/// A label or score as text that reads back to the same number: integers without a
/// fraction, other values in Rust's shortest round-trip form.
fn number(out: &mut Vec<u8>, v: f64) {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        let _ = write!(out, "{}", v as i64);
    } else {
        let _ = write!(out, "{v}");
    }
}

/// Write qrels in TREC format: `query_id 0 doc_id label`, one line per judgement.
pub fn write_qrels(qrels: &Qrels, w: &mut impl Write) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(64);
    for q in 0..qrels.num_queries() {
        let id = qrels.query_id(q);
        for i in qrels.range(q) {
            line.clear();
            line.extend_from_slice(id.as_bytes());
            line.extend_from_slice(b" 0 ");
            line.extend_from_slice(qrels.doc(i));
            line.push(b' ');
            number(&mut line, qrels.label(i));
            line.push(b'\n');
            w.write_all(&line)?;
        }
    }
    Ok(())
}

/// Write a run in TREC format: `query_id Q0 doc_id rank score tag`, in rank order, ranks
/// from 1; `tag` is the run's name (or `rankwise`).
pub fn write_run(run: &Run, w: &mut impl Write) -> std::io::Result<()> {
    let tag = run.name().unwrap_or("rankwise").to_owned();
    let tag = if tag.is_empty() || tag.contains(char::is_whitespace) {
        tag.split_whitespace().collect::<Vec<_>>().join("_")
    } else {
        tag
    };
    let tag = if tag.is_empty() {
        "rankwise".into()
    } else {
        tag
    };
    let mut line = Vec::with_capacity(96);
    for q in 0..run.num_queries() {
        let id = run.query_id_bytes(q);
        for rank in 0..run.range(q).len() {
            let i = run.at_rank(q, rank);
            line.clear();
            line.extend_from_slice(id);
            line.extend_from_slice(b" Q0 ");
            line.extend_from_slice(run.doc(i));
            let _ = write!(line, " {} ", rank + 1);
            let s = run.score(i);
            let _ = write!(line, "{s}");
            line.push(b' ');
            line.extend_from_slice(tag.as_bytes());
            line.push(b'\n');
            w.write_all(&line)?;
        }
    }
    Ok(())
}

/// Create `path` for writing, gzip-compressed when it ends in `.gz`.
pub fn create(path: &std::path::Path) -> Result<Box<dyn Write + Send>> {
    let file = std::fs::File::create(path).map_err(|e| RankError::Io {
        path: path.display().to_string(),
        kind: e.kind(),
        message: e.to_string(),
    })?;
    let buffered = std::io::BufWriter::with_capacity(1 << 20, file);
    if path.extension().is_some_and(|e| e == "gz") {
        Ok(Box::new(flate2::write::GzEncoder::new(
            buffered,
            flate2::Compression::default(),
        )))
    } else {
        Ok(Box::new(buffered))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn str_column<'a>(offsets: &'a [i32], data: &'a [u8]) -> StrColumn<'a> {
        StrColumn {
            offsets: Offsets::I32(offsets),
            data,
        }
    }

    fn column(strings: &[&str]) -> (Vec<i32>, Vec<u8>) {
        let mut offsets = vec![0i32];
        let mut data = Vec::new();
        for s in strings {
            data.extend_from_slice(s.as_bytes());
            offsets.push(i32::try_from(data.len()).unwrap());
        }
        (offsets, data)
    }

    #[test]
    fn run_round_trips_through_columns_and_trec_text() {
        let (qo, qd) = column(&["q1", "q1", "q2", "q1"]);
        let (d_o, dd) = column(&["a", "b", "c", "d"]);
        let queries = str_column(&qo, &qd);
        let docs = str_column(&d_o, &dd);
        let run = run_from_columns(
            &queries,
            &docs,
            &[0.5, 2.0, 1.0, 0.5],
            Some("my run".into()),
            ScorePrecision::F32,
        )
        .unwrap();
        assert_eq!(run.num_queries(), 2);
        let (q, d, s, r) = run_to_columns(&run);
        assert_eq!(q.offsets.len(), 5);
        assert_eq!(&d.data, b"bdac"); // q1: b (2.0), then d, a tied at 0.5 by doc id descending
        assert_eq!(s, vec![2.0, 0.5, 0.5, 1.0]);
        assert_eq!(r, vec![1, 2, 3, 1]);
        let mut text = Vec::new();
        write_run(&run, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.starts_with("q1 Q0 b 1 2 my_run\nq1 Q0 d 2 0.5 my_run\n"),
            "{text}"
        );
    }

    #[test]
    fn qrels_from_columns_and_errors() {
        let (qo, qd) = column(&["q1", "q1"]);
        let (d_o, dd) = column(&["a", "b"]);
        let queries = str_column(&qo, &qd);
        let docs = str_column(&d_o, &dd);
        let qrels = qrels_from_columns(&queries, &docs, &[1.0, 0.5]).unwrap();
        let mut text = Vec::new();
        write_qrels(&qrels, &mut text).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), "q1 0 a 1\nq1 0 b 0.5\n");
        let e = qrels_from_columns(&queries, &docs, &[1.0]).unwrap_err();
        assert!(
            e.to_string().contains("2 query ids, 2 doc ids, 1 values"),
            "{e}"
        );
        let bad = [0i32, 5];
        let broken = str_column(&bad, b"ab");
        let e = qrels_from_columns(&broken, &broken, &[1.0]).unwrap_err();
        assert!(e.to_string().contains("over 2 bytes"), "{e}");
        let dup = qrels_from_columns(&queries, &queries, &[1.0, 1.0]).unwrap_err();
        assert!(dup.to_string().contains("duplicate document"), "{dup}");
    }
}
