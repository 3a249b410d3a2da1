//! Qrels and runs to and from tables (pandas, polars, pyarrow) through Arrow buffers, and out
//! to TREC files. Python (`rankwise.frames`) hands over or wraps the buffers; the rows are
//! read and written here, without the GIL and without a Python object per row.

use std::path::Path;

use numpy::PyArray1;
use pyo3::prelude::*;
use rankwise_core::ranking::ScorePrecision;
use rankwise_core::trec::columns::{self, Offsets, OwnedStrColumn, StrColumn};
use rankwise_core::trec::{Qrels, Run};

use crate::convert::Array;
use crate::errors::CoreError;

/// Arrow string offsets as NumPy hands them over: `int32` (`string`) or `int64`
/// (`large_string`).
enum OffsetArray<'py> {
    I32(Array<'py, i32>),
    I64(Array<'py, i64>),
}

impl<'py> OffsetArray<'py> {
    fn extract(value: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(a) = value.extract::<Array<'py, i64>>() {
            return Ok(OffsetArray::I64(a));
        }
        Ok(OffsetArray::I32(value.extract()?))
    }

    fn offsets(&self) -> PyResult<Offsets<'_>> {
        Ok(match self {
            OffsetArray::I32(a) => Offsets::I32(a.slice("offsets")?),
            OffsetArray::I64(a) => Offsets::I64(a.slice("offsets")?),
        })
    }
}

/// What `rankwise.frames.columns` returns: query offsets and bytes, doc offsets and bytes,
/// values.
type ColumnTuple<'py> = (
    Bound<'py, PyAny>,
    Array<'py, u8>,
    Bound<'py, PyAny>,
    Array<'py, u8>,
    Array<'py, f64>,
);

/// The query, doc and value columns of `frame`, as buffers.
struct Buffers<'py> {
    query_offsets: OffsetArray<'py>,
    query_data: Array<'py, u8>,
    doc_offsets: OffsetArray<'py>,
    doc_data: Array<'py, u8>,
    values: Array<'py, f64>,
}

impl<'py> Buffers<'py> {
    fn of(frame: &Bound<'py, PyAny>, query: &str, doc: &str, value: &str) -> PyResult<Self> {
        let py = frame.py();
        let cols = py
            .import("rankwise.frames")?
            .getattr("columns")?
            .call1((frame, query, doc, value))?;
        let (qo, qd, d_o, dd, values): ColumnTuple<'py> = cols.extract()?;
        Ok(Buffers {
            query_offsets: OffsetArray::extract(&qo)?,
            query_data: qd,
            doc_offsets: OffsetArray::extract(&d_o)?,
            doc_data: dd,
            values,
        })
    }

    /// Call `f` with the columns borrowed as slices, without the GIL.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&StrColumn<'_>, &StrColumn<'_>, &[f64]) -> T + Send,
    ) -> PyResult<T> {
        let queries = StrColumn {
            offsets: self.query_offsets.offsets()?,
            data: self.query_data.slice("query")?,
        };
        let docs = StrColumn {
            offsets: self.doc_offsets.offsets()?,
            data: self.doc_data.slice("doc")?,
        };
        let values = self.values.slice("values")?;
        Ok(py.detach(|| f(&queries, &docs, values)))
    }
}

pub fn qrels_from_frame(
    frame: &Bound<'_, PyAny>,
    query: &str,
    doc: &str,
    label: &str,
) -> PyResult<Qrels> {
    let buffers = Buffers::of(frame, query, doc, label)?;
    buffers
        .with(frame.py(), columns::qrels_from_columns)?
        .map_err(|e| CoreError(e).into())
}

pub fn run_from_frame(
    frame: &Bound<'_, PyAny>,
    query: &str,
    doc: &str,
    score: &str,
    name: Option<String>,
    precision: ScorePrecision,
) -> PyResult<Run> {
    let buffers = Buffers::of(frame, query, doc, score)?;
    buffers
        .with(frame.py(), |q, d, v| {
            columns::run_from_columns(q, d, v, name, precision)
        })?
        .map_err(|e| CoreError(e).into())
}

fn strings<'py>(
    py: Python<'py>,
    column: OwnedStrColumn,
) -> (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<u8>>) {
    (
        PyArray1::from_vec(py, column.offsets),
        PyArray1::from_vec(py, column.data),
    )
}

/// A pyarrow Table with the id columns and `values` (already NumPy arrays).
fn table<'py>(
    py: Python<'py>,
    names: &[&str],
    queries: OwnedStrColumn,
    docs: OwnedStrColumn,
    values: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (qo, qd) = strings(py, queries);
    let (d_o, dd) = strings(py, docs);
    py.import("rankwise.frames")?
        .getattr("arrow_table")?
        .call1((names.to_vec(), qo, qd, d_o, dd, values))
}

pub fn qrels_to_arrow<'py>(py: Python<'py>, qrels: &Qrels) -> PyResult<Bound<'py, PyAny>> {
    let (q, d, labels) = py.detach(|| columns::qrels_to_columns(qrels));
    // Integer labels (the usual case) come back as integers.
    let integral = labels.iter().all(|l| l.fract() == 0.0 && l.abs() < 9.0e15);
    let labels = if integral {
        #[allow(clippy::cast_possible_truncation)]
        let ints: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
        PyArray1::from_vec(py, ints).into_any()
    } else {
        PyArray1::from_vec(py, labels).into_any()
    };
    table(py, &["query_id", "doc_id", "relevance"], q, d, vec![labels])
}

pub fn run_to_arrow<'py>(py: Python<'py>, run: &Run) -> PyResult<Bound<'py, PyAny>> {
    let (q, d, scores, ranks) = py.detach(|| columns::run_to_columns(run));
    let values = vec![
        PyArray1::from_vec(py, scores).into_any(),
        PyArray1::from_vec(py, ranks).into_any(),
    ];
    table(py, &["query_id", "doc_id", "score", "rank"], q, d, values)
}

/// `table.to_pandas()` / `polars.from_arrow(table)`.
pub fn convert<'py>(table: Bound<'py, PyAny>, to: &str) -> PyResult<Bound<'py, PyAny>> {
    match to {
        "polars" => table
            .py()
            .import("polars")?
            .call_method1("from_arrow", (table,)),
        _ => table.call_method0("to_pandas"),
    }
}

fn write(
    py: Python<'_>,
    path: &Path,
    f: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()> + Send,
) -> PyResult<()> {
    py.detach(|| {
        let io = |e: std::io::Error| rankwise_core::RankError::Io {
            path: path.display().to_string(),
            kind: e.kind(),
            message: e.to_string(),
        };
        let mut out = columns::create(path)?;
        f(&mut out).map_err(io)?;
        out.flush().map_err(io)?;
        Ok(())
    })
    .map_err(|e: rankwise_core::RankError| CoreError(e).into())
}

pub fn qrels_to_trec(py: Python<'_>, qrels: &Qrels, path: &Path) -> PyResult<()> {
    write(py, path, |w| columns::write_qrels(qrels, &mut WriteRef(w)))
}

pub fn run_to_trec(py: Python<'_>, run: &Run, path: &Path) -> PyResult<()> {
    write(py, path, |w| columns::write_run(run, &mut WriteRef(w)))
}

/// `impl Write` over a `&mut dyn Write`.
struct WriteRef<'a>(&'a mut dyn std::io::Write);

impl std::io::Write for WriteRef<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.0.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
