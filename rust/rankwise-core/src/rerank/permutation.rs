//! Reading a listwise ranker's answer: the order a model gave to the `n` candidates of a
//! window, from its raw text, repaired by an explicit policy and with every repair recorded.
//!
//! Models answer `[2] > [1] > [3]`, or `2 > 1 > 3`, or `[B] > [A] > [C]`; they also repeat
//! identifiers, invent ones that do not exist and leave some out. RankGPT repairs silently
//! (`rank_gpt.py::clean_response`, `remove_duplicate`, `receive_permutation`): every digit run
//! anywhere is an identifier, the first occurrence of each is kept, unknown ones are dropped and
//! the missing ones are appended in their original order. rankwise applies the same repairs by
//! default, reads identifiers as strictly as asked, and reports what it repaired, so a ranker
//! that keeps needing repairs is visible instead of quietly shuffling its window.

use crate::error::{RankError, Result};

/// How identifiers are written in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdStyle {
    /// Numbers in square brackets, `[2] > [1] > [3]` (RankGPT's and RankZephyr's prompts);
    /// any other text is ignored, including numbers outside brackets.
    #[default]
    Bracketed,
    /// Every run of digits is an identifier, wherever it is: RankGPT's `clean_response`
    /// (so "the 20 passages" yields 20).
    Numbers,
    /// Capital letters in square brackets, `[B] > [A]` (`[A]` is the first candidate); at
    /// most 26 candidates.
    Letters,
}

crate::choice!(IdStyle, "ids", {
    "bracketed" => IdStyle::Bracketed,
    "numbers" => IdStyle::Numbers,
    "letters" => IdStyle::Letters,
});

/// What to do about one kind of problem in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnProblem {
    /// Repair it (and record the repair).
    #[default]
    Repair,
    /// Refuse the answer with an error.
    Error,
}

crate::choice!(OnProblem, "on_problem", {
    "repair" => OnProblem::Repair,
    "error" => OnProblem::Error,
});

/// How an answer is read. The default is RankGPT's repair policy on bracketed, one-based ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    pub style: IdStyle,
    /// The identifier of the first candidate for numeric styles (1 for `[1]`, 0 for `[0]`).
    pub first_id: u64,
    /// An identifier given again: repair keeps its first occurrence.
    pub duplicates: OnProblem,
    /// An identifier with no candidate: repair drops it.
    pub out_of_range: OnProblem,
    /// Candidates the answer leaves out: repair appends them in their original order.
    pub missing: OnProblem,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            style: IdStyle::Bracketed,
            first_id: 1,
            duplicates: OnProblem::Repair,
            out_of_range: OnProblem::Repair,
            missing: OnProblem::Repair,
        }
    }
}

/// A permutation read from an answer, with the repairs made to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedPermutation {
    /// `order[rank]` = index (0-based, into the window) of the candidate placed at `rank`.
    pub order: Vec<usize>,
    /// Candidates named more than once (each listed once, in order of their repetition).
    pub duplicates: Vec<usize>,
    /// Identifiers as written that name no candidate, in the order they appeared.
    pub out_of_range: Vec<String>,
    /// Candidates the answer left out, appended to `order` in their original order.
    pub missing: Vec<usize>,
}

impl ParsedPermutation {
    /// Whether the answer needed any repair.
    pub fn repaired(&self) -> bool {
        !(self.duplicates.is_empty() && self.out_of_range.is_empty() && self.missing.is_empty())
    }
}

/// One identifier as written: its text and the candidate index it names, if any.
struct Token<'a> {
    text: &'a str,
    index: Option<usize>,
}

/// The identifiers of `text` in order of appearance.
fn tokens<'a>(text: &'a str, n: usize, opts: &ParseOptions) -> Vec<Token<'a>> {
    let bytes = text.as_bytes();
    let numeric = |digits: &'a str| -> Token<'a> {
        // Digit runs too long for u64 name no candidate either way.
        let index = digits
            .parse::<u64>()
            .ok()
            .and_then(|v| v.checked_sub(opts.first_id))
            .and_then(|v| usize::try_from(v).ok())
            .filter(|&i| i < n);
        Token {
            text: digits,
            index,
        }
    };
    let mut out = Vec::new();
    let mut i = 0;
    match opts.style {
        IdStyle::Numbers => {
            while i < bytes.len() {
                if bytes[i].is_ascii_digit() {
                    let start = i;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                    out.push(numeric(&text[start..i]));
                } else {
                    i += 1;
                }
            }
        }
        IdStyle::Bracketed | IdStyle::Letters => {
            while i < bytes.len() {
                if bytes[i] != b'[' {
                    i += 1;
                    continue;
                }
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && bytes[end] != b']' && bytes[end] != b'[' {
                    end += 1;
                }
                if end == bytes.len() || bytes[end] == b'[' {
                    i = end; // unclosed bracket: not an identifier
                    continue;
                }
                let inner = text[start..end].trim();
                i = end + 1;
                let token = match opts.style {
                    IdStyle::Letters => Token {
                        text: inner,
                        index: match inner.as_bytes() {
                            [c @ b'A'..=b'Z'] => Some(usize::from(c - b'A')).filter(|&k| k < n),
                            _ => None,
                        },
                    },
                    _ if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) => {
                        numeric(inner)
                    }
                    _ => Token {
                        text: inner,
                        index: None,
                    },
                };
                out.push(token);
            }
        }
    }
    out
}

