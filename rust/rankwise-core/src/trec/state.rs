//! A compact byte form of [`Qrels`] and [`Run`], for pickling and for shipping them to the
//! workers of a cluster.
//!
//! The content travels columnar, little-endian, with no per-row framing:
//!
//! ```text
//! magic (4 bytes: "RWQ1" or "RWR1")
//! run only: precision (u8: 0 = f32, 1 = f64), has_name (u8), [name length (u64), name bytes]
//! queries: count (u64), byte length (u64), each id's length (u32), the ids back to back
//! documents per query (u64 each)
//! documents: count (u64), byte length (u64), each id's length (u32), the ids back to back
//! values (f64 each, bit for bit)
//! ```
//!
//! Loading rebuilds the collection through its builder (documents in their original order),
//! so a loaded collection passes the same validation and ranks exactly as the original did;
//! ranking and indexing are recomputed, which is cheaper than shipping them.

use super::qrels::{Qrels, QrelsBuilder};
use super::run::{Run, RunBuilder};
use super::strings::StrTable;
use crate::error::{RankError, Result};
use crate::ranking::ScorePrecision;

const QRELS_MAGIC: &[u8; 4] = b"RWQ1";
const RUN_MAGIC: &[u8; 4] = b"RWR1";

/// Appends the fields of the byte form.
struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn with_capacity(n: usize) -> Self {
        Writer {
            out: Vec::with_capacity(n),
        }
    }

    fn u64(&mut self, v: usize) {
        self.out.extend_from_slice(&(v as u64).to_le_bytes());
    }

    /// `count` strings: their lengths (u32 each), then their bytes.
    fn strings<'a>(&mut self, count: usize, get: impl Fn(usize) -> &'a [u8]) -> Result<()> {
        let total: usize = (0..count).map(|i| get(i).len()).sum();
        self.u64(count);
        self.u64(total);
        for i in 0..count {
            let len = u32::try_from(get(i).len()).map_err(|_| {
                RankError::invalid(
                    "id",
                    "at most 4 GiB long to be pickled",
                    format!("{} bytes", get(i).len()),
                )
            })?;
            self.out.extend_from_slice(&len.to_le_bytes());
        }
        for i in 0..count {
            self.out.extend_from_slice(get(i));
        }
        Ok(())
    }
}

/// Reads the fields back, refusing truncated or inconsistent input.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn bad(&self, reason: &str) -> RankError {
        RankError::invalid(
            "state",
            format!("the bytes of a pickled rankwise.{}", self.what),
            format!("{reason} at byte {} of {}", self.at, self.data.len()),
        )
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.data.len())
            .ok_or_else(|| self.bad("truncated data"))?;
        let out = &self.data[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u64(&mut self) -> Result<usize> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        usize::try_from(u64::from_le_bytes(b)).map_err(|_| self.bad("a count too large"))
    }

    /// A count whose items take at least `item_bytes` each: refused if the input is shorter,
    /// so a corrupt count cannot make us allocate without bound.
    fn count(&mut self, item_bytes: usize) -> Result<usize> {
        let n = self.u64()?;
        if n.saturating_mul(item_bytes) > self.data.len() - self.at {
            return Err(self.bad("a count larger than the data"));
        }
        Ok(n)
    }

    fn strings(&mut self) -> Result<Strings<'a>> {
        let count = self.count(4)?;
        let total = self.u64()?;
        let lens = self.take(count * 4)?;
        let bytes = self.take(total)?;
        let mut bounds = Vec::with_capacity(count + 1);
        bounds.push(0usize);
        for chunk in lens.chunks_exact(4) {
            let mut b = [0u8; 4];
            b.copy_from_slice(chunk);
            let end = bounds[bounds.len() - 1] + u32::from_le_bytes(b) as usize;
            bounds.push(end);
        }
        if bounds[count] != total {
            return Err(self.bad("id lengths that do not add up"));
        }
        for w in bounds.windows(2) {
            if std::str::from_utf8(&bytes[w[0]..w[1]]).is_err() {
                return Err(self.bad("an id that is not UTF-8"));
            }
        }
        Ok(Strings { bytes, bounds })
    }

    fn finish(&self) -> Result<()> {
        if self.at == self.data.len() {
            Ok(())
        } else {
            Err(self.bad("trailing data"))
        }
    }
}

/// Strings read back: `bytes[bounds[i]..bounds[i + 1]]`, checked UTF-8.
struct Strings<'a> {
    bytes: &'a [u8],
    bounds: Vec<usize>,
}

impl Strings<'_> {
    fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    fn get(&self, i: usize) -> &str {
        // Checked in `Reader::strings`.
        std::str::from_utf8(&self.bytes[self.bounds[i]..self.bounds[i + 1]]).unwrap_or_default()
    }
}

