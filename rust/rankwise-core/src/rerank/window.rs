//! The sliding-window listwise strategy as a state machine for one query.
//!
//! A listwise ranker orders at most `window` candidates per call, so a list of `n` is reranked
//! by sliding a window over it from the bottom to the top, `step` positions at a time: each
//! window's answer is written back before the next window is cut, so a good document can rise
//! `window - step` positions per call and the best ones reach the top in one pass. The calls of
//! one query are strictly sequential; a driver overlaps them across queries.
//!
//! Two window semantics, those of RankGPT (Sun et al., EMNLP 2023; `sunnweiwei/RankGPT`,
//! `rank_gpt.py::sliding_windows`) and RankLLM (`castorini/rank_llm`,
//! `rerank/listwise/listwise_rankllm.py::sliding_windows`, after its PR #51):
//! * [`WindowSemantics::RankLlm`] (default): windows end at `n`, `n - step`, ...; the last one
//!   is clamped to start at 0 (so it may be shorter than `window`), so every position is
//!   reached: `1` call if `n <= window`, else `ceil((n - window) / step) + 1`, per pass.
//! * [`WindowSemantics::RankGpt`]: RankGPT's loop, kept to replicate published numbers: only
//!   full windows, `floor((n - window) / step) + 1` calls if `n >= window`, else none; the top
//!   `(n - window) mod step` positions are never placed in a window.
//!
//! Options beyond the references: windows can slide from the top down
//! ([`Direction::FrontToBack`], which sinks the worst candidates instead of raising the best),
//! and `top_k` runs *shrinking* passes: each pass fixes the top `window - step` positions of
//! the range it covers and the next pass covers only the rest, until `top_k` positions are
//! fixed. With `top_k = n` this is the fullrank paper's construction of complete listwise
//! labels (Liu et al., "Sliding Windows Are Not the End", ACL 2025, arXiv 2412.14574; its
//! released labels are named `..._9passes.jsonl`): 9 + 8 + ... + 1 = 45 windows for n = 100,
//! w = 20, s = 10.

use super::config::{at_least_two, positive};
use super::count::{fit, floor_sum};
use super::task::{Book, Machine, Plan, Resolved, State, Task};
use crate::error::{RankError, Result};

/// Which implementation's windows to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WindowSemantics {
    #[default]
    RankLlm,
    RankGpt,
}

crate::choice!(WindowSemantics, "compat", {
    "rankllm" => WindowSemantics::RankLlm,
    "rankgpt" => WindowSemantics::RankGpt,
});

/// Which way the window slides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// From the bottom of the list to the top (every reference): the best rise to the top.
    #[default]
    BackToFront,
    /// From the top to the bottom: the worst sink to the bottom.
    FrontToBack,
}

crate::choice!(Direction, "direction", {
    "back_to_front" => Direction::BackToFront,
    "front_to_back" => Direction::FrontToBack,
});

/// Configuration of [`SlidingWindow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowConfig {
    /// Candidates per call (`w`).
    pub window: usize,
    /// Positions the window moves between calls (`s`).
    pub step: usize,
    /// Passes over the whole list, each starting from the previous pass's order.
    pub passes: usize,
    pub semantics: WindowSemantics,
    pub direction: Direction,
    /// Shrinking passes until this many top positions are fixed (see the module docs).
    pub top_k: Option<usize>,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            window: 20,
            step: 10,
            passes: 1,
            semantics: WindowSemantics::RankLlm,
            direction: Direction::BackToFront,
            top_k: None,
        }
    }
}

impl WindowConfig {
    /// Check the configuration: `window >= 2`, `1 <= step <= window`, `passes >= 1`; with
    /// `top_k`: `step < window`, one pass, back to front.
    ///
    /// # Errors
    /// The first field out of range, named.
    pub fn validate(&self) -> Result<()> {
        at_least_two("window", self.window)?;
        if self.step == 0 || self.step > self.window {
            return Err(RankError::invalid(
                "step",
                format!("an integer in 1..={} (the window)", self.window),
                self.step,
            ));
        }
        positive("passes", self.passes)?;
        if let Some(k) = self.top_k {
            if k == 0 {
                return Err(RankError::invalid("top_k", "a positive integer or None", 0));
            }
            if self.step == self.window {
                return Err(RankError::invalid(
                    "step",
                    format!(
                        "less than the window ({}) with top_k: a pass fixes window - step positions",
                        self.window
                    ),
                    self.step,
                ));
            }
            if self.passes != 1 {
                return Err(RankError::invalid(
                    "passes",
                    "1 with top_k (top_k sets the passes)",
                    self.passes,
                ));
            }
            if self.direction != Direction::BackToFront {
                return Err(RankError::invalid(
                    "direction",
                    "\"back_to_front\" with top_k (a pass fixes the top of its range)",
                    "\"front_to_back\"",
                ));
            }
        }
        Ok(())
    }

