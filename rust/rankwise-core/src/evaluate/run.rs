//! Runs against qrels: trec_eval semantics, doc-id tie-break, in memory or streamed from a
//! run file.

use rayon::prelude::*;

use super::{Evaluation, TieRule, check_rel_level};
use crate::error::{RankError, Result};
use crate::interrupt;
use crate::metrics::{Hit, MeasureSet, RankedQuery, TrecEval, compute};
use crate::parallel;
use crate::ranking::ScorePrecision;
use crate::trec::run::LabelledRun;
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
    /// Drop the document whose id is the query's before measuring (BEIR's
    /// `ignore_identical_ids`).
    pub ignore_identical_ids: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            rel_level: 1.0,
            judged_only: false,
            max_docs: None,
            missing: Missing::Skip,
            ignore_identical_ids: false,
        }
    }
}

#[derive(Default)]
struct RunScratch {
    labels: Vec<f64>,
    hits: Vec<Hit>,
    /// Labels by a query's local document index (see [`resolve_labels`]).
    by_local: Vec<f64>,
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
    check_score_precision(run, measures)?;
    let pairs = query_pairs(qrels, run, opts)?;
    let rows = run_rows(qrels, run, &pairs, measures, opts);
    let relstrings = run_relstrings(qrels, run, &pairs, measures, opts);
    interrupt::current().check()?;
    Ok(
        Evaluation::from_rows(measures, pair_query_ids(qrels, &pairs), &rows)
            .with_relstrings(relstrings),
    )
}

/// The qrels query ids of [`query_pairs`]' pairs, in their order: an evaluation's rows.
pub(super) fn pair_query_ids(qrels: &Qrels, pairs: &[(usize, Option<usize>)]) -> Vec<String> {
    pairs
        .iter()
        .map(|&(q, _)| qrels.query_id(q).into_owned())
        .collect()
}

/// Refuse a run ranked at single precision for measures of trec_eval 10.0, which reads
/// scores as `double` (usnistgov/trec_eval commit dc0c991): scores equal as `float` but not
/// as `double` would tie where 10.0 orders them. (9.0 takes either: a float64 run is the
/// caller's choice.)
pub(super) fn check_score_precision(run: &Run, measures: &MeasureSet) -> Result<()> {
    if measures.trec_eval() == TrecEval::V10 && run.score_precision() == ScorePrecision::F32 {
        return Err(RankError::invalid(
            "run",
            "a run built with score_precision=\"float64\" for trec_eval 10.0, which compares \
             scores as double",
            "a run of score_precision \"float32\"",
        ));
    }
    Ok(())
}

/// The (qrels query, run query) pairs to evaluate, in the qrels' order: every qrels query with
/// its run query, and with `None` where the run lacks it and `missing` is `Zero`. An error names
/// a few run queries when the two share none.
pub(super) fn query_pairs(
    qrels: &Qrels,
    run: &Run,
    opts: &EvalOptions,
) -> Result<Vec<(usize, Option<usize>)>> {
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
    Ok(pairs)
}

pub(super) fn check_run_options(opts: &EvalOptions) -> Result<()> {
    check_rel_level(opts.rel_level)?;
    if opts.max_docs == Some(0) {
        return Err(RankError::invalid("max_docs", "a positive integer", 0));
    }
    Ok(())
}

/// The `(qrels query, run query)` pairs of one block of a streamed run: the block's queries
/// that the qrels judge, in the block's order.
fn judged_pairs(qrels: &Qrels, run: &Run) -> Vec<(usize, Option<usize>)> {
    (0..run.num_queries())
        .filter_map(|r| {
            qrels
                .query_index(run.query_id_bytes(r))
                .map(|q| (q, Some(r)))
        })
        .collect()
}

/// Query-major rows of `m` values, one row per `(qrels query, run query)` pair, filled by
/// `fill(scratch, pair, row)` in parallel on the rankwise pool (one scratch `S` per worker).
/// An interrupted call stops at the next query; the caller checks and discards the rows.
pub(super) fn pair_rows<S: Default>(
    pairs: &[(usize, Option<usize>)],
    m: usize,
    fill: impl Fn(&mut S, (usize, Option<usize>), &mut [f64]) + Sync,
) -> Vec<f64> {
    let mut out = vec![0.0; pairs.len() * m];
    let watch = interrupt::current();
    parallel::install(|| {
        out.par_chunks_mut(m.max(1))
            .zip(pairs.par_iter())
            .for_each_init(S::default, |scratch, (row, &pair)| {
                if watch.stopped() {
                    return;
                }
                fill(scratch, pair, row);
            });
    });
    out
}

