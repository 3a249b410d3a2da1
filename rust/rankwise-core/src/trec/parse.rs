//! Reading TREC-format qrels and run files (plain or gzip-compressed).
//!
//! * qrels: `qid iter docno rel` (4 fields);
//! * run: `qid Q0 docno rank score run_name` (6 fields; more are ignored, as trec_eval does).
//!
//! Fields are separated by any ASCII whitespace; blank lines and lines starting with `#` are
//! skipped (trec_eval 10.0 comments); a UTF-8 byte-order mark at the start of the file is
//! dropped. A malformed line is an error that names the file and the line number and quotes
//! the line ([`quote_input`]: at most 200 characters, non-printable bytes escaped).
//!
//! Every input is opened once and its bytes are read once, in order, through that handle
//! (`Source`): the gzip magic is peeked, not re-read, so pipes, FIFOs and standard input
//! (the path `-`) read like files.
//!
//! The reader streams: lines are split and parsed straight out of the read buffer (no copy,
//! no allocation per line), and memory holds the parsed columns, never the whole file. The
//! label of a qrels line is read as a number: integer labels are what trec_eval reads (with
//! `atol`); a fractional label is kept where trec_eval would truncate it.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use rayon::prelude::*;

use super::qrels::{Qrels, QrelsBuilder};
use super::run::{Run, RunBuilder};
use super::strings::StrTable;
use crate::error::{RankError, Result, quote_input};
use crate::parallel;
use crate::ranking::ScorePrecision;

/// Fill `buf` from `reader` (fewer bytes only at the end of the input); the number read.
pub(super) fn fill(reader: &mut dyn Read, buf: &mut [u8], name: &str) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(name, &e)),
        }
    }
    Ok(n)
}

pub(super) fn io_error(name: &str, e: &std::io::Error) -> RankError {
    RankError::Io {
        path: name.to_owned(),
        kind: e.kind(),
        message: e.to_string(),
    }
}

/// Bytes of a file read and parsed at a time. 1 MiB keeps the block, its parsed pieces and
/// the columns they are copied into small next to the collection being built (with 8 MiB,
/// `rankwise eval` on a 39 MB qrels + run peaked at 54 MB; with 1 MiB at 39 MB) and still
/// gives every thread several pieces of thousands of lines, so parsing is no slower.
pub(crate) const BLOCK_BYTES: usize = 1 << 20;

/// The first bytes of a gzip stream (RFC 1952, section 2.3.1).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The UTF-8 encoding of U+FEFF, which some editors write at the start of a text file. At the
/// start of a file it is dropped; left in, it would become part of the first query id.
pub(super) const BOM: &[u8] = b"\xef\xbb\xbf";

/// Whether `path` names standard input: `-`, as trec_eval users write it.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A duplicate of the standard-input descriptor as a `File` (sharing its offset): read
/// directly, without the standard library's stdin buffer, and `fstat`-able, so that standard
/// input redirected from a regular file reads as fast as the file.
#[cfg(unix)]
fn stdin_file() -> std::io::Result<File> {
    use std::os::fd::AsFd;
    Ok(File::from(std::io::stdin().as_fd().try_clone_to_owned()?))
}

#[cfg(windows)]
fn stdin_file() -> std::io::Result<File> {
    use std::os::windows::io::AsHandle;
    Ok(File::from(
        std::io::stdin().as_handle().try_clone_to_owned()?,
    ))
}

/// A qrels or run file, opened once. Every byte is read through this one handle, exactly
/// once: pipes, FIFOs, `/dev/stdin`, `/dev/fd/N` and process substitutions (`<(...)`) can
/// only be read once, so the path is never opened a second time (opening it again to sniff
/// the gzip magic lost the first bytes of a pipe). Only a regular file may be read again from
/// the start, through the same handle, to point at the line of an error found after reading
/// or to read a run whole after streaming found it ungrouped.
pub(crate) struct Source {
    file: File,
    /// How messages name the input: the path, or `<stdin>`.
    name: String,
    /// Whether the input is a regular file (seekable, with a size).
    regular: bool,
    /// Where reading started (standard input redirected from a file may not be at 0).
    start: u64,
    /// Bytes from `start` to the end of a regular file.
    size: Option<u64>,
    /// Which file, and which version of it, a regular file was when opened.
    stamp: Option<super::comments::FileStamp>,
}

impl Source {
    /// Open `path` (`-`: standard input).
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let (file, name) = if is_stdin(path) {
            let name = "<stdin>".to_owned();
            (stdin_file().map_err(|e| io_error(&name, &e))?, name)
        } else {
            let name = path.display().to_string();
            (File::open(path).map_err(|e| io_error(&name, &e))?, name)
        };
        let meta = file.metadata().map_err(|e| io_error(&name, &e))?;
        if meta.is_dir() {
            return Err(RankError::Io {
                path: name,
                kind: std::io::ErrorKind::InvalidInput,
                message: "is a directory, not a qrels or run file".to_owned(),
            });
        }
        let regular = meta.is_file();
        let start = if regular {
            (&file).stream_position().unwrap_or(0)
        } else {
            0
        };
        let size = regular.then(|| meta.len().saturating_sub(start));
        let stamp = (regular && start == 0).then(|| super::comments::FileStamp::of(&meta));
        Ok(Source {
            file,
            name,
            regular,
            start,
            size,
            stamp,
        })
    }

    /// How messages name the input.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Whether the input is a regular file (and so can be read again, and streamed).
    pub(crate) fn is_regular(&self) -> bool {
        self.regular
    }

    /// A reader of the decoded bytes from the current position: the first two bytes are
    /// peeked and, when they are gzip's magic, the stream (peeked bytes included) goes
    /// through a multi-member gzip decoder; otherwise the bytes are read straight from the
    /// handle (no intermediate buffer, so plain files are read directly into the blocks).
    /// Also returns whether the input is gzip.
    pub(super) fn reader(&self) -> Result<(Box<dyn Read + Send + '_>, bool)> {
        let mut raw = &self.file;
        let mut head = [0u8; 2];
        // A pipe may hand over one byte at a time: read until two bytes or the end.
        let n = fill(&mut raw, &mut head, &self.name)?;
        let peeked = std::io::Cursor::new(head[..n].to_vec()).chain(raw);
        if head[..n] == GZIP_MAGIC {
            let decoder =
                flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 20, peeked));
            Ok((Box::new(decoder), true))
        } else {
            Ok((Box::new(peeked), false))
        }
    }

    /// Bytes from where reading started to the end of a regular file.
    pub(super) fn size(&self) -> Option<u64> {
        self.size
    }

    /// Which file, and which version of it, a regular file read from its start was when
    /// opened (`None` for anything else).
    pub(crate) fn stamp(&self) -> Option<&super::comments::FileStamp> {
        self.stamp.as_ref()
    }

    /// Note what the comment lines skipped in the input, read to its end, were: a file
    /// without any is remembered
    /// ([`comments::remember_uncommented`](super::comments::remember_uncommented)), and the
    /// first one of a pipe or standard input, which cannot be read again to be checked
    /// ([`comments::remember_piped`](super::comments::remember_piped)).
    pub(super) fn read_without_comments(&self, skipped: Skipped) {
        if skipped.lines == 0
            && let Some(stamp) = &self.stamp
        {
            super::comments::remember_uncommented(stamp.clone());
        }
        if !self.regular {
            super::comments::remember_piped(&self.name, skipped.first);
        }
    }

    /// Go back to where reading started, if the input is a regular file; `false` otherwise.
    pub(crate) fn rewind(&mut self) -> bool {
        self.regular && self.file.seek(SeekFrom::Start(self.start)).is_ok()
    }
}