    /// The windows of one pass over `n` candidates, in call order: `(start, end)` position
    /// ranges, bottom first (back to front).
    /// (An invalid configuration, see [`WindowConfig::validate`], gives windows of at least
    /// one position moving at least one position, never an endless loop.)
    pub fn windows(&self, n: usize) -> Vec<(usize, usize)> {
        let (w, s) = (self.window.max(1), self.step.max(1));
        let mut out = Vec::new();
        match self.semantics {
            WindowSemantics::RankLlm => {
                let mut end = n;
                while end > 0 {
                    let start = end.saturating_sub(w);
                    out.push((start, end));
                    if start == 0 {
                        break;
                    }
                    end -= s;
                }
            }
            WindowSemantics::RankGpt => {
                // `while start >= rank_start` with `start = end - w`, never clamped.
                let mut end = n;
                while end >= w {
                    out.push((end - w, end));
                    if end < s {
                        break;
                    }
                    end -= s;
                }
            }
        }
        if self.direction == Direction::FrontToBack {
            for win in &mut out {
                *win = (n - win.1, n - win.0);
            }
        }
        out
    }

    /// Every window of the run over `n` candidates, in call order (all passes).
    pub fn schedule(&self, n: usize) -> Vec<(usize, usize)> {
        match self.top_k {
            None => {
                let pass = self.windows(n);
                (0..self.passes)
                    .flat_map(|_| pass.iter().copied())
                    .collect()
            }
            Some(k) => {
                let fixed_per_pass = self.window.saturating_sub(self.step).max(1);
                let mut out = Vec::new();
                let mut offset = 0;
                while offset < n.min(k) {
                    let pass = self.windows(n - offset);
                    let last = pass.len() <= 1;
                    out.extend(pass.into_iter().map(|(a, b)| (a + offset, b + offset)));
                    if last {
                        break; // the rest fits one window: it is fully ordered
                    }
                    offset += fixed_per_pass;
                }
                out
            }
        }
    }

    /// Calls of one pass over `m` candidates: the length of [`WindowConfig::windows`]`(m)`
    /// (module docs: `ceil((m - w) / s) + 1` or `floor((m - w) / s) + 1`).
    fn pass_calls(&self, m: u128) -> u128 {
        let (w, s) = (self.window.max(1) as u128, self.step.max(1) as u128);
        match self.semantics {
            WindowSemantics::RankLlm if m == 0 => 0,
            WindowSemantics::RankLlm if m <= w => 1,
            WindowSemantics::RankLlm => (m - w).div_ceil(s) + 1,
            WindowSemantics::RankGpt if m < w => 0,
            WindowSemantics::RankGpt => (m - w) / s + 1,
        }
    }

    /// Calls of the shrinking passes of `top_k = k` over `n` (the length of
    /// [`WindowConfig::schedule`]) in closed form. Pass `j` covers `n - j f` candidates
    /// (`f = w - s` fixed per pass); the passes go on while a pass has two windows or more and
    /// `j f < min(n, k)`, and one last pass of at most one window follows if `j f` is still
    /// below `min(n, k)`. A pass of `m` has `floor((m - w + c) / s) + 1` windows (`c = s - 1`
    /// for RankLLM's ceiling, `0` for RankGPT), so the sum over the passes is one
    /// [`floor_sum`] over an arithmetic progression.
    fn shrinking_calls(&self, n: usize, k: usize) -> Option<u128> {
        let (w, s) = (self.window.max(1) as u128, self.step.max(1) as u128);
        let f = self.window.saturating_sub(self.step).max(1) as u128;
        let (n, limit) = (n as u128, n.min(k) as u128);
        // A pass over `m` has two windows or more iff `m > threshold`.
        let (threshold, c) = match self.semantics {
            WindowSemantics::RankLlm => (w, s - 1),
            WindowSemantics::RankGpt => (w + s - 1, 0),
        };
        let by_size = if n > threshold {
            (n - threshold - 1) / f + 1
        } else {
            0
        };
        let passes = limit.div_ceil(f).min(by_size);
        let mut total = 0;
        if passes > 0 {
            // Summed from the last (shortest) pass up: `last + i f` for i < passes.
            let last = n - (passes - 1) * f;
            total = floor_sum(passes, s, f, last - w + c)?.checked_add(passes)?;
        }
        if passes * f < limit {
            total = total.checked_add(self.pass_calls(n - passes * f))?;
        }
        Some(total)
    }