/// The common body: queries, documents per query, documents, values.
struct Columns<'a> {
    queries: Strings<'a>,
    sizes: Vec<usize>,
    docs: Strings<'a>,
    values: Vec<f64>,
}

/// The query ids, documents per query, document ids and `value` of each document, from the
/// `(queries, offsets, docs)` columns of a qrels or run.
fn write_columns(
    w: &mut Writer,
    (queries, offsets, docs): (&StrTable, &[usize], &StrTable),
    value: impl Fn(usize) -> f64,
) -> Result<()> {
    let num_queries = queries.len();
    w.strings(num_queries, |q| queries.get(q))?;
    for q in 0..num_queries {
        w.u64(offsets[q + 1] - offsets[q]);
    }
    w.strings(docs.len(), |i| docs.get(i))?;
    for i in 0..docs.len() {
        w.out.extend_from_slice(&value(i).to_le_bytes());
    }
    Ok(())
}

fn read_columns<'a>(r: &mut Reader<'a>) -> Result<Columns<'a>> {
    let queries = r.strings()?;
    let mut sizes = Vec::with_capacity(queries.len());
    for _ in 0..queries.len() {
        sizes.push(r.u64()?);
    }
    let docs = r.strings()?;
    let total = sizes
        .iter()
        .try_fold(0usize, |acc, &s| acc.checked_add(s))
        .filter(|&t| t == docs.len())
        .ok_or_else(|| r.bad("documents per query that do not add up"))?;
    let raw = r.take(
        total
            .checked_mul(8)
            .ok_or_else(|| r.bad("too many values"))?,
    )?;
    let values = raw
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            f64::from_le_bytes(b)
        })
        .collect();
    r.finish()?;
    Ok(Columns {
        queries,
        sizes,
        docs,
        values,
    })
}

/// A reader of the bytes of a `what` ("Qrels", "Run") past their header `magic`.
fn open<'a>(data: &'a [u8], what: &'static str, magic: &[u8; 4]) -> Result<Reader<'a>> {
    let mut r = Reader { data, at: 0, what };
    if r.take(4).map_err(|_| r.bad("no header"))? == magic {
        Ok(r)
    } else {
        r.at = 0;
        Err(r.bad("an unknown header (not rankwise format 1)"))
    }
}

impl Qrels {
    /// The compact byte form (module docs); [`Qrels::from_bytes`] reads it back.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(16 + self.len() * 16);
        w.out.extend_from_slice(QRELS_MAGIC);
        write_columns(&mut w, self.columns(), |i| self.label(i))?;
        Ok(w.out)
    }

    /// Qrels from the bytes of [`Qrels::to_bytes`]: equal judgements, in the same order.
    pub fn from_bytes(data: &[u8]) -> Result<Qrels> {
        let mut r = open(data, "Qrels", QRELS_MAGIC)?;
        let c = read_columns(&mut r)?;
        let mut b = QrelsBuilder::new();
        b.reserve_bytes(c.docs.len(), c.docs.bytes.len());
        fill(&c, &mut b);
        b.build()
    }
}

/// What [`fill`] feeds: a qrels or run builder.
trait Fill {
    fn begin(&mut self, query: &str);
    fn push(&mut self, doc: &str, value: f64);
}

impl Fill for QrelsBuilder {
    fn begin(&mut self, query: &str) {
        self.begin_query(query);
    }
    fn push(&mut self, doc: &str, value: f64) {
        self.push_doc(doc, value);
    }
}

impl Fill for RunBuilder {
    fn begin(&mut self, query: &str) {
        self.begin_query(query);
    }
    fn push(&mut self, doc: &str, value: f64) {
        self.push_doc(doc, value);
    }
}

/// Every query (even one without documents), then its documents, in the stored order.
fn fill(c: &Columns<'_>, b: &mut impl Fill) {
    let mut i = 0;
    for (q, &size) in c.sizes.iter().enumerate() {
        b.begin(c.queries.get(q));
        for _ in 0..size {
            b.push(c.docs.get(i), c.values[i]);
            i += 1;
        }
    }
}

