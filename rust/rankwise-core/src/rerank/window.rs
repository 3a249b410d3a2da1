//! The sliding-window listwise strategy as a state machine for one query.
//!
//! A listwise ranker orders at most `window` candidates per call, so a list of `n` is reranked
//! by sliding a window over it from the bottom to the top, `step` positions at a time: each
//! window's answer is written back before the next window is cut, so a good document can rise
//! `window - step` positions per call and the best ones reach the top in one pass. The calls of
//! one query are strictly sequential; a driver overlaps them across queries.
//!
//! Two window semantics (`shared/spec/rerank-algorithms.md`, sections 2.2 and 3.2):
//! * [`WindowSemantics::RankLlm`] (default): windows end at `n`, `n - step`, ...; the last one
//!   is clamped to start at 0 (so it may be shorter than `window`), so every position is
//!   reached: `1` call if `n <= window`, else `ceil((n - window) / step) + 1`, per pass.
//! * [`WindowSemantics::RankGpt`]: RankGPT's loop, kept to replicate published numbers: only
//!   full windows, `floor((n - window) / step) + 1` calls if `n >= window`, else none; the top
//!   `(n - window) mod step` positions are never placed in a window.

use super::permutation::{ParseOptions, ParsedPermutation, parse_permutation};
use crate::error::{RankError, Result};

/// Which implementation's windows to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WindowSemantics {
    #[default]
    RankLlm,
    RankGpt,
}

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
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            window: 20,
            step: 10,
            passes: 1,
            semantics: WindowSemantics::RankLlm,
        }
    }
}

impl WindowConfig {
    /// Check the configuration: `window >= 2`, `1 <= step <= window`, `passes >= 1`.
    ///
    /// # Errors
    /// The first field out of range, named.
    pub fn validate(&self) -> Result<()> {
        if self.window < 2 {
            return Err(RankError::invalid("window", "an integer >= 2", self.window));
        }
        if self.step == 0 || self.step > self.window {
            return Err(RankError::invalid(
                "step",
                format!("an integer in 1..={} (the window)", self.window),
                self.step,
            ));
        }
        if self.passes == 0 {
            return Err(RankError::invalid("passes", "a positive integer", 0));
        }
        Ok(())
    }

    /// The windows of one pass over `n` candidates, in call order: `(start, end)` position
    /// ranges, bottom first.
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
        out
    }

    /// Model calls for a list of `n` candidates, all passes: exact (the strategy does not
    /// depend on the answers). The critical path is as long: the calls are sequential.
    pub fn calls(&self, n: usize) -> usize {
        self.windows(n).len() * self.passes
    }
}

/// One model call: order these candidates (indices into the query's candidate list, in their
/// current order; the answer is a permutation of positions `0..candidates.len()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankTask {
    pub id: u64,
    pub candidates: Vec<usize>,
}

/// Sliding-window reranking of one query's `n` candidates (see the module docs).
#[derive(Debug, Clone)]
pub struct SlidingWindow {
    config: WindowConfig,
    /// `order[rank]` = candidate index now at `rank`.
    order: Vec<usize>,
    windows: Vec<(usize, usize)>,
    /// Calls made so far (pass-major index into `windows`).
    calls: usize,
    /// The task handed out and not yet answered.
    pending: Option<RankTask>,
    next_id: u64,
    repaired_answers: usize,
}

impl SlidingWindow {
    /// A state for `n` candidates, initially in the order `0..n` (the first-stage ranking).
    pub fn new(n: usize, config: WindowConfig) -> Result<Self> {
        config.validate()?;
        Ok(SlidingWindow {
            windows: config.windows(n),
            config,
            order: (0..n).collect(),
            calls: 0,
            pending: None,
            next_id: 0,
            repaired_answers: 0,
        })
    }

    /// Whether every call has been answered.
    pub fn done(&self) -> bool {
        self.calls == self.windows.len() * self.config.passes
    }

