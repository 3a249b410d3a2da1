//! Writing results the way trec_eval prints them, so that scripts which parse trec_eval's
//! output keep working.
//!
//! trec_eval 9.0.x (`meas_print_single.c`, `meas_print_final.c`): one line per value,
//! `printf("%-22s\t%s\t%6.4f\n", name, qid, value)`, counts with `%ld`; per-query lines (`-q`)
//! for each evaluated query of the run, in `strcmp` order of query ids, then the summary with
//! query id `all`. Measures appear in trec_eval's own order (`te_trec_measures` in
//! `measures.c`), cutoffs ascending, whatever order they were asked in; `runid` and `num_q`
//! appear in the summary only, `gm_map` and `gm_bpref` in the summary only. Measures trec_eval does not have
//! (`RR@10`, `ERR@20`, ...) follow, in the order asked, under the names asked.

use std::fmt::Write;

use crate::evaluate::Evaluation;
use crate::metrics::measure::MIN_GEO_MEAN;
use crate::metrics::{Aggregate, Measure, MeasureKind, MeasureSet, relstring};
use crate::trec::Qrels;
use crate::trec::prefs::ZScores;

/// Position of a measure in trec_eval's output order (its trec_eval name's `order` in the
/// measure table), then its cutoff or level; measures trec_eval lacks come last.
fn trec_rank(m: &Measure) -> (usize, f64) {
    let second = match m.kind {
        MeasureKind::IPrec { recall } => recall,
        MeasureKind::RprecMult { mult } => mult,
        _ => m.cutoff.map_or(0.0, |k| k as f64),
    };
    (m.trec_name().map_or(usize::MAX, |t| t.order), second)
}

/// Whether trec_eval prints a per-query line for the measure: not for `num_q` and the
/// geometric means.
fn per_query_line(m: &Measure) -> bool {
    m.kind != MeasureKind::NumQ && m.aggregate() != Aggregate::GeometricMean
}

/// Counts (the measures trec_eval sums) are printed as integers (`%ld`).
fn is_count(m: &Measure) -> bool {
    m.aggregate() == Aggregate::Sum
}

fn line(out: &mut String, name: &str, qid: &str, m: &Measure, value: f64, z: bool) {
    // Writing into a String cannot fail. Under `-Z` every name takes a `Z` and every value,
    // counts too, prints as a float (`meas_print_single.c`, `meas_print_final.c`).
    let _ = if z {
        writeln!(out, "Z{name:<22}\t{qid}\t{value:6.4}")
    } else if is_count(m) {
        #[allow(clippy::cast_possible_truncation)]
        let v = value as i64;
        writeln!(out, "{name:<22}\t{qid}\t{v}")
    } else {
        writeln!(out, "{name:<22}\t{qid}\t{value:6.4}")
    };
}

/// `te_print_q_relstring` (`m_relstring.c`): the string in single quotes, the name without
/// `-Z`'s `Z` (its print function is its own).
fn relstring_line(out: &mut String, name: &str, qid: &str, text: &str) {
    let _ = writeln!(out, "{name:<22}\t{qid}\t'{text}'");
}

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrecOutput {
    /// Per-query lines (`-q`).
    pub per_query: bool,
    /// The summary (`all`) lines; trec_eval's `-n` turns them off.
    pub summary: bool,
    /// Print `runid` first in the summary (trec_eval does for its default measures).
    pub runid: bool,
    /// The evaluation averaged over every qrels query (`-c`): changes the summary of
    /// `num_rel`, as in trec_eval (see [`trec_summary`]).
    pub complete: bool,
}

/// Indices of `measures` in trec_eval's output order; measures trec_eval lacks keep the
/// order they were asked in, after the others.
pub fn trec_order(measures: &MeasureSet) -> Vec<usize> {
    let ms = measures.measures();
    let mut order: Vec<usize> = (0..ms.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, ca) = trec_rank(&ms[a]);
        let (rb, cb) = trec_rank(&ms[b]);
        ra.cmp(&rb).then(ca.total_cmp(&cb))
    });
    order
}

