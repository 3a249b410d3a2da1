//! The batch layout used everywhere: flat values plus row boundaries.
//!
//! Query `q` owns `values[offsets[q]..offsets[q + 1]]`. A dense `(Q, D)` matrix is the special
//! case of equal rows and needs no offsets array at all ([`RowLayout::Uniform`]), so a
//! C-contiguous 2-D numpy array is used as it is, without allocating anything.

use std::ops::Range;

use crate::error::{RankError, Result};

/// How a flat array is cut into rows.
#[derive(Debug, Clone, Copy)]
pub enum RowLayout<'a> {
    /// `rows` rows of `width` values each (a C-contiguous 2-D array).
    Uniform { rows: usize, width: usize },
    /// Row boundaries: `offsets.len() == rows + 1`, non-decreasing, starting at 0.
    Offsets(&'a [i64]),
}

impl<'a> RowLayout<'a> {
    /// A validated layout over `len` values. `offsets` must start at 0, never decrease and end
    /// at `len`; errors name the `offsets` argument and the first offending position.
    pub fn offsets(offsets: &'a [i64], len: usize) -> Result<Self> {
        let Some((&first, _)) = offsets.split_first() else {
            return Err(RankError::shape(
                "offsets",
                "length Q + 1 >= 1 (one boundary more than there are queries)",
                "length 0",
            ));
        };
        if first != 0 {
            return Err(RankError::invalid(
                "offsets",
                "a sequence starting at 0",
                format!("offsets[0] = {first}"),
            ));
        }
        if let Some(i) = offsets.windows(2).position(|w| w[1] < w[0]) {
            return Err(RankError::invalid(
                "offsets",
                "non-decreasing",
                format!(
                    "offsets[{}] = {} > offsets[{}] = {}",
                    i,
                    offsets[i],
                    i + 1,
                    offsets[i + 1]
                ),
            ));
        }
        let last = offsets[offsets.len() - 1];
        if usize::try_from(last).ok() != Some(len) {
            return Err(RankError::shape(
                "offsets",
                format!("a last element equal to the number of values ({len})"),
                format!("offsets[-1] = {last}"),
            ));
        }
        Ok(RowLayout::Offsets(offsets))
    }

    /// A layout of `rows` rows of `width` values.
    pub fn uniform(rows: usize, width: usize) -> Self {
        RowLayout::Uniform { rows, width }
    }

    /// Number of rows (queries).
    pub fn rows(&self) -> usize {
        match *self {
            RowLayout::Uniform { rows, .. } => rows,
            RowLayout::Offsets(o) => o.len() - 1,
        }
    }

    /// Total number of values covered.
    pub fn len(&self) -> usize {
        match *self {
            RowLayout::Uniform { rows, width } => rows * width,
            // Validated at construction: the last offset is non-negative and fits usize.
            RowLayout::Offsets(o) => o[o.len() - 1] as usize,
        }
    }

    /// True when the layout covers no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The range of flat indices owned by row `q`. Panics if `q >= self.rows()`.
    #[inline]
    pub fn range(&self, q: usize) -> Range<usize> {
        match *self {
            RowLayout::Uniform { width, .. } => q * width..(q + 1) * width,
            // Validated: non-negative and non-decreasing, so the casts are lossless.
            RowLayout::Offsets(o) => o[q] as usize..o[q + 1] as usize,
        }
    }
}

/// Borrowed ragged rows of `T`.
#[derive(Debug, Clone, Copy)]
pub struct Ragged<'a, T> {
    values: &'a [T],
    layout: RowLayout<'a>,
}

impl<'a, T> Ragged<'a, T> {
    /// Wrap `values` with a layout; `argument` names the values in the error if their length
    /// does not match what the layout covers.
    pub fn new(values: &'a [T], layout: RowLayout<'a>, argument: &str) -> Result<Self> {
        if values.len() != layout.len() {
            return Err(RankError::shape(
                argument,
                format!("{} values to match the row layout", layout.len()),
                format!("{} values", values.len()),
            ));
        }
        Ok(Ragged { values, layout })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.layout.rows()
    }

    /// The layout.
    pub fn layout(&self) -> RowLayout<'a> {
        self.layout
    }

    /// All values, flat.
    pub fn values(&self) -> &'a [T] {
        self.values
    }

    /// Row `q`.
    #[inline]
    pub fn row(&self, q: usize) -> &'a [T] {
        &self.values[self.layout.range(q)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_cut_rows_and_allow_empty_rows() {
        let values = [1.0, 2.0, 3.0];
        let offsets = [0, 2, 2, 3];
        let r = Ragged::new(&values, RowLayout::offsets(&offsets, 3).unwrap(), "scores").unwrap();
        assert_eq!(r.rows(), 3);
        assert_eq!(r.row(0), &[1.0, 2.0]);
        assert!(r.row(1).is_empty());
        assert_eq!(r.row(2), &[3.0]);
    }

    #[test]
    fn uniform_layout_is_a_matrix() {
        let values = [1, 2, 3, 4, 5, 6];
        let r = Ragged::new(&values, RowLayout::uniform(2, 3), "labels").unwrap();
        assert_eq!(r.row(1), &[4, 5, 6]);
    }

    #[test]
    fn bad_offsets_are_rejected_with_the_offending_position() {
        let e = RowLayout::offsets(&[0, 3, 2, 4], 4)
            .unwrap_err()
            .to_string();
        assert!(e.contains("offsets[1] = 3 > offsets[2] = 2"), "{e}");
        let e = RowLayout::offsets(&[1, 4], 4).unwrap_err().to_string();
        assert!(e.contains("starting at 0"), "{e}");
        let e = RowLayout::offsets(&[0, 3], 4).unwrap_err().to_string();
        assert!(e.contains("offsets[-1] = 3"), "{e}");
        assert!(RowLayout::offsets(&[], 0).is_err());
        let e = Ragged::new(&[1.0; 5], RowLayout::uniform(2, 3), "scores")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`scores` must have 6 values"), "{e}");
    }
}
