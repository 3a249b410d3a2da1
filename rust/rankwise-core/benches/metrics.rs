//! Criterion benchmarks of the core, without Python: the array path and the run path on
//! synthetic data (Q queries x D documents, ~10% relevant, graded labels).
//!
//! `cargo bench -p rankwise-core` (peer comparisons live in the repository's `benches/`).

use criterion::{Criterion, criterion_group, criterion_main};
use rankwise_core::evaluate::{ArrayBatch, ArrayOptions, EvalOptions, evaluate, evaluate_arrays};
use rankwise_core::metrics::MeasureSet;
use rankwise_core::ragged::RowLayout;
use rankwise_core::rng::splitmix;
use rankwise_core::trec::{Qrels, Run};

/// Deterministic pseudo-random numbers (SplitMix64), so the benchmark needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        splitmix(&mut self.0)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn data(q: usize, d: usize) -> (Vec<f64>, Vec<i32>) {
    let mut rng = Rng(42);
    let scores = (0..q * d).map(|_| rng.unit()).collect();
    let labels = (0..q * d)
        .map(|_| {
            if rng.unit() < 0.9 {
                0
            } else {
                1 + (rng.next() % 3) as i32
            }
        })
        .collect();
    (scores, labels)
}

fn bench_arrays(c: &mut Criterion) {
    let (q, d) = (10_000, 100);
    let (scores, labels) = data(q, d);
    let batch = ArrayBatch {
        scores: &scores,
        labels: &labels,
        layout: RowLayout::uniform(q, d),
        mask: None,
        n_relevant: None,
    };
    let fused = MeasureSet::parse(&["nDCG@10", "AP", "RR@10"]).unwrap();
    c.bench_function("arrays 10k x 100: nDCG@10 + AP + RR@10", |b| {
        b.iter(|| evaluate_arrays(&batch, &fused, &ArrayOptions::default()).unwrap())
    });
}

fn bench_runs(c: &mut Criterion) {
    let (q, d) = (10_000, 100);
    let (scores, labels) = data(q, d);
    let mut qb = Qrels::builder();
    let mut rb = Run::builder();
    for qi in 0..q {
        let qid = format!("q{qi}");
        qb.begin_query(&qid);
        rb.begin_query(&qid);
        for j in 0..d {
            let doc = format!("d{j}");
            qb.push_doc(&doc, f64::from(labels[qi * d + j]));
            rb.push_doc(&doc, scores[qi * d + j]);
        }
    }
    let (qrels, run) = (qb.build().unwrap(), rb.build().unwrap());
    let fused = MeasureSet::parse(&["nDCG@10", "AP", "RR@10"]).unwrap();
    c.bench_function("runs 10k x 100: nDCG@10 + AP + RR@10", |b| {
        b.iter(|| evaluate(&qrels, &run, &fused, &EvalOptions::default()).unwrap())
    });
}

criterion_group!(benches, bench_arrays, bench_runs);
criterion_main!(benches);
