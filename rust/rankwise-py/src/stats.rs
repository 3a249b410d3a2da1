//! Statistics of system comparisons: one-sided paired tests, corrections, effect sizes and t
//! intervals (`rankwise.stats`, `rankwise.Comparison`). Options convert through
//! [`Wrap`] (the core's names), arrays through `convert`.

use numpy::ndarray::Array3;
use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArray3, PyReadonlyArray2, PyReadonlyArray3,
    PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use rankwise_core::compare::anova::{self as core_anova, Design};
use rankwise_core::compare::bootstrap::{self as core_bootstrap, BootstrapMethod, Resamples};
use rankwise_core::compare::effects::{self, EffectSize};
use rankwise_core::compare::power::{self as core_power, SizeDesign};
use rankwise_core::compare::stats::{self, Alternative, Correction, PairedTest, PairedTestKind};
use rankwise_core::compare::tukey as core_tukey;
use rankwise_core::special;

use crate::convert::{Array, Wrap, matrix, slice2};
use crate::errors::{CoreError, invalid_value};
use crate::interrupt;

/// The rows of a (systems, queries) C-contiguous array.
fn rows<'a>(scores: &'a PyReadonlyArray2<'_, f64>) -> PyResult<Vec<&'a [f64]>> {
    let (systems, queries) = scores.as_array().dim();
    let flat = slice2(scores, "scores")?;
    if queries == 0 {
        return Ok(vec![&[][..]; systems]);
    }
    Ok(flat.chunks(queries).collect())
}

/// `compute` over `rows` with the interpreter released (Ctrl-C still stops it); the core's
/// error as its Python exception.
fn detached<R: Send>(
    py: Python<'_>,
    rows: &[&[f64]],
    compute: impl FnOnce(&[&[f64]]) -> rankwise_core::error::Result<R> + Send,
) -> PyResult<R> {
    Ok(interrupt::run(py, || compute(rows))?.map_err(CoreError)?)
}

/// What `compute` gives for every pair of `rows`, as a (systems, systems) array.
fn square<'py>(
    py: Python<'py>,
    rows: &[&[f64]],
    compute: impl FnOnce(&[&[f64]]) -> rankwise_core::error::Result<Vec<f64>> + Send,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    matrix(py, rows.len(), rows.len(), detached(py, rows, compute)?)
}

/// Bindings whose value is `compute` for every pair of rows of `scores` (systems x queries), as
/// a (systems, systems) array: the same conversion in and out, only the core function and its
/// further arguments differ.
macro_rules! pairwise_bindings {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) => $compute:expr;)+) => {$(
        $(#[$doc])*
        #[pyfunction]
        pub fn $name<'py>(
            py: Python<'py>,
            scores: PyReadonlyArray2<'py, f64>,
            $($arg: $ty),*
        ) -> PyResult<Bound<'py, PyArray2<f64>>> {
            square(py, &rows(&scores)?, $compute)
        }
    )+};
}

/// p-values of a paired test between every pair of rows of `scores` (systems x queries) under
/// `alternative`: entry `(i, j)` tests system `i` against system `j`.
#[pyfunction]
#[pyo3(signature = (scores, test, alternative = Wrap::default(), *, n_resamples = 10_000, seed = 42))]
pub fn pairwise_p_values<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    test: Wrap<PairedTestKind>,
    alternative: Wrap<Alternative>,
    n_resamples: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let test = match test.0 {
        PairedTestKind::TTest => PairedTest::TTest,
        PairedTestKind::Wilcoxon => PairedTest::Wilcoxon,
        PairedTestKind::Randomization => PairedTest::Randomization(n_resamples),
        PairedTestKind::Bootstrap => PairedTest::Bootstrap(n_resamples),
    };
    square(py, &rows(&scores)?, |rows| {
        stats::pairwise_with(rows, test, seed, alternative.0)
    })
}

/// Multiple-comparison correction of a family of p-values, each checked to lie in [0, 1].
#[pyfunction]
pub fn corrected_p_values<'py>(
    py: Python<'py>,
    p: Array<'py, f64>,
    method: Option<Wrap<Correction>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let how = method.map_or(Correction::None, |m| m.0);
    let out = stats::correct_checked(p.slice("p")?, how).map_err(CoreError)?;
    Ok(PyArray1::from_vec(py, out))
}

