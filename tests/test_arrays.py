"""The array API: equal to the dict API on the same data, and the properties measures owe.

Arrays carry no document ids, so equal scores keep input order. A run whose document ids
descend with the input position is ranked the same way by trec_eval's tie rule, so the two
APIs must agree exactly on such data.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import rankwise
from rankwise.metrics import (
    average_precision,
    evaluate_arrays,
    ndcg,
    precision,
    reciprocal_rank,
)

from .strategies import score_label_matrix

ALL = [
    "nDCG", "nDCG@3", "nDCG(gain=exp2)@5", "DCG@4", "AP", "AP@3", "RR", "RR@2", "P@1", "P@5",
    "R@3", "R", "Rprec", "Success@2", "Bpref", "Judged@3", "ERR@4", "RBP(p=0.7)",
    "IPrec@0.0", "IPrec@0.5", "IPrec@1.0", "gm_map", "NumRet", "NumRel", "NumRelRet",
]  # fmt: skip
BOUNDED = [m for m in ALL if not m.startswith(("DCG", "Num"))]


def as_dicts(scores, labels):
    """One query per row; doc ids descend with position, so trec_eval's tie rule (doc id
    descending) ranks equal scores in input order."""
    qrels, run = {}, {}
    for i, (s_row, l_row) in enumerate(zip(scores, labels, strict=True)):
        ids = [f"d{len(s_row) - j:05d}" for j in range(len(s_row))]
        qrels[f"q{i}"] = {d: int(lab) for d, lab in zip(ids, l_row, strict=True)}
        run[f"q{i}"] = {d: float(s) for d, s in zip(ids, s_row, strict=True)}
    return qrels, run


@given(score_label_matrix(labels=st.integers(-1, 3)))
def test_array_api_equals_dict_api_on_the_same_data(batch):
    scores, labels = batch
    arrays = evaluate_arrays(scores, labels, ALL)
    qrels, run = as_dicts(scores, labels)
    assume(any(max(v.values()) >= 0 for v in qrels.values()))
    per_query = rankwise.evaluate(qrels, run, ALL, per_query=True, missing="zero")
    for i in range(scores.shape[0]):
        for name in ALL:
            assert arrays[name][i] == per_query[f"q{i}"][name], (i, name)


NEAR_TIES = st.sampled_from([1.0, 1.0 + 1e-12, 1.0 + 2e-12, 0.5, 0.5 + 1e-13, 0.25])


@given(st.integers(1, 4), st.integers(1, 8), st.data())
def test_array_api_equals_dict_api_in_double_precision(q, d, data):
    # Scores that differ only beyond single precision: tied for trec_eval 9.0.x, distinct for
    # the array API and for runs built with score_precision="float64" (trec_eval 10.0).
    scores = np.array(data.draw(st.lists(NEAR_TIES, min_size=q * d, max_size=q * d))).reshape(q, d)
    labels = np.array(
        data.draw(st.lists(st.integers(0, 3), min_size=q * d, max_size=q * d))
    ).reshape(q, d)
    arrays = evaluate_arrays(scores, labels, ALL)
    qrels, run = as_dicts(scores, labels)
    per_query = rankwise.evaluate(
        qrels, rankwise.Run(run, score_precision="float64"), ALL, per_query=True
    )
    for i in range(q):
        for name in ALL:
            assert arrays[name][i] == per_query[f"q{i}"][name], (i, name)


@given(score_label_matrix(labels=st.integers(-1, 4)))
def test_measures_are_bounded_between_zero_and_one(batch):
    scores, labels = batch
    for name, values in evaluate_arrays(scores, labels, BOUNDED).items():
        assert np.all(values >= 0) and np.all(values <= 1), name
    for values in evaluate_arrays(scores, labels, ["nDCG@3"], ties="average").values():
        assert np.all(values >= 0) and np.all(values <= 1 + 1e-12)


@given(score_label_matrix(labels=st.integers(0, 3)))
def test_perfect_ranking_scores_one(batch):
    _, labels = batch
    perfect = labels.astype(np.float64)  # scores equal to labels: ideal order
    has_rel = (labels >= 1).any(axis=1)
    out = evaluate_arrays(perfect, labels, ["nDCG", "nDCG@3", "AP", "RR", "Rprec", "Bpref"])
    for name, values in out.items():
        assert np.all(values[has_rel] == pytest.approx(1.0)), name
        assert np.all(values[~has_rel] == 0.0), name


@given(score_label_matrix(labels=st.integers(0, 3)), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order_within_tied_scores(batch, rnd):
    scores, labels = batch
    perm = list(range(scores.shape[1]))
    rnd.shuffle(perm)
    before = ndcg(scores, labels, k=3, ties="average")
    after = ndcg(scores[:, perm], labels[:, perm], k=3, ties="average")
    np.testing.assert_allclose(before, after, atol=1e-12)


@given(score_label_matrix(labels=st.integers(0, 3), tied=False), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order_without_ties(batch, rnd):
    scores, labels = batch
    perm = list(range(scores.shape[1]))
    rnd.shuffle(perm)
    a = evaluate_arrays(scores, labels, ALL)
    b = evaluate_arrays(scores[:, perm], labels[:, perm], ALL)
    for name in ALL:
        np.testing.assert_array_equal(a[name], b[name])


@given(score_label_matrix(max_queries=1, labels=st.integers(0, 3), tied=False), st.data())
def test_moving_a_relevant_document_up_never_hurts(batch, data):
    scores, labels = batch
    order = np.argsort(-scores[0], kind="stable")
    ranked_labels = labels[0, order]
    pairs = [
        (i, j)
        for i in range(len(order))
        for j in range(i + 1, len(order))
        if ranked_labels[j] > ranked_labels[i]
    ]
    assume(pairs)
    i, j = data.draw(st.sampled_from(pairs))
    swapped = scores.copy()
    a, b = order[i], order[j]
    swapped[0, a], swapped[0, b] = scores[0, b], scores[0, a]
    names = ["nDCG", "nDCG@2", "nDCG(gain=exp2)@3", "DCG@3", "ERR@3"]
    if ranked_labels[i] < 1 <= ranked_labels[j]:
        names += ["AP", "RR", "P@2", "R@2", "Rprec", "Bpref", "RBP(p=0.8)"]
    before = evaluate_arrays(scores, labels, names)
    after = evaluate_arrays(swapped, labels, names)
    for name in names:
        assert after[name][0] >= before[name][0] - 1e-12, name


@given(score_label_matrix(labels=st.integers(0, 3)))
def test_ragged_offsets_equal_a_padded_matrix_with_a_mask(batch):
    scores, labels = batch
    q, d = scores.shape
    lengths = np.arange(q) % (d + 1)  # some rows empty, some full
    mask = np.arange(d)[None, :] < lengths[:, None]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    flat_s = np.concatenate([scores[i, : lengths[i]] for i in range(q)])
    flat_l = np.concatenate([labels[i, : lengths[i]] for i in range(q)])
    ragged = evaluate_arrays(flat_s, flat_l, ALL, offsets=offsets)
    masked = evaluate_arrays(scores, labels, ALL, mask=mask)
    nan_padded = np.where(mask, scores, np.nan)
    omitted = evaluate_arrays(nan_padded, labels, ALL, nan_policy="omit")
    for name in ALL:
        np.testing.assert_array_equal(ragged[name], masked[name])
        np.testing.assert_array_equal(ragged[name], omitted[name])
        # empty queries score 0, as trec_eval scores an empty ranking
        assert np.all(ragged[name][lengths == 0] == 0), name


@given(score_label_matrix(labels=st.integers(0, 3)))
def test_every_supported_dtype_gives_the_same_values(batch):
    scores, labels = batch  # TIED_SCORES are exact in float32
    ref = evaluate_arrays(scores, labels, ALL)
    for s_dtype in (np.float32, np.float64):
        for l_dtype in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.float32, np.float64):
            out = evaluate_arrays(scores.astype(s_dtype), labels.astype(l_dtype), ALL)
            for name in ALL:
                np.testing.assert_array_equal(out[name], ref[name])


def test_boolean_labels_and_lists_are_accepted():
    s = [[0.3, 0.2, 0.1]]
    assert reciprocal_rank(s, [[False, True, False]])[0] == 0.5
    assert precision(s, [[1, 1, 0]], k=2)[0] == 1.0


def test_n_relevant_counts_relevant_documents_outside_the_arrays():
    scores = np.array([[0.9, 0.8, 0.7]])
    labels = np.array([[1, 0, 1]])
    assert average_precision(scores, labels)[0] == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision(scores, labels, n_relevant=[4])[0] == pytest.approx((1 + 2 / 3) / 4)
    # the ideal DCG includes the two unseen relevant documents (label rel_level = 1)
    ideal = sum(1 / np.log2(i + 2) for i in range(4))
    got = ndcg(scores, labels, k=None, n_relevant=[4])[0]
    assert got == pytest.approx((1 + 1 / np.log2(4)) / ideal)


def test_single_query_1d_input():
    assert ndcg([0.1, 0.9], [1, 0], k=2).shape == (1,)
    assert reciprocal_rank([0.1, 0.9], [1, 0])[0] == 0.5


def test_equal_scores_keep_input_order():
    scores = np.zeros((1, 3))
    assert reciprocal_rank(scores, [[0, 0, 1]])[0] == pytest.approx(1 / 3)
    assert reciprocal_rank(scores, [[1, 0, 0]])[0] == 1.0
    assert ndcg(scores, [[0, 0, 1]], k=3, ties="average")[0] == pytest.approx(0.7103099178571526)
