//! Reading TREC-format qrels and run files (plain or gzip-compressed).
//!
//! * qrels: `qid iter docno rel` (4 fields);
//! * run: `qid Q0 docno rank score run_name` (6 fields; more are ignored, as trec_eval does).
//!
//! Fields are separated by any ASCII whitespace; blank lines and lines starting with `#` are
//! skipped (trec_eval 10.0 comments). A malformed line is an error that names the file, the
//! line number and the line.
//!
//! The reader streams: lines are split and parsed straight out of the read buffer (no copy,
//! no allocation per line), and memory holds the parsed columns, never the whole file. The label of a qrels line is read as a
//! number: integer labels are what trec_eval reads (with `atol`); a fractional label is kept
//! where trec_eval would truncate it.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use rayon::prelude::*;

use super::qrels::{Qrels, QrelsBuilder};
use super::run::{Run, RunBuilder};
use super::strings::StrTable;
use crate::error::{RankError, Result};
use crate::parallel;
use crate::ranking::ScorePrecision;

fn io_error(path: &Path, e: &std::io::Error) -> RankError {
    RankError::Io {
        path: path.display().to_string(),
        kind: e.kind(),
        message: e.to_string(),
    }
}

/// Open a file, transparently decompressing gzip (detected by its magic bytes).
fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let mut file = File::open(path).map_err(|e| io_error(path, &e))?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(|e| io_error(path, &e))?;
    let file = File::open(path).map_err(|e| io_error(path, &e))?;
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(file),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
    }
}

/// Calls `f(line_number, line)` for every line (without its end-of-line), read in blocks
/// straight from the reader's buffer; only a line that straddles two blocks is copied. Used
/// to locate a line again after an error.
fn for_each_raw_line(path: &Path, mut f: impl FnMut(u64, &[u8]) -> Result<()>) -> Result<()> {
    let mut reader = open(path)?;
    let mut carry: Vec<u8> = Vec::new();
    let mut line_no = 0u64;
    loop {
        let buf = reader.fill_buf().map_err(|e| io_error(path, &e))?;
        if buf.is_empty() {
            if !carry.is_empty() {
                line_no += 1;
                f(line_no, &carry)?;
            }
            return Ok(());
        }
        let len = buf.len();
        let mut start = 0;
        while let Some(pos) = memchr(b'\n', &buf[start..]) {
            let end = start + pos;
            line_no += 1;
            if carry.is_empty() {
                f(line_no, &buf[start..end])?;
            } else {
                carry.extend_from_slice(&buf[start..end]);
                f(line_no, &carry)?;
                carry.clear();
            }
            start = end + 1;
        }
        carry.extend_from_slice(&buf[start..]);
        reader.consume(len);
    }
}

#[inline]
fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Up to 7 whitespace-separated fields of a line, and how many there are in all.
#[inline]
fn split_fields(line: &[u8]) -> ([&[u8]; 7], usize) {
    let mut fields: [&[u8]; 7] = [&[]; 7];
    let mut count = 0;
    let mut i = 0;
    let n = line.len();
    while i < n {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == n {
            break;
        }
        let start = i;
        while i < n && !line[i].is_ascii_whitespace() {
            i += 1;
        }
        if let Some(slot) = fields.get_mut(count) {
            *slot = &line[start..i];
        }
        count += 1;
    }
    (fields, count)
}

/// A malformed-line error.
fn malformed(path: &Path, line: u64, reason: impl Into<String>, text: &[u8]) -> RankError {
    RankError::Parse {
        path: path.display().to_string(),
        line,
        reason: reason.into(),
        text: String::from_utf8_lossy(text).trim_end().to_owned(),
    }
}

/// Powers of ten that are exact in `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A decimal number. Plain decimals (`-12.345`, at most 19 digits) are read exactly with one
/// division (Clinger's fast path: mantissa and power of ten are both exact, and IEEE division
/// rounds correctly); everything else (exponents, long mantissas, `inf`) goes to the standard
/// library's correctly rounded parser. NaN is refused.
#[inline]
fn parse_number(field: &[u8]) -> Option<f64> {
    let (negative, digits) = match field.first() {
        Some(b'-') => (true, &field[1..]),
        Some(b'+') => (false, &field[1..]),
        _ => (false, field),
    };
    let mut mantissa: u64 = 0;
    let mut count = 0usize;
    let mut fraction: Option<usize> = None;
    let mut simple = !digits.is_empty();
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
                count += 1;
            }
            b'.' if fraction.is_none() => fraction = Some(i),
            _ => {
                simple = false;
                break;
            }
        }
    }
    let frac_digits = fraction.map_or(0, |i| digits.len() - i - 1);
    if simple && count > 0 && count <= 19 && mantissa < (1u64 << 53) && frac_digits < POW10.len() {
        #[allow(clippy::cast_precision_loss)]
        let v = mantissa as f64 / POW10[frac_digits];
        return Some(if negative { -v } else { v });
    }
    std::str::from_utf8(field)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|v| !v.is_nan())
}

