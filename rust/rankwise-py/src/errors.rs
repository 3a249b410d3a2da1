//! Mapping core errors to the exception classes of `rankwise.errors`.
//!
//! The classes are defined in Python (`python/rankwise/errors.py`) so that each can derive from
//! both `RankwiseError` and the matching builtin (`ValueError`, `TypeError`); this module
//! looks them up when an error is raised.

use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyPermissionError, PyTypeError,
    PyValueError,
};
use std::path::PathBuf;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyString, PyType};
use rankwise_core::RankError;

/// A core error on its way to Python (the orphan rule forbids `From<RankError> for PyErr`).
pub struct CoreError(pub RankError);

impl From<RankError> for CoreError {
    fn from(e: RankError) -> Self {
        CoreError(e)
    }
}

impl From<CoreError> for PyErr {
    fn from(e: CoreError) -> PyErr {
        Python::attach(|py| to_pyerr(py, e.0))
    }
}

/// Build an instance of `rankwise.errors.<class>` with `message`, falling back to `fallback`
/// if the Python module cannot be imported (a broken installation).
fn rankwise_error(
    py: Python<'_>,
    class: &str,
    message: String,
    fallback: fn(String) -> PyErr,
) -> PyErr {
    let ty = py
        .import("rankwise.errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
    match ty {
        Ok(ty) => PyErr::from_type(ty, message),
        Err(_) => fallback(message),
    }
}

fn value_error(m: String) -> PyErr {
    PyValueError::new_err(m)
}

/// The exception for a core error.
pub fn to_pyerr(py: Python<'_>, e: RankError) -> PyErr {
    let message = e.to_string();
    match e {
        RankError::InvalidValue { .. } | RankError::NonFinite { .. } => {
            rankwise_error(py, "InvalidValueError", message, value_error)
        }
        RankError::Shape { .. } => rankwise_error(py, "ShapeError", message, value_error),
        RankError::UnknownMeasure { .. } | RankError::InvalidMeasure { .. } => {
            rankwise_error(py, "UnknownMeasureError", message, value_error)
        }
        RankError::DuplicateDocument { .. } => {
            rankwise_error(py, "DuplicateDocumentError", message, value_error)
        }
        RankError::Parse { ref path, line, .. } => {
            let err = rankwise_error(py, "ParseError", message.clone(), value_error);
            let value = err.value(py);
            // Attributes for programs that want to point at the line; best effort.
            let _ = value.setattr("path", path.as_str());
            let _ = value.setattr("line", line);
            err
        }
        RankError::Interrupted => PyKeyboardInterrupt::new_err(message),
        RankError::Io { kind, .. } => match kind {
            std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
            _ => PyOSError::new_err(message),
        },
    }
}

/// A `rankwise.errors.RankwiseTypeError` (a `TypeError`).
pub fn type_error(py: Python<'_>, message: String) -> PyErr {
    rankwise_error(py, "RankwiseTypeError", message, PyTypeError::new_err)
}

/// A `rankwise.errors.InvalidValueError` (a `ValueError`).
pub fn invalid_value(py: Python<'_>, message: String) -> PyErr {
    rankwise_error(py, "InvalidValueError", message, value_error)
}

// ----------------------------------------------------------------------------------------------
// Arguments of the pyclass methods that Python calls directly (no Python wrapper checks them).
// pyo3's own conversions raise a bare `TypeError` naming no argument ("'list' object is not an
// instance of 'str'"); these raise the `rankwise.errors` class naming the argument, the value
// and what was expected, as `rankwise._validation` does for the Python-level entry points.
// ----------------------------------------------------------------------------------------------

/// `repr(value)`, cut to 80 characters.
pub(crate) fn short_repr(value: &Bound<'_, PyAny>) -> String {
    let text = value
        .repr()
        .map_or_else(|_| "<unprintable>".to_owned(), |r| r.to_string());
    if text.chars().count() <= 80 {
        text
    } else {
        let head: String = text.chars().take(77).collect();
        format!("{head}...")
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

/// A path argument: a `str` or an `os.PathLike` giving one (`rankwise._validation.path` for
/// the Python side). Bytes and other objects are a `RankwiseTypeError`; a NUL character, which
/// no operating system accepts in a path, an `InvalidValueError`.
pub fn path_arg(py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    let expected = "a path (str or os.PathLike)";
    if !value.is_instance_of::<PyString>() && !value.hasattr(intern!(py, "__fspath__"))? {
        let what = type_name(value);
        return Err(type_error(
            py,
            format!(
                "`{name}` must be {expected}; got {what} {}",
                short_repr(value)
            ),
        ));
    }
    let text = py
        .import(intern!(py, "os"))?
        .call_method1(intern!(py, "fspath"), (value,))?;
    if !text.is_instance_of::<PyString>() {
        let what = type_name(&text);
        return Err(type_error(
            py,
            format!("`{name}` must be {expected} giving a str; its __fspath__ gave {what}"),
        ));
    }
    if text.contains("\0")? {
        return Err(invalid_value(
            py,
            format!(
                "`{name}` must be a path without NUL characters; got {}",
                short_repr(value)
            ),
        ));
    }
    // str to path as the os module does it (surrogate escapes become the original bytes).
    text.extract::<PathBuf>()
}

/// A text argument: a `str` of valid Unicode.
pub fn str_arg(py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if !value.is_instance_of::<PyString>() {
        let what = type_name(value);
        return Err(type_error(
            py,
            format!("`{name}` must be a str; got {what} {}", short_repr(value)),
        ));
    }
    value.extract::<String>().map_err(|_| {
        invalid_value(
            py,
            format!(
                "`{name}` must be valid Unicode text (no lone surrogates); got {}",
                short_repr(value)
            ),
        )
    })
}

/// A real-number argument (int, float or a numpy scalar; not bool, not NaN).
pub fn real_arg(py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<f64> {
    let refused = value.is_instance_of::<PyBool>()
        || value.is_instance_of::<PyString>()
        || value.is_instance_of::<PyBytes>();
    let number = if refused {
        None
    } else {
        value.extract::<f64>().ok()
    };
    match number {
        None => Err(type_error(
            py,
            format!(
                "`{name}` must be a real number; got {} {}",
                type_name(value),
                short_repr(value)
            ),
        )),
        Some(v) if v.is_nan() => Err(invalid_value(
            py,
            format!("`{name}` must be a number, not NaN"),
        )),
        Some(v) => Ok(v),
    }
}
