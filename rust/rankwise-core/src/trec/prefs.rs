//! trec_eval's relevance formats other than `qrels` (`trec_eval -R FORMAT`): preference
//! judgements (`prefs`, `qrels_prefs`) and qrels with judgement groups (`qrels_jg`).
//!
//! Semantics of trec_eval 9.0.4 (usnistgov/trec_eval, tag v9.0.4: `get_prefs.c`,
//! `get_qrels_prefs.c`, `get_qrels_jg.c`, `formats.c`):
//!
//! * `prefs`: `qid jg jsg docno rel_level`, five whitespace-separated fields. Within a
//!   judgement sub-group (JSG) every document is preferred to those with a lower `rel_level`;
//!   the JSGs of one judgement group (JG) together make one partial order. `rel_level` is a
//!   single-precision float (`atof` into a `float`); 0 marks a non-relevant document.
//! * `qrels_prefs`: a qrels file read as prefs: `qid jg docno rel_level`, the qrels' iteration
//!   column being the JG and every line in one JSG.
//! * `qrels_jg`: `qid jg docno rel`, a qrels file whose second column names a judgement group
//!   (one user's judgements); `rel` an integer (`atol`). A document twice in one JG of a query
//!   is an error.
//!
//! Differences from trec_eval, on input trec_eval accepts only by accident: blank lines are
//! skipped (trec_eval calls them malformed); a `rel_level` or `rel` that is not a number is an
//! error naming file and line (trec_eval's `atof`/`atol` read it as 0); an empty file is an
//! error, as in trec_eval.

use std::path::Path;

use super::parse::for_each_line;
use crate::error::{RankError, Result, quote_input};

/// The relevance formats of `trec_eval -R` (`formats.c`'s `te_rel_info_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelFormat {
    /// `qid iter docno rel` (the default; read by [`super::read_qrels`]).
    Qrels,
    /// `qid jg jsg docno rel_level`.
    Prefs,
    /// `qid jg docno rel_level`, a qrels file read as preferences.
    QrelsPrefs,
    /// `qid jg docno rel`, qrels with judgement groups.
    QrelsJg,
}

impl RelFormat {
    /// The names `-R` takes, in trec_eval's order.
    pub const NAMES: [&'static str; 4] = ["qrels", "prefs", "qrels_prefs", "qrels_jg"];

    /// The format named `name` (trec_eval's `-R` argument).
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "qrels" => Ok(RelFormat::Qrels),
            "prefs" => Ok(RelFormat::Prefs),
            "qrels_prefs" => Ok(RelFormat::QrelsPrefs),
            "qrels_jg" => Ok(RelFormat::QrelsJg),
            other => Err(RankError::InvalidValue {
                argument: "rel_format".to_owned(),
                expected: format!("one of {}", Self::NAMES.join(", ")),
                got: format!("{other:?}"),
            }),
        }
    }

    /// The name trec_eval gives the format.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// One line of a `prefs` (or `qrels_prefs`) file.
#[derive(Debug, Clone, PartialEq)]
pub struct PrefJudgment {
    /// Judgement group.
    pub jg: Box<[u8]>,
    /// Judgement sub-group (`0` for every line of a `qrels_prefs` file).
    pub jsg: Box<[u8]>,
    /// Document id.
    pub doc: Box<[u8]>,
    /// Relevance level, as trec_eval keeps it (single precision).
    pub rel_level: f32,
}

/// The preference judgements of a `prefs` or `qrels_prefs` file, by query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrefsQrels {
    /// `(query id, its judgements)`, queries in `strcmp` order of their ids.
    pub queries: Vec<(Box<[u8]>, Vec<PrefJudgment>)>,
}

/// One judged document of a `qrels_jg` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JgJudgment {
    pub doc: Box<[u8]>,
    pub rel: i64,
}

/// The judgements of one query of a `qrels_jg` file: its judgement groups in `strcmp` order
/// of their names, each with its documents in `strcmp` order.
pub type JgQuery = Vec<(Box<[u8]>, Vec<JgJudgment>)>;

/// The judgements of a `qrels_jg` file, by query.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JgQrels {
    /// `(query id, its judgement groups)`, queries in `strcmp` order of their ids.
    pub queries: Vec<(Box<[u8]>, JgQuery)>,
}

