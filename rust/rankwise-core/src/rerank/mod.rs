//! Reranking with neural and LLM rankers: the strategies ask for model calls, Python makes
//! them, and the answers come back here.
//!
//! * [`permutation`]: reading a listwise ranker's raw answer (`[2] > [1] > [3]`) into an
//!   order of its window, with the repairs recorded.

pub mod permutation;

pub use permutation::{IdStyle, OnProblem, ParseOptions, ParsedPermutation, parse_permutation};