    /// The calls that can be made now: the next window, once (until it is answered).
    pub fn ready(&mut self) -> Vec<RankTask> {
        if self.done() || self.pending.is_some() {
            return Vec::new();
        }
        let (start, end) = self.windows[self.calls % self.windows.len()];
        let task = RankTask {
            id: self.next_id,
            candidates: self.order[start..end].to_vec(),
        };
        self.next_id += 1;
        self.pending = Some(task.clone());
        vec![task]
    }

    /// Take the answer to task `id`: `permutation[rank]` = position (in the task's candidate
    /// list) of the candidate the ranker put at `rank`.
    ///
    /// # Errors
    /// An unknown or already answered task id, or an answer that is not a permutation of the
    /// task's positions.
    pub fn answer(&mut self, id: u64, permutation: &[usize]) -> Result<()> {
        let task = self.take_pending(id)?;
        let k = task.candidates.len();
        let mut seen = vec![false; k];
        let valid = permutation.len() == k
            && permutation
                .iter()
                .all(|&p| p < k && !std::mem::replace(&mut seen[p], true));
        if !valid {
            self.pending = Some(task);
            return Err(RankError::invalid(
                "answer",
                format!("a permutation of 0..{k} (the task's positions)"),
                format!("{permutation:?}"),
            ));
        }
        let (start, _) = self.windows[self.calls % self.windows.len()];
        for (rank, &p) in permutation.iter().enumerate() {
            self.order[start + rank] = task.candidates[p];
        }
        self.calls += 1;
        Ok(())
    }

    /// Take the ranker's raw text answer to task `id`, read and repaired by
    /// [`parse_permutation`]; returns what was read (with its repairs).
    ///
    /// # Errors
    /// As [`SlidingWindow::answer`], and as [`parse_permutation`] under a strict policy.
    pub fn answer_text(
        &mut self,
        id: u64,
        text: &str,
        opts: &ParseOptions,
    ) -> Result<ParsedPermutation> {
        let k = match &self.pending {
            Some(task) if task.id == id => task.candidates.len(),
            _ => return Err(self.unknown_task(id)),
        };
        let parsed = parse_permutation(text, k, opts)?;
        self.answer(id, &parsed.order)?;
        if parsed.repaired() {
            self.repaired_answers += 1;
        }
        Ok(parsed)
    }

    /// The current order (final once [`SlidingWindow::done`]): candidate indices, best first.
    pub fn result(&self) -> &[usize] {
        &self.order
    }

    /// Calls answered so far.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// Text answers that needed a repair.
    pub fn repaired_answers(&self) -> usize {
        self.repaired_answers
    }

    fn take_pending(&mut self, id: u64) -> Result<RankTask> {
        match self.pending.take() {
            Some(task) if task.id == id => Ok(task),
            other => {
                self.pending = other;
                Err(self.unknown_task(id))
            }
        }
    }

