//! # rankwise-core
//!
//! The mathematics of ranking, in pure Rust (no Python, no numpy): trec_eval-exact IR
//! measures over whole batches of queries, evaluated in parallel.
//!
//! * [`metrics`]: the measures and their names;
//! * [`evaluate`](mod@evaluate): many measures over a run and qrels, or over score/label
//!   arrays, in one pass per query;
//! * [`trec`]: qrels and runs, from TREC files or (query, doc, value) triples;
//! * [`correlation`]: Kendall's tau, weighted tau, Spearman's rho, AP correlation and RBO,
//!   with scipy's p-values, for one pair or every row of a batch;
//! * [`consistency`]: OPIS and epsilon-OPIS, preference ranking accuracy;
//! * [`labels`]: permutations, rank aggregation (Borda, Copeland, Plackett–Luce, Kemeny),
//!   weights and targets for training listwise rankers;
//! * [`rerank`]: every reranking strategy (sliding window, setwise, pairwise, tournament,
//!   top-down, groupwise, ...) as a state machine that asks for model calls, and the reading
//!   of listwise rankers' answers;
//! * [`rewards`]: rewards for RL fine-tuning of rankers;
//! * [`compare`]: significance tests and run fusion;
//! * [`ranking`]: the tie rules and rank computation shared by everything;
//! * [`ragged`]: the batch layout (flat values plus offsets);
//! * [`rng`]: the seedable random numbers behind every `seed` argument;
//! * [`interrupt`]: per-call cancellation that the long loops poll (Ctrl-C in Python).
//! * [`memory`]: buffers sized by a caller's integer, refused with an error rather than an abort.
//!
//! ```
//! use rankwise_core::evaluate::{evaluate, EvalOptions};
//! use rankwise_core::metrics::MeasureSet;
//! use rankwise_core::trec::{Qrels, Run};
//!
//! let mut q = Qrels::builder();
//! q.push("q1", "d1", 1.0);
//! q.push("q1", "d2", 0.0);
//! let qrels = q.build()?;
//! let mut r = Run::builder();
//! r.push("q1", "d2", 0.9);
//! r.push("q1", "d1", 0.8);
//! let run = r.build()?;
//! let measures = MeasureSet::parse(&["nDCG@10", "RR"])?;
//! let result = evaluate(&qrels, &run, &measures, &EvalOptions::default())?;
//! assert_eq!(result.summary(), vec![1.0 / 3f64.log2(), 0.5]);
//! # Ok::<(), rankwise_core::error::RankError>(())
//! ```

pub mod abstention;
pub mod answers;
pub mod compare;
pub mod consistency;
pub mod correlation;
pub mod cwl_eval;
pub mod diversity;
pub mod error;
pub mod evaluate;
pub mod interrupt;
pub mod labels;
pub mod memory;
pub mod metrics;
pub mod options;
pub mod parallel;
pub mod ragged;
pub mod ranking;
pub mod ratings;
pub mod rerank;
pub mod rewards;
pub mod rng;
pub mod special;
pub mod summation;
pub mod trec;

pub use error::{RankError, Result};
