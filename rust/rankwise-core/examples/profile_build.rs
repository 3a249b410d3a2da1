//! Builds a 100k x 100 run and qrels from Rust, for profilers:
//! `cargo run --release --example profile_build`.

use rankwise_core::evaluate::{EvalOptions, evaluate};
use rankwise_core::metrics::MeasureSet;
use rankwise_core::trec::{Qrels, Run};
use std::time::Instant;

fn main() {
    let (q, d) = (100_000, 100);
    let mut state = 42u64;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let docs: Vec<String> = (0..d).map(|j| format!("d{j}")).collect();
    let qids: Vec<String> = (0..q).map(|i| format!("q{i}")).collect();
    let scores: Vec<f64> = (0..q * d).map(|_| next()).collect();
    let labels: Vec<f64> = (0..q * d)
        .map(|_| if next() < 0.9 { 0.0 } else { 1.0 })
        .collect();
    let t = Instant::now();
    let mut qb = Qrels::builder();
    qb.reserve(q * d);
    for (i, qid) in qids.iter().enumerate() {
        qb.begin_query(qid);
        for (j, doc) in docs.iter().enumerate() {
            qb.push_doc(doc, labels[i * d + j]);
        }
    }
    let t_fill = t.elapsed();
    let qrels = qb.build().unwrap();
    eprintln!("qrels: fill {t_fill:?}, total {:?}", t.elapsed());
    let t = Instant::now();
    let mut rb = Run::builder();
    rb.reserve(q * d);
    for (i, qid) in qids.iter().enumerate() {
        rb.begin_query(qid);
        for (j, doc) in docs.iter().enumerate() {
            rb.push_doc(doc, scores[i * d + j]);
        }
    }
    let t_fill = t.elapsed();
    let run = rb.build().unwrap();
    eprintln!("run: fill {t_fill:?}, total {:?}", t.elapsed());
    let set = MeasureSet::parse(&["nDCG@10", "AP", "RR@10"]).unwrap();
    let t = Instant::now();
    let e = evaluate(&qrels, &run, &set, &EvalOptions::default()).unwrap();
    eprintln!("evaluate {:?} {:?}", t.elapsed(), e.summary());
}