/// Calls `f(line_number, line)` for every line (without its end-of-line, a leading BOM
/// dropped), read in blocks straight from the reader's buffer; only a line that straddles two
/// blocks is copied. Used to locate a line again after an error.
fn for_each_raw_line(
    reader: impl Read,
    name: &str,
    mut f: impl FnMut(u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut carry: Vec<u8> = Vec::new();
    let mut line_no = 0u64;
    let mut first = true;
    let watch = crate::interrupt::current();
    loop {
        watch.check()?;
        let buf = reader.fill_buf().map_err(|e| io_error(name, &e))?;
        if buf.is_empty() {
            if !carry.is_empty() {
                line_no += 1;
                f(line_no, strip_bom(&carry, first))?;
            }
            return Ok(());
        }
        let len = buf.len();
        let mut start = 0;
        while let Some(pos) = memchr(b'\n', &buf[start..]) {
            let end = start + pos;
            line_no += 1;
            if carry.is_empty() {
                f(line_no, strip_bom(&buf[start..end], first))?;
            } else {
                carry.extend_from_slice(&buf[start..end]);
                f(line_no, strip_bom(&carry, first))?;
                carry.clear();
            }
            first = false;
            start = end + 1;
        }
        carry.extend_from_slice(&buf[start..]);
        reader.consume(len);
    }
}

/// Calls `f(name, line_number, line)` for every line of the file at `path` (gzip allowed; `-`
/// is standard input), `name` being how messages name the input: the readers of trec_eval's
/// other relevance formats (`prefs.rs`) read their files through it.
pub(crate) fn for_each_line(
    path: &Path,
    mut f: impl FnMut(&str, u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let source = Source::open(path)?;
    let (reader, _) = source.reader()?;
    let name = source.name().to_owned();
    for_each_raw_line(reader, &name, |n, line| f(&name, n, line))
}

/// `line` without a leading byte-order mark, if it is the first line.
fn strip_bom(line: &[u8], first: bool) -> &[u8] {
    if first {
        line.strip_prefix(BOM).unwrap_or(line)
    } else {
        line
    }
}

#[inline]
fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// Byte classes for splitting: what `u8::is_ascii_whitespace` calls whitespace (space, tab,
/// form feed, carriage return) separates fields; a newline ends the line; anything else is
/// part of a field.
const FIELD: u8 = 0;
const SPACE: u8 = 1;
const NEWLINE: u8 = 2;
static CLASS: [u8; 256] = {
    let mut class = [FIELD; 256];
    class[b' ' as usize] = SPACE;
    class[b'\t' as usize] = SPACE;
    class[0x0c] = SPACE;
    class[b'\r' as usize] = SPACE;
    class[b'\n' as usize] = NEWLINE;
    class
};

/// The end of the field starting at `data[pos]`: the first byte at or after `pos` that is
/// whitespace or a newline, or `data.len()`. Eight bytes at a time: separators are all below
/// `0x21`, and the borrow trick below flags exactly the first byte below `0x21` of a word
/// (bytes of UTF-8 sequences, `0x80` and up, are never flagged); a flagged control byte that is
/// not a separator (e.g. `0x0b`) is part of the field, as with `u8::is_ascii_whitespace`.
#[inline]
fn field_end(data: &[u8], mut pos: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = data.len();
    while pos + 8 <= n {
        let mut word = [0u8; 8];
        word.copy_from_slice(&data[pos..pos + 8]);
        let w = u64::from_le_bytes(word);
        let below = w.wrapping_sub(ONES * 0x21) & !w & HIGH;
        if below == 0 {
            pos += 8;
            continue;
        }
        let at = pos + (below.trailing_zeros() / 8) as usize;
        if CLASS[data[at] as usize] != FIELD {
            return at;
        }
        pos = at + 1;
    }
    while pos < n && CLASS[data[pos] as usize] == FIELD {
        pos += 1;
    }
    pos
}

/// Split the line starting at `data[pos]` into up to 7 fields in one pass over its bytes.
/// Returns the fields, how many there are in all, and where the line ends (the position of
/// its newline, or `data.len()`).
#[inline]
fn next_line(data: &[u8], mut pos: usize) -> ([&[u8]; 7], usize, usize) {
    let mut fields: [&[u8]; 7] = [&[]; 7];
    let mut count = 0;
    let n = data.len();
    loop {
        while pos < n && CLASS[data[pos] as usize] == SPACE {
            pos += 1;
        }
        if pos == n || data[pos] == b'\n' {
            return (fields, count, pos);
        }
        let start = pos;
        pos = field_end(data, pos);
        if let Some(slot) = fields.get_mut(count) {
            *slot = &data[start..pos];
        }
        count += 1;
    }
}

/// The separators of a text (the bytes [`CLASS`] calls whitespace or newline), in order,
/// found 64 bytes at a time: a window's bytes below `0x21` become one bit mask (eight bytes
/// per word, without branches), and only those bytes are looked up in [`CLASS`] (a control
/// byte that is not a separator, e.g. `0x0b`, is part of a field, as with
/// `u8::is_ascii_whitespace`). A TREC line has a handful of separators in 30-60 bytes, so the
/// bytes of a field are never visited one by one.
struct Separators<'a> {
    data: &'a [u8],
    /// Start of the 64-byte window that `mask` describes.
    window: usize,
    /// Bit `i`: byte `window + i` is below `0x21` and not handed out yet.
    mask: u64,
}

impl<'a> Separators<'a> {
    fn new(data: &'a [u8]) -> Self {
        Separators {
            data,
            window: 0,
            mask: low_bytes(data, 0),
        }
    }

    /// [`next_line`] for the line starting at `data[pos]`, where `pos` is 0 or just after the
    /// last separator handed out: its fields are the runs of bytes between separators, up to
    /// its newline, found one separator at a time instead of one byte at a time.
    ///
    /// The hot loop of reading a file (a third of the instructions of `rankwise eval` on a
    /// 1M-line run, measured with callgrind, before this form cut it by a quarter): the mask is
    /// kept in a register until the line ends, and the class read for each flagged byte also
    /// says whether it ends the line.
    #[inline]
    fn line(&mut self, pos: usize) -> ([&'a [u8]; 7], usize, usize) {
        let data = self.data;
        let mut fields: [&[u8]; 7] = [&[]; 7];
        let mut count = 0;
        let mut start = pos;
        let mut mask = self.mask;
        loop {
            while mask == 0 {
                if self.window + 64 >= data.len() {
                    // No separator left: the last line ends with the data.
                    self.window = data.len();
                    self.mask = 0;
                    if data.len() > start {
                        if let Some(slot) = fields.get_mut(count) {
                            *slot = &data[start..];
                        }
                        count += 1;
                    }
                    return (fields, count, data.len());
                }
                self.window += 64;
                mask = low_bytes(data, self.window);
            }
            let end = self.window + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let class = CLASS[usize::from(data[end])];
            if class == FIELD {
                continue; // a control byte below 0x21 that is not whitespace
            }
            if end > start {
                if let Some(slot) = fields.get_mut(count) {
                    *slot = &data[start..end];
                }
                count += 1;
            }
            if class == NEWLINE {
                self.mask = mask;
                return (fields, count, end);
            }
            start = end + 1;
        }
    }
}

/// Bit `i` set where `data[at + i]` is below `0x21`, for the (up to) 64 bytes from `at`.
#[inline]
fn low_bytes(data: &[u8], at: usize) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let Some(window) = data.get(at..at + 64) else {
        let tail = data.get(at..).unwrap_or_default();
        return tail
            .iter()
            .enumerate()
            .fold(0, |m, (i, &b)| m | (u64::from(b < 0x21) << i));
    };
    // From the last word to the first, each shifting the ones before it up a byte: a chain
    // that the compiler keeps in scalar registers (an independent `flags << (8 * k)` per word
    // was vectorised two words at a time into emulated 64-bit multiplies, 25% more
    // instructions).
    let mut mask = 0;
    for chunk in window.rchunks_exact(8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // Exact per byte: bit 7 of `(b & 0x7f) + 0x5f` is set iff `b & 0x7f >= 0x21`, and
        // the sum stays below 0x100, so no carry reaches the next byte; `!w` drops bytes
        // of 0x80 and up.
        let below = !((w & LOW7) + ONES * (0x80 - 0x21)) & !w & HIGH;
        // Gather the eight flags (bits 7, 15, .., 63) into the low byte, in order.
        let flags = (below >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask = (mask << 8) | flags;
    }
    mask
}

/// Up to 7 whitespace-separated fields of one line, and how many there are in all.
#[inline]
fn split_fields(line: &[u8]) -> ([&[u8]; 7], usize) {
    let (fields, count, _) = next_line(line, 0);
    (fields, count)
}

/// A malformed-line error; `text` is already quoted ([`quote_line`]).
fn malformed(name: &str, line: u64, reason: impl Into<String>, text: String) -> RankError {
    RankError::Parse {
        path: name.to_owned(),
        line,
        reason: reason.into(),
        text,
    }
}

/// A line as an error message quotes it: trailing whitespace dropped, then [`quote_input`]
/// (at most 200 characters, non-printable bytes escaped).
fn quote_line(line: &[u8]) -> String {
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    quote_input(&line[..end])
}

/// Powers of ten that are exact in `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A number written as a plain decimal (`-12.345`: at most 19 digits, a mantissa below 2^53,
/// fewer than 23 digits after the point), as its parts. Its value is read exactly with one
/// division (Clinger's fast path: mantissa and power of ten are both exact, and IEEE division
/// rounds correctly), so the parts give back the value to the bit (`trec::memory` keeps a
/// score as them: fewer bytes than the value).
#[derive(Clone, Copy)]
pub(super) struct Decimal {
    pub negative: bool,
    pub mantissa: u64,
    /// Digits after the point.
    pub frac: u8,
}

impl Decimal {
    /// The parts of `field`, if it is a plain decimal.
    #[inline]
    pub(super) fn parse(field: &[u8]) -> Option<Self> {
        let (negative, digits) = match field.first() {
            Some(b'-') => (true, &field[1..]),
            Some(b'+') => (false, &field[1..]),
            _ => (false, field),
        };
        // Digits, then optionally a point and more digits: `mantissa` holds them all.
        let mut mantissa: u64 = 0;
        let mut at = 0;
        let take_digits = |at: &mut usize, mantissa: &mut u64| {
            let from = *at;
            while let Some(d) = digits
                .get(*at)
                .map(|b| b.wrapping_sub(b'0'))
                .filter(|&d| d < 10)
            {
                *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
                *at += 1;
            }
            *at - from
        };
        let int_digits = take_digits(&mut at, &mut mantissa);
        let mut frac_digits = 0;
        if digits.get(at) == Some(&b'.') {
            at += 1;
            frac_digits = take_digits(&mut at, &mut mantissa);
        }
        let count = int_digits + frac_digits;
        (at == digits.len()
            && count > 0
            && count <= 19
            && mantissa < (1u64 << 53)
            && frac_digits < POW10.len())
        .then_some(Decimal {
            negative,
            mantissa,
            #[allow(clippy::cast_possible_truncation)]
            frac: frac_digits as u8,
        })
    }

    /// The value, exactly as the text reads (see above).
    #[inline]
    pub(super) fn value(self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = self.mantissa as f64 / POW10[usize::from(self.frac)];
        if self.negative { -v } else { v }
    }
}

/// A decimal number: a plain decimal through [`Decimal`]; everything else (exponents, long
/// mantissas, `inf`) through the standard library's correctly rounded parser. NaN is refused.
#[inline]
fn parse_number(field: &[u8]) -> Option<f64> {
    match Decimal::parse(field) {
        Some(d) => Some(d.value()),
        None => parse_general(field),
    }
}

/// A number that is not a plain decimal ([`parse_number`]).
fn parse_general(field: &[u8]) -> Option<f64> {
    std::str::from_utf8(field)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|v| !v.is_nan())
}

/// What a line of a file holds.
#[derive(Clone, Copy)]
pub(super) enum Format {
    /// `qid iter docno rel`
    Qrels,
    /// `qid Q0 docno rank score run_name`
    Run,
}

/// A block of lines parsed on one thread: documents and values, with the runs of consecutive
/// lines of one query. Pieces are reused from block to block, so their buffers are allocated
/// (and their pages faulted in) once per file, not once per block.
#[derive(Default)]
struct Piece {
    docs: StrTable,
    values: Vec<f64>,
    /// (query id, number of consecutive lines) in order.
    queries: Vec<(String, usize)>,
    /// The run name of the last line (runs).
    name: Option<Vec<u8>>,
    /// Bytes of text the piece was parsed from.
    text_bytes: usize,
    /// Newlines in that text (counted while parsing, so that line numbers cost no extra pass).
    newlines: u64,
    /// Comment lines (first field starting with `#`) skipped.
    comments: u64,
    /// The line, counted in the piece, of the first of them.
    first_comment: Option<u64>,
}

/// The comment lines a reader skipped in one input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// How many.
    pub(crate) lines: u64,
    /// The line number in the input of the first, and its text.
    pub(crate) first: Option<(u64, Vec<u8>)>,
}

