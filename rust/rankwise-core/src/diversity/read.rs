//! ndeval's input files: qrels with a subtopic column and six-column TREC runs.
//!
//! Fields are separated by C's `isspace` characters, as ndeval's `split` separates them;
//! blank lines are skipped. A malformed line is a [`RankError::Parse`] naming the file and the
//! 1-based line.

use std::path::Path;

use super::{RankedRunBuilder, SubtopicOrder, SubtopicQrels, SubtopicQrelsBuilder};
use crate::error::{RankError, Result, quote_input};

fn is_space(b: u8) -> bool {
    // C's isspace in the "C" locale: space, \t, \n, \v, \f, \r.
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| RankError::Io {
        path: path.display().to_string(),
        kind: e.kind(),
        message: e.to_string(),
    })
}

/// The lines of a file with their 1-based numbers, split into fields; blank lines skipped.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8], Vec<&[u8]>)> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(i, line)| {
            let fields: Vec<&[u8]> = line
                .split(|&b| is_space(b))
                .filter(|f| !f.is_empty())
                .collect();
            (!fields.is_empty()).then_some((i as u64 + 1, line, fields))
        })
}

fn parse_error(path: &Path, line: u64, reason: impl Into<String>, text: &[u8]) -> RankError {
    RankError::Parse {
        path: path.display().to_string(),
        line,
        reason: reason.into(),
        text: quote_input(text),
    }
}

fn text<'a>(path: &Path, line: u64, what: &str, field: &'a [u8], raw: &[u8]) -> Result<&'a str> {
    std::str::from_utf8(field)
        .map_err(|_| parse_error(path, line, format!("the {what} is not valid UTF-8"), raw))
}

/// Read qrels with subtopics, `topic subtopic docno judgement` per line (ndeval's format).
/// A judgement is an integer; `>= relevance_level` is relevant. Subtopics are summed in
/// numeric order when every subtopic id is a natural number, as ndeval numbers them.
pub fn read_subtopic_qrels(path: impl AsRef<Path>, relevance_level: i64) -> Result<SubtopicQrels> {
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    let mut b = SubtopicQrelsBuilder::new(relevance_level);
    for (n, raw, f) in lines(&bytes) {
        let [topic, subtopic, doc, judgement] = f.as_slice() else {
            let reason = format!(
                "expected 4 fields (topic subtopic docno judgement), found {}",
                f.len()
            );
            return Err(parse_error(path, n, reason, raw));
        };
        let topic = text(path, n, "topic", topic, raw)?;
        let subtopic = text(path, n, "subtopic", subtopic, raw)?;
        let judgement = std::str::from_utf8(judgement)
            .ok()
            .and_then(|j| j.parse::<i64>().ok())
            .ok_or_else(|| {
                parse_error(path, n, "the judgement (4th field) is not an integer", raw)
            })?;
        b.push(topic, subtopic, doc, judgement);
    }
    if b.rows.is_empty() {
        return Err(RankError::invalid(
            "qrels",
            "a file with at least one judgement",
            format!("{} with none", path.display()),
        ));
    }
    Ok(b.build_with(SubtopicOrder::Numeric))
}

/// Read a TREC run, `topic Q0 docno rank score runid` per line, into a builder (the run's
/// name is the first line's sixth field). The rank is a natural number, the score a number.
pub fn read_ranked_run(path: impl AsRef<Path>) -> Result<RankedRunBuilder> {
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    let mut b = RankedRunBuilder::new();
    b.set_source(Some(path.display().to_string()));
    let mut empty = true;
    for (n, raw, f) in lines(&bytes) {
        let [topic, _q0, doc, rank, score, name] = f.as_slice() else {
            let reason = format!(
                "expected 6 fields (topic Q0 docno rank score runid), found {}",
                f.len()
            );
            return Err(parse_error(path, n, reason, raw));
        };
        let topic = text(path, n, "topic", topic, raw)?;
        let rank = std::str::from_utf8(rank)
            .ok()
            .filter(|r| r.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|r| r.parse::<u64>().ok())
            .ok_or_else(|| {
                parse_error(path, n, "the rank (4th field) is not a natural number", raw)
            })?;
        let score = std::str::from_utf8(score)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| parse_error(path, n, "the score (5th field) is not a number", raw))?;
        if empty {
            b.set_name(Some(String::from_utf8_lossy(name).into_owned()));
            empty = false;
        }
        b.push(topic, doc, score, Some(rank), Some(n));
    }
    if empty {
        return Err(RankError::invalid(
            "run",
            "a file with at least one line",
            format!("{} with none", path.display()),
        ));
    }
    Ok(b)
}
