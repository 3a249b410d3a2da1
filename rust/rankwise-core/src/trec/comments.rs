//! `#` comment lines as each trec_eval version reads them, for `rankwise eval --trec-eval`.
//!
//! rankwise's readers skip every line whose first field starts with `#`. trec_eval differs
//! by version and by file (checked on the 10.0 build; `docs/guide/trec_eval_versions.md`):
//! * 9.0.x has no comments: a `#` line is data (`Malformed line` unless it has the format's
//!   fields, then a line of query `#...`);
//! * 10.0 skips any results line whose first non-blank character is `#`
//!   (`get_trec_results.c`, commit f89e872): what rankwise does;
//! * 10.0's qrels, prefs and qrels_jg readers (`get_qrels.c`, `get_prefs.c`,
//!   `get_qrels_prefs.c`, `get_qrels_jg.c`) skip a line with `#` in its first column and then
//!   parse the next line as data whatever it holds, so a second comment line in a row, or a
//!   `#` after blanks, is data; a comment on the last line makes them read past the end of
//!   their buffer (undefined behaviour).
//!
//! [`check_comment_lines`] refuses, naming file and line, every `#` line that the version
//! would not skip (rankwise would skip it: the two would differ), and 10.0's last-line
//! comment. Standard input and pipes cannot be read twice and are not checked; a file that
//! cannot be opened is left to the reader.
//!
//! Only lines whose first field starts with `#` can be refused, and rankwise's readers count
//! the lines they skip as comments: a regular file that a reader of this process read to its
//! end without meeting one is remembered ([`remember_uncommented`], by device, inode, size and
//! modification time), and checking it again costs no second read. `rankwise eval` checks
//! after evaluating, so a file is read once.

use std::sync::Mutex;

use std::path::Path;

use super::parse::{Source, is_stdin};
use crate::error::{RankError, Result};
use crate::metrics::TrecEval;

/// Which of trec_eval's readers reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentReader {
    /// Results (runs): `get_trec_results.c`.
    Results,
    /// Qrels, prefs, qrels_prefs or qrels_jg: one comment at a time, in column 0.
    Judgements,
}

/// What `version`'s reader does with one line whose first non-blank byte is `#`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Skipped,
    Data,
}

/// Refuse the `#` lines of `path` that trec_eval `version`'s `reader` does not skip, and, under
/// 10.0, a comment on the last line of a judgements file. Nothing to check for results under
/// 10.0 (rankwise skips what it skips). Standard input and pipes cannot be read again: the
/// first comment line a reader of this process skipped in them ([`remember_piped`]) is refused
/// wherever the version could read it as data (every one under 9.0; under 10.0, in judgements,
/// where whether it is skipped depends on the lines around it); call this after reading them.
pub fn check_comment_lines(path: &Path, reader: CommentReader, version: TrecEval) -> Result<()> {
    if reader == CommentReader::Results && version == TrecEval::V10 {
        return Ok(());
    }
    // A pipe (`/dev/stdin`, a FIFO) cannot be read twice, nor opened without consuming it: what
    // its reader skipped decides. A file that cannot be opened is left to the reader.
    if is_stdin(path) || !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        let name = if is_stdin(path) {
            "<stdin>".to_owned()
        } else {
            path.display().to_string()
        };
        let reason = match (version, reader) {
            (TrecEval::V9, _) => {
                "trec_eval 9.0 has no comment lines and reads this one as data, where rankwise \
                 skipped it; it came through a pipe, which cannot be read again: remove it, or \
                 use --trec-eval 10.0"
            }
            (TrecEval::V10, _) => {
                "trec_eval 10.0 reads some `#` lines of qrels, prefs and qrels_jg files as data \
                 (it skips one comment line at a time, with `#` in the first column), and this \
                 one came through a pipe, which cannot be read again to tell: remove it, or \
                 give the file's path"
            }
        };
        return match piped_comment(&name) {
            Some((line, text)) => Err(refused(&name, line, &text, reason)),
            None => Ok(()),
        };
    }
    let Ok(source) = Source::open(path) else {
        return Ok(());
    };
    if !source.is_regular() || source.stamp().is_some_and(is_uncommented) {
        return Ok(());
    }
    let Ok((mut input, _)) = source.reader() else {
        return Ok(());
    };
    let mut check = Checker::new(source.name(), reader, version);
    // Blocks of 4 MiB; a line across two blocks is carried over.
    let mut block = vec![0u8; 4 << 20];
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let n = super::parse::fill(&mut input, &mut block, source.name())?;
        if n == 0 {
            break;
        }
        let data = &block[..n];
        let Some(end) = data.iter().rposition(|&b| b == b'\n') else {
            carry.extend_from_slice(data);
            continue;
        };
        carry.extend_from_slice(&data[..end]);
        check.lines(&carry)?;
        carry.clear();
        carry.extend_from_slice(&data[end + 1..]);
    }
    if !carry.is_empty() {
        check.lines(&carry)?;
    }
    check.finish()
}

