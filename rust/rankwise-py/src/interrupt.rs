//! Long native calls that Ctrl-C stops: the one way the bindings run heavy work.
//!
//! Python handles a signal only when the main thread runs bytecode or calls
//! `PyErr_CheckSignals`, so a computation that holds the thread for minutes, GIL released or
//! not, ignores Ctrl-C. [`run`] runs the work as a job on the rankwise pool with the GIL
//! released, scoped to a fresh [`Interrupt`]; the calling thread waits for it and, every
//! [`POLL`], takes the GIL back just long enough for `py.check_signals()`. When that raises
//! (KeyboardInterrupt, or whatever a Python signal handler raised), the interrupt is set, the
//! core's loops stop at their next query, row, pair or block (see
//! `rankwise_core::interrupt`), and once the job has returned (it borrows the caller's arrays,
//! so it is always waited for) the exception is raised. A call that finishes within the first
//! poll never touches the GIL.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use pyo3::prelude::*;
use rankwise_core::interrupt::Interrupt;
use rankwise_core::parallel;

/// How often the waiting thread looks at Python's signal handlers.
pub const POLL: Duration = Duration::from_millis(50);

/// Run `f` with the GIL released on the rankwise pool, interruptible by Ctrl-C (module docs).
///
/// # Errors
/// The exception a signal handler raised while `f` ran (`KeyboardInterrupt` for Ctrl-C);
/// `f`'s own result is discarded then.
pub fn run<R: Send>(py: Python<'_>, f: impl FnOnce() -> R + Send) -> PyResult<R> {
    let interrupt = Interrupt::new();
    let (result, raised) = py.detach(|| {
        let (tx, rx) = mpsc::sync_channel::<R>(1);
        let (mut result, mut raised) = (None, None::<PyErr>);
        parallel::pool().in_place_scope(|scope| {
            let job = Arc::clone(&interrupt);
            scope.spawn(move |_| {
                // The receiver outlives the job: the loop below waits for this message.
                let _ = tx.send(job.scope(f));
            });
            loop {
                match rx.recv_timeout(POLL) {
                    Ok(r) => {
                        result = Some(r);
                        break;
                    }
                    // The job panicked; the scope re-raises the panic when it ends.
                    Err(RecvTimeoutError::Disconnected) => break,
                    Err(RecvTimeoutError::Timeout) => {
                        if raised.is_none()
                            && let Err(e) = Python::attach(|py| py.check_signals())
                        {
                            interrupt.cancel();
                            raised = Some(e);
                        }
                    }
                }
            }
        });
        (result, raised)
    });
    if let Some(e) = raised {
        return Err(e);
    }
    result.ok_or_else(|| {
        pyo3::exceptions::PyRuntimeError::new_err("a rankwise worker stopped without a result")
    })
}

/// Like [`run`], for work that owns everything it reads (a path, `Arc`s of runs) and may
/// block outside rankwise's loops: reading a pipe that stays open, or a slow disk. The job
/// runs on a thread of its own; when a signal handler raises, the interrupt is set and the
/// exception is raised at once, without waiting for the job: a read blocked in the kernel
/// cannot look at the flag, so the thread is left to finish at its next check, or when its
/// read returns (at the latest when the process exits), and its result is dropped.
///
/// # Errors
/// The exception a signal handler raised (`KeyboardInterrupt` for Ctrl-C); an `OSError` if
/// no thread can be started.
pub fn run_owned<R: Send + 'static>(
    py: Python<'_>,
    f: impl FnOnce() -> R + Send + 'static,
) -> PyResult<R> {
    let interrupt = Interrupt::new();
    let job = Arc::clone(&interrupt);
    let (tx, rx) = mpsc::sync_channel::<R>(1);
    std::thread::Builder::new()
        .name("rankwise-io".to_owned())
        .spawn(move || {
            // The receiver is gone once the caller was interrupted: the result is dropped.
            let _ = tx.send(job.scope(f));
        })
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("cannot start a thread: {e}")))?;
    let got = py.detach(move || {
        loop {
            match rx.recv_timeout(POLL) {
                Ok(r) => return Ok(Some(r)),
                // The job panicked.
                Err(RecvTimeoutError::Disconnected) => return Ok(None),
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(e) = Python::attach(|py| py.check_signals()) {
                        interrupt.cancel();
                        return Err(e);
                    }
                }
            }
        }
    })?;
    got.ok_or_else(|| {
        pyo3::exceptions::PyRuntimeError::new_err("a rankwise worker stopped without a result")
    })
}
