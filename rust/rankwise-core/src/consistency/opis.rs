//! OPIS and epsilon-OPIS: how consistently one distance threshold serves every class of an
//! embedding model (Zhang et al., "Threshold-Consistent Margin Loss for Open-World Deep
//! Metric Learning", ICLR 2024, arXiv:2307.04047, section 3).
//!
//! For class `i` and distance threshold `d` (a pair matches when its distance is `<= d`), with
//! the positives of `i` its within-class pairs and the negatives of `i` the pairs with exactly
//! one member in `i`:
//!
//! ```text
//! TAR_i(d) = #{positives of i with dist <= d} / #positives of i
//! TRR_i(d) = #{negatives of i with dist >  d} / #negatives of i
//! U_i(d)   = F_beta(TAR_i, TRR_i) = (1 + b^2) TAR TRR / (b^2 TAR + TRR)      (Utility::HarmonicMean)
//!          or the F_beta score of the accept decisions (Utility::F1)
//! OPIS     = sum_i w_i  1/(d_max - d_min) integral_{d_min}^{d_max} (U_i(d) - U_ref(d))^2 dd
//! eps-OPIS = 1/(d_max - d_min) integral (U_top(d) - U_bottom(d))^2 dd
//! ```
//!
//! `U_ref` is the weighted mean of the class utilities or the utility of all pairs pooled;
//! `U_top`/`U_bottom` are the mean utilities of the best and worst `ceil`-free
//! `max(1, floor(eps T))` classes at each threshold. The calibration range `[d_min, d_max]`
//! is where the global false-accept rate of all negative pairs runs from `far_lo` to
//! `far_hi` (numpy's linear quantiles of the negative distances), or is given. The integral
//! is the trapezoid rule (or the mean) over `n` equally spaced thresholds (`numpy.linspace`).
//!
//! **What is verified**: the structure (per-class utility over a threshold grid inside a
//! FAR-defined calibration range, variance across classes) agrees with every secondary
//! source; the exact constants (utility, FAR range, grid, reference, weights, epsilon) could
//! not be checked against the paper and are parameters.
//!
//! Computation: pairs are streamed in tiles, never stored as a matrix. With a FAR-defined
//! range, a first pass builds a histogram of the negative distances that locates the two
//! quantiles; a second pass counts, per class, the pairs between consecutive thresholds and
//! keeps only the few pairs close enough to a threshold to need an exact comparison. Memory
//! is O(classes x thresholds + pairs near the thresholds), time O(n^2 dim), plus, when the
//! first pass runs and n <= 23,170, each pair's 2-byte histogram bin (at most 512 MiB, see
//! `CODE_CACHE_BYTES`) so that the second pass does not recompute the pairs.

use rayon::prelude::*;

use crate::error::{RankError, Result};
use crate::parallel;

/// What the input holds and how a pair's distance is read from it.
#[derive(Debug, Clone, Copy)]
pub enum PairSource<'a> {
    /// `n x dim` embeddings (row-major), f32.
    EmbeddingsF32 { values: &'a [f32], dim: usize },
    /// `n x dim` embeddings (row-major), f64.
    EmbeddingsF64 { values: &'a [f64], dim: usize },
    /// An `n x n` matrix of precomputed pair scores (upper triangle read), f32.
    MatrixF32(&'a [f32]),
    /// An `n x n` matrix of precomputed pair scores (upper triangle read), f64.
    MatrixF64(&'a [f64]),
}

/// How pair scores are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metric {
    /// Cosine similarity of embeddings; match when similarity >= threshold.
    #[default]
    Cosine,
    /// Euclidean distance of embeddings; match when distance <= threshold.
    L2,
    /// A precomputed similarity matrix; match when similarity >= threshold.
    Similarity,
    /// A precomputed distance matrix; match when distance <= threshold.
    Distance,
}

crate::choice!(Metric, "metric", {
    "cosine" => Metric::Cosine,
    "l2" => Metric::L2,
    "similarity" => Metric::Similarity,
    "distance" => Metric::Distance,
});

impl Metric {
    /// Internally every score is a distance (smaller = more similar): similarities are negated.
    fn is_similarity(self) -> bool {
        matches!(self, Metric::Cosine | Metric::Similarity)
    }
}

/// The per-class utility at a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Utility {
    /// `F_beta` of the true-accept and true-reject rates (harmonic mean for `beta = 1`).
    #[default]
    HarmonicMean,
    /// `F_beta` score of accepting a pair: precision over accepted pairs, recall = TAR.
    F1,
}

crate::choice!(Utility, "utility", {
    "hmean" => Utility::HarmonicMean,
    "f1" => Utility::F1,
});

/// What the class utilities are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reference {
    /// The weighted mean of the class utilities at the same threshold.
    #[default]
    ClassMean,
    /// The utility of all pairs pooled (every class together).
    Pooled,
}

crate::choice!(Reference, "reference", {
    "class_mean" => Reference::ClassMean,
    "pooled" => Reference::Pooled,
});

/// Where the threshold grid lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Calibration {
    /// Between the thresholds at which the false-accept rate of all negative pairs is `lo`
    /// and `hi`.
    Far(f64, f64),
    /// Between two thresholds in the metric's own units (similarity or distance).
    Threshold(f64, f64),
}

/// A [`Calibration`] by name, before its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalibrationKind {
    Far,
    Threshold,
}
crate::choice!(CalibrationKind, "calibration", {
    "far" => CalibrationKind::Far,
    "threshold" => CalibrationKind::Threshold,
});

/// How the integral over the grid is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Integration {
    /// Trapezoid rule over the equally spaced grid.
    #[default]
    Trapezoid,
    /// Plain mean over the grid points.
    Mean,
}

crate::choice!(Integration, "integration", {
    "trapezoid" => Integration::Trapezoid,
    "mean" => Integration::Mean,
});

/// Options of [`opis`]; the defaults are the values given in the module documentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpisOptions {
    pub metric: Metric,
    pub utility: Utility,
    pub beta: f64,
    pub reference: Reference,
    pub calibration: Calibration,
    pub n_thresholds: usize,
    pub epsilon: f64,
    pub integration: Integration,
}

impl Default for OpisOptions {
    fn default() -> Self {
        OpisOptions {
            metric: Metric::Cosine,
            utility: Utility::HarmonicMean,
            beta: 1.0,
            reference: Reference::ClassMean,
            calibration: Calibration::Far(1e-2, 1e-1),
            n_thresholds: 101,
            epsilon: 0.05,
            integration: Integration::Trapezoid,
        }
    }
}

/// The scores and what they were computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct OpisResult {
    pub opis: f64,
    pub epsilon_opis: f64,
    /// The thresholds, in the metric's units (similarities for similarity metrics).
    pub thresholds: Vec<f64>,
    /// The evaluated classes (label codes with at least two members), ascending.
    pub classes: Vec<u32>,
    /// Their weights (summing to 1).
    pub weights: Vec<f64>,
    /// `utility[c * n_thresholds + k]`: utility of class `classes[c]` at threshold `k`.
    pub utility: Vec<f64>,
    /// The reference utility at each threshold.
    pub reference: Vec<f64>,
}