/// Whitespace as C's `isspace` sees it (space, tab, newline, vertical tab, form feed,
/// carriage return): what separates trec_eval's fields.
fn fields(line: &[u8]) -> Vec<&[u8]> {
    line.split(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .filter(|f| !f.is_empty())
        .collect()
}

fn parse_error(name: &str, line_no: u64, reason: String, line: &[u8]) -> RankError {
    RankError::Parse {
        path: name.to_owned(),
        line: line_no,
        reason,
        text: quote_input(line),
    }
}

/// Read the lines of a file with `n` fields each; `(name, line, fields)` per non-blank line.
fn read_lines<T>(
    path: &Path,
    n: usize,
    layout: &str,
    mut f: impl FnMut(&str, u64, &[u8], &[&[u8]]) -> Result<T>,
) -> Result<(String, Vec<T>)> {
    let mut out = Vec::new();
    let mut source = String::new();
    for_each_line(path, |name, line_no, line| {
        if source.is_empty() {
            source = name.to_owned();
        }
        let fs = fields(line);
        if fs.is_empty() {
            return Ok(());
        }
        if fs.len() != n {
            return Err(parse_error(
                name,
                line_no,
                format!("expected {n} fields ({layout}), found {}", fs.len()),
                line,
            ));
        }
        out.push(f(name, line_no, line, &fs)?);
        Ok(())
    })?;
    if out.is_empty() {
        let name = if source.is_empty() {
            path.display().to_string()
        } else {
            source.clone()
        };
        return Err(RankError::Io {
            path: name,
            kind: std::io::ErrorKind::InvalidData,
            message: format!("no judgements ({layout}) in the file"),
        });
    }
    Ok((source, out))
}

fn rel_level(name: &str, line_no: u64, line: &[u8], field: &[u8]) -> Result<f32> {
    let text = std::str::from_utf8(field).unwrap_or("");
    match text.parse::<f64>() {
        // trec_eval: `text_prefs_ptr->rel_level = atof (...)`, stored in a float.
        #[allow(clippy::cast_possible_truncation)]
        Ok(v) if !v.is_nan() => Ok(v as f32),
        _ => Err(parse_error(
            name,
            line_no,
            format!("relevance level {} is not a number", quote_input(field)),
            line,
        )),
    }
}

/// Group `(query, item)` pairs already sorted by query into `(query, items)`.
fn group<T>(rows: Vec<(Box<[u8]>, T)>) -> Vec<(Box<[u8]>, Vec<T>)> {
    let mut out: Vec<(Box<[u8]>, Vec<T>)> = Vec::new();
    for (q, item) in rows {
        match out.last_mut() {
            Some((last, items)) if *last == q => items.push(item),
            _ => out.push((q, vec![item])),
        }
    }
    out
}

/// Read a `prefs` file (`qid jg jsg docno rel_level`; gzip allowed, `-` is standard input).
pub fn read_prefs(path: impl AsRef<Path>) -> Result<PrefsQrels> {
    read_prefs_as(path.as_ref(), RelFormat::Prefs)
}

/// Read a `qrels_prefs` file (`qid jg docno rel_level`): a qrels file as preferences.
pub fn read_qrels_prefs(path: impl AsRef<Path>) -> Result<PrefsQrels> {
    read_prefs_as(path.as_ref(), RelFormat::QrelsPrefs)
}

fn read_prefs_as(path: &Path, format: RelFormat) -> Result<PrefsQrels> {
    let (n, layout) = if format == RelFormat::Prefs {
        (5, "query_id judgement_group sub_group doc_id rel_level")
    } else {
        (4, "query_id judgement_group doc_id rel_level")
    };
    let (_, mut rows) = read_lines(path, n, layout, |name, line_no, line, fs| {
        let (jsg, doc, rel): (&[u8], &[u8], &[u8]) = if n == 5 {
            (fs[2], fs[3], fs[4])
        } else {
            (b"0", fs[2], fs[3])
        };
        let judgment = PrefJudgment {
            jg: fs[1].into(),
            jsg: jsg.into(),
            doc: doc.into(),
            rel_level: rel_level(name, line_no, line, rel)?,
        };
        Ok((Box::<[u8]>::from(fs[0]), judgment))
    })?;
    // get_prefs.c sorts the lines by (qid, docno); later steps re-sort what they need.
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.doc.cmp(&b.1.doc)));
    Ok(PrefsQrels {
        queries: group(rows),
    })
}

