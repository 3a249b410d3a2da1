//! The rankwise thread pool, seen from Python.

use pyo3::exceptions::PyRuntimeWarning;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};
use rankwise_core::parallel;

use crate::errors::{CoreError, invalid_value, type_error};

/// Number of threads rankwise uses for batch work.
#[pyfunction]
pub fn get_num_threads() -> usize {
    parallel::num_threads()
}

/// Resize the rankwise thread pool; 0 restores the default (`RANKWISE_NUM_THREADS` or the
/// number of CPUs). More than 4 threads per CPU is capped with a `RuntimeWarning`; a negative
/// `n` is an `InvalidValueError`.
#[pyfunction]
pub fn set_num_threads(py: Python<'_>, n: &Bound<'_, PyAny>) -> PyResult<()> {
    // Taken as any object: a usize argument would turn -1 or 2**70 into a raw OverflowError.
    if n.is_instance_of::<PyBool>() || !n.is_instance_of::<PyInt>() && !n.hasattr("__index__")? {
        return Err(type_error(
            py,
            format!(
                "`n` must be a non-negative integer (0: the default); got {}",
                n.get_type().name()?
            ),
        ));
    }
    let index = n.call_method0("__index__")?;
    if index.lt(0)? {
        return Err(invalid_value(
            py,
            format!("`n` must be a non-negative integer (0: the default); got {index}"),
        ));
    }
    // An integer beyond usize is a request for "very many": capped like any other.
    let wanted = index.extract::<usize>().unwrap_or(usize::MAX);
    let got = py
        .detach(|| parallel::set_num_threads(wanted))
        .map_err(CoreError)?;
    if wanted != 0 && got < wanted {
        let message = format!(
            "set_num_threads({index}) is more than {} threads per CPU ({} CPUs); using {got} \
             threads",
            parallel::MAX_THREADS_PER_CPU,
            parallel::num_cpus()
        );
        let message = std::ffi::CString::new(message).unwrap_or_default();
        PyErr::warn(py, &py.get_type::<PyRuntimeWarning>(), &message, 1)?;
    }
    Ok(())
}

/// Warn (a `RuntimeWarning`, at import) when `RANKWISE_NUM_THREADS` is not a positive integer
/// or asks for more than 4 threads per CPU; the pool then uses the CPU count or the cap.
pub fn warn_about_env(py: Python<'_>) -> PyResult<()> {
    if let Some(message) = parallel::env_problem() {
        let message = std::ffi::CString::new(message).unwrap_or_default();
        PyErr::warn(py, &py.get_type::<PyRuntimeWarning>(), &message, 1)?;
    }
    Ok(())
}