fn check_options(o: &OpisOptions) -> Result<()> {
    if !(o.beta.is_finite() && o.beta > 0.0) {
        return Err(RankError::invalid(
            "beta",
            "a positive finite number",
            o.beta,
        ));
    }
    if o.n_thresholds < 2 {
        return Err(RankError::invalid(
            "n_thresholds",
            "an integer >= 2",
            o.n_thresholds,
        ));
    }
    if !(o.epsilon > 0.0 && o.epsilon <= 0.5) {
        return Err(RankError::invalid(
            "epsilon",
            "a fraction of classes in (0, 0.5]",
            o.epsilon,
        ));
    }
    match o.calibration {
        Calibration::Far(lo, hi) => {
            if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo > hi {
                return Err(RankError::invalid(
                    "far_range",
                    "two false-accept rates 0 <= lo <= hi <= 1",
                    format!("({lo}, {hi})"),
                ));
            }
        }
        Calibration::Threshold(a, b) => {
            if !(a.is_finite() && b.is_finite()) {
                return Err(RankError::invalid(
                    "thresholds",
                    "two finite thresholds",
                    format!("({a}, {b})"),
                ));
            }
        }
    }
    Ok(())
}

/// Reads pair distances (internal convention: smaller = more similar), a tile at a time.
struct Distances<'a> {
    n: usize,
    kind: Kind<'a>,
    /// Similarities are negated into distances.
    negate: bool,
}