impl Piece {
    fn clear(&mut self) {
        self.docs.clear();
        self.values.clear();
        self.queries.clear();
        self.name = None;
        self.text_bytes = 0;
        self.newlines = 0;
        self.comments = 0;
        self.first_comment = None;
    }
}

/// A parse error at `line` lines into a piece (resolved to a file line by the caller).
struct PieceError {
    local_line: u64,
    reason: String,
    /// The line, quoted (short whatever the line's length).
    text: String,
}

fn parse_piece(
    data: &[u8],
    format: Format,
    piece: &mut Piece,
) -> std::result::Result<(), PieceError> {
    piece.clear();
    piece.text_bytes = data.len();
    // ASCII text (nearly every file) is valid UTF-8 whole: one vectorised pass over the
    // piece instead of a check per field.
    let ascii = data.is_ascii();
    let mut local_line = 0u64;
    let fail = |local_line, reason: String, text: &[u8]| PieceError {
        local_line,
        reason,
        text: quote_line(text),
    };
    // The run name of the last line, copied once the piece is read (not compared line by line).
    let mut last_name: Option<&[u8]> = None;
    let mut separators = Separators::new(data);
    let mut pos = 0;
    while pos <= data.len() {
        local_line += 1;
        let line_start = pos;
        let (fields, count, line_end) = separators.line(pos);
        pos = line_end + 1;
        if line_end < data.len() {
            piece.newlines += 1;
        }
        if count == 0 {
            continue; // blank line
        }
        if fields[0].first() == Some(&b'#') {
            piece.comments += 1;
            piece.first_comment.get_or_insert(local_line);
            continue;
        }
        let line = &data[line_start..line_end];
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
                            "the relevance label must be a number; got {}",
                            quote_input(fields[3])
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
                        format!("the score must be a number; got {}", quote_input(fields[4])),
                        line,
                    )
                })?;
                last_name = Some(fields[5]);
                (fields[2], score)
            }
        };
        match piece.queries.last_mut() {
            // Same bytes as a query id already checked to be UTF-8.
            Some((q, n)) if q.as_bytes() == fields[0] => *n += 1,
            _ => {
                let Ok(query) = std::str::from_utf8(fields[0]) else {
                    return Err(fail(local_line, "the line is not valid UTF-8".into(), line));
                };
                piece.queries.push((query.to_owned(), 1));
            }
        }
        if !ascii && std::str::from_utf8(doc).is_err() {
            return Err(fail(local_line, "the line is not valid UTF-8".into(), line));
        }
        piece.docs.push(doc);
        piece.values.push(value);
    }
    piece.name = last_name.map(<[u8]>::to_vec);
    Ok(())
}

