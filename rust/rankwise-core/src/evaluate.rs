//! Many measures over a batch of queries in one pass per query, in parallel across queries.
//!
//! Two entry points share the measure kernels of [`crate::metrics`]:
//! * [`evaluate`]: a [`Run`] against [`Qrels`] (trec_eval semantics, doc-id tie-break);
//! * [`evaluate_arrays`]: scores and labels as ragged arrays (input-order tie-break, or
//!   sklearn's tie averaging for DCG-family measures).
//!
//! Per query, the expensive part (ranking, matching documents to judgements) is done once
//! and only as deep as the deepest measure reads; every measure then reads the same hits.

use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use rayon::prelude::*;

use crate::error::{Location, RankError, Result};
use crate::interrupt;
use crate::metrics::gain::{ideal_dcg, tie_averaged_dcg};
use crate::metrics::measure::MIN_GEO_MEAN;
use crate::metrics::{Aggregate, Hit, MeasureKind, MeasureSet, RankedQuery, compute};
use crate::parallel;
use crate::ragged::{Ragged, RowLayout};
use crate::ranking::{Label, RankScratch, Score, ScorePrecision, full_order, rank_hits};
use crate::summation::exact_sum;
use crate::trec::{Qrels, Run};

/// Which queries an evaluation covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// Queries judged in the qrels **and** present in the run (trec_eval 9.x, pytrec_eval).
    #[default]
    Skip,
    /// Every judged query; those missing from the run are scored on an empty ranking, so 0
    /// for every averaged measure (trec_eval `-c`, ir_measures).
    Zero,
}

crate::choice!(Missing, "missing", {
    "skip" => Missing::Skip,
    "zero" => Missing::Zero,
});

/// Options of [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalOptions {
    /// Binary measures count `label >= rel_level` as relevant (trec_eval `-l`; not used by
    /// nDCG, as in trec_eval).
    pub rel_level: f64,
    /// Drop documents without a judgement >= 0 from rankings before measuring (trec_eval `-J`).
    pub judged_only: bool,
    /// Keep only the top `max_docs` documents of each ranking (trec_eval `-M`); the ideal
    /// rankings of nDCG are not truncated.
    pub max_docs: Option<usize>,
    /// Which queries to evaluate.
    pub missing: Missing,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            rel_level: 1.0,
            judged_only: false,
            max_docs: None,
            missing: Missing::Skip,
        }
    }
}

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

// ----------------------------------------------------------------------------------------
// Runs against qrels

#[derive(Default)]
struct RunScratch {
    labels: Vec<f64>,
    hits: Vec<Hit>,
}

/// Evaluate `run` against `qrels` with trec_eval 9.0.x semantics.
///
/// Each run query's ranking is stored pre-sorted (score descending, doc id descending), so a
/// query costs one judgement lookup per ranked document, done only as deep as the deepest
/// measure reads. Queries run in parallel on the rankwise pool.
pub fn evaluate(
    qrels: &Qrels,
    run: &Run,
    measures: &MeasureSet,
    opts: &EvalOptions,
) -> Result<Evaluation> {
    check_run_options(opts)?;
    let pairs: Vec<(usize, Option<usize>)> = (0..qrels.num_queries())
        .filter_map(|q| {
            let r = run.query_index(qrels.query_id(q).as_bytes());
            match (opts.missing, r) {
                (_, Some(r)) => Some((q, Some(r))),
                (Missing::Zero, None) => Some((q, None)),
                (Missing::Skip, None) => None,
            }
        })
        .collect();
    if pairs.is_empty() {
        let sample: Vec<String> = (0..run.num_queries().min(3))
            .map(|r| run.query_id(r).into_owned())
            .collect();
        return Err(no_common_queries(qrels, run.num_queries(), &sample));
    }
    let rows = run_rows(qrels, run, &pairs, measures, opts);
    interrupt::current().check()?;
    Ok(Evaluation::from_rows(
        measures,
        pairs
            .iter()
            .map(|&(q, _)| qrels.query_id(q).into_owned())
            .collect(),
        &rows,
    ))
}

fn check_run_options(opts: &EvalOptions) -> Result<()> {
    check_rel_level(opts.rel_level)?;
    if opts.max_docs == Some(0) {
        return Err(RankError::invalid("max_docs", "a positive integer", 0));
    }
    Ok(())
}

impl Evaluation {
    /// From query-major rows, one row of `measures.len()` values per query.
    fn from_rows(measures: &MeasureSet, query_ids: Vec<String>, rows: &[f64]) -> Evaluation {
        Evaluation {
            names: measures.measures().iter().map(|x| x.name.clone()).collect(),
            aggregates: measures.measures().iter().map(|x| x.aggregate()).collect(),
            query_ids,
            values: to_measure_major(rows, measures.len()),
        }
    }
}

/// Query-major rows of measure values for `(qrels query, run query)` pairs, in parallel.
fn run_rows(
    qrels: &Qrels,
    run: &Run,
    pairs: &[(usize, Option<usize>)],
    measures: &MeasureSet,
    opts: &EvalOptions,
) -> Vec<f64> {
    let m = measures.len();
    let mut out = vec![0.0; pairs.len() * m];
    // An interrupted call stops at the next query; the caller checks and discards the rows.
    let watch = interrupt::current();
    parallel::install(|| {
        out.par_chunks_mut(m.max(1))
            .zip(pairs.par_iter())
            .for_each_init(RunScratch::default, |scratch, (row, &(q, r))| {
                if watch.stopped() {
                    return;
                }
                let ranked = rank_run_query(qrels, run, q, r, measures, opts, scratch);
                for (slot, measure) in row.iter_mut().zip(measures.measures()) {
                    *slot = compute(measure, &ranked, opts.rel_level);
                }
            });
    });
    out
}

