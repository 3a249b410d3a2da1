//! Runs the array path in a loop, for profilers: `cargo run --release --example profile_arrays`.

use rankwise_core::evaluate::{ArrayBatch, ArrayOptions, evaluate_arrays};
use rankwise_core::metrics::MeasureSet;
use rankwise_core::ragged::RowLayout;

fn main() {
    let (q, d) = (100_000, 100);
    let mut state = 42u64;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let scores: Vec<f64> = (0..q * d).map(|_| next()).collect();
    let labels: Vec<i64> = (0..q * d)
        .map(|_| {
            let u = next();
            if u < 0.9 {
                0
            } else {
                1 + ((u - 0.9) * 30.0) as i64
            }
        })
        .collect();
    let batch = ArrayBatch {
        scores: &scores,
        labels: &labels,
        layout: RowLayout::uniform(q, d),
        mask: None,
        n_relevant: None,
    };
    let set = MeasureSet::parse(&["nDCG@10", "AP", "RR@10"]).unwrap();
    let t = std::time::Instant::now();
    let mut total = 0.0;
    for _ in 0..10 {
        total += evaluate_arrays(&batch, &set, &ArrayOptions::default()).unwrap()[0];
    }
    eprintln!("{:?} per call ({total})", t.elapsed() / 10);
}