/// Which file, and which version of it: what [`remember_uncommented`] keys a file by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileStamp {
    #[cfg(unix)]
    device: u64,
    #[cfg(unix)]
    inode: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileStamp {
    pub(crate) fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            #[cfg(unix)]
            device: meta.dev(),
            #[cfg(unix)]
            inode: meta.ino(),
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// Regular files read whole, from their start, by this process without a comment line (the
/// last few: `rankwise eval` reads a qrels file and a few runs).
static UNCOMMENTED: Mutex<Vec<FileStamp>> = Mutex::new(Vec::new());

/// Remember that the file `stamp` names was read to its end without a line whose first field
/// starts with `#`: [`check_comment_lines`] has nothing to refuse in it, for any version or
/// reader (every line it refuses starts with `#` after blanks).
pub(crate) fn remember_uncommented(stamp: FileStamp) {
    if let Ok(mut files) = UNCOMMENTED.lock()
        && !files.contains(&stamp)
    {
        if files.len() >= 64 {
            files.remove(0);
        }
        files.push(stamp);
    }
}

/// Pipes and standard input (by the name messages give them) in which a reader of this process
/// skipped a comment line, with the line of the first.
static PIPED: Mutex<Vec<(String, u64, Vec<u8>)>> = Mutex::new(Vec::new());

/// Remember the first comment line (its number and text) that a reader skipped in the pipe or
/// standard input `name`, which [`check_comment_lines`] cannot read again, or that it skipped
/// none (`None`: what an earlier read of the same name left is forgotten).
pub(crate) fn remember_piped(name: &str, first: Option<(u64, Vec<u8>)>) {
    if let Ok(mut piped) = PIPED.lock() {
        piped.retain(|(n, _, _)| n != name);
        if let Some((line, text)) = first {
            if piped.len() >= 64 {
                piped.remove(0);
            }
            piped.push((name.to_owned(), line, text));
        }
    }
}

fn piped_comment(name: &str) -> Option<(u64, Vec<u8>)> {
    let piped = PIPED.lock().ok()?;
    piped
        .iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, line, text)| (*line, text.clone()))
}

fn is_uncommented(stamp: &FileStamp) -> bool {
    UNCOMMENTED.lock().is_ok_and(|files| files.contains(stamp))
}

/// The state of one file's check, line by line.
struct Checker<'a> {
    name: &'a str,
    reader: CommentReader,
    version: TrecEval,
    /// Lines seen.
    number: u64,
    /// 10.0's judgement readers: the last line was a skipped comment (the next is data); its
    /// text, for the last-line error.
    after_comment: Option<Vec<u8>>,
}

impl<'a> Checker<'a> {
    fn new(name: &'a str, reader: CommentReader, version: TrecEval) -> Self {
        Checker {
            name,
            reader,
            version,
            number: 0,
            after_comment: None,
        }
    }

    /// Check `text`, whole lines without their last newline.
    fn lines(&mut self, text: &[u8]) -> Result<()> {
        let judgements_10 =
            self.version == TrecEval::V10 && self.reader == CommentReader::Judgements;
        if judgements_10 {
            // Whether a line is skipped depends on the line before: line by line.
            for line in text.split(|&b| b == b'\n') {
                self.line(line)?;
            }
            return Ok(());
        }
        // Every other reader's verdict on a line depends on that line alone, and only lines
        // with a `#` can be refused: visit those, found with a vectorised search (most files
        // have none), and count the newlines in between the same way.
        let base = self.number;
        let mut after = 0; // text[..after] holds no line left to visit
        for hash in memchr::memchr_iter(b'#', text) {
            if hash < after {
                continue; // a second `#` on a line already visited
            }
            let start = memchr::memrchr(b'\n', &text[..hash]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &text[hash..]).map_or(text.len(), |i| hash + i);
            self.number = base + newlines(&text[..start]);
            self.line(&text[start..end])?;
            after = end;
        }
        // `text` is whole lines without the last newline: one line more than newlines.
        self.number = base + newlines(text) + 1;
        Ok(())
    }