enum Kind<'a> {
    /// Embeddings: rows (normalised for cosine) and the same rows as column panels.
    EmbF32 {
        rows: Vec<f32>,
        panels: Vec<[f32; W32]>,
        dim: usize,
        l2: bool,
    },
    EmbF64 {
        rows: Vec<f64>,
        panels: Vec<[f64; W64]>,
        dim: usize,
        l2: bool,
    },
    MatF32(&'a [f32]),
    MatF64(&'a [f64]),
}

/// Pairs are computed in tiles of `BLOCK x BLOCK`.
const BLOCK: usize = 32;
/// Rows per kernel call, and columns per panel: 4 rows x 8 f32 (or 4 f64) columns fill 8
/// vector registers with accumulators, the fastest shape measured on SSE2.
const ROWS: usize = 4;
const W32: usize = 8;
const W64: usize = 4;

macro_rules! panel_kernel {
    ($name:ident, $pack:ident, $t:ty, $w:expr) => {
        /// Columns grouped by `$w`: panel `p` holds, for each dimension `k`, the values of
        /// columns `p * $w ..` (zero beyond the last row).
        fn $pack(v: &[$t], n: usize, dim: usize) -> Vec<[$t; $w]> {
            let mut panels = vec![[0.0 as $t; $w]; n.div_ceil($w) * dim];
            for (j, row) in v.chunks_exact(dim).enumerate() {
                for (k, &x) in row.iter().enumerate() {
                    panels[(j / $w) * dim + k][j % $w] = x;
                }
            }
            panels
        }

        /// Raw scores of `ROWS` rows against the `$w` columns of `panel` (dot products, or
        /// squared distances when `l2`). The inner loop runs over the columns of the panel,
        /// which the compiler turns into vector instructions with each row value broadcast;
        /// each score is summed over the dimensions in order.
        #[inline]
        fn $name(rows: [&[$t]; ROWS], panel: &[[$t; $w]], l2: bool) -> [[$t; $w]; ROWS] {
            let d = panel.len();
            let rows = rows.map(|r| &r[..d]);
            let mut acc = [[0.0 as $t; $w]; ROWS];
            if l2 {
                for (k, p) in panel.iter().enumerate() {
                    for (row, acc_r) in rows.iter().zip(acc.iter_mut()) {
                        let x = row[k];
                        for c in 0..$w {
                            let e = x - p[c];
                            acc_r[c] += e * e;
                        }
                    }
                }
            } else {
                for (k, p) in panel.iter().enumerate() {
                    for (row, acc_r) in rows.iter().zip(acc.iter_mut()) {
                        let x = row[k];
                        for c in 0..$w {
                            acc_r[c] += x * p[c];
                        }
                    }
                }
            }
            acc
        }
    };
}
panel_kernel!(rows_f32, panels_f32, f32, W32);
panel_kernel!(rows_f64, panels_f64, f64, W64);

/// Fill `out[(i - i0) * BLOCK + (j - j0)]` for a tile from a `ROWS`-row panel kernel.
macro_rules! embedding_tile {
    ($rows:expr, $panels:expr, $dim:expr, $l2:expr, $w:expr, $kernel:ident, $r:expr, $c:expr, $out:expr) => {{
        let (rows, panels, dim, l2) = ($rows, $panels, $dim, $l2);
        let ((i0, i1), (j0, j1)) = ($r, $c);
        let mut i = i0;
        while i < i1 {
            // Past the last row, repeat it (the extra results are dropped).
            let index: [usize; ROWS] = std::array::from_fn(|q| (i + q).min(i1 - 1));
            let row_slices = index.map(|r| &rows[r * dim..(r + 1) * dim]);
            let mut p0 = j0;
            while p0 < j1 {
                let panel = &panels[(p0 / $w) * dim..(p0 / $w + 1) * dim];
                let scores = $kernel(row_slices, panel, l2);
                let width = $w.min(j1 - p0);
                for (q, s) in scores.iter().enumerate().take(i1 - i) {
                    for c in 0..width {
                        $out[(i + q - i0) * BLOCK + (p0 - j0) + c] = f64::from(s[c]);
                    }
                }
                p0 += $w;
            }
            i += ROWS;
        }
    }};
}

impl<'a> Distances<'a> {
    fn new(src: PairSource<'a>, n: usize, metric: Metric) -> Result<Self> {
        let emb = matches!(
            src,
            PairSource::EmbeddingsF32 { .. } | PairSource::EmbeddingsF64 { .. }
        );
        if emb != matches!(metric, Metric::Cosine | Metric::L2) {
            return Err(RankError::invalid(
                "metric",
                if emb {
                    "\"cosine\" or \"l2\" for embeddings"
                } else {
                    "\"similarity\" or \"distance\" for a precomputed matrix"
                },
                format!("{metric:?}"),
            ));
        }
        let l2 = metric == Metric::L2;
        macro_rules! embeddings {
            ($values:expr, $dim:expr, $variant:ident, $pack:ident, $t:ty) => {{
                let (values, dim): (&[$t], usize) = ($values, $dim);
                if dim == 0 || values.len() != n * dim {
                    return Err(RankError::shape(
                        "embeddings",
                        format!("shape ({n}, dim) (one row per label) with dim >= 1"),
                        format!("{} values of dimension {dim}", values.len()),
                    ));
                }
                if let Some(p) = values.iter().position(|v| !v.is_finite()) {
                    return Err(RankError::invalid(
                        "embeddings",
                        "finite numbers",
                        format!("{} at row {}, column {}", values[p], p / dim, p % dim),
                    ));
                }
                let mut rows = values.to_vec();
                if !l2 {
                    for (r, row) in rows.chunks_exact_mut(dim).enumerate() {
                        let norm = row
                            .iter()
                            .map(|&x| f64::from(x) * f64::from(x))
                            .sum::<f64>()
                            .sqrt();
                        if norm == 0.0 {
                            return Err(RankError::invalid(
                                "embeddings",
                                "rows with a non-zero norm (cosine similarity is undefined for zero vectors)",
                                format!("a zero vector at row {r}"),
                            ));
                        }
                        #[allow(clippy::cast_possible_truncation)]
                        row.iter_mut()
                            .for_each(|x| *x = (f64::from(*x) / norm) as $t);
                    }
                }
                let panels = $pack(&rows, n, dim);
                Kind::$variant {
                    rows,
                    panels,
                    dim,
                    l2,
                }
            }};
        }
        let kind = match src {
            PairSource::EmbeddingsF32 { values, dim } => {
                embeddings!(values, dim, EmbF32, panels_f32, f32)
            }
            PairSource::EmbeddingsF64 { values, dim } => {
                embeddings!(values, dim, EmbF64, panels_f64, f64)
            }
            PairSource::MatrixF32(m) => {
                check_matrix(m.len(), n, m.iter().position(|v| v.is_nan()))?;
                Kind::MatF32(m)
            }
            PairSource::MatrixF64(m) => {
                check_matrix(m.len(), n, m.iter().position(|v| v.is_nan()))?;
                Kind::MatF64(m)
            }
        };
        Ok(Distances {
            n,
            kind,
            negate: metric.is_similarity(),
        })
    }

    /// Distances of rows `rows` against rows `cols` (at most `BLOCK` each, `cols.0` a
    /// multiple of `BLOCK`), into `out[(i - i0) * BLOCK + (j - j0)]`.
    fn tile(&self, rows: (usize, usize), cols: (usize, usize), out: &mut [f64]) {
        let l2 = match &self.kind {
            Kind::EmbF32 {
                rows: v,
                panels,
                dim,
                l2,
            } => {
                embedding_tile!(v, panels, *dim, *l2, W32, rows_f32, rows, cols, out);
                *l2
            }
            Kind::EmbF64 {
                rows: v,
                panels,
                dim,
                l2,
            } => {
                embedding_tile!(v, panels, *dim, *l2, W64, rows_f64, rows, cols, out);
                *l2
            }
            Kind::MatF32(m) => {
                for i in rows.0..rows.1 {
                    let src = &m[i * self.n + cols.0..i * self.n + cols.1];
                    let dst = &mut out[(i - rows.0) * BLOCK..];
                    dst.iter_mut()
                        .zip(src)
                        .for_each(|(o, &v)| *o = f64::from(v));
                }
                false
            }
            Kind::MatF64(m) => {
                for i in rows.0..rows.1 {
                    let src = &m[i * self.n + cols.0..i * self.n + cols.1];
                    out[(i - rows.0) * BLOCK..(i - rows.0) * BLOCK + src.len()]
                        .copy_from_slice(src);
                }
                false
            }
        };
        if self.negate || l2 {
            for i in 0..rows.1 - rows.0 {
                for v in &mut out[i * BLOCK..i * BLOCK + (cols.1 - cols.0)] {
                    *v = if l2 { v.max(0.0).sqrt() } else { -*v };
                }
            }
        }
    }

    /// Distance of one pair, equal to the bits [`Distances::tile`] computes for it (the same
    /// products summed in the same order).
    fn pair(&self, i: usize, j: usize) -> f64 {
        macro_rules! one {
            ($rows:expr, $dim:expr, $l2:expr) => {{
                let (a, b) = (
                    &$rows[i * $dim..(i + 1) * $dim],
                    &$rows[j * $dim..(j + 1) * $dim],
                );
                let mut s = 0.0;
                for (&x, &y) in a.iter().zip(b) {
                    s += if $l2 { (x - y) * (x - y) } else { x * y };
                }
                f64::from(s)
            }};
        }
        let (raw, l2) = match &self.kind {
            Kind::EmbF32 { rows, dim, l2, .. } => (one!(rows, *dim, *l2), *l2),
            Kind::EmbF64 { rows, dim, l2, .. } => (one!(rows, *dim, *l2), *l2),
            Kind::MatF32(m) => (f64::from(m[i * self.n + j]), false),
            Kind::MatF64(m) => (m[i * self.n + j], false),
        };
        if l2 {
            raw.max(0.0).sqrt()
        } else if self.negate {
            -raw
        } else {
            raw
        }
    }

    /// A range holding every distance (with a small margin).
    fn bounds(&self) -> (f64, f64) {
        let (lo, hi) = match &self.kind {
            Kind::EmbF32 { l2: false, .. } | Kind::EmbF64 { l2: false, .. } => (-1.0, 1.0),
            Kind::EmbF32 { rows, dim, .. } => (
                0.0,
                2.0 * max_norm(
                    rows.chunks_exact(*dim)
                        .map(|r| r.iter().map(|&x| f64::from(x) * f64::from(x)).sum()),
                ),
            ),
            Kind::EmbF64 { rows, dim, .. } => (
                0.0,
                2.0 * max_norm(
                    rows.chunks_exact(*dim)
                        .map(|r| r.iter().map(|&x| x * x).sum()),
                ),
            ),
            Kind::MatF32(_) | Kind::MatF64(_) => {
                let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
                let mut tile = vec![0.0; BLOCK * BLOCK];
                walk_tiles(
                    self.n,
                    0,
                    1,
                    || false,
                    |rows, cols| {
                        self.tile(rows, cols, &mut tile);
                        for (i, start) in tile_rows(rows, cols) {
                            for j in start..cols.1 {
                                let d = tile[(i - rows.0) * BLOCK + (j - cols.0)];
                                lo = lo.min(d);
                                hi = hi.max(d);
                            }
                        }
                    },
                );
                return (lo, hi);
            }
        };
        let margin = 1e-6 * (hi - lo).max(1.0);
        (lo - margin, hi + margin)
    }
}

fn max_norm(sq: impl Iterator<Item = f64>) -> f64 {
    sq.fold(0.0f64, f64::max).sqrt()
}

fn check_matrix(len: usize, n: usize, nan: Option<usize>) -> Result<()> {
    if len != n * n {
        return Err(RankError::shape(
            "embeddings",
            format!("shape ({n}, {n}) (a square matrix of pair scores, one row per label)"),
            format!("{len} values"),
        ));
    }
    if let Some(p) = nan {
        return Err(RankError::invalid(
            "embeddings",
            "a matrix without NaN",
            format!("NaN at row {}, column {}", p / n, p % n),
        ));
    }
    Ok(())
}

/// Walk worker `w`'s tiles of the pairs `i < j` (of `workers`, rows in blocks of `BLOCK`
/// dealt round-robin), calling `tile(rows, cols)` for each tile on or right of the diagonal,
/// in the order [`sweep`] and [`replay`] share; stops between blocks of rows once `stopped()`.
fn walk_tiles(
    n: usize,
    w: usize,
    workers: usize,
    stopped: impl Fn() -> bool,
    mut tile: impl FnMut((usize, usize), (usize, usize)),
) {
    let blocks = n.div_ceil(BLOCK);
    let mut b = w;
    while b < blocks && !stopped() {
        let (i0, i1) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
        let mut j0 = i0;
        while j0 < n {
            let j1 = (j0 + BLOCK).min(n);
            tile((i0, i1), (j0, j1));
            j0 = j1;
        }
        b += workers;
    }
}

/// The rows of a tile that hold pairs `i < j`, each with its first such column:
/// `(i, start)` with `cols.0 <= start < cols.1`.
fn tile_rows(rows: (usize, usize), cols: (usize, usize)) -> impl Iterator<Item = (usize, usize)> {
    (rows.0..rows.1)
        .map(move |i| (i, cols.0.max(i + 1)))
        .filter(move |&(_, start)| start < cols.1)
}

/// Visit every pair `i < j` once, tile by tile, in parallel: `visit(acc, i, j0, row)` gets
/// the distances of row `i` to columns `j0..j0 + row.len()` (all `> i`). Worker `w` starts
/// from `init(w)`; returns one accumulator per worker.
fn sweep<A: Send>(
    dist: &Distances<'_>,
    init: impl Fn(usize) -> A + Sync,
    visit: impl Fn(&mut A, usize, usize, &[f64]) + Sync,
) -> Vec<A> {
    let n = dist.n;
    let workers = workers(n);
    // Checked per block of rows; the caller checks after the sweep (a stopped sweep has
    // visited only some pairs, and `replay` must not read what it did not record).
    let watch = crate::interrupt::current();
    parallel::install(|| {
        (0..workers)
            .into_par_iter()
            .map(|w| {
                let mut acc = init(w);
                let mut tile = vec![0.0; BLOCK * BLOCK];
                walk_tiles(
                    n,
                    w,
                    workers,
                    || watch.stopped(),
                    |rows, cols| {
                        dist.tile(rows, cols, &mut tile);
                        for (i, start) in tile_rows(rows, cols) {
                            let base = (i - rows.0) * BLOCK;
                            visit(
                                &mut acc,
                                i,
                                start,
                                &tile[base + start - cols.0..base + cols.1 - cols.0],
                            );
                        }
                    },
                );
                acc
            })
            .collect()
    })
}

/// Number of workers of [`sweep`] and [`replay`] for `n` items (both must agree).
fn workers(n: usize) -> usize {
    parallel::num_threads().max(1).min(n.div_ceil(BLOCK).max(1))
}

/// Number of pairs worker `w` of `workers` visits (its blocks of rows, every `j > i`).
fn pairs_of_worker(n: usize, w: usize, workers: usize) -> usize {
    let blocks = n.div_ceil(BLOCK);
    (w..blocks)
        .step_by(workers.max(1))
        .map(|b| {
            let (i0, i1) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
            (i0..i1).map(|i| n - i - 1).sum::<usize>()
        })
        .sum()
}

/// Walk the pairs in [`sweep`]'s order again, reading one code per pair from what each
/// worker recorded: `visit(acc, i, j0, codes)` gets the codes of row `i` against columns
/// `j0..j0 + codes.len()`.
fn replay<A: Send>(
    n: usize,
    recorded: &[Vec<u16>],
    init: impl Fn() -> A + Sync,
    visit: impl Fn(&mut A, usize, usize, &[u16]) + Sync,
) -> Vec<A> {
    let workers = recorded.len();
    let watch = crate::interrupt::current();
    parallel::install(|| {
        recorded
            .par_iter()
            .enumerate()
            .map(|(w, codes)| {
                let mut acc = init();
                let mut at = 0usize;
                walk_tiles(
                    n,
                    w,
                    workers,
                    || watch.stopped(),
                    |rows, cols| {
                        for (i, start) in tile_rows(rows, cols) {
                            let len = cols.1 - start;
                            visit(&mut acc, i, start, &codes[at..at + len]);
                            at += len;
                        }
                    },
                );
                acc
            })
            .collect()
    })
}

/// Pass 1 keeps each pair's histogram bin (2 bytes) for pass 2 when that takes at most this
/// much memory (n <= 23,170); beyond, pass 2 recomputes the pairs instead.
const CODE_CACHE_BYTES: usize = 512 << 20;

/// numpy's linear quantile (`np.quantile(v, q)`) given a way to read order statistics.
#[allow(clippy::cast_precision_loss)]
fn numpy_quantile(count: u64, q: f64, nth: impl Fn(u64) -> f64) -> f64 {
    let virtual_index = (count - 1) as f64 * q;
    let (prev, next) = quantile_ranks(count, q);
    let gamma = virtual_index - prev as f64;
    let (a, b) = (nth(prev), nth(next));
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

/// The two order statistics (0-based ranks) numpy's linear quantile reads.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn quantile_ranks(count: u64, q: f64) -> (u64, u64) {
    let v = (count - 1) as f64 * q;
    if v >= (count - 1) as f64 {
        (count - 1, count - 1)
    } else {
        let p = v.floor() as u64;
        (p, p + 1)
    }
}

/// `numpy.linspace(start, stop, num)`.
#[allow(clippy::cast_precision_loss)]
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut y: Vec<f64> = (0..num)
        .map(|k| {
            let k = k as f64;
            if step == 0.0 {
                k / div * delta + start
            } else {
                k * step + start
            }
        })
        .collect();
    if let Some(last) = y.last_mut() {
        *last = stop;
    }
    y
}

