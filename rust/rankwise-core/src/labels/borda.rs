//! Borda count over window orders.
//!
//! A window (or weighted ranking) of size `m` gives the candidate at 0-based position `p`
//! `m - 1 - p` points, times the ranking's weight (a pair `(a, b, w)` gives `a` `w` points).
//! [`BordaNorm`] optionally divides each window's points by `m`, or reports each candidate's
//! mean points per window it appears in.

use crate::labels::evidence::Compact;

/// Normalisation of Borda points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BordaNorm {
    /// `Σ_windows w · (m - 1 - p)`.
    #[default]
    None,
    /// `Σ_windows w · (m - 1 - p) / m`.
    Window,
    /// `Σ_windows w · (m - 1 - p) / Σ_windows w` over the windows that contain the candidate.
    Mean,
}

crate::choice!(BordaNorm, "normalize", {
    "none" => BordaNorm::None,
    "window" => BordaNorm::Window,
    "mean" => BordaNorm::Mean,
});

/// Borda scores of the observed candidates of `data`.
pub fn scores(data: &Compact, norm: BordaNorm) -> Vec<f64> {
    let m = data.m();
    let mut points = vec![0.0; m];
    let mut seen = vec![0.0; m];
    for r in 0..data.len() {
        let (items, w) = data.ranking(r);
        let len = items.len() as f64;
        for (p, &i) in items.iter().enumerate() {
            let mut v = w * (len - 1.0 - p as f64);
            if norm == BordaNorm::Window {
                v /= len;
            }
            points[i as usize] += v;
            seen[i as usize] += w;
        }
    }
    if norm == BordaNorm::Mean {
        for (p, s) in points.iter_mut().zip(&seen) {
            *p /= *s;
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::evidence::{Evidence, WindowBatch};

    #[test]
    fn borda_points_follow_the_definition() {
        let b = WindowBatch::new(&[2, 0, 1, 1, 0], &[0, 3, 5], &[0, 2], &[3]).unwrap();
        let mut c = Compact::default();
        c.load(&Evidence::Windows(b), 0);
        assert_eq!(scores(&c, BordaNorm::None), vec![1.0 + 0.0, 0.0 + 1.0, 2.0]);
        assert_eq!(
            scores(&c, BordaNorm::Window),
            vec![1.0 / 3.0, 0.5, 2.0 / 3.0]
        );
        assert_eq!(scores(&c, BordaNorm::Mean), vec![0.5, 0.5, 2.0]);
    }
}
