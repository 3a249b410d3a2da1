//! Answer-string top-k accuracy for open-domain QA: does one of the top k passages contain an
//! answer string?
//!
//! DPR's string matching (Karpukhin et al., EMNLP 2020; facebookresearch/DPR,
//! `dpr/data/qa_validation.py` `has_answer` with `match_type="string"`, and
//! `dpr/utils/tokenizers.py` `SimpleTokenizer`), which pyserini's `evaluate_dpr_retrieval`
//! copies: text and answers are NFD-normalised (done by the caller, see
//! `rankwise.answers`), split into tokens by the regular expression
//! `([\p{L}\p{N}\p{M}]+)|([^\p{Z}\p{C}])` (runs of letters, digits and marks, or any other
//! single character that is neither a separator nor a control), lower-cased token by token,
//! and a passage has the answer when the answer's tokens occur as a contiguous run of the
//! passage's tokens. An answer without tokens matches every passage, as in DPR.

use std::sync::LazyLock;

use rayon::prelude::*;
use regex::Regex;

use crate::error::Result;
use crate::interrupt;

/// DPR's `SimpleTokenizer` pattern (`ALPHA_NUM`, then `NON_WS`).
static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([\p{L}\p{N}\p{M}]+)|([^\p{Z}\p{C}])").unwrap_or_else(|_| unreachable!())
});

/// DPR's `tokenize(text).words(uncased=True)`.
pub fn tokens(text: &str) -> Vec<String> {
    TOKEN
        .find_iter(text)
        .map(|m| m.as_str().to_lowercase())
        .collect()
}

/// Whether `passage` (as tokens) contains `answer` (as tokens) as a contiguous run.
pub fn contains(passage: &[String], answer: &[String]) -> bool {
    answer.is_empty() || passage.windows(answer.len()).any(|w| w == answer)
}

/// DPR's tokens of an ASCII `text`, borrowed and not yet lower-cased: in ASCII, the
/// pattern's letters, digits and marks are `[A-Za-z0-9]`, its separators and controls are
/// space and `0x00-0x1F`, `0x7F`, so every other byte is a token of one character.
fn ascii_tokens(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 4);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            out.push(&text[start..i]);
        } else {
            if c > b' ' && c != 0x7f {
                out.push(&text[i..=i]);
            }
            i += 1;
        }
    }
    out
}

/// Whether the ASCII token `p`, lower-cased, is the (lower-case) answer token `a`.
fn same_lowered(a: &str, p: &str) -> bool {
    a.len() == p.len()
        && a.bytes()
            .zip(p.bytes())
            .all(|(x, y)| x == y.to_ascii_lowercase())
}

/// Whether `text` holds one of `answers` (each as lower-cased tokens): ASCII passages are
/// matched on borrowed tokens without allocating; others through [`tokens`].
fn passage_has(text: &str, answers: &[Vec<String>]) -> bool {
    if !text.is_ascii() {
        let passage = tokens(text);
        return answers.iter().any(|a| contains(&passage, a));
    }
    let passage = ascii_tokens(text);
    answers.iter().any(|a| {
        a.is_empty()
            || passage
                .windows(a.len())
                .any(|w| w.iter().zip(a).all(|(p, a)| same_lowered(a, p)))
    })
}

/// DPR's `has_answer(answers, text, tokenizer, "string")` on NFD-normalised strings.
pub fn has_answer<S: AsRef<str>>(answers: &[S], text: &str) -> bool {
    let answers: Vec<Vec<String>> = answers.iter().map(|a| tokens(a.as_ref())).collect();
    passage_has(text, &answers)
}

/// For each query, the 0-based rank of the first of its `ranked` passages (indices into
/// `passages`, best first, at most `depth` read) that contains one of its answers, or `-1`.
/// In parallel across queries; each passage is tokenised when first needed by a query.
///
/// `answers[q]` and `ranked[q]` belong to query `q`; every index must be below
/// `passages.len()` (the caller checks).
///
/// # Errors
/// [`crate::RankError::Interrupted`] when the call was interrupted.
pub fn first_answer_ranks<S: AsRef<str> + Sync, A: AsRef<str> + Sync>(
    passages: &[S],
    answers: &[Vec<A>],
    ranked: &[Vec<usize>],
    depth: usize,
) -> Result<Vec<i64>> {
    let watch = interrupt::current();
    let ranks: Vec<i64> = answers
        .par_iter()
        .zip(ranked.par_iter())
        .map(|(answers, ranked)| {
            if watch.stopped() {
                return -1;
            }
            let answers: Vec<Vec<String>> = answers.iter().map(|a| tokens(a.as_ref())).collect();
            ranked
                .iter()
                .take(depth)
                .position(|&p| passage_has(passages[p].as_ref(), &answers))
                .map_or(-1, |r| i64::try_from(r).unwrap_or(i64::MAX))
        })
        .collect();
    watch.check()?;
    Ok(ranks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_words_and_single_symbols() {
        assert_eq!(
            tokens("Hello, World! it's 3.5"),
            ["hello", ",", "world", "!", "it", "'", "s", "3", ".", "5"]
        );
        assert!(tokens(" \t\n").is_empty());
    }

    #[test]
    fn ascii_tokens_are_the_pattern_s_tokens() {
        let text: String = (0u8..128).map(char::from).collect::<String>() + " Ab1 c-D";
        let fast: Vec<String> = ascii_tokens(&text)
            .iter()
            .map(|t| t.to_lowercase())
            .collect();
        assert_eq!(fast, tokens(&text));
    }

    #[test]
    fn answers_match_whole_tokens_only() {
        assert!(has_answer(&["new york"], "She moved to New York in 1990."));
        assert!(!has_answer(&["york"], "Yorkshire pudding"));
        assert!(has_answer(&["  "], "anything"));
        assert!(!has_answer::<&str>(&[], "anything"));
    }

    #[test]
    fn first_rank_is_the_first_passage_with_an_answer() {
        let passages = ["nothing here", "Paris is in France", "paris again"];
        let answers = vec![vec!["Paris"], vec!["Rome"]];
        let ranked = vec![vec![0, 2, 1], vec![1, 0]];
        assert_eq!(
            first_answer_ranks(&passages, &answers, &ranked, 10).unwrap(),
            [1, -1]
        );
        assert_eq!(
            first_answer_ranks(&passages, &answers, &ranked, 1).unwrap(),
            [-1, -1]
        );
    }
}
