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
//! question "can this call's buffers exist". [`filled`] reserves one buffer fallibly and keeps
//! it. Both first refuse a size beyond the machine's RAM plus swap (on Linux, read once from
//! `/proc/meminfo`): that is the bound of Linux's default heuristic overcommit, but some
//! kernels and sandboxes grant any reservation and the process is then killed for memory when
//! the buffer is filled (a 17 TB bootstrap index matrix was, found by `benches/fuzz_api.py`).

use std::fmt::Display;
use std::sync::OnceLock;

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

/// RAM plus swap in bytes (`MemTotal` + `SwapTotal` of `/proc/meminfo`), or `None` where that
/// cannot be read (other systems: the reservation alone decides there).
fn machine_bytes() -> Option<u128> {
    static BYTES: OnceLock<Option<u128>> = OnceLock::new();
    *BYTES.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        let kib = |key: &str| -> Option<u128> {
            let line = text.lines().find(|l| l.starts_with(key))?;
            line[key.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        };
        Some((kib("MemTotal:")? + kib("SwapTotal:").unwrap_or(0)) * 1024)
    })
}

/// Reserve room for `len` more values in `v`, refusing (`Err(())`) a size beyond RAM plus
/// swap before asking the allocator: every buffer sized by a caller's integer reserves here.
///
/// # Errors
/// `Err(())` where the size is beyond RAM plus swap or the reservation fails.
#[allow(clippy::result_unit_err)]
pub fn reserve<T>(v: &mut Vec<T>, len: usize) -> std::result::Result<(), ()> {
    if machine_bytes().is_some_and(|limit| bytes_of::<T>(len) > limit) {
        return Err(());
    }
    v.try_reserve_exact(len).map_err(|_| ())
}

/// Check that `bytes` can be allocated now (reserved and released at once, never touched).
///
/// # Errors
/// [`RankError::InvalidValue`] naming `argument` and `got` where the size is beyond RAM plus
/// swap or the reservation fails.
pub fn ensure(argument: &str, got: impl Display, bytes: u128) -> Result<()> {
    if machine_bytes().is_some_and(|limit| bytes > limit) {
        return Err(too_large(argument, got, bytes));
    }
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
    reserve(&mut v, len).map_err(|()| too_large(argument, got, bytes_of::<T>(len)))?;
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
    fn a_size_beyond_ram_and_swap_is_refused_before_reserving() {
        // Where the kernel grants any reservation, only this bound keeps the buffer from
        // being filled until the process is killed for memory.
        if let Some(limit) = machine_bytes() {
            assert!(ensure("n_resamples", 1, limit + 1).is_err());
            let len = usize::try_from(limit / 4 + 1).unwrap();
            assert!(filled("n_resamples", 1, len, 0u32).is_err());
        }
    }

    #[test]
    fn a_small_size_is_granted() {
        assert!(ensure("n", 10, 80).is_ok());
        assert_eq!(filled("n", 3, 3, 1u8).unwrap(), vec![1, 1, 1]);
    }
}
