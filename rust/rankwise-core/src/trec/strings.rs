//! Compact storage for many short ids: one byte buffer and the end of each string.

/// Strings stored back to back. Ids cross the Python/Rust boundary once, when a collection is
/// built; afterwards every comparison is a byte comparison inside this table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrTable {
    bytes: Vec<u8>,
    /// `bounds[i]..bounds[i + 1]` is string `i` (a leading 0 keeps `get` branch-free).
    bounds: Vec<usize>,
}

impl Default for StrTable {
    fn default() -> Self {
        StrTable {
            bytes: Vec::new(),
            bounds: vec![0],
        }
    }
}

impl StrTable {
    pub fn with_capacity(strings: usize, bytes: usize) -> Self {
        let mut bounds = Vec::with_capacity(strings + 1);
        bounds.push(0);
        StrTable {
            bytes: Vec::with_capacity(bytes),
            bounds,
        }
    }

    /// Make room for `strings` more strings of `bytes` bytes in all.
    pub fn reserve(&mut self, strings: usize, bytes: usize) {
        self.bounds.reserve(strings);
        self.bytes.reserve(bytes);
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
        let (start, end) = (other.bounds[range.start], other.bounds[range.end]);
        let shift = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes[start..end]);
        self.bounds.extend(
            other.bounds[range.start + 1..=range.end]
                .iter()
                .map(|&b| b - start + shift),
        );
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
        &self.bytes[self.bounds[i]..self.bounds[i + 1]]
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

    /// Raw parts (bytes, string bounds starting with 0), e.g. for serialisation.
    pub fn parts(&self) -> (&[u8], &[usize]) {
        (&self.bytes, &self.bounds)
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.bounds.capacity() * std::mem::size_of::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