fn no_common_queries(qrels: &Qrels, run_queries: usize, run_sample: &[String]) -> RankError {
    let qrels_sample: Vec<String> = (0..qrels.num_queries().min(3))
        .map(|q| format!("{:?}", qrels.query_id(q)))
        .collect();
    let run_sample: Vec<String> = run_sample.iter().map(|id| format!("{id:?}")).collect();
    RankError::invalid(
        "run",
        "at least one query that the qrels judge",
        format!(
            "no query in common: qrels has {} queries ({}...), run has {} ({}...)",
            qrels.num_queries(),
            qrels_sample.join(", "),
            run_queries,
            run_sample.join(", "),
        ),
    )
}

/// An evaluation of a run file, with what trec_eval's output needs to know about the run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFileEvaluation {
    pub evaluation: Evaluation,
    /// The run name (last column of the last line).
    pub name: Option<String>,
    /// For each evaluated query: whether the run has it (with [`Missing::Zero`], queries only
    /// the qrels have are evaluated too).
    pub in_run: Vec<bool>,
    /// Number of queries in the run file.
    pub run_queries: usize,
}

/// Evaluate a run file against `qrels`, reading the run a block of whole queries at a time
/// ([`trec::stream_run`](crate::trec::stream_run)) and evaluating each block as it is read:
/// memory holds the qrels and one block, not the run. The result equals
/// `evaluate(qrels, &read_run(path)?, ...)` exactly (per-query values are computed per query,
/// and the means are exact sums).
///
/// The file is opened once (`-` is standard input). One block is all that memory holds only
/// when the run is a regular file whose queries each sit on consecutive lines (as every tool
/// writes them). Otherwise the run is read whole, as [`read_run`](crate::trec::read_run)
/// reads it, and memory holds its parsed columns (about the size of the file, up to twice
/// during the read): a file whose queries are not on consecutive lines is read again from
/// its start through the same handle once streaming finds a query's lines apart, and a pipe,
/// FIFO or standard input (which cannot be read twice) is read whole from the start.
pub fn evaluate_run_file(
    qrels: &Qrels,
    path: impl AsRef<std::path::Path>,
    measures: &MeasureSet,
    opts: &EvalOptions,
) -> Result<RunFileEvaluation> {
    evaluate_run_file_in_blocks(
        qrels,
        path.as_ref(),
        measures,
        opts,
        crate::trec::parse::BLOCK_BYTES,
    )
}

/// [`evaluate_run_file`] streaming blocks of about `block` bytes.
pub(crate) fn evaluate_run_file_in_blocks(
    qrels: &Qrels,
    path: &std::path::Path,
    measures: &MeasureSet,
    opts: &EvalOptions,
    block: usize,
) -> Result<RunFileEvaluation> {
    check_run_options(opts)?;
    let m = measures.len();
    let nq = qrels.num_queries();
    let mut source = crate::trec::parse::Source::open(path)?;
    let whole = |source: &mut crate::trec::parse::Source| -> Result<RunFileEvaluation> {
        let run = crate::trec::parse::read_run_from(source, ScorePrecision::default())?;
        let evaluation = evaluate(qrels, &run, measures, opts)?;
        let in_run = evaluation
            .query_ids()
            .iter()
            .map(|id| run.query_index(id.as_bytes()).is_some())
            .collect();
        Ok(RunFileEvaluation {
            evaluation,
            name: run.name().map(str::to_owned),
            in_run,
            run_queries: run.num_queries(),
        })
    };
    if !source.is_regular() {
        // A pipe is read once: streaming could not fall back to a whole read.
        return whole(&mut source);
    }
    let mut rows = vec![0.0; nq * m];
    let mut in_run = vec![false; nq];
    // Each block's runs are evaluated in parallel (map); their rows land in place (reduce).
    let streamed = crate::trec::parse::stream_run_in_blocks(
        &mut source,
        ScorePrecision::default(),
        block,
        |run| {
            let pairs: Vec<(usize, Option<usize>)> = (0..run.num_queries())
                .filter_map(|r| {
                    qrels
                        .query_index(run.query_id_bytes(r))
                        .map(|q| (q, Some(r)))
                })
                .collect();
            let values = run_rows(qrels, &run, &pairs, measures, opts);
            Ok((pairs, values))
        },
        |(pairs, values)| {
            for (row, &(q, _)) in values.chunks_exact(m.max(1)).zip(&pairs) {
                rows[q * m..(q + 1) * m].copy_from_slice(&row[..m]);
                in_run[q] = true;
            }
            Ok(())
        },
    )?;
    let (name, run_queries, run_sample) = match streamed {
        crate::trec::Streamed::Done {
            name,
            num_queries,
            first_queries,
        } => (name, num_queries, first_queries),
        crate::trec::Streamed::NotGrouped { .. } => {
            // A regular file: read it again from its start, through the same handle.
            if !source.rewind() {
                return Err(RankError::Io {
                    path: source.name().to_owned(),
                    kind: std::io::ErrorKind::Other,
                    message: "cannot go back to the start of the file to read it whole".into(),
                });
            }
            return whole(&mut source);
        }
    };
    if !in_run.iter().any(|&x| x) && opts.missing == Missing::Skip || nq == 0 {
        return Err(no_common_queries(qrels, run_queries, &run_sample));
    }
    if opts.missing == Missing::Zero {
        // Queries the run lacks, evaluated as empty rankings.
        let pairs: Vec<(usize, Option<usize>)> =
            (0..nq).filter(|&q| !in_run[q]).map(|q| (q, None)).collect();
        let empty = Run::builder().build()?;
        let missing = run_rows(qrels, &empty, &pairs, measures, opts);
        for (row, &(q, _)) in missing.chunks_exact(m.max(1)).zip(&pairs) {
            rows[q * m..(q + 1) * m].copy_from_slice(&row[..m]);
        }
    }
    let kept: Vec<usize> = match opts.missing {
        Missing::Zero => (0..nq).collect(),
        Missing::Skip => (0..nq).filter(|&q| in_run[q]).collect(),
    };
    let mut kept_rows = Vec::with_capacity(kept.len() * m);
    for &q in &kept {
        kept_rows.extend_from_slice(&rows[q * m..(q + 1) * m]);
    }
    Ok(RunFileEvaluation {
        evaluation: Evaluation::from_rows(
            measures,
            kept.iter()
                .map(|&q| qrels.query_id(q).into_owned())
                .collect(),
            &kept_rows,
        ),
        name,
        in_run: kept.iter().map(|&q| in_run[q]).collect(),
        run_queries,
    })
}

