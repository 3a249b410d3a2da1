//! Reading TREC-format qrels and run files (plain or gzip-compressed).
//!
//! * qrels: `qid iter docno rel` (4 fields);
//! * run: `qid Q0 docno rank score run_name` (6 fields; more are ignored, as trec_eval does).
//!
//! Fields are separated by any whitespace; blank lines and lines starting with `#` are
//! skipped (trec_eval 10.0 comments). A malformed line is an error that names the file, the
//! line number and the line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::qrels::{Qrels, QrelsBuilder};
use super::run::{Run, RunBuilder};
use crate::error::{RankError, Result};
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

/// Calls `f(line_number, fields, field_count, line)` for every non-blank, non-comment line;
/// `fields` holds the first 7 whitespace-separated fields.
fn for_each_line(
    path: &Path,
    mut f: impl FnMut(u64, &[&str], usize, &str) -> Result<()>,
) -> Result<()> {
    let mut reader = open(path)?;
    let mut buf = Vec::with_capacity(256);
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_error(path, &e))?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let text = std::str::from_utf8(&buf).map_err(|_| RankError::Parse {
            path: path.display().to_string(),
            line: line_no,
            reason: "the line is not valid UTF-8".into(),
            text: String::from_utf8_lossy(&buf).trim_end().to_owned(),
        })?;
        let trimmed = text.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut fields = [""; 7];
        let mut count = 0;
        for field in text.split_ascii_whitespace() {
            if let Some(slot) = fields.get_mut(count) {
                *slot = field;
            }
            count += 1;
        }
        f(line_no, &fields[..count.min(7)], count, text.trim_end())?;
    }
}

fn parse_number(path: &Path, line: u64, field: &str, what: &str, text: &str) -> Result<f64> {
    match field.parse::<f64>() {
        Ok(v) if !v.is_nan() => Ok(v),
        _ => Err(RankError::Parse {
            path: path.display().to_string(),
            line,
            reason: format!("{what} must be a number; got {field:?}"),
            text: text.to_owned(),
        }),
    }
}

/// Read a qrels file (`qid iter docno rel`).
pub fn read_qrels(path: impl AsRef<Path>) -> Result<Qrels> {
    let path = path.as_ref();
    let mut builder = QrelsBuilder::new();
    let mut lines = Vec::new();
    for_each_line(path, |line, fields, count, text| {
        if count != 4 {
            return Err(RankError::Parse {
                path: path.display().to_string(),
                line,
                reason: format!(
                    "expected 4 fields (query_id iteration doc_id relevance); got {count}"
                ),
                text: text.to_owned(),
            });
        }
        let label = parse_number(path, line, fields[3], "the relevance label", text)?;
        if !label.is_finite() {
            return Err(RankError::Parse {
                path: path.display().to_string(),
                line,
                reason: "the relevance label must be finite".into(),
                text: text.to_owned(),
            });
        }
        builder.push(fields[0], fields[2], label);
        lines.push(line);
        Ok(())
    })?;
    builder.set_source(Some(path.display().to_string()), Some(lines));
    builder.build()
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
    let mut lines = Vec::new();
    let mut name: Option<String> = None;
    for_each_line(path, |line, fields, count, text| {
        if count < 6 {
            return Err(RankError::Parse {
                path: path.display().to_string(),
                line,
                reason: format!(
                    "expected 6 fields (query_id Q0 doc_id rank score run_name); got {count}"
                ),
                text: text.to_owned(),
            });
        }
        let score = parse_number(path, line, fields[4], "the score", text)?;
        builder.push(fields[0], fields[2], score);
        // trec_eval keeps the run name of the last line.
        if name.as_deref() != Some(fields[5]) {
            name = Some(fields[5].to_owned());
        }
        lines.push(line);
        Ok(())
    })?;
    builder.set_name(name);
    builder.set_source(Some(path.display().to_string()), Some(lines));
    builder.build()
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
            "# comment\n301 0 d1 1\n301\t0  d2 0\n\n302 0 d1 2\n",
        );
        let qrels = read_qrels(&q).unwrap();
        assert_eq!(qrels.num_queries(), 2);
        assert_eq!(qrels.len(), 3);
        let r = write("r.txt", "301 Q0 d1 1 2.5 sys\n301 Q0 d2 2 3.0 sys extra\n");
        let run = read_run(&r).unwrap();
        assert_eq!(run.len(), 2);
        assert_eq!(run.name(), Some("sys"));
        assert_eq!(
            crate::trec::ids::doc_ids().get(run.doc(run.at_rank(0, 0))),
            b"d2"
        );
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
    fn malformed_lines_name_file_line_and_text() {
        let q = write("bad.txt", "301 0 d1 1\n301 0 d2\n");
        let e = read_qrels(&q).unwrap_err().to_string();
        assert!(e.ends_with("bad.txt:2: expected 4 fields (query_id iteration doc_id relevance); got 3: \"301 0 d2\""), "{e}");
        let r = write("badrun.txt", "301 Q0 d1 1 high sys\n");
        let e = read_run(&r).unwrap_err().to_string();
        assert!(
            e.contains("badrun.txt:1: the score must be a number; got \"high\""),
            "{e}"
        );
        let r = write("duprun.txt", "301 Q0 d1 1 1 sys\n301 Q0 d1 2 0.5 sys\n");
        let e = read_run(&r).unwrap_err().to_string();
        assert!(
            e.contains("duplicate document \"d1\" in query \"301\" of the run"),
            "{e}"
        );
        assert!(e.contains("duprun.txt:"), "{e}");
        let e = read_run("/nonexistent/run.txt").unwrap_err();
        assert!(matches!(e, RankError::Io { .. }));
    }
}