/// Read a file in blocks of about `block` bytes, parse each block on all threads, and hand
/// its pieces, in file order, to `handle`. Memory holds one block and its parsed pieces, not
/// the file (two blocks when `prefetch`). A malformed line stops the read with an error naming
/// its line. A byte-order mark at the start of the file is dropped. Returns the comment lines
/// skipped.
///
/// With `prefetch`, a thread reads (and decompresses) the next block while this one is
/// parsed, so that reading overlaps parsing; only for regular files, whose reads end (a
/// pipe kept open could leave the reading thread blocked after an error here).
fn parse_blocks(
    reader: impl Read + Send,
    name: &str,
    format: Format,
    block: usize,
    prefetch: bool,
    handle: impl FnMut(&[Piece]) -> Result<()>,
) -> Result<Skipped> {
    if !prefetch {
        let mut blocks = Blocks::new(reader, name, block);
        let spare = std::cell::Cell::new(Vec::new());
        return parse_each_block(
            name,
            format,
            || blocks.next_block(spare.take()),
            |buf| spare.set(buf),
            handle,
        );
    }
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Result<Option<Vec<u8>>>>(1);
        let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        scope.spawn(move || {
            let mut blocks = Blocks::new(reader, name, block);
            loop {
                let next = blocks.next_block(empty_rx.try_recv().unwrap_or_default());
                let last = !matches!(next, Ok(Some(_)));
                // A closed channel: parsing stopped (an error); so does reading.
                if full_tx.send(next).is_err() || last {
                    return;
                }
            }
        });
        let result = parse_each_block(
            name,
            format,
            || full_rx.recv().unwrap_or(Ok(None)),
            |buf| {
                let _ = empty_tx.send(buf);
            },
            handle,
        );
        drop(full_rx);
        result
    })
}

/// A reader cut into blocks of whole lines.
struct Blocks<R> {
    reader: R,
    name: String,
    block: usize,
    /// The partial line after the last block's last newline.
    tail: Vec<u8>,
    eof: bool,
    first: bool,
}

impl<R: Read> Blocks<R> {
    fn new(reader: R, name: &str, block: usize) -> Self {
        Blocks {
            reader,
            name: name.to_owned(),
            block,
            tail: Vec::new(),
            eof: false,
            first: true,
        }
    }

    /// The next block, in `buf` (reused): about `block` bytes of whole lines (the last line
    /// of the input may lack its newline); `None` at the end.
    fn next_block(&mut self, mut buf: Vec<u8>) -> Result<Option<Vec<u8>>> {
        buf.clear();
        buf.reserve(self.block + (64 << 10));
        buf.append(&mut self.tail);
        loop {
            if !self.eof && buf.len() < self.block {
                let want = (self.block - buf.len()) as u64;
                let got = self
                    .reader
                    .by_ref()
                    .take(want)
                    .read_to_end(&mut buf)
                    .map_err(|e| io_error(&self.name, &e))?;
                self.eof = (got as u64) < want;
                if self.first {
                    // The first fill holds the first `block` bytes or the whole input, so a
                    // BOM is in it whole.
                    self.first = false;
                    if buf.starts_with(BOM) {
                        buf.drain(..BOM.len());
                    }
                }
            }
            if buf.is_empty() {
                return Ok(None);
            }
            if self.eof {
                return Ok(Some(buf));
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => {
                    self.tail.extend_from_slice(&buf[i + 1..]);
                    buf.truncate(i + 1);
                    return Ok(Some(buf));
                }
                None => {
                    // A line longer than a block: read on until it ends.
                    let got = self
                        .reader
                        .by_ref()
                        .take(self.block as u64)
                        .read_to_end(&mut buf)
                        .map_err(|e| io_error(&self.name, &e))?;
                    self.eof = got < self.block;
                }
            }
        }
    }
}

