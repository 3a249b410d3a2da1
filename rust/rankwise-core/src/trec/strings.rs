//! Compact storage for many short ids: one byte buffer and the end of each string.

/// Strings stored back to back. Ids cross the Python/Rust boundary once, when a collection is
/// built; afterwards every comparison is a byte comparison inside this table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrTable {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl StrTable {
    pub fn with_capacity(strings: usize, bytes: usize) -> Self {
        StrTable {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
        }
    }

    /// Append a string; returns its index.
    #[inline]
    pub fn push(&mut self, s: &[u8]) -> usize {
        self.bytes.extend_from_slice(s);
        self.ends.push(self.bytes.len());
        self.ends.len() - 1
    }

    /// Number of strings.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// String `i` as bytes.
    #[inline]
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
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

    /// Raw parts (bytes, ends), e.g. for serialisation.
    pub fn parts(&self) -> (&[u8], &[usize]) {
        (&self.bytes, &self.ends)
    }

    /// Approximate heap size in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
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
        let p = t.permuted([2, 0, 1].into_iter());
        assert_eq!(p.get(0), b"c");
        assert_eq!(p.get(1), b"alpha");
        assert_eq!(p.byte_len(), 6);
    }
}
