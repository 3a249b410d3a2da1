//! Reranking with neural and LLM rankers: the strategies ask for model calls, Python makes
//! them, and the answers come back here.
//!
//! * [`permutation`]: reading a listwise ranker's raw answer (`[2] > [1] > [3]`) into an
//!   order of its window, with the repairs recorded;
//! * [`window`]: the sliding-window strategy as a state machine (`ready` hands out the next
//!   call, `answer` takes its result, `done`/`result` when finished), with exact call counts.
//!
//! Not yet here (issue 5): the other strategies and the Python driver that batches their
//! calls across queries.

pub mod config;
pub mod pairwise;
pub mod permutation;
pub mod setwise;
pub mod single;
pub mod task;
pub mod window;

pub use config::StrategyConfig;
pub use pairwise::{Pairwise, PairwiseConfig, PairwiseMethod};
pub use permutation::{IdStyle, OnProblem, ParseOptions, ParsedPermutation, parse_permutation};
pub use setwise::{Setwise, SetwiseConfig, SetwiseMethod};
pub use single::{FullList, Pointwise};
pub use task::{Answer, Plan, Resolved, Strategy, Task, TaskKind};
pub use window::{Direction, SlidingWindow, WindowConfig, WindowSemantics};
