//! Reading a run file whose queries are not on consecutive lines a group of queries at a
//! time, with memory well below the file's size.
//!
//! One pass over the file indexes its lines ([`LineIndex`]): per line, the ordinal of its
//! query (4 bytes) and its length (1 byte, 255 for "255 or more": the end of such a line is
//! found again by looking for its newline), about 5 bytes a line against 30 to 40 bytes of
//! text in a typical run line. Only the query id of each line is read, looked up in a small
//! open-addressing table of the distinct query ids. Queries are then cut into groups
//! ([`LineIndex::groups`]), and the file is read once per group ([`read_run_queries`]): that
//! group's lines are copied into one buffer, each query's lines together (every other line
//! is skipped by its length, without being split or parsed), and the buffer is parsed as a
//! sorted file is, in parallel blocks.

use rayon::prelude::*;

use super::index::{hash_bytes, same_bytes};
use super::parse::{BOM, Format, Source, fill, parse_reader};
use super::run::{Run, RunBuilder};
use super::strings::StrTable;
use crate::error::{RankError, Result};
use crate::ranking::ScorePrecision;

/// Bytes read from the file at a time.
const READ_BYTES: usize = 4 << 20;

/// A line length stored as this means "this many bytes or more": the line's end is found
/// again by looking for its newline.
const LONG: u8 = u8::MAX;

/// The group of a line without data.
const NO_GROUP: u8 = u8::MAX;

/// A group of queries holds at most this share of the file's bytes (`1 / GROUP_SHARE`),
/// unless one query alone holds more (a query is never split). The peak is then about the
/// index (5 bytes a line, about 1/7 of a typical run file), one group's text and its parsed
/// columns (about 1.5 times the text while it is parsed): about 0.55 times the file on top of
/// the qrels.
pub(crate) const GROUP_SHARE: u64 = 6;

/// Where the lines of each query of a run file are: one entry per physical line (lines are
/// split at `\n`; a byte-order mark at the start belongs to the first line), from one pass
/// over the file by [`index_run_lines`].
pub(crate) struct LineIndex {
    /// Per line: the ordinal of its query (in order of first appearance), or `u32::MAX` for a
    /// line without data (blank, or a `#` comment).
    line_query: Vec<u32>,
    /// Per line: its length in bytes, its newline included (and, for the first line, a
    /// byte-order mark), or [`LONG`] for 255 bytes or more.
    line_len: Vec<u8>,
    /// Per line: the group of its query, or `NO_GROUP` (set by [`LineIndex::groups`]).
    line_group: Vec<u8>,
    /// Per query: its group (set by [`LineIndex::groups`]).
    group_of: Vec<u32>,
    /// Bytes of each query's lines.
    pub(crate) query_bytes: Vec<u64>,
    /// The first three query ids, in file order (for messages).
    pub(crate) first_queries: Vec<String>,
    /// The run name of the last line with data.
    pub(crate) name: Option<Vec<u8>>,
    /// Whether the file starts with a byte-order mark (counted in the first line's length).
    bom: bool,
}

impl LineIndex {
    /// Number of distinct queries.
    pub(crate) fn num_queries(&self) -> usize {
        self.query_bytes.len()
    }