/// Parse the blocks that `next` hands over (until `None`) on all threads, hand each block's
/// pieces to `handle`, and each block's buffer back to `recycle`.
fn parse_each_block(
    name: &str,
    format: Format,
    mut next: impl FnMut() -> Result<Option<Vec<u8>>>,
    mut recycle: impl FnMut(Vec<u8>),
    mut handle: impl FnMut(&[Piece]) -> Result<()>,
) -> Result<Skipped> {
    let pieces_per_block = 4 * parallel::num_threads().max(1);
    let mut pool: Vec<Piece> = Vec::new();
    let mut lines_before = 0u64;
    let mut skipped = Skipped::default();
    let watch = crate::interrupt::current();
    loop {
        watch.check()?;
        let Some(buf) = next()? else {
            return Ok(skipped);
        };
        let final_newline = buf.ends_with(b"\n");
        let data = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let bounds = split_at_lines(data, pieces_per_block);
        let n = bounds.len() - 1;
        if pool.len() < n {
            pool.resize_with(n, Piece::default);
        }
        let parsed: Vec<std::result::Result<(), PieceError>> = parallel::install(|| {
            pool[..n]
                .par_iter_mut()
                .zip(bounds.par_windows(2))
                .map(|(piece, w)| parse_piece(&data[w[0]..w[1]], format, piece))
                .collect()
        });
        for (i, result) in parsed.into_iter().enumerate() {
            if let Err(e) = result {
                let before: u64 = data[..bounds[i]].iter().filter(|&&b| b == b'\n').count() as u64;
                return Err(malformed(
                    name,
                    lines_before + before + e.local_line,
                    e.reason,
                    e.text,
                ));
            }
        }
        handle(&pool[..n])?;
        skipped.lines += pool[..n].iter().map(|p| p.comments).sum::<u64>();
        if skipped.first.is_none()
            && let Some((i, local)) = (0..n).find_map(|i| pool[i].first_comment.map(|l| (i, l)))
        {
            let before = memchr::memchr_iter(b'\n', &data[..bounds[i]]).count() as u64;
            let piece = &data[bounds[i]..bounds[i + 1]];
            let text = piece
                .split(|&b| b == b'\n')
                .nth(local as usize - 1)
                .unwrap_or(b"");
            skipped.first = Some((lines_before + before + local, text.to_vec()));
        }
        lines_before +=
            pool[..n].iter().map(|p| p.newlines).sum::<u64>() + u64::from(final_newline);
        recycle(buf);
    }
}

/// Read a whole file into `sink`. Returns the run name of the last line (runs).
fn parse_file(source: &Source, format: Format, sink: &mut impl Sink) -> Result<Option<Vec<u8>>> {
    let (reader, compressed) = source.reader()?;
    // The size of a pipe is unknown, that of a gzip file says little: their columns grow as
    // they are read.
    let file_size = source.size.filter(|_| !compressed);
    let (name, comments) = parse_reader_counting(
        reader,
        source.name(),
        file_size,
        source.is_regular(),
        format,
        sink,
    )?;
    source.read_without_comments(comments);
    Ok(name)
}

/// [`parse_file`] from a reader of `size` bytes, if known, also returning the comment lines
/// skipped. Columns are sized once, from the first piece's lines and the size: growing them by
/// doubling would touch (and keep) twice the memory.
fn parse_reader_counting(
    reader: impl Read + Send,
    name: &str,
    file_size: Option<u64>,
    prefetch: bool,
    format: Format,
    sink: &mut impl Sink,
) -> Result<(Option<Vec<u8>>, Skipped)> {
    let mut sized = false;
    let mut run_name = None;
    let comments = parse_blocks(reader, name, format, BLOCK_BYTES, prefetch, |pieces| {
        for p in pieces {
            if let Some(file_size) = file_size.filter(|_| !sized && !p.values.is_empty()) {
                sized = true;
                let lines = p.values.len() as u64;
                let per_line = p.text_bytes as u64 / lines;
                let estimate = usize::try_from(file_size / per_line.max(1)).unwrap_or(0);
                let doc_bytes = p.docs.byte_len() / p.values.len();
                sink.reserve(
                    estimate + estimate / 16,
                    (estimate + estimate / 16) * doc_bytes,
                );
            }
            p.append_to(sink);
            if p.name.is_some() {
                run_name.clone_from(&p.name);
            }
        }
        Ok(())
    })?;
    Ok((run_name, comments))
}

