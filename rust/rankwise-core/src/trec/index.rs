//! Per-query hash indexes of doc ids: O(1) judgement lookups and duplicate detection without
//! sorting anything, in tables small enough to stay in cache (one per query).

use rayon::prelude::*;

use super::collection::chunks_by_offsets_mut;
use super::strings::StrTable;

/// A fast, non-cryptographic hash of an id (FxHash-style over 8-byte words). Ids are trusted
/// input (the user's own data), so speed matters more than resistance to crafted collisions;
/// a collision only costs a comparison.
///
/// The tail (the last `len % 8` bytes) is read with at most two loads: the last 8 bytes
/// (overlapping the words before) when the id has 8 bytes or more, else two overlapping 4-byte
/// (or 1-byte) loads, as wyhash reads short keys. With the length mixed in first, ids of one
/// length that differ anywhere still hash differently in the words read.
#[inline]
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let n = bytes.len();
    let mut h = (n as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ load_u64(c)).wrapping_mul(K);
    }
    if !chunks.remainder().is_empty() {
        let tail = if n >= 8 {
            load_u64(&bytes[n - 8..])
        } else if n >= 4 {
            u64::from(load_u32(bytes)) | (u64::from(load_u32(&bytes[n - 4..])) << 32)
        } else {
            u64::from(bytes[0]) | (u64::from(bytes[n / 2]) << 8) | (u64::from(bytes[n - 1]) << 16)
        };
        h = (h.rotate_left(5) ^ tail).wrapping_mul(K);
    }
    // MurmurHash3's finaliser: every output bit depends on every input bit, so the low bits
    // that pick a slot differ even when ids differ only in their last bytes ("d123_45").
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The first 8 bytes of `bytes` (at least 8 long) as a little-endian integer: one load.
#[inline]
fn load_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// The first 4 bytes of `bytes` (at least 4 long) as a little-endian integer: one load.
#[inline]
fn load_u32(bytes: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_le_bytes(word)
}

/// A `Hasher` for ids: [`hash_bytes`] of the bytes (the length
/// prefix that `Hash for [u8]` writes first is already part of that hash).
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = super::index::hash_bytes(bytes);
    }
    fn write_usize(&mut self, _: usize) {}
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Ids to their indices, hashed with [`hash_bytes`] (SipHash, the standard library's default,
/// costs several times more on short ids, and ids are trusted input: see [`hash_bytes`]).
pub(crate) type IdMap =
    std::collections::HashMap<Box<[u8]>, u32, std::hash::BuildHasherDefault<IdHasher>>;

/// Byte equality of two short ids without a `memcmp` call.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// One open-addressing table per query (linear probing, load factor <= 1/2), mapping doc ids
/// to the query's local indices. Slots hold `local index + 1`; 0 is empty.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocIndex {
    slots: Vec<u32>,
    /// Query `q` owns `slots[slot_offsets[q]..slot_offsets[q + 1]]`.
    slot_offsets: Vec<usize>,
}

/// Two entries of a query with the same doc id: (query, first local index, second).
pub(crate) type Duplicate = (usize, usize, usize);

fn capacity(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (2 * n).next_power_of_two()
    }
}

impl DocIndex {
    /// Index the docs of every group `offsets[q]..offsets[q + 1]` of `docs`, in parallel.
    /// Returns the first duplicate (smallest query) instead if a group holds a doc twice.
    pub(crate) fn build(offsets: &[usize], docs: &StrTable) -> Result<DocIndex, Duplicate> {
        let nq = offsets.len().saturating_sub(1);
        let mut slot_offsets = Vec::with_capacity(nq + 1);
        slot_offsets.push(0);
        for w in offsets.windows(2) {
            let last = slot_offsets.last().copied().unwrap_or(0);
            slot_offsets.push(last + capacity(w[1] - w[0]));
        }
        let mut slots = vec![0u32; slot_offsets.last().copied().unwrap_or(0)];
        let duplicate = chunks_by_offsets_mut(&mut slots, &slot_offsets)
            .into_par_iter()
            .enumerate()
            .filter_map(|(q, table)| {
                let start = offsets[q];
                let mask = table.len().wrapping_sub(1);
                for local in 0..offsets[q + 1] - start {
                    let doc = docs.get(start + local);
                    #[allow(clippy::cast_possible_truncation)]
                    let mut s = (hash_bytes(doc) as usize) & mask;
                    loop {
                        let slot = table[s];
                        if slot == 0 {
                            table[s] = u32::try_from(local + 1).unwrap_or(u32::MAX);
                            break;
                        }
                        let other = slot as usize - 1;
                        if same_bytes(docs.get(start + other), doc) {
                            return Some((q, other, local));
                        }
                        s = (s + 1) & mask;
                    }
                }
                None
            })
            .min_by_key(|d| d.0);
        match duplicate {
            Some(d) => Err(d),
            None => Ok(DocIndex {
                slots,
                slot_offsets,
            }),
        }
    }