pairwise_bindings! {
    /// Effect sizes between every pair of rows of `scores`: entry `(i, j)` is system `i`'s effect
    /// over baseline `j`.
    fn pairwise_effect_sizes(kind: Wrap<EffectSize>) =>
        |rows| effects::pairwise_effect_sizes(rows, kind.0);
    /// Paired-t margins of error of the mean difference of every pair of rows, (systems, systems).
    fn pairwise_margins_of_error(confidence: f64) =>
        |rows| effects::pairwise_margins_of_error(rows, confidence);
    /// Sakai's residual-variance effect sizes between every pair of rows of `scores`.
    fn residual_effect_sizes() => core_anova::residual_effect_sizes;
    /// The p-values of Tukey's HSD between every pair of rows of `scores`, (systems, systems),
    /// without the intervals.
    fn tukey_hsd_p_values() => core_tukey::tukey_hsd_p_values;
}

/// Paired t intervals of the mean difference between every pair of rows of `scores`, shape
/// (systems, systems, 2).
#[pyfunction]
#[pyo3(signature = (scores, confidence = 0.95, alternative = Wrap::default()))]
pub fn pairwise_intervals<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    confidence: f64,
    alternative: Wrap<Alternative>,
) -> PyResult<Bound<'py, PyArray3<f64>>> {
    let rows = rows(&scores)?;
    let k = rows.len();
    let out = detached(py, &rows, |rows| {
        effects::pairwise_intervals(rows, confidence, alternative.0)
    })?;
    Ok(Array3::from_shape_vec((k, k, 2), out)
        .map_err(|e| invalid_value(py, format!("internal shape error: {e}")))?
        .into_pyarray(py))
}

/// t intervals of the mean of every row of `scores`, shape (systems, 2).
#[pyfunction]
#[pyo3(signature = (scores, confidence = 0.95, alternative = Wrap::default()))]
pub fn mean_intervals<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    confidence: f64,
    alternative: Wrap<Alternative>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let rows = rows(&scores)?;
    let out = detached(py, &rows, |rows| {
        effects::mean_intervals(rows, confidence, alternative.0)
    })?;
    matrix(py, rows.len(), 2, out)
}

/// The half-width `t_q(df) sqrt(variance / n)` of a two-sided t interval at `confidence`,
/// `q = (1 + confidence) / 2` (elinor's margin of error).
#[pyfunction]
pub fn margin_of_error(variance: f64, n_topics: f64, df: f64, confidence: f64) -> PyResult<f64> {
    Ok(effects::margin_of_error(variance, n_topics, df, confidence).map_err(CoreError)?)
}

/// One-sample t margins of error of the mean of every row, (systems,).
#[pyfunction]
pub fn mean_margins_of_error<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    confidence: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let out = detached(py, &rows(&scores)?, |rows| {
        effects::mean_margins_of_error(rows, confidence)
    })?;
    Ok(out.into_pyarray(py))
}

/// ANOVA table of `scores` (systems x topics): `design` "one-way" (rows system, residual) or
/// "two-way" (system, topic, residual); columns df, sum_sq, mean_sq, F, p-value.
#[pyfunction]
pub fn anova<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    design: Wrap<Design>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let table = detached(py, &rows(&scores)?, |rows| {
        core_anova::anova(rows, design.0)
    })?;
    let flat: Vec<f64> = table
        .iter()
        .flat_map(|r| [r.df, r.sum_sq, r.mean_sq, r.f, r.p_value])
        .collect();
    matrix(py, table.len(), 5, flat)
}

/// Tukey's HSD between every pair of rows of `scores`: (statistic, p-value, low, high), each
/// (systems, systems).
#[pyfunction]
#[pyo3(signature = (scores, confidence = 0.95))]
#[allow(clippy::type_complexity)]
pub fn tukey_hsd<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    confidence: f64,
) -> PyResult<(
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray2<f64>>,
)> {
    let rows = rows(&scores)?;
    let k = rows.len();
    let t = detached(py, &rows, |rows| core_tukey::tukey_hsd(rows, confidence))?;
    Ok((
        matrix(py, k, k, t.statistic)?,
        matrix(py, k, k, t.p_value)?,
        matrix(py, k, k, t.low)?,
        matrix(py, k, k, t.high)?,
    ))
}

