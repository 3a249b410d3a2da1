//! Many measures over a batch of queries in one pass per query, in parallel across queries.
//!
//! Two entry points share the measure kernels of [`crate::metrics`]:
//! * [`evaluate`]: a [`Run`] against [`Qrels`] (trec_eval semantics, doc-id tie-break);
//! * [`evaluate_arrays`]: scores and labels as ragged arrays (input-order tie-break, or
//!   sklearn's tie averaging for DCG-family measures).
//!
//! Per query, the expensive part (ranking, matching documents to judgements) is done once
//! and only as deep as the deepest measure reads; every measure then reads the same hits.

mod arrays;
mod run;
#[cfg(test)]
mod tests;
mod ties;

use crate::error::{RankError, Result};
use crate::metrics::measure::MIN_GEO_MEAN;
use crate::metrics::{Aggregate, MeasureSet};
use crate::summation::exact_sum;

pub use arrays::{ArrayBatch, ArrayOptions, NanPolicy, Ties, evaluate_arrays};
pub use run::{
    EvalOptions, Judgements, Missing, RunFileEvaluation, evaluate, evaluate_labelled,
    evaluate_run_file, evaluate_run_file_with_ties,
};
pub use ties::{
    EXPECTED_MEASURES, TieRule, Tied, evaluate_expected_or_nan, evaluate_with_ties, expected_value,
    ranx_order,
};

fn check_rel_level(rel_level: f64) -> Result<()> {
    if rel_level.is_finite() && rel_level > 0.0 {
        Ok(())
    } else {
        Err(RankError::invalid(
            "rel_level",
            "a positive number (trec_eval -l)",
            rel_level,
        ))
    }
}

/// Per-query values of an evaluation, measure-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    names: Vec<String>,
    aggregates: Vec<Aggregate>,
    query_ids: Vec<String>,
    values: Vec<f64>,
    /// trec_eval's `relstring` of each query, where the measures ask for it
    /// ([`MeasureSet::relstring`]).
    relstrings: Option<Vec<String>>,
}

impl Evaluation {
    /// Measure names, in the order they were asked for.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Evaluated queries, in the order of the qrels.
    pub fn query_ids(&self) -> &[String] {
        &self.query_ids
    }

    /// Number of evaluated queries.
    pub fn num_queries(&self) -> usize {
        self.query_ids.len()
    }

    /// All values, measure-major: measure `m`, query `q` at `m * num_queries + q`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Take the values out.
    pub fn into_values(self) -> Vec<f64> {
        self.values
    }

    /// trec_eval's `relstring` of each query (in [`Evaluation::query_ids`] order), where the
    /// measures ask for it: `""` for a query the run lacks.
    pub fn relstrings(&self) -> Option<&[String]> {
        self.relstrings.as_deref()
    }

    /// Per-query values of measure `m`.
    pub fn column(&self, m: usize) -> &[f64] {
        let q = self.num_queries();
        &self.values[m * q..(m + 1) * q]
    }

    /// One summary value per measure (mean, sum or geometric mean, see [`Aggregate`]).
    pub fn summary(&self) -> Vec<f64> {
        (0..self.names.len())
            .map(|m| aggregate(self.column(m), self.aggregates[m]))
            .collect()
    }
}

/// Summarise per-query values. Sums go through an exactly rounded summation, so the result
/// does not depend on the order of the queries. NaN for no values.
#[allow(clippy::cast_precision_loss)]
pub fn aggregate(values: &[f64], how: Aggregate) -> f64 {
    let n = values.len() as f64;
    match how {
        Aggregate::Mean => exact_sum(values.iter().copied()) / n,
        Aggregate::Sum => exact_sum(values.iter().copied()),
        Aggregate::GeometricMean => {
            (exact_sum(values.iter().map(|&v| v.max(MIN_GEO_MEAN).ln())) / n).exp()
        }
    }
}

/// The summary of each measure (see [`Evaluation::summary`]) from measure-major per-query
/// `values` (`measures.len()` rows of `num_queries`), gathered from anywhere: partitions
/// evaluated on the workers of a cluster get the very summary one [`evaluate`] call gives,
/// because the reduction ([`aggregate`]) does not depend on the order of the queries.
pub fn summarize(measures: &MeasureSet, values: &[f64], num_queries: usize) -> Result<Vec<f64>> {
    if values.len() != measures.len() * num_queries {
        return Err(RankError::Shape {
            argument: "values".into(),
            expected: format!(
                "{} measures x {num_queries} queries = {} values",
                measures.len(),
                measures.len() * num_queries
            ),
            got: values.len().to_string(),
        });
    }
    Ok(measures
        .measures()
        .iter()
        .enumerate()
        .map(|(m, measure)| {
            aggregate(
                &values[m * num_queries..(m + 1) * num_queries],
                measure.aggregate(),
            )
        })
        .collect())
}

/// Transpose query-major rows of `m` values into measure-major columns.
fn to_measure_major(query_major: &[f64], m: usize) -> Vec<f64> {
    if m == 0 {
        return Vec::new();
    }
    let q = query_major.len() / m;
    let mut out = vec![0.0; query_major.len()];
    for (qi, row) in query_major.chunks_exact(m).enumerate() {
        for (mi, &v) in row.iter().enumerate() {
            out[mi * q + qi] = v;
        }
    }
    out
}

impl Evaluation {
    /// From query-major rows, one row of `measures.len()` values per query.
    fn from_rows(measures: &MeasureSet, query_ids: Vec<String>, rows: &[f64]) -> Evaluation {
        Evaluation {
            names: measures.measures().iter().map(|x| x.name.clone()).collect(),
            aggregates: measures.measures().iter().map(|x| x.aggregate()).collect(),
            query_ids,
            values: to_measure_major(rows, measures.len()),
            relstrings: None,
        }
    }

    /// With the `relstring` of each query (see [`Evaluation::relstrings`]).
    fn with_relstrings(mut self, relstrings: Option<Vec<String>>) -> Evaluation {
        self.relstrings = relstrings;
        self
    }
}