const HIST_BINS: usize = 1 << 16;

/// OPIS and epsilon-OPIS of `source` with class `labels` (codes `0..num_classes`).
///
/// The phases: [`classes_and_weights`] (which classes count, with what weight, and their
/// pair counts), [`calibrate`] (intervals certain to hold each threshold), [`count_pairs`]
/// (per class, the pairs between consecutive intervals, and the few inside one), [`place_grid`]
/// (the exact thresholds), [`utilities`] (each class's utility at each threshold, and the
/// reference) and [`integrate_scores`] (OPIS and epsilon-OPIS over the grid).
///
/// Errors: fewer than two classes with two or more members (no variance across classes to
/// speak of), no negative pairs, non-finite embeddings, a zero embedding with the cosine
/// metric, bad shapes or options, or class weights that are not non-negative with a positive
/// sum over the evaluated classes.
#[allow(clippy::cast_precision_loss)]
pub fn opis(
    source: PairSource<'_>,
    labels: &[u32],
    class_weights: Option<&[f64]>,
    opts: &OpisOptions,
) -> Result<OpisResult> {
    check_options(opts)?;
    let n = labels.len();
    let classes = classes_and_weights(labels, class_weights)?;
    let dist = Distances::new(source, n, opts.metric)?;
    let k_count = opts.n_thresholds;
    let num_classes = classes.num_classes;
    // Every buffer of a threshold (bounds, the counts of each worker and their sum, utilities)
    // is asked for up front: an `n_thresholds` too large for memory is an error, not an abort.
    let words = (k_count as u128 + 1)
        * ((workers(n) as u128 + 1) * (2 * num_classes as u128 + 1) + num_classes as u128 + 8);
    crate::memory::ensure("n_thresholds", k_count, words * 8)?;

    let (plan, recorded) = calibrate(&dist, labels, opts, &classes)?;
    let counts = count_pairs(&dist, labels, num_classes, &plan, recorded)?;
    let grid = place_grid(&plan, &counts, classes.total_neg)?;
    let (utility_matrix, reference) = utilities(&classes, &counts, &grid, opts);
    let (opis_value, epsilon_opis) =
        integrate_scores(&classes.weights, &utility_matrix, &reference, opts);
    let thresholds = if dist.negate {
        grid.iter().map(|g| -g).collect()
    } else {
        grid
    };
    Ok(OpisResult {
        opis: opis_value,
        epsilon_opis,
        thresholds,
        classes: classes.classes,
        weights: classes.weights,
        utility: utility_matrix,
        reference,
    })
}