/// Match one run query's ranking to its judgements and return what the measures read.
fn rank_run_query<'a>(
    qrels: &'a Qrels,
    run: &Run,
    q: usize,
    r: Option<usize>,
    measures: &MeasureSet,
    opts: &EvalOptions,
    scratch: &'a mut RunScratch,
) -> RankedQuery<'a> {
    let positive_labels = qrels.positive_labels(q);
    let zero_labels = qrels.zero_labels(q);
    scratch.hits.clear();
    let Some(r) = r else {
        return RankedQuery {
            hits: &scratch.hits,
            num_ret: 0,
            others_judged: false,
            positive_labels,
            zero_labels,
        };
    };
    let n_all = run.range(r).len();
    let n = opts.max_docs.map_or(n_all, |k| k.min(n_all));
    let depth = if opts.judged_only {
        n
    } else {
        measures.depth(n, opts.rel_level, |rel| {
            positive_labels.partition_point(|&l| l >= rel)
        })
    };
    resolve_labels(qrels, run, q, r, depth, &mut scratch.labels);
    let mut num_ret = n;
    if opts.judged_only {
        // trec_eval -J: keep documents judged >= 0, in their original order, re-ranked.
        let mut kept = 0u32;
        for &l in &scratch.labels {
            if l >= 0.0 {
                scratch.hits.push(Hit {
                    rank: kept,
                    label: l,
                });
                kept += 1;
            }
        }
        num_ret = kept as usize;
    } else {
        for (rank, &l) in scratch.labels.iter().enumerate() {
            if !l.is_nan() {
                scratch.hits.push(Hit {
                    rank: u32::try_from(rank).unwrap_or(u32::MAX),
                    label: l,
                });
            }
        }
    }
    RankedQuery {
        hits: &scratch.hits,
        num_ret,
        others_judged: false,
        positive_labels,
        zero_labels,
    }
}

/// Labels of the top `depth` ranked documents of run query `r` (NaN = not judged).
fn resolve_labels(qrels: &Qrels, run: &Run, q: usize, r: usize, depth: usize, out: &mut Vec<f64>) {
    out.clear();
    out.extend((0..depth).map(|rank| {
        qrels
            .lookup(q, run.doc(run.at_rank(r, rank)))
            .unwrap_or(f64::NAN)
    }));
}

// ----------------------------------------------------------------------------------------
// Arrays

/// How equal scores are ordered in the array API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ties {
    /// Equal scores keep input order (the lower position ranks first).
    #[default]
    Stable,
    /// Equal scores share their gains (McSherry & Najork 2008; sklearn's and torchmetrics'
    /// nDCG). Only DCG-family measures are defined this way.
    Average,
}

crate::choice!(Ties, "ties", {
    "stable" => Ties::Stable,
    "average" => Ties::Average,
});

/// What to do with NaN and infinite scores in the array API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NanPolicy {
    /// Refuse them with an error naming the position.
    #[default]
    Raise,
    /// Treat them as padding: the document is not part of the ranking.
    Omit,
}

crate::choice!(NanPolicy, "nan_policy", {
    "raise" => NanPolicy::Raise,
    "omit" => NanPolicy::Omit,
});

/// Options of [`evaluate_arrays`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArrayOptions {
    pub rel_level: f64,
    pub ties: Ties,
    pub nan_policy: NanPolicy,
}

impl Default for ArrayOptions {
    fn default() -> Self {
        ArrayOptions {
            rel_level: 1.0,
            ties: Ties::Stable,
            nan_policy: NanPolicy::Raise,
        }
    }
}

