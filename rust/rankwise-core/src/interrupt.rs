//! Cooperative cancellation of long computations (Ctrl-C in Python).
//!
//! The core never looks at signals. A caller that wants to stop a computation early (the
//! Python bindings, when the user presses Ctrl-C) creates an [`Interrupt`] for that one call
//! and runs the computation inside [`Interrupt::scope`]; the long loops of the core read the
//! flag of the call they belong to through [`current`] and stop at the next query, row,
//! pair or block of resamples once it is set, returning [`RankError::Interrupted`]. The flag
//! is per call, not global: interrupting one call leaves calls made at the same time from
//! other threads running.
//!
//! The flag is handed to the loops explicitly: [`current`] is read once, on the thread that
//! entered the scope, and the [`Watch`] it returns is captured by the parallel closures, so
//! rayon's worker threads see it too. The check is one relaxed atomic load per query or block,
//! nothing per document.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{RankError, Result};

/// The cancellation flag of one call.
#[derive(Debug, Default)]
pub struct Interrupt {
    flag: AtomicBool,
}

thread_local! {
    /// The interrupt of the call running on this thread, if any.
    static CURRENT: RefCell<Option<Arc<Interrupt>>> = const { RefCell::new(None) };
}

/// Restores the previous interrupt of the thread when a scope ends, unwinding included.
struct Restore(Option<Arc<Interrupt>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

impl Interrupt {
    /// A fresh, unset flag.
    pub fn new() -> Arc<Self> {
        Arc::new(Interrupt::default())
    }

    /// Ask the computation to stop at its next check.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Whether [`Interrupt::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// Run `f` on this thread with `self` as the [`current`] interrupt.
    pub fn scope<R>(self: &Arc<Self>, f: impl FnOnce() -> R) -> R {
        let previous = CURRENT.with(|c| c.borrow_mut().replace(Arc::clone(self)));
        let _restore = Restore(previous);
        f()
    }
}

/// What a long loop polls: the interrupt of the current call, or nothing outside a scope.
#[derive(Debug, Clone, Default)]
pub struct Watch(Option<Arc<Interrupt>>);

impl Watch {
    /// Whether the call was interrupted (one relaxed load; `false` outside a scope).
    #[inline]
    pub fn stopped(&self) -> bool {
        self.0.as_ref().is_some_and(|i| i.is_cancelled())
    }

    /// Run `f` on this thread with this watch's interrupt as the [`current`] one: for core
    /// functions called from inside a parallel loop (a worker thread has no scope).
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.0 {
            Some(i) => i.scope(f),
            None => f(),
        }
    }

    /// `Err(`[`RankError::Interrupted`]`)` once the call was interrupted.
    ///
    /// # Errors
    /// [`RankError::Interrupted`] when the call was interrupted.
    #[inline]
    pub fn check(&self) -> Result<()> {
        if self.stopped() {
            Err(RankError::Interrupted)
        } else {
            Ok(())
        }
    }
}

