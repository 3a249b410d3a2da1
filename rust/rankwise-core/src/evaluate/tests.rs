use super::run::evaluate_run_file_in_blocks;
use super::*;
use crate::metrics::MeasureKind;
use crate::ragged::RowLayout;
use crate::ranking::ScorePrecision;
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

/// A run whose queries are shuffled over the file is read a group of queries at a time
/// (tiny blocks make many groups), with exactly the evaluation of a whole read; a malformed
/// line or a duplicate found on the way falls back to the whole read and its error.
#[test]
fn ungrouped_files_read_in_query_groups_equal_the_whole_read() {
    let mut lines: Vec<String> = Vec::new();
    for q in 0..40 {
        for d in 0..12 {
            lines.push(format!(
                "q{q} Q0 d{d} 0 {}.{} run\n",
                (q * 7 + d * 3) % 11,
                d % 3
            ));
        }
    }
    // A fixed shuffle (a multiplicative permutation of the indices).
    let n = lines.len();
    let mut shuffled: Vec<String> = (0..n).map(|i| lines[(i * 97) % n].clone()).collect();
    shuffled.insert(5, "# a comment\n".into());
    shuffled.insert(9, "\n".into());
    shuffled[0] = format!("\u{feff}{}", shuffled[0]);
    let qrels = qrels(&[
        ("q0", "d1", 1.0),
        ("q3", "d2", 2.0),
        ("q7", "d0", 0.0),
        ("q39", "d11", 1.0),
        ("q12", "d4", 1.0),
        ("q99", "d1", 1.0),
    ]);
    let ms = MeasureSet::parse(&["all_trec"]).unwrap();
    for zero in [false, true] {
        let opts = EvalOptions {
            missing: if zero { Missing::Zero } else { Missing::Skip },
            ..EvalOptions::default()
        };
        let path = write_run_file("groups", &shuffled);
        let run = crate::trec::read_run(&path).unwrap();
        let whole = evaluate(&qrels, &run, &ms, &opts).unwrap();
        for block in [1, 16, 100, 1 << 20] {
            let got = evaluate_run_file_in_blocks(&qrels, &path, &ms, &opts, block).unwrap();
            assert_eq!(got.evaluation, whole, "block {block}");
            assert_eq!(got.name.as_deref(), Some("run"));
            assert_eq!(got.run_queries, 40);
        }
        // The groups were read, not the whole file (which would give the same numbers).
        let (nq, m) = (qrels.num_queries(), ms.len());
        let (mut rows, mut in_run) = (vec![0.0; nq * m], vec![false; nq]);
        let mut source = crate::trec::parse::Source::open(&path).unwrap();
        let read = super::run::evaluate_in_query_groups(
            &qrels,
            &mut source,
            &ms,
            &opts,
            (&mut rows, &mut in_run, &mut None),
        )
        .unwrap();
        assert_eq!(read.map(|r| r.1), Some(40));
    }
    let mut bad = shuffled.clone();
    bad.insert(300, "q1 Q0 dx 0 oops run\n".into());
    let path = write_run_file("groups-bad", &bad);
    let e = evaluate_run_file_in_blocks(&qrels, &path, &ms, &EvalOptions::default(), 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains(":301: the score must be a number"), "{e}");
    let mut dup = shuffled;
    dup.push("q2 Q0 d3 0 1 run\n".into());
    let path = write_run_file("groups-dup", &dup);
    let e =
        evaluate_run_file_in_blocks(&qrels, &path, &ms, &EvalOptions::default(), 1).unwrap_err();
    assert!(
        matches!(
            e,
            RankError::DuplicateDocument {
                line: Some(483),
                ..
            }
        ),
        "{e}"
    );
}