/// Bootstrap intervals of every row's mean (`paired = false`, `systems x 2` values) or of the
/// mean difference of every ordered pair of rows (`paired = true`, `systems x systems x 2`),
/// flat; from `resamples` (`n_resamples x topics` indices) when given, else drawn from `seed`.
#[pyfunction]
#[pyo3(signature = (scores, paired, confidence, alternative, method, n_resamples, seed, resamples = None))]
#[allow(clippy::too_many_arguments)]
pub fn bootstrap_intervals<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    paired: bool,
    confidence: f64,
    alternative: Wrap<Alternative>,
    method: Wrap<BootstrapMethod>,
    n_resamples: usize,
    seed: u64,
    resamples: Option<PyReadonlyArray2<'py, u32>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let rows = rows(&scores)?;
    let given = resamples
        .as_ref()
        .map(|r| slice2(r, "resamples"))
        .transpose()?;
    let source = given.map_or(Resamples::Seeded { n_resamples, seed }, Resamples::Indices);
    let out = detached(py, &rows, |rows| {
        core_bootstrap::intervals(rows, source, confidence, alternative.0, method.0, paired)
    })?;
    Ok(PyArray1::from_vec(py, out))
}

/// Carterette's randomised Tukey HSD between every pair of rows of `scores`: p-values,
/// (systems, systems); from `permutations` (`n_resamples x topics x systems`) when given, else
/// drawn from `seed`.
#[pyfunction]
#[pyo3(signature = (scores, n_resamples, seed, permutations = None))]
pub fn randomized_tukey_hsd<'py>(
    py: Python<'py>,
    scores: PyReadonlyArray2<'py, f64>,
    n_resamples: usize,
    seed: u64,
    permutations: Option<PyReadonlyArray3<'py, u32>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let rows = rows(&scores)?;
    let given = match &permutations {
        Some(p) if p.is_c_contiguous() => {
            Some(p.as_slice().map_err(|e| {
                invalid_value(py, format!("`permutations` must be C-contiguous: {e}"))
            })?)
        }
        Some(_) => {
            return Err(invalid_value(
                py,
                "`permutations` must be a C-contiguous 3-D array (numpy.ascontiguousarray)".into(),
            ));
        }
        None => None,
    };
    let source = given.map_or(
        core_tukey::Permutations::Seeded { n_resamples, seed },
        core_tukey::Permutations::Given,
    );
    square(py, &rows, |rows| {
        core_tukey::randomized_tukey_hsd(rows, source)
    })
}

/// Power of the paired t-test over `n_topics` topics for per-topic differences of mean
/// `difference` and variance `variance`.
#[pyfunction]
pub fn t_test_power(
    difference: f64,
    variance: f64,
    n_topics: u64,
    alpha: f64,
    alternative: Wrap<Alternative>,
) -> PyResult<f64> {
    Ok(
        core_power::t_test_power(difference, variance, n_topics, alpha, alternative.0)
            .map_err(CoreError)?,
    )
}

/// Power of the one-way ANOVA over `n_systems` systems with `n_topics` topics each for a range
/// `difference` of the system means and within-system variance `variance`.
#[pyfunction]
pub fn anova_power(
    difference: f64,
    variance: f64,
    n_topics: u64,
    n_systems: u64,
    alpha: f64,
) -> PyResult<f64> {
    Ok(
        core_power::anova_power(difference, variance, n_topics, n_systems, alpha)
            .map_err(CoreError)?,
    )
}

/// The expected width of the paired t interval at level `1 - alpha` over `n_topics` topics.
#[pyfunction]
pub fn expected_interval_width(variance: f64, n_topics: u64, alpha: f64) -> PyResult<f64> {
    Ok(core_power::expected_interval_width(variance, n_topics, alpha).map_err(CoreError)?)
}

/// The smallest number of topics that meets `design`'s requirement (Sakai's topic set size).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn topic_set_size(
    py: Python<'_>,
    design: Wrap<SizeDesign>,
    difference: f64,
    variance: f64,
    power: f64,
    alpha: f64,
    alternative: Wrap<Alternative>,
    n_systems: u64,
) -> PyResult<u64> {
    let n = interrupt::run(py, || {
        core_power::topic_set_size(
            design.0,
            difference,
            variance,
            power,
            alpha,
            alternative.0,
            n_systems,
        )
    })?
    .map_err(CoreError)?;
    Ok(n)
}

/// `(P(T <= t), P(T > t))` for the noncentral t with `df` degrees of freedom and
/// noncentrality `nc`.
#[pyfunction]
pub fn noncentral_t(t: f64, df: f64, nc: f64) -> (f64, f64) {
    special::noncentral_t_tails(t, df, nc)
}

/// `(P(F <= f), P(F > f))` for the noncentral F with `d1`, `d2` degrees of freedom and
/// noncentrality `nc`.
#[pyfunction]
pub fn noncentral_f(f: f64, d1: f64, d2: f64, nc: f64) -> (f64, f64) {
    special::noncentral_f_tails(f, d1, d2, nc)
}