    /// Cut the queries, in order of first appearance, into groups of about `budget` bytes of
    /// lines: `ceil(total / budget)` equal shares; a group closes once it reaches its share,
    /// or before a query that would take it past 1.25 shares (a query larger than that is a
    /// group of its own: a query is never split). Returns the group of each query and the
    /// number of groups.
    pub(crate) fn groups(&mut self, budget: u64) -> usize {
        let total: u64 = self.query_bytes.iter().sum();
        let wanted = total.div_ceil(budget.max(1)).max(1);
        let share = total.div_ceil(wanted).max(1);
        let limit = share + share / 4;
        let mut group_of = Vec::with_capacity(self.num_queries());
        let (mut g, mut bytes) = (0u32, 0u64);
        for &b in &self.query_bytes {
            if bytes > 0 && (bytes >= share || bytes + b > limit) {
                g += 1;
                bytes = 0;
            }
            bytes += b;
            group_of.push(g);
        }
        let count = if group_of.is_empty() {
            0
        } else {
            g as usize + 1
        };
        if count > usize::from(NO_GROUP) {
            // Not reached with shares of at least 1/255 of the file (the caller's budgets):
            // one group then, which the caller reads whole.
            group_of.fill(0);
            self.group_of = group_of;
            return 1;
        }
        self.line_group = self
            .line_query
            .iter()
            .map(|&q| {
                if q == u32::MAX {
                    NO_GROUP
                } else {
                    #[allow(clippy::cast_possible_truncation)]
                    let g = group_of[q as usize] as u8;
                    g
                }
            })
            .collect();
        self.group_of = group_of;
        count
    }
}

/// Position of the first `\n` in `data`, eight bytes at a time.
#[inline]
fn find_newline(data: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= data.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&data[i..i + 8]);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b'\n'));
        // A zero byte of `x` is a newline (the classic "has zero byte" test: exact for the
        // lowest such byte, which is the one taken).
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    data[i..].iter().position(|&b| b == b'\n').map(|p| i + p)
}

