//! What every strategy shares: the model calls it asks for ([`Task`]), the answers it takes
//! ([`Answer`]), the bookkeeping of calls in flight ([`Book`]), and the state machine interface
//! the driver sees ([`Strategy`]).
//!
//! A strategy is written as a [`Machine`]: when nothing is in flight, `advance` hands out the
//! next *round* of calls (every call that does not depend on an answer still missing: one
//! window of a sliding pass, every group of a tournament stage, every pair of PRP-allpair);
//! `take` receives one answer, already checked against its task. [`State`] wraps a machine
//! with the checks and the telemetry, so no strategy re-implements them. The number of rounds
//! is the strategy's critical path (its *depth*): the least number of sequential model
//! invocations a driver that batches perfectly would need.

use std::collections::HashMap;

use super::permutation::{ParseOptions, ParsedPermutation, parse_permutation};
use crate::error::{RankError, Result};

/// The kind of model call a task asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// Order the candidates: answered by a permutation (or the model's raw text).
    Rank,
    /// Two candidates `[a, b]`: answered by P(a should come before b), in `[0, 1]`.
    Compare,
    /// Pick the best `count` candidates: answered by their positions or a distribution.
    Select,
    /// Score every candidate jointly: answered by one score each.
    ScoreGroup,
    /// Score one candidate alone: answered by a number.
    Score,
}

impl TaskKind {
    /// The name used in Python and in messages.
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::Rank => "rank",
            TaskKind::Compare => "compare",
            TaskKind::Select => "select",
            TaskKind::ScoreGroup => "score_group",
            TaskKind::Score => "score",
        }
    }
}

/// One model call for one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Unique within the query's state.
    pub id: u64,
    pub kind: TaskKind,
    /// Indices into the query's candidate list, in the order the model sees them.
    pub candidates: Vec<usize>,
    /// For [`TaskKind::Select`]: how many to pick (1 for setwise); 0 for other kinds.
    pub count: usize,
}

/// An answer, as the model gave it.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `Rank`: `order[rank]` = position in the task's candidate list.
    Order(Vec<usize>),
    /// `Rank`: the model's raw text, read by [`parse_permutation`].
    Text(String),
    /// `Compare`: P(first before second); `Score`: the score.
    Value(f64),
    /// `Select`: the chosen positions, best first.
    Choice(Vec<usize>),
    /// `Select`: a weight per candidate (the top `count` are chosen, ties to the earlier);
    /// `ScoreGroup`: the scores.
    Values(Vec<f64>),
}

/// An answer checked against its task.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// `Rank`: a permutation of the task's positions.
    Order(Vec<usize>),
    /// `Compare`: a probability; `Score`: a finite score.
    Value(f64),
    /// `Select`: `count` distinct positions, best first.
    Choice(Vec<usize>),
    /// `ScoreGroup`: finite scores, one per candidate.
    Scores(Vec<f64>),
}

/// A text answer that needed repairs (the policy allowed them; they are never silent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub task_id: u64,
    pub parsed: ParsedPermutation,
}

/// Calls and depth a strategy will need for `n` candidates: exact when `min == max` (the
/// strategy does not depend on the answers), bounds otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub calls_min: usize,
    pub calls_max: usize,
    pub depth_min: usize,
    pub depth_max: usize,
}

impl Plan {
    /// A plan that does not depend on the answers.
    pub fn exact(calls: usize, depth: usize) -> Self {
        Plan {
            calls_min: calls,
            calls_max: calls,
            depth_min: depth,
            depth_max: depth,
        }
    }

    /// Whether the counts are exact.
    pub fn is_exact(&self) -> bool {
        self.calls_min == self.calls_max && self.depth_min == self.depth_max
    }
}

/// Calls in flight and the telemetry of one query.
#[derive(Debug, Clone, Default)]
pub struct Book {
    pending: HashMap<u64, Task>,
    /// Tasks handed out by the last `advance`, not yet returned by `ready`.
    fresh: Vec<Task>,
    next_id: u64,
    calls: usize,
    rounds: usize,
    repairs: Vec<Repair>,
}