/// Which classes OPIS evaluates, their weights, and the pair counts of every label code.
struct Classes {
    /// One past the largest label code.
    num_classes: usize,
    /// The evaluated classes: label codes with two or more members, ascending.
    classes: Vec<u32>,
    /// Their weights, normalised to sum to 1.
    weights: Vec<f64>,
    /// Positive (within-class) pairs of each label code.
    pos_pairs: Vec<u64>,
    /// Negative pairs (exactly one member in the class) of each label code.
    neg_pairs: Vec<u64>,
    total_pairs: u64,
    total_pos: u64,
    total_neg: u64,
}

/// Phase 1 of [`opis`]: the classes with two or more members (at least two of them), their
/// weights (equal, or `class_weights` renormalised over them), and the pair counts.
#[allow(clippy::cast_precision_loss)]
fn classes_and_weights(labels: &[u32], class_weights: Option<&[f64]>) -> Result<Classes> {
    let n = labels.len();
    let num_classes = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let mut sizes = vec![0u64; num_classes];
    for &l in labels {
        sizes[l as usize] += 1;
    }
    let present = sizes.iter().filter(|&&s| s > 0).count();
    if present < 2 {
        return Err(RankError::invalid(
            "labels",
            "at least two classes (negative pairs join two classes)",
            format!("{present} class{}", if present == 1 { "" } else { "es" }),
        ));
    }
    let classes: Vec<u32> = (0..num_classes)
        .filter(|&c| sizes[c] >= 2)
        .map(|c| u32::try_from(c).unwrap_or(u32::MAX))
        .collect();
    if classes.len() < 2 {
        return Err(RankError::invalid(
            "labels",
            "at least two classes with two or more members (classes of one have no positive pairs)",
            format!(
                "{} such class{}",
                classes.len(),
                if classes.len() == 1 { "" } else { "es" }
            ),
        ));
    }
    let weights: Vec<f64> = match class_weights {
        None => vec![1.0 / classes.len() as f64; classes.len()],
        Some(w) => {
            if w.len() != num_classes {
                return Err(RankError::shape(
                    "class_weights",
                    format!("one weight per class ({num_classes})"),
                    format!("{} weights", w.len()),
                ));
            }
            if let Some(p) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(RankError::invalid(
                    "class_weights",
                    "finite non-negative weights",
                    format!("{} for class {p}", w[p]),
                ));
            }
            let picked: Vec<f64> = classes.iter().map(|&c| w[c as usize]).collect();
            let total: f64 = picked.iter().sum();
            if total <= 0.0 {
                return Err(RankError::invalid(
                    "class_weights",
                    "a positive total over the classes with two or more members",
                    total,
                ));
            }
            picked.iter().map(|v| v / total).collect()
        }
    };
    let total_pairs = (n as u64) * (n as u64 - 1) / 2;
    let pos_pairs: Vec<u64> = sizes.iter().map(|&s| s * s.saturating_sub(1) / 2).collect();
    let neg_pairs: Vec<u64> = sizes.iter().map(|&s| s * (n as u64 - s)).collect();
    let total_pos: u64 = pos_pairs.iter().sum();
    Ok(Classes {
        num_classes,
        classes,
        weights,
        pos_pairs,
        neg_pairs,
        total_pairs,
        total_pos,
        total_neg: total_pairs - total_pos,
    })
}

/// Intervals `[lower[k], upper[k]]` certain to hold threshold `k`, and what the quantiles need.
struct Plan {
    lower: Vec<f64>,
    upper: Vec<f64>,
    grid: Option<Vec<f64>>,
    quantile_bins: Option<(f64, f64)>,
    /// Histogram geometry of pass 1, when there was one.
    bins: Option<Bins>,
}

impl Plan {
    /// `Some(gap)` for a distance outside every interval (gap `k` lies below interval `k`,
    /// gap `n_thresholds` beyond the last), `None` for one inside an interval.
    fn region(&self, d: f64) -> Option<usize> {
        let k_count = self.upper.len();
        if d > self.upper[k_count - 1] {
            return Some(k_count);
        }
        if d < self.lower[0] {
            return Some(0);
        }
        let j = self.upper.partition_point(|&u| u < d);
        if d >= self.lower[j] { None } else { Some(j) }
    }
}

/// The histogram of pass 1: `HIST_BINS` bins of `width` from `start`, each widened by `slack`
/// on both sides (the first and last open-ended).
#[derive(Clone, Copy)]
struct Bins {
    start: f64,
    width: f64,
    slack: f64,
}

impl Bins {
    /// A value at or below every distance in bin `b`.
    #[allow(clippy::cast_precision_loss)]
    fn lower(self, b: usize) -> f64 {
        if b == 0 {
            f64::NEG_INFINITY
        } else {
            self.start + b as f64 * self.width - self.slack
        }
    }

    /// A value at or above every distance in bin `b`.
    #[allow(clippy::cast_precision_loss)]
    fn upper(self, b: usize) -> f64 {
        if b == HIST_BINS - 1 {
            f64::INFINITY
        } else {
            self.start + (b + 1) as f64 * self.width + self.slack
        }
    }
}

