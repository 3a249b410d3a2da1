//! Memory sized by a caller's integer, refused with an error instead of aborting.
//!
//! Rust's global allocator aborts the process when an allocation fails, and Python's C API
//! (through PyO3) panics when it cannot create a list. Where the size of a buffer comes from
//! an integer argument rather than from data the caller already holds (`n_thresholds` of
//! OPIS, the `n` candidates of a permutation, `n_items` of an aggregation), the computation
//! first asks for that memory here: a size the process cannot get is an
//! [`RankError::InvalidValue`] naming the argument, its value and the bytes it needs.
//!
//! [`ensure`] reserves the whole budget of a call at once and hands it back: under an
//! address-space limit (`ulimit -v`, `RLIMIT_AS`) or strict overcommit that is exactly the
//! question "can this call's buffers exist", and in Linux's default heuristic mode it still
//! refuses sizes beyond RAM plus swap. [`filled`] reserves one buffer fallibly and keeps it.

use std::fmt::Display;

use crate::error::{RankError, Result};

/// The error for a buffer of `bytes` that `argument` (`got`) asks for and cannot be had.
pub fn too_large(argument: &str, got: impl Display, bytes: u128) -> RankError {
    RankError::invalid(
        argument,
        format!("small enough for its buffers to fit in memory (it needs {bytes} bytes)"),
        got,
    )
}

/// Bytes of `count` values of `T`, without overflow.
pub fn bytes_of<T>(count: usize) -> u128 {
    count as u128 * std::mem::size_of::<T>() as u128
}

/// Check that `bytes` can be allocated now (reserved and released at once, never touched).
///
/// # Errors
/// [`RankError::InvalidValue`] naming `argument` and `got` where the reservation fails.
pub fn ensure(argument: &str, got: impl Display, bytes: u128) -> Result<()> {
    let Ok(len) = usize::try_from(bytes) else {
        return Err(too_large(argument, got, bytes));
    };
    let mut probe: Vec<u8> = Vec::new();
    probe
        .try_reserve_exact(len)
        .map_err(|_| too_large(argument, got, bytes))
}

/// `len` copies of `value`, reserved fallibly.
///
/// # Errors
/// [`RankError::InvalidValue`] naming `argument` and `got` where the memory cannot be had.
pub fn filled<T: Clone>(argument: &str, got: impl Display, len: usize, value: T) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| too_large(argument, got, bytes_of::<T>(len)))?;
    v.resize(len, value);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_size_is_an_error_naming_the_argument() {
        let e = ensure("n", 7, u128::from(u64::MAX)).unwrap_err();
        assert!(e.to_string().starts_with("`n` must be small enough"), "{e}");
        assert!(e.to_string().ends_with("got 7"), "{e}");
        let e = filled::<u64>("n_thresholds", 3, usize::MAX / 8, 0).unwrap_err();
        assert!(
            e.to_string()
                .contains(&format!("{} bytes", usize::MAX / 8 * 8)),
            "{e}"
        );
    }

    #[test]
    fn a_small_size_is_granted() {
        assert!(ensure("n", 10, 80).is_ok());
        assert_eq!(filled("n", 3, 3, 1u8).unwrap(), vec![1, 1, 1]);
    }
}