    fn unknown_task(&self, id: u64) -> RankError {
        let waiting = self
            .pending
            .as_ref()
            .map_or_else(|| "none".to_owned(), |t| t.id.to_string());
        RankError::invalid(
            "task_id",
            format!("the id of the task waiting for an answer ({waiting})"),
            id,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn config(window: usize, step: usize, semantics: WindowSemantics) -> WindowConfig {
        WindowConfig {
            window,
            step,
            passes: 1,
            semantics,
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
        assert_eq!(llm.calls(100), 9);
        assert_eq!(gpt.calls(100), 9);
        assert_eq!(llm.windows(100)[0], (80, 100));
        assert_eq!(llm.windows(100)[8], (0, 20));
        // N < w: RankGPT makes no call, RankLLM one over everything.
        assert_eq!((gpt.calls(15), llm.calls(15)), (0, 1));
        // N = 95: RankGPT never places positions 0-4 in a window; RankLLM clamps.
        assert_eq!(gpt.windows(95).last(), Some(&(5, 25)));
        assert_eq!(llm.windows(95).last(), Some(&(0, 15)));
        // llm-rankers: w=4, s=2 on 100 → 49 calls (x num_repeat).
        assert_eq!(config(4, 2, WindowSemantics::RankGpt).calls(100), 49);
        let three = WindowConfig { passes: 3, ..llm };
        assert_eq!(three.calls(100), 27);
    }

    proptest! {
        #[test]
        fn windows_follow_both_formulas(n in 0usize..300, w in 2usize..40, s in 1usize..40) {
            prop_assume!(s <= w);
            let gpt = config(w, s, WindowSemantics::RankGpt);
            prop_assert_eq!(gpt.windows(n), rankgpt_windows(n as i64, w as i64, s as i64));
            let expected = if n >= w { (n - w) / s + 1 } else { 0 };
            prop_assert_eq!(gpt.calls(n), expected);
            let llm = config(w, s, WindowSemantics::RankLlm);
            let expected = if n == 0 { 0 } else if n <= w { 1 } else { (n - w).div_ceil(s) + 1 };
            prop_assert_eq!(llm.calls(n), expected);
            // Every position is in some RankLLM window.
            let mut covered = vec![false; n];
            for (a, b) in llm.windows(n) {
                prop_assert!(b - a <= w && b <= n);
                covered[a..b].iter_mut().for_each(|c| *c = true);
            }
            prop_assert!(covered.into_iter().all(|c| c));
        }

        /// With an oracle ranker (orders a window by true relevance), one pass brings the
        /// best `w - s` candidates to the top, in order, whatever the first-stage order.
        #[test]
        fn an_oracle_ranker_sorts_the_top(
            relevance in proptest::collection::vec(0u32..1000, 1..120),
            passes in 1usize..3,
        ) {
            let cfg = WindowConfig { passes, ..WindowConfig::default() };
            let mut state = SlidingWindow::new(relevance.len(), cfg).unwrap();
            let mut calls = 0;
            while !state.done() {
                let tasks = state.ready();
                prop_assert_eq!(tasks.len(), 1);
                prop_assert!(state.ready().is_empty()); // nothing new until answered
                let t = &tasks[0];
                let mut perm: Vec<usize> = (0..t.candidates.len()).collect();
                perm.sort_by_key(|&p| (std::cmp::Reverse(relevance[t.candidates[p]]), p));
                state.answer(t.id, &perm).unwrap();
                calls += 1;
            }
            prop_assert_eq!(calls, cfg.calls(relevance.len()));
            let top = cfg.window - cfg.step;
            let mut best: Vec<u32> = relevance.clone();
            best.sort_unstable_by(|a, b| b.cmp(a));
            let got: Vec<u32> = state.result().iter().take(top).map(|&i| relevance[i]).collect();
            prop_assert_eq!(&got[..], &best[..top.min(best.len())]);
            let mut sorted = state.result().to_vec();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..relevance.len()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn answers_are_checked_and_text_answers_repaired() {
        let mut state = SlidingWindow::new(3, config(2, 1, WindowSemantics::RankLlm)).unwrap();
        let task = state.ready().pop().unwrap();
        assert_eq!(task.candidates, vec![1, 2]);
        for bad in [vec![0, 0], vec![1], vec![0, 2]] {
            let e = state.answer(task.id, &bad).unwrap_err().to_string();
            assert!(e.contains("a permutation of 0..2"), "{e}");
        }
        assert!(state.answer(task.id + 1, &[0, 1]).is_err());
        let parsed = state
            .answer_text(task.id, "[2] > [2]", &ParseOptions::default())
            .unwrap();
        assert_eq!(parsed.duplicates, vec![1]);
        assert_eq!(state.result(), &[0, 2, 1]);
        assert_eq!(state.repaired_answers(), 1);
        let e = state.answer(task.id, &[0, 1]).unwrap_err().to_string();
        assert!(e.contains("task_id"), "{e}");
        let task = state.ready().pop().unwrap();
        assert_eq!(task.candidates, vec![0, 2]);
        state.answer(task.id, &[1, 0]).unwrap();
        assert!(state.done() && state.ready().is_empty());
        assert_eq!((state.result(), state.calls()), (&[2, 0, 1][..], 2));
        for (w, s, p) in [(1, 1, 1), (5, 0, 1), (5, 6, 1), (5, 2, 0)] {
            let cfg = WindowConfig {
                window: w,
                step: s,
                passes: p,
                ..WindowConfig::default()
            };
            assert!(SlidingWindow::new(10, cfg).is_err());
        }
    }
}