/// Borrowed inputs of [`evaluate_arrays`].
#[derive(Debug, Clone, Copy)]
pub struct ArrayBatch<'a, S, L> {
    /// Scores, flat.
    pub scores: &'a [S],
    /// Labels, flat, aligned with `scores`. Negative labels mean "judged pool, unjudged"
    /// (as trec_eval's negative qrels labels).
    pub labels: &'a [L],
    /// How the flat arrays are cut into queries.
    pub layout: RowLayout<'a>,
    /// `false` marks padding.
    pub mask: Option<&'a [bool]>,
    /// Number of relevant documents of each query, counting relevant documents that are not
    /// in the arrays (so AP, recall and nDCG's ideal are right for truncated lists). Missing
    /// relevant documents are taken to have the label `rel_level`.
    pub n_relevant: Option<&'a [i64]>,
}

#[derive(Default)]
struct ArrayScratch {
    rank: RankScratch,
    hits: Vec<Hit>,
    positive: Vec<f64>,
    keys: Vec<u128>,
    order: Vec<u32>,
    gains: Vec<f64>,
    group_ends: Vec<usize>,
}

/// Evaluate many measures over a batch of scored, labelled arrays; returns the values
/// measure-major (`values[m * Q + q]`).
pub fn evaluate_arrays<S: Score, L: Label>(
    batch: &ArrayBatch<'_, S, L>,
    measures: &MeasureSet,
    opts: &ArrayOptions,
) -> Result<Vec<f64>> {
    check_rel_level(opts.rel_level)?;
    let scores = Ragged::new(batch.scores, batch.layout, "scores")?;
    let labels = Ragged::new(batch.labels, batch.layout, "labels")?;
    let rows = scores.rows();
    if rows == 0 {
        return Err(RankError::shape(
            "scores",
            "at least one query (row)",
            "an empty batch",
        ));
    }
    if let Some(mask) = batch.mask
        && mask.len() != batch.scores.len()
    {
        return Err(RankError::shape(
            "mask",
            format!("the shape of `scores` ({} values)", batch.scores.len()),
            format!("{} values", mask.len()),
        ));
    }
    if let Some(n_rel) = batch.n_relevant
        && n_rel.len() != rows
    {
        return Err(RankError::shape(
            "n_relevant",
            format!("one count per query ({rows})"),
            format!("{} counts", n_rel.len()),
        ));
    }
    if let Some(row) = (0..rows).find(|&q| batch.layout.range(q).len() > u32::MAX as usize) {
        return Err(RankError::shape(
            "scores",
            "rows of at most 4294967295 documents",
            format!("{} documents in row {row}", batch.layout.range(row).len()),
        ));
    }
    if opts.ties == Ties::Average
        && let Some(m) = measures.measures().iter().find(|m| {
            m.judged_only || !matches!(m.kind, MeasureKind::Ndcg(_) | MeasureKind::Dcg(_))
        })
    {
        return Err(RankError::invalid(
            "ties",
            "\"stable\" for measures other than nDCG and DCG, or with judged_only (tie \
                 averaging is defined for DCG-family measures of the whole ranking only)",
            format!("\"average\" with {:?}", m.name),
        ));
    }
    let m = measures.len();
    let mut out = vec![0.0; rows * m];
    let first_bad = AtomicUsize::new(usize::MAX);
    let watch = interrupt::current();
    parallel::install(|| {
        out.par_chunks_mut(m.max(1)).enumerate().for_each_init(
            ArrayScratch::default,
            |scratch, (q, row)| {
                if watch.stopped() {
                    return;
                }
                if array_row(batch, &scores, &labels, q, measures, opts, scratch, row).is_err() {
                    first_bad.fetch_min(q, AtomicOrdering::Relaxed);
                }
            },
        );
    });
    watch.check()?;
    let bad = first_bad.into_inner();
    if bad != usize::MAX {
        // Re-run the first failing row alone: its error is deterministic.
        let mut row = vec![0.0; m];
        let mut scratch = ArrayScratch::default();
        array_row(
            batch,
            &scores,
            &labels,
            bad,
            measures,
            opts,
            &mut scratch,
            &mut row,
        )?;
    }
    Ok(to_measure_major(&out, m))
}

/// The first non-finite value of a row that takes part in the ranking, as an error.
fn check_row<S: Score, L: Label>(
    s: &[S],
    l: &[L],
    in_mask: impl Fn(usize) -> bool,
    q: usize,
    nan_policy: NanPolicy,
) -> Result<()> {
    for j in (0..s.len()).filter(|&j| in_mask(j)) {
        let v = s[j].to_f64();
        if !v.is_finite() && nan_policy == NanPolicy::Raise {
            return Err(RankError::NonFinite {
                argument: "scores".into(),
                value: v,
                location: Location {
                    query: q,
                    position: j,
                },
                hint: " (pass nan_policy=\"omit\" to treat NaN and infinite scores as padding)",
            });
        }
        let lab = l[j].to_f64();
        if !lab.is_finite() {
            return Err(RankError::NonFinite {
                argument: "labels".into(),
                value: lab,
                location: Location {
                    query: q,
                    position: j,
                },
                hint: "",
            });
        }
    }
    Ok(())
}