/// Read the order a ranker gave to `n` candidates from its answer `text`.
///
/// Identifiers are read as `opts.style` says; repeated, unknown and missing ones are repaired
/// (RankGPT's rules) or refused, each as `opts` says, and every repair is recorded in the
/// result. The result is always a permutation of `0..n`.
///
/// # Errors
/// [`RankError::InvalidValue`] naming `answer` when a problem is set to
/// [`OnProblem::Error`], or when letters are asked for more than 26 candidates.
pub fn parse_permutation(text: &str, n: usize, opts: &ParseOptions) -> Result<ParsedPermutation> {
    if opts.style == IdStyle::Letters && n > 26 {
        return Err(RankError::invalid(
            "n",
            "at most 26 candidates for letter identifiers",
            n,
        ));
    }
    let refuse = |what: &str| {
        let shown: String = text.chars().take(200).collect();
        RankError::invalid(
            "answer",
            format!("a permutation of {n} candidates"),
            format!("{what} in {shown:?}"),
        )
    };
    // `n` comes from the caller, not from the text: a count too large for memory is refused.
    let mut seen = crate::memory::filled("n", n, n, false)?;
    let mut order = Vec::new();
    crate::memory::reserve(&mut order, n)
        .map_err(|()| crate::memory::too_large("n", n, crate::memory::bytes_of::<usize>(n)))?;
    let mut parsed = ParsedPermutation {
        order,
        ..ParsedPermutation::default()
    };
    for token in tokens(text, n, opts) {
        match token.index {
            None => {
                if opts.out_of_range == OnProblem::Error {
                    return Err(refuse(&format!(
                        "identifier {:?} names no candidate",
                        token.text
                    )));
                }
                parsed.out_of_range.push(token.text.to_owned());
            }
            Some(i) if seen[i] => {
                if opts.duplicates == OnProblem::Error {
                    return Err(refuse(&format!("identifier {:?} given twice", token.text)));
                }
                if !parsed.duplicates.contains(&i) {
                    parsed.duplicates.push(i);
                }
            }
            Some(i) => {
                seen[i] = true;
                parsed.order.push(i);
            }
        }
    }
    parsed.missing = (0..n).filter(|&i| !seen[i]).collect();
    if !parsed.missing.is_empty() && opts.missing == OnProblem::Error {
        return Err(refuse(&format!(
            "{} of {n} candidates missing",
            parsed.missing.len()
        )));
    }
    parsed.order.extend_from_slice(&parsed.missing);
    Ok(parsed)
}

/// What [`parse_many`] read from one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A permutation, exactly as written.
    Clean(Vec<usize>),
    /// A permutation after repairs (the policy allowed them).
    Repaired(Vec<usize>),
    /// Refused by the policy (an `OnProblem::Error` problem): no permutation.
    Refused,
}

