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
mod compare;
mod consistency;
mod convert;
mod correlation;
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

    #[pymodule_export]
    use crate::abstention::{answer_ranks, confidence_scores, nauc};
    #[pymodule_export]
    use crate::compare::fuse;
    #[pymodule_export]
    use crate::consistency::{
        dpo_loss_bound, idealized_ranking_accuracy, listwise_ranking_accuracy, opis,
        ranking_accuracy, ranking_difficulty,
    };
    #[pymodule_export]
    use crate::convert::option_names;
    #[pymodule_export]
    use crate::correlation::{
        ap_correlation, kendall_tau, rank_biased_overlap, spearman, weighted_tau,
    };
    #[pymodule_export]
    use crate::diversity::{diversity_evaluate, diversity_ndeval};
    #[pymodule_export]
    use crate::evaluate::evaluate_dicts;
    #[pymodule_export]
    use crate::evaluate::{evaluate, evaluate_arrays, summarize};
    #[pymodule_export]
    use crate::fusion::{fusion_score_candidates, fusion_train};
    #[pymodule_export]
    use crate::labels::labels_active_windows;
    #[pymodule_export]
    use crate::labels::{
        labels_aggregate, labels_committee, labels_curriculum_ease, labels_curriculum_weights,
        labels_hard_negatives, labels_inverse, labels_margin_targets, labels_order,
        labels_pair_weights, labels_position_weights, labels_ranking_text, labels_soft_labels,
    };
    #[pymodule_export]
    use crate::metrics::{measure_names, measures};
    #[pymodule_export]
    use crate::parallel::{get_num_threads, set_num_threads};
    #[pymodule_export]
    use crate::ratings::ratings_bradley_terry_groups;
    #[pymodule_export]
    use crate::ratings::ratings_openskill;
    #[pymodule_export]
    use crate::ratings::ratings_plackett_luce_groups;
    #[pymodule_export]
    use crate::ratings::ratings_trueskill;
    #[pymodule_export]
    use crate::ratings::{
        ratings_bradley_terry, ratings_bradley_terry_bootstrap, ratings_elo, ratings_luce_choice,
        ratings_rank_centrality,
    };
    #[pymodule_export]
    use crate::ratings::{ratings_contextual, ratings_contextual_bootstrap};
    #[pymodule_export]
    use crate::ratings::{
        ratings_contextual_groups, ratings_elo_groups, ratings_luce_choice_groups,
        ratings_rank_centrality_groups, ratings_ties_groups,
    };
    #[pymodule_export]
    use crate::ratings::{ratings_plackett_luce, ratings_plackett_luce_bootstrap};
    #[pymodule_export]
    use crate::ratings::{ratings_ties, ratings_ties_bootstrap};
    #[pymodule_export]
    use crate::rerank::{PyRerankStates, PyStrategySpec, parse_permutation, parse_permutations};
    #[pymodule_export]
    use crate::rewards::pairwise_accuracy;
    #[pymodule_export]
    use crate::stats::bootstrap_intervals;
    #[pymodule_export]
    use crate::stats::randomized_tukey_hsd;
    #[pymodule_export]
    use crate::stats::tukey_hsd;
    #[pymodule_export]
    use crate::stats::{
        anova, corrected_p_values, mean_intervals, pairwise_effect_sizes, pairwise_intervals,
        pairwise_p_values, residual_effect_sizes,
    };
    #[pymodule_export]
    use crate::stats::{
        anova_power, expected_interval_width, noncentral_f, noncentral_t, t_test_power,
        topic_set_size, tukey_hsd_p_values,
    };
    #[pymodule_export]
    use crate::stats::{margin_of_error, mean_margins_of_error, pairwise_margins_of_error};
    #[pymodule_export]
    use crate::trec::{PyQrels, PyRun, qrels_and_run_from_dicts, trec_eval_output};
    #[pymodule_export]
    use crate::trec::{evaluate_rel_info_files, trec_eval_rel_info_output};

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
