//! Condorcet fuse (Montague & Aslam, "Condorcet fusion for improved retrieval", CIKM 2002):
//! candidates sorted by pairwise majority votes.
//!
//! Candidate `x` goes before `y` when at least half the runs rank `x` above `y` (a run that
//! did not retrieve a document ranks it below every document it retrieved, and two documents
//! it did not retrieve tie, which counts as a vote for `y`), ranx's comparison. With cycles
//! in the majority relation (or an even split) that comparison is no order and the result
//! depends on the sort: ranx sorts the candidates in Python `set` order, which varies between
//! processes; rankwise merge-sorts them in order of first appearance (first run's ranking,
//! then the next run's new documents, ...), so its output is reproducible. Where the majority
//! relation is a strict total order both give that order.

/// Whether candidate `x` goes before `y` under the majority of `positions` (one row per run,
/// `usize::MAX` for a document the run did not retrieve), each run's vote counting its weight
/// (1 without `weights`). The votes are summed in run order, as ranx's `weighted_condorcet`
/// adds them, so equal float sums compare as in ranx.
fn before(positions: &[Vec<usize>], weights: Option<&[f64]>, x: usize, y: usize) -> bool {
    match weights {
        None => {
            let x_votes = positions.iter().filter(|pos| pos[x] < pos[y]).count();
            x_votes >= positions.len() - x_votes
        }
        Some(w) => {
            let (mut x_votes, mut y_votes) = (0.0, 0.0);
            for (pos, &weight) in positions.iter().zip(w) {
                if pos[x] < pos[y] {
                    x_votes += weight;
                } else {
                    y_votes += weight;
                }
            }
            x_votes >= y_votes
        }
    }
}

/// The candidates `0..c` in Condorcet order.
pub(super) fn order(positions: &[Vec<usize>], weights: Option<&[f64]>, c: usize) -> Vec<usize> {
    let mut items: Vec<usize> = (0..c).collect();
    let mut buffer = Vec::with_capacity(c);
    merge_sort(&mut items, &mut buffer, positions, weights);
    items
}

/// Top-down merge sort that only asks `before` (which need not be transitive), so it never
/// panics on a cyclic relation. As Python's merge, the right element goes first when it is
/// `before` the left one.
fn merge_sort(
    items: &mut [usize],
    buffer: &mut Vec<usize>,
    positions: &[Vec<usize>],
    weights: Option<&[f64]>,
) {
    let n = items.len();
    if n < 2 {
        return;
    }
    let mid = n / 2;
    merge_sort(&mut items[..mid], buffer, positions, weights);
    merge_sort(&mut items[mid..], buffer, positions, weights);
    buffer.clear();
    let (mut i, mut j) = (0, mid);
    while i < mid && j < n {
        if before(positions, weights, items[j], items[i]) {
            buffer.push(items[j]);
            j += 1;
        } else {
            buffer.push(items[i]);
            i += 1;
        }
    }
    buffer.extend_from_slice(&items[i..mid]);
    buffer.extend_from_slice(&items[j..n]);
    items.copy_from_slice(buffer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_majority_order_is_kept_and_a_cycle_does_not_panic() {
        // Three runs agree a > b > c except one run: majority a > b > c.
        let pos = vec![vec![0, 1, 2], vec![0, 2, 1], vec![1, 0, 2]];
        assert_eq!(order(&pos, None, 3), vec![0, 1, 2]);
        // Cycle a > b, b > c, c > a: some order of all three, every time the same.
        let cyc = vec![vec![0, 1, 2], vec![2, 0, 1], vec![1, 2, 0]];
        let o = order(&cyc, None, 3);
        let mut sorted = o.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2]);
        assert_eq!(order(&cyc, None, 3), o);
    }
}