/// What a line of a file holds.
#[derive(Clone, Copy)]
enum Format {
    /// `qid iter docno rel`
    Qrels,
    /// `qid Q0 docno rank score run_name`
    Run,
}

/// A block of lines parsed on one thread: documents and values, with the runs of consecutive
/// lines of one query.
#[derive(Default)]
struct Piece {
    docs: StrTable,
    values: Vec<f64>,
    /// (query id, number of consecutive lines) in order.
    queries: Vec<(String, usize)>,
    /// The run name of the last line (runs).
    name: Option<Vec<u8>>,
}

/// A parse error at `line` lines into a piece (resolved to a file line by the caller).
struct PieceError {
    local_line: u64,
    reason: String,
    text: Vec<u8>,
}

fn parse_piece(data: &[u8], format: Format) -> std::result::Result<Piece, PieceError> {
    let mut piece = Piece::default();
    let mut local_line = 0u64;
    let fail = |local_line, reason: String, text: &[u8]| PieceError {
        local_line,
        reason,
        text: text.to_vec(),
    };
    for raw in data.split(|&b| b == b'\n') {
        local_line += 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let (fields, count) = split_fields(line);
        if count == 0 || fields[0].first() == Some(&b'#') {
            continue; // blank line or comment
        }
        let (doc, value) = match format {
            Format::Qrels => {
                if count != 4 {
                    return Err(fail(
                        local_line,
                        format!(
                            "expected 4 fields (query_id iteration doc_id relevance); got {count}"
                        ),
                        line,
                    ));
                }
                let label = parse_number(fields[3]).ok_or_else(|| {
                    fail(
                        local_line,
                        format!(
                            "the relevance label must be a number; got {:?}",
                            String::from_utf8_lossy(fields[3])
                        ),
                        line,
                    )
                })?;
                if !label.is_finite() {
                    return Err(fail(
                        local_line,
                        "the relevance label must be finite".into(),
                        line,
                    ));
                }
                (fields[2], label)
            }
            Format::Run => {
                if count < 6 {
                    return Err(fail(
                        local_line,
                        format!(
                            "expected 6 fields (query_id Q0 doc_id rank score run_name); got {count}"
                        ),
                        line,
                    ));
                }
                let score = parse_number(fields[4]).ok_or_else(|| {
                    fail(
                        local_line,
                        format!(
                            "the score must be a number; got {:?}",
                            String::from_utf8_lossy(fields[4])
                        ),
                        line,
                    )
                })?;
                if piece.name.as_deref() != Some(fields[5]) {
                    piece.name = Some(fields[5].to_vec());
                }
                (fields[2], score)
            }
        };
        let (Ok(query), Ok(_)) = (std::str::from_utf8(fields[0]), std::str::from_utf8(doc)) else {
            return Err(fail(local_line, "the line is not valid UTF-8".into(), line));
        };
        match piece.queries.last_mut() {
            Some((q, n)) if q == query => *n += 1,
            _ => piece.queries.push((query.to_owned(), 1)),
        }
        piece.docs.push(doc);
        piece.values.push(value);
    }
    Ok(piece)
}

