//! The one error type of the core.
//!
//! Every variant carries what was wrong and where: the argument (or file and line), the value
//! received and what was expected. The Python bindings map each variant to one exception class
//! of `rankwise.errors`, so the variants are grouped by the exception a user should catch.

use std::fmt;

/// Everything that can go wrong in `rankwise-core`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RankError {
    /// An argument has a value outside its domain (a negative cutoff, an unknown option, ...).
    #[error("`{argument}` must be {expected}; got {got}")]
    InvalidValue {
        argument: String,
        expected: String,
        got: String,
    },

    /// Two arrays (or an array and its offsets) disagree in shape.
    #[error("`{argument}` must have {expected}; got {got}")]
    Shape {
        argument: String,
        expected: String,
        got: String,
    },

    /// A number that must be finite is NaN or infinite.
    #[error("`{argument}` must be finite{hint}; got {value} at {location}")]
    NonFinite {
        argument: String,
        value: f64,
        location: Location,
        hint: &'static str,
    },

    /// A measure name that the parser does not know, with the closest valid names.
    #[error(
        "unknown measure {name:?}{suggestion}; valid measures are: {valid}",
        suggestion = suggestion_text(suggestions),
        valid = crate::metrics::measure::VALID_MEASURES_HELP
    )]
    UnknownMeasure {
        name: String,
        suggestions: Vec<String>,
    },

    /// A measure name that parses but is inconsistent (e.g. a cutoff on `Bpref`).
    #[error("invalid measure {name:?}: {reason}")]
    InvalidMeasure { name: String, reason: String },

    /// The same document appears twice in one query (trec_eval refuses this too).
    #[error("duplicate document {doc:?} in query {query:?} of the {what}{where_}", where_ = at(path, *line))]
    DuplicateDocument {
        what: &'static str,
        query: String,
        doc: String,
        path: Option<String>,
        line: Option<u64>,
    },

    /// A malformed line in a TREC-format file.
    #[error("{path}:{line}: {reason}: {text:?}")]
    Parse {
        path: String,
        line: u64,
        reason: String,
        text: String,
    },

    /// The caller interrupted the computation (see [`crate::interrupt`]); the bindings raise
    /// `KeyboardInterrupt`.
    #[error("interrupted")]
    Interrupted,

    /// A file that cannot be opened or read.
    #[error("{path}: {message}")]
    Io {
        path: String,
        kind: std::io::ErrorKind,
        message: String,
    },
}

/// Where in a batch a bad value sits: query index and position within the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub query: usize,
    pub position: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "query {}, position {}", self.query, self.position)
    }
}

fn suggestion_text(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", suggestions.join(" or "))
    }
}

fn at(path: &Option<String>, line: Option<u64>) -> String {
    match (path, line) {
        (Some(p), Some(l)) => format!(" ({p}:{l})"),
        (Some(p), None) => format!(" ({p})"),
        _ => String::new(),
    }
}

impl RankError {
    /// Shorthand for [`RankError::InvalidValue`].
    pub fn invalid(
        argument: impl Into<String>,
        expected: impl Into<String>,
        got: impl fmt::Display,
    ) -> Self {
        RankError::InvalidValue {
            argument: argument.into(),
            expected: expected.into(),
            got: got.to_string(),
        }
    }

    /// Shorthand for [`RankError::Shape`].
    pub fn shape(
        argument: impl Into<String>,
        expected: impl Into<String>,
        got: impl fmt::Display,
    ) -> Self {
        RankError::Shape {
            argument: argument.into(),
            expected: expected.into(),
            got: got.to_string(),
        }
    }
}

/// Result alias used across the core.
pub type Result<T, E = RankError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_argument_expectation_and_value() {
        let e = RankError::invalid("k", "a positive integer", 0);
        assert_eq!(e.to_string(), "`k` must be a positive integer; got 0");
        let e = RankError::NonFinite {
            argument: "scores".into(),
            value: f64::NAN,
            location: Location {
                query: 3,
                position: 7,
            },
            hint: "",
        };
        assert_eq!(
            e.to_string(),
            "`scores` must be finite; got NaN at query 3, position 7"
        );
        let e = RankError::DuplicateDocument {
            what: "run",
            query: "q1".into(),
            doc: "d3".into(),
            path: Some("run.txt".into()),
            line: Some(12),
        };
        assert_eq!(
            e.to_string(),
            "duplicate document \"d3\" in query \"q1\" of the run (run.txt:12)"
        );
    }
}