/// Phase 2 of [`opis`], calibration: the intervals that hold the thresholds. Given
/// thresholds are the grid itself; a FAR range takes a first pass over the pairs that
/// histograms the negative distances and locates the two quantiles to a bin. Returns the
/// plan and, when they fit in `CODE_CACHE_BYTES`, each worker's pair bins for pass 2.
#[allow(clippy::cast_precision_loss)]
fn calibrate(
    dist: &Distances<'_>,
    labels: &[u32],
    opts: &OpisOptions,
    classes: &Classes,
) -> Result<(Plan, Vec<Vec<u16>>)> {
    let n = labels.len();
    let k_count = opts.n_thresholds;
    let (q_lo, q_hi) = match opts.calibration {
        Calibration::Threshold(a, b) => {
            let (a, b) = if dist.negate { (-a, -b) } else { (a, b) };
            let grid = linspace(a.min(b), a.max(b), k_count);
            let plan = Plan {
                lower: grid.clone(),
                upper: grid.clone(),
                grid: Some(grid),
                quantile_bins: None,
                bins: None,
            };
            return Ok((plan, Vec::new()));
        }
        Calibration::Far(q_lo, q_hi) => (q_lo, q_hi),
    };
    let (lo_b, hi_b) = dist.bounds();
    let width = (hi_b - lo_b) / HIST_BINS as f64;
    let inv = HIST_BINS as f64 / (hi_b - lo_b);
    // Monotone in d: distances are at least lo_b, and `as` truncates (saturating; a
    // rounding error below 0 lands in bin 0).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bin =
        |d: f64| -> usize { (((d - lo_b) * inv) as i32).clamp(0, HIST_BINS as i32 - 1) as usize };
    let record =
        usize::try_from(classes.total_pairs).is_ok_and(|p| p.saturating_mul(2) <= CODE_CACHE_BYTES);
    let passes = sweep(
        dist,
        |w| {
            let capacity = if record {
                pairs_of_worker(n, w, workers(n))
            } else {
                0
            };
            (
                vec![0u64; HIST_BINS],
                Vec::<u16>::with_capacity(capacity),
                Vec::<u16>::with_capacity(BLOCK),
            )
        },
        |(h, codes, scratch), i, j0, row| {
            // Bins first (a loop the compiler vectorises), then the counts.
            let li = labels[i];
            let bins: &mut Vec<u16> = if record { codes } else { scratch };
            let start = if record { bins.len() } else { 0 };
            if !record {
                bins.clear();
            }
            #[allow(clippy::cast_possible_truncation)]
            bins.extend(row.iter().map(|&d| bin(d) as u16));
            for (&b, &lj) in bins[start..].iter().zip(&labels[j0..]) {
                if lj != li {
                    h[b as usize] += 1;
                }
            }
        },
    );
    crate::interrupt::current().check()?;
    let mut hist = vec![0u64; HIST_BINS];
    let mut recorded: Vec<Vec<u16>> = Vec::new();
    for (h, codes, _) in passes {
        hist.iter_mut().zip(h).for_each(|(a, b)| *a += b);
        if record {
            recorded.push(codes);
        }
    }
    let bin_of_rank = |r: u64| -> usize {
        let mut acc = 0u64;
        for (b, &c) in hist.iter().enumerate() {
            acc += c;
            if acc > r {
                return b;
            }
        }
        HIST_BINS - 1
    };
    let (lo1, lo2) = quantile_ranks(classes.total_neg, q_lo);
    let (hi1, hi2) = quantile_ranks(classes.total_neg, q_hi);
    let slack = width * 1e-6;
    let bins = Bins {
        start: lo_b,
        width,
        slack,
    };
    let (l_lo, u_lo) = (bins.lower(bin_of_rank(lo1)), bins.upper(bin_of_rank(lo2)));
    let (l_hi, u_hi) = (bins.lower(bin_of_rank(hi1)), bins.upper(bin_of_rank(hi2)));
    // Thresholds are increasing in both ends of the range; widen by a few ulps.
    let mut lower: Vec<f64> = linspace(l_lo.max(lo_b - 1.0), l_hi.max(lo_b - 1.0), k_count)
        .into_iter()
        .map(|v| v - slack - 4.0 * f64::EPSILON * v.abs())
        .collect();
    let mut upper: Vec<f64> = linspace(u_lo.min(hi_b + 1.0), u_hi.min(hi_b + 1.0), k_count)
        .into_iter()
        .map(|v| v + slack + 4.0 * f64::EPSILON * v.abs())
        .collect();
    if l_lo == f64::NEG_INFINITY {
        lower[0] = f64::NEG_INFINITY;
    }
    if u_hi == f64::INFINITY {
        upper[k_count - 1] = f64::INFINITY;
    }
    let plan = Plan {
        lower,
        upper,
        grid: None,
        quantile_bins: Some((q_lo, q_hi)),
        bins: Some(bins),
    };
    Ok((plan, recorded))
}

/// Pass 2's counts: per class (`[class * gaps + gap]`) and pooled, the pairs between
/// consecutive intervals; the pairs inside an interval, kept with their classes.
struct Counts {
    /// `n_thresholds + 1`.
    gaps: usize,
    pos: Vec<u64>,
    neg: Vec<u64>,
    neg_all: Vec<u64>,
    /// `(distance, class i, class j)`, sorted by distance once merged.
    kept: Vec<(f64, u32, u32)>,
}

impl Counts {
    fn new(num_classes: usize, gaps: usize) -> Self {
        Counts {
            gaps,
            pos: vec![0; num_classes * gaps],
            neg: vec![0; num_classes * gaps],
            neg_all: vec![0; gaps],
            kept: Vec::new(),
        }
    }

    /// Count a pair of classes `ci`, `cj` in gap `g` below the last threshold.
    fn add_gap(&mut self, ci: usize, cj: usize, g: usize) {
        let gaps = self.gaps;
        if ci == cj {
            self.pos[ci * gaps + g] += 1;
        } else {
            self.neg[ci * gaps + g] += 1;
            self.neg[cj * gaps + g] += 1;
            self.neg_all[g] += 1;
        }
    }

    /// Count a pair at distance `d`, or keep it when it lies inside an interval.
    fn add(&mut self, plan: &Plan, ci: usize, cj: usize, d: f64) {
        match plan.region(d) {
            Some(g) if g == self.gaps - 1 => {} // beyond every threshold: known from the totals
            Some(g) => self.add_gap(ci, cj, g),
            #[allow(clippy::cast_possible_truncation)]
            None => self.kept.push((d, ci as u32, cj as u32)),
        }
    }

    /// Add another worker's counts (its kept pairs after these).
    fn merge(&mut self, other: Counts) {
        self.pos
            .iter_mut()
            .zip(other.pos)
            .for_each(|(x, y)| *x += y);
        self.neg
            .iter_mut()
            .zip(other.neg)
            .for_each(|(x, y)| *x += y);
        self.neg_all
            .iter_mut()
            .zip(other.neg_all)
            .for_each(|(x, y)| *x += y);
        self.kept.extend(other.kept);
    }
}

