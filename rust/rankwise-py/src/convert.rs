//! Converting arguments, in one place for every binding: 1-D arrays to slices (strided views
//! copied once), flat values cut into rows by `offsets` or `shape`, values of one of several
//! dtypes, option names to the core's enums, and results back to 2-D arrays.

use numpy::ndarray::Array2;
use numpy::{
    Element, IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use rankwise_core::correlation::Values;
use rankwise_core::options::Choice;
use rankwise_core::ragged::{Ragged, RowLayout};

use crate::errors::{CoreError, invalid_value, short_repr, type_error};

// ----------------------------------------------------------------------------------------------
// Arrays
// ----------------------------------------------------------------------------------------------

/// A 1-D array argument: borrowed when its values are contiguous (what the Python layer hands
/// over), copied once when it is a strided view, so that every binding reads a slice.
pub(crate) enum Array<'py, T: Element> {
    Borrowed(PyReadonlyArray1<'py, T>),
    Copied(Vec<T>),
}

impl<'py, T: Element + Clone> Array<'py, T> {
    pub(crate) fn new(array: PyReadonlyArray1<'py, T>) -> Self {
        if array.is_contiguous() {
            Array::Borrowed(array)
        } else {
            Array::Copied(array.as_array().iter().cloned().collect())
        }
    }

    /// The values of the argument `name`.
    pub(crate) fn slice(&self, name: &str) -> PyResult<&[T]> {
        match self {
            Array::Borrowed(a) => a.as_slice().map_err(|_| {
                invalid_value(
                    a.py(),
                    format!("`{name}` must be a contiguous 1-D array while rankwise reads it"),
                )
            }),
            Array::Copied(v) => Ok(v),
        }
    }
}

impl<'a, 'py, T: Element + Clone + 'a> FromPyObject<'a, 'py> for Array<'py, T> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let array: PyReadonlyArray1<'py, T> = obj.extract().map_err(PyErr::from)?;
        Ok(Array::new(array))
    }
}

/// The values of the 2-D argument `name`, row after row (the Python layer hands over C order;
/// a Fortran-ordered or strided array is refused rather than read in the wrong order).
pub(crate) fn slice2<'a, T: Element>(
    array: &'a PyReadonlyArray2<'_, T>,
    name: &str,
) -> PyResult<&'a [T]> {
    let refused = || {
        invalid_value(
            array.py(),
            format!("`{name}` must be a C-contiguous 2-D array (numpy.ascontiguousarray)"),
        )
    };
    if !array.is_c_contiguous() {
        return Err(refused());
    }
    array.as_slice().map_err(|_| refused())
}

/// The values of an optional array argument.
pub(crate) fn slice_opt<'a, T: Element + Clone>(
    array: &'a Option<Array<'_, T>>,
    name: &str,
) -> PyResult<Option<&'a [T]>> {
    array.as_ref().map(|a| a.slice(name)).transpose()
}

/// What an argument is, for a message: `a 2-D array of float64`, or its type name.
pub(crate) fn describe(obj: &Bound<'_, PyAny>) -> String {
    if let Ok(a) = obj.cast::<PyUntypedArray>() {
        format!("a {}-D array of {}", a.ndim(), a.dtype())
    } else {
        obj.get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string())
    }
}

/// A 1-D array of one of the value dtypes (rank statistics compare values of any of them).
pub(crate) enum Held<'py> {
    F64(Array<'py, f64>),
    F32(Array<'py, f32>),
    I64(Array<'py, i64>),
    I32(Array<'py, i32>),
}

impl<'py> Held<'py> {
    pub(crate) fn new(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        if let Ok(a) = obj.cast::<PyArray1<f64>>() {
            return Ok(Held::F64(Array::new(a.readonly())));
        }
        if let Ok(a) = obj.cast::<PyArray1<f32>>() {
            return Ok(Held::F32(Array::new(a.readonly())));
        }
        if let Ok(a) = obj.cast::<PyArray1<i64>>() {
            return Ok(Held::I64(Array::new(a.readonly())));
        }
        if let Ok(a) = obj.cast::<PyArray1<i32>>() {
            return Ok(Held::I32(Array::new(a.readonly())));
        }
        Err(type_error(
            obj.py(),
            format!(
                "`{name}` must be a 1-D float64, float32, int64 or int32 array (rankwise.correlation converts other dtypes); got {}",
                describe(obj)
            ),
        ))
    }

    pub(crate) fn values(&self, name: &str) -> PyResult<Values<'_>> {
        Ok(match self {
            Held::F64(a) => Values::F64(a.slice(name)?),
            Held::F32(a) => Values::F32(a.slice(name)?),
            Held::I64(a) => Values::I64(a.slice(name)?),
            Held::I32(a) => Values::I32(a.slice(name)?),
        })
    }
}

// ----------------------------------------------------------------------------------------------
// Rows
// ----------------------------------------------------------------------------------------------

/// The row layout from `offsets` or `shape`, over `len` values of the argument `name` (one
/// row when neither).
pub(crate) fn layout<'a>(
    offsets: Option<&'a [i64]>,
    shape: Option<(usize, usize)>,
    len: usize,
    name: &str,
) -> PyResult<RowLayout<'a>> {
    Ok(match (offsets, shape) {
        (Some(o), _) => RowLayout::offsets(o, len).map_err(CoreError)?,
        (None, Some((rows, width))) => {
            // Rows of no values hold no data, so their count is bounded by nothing the caller
            // allocated (a numpy array of shape (2**40, 0) is free); the outputs of a row (a
            // string, a result, padding) are, so that count must fit in memory.
            if width == 0 {
                const BYTES_PER_ROW: u128 = 128;
                rankwise_core::memory::ensure(
                    name,
                    format!("{rows} rows of no values"),
                    rows as u128 * BYTES_PER_ROW,
                )
                .map_err(CoreError)?;
            }
            RowLayout::uniform(rows, width)
        }
        (None, None) => RowLayout::uniform(1, len),
    })
}