/// `-m relstring` parses beside the measures (or alone, a set without measures), and every
/// path that reads a run gives each query's string: in memory, streamed in small blocks,
/// ranx's order; `ties="expected"` refuses it.
#[test]
fn relstring_is_carried_to_the_evaluation() {
    use crate::metrics::TrecEval;
    let qr = qrels(&[("q1", "a", 1.0), ("q1", "b", -1.0), ("q2", "c", 12.0)]);
    let rows = [
        ("q1", "b", 2.0),
        ("q1", "x", 2.0),
        ("q1", "a", 1.0),
        ("q2", "c", 1.0),
        ("q3", "c", 1.0),
    ];
    let rn = run(&rows);
    let (v10, _) = MeasureSet::parse_trec_eval_args(&["relstring.2"], TrecEval::V10).unwrap();
    assert!(v10.is_empty() && v10.trec_eval() == TrecEval::V10); // ranks as 10.0 does
    let (alone, _) = MeasureSet::parse_trec_eval_args(&["relstring.2"], TrecEval::V9).unwrap();
    assert_eq!(alone.relstring().map(|r| r.len), Some(2));
    let (with, _) = MeasureSet::parse_trec_eval_args(&["P.1", "all_trec"], TrecEval::V9).unwrap();
    assert_eq!(with.relstring().map(|r| r.name.as_str()), Some("relstring"));
    assert!(MeasureSet::parse(&["relstring"]).is_err());
    let texts = |e: &Evaluation| e.relstrings().unwrap().to_vec();
    let opts = EvalOptions::default();
    // trec_eval's order: x then b (ties by doc id descending), then a
    let e = evaluate(&qr, &rn, &alone, &opts).unwrap();
    assert_eq!(texts(&e), ["-.", ">"]);
    assert!(
        evaluate(&qr, &rn, &set(&["P@1"]), &opts)
            .unwrap()
            .relstrings()
            .is_none()
    );
    let judged = EvalOptions {
        judged_only: true,
        ..opts
    };
    assert_eq!(
        texts(&evaluate(&qr, &rn, &alone, &judged).unwrap()),
        ["1", ">"]
    );
    let ranx = evaluate_with_ties(&qr, &rn, &alone, &opts, TieRule::Ranx).unwrap();
    assert_eq!(texts(&ranx), [".-", ">"]); // insertion order: b, x
    let err = evaluate_with_ties(&qr, &rn, &alone, &opts, TieRule::Expected).unwrap_err();
    assert!(err.to_string().contains("relstring_2"), "{err}");
    let dir = std::env::temp_dir().join(format!("rankwise-relstring-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("run.txt");
    let text: String = rows
        .iter()
        .map(|(q, d, s)| format!("{q} Q0 {d} 0 {s} r\n"))
        .collect();
    std::fs::write(&path, text).unwrap();
    for block in [1, 1 << 20] {
        let streamed = evaluate_run_file_in_blocks(&qr, &path, &alone, &opts, block).unwrap();
        assert_eq!(texts(&streamed.evaluation), ["-.", ">"], "block {block}");
        assert_eq!(streamed.in_run, [true, true]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Under `ties="expected"`, one query over the enumeration limit is NaN for that measure
/// alone with `evaluate_expected_or_nan`, where `evaluate_with_ties` refuses them all.
#[test]
fn expected_values_over_the_limit_are_nan_for_their_query_only() {
    let mut q = Qrels::builder();
    let mut r = Run::builder();
    for i in 0..30 {
        q.push("big", &format!("d{i:02}"), f64::from(i % 3));
        r.push("big", &format!("d{i:02}"), 1.0);
    }
    for (d, l) in [("a", 2.0), ("b", 0.0), ("c", 1.0)] {
        q.push("small", d, l);
        r.push("small", d, 1.0);
    }
    let (qr, rn) = (q.build().unwrap(), r.build().unwrap());
    let ms = set(&["RR", "INSQ(T=1,max_rel=2)"]);
    let opts = EvalOptions::default();
    let err = evaluate_with_ties(&qr, &rn, &ms, &opts, TieRule::Expected).unwrap_err();
    assert!(err.to_string().contains("\"big\""), "{err}");
    let e = evaluate_expected_or_nan(&qr, &rn, &ms, &opts).unwrap();
    let big = e.query_ids().iter().position(|q| q == "big").unwrap();
    let small = 1 - big;
    assert!(e.column(1)[big].is_nan() && !e.column(0)[big].is_nan());
    let alone_q = qrels(&[
        ("small", "a", 2.0),
        ("small", "b", 0.0),
        ("small", "c", 1.0),
    ]);
    let alone_r = run(&[
        ("small", "a", 1.0),
        ("small", "b", 1.0),
        ("small", "c", 1.0),
    ]);
    let alone = evaluate_with_ties(&alone_q, &alone_r, &ms, &opts, TieRule::Expected).unwrap();
    assert_eq!(e.column(1)[small], alone.column(1)[0]);
    assert_eq!(e.column(0)[small], alone.column(0)[0]);
}