    /// Model calls for a list of `n` candidates, all passes: exact (the strategy does not
    /// depend on the answers); the length of [`WindowConfig::schedule`], in closed form.
    ///
    /// # Errors
    /// A count beyond 64 bits.
    pub fn calls(&self, n: usize) -> Result<usize> {
        let total = match self.top_k {
            None => self.pass_calls(n as u128).checked_mul(self.passes as u128),
            Some(k) => self.shrinking_calls(n, k),
        };
        fit(total, n)
    }

    /// Calls and depth for `n` candidates (exact; the calls are sequential, so the depth is
    /// the calls).
    ///
    /// # Errors
    /// A count beyond 64 bits.
    pub fn plan(&self, n: usize) -> Result<Plan> {
        let calls = self.calls(n)?;
        Ok(Plan::exact(calls, calls))
    }
}

/// One query's sliding-window run (see the module docs): a [`State`] over [`WindowMachine`].
pub type SlidingWindow = State<WindowMachine>;

impl SlidingWindow {
    /// A state for `n` candidates, initially in the order `0..n` (the first-stage ranking).
    ///
    /// # Errors
    /// An invalid configuration.
    pub fn start(n: usize, config: WindowConfig) -> Result<Self> {
        config.validate()?;
        Ok(State::new(WindowMachine {
            schedule: config.schedule(n),
            order: (0..n).collect(),
            next: 0,
        }))
    }
}

/// The logic of [`SlidingWindow`].
#[derive(Debug, Clone)]
pub struct WindowMachine {
    /// Every window, in call order.
    schedule: Vec<(usize, usize)>,
    /// `order[rank]` = candidate index now at `rank`.
    order: Vec<usize>,
    /// The window asked for next.
    next: usize,
}

impl Machine for WindowMachine {
    fn advance(&mut self, book: &mut Book) {
        if let Some(&(start, end)) = self.schedule.get(self.next) {
            book.rank(self.order[start..end].to_vec());
        }
    }

    fn take(&mut self, task: Task, answer: Resolved) {
        let Resolved::Order(permutation) = answer else {
            unreachable!("rank tasks resolve to orders")
        };
        let (start, _) = self.schedule[self.next];
        for (rank, &p) in permutation.iter().enumerate() {
            self.order[start + rank] = task.candidates[p];
        }
        self.next += 1;
    }