    fn line(&mut self, line: &[u8]) -> Result<()> {
        self.number += 1;
        let first = line.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\r'));
        let is_hash = first.is_some_and(|p| line[p] == b'#');
        let fate = match (self.version, self.reader) {
            (TrecEval::V9, _) => Fate::Data,
            (TrecEval::V10, CommentReader::Results) => Fate::Skipped,
            (TrecEval::V10, CommentReader::Judgements) => {
                let skipped = self.after_comment.is_none() && line.first() == Some(&b'#');
                self.after_comment = skipped.then(|| line.to_vec());
                if skipped { Fate::Skipped } else { Fate::Data }
            }
        };
        if is_hash && fate == Fate::Data {
            let reason = match self.version {
                TrecEval::V9 => {
                    "trec_eval 9.0 has no comment lines and reads this one as data, where \
                     rankwise skips it; remove it, or use --trec-eval 10.0"
                }
                TrecEval::V10 => {
                    "trec_eval 10.0 reads this `#` line as data (its qrels, prefs and \
                     qrels_jg readers skip one comment line at a time, with `#` in the first \
                     column), where rankwise skips it; remove it"
                }
            };
            return Err(refused(self.name, self.number, line, reason));
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self.after_comment {
            Some(text) => Err(refused(
                self.name,
                self.number,
                &text,
                "trec_eval 10.0 reads past the end of its buffer after a comment on the last \
                 line of a qrels, prefs or qrels_jg file (undefined behaviour in get_qrels.c); \
                 remove the line or add a judgement after it",
            )),
            None => Ok(()),
        }
    }
}

/// Newlines in `text`, counted with a vectorised search.
fn newlines(text: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', text).count() as u64
}

#[cfg(test)]
fn check_bytes(name: &str, data: &[u8], reader: CommentReader, version: TrecEval) -> Result<()> {
    let mut check = Checker::new(name, reader, version);
    check.lines(data.strip_suffix(b"\n").unwrap_or(data))?;
    check.finish()
}

fn refused(name: &str, line: u64, text: &[u8], reason: &str) -> RankError {
    let end = text
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    RankError::Parse {
        path: name.to_owned(),
        line,
        reason: reason.to_owned(),
        text: crate::error::quote_input(&text[..end]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CommentReader::{Judgements, Results};
    use TrecEval::{V9, V10};

    fn line_of(data: &str, reader: CommentReader, version: TrecEval) -> Option<u64> {
        match check_bytes("f", data.as_bytes(), reader, version) {
            Ok(()) => None,
            Err(RankError::Parse { line, .. }) => Some(line),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_pipe_is_refused_from_what_its_last_read_skipped() {
        let name = "/nonexistent/rankwise-pipe-test";
        let path = Path::new(name);
        remember_piped(name, Some((3, b"# x".to_vec())));
        let e = check_comment_lines(path, Results, V9)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(&format!("{name}:3: trec_eval 9.0")), "{e}");
        assert!(check_comment_lines(path, Results, V10).is_ok());
        assert!(check_comment_lines(path, Judgements, V10).is_err());
        remember_piped(name, None); // read again, without a comment line
        assert!(check_comment_lines(path, Results, V9).is_ok());
    }

    #[test]
    fn a_file_read_whole_without_comments_is_not_read_again_and_a_changed_one_is() {
        let dir = std::env::temp_dir().join(format!("rankwise_comments_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("run.txt");
        let stamp = |p: &Path| FileStamp::of(&std::fs::metadata(p).unwrap());
        std::fs::write(&path, "1 Q0 d 1 1 r\n").unwrap();
        assert!(!is_uncommented(&stamp(&path)));
        crate::trec::read_run(&path).unwrap();
        assert!(is_uncommented(&stamp(&path))); // read whole, no `#` line: remembered
        assert!(check_comment_lines(&path, Results, V9).is_ok());
        // Rewritten with a comment (another length): a new stamp, checked by reading.
        std::fs::write(&path, "# c\n1 Q0 d 1 1 r\n").unwrap();
        assert!(!is_uncommented(&stamp(&path)));
        assert!(check_comment_lines(&path, Results, V9).is_err());
        // Read with its comment: not remembered.
        crate::trec::read_run(&path).unwrap();
        assert!(!is_uncommented(&stamp(&path)));
        assert!(check_comment_lines(&path, Results, V9).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn each_version_and_reader_skips_what_trec_eval_skips() {
        let run = "# c\n  # c\n1 Q0 d 1 1 r\n";
        assert_eq!(line_of(run, Results, V10), None);
        assert_eq!(line_of(run, Results, V9), Some(1));
        assert_eq!(line_of(run, Judgements, V10), Some(2)); // after blanks: data
        let qrels = "# a\n1 0 d 1\n# b\n1 0 e 0\n";
        assert_eq!(line_of(qrels, Judgements, V10), None);
        assert_eq!(line_of(qrels, Judgements, V9), Some(1));
        // two in a row: the second is data
        assert_eq!(line_of("# a\n# b\n1 0 d 1\n", Judgements, V10), Some(2));
        // a comment on the last line, with or without its newline
        assert_eq!(line_of("1 0 d 1\n# a\n", Judgements, V10), Some(2));
        assert_eq!(line_of("1 0 d 1\n# a", Judgements, V10), Some(2));
        assert_eq!(line_of("1 0 d#1 1\n", Judgements, V9), None); // not at a line's start
        // lines are counted across `#` bytes inside fields, several on a line
        let run = "1 Q0 d#1 1 1 r#\n\n1 Q0 e 2 0 r\n \t# c # d\n";
        assert_eq!(line_of(run, Results, V9), Some(4));
        assert_eq!(line_of("#", Results, V9), Some(1));
        assert_eq!(line_of("a#\n\r#", Results, V9), Some(2));
    }
}
