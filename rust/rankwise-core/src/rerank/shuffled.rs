//! Permutation self-consistency around any listwise strategy.
//!
//! Tang et al. 2024, "Found in the Middle: Permutation Self-Consistency Improves Listwise
//! Ranking in Large Language Models" (NAACL 2024; llm-rankers' `num_permutation`): a
//! listwise model's answer depends on the order it is shown the candidates in, so each
//! `Rank` call of the wrapped strategy is asked `permutations` times, the first in the
//! strategy's own order and the others in seeded shuffles, all in the same round; the
//! answers are mapped back to the window and aggregated into one central ranking (Kemeny by
//! default, as the paper; or Borda, Plackett–Luce, Rank Centrality), which the wrapped
//! strategy receives as its answer. Calls are the wrapped strategy's times `permutations`,
//! the depth is unchanged. With one permutation the wrapper is the strategy itself; with a
//! ranker that answers every order the same way, every aggregation returns that answer.

use std::collections::HashMap;

use super::joint::{Combine, combine};
use super::permutation::ParseOptions;
use super::task::{Answer, Book, Resolved, Strategy, Task, TaskKind};
use crate::error::{RankError, Result};
use crate::rng::Rng;

/// One query's wrapped run (see the module docs).
pub struct SelfConsistent {
    inner: Box<dyn Strategy>,
    book: Book,
    permutations: usize,
    aggregation: Combine,
    rng: Rng,
    /// Asked task id → (wrapped task id, shown position → wrapped task position).
    routes: HashMap<u64, (u64, Vec<usize>)>,
    /// Wrapped task id → (its size, the answers so far over its positions).
    gathering: HashMap<u64, (usize, Vec<Vec<usize>>)>,
}

impl SelfConsistent {
    /// Wrap `inner` (a strategy that asks only `Rank` calls).
    ///
    /// # Errors
    /// `permutations == 0`.
    pub fn new(
        inner: Box<dyn Strategy>,
        permutations: usize,
        aggregation: Combine,
        seed: u64,
    ) -> Result<Self> {
        super::config::positive("permutations", permutations)?;
        Ok(SelfConsistent {
            inner,
            book: Book::default(),
            permutations,
            aggregation,
            rng: Rng::new(seed, 0x5e1f),
            routes: HashMap::new(),
            gathering: HashMap::new(),
        })
    }
}

impl Strategy for SelfConsistent {
    fn ready(&mut self) -> Vec<Task> {
        if self.book.waiting() {
            return Vec::new();
        }
        for task in self.inner.ready() {
            debug_assert_eq!(task.kind, TaskKind::Rank);
            let m = task.candidates.len();
            for copy in 0..self.permutations {
                let mut shown: Vec<usize> = (0..m).collect();
                if copy > 0 {
                    self.rng.shuffle(&mut shown);
                }
                let candidates = shown.iter().map(|&p| task.candidates[p]).collect();
                let id = self.book.ask(task.kind, candidates, task.count);
                self.routes.insert(id, (task.id, shown));
            }
            self.gathering.insert(task.id, (m, Vec::new()));
        }
        self.book.take_round()
    }

    fn answer(&mut self, id: u64, answer: Answer, opts: &ParseOptions) -> Result<()> {
        let (_, resolved) = self.book.resolve(id, answer, opts)?;
        let Resolved::Order(order) = resolved else {
            return Err(RankError::invalid(
                "answer",
                "a permutation (the wrapped strategy asks rank calls)",
                format!("{resolved:?}"),
            ));
        };
        let (inner_id, shown) = self.routes.remove(&id).expect("every asked id is routed");
        let (m, answers) = self.gathering.get_mut(&inner_id).expect("gathered");
        answers.push(order.iter().map(|&q| shown[q]).collect());
        if answers.len() == self.permutations {
            let central = combine(*m, answers, self.aggregation);
            self.gathering.remove(&inner_id);
            self.inner
                .answer(inner_id, Answer::Order(central), &ParseOptions::default())?;
        }
        Ok(())
    }

    fn done(&self) -> bool {
        !self.book.waiting() && self.inner.done()
    }

    fn result(&self) -> Vec<usize> {
        self.inner.result()
    }

    fn book(&self) -> &Book {
        &self.book
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rerank::task::{oracle_answer, run_to_end};
    use crate::rerank::window::{SlidingWindow, WindowConfig};
    use proptest::prelude::{any, prop, prop_assert_eq, proptest};

    proptest! {
        /// With a ranker that ignores the order it is shown (the oracle on distinct grades:
        /// with ties it keeps the shown order, which the shuffles change), the wrapped sliding
        /// window gives the plain strategy's order, with `permutations` times its calls and
        /// the same rounds.
        #[test]
        fn a_perfect_ranker_gives_the_plain_strategy(
            grades in proptest::collection::hash_set(0u32..1000, 0..80),
            k in 1usize..5,
            seed in any::<u64>(),
            how in prop::sample::select(vec![Combine::Kemeny, Combine::Borda, Combine::PlackettLuce, Combine::RankCentrality]),
        ) {
            let rel: Vec<f64> = grades.iter().map(|&g| f64::from(g)).collect();
            let n = rel.len();
            let cfg = WindowConfig { window: 6, step: 3, ..WindowConfig::default() };
            let mut plain = SlidingWindow::start(n, cfg).unwrap();
            let want = run_to_end(&mut plain, |t| oracle_answer(&rel, t)).unwrap();
            let inner = Box::new(SlidingWindow::start(n, cfg).unwrap());
            let mut psc = SelfConsistent::new(inner, k, how, seed).unwrap();
            let got = run_to_end(&mut psc, |t| oracle_answer(&rel, t)).unwrap();
            prop_assert_eq!(got, want);
            prop_assert_eq!(psc.book().calls(), k * plain.book().calls());
            prop_assert_eq!(psc.book().rounds(), plain.book().rounds());
        }
    }

    #[test]
    fn the_copies_are_shuffled_and_mapped_back() {
        let inner = Box::new(SlidingWindow::start(4, WindowConfig::default()).unwrap());
        let mut psc = SelfConsistent::new(inner, 3, Combine::Borda, 1).unwrap();
        let tasks = psc.ready();
        assert_eq!(tasks.len(), 3);
        assert_eq!(tasks[0].candidates, vec![0, 1, 2, 3]);
        assert!(psc.ready().is_empty());
        // A ranker that always answers "as shown": two copies of one shuffled order and the
        // identity; the answers are read over the shown orders.
        for t in &tasks {
            psc.answer(
                t.id,
                Answer::Order(vec![0, 1, 2, 3]),
                &ParseOptions::default(),
            )
            .unwrap();
        }
        let mut points = [0usize; 4];
        for t in &tasks {
            for (p, &c) in t.candidates.iter().enumerate() {
                points[c] += 3 - p;
            }
        }
        let order = psc.result();
        for w in order.windows(2) {
            assert!(points[w[0]] >= points[w[1]]);
        }
        assert!(psc.ready().is_empty() && psc.done());
        assert!(
            SelfConsistent::new(
                Box::new(SlidingWindow::start(4, WindowConfig::default()).unwrap()),
                0,
                Combine::Borda,
                0
            )
            .is_err()
        );
    }
}