/// Query-major rows of measure values for `(qrels query, run query)` pairs, in parallel.
fn run_rows(
    qrels: &Qrels,
    run: &Run,
    pairs: &[(usize, Option<usize>)],
    measures: &MeasureSet,
    opts: &EvalOptions,
) -> Vec<f64> {
    pair_rows(
        pairs,
        measures.len(),
        |scratch: &mut RunScratch, (q, r), row| {
            let ranked = rank_run_query(qrels, run, q, r, measures, opts, scratch);
            for (slot, measure) in row.iter_mut().zip(measures.measures()) {
                *slot = compute(measure, &ranked, opts.rel_level);
            }
        },
    )
}

/// trec_eval's `relstring` of each `(qrels query, run query)` pair, in parallel; `None`
/// (and no work) where the measures do not ask for it. A second look-up of the top labels
/// of each query (as deep as the string reads), apart from [`run_rows`], so that the
/// evaluation without it does no work for it.
fn run_relstrings(
    qrels: &Qrels,
    run: &Run,
    pairs: &[(usize, Option<usize>)],
    measures: &MeasureSet,
    opts: &EvalOptions,
) -> Option<Vec<String>> {
    let relstring = measures.relstring()?;
    let watch = interrupt::current();
    Some(parallel::install(|| {
        pairs
            .par_iter()
            .map_init(RunScratch::default, |scratch, &(q, r)| match r {
                Some(r) if !watch.stopped() => {
                    // Under -J the string reads past unjudged documents: the whole ranking.
                    top_labels(qrels, run, (q, r), opts, scratch, |n| {
                        if opts.judged_only {
                            n
                        } else {
                            relstring.len.min(n)
                        }
                    });
                    relstring.text(&scratch.labels, opts.judged_only)
                }
                _ => String::new(),
            })
            .collect()
    }))
}

/// One block of a run evaluated: its `(qrels query, run query)` pairs, their rows of
/// measure values (query-major) and, where asked, their `relstring`s.
type BlockRows = (Vec<(usize, Option<usize>)>, Vec<f64>, Option<Vec<String>>);

/// Evaluate the queries of `run` (a block of a run file) that the qrels judge.
fn block_rows(qrels: &Qrels, run: &Run, measures: &MeasureSet, opts: &EvalOptions) -> BlockRows {
    let pairs = judged_pairs(qrels, run);
    let values = run_rows(qrels, run, &pairs, measures, opts);
    let relstrings = run_relstrings(qrels, run, &pairs, measures, opts);
    (pairs, values, relstrings)
}

/// The rows (of `m` values) and `relstring`s of an evaluated block, stored by qrels query.
fn store_block(
    (pairs, values, relstrings): BlockRows,
    m: usize,
    rows: &mut [f64],
    in_run: &mut [bool],
    all_relstrings: &mut Option<Vec<String>>,
) {
    for (i, &(q, _)) in pairs.iter().enumerate() {
        rows[q * m..(q + 1) * m].copy_from_slice(&values[i * m..(i + 1) * m]);
        in_run[q] = true;
    }
    if let (Some(all), Some(block)) = (all_relstrings.as_mut(), relstrings) {
        for (&(q, _), text) in pairs.iter().zip(block) {
            all[q] = text;
        }
    }
}