impl Run {
    /// The compact byte form (module docs); [`Run::from_bytes`] reads it back.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let name = self.name().map(str::as_bytes);
        let mut w = Writer::with_capacity(32 + name.map_or(0, <[u8]>::len) + self.len() * 16);
        w.out.extend_from_slice(RUN_MAGIC);
        w.out.push(match self.score_precision() {
            ScorePrecision::F32 => 0,
            ScorePrecision::F64 => 1,
        });
        match name {
            Some(n) => {
                w.out.push(1);
                w.u64(n.len());
                w.out.extend_from_slice(n);
            }
            None => w.out.push(0),
        }
        write_columns(&mut w, self.columns(), |i| self.score(i))?;
        Ok(w.out)
    }

    /// A run from the bytes of [`Run::to_bytes`]: the same name, precision, documents in the
    /// same order with bit-identical scores, hence the same rankings.
    pub fn from_bytes(data: &[u8]) -> Result<Run> {
        let mut r = open(data, "Run", RUN_MAGIC)?;
        let precision = match r.u8()? {
            0 => ScorePrecision::F32,
            1 => ScorePrecision::F64,
            _ => return Err(r.bad("an unknown score precision")),
        };
        let name = match r.u8()? {
            0 => None,
            1 => {
                let len = r.count(1)?;
                let bytes = r.take(len)?;
                Some(
                    std::str::from_utf8(bytes)
                        .map_err(|_| r.bad("a run name that is not UTF-8"))?
                        .to_owned(),
                )
            }
            _ => return Err(r.bad("an unknown name flag")),
        };
        let c = read_columns(&mut r)?;
        let mut b = RunBuilder::new();
        b.set_name(name);
        b.set_score_precision(precision);
        // Written from a built run, whose documents were checked unique per query.
        b.set_unique_docs(true);
        b.reserve_bytes(c.docs.len(), c.docs.bytes.len());
        fill(&c, &mut b);
        b.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Round trip: ids, order of documents, scores bit for bit, name, precision.
        #[test]
        fn run_round_trips_exactly(
            queries in prop::collection::vec(
                ("[a-zé]{0,4}", prop::collection::hash_map("[a-c0-9]{0,6}", any::<f64>(), 0..12)),
                0..6,
            ),
            name in prop::option::of("[a-z ]{0,8}"),
            f64_precision in any::<bool>(),
        ) {
            let mut b = Run::builder();
            b.set_name(name.clone());
            b.set_score_precision(if f64_precision { ScorePrecision::F64 } else { ScorePrecision::F32 });
            for (q, docs) in &queries {
                b.begin_query(q);
                for (d, &s) in docs {
                    b.push_doc(d, if s.is_nan() { -0.0 } else { s });
                }
            }
            let Ok(run) = b.build() else { return Ok(()); };
            let back = Run::from_bytes(&run.to_bytes().unwrap()).unwrap();
            prop_assert_eq!(back.name(), run.name());
            prop_assert_eq!(back.score_precision(), run.score_precision());
            prop_assert_eq!(back.ranked_rows(), run.ranked_rows());
            let flat = |r: &Run| (0..r.len()).map(|i| (r.doc(i).to_vec(), r.score(i).to_bits())).collect::<Vec<_>>();
            prop_assert_eq!(flat(&back), flat(&run));
        }

        #[test]
        fn qrels_round_trip_exactly(
            rows in prop::collection::vec(("[a-c]{1,2}", "[a-e]{1,3}", -2.0f64..4.0), 0..40),
        ) {
            let mut b = Qrels::builder();
            let mut seen = std::collections::HashSet::new();
            for (q, d, l) in &rows {
                if seen.insert((q.clone(), d.clone())) {
                    b.push(q, d, *l);
                }
            }
            let qrels = b.build().unwrap();
            let back = Qrels::from_bytes(&qrels.to_bytes().unwrap()).unwrap();
            prop_assert_eq!(back.num_queries(), qrels.num_queries());
            for q in 0..qrels.num_queries() {
                prop_assert_eq!(back.query_id(q), qrels.query_id(q));
                prop_assert_eq!(back.range(q), qrels.range(q));
            }
            for i in 0..qrels.len() {
                prop_assert_eq!(back.doc(i), qrels.doc(i));
                prop_assert_eq!(back.label(i).to_bits(), qrels.label(i).to_bits());
            }
        }

        /// Any corruption is an error, never a panic.
        #[test]
        fn corrupt_bytes_are_refused_without_panicking(cut in 0usize..200, flip in 0usize..200) {
            let mut b = Run::builder();
            b.set_name(Some("bm25".into()));
            b.push("q1", "d1", 1.5);
            b.push("q1", "d2", 0.5);
            b.push("q2", "d1", -1.0);
            let bytes = b.build().unwrap().to_bytes().unwrap();
            let mut bad = bytes[..cut.min(bytes.len())].to_vec();
            let _ = Run::from_bytes(&bad);
            if let Some(x) = bad.get_mut(flip) {
                *x ^= 0xA5;
            }
            let _ = Run::from_bytes(&bad);
            let _ = Qrels::from_bytes(&bytes);
        }
    }

    #[test]
    fn errors_say_what_the_bytes_should_have_been() {
        let e = Run::from_bytes(b"RWQ1").unwrap_err().to_string();
        assert!(
            e.contains("`state` must be the bytes of a pickled rankwise.Run"),
            "{e}"
        );
        assert!(e.contains("unknown header"), "{e}");
        let e = Qrels::from_bytes(b"RWQ1\x05").unwrap_err().to_string();
        assert!(e.contains("truncated data at byte 4 of 5"), "{e}");
    }
}
