"""rankwise.labels against choix and against direct Python definitions."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rankwise import labels
from rankwise.errors import ConvergenceWarning, InvalidValueError, RankwiseError, ShapeError

try:
    import choix
except ImportError:  # only the six comparisons with choix need it
    choix = None
needs_choix = pytest.mark.skipif(choix is None, reason="choix (the reference) is not installed")


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------
@st.composite
def window_data(draw, min_items=2, max_items=8, max_windows=12):
    """Windows (orders over random subsets) in which every candidate appears in a window of
    two or more, so choix and rankwise see the same candidates."""
    n = draw(st.integers(min_items, max_items))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    k = draw(st.integers(1, max_windows))
    windows = []
    for _ in range(k):
        size = int(rng.integers(2, n + 1))
        windows.append([int(x) for x in rng.permutation(n)[:size]])
    covered = set(itertools.chain.from_iterable(windows))
    for i in range(n):
        if i not in covered:
            j = (i + 1) % n
            windows.append([i, j] if rng.random() < 0.5 else [j, i])
    return n, windows


def direct_borda(n, windows, normalize="none"):
    points = np.zeros(n)
    seen = np.zeros(n)
    for w in windows:
        m = len(w)
        if m < 2:
            continue
        for p, c in enumerate(w):
            points[c] += (m - 1 - p) / (m if normalize == "window" else 1)
            seen[c] += 1
    if normalize == "mean":
        points = points / seen
    return points


def pair_matrix(n, windows):
    w = np.zeros((n, n))
    for win in windows:
        for i, a in enumerate(win):
            for b in win[i + 1 :]:
                w[a, b] += 1
    return w


def direct_copeland(w, count):
    n = w.shape[0]
    s = np.zeros(n)
    for a in range(n):
        for b in range(n):
            if a == b:
                continue
            if count == "sum":
                s[a] += w[a, b] - w[b, a]
            elif w[a, b] > w[b, a]:
                s[a] += 1
            elif w[a, b] < w[b, a]:
                s[a] -= 1
    return s


def kemeny_cost(w, order):
    return sum(w[b, a] for i, a in enumerate(order) for b in order[i + 1 :])


def stable_order(scores):
    return np.lexsort((np.arange(len(scores)), -np.asarray(scores)))


# ----------------------------------------------------------------------------------------------
# Plackett-Luce and Bradley-Terry against choix
# ----------------------------------------------------------------------------------------------
@needs_choix
@given(window_data(), st.sampled_from([0.05, 0.5, 2.0]))
def test_plackett_luce_mm_equals_choix_mm_rankings(data, alpha):
    n, windows = data
    ref = choix.mm_rankings(n, windows, alpha=alpha)
    got = labels.aggregate(windows, n, method="plackett_luce", alpha=alpha)
    np.testing.assert_allclose(got.scores, ref, atol=1e-6, rtol=0)
    assert got.converged.all()
    assert abs(got.scores.sum()) < 1e-9


@needs_choix
@given(window_data(max_items=6))
def test_plackett_luce_mm_without_regularisation_equals_choix(data):
    n, windows = data
    wins = np.zeros(n)
    for w in windows:
        for c in w[:-1]:
            wins[c] += 1
    try:
        with np.errstate(all="ignore"):
            ref = choix.mm_rankings(n, windows, alpha=0.0, max_iter=2000)
    except RuntimeError:
        ref = None
    if (wins == 0).any():
        with pytest.raises(InvalidValueError, match="`alpha` must be > 0 when a candidate never"):
            labels.aggregate(windows, n, alpha=0.0)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        got = labels.aggregate(windows, n, alpha=0.0, max_iter=2000)
    if ref is None:
        assert not got.converged[0]
    elif np.all(np.isfinite(ref)):
        np.testing.assert_allclose(got.scores, ref, atol=1e-6, rtol=0)


@needs_choix
@given(window_data(max_items=7), st.sampled_from([0.1, 1.0]))
def test_plackett_luce_ilsr_equals_choix_ilsr_rankings(data, alpha):
    n, windows = data
    ref = choix.ilsr_rankings(n, windows, alpha=alpha)
    got = labels.aggregate(windows, n, method="plackett_luce_ilsr", alpha=alpha)
    np.testing.assert_allclose(got.scores, ref, atol=1e-6, rtol=0)


@needs_choix
@given(window_data(), st.sampled_from([0.1, 1.0]))
def test_bradley_terry_equals_choix_mm_pairwise(data, alpha):
    n, windows = data
    pairs = [(w[i], w[j]) for w in windows for i in range(len(w)) for j in range(i + 1, len(w))]
    ref = choix.mm_pairwise(n, pairs, alpha=alpha)
    from_pairs = labels.aggregate_pairs(np.array(pairs), n, alpha=alpha)
    from_windows = labels.aggregate(windows, n, method="bradley_terry", alpha=alpha)
    np.testing.assert_allclose(from_pairs.scores, ref, atol=1e-6, rtol=0)
    np.testing.assert_allclose(from_windows.scores, ref, atol=1e-6, rtol=0)


@needs_choix
def test_pair_weights_count_as_repeated_comparisons():
    pairs = [(0, 1), (1, 2), (2, 0), (0, 2)]
    repeated = [*pairs, (0, 1), (0, 1)]
    ref = choix.mm_pairwise(3, repeated, alpha=0.0)
    got = labels.aggregate_pairs(np.array(pairs), 3, weights=[3.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(got.scores, ref, atol=1e-6, rtol=0)


def test_probabilities_split_each_comparison_between_both_orders():
    p = labels.aggregate_pairs(
        np.array([[0, 1], [1, 2], [0, 2]]),
        3,
        probabilities=[0.9, 0.5, 0.7],
        method="copeland",
        count="sum",
    )
    # wins - losses: 0: (0.9-0.1) + (0.7-0.3); 1: -(0.8) + 0; 2: 0 - 0.4
    np.testing.assert_allclose(p.scores, [1.2, -0.8, -0.4])
    assert p.order.tolist() == [0, 2, 1]


def test_batched_aggregation_equals_one_query_at_a_time():
    rng = np.random.default_rng(0)
    n, q = 12, 7
    queries = [[list(rng.permutation(n)[:5]) for _ in range(9)] for _ in range(q)]
    arr = np.array(queries)
    batch = labels.aggregate(arr, n, method="plackett_luce", alpha=0.1)
    assert batch.offsets.tolist() == list(range(0, n * (q + 1), n))
    for i, windows in enumerate(queries):
        one = labels.aggregate(windows, n, method="plackett_luce", alpha=0.1)
        sl = slice(batch.offsets[i], batch.offsets[i + 1])
        assert batch.order[sl].tolist() == one.order.tolist()
        np.testing.assert_array_equal(batch.scores[sl], one.scores)
    flat = labels.aggregate(
        arr.reshape(-1),
        n,
        method="plackett_luce",
        alpha=0.1,
        window_offsets=np.arange(0, arr.size + 1, 5),
        query_offsets=np.arange(0, 9 * q + 1, 9),
    )
    np.testing.assert_array_equal(flat.scores, batch.scores)
    padded = labels.to_padded(batch.order, batch.offsets)
    assert padded.shape == (q, n)


# ----------------------------------------------------------------------------------------------
# Borda, Copeland, Kemeny against direct definitions
# ----------------------------------------------------------------------------------------------
@given(window_data(max_items=9), st.sampled_from(["none", "window", "mean"]))
def test_borda_equals_the_direct_definition(data, normalize):
    n, windows = data
    got = labels.aggregate(windows, n, method="borda", normalize=normalize)
    ref = direct_borda(n, windows, normalize)
    np.testing.assert_allclose(got.scores, ref, rtol=1e-12)
    assert got.order.tolist() == stable_order(ref).tolist()


@given(window_data(max_items=9), st.sampled_from(["majority", "sum"]))
def test_copeland_equals_the_direct_definition(data, count):
    n, windows = data
    got = labels.aggregate(windows, n, method="copeland", count=count)
    w = pair_matrix(n, windows)
    ref = direct_copeland(w, count)
    np.testing.assert_allclose(got.scores, ref, rtol=1e-12)
    assert got.order.tolist() == stable_order(ref).tolist()
    assert got.disagreement[0] == kemeny_cost(w, got.order.tolist())
    a, b = got.order[0], got.order[1]
    if w[a, b] + w[b, a] > 0:
        assert got.confidence[0] == w[a, b] / (w[a, b] + w[b, a])


@given(window_data(max_items=7), st.sampled_from(["borda", "copeland"]))
def test_kemeny_is_never_worse_than_its_start_nor_better_than_brute_force(data, start):
    n, windows = data
    w = pair_matrix(n, windows)
    got = labels.aggregate(windows, n, method="kemeny", start=start)
    start_order = labels.aggregate(windows, n, method=start).order.tolist()
    best = min(kemeny_cost(w, p) for p in itertools.permutations(range(n)))
    exact = labels.aggregate(windows, n, method="kemeny_exact")
    assert got.disagreement[0] == kemeny_cost(w, got.order.tolist())
    assert best - 1e-9 <= got.disagreement[0] <= kemeny_cost(w, start_order) + 1e-9
    assert exact.disagreement[0] == pytest.approx(best, abs=1e-9)
    assert kemeny_cost(w, exact.order.tolist()) == pytest.approx(best, abs=1e-9)


@given(st.permutations(list(range(10))), st.integers(0, 2**32 - 1))
def test_consistent_evidence_recovers_the_true_order(truth, seed):
    rng = np.random.default_rng(seed)
    rank = {c: r for r, c in enumerate(truth)}
    # overlapping sliding windows (size 4, step 2): only likelihood models see transitivity
    slides = [sorted(truth[s : s + 4], key=rank.get) for s in range(0, 8, 2)]
    for method in ("plackett_luce", "bradley_terry"):
        got = labels.aggregate(slides, 10, method=method, alpha=0.01)
        assert got.order.tolist() == list(truth), method
    # every pair compared once: every method recovers the order
    all_pairs = [sorted([a, b], key=rank.get) for a, b in itertools.combinations(range(10), 2)]
    for method in ("borda", "copeland", "plackett_luce", "kemeny"):
        got = labels.aggregate(all_pairs, 10, method=method, alpha=1.0)
        assert got.order.tolist() == list(truth), method
        assert got.disagreement[0] == 0
    # plus random consistent windows: uneven coverage, so not Borda (nor a strongly
    # regularised Plackett-Luce MAP, which may swap two close candidates)
    windows = [sorted(rng.permutation(10)[:5].tolist(), key=rank.get) for _ in range(6)]
    for method in ("copeland", "kemeny"):
        got = labels.aggregate(windows + all_pairs, 10, method=method, alpha=1.0)
        assert got.order.tolist() == list(truth), method
        assert got.disagreement[0] == 0


def test_never_observed_candidates_are_ranked_last_and_flagged():
    a = labels.aggregate([[3, 1], [1, 0], [4]], 6, method="plackett_luce", alpha=0.1)
    assert a.order.tolist() == [3, 1, 0, 2, 4, 5]
    assert a.observed.tolist() == [True, True, False, True, False, False]
    assert np.isnan(a.scores[[2, 4, 5]]).all()
    assert np.isnan(a.confidence[2:]).all()
    # soft labels give the unobserved candidates no probability
    p = labels.soft_labels(a.scores)
    assert p[[2, 4, 5]].tolist() == [0, 0, 0] and p.sum() == pytest.approx(1.0)


@needs_choix
def test_observed_candidates_are_scored_as_choix_scores_them_alone():
    a = labels.aggregate([[3, 1], [1, 0], [4]], 6, method="plackett_luce", alpha=0.1)
    # candidates 0, 1, 3 are choix's 0, 1, 2; the singleton window [4] carries no evidence
    np.testing.assert_allclose(
        a.scores[[0, 1, 3]], choix.mm_rankings(3, [[2, 1], [1, 0]], alpha=0.1)
    )


def test_empty_and_contradictory_evidence_give_flagged_or_even_results():
    empty = labels.aggregate([], 3, method="plackett_luce")
    assert empty.order.tolist() == [0, 1, 2] and not empty.observed.any()
    assert np.isnan(empty.scores).all()
    even = labels.aggregate([[0, 1], [1, 0]], 2, method="plackett_luce")
    np.testing.assert_allclose(even.scores, [0.0, 0.0], atol=1e-12)
    assert even.confidence[0] == pytest.approx(0.5)
    tie = labels.aggregate([[0, 1], [1, 0]], 2, method="copeland")
    assert tie.scores.tolist() == [0.0, 0.0] and tie.confidence[0] == 0.5
    assert tie.disagreement[0] == 1.0


def test_iteration_cap_warns_and_returns_the_flagged_estimate():
    windows = [[0, 1, 2], [2, 1, 0], [1, 0]]
    with pytest.warns(ConvergenceWarning, match="did not converge for 1 of 1 queries"):
        a = labels.aggregate(windows, 3, max_iter=3)
    assert not a.converged[0] and a.iterations[0] == 3
    assert np.isfinite(a.scores).all()


# ----------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------
def test_bad_evidence_is_refused_with_argument_value_and_place():
    with pytest.raises(
        InvalidValueError,
        match=r"`windows` must be candidate indices in 0\.\.3.*5 in window 1 of query 0, position 0",
    ):
        labels.aggregate([[0, 1], [5, 2]], 3)
    with pytest.raises(InvalidValueError, match="2 twice in window 0 of query 0"):
        labels.aggregate([[2, 1, 2]], 3)
    with pytest.raises(InvalidValueError, match=r"candidate 2 of query 0 is never preferred"):
        labels.aggregate([[0, 1, 2], [1, 0, 2]], 3)
    with pytest.raises(InvalidValueError, match="two different candidates"):
        labels.aggregate_pairs([[1, 1]], 3)
    with pytest.raises(InvalidValueError, match="`method` must be one of"):
        labels.aggregate([[0, 1]], 2, method="pagerank")  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match="`n_items` must have shape"):
        labels.aggregate(np.zeros((2, 3, 2), dtype=int), [3, 3, 3])
    with pytest.raises(InvalidValueError, match="only for at most 8"):
        labels.aggregate([list(range(9))], 9, method="kemeny_exact")
    with pytest.raises(InvalidValueError, match="`probabilities` must be in"):
        labels.aggregate_pairs([[0, 1]], 2, probabilities=[1.5])
    # found by benches/fuzz_api.py: an array `method` leaked numpy's "truth value" ValueError
    with pytest.raises(RankwiseError, match="`method` must be a str"):
        labels.aggregate_pairs([[0, 1]], 2, method=np.array([None, 1.0], dtype=object))
    with pytest.raises(InvalidValueError, match="padded with negative values only at the end"):
        labels.aggregate(np.array([[0, -1, 1]]), 2)
    with pytest.raises(ShapeError, match="window 0 has shape"):
        labels.aggregate([[[0, 1], [1, 2]], [[0, 1]]], 3)
    with pytest.raises(InvalidValueError, match="1-based ranks"):
        labels.position_weights([0, 1])
    with pytest.raises(RankwiseError, match="permutation"):
        labels.inverse_permutation([0, 0])


# ----------------------------------------------------------------------------------------------
# Permutations
# ----------------------------------------------------------------------------------------------
@given(st.lists(st.integers(0, 4), min_size=1, max_size=40))
def test_stable_permutation_equals_a_stable_argsort_and_ranks_invert_it(grades):
    g = np.array(grades)
    order = labels.permutation(g)
    assert order.tolist() == np.argsort(-g, kind="stable").tolist()
    r = labels.ranks(g)
    assert labels.inverse_permutation(order).tolist() == r.tolist()
    assert labels.inverse_permutation(r).tolist() == order.tolist()
    k = max(1, len(grades) // 2)
    assert labels.topk_mask(g, k).tolist() == (r < k).tolist()
    asc = labels.permutation(g, descending=False)
    assert asc.tolist() == np.argsort(g, kind="stable").tolist()


def test_tie_rules_random_and_doc_id():
    v = np.zeros((3, 50))
    a = labels.permutation(v, ties="random", seed=5)
    assert (a == labels.permutation(v, ties="random", seed=5)).all()
    assert not (a == labels.permutation(v, ties="random", seed=6)).all()
    assert sorted(a[0].tolist()) == list(range(50))
    ids = np.array([[7, 3, 9]])
    assert labels.permutation([[1.0, 1.0, 1.0]], ties="doc_id", doc_ids=ids).tolist() == [[1, 0, 2]]
    ragged = labels.permutation([1.0, 2.0, 5.0, 4.0, 3.0], offsets=[0, 2, 5])
    assert ragged.tolist() == [1, 0, 0, 1, 2]


# ----------------------------------------------------------------------------------------------
# Weights and targets
# ----------------------------------------------------------------------------------------------
def test_weights_equal_their_formulas():
    r = np.arange(1, 101)
    np.testing.assert_allclose(labels.position_weights(r), 1 + 1 / np.log2(r + 1), rtol=1e-15)
    np.testing.assert_allclose(labels.position_weights(r, scheme="dcg"), 1 / np.log2(r + 1))
    assert labels.position_weights([1, 2, 3, 10, 100]).round(3).tolist() == [
        2.0,
        1.631,
        1.5,
        1.289,
        1.15,
    ]
    ri, rj = np.array([1, 2, 5]), np.array([2, 7, 5])
    np.testing.assert_allclose(labels.pair_weights(ri, rj), 1 / (ri + rj))
    d = np.array([0.0, 0.3, 1.0])
    for step, total in [(0, 10), (4, 10), (10, 10), (25, 10)]:
        expect = d + min(step / total, 1.0) * (1 - d)
        np.testing.assert_allclose(labels.curriculum_weights(d, step, total), expect)
    s = np.array([[0.5, 0.9, 0.1, 0.3]])
    y = np.array([[1, 0, 1, 0]])
    rank = np.array([2, 1, 4, 3])
    np.testing.assert_allclose(
        labels.curriculum_ease(s, y)[0], np.where(y[0] > 0, 1 / rank, 1 - 1 / rank)
    )
    t = (s[0] - 0.1) / 0.8
    np.testing.assert_allclose(
        labels.curriculum_ease(s, y, difficulty="normalized_score")[0],
        np.where(y[0] > 0, t, 1 - t),
    )


def test_targets_equal_their_definitions():
    theta = np.array([[0.1, -0.4, 0.3], [1.0, np.nan, 0.0]])
    p = labels.soft_labels(theta, temperature=0.5)
    e = np.exp(theta[0] / 0.5)
    np.testing.assert_allclose(p[0], e / e.sum())
    np.testing.assert_allclose(p[1], [math.e**2 / (math.e**2 + 1), 0, 1 / (math.e**2 + 1)])
    np.testing.assert_allclose(labels.margin_targets([3.0, 1.0], [1.0, 2.0]), [2.0, -1.0])
    s = np.array([[9.0, 8.7, 8.0, 7.0, 6.0], [1.0, 2.0, 3.0, np.nan, np.nan]])
    y = np.array([[1, 0, 0, 0, 0], [0, 0, 0, 0, 0]])
    idx, gap = labels.hard_negatives(s, y, 3, margin=0.5, relative=0.85)
    assert idx.tolist() == [[3, 4, -1], [-1, -1, -1]]
    np.testing.assert_allclose(gap[0, :2], [2.0, 3.0])
    assert labels.ranking_text([2, 0, 1]) == "[3] > [1] > [2]"
    assert labels.ranking_text([2, 0, 1, 1, 0], offsets=[0, 3, 5]) == [
        "[3] > [1] > [2]",
        "[2] > [1]",
    ]
    initial = ["d5", "d2", "d9", "d1"]
    final = ["d9", "d5", "d1", "d2"]
    expected = " > ".join(f"[{initial.index(p) + 1}]" for p in final)  # fullrank's definition
    assert labels.ranking_label(initial, final) == expected


# ----------------------------------------------------------------------------------------------
# Committees
# ----------------------------------------------------------------------------------------------
@given(st.integers(2, 7), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_k_borda_committee_is_the_top_k_borda_scores(n, voters, seed):
    rng = np.random.default_rng(seed)
    r = np.array([rng.permutation(n) for _ in range(voters)])
    k = int(rng.integers(1, n + 1))
    borda = np.zeros(n)
    for row in r:
        borda[row] += np.arange(n - 1, -1, -1)
    c = labels.select_committee(r, k)
    assert c.members.tolist() == stable_order(borda)[:k].tolist()
    assert c.score == borda[c.members].sum()
    cc = labels.select_committee(r, k, rule="chamberlin_courant")
    util = (n - 1) - np.argsort(r, axis=1)  # util[v, c]
    assert cc.score == util[:, cc.members].max(axis=1).sum()