/// The row layout of the `offsets` argument or `shape`, over `len` values of `name`.
pub(crate) fn layout_of<'a>(
    offsets: &'a Option<Array<'_, i64>>,
    shape: Option<(usize, usize)>,
    len: usize,
    name: &str,
) -> PyResult<RowLayout<'a>> {
    layout(slice_opt(offsets, "offsets")?, shape, len, name)
}

/// The values of the argument `name` cut into rows by the `offsets` argument or `shape`.
pub(crate) fn rows<'a, T: Element + Clone>(
    values: &'a Array<'_, T>,
    offsets: &'a Option<Array<'_, i64>>,
    shape: Option<(usize, usize)>,
    name: &str,
) -> PyResult<Ragged<'a, T>> {
    let v = values.slice(name)?;
    let lay = layout_of(offsets, shape, v.len(), name)?;
    Ok(Ragged::new(v, lay, name).map_err(CoreError)?)
}

/// What a binding returning one float array gives back.
pub(crate) type F64Out<'py> = PyResult<Bound<'py, PyArray1<f64>>>;

/// A core result as a 1-D array; the core's error as its Python exception.
pub(crate) fn vector<T: Element>(
    py: Python<'_>,
    values: rankwise_core::error::Result<Vec<T>>,
) -> PyResult<Bound<'_, PyArray1<T>>> {
    Ok(PyArray1::from_vec(py, values.map_err(CoreError)?))
}

/// `values` (row-major) as a `(rows, cols)` array.
pub(crate) fn matrix(
    py: Python<'_>,
    rows: usize,
    cols: usize,
    values: Vec<f64>,
) -> PyResult<Bound<'_, PyArray2<f64>>> {
    let array = Array2::from_shape_vec((rows, cols), values)
        .map_err(|e| invalid_value(py, format!("internal shape error: {e}")))?;
    Ok(array.into_pyarray(py))
}

// ----------------------------------------------------------------------------------------------
// Options
// ----------------------------------------------------------------------------------------------

/// An option argument converted by its names in the core ([`Choice`]), as polars' `Wrap<T>`
/// converts its enums: anything but one of the names (a str) is an `InvalidValueError`
/// naming the argument, the value and the names.
pub(crate) struct Wrap<T>(pub T);

/// The core's default option (the `#[default]` variant), for the bindings' signatures.
impl<T: Default> Default for Wrap<T> {
    fn default() -> Self {
        Wrap(T::default())
    }
}

impl<'a, 'py, T: Choice> FromPyObject<'a, 'py> for Wrap<T> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        choose(&obj, T::ARGUMENT).map(Wrap)
    }
}

/// The option `value` names, for the argument `argument` (for an option several arguments
/// take; [`Wrap`] names [`Choice::ARGUMENT`]).
pub(crate) fn choose<T: Choice>(value: &Bound<'_, PyAny>, argument: &str) -> PyResult<T> {
    let name = value.cast::<PyString>().ok();
    name.as_ref()
        .and_then(|s| s.to_str().ok())
        .and_then(T::from_name)
        .ok_or_else(|| refuse::<T>(value.py(), argument, short_repr(value)))
}

/// The option the text `value` names, for the argument `argument`.
pub(crate) fn choose_name<T: Choice>(py: Python<'_>, value: &str, argument: &str) -> PyResult<T> {
    T::from_name(value)
        .ok_or_else(|| refuse::<T>(py, argument, short_repr(PyString::new(py, value).as_any())))
}

/// The error for a value (`got`, as its repr) that names no option of `T`, in the words of
/// `rankwise._validation.choice`.
fn refuse<T: Choice>(py: Python<'_>, argument: &str, got: String) -> PyErr {
    let names: Vec<String> = T::names().iter().map(|n| format!("'{n}'")).collect();
    invalid_value(
        py,
        format!(
            "`{argument}` must be one of {}; got {got}",
            names.join(", ")
        ),
    )
}

/// The names of every option of the core, by the core's path of its enum (a test pins each
/// Python `Literal` alias to them).
#[pyfunction]
pub fn option_names(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    use rankwise_core::{
        compare, consistency, correlation, evaluate, labels, metrics, ranking, rerank,
    };
    let out = PyDict::new(py);
    // One line per core module: its option enums, by their paths below it.
    macro_rules! add {
        ($($module:ident: $($($segment:ident)::+),+;)+) => {$($(
            out.set_item(
                concat!(stringify!($module) $(, "::", stringify!($segment))+),
                <$module::$($segment)::+ as Choice>::names(),
            )?;
        )+)+};
    }
    add! {
        compare: anova::Design, effects::EffectSize, fusion::MethodKind, fusion::Normalization,
            power::SizeDesign, stats::Correction, stats::PairedTestKind;
        consistency: opis::CalibrationKind, opis::Integration, opis::Metric, opis::Reference,
            opis::Utility;
        correlation: Alternative, NanPolicy, ap::ApTies, batch::RowRanksKind,
            kendall::PValueMethod, kendall::Variant, rbo::RboTies;
        evaluate: Missing, NanPolicy, Ties, TieRule;
        labels: aggregate::KemenyStart, aggregate::MethodKind, borda::BordaNorm,
            committee::RuleKind, copeland::CopelandCount, permutation::TieBreak,
            weights::EaseHeuristic, weights::PositionScheme;
        metrics: TrecEval;
        ranking: ScorePrecision;
        rerank: Direction, IdStyle, OnProblem, PairwiseMethod, SetwiseMethod, WindowSemantics;
    }
    Ok(out)
}
