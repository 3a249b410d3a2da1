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
use crate::metrics::{Gain, Measure, MeasureKind, MeasureSet};
use crate::trec::Run;

/// Position of a measure in trec_eval's output order; measures trec_eval lacks come last.
fn trec_rank(m: &Measure) -> (usize, f64) {
    let cut = m.cutoff.map_or(0.0, |k| k as f64);
    let rank = match (m.kind, m.cutoff.is_some()) {
        (MeasureKind::NumQ, _) => 1,
        (MeasureKind::NumRet, false) => 2,
        (MeasureKind::NumRel, _) => 3,
        (MeasureKind::NumRelRet, false) => 4,
        (MeasureKind::AP, false) => 5,
        (MeasureKind::GmAP, _) => 6,
        (MeasureKind::Rprec, _) => 7,
        (MeasureKind::Bpref, _) => 8,
        (MeasureKind::RR, false) => 9,
        (MeasureKind::IPrec { recall }, _) => return (10, recall),
        (MeasureKind::P, true) => 11,
        (MeasureKind::R, true) => 13,
        (MeasureKind::Ndcg(Gain::Linear), false) => 21,
        (MeasureKind::Ndcg(Gain::Linear), true) => 24,
        (MeasureKind::AP, true) => 25,
        (MeasureKind::Success, true) => 27,
        (MeasureKind::InfAP, _) => 14,
        (MeasureKind::GmBpref, _) => 15,
        (MeasureKind::RprecMult { mult }, _) => return (16, mult),
        (MeasureKind::Utility { .. }, _) => 17,
        (MeasureKind::IPrecAvg11, _) => 18,
        (MeasureKind::BinG, _) => 19,
        (MeasureKind::G, _) => 20,
        (MeasureKind::NdcgRel, _) => 22,
        (MeasureKind::Rndcg, _) => 23,
        (MeasureKind::RelativeP, true) => 26,
        (MeasureKind::SetP, _) => 28,
        (MeasureKind::SetRelativeP, _) => 29,
        (MeasureKind::SetRecall, _) => 30,
        (MeasureKind::SetMap, _) => 31,
        (MeasureKind::SetF { .. }, _) => 32,
        (MeasureKind::NumNonrelJudgedRet, _) => 33,
        _ => usize::MAX,
    };
    (rank, cut)
}

/// Whether trec_eval prints a per-query line for the measure.
fn per_query_line(m: &Measure) -> bool {
    !matches!(
        m.kind,
        MeasureKind::NumQ | MeasureKind::GmAP | MeasureKind::GmBpref
    )
}

/// Counts are printed as integers (`%ld`).
fn is_count(m: &Measure) -> bool {
    matches!(
        m.kind,
        MeasureKind::NumQ
            | MeasureKind::NumRet
            | MeasureKind::NumRel
            | MeasureKind::NumRelRet
            | MeasureKind::NumNonrelJudgedRet
    )
}

fn line(out: &mut String, name: &str, qid: &str, m: &Measure, value: f64) {
    // Writing into a String cannot fail.
    let _ = if is_count(m) {
        #[allow(clippy::cast_possible_truncation)]
        let v = value as i64;
        writeln!(out, "{name:<22}\t{qid}\t{v}")
    } else {
        writeln!(out, "{name:<22}\t{qid}\t{value:6.4}")
    };
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

/// Append an evaluation of `run` to `out` in trec_eval's format.
pub fn write_trec_eval(
    out: &mut String,
    ev: &Evaluation,
    measures: &MeasureSet,
    run: &Run,
    opts: TrecOutput,
) {
    let ms = measures.measures();
    let order = trec_order(measures);
    let nq = ev.num_queries();
    if opts.per_query {
        let mut queries: Vec<usize> = (0..nq)
            .filter(|&q| run.query_index(ev.query_ids()[q].as_bytes()).is_some())
            .collect();
        queries.sort_by(|&a, &b| {
            ev.query_ids()[a]
                .as_bytes()
                .cmp(ev.query_ids()[b].as_bytes())
        });
        for q in queries {
            for &m in &order {
                if per_query_line(&ms[m]) {
                    line(
                        out,
                        &ms[m].name,
                        &ev.query_ids()[q],
                        &ms[m],
                        ev.column(m)[q],
                    );
                }
            }
        }
    }
    if opts.summary {
        if opts.runid {
            let _ = writeln!(out, "{:<22}\tall\t{}", "runid", run.name().unwrap_or(""));
        }
        let summary = ev.summary();
        for &m in &order {
            line(out, &ms[m].name, "all", &ms[m], summary[m]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{EvalOptions, evaluate};
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
        };
        write_trec_eval(&mut out, &ev, &ms, &run, opts);
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
}
