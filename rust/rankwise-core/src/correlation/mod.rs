//! Rank correlation and list similarity.
//!
//! * [`kendall`]: Kendall's tau-a, tau-b and tau-c in O(n log n), with scipy's exact and
//!   asymptotic p-values (bit-identical to `scipy.stats.kendalltau`);
//! * [`weighted`]: Vigna's weighted tau (`scipy.stats.weightedtau`, bit-identical);
//! * [`spearman`]: Spearman's rho with mid-ranks for ties, and its t-test p-value;
//! * [`ap`]: Yilmaz et al.'s AP correlation and its two tie-aware versions;
//! * [`rbo`]: rank-biased overlap (Webber et al.; ties after Corsi & Urbano);
//! * [`batch`]: any of the pairwise statistics over the rows of a batch, in parallel.
//!
//! Values enter as [`Values`] (f64, f32, i64 or i32) and are compared through order keys;
//! NaN handling follows scipy's `nan_policy` ([`NanPolicy`]).

pub mod ap;
pub mod batch;
pub mod kendall;
pub mod order;
pub mod rbo;
pub mod spearman;
pub mod weighted;

pub use order::Values;

/// `argument` (another variable) must be as long as `x` (`n`); it has `got` values.
pub(crate) fn check_len_of_x(argument: &str, n: usize, got: usize) -> crate::error::Result<()> {
    if got == n {
        Ok(())
    } else {
        Err(crate::error::RankError::shape(
            argument,
            format!("the length of `x` ({n})"),
            format!("length {got}"),
        ))
    }
}

/// The alternative hypothesis of a test (scipy's `alternative`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alternative {
    /// The correlation is not zero.
    #[default]
    TwoSided,
    /// The correlation is negative.
    Less,
    /// The correlation is positive.
    Greater,
}

crate::choice!(Alternative, "alternative", {
    "two-sided" => Alternative::TwoSided,
    "less" => Alternative::Less,
    "greater" => Alternative::Greater,
});

/// What to do with NaN (scipy's `nan_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NanPolicy {
    /// A row with a NaN gets NaN (weighted tau: NaN is the smallest value, as in scipy).
    #[default]
    Propagate,
    /// A NaN is an error naming its row and position.
    Raise,
    /// Pairs with a NaN on either side are left out.
    Omit,
}

crate::choice!(NanPolicy, "nan_policy", {
    "propagate" => NanPolicy::Propagate,
    "raise" => NanPolicy::Raise,
    "omit" => NanPolicy::Omit,
});

/// A statistic and its p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub statistic: f64,
    pub pvalue: f64,
}

impl Estimate {
    /// NaN for both.
    pub const NAN: Estimate = Estimate {
        statistic: f64::NAN,
        pvalue: f64::NAN,
    };
}

/// Why a statistic is NaN, when it is (the Python layer turns these into scipy's warnings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// A value was computed.
    #[default]
    Ok,
    /// Fewer than two observations (after omitting NaN).
    TooSmall,
    /// A variable is constant, so the statistic is undefined.
    Constant,
    /// The row holds NaN and the policy propagates it.
    Nan,
}