/// Add the relevant documents `n_relevant` says are missing from the row (label `rel_level`)
/// to its positive labels, and sort them descending.
fn finish_positive(
    positive: &mut Vec<f64>,
    n_relevant: Option<i64>,
    rel_level: f64,
    q: usize,
) -> Result<()> {
    if let Some(wanted) = n_relevant {
        let present = positive.iter().filter(|&&v| v >= rel_level).count();
        let extra = usize::try_from(wanted)
            .ok()
            .and_then(|w| w.checked_sub(present))
            .ok_or_else(|| {
                RankError::invalid(
                    "n_relevant",
                    format!(
                        "at least the number of relevant documents in the row ({present} in query {q})"
                    ),
                    wanted,
                )
            })?;
        positive.extend(std::iter::repeat_n(rel_level, extra));
    }
    positive.sort_unstable_by(|a, b| b.total_cmp(a));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn array_row<S: Score, L: Label>(
    batch: &ArrayBatch<'_, S, L>,
    scores: &Ragged<'_, S>,
    labels: &Ragged<'_, L>,
    q: usize,
    measures: &MeasureSet,
    opts: &ArrayOptions,
    scratch: &mut ArrayScratch,
    out: &mut [f64],
) -> Result<()> {
    let s = scores.row(q);
    let l = labels.row(q);
    let mask = batch.mask.map(|mk| &mk[batch.layout.range(q)]);
    let in_mask = |j: usize| mask.is_none_or(|mk| mk[j]);
    // The common case, checked with one vectorisable pass: no padding, every value finite.
    let clean = mask.is_none()
        && s.iter().all(|v| v.to_f64().is_finite())
        && l.iter().all(|v| v.to_f64().is_finite());
    if !clean {
        check_row(s, l, in_mask, q, opts.nan_policy)?;
    }
    let valid = |j: usize| clean || (in_mask(j) && s[j].to_f64().is_finite());
    let n_relevant = batch.n_relevant.map(|n| n[q]);

    if opts.ties == Ties::Average {
        scratch.positive.clear();
        let mut zeros = 0;
        for j in (0..s.len()).filter(|&j| valid(j)) {
            let v = l[j].to_f64();
            if v > 0.0 {
                scratch.positive.push(v);
            } else if v == 0.0 {
                zeros += 1;
            }
        }
        finish_positive(&mut scratch.positive, n_relevant, opts.rel_level, q)?;
        tie_averaged_row(s, l, valid, zeros, measures, scratch, out);
        return Ok(());
    }

    let num_ret = if clean {
        rank_hits(s, l, |_| true, &mut scratch.rank, &mut scratch.hits)
    } else {
        rank_hits(s, l, valid, &mut scratch.rank, &mut scratch.hits)
    };
    // Hits are the documents with a non-zero label, so the positive labels are those of the
    // positive hits, and every other document has label 0.
    scratch.positive.clear();
    scratch
        .positive
        .extend(scratch.hits.iter().map(|h| h.label).filter(|&v| v > 0.0));
    finish_positive(&mut scratch.positive, n_relevant, opts.rel_level, q)?;
    let view = RankedQuery {
        hits: &scratch.hits,
        num_ret,
        others_judged: true,
        positive_labels: &scratch.positive,
        zero_labels: num_ret - scratch.hits.len(),
    };
    for (slot, measure) in out.iter_mut().zip(measures.measures()) {
        *slot = compute(measure, &view, opts.rel_level);
    }
    Ok(())
}

/// nDCG and DCG with tie-averaged gains (sklearn's default), for one row.
fn tie_averaged_row<S: Score, L: Label>(
    s: &[S],
    l: &[L],
    valid: impl Fn(usize) -> bool,
    zero_labels: usize,
    measures: &MeasureSet,
    scratch: &mut ArrayScratch,
    out: &mut [f64],
) {
    full_order(
        s.len(),
        valid,
        |j| s[j].to_f64(),
        &mut scratch.keys,
        &mut scratch.order,
    );
    scratch.group_ends.clear();
    let ord = &scratch.order;
    for i in 1..=ord.len() {
        if i == ord.len() || s[ord[i] as usize].to_f64() != s[ord[i - 1] as usize].to_f64() {
            scratch.group_ends.push(i);
        }
    }
    let view = RankedQuery {
        hits: &[],
        num_ret: ord.len(),
        others_judged: true,
        positive_labels: &scratch.positive,
        zero_labels,
    };
    for (slot, measure) in out.iter_mut().zip(measures.measures()) {
        let (MeasureKind::Ndcg(gain) | MeasureKind::Dcg(gain)) = measure.kind else {
            continue; // refused before evaluation starts
        };
        scratch.gains.clear();
        scratch
            .gains
            .extend(ord.iter().map(|&j| gain.of(l[j as usize].to_f64())));
        let dcg = tie_averaged_dcg(&scratch.gains, &scratch.group_ends, measure.cutoff);
        *slot = if matches!(measure.kind, MeasureKind::Dcg(_)) {
            dcg
        } else {
            let ideal = ideal_dcg(&view, measure.cutoff, gain);
            if ideal > 0.0 { dcg / ideal } else { 0.0 }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trec::{Qrels, Run};

    fn qrels(rows: &[(&str, &str, f64)]) -> Qrels {
        let mut b = Qrels::builder();
        for &(q, d, l) in rows {
            b.push(q, d, l);
        }
        b.build().unwrap()
    }

    fn run(rows: &[(&str, &str, f64)]) -> Run {
        let mut b = Run::builder();
        for &(q, d, s) in rows {
            b.push(q, d, s);
        }
        b.build().unwrap()
    }

    fn set(names: &[&str]) -> MeasureSet {
        MeasureSet::parse(names).unwrap()
    }

    #[test]
    fn ties_are_broken_by_docno_descending() {
        // pytrec_eval#56: d1, d2, d3 tied, only d1 relevant -> order d3, d2, d1.
        let qr = qrels(&[("q", "d1", 1.0)]);
        let rn = run(&[("q", "d1", 1.0), ("q", "d2", 1.0), ("q", "d3", 1.0)]);
        let e = evaluate(
            &qr,
            &rn,
            &set(&["recip_rank", "ndcg"]),
            &EvalOptions::default(),
        )
        .unwrap();
        assert_eq!(e.column(0), &[1.0 / 3.0]);
        assert_eq!(e.column(1), &[0.5]);
    }

    #[test]
    fn queries_follow_skip_and_zero_policies() {
        let qr = qrels(&[("q1", "a", 1.0), ("q2", "b", 1.0)]);
        let rn = run(&[("q1", "a", 1.0), ("q3", "b", 1.0)]);
        let ms = set(&["P@1", "NumRel"]);
        let e = evaluate(&qr, &rn, &ms, &EvalOptions::default()).unwrap();
        assert_eq!(e.query_ids(), &["q1"]);
        assert_eq!(e.summary(), vec![1.0, 1.0]);
        let opts = EvalOptions {
            missing: Missing::Zero,
            ..EvalOptions::default()
        };
        let e = evaluate(&qr, &rn, &ms, &opts).unwrap();
        assert_eq!(e.query_ids(), &["q1", "q2"]);
        assert_eq!(e.summary(), vec![0.5, 2.0]);
        let none = run(&[("zz", "a", 1.0)]);
        let err = evaluate(&qr, &none, &ms, &EvalOptions::default()).unwrap_err();
        assert!(err.to_string().contains("no query in common"), "{err}");
    }

    #[test]
    fn judged_only_and_max_docs_follow_trec_eval() {
        let qr = qrels(&[("q", "a", 1.0), ("q", "b", 0.0)]);
        let rn = run(&[("q", "x", 3.0), ("q", "a", 2.0), ("q", "b", 1.0)]);
        let ms = set(&["P@1", "NumRet"]);
        let j = EvalOptions {
            judged_only: true,
            ..EvalOptions::default()
        };
        assert_eq!(
            evaluate(&qr, &rn, &ms, &j).unwrap().summary(),
            vec![1.0, 2.0]
        );
        let m = EvalOptions {
            max_docs: Some(1),
            ..EvalOptions::default()
        };
        assert_eq!(
            evaluate(&qr, &rn, &ms, &m).unwrap().summary(),
            vec![0.0, 1.0]
        );
    }

    #[test]
    fn depth_limited_lookup_equals_full_merge() {
        let mut qrows = Vec::new();
        let mut rrows = Vec::new();
        let docs: Vec<String> = (0..200).map(|i| format!("d{i}")).collect();
        for (i, d) in docs.iter().enumerate() {
            if i % 3 == 0 {
                qrows.push(("q", d.as_str(), (i % 4) as f64));
            }
            rrows.push(("q", d.as_str(), ((i * 7919) % 101) as f64));
        }
        let qr = qrels(&qrows);
        let rn = run(&rrows);
        let shallow = evaluate(&qr, &rn, &set(&["nDCG@5"]), &EvalOptions::default()).unwrap();
        let deep = evaluate(&qr, &rn, &set(&["nDCG@5", "AP"]), &EvalOptions::default()).unwrap();
        assert_eq!(shallow.column(0), deep.column(0));
    }

    #[test]
    fn arrays_equal_runs_on_the_same_data() {
        let scores = [0.9, 0.1, 0.5, 0.5, 0.2, 0.3];
        let labels = [0i32, 2, 1, 0, 1, 0];
        // Run docs named so that docno-desc tie-breaking equals input order.
        let docs = ["d5", "d4", "d3", "d2", "d1", "d0"];
        let names = [
            "nDCG@3",
            "AP",
            "RR",
            "P@2",
            "Bpref",
            "Rprec",
            "IPrec@0.5",
            "ERR@3",
            "RBP(p=0.5)",
        ];
        let ms = set(&names);
        let batch = ArrayBatch {
            scores: &scores,
            labels: &labels,
            layout: RowLayout::uniform(1, 6),
            mask: None,
            n_relevant: None,
        };
        let arr = evaluate_arrays(&batch, &ms, &ArrayOptions::default()).unwrap();
        let qr = qrels(
            &docs
                .iter()
                .zip(labels)
                .map(|(&d, l)| ("q", d, f64::from(l)))
                .collect::<Vec<_>>(),
        );
        let rn = run(&docs
            .iter()
            .zip(scores)
            .map(|(&d, s)| ("q", d, s))
            .collect::<Vec<_>>());
        let ev = evaluate(&qr, &rn, &ms, &EvalOptions::default()).unwrap();
        assert_eq!(arr, ev.values());
    }

    #[test]
    fn array_errors_name_argument_and_position() {
        let ms = set(&["nDCG@3"]);
        let scores = [0.1, f64::NAN];
        let labels = [1.0, 0.0];
        let batch = ArrayBatch {
            scores: &scores,
            labels: &labels,
            layout: RowLayout::uniform(2, 1),
            mask: None,
            n_relevant: None,
        };
        let e = evaluate_arrays(&batch, &ms, &ArrayOptions::default()).unwrap_err();
        assert!(e.to_string().contains("`scores` must be finite"), "{e}");
        assert!(e.to_string().contains("query 1, position 0"), "{e}");
        let omit = ArrayOptions {
            nan_policy: NanPolicy::Omit,
            ..ArrayOptions::default()
        };
        let v = evaluate_arrays(&batch, &ms, &omit).unwrap();
        assert_eq!(v, vec![1.0, 0.0]);
        let n_rel = [0i64, 0];
        let batch = ArrayBatch {
            n_relevant: Some(&n_rel),
            ..batch
        };
        let e = evaluate_arrays(&batch, &ms, &omit).unwrap_err();
        assert!(e.to_string().contains("`n_relevant`"), "{e}");
        let empty: [f64; 0] = [];
        let batch = ArrayBatch {
            scores: &empty,
            labels: &empty,
            layout: RowLayout::uniform(0, 3),
            mask: None,
            n_relevant: None,
        };
        assert!(evaluate_arrays(&batch, &ms, &ArrayOptions::default()).is_err());
    }

    #[test]
    fn n_relevant_adds_unretrieved_relevant_documents() {
        let scores = [0.9, 0.5];
        let labels = [1i8, 0];
        let n_rel = [2i64];
        let batch = ArrayBatch {
            scores: &scores,
            labels: &labels,
            layout: RowLayout::uniform(1, 2),
            mask: None,
            n_relevant: Some(&n_rel),
        };
        let v = evaluate_arrays(&batch, &set(&["AP", "R@2"]), &ArrayOptions::default()).unwrap();
        assert_eq!(v, vec![0.5, 0.5]);
    }

    const ALL: [&str; 20] = [
        "nDCG",
        "nDCG@3",
        "nDCG(gain=exp2)@5",
        "DCG@4",
        "AP",
        "AP@3",
        "RR",
        "RR@2",
        "P@2",
        "R@3",
        "Rprec",
        "Success@2",
        "Bpref",
        "Judged@3",
        "ERR@4",
        "RBP(p=0.7)",
        "IPrec@0.5",
        "gm_map",
        "NumRelRet",
        "NumRel",
    ];

    proptest::proptest! {
        /// The two entry points agree when a run's doc ids descend with the input position
        /// (so trec_eval's doc-id tie rule is the arrays' input-order rule), and every
        /// normalised measure stays within [0, 1].
        #[test]
        fn arrays_and_runs_agree_and_measures_are_bounded(
            rows in proptest::collection::vec(
                proptest::collection::vec((0u8..4, -1i8..4), 0..12), 1..5)
        ) {
            let ms = set(&ALL);
            let mut scores = Vec::new();
            let mut labels = Vec::new();
            let mut offsets = vec![0i64];
            let mut qb = Qrels::builder();
            let mut rb = Run::builder();
            for (q, row) in rows.iter().enumerate() {
                let qid = format!("q{q}");
                rb.begin_query(&qid);
                for (j, &(s, l)) in row.iter().enumerate() {
                    let doc = format!("d{:04}", row.len() - j);
                    scores.push(f64::from(s) / 2.0);
                    labels.push(l);
                    qb.push(&qid, &doc, f64::from(l));
                    rb.push_doc(&doc, f64::from(s) / 2.0);
                }
                offsets.push(scores.len() as i64);
            }
            let batch = ArrayBatch {
                scores: &scores,
                labels: &labels,
                layout: RowLayout::offsets(&offsets, scores.len()).unwrap(),
                mask: None,
                n_relevant: None,
            };
            let arr = evaluate_arrays(&batch, &ms, &ArrayOptions::default()).unwrap();
            let q = rows.len();
            for (m, measure) in ms.measures().iter().enumerate() {
                if matches!(measure.kind, MeasureKind::Dcg(_) | MeasureKind::NumRelRet | MeasureKind::NumRel) {
                    continue;
                }
                for v in &arr[m * q..(m + 1) * q] {
                    proptest::prop_assert!((0.0..=1.0).contains(v), "{} = {}", measure.name, v);
                }
            }
            let (Ok(qrels), Ok(run)) = (qb.build(), rb.build()) else { return Ok(()) };
            let opts = EvalOptions { missing: Missing::Zero, ..EvalOptions::default() };
            let Ok(ev) = evaluate(&qrels, &run, &ms, &opts) else { return Ok(()) };
            // Compare the queries the qrels judge (rows with documents).
            for (qi, qid) in ev.query_ids().iter().enumerate() {
                let row: usize = qid[1..].parse().unwrap();
                for m in 0..ms.len() {
                    proptest::prop_assert_eq!(ev.column(m)[qi], arr[m * q + row], "{}", ms.measures()[m].name);
                }
            }
        }
    }

    /// Write `lines` as a run file (unique name per test case) and return its path.
    fn write_run_file(tag: &str, lines: &[String]) -> std::path::PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CASE: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("rankwise-stream-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!(
            "{tag}-{}.run",
            CASE.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, lines.concat()).unwrap();
        path
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

        /// Streaming a run file in tiny blocks (queries straddle blocks and the pieces of a
        /// block) gives exactly the evaluation of the whole file, for grouped and ungrouped
        /// files, either `missing` rule, and duplicate documents are refused the same way.
        #[test]
        fn streamed_file_evaluation_equals_whole_file(
            lines in proptest::collection::vec((0u8..6, 0u8..8, 0u8..5), 0..60),
            grouped in proptest::bool::ANY,
            zero in proptest::bool::ANY,
            block in 1usize..2000,
        ) {
            let mut lines = lines;
            if grouped {
                lines.sort_by_key(|&(q, _, _)| q);
            }
            let text: Vec<String> = lines
                .iter()
                .map(|&(q, d, s)| format!("q{q} Q0 d{d} 0 {s}.5 run{q}\n"))
                .collect();
            let path = write_run_file("prop", &text);
            let qrels = qrels(&[
                ("q0", "d1", 1.0), ("q0", "d2", 2.0), ("q1", "d0", 0.0), ("q2", "d3", 1.0),
                ("q2", "d4", -1.0), ("q3", "d5", 3.0), ("q7", "d1", 1.0),
            ]);
            let ms = MeasureSet::parse(&["all_trec"]).unwrap();
            let opts = EvalOptions {
                missing: if zero { Missing::Zero } else { Missing::Skip },
                ..EvalOptions::default()
            };
            let whole = crate::trec::read_run(&path)
                .and_then(|run| Ok((evaluate(&qrels, &run, &ms, &opts)?, run)));
            let streamed = evaluate_run_file_in_blocks(&qrels, &path, &ms, &opts, block);
            match (whole, streamed) {
                (Ok((ev, run)), Ok(s)) => {
                    proptest::prop_assert_eq!(&s.evaluation, &ev);
                    proptest::prop_assert_eq!(s.name.as_deref(), run.name());
                    let in_run: Vec<bool> = ev
                        .query_ids()
                        .iter()
                        .map(|id| run.query_index(id.as_bytes()).is_some())
                        .collect();
                    proptest::prop_assert_eq!(s.in_run, in_run);
                }
                // A file with several duplicates may have a different one reported first.
                (Err(a), Err(b)) => proptest::prop_assert!(
                    a.to_string() == b.to_string()
                        || matches!((&a, &b), (RankError::DuplicateDocument { .. }, RankError::DuplicateDocument { .. })),
                    "{} vs {}", a, b
                ),
                (a, b) => proptest::prop_assert!(false, "whole {:?} vs streamed {:?}", a.map(|x| x.0), b),
            }
            let _ = std::fs::remove_file(&path);
        }
    }

    #[test]
    fn streaming_hands_over_each_query_once_or_says_the_file_is_not_grouped() {
        let lines: Vec<String> = [
            "a Q0 x 1 1 r\n",
            "a Q0 y 2 2 r\n",
            "b Q0 x 1 1 r\n",
            "a Q0 z 1 0 r\n",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let path = write_run_file("ungrouped", &lines);
        let mut seen = Vec::new();
        let out = crate::trec::parse::stream_run_in_blocks(
            &mut crate::trec::parse::Source::open(&path).unwrap(),
            ScorePrecision::F32,
            8,
            Ok,
            |run| {
                for r in 0..run.num_queries() {
                    seen.push((run.query_id(r).into_owned(), run.range(r).len()));
                }
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(out, crate::trec::Streamed::NotGrouped { query: "a".into() });
        // Whatever was handed over before the second "a" was whole.
        assert!(
            seen.is_empty() || seen == vec![("a".to_owned(), 2)],
            "{seen:?}"
        );
        let path = write_run_file("grouped", &lines[..3]);
        let mut seen = Vec::new();
        let out = crate::trec::stream_run(&path, ScorePrecision::F32, Ok, |run| {
            for r in 0..run.num_queries() {
                seen.push((run.query_id(r).into_owned(), run.range(r).len()));
            }
            Ok(())
        })
        .unwrap();
        let done = crate::trec::Streamed::Done {
            name: Some("r".into()),
            num_queries: 2,
            first_queries: vec!["a".into(), "b".into()],
        };
        assert_eq!(out, done);
        seen.sort(); // the runs of a block may be handed over in any order
        assert_eq!(seen, vec![("a".to_owned(), 2), ("b".to_owned(), 1)]);
    }

    #[test]
    fn summarize_equals_the_summary_of_evaluate() {
        let qr = qrels(&[("q1", "a", 1.0), ("q2", "b", 2.0), ("q3", "c", 1.0)]);
        let rn = run(&[
            ("q1", "a", 0.3),
            ("q1", "x", 0.9),
            ("q2", "b", 0.1),
            ("q3", "z", 1.0),
        ]);
        let ms = set(&["map", "gm_map", "num_rel_ret", "ndcg_cut_10"]);
        let e = evaluate(&qr, &rn, &ms, &EvalOptions::default()).unwrap();
        let got = summarize(&ms, e.values(), e.num_queries()).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&e.summary()));
        let err = summarize(&ms, &[0.0; 3], 2).unwrap_err().to_string();
        assert!(
            err.contains("4 measures x 2 queries = 8 values; got 3"),
            "{err}"
        );
    }

    #[test]
    fn aggregates_are_order_independent() {
        let v = [0.1, 0.2, 0.3];
        assert_eq!(aggregate(&v, Aggregate::Mean), 0.6 / 3.0);
        assert_eq!(aggregate(&v, Aggregate::Sum), 0.6);
        let g = aggregate(&[1.0, 0.0], Aggregate::GeometricMean);
        assert!((g - (0.5 * (1e-5f64).ln()).exp()).abs() < 1e-15);
    }
}
