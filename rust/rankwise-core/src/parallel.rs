//! The rankwise thread pool.
//!
//! Batch work runs on one rayon pool, sized by `RANKWISE_NUM_THREADS` when it is set to a
//! positive integer, else by the number of CPUs; [`set_num_threads`] resizes it at run time.
//! A pool of its own (rather than rayon's global one) keeps rankwise from fighting with other
//! rayon users in the same process, as polars does.

use std::sync::{Arc, RwLock};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{RankError, Result};

static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

/// The environment variable that sizes the pool.
pub const NUM_THREADS_ENV: &str = "RANKWISE_NUM_THREADS";

fn default_threads() -> usize {
    std::env::var(NUM_THREADS_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn build(n: usize) -> Result<Arc<ThreadPool>> {
    ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("rankwise-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| RankError::invalid("num_threads", "a thread count the OS accepts", e))
}

/// The pool, created on first use.
pub fn pool() -> Arc<ThreadPool> {
    if let Some(p) = POOL.read().ok().and_then(|g| g.clone()) {
        return p;
    }
    let mut guard = POOL
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(p) = guard.as_ref() {
        return p.clone();
    }
    // Building a pool only fails when the OS refuses threads; fall back to one thread.
    let p = build(default_threads())
        .or_else(|_| build(1))
        .unwrap_or_else(|_| Arc::new(ThreadPoolBuilder::new().build().expect("rayon pool")));
    *guard = Some(p.clone());
    p
}

/// Run `f` inside the pool (rayon parallel iterators in `f` use it).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    pool().install(f)
}

/// Number of threads of the pool.
pub fn num_threads() -> usize {
    pool().current_num_threads()
}

/// Resize the pool; `0` restores the default (environment variable or CPU count).
pub fn set_num_threads(n: usize) -> Result<()> {
    let p = build(if n == 0 { default_threads() } else { n })?;
    *POOL
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(p);
    Ok(())
}