/// Phase 3 of [`opis`], counting: pass 2 over the pairs (replaying pass 1's bins where it
/// recorded them, recomputing the pairs otherwise), merged over the workers, kept pairs sorted.
fn count_pairs(
    dist: &Distances<'_>,
    labels: &[u32],
    num_classes: usize,
    plan: &Plan,
    recorded: Vec<Vec<u16>>,
) -> Result<Counts> {
    let n = labels.len();
    let k_count = plan.upper.len();
    let gaps = k_count + 1;
    let last_upper = plan.upper[k_count - 1];
    let new_counts = |_: usize| Counts::new(num_classes, gaps);
    let accs = match (recorded.is_empty(), plan.bins) {
        (false, Some(bins)) => {
            // What each histogram bin says about its pairs: a gap (index), or "look closer".
            // 32-bit gap indices: with 16 bits, 65,535 thresholds or more wrapped the gap index
            // (and met `look`), and the quantiles came out of the wrong gaps. A gap beyond 32
            // bits is looked at closely, which is always exact.
            let look = u32::MAX;
            let status: Vec<u32> = (0..HIST_BINS)
                .map(
                    |b| match (plan.region(bins.lower(b)), plan.region(bins.upper(b))) {
                        (Some(g), Some(h)) if g == h => u32::try_from(g).unwrap_or(look),
                        _ => look,
                    },
                )
                .collect();
            replay(
                n,
                &recorded,
                || new_counts(0),
                |a, i, j0, codes| {
                    let ci = labels[i] as usize;
                    for (k, (&code, &cj)) in codes.iter().zip(&labels[j0..]).enumerate() {
                        let g = status[code as usize];
                        let cj = cj as usize;
                        if g == look {
                            a.add(plan, ci, cj, dist.pair(i, j0 + k));
                        } else if (g as usize) < k_count {
                            a.add_gap(ci, cj, g as usize);
                        }
                    }
                },
            )
        }
        _ => sweep(dist, new_counts, |a, i, j0, row| {
            let ci = labels[i] as usize;
            for (&d, &cj) in row.iter().zip(&labels[j0..]) {
                if d <= last_upper {
                    a.add(plan, ci, cj as usize, d);
                }
            }
        }),
    };
    drop(recorded);
    crate::interrupt::current().check()?;
    let mut counts = Counts::new(num_classes, gaps);
    for a in accs {
        counts.merge(a);
    }
    counts.kept.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    Ok(counts)
}

/// Phase 4 of [`opis`]: the thresholds. Given ones as they are; with a FAR range, the two
/// quantiles of the negative distances read from the gap counts and the kept pairs of the
/// intervals that hold them, and `linspace` between.
fn place_grid(plan: &Plan, counts: &Counts, total_neg: u64) -> Result<Vec<f64>> {
    let k_count = plan.upper.len();
    match (&plan.grid, plan.quantile_bins) {
        (Some(g), _) => Ok(g.clone()),
        (None, Some((q_lo, q_hi))) => {
            let kept_neg: Vec<f64> = counts
                .kept
                .iter()
                .filter(|e| e.1 != e.2)
                .map(|e| e.0)
                .collect();
            // Rank r of all negatives; unkept negatives below interval k: gaps 0..=k.
            let nth_in = |k: usize, r: u64| -> Result<f64> {
                let below_unkept: u64 = counts.neg_all[..=k].iter().sum();
                let start = kept_neg.partition_point(|&v| v < plan.lower[k]) as u64;
                let idx = r.checked_sub(below_unkept + start);
                idx.and_then(|i| usize::try_from(i + start).ok())
                    .and_then(|i| kept_neg.get(i).copied())
                    .filter(|&v| v <= plan.upper[k])
                    .ok_or_else(|| {
                        RankError::invalid(
                            "far_range",
                            "a range whose quantiles the histogram located",
                            "an internal inconsistency (please report)",
                        )
                    })
            };
            let d_lo = quantile_checked(total_neg, q_lo, |r| nth_in(0, r))?;
            let d_hi = quantile_checked(total_neg, q_hi, |r| nth_in(k_count - 1, r))?;
            let grid = linspace(d_lo, d_hi, k_count);
            if grid
                .iter()
                .zip(plan.lower.iter().zip(&plan.upper))
                .any(|(g, (l, u))| g < l || g > u)
            {
                return Err(RankError::invalid(
                    "far_range",
                    "thresholds inside their located intervals",
                    "an internal inconsistency (please report)",
                ));
            }
            Ok(grid)
        }
        (None, None) => Err(RankError::invalid(
            "calibration",
            "a calibration range",
            "none",
        )),
    }
}

/// Phase 5 of [`opis`]: the exact counts at each threshold, per class and pooled, into the
/// utility matrix (`[class * n_thresholds + k]`, evaluated classes only) and the reference.
fn utilities(
    classes: &Classes,
    counts: &Counts,
    grid: &[f64],
    opts: &OpisOptions,
) -> (Vec<f64>, Vec<f64>) {
    let (num_classes, k_count, gaps) = (classes.num_classes, grid.len(), counts.gaps);
    let mut kept_pos: Vec<Vec<f64>> = vec![Vec::new(); num_classes];
    let mut kept_neg: Vec<Vec<f64>> = vec![Vec::new(); num_classes];
    let mut kept_neg_all: Vec<f64> = Vec::new();
    let mut kept_pos_all: Vec<f64> = Vec::new();
    for &(d, ci, cj) in &counts.kept {
        if ci == cj {
            kept_pos[ci as usize].push(d);
            kept_pos_all.push(d);
        } else {
            kept_neg[ci as usize].push(d);
            kept_neg[cj as usize].push(d);
            kept_neg_all.push(d);
        }
    }
    let accepted = |gap: &[u64], kept: &[f64], k: usize| -> u64 {
        gap[..=k].iter().sum::<u64>() + kept.partition_point(|&v| v <= grid[k]) as u64
    };
    let util = |tp: u64, p: u64, fp: u64, neg: u64| -> f64 {
        utility(opts.utility, opts.beta, tp, p, fp, neg)
    };
    let mut utility_matrix = Vec::with_capacity(classes.classes.len() * k_count);
    for &c in &classes.classes {
        let c = c as usize;
        let (pg, ng) = (
            &counts.pos[c * gaps..(c + 1) * gaps],
            &counts.neg[c * gaps..(c + 1) * gaps],
        );
        for k in 0..k_count {
            let tp = accepted(pg, &kept_pos[c], k);
            let fp = accepted(ng, &kept_neg[c], k);
            utility_matrix.push(util(tp, classes.pos_pairs[c], fp, classes.neg_pairs[c]));
        }
    }
    let reference: Vec<f64> = match opts.reference {
        Reference::ClassMean => (0..k_count)
            .map(|k| {
                classes
                    .weights
                    .iter()
                    .enumerate()
                    .map(|(ci, w)| w * utility_matrix[ci * k_count + k])
                    .sum()
            })
            .collect(),
        Reference::Pooled => {
            let mut pos_all_gap = vec![0u64; gaps];
            for c in 0..num_classes {
                pos_all_gap
                    .iter_mut()
                    .zip(&counts.pos[c * gaps..(c + 1) * gaps])
                    .for_each(|(a, b)| *a += b);
            }
            (0..k_count)
                .map(|k| {
                    let tp = accepted(&pos_all_gap, &kept_pos_all, k);
                    let fp = accepted(&counts.neg_all, &kept_neg_all, k);
                    util(tp, classes.total_pos, fp, classes.total_neg)
                })
                .collect()
        }
    };
    (utility_matrix, reference)
}