/// The summary values exactly as trec_eval 9.0.x computes them, so the printed digits agree
/// even where the fourth decimal is decided by the last bit (a mean of `P_200` over four
/// queries can be `0.00875`):
/// * means: per-query values summed one by one in the order trec_eval reads the run (query
///   ids in `strcmp` order, queries only the qrels have left out), divided by the number of
///   evaluated queries (under `-c`, every qrels query);
/// * geometric means: the logs summed the same way, then under `-c` `(missing queries) *
///   log(1e-5)` added in one step (`te_calc_avg_meas_s_gm`);
/// * sums: the counts; under `-c`, `num_rel` counts the qrels lines with a label above 0 in
///   every qrels query, whatever `-l` says (`te_calc_avg_num_rel`).
///
/// [`Evaluation::summary`] instead sums exactly (independent of query order); the two can
/// differ in the last bit.
pub fn trec_summary(
    ev: &Evaluation,
    measures: &MeasureSet,
    qrels: &Qrels,
    in_run: &[bool],
    complete: bool,
) -> Vec<f64> {
    let queries = run_order(ev, in_run);
    let n = ev.num_queries() as f64;
    let missing = (ev.num_queries() - queries.len()) as f64;
    measures
        .measures()
        .iter()
        .enumerate()
        .map(|(m, measure)| {
            let column = ev.column(m);
            match measure.aggregate() {
                Aggregate::Sum if complete && measure.kind == MeasureKind::NumRel => {
                    let positive: usize = (0..qrels.num_queries())
                        .map(|q| {
                            qrels
                                .positive_labels(q)
                                .iter()
                                .filter(|&&l| l > 0.0)
                                .count()
                        })
                        .sum();
                    positive as f64
                }
                Aggregate::Sum => column.iter().sum(),
                Aggregate::Mean => queries.iter().fold(0.0, |acc, &q| acc + column[q]) / n,
                Aggregate::GeometricMean => {
                    let mut sum = queries
                        .iter()
                        .fold(0.0, |acc, &q| acc + column[q].max(MIN_GEO_MEAN).ln());
                    if missing > 0.0 {
                        sum += missing * MIN_GEO_MEAN.ln();
                    }
                    (sum / n).exp()
                }
            }
        })
        .collect()
}

/// Evaluated queries that the run has, in `strcmp` order of their ids (trec_eval's order).
fn run_order(ev: &Evaluation, in_run: &[bool]) -> Vec<usize> {
    let mut queries: Vec<usize> = (0..ev.num_queries()).filter(|&q| in_run[q]).collect();
    queries.sort_by(|&a, &b| {
        ev.query_ids()[a]
            .as_bytes()
            .cmp(ev.query_ids()[b].as_bytes())
    });
    queries
}

/// Append an evaluation of the run named `run_name` to `out` in trec_eval's format.
/// `in_run[q]` says whether evaluated query `q` is in the run (per-query lines are printed
/// for those only, as trec_eval does under `-c`); `qrels` are the judgements it was
/// evaluated against.
///
/// `zscores` (trec_eval's `-Z`): each value of each query becomes a Z-score against the
/// file's mean and standard deviation for that query and measure name before it is printed
/// and summarised ([`zscore_values`]).
#[allow(clippy::too_many_arguments)]
pub fn write_trec_eval(
    out: &mut String,
    ev: &Evaluation,
    measures: &MeasureSet,
    qrels: &Qrels,
    run_name: Option<&str>,
    in_run: &[bool],
    opts: TrecOutput,
    zscores: Option<&ZScores>,
) {
    let ms = measures.measures();
    let order = trec_order(measures);
    let converted = zscores.map(|z| zscore_values(ev, measures, qrels, in_run, opts.complete, z));
    let value = |m: usize, q: usize| match &converted {
        Some((values, _)) => values[m][q],
        None => ev.column(m)[q],
    };
    let z = zscores.is_some();
    // `relstring` goes between the measures before its place in trec_eval's order and those
    // after (`order` is sorted by that place).
    let relstring = measures.relstring().zip(ev.relstrings());
    let before = order.partition_point(|&m| trec_rank(&ms[m]).0 < relstring::ORDER);
    if opts.per_query {
        let lines = |out: &mut String, q: usize, measures: &[usize]| {
            for &m in measures {
                if per_query_line(&ms[m]) {
                    line(out, &ms[m].name, &ev.query_ids()[q], &ms[m], value(m, q), z);
                }
            }
        };
        for q in run_order(ev, in_run) {
            lines(out, q, &order[..before]);
            if let Some((rs, texts)) = relstring {
                relstring_line(out, &rs.name, &ev.query_ids()[q], &texts[q]);
            }
            lines(out, q, &order[before..]);
        }
    }
    if opts.summary {
        if opts.runid {
            let _ = writeln!(out, "{:<22}\tall\t{}", "runid", run_name.unwrap_or(""));
        }
        let summary = match converted {
            Some((_, summary)) => summary,
            None => trec_summary(ev, measures, qrels, in_run, opts.complete),
        };
        for &m in &order {
            line(out, &ms[m].name, "all", &ms[m], summary[m], z);
        }
    }
}

