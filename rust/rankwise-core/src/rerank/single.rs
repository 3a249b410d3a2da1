//! Strategies of one round: every call is independent of the others.
//!
//! * [`FullList`]: one `Rank` call over every candidate (long-context listwise rankers, as
//!   the fullrank paper's RankMistral100 or LiT5-v2): 1 call, depth 1 (none for fewer than
//!   two candidates).
//! * [`Pointwise`]: one `Score` call per candidate (cross-encoders, yes/no or query
//!   likelihood LLM scoring), then a sort by score, ties to the first-stage order: `n` calls,
//!   depth 1.

use super::task::{Book, Machine, Plan, Resolved, State, Task, TaskKind, order_by_score};

/// One query's single-call run (see the module docs).
pub type FullList = State<FullListMachine>;

impl FullList {
    /// A state for `n` candidates.
    pub fn start(n: usize) -> Self {
        State::new(FullListMachine {
            order: (0..n).collect(),
            asked: false,
        })
    }

    /// Calls and depth for `n` candidates (exact).
    pub fn plan(n: usize) -> Plan {
        let calls = usize::from(n >= 2);
        Plan::exact(calls, calls)
    }
}

/// The logic of [`FullList`].
#[derive(Debug, Clone)]
pub struct FullListMachine {
    order: Vec<usize>,
    asked: bool,
}

impl Machine for FullListMachine {
    fn advance(&mut self, book: &mut Book) {
        if !self.asked && self.order.len() >= 2 {
            self.asked = true;
            book.rank(self.order.clone());
        }
    }

    fn take(&mut self, task: Task, answer: Resolved) {
        let Resolved::Order(permutation) = answer else {
            unreachable!("rank tasks resolve to orders")
        };
        self.order = permutation.iter().map(|&p| task.candidates[p]).collect();
    }

    fn order(&self) -> Vec<usize> {
        self.order.clone()
    }
}

/// One query's pointwise run (see the module docs).
pub type Pointwise = State<PointwiseMachine>;

impl Pointwise {
    /// A state for `n` candidates.
    pub fn start(n: usize) -> Self {
        State::new(PointwiseMachine {
            scores: vec![f64::NEG_INFINITY; n],
            asked: false,
        })
    }

    /// Calls and depth for `n` candidates (exact).
    pub fn plan(n: usize) -> Plan {
        Plan::exact(n, usize::from(n > 0))
    }
}

/// The logic of [`Pointwise`].
#[derive(Debug, Clone)]
pub struct PointwiseMachine {
    /// Scores so far; unscored candidates sort last, in first-stage order.
    scores: Vec<f64>,
    asked: bool,
}

impl Machine for PointwiseMachine {
    fn advance(&mut self, book: &mut Book) {
        if !self.asked {
            self.asked = true;
            for c in 0..self.scores.len() {
                book.ask(TaskKind::Score, vec![c], 0);
            }
        }
    }

    fn take(&mut self, task: Task, answer: Resolved) {
        let Resolved::Value(score) = answer else {
            unreachable!("score tasks resolve to values")
        };
        self.scores[task.candidates[0]] = score;
    }

    fn order(&self) -> Vec<usize> {
        order_by_score(&self.scores)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rerank::task::{Strategy, oracle_answer, run_to_end};

    #[test]
    fn one_round_strategies() {
        let rel = [1.0, 3.0, 0.0, 3.0, 2.0];
        let mut full = FullList::start(5);
        assert_eq!(
            run_to_end(&mut full, |t| oracle_answer(&rel, t)).unwrap(),
            vec![1, 3, 4, 0, 2]
        );
        assert_eq!((full.book().calls(), full.book().rounds()), (1, 1));
        assert_eq!(FullList::plan(5), Plan::exact(1, 1));
        assert_eq!(FullList::plan(1), Plan::exact(0, 0));
        let mut one = FullList::start(1);
        assert_eq!(run_to_end(&mut one, |_| unreachable!()).unwrap(), vec![0]);

        let mut point = Pointwise::start(5);
        let first = point.ready();
        assert_eq!(first.len(), 5);
        assert!(point.ready().is_empty());
        for t in &first {
            point
                .answer(t.id, oracle_answer(&rel, t), &Default::default())
                .unwrap();
        }
        assert_eq!(
            run_to_end(&mut point, |_| unreachable!()).unwrap(),
            vec![1, 3, 4, 0, 2]
        );
        assert_eq!((point.book().calls(), point.book().rounds()), (5, 1));
        assert_eq!(Pointwise::plan(5), Plan::exact(5, 1));
        let mut none = Pointwise::start(0);
        assert!(
            run_to_end(&mut none, |_| unreachable!())
                .unwrap()
                .is_empty()
        );
    }
}