/// Cut `data` into about `n` pieces at line boundaries: piece `i` is
/// `data[bounds[i]..bounds[i + 1]]`, and every inner bound sits right after a newline.
pub(super) fn split_at_lines(data: &[u8], n: usize) -> Vec<usize> {
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
pub(super) trait Sink {
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

/// Fill in the line of a duplicate-document error by reading a regular file again through
/// the same handle (errors are rare; keeping a line number per entry would cost memory on
/// every read). A pipe cannot be read again: the error names the input without a line.
fn locate_duplicate(source: &mut Source, err: RankError, doc_field: usize) -> RankError {
    let RankError::DuplicateDocument {
        what, query, doc, ..
    } = err
    else {
        return err;
    };
    let mut seen = 0;
    let mut found = None;
    let name = source.name().to_owned();
    let reader = if source.rewind() {
        source.reader().ok()
    } else {
        None
    };
    let _ = reader.map(|(reader, _)| {
        for_each_raw_line(reader, &name, |line_no, raw| {
            let (fields, count) = split_fields(raw.strip_suffix(b"\r").unwrap_or(raw));
            if count > doc_field
                && fields[0] == query.as_bytes()
                && fields[doc_field] == doc.as_bytes()
            {
                seen += 1;
                if seen == 2 {
                    found = Some(line_no);
                    return Err(RankError::invalid("", "", "")); // stop reading
                }
            }
            Ok(())
        })
    });
    RankError::DuplicateDocument {
        what,
        query,
        doc,
        path: Some(name),
        line: found,
    }
}

/// Read a qrels file (`qid iter docno rel`; gzip allowed); the path `-` is standard input.
/// The file is read once, from its start: pipes, FIFOs and `/dev/fd/N` work.
pub fn read_qrels(path: impl AsRef<Path>) -> Result<Qrels> {
    read_qrels_from(&mut Source::open(path.as_ref())?)
}

/// [`read_qrels`] from an opened input.
pub(crate) fn read_qrels_from(source: &mut Source) -> Result<Qrels> {
    let mut builder = QrelsBuilder::new();
    builder.set_source(Some(source.name().to_owned()));
    parse_file(source, Format::Qrels, &mut builder)?;
    builder.build().map_err(|e| locate_duplicate(source, e, 2))
}

/// Read a run file (`qid Q0 docno rank score run_name`; gzip allowed); the rank column is
/// ignored. The path `-` is standard input; the file is read once (pipes work).
pub fn read_run(path: impl AsRef<Path>) -> Result<Run> {
    read_run_with(path, ScorePrecision::default())
}

/// [`read_run`] with the precision at which scores are compared when ranking.
pub fn read_run_with(path: impl AsRef<Path>, precision: ScorePrecision) -> Result<Run> {
    read_run_from(&mut Source::open(path.as_ref())?, precision)
}

/// [`read_run_with`] from an opened input, from its current position.
pub(crate) fn read_run_from(source: &mut Source, precision: ScorePrecision) -> Result<Run> {
    let mut builder = RunBuilder::new();
    builder.set_score_precision(precision);
    builder.set_source(Some(source.name().to_owned()));
    // trec_eval keeps the run name of the last line.
    let name = parse_file(source, Format::Run, &mut builder)?;
    builder.set_name(name.map(|n| String::from_utf8_lossy(&n).into_owned()));
    builder.build().map_err(|e| locate_duplicate(source, e, 2))
}

/// How [`stream_run`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Streamed {
    /// Every query was handed over.
    Done {
        /// The run name of the last line.
        name: Option<String>,
        /// Number of queries in the file.
        num_queries: usize,
        /// The first three query ids, in file order (for messages).
        first_queries: Vec<String>,
    },
    /// The lines of `query` are not all consecutive, so the file cannot be read query by
    /// query; reading stopped there. Read it whole with [`read_run`] (a regular file; a
    /// pipe cannot be read again, so read those whole from the start).
    NotGrouped { query: String },
}

/// Read a run file block by block and hand its queries over as small [`Run`]s: `map` runs
/// on the rankwise pool, in parallel, on the runs each block completes, and `reduce` takes
/// their results one at a time. Memory holds one block, never the whole run. Every query
/// reaches `map` once, whole and ranked exactly as [`read_run`] ranks it, provided each
/// query's lines are consecutive in the file (as every tool writes them); otherwise reading
/// stops with [`Streamed::NotGrouped`].
pub fn stream_run<T: Send>(
    path: impl AsRef<Path>,
    precision: ScorePrecision,
    map: impl Fn(Run) -> Result<T> + Sync,
    reduce: impl FnMut(T) -> Result<()>,
) -> Result<Streamed> {
    let mut source = Source::open(path.as_ref())?;
    stream_run_in_blocks(&mut source, precision, BLOCK_BYTES, map, reduce)
}

/// [`stream_run`] reading blocks of about `block` bytes (tests use tiny blocks so that
/// queries straddle blocks and the pieces of a block).
///
/// A block's parse pieces are cut at arbitrary lines, so a query may span pieces or blocks.
/// Queries that lie inside one piece (nearly all) become a run per piece, built and mapped in
/// parallel without leaving the piece's thread; the few that cross a piece boundary are
/// copied into one more run; the block's last query waits in `carry` for the next block.
pub(crate) fn stream_run_in_blocks<T: Send>(
    source: &mut Source,
    precision: ScorePrecision,
    block: usize,
    map: impl Fn(Run) -> Result<T> + Sync,
    mut reduce: impl FnMut(T) -> Result<()>,
) -> Result<Streamed> {
    let source_name = source.name().to_owned();
    let new_builder = || {
        let mut b = RunBuilder::new();
        b.set_score_precision(precision);
        b.set_source(Some(source_name.clone()));
        // A block's runs are small and dropped once evaluated: keep their indexes.
        b.keep_index(true);
        b
    };
    // A duplicate document found while streaming is located after reading stops (the
    // handle is busy until then).
    let duplicate: std::sync::Mutex<Option<RankError>> = std::sync::Mutex::new(None);
    let build = |builder: RunBuilder| -> Result<Run> {
        builder.build().map_err(|e| {
            if matches!(e, RankError::DuplicateDocument { .. })
                && let Ok(mut slot) = duplicate.lock()
                && slot.is_none()
            {
                *slot = Some(e.clone());
            }
            e
        })
    };
    // The open query: the last one seen, whose lines may continue in the next block.
    let mut open: Option<String> = None;
    let mut carry = StrTable::default();
    let mut carry_values: Vec<f64> = Vec::new();
    // Query ids already handed over, hashed once each with the ids' own hash (not SipHash).
    let mut closed: IdSet = IdSet::default();
    let mut first_queries: Vec<String> = Vec::new();
    let mut name: Option<Vec<u8>> = None;
    let mut not_grouped: Option<String> = None;
    let prefetch = source.is_regular();
    let (reader, _) = source.reader()?;
    let read = parse_blocks(
        reader,
        &source_name,
        Format::Run,
        block,
        prefetch,
        |pieces| {
            // The block's segments, in file order: (piece, query index in the piece, first line).
            let mut segments: Vec<(usize, usize, usize)> = Vec::new();
            for (p, piece) in pieces.iter().enumerate() {
                let mut start = 0;
                for (k, (_, n)) in piece.queries.iter().enumerate() {
                    segments.push((p, k, start));
                    start += n;
                }
                if piece.name.is_some() {
                    name.clone_from(&piece.name);
                }
            }
            let query_of = |&(p, k, _): &(usize, usize, usize)| pieces[p].queries[k].0.as_str();
            let lines_of = |&(p, k, start): &(usize, usize, usize)| {
                let n = pieces[p].queries[k].1;
                (
                    &pieces[p].docs,
                    start..start + n,
                    &pieces[p].values[start..start + n],
                )
            };
            // Walk the block's queries (maximal runs of segments with one query id).
            let mut local: Vec<Vec<(usize, usize)>> = vec![Vec::new(); pieces.len()];
            let mut spill = new_builder();
            let mut spilled = false;
            let mut i = 0;
            while i < segments.len() {
                let query = query_of(&segments[i]);
                let mut j = i + 1;
                while j < segments.len() && query_of(&segments[j]) == query {
                    j += 1;
                }
                let continues = open.as_deref() == Some(query);
                if !continues {
                    if let Some(prev) = open.take() {
                        // The carried query ended with the last block.
                        spill.begin_query(&prev);
                        spill.push_docs(&carry, 0..carry.len(), &carry_values);
                        spilled = true;
                        carry.clear();
                        carry_values.clear();
                        closed.insert(prev.into_bytes().into_boxed_slice());
                    }
                    if closed.contains(query.as_bytes()) {
                        not_grouped = Some(query.to_owned());
                        return Err(RankError::invalid("", "", "")); // stop reading
                    }
                    if first_queries.len() < 3 {
                        first_queries.push(query.to_owned());
                    }
                }
                if j == segments.len() {
                    // The block's last query may go on in the next block.
                    open = Some(query.to_owned());
                    for seg in &segments[i..j] {
                        let (docs, range, values) = lines_of(seg);
                        carry.extend_from(docs, range);
                        carry_values.extend_from_slice(values);
                    }
                } else if !continues && j == i + 1 {
                    let (p, k, start) = segments[i];
                    local[p].push((k, start));
                    closed.insert(query.as_bytes().into());
                } else {
                    spill.begin_query(query);
                    if continues {
                        open = None;
                        spill.push_docs(&carry, 0..carry.len(), &carry_values);
                        carry.clear();
                        carry_values.clear();
                    }
                    for seg in &segments[i..j] {
                        let (docs, range, values) = lines_of(seg);
                        spill.push_docs(docs, range, values);
                    }
                    spilled = true;
                    closed.insert(query.as_bytes().into());
                }
                i = j;
            }
            let mapped: Vec<Result<T>> = parallel::install(|| {
                local
                    .par_iter()
                    .enumerate()
                    .filter(|(_, units)| !units.is_empty())
                    .map(|(p, units)| {
                        let mut builder = new_builder();
                        for &(k, start) in units {
                            let (docs, range, values) = lines_of(&(p, k, start));
                            builder.begin_query(&pieces[p].queries[k].0);
                            builder.push_docs(docs, range, values);
                        }
                        map(build(builder)?)
                    })
                    .collect()
            });
            if spilled {
                reduce(map(build(spill)?)?)?;
            }
            for result in mapped {
                reduce(result?)?;
            }
            Ok(())
        },
    );
    if let Some(query) = not_grouped {
        return Ok(Streamed::NotGrouped { query });
    }
    let locate = |e: RankError, source: &mut Source| match e {
        RankError::DuplicateDocument { .. } => locate_duplicate(source, e, 2),
        other => other,
    };
    let comments = match read {
        Ok(comments) => comments,
        Err(e) => {
            // The duplicate that stopped reading, if one did (a `map` error may carry it).
            let first = duplicate.lock().ok().and_then(|mut slot| slot.take());
            return Err(locate(first.unwrap_or(e), source));
        }
    };
    if let Some(query) = open {
        let mut builder = new_builder();
        builder.begin_query(&query);
        builder.push_docs(&carry, 0..carry.len(), &carry_values);
        let last = build(builder).and_then(&map).and_then(&mut reduce);
        if let Err(e) = last {
            return Err(locate(e, source));
        }
        closed.insert(query.into_bytes().into_boxed_slice());
    }
    source.read_without_comments(comments);
    Ok(Streamed::Done {
        name: name.map(|n| String::from_utf8_lossy(&n).into_owned()),
        num_queries: closed.len(),
        first_queries,
    })
}

/// A set of ids hashed with [`IdHasher`](super::index::IdHasher).
type IdSet =
    std::collections::HashSet<Box<[u8]>, std::hash::BuildHasherDefault<super::index::IdHasher>>;

/// One run line as [`for_each_run_line`] hands it over.
pub(super) struct RunLine<'a> {
    pub query: &'a [u8],
    pub doc: &'a [u8],
    /// The score, as [`parse_number`] reads it, and its parts when it is a plain decimal.
    pub score: f64,
    pub decimal: Option<Decimal>,
    /// The run name field.
    pub name: &'a [u8],
}

