//! Per-query hash indexes of document handles: O(1) judgement lookups and duplicate
//! detection without sorting anything.

use rayon::prelude::*;

use super::collection::chunks_by_offsets_mut;

/// One open-addressing table per query (linear probing, load factor <= 1/2), mapping a
/// document handle to the query's local index. Slots hold `local index + 1`; 0 is empty.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocIndex {
    slots: Vec<u32>,
    /// Query `q` owns `slots[slot_offsets[q]..slot_offsets[q + 1]]`.
    slot_offsets: Vec<usize>,
}

/// Two entries of a query with the same document: (query, first local index, second).
pub(crate) type Duplicate = (usize, usize, usize);

fn capacity(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (2 * n).next_power_of_two()
    }
}

/// Fibonacci hashing: handles are dense small integers, the multiply spreads them.
#[inline]
fn home(handle: u32, mask: usize) -> usize {
    #[allow(clippy::cast_possible_truncation)]
    let h = (u64::from(handle).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize;
    h & mask
}

impl DocIndex {
    /// Index the documents of every group `offsets[q]..offsets[q + 1]` of `docs`, in parallel.
    /// Returns the first duplicate (smallest query) instead if a group holds a document twice.
    pub(crate) fn build(offsets: &[usize], docs: &[u32]) -> Result<DocIndex, Duplicate> {
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
                let group = &docs[offsets[q]..offsets[q + 1]];
                let mask = table.len().wrapping_sub(1);
                for (local, &doc) in group.iter().enumerate() {
                    let mut s = home(doc, mask);
                    loop {
                        let slot = table[s];
                        if slot == 0 {
                            table[s] = u32::try_from(local + 1).unwrap_or(u32::MAX);
                            break;
                        }
                        let other = slot as usize - 1;
                        if group[other] == doc {
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

    /// Local index of document `doc` in query `q`, whose documents are `group`.
    #[inline]
    pub(crate) fn find(&self, q: usize, group: &[u32], doc: u32) -> Option<usize> {
        let table = &self.slots[self.slot_offsets[q]..self.slot_offsets[q + 1]];
        if table.is_empty() {
            return None;
        }
        let mask = table.len() - 1;
        let mut s = home(doc, mask);
        loop {
            let slot = table[s];
            if slot == 0 {
                return None;
            }
            let local = slot as usize - 1;
            if group[local] == doc {
                return Some(local);
            }
            s = (s + 1) & mask;
        }
    }

    /// Heap size in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * 4 + self.slot_offsets.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_doc_and_rejects_strangers() {
        let docs: Vec<u32> = (0..50).map(|i| i * 7).chain([3]).collect();
        let offsets = [0, 50, 50, 51];
        let index = DocIndex::build(&offsets, &docs).unwrap();
        for i in 0..50 {
            assert_eq!(index.find(0, &docs[0..50], docs[i]), Some(i));
        }
        assert_eq!(index.find(0, &docs[0..50], 3), None);
        assert_eq!(index.find(1, &docs[50..50], 3), None);
        assert_eq!(index.find(2, &docs[50..51], 3), Some(0));
    }

    #[test]
    fn reports_the_first_duplicate() {
        let docs = [1, 2, 3, 2, 9, 9];
        assert_eq!(DocIndex::build(&[0, 4, 6], &docs).unwrap_err(), (0, 1, 3));
    }
}
