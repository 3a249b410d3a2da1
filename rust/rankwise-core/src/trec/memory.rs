//! Reading a run file whose queries are not on consecutive lines in one pass, with memory
//! well below the file's size: a radix partition by query, as a hash join partitions its
//! input.
//!
//! The file is read once, in blocks; each block is parsed on all threads, in pieces, and
//! every line becomes a compact binary record (about 16 bytes against 30 to 40 bytes of
//! text): its query, as a small number; its score, as the decimal digits it was written
//! with when it is a plain decimal (which gives back the parsed value exactly), else the 8
//! bytes of the value; its doc
//! id, length first. The rank and `Q0` columns, which evaluation ignores, are dropped. Each
//! query gets an ordinal in order of first appearance (one shared table, read by every
//! thread, whose slots hold short ids whole; queries new to a block are added between
//! blocks), and its records are appended to one of [`PARTITIONS`] partitions
//! (`ordinal % PARTITIONS`, each grown a chunk at a time): few write streams, each a cache
//! line's worth of tail, so the scattered writes stay in cache. After the last block,
//! the partitions are taken a few at a time (one per thread): counting-sorted by query
//! (stably, so each query's lines keep their file order), built into a [`Run`] as a sorted
//! file is, evaluated, and freed. Memory holds the records and one partition per thread;
//! time is one parse and one more sequential pass over the records. A pipe, which cannot be
//! read twice, is read this way from its first line whatever its order.

use rayon::prelude::*;

use super::index::{hash_bytes, same_bytes};
use super::parse::{
    BOM, Decimal, RunLine, Skipped, Source, fill, for_each_run_line, locate_run_duplicate,
    split_at_lines,
};
use super::run::{Run, RunBuilder};
use super::strings::StrTable;
use crate::error::{RankError, Result};
use crate::parallel;
use crate::ranking::ScorePrecision;

/// Bytes read from the file at a time.
const READ_BYTES: usize = 4 << 20;

/// Lines whose queries are looked up together ([`Piece::place`]).
const BATCH: usize = 32;

/// Number of partitions: enough that one partition (and its working copy) is small next to
/// the records of the whole file, few enough that each piece's write streams stay in cache.
pub(crate) const PARTITIONS: usize = 256;

/// Fewest bytes a record takes: query, score tag, mantissa and doc id length, a byte each,
/// and a doc id of one byte or more.
const MIN_RECORD: usize = 5;

/// A score stored as its 8 bytes (after this tag byte), not as decimal digits.
const RAW_SCORE: u8 = u8::MAX;

/// Append `v` as a LEB128 varint (7 bits a byte, low bits first).
#[inline]
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        #[allow(clippy::cast_possible_truncation)]
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    #[allow(clippy::cast_possible_truncation)]
    out.push(v as u8);
}