/// Read a file in blocks, parse each block on all threads, and hand the parsed lines, in
/// order, to `sink`. Memory holds one block and the parsed columns, not the file. Returns the
/// run name of the last line (runs).
fn parse_file(path: &Path, format: Format, sink: &mut impl Sink) -> Result<Option<Vec<u8>>> {
    const BLOCK: usize = 8 << 20;
    let mut reader = open(path)?;
    let mut name = None;
    // Columns are sized once, from the first block's lines and the file's size: growing them
    // by doubling would touch (and keep) twice the memory.
    let file_size = std::fs::metadata(path).map_or(0, |m| m.len());
    let compressed = path.extension().is_some_and(|e| e == "gz");
    let mut sized = false;
    let pieces_per_block = 4 * parallel::num_threads().max(1);
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + (64 << 10));
    let mut lines_before = 0u64;
    loop {
        // Fill the block (after the partial line carried over from the last one).
        let mut eof = false;
        while buf.len() < BLOCK {
            let chunk = reader.fill_buf().map_err(|e| io_error(path, &e))?;
            if chunk.is_empty() {
                eof = true;
                break;
            }
            let take = chunk.len().min(BLOCK - buf.len());
            buf.extend_from_slice(&chunk[..take]);
            reader.consume(take);
        }
        if buf.is_empty() {
            return Ok(name);
        }
        let end = if eof {
            buf.len()
        } else {
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => {
                    // A line longer than a block: grow the block until it ends.
                    buf.reserve(BLOCK);
                    let chunk = reader.fill_buf().map_err(|e| io_error(path, &e))?;
                    if chunk.is_empty() {
                        buf.len()
                    } else {
                        let n = chunk.len();
                        buf.extend_from_slice(chunk);
                        reader.consume(n);
                        continue;
                    }
                }
            }
        };
        let data = &buf[..end];
        let data = data.strip_suffix(b"\n").unwrap_or(data);
        let bounds = split_at_lines(data, pieces_per_block);
        let parsed: Vec<_> = parallel::install(|| {
            bounds
                .par_windows(2)
                .map(|w| parse_piece(&data[w[0]..w[1]], format))
                .collect()
        });
        for (i, piece) in parsed.into_iter().enumerate() {
            match piece {
                Ok(p) => {
                    if !sized && !compressed && !p.values.is_empty() {
                        sized = true;
                        let lines = p.values.len() as u64;
                        let per_line = (bounds[i + 1] - bounds[i]) as u64 / lines;
                        let estimate = usize::try_from(file_size / per_line.max(1)).unwrap_or(0);
                        let doc_bytes = p.docs.byte_len() / p.values.len();
                        sink.reserve(
                            estimate + estimate / 16,
                            (estimate + estimate / 16) * doc_bytes,
                        );
                    }
                    p.append_to(sink);
                    if p.name.is_some() {
                        name = p.name;
                    }
                }
                Err(e) => {
                    let before: u64 =
                        data[..bounds[i]].iter().filter(|&&b| b == b'\n').count() as u64;
                    return Err(malformed(
                        path,
                        lines_before + before + e.local_line,
                        e.reason,
                        &e.text,
                    ));
                }
            }
        }
        lines_before += buf[..end].iter().filter(|&&b| b == b'\n').count() as u64;
        buf.drain(..end);
        if eof && buf.is_empty() {
            return Ok(name);
        }
    }
}

/// Cut `data` into about `n` pieces at line boundaries: piece `i` is
/// `data[bounds[i]..bounds[i + 1]]`, and every inner bound sits right after a newline.
fn split_at_lines(data: &[u8], n: usize) -> Vec<usize> {
    let mut bounds = vec![0];
    let step = data.len() / n.max(1) + 1;
    let mut at: usize = 0;
    while let Some(target) = at.checked_add(step).filter(|&t| t < data.len()) {
        match memchr(b'\n', &data[target..]) {
            Some(p) => {
                at = target + p + 1;
                bounds.push(at);
            }
            None => break,
        }
    }
    if bounds.last() != Some(&data.len()) {
        bounds.push(data.len());
    }
    bounds
}

/// A builder that parsed lines are handed to.
trait Sink {
    fn reserve(&mut self, entries: usize, doc_bytes: usize);
    fn begin_query(&mut self, query: &str);
    fn push_docs(&mut self, docs: &StrTable, range: std::ops::Range<usize>, values: &[f64]);
}

impl Sink for QrelsBuilder {
    fn reserve(&mut self, entries: usize, doc_bytes: usize) {
        QrelsBuilder::reserve_bytes(self, entries, doc_bytes);
    }
    fn begin_query(&mut self, query: &str) {
        QrelsBuilder::begin_query(self, query);
    }
    fn push_docs(&mut self, docs: &StrTable, range: std::ops::Range<usize>, values: &[f64]) {
        QrelsBuilder::push_docs(self, docs, range, values);
    }
}

impl Sink for RunBuilder {
    fn reserve(&mut self, entries: usize, doc_bytes: usize) {
        RunBuilder::reserve_bytes(self, entries, doc_bytes);
    }
    fn begin_query(&mut self, query: &str) {
        RunBuilder::begin_query(self, query);
    }
    fn push_docs(&mut self, docs: &StrTable, range: std::ops::Range<usize>, values: &[f64]) {
        RunBuilder::push_docs(self, docs, range, values);
    }
}

impl Piece {
    /// Hand the parsed lines to a builder, query by query.
    fn append_to(&self, sink: &mut impl Sink) {
        let mut start = 0;
        for (query, n) in &self.queries {
            sink.begin_query(query);
            sink.push_docs(&self.docs, start..start + n, &self.values[start..start + n]);
            start += n;
        }
    }
}