pub(super) fn no_common_queries(
    qrels: &Qrels,
    run_queries: usize,
    run_sample: &[String],
) -> RankError {
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
/// writes them). A regular file whose queries are not on consecutive lines is read again
/// from its start through the same handle once streaming finds a query's lines apart, a
/// group of queries at a time, with memory below the file's size (see
/// `evaluate_in_query_groups`). A pipe, FIFO or standard input (which cannot be read twice,
/// so streaming could not go back on finding a query's lines apart) is read that way from
/// the start, whatever its order.
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

/// [`evaluate_run_file`] with documents of equal score ordered by `ties` (see
/// [`evaluate_with_ties`](super::evaluate_with_ties)). trec_eval's rule streams as
/// [`evaluate_run_file`] does; the others read the run whole (memory holds its columns).
pub fn evaluate_run_file_with_ties(
    qrels: &Qrels,
    path: impl AsRef<std::path::Path>,
    measures: &MeasureSet,
    opts: &EvalOptions,
    ties: TieRule,
) -> Result<RunFileEvaluation> {
    if ties == TieRule::TrecEval {
        return evaluate_run_file(qrels, path, measures, opts);
    }
    check_run_options(opts)?;
    let mut source = crate::trec::parse::Source::open(path.as_ref())?;
    evaluate_whole_run(qrels, &mut source, measures, opts, ties)
}

/// Read the run in `source` whole (at the precision of the measures' trec_eval version) and
/// evaluate it under `ties`.
fn evaluate_whole_run(
    qrels: &Qrels,
    source: &mut crate::trec::parse::Source,
    measures: &MeasureSet,
    opts: &EvalOptions,
    ties: TieRule,
) -> Result<RunFileEvaluation> {
    let run = crate::trec::parse::read_run_from(source, measures.trec_eval().score_precision())?;
    let evaluation = super::evaluate_with_ties(qrels, &run, measures, opts, ties)?;
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
    let whole = |source: &mut crate::trec::parse::Source| {
        evaluate_whole_run(qrels, source, measures, opts, TieRule::TrecEval)
    };
    let mut rows = vec![0.0; nq * m];
    let mut in_run = vec![false; nq];
    let mut relstrings = measures.relstring().map(|_| vec![String::new(); nq]);
    let (name, run_queries, run_sample) = if !source.is_regular() {
        // A pipe is read once, so streaming could not go back to its start on finding a
        // query's lines apart: it is read in query groups, whatever its order.
        let groups = evaluate_in_query_groups(
            qrels,
            &mut source,
            measures,
            opts,
            (&mut rows, &mut in_run, &mut relstrings),
        )?;
        groups.ok_or_else(|| RankError::Io {
            path: source.name().to_owned(),
            kind: std::io::ErrorKind::Other,
            message: format!(
                "more than {} queries: too many to read from a pipe; give a file",
                u32::MAX - 1
            ),
        })?
    } else {
        // Each block's runs are evaluated in parallel (map); their rows land in place (reduce).
        let streamed = crate::trec::parse::stream_run_in_blocks(
            &mut source,
            measures.trec_eval().score_precision(),
            block,
            |run| Ok(block_rows(qrels, &run, measures, opts)),
            |block| {
                store_block(block, m, &mut rows, &mut in_run, &mut relstrings);
                Ok(())
            },
        )?;
        match streamed {
            crate::trec::Streamed::Done {
                name,
                num_queries,
                first_queries,
            } => (name, num_queries, first_queries),
            crate::trec::Streamed::NotGrouped { .. } => {
                // A regular file: read it again from its start, through the same handle, a
                // group of queries at a time.
                rows.fill(0.0);
                in_run.fill(false);
                let groups = evaluate_in_query_groups(
                    qrels,
                    &mut source,
                    measures,
                    opts,
                    (&mut rows, &mut in_run, &mut relstrings),
                )?;
                if let Some(read) = groups {
                    read
                } else {
                    if !source.rewind() {
                        return Err(RankError::Io {
                            path: source.name().to_owned(),
                            kind: std::io::ErrorKind::Other,
                            message: "cannot go back to the start of the file to read it whole"
                                .into(),
                        });
                    }
                    return whole(&mut source);
                }
            }
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
    let kept_relstrings =
        relstrings.map(|mut all| kept.iter().map(|&q| std::mem::take(&mut all[q])).collect());
    Ok(RunFileEvaluation {
        evaluation: Evaluation::from_rows(
            measures,
            kept.iter()
                .map(|&q| qrels.query_id(q).into_owned())
                .collect(),
            &kept_rows,
        )
        .with_relstrings(kept_relstrings),
        name,
        in_run: kept.iter().map(|&q| in_run[q]).collect(),
        run_queries,
    })
}

/// What reading a run file found out: its name (that of the last line), its number of
/// queries and its first three query ids (for messages).
pub(super) type RunRead = (Option<String>, usize, Vec<String>);

/// Evaluate a run file whose queries are not each on consecutive lines with memory below
/// the file's size, where reading it whole holds all of its parsed columns (about the
/// file's size) and, while they are regrouped by query, a second copy.
///
/// The file is read once more from its start, in one pass (`trec::memory`): its lines become
/// compact records (about half the text) in partitions by query; each partition is then
/// built, ranked and evaluated as a sorted file's queries are, and freed. Per-query values
/// are computed from each query's own lines, so they equal those of a whole read exactly, and
/// so do the errors. Returns the run name, number of queries and the first three query ids,
/// or `None` when a whole read should be done instead (more than `u32::MAX - 1` queries).
pub(super) fn evaluate_in_query_groups(
    qrels: &Qrels,
    source: &mut crate::trec::parse::Source,
    measures: &MeasureSet,
    opts: &EvalOptions,
    (rows, in_run, relstrings): (&mut [f64], &mut [bool], &mut Option<Vec<String>>),
) -> Result<Option<RunRead>> {
    let m = measures.len();
    let read = crate::trec::memory::read_run_partitioned(
        source,
        measures.trec_eval().score_precision(),
        |run| Ok(block_rows(qrels, &run, measures, opts)),
        |block| {
            interrupt::current().check()?;
            store_block(block, m, rows, in_run, relstrings);
            Ok(())
        },
    )?;
    Ok(read.map(|r| (r.name, r.num_queries, r.first_queries)))
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
    let n = top_labels(qrels, run, (q, r), opts, scratch, |n| {
        ranking_depth(n, positive_labels, measures, opts)
    });
    let num_ret = hits_from_labels(&scratch.labels, n, opts.judged_only, &mut scratch.hits);
    RankedQuery {
        hits: &scratch.hits,
        num_ret,
        others_judged: false,
        positive_labels,
        zero_labels,
    }
}

/// Look up the labels of the top `depth(n)` documents of run query `r` into
/// `scratch.labels`, for qrels query `q`; returns `n`, the length of the ranking under
/// `opts` (`max_docs`, `ignore_identical_ids`).
fn top_labels(
    qrels: &Qrels,
    run: &Run,
    (q, r): (usize, usize),
    opts: &EvalOptions,
    scratch: &mut RunScratch,
    depth: impl FnOnce(usize) -> usize,
) -> usize {
    let same_id = opts.ignore_identical_ids.then(|| run.query_id_bytes(r));
    let dropped = same_id.is_some_and(|id| run.range(r).any(|i| run.doc(i) == id));
    let n_all = run.range(r).len() - usize::from(dropped);
    let n = opts.max_docs.map_or(n_all, |k| k.min(n_all));
    resolve_labels(
        qrels,
        run,
        (q, r),
        depth(n),
        same_id,
        &mut scratch.labels,
        &mut scratch.by_local,
    );
    n
}

/// The top `n` documents of a query needs: it reads the labels of the top `depth`
/// documents of a ranking of `n` (options `max_docs`, `judged_only`, `rel_level` of `opts`;
/// `positive_labels` are the query's, sorted descending).
pub(super) fn ranking_depth(
    n: usize,
    positive_labels: &[f64],
    measures: &MeasureSet,
    opts: &EvalOptions,
) -> usize {
    if opts.judged_only {
        n
    } else {
        measures.depth(n, opts.rel_level, |rel| {
            positive_labels.partition_point(|&l| l >= rel)
        })
    }
}

/// The hits of a ranking from the labels of its top documents in rank order (NaN = not
/// judged), of a ranking of `n` documents; returns the number of documents retrieved.
pub(super) fn hits_from_labels(
    labels: &[f64],
    n: usize,
    judged_only: bool,
    hits: &mut Vec<Hit>,
) -> usize {
    hits.clear();
    if judged_only {
        // trec_eval -J: keep documents judged >= 0, in their original order, re-ranked.
        let mut kept = 0u32;
        for &l in labels {
            if l >= 0.0 {
                hits.push(Hit {
                    rank: kept,
                    label: l,
                });
                kept += 1;
            }
        }
        kept as usize
    } else {
        for (rank, &l) in labels.iter().enumerate() {
            if !l.is_nan() {
                hits.push(Hit {
                    rank: u32::try_from(rank).unwrap_or(u32::MAX),
                    label: l,
                });
            }
        }
        n
    }
}

/// Labels of the top `depth` ranked documents of run query `r` (NaN = not judged), without
/// the document named `skip`, for qrels query `q`; `by_local` is scratch space.
fn resolve_labels(
    qrels: &Qrels,
    run: &Run,
    (q, r): (usize, usize),
    depth: usize,
    skip: Option<&[u8]>,
    out: &mut Vec<f64>,
    by_local: &mut Vec<f64>,
) {
    out.clear();
    if skip.is_none() && run.has_index() {
        // Few judgements, many ranked documents: find each judged document in the run's
        // index (one hash per judgement, not per ranked document), then read the labels
        // in rank order.
        let ranking = run.ranking(r);
        by_local.clear();
        by_local.resize(ranking.len(), f64::NAN);
        for i in qrels.range(q) {
            if let Some(Some(local)) = run.find_doc(r, qrels.doc(i)) {
                by_local[local] = qrels.label(i);
            }
        }
        out.extend(ranking.iter().take(depth).map(|&l| by_local[l as usize]));
        return;
    }
    let judged = qrels.judged(q);
    let label = |doc: &[u8]| judged.label(doc).unwrap_or(f64::NAN);
    match skip {
        None => out.extend(run.ranked_docs(r).take(depth).map(label)),
        Some(id) => out.extend(
            run.ranked_docs(r)
                .filter(|&doc| doc != id)
                .take(depth)
                .map(label),
        ),
    }
}

/// What measures read of each query's judgements besides the labels of its ranked
/// documents: its positive labels sorted descending (the ideal ranking) and its number of
/// zero labels, as [`Qrels`] keeps them. Filled a query at a time, label by label.
#[derive(Debug, Clone)]
pub struct Judgements {
    positive_offsets: Vec<usize>,
    positive: Vec<f64>,
    zeros: Vec<usize>,
}

impl Default for Judgements {
    fn default() -> Self {
        Judgements {
            positive_offsets: vec![0],
            positive: Vec::new(),
            zeros: Vec::new(),
        }
    }
}

impl Judgements {
    /// Start the next query (its index is [`Judgements::num_queries`] before the call).
    pub fn begin_query(&mut self) {
        self.close_query();
        self.zeros.push(0);
    }

    /// Sort the open query's positive labels (as `Qrels` does) and close it.
    fn close_query(&mut self) {
        if self.zeros.len() == self.positive_offsets.len() {
            let start = self.positive_offsets.last().copied().unwrap_or(0);
            self.positive[start..].sort_unstable_by(|a, b| b.total_cmp(a));
            self.positive_offsets.push(self.positive.len());
        }
    }

    /// A label of the current query (finite).
    #[inline]
    pub fn push_label(&mut self, label: f64) {
        if label > 0.0 {
            self.positive.push(label);
        } else if label == 0.0
            && let Some(z) = self.zeros.last_mut()
        {
            *z += 1;
        }
    }

    /// Close the last query; call once every query is in.
    pub fn finish(&mut self) {
        self.close_query();
    }

    /// Number of queries.
    pub fn num_queries(&self) -> usize {
        self.zeros.len()
    }

    fn positive_labels(&self, q: usize) -> &[f64] {
        &self.positive[self.positive_offsets[q]..self.positive_offsets[q + 1]]
    }
}

/// Evaluate a [`LabelledRun`] whose query keys index `judgements` (each query judged),
/// with trec_eval 9.0.x semantics, as [`evaluate`] evaluates a run against the qrels those
/// labels came from: query-major rows, one per query of `run`, in its order.
/// `opts.missing` and `opts.ignore_identical_ids` are not read (every query of `run` is
/// judged; the caller drops identical ids if it must).
pub fn evaluate_labelled(
    judgements: &Judgements,
    run: &LabelledRun,
    measures: &MeasureSet,
    opts: &EvalOptions,
) -> Result<Vec<f64>> {
    check_run_options(opts)?;
    if let Some(k) = run
        .keys()
        .iter()
        .find(|&&k| k as usize >= judgements.num_queries())
    {
        return Err(RankError::invalid(
            "run",
            format!("query keys below {}", judgements.num_queries()),
            k,
        ));
    }
    let offsets = run.offsets();
    let ranked = run.rank(&offsets, measures.trec_eval().score_precision());
    let labels = run.labels();
    let pairs: Vec<(usize, Option<usize>)> = (0..run.num_queries()).map(|r| (r, Some(r))).collect();
    let keys = run.keys();
    let rows = pair_rows(
        &pairs,
        measures.len(),
        |scratch: &mut RunScratch, (r, _), row| {
            let q = keys[r] as usize;
            let positive_labels = judgements.positive_labels(q);
            let (start, end) = (offsets[r], offsets[r + 1]);
            let n = opts.max_docs.map_or(end - start, |k| k.min(end - start));
            let depth = ranking_depth(n, positive_labels, measures, opts);
            scratch.labels.clear();
            scratch.labels.extend(
                ranked[start..end]
                    .iter()
                    .take(depth)
                    .map(|&local| labels[start + local as usize]),
            );
            let num_ret = hits_from_labels(&scratch.labels, n, opts.judged_only, &mut scratch.hits);
            let ranked_query = RankedQuery {
                hits: &scratch.hits,
                num_ret,
                others_judged: false,
                positive_labels,
                zero_labels: judgements.zeros[q],
            };
            for (slot, measure) in row.iter_mut().zip(measures.measures()) {
                *slot = compute(measure, &ranked_query, opts.rel_level);
            }
        },
    );
    interrupt::current().check()?;
    Ok(rows)
}

#[cfg(test)]
mod labelled_tests {
    use super::*;

    /// A small deterministic generator (SplitMix64), so that the cases are the same each run.
    struct Mix(u64);

    impl Mix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Labels looked up as the run is read give exactly what `evaluate` gives on the `Qrels`
    /// and `Run` built from the same entries: ties in single precision, unjudged and negative
    /// labels, queries on one side only, empty rankings, every option.
    #[test]
    fn labelled_runs_evaluate_as_qrels_and_runs_do() {
        let measures = MeasureSet::parse(&["all_trec", "nDCG@10", "RR@10", "P@5"]).unwrap();
        for seed in 0..40u64 {
            let mut mix = Mix(seed);
            let mut qrels = Qrels::builder();
            let mut run = Run::builder();
            let mut judged: Vec<(String, Vec<(String, f64)>)> = Vec::new();
            let mut ranked: Vec<(String, Vec<(String, f64)>)> = Vec::new();
            for q in 0..12 {
                let id = format!("q{q}");
                let docs: Vec<(String, f64)> = (0..mix.below(30))
                    .map(|d| {
                        let label = [-1.0, 0.0, 0.0, 1.0, 2.0, 0.5][mix.below(6) as usize];
                        (format!("d{d}"), label)
                    })
                    .collect();
                if !docs.is_empty() {
                    for (d, l) in &docs {
                        qrels.push(&id, d, *l);
                    }
                    judged.push((id.clone(), docs));
                }
                if mix.below(5) > 0 {
                    let docs: Vec<(String, f64)> = (0..mix.below(40))
                        .map(|d| {
                            // few distinct scores, some apart by less than f32 resolves
                            let s = mix.below(6) as f64 / 4.0 + (mix.below(2) as f64) * 1e-12;
                            (format!("d{}", d * 2 % 37), s)
                        })
                        .collect();
                    let mut seen = std::collections::HashSet::new();
                    let docs: Vec<(String, f64)> = docs
                        .into_iter()
                        .filter(|(d, _)| seen.insert(d.clone()))
                        .collect();
                    run.begin_query(&id);
                    for (d, s) in &docs {
                        run.push_doc(d, *s);
                    }
                    ranked.push((id, docs));
                }
            }
            let (qrels, run) = (qrels.build().unwrap(), run.build().unwrap());
            let mut judgements = Judgements::default();
            for (_, docs) in &judged {
                judgements.begin_query();
                for (_, l) in docs {
                    judgements.push_label(*l);
                }
            }
            judgements.finish();
            let mut labelled = LabelledRun::default();
            let mut ids = Vec::new();
            for (id, docs) in &ranked {
                let Some(k) = judged.iter().position(|(j, _)| j == id) else {
                    continue;
                };
                labelled.begin_query(u32::try_from(k).unwrap());
                ids.push(id.clone());
                for (d, s) in docs {
                    let label = judged[k]
                        .1
                        .iter()
                        .find(|(j, _)| j == d)
                        .map_or(f64::NAN, |e| e.1);
                    labelled.push(d.as_bytes(), *s, label);
                }
            }
            for (judged_only, max_docs, rel_level) in [
                (false, None, 1.0),
                (true, None, 1.0),
                (false, Some(3), 2.0),
                (true, Some(7), 0.5),
            ] {
                let opts = EvalOptions {
                    rel_level,
                    judged_only,
                    max_docs,
                    ..EvalOptions::default()
                };
                let want = evaluate(&qrels, &run, &measures, &opts).unwrap();
                let rows = evaluate_labelled(&judgements, &labelled, &measures, &opts).unwrap();
                let m = measures.len();
                assert_eq!(rows.len(), ids.len() * m);
                for (r, id) in ids.iter().enumerate() {
                    let q = want.query_ids().iter().position(|w| w == id).unwrap();
                    for i in 0..m {
                        let (got, exp) = (rows[r * m + i], want.column(i)[q]);
                        assert_eq!(got.to_bits(), exp.to_bits(), "seed {seed} {id} measure {i}");
                    }
                }
                assert_eq!(ids.len(), want.num_queries(), "seed {seed}");
            }
        }
    }
}
