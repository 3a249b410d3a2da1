//! Document ids, interned once per process.
//!
//! Every `Qrels` and `Run` stores its document ids as `u32` handles into one process-wide
//! table, so matching a run against qrels (or, later, fusing runs) is a join on integers: no
//! string is hashed or compared at evaluation time. Strings are compared only to break score
//! ties (trec_eval orders tied documents by id, byte-wise), and read back when results or
//! errors name a document.
//!
//! A collection first interns its ids into a private [`LocalIds`] table while it is filled
//! (no lock, and no Python code can run under a lock), then merges its distinct ids into the
//! global table in one short critical section. The global table only grows: it holds each
//! distinct document id once, which for a corpus is bounded by the corpus size.

use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use hashbrown::HashTable;

use super::strings::StrTable;

/// A fast, non-cryptographic hash of an id (FxHash-style over 8-byte words). Ids are trusted
/// input (the user's own data), so speed matters more than resistance to crafted collisions;
/// a collision only costs a comparison.
#[inline]
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ load_le(c)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = (h.rotate_left(5) ^ load_le(rest)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// Up to 8 bytes as a little-endian integer, zero-padded (a loop, not a `memcpy` call: ids are
/// short and this runs once per id).
#[inline]
fn load_le(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .enumerate()
        .fold(0u64, |acc, (i, &b)| acc | (u64::from(b) << (8 * i)))
}

/// Byte equality of two short ids without a `memcmp` call.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// A string table with a hash index: `intern` returns a dense `u32` per distinct string.
#[derive(Debug, Default)]
pub struct Interner {
    table: HashTable<u32>,
    strings: StrTable,
    hashes: Vec<u64>,
}

impl Interner {
    /// The handle of `s`, adding it if new.
    #[inline]
    pub fn intern(&mut self, s: &[u8]) -> u32 {
        self.intern_hashed(hash_bytes(s), s)
    }

    fn intern_hashed(&mut self, hash: u64, s: &[u8]) -> u32 {
        let Interner {
            table,
            strings,
            hashes,
        } = self;
        if let Some(&id) = table.find(hash, |&id| same_bytes(strings.get(id as usize), s)) {
            return id;
        }
        let id = u32::try_from(strings.len()).expect("fewer than 2^32 distinct ids");
        strings.push(s);
        hashes.push(hash);
        table.insert_unique(hash, id, |&id| hashes[id as usize]);
        id
    }

    /// The handle of `s`, if interned.
    pub fn find(&self, s: &[u8]) -> Option<u32> {
        self.table
            .find(hash_bytes(s), |&id| {
                same_bytes(self.strings.get(id as usize), s)
            })
            .copied()
    }

    /// The string of handle `id`.
    #[inline]
    pub fn get(&self, id: u32) -> &[u8] {
        self.strings.get(id as usize)
    }

    /// The string of handle `id`, as text (ids are stored from UTF-8 input).
    pub fn get_str(&self, id: u32) -> std::borrow::Cow<'_, str> {
        self.strings.get_str(id as usize)
    }

    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.strings.heap_bytes() + self.hashes.capacity() * 8 + self.table.capacity() * 5
    }
}

/// Ids of one collection being built: a private interner plus one handle per entry.
#[derive(Debug, Default)]
pub struct LocalIds {
    interner: Interner,
    handles: Vec<u32>,
}

impl LocalIds {
    pub fn reserve(&mut self, n: usize) {
        self.handles.reserve(n);
    }

    /// Record the id of the next entry.
    #[inline]
    pub fn push(&mut self, s: &[u8]) {
        let h = self.interner.intern(s);
        self.handles.push(h);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// The id of entry `i`.
    pub fn get(&self, i: usize) -> &[u8] {
        self.interner.get(self.handles[i])
    }

    /// Merge into the process-wide table: one handle per entry, global.
    pub fn into_global(self) -> Vec<u32> {
        let LocalIds {
            interner,
            mut handles,
        } = self;
        let to_global: Vec<u32> = {
            let mut global = doc_ids_mut();
            (0..interner.len())
                .map(|i| global.intern_hashed(interner.hashes[i], interner.strings.get(i)))
                .collect()
        };
        for h in &mut handles {
            *h = to_global[*h as usize];
        }
        handles
    }
}

fn global() -> &'static RwLock<Interner> {
    static DOC_IDS: OnceLock<RwLock<Interner>> = OnceLock::new();
    DOC_IDS.get_or_init(|| RwLock::new(Interner::default()))
}

/// Read access to the process-wide document ids.
pub fn doc_ids() -> RwLockReadGuard<'static, Interner> {
    global()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn doc_ids_mut() -> RwLockWriteGuard<'static, Interner> {
    global()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent_and_global() {
        let mut a = LocalIds::default();
        for s in ["x", "y", "x", "long-document-id-0001"] {
            a.push(s.as_bytes());
        }
        assert_eq!(a.get(2), b"x");
        let ga = a.into_global();
        assert_eq!(ga[0], ga[2]);
        assert_ne!(ga[0], ga[1]);
        let mut b = LocalIds::default();
        b.push(b"long-document-id-0001");
        let gb = b.into_global();
        assert_eq!(gb[0], ga[3]);
        let ids = doc_ids();
        assert_eq!(ids.get(ga[1]), b"y");
        assert_eq!(ids.find(b"x"), Some(ga[0]));
        assert_eq!(ids.find(b"never seen anywhere"), None);
    }

    #[test]
    fn hashes_differ_for_prefixes_and_lengths() {
        assert_ne!(hash_bytes(b"ab"), hash_bytes(b"ab\0"));
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
        assert_ne!(hash_bytes(b"abcdefgh1"), hash_bytes(b"abcdefgh2"));
    }
}
