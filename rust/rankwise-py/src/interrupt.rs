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
