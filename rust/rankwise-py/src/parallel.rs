//! The rankwise thread pool, seen from Python.

use pyo3::prelude::*;
use rankwise_core::parallel;

use crate::errors::CoreError;

/// Number of threads rankwise uses for batch work.
#[pyfunction]
pub fn get_num_threads() -> usize {
    parallel::num_threads()
}

/// Resize the rankwise thread pool; 0 restores the default (`RANKWISE_NUM_THREADS` or the
/// number of CPUs).
#[pyfunction]
pub fn set_num_threads(py: Python<'_>, n: usize) -> PyResult<()> {
    py.detach(|| parallel::set_num_threads(n))
        .map_err(CoreError)?;
    Ok(())
}
