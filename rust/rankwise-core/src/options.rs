//! Options picked by name (`nan_policy="omit"`, `ties="a"`): each option enum lists its names
//! next to its definition, once, in an [`Choice`] impl, and every layer reads them from there:
//! the bindings convert a name through it, their error messages list its names, and a test
//! pins each Python `Literal` alias to them (`rankwise._native.option_names()`).
//!
//! An option whose variants carry data (`Calibration::Far(lo, hi)`) is picked by a fieldless
//! kind next to it (`CalibrationKind`) that the caller then completes.

/// An option that callers pick by name.
pub trait Choice: Sized + Copy + 'static {
    /// The argument that takes it, spelled as in every layer (`"nan_policy"`).
    const ARGUMENT: &'static str;
    /// Every name with the option it stands for, in the order messages list them (an alias
    /// is a later row with the same option).
    const NAMES: &'static [(&'static str, Self)];

    /// The option `name` stands for, or `None` for a name not in [`Choice::NAMES`].
    fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, option)| option)
    }

    /// The accepted names, in order.
    fn names() -> Vec<&'static str> {
        Self::NAMES.iter().map(|&(n, _)| n).collect()
    }
}

/// `impl Choice for $ty` from its argument and its `"name" => Variant` table.
#[macro_export]
macro_rules! choice {
    ($ty:ty, $argument:literal, { $($name:literal => $variant:expr),+ $(,)? }) => {
        impl $crate::options::Choice for $ty {
            const ARGUMENT: &'static str = $argument;
            const NAMES: &'static [(&'static str, Self)] = &[$(($name, $variant)),+];
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Choice;
    use crate::correlation::Alternative;

    #[test]
    fn names_round_trip_and_unknown_names_are_none() {
        assert_eq!(Alternative::names(), ["two-sided", "less", "greater"]);
        for &(name, option) in Alternative::NAMES {
            assert_eq!(Alternative::from_name(name), Some(option));
        }
        assert_eq!(Alternative::from_name("two_sided"), None);
    }
}
