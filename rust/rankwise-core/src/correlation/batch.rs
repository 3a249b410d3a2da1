//! Pairwise statistics over the rows of a batch, in parallel.
//!
//! `x` and `y` share one [`RowLayout`] (a 2-D array's rows, or ragged rows cut by offsets);
//! row `q` of the result is the statistic of `x[q]` and `y[q]`. NaN is handled per row
//! following [`NanPolicy`]; each row's values become order keys in per-thread buffers, and
//! rows run on the rankwise thread pool (a single long row parallelises inside instead).

use rayon::prelude::*;

use super::ap::{ApScratch, ApTies, ap_correlation};
use super::kendall::{KendallOptions, KendallScratch, kendall_tau};
use super::spearman::{SpearmanScratch, spearman};
use super::weighted::{RankSpec, Weigher, WeightedScratch, weighted_tau};
use super::{Alternative, Estimate, NanPolicy, Status, Values};
use crate::error::{RankError, Result};
use crate::parallel;
use crate::ragged::RowLayout;

/// How many rows ended in each [`Status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Rows with fewer than two observations.
    pub too_small: usize,
    /// Of those, rows from which NaN was omitted (scipy words its warning differently).
    pub too_small_after_omit: usize,
    /// Rows where a variable is constant.
    pub constant: usize,
    /// Rows set to NaN because they hold NaN (`NanPolicy::Propagate`).
    pub nan: usize,
}

impl Summary {
    fn count(&mut self, s: Status, omitted: bool) {
        match s {
            Status::Ok => {}
            Status::TooSmall => {
                self.too_small += 1;
                self.too_small_after_omit += usize::from(omitted);
            }
            Status::Constant => self.constant += 1,
            Status::Nan => self.nan += 1,
        }
    }
}

/// The order keys of one row, after the NaN policy.
pub struct RowKeys<'s> {
    pub x: &'s [u64],
    pub y: &'s [u64],
    /// The keys of a third, aligned variable (weighted tau's ranks), if any.
    pub z: Option<&'s [u64]>,
}

#[derive(Default)]
struct Buffers<S> {
    x: Vec<u64>,
    y: Vec<u64>,
    z: Vec<u64>,
    keep: Vec<u32>,
    kernel: S,
}

/// A batch: `x` and `y` cut into rows by one layout, row `q` pairing `x[q]` with `y[q]`.
/// What every `*_rows` function takes.
#[derive(Debug, Clone, Copy)]
pub struct RowPairs<'a> {
    pub x: Values<'a>,
    pub y: Values<'a>,
    pub layout: RowLayout<'a>,
}

/// Checks the shapes of a batch: `x`, `y` (and `z`) have the layout's length.
fn check(rows: &RowPairs<'_>, z: Option<&Values<'_>>) -> Result<()> {
    let RowPairs { x, y, layout } = rows;
    if y.len() != x.len() {
        return Err(RankError::shape(
            "y",
            format!("the shape of `x` ({} values)", x.len()),
            format!("{} values", y.len()),
        ));
    }
    if let Some(z) = z
        && z.len() != x.len()
    {
        return Err(RankError::shape(
            "rank",
            format!("the shape of `x` ({} values)", x.len()),
            format!("{} values", z.len()),
        ));
    }
    if layout.len() != x.len() {
        return Err(RankError::shape(
            "x",
            format!("{} values to match the row layout", layout.len()),
            format!("{} values", x.len()),
        ));
    }
    if (0..layout.rows()).any(|q| layout.range(q).len() >= u32::MAX as usize) {
        return Err(RankError::invalid(
            "x",
            format!("rows shorter than {} values", u32::MAX),
            "a longer row",
        ));
    }
    Ok(())
}