/// The varint at `buf[*pos]`, moving `pos` past it.
#[inline]
fn get_varint(buf: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = buf[*pos];
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// Append a score: the tag `2 * digits after the point + sign` and the mantissa when it is
/// a plain decimal (which gives back `value` to the bit), else [`RAW_SCORE`] and the value's
/// bits.
#[inline]
fn put_score(out: &mut Vec<u8>, decimal: Option<Decimal>, value: f64) {
    match decimal {
        Some(d) => {
            out.push(2 * d.frac + u8::from(d.negative));
            put_varint(out, d.mantissa);
        }
        None => {
            out.push(RAW_SCORE);
            out.extend_from_slice(&value.to_bits().to_le_bytes());
        }
    }
}

/// The score at `buf[*pos]` ([`put_score`]), moving `pos` past it.
#[inline]
fn get_score(buf: &[u8], pos: &mut usize) -> f64 {
    let tag = buf[*pos];
    *pos += 1;
    if tag == RAW_SCORE {
        let mut bits = [0u8; 8];
        bits.copy_from_slice(&buf[*pos..*pos + 8]);
        *pos += 8;
        return f64::from_bits(u64::from_le_bytes(bits));
    }
    Decimal {
        negative: tag & 1 == 1,
        mantissa: get_varint(buf, pos),
        frac: tag >> 1,
    }
    .value()
}

/// Append a record: the query's number within its partition, the score, the doc id.
#[inline]
fn put_record(out: &mut Vec<u8>, local: u64, line: &RunLine<'_>) {
    put_varint(out, local);
    put_rest(out, line);
}

/// The part of a record after the query: score and doc id.
#[inline]
fn put_rest(out: &mut Vec<u8>, line: &RunLine<'_>) {
    put_score(out, line.decimal, line.score);
    put_varint(out, line.doc.len() as u64);
    out.extend_from_slice(line.doc);
}

/// Skip the score and doc id of the record part at `buf[*pos]`.
#[inline]
fn skip_rest(buf: &[u8], pos: &mut usize) {
    let tag = buf[*pos];
    *pos += 1;
    if tag == RAW_SCORE {
        *pos += 8;
    } else {
        get_varint(buf, pos);
    }
    let len = get_varint(buf, pos);
    *pos += usize::try_from(len).unwrap_or(usize::MAX);
}

/// A query id as a slot of [`QueryTable`] holds it: an id of at most [`INLINE`] bytes is
/// held whole (its bytes, then zeros, its length in the last of 12 bytes), so that finding it reads one
/// slot and nothing else; a longer id is held as its hash, with `0xff` for length, and a
/// match is checked against the id itself.
#[derive(Clone, Copy, PartialEq, Eq)]
struct SlotKey {
    low: u64,
    high: u32,
}

/// Longest id a slot holds whole: 12 bytes less the length byte.
const INLINE: usize = 11;

/// `LONG << 24` in [`SlotKey::high`] marks the key of a longer id.
const LONG: u32 = 0xff;

impl SlotKey {
    #[inline]
    fn of(id: &[u8]) -> Self {
        let n = id.len();
        if n > INLINE {
            let h = hash_bytes(id);
            #[allow(clippy::cast_possible_truncation)]
            return SlotKey {
                low: h,
                high: (LONG << 24) | (h >> 40) as u32,
            };
        }
        // The bytes in little-endian order, read with at most two loads a word (overlapping
        // loads give the bytes they share twice, which `|` keeps as they are).
        let word = |b: &[u8]| u64::from_le_bytes(b[..8].try_into().unwrap_or_default());
        let half = |b: &[u8]| u64::from(u32::from_le_bytes(b[..4].try_into().unwrap_or_default()));
        let bytewise = |b: &[u8]| {
            b.iter()
                .enumerate()
                .fold(0u64, |w, (i, &x)| w | (u64::from(x) << (8 * i)))
        };
        let (low, rest) = if n >= 8 {
            (word(id), bytewise(&id[8..]))
        } else if n >= 4 {
            (half(id) | (half(&id[n - 4..]) << (8 * (n - 4))), 0)
        } else {
            (bytewise(id), 0)
        };
        #[allow(clippy::cast_possible_truncation)]
        SlotKey {
            low,
            high: rest as u32 | ((n as u32) << 24),
        }
    }

    /// Whether the key holds its id whole (else a match must be checked).
    #[inline]
    fn is_whole(self) -> bool {
        self.high >> 24 != LONG
    }

    /// Where probing starts: a mix of the key (for a long id, its hash already is one).
    #[inline]
    fn hash(self) -> u64 {
        if !self.is_whole() {
            return self.low;
        }
        // MurmurHash3's 64-bit finaliser over both words: ids that differ only in their
        // last bytes ("q12345", "q12346") still start apart.
        let mut h = self.low ^ u64::from(self.high).rotate_left(29);
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// One slot of [`QueryTable`]: a key ([`SlotKey`]'s two words, side by side so that the
/// slot has 16 bytes, four to a cache line) and its ordinal + 1 (0: empty).
#[derive(Clone, Copy)]
struct Slot {
    low: u64,
    high: u32,
    ordinal: u32,
}

impl Slot {
    #[inline]
    fn key(self) -> SlotKey {
        SlotKey {
            low: self.low,
            high: self.high,
        }
    }
}

const EMPTY: Slot = Slot {
    low: 0,
    high: 0,
    ordinal: 0,
};

/// Distinct query ids and their ordinals: open addressing (linear probing, grown at half
/// full) over keys that hold short ids whole, the ids in a [`StrTable`]. With queries in
/// no order, every line looks its query up, and ids, bounds and slots apart cost three cache
/// misses a line where one slot costs one.
struct QueryTable {
    ids: StrTable,
    slots: Vec<Slot>,
}

impl QueryTable {
    fn new() -> Self {
        QueryTable {
            ids: StrTable::default(),
            slots: vec![EMPTY; 1024],
        }
    }

    /// Number of ids.
    fn len(&self) -> usize {
        self.ids.len()
    }

    /// Forget every id, keeping the allocations.
    fn clear(&mut self) {
        self.ids.clear();
        self.slots.fill(EMPTY);
    }

    /// The slot where the probe for `key` starts, and what it holds.
    #[inline]
    fn start(&self, key: SlotKey) -> (usize, Slot) {
        #[allow(clippy::cast_possible_truncation)]
        let s = (key.hash() as usize) & (self.slots.len() - 1);
        (s, self.slots[s])
    }

    /// The slot that holds `id` (its ordinal + 1) or, if none does, the empty slot where it
    /// goes, and what it holds; from slot `start` ([`QueryTable::start`]).
    #[inline]
    fn probe_from(&self, id: &[u8], key: SlotKey, start: (usize, Slot)) -> (usize, Slot) {
        let mask = self.slots.len() - 1;
        let (mut s, mut slot) = start;
        loop {
            if slot.ordinal == 0
                || slot.key() == key
                    && (key.is_whole() || same_bytes(self.ids.get(slot.ordinal as usize - 1), id))
            {
                return (s, slot);
            }
            s = (s + 1) & mask;
            slot = self.slots[s];
        }
    }

    /// [`QueryTable::probe_from`] its start.
    #[inline]
    fn probe(&self, id: &[u8], key: SlotKey) -> usize {
        self.probe_from(id, key, self.start(key)).0
    }

    /// The ordinal of `id`, if it is in the table.
    #[inline]
    fn find(&self, id: &[u8]) -> Option<u32> {
        self.slots[self.probe(id, SlotKey::of(id))]
            .ordinal
            .checked_sub(1)
    }

    /// The ordinal of `id`, and whether it is new; `None` past `u32::MAX - 1` ids.
    #[inline]
    fn ordinal(&mut self, id: &[u8]) -> Option<(u32, bool)> {
        let key = SlotKey::of(id);
        let s = self.probe(id, key);
        if let Some(q) = self.slots[s].ordinal.checked_sub(1) {
            return Some((q, false));
        }
        let q = u32::try_from(self.ids.len())
            .ok()
            .filter(|&q| q < u32::MAX - 1)?;
        self.ids.push(id);
        self.slots[s] = Slot {
            low: key.low,
            high: key.high,
            ordinal: q + 1,
        };
        if 2 * self.ids.len() > self.slots.len() {
            self.grow();
        }
        Some((q, true))
    }

    fn grow(&mut self) {
        let mut slots = vec![EMPTY; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for slot in self.slots.iter().filter(|s| s.ordinal != 0) {
            #[allow(clippy::cast_possible_truncation)]
            let mut s = (slot.key().hash() as usize) & mask;
            while slots[s].ordinal != 0 {
                s = (s + 1) & mask;
            }
            slots[s] = *slot;
        }
        self.slots = slots;
    }
}

/// Where a line's record goes: a query already in the shared table (its ordinal), or one new
/// to it (its number in the piece's `fresh` table).
#[derive(Clone, Copy)]
enum Key {
    Known(u32),
    Fresh(u32),
}

/// One thread's share of a block: its lines as records, per partition.
struct Piece {
    /// Records of queries already in the shared table, per partition.
    parts: Vec<Vec<u8>>,
    /// Records of queries new to the table, numbered in `fresh` (in order of first
    /// appearance in the piece), placed between blocks.
    pending: Vec<u8>,
    fresh: QueryTable,
    /// Newlines in the piece's text.
    newlines: u64,
    /// Comment lines skipped, and the first one's line (in the piece) and text.
    comments: u64,
    first_comment: Option<(u64, Vec<u8>)>,
    /// The run name of the piece's last line, if it has one.
    name: Option<Vec<u8>>,
    /// The first malformed line (numbered from the piece's start).
    error: Option<RankError>,
    /// Whether the piece met more new queries than ordinals can number.
    too_many: bool,
}

impl Piece {
    fn new() -> Self {
        Piece {
            parts: vec![Vec::new(); PARTITIONS],
            pending: Vec::new(),
            fresh: QueryTable::new(),
            newlines: 0,
            comments: 0,
            first_comment: None,
            name: None,
            error: None,
            too_many: false,
        }
    }

    fn clear(&mut self) {
        for part in &mut self.parts {
            part.clear();
        }
        self.pending.clear();
        self.fresh.clear();
        self.newlines = 0;
        self.comments = 0;
        self.first_comment = None;
        self.name = None;
        self.error = None;
        self.too_many = false;
    }

    /// Parse `data` (whole lines of file `file`) into records.
    fn parse(&mut self, data: &[u8], file: &str, table: &QueryTable) {
        self.clear();
        let mut batch: Vec<RunLine<'_>> = Vec::with_capacity(BATCH);
        // The query of the line before (lines of one query often come together).
        let mut last: Option<(&[u8], Key)> = None;
        let mut last_name: &[u8] = &[];
        let parsed = for_each_run_line(data, file, |line| {
            last_name = line.name;
            batch.push(line);
            if batch.len() == BATCH {
                self.place(&batch, table, &mut last);
                batch.clear();
            }
        });
        self.place(&batch, table, &mut last);
        match parsed {
            Ok(counted) => {
                self.newlines = counted.newlines;
                self.comments = counted.comments;
                self.first_comment = counted
                    .first_comment
                    .map(|(line, text)| (line, text.to_vec()));
            }
            Err(e) => self.error = Some(e),
        }
        if !last_name.is_empty() {
            self.name = Some(last_name.to_vec());
        }
    }

    /// Turn a batch of lines into records. Their queries are all looked up first, and the
    /// records written after; and the first slot of every lookup is read before any lookup
    /// looks at what it read: loads that no branch waits on overlap their cache misses (a
    /// slot each, in a table larger than the cache when queries are many), where a lookup
    /// between two records' writes, or a probe that stops on what it read, waits alone.
    fn place<'a>(
        &mut self,
        batch: &[RunLine<'a>],
        table: &QueryTable,
        last: &mut Option<(&'a [u8], Key)>,
    ) {
        // `None`: the query of the line before.
        let mut starts = [None; BATCH];
        let mut before = last.map(|(q, _)| q);
        for (start, line) in starts.iter_mut().zip(batch) {
            if !before.is_some_and(|q| same_bytes(q, line.query)) {
                let key = SlotKey::of(line.query);
                *start = Some((key, table.start(key)));
            }
            before = Some(line.query);
        }
        for (line, start) in batch.iter().zip(starts) {
            let found = start.map(|(key, start)| {
                let (_, slot) = table.probe_from(line.query, key, start);
                slot.ordinal.checked_sub(1)
            });
            let key = match found {
                None => match last {
                    Some((_, key)) => *key,
                    None => return,
                },
                Some(Some(q)) => Key::Known(q),
                Some(None) => {
                    let Some((k, _)) = self.fresh.ordinal(line.query) else {
                        self.too_many = true;
                        return;
                    };
                    Key::Fresh(k)
                }
            };
            *last = Some((line.query, key));
            match key {
                Key::Known(q) => {
                    let q = q as usize;
                    put_record(
                        &mut self.parts[q % PARTITIONS],
                        (q / PARTITIONS) as u64,
                        line,
                    );
                }
                Key::Fresh(k) => put_record(&mut self.pending, u64::from(k), line),
            }
        }
    }

    /// Move the records of `pending` into their partitions, the queries of `fresh` having
    /// got the ordinals `ordinals`.
    fn place_pending(&mut self, ordinals: &[u32]) {
        let mut pos = 0;
        let buf = &self.pending;
        while pos < buf.len() {
            let k = get_varint(buf, &mut pos);
            let start = pos;
            skip_rest(buf, &mut pos);
            let q = ordinals[usize::try_from(k).unwrap_or(0)] as usize;
            let part = &mut self.parts[q % PARTITIONS];
            put_varint(part, (q / PARTITIONS) as u64);
            part.extend_from_slice(&buf[start..pos]);
        }
    }
}

/// Bytes of a partition's chunks after the first (whose size is a guess from the file's).
const CHUNK_BYTES: usize = 1 << 20;

/// One partition's records, in chunks that each hold whole records. A partition grows by
/// a chunk, never by moving its records to a block twice the size: the old block, freed,
/// would stay with the allocator, and a pipe (no size to reserve for) would hold about
/// twice its records.
struct Partition {
    chunks: Vec<Vec<u8>>,
}

impl Partition {
    /// With a first chunk of `bytes`, if any.
    fn new(bytes: usize) -> Self {
        Partition {
            chunks: if bytes > 0 {
                vec![Vec::with_capacity(bytes)]
            } else {
                Vec::new()
            },
        }
    }

    /// Append `records` (whole records), in the last chunk if they fit.
    fn append(&mut self, records: &[u8]) {
        if records.is_empty() {
            return;
        }
        match self.chunks.last_mut() {
            Some(chunk) if chunk.capacity() - chunk.len() >= records.len() => {
                chunk.extend_from_slice(records);
            }
            _ => {
                let mut chunk = Vec::with_capacity(records.len().max(CHUNK_BYTES));
                chunk.extend_from_slice(records);
                self.chunks.push(chunk);
            }
        }
    }
}

/// What a partitioned read found out: the run name (that of the last line with data), the
/// number of queries and the first three query ids, in file order (for messages).
pub(crate) struct PartitionedRead {
    pub(crate) name: Option<String>,
    pub(crate) num_queries: usize,
    pub(crate) first_queries: Vec<String>,
}

/// Read a run file in one pass whatever the order of its lines (see the module's notes),
/// from its start (a regular file is rewound; a pipe is read from where it stands), and hand
/// its queries over as [`Run`]s, a partition of queries at a time: `map` runs on the
/// rankwise pool, in parallel, and `reduce` takes the results one at a time. Every query
/// reaches `map` once, whole, with the values, ranking and errors of [`read_run`]: a
/// malformed line is reported with its line number; a document twice in a query is reported
/// for the query a whole read names (the first in file order), with its line where the file
/// can be read again. `None` only with more than `u32::MAX - 1` queries.
///
/// [`read_run`]: super::read_run
pub(crate) fn read_run_partitioned<T: Send>(
    source: &mut Source,
    precision: ScorePrecision,
    map: impl Fn(Run) -> Result<T> + Sync,
    reduce: impl FnMut(T) -> Result<()>,
) -> Result<Option<PartitionedRead>> {
    read_in_blocks(source, precision, READ_BYTES, map, reduce)
}

/// [`read_run_partitioned`] reading `block` bytes at a time (tests use tiny blocks).
fn read_in_blocks<T: Send>(
    source: &mut Source,
    precision: ScorePrecision,
    block: usize,
    map: impl Fn(Run) -> Result<T> + Sync,
    mut reduce: impl FnMut(T) -> Result<()>,
) -> Result<Option<PartitionedRead>> {
    if source.is_regular() && !source.rewind() {
        return Ok(None);
    }
    let file = source.name().to_owned();
    let mut table = QueryTable::new();
    // Records take about half the text: reserve that much address space (pages are only
    // touched as records fill them).
    let guess = source.size().map_or(0, |s| {
        usize::try_from(s / 2 / PARTITIONS as u64).unwrap_or(0)
    });
    let mut partitions: Vec<Partition> = (0..PARTITIONS).map(|_| Partition::new(guess)).collect();
    let mut name: Option<Vec<u8>> = None;
    let mut first_queries: Vec<String> = Vec::new();
    {
        let (mut reader, _) = source.reader()?;
        let watch = crate::interrupt::current();
        let threads = parallel::num_threads().max(1);
        let mut pieces: Vec<Piece> = Vec::new();
        // At least a mark's length, so that the first read holds a mark whole.
        let mut buf = vec![0u8; block.max(BOM.len())];
        // Bytes at the front of `buf` carried over from the last read (a line not yet ended).
        let mut kept = 0usize;
        let mut first = true;
        let mut lines_before = 0u64;
        let mut ordinals: Vec<u32> = Vec::new();
        let mut skipped = Skipped::default();
        loop {
            watch.check()?;
            if kept == buf.len() {
                // A line longer than the buffer: make room.
                buf.resize(buf.len() * 2, 0);
            }
            let n = fill(&mut *reader, &mut buf[kept..], &file)?;
            let mut end = kept + n;
            let at_end = end < buf.len();
            if first {
                // The first read fills the buffer or holds the whole input: a mark at the
                // start is in it whole.
                first = false;
                if buf[..end].starts_with(BOM) {
                    buf.copy_within(BOM.len()..end, 0);
                    end -= BOM.len();
                }
            }
            let cut = if at_end {
                end
            } else {
                match buf[..end].iter().rposition(|&b| b == b'\n') {
                    Some(i) => i + 1,
                    None => {
                        kept = end;
                        continue;
                    }
                }
            };
            let data = &buf[..cut];
            let bounds = split_at_lines(data, 4 * threads);
            let count = bounds.len() - 1;
            while pieces.len() < count {
                pieces.push(Piece::new());
            }
            let shared = &table;
            parallel::install(|| {
                pieces[..count]
                    .par_iter_mut()
                    .zip(bounds.par_windows(2))
                    .for_each(|(piece, w)| piece.parse(&data[w[0]..w[1]], &file, shared));
            });
            // New queries get their ordinals in file order: pieces in order, each piece's
            // in order of first appearance.
            for piece in &mut pieces[..count] {
                if let Some(mut e) = piece.error.take() {
                    // `lines_before` counts the pieces before this one.
                    if let RankError::Parse { line, .. } = &mut e {
                        *line += lines_before;
                    }
                    return Err(e);
                }
                if piece.too_many {
                    return Ok(None);
                }
                ordinals.clear();
                for k in 0..piece.fresh.len() {
                    let id = piece.fresh.ids.get(k);
                    let Some((q, new)) = table.ordinal(id) else {
                        return Ok(None);
                    };
                    if new && first_queries.len() < 3 {
                        first_queries.push(String::from_utf8_lossy(id).into_owned());
                    }
                    ordinals.push(q);
                }
                if !ordinals.is_empty() {
                    piece.place_pending(&ordinals);
                }
                if piece.name.is_some() {
                    name.clone_from(&piece.name);
                }
                skipped.lines += piece.comments;
                if skipped.first.is_none()
                    && let Some((line, text)) = piece.first_comment.take()
                {
                    skipped.first = Some((lines_before + line, text));
                }
                lines_before += piece.newlines;
            }
            let pieces = &pieces[..count];
            parallel::install(|| {
                partitions.par_iter_mut().enumerate().for_each(|(p, part)| {
                    for piece in pieces {
                        part.append(&piece.parts[p]);
                    }
                });
            });
            if at_end {
                // Read to its end: `#` lines need not be looked for again (`trec::comments`).
                source.read_without_comments(skipped);
                break;
            }
            buf.copy_within(cut..end, 0);
            kept = end - cut;
        }
    }
    let table = &table;
    let file = file.as_str();
    let results: Vec<Result<T>> = parallel::install(|| {
        partitions
            .into_par_iter()
            .enumerate()
            .filter(|(_, part)| part.chunks.iter().any(|c| !c.is_empty()))
            .map(|(p, part)| {
                let run = build_partition(&part.chunks, p, table, precision, file)?;
                drop(part);
                map(run)
            })
            .collect()
    });
    // The error a whole read reports: a duplicate in the query that comes first in the
    // file (a partition reports its first), else any other.
    let mut first_error: Option<(u32, RankError)> = None;
    let mut values = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(v) => values.push(v),
            Err(e) => {
                let rank = match &e {
                    RankError::DuplicateDocument { query, .. } => {
                        table.find(query.as_bytes()).unwrap_or(u32::MAX)
                    }
                    _ => 0,
                };
                if first_error.as_ref().is_none_or(|(r, _)| rank < *r) {
                    first_error = Some((rank, e));
                }
            }
        }
    }
    if let Some((_, e)) = first_error {
        return Err(match e {
            RankError::DuplicateDocument { .. } => locate_run_duplicate(source, e),
            other => other,
        });
    }
    for v in values {
        reduce(v)?;
    }
    Ok(Some(PartitionedRead {
        name: name.map(|n| String::from_utf8_lossy(&n).into_owned()),
        num_queries: table.len(),
        first_queries,
    }))
}

/// Build the run of partition `p` from its records: counting-sorted by query (stably), the
/// queries in ordinal order, as a sorted file is read. The records are decoded once, in file
/// order, and their lines counted per query on the way; the sort then moves line numbers
/// (4 bytes each), not lines.
fn build_partition(
    chunks: &[Vec<u8>],
    p: usize,
    table: &QueryTable,
    precision: ScorePrecision,
    file: &str,
) -> Result<Run> {
    let nq = table.len();
    let locals = if p < nq {
        (nq - p - 1) / PARTITIONS + 1
    } else {
        0
    };
    // Each line's query, score and doc id (in its record), in file order; lines per query.
    let mut starts = vec![0usize; locals + 1];
    // At most a line per `MIN_RECORD` bytes: room for them all at once, as vectors that grew
    // by doubling would leave their old blocks with the allocator (and pages are only touched
    // as lines fill them).
    let most = chunks.iter().map(Vec::len).sum::<usize>() / MIN_RECORD;
    let mut queries: Vec<u32> = Vec::with_capacity(most);
    let mut scores: Vec<f64> = Vec::with_capacity(most);
    let mut docs: Vec<&[u8]> = Vec::with_capacity(most);
    let mut doc_bytes = 0usize;
    for records in chunks {
        let mut pos = 0;
        while pos < records.len() {
            let l = usize::try_from(get_varint(records, &mut pos)).unwrap_or(usize::MAX);
            let score = get_score(records, &mut pos);
            let len = usize::try_from(get_varint(records, &mut pos)).unwrap_or(usize::MAX);
            starts[l + 1] += 1;
            #[allow(clippy::cast_possible_truncation)]
            queries.push(l as u32);
            scores.push(score);
            docs.push(&records[pos..pos + len]);
            doc_bytes += len;
            pos += len;
        }
    }
    let lines = docs.len();
    // Line numbers are `u32`: a partition of more lines would take a file of terabytes.
    if u32::try_from(lines).is_err() {
        return Err(RankError::InvalidValue {
            argument: "run".into(),
            expected: format!(
                "at most {} lines in one of {PARTITIONS} partitions by query",
                u32::MAX
            ),
            got: format!("{lines} in {file}"),
        });
    }
    for l in 0..locals {
        starts[l + 1] += starts[l];
    }
    // Line numbers in query order, each query's in file order.
    let mut order = vec![0u32; lines];
    let mut next = starts.clone();
    for (i, &l) in queries.iter().enumerate() {
        let at = &mut next[l as usize];
        #[allow(clippy::cast_possible_truncation)]
        {
            order[*at] = i as u32;
        }
        *at += 1;
    }
    drop(queries);
    let mut builder = RunBuilder::new();
    builder.set_score_precision(precision);
    builder.set_source(Some(file.to_owned()));
    // A partition's run is small and dropped once evaluated: keep its index.
    builder.keep_index(true);
    builder.reserve_bytes(lines, doc_bytes);
    for l in 0..locals {
        builder.begin_query_bytes(table.ids.get(l * PARTITIONS + p));
        for &i in &order[starts[l]..starts[l + 1]] {
            builder.push_doc_bytes(docs[i as usize], scores[i as usize]);
        }
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn query_table_tells_ids_of_every_length_apart() {
        // Ids of 0 to 24 bytes (held whole up to 11 bytes, by hash beyond), alike but for one
        // byte, a zero byte or their length: each gets its own ordinal, found again.
        let mut ids: Vec<Vec<u8>> = Vec::new();
        for n in 0..=24usize {
            let base: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            ids.push(base.clone());
            for i in 0..n {
                let mut other = base.clone();
                other[i] = b'Z';
                ids.push(other);
                let mut zero = base.clone();
                zero[i] = 0;
                ids.push(zero);
            }
        }
        ids.sort();
        ids.dedup();
        let mut t = QueryTable::new();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(t.ordinal(id), Some((i as u32, true)), "{id:?}");
        }
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(t.find(id), Some(i as u32), "{id:?}");
            assert_eq!(t.ordinal(id), Some((i as u32, false)), "{id:?}");
        }
        assert_eq!(t.find(b"not there at all"), None);
        assert_eq!(t.find(b"nope"), None);
        t.clear();
        assert_eq!(t.find(&ids[1]), None);
        assert_eq!(t.len(), 0);
    }

    fn write(name: &str, text: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rankwise-memory-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    type Rows = std::collections::BTreeMap<String, Vec<(Vec<u8>, u64)>>;

    fn rows(run: &Run) -> super::super::run::RankedRows {
        run.ranked_rows()
    }

    /// Read `text` partitioned, in blocks of `block` bytes: the queries, name, count and
    /// first ids; or the error.
    fn partitioned(name: &str, text: &[u8], block: usize) -> Result<(Rows, PartitionedRead)> {
        let path = write(name, text);
        let mut source = Source::open(&path).unwrap();
        let mut seen = Rows::new();
        let read = read_in_blocks(
            &mut source,
            ScorePrecision::default(),
            block,
            |run| Ok(rows(&run)),
            |rows| {
                for (q, docs) in rows {
                    assert!(seen.insert(q, docs).is_none(), "a query handed over twice");
                }
                Ok(())
            },
        )?
        .unwrap();
        Ok((seen, read))
    }

    /// The partitioned read of `text` equals the whole read, at every block size given, in
    /// values, ranking, name, count and first ids; or in its error.
    fn same_as_whole(name: &str, text: &[u8], blocks: &[usize]) {
        let path = write(name, text);
        let whole = crate::trec::read_run(&path);
        for &block in blocks {
            let got = partitioned(name, text, block);
            match (&whole, got) {
                (Ok(run), Ok((seen, read))) => {
                    let expected: Rows = rows(run).into_iter().collect();
                    for (q, docs) in &expected {
                        assert_eq!(seen.get(q), Some(docs), "{block}: query {q}");
                    }
                    assert_eq!(seen.len(), expected.len(), "{block}");
                    assert_eq!(read.name.as_deref(), run.name(), "{block}");
                    assert_eq!(read.num_queries, run.num_queries(), "{block}");
                    let first: Vec<String> = (0..run.num_queries().min(3))
                        .map(|q| run.query_id(q).into_owned())
                        .collect();
                    assert_eq!(read.first_queries, first, "{block}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{block}"),
                (a, b) => panic!(
                    "{block}: whole {:?}, partitioned {:?}",
                    a.is_ok(),
                    b.is_ok()
                ),
            }
        }
    }

    #[test]
    fn partitions_read_exactly_what_the_whole_read_reads() {
        // One query spread over the whole file (first and last line), one line per query, a
        // line of over 255 bytes, comments, blank lines, CRLF, a mark, no final newline,
        // scores of every form.
        let long = "x".repeat(300);
        let mut lines = vec!["\u{feff}wide Q0 w0 1 0.5 run\n".to_owned()];
        let scores = [
            "1e3",
            "-0",
            "0.1",
            "+7",
            "inf",
            "-inf",
            "12345678901234567890",
            "3.",
            ".5",
            "-2.25",
        ];
        for i in 0..600 {
            lines.push(format!("single{i} Q0 d{i} 1 {i}.25 run\n"));
            lines.push(format!(
                "pair{} Q0 e{i} 1 {} run{}\r\n",
                i % 7,
                scores[i % scores.len()],
                i % 3
            ));
            if i % 11 == 0 {
                lines.push("# a comment\n\n   \n".into());
                lines.push(format!("wide Q0 w{} 1 0.5 run\n", i + 1));
            }
        }
        lines.push(format!("long Q0 {long} 1 2 run\n"));
        lines.push(format!("pair3 Q0 {long}y 1 7 run\n"));
        lines.push("wide Q0 wlast 1 0.25 last".into());
        let text: String = lines.concat();
        same_as_whole("edges", text.as_bytes(), &[1, 7, 64, 1000, 1 << 20]);
        // One query; one line.
        same_as_whole("one", b"q Q0 a 1 1 r\nq Q0 b 2 2 r\n", &[1, 5, 100]);
        same_as_whole("line", b"q Q0 a 1 1 r", &[1, 100]);
    }

    #[test]
    fn errors_are_those_of_the_whole_read() {
        let cases: [(&str, &[u8]); 5] = [
            (
                "dup",
                b"a Q0 d1 1 1 run\nb Q0 d1 1 1 run\nb Q0 d1 1 1 run\na Q0 d1 2 0.5 run\n",
            ),
            ("bad", b"a Q0 d1 1 1 run\n\nb Q0 d1 1 x run\nc Q0 d 1 1\n"),
            ("short", b"a Q0 d1 1 1 run\r\n# c\nb Q0 d1 1\n"),
            ("utf8", b"a Q0 d1 1 1 run\nb Q0 d\xff 1 1 run\n"),
            ("nan", b"a Q0 d1 1 1 run\nb Q0 d 1 NaN run\n"),
        ];
        for (name, text) in cases {
            same_as_whole(name, text, &[1, 9, 1000]);
        }
    }

    proptest::proptest! {
        #[test]
        fn scores_come_back_to_the_bit(text in "[-+]?[0-9]{0,21}(\\.[0-9]{0,21})?([eE][-+]?[0-9]{1,3})?|inf|-inf") {
            let Ok(value) = text.parse::<f64>() else { return Ok(()); };
            let mut out = Vec::new();
            put_score(&mut out, Decimal::parse(text.as_bytes()), value);
            let mut pos = 0;
            proptest::prop_assert_eq!(get_score(&out, &mut pos).to_bits(), value.to_bits());
            proptest::prop_assert_eq!(pos, out.len());
        }

        #[test]
        fn varints_come_back(v in proptest::num::u64::ANY) {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            let mut pos = 0;
            proptest::prop_assert_eq!(get_varint(&out, &mut pos), v);
            proptest::prop_assert_eq!(pos, out.len());
        }
    }
}