impl Book {
    /// Ask for a model call; returns its id.
    pub fn ask(&mut self, kind: TaskKind, candidates: Vec<usize>, count: usize) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let task = Task {
            id,
            kind,
            candidates,
            count,
        };
        self.pending.insert(id, task.clone());
        self.fresh.push(task);
        id
    }

    /// `Rank` call over `candidates`.
    pub fn rank(&mut self, candidates: Vec<usize>) -> u64 {
        self.ask(TaskKind::Rank, candidates, 0)
    }

    /// `Compare` call: P(`a` before `b`).
    pub fn compare(&mut self, a: usize, b: usize) -> u64 {
        self.ask(TaskKind::Compare, vec![a, b], 0)
    }

    /// Whether calls are in flight.
    pub fn waiting(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Calls answered so far.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// Rounds of calls handed out so far (the depth reached).
    pub fn rounds(&self) -> usize {
        self.rounds
    }

    /// Text answers that needed repairs.
    pub fn repairs(&self) -> &[Repair] {
        &self.repairs
    }

    fn unknown(&self, id: u64) -> RankError {
        let mut ids: Vec<u64> = self.pending.keys().copied().collect();
        ids.sort_unstable();
        let waiting = match ids.len() {
            0 => "none is waiting".to_owned(),
            1..=8 => format!("waiting: {ids:?}"),
            n => format!("{n} waiting, {:?} ...", &ids[..8]),
        };
        RankError::invalid(
            "task_id",
            format!("the id of a task waiting for an answer ({waiting})"),
            id,
        )
    }

    /// The task `id` if it is waiting for an answer.
    pub fn task(&self, id: u64) -> Result<&Task> {
        self.pending.get(&id).ok_or_else(|| self.unknown(id))
    }

    /// Hand out the tasks asked since the last call, counting a round if there are any (what
    /// [`State::ready`] does; for wrappers of a [`Strategy`]).
    pub(crate) fn take_round(&mut self) -> Vec<Task> {
        if !self.fresh.is_empty() {
            self.rounds += 1;
        }
        std::mem::take(&mut self.fresh)
    }

    /// Check `answer` against task `id` and, if it fits, mark the task answered.
    pub(crate) fn resolve(
        &mut self,
        id: u64,
        answer: Answer,
        opts: &ParseOptions,
    ) -> Result<(Task, Resolved)> {
        let task = self.task(id)?;
        let (resolved, repair) = check(task, answer, opts)?;
        let task = self.pending.remove(&id).expect("checked above");
        if let Some(parsed) = repair {
            self.repairs.push(Repair {
                task_id: id,
                parsed,
            });
        }
        self.calls += 1;
        Ok((task, resolved))
    }
}

fn finite(what: &str, x: f64) -> Result<f64> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(RankError::invalid("answer", format!("a finite {what}"), x))
    }
}

/// One finite `what` (a weight, a score) for each of the `k` candidates.
fn per_candidate(what: &str, values: &[f64], k: usize) -> Result<()> {
    if values.len() != k {
        return Err(RankError::invalid(
            "answer",
            format!("a {what} for each of the {k} candidates"),
            format!("{} {what}s", values.len()),
        ));
    }
    for &v in values {
        finite(what, v)?;
    }
    Ok(())
}

fn check_order(k: usize, order: Vec<usize>) -> Result<Vec<usize>> {
    let mut seen = vec![false; k];
    let valid = order.len() == k
        && order
            .iter()
            .all(|&p| p < k && !std::mem::replace(&mut seen[p], true));
    if valid {
        Ok(order)
    } else {
        Err(RankError::invalid(
            "answer",
            format!("a permutation of 0..{k} (the task's positions)"),
            format!("{order:?}"),
        ))
    }
}

/// The `count` best positions by weight, ties to the earlier position.
fn top_positions(weights: &[f64], count: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..weights.len()).collect();
    idx.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]).then(a.cmp(&b)));
    idx.truncate(count);
    idx
}

fn check(
    task: &Task,
    answer: Answer,
    opts: &ParseOptions,
) -> Result<(Resolved, Option<ParsedPermutation>)> {
    let k = task.candidates.len();
    let wrong = |answer: &Answer| {
        RankError::invalid(
            "answer",
            match task.kind {
                TaskKind::Rank => "a permutation or the model's text",
                TaskKind::Compare => "a probability in [0, 1]",
                TaskKind::Select => "the chosen positions or a weight per candidate",
                TaskKind::ScoreGroup => "one score per candidate",
                TaskKind::Score => "a number",
            },
            format!("{answer:?} for a {} task", task.kind.name()),
        )
    };
    Ok(match (task.kind, answer) {
        (TaskKind::Rank, Answer::Order(order)) => (Resolved::Order(check_order(k, order)?), None),
        (TaskKind::Rank, Answer::Text(text)) => {
            let parsed = parse_permutation(&text, k, opts)?;
            let order = check_order(k, parsed.order.clone())?;
            (Resolved::Order(order), parsed.repaired().then_some(parsed))
        }
        (TaskKind::Compare, Answer::Value(p)) => {
            if !(0.0..=1.0).contains(&p) {
                return Err(RankError::invalid(
                    "answer",
                    "a probability in [0, 1] (of the first candidate coming first)",
                    p,
                ));
            }
            (Resolved::Value(p), None)
        }
        (TaskKind::Score, Answer::Value(x)) => (Resolved::Value(finite("score", x)?), None),
        (TaskKind::Select, Answer::Choice(chosen)) => {
            let mut seen = vec![false; k];
            let valid = chosen.len() == task.count
                && chosen
                    .iter()
                    .all(|&p| p < k && !std::mem::replace(&mut seen[p], true));
            if !valid {
                return Err(RankError::invalid(
                    "answer",
                    format!(
                        "{} distinct position(s) in 0..{k} (the task's candidates)",
                        task.count
                    ),
                    format!("{chosen:?}"),
                ));
            }
            (Resolved::Choice(chosen), None)
        }
        (TaskKind::Select, Answer::Values(weights)) => {
            per_candidate("weight", &weights, k)?;
            (Resolved::Choice(top_positions(&weights, task.count)), None)
        }
        (TaskKind::ScoreGroup, Answer::Values(scores)) => {
            per_candidate("score", &scores, k)?;
            (Resolved::Scores(scores), None)
        }
        (_, answer) => return Err(wrong(&answer)),
    })
}