/// The first whitespace-separated field of `line` (empty if none); whitespace is what
/// `u8::is_ascii_whitespace` calls so, as for the parser.
#[inline]
fn first_field(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let rest = &line[start..];
    let end = rest
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Distinct query ids and their ordinals: open addressing over ordinals + 1, keys in a
/// [`StrTable`], grown at half full.
struct QueryTable {
    ids: StrTable,
    slots: Vec<u32>,
}

impl QueryTable {
    fn new() -> Self {
        QueryTable {
            ids: StrTable::default(),
            slots: vec![0; 1024],
        }
    }

    /// The ordinal of `id`, and whether it is new; `None` past `u32::MAX - 1` ids.
    #[inline]
    fn ordinal(&mut self, id: &[u8]) -> Option<(u32, bool)> {
        let mask = self.slots.len() - 1;
        #[allow(clippy::cast_possible_truncation)]
        let mut s = (hash_bytes(id) as usize) & mask;
        loop {
            let slot = self.slots[s];
            if slot == 0 {
                break;
            }
            if same_bytes(self.ids.get(slot as usize - 1), id) {
                return Some((slot - 1, false));
            }
            s = (s + 1) & mask;
        }
        let q = u32::try_from(self.ids.len())
            .ok()
            .filter(|&q| q < u32::MAX - 1)?;
        self.ids.push(id);
        self.slots[s] = q + 1;
        if 2 * self.ids.len() > self.slots.len() {
            self.grow();
        }
        Some((q, true))
    }

    fn grow(&mut self) {
        let mut slots = vec![0u32; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for q in 0..self.ids.len() {
            #[allow(clippy::cast_possible_truncation)]
            let mut s = (hash_bytes(self.ids.get(q)) as usize) & mask;
            while slots[s] != 0 {
                s = (s + 1) & mask;
            }
            slots[s] = u32::try_from(q + 1).unwrap_or(u32::MAX);
        }
        self.slots = slots;
    }
}

/// Index the lines of a run file by query ([`LineIndex`]), from the start of `source`. Only
/// the query id (and, for the last line with data, the run name) of each line is read;
/// `None` if the file cannot be read again or has too many queries: reading it whole then
/// does the work (and reports any problem exactly as it always has).
pub(crate) fn index_run_lines(source: &mut Source) -> Result<Option<LineIndex>> {
    if !source.rewind() {
        return Ok(None);
    }
    let name = source.name().to_owned();
    // Room for lines of 24 bytes or more: address space only, until lines fill it.
    let guess = source
        .size()
        .map_or(0, |s| usize::try_from(s / 24).unwrap_or(0));
    let mut index = LineIndex {
        line_query: Vec::with_capacity(guess),
        line_len: Vec::with_capacity(guess),
        line_group: Vec::new(),
        group_of: Vec::new(),
        query_bytes: Vec::new(),
        first_queries: Vec::new(),
        name: None,
        bom: false,
    };
    let mut table = QueryTable::new();
    let (mut reader, _) = source.reader()?;
    let watch = crate::interrupt::current();
    let mut buf = vec![0u8; READ_BYTES];
    // Bytes at the front of `buf` carried over from the last read (a line not yet ended).
    let mut kept = 0usize;
    let mut first = true;
    // The last line with data, copied out of the buffer before it is refilled.
    let mut last_line: Vec<u8> = Vec::new();
    loop {
        watch.check()?;
        if kept == buf.len() {
            // A line longer than the buffer: make room.
            buf.resize(buf.len() * 2, 0);
        }
        let n = fill(&mut *reader, &mut buf[kept..], &name)?;
        let end = kept + n;
        let at_end = end < buf.len();
        if first && end >= BOM.len() && buf[..BOM.len()] == *BOM {
            index.bom = true;
        }
        let data = &buf[..end];
        let mut pos = 0;
        let mut last_data: Option<(usize, usize)> = None;
        // The query of the line before, as its place in `data` and its ordinal (lines of one
        // query often come together).
        let mut last: Option<(usize, usize, u32)> = None;
        while pos < data.len() {
            let (line_end, next) = match find_newline(&data[pos..]) {
                Some(p) => (pos + p, pos + p + 1),
                None if at_end => (data.len(), data.len()),
                None => break,
            };
            let text = if first && index.bom {
                &data[pos + BOM.len()..line_end]
            } else {
                &data[pos..line_end]
            };
            first = false;
            let len = u8::try_from(line_end + 1 - pos).unwrap_or(LONG);
            let query = first_field(text);
            if query.is_empty() || query[0] == b'#' {
                index.line_query.push(u32::MAX);
                index.line_len.push(len);
                pos = next;
                continue;
            }
            let q = match last {
                Some((s, e, q)) if same_bytes(&data[s..e], query) => q,
                _ => {
                    let Some((q, new)) = table.ordinal(query) else {
                        return Ok(None);
                    };
                    if new {
                        index.query_bytes.push(0);
                        if index.first_queries.len() < 3 {
                            index
                                .first_queries
                                .push(String::from_utf8_lossy(query).into_owned());
                        }
                    }
                    let s = query.as_ptr() as usize - data.as_ptr() as usize;
                    last = Some((s, s + query.len(), q));
                    q
                }
            };
            index.query_bytes[q as usize] += (line_end + 1 - pos) as u64;
            index.line_query.push(q);
            index.line_len.push(len);
            last_data = Some((pos, line_end));
            pos = next;
        }
        if let Some((s, e)) = last_data {
            last_line.clear();
            last_line.extend_from_slice(&buf[s..e]);
        }
        if at_end {
            break;
        }
        buf.copy_within(pos..end, 0);
        kept = end - pos;
    }
    if index.bom
        && let Some(q) = index.line_query.first().copied()
        && q != u32::MAX
    {
        // The first line's length (and its query's bytes) counted the mark, which the
        // group reader drops before copying.
        index.query_bytes[q as usize] -= BOM.len() as u64;
    }
    let fields: Vec<&[u8]> = last_line
        .split(u8::is_ascii_whitespace)
        .filter(|f| !f.is_empty())
        .collect();
    if fields.len() >= 6 {
        index.name = Some(fields[5].to_vec());
    }
    Ok(Some(index))
}

/// One thread's share of a group's text: the lines of the group's queries with local
/// indices `lo..hi` (queries of the group in ordinal order), which own `text`, and where the
/// walk through the file stands.
struct Part<'t> {
    lo: u32,
    hi: u32,
    text: &'t mut [u8],
    /// Per local query `lo + k`: where its next line goes in `text`.
    next: Vec<usize>,
    /// The line being read: its number, its bytes left (`usize::MAX`: up to its newline)
    /// and the local query it is copied for.
    line: usize,
    left: usize,
    dest: Option<usize>,
}

impl Part<'_> {
    /// Walk `buf` (the next bytes of the file) line by line, copying the lines of this
    /// part's queries (of group `group`); `false` if the index does not fit the file.
    fn walk(&mut self, buf: &[u8], index: &LineIndex, group: u8, local: &[u32]) -> bool {
        let n = buf.len();
        let lines = index.line_len.len();
        let mut pos = 0;
        while pos < n {
            if self.left == 0 {
                // Skip the lines of other groups by their lengths (the common case).
                while self.line < lines && pos < n {
                    let len = index.line_len[self.line];
                    if index.line_group[self.line] == group || len == LONG || self.line == 0 {
                        break;
                    }
                    self.line += 1;
                    let end = pos + usize::from(len);
                    if end > n {
                        // The rest of this line is in the next buffer.
                        self.left = end - n;
                        self.dest = None;
                        return true;
                    }
                    pos = end;
                }
                if pos >= n {
                    return true;
                }
                let Some(&len) = index.line_len.get(self.line) else {
                    return true;
                };
                let q = index.line_query[self.line];
                self.dest = (q != u32::MAX)
                    .then(|| local[q as usize])
                    .filter(|l| (self.lo..self.hi).contains(l))
                    .map(|l| (l - self.lo) as usize);
                self.left = if len == LONG {
                    usize::MAX
                } else {
                    usize::from(len)
                        - if self.line == 0 && index.bom {
                            BOM.len()
                        } else {
                            0
                        }
                };
                self.line += 1;
            }
            let take = if self.left == usize::MAX {
                match find_newline(&buf[pos..]) {
                    Some(p) => {
                        self.left = p + 1;
                        p + 1
                    }
                    None => n - pos,
                }
            } else {
                (n - pos).min(self.left)
            };
            if let Some(l) = self.dest {
                let at = self.next[l];
                let Some(slot) = self.text.get_mut(at..at + take) else {
                    return false;
                };
                slot.copy_from_slice(&buf[pos..pos + take]);
                self.next[l] = at + take;
            }
            pos += take;
            if self.left != usize::MAX {
                self.left -= take;
            }
        }
        true
    }
}

