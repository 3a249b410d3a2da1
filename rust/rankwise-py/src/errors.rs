//! Mapping core errors to the exception classes of `rankwise.errors`.
//!
//! The classes are defined in Python (`python/rankwise/errors.py`) so that each can derive from
//! both `RankwiseError` and the matching builtin (`ValueError`, `TypeError`); this module
//! looks them up when an error is raised.

use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyPermissionError, PyTypeError,
    PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::PyType;
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