    fn order(&self) -> Vec<usize> {
        self.order.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rerank::ParseOptions;
    use crate::rerank::task::closed_form_plan_equals_the_walk;
    use crate::rerank::task::{Answer, Strategy, oracle_answer, run_to_end};
    use proptest::prelude::*;

    fn config(window: usize, step: usize, semantics: WindowSemantics) -> WindowConfig {
        WindowConfig {
            window,
            step,
            semantics,
            ..WindowConfig::default()
        }
    }

    /// RankGPT's loop, transcribed from `rank_gpt.py::sliding_windows` (spec section 2.2).
    fn rankgpt_windows(n: i64, w: i64, s: i64) -> Vec<(usize, usize)> {
        let (mut end, mut start) = (n, n - w);
        let mut out = Vec::new();
        while start >= 0 {
            out.push((start as usize, end as usize));
            end -= s;
            start -= s;
        }
        out
    }

    #[test]
    fn call_counts_match_the_spec_cheat_sheet() {
        let llm = config(20, 10, WindowSemantics::RankLlm);
        let gpt = config(20, 10, WindowSemantics::RankGpt);
        assert_eq!(llm.calls(100).unwrap(), 9);
        assert_eq!(gpt.calls(100).unwrap(), 9);
        assert_eq!(llm.windows(100)[0], (80, 100));
        assert_eq!(llm.windows(100)[8], (0, 20));
        // N < w: RankGPT makes no call, RankLLM one over everything.
        assert_eq!((gpt.calls(15).unwrap(), llm.calls(15).unwrap()), (0, 1));
        // N = 95: RankGPT never places positions 0-4 in a window; RankLLM clamps.
        assert_eq!(gpt.windows(95).last(), Some(&(5, 25)));
        assert_eq!(llm.windows(95).last(), Some(&(0, 15)));
        // llm-rankers: w=4, s=2 on 100 → 49 calls (x num_repeat).
        assert_eq!(
            config(4, 2, WindowSemantics::RankGpt).calls(100).unwrap(),
            49
        );
        let three = WindowConfig { passes: 3, ..llm };
        assert_eq!(three.calls(100).unwrap(), 27);
        // fullrank's label construction: 45 windows for N=100 (spec section 7.2).
        let full = WindowConfig {
            top_k: Some(100),
            ..llm
        };
        assert_eq!(full.calls(100).unwrap(), 45);
        assert_eq!(
            WindowConfig {
                top_k: Some(20),
                ..llm
            }
            .calls(100)
            .unwrap(),
            17
        );
        let down = WindowConfig {
            direction: Direction::FrontToBack,
            ..llm
        };
        assert_eq!(down.windows(95)[0], (0, 20));
        assert_eq!(down.windows(95).last(), Some(&(80, 95)));
    }

    /// The plan before the closed form: the length of the schedule, every call sequential
    /// (kept as the oracle).
    fn walked_plan(cfg: &WindowConfig, n: usize) -> Plan {
        let calls = cfg.schedule(n).len();
        Plan::exact(calls, calls)
    }

    #[test]
    fn huge_plans_return_at_once_or_refuse_to_overflow() {
        let cfg = WindowConfig::default();
        assert_eq!(
            cfg.calls(1_000_000_000_000_000_000).unwrap(),
            99_999_999_999_999_999
        );
        let full = WindowConfig {
            top_k: Some(usize::MAX),
            step: 19,
            ..cfg
        };
        // About n^2 / 2 windows: more than 64 bits can count.
        let err = full.plan(usize::MAX).unwrap_err().to_string();
        assert!(err.contains("`n`") && err.contains("64 bits"), "{err}");
        let passes = WindowConfig {
            passes: usize::MAX,
            ..cfg
        };
        assert!(passes.plan(usize::MAX).is_err());
        assert_eq!(passes.plan(1).unwrap(), Plan::exact(usize::MAX, usize::MAX));
    }

    closed_form_plan_equals_the_walk!(
        (
            w in 2usize..40, s in 1usize..40, passes in 1usize..4, gpt in any::<bool>(),
            front in any::<bool>(), top_k in proptest::option::of(1usize..2200),
        )
        {
            prop_assume!(s <= w);
            let semantics = if gpt { WindowSemantics::RankGpt } else { WindowSemantics::RankLlm };
            let mut cfg = WindowConfig { window: w, step: s, passes, semantics, ..WindowConfig::default() };
            if front {
                cfg.direction = Direction::FrontToBack;
            }
            if top_k.is_some() && s < w {
                cfg = WindowConfig { top_k, passes: 1, direction: Direction::BackToFront, ..cfg };
            }
            prop_assume!(cfg.validate().is_ok());
            cfg
        }
    );

    proptest! {
        #[test]
        fn windows_follow_both_formulas(n in 0usize..300, w in 2usize..40, s in 1usize..40) {
            prop_assume!(s <= w);
            let gpt = config(w, s, WindowSemantics::RankGpt);
            prop_assert_eq!(gpt.windows(n), rankgpt_windows(n as i64, w as i64, s as i64));
            let expected = if n >= w { (n - w) / s + 1 } else { 0 };
            prop_assert_eq!(gpt.calls(n).unwrap(), expected);
            let llm = config(w, s, WindowSemantics::RankLlm);
            let expected = if n == 0 { 0 } else if n <= w { 1 } else { (n - w).div_ceil(s) + 1 };
            prop_assert_eq!(llm.calls(n).unwrap(), expected);
            // Every position is in some RankLLM window.
            let mut covered = vec![false; n];
            for (a, b) in llm.windows(n) {
                prop_assert!(b - a <= w && b <= n);
                covered[a..b].iter_mut().for_each(|c| *c = true);
            }
            prop_assert!(covered.into_iter().all(|c| c));
        }

        /// With an oracle ranker (orders a window by true relevance), one pass brings the
        /// best `w - s` candidates to the top, in order, whatever the first-stage order;
        /// shrinking passes with `top_k` fix the top `top_k`; front to back sinks the worst.
        #[test]
        fn an_oracle_ranker_sorts_the_top(
            relevance in proptest::collection::vec(0u32..1000, 1..120),
            passes in 1usize..3,
            top_k in 1usize..130,
        ) {
            let rel: Vec<f64> = relevance.iter().map(|&r| f64::from(r)).collect();
            let mut best = rel.clone();
            best.sort_by(|a, b| b.total_cmp(a));
            let n = rel.len();
            let cfg = WindowConfig { passes, ..WindowConfig::default() };
            let mut state = SlidingWindow::start(n, cfg).unwrap();
            let first = state.ready();
            prop_assert_eq!(first.len(), 1);
            prop_assert!(state.ready().is_empty()); // nothing new until answered
            state.answer(first[0].id, oracle_answer(&rel, &first[0]), &ParseOptions::default()).unwrap();
            let order = run_to_end(&mut state, |t| oracle_answer(&rel, t)).unwrap();
            prop_assert_eq!(state.book().calls(), cfg.calls(n).unwrap());
            prop_assert_eq!(state.book().rounds(), cfg.calls(n).unwrap());
            let top = cfg.window - cfg.step;
            let got: Vec<f64> = order.iter().take(top).map(|&i| rel[i]).collect();
            prop_assert_eq!(&got[..], &best[..top.min(n)]);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());

            let cfg = WindowConfig { top_k: Some(top_k), ..WindowConfig::default() };
            let mut state = SlidingWindow::start(n, cfg).unwrap();
            let order = run_to_end(&mut state, |t| oracle_answer(&rel, t)).unwrap();
            let k = top_k.min(n);
            let got: Vec<f64> = order.iter().take(k).map(|&i| rel[i]).collect();
            prop_assert_eq!(&got[..], &best[..k]);

            let cfg = WindowConfig { direction: Direction::FrontToBack, ..WindowConfig::default() };
            let mut state = SlidingWindow::start(n, cfg).unwrap();
            let order = run_to_end(&mut state, |t| oracle_answer(&rel, t)).unwrap();
            let got: Vec<f64> = order.iter().rev().take(top).map(|&i| rel[i]).collect();
            let worst: Vec<f64> = best.iter().rev().take(top).copied().collect();
            prop_assert_eq!(got, worst);
        }
    }

