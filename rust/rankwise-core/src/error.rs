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
        valid = crate::metrics::table::valid_measures_help()
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

    /// A malformed line in a TREC-format file; `text` is the line as [`quote_input`] quotes
    /// it (short, escaped, in double quotes).
    #[error("{path}:{line}: {reason}: {text}")]
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

/// Characters of an input line or field that an error message quotes; the rest is counted,
/// not shown (a 10 MB line with no newline must not be echoed whole to a terminal).
pub const QUOTE_CHARS: usize = 200;

/// Input text (a line or a field of a file, a model's answer) as an error message quotes it:
/// in double quotes, at most [`QUOTE_CHARS`] characters, then `...` and the length in bytes;
/// quotes and backslashes escaped as Rust's `{:?}` does, control characters as `\n`, `\t`,
/// `\r`, `\0` or `\u{1b}`, and bytes that are not UTF-8 as `\xff`, so that a message is one
/// printable line that says exactly which bytes were read. Every parse error that quotes its
/// input goes through here.
pub fn quote_input(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len().min(QUOTE_CHARS) + 2);
    out.push('"');
    let mut shown = 0usize;
    // A character is at most 4 bytes: the head holds every byte that can be shown, so the
    // work does not grow with the input.
    let mut rest = bytes.get(..QUOTE_CHARS * 4).unwrap_or(bytes);
    let mut truncated = rest.len() < bytes.len();
    'outer: while !rest.is_empty() {
        let (valid, invalid) = match std::str::from_utf8(rest) {
            Ok(text) => (text, &[][..]),
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                let bad_len = e.error_len().unwrap_or(bad.len());
                // `good` is valid UTF-8 by construction; the fallback is never taken.
                let text = std::str::from_utf8(good).unwrap_or_default();
                let (bad, after) = bad.split_at(bad_len.min(bad.len()));
                rest = after;
                (text, bad)
            }
        };
        if invalid.is_empty() {
            rest = &[];
        }
        for c in valid.chars() {
            if shown == QUOTE_CHARS {
                truncated = true;
                break 'outer;
            }
            shown += 1;
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\0' => out.push_str("\\0"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        for &b in invalid {
            if shown == QUOTE_CHARS {
                truncated = true;
                break 'outer;
            }
            shown += 1;
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    if truncated {
        let _ = write!(out, "... ({} bytes)", bytes.len());
    }
    out
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

    /// `Ok` when `ok`, else [`RankError::invalid`]: for a check written as the condition it
    /// requires.
    pub fn require(
        ok: bool,
        argument: impl Into<String>,
        expected: impl Into<String>,
        got: impl fmt::Display,
    ) -> Result<()> {
        if ok {
            Ok(())
        } else {
            Err(RankError::invalid(argument, expected, got))
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
    fn quote_input_is_short_escaped_and_exact_on_printable_text() {
        assert_eq!(quote_input(b"301 0 d2"), "\"301 0 d2\"");
        assert_eq!(quote_input("é \"x\" \\".as_bytes()), r#""é \"x\" \\""#);
        assert_eq!(
            quote_input(b"a\tb\r\n\x00\x1b\x7f\xff\xc3"),
            r#""a\tb\r\n\0\u{1b}\u{7f}\xff\xc3""#
        );
        let long = vec![b'x'; 10 << 20];
        let q = quote_input(&long);
        assert_eq!(
            q,
            format!("\"{}\"... (10485760 bytes)", "x".repeat(QUOTE_CHARS))
        );
        // Invalid bytes count as one character each, and the work is bounded by the head.
        let q = quote_input(&vec![0xff; 10 << 20]);
        assert_eq!(q.matches("\\xff").count(), QUOTE_CHARS);
        assert!(q.ends_with("... (10485760 bytes)"));
        // Exactly QUOTE_CHARS characters: shown whole, nothing counted.
        let q = quote_input("é".repeat(QUOTE_CHARS).as_bytes());
        assert_eq!(q, format!("\"{}\"", "é".repeat(QUOTE_CHARS)));
    }

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