/// A strategy's logic, without the bookkeeping (see the module docs).
pub trait Machine: Send + Sync {
    /// Nothing is in flight: ask `book` for the next round of calls. Asking for none means the
    /// strategy is finished.
    fn advance(&mut self, book: &mut Book);
    /// The answer to `task`, checked.
    fn take(&mut self, task: Task, answer: Resolved);
    /// Candidate indices, best first: the current order, final once finished.
    fn order(&self) -> Vec<usize>;
}

/// The state machine of one query, as the driver sees it.
pub trait Strategy: Send + Sync {
    /// Calls that can be made now and were not handed out before.
    fn ready(&mut self) -> Vec<Task>;
    /// Take the answer to task `id`. A text answer to a `Rank` task is read with `opts`.
    ///
    /// # Errors
    /// An unknown or already answered id, or an answer that does not fit the task.
    fn answer(&mut self, id: u64, answer: Answer, opts: &ParseOptions) -> Result<()>;
    /// Whether every call has been answered and no more will be asked.
    fn done(&self) -> bool;
    /// Candidate indices, best first (final once done).
    fn result(&self) -> Vec<usize>;
    /// Calls in flight and telemetry.
    fn book(&self) -> &Book;
}

/// A [`Machine`] with its [`Book`]: a [`Strategy`].
#[derive(Debug, Clone)]
pub struct State<M> {
    pub machine: M,
    book: Book,
    finished: bool,
}

impl<M: Machine> State<M> {
    pub fn new(machine: M) -> Self {
        State {
            machine,
            book: Book::default(),
            finished: false,
        }
    }

    /// Convenience for tests and simple drivers: answer `id` with a permutation.
    ///
    /// # Errors
    /// As [`Strategy::answer`].
    pub fn answer_order(&mut self, id: u64, order: &[usize]) -> Result<()> {
        self.answer(id, Answer::Order(order.to_vec()), &ParseOptions::default())
    }
}

impl<M: Machine> Strategy for State<M> {
    fn ready(&mut self) -> Vec<Task> {
        if !self.finished && !self.book.waiting() {
            self.machine.advance(&mut self.book);
            if self.book.fresh.is_empty() {
                self.finished = true;
            } else {
                self.book.rounds += 1;
            }
        }
        std::mem::take(&mut self.book.fresh)
    }

    fn answer(&mut self, id: u64, answer: Answer, opts: &ParseOptions) -> Result<()> {
        let (task, resolved) = self.book.resolve(id, answer, opts)?;
        self.machine.take(task, resolved);
        Ok(())
    }

    fn done(&self) -> bool {
        self.finished
    }

    fn result(&self) -> Vec<usize> {
        self.machine.order()
    }

    fn book(&self) -> &Book {
        &self.book
    }
}

/// Candidate indices sorted by `scores`, highest first, ties to the lower index (the
/// first-stage order).
pub fn order_by_score(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order
}

/// `top` first, then every other candidate of `0..n` in first-stage order: how the sorting
/// strategies that settle only the top `k` (setwise, pairwise heapsort) finish the list, as
/// llm-rankers does.
pub fn top_then_rest(top: &[usize], n: usize) -> Vec<usize> {
    let mut placed = vec![false; n];
    for &c in top {
        placed[c] = true;
    }
    let mut order = top.to_vec();
    order.extend((0..n).filter(|&c| !placed[c]));
    order
}

/// Drive `state` to the end with `oracle` answering every task (tests and simulations).
///
/// # Errors
/// Whatever `state` refuses.
pub fn run_to_end(
    state: &mut dyn Strategy,
    mut oracle: impl FnMut(&Task) -> Answer,
) -> Result<Vec<usize>> {
    loop {
        let tasks = state.ready();
        if tasks.is_empty() {
            if state.done() {
                return Ok(state.result());
            }
            return Err(RankError::invalid(
                "state",
                "a strategy that asks for calls until done",
                "none asked",
            ));
        }
        for task in tasks {
            let answer = oracle(&task);
            state.answer(task.id, answer, &ParseOptions::default())?;
        }
    }
}