/// The interrupt of the call running on this thread (see the module docs). Read it before
/// entering parallel code: rayon's worker threads have no scope of their own.
pub fn current() -> Watch {
    Watch(CURRENT.with(|c| c.borrow().clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_sees_its_own_interrupt_only() {
        assert!(!current().stopped());
        let a = Interrupt::new();
        let b = Interrupt::new();
        a.cancel();
        assert!(a.scope(current).stopped());
        assert_eq!(a.scope(|| current().check()), Err(RankError::Interrupted));
        assert!(!b.scope(current).stopped());
        // Nested scopes restore the outer one, and nothing is left behind.
        a.scope(|| {
            b.scope(|| assert!(!current().stopped()));
            assert!(current().stopped());
        });
        assert!(!current().stopped());
        // Another thread is not in the scope.
        a.scope(|| {
            let other = std::thread::spawn(|| current().stopped()).join().unwrap();
            assert!(!other);
        });
    }

    #[test]
    fn a_panic_inside_a_scope_restores_the_previous_interrupt() {
        let a = Interrupt::new();
        a.cancel();
        let caught = std::panic::catch_unwind(|| a.scope(|| panic!("boom")));
        assert!(caught.is_err());
        assert!(!current().stopped());
    }

    /// Every long loop of the core polls the interrupt of its call: with the flag set before
    /// the call, each returns `Interrupted` instead of a result (and without a scope, the
    /// same calls succeed).
    #[test]
    fn every_long_loop_stops_when_its_call_is_interrupted() {
        use crate::compare::stats::{PairedTest, pairwise};
        use crate::consistency::opis::{Metric, OpisOptions, PairSource, opis};
        use crate::correlation::batch::{RowPairs, kendall_rows};
        use crate::correlation::kendall::KendallOptions;
        use crate::correlation::{NanPolicy, Values};
        use crate::evaluate::{ArrayBatch, ArrayOptions, EvalOptions, evaluate, evaluate_arrays};
        use crate::labels::aggregate::{Method, aggregate};
        use crate::labels::evidence::{Evidence, PairBatch};
        use crate::metrics::MeasureSet;
        use crate::ragged::RowLayout;
        use crate::trec::{Qrels, Run};

        let stopped = Interrupt::new();
        stopped.cancel();
        type Call = Box<dyn Fn() -> Result<()>>;
        let calls: Vec<(&str, Call)> = vec![
            (
                "evaluate_arrays",
                Box::new(|| {
                    let (s, l) = ([0.1, 0.2, 0.3, 0.4], [1.0, 0.0, 1.0, 0.0]);
                    let batch = ArrayBatch {
                        scores: &s,
                        labels: &l,
                        layout: RowLayout::uniform(2, 2),
                        mask: None,
                        n_relevant: None,
                    };
                    let ms = MeasureSet::parse(&["nDCG@2"])?;
                    evaluate_arrays(&batch, &ms, &ArrayOptions::default()).map(drop)
                }),
            ),
            (
                "evaluate",
                Box::new(|| {
                    let mut q = Qrels::builder();
                    q.push("q1", "d1", 1.0);
                    let mut r = Run::builder();
                    r.push("q1", "d1", 1.0);
                    let ms = MeasureSet::parse(&["RR"])?;
                    evaluate(&q.build()?, &r.build()?, &ms, &EvalOptions::default()).map(drop)
                }),
            ),
            (
                "aggregate",
                Box::new(|| {
                    let b = PairBatch::new(&[1, 0], &[0, 1], None, &[0, 1, 2], &[2, 2])?;
                    aggregate(&Evidence::Pairs(b), &Method::Borda(Default::default())).map(drop)
                }),
            ),
            (
                "pairwise",
                Box::new(|| {
                    let (x, y) = ([0.1, 0.5, 0.9], [0.2, 0.1, 0.3]);
                    pairwise(&[&x, &y], PairedTest::Randomization(1000), 0).map(drop)
                }),
            ),
            (
                "kendall_rows",
                Box::new(|| {
                    let x = [1.0, 2.0, 3.0, 4.0, 1.0, 3.0, 2.0, 4.0];
                    let rows = RowPairs {
                        x: Values::F64(&x),
                        y: Values::F64(&x),
                        layout: RowLayout::uniform(2, 4),
                    };
                    kendall_rows(rows, &KendallOptions::default(), NanPolicy::Propagate).map(drop)
                }),
            ),
            (
                "opis",
                Box::new(|| {
                    let labels = [0u32, 0, 1, 1];
                    let m: Vec<f64> = (0..16).map(|i| f64::from(i % 5)).collect();
                    let opts = OpisOptions {
                        metric: Metric::Distance,
                        ..OpisOptions::default()
                    };
                    opis(PairSource::MatrixF64(&m), &labels, None, &opts).map(drop)
                }),
            ),
        ];
        for (name, call) in &calls {
            assert_eq!(call(), Ok(()), "{name} without an interrupt");
            assert_eq!(stopped.scope(call), Err(RankError::Interrupted), "{name}");
        }
    }
}