/// Run `kernel` on every row; `nan_is_value` keeps NaN as the smallest value under
/// [`NanPolicy::Propagate`] (weighted tau) instead of giving the row NaN (`nan_output`).
fn map_rows<S, T>(
    rows: RowPairs<'_>,
    z: Option<Values<'_>>,
    nan_policy: NanPolicy,
    nan_is_value: bool,
    nan_output: T,
    kernel: impl Fn(&RowKeys<'_>, &mut S) -> Result<(T, Status)> + Sync,
) -> Result<(Vec<T>, Summary)>
where
    S: Default + Send,
    T: Send + Sync + Copy,
{
    check(&rows, z.as_ref())?;
    let RowPairs { x, y, layout } = rows;
    let row = |q: usize, buf: &mut Buffers<S>| -> Result<(T, Status, bool)> {
        let range = layout.range(q);
        let range_len = range.len();
        let (xs, ys) = (x.slice(range.clone()), y.slice(range.clone()));
        let zs = z.map(|z| z.slice(range));
        let first_nan = |v: &Values<'_>| v.first_nan();
        let nan_at = [Some(&xs), Some(&ys), zs.as_ref()]
            .into_iter()
            .zip(["x", "y", "rank"])
            .filter_map(|(v, name)| v.and_then(|v| first_nan(v).map(|p| (name, p))))
            .min_by_key(|&(_, p)| p);
        let omit = match (nan_at, nan_policy) {
            (None, _) => false,
            (Some(_), NanPolicy::Propagate) if nan_is_value => false,
            (Some(_), NanPolicy::Propagate) => return Ok((nan_output, Status::Nan, false)),
            (Some((name, p)), NanPolicy::Raise) => {
                return Err(RankError::invalid(
                    name,
                    "free of NaN with nan_policy=\"raise\"",
                    format!("NaN at row {q}, position {p}"),
                ));
            }
            (Some(_), NanPolicy::Omit) => true,
        };
        if omit {
            buf.keep.clear();
            #[allow(clippy::cast_possible_truncation)]
            buf.keep.extend(
                (0..xs.len())
                    .filter(|&i| !xs.is_nan(i) && !ys.is_nan(i) && !zs.is_some_and(|z| z.is_nan(i)))
                    .map(|i| i as u32),
            );
            xs.keys_at(&buf.keep, &mut buf.x);
            ys.keys_at(&buf.keep, &mut buf.y);
            if let Some(zs) = zs {
                zs.keys_at(&buf.keep, &mut buf.z);
            }
        } else {
            xs.keys_into(&mut buf.x);
            ys.keys_into(&mut buf.y);
            if let Some(zs) = zs {
                zs.keys_into(&mut buf.z);
            }
        }
        let keys = RowKeys {
            x: &buf.x,
            y: &buf.y,
            z: zs.map(|_| buf.z.as_slice()),
        };
        let omitted = omit && keys.x.len() < range_len;
        kernel(&keys, &mut buf.kernel).map(|(v, s)| (v, s, omitted))
    };
    let rows = layout.rows();
    // Checked per row: an interrupted call returns `Interrupted` (see `crate::interrupt`).
    let watch = crate::interrupt::current();
    let results: Vec<(T, Status, bool)> = parallel::install(|| {
        if rows == 1 {
            row(0, &mut Buffers::default()).map(|r| vec![r])
        } else {
            (0..rows)
                .into_par_iter()
                .map_init(Buffers::default, |buf, q| {
                    watch.check()?;
                    row(q, buf)
                })
                .collect::<Result<Vec<_>>>()
        }
    })?;
    let mut summary = Summary::default();
    let values = results
        .into_iter()
        .map(|(v, s, omitted)| {
            summary.count(s, omitted);
            v
        })
        .collect();
    Ok((values, summary))
}

/// Kendall's tau of every row (see [`super::kendall`]).
pub fn kendall_rows(
    rows: RowPairs<'_>,
    opts: &KendallOptions,
    nan_policy: NanPolicy,
) -> Result<(Vec<Estimate>, Summary)> {
    let kernel = |k: &RowKeys<'_>, s: &mut KendallScratch| kendall_tau(k.x, k.y, opts, s);
    map_rows(rows, None, nan_policy, false, Estimate::NAN, kernel)
}

/// Spearman's rho of every row (see [`super::spearman`]).
pub fn spearman_rows(
    rows: RowPairs<'_>,
    alternative: Alternative,
    nan_policy: NanPolicy,
) -> Result<(Vec<Estimate>, Summary)> {
    let kernel = |k: &RowKeys<'_>, s: &mut SpearmanScratch| Ok(spearman(k.x, k.y, alternative, s));
    map_rows(rows, None, nan_policy, false, Estimate::NAN, kernel)
}

/// How [`weighted_tau_rows`] ranks the elements of each row.
#[derive(Debug, Clone, Copy)]
pub enum RowRanks<'a> {
    Average,
    Lexicographic,
    Index,
    /// Given ranks, aligned with `x` (same layout).
    Given(Values<'a>),
}

/// A [`RowRanks`] by name, before the given ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRanksKind {
    Average,
    Lexicographic,
    Index,
    Given,
}
crate::choice!(RowRanksKind, "rank", {
    "average" => RowRanksKind::Average,
    "lexicographic" => RowRanksKind::Lexicographic,
    "index" => RowRanksKind::Index,
    "given" => RowRanksKind::Given,
});

