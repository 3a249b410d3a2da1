//! The rankwise thread pool.
//!
//! Batch work runs on one rayon pool, sized by `RANKWISE_NUM_THREADS` when it is set to a
//! positive integer, else by the number of CPUs; [`set_num_threads`] resizes it at run time.
//! A pool of its own (rather than rayon's global one) keeps rankwise from fighting with other
//! rayon users in the same process, as polars does.
//!
//! The pool never has more than [`max_threads`] threads (`MAX_THREADS_PER_CPU` per CPU): more
//! threads than that only cost memory and scheduling, and a mistyped `RANKWISE_NUM_THREADS=99999`
//! once started ~17,000 OS threads and took a machine down. A larger request is capped; a value
//! of the variable that is not a positive integer falls back to the CPU count. Both come with
//! a message ([`env_problem`], the return value of [`set_num_threads`]) that the bindings turn
//! into a warning.

use std::sync::{Arc, RwLock};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{RankError, Result};

static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

/// The environment variable that sizes the pool.
pub const NUM_THREADS_ENV: &str = "RANKWISE_NUM_THREADS";

/// The pool has at most this many threads per CPU ([`max_threads`]).
pub const MAX_THREADS_PER_CPU: usize = 4;

/// Number of CPUs this process may use (1 if the OS does not say).
pub fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The largest pool rankwise builds: [`MAX_THREADS_PER_CPU`] threads per CPU.
pub fn max_threads() -> usize {
    num_cpus().saturating_mul(MAX_THREADS_PER_CPU)
}

/// The pool size a value of `RANKWISE_NUM_THREADS` asks for, and what was wrong with it.
///
/// `None`, an empty or blank value: the CPU count, silently (unset). A positive integer up to
/// [`max_threads`]: itself. A larger integer: [`max_threads`], with a message. Anything else
/// (`abc`, `0`, `-3`, `2.5`): the CPU count, with a message.
pub fn threads_from_env_value(value: Option<&str>) -> (usize, Option<String>) {
    let cpus = num_cpus();
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return (cpus, None);
    };
    let most = max_threads();
    let shown: String = raw.chars().take(40).collect();
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: a count, possibly one too large for usize (capped all the same).
        match digits.parse::<usize>() {
            Ok(0) => {}
            Ok(n) if n <= most => return (n, None),
            _ => {
                return (
                    most,
                    Some(format!(
                        "{NUM_THREADS_ENV}={shown:?} is more than {MAX_THREADS_PER_CPU} threads \
                         per CPU ({cpus} CPUs); using {most} threads"
                    )),
                );
            }
        }
    }
    (
        cpus,
        Some(format!(
            "{NUM_THREADS_ENV} must be a positive integer; got {shown:?}; using the number of \
             CPUs ({cpus})"
        )),
    )
}

/// What is wrong with `RANKWISE_NUM_THREADS` as set now, if anything (see
/// [`threads_from_env_value`]).
pub fn env_problem() -> Option<String> {
    threads_from_env_value(env_value().as_deref()).1
}

fn env_value() -> Option<String> {
    std::env::var_os(NUM_THREADS_ENV).map(|v| v.to_string_lossy().into_owned())
}

fn default_threads() -> usize {
    threads_from_env_value(env_value().as_deref()).0
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

/// Resize the pool; `0` restores the default (environment variable or CPU count). A count
/// above [`max_threads`] is capped to it. Returns the number of threads the pool now has.
pub fn set_num_threads(n: usize) -> Result<usize> {
    let n = if n == 0 {
        default_threads()
    } else {
        n.min(max_threads())
    };
    let p = build(n)?;
    *POOL
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(p);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_value_unset_or_blank_is_the_cpu_count_without_a_message() {
        for v in [None, Some(""), Some("  ")] {
            assert_eq!(threads_from_env_value(v), (num_cpus(), None));
        }
    }

    #[test]
    fn env_value_in_range_is_used_as_is() {
        assert_eq!(threads_from_env_value(Some(" 1 ")), (1, None));
        assert_eq!(threads_from_env_value(Some("+2")).0, 2.min(max_threads()));
    }

    #[test]
    fn env_value_too_large_is_capped_with_a_message() {
        for v in ["99999", "99999999999999999999999999"] {
            let (n, message) = threads_from_env_value(Some(v));
            assert_eq!(n, max_threads());
            assert!(message.is_some_and(|m| m.contains("per CPU")));
        }
    }

    #[test]
    fn env_value_not_a_positive_integer_falls_back_with_a_message() {
        for v in ["abc", "0", "-3", "2.5", "4x"] {
            let (n, message) = threads_from_env_value(Some(v));
            assert_eq!(n, num_cpus(), "{v}");
            assert!(
                message.is_some_and(|m| m.contains("must be a positive integer")),
                "{v}"
            );
        }
    }

    #[test]
    fn set_num_threads_caps_at_max_threads() {
        assert_eq!(set_num_threads(usize::MAX).ok(), Some(max_threads()));
        assert_eq!(num_threads(), max_threads());
        assert_eq!(set_num_threads(1).ok(), Some(1));
        assert_eq!(num_threads(), 1);
        assert!(set_num_threads(0).is_ok());
    }
}