/// Phase 6 of [`opis`], integration: OPIS (the weighted mean over classes of the integrated
/// squared distance to the reference) and epsilon-OPIS (the integrated squared gap between
/// the mean utilities of the best and worst `max(1, floor(epsilon T))` classes).
#[allow(clippy::cast_precision_loss)]
fn integrate_scores(
    weights: &[f64],
    utility_matrix: &[f64],
    reference: &[f64],
    opts: &OpisOptions,
) -> (f64, f64) {
    let (num_evaluated, k_count) = (weights.len(), reference.len());
    let integrate = |f: &dyn Fn(usize) -> f64| -> f64 {
        let total: f64 = (0..k_count).map(f).sum();
        match opts.integration {
            Integration::Mean => total / k_count as f64,
            Integration::Trapezoid => {
                (total - 0.5 * (f(0) + f(k_count - 1))) / (k_count - 1) as f64
            }
        }
    };
    let opis_value: f64 = weights
        .iter()
        .enumerate()
        .map(|(ci, w)| {
            w * integrate(&|k| {
                let dv = utility_matrix[ci * k_count + k] - reference[k];
                dv * dv
            })
        })
        .sum();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let m = ((opts.epsilon * num_evaluated as f64).floor() as usize).max(1);
    let spread: Vec<f64> = (0..k_count)
        .map(|k| {
            let mut u: Vec<f64> = (0..num_evaluated)
                .map(|ci| utility_matrix[ci * k_count + k])
                .collect();
            u.sort_by(f64::total_cmp);
            let bottom: f64 = u[..m].iter().sum::<f64>() / m as f64;
            let top: f64 = u[u.len() - m..].iter().sum::<f64>() / m as f64;
            (top - bottom) * (top - bottom)
        })
        .collect();
    let epsilon_opis = integrate(&|k| spread[k]);
    (opis_value, epsilon_opis)
}

/// numpy's linear quantile of `count` values, reading the two order statistics through `nth`.
fn quantile_checked(count: u64, q: f64, nth: impl Fn(u64) -> Result<f64>) -> Result<f64> {
    let (a, b) = quantile_ranks(count, q);
    let (va, vb) = (nth(a)?, nth(b)?);
    Ok(numpy_quantile(count, q, |r| if r == a { va } else { vb }))
}

/// The utility of one class at one threshold from its confusion counts.
#[allow(clippy::cast_precision_loss)]
fn utility(kind: Utility, beta: f64, tp: u64, pos: u64, fp: u64, neg: u64) -> f64 {
    let b2 = beta * beta;
    match kind {
        Utility::HarmonicMean => {
            let tar = tp as f64 / pos as f64;
            let trr = (neg - fp) as f64 / neg as f64;
            let den = b2 * tar + trr;
            if den > 0.0 {
                (1.0 + b2) * tar * trr / den
            } else {
                0.0
            }
        }
        Utility::F1 => {
            if tp == 0 {
                return 0.0;
            }
            let (tp, fn_, fp) = (tp as f64, (pos - tp) as f64, fp as f64);
            (1.0 + b2) * tp / ((1.0 + b2) * tp + b2 * fn_ + fp)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct definition on a full matrix.
    fn direct(m: &[f64], labels: &[u32], grid: &[f64]) -> (f64, Vec<Vec<f64>>) {
        let n = labels.len();
        let classes: Vec<u32> = {
            let mut c: Vec<u32> = labels.to_vec();
            c.sort_unstable();
            c.dedup();
            c.into_iter()
                .filter(|&c| labels.iter().filter(|&&l| l == c).count() >= 2)
                .collect()
        };
        let mut u = vec![vec![0.0; grid.len()]; classes.len()];
        for (ci, &c) in classes.iter().enumerate() {
            for (k, &g) in grid.iter().enumerate() {
                let (mut tp, mut p, mut fp, mut ng) = (0, 0, 0, 0);
                for i in 0..n {
                    for j in i + 1..n {
                        let d = m[i * n + j];
                        let (a, b) = (labels[i] == c, labels[j] == c);
                        if a && b {
                            p += 1;
                            tp += u64::from(d <= g);
                        } else if a || b {
                            ng += 1;
                            fp += u64::from(d <= g);
                        }
                    }
                }
                u[ci][k] = utility(Utility::HarmonicMean, 1.0, tp, p, fp, ng);
            }
        }
        let t = classes.len() as f64;
        let kk = grid.len();
        let mut total = 0.0;
        for ci in 0..classes.len() {
            let f = |k: usize| {
                let mean: f64 = u.iter().map(|r| r[k]).sum::<f64>() / t;
                (u[ci][k] - mean).powi(2)
            };
            let s: f64 = (0..kk).map(f).sum();
            total += (s - 0.5 * (f(0) + f(kk - 1))) / (kk - 1) as f64 / t;
        }
        (total, u)
    }

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn streamed_counts_equal_the_direct_definition() {
        let n = 60;
        let mut seed = 7;
        let labels: Vec<u32> = (0..n).map(|i| (i % 4) as u32).collect();
        let mut m = vec![0.0; n * n];
        for i in 0..n {
            for j in i + 1..n {
                let same = labels[i] == labels[j];
                let v = (lcg(&mut seed) * 20.0).round() / 20.0 + if same { 0.0 } else { 0.3 };
                m[i * n + j] = v;
                m[j * n + i] = v;
            }
        }
        let opts = OpisOptions {
            metric: Metric::Distance,
            ..OpisOptions::default()
        };
        let got = opis(PairSource::MatrixF64(&m), &labels, None, &opts).unwrap();
        // The FAR range from the negatives, as numpy would compute it.
        let mut neg: Vec<f64> = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                if labels[i] != labels[j] {
                    neg.push(m[i * n + j]);
                }
            }
        }
        neg.sort_by(f64::total_cmp);
        let q = |q: f64| numpy_quantile(neg.len() as u64, q, |r| neg[r as usize]);
        let grid = linspace(q(0.01), q(0.1), 101);
        assert_eq!(got.thresholds, grid);
        let (want, u) = direct(&m, &labels, &grid);
        for (ci, row) in u.iter().enumerate() {
            assert_eq!(&got.utility[ci * 101..(ci + 1) * 101], row.as_slice());
        }
        assert!((got.opis - want).abs() < 1e-15, "{} vs {want}", got.opis);
    }

    #[test]
    fn one_class_or_singletons_are_refused() {
        let m = vec![0.0; 9];
        let opts = OpisOptions {
            metric: Metric::Distance,
            ..OpisOptions::default()
        };
        let e = opis(PairSource::MatrixF64(&m), &[0, 0, 0], None, &opts).unwrap_err();
        assert!(e.to_string().contains("at least two classes"), "{e}");
        let e = opis(PairSource::MatrixF64(&m), &[0, 1, 2], None, &opts).unwrap_err();
        assert!(e.to_string().contains("two or more members"), "{e}");
    }
}