/// trec_eval's `-Z` (`te_convert_to_zscore` in `convert_zscores.c`, then the usual
/// accumulation in `trec_eval.c`): `(values[m][q], summary[m])` with every value of a query of
/// the run converted ([`crate::metrics::prefs::convert_to_zscores`]: the file's
/// `(value - mean) / stddev` for that query and printed measure name, `-1000000` where the
/// file lacks them) and the summary computed from the converted values as trec_eval does:
/// sums and means over the run's queries in `strcmp` order (a mean divided by every qrels
/// query under `-c`, where the missing ones add nothing), geometric means as `exp` of the
/// mean of the Z-scores of the per-query logs (`log(max(value, 1e-5))`); `num_q` is the number of queries, and under `-c` `num_rel` the count
/// of positive qrels lines, as without `-Z` (their `calc_avg` functions overwrite the sum).
pub fn zscore_values(
    ev: &Evaluation,
    measures: &MeasureSet,
    qrels: &Qrels,
    in_run: &[bool],
    complete: bool,
    zscores: &ZScores,
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let ms = measures.measures();
    let names: Vec<(String, bool)> = ms.iter().map(|m| (m.name.clone(), false)).collect();
    let mut values: Vec<Vec<f64>> = (0..ms.len()).map(|m| ev.column(m).to_vec()).collect();
    let queries = run_order(ev, in_run);
    let mut row = vec![0.0; ms.len()];
    for &q in &queries {
        for (m, cell) in row.iter_mut().enumerate() {
            // A geometric mean's per-query value is its log in trec_eval (`te_calc_gm_map`):
            // the log is what the file's mean and deviation describe.
            *cell = if ms[m].aggregate() == Aggregate::GeometricMean {
                values[m][q].max(MIN_GEO_MEAN).ln()
            } else {
                values[m][q]
            };
        }
        let qid = ev.query_ids()[q].as_bytes();
        crate::metrics::prefs::convert_to_zscores(zscores, qid, &names, &mut row);
        for (m, &cell) in row.iter().enumerate() {
            values[m][q] = cell;
        }
    }
    let n = ev.num_queries() as f64;
    let missing = (ev.num_queries() - queries.len()) as f64;
    let plain = trec_summary(ev, measures, qrels, in_run, complete);
    let summary = ms
        .iter()
        .enumerate()
        .map(|(m, measure)| {
            let column = &values[m];
            match measure.aggregate() {
                _ if measure.kind == MeasureKind::NumQ => n,
                Aggregate::Sum if complete && measure.kind == MeasureKind::NumRel => plain[m],
                Aggregate::Sum => queries.iter().fold(0.0, |acc, &q| acc + column[q]),
                Aggregate::Mean => queries.iter().fold(0.0, |acc, &q| acc + column[q]) / n,
                Aggregate::GeometricMean => {
                    let mut sum = queries.iter().fold(0.0, |acc, &q| acc + column[q]);
                    if missing > 0.0 {
                        sum += missing * MIN_GEO_MEAN.ln();
                    }
                    (sum / n).exp()
                }
            }
        })
        .collect();
    (values, summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{EvalOptions, Missing, evaluate};
    use crate::trec::{Qrels, Run};

    #[test]
    fn prints_like_trec_eval() {
        let mut q = Qrels::builder();
        for (qid, d, l) in [("302", "a", 1.0), ("301", "b", 1.0), ("301", "c", 0.0)] {
            q.push(qid, d, l);
        }
        let qrels = q.build().unwrap();
        let mut r = Run::builder();
        for (qid, d, s) in [("302", "a", 1.0), ("301", "c", 2.0), ("301", "b", 1.0)] {
            r.push(qid, d, s);
        }
        r.set_name(Some("STANDARD".into()));
        let run = r.build().unwrap();
        let ms = MeasureSet::parse(&["P.1", "map", "num_ret", "RR@1", "num_q"]).unwrap();
        let ev = evaluate(&qrels, &run, &ms, &EvalOptions::default()).unwrap();
        let mut out = String::new();
        let opts = TrecOutput {
            per_query: true,
            summary: true,
            runid: true,
            complete: false,
        };
        let in_run: Vec<bool> = ev
            .query_ids()
            .iter()
            .map(|id| run.query_index(id.as_bytes()).is_some())
            .collect();
        write_trec_eval(&mut out, &ev, &ms, &qrels, run.name(), &in_run, opts, None);
        let expected = "\
num_ret               \t301\t2
map                   \t301\t0.5000
P_1                   \t301\t0.0000
RR@1                  \t301\t0.0000
num_ret               \t302\t1
map                   \t302\t1.0000
P_1                   \t302\t1.0000
RR@1                  \t302\t1.0000
runid                 \tall\tSTANDARD
num_q                 \tall\t2
num_ret               \tall\t3
map                   \tall\t0.7500
P_1                   \tall\t0.5000
RR@1                  \tall\t0.5000
";
        assert_eq!(out, expected);
    }

    /// trec_eval sums per-query values one by one in query-id order: P_200 of 0, 2, 4 and 1
    /// relevant documents over four queries is 0.008749999999999999 its way (printed 0.0087),
    /// 0.00875 summed exactly (0.0088). And under -c its num_rel counts labels above 0 in
    /// every qrels query, whatever -l says.
    #[test]
    fn summary_rounds_like_trec_eval() {
        let mut q = Qrels::builder();
        let mut r = Run::builder();
        for (qid, hits) in [("c", 4), ("a", 0), ("d", 1), ("b", 2)] {
            for d in 0..5 {
                q.push(qid, &format!("rel{d}"), if d < 2 { 2.0 } else { 1.0 });
            }
            r.push(qid, "junk", 0.0);
            for d in 0..hits {
                r.push(qid, &format!("rel{d}"), 1.0);
            }
        }
        q.push("e", "x", 1.0); // judged, not retrieved
        let (qrels, run) = (q.build().unwrap(), r.build().unwrap());
        let ms = MeasureSet::parse(&["P.200", "num_rel", "gm_map"]).unwrap();
        let print = |complete: bool, rel_level: f64| {
            let opts = EvalOptions {
                rel_level,
                missing: if complete {
                    Missing::Zero
                } else {
                    Missing::Skip
                },
                ..EvalOptions::default()
            };
            let ev = evaluate(&qrels, &run, &ms, &opts).unwrap();
            let in_run: Vec<bool> = ev
                .query_ids()
                .iter()
                .map(|id| run.query_index(id.as_bytes()).is_some())
                .collect();
            let mut out = String::new();
            let opts = TrecOutput {
                per_query: false,
                summary: true,
                runid: false,
                complete,
            };
            write_trec_eval(&mut out, &ev, &ms, &qrels, run.name(), &in_run, opts, None);
            out
        };
        let plain = print(false, 1.0);
        assert!(
            plain.contains("P_200                 \tall\t0.0087\n"),
            "{plain}"
        );
        assert!(
            plain.contains("num_rel               \tall\t20\n"),
            "{plain}"
        );
        let complete = print(true, 2.0);
        // 21 labels above 0 in all five qrels queries, though only 8 are >= 2.
        assert!(
            complete.contains("num_rel               \tall\t21\n"),
            "{complete}"
        );
        // gm_map: four run queries' logs summed, then log(1e-5) once for query "e".
        let ev = evaluate(
            &qrels,
            &run,
            &ms,
            &EvalOptions {
                rel_level: 2.0,
                missing: Missing::Zero,
                ..EvalOptions::default()
            },
        )
        .unwrap();
        let logs: f64 = [0, 1, 2, 3]
            .iter()
            .map(|&i| {
                let q = ev
                    .query_ids()
                    .iter()
                    .position(|id| id == ["a", "b", "c", "d"][i])
                    .unwrap();
                ev.column(2)[q].max(MIN_GEO_MEAN).ln()
            })
            .fold(0.0, |a, b| a + b);
        let gm = ((logs + MIN_GEO_MEAN.ln()) / 5.0).exp();
        assert!(
            complete.contains(&format!("gm_map                \tall\t{gm:6.4}\n")),
            "{complete}"
        );
    }
}