/// Read the queries of group `group` of `index` ([`LineIndex::groups`]), from the start of
/// `source`, as a whole read would read them.
///
/// Their lines are first gathered into one buffer, each query's lines together (in file
/// order), at places computed from the index: the file is read through once and every other
/// line is skipped by its length, without being split or parsed. The queries are shared out
/// between the threads, each owning the part of the buffer its queries fill, so the copying
/// runs in parallel. The buffer then reads like a sorted run (few query changes, no
/// regrouping), in parallel blocks. `None` if the lines are not a valid run: reading the file
/// whole then reports the problem with its line number, as it always has.
pub(crate) fn read_run_queries(
    source: &mut Source,
    index: &LineIndex,
    group: usize,
    precision: ScorePrecision,
) -> Result<Option<Run>> {
    let Ok(group) = u8::try_from(group) else {
        return Ok(None);
    };
    if !source.rewind() {
        return Ok(None);
    }
    let name = source.name().to_owned();
    // The kept queries get local indices 0.., in ordinal order; `starts[l]` is where local
    // query `l`'s lines begin in the text.
    let mut local = vec![u32::MAX; index.num_queries()];
    let mut starts: Vec<usize> = Vec::new();
    let mut size = 0usize;
    for (q, _) in (index.group_of.iter().enumerate()).filter(|(_, g)| **g == u32::from(group)) {
        let (Ok(l), Ok(bytes)) = (
            u32::try_from(starts.len()),
            usize::try_from(index.query_bytes[q]),
        ) else {
            return Ok(None);
        };
        local[q] = l;
        starts.push(size);
        size += bytes;
    }
    // Unfilled bytes (a last line without a newline) stay newlines: blank lines, which the
    // parser skips.
    let mut text = vec![b'\n'; size];
    {
        // Cut the kept queries into parts of about equal bytes, one per thread.
        let threads = crate::parallel::num_threads().clamp(1, 16);
        let per_part = size.div_ceil(threads).max(1);
        let mut parts: Vec<Part<'_>> = Vec::with_capacity(threads);
        let mut rest: &mut [u8] = &mut text;
        let mut lo = 0usize;
        while lo < starts.len() {
            let mut hi = lo + 1;
            while hi < starts.len() && starts[hi] - starts[lo] < per_part {
                hi += 1;
            }
            let end = starts.get(hi).copied().unwrap_or(size);
            let (head, tail) = rest.split_at_mut(end - starts[lo]);
            rest = tail;
            parts.push(Part {
                lo: u32::try_from(lo).unwrap_or(u32::MAX),
                hi: u32::try_from(hi).unwrap_or(u32::MAX),
                next: starts[lo..hi].iter().map(|&s| s - starts[lo]).collect(),
                text: head,
                line: 0,
                left: 0,
                dest: None,
            });
            lo = hi;
        }
        let (mut reader, _) = source.reader()?;
        let watch = crate::interrupt::current();
        let mut buf = vec![0u8; READ_BYTES];
        let mut first = true;
        loop {
            watch.check()?;
            let n = fill(&mut *reader, &mut buf, &name)?;
            if n == 0 {
                break;
            }
            // A read of a regular file fills the buffer: a mark is in the first one.
            let skip = if first && index.bom {
                BOM.len().min(n)
            } else {
                0
            };
            first = false;
            let data = &buf[skip..n];
            let fits = parts
                .par_iter_mut()
                .map(|p| p.walk(data, index, group, &local))
                .all(|ok| ok);
            if !fits {
                return Ok(None);
            }
        }
    }
    let mut builder = RunBuilder::new();
    builder.set_score_precision(precision);
    builder.set_source(Some(name.clone()));
    let total = text.len() as u64;
    match parse_reader(
        text.as_slice(),
        &name,
        Some(total),
        Format::Run,
        &mut builder,
    ) {
        Ok(_) => {}
        Err(RankError::Interrupted) => return Err(RankError::Interrupted),
        Err(_) => return Ok(None),
    }
    drop(text);
    match builder.build() {
        Ok(run) => Ok(Some(run)),
        Err(RankError::Interrupted) => Err(RankError::Interrupted),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_are_found_at_every_offset() {
        for n in 0..40 {
            for at in 0..n {
                let mut v = vec![b'x'; n];
                v[at] = b'\n';
                assert_eq!(find_newline(&v), Some(at), "{n} {at}");
                if at + 1 < n {
                    v[n - 1] = b'\n';
                    assert_eq!(find_newline(&v), Some(at), "{n} {at} (two)");
                }
            }
            assert_eq!(find_newline(&vec![b'\x8a'; n]), None);
        }
        // Bytes just above and below the newline do not count.
        assert_eq!(find_newline(b"\x09\x0b\x8a\x0a"), Some(3));
    }

    #[test]
    fn query_table_gives_stable_ordinals_past_growth() {
        let mut t = QueryTable::new();
        for i in 0..5000 {
            assert_eq!(t.ordinal(format!("q{i}").as_bytes()), Some((i, true)));
        }
        for i in (0..5000).rev() {
            assert_eq!(t.ordinal(format!("q{i}").as_bytes()), Some((i, false)));
        }
    }

    #[test]
    fn groups_never_split_a_query() {
        let mut index = LineIndex {
            line_query: vec![],
            line_len: vec![],
            line_group: vec![],
            group_of: vec![],
            query_bytes: vec![10, 50, 5, 5, 30, 1],
            first_queries: vec![],
            name: None,
            bom: false,
        };
        // 101 bytes in shares of 34: a group closes at 34 bytes, or before passing 42.
        assert_eq!(index.groups(34), 4);
        assert_eq!(index.group_of, [0, 1, 2, 2, 2, 3]);
        assert_eq!(index.groups(1000), 1);
        assert_eq!(index.group_of, [0; 6]);
        assert_eq!(index.groups(1), 6);
        assert_eq!(index.group_of, [0, 1, 2, 3, 4, 5]);
    }

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rankwise-memory-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Read `text` a group at a time (groups of about `budget` bytes): every query once, equal
    /// to the whole read; `None` where a group is not a valid run.
    fn by_groups(name: &str, text: &str, budget: u64) -> Option<(usize, Run)> {
        let path = write(name, text);
        let whole = crate::trec::read_run(&path).ok();
        let mut source = Source::open(&path).unwrap();
        let mut index = index_run_lines(&mut source).unwrap().unwrap();
        let groups = index.groups(budget);
        let mut seen = std::collections::BTreeMap::new();
        for g in 0..groups {
            let run =
                read_run_queries(&mut source, &index, g, ScorePrecision::default()).unwrap()?;
            for (q, docs) in run.ranked_rows() {
                assert!(seen.insert(q, docs).is_none(), "a query in two groups");
            }
        }
        let whole = whole.expect("groups read a file the whole read refuses");
        assert_eq!(seen, whole.ranked_rows().into_iter().collect());
        assert_eq!(index.num_queries(), whole.num_queries());
        Some((groups, whole))
    }

    #[test]
    fn groups_read_exactly_what_the_whole_read_reads() {
        // One query spread over the whole file (first and last line), one line per query, a
        // line of over 255 bytes, comments, blank lines, CRLF, a mark, no final newline.
        let long = "x".repeat(300);
        let mut lines = vec![format!("\u{feff}wide Q0 w0 1 0.5 run\n")];
        for i in 0..60 {
            lines.push(format!("single{i} Q0 d{i} 1 {i}.25 run\n"));
            lines.push(format!("pair{} Q0 e{i} 1 {} run\r\n", i % 7, i % 3));
            if i % 11 == 0 {
                lines.push("# a comment\n\n   \n".into());
                lines.push(format!("wide Q0 w{} 1 0.5 run\n", i + 1));
            }
        }
        lines.push(format!("long Q0 {long} 1 2 run\n"));
        lines.push(format!("pair3 Q0 {long}y 1 7 run\n"));
        lines.push("wide Q0 wlast 1 0.25 run".into());
        let text: String = lines.concat();
        for budget in [1, 40, 500, 1 << 30] {
            let (groups, whole) = by_groups("edges", &text, budget).unwrap();
            assert_eq!(whole.num_queries(), 60 + 7 + 2);
            if budget == 1 {
                assert_eq!(groups, 69);
            }
        }
    }

    #[test]
    fn a_duplicate_or_a_bad_line_leaves_the_report_to_the_whole_read() {
        // (file, text, the group with the duplicate document or the bad score)
        let cases = [
            (
                "dup",
                "a Q0 d1 1 1 run\nb Q0 d1 1 1 run\na Q0 d1 2 0.5 run\n",
                0,
            ),
            ("bad", "a Q0 d1 1 1 run\nb Q0 d1 1 x run\n", 1),
        ];
        for (name, text, group) in cases {
            let path = write(name, text);
            let mut source = Source::open(&path).unwrap();
            let mut index = index_run_lines(&mut source).unwrap().unwrap();
            assert_eq!(index.groups(1), 2);
            assert!(
                read_run_queries(&mut source, &index, group, ScorePrecision::default())
                    .unwrap()
                    .is_none()
            );
        }
    }
}