/// What [`for_each_run_line`] counted in its text, lines numbered from 1 at its start.
pub(super) struct RunLines<'a> {
    pub newlines: u64,
    /// Comment lines skipped, and the first one's line and text.
    pub comments: u64,
    pub first_comment: Option<(u64, &'a [u8])>,
}

/// For `trec::memory`: hand every run line of `data` (lines cut at `\n`; blank lines and
/// comments skipped) to `each`, checked exactly as [`parse_piece`] checks a run line.
/// Returns the newlines and comment lines of `data`, or the error a whole read reports for
/// the first malformed line, its line number counted from 1 at the start of `data` (the
/// caller adds the lines before).
pub(super) fn for_each_run_line<'a>(
    data: &'a [u8],
    name: &str,
    mut each: impl FnMut(RunLine<'a>),
) -> Result<RunLines<'a>> {
    let ascii = data.is_ascii();
    let mut newlines = 0u64;
    let mut comments = 0u64;
    let mut first_comment = None;
    let fail = |local_line, reason: String, text: &[u8]| {
        malformed(name, local_line, reason, quote_line(text))
    };
    let mut separators = Separators::new(data);
    let mut pos = 0;
    while pos <= data.len() {
        let line_start = pos;
        let (fields, count, line_end) = separators.line(pos);
        pos = line_end + 1;
        let local_line = newlines + 1;
        if line_end < data.len() {
            newlines += 1;
        }
        if count == 0 {
            continue;
        }
        let line = &data[line_start..line_end];
        if fields[0].first() == Some(&b'#') {
            comments += 1;
            first_comment.get_or_insert((local_line, line));
            continue;
        }
        if count < 6 {
            return Err(fail(
                local_line,
                format!("expected 6 fields (query_id Q0 doc_id rank score run_name); got {count}"),
                line,
            ));
        }
        let decimal = Decimal::parse(fields[4]);
        let Some(score) = decimal.map_or_else(|| parse_general(fields[4]), |d| Some(d.value()))
        else {
            return Err(fail(
                local_line,
                format!("the score must be a number; got {}", quote_input(fields[4])),
                line,
            ));
        };
        if !ascii
            && (std::str::from_utf8(fields[0]).is_err() || std::str::from_utf8(fields[2]).is_err())
        {
            return Err(fail(local_line, "the line is not valid UTF-8".into(), line));
        }
        each(RunLine {
            query: fields[0],
            doc: fields[2],
            score,
            decimal,
            name: fields[5],
        });
    }
    Ok(RunLines {
        newlines,
        comments,
        first_comment,
    })
}