    #[test]
    fn answers_are_checked_and_text_answers_repaired() {
        let o = ParseOptions::default();
        let mut state = SlidingWindow::start(3, config(2, 1, WindowSemantics::RankLlm)).unwrap();
        let task = state.ready().pop().unwrap();
        assert_eq!(task.candidates, vec![1, 2]);
        for bad in [vec![0, 0], vec![1], vec![0, 2]] {
            let e = state.answer_order(task.id, &bad).unwrap_err().to_string();
            assert!(e.contains("a permutation of 0..2"), "{e}");
        }
        assert!(state.answer_order(task.id + 1, &[0, 1]).is_err());
        state
            .answer(task.id, Answer::Text("[2] > [2]".into()), &o)
            .unwrap();
        assert_eq!(state.book().repairs()[0].parsed.duplicates, vec![1]);
        assert_eq!(state.result(), vec![0, 2, 1]);
        let e = state
            .answer_order(task.id, &[0, 1])
            .unwrap_err()
            .to_string();
        assert!(e.contains("task_id"), "{e}");
        let task = state.ready().pop().unwrap();
        assert_eq!(task.candidates, vec![0, 2]);
        state.answer_order(task.id, &[1, 0]).unwrap();
        assert!(!state.done() && state.ready().is_empty() && state.done());
        assert_eq!((state.result(), state.book().calls()), (vec![2, 0, 1], 2));
        for (w, s, p, k) in [
            (1, 1, 1, None),
            (5, 0, 1, None),
            (5, 6, 1, None),
            (5, 2, 0, None),
            (5, 5, 1, Some(3)),
            (5, 2, 2, Some(3)),
            (5, 2, 1, Some(0)),
        ] {
            let cfg = WindowConfig {
                window: w,
                step: s,
                passes: p,
                top_k: k,
                ..WindowConfig::default()
            };
            assert!(SlidingWindow::start(10, cfg).is_err());
        }
    }
}
