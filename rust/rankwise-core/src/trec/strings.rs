//! Compact storage for many short ids: one byte buffer and the end of each string.

/// String boundaries: 32-bit while the table holds under 4 GiB (half the memory of `usize`
/// bounds, which matters at tens of millions of ids), 64-bit beyond.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bounds {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl Bounds {
    #[inline]
    fn get(&self, i: usize) -> usize {
        match self {
            Bounds::Narrow(b) => b[i] as usize,
            #[allow(clippy::cast_possible_truncation)]
            Bounds::Wide(b) => b[i] as usize,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            Bounds::Narrow(b) => b.len(),
            Bounds::Wide(b) => b.len(),
        }
    }

    #[inline]
    fn push(&mut self, end: usize) {
        match self {
            Bounds::Narrow(b) => match u32::try_from(end) {
                Ok(e) => b.push(e),
                Err(_) => {
                    let mut wide: Vec<u64> = b.iter().map(|&x| u64::from(x)).collect();
                    wide.push(end as u64);
                    *self = Bounds::Wide(wide);
                }
            },
            Bounds::Wide(b) => b.push(end as u64),
        }
    }

    fn reserve(&mut self, n: usize) {
        match self {
            Bounds::Narrow(b) => b.reserve(n),
            Bounds::Wide(b) => b.reserve(n),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Bounds::Narrow(b) => b.capacity() * 4,
            Bounds::Wide(b) => b.capacity() * 8,
        }
    }
}

/// Strings stored back to back. Ids cross the Python/Rust boundary once, when a collection is
/// built; afterwards every comparison is a byte comparison inside this table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrTable {
    bytes: Vec<u8>,
    /// `bounds[i]..bounds[i + 1]` is string `i` (a leading 0 keeps `get` branch-free).
    bounds: Bounds,
}

impl Default for StrTable {
    fn default() -> Self {
        StrTable {
            bytes: Vec::new(),
            bounds: Bounds::Narrow(vec![0]),
        }
    }
}

impl StrTable {
    pub fn with_capacity(strings: usize, bytes: usize) -> Self {
        let mut table = StrTable::default();
        table.reserve(strings, bytes);
        table
    }

    /// Make room for `strings` more strings of `bytes` bytes in all.
    pub fn reserve(&mut self, strings: usize, bytes: usize) {
        self.bounds.reserve(strings);
        self.bytes.reserve(bytes);
    }

    /// Remove every string, keeping the allocations.
    pub fn clear(&mut self) {
        self.bytes.clear();
        match &mut self.bounds {
            Bounds::Narrow(b) => {
                b.clear();
                b.push(0);
            }
            Bounds::Wide(b) => {
                b.clear();
                b.push(0);
            }
        }
    }

    /// Append a string; returns its index.
    #[inline]
    pub fn push(&mut self, s: &[u8]) -> usize {
        self.bytes.extend_from_slice(s);
        self.bounds.push(self.bytes.len());
        self.bounds.len() - 2
    }

    /// Append the strings `other[range]`.
    pub fn extend_from(&mut self, other: &StrTable, range: std::ops::Range<usize>) {
        let start = other.bounds.get(range.start);
        let end = other.bounds.get(range.end);
        let shift = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes[start..end]);
        let last = end - start + shift;
        if let (Bounds::Narrow(to), Bounds::Narrow(from), Ok(_)) =
            (&mut self.bounds, &other.bounds, u32::try_from(last))
        {
            // The common case, as one loop over 32-bit bounds: every new bound is at most
            // `last`, which fits, so none wraps.
            #[allow(clippy::cast_possible_truncation)]
            let delta = (shift as u32).wrapping_sub(start as u32);
            to.extend(
                from[range.start + 1..=range.end]
                    .iter()
                    .map(|&b| b.wrapping_add(delta)),
            );
            return;
        }
        self.bounds.reserve(range.len());
        for i in range.start + 1..=range.end {
            self.bounds.push(other.bounds.get(i) - start + shift);
        }
    }

    /// Number of strings.
    #[inline]
    pub fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// String `i` as bytes.
    #[inline]
    pub fn get(&self, i: usize) -> &[u8] {
        &self.bytes[self.bounds.get(i)..self.bounds.get(i + 1)]
    }

    /// String `i` as text. Tables are filled from `&str` or from UTF-8-checked file fields,
    /// so this only replaces bytes if that invariant was broken.
    pub fn get_str(&self, i: usize) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.get(i))
    }

    /// Total bytes stored.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// A new table holding the strings at `order`, in that order.
    pub fn permuted(&self, order: impl ExactSizeIterator<Item = usize>) -> StrTable {
        let mut out = StrTable::with_capacity(order.len(), self.bytes.len());
        for i in order {
            out.push(self.get(i));
        }
        out
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.bounds.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_widen_past_4_gib_without_changing_lookups() {
        let mut b = Bounds::Narrow(vec![0, 5]);
        b.push(u32::MAX as usize + 10);
        assert!(matches!(b, Bounds::Wide(_)));
        assert_eq!(
            (b.get(0), b.get(1), b.get(2)),
            (0, 5, u32::MAX as usize + 10)
        );
        assert_eq!(b.len(), 3);
    }

    #[test]
    fn push_get_permute() {
        let mut t = StrTable::default();
        t.push(b"alpha");
        t.push(b"");
        t.push(b"c");
        assert_eq!(t.len(), 3);
        assert_eq!(t.get(0), b"alpha");
        assert_eq!(t.get(1), b"");
        assert_eq!(t.get_str(2), "c");
        let mut e = StrTable::default();
        e.push(b"z");
        e.extend_from(&t, 1..3);
        assert_eq!(
            (e.get(0), e.get(1), e.get(2)),
            (&b"z"[..], &b""[..], &b"c"[..])
        );
        let p = t.permuted([2, 0, 1].into_iter());
        assert_eq!(p.get(0), b"c");
        assert_eq!(p.get(1), b"alpha");
        assert_eq!(p.byte_len(), 6);
    }
}