/// Run `state` to the end with [`oracle_answer`] on `relevance`: the order, calls and rounds.
#[cfg(test)]
pub(crate) fn run_with_oracle(
    state: &mut dyn Strategy,
    relevance: &[f64],
) -> (Vec<usize>, usize, usize) {
    let order = run_to_end(state, |t| oracle_answer(relevance, t)).unwrap();
    (order, state.book().calls(), state.book().rounds())
}

/// The property test every strategy with a closed-form plan has: for every `n` in `0..2000`
/// and every configuration drawn, `cfg.plan(n)` equals `walked_plan(&cfg, n)`, the walk over
/// every call kept in the strategy's tests as the oracle of its closed forms. The arguments
/// are the strategies' proptest parameters, then a block that builds the configuration
/// (`prop_assume!` may reject a draw there).
#[cfg(test)]
macro_rules! closed_form_plan_equals_the_walk {
    (($($arg:ident in $strategy:expr),+ $(,)?) $config:block) => {
        proptest::proptest! {
            #[test]
            fn closed_form_plan_equals_the_walk(n in 0usize..2000, $($arg in $strategy),+) {
                let cfg = $config;
                proptest::prop_assert_eq!(cfg.plan(n).unwrap(), walked_plan(&cfg, n));
            }
        }
    };
}
#[cfg(test)]
pub(crate) use closed_form_plan_equals_the_walk;

/// An oracle that answers every kind of task from true relevance grades (higher is better),
/// ties to the earlier candidate: what simulated rankers do without noise.
pub fn oracle_answer(relevance: &[f64], task: &Task) -> Answer {
    let rel = |p: usize| relevance[task.candidates[p]];
    let mut by_relevance: Vec<usize> = (0..task.candidates.len()).collect();
    by_relevance.sort_by(|&a, &b| rel(b).total_cmp(&rel(a)).then(a.cmp(&b)));
    match task.kind {
        TaskKind::Rank => Answer::Order(by_relevance),
        TaskKind::Compare => Answer::Value(match rel(0).total_cmp(&rel(1)) {
            std::cmp::Ordering::Greater => 1.0,
            std::cmp::Ordering::Less => 0.0,
            std::cmp::Ordering::Equal => 0.5,
        }),
        TaskKind::Select => {
            by_relevance.truncate(task.count);
            Answer::Choice(by_relevance)
        }
        TaskKind::ScoreGroup => Answer::Values((0..task.candidates.len()).map(rel).collect()),
        TaskKind::Score => Answer::Value(rel(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(kind: TaskKind, k: usize, count: usize) -> Task {
        Task {
            id: 0,
            kind,
            candidates: (0..k).collect(),
            count,
        }
    }

    #[test]
    fn answers_are_checked_against_their_task() {
        let o = ParseOptions::default();
        let ok = |t: &Task, a: Answer| check(t, a, &o).map(|r| r.0);
        let rank = task(TaskKind::Rank, 3, 0);
        assert_eq!(
            ok(&rank, Answer::Order(vec![2, 0, 1])).unwrap(),
            Resolved::Order(vec![2, 0, 1])
        );
        assert!(ok(&rank, Answer::Order(vec![2, 2, 1])).is_err());
        let (r, repair) = check(&rank, Answer::Text("[3] > [1]".into()), &o).unwrap();
        assert_eq!(r, Resolved::Order(vec![2, 0, 1]));
        assert_eq!(repair.unwrap().missing, vec![1]);
        let cmp = task(TaskKind::Compare, 2, 0);
        assert!(ok(&cmp, Answer::Value(1.5)).is_err());
        assert!(ok(&cmp, Answer::Value(f64::NAN)).is_err());
        assert!(ok(&cmp, Answer::Order(vec![0, 1])).is_err());
        let sel = task(TaskKind::Select, 4, 2);
        assert_eq!(
            ok(&sel, Answer::Values(vec![0.1, 0.4, 0.4, 0.0])).unwrap(),
            Resolved::Choice(vec![1, 2])
        );
        assert!(ok(&sel, Answer::Choice(vec![1])).is_err());
        assert!(ok(&sel, Answer::Choice(vec![1, 1])).is_err());
        assert!(ok(&sel, Answer::Values(vec![0.1, f64::NAN, 0.0, 0.0])).is_err());
        let group = task(TaskKind::ScoreGroup, 2, 0);
        assert!(ok(&group, Answer::Values(vec![1.0])).is_err());
        let e = ok(&task(TaskKind::Score, 1, 0), Answer::Value(f64::INFINITY))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a finite score"), "{e}");
    }
}