/// Parse many answers at once, in parallel: answer `i` orders `sizes[i]` candidates. Used to
/// score thousands of RL rollouts (`rankwise.torch.rewards`).
///
/// # Errors
/// `sizes` and `texts` of different lengths, or letters asked for more than 26 candidates
/// (a configuration error, not a malformed answer).
pub fn parse_many(texts: &[&str], sizes: &[usize], opts: &ParseOptions) -> Result<Vec<Reading>> {
    use rayon::prelude::*;
    if texts.len() != sizes.len() {
        return Err(RankError::shape(
            "sizes",
            format!("one candidate count per text ({})", texts.len()),
            format!("{} counts", sizes.len()),
        ));
    }
    if opts.style == IdStyle::Letters
        && let Some(&n) = sizes.iter().find(|&&n| n > 26)
    {
        return Err(RankError::invalid(
            "sizes",
            "at most 26 candidates with letter ids",
            n,
        ));
    }
    Ok(crate::parallel::install(|| {
        texts
            .par_iter()
            .zip(sizes.par_iter())
            .map(|(text, &n)| match parse_permutation(text, n, opts) {
                Ok(p) if p.repaired() => Reading::Repaired(p.order),
                Ok(p) => Reading::Clean(p.order),
                Err(_) => Reading::Refused,
            })
            .collect()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str, n: usize) -> ParsedPermutation {
        parse_permutation(text, n, &ParseOptions::default()).unwrap()
    }

    #[test]
    fn reads_a_clean_answer_without_repairs() {
        let p = parse("[2] > [1] > [3]", 3);
        assert_eq!(p.order, vec![1, 0, 2]);
        assert!(!p.repaired());
    }

    #[test]
    fn repairs_as_rankgpt_does_and_says_so() {
        // [2] twice, [7] unknown, [4] left out; "1" outside brackets is prose.
        let p = parse("Ranking: [2] > [7] > [2] > [3] > [1] (step 1)", 4);
        assert_eq!(p.order, vec![1, 2, 0, 3]);
        assert_eq!(p.duplicates, vec![1]);
        assert_eq!(p.out_of_range, vec!["7".to_owned()]);
        assert_eq!(p.missing, vec![3]);
        // RankGPT's clean_response: every digit run counts, so "1" at the end is a duplicate.
        let opts = ParseOptions {
            style: IdStyle::Numbers,
            ..ParseOptions::default()
        };
        let p = parse_permutation("the 20 passages: 2 > 1", 3, &opts).unwrap();
        assert_eq!(p.order, vec![1, 0, 2]);
        assert_eq!(p.out_of_range, vec!["20".to_owned()]);
        // No identifiers at all (RankGPT's 'ERROR::reduce_length'): the window keeps its order.
        assert_eq!(parse("ERROR::reduce_length", 3).order, vec![0, 1, 2]);
    }

    #[test]
    fn letters_zero_based_ids_and_odd_brackets() {
        let letters = ParseOptions {
            style: IdStyle::Letters,
            ..ParseOptions::default()
        };
        let p = parse_permutation("[C] > [A] > [ b ] > [Z]", 3, &letters).unwrap();
        assert_eq!(p.order, vec![2, 0, 1]);
        assert_eq!(p.out_of_range, vec!["b".to_owned(), "Z".to_owned()]);
        let zero = ParseOptions {
            first_id: 0,
            ..ParseOptions::default()
        };
        assert_eq!(
            parse_permutation("[1] > [0]", 2, &zero).unwrap().order,
            vec![1, 0]
        );
        // Unclosed and nested brackets, huge and empty ids name nothing.
        let p = parse("[[2] > [99999999999999999999999] > [] > [1", 2);
        assert_eq!(p.order, vec![1, 0]);
        assert_eq!(
            p.out_of_range,
            vec!["99999999999999999999999".to_owned(), String::new()]
        );
        assert!(parse_permutation("[A]", 27, &letters).is_err());
    }

    #[test]
    fn strict_policies_refuse_with_the_answer_quoted() {
        let strict = ParseOptions {
            duplicates: OnProblem::Error,
            out_of_range: OnProblem::Error,
            missing: OnProblem::Error,
            ..ParseOptions::default()
        };
        for (text, what) in [
            ("[1] > [1] > [2]", "given twice"),
            ("[1] > [3]", "names no candidate"),
            ("[2]", "1 of 2 candidates missing"),
        ] {
            let e = parse_permutation(text, 2, &strict).unwrap_err().to_string();
            assert!(e.contains(what) && e.contains("answer"), "{e}");
        }
        assert_eq!(
            parse_permutation("[2] > [1]", 2, &strict).unwrap().order,
            vec![1, 0]
        );
    }

    proptest! {
        /// Any text gives a permutation of 0..n; a formatted permutation reads back exactly.
        #[test]
        fn always_a_permutation(
            text in ".{0,80}",
            n in 0usize..12,
            perm in (0usize..10).prop_flat_map(|k| Just((0..k).collect::<Vec<_>>()).prop_shuffle()),
        ) {
            for style in [IdStyle::Bracketed, IdStyle::Numbers, IdStyle::Letters] {
                let opts = ParseOptions { style, ..ParseOptions::default() };
                let p = parse_permutation(&text, n, &opts).unwrap();
                let mut sorted = p.order.clone();
                sorted.sort_unstable();
                prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            }
            let text: Vec<String> = perm.iter().map(|i| format!("[{}]", i + 1)).collect();
            let p = parse(&text.join(" > "), perm.len());
            prop_assert_eq!(&p.order, &perm);
            prop_assert!(!p.repaired());
        }
    }
}