/// For `trec::memory`: [`locate_duplicate`] for a run.
pub(super) fn locate_run_duplicate(source: &mut Source, err: RankError) -> RankError {
    locate_duplicate(source, err, 2)
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

    #[test]
    fn line_numbers_count_across_blocks_pieces_blank_lines_and_crlf() {
        // Blocks of 64 bytes hold 2-3 lines each: the bad line is many blocks in.
        for (ending, at_least) in [("\n", 1), ("\r\n", 37), ("\n\n", 40), ("\n", 80)] {
            let mut text = String::new();
            let mut next_line = 1; // the number of the line the next push starts
            let mut i = 0;
            while next_line < at_least {
                text.push_str(&format!("q Q0 d{i} 1 {i} r{ending}"));
                next_line += ending.matches('\n').count();
                i += 1;
            }
            text.push_str("q Q0 bad 1 oops r\nq Q0 last 1 0 r\n");
            let path = write(&format!("lines{at_least}.txt"), &text);
            let source = Source::open(&path).unwrap();
            let (reader, _) = source.reader().unwrap();
            let e = parse_blocks(reader, source.name(), Format::Run, 64, true, |_| Ok(()))
                .unwrap_err()
                .to_string();
            let expected = format!("lines{at_least}.txt:{next_line}: the score must be a number");
            assert!(e.contains(&expected), "{e}");
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// `/dev/fd/N` naming the read end of a pipe that a thread fills with `bytes`, a few
    /// bytes per write (so that peeking the magic bytes sees short reads).
    #[cfg(target_os = "linux")]
    fn pipe_path(bytes: Vec<u8>) -> (std::path::PathBuf, std::io::PipeReader) {
        use std::os::fd::AsRawFd;
        let (reader, mut writer) = std::io::pipe().unwrap();
        std::thread::spawn(move || {
            for chunk in bytes.chunks(1).take(3) {
                writer.write_all(chunk).unwrap();
                writer.flush().unwrap();
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            let _ = writer.write_all(bytes.get(3..).unwrap_or_default());
        });
        (format!("/dev/fd/{}", reader.as_raw_fd()).into(), reader)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn pipes_are_read_once_from_their_first_byte_plain_and_gzip() {
        let text = "q10 Q0 d1 1 2.5 sys\nq10 Q0 d2 2 1.5 sys\nq11 Q0 d1 1 1 sys\n";
        for bytes in [text.as_bytes().to_vec(), gzip(text.as_bytes())] {
            let (path, _keep) = pipe_path(bytes);
            let run = read_run(&path).unwrap();
            assert_eq!(run.num_queries(), 2);
            assert_eq!(run.query_id(0), "q10");
            assert_eq!(run.len(), 3);
        }
        let qrels = "q10 0 d1 1\nq10 0 d2 0\n";
        let (path, _keep) = pipe_path(gzip(qrels.as_bytes()));
        let q = read_qrels(&path).unwrap();
        assert_eq!(q.query_id(0), "q10");
        assert_eq!(q.len(), 2);
        // A one-byte input is read, not lost to peeking.
        let (path, _keep) = pipe_path(b"x".to_vec());
        let e = read_qrels(&path).unwrap_err().to_string();
        assert!(e.contains(":1: expected 4 fields"), "{e}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_duplicate_read_from_a_pipe_is_named_without_a_line() {
        let (path, _keep) = pipe_path(b"q Q0 d 1 1 r\nq Q0 d 2 0 r\n".to_vec());
        let e = read_run(&path).unwrap_err();
        assert!(
            matches!(&e, RankError::DuplicateDocument { line: None, path: Some(p), .. } if p.starts_with("/dev/fd/")),
            "{e}"
        );
    }

    #[test]
    fn a_leading_byte_order_mark_is_dropped_plain_and_gzip() {
        let text = "\u{feff}q10 0 d1 1\nq11 0 d2 1\n";
        let plain = write("bom.txt", text);
        let gz = write("bom.placeholder", "");
        std::fs::write(&gz, gzip(text.as_bytes())).unwrap();
        for path in [plain, gz] {
            let q = read_qrels(&path).unwrap();
            assert_eq!(q.query_id(0), "q10");
            assert!(q.query_index(b"q10").is_some());
        }
        // Only at the start of the file: further in, it stays part of the id.
        let inner = write("bom-inner.txt", "q1 0 d1 1\n\u{feff}q2 0 d2 1\n");
        let q = read_qrels(&inner).unwrap();
        assert_eq!(q.query_id(1), "\u{feff}q2");
        // A duplicate on the first line is still located (the BOM is dropped there too).
        let dup = write("bom-dup.txt", "\u{feff}q Q0 d 1 1 r\nq Q0 d 2 0 r\n");
        let e = read_run(&dup).unwrap_err();
        assert!(
            matches!(e, RankError::DuplicateDocument { line: Some(2), .. }),
            "{e}"
        );
    }

    #[test]
    fn error_messages_quote_at_most_200_characters_escaped() {
        // A 10 MB line with no newline.
        let long = format!("q 0 d {}", "7".repeat(10 << 20));
        let q = write("huge-line.txt", &format!("q 0 a 1\n{long} x"));
        let e = read_qrels(&q).unwrap_err().to_string();
        assert!(e.len() < 400, "{} bytes", e.len());
        assert!(e.contains("huge-line.txt:2: expected 4 fields"), "{e}");
        assert!(
            e.ends_with(&format!("... ({} bytes)", long.len() + 2)),
            "{e}"
        );
        // A 10 MB field in a line of the right shape.
        let q = write(
            "huge-field.txt",
            &format!("q 0 d {}\n", "x".repeat(10 << 20)),
        );
        let e = read_qrels(&q).unwrap_err().to_string();
        assert!(e.len() < 700, "{} bytes", e.len());
        assert!(
            e.contains("huge-field.txt:1: the relevance label must be a number"),
            "{e}"
        );
        // Control bytes and bytes that are not UTF-8, escaped.
        let bad = b"q Q0 d\x1b[31m 1 \xff\xfe sys\x07\n".to_vec();
        let r = write("control.txt", "");
        std::fs::write(&r, &bad).unwrap();
        let e = read_run(&r).unwrap_err().to_string();
        assert!(
            e.ends_with(
                r#"control.txt:1: the score must be a number; got "\xff\xfe": "q Q0 d\u{1b}[31m 1 \xff\xfe sys\u{7}""#
            ),
            "{e}"
        );
        assert!(!e.chars().any(char::is_control), "{e:?}");
    }

    #[test]
    fn a_directory_is_refused_by_name() {
        let dir = std::env::temp_dir();
        let e = read_qrels(&dir).unwrap_err();
        assert!(matches!(e, RankError::Io { .. }), "{e}");
        assert!(e.to_string().contains("is a directory"), "{e}");
    }

    /// Bytes that exercise every class: separators, a newline, control bytes that are part
    /// of fields (0x0b, 0x00), the bounds of the word test (0x20, 0x21, 0x7f, 0x80, 0xa0,
    /// 0xff), and field text.
    fn text_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        let alphabet: &[u8] = b" \t\r\n\x0b\x0c\x00\x20\x21\x7f\x80\xa0\xffaZ#0.";
        proptest::collection::vec(proptest::sample::select(alphabet), 0..300)
    }

    proptest::proptest! {
        #[test]
        fn low_bytes_flags_exactly_the_bytes_below_0x21(data in text_bytes(), at in 0usize..300) {
            let at = at.min(data.len());
            let expected = data[at..]
                .iter()
                .take(64)
                .enumerate()
                .fold(0u64, |m, (i, &b)| m | (u64::from(b <= 0x20) << i));
            proptest::prop_assert_eq!(low_bytes(&data, at), expected);
        }

        #[test]
        fn separators_split_every_line_as_next_line(data in text_bytes()) {
            let mut separators = Separators::new(&data);
            let mut pos = 0;
            while pos <= data.len() {
                let fast = separators.line(pos);
                proptest::prop_assert_eq!(fast, next_line(&data, pos));
                pos = fast.2 + 1;
            }
        }

        #[test]
        fn numbers_read_as_the_standard_library_reads_them(
            negative in proptest::bool::ANY,
            int in "[0-9]{0,12}",
            point in proptest::bool::ANY,
            frac in "[0-9]{0,12}",
            tail in "|e5|x|\\.1|-",
        ) {
            let text = format!(
                "{}{int}{}{frac}{tail}",
                if negative { "-" } else { "" },
                if point { "." } else { "" }
            );
            let expected = text.parse::<f64>().ok().filter(|v| !v.is_nan());
            let got = parse_number(text.as_bytes());
            proptest::prop_assert_eq!(got.map(f64::to_bits), expected.map(f64::to_bits), "{}", text);
        }
    }
}
