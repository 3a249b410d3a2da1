"""Rewards for RL fine-tuning, against sklearn, scipy and direct definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import ndcg_score

from rankwise.errors import InvalidValueError, ShapeError
from rankwise.rerank import parse_permutation
from rankwise.torch.rewards import distribution_rewards, permutation_rewards, score_rewards

ROWS = st.lists(st.lists(st.integers(0, 3), min_size=2, max_size=12), min_size=1, max_size=8)


def answer(draw_perm: list[int], garble: int) -> str:
    ids = [f"[{i + 1}]" for i in draw_perm]
    if garble == 1 and ids:
        ids.append(ids[0])  # a duplicate
    elif garble == 2 and len(ids) > 1:
        ids.pop()  # a missing candidate
    elif garble == 3:
        ids.append("[99]")  # out of range
    return " > ".join(ids)


@settings(max_examples=60, deadline=None)
@given(rows=ROWS, data=st.data(), k=st.integers(1, 12))
def test_permutation_rewards_are_sklearn_ndcg_of_the_answer(rows, data, k):
    perms = [data.draw(st.permutations(list(range(len(r))))) for r in rows]
    garbles = [data.draw(st.integers(0, 3)) for _ in rows]
    texts = [answer(p, g) for p, g in zip(perms, garbles, strict=True)]
    flat = np.array([y for r in rows for y in r], dtype=float)
    offsets = np.cumsum([0] + [len(r) for r in rows])
    strict = permutation_rewards(texts, flat, f"nDCG@{k}", offsets=offsets, penalty=-2.0)
    lenient = permutation_rewards(texts, flat, f"nDCG@{k}", offsets=offsets, malformed="repair")
    for i, (row, text) in enumerate(zip(rows, texts, strict=True)):
        parsed = parse_permutation(text, len(row))
        scores = np.empty(len(row))
        scores[parsed.order] = np.arange(len(row), 0, -1)
        expected = ndcg_score([row], [scores], k=k) if any(row) else 0.0
        assert lenient[i] == pytest.approx(expected, abs=1e-12)
        assert strict[i] == (-2.0 if parsed.repaired else pytest.approx(expected, abs=1e-12))


@given(rows=ROWS, data=st.data())
def test_pairwise_accuracy_is_its_definition(rows, data):
    scores = [[data.draw(st.integers(0, 4)) for _ in r] for r in rows]
    flat_s = np.array([s for r in scores for s in r], dtype=float)
    flat_y = np.array([y for r in rows for y in r], dtype=float)
    offsets = np.cumsum([0] + [len(r) for r in rows])
    got = score_rewards(flat_s, flat_y, "pairwise_accuracy", offsets=offsets, empty=-1.0)
    for i, (s, y) in enumerate(zip(scores, rows, strict=True)):
        pairs = [(a, b) for a in range(len(y)) for b in range(len(y)) if y[a] > y[b]]
        right = sum(1.0 if s[a] > s[b] else 0.5 if s[a] == s[b] else 0.0 for a, b in pairs)
        assert got[i] == (right / len(pairs) if pairs else -1.0)


@given(
    rows=st.lists(st.lists(st.floats(-5, 5), min_size=1, max_size=10), min_size=1, max_size=5),
    temperature=st.floats(0.2, 5),
)
def test_distribution_rewards_are_one_minus_jensen_shannon(rows, temperature):
    labels = [[float(i % 3) for i in range(len(r))] for r in rows]
    flat_s = np.array([v for r in rows for v in r])
    flat_y = np.array([v for r in labels for v in r])
    offsets = np.cumsum([0] + [len(r) for r in rows])
    got = distribution_rewards(flat_s, flat_y, offsets=offsets, temperature=temperature)

    def softmax(x):
        e = np.exp((np.asarray(x) - max(x)) / temperature)
        return e / e.sum()

    for i, (s, y) in enumerate(zip(rows, labels, strict=True)):
        js = jensenshannon(softmax(s), softmax(y), base=2) ** 2
        assert got[i] == pytest.approx(1.0 - js, abs=1e-9)


def test_tensors_in_tensors_out_and_bad_input():
    torch = pytest.importorskip("torch")
    labels = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    out = permutation_rewards(["[1] > [2]", "[1] > [2]"], labels, "RR")
    assert isinstance(out, torch.Tensor) and out.tolist() == [1.0, 0.5]
    with pytest.raises(ShapeError, match="`labels` must have one row per text"):
        permutation_rewards(["[1]"], labels)
    with pytest.raises(InvalidValueError, match='`malformed` must be "penalty" or "repair"'):
        permutation_rewards(["[1] > [2]"] * 2, labels, malformed="ignore")
    with pytest.raises(InvalidValueError, match="`scores` must be finite"):
        score_rewards(np.array([[np.nan, 1.0]]), np.array([[1.0, 0.0]]))
    with pytest.raises(ShapeError, match="`offsets` must run from 0 to len"):
        score_rewards(np.ones(3), np.ones(3), offsets=[0, 2])
    with pytest.raises(InvalidValueError, match="`temperature` must be positive"):
        distribution_rewards(np.ones((1, 2)), np.ones((1, 2)), temperature=0)