/// Fill in the line of a duplicate-document error by reading the file again (errors are
/// rare; keeping a line number per entry would cost memory on every read).
fn locate_duplicate(path: &Path, err: RankError, doc_field: usize) -> RankError {
    let RankError::DuplicateDocument {
        what, query, doc, ..
    } = err
    else {
        return err;
    };
    let mut seen = 0;
    let mut found = None;
    let _ = for_each_raw_line(path, |line_no, raw| {
        let (fields, count) = split_fields(raw.strip_suffix(b"\r").unwrap_or(raw));
        if count > doc_field && fields[0] == query.as_bytes() && fields[doc_field] == doc.as_bytes()
        {
            seen += 1;
            if seen == 2 {
                found = Some(line_no);
                return Err(RankError::invalid("", "", "")); // stop reading
            }
        }
        Ok(())
    });
    RankError::DuplicateDocument {
        what,
        query,
        doc,
        path: Some(path.display().to_string()),
        line: found,
    }
}

/// Read a qrels file (`qid iter docno rel`).
pub fn read_qrels(path: impl AsRef<Path>) -> Result<Qrels> {
    let path = path.as_ref();
    let mut builder = QrelsBuilder::new();
    builder.set_source(Some(path.display().to_string()));
    parse_file(path, Format::Qrels, &mut builder)?;
    builder.build().map_err(|e| locate_duplicate(path, e, 2))
}

/// Read a run file (`qid Q0 docno rank score run_name`); the rank column is ignored.
pub fn read_run(path: impl AsRef<Path>) -> Result<Run> {
    read_run_with(path, ScorePrecision::default())
}

/// [`read_run`] with the precision at which scores are compared when ranking.
pub fn read_run_with(path: impl AsRef<Path>, precision: ScorePrecision) -> Result<Run> {
    let path = path.as_ref();
    let mut builder = RunBuilder::new();
    builder.set_score_precision(precision);
    builder.set_source(Some(path.display().to_string()));
    // trec_eval keeps the run name of the last line.
    let name = parse_file(path, Format::Run, &mut builder)?;
    builder.set_name(name.map(|n| String::from_utf8_lossy(&n).into_owned()));
    builder.build().map_err(|e| locate_duplicate(path, e, 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rankwise-parse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::File::create(&p)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        p
    }

    #[test]
    fn reads_qrels_and_runs_with_any_whitespace_and_comments() {
        let q = write(
            "q.txt",
            "# comment\n301 0 d1 1\r\n301\t0  d2 0\n\n302 0 d1 2",
        );
        let qrels = read_qrels(&q).unwrap();
        assert_eq!(qrels.num_queries(), 2);
        assert_eq!(qrels.len(), 3);
        let r = write("r.txt", "301 Q0 d1 1 2.5 sys\n301 Q0 d2 2 3.0 sys extra\n");
        let run = read_run(&r).unwrap();
        assert_eq!(run.len(), 2);
        assert_eq!(run.name(), Some("sys"));
        assert_eq!(run.doc(run.at_rank(0, 0)), b"d2");
    }

    #[test]
    fn reads_gzip() {
        let dir = std::env::temp_dir().join(format!("rankwise-gz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("q.gz");
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&p).unwrap(),
            flate2::Compression::default(),
        );
        enc.write_all(b"1 0 a 1\n").unwrap();
        enc.finish().unwrap();
        assert_eq!(read_qrels(&p).unwrap().len(), 1);
    }

    #[test]
    fn lines_longer_than_the_read_buffer_are_read_whole() {
        let long = "x".repeat(3 << 20);
        let q = write("long.txt", &format!("1 0 {long} 1\n2 0 b 0\n"));
        let qrels = read_qrels(&q).unwrap();
        assert_eq!(qrels.len(), 2);
    }

    #[test]
    fn malformed_lines_name_file_line_and_text() {
        let q = write("bad.txt", "301 0 d1 1\n301 0 d2\n");
        let e = read_qrels(&q).unwrap_err().to_string();
        assert!(
            e.ends_with(
                "bad.txt:2: expected 4 fields (query_id iteration doc_id relevance); got 3: \"301 0 d2\""
            ),
            "{e}"
        );
        let r = write("badrun.txt", "301 Q0 d1 1 high sys\n");
        let e = read_run(&r).unwrap_err().to_string();
        assert!(
            e.contains("badrun.txt:1: the score must be a number; got \"high\""),
            "{e}"
        );
        let r = write(
            "duprun.txt",
            "301 Q0 d1 1 1 sys\n301 Q0 d2 2 0.7 sys\n301 Q0 d1 3 0.5 sys\n",
        );
        let e = read_run(&r).unwrap_err().to_string();
        assert!(
            e.contains("duplicate document \"d1\" in query \"301\" of the run"),
            "{e}"
        );
        assert!(e.contains("duprun.txt:3)"), "{e}");
        let e = read_run("/nonexistent/run.txt").unwrap_err();
        assert!(matches!(e, RankError::Io { .. }));
    }
}