/// Read a `qrels_jg` file (`qid jg docno rel`; gzip allowed, `-` is standard input).
pub fn read_qrels_jg(path: impl AsRef<Path>) -> Result<JgQrels> {
    let layout = "query_id judgement_group doc_id relevance";
    let (source, mut rows) = read_lines(path.as_ref(), 4, layout, |name, line_no, line, fs| {
        let text = std::str::from_utf8(fs[3]).unwrap_or("");
        // trec_eval: `atol`, so `2.7` is 2.
        #[allow(clippy::cast_possible_truncation)]
        let rel = match text.parse::<i64>() {
            Ok(v) => v,
            Err(_) => match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() < 9.0e18 => v.trunc() as i64,
                _ => {
                    return Err(parse_error(
                        name,
                        line_no,
                        format!("relevance {} is not a number", quote_input(fs[3])),
                        line,
                    ));
                }
            },
        };
        let key = (Box::<[u8]>::from(fs[0]), Box::<[u8]>::from(fs[1]));
        Ok((
            key,
            line_no,
            JgJudgment {
                doc: fs[2].into(),
                rel,
            },
        ))
    })?;
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.doc.cmp(&b.2.doc)));
    if let Some(w) = rows
        .windows(2)
        .find(|w| w[0].0 == w[1].0 && w[0].2.doc == w[1].2.doc)
    {
        return Err(RankError::DuplicateDocument {
            what: "qrels_jg judgement group",
            query: String::from_utf8_lossy(&w[1].0.0).into_owned(),
            doc: String::from_utf8_lossy(&w[1].2.doc).into_owned(),
            path: Some(source),
            line: Some(w[0].1.max(w[1].1)),
        });
    }
    let by_query = group(
        rows.into_iter()
            .map(|((q, jg), _, j)| (q, (jg, j)))
            .collect(),
    );
    let queries = by_query
        .into_iter()
        .map(|(q, items)| (q, group(items)))
        .collect();
    Ok(JgQrels { queries })
}

/// One line of a Z-score file: `(qid, measure, mean, stddev)`.
pub type ZScoreLine = (Box<[u8]>, Box<[u8]>, f64, f64);

/// trec_eval's Z-score file (`-Z`, `get_zscores.c`): `qid measure mean stddev` per line, the
/// measure named as trec_eval prints it (`P_5`, `map`), looked up as trec_eval looks it up
/// ([`ZScores::get`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ZScores {
    /// Every line as `(qid, measure, mean, stddev)`, sorted by query id then measure name
    /// (`strcmp` order; trec_eval's `qsort`, ties kept in file order).
    lines: Vec<ZScoreLine>,
    /// Each query's `(qid, first line, number of lines)`, in `strcmp` order.
    queries: Vec<(Box<[u8]>, usize, usize)>,
}

impl ZScores {
    /// Index lines read from a file (any order).
    pub fn new(mut lines: Vec<ZScoreLine>) -> Self {
        lines.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let mut queries: Vec<(Box<[u8]>, usize, usize)> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            match queries.last_mut() {
                Some(q) if q.0 == line.0 => q.2 += 1,
                _ => queries.push((line.0.clone(), i, 1)),
            }
        }
        ZScores { lines, queries }
    }

    /// The `(mean, stddev)` trec_eval finds for `measure` of query `qid`, by its binary
    /// searches (`find_qid`, `find_meas` in `convert_zscores.c`), which start with
    /// `end = count` rather than `count - 1`: a measure name after every name of its query
    /// is compared with the next query's first line, and taken from it if the names match.
    /// A query id after every query of the file, or a measure name after every name of the
    /// last query, makes trec_eval read past its arrays (undefined behaviour): rankwise
    /// finds nothing there. Of a line repeated with other values (the same query and
    /// measure), trec_eval finds whichever copy its `qsort` (not a stable sort) leaves where
    /// the search meets it: unspecified; rankwise keeps file order and finds the copy there.
    pub fn get(&self, qid: &[u8], measure: &[u8]) -> Option<(f64, f64)> {
        let (_, first, count) = c_search(self.queries.len(), |i| {
            self.queries.get(i).map(|q| qid.cmp(&q.0))
        })
        .map(|i| &self.queries[i])?;
        let i = c_search(*count, |i| {
            self.lines.get(first + i).map(|l| measure.cmp(&l.1))
        })?;
        let line = &self.lines[first + i];
        Some((line.2, line.3))
    }
}

