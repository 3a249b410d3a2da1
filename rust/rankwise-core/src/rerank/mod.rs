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
//! * [`groupwise`]: joint scoring of overlapping groups, calibrated through shared candidates.
//!
//! Not yet here (issue 5): setwise, pairwise and full-list strategies, and the Python driver
//! that batches their calls across queries.

pub mod groupwise;
pub mod permutation;
pub mod task;
pub mod topdown;
pub mod tournament;
pub mod window;

pub use groupwise::{Groupwise, GroupwiseConfig, GroupwiseMachine};
pub use permutation::{IdStyle, OnProblem, ParseOptions, ParsedPermutation, parse_permutation};
pub use task::{Answer, Plan, Resolved, Strategy, Task, TaskKind};
pub use topdown::{TopDown, TopDownConfig, TopDownMachine};
pub use tournament::{Tournament, TournamentConfig, TournamentMachine};
pub use window::{Direction, SlidingWindow, WindowConfig, WindowSemantics};
