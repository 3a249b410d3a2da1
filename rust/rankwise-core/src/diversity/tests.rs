use super::*;

/// Qrels from `(topic, subtopic, doc, judgement)` rows (relevance level 1) and a run ordered
/// by score from `(topic, doc, score)` rows.
fn build(
    qrels: &[(&str, &str, &str, i64)],
    run: &[(&str, &str, f64)],
) -> (SubtopicQrels, RankedRun) {
    let mut q = SubtopicQrelsBuilder::new(1);
    for &(topic, subtopic, doc, judgement) in qrels {
        q.push(topic, subtopic, doc, judgement);
    }
    let mut r = RankedRunBuilder::new();
    for &(topic, doc, score) in run {
        r.push(topic, doc, score, None, None);
    }
    (q.build(), r.build(RunOrder::Score, None).unwrap())
}

fn example() -> (SubtopicQrels, RankedRun) {
    // pyndeval's own test (tests/test_pyndeval.py, `test_basic`).
    build(
        &[
            ("0", "a", "A", 1),
            ("0", "b", "B", 1),
            ("0", "b", "D", 1),
            ("0", "c", "C", 1),
        ],
        &[
            ("0", "A", 9.3),
            ("0", "D", 8.4),
            ("0", "E", 8.1),
            ("0", "B", 7.6),
        ],
    )
}

/// ndeval's columns of `run` at the default parameters.
fn ndeval_columns(qrels: &SubtopicQrels, run: &RankedRun) -> DiversityResult {
    evaluate(
        qrels,
        run,
        &DiversityMeasure::ndeval_columns(),
        &Params::default(),
    )
    .unwrap()
}

#[test]
fn values_match_pyndevals_published_example() {
    let (qrels, run) = example();
    let result = ndeval_columns(&qrels, &run);
    // pyndeval's expected values, to its four decimals.
    let expected = [
        0.3933, 0.3907, 0.3907, 0.8297, 0.8297, 0.8297, 0.4052, 0.3998, 0.3997, 0.7868, 0.7868,
        0.7868, 0.3906, 0.8620, 0.5000, 0.2000, 0.1000, 0.0500, 0.6666, 0.6666, 0.6666,
    ];
    for ((name, got), want) in result.measures.iter().zip(&result.values).zip(expected) {
        assert!((got - want).abs() < 1e-4, "{name}: {got} vs {want}");
    }
}

#[test]
fn measure_names_round_trip_and_bad_names_are_refused() {
    for m in DiversityMeasure::ndeval_columns() {
        assert_eq!(DiversityMeasure::parse(&m.name()).unwrap(), m);
    }
    for bad in [
        "NRBP@5",
        "alpha-nDCG",
        "alpha-nDCG@0",
        "P-IA@x",
        "nDCG@5",
        "strec@-1",
    ] {
        let e = DiversityMeasure::parse(bad).unwrap_err().to_string();
        assert!(e.starts_with("`measures` must be"), "{e}");
    }
}

#[test]
fn parameters_outside_unit_interval_are_refused() {
    assert!(Params::new(1.5, 0.5).is_err());
    assert!(Params::new(0.5, -0.1).is_err());
    assert!(Params::new(f64::NAN, 0.5).is_err());
}

#[test]
fn topic_without_relevant_documents_scores_zero_everywhere() {
    let (qrels, run) = build(&[("1", "1", "A", 0)], &[("1", "A", 1.0)]);
    let result = ndeval_columns(&qrels, &run);
    assert!(result.values.iter().all(|&v| v == 0.0));
}

#[test]
fn repeated_run_documents_and_ranks_are_errors() {
    let mut r = RankedRunBuilder::new();
    r.push("1", "A", 1.0, Some(1), Some(1));
    r.push("1", "A", 0.5, Some(2), Some(2));
    assert!(matches!(
        r.build(RunOrder::Score, None),
        Err(RankError::DuplicateDocument { .. })
    ));
    let mut r = RankedRunBuilder::new();
    r.push("1", "A", 1.0, Some(1), Some(1));
    r.push("1", "B", 0.5, Some(1), Some(2));
    let e = r.build(RunOrder::Rank, None).unwrap_err().to_string();
    assert!(e.contains("rank 1 twice"), "{e}");
}

#[test]
fn ndeval_csv_lists_unjudged_run_topics_and_averages_over_judged_ones() {
    let (qrels, run) = build(&[("2", "1", "A", 1)], &[("10", "A", 1.0), ("2", "A", 1.0)]);
    let result = ndeval_columns(&qrels, &run);
    let csv = ndeval_csv(&result, "r", false).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("runid,topic,ERR-IA@5,"));
    // Topic 2 (judged) before 10 (unjudged, zeros); the mean is over the judged topic only.
    assert!(lines[1].starts_with("r,2,"));
    assert_eq!(lines[2], format!("r,10{}", ",0.000000".repeat(21)));
    assert_eq!(lines[3].replace("amean", "2"), lines[1]);
}

#[test]
fn malformed_qrels_line_names_file_and_line() {
    let dir = std::env::temp_dir().join(format!("rankwise-div-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.qrels");
    std::fs::write(&path, "1 1 A 1\n\n1 2 B\n").unwrap();
    let e = read_subtopic_qrels(&path, 1).unwrap_err();
    assert!(matches!(e, RankError::Parse { line: 3, .. }), "{e}");
    std::fs::write(&path, "1 1 A x\n").unwrap();
    let e = read_subtopic_qrels(&path, 1).unwrap_err().to_string();
    assert!(e.contains("bad.qrels:1: the judgement"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn risk_csv_merges_topics_and_weighs_losses() {
    // topic 1: the run finds the relevant document, the baseline does not (gain);
    // topic 2: the baseline finds it, the run does not (loss, weighed 1 + 3);
    // topic 3: only the baseline has it, printed with -c only.
    let (qrels, run) = build(
        &[("1", "a", "A", 1), ("2", "a", "B", 1), ("3", "a", "C", 1)],
        &[("1", "A", 1.0), ("2", "X", 1.0)],
    );
    let (_, base) = build(&[], &[("1", "X", 1.0), ("2", "B", 1.0), ("3", "C", 1.0)]);
    let (r, b) = (ndeval_columns(&qrels, &run), ndeval_columns(&qrels, &base));
    let strec = |csv: &str, line: usize| {
        let l = csv.lines().nth(line).unwrap().to_owned();
        l.rsplit(',').next().unwrap().to_owned()
    };
    let csv = ndeval_risk_csv(&r, &b, ("r", "b"), (3.0, "3"), false).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("r (rel to. b; rs=1+a; a=3),1,")
    );
    assert_eq!(strec(&csv, 1), "1.000000");
    assert_eq!(strec(&csv, 2), "-4.000000");
    assert_eq!(strec(&csv, 3), "-1.500000"); // (1 - 4) / 2 topics
    let all = ndeval_risk_csv(&r, &b, ("r", "b"), (3.0, "3"), true).unwrap();
    assert_eq!(all.lines().count(), 5, "{all}");
    assert_eq!(strec(&all, 3), "-4.000000");
    assert_eq!(strec(&all, 4), "-2.333333"); // (1 - 4 - 4) / 3 topics
    for bad in [-0.5, f64::NAN, f64::INFINITY] {
        assert!(ndeval_risk_csv(&r, &b, ("r", "b"), (bad, "x"), false).is_err());
    }
}
