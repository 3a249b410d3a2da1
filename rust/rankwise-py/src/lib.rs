//! Python bindings of `rankwise-core`, compiled as `rankwise._native`.
//!
//! A thin layer: it converts arguments, releases the interpreter around heavy work and maps
//! errors to `rankwise.errors`. No mathematics lives here. One file per core module.

use pyo3::prelude::*;

/// Building and evaluating allocates and frees large columns; mimalloc keeps freed pages for
/// reuse instead of returning them to the OS at once, which saves the kernel from zeroing
/// fresh pages and from TLB shootdowns across the rayon threads on every call.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod abstention;
mod consistency;
mod convert;
mod correlation;
mod cwl_eval;
mod dicts;
mod diversity;
mod errors;
mod evaluate;
mod fusion;
mod interrupt;
mod labels;
mod metrics;
mod parallel;
mod ratings;
mod rerank;
mod rewards;
mod stats;
mod tables;
mod trec;

#[pymodule]
mod _native {
    use super::PyModule;
    use pyo3::prelude::*;

    // Everything the module exports, by the binding file that defines it.
    #[pymodule_export]
    use crate::{
        abstention::{answer_ranks, confidence_scores, nauc},
        consistency::{
            dpo_loss_bound, idealized_ranking_accuracy, listwise_ranking_accuracy, opis,
            ranking_accuracy, ranking_difficulty,
        },
        convert::option_names,
        correlation::{ap_correlation, kendall_tau, rank_biased_overlap, spearman, weighted_tau},
        cwl_eval::cwl_eval_files,
        diversity::{diversity_evaluate, diversity_ndeval},
        evaluate::JudgedDicts,
        evaluate::judgements_copy,
        evaluate::{evaluate, evaluate_arrays, evaluate_dicts, summarize},
        fusion::{fuse, fusion_score_candidates, fusion_train},
        labels::{
            labels_active_windows, labels_aggregate, labels_committee, labels_curriculum_ease,
            labels_curriculum_weights, labels_hard_negatives, labels_inverse,
            labels_margin_targets, labels_order, labels_pair_weights, labels_position_weights,
            labels_ranking_text, labels_soft_labels,
        },
        metrics::{measure_names, measures},
        parallel::{get_num_threads, set_num_threads},
        ratings::{
            ratings_bradley_terry, ratings_bradley_terry_bootstrap, ratings_bradley_terry_groups,
            ratings_contextual, ratings_contextual_bootstrap, ratings_contextual_groups,
            ratings_elo, ratings_elo_groups, ratings_luce_choice, ratings_luce_choice_groups,
            ratings_openskill, ratings_plackett_luce, ratings_plackett_luce_bootstrap,
            ratings_plackett_luce_groups, ratings_rank_centrality, ratings_rank_centrality_groups,
            ratings_ties, ratings_ties_bootstrap, ratings_ties_groups, ratings_trueskill,
        },
        rerank::{PyRerankStates, PyStrategySpec, parse_permutation, parse_permutations},
        rewards::pairwise_accuracy,
        stats::{
            anova, anova_power, bootstrap_intervals, corrected_p_values, expected_interval_width,
            margin_of_error, mean_intervals, mean_margins_of_error, noncentral_f, noncentral_t,
            pairwise_effect_sizes, pairwise_intervals, pairwise_margins_of_error,
            pairwise_p_values, randomized_tukey_hsd, residual_effect_sizes, t_test_power,
            topic_set_size, tukey_hsd, tukey_hsd_p_values,
        },
        trec::{
            PyQrels, PyRun, evaluate_rel_info_files, qrels_and_run_from_dicts, trec_eval_output,
            trec_eval_rel_info_output,
        },
    };
    // `#` comment lines as each trec_eval version reads them (issue 17).
    #[pymodule_export]
    use crate::trec::check_comment_lines;

    // The grouped online ratings and grouped bootstraps (issue 19).
    #[pymodule_export]
    use crate::ratings::{
        ratings_bradley_terry_groups_bootstrap, ratings_contextual_groups_bootstrap,
        ratings_openskill_groups, ratings_plackett_luce_groups_bootstrap,
        ratings_ties_groups_bootstrap, ratings_trueskill_groups,
    };

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add(
            "MIN_GEO_MEAN",
            rankwise_core::metrics::measure::MIN_GEO_MEAN,
        )?;
        m.add(
            "build_profile",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        )?;
        crate::parallel::warn_about_env(m.py())?;
        Ok(())
    }
}
