//! Listwise label construction: permutations, rank aggregation, weights and training targets.
//!
//! Training a listwise or full-list ranker needs a complete ranking of every candidate as its
//! label; teachers give window orders or pairwise preferences. This module turns that evidence
//! into labels:
//!
//! * [`permutation`]: orders from scores or graded labels with an explicit tie rule, inverse
//!   permutations and rank vectors, over a ragged batch;
//! * [`evidence`]: window orders and weighted pairwise outcomes of many queries, validated once;
//! * [`aggregate`]: one full ranking per query with a confidence per position, by
//!   [`borda`], [`copeland`], [`plackett_luce`] (Hunter's MM, as `choix.mm_rankings`, and
//!   I-LSR, as `choix.ilsr_rankings`), Bradley–Terry and [`kemeny`];
//! * [`weights`]: importance weights per position or pair, curriculum weights;
//! * [`targets`]: soft labels, Margin-MSE margins, hard negatives, the target text of a
//!   generative listwise ranker;
//! * [`committee`]: committee selection from many rankings (k-Borda, Chamberlin–Courant, PAV),
//!   optionally under group constraints.

pub mod active;
pub mod aggregate;
pub mod borda;
pub mod committee;
pub mod copeland;
pub mod evidence;
pub mod kemeny;
pub mod permutation;
pub mod plackett_luce;
pub mod targets;
pub mod weights;