/// Weighted tau of every row (see [`super::weighted`]). NaN is the smallest value under
/// [`NanPolicy::Propagate`], as in scipy.
pub fn weighted_tau_rows(
    rows: RowPairs<'_>,
    rank: RowRanks<'_>,
    weigher: Weigher<'_>,
    additive: bool,
    nan_policy: NanPolicy,
) -> Result<(Vec<f64>, Summary)> {
    let z = match rank {
        RowRanks::Given(v) => Some(v),
        _ => None,
    };
    map_rows(
        rows,
        z,
        nan_policy,
        true,
        f64::NAN,
        |k, s: &mut WeightedScratch| {
            let spec = match (rank, k.z) {
                (RowRanks::Average, _) => RankSpec::Average,
                (RowRanks::Lexicographic, _) => RankSpec::Lexicographic,
                (RowRanks::Index, _) => RankSpec::Index,
                (RowRanks::Given(_), Some(z)) => RankSpec::Given(z),
                (RowRanks::Given(_), None) => RankSpec::Index,
            };
            weighted_tau(k.x, k.y, spec, weigher, additive, s)
        },
    )
}

/// AP correlation of every row (see [`super::ap`]); `x` holds the true scores.
pub fn ap_rows(
    rows: RowPairs<'_>,
    ties: ApTies,
    nan_policy: NanPolicy,
) -> Result<(Vec<f64>, Summary)> {
    let kernel = |k: &RowKeys<'_>, s: &mut ApScratch| ap_correlation(k.x, k.y, ties, s);
    map_rows(rows, None, nan_policy, false, f64::NAN, kernel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_independent_and_nan_follows_the_policy() {
        let x = [1.0, 2.0, 3.0, 4.0, 1.0, f64::NAN, 3.0, 2.0];
        let y = [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0];
        let layout = RowLayout::uniform(2, 4);
        let o = KendallOptions::default();
        let (x, y) = (Values::F64(&x), Values::F64(&y));
        let tau = |layout, nan_policy| kendall_rows(RowPairs { x, y, layout }, &o, nan_policy);
        let (r, s) = tau(layout, NanPolicy::Propagate).unwrap();
        assert_eq!(r[0].statistic, 1.0);
        assert!(r[1].statistic.is_nan() && s.nan == 1);
        let (r, _) = tau(layout, NanPolicy::Omit).unwrap();
        // Row 1 without position 1: x = [1, 3, 2], y = [1, 3, 4].
        assert!((r[1].statistic - 1.0 / 3.0).abs() < 1e-15);
        let e = tau(layout, NanPolicy::Raise).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`x` must be free of NaN with nan_policy=\"raise\"; got NaN at row 1, position 1"
        );
        let offsets = [0i64, 3, 3, 8];
        let ragged = RowLayout::offsets(&offsets, 8).unwrap();
        let (r, s) = tau(ragged, NanPolicy::Omit).unwrap();
        assert_eq!(r.len(), 3);
        assert!(r[1].statistic.is_nan() && s.too_small == 1);
        let y = y.slice(0..7);
        assert!(kendall_rows(RowPairs { x, y, layout }, &o, NanPolicy::Omit).is_err());
    }
}
