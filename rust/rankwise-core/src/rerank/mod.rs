//! Reranking with neural and LLM rankers: the strategies ask for model calls, Python makes
//! them, and the answers come back here.
//!
//! * [`permutation`]: reading a listwise ranker's raw answer (`[2] > [1] > [3]`) into an
//!   order of its window, with the repairs recorded;
//! * [`window`]: the sliding-window strategy as a state machine (`ready` hands out the next
//!   call, `answer` takes its result, `done`/`result` when finished), with exact call counts;
//! * [`tournament`]: TourRank's tournaments (select calls in skip groups, points summed over
//!   tournaments run side by side);
//! * [`topdown`]: TDPart's top-down partitioning around a pivot (rank calls, partition windows
//!   in one round);
//! * [`groupwise`]: joint scoring of overlapping groups, calibrated through shared candidates;
//! * [`setwise`], [`pairwise`]: llm-rankers' setwise and PRP's pairwise sorts;
//! * [`single`]: one-round strategies (a full-list call, pointwise scores);
//! * [`joint`]: JointRank's overlapping blocks of a block design, ranked in one round and
//!   aggregated;
//! * [`acurank`]: AcuRank's adaptive windows where the top-k boundary is uncertain, with
//!   Bayesian ratings;
//! * [`shuffled`]: permutation self-consistency around any listwise strategy;
//! * [`task`]: what they share (tasks, answers, bookkeeping, the `Strategy` interface);
//! * [`config`]: every strategy behind one type, for the bindings.
//!
//! The Python driver (`rankwise.rerank.rerank`) batches the calls of many queries.

pub mod acurank;
pub mod config;
mod count;
pub mod groupwise;
pub mod heap;
pub mod joint;
pub mod pairwise;
pub mod permutation;
pub mod setwise;
pub mod shuffled;
pub mod single;
pub mod task;
pub mod topdown;
pub mod tournament;
pub mod window;

pub use acurank::{AcuRank, AcuRankConfig};
pub use config::StrategyConfig;
pub use groupwise::{Groupwise, GroupwiseConfig, GroupwiseMachine};
pub use joint::{BlockDesign, Combine, JointRank, JointRankConfig};
pub use pairwise::{Pairwise, PairwiseConfig, PairwiseMethod};
pub use permutation::{
    IdStyle, OnProblem, ParseOptions, ParsedPermutation, Reading, parse_many, parse_permutation,
};
pub use setwise::{Setwise, SetwiseConfig, SetwiseMethod};
pub use shuffled::SelfConsistent;
pub use single::{FullList, Pointwise};
pub use task::{Answer, Plan, Resolved, Strategy, Task, TaskKind};
pub use topdown::{TopDown, TopDownConfig, TopDownMachine};
pub use tournament::{Tournament, TournamentConfig, TournamentMachine};
pub use window::{Direction, SlidingWindow, WindowConfig, WindowSemantics};