/// trec_eval's binary search over `count` entries: `start = 0, end = count` (one past the
/// last), `while start <= end`; `cmp(i)` compares the key with entry `i`, `None` where the
/// entry is outside the data (where trec_eval would read past its array): not found.
fn c_search(count: usize, cmp: impl Fn(usize) -> Option<std::cmp::Ordering>) -> Option<usize> {
    use std::cmp::Ordering;
    let (mut start, mut end) = (0isize, isize::try_from(count).ok()?);
    while start <= end {
        let current = (start + end) / 2;
        match cmp(usize::try_from(current).ok()?)? {
            Ordering::Less => end = current - 1,
            Ordering::Greater => start = current + 1,
            Ordering::Equal => return usize::try_from(current).ok(),
        }
    }
    None
}

/// Read a Z-score file (gzip allowed; `-` is standard input).
pub fn read_zscores(path: impl AsRef<Path>) -> Result<ZScores> {
    let layout = "query_id measure mean stddev";
    let (_, rows) = read_lines(path.as_ref(), 4, layout, |name, line_no, line, fs| {
        let num = |field: &[u8], what: &str| -> Result<f64> {
            match std::str::from_utf8(field).map(str::parse::<f64>) {
                Ok(Ok(v)) if v.is_finite() => Ok(v),
                _ => Err(parse_error(
                    name,
                    line_no,
                    format!("{what} {} is not a finite number", quote_input(field)),
                    line,
                )),
            }
        };
        Ok((
            Box::<[u8]>::from(fs[0]),
            Box::<[u8]>::from(fs[1]),
            num(fs[2], "mean")?,
            num(fs[3], "stddev")?,
        ))
    })?;
    Ok(ZScores::new(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    struct Temp(std::path::PathBuf);
    impl Temp {
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn file(text: &str) -> Temp {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "rankwise-prefs-{}-{}.txt",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        Temp(path)
    }

    #[test]
    fn reads_prefs_sorted_by_query_and_doc() {
        let f = file("q2 u1 s1 d2 1\nq1 u1 s1 d9 3.5\n\nq1 u2 s1 d1 0\n");
        let p = read_prefs(f.path()).unwrap();
        assert_eq!(p.queries.len(), 2);
        assert_eq!(&*p.queries[0].0, b"q1");
        assert_eq!(&*p.queries[0].1[0].doc, b"d1");
        assert_eq!(p.queries[0].1[1].rel_level, 3.5);
    }

    #[test]
    fn qrels_prefs_take_one_sub_group() {
        let f = file("q1 0 d1 1\nq1 0 d2 0\n");
        let p = read_qrels_prefs(f.path()).unwrap();
        assert!(p.queries[0].1.iter().all(|j| &*j.jsg == b"0"));
    }

    #[test]
    fn errors_name_file_and_line() {
        let f = file("q1 u1 s1 d1 1\nq1 u1 d2 1\n");
        let e = read_prefs(f.path()).unwrap_err().to_string();
        assert!(e.contains(":2: expected 5 fields"), "{e}");
        let f = file("q1 u1 s1 d1 high\n");
        let e = read_prefs(f.path()).unwrap_err().to_string();
        assert!(e.contains(":1: relevance level"), "{e}");
        let f = file("q1 u1 d1 1\nq1 u2 d1 1\nq1 u1 d1 0\n");
        let e = read_qrels_jg(f.path()).unwrap_err().to_string();
        assert!(
            e.contains("duplicate document \"d1\"") && e.contains(":3"),
            "{e}"
        );
        let f = file("\n");
        assert!(read_qrels_jg(f.path()).is_err());
        assert!(
            RelFormat::parse("trec")
                .unwrap_err()
                .to_string()
                .contains("qrels_jg")
        );
    }

    #[test]
    fn reads_judgement_groups() {
        let f = file("q1 b d2 2\nq1 a d1 1.9\nq1 b d1 0\n");
        let j = read_qrels_jg(f.path()).unwrap();
        let groups = &j.queries[0].1;
        assert_eq!(&*groups[0].0, b"a");
        assert_eq!(groups[0].1[0].rel, 1);
        assert_eq!(groups[1].1.len(), 2);
    }
}