    /// Local index of `doc` in query `q` (whose docs start at flat index `start`), if any.
    #[inline]
    pub(crate) fn find(
        &self,
        q: usize,
        start: usize,
        docs: &StrTable,
        doc: &[u8],
    ) -> Option<usize> {
        probe(self.table(q), doc, |local| docs.get(start + local))
    }

    /// Query `q`'s table (for many [`probe`]s in a row).
    #[inline]
    pub(crate) fn table(&self, q: usize) -> &[u32] {
        &self.slots[self.slot_offsets[q]..self.slot_offsets[q + 1]]
    }

    /// Heap size in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * 4 + self.slot_offsets.capacity() * 8
    }
}

/// The local index of `doc` in a query's table, if there; `doc_at(local)` is the id of the
/// query's local entry.
#[inline]
pub(crate) fn probe<'a>(
    table: &[u32],
    doc: &[u8],
    doc_at: impl Fn(usize) -> &'a [u8],
) -> Option<usize> {
    if table.is_empty() {
        return None;
    }
    let mask = table.len() - 1;
    #[allow(clippy::cast_possible_truncation)]
    let mut s = (hash_bytes(doc) as usize) & mask;
    loop {
        let slot = table[s];
        if slot == 0 {
            return None;
        }
        let local = slot as usize - 1;
        if same_bytes(doc_at(local), doc) {
            return Some(local);
        }
        s = (s + 1) & mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_doc_and_rejects_strangers() {
        let mut docs = StrTable::default();
        let names: Vec<String> = (0..50).map(|i| format!("doc-{i}")).collect();
        for n in &names {
            docs.push(n.as_bytes());
        }
        docs.push(b"x");
        let offsets = [0, 50, 50, 51];
        let index = DocIndex::build(&offsets, &docs).unwrap();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.find(0, 0, &docs, n.as_bytes()), Some(i));
        }
        assert_eq!(index.find(0, 0, &docs, b"doc-50"), None);
        assert_eq!(index.find(1, 50, &docs, b"x"), None);
        assert_eq!(index.find(2, 50, &docs, b"x"), Some(0));
    }

    #[test]
    fn reports_the_first_duplicate() {
        let mut docs = StrTable::default();
        for d in ["a", "b", "c", "b", "z", "z"] {
            docs.push(d.as_bytes());
        }
        assert_eq!(DocIndex::build(&[0, 4, 6], &docs).unwrap_err(), (0, 1, 3));
    }

    #[test]
    fn ids_sharing_a_long_prefix_spread_over_the_slots() {
        // Low bits pick the slot: ids that differ only at the end must not pile up.
        let slots: std::collections::HashSet<u64> = (0..100)
            .map(|j| hash_bytes(format!("d123_{j}").as_bytes()) & 255)
            .collect();
        assert!(slots.len() > 60, "{}", slots.len());
    }

    #[test]
    fn hashes_differ_for_prefixes_and_lengths() {
        assert_ne!(hash_bytes(b"ab"), hash_bytes(b"ab\0"));
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
        assert_ne!(hash_bytes(b"abcdefgh1"), hash_bytes(b"abcdefgh2"));
        // Every length of the tail reads, once, each of its bytes.
        for n in 1..24 {
            let base: Vec<u8> = (0..n).map(|i| b'a' + i as u8).collect();
            for i in 0..n {
                let mut other = base.clone();
                other[i] ^= 1;
                assert_ne!(
                    hash_bytes(&base),
                    hash_bytes(&other),
                    "length {n}, byte {i}"
                );
            }
        }
    }
}
