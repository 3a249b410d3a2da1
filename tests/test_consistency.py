"""rankwise.consistency: OPIS against a direct numpy implementation of the same formula, its
properties, and Chen et al.'s preference ranking accuracy against its definitions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rankwise.consistency import (
    dpo_loss_bound,
    idealized_ranking_accuracy,
    listwise_ranking_accuracy,
    opis,
    ranking_accuracy,
    ranking_difficulty,
)
from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError


# ----------------------------------------------------------------------------------------------
# OPIS: the formula, directly, with numpy
# ----------------------------------------------------------------------------------------------
def numpy_opis(
    data,
    labels,
    *,
    metric="cosine",
    utility="hmean",
    beta=1.0,
    reference="class_mean",
    far_range=(0.01, 0.1),
    thresholds=None,
    n_thresholds=101,
    epsilon=0.05,
    integration="trapezoid",
):
    """Every pair in memory, every count by comparison; the reference for small data."""
    x = np.asarray(data, dtype=np.float64)
    n = len(labels)
    i, j = np.triu_indices(n, 1)
    if metric == "cosine":
        xn = x / np.linalg.norm(x, axis=1, keepdims=True)
        d = -np.einsum("ij,ij->i", xn[i], xn[j])  # similarity, negated: smaller = closer
    elif metric == "l2":
        d = np.linalg.norm(x[i] - x[j], axis=1)
    elif metric == "similarity":
        d = -x[i, j]
    else:
        d = x[i, j]
    lab = np.asarray(labels)
    same = lab[i] == lab[j]
    if thresholds is None:
        lo, hi = np.quantile(d[~same], far_range)
    else:
        lo, hi = sorted(-t if metric in ("cosine", "similarity") else t for t in thresholds)
    grid = np.linspace(lo, hi, n_thresholds)
    classes = [c for c in np.unique(lab) if np.sum(lab == c) >= 2]
    accept = d[:, None] <= grid[None, :]

    def util(tp, p, fp, ng):
        b2 = beta * beta
        if utility == "hmean":
            tar, trr = tp / p, (ng - fp) / ng
            den = b2 * tar + trr
            return np.where(den > 0, (1 + b2) * tar * trr / np.where(den > 0, den, 1), 0.0)
        fn = p - tp
        return np.where(tp > 0, (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp), 0.0)

    u = []
    for c in classes:
        pos = same & (lab[i] == c)
        neg = ~same & ((lab[i] == c) | (lab[j] == c))
        u.append(util(accept[pos].sum(0), pos.sum(), accept[neg].sum(0), neg.sum()))
    u = np.array(u)
    t = len(classes)
    if reference == "class_mean":
        ref = u.mean(axis=0)
    else:
        ref = util(accept[same].sum(0), same.sum(), accept[~same].sum(0), (~same).sum())

    def integrate(f):
        if integration == "mean":
            return f.mean(axis=-1)
        return (f.sum(axis=-1) - 0.5 * (f[..., 0] + f[..., -1])) / (n_thresholds - 1)

    value = float(np.mean(integrate((u - ref) ** 2)))
    m = max(1, math.floor(epsilon * t))
    s = np.sort(u, axis=0)
    spread = (s[-m:].mean(axis=0) - s[:m].mean(axis=0)) ** 2
    sign = -1 if metric in ("cosine", "similarity") else 1
    return value, float(integrate(spread)), sign * grid, u


def clustered(seed, n_classes=5, per=12, dim=8, spread=0.9):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, per + 1, n_classes)
    labels = np.repeat(np.arange(n_classes), sizes)
    centres = rng.normal(size=(n_classes, dim))
    scale = rng.uniform(0.3, 1.5, n_classes)[labels, None]
    return centres[labels] + spread * scale * rng.normal(size=(len(labels), dim)), labels


@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["distance", "similarity"]),
    st.sampled_from(["hmean", "f1"]),
    st.sampled_from(["class_mean", "pooled"]),
    st.sampled_from([(0.01, 0.1), (0.0, 1.0), (0.2, 0.3)]),
    st.sampled_from(["trapezoid", "mean"]),
)
def test_opis_on_a_matrix_equals_the_direct_formula(seed, metric, utility, reference, far, integ):
    emb, labels = clustered(seed)
    rng = np.random.default_rng(seed)
    # Rounded distances: many exact ties with thresholds and quantiles.
    m = np.round(np.linalg.norm(emb[:, None] - emb[None, :], axis=-1) * 4) / 4
    if metric == "similarity":
        m = -m
    kw = {"utility": utility, "reference": reference, "far_range": far, "integration": integ}
    kw["n_thresholds"] = int(rng.integers(2, 60))
    got = opis(m, labels, metric=metric, **kw)
    value, eps, grid, u = numpy_opis(m, labels, metric=metric, **kw)
    np.testing.assert_array_equal(got.thresholds, grid)
    np.testing.assert_array_equal(got.utility, u)
    assert got.opis == pytest.approx(value, rel=1e-12, abs=1e-15)
    assert got.epsilon_opis == pytest.approx(eps, rel=1e-12, abs=1e-15)


@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["cosine", "l2"]),
    st.sampled_from([np.float64, np.float32]),
)
def test_opis_on_embeddings_equals_the_direct_formula(seed, metric, dtype):
    emb, labels = clustered(
        seed, n_classes=4, per=15, dim=int(np.random.default_rng(seed).integers(1, 20))
    )
    emb = emb.astype(dtype)
    got = opis(emb, labels, metric=metric)
    value, eps, grid, u = numpy_opis(emb, labels, metric=metric)
    # Distances differ from numpy's in the last bits (summation order, float32), so a pair
    # sitting on a threshold could flip; on these continuous data none does.
    tol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(got.thresholds, grid, rtol=tol, atol=tol)
    np.testing.assert_allclose(got.utility, u, atol=0.02 if dtype == np.float32 else 1e-12)
    if dtype == np.float64:
        assert got.opis == pytest.approx(value, rel=1e-9, abs=1e-15)
        assert got.epsilon_opis == pytest.approx(eps, rel=1e-9, abs=1e-15)


def test_opis_with_given_thresholds_and_class_weights():
    emb, labels = clustered(3)
    got = opis(emb, labels, thresholds=(0.2, 0.7), n_thresholds=11)
    value, eps, grid, u = numpy_opis(emb, labels, thresholds=(0.2, 0.7), n_thresholds=11)
    np.testing.assert_allclose(got.thresholds, grid, rtol=1e-15)
    assert got.epsilon_opis == pytest.approx(eps, rel=1e-9)
    assert got.thresholds[0] == pytest.approx(0.7) and got.thresholds[-1] == pytest.approx(0.2)
    np.testing.assert_allclose(got.utility, u, atol=1e-12)
    assert got.opis == pytest.approx(value, rel=1e-9)
    w = np.arange(1.0, 6.0)
    weighted = opis(emb, labels, thresholds=(0.2, 0.7), n_thresholds=11, class_weights=w)
    np.testing.assert_allclose(weighted.weights, w / w.sum())
    ref = (w / w.sum()) @ weighted.utility
    np.testing.assert_allclose(weighted.reference, ref, rtol=1e-12)


def test_opis_is_zero_when_every_class_looks_the_same():
    labels = np.repeat(np.arange(4), 5)
    m = np.where(labels[:, None] == labels[None, :], 1.0, 2.0)
    r = opis(m, labels, metric="distance", far_range=(0.0, 1.0))
    assert r.opis == 0.0 and r.epsilon_opis == 0.0
    r = opis(m, labels, metric="distance", thresholds=(0.5, 2.5))
    assert r.opis == 0.0 and np.all(r.utility == r.utility[0])


@given(st.integers(0, 2**32 - 1))
def test_opis_properties(seed):
    emb, labels = clustered(seed)
    m = np.round(np.linalg.norm(emb[:, None] - emb[None, :], axis=-1) * 8) / 8
    base = opis(m, labels, metric="distance")
    assert base.opis >= 0 and base.epsilon_opis >= 0
    # Renaming classes and reordering samples change nothing.
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(labels))
    names = np.array(["c", "a", "e", "b", "d"])
    moved = opis(m[perm][:, perm], names[labels[perm]], metric="distance")
    assert moved.opis == pytest.approx(base.opis, rel=1e-12, abs=1e-15)
    assert moved.epsilon_opis == pytest.approx(base.epsilon_opis, rel=1e-12, abs=1e-15)
    # An increasing affine map of the distances (exact here) changes only the thresholds.
    scaled = opis(4 * m + 8, labels, metric="distance")
    np.testing.assert_array_equal(scaled.utility, base.utility)
    np.testing.assert_allclose(scaled.thresholds, 4 * base.thresholds + 8, rtol=1e-14)
    # Similarities are negated distances.
    sim = opis(-m, labels, metric="similarity")
    np.testing.assert_array_equal(sim.utility, base.utility)


def test_opis_refuses_degenerate_input():
    emb, labels = clustered(0)
    with pytest.raises(InvalidValueError, match="at least two classes"):
        opis(emb, np.zeros(len(labels)))
    with pytest.raises(InvalidValueError, match="two or more members"):
        opis(emb[:5], np.arange(5))
    bad = emb.copy()
    bad[3] = 0.0
    with pytest.raises(InvalidValueError, match="zero vector at row 3"):
        opis(bad, labels)
    bad[3, 1] = np.nan
    with pytest.raises(InvalidValueError, match=r"finite numbers; got NaN at row 3, column 1"):
        opis(bad, labels)
    with pytest.raises(ShapeError, match="`labels` must have shape"):
        opis(emb, labels[:-1])
    with pytest.raises(InvalidValueError, match="`metric` must be one of"):
        opis(emb, labels, metric="dot")
    with pytest.raises(
        ShapeError, match=r"`embeddings` must have shape \(36, 36\) \(a square matrix"
    ):
        opis(emb, labels, metric="distance")
    with pytest.raises(InvalidValueError, match="far_range"):
        opis(emb, labels, far_range=(0.5, 0.1))
    with pytest.raises(InvalidValueError, match="`epsilon`"):
        opis(emb, labels, epsilon=0.0)
    with pytest.raises(RankwiseTypeError, match="`embeddings` must be an array of real numbers"):
        opis(np.array([["a"]]), [0])
    mixed = np.array([1, "a"] * (len(labels) // 2), dtype=object)
    with pytest.raises(RankwiseTypeError, match=r"`labels` must be class labels numpy can sort"):
        opis(emb, mixed)


# ----------------------------------------------------------------------------------------------
# Preference ranking accuracy (Chen et al. 2024)
# ----------------------------------------------------------------------------------------------
logliks = st.floats(-200, 0, allow_nan=False)


@given(
    st.lists(
        st.tuples(logliks, logliks, st.sampled_from([0.0, 0.2, 0.5, 0.5, 0.8, 1.0])),
        min_size=1,
        max_size=50,
    )
)
def test_ranking_accuracy_follows_definitions_2_3_and_c_1(rows):
    c, r, a = (np.array(v) for v in zip(*rows, strict=True))
    assert ranking_accuracy(c, r) == pytest.approx(np.mean(c >= r))
    want = np.where(a > 0.5, c > r, np.where(a < 0.5, c < r, np.abs(np.exp(c) - np.exp(r)) < 0.01))
    np.testing.assert_array_equal(ranking_accuracy(c, r, alpha=a, per_example=True), want)
    lengths = np.arange(1, len(c) + 1)
    np.testing.assert_array_equal(
        ranking_accuracy(
            c, r, lengths_chosen=lengths, lengths_rejected=lengths[::-1], per_example=True
        ),
        c / lengths >= r / lengths[::-1],
    )


def test_listwise_accuracy_needs_the_human_permutation():
    rng = np.random.default_rng(0)
    k = 4
    for perm in itertools.permutations(range(k)):
        logp = -np.arange(1.0, k + 1)  # model order 0, 1, 2, 3
        ranks = np.array(perm)
        got = listwise_ranking_accuracy(logp[None], ranks[None], per_example=True)[0]
        assert got == float(list(perm) == list(range(k)))
    logp = rng.normal(size=(20, 3))
    ranks = np.argsort(np.argsort(-logp, axis=1), axis=1)
    assert listwise_ranking_accuracy(logp, ranks) == 1.0
    offsets = np.r_[0, 3, np.arange(3, 61, 3)]  # an empty prompt counts as correct
    ragged = listwise_ranking_accuracy(logp.ravel(), ranks.ravel(), offsets=offsets)
    assert ragged == 1.0
    # A human tie counts when the probabilities are within epsilon.
    assert listwise_ranking_accuracy([[-50.0, -60.0]], [[1, 1]]) == 1.0
    assert listwise_ranking_accuracy([[math.log(0.5), math.log(0.2)]], [[1, 1]]) == 0.0


@given(st.integers(0, 2**32 - 1))
def test_idealized_accuracy_and_theorem_4_1(seed):
    rng = np.random.default_rng(seed)
    n = 200
    ref_w, ref_l = rng.normal(-50, 10, n), rng.normal(-50, 10, n)
    alpha = rng.choice([0.5, 0.6, 0.75, 0.9, 1.0], n)
    betas = [0.01, 0.1, 1.0, 5.0, 10.0]
    odds = np.log(np.where(alpha == 0, 1e-3, alpha)) - np.log(np.where(alpha == 1, 1e-3, 1 - alpha))
    want = [np.mean(ref_w - ref_l + odds / b > 0) for b in betas]
    np.testing.assert_allclose(idealized_ranking_accuracy(ref_w, ref_l, alpha, beta=betas), want)
    assert idealized_ranking_accuracy(ref_w, ref_l, alpha, beta=1.0) == pytest.approx(want[2])
    # Thm 4.1: the model ranks a pair right iff its DPO loss is at most softplus(-beta c).
    c = ranking_difficulty(ref_w, ref_l)
    np.testing.assert_array_equal(c, ref_l - ref_w)
    beta = 0.1
    margin = rng.normal(0, 5, n)  # log pi(y_w) - log pi(y_l), the model's
    margin[np.abs(margin) < 1e-6] = 1e-3
    loss = np.logaddexp(0, -beta * (margin + c))  # -log sigmoid(beta (model + reference) ratio)
    bound = dpo_loss_bound(c, beta)
    np.testing.assert_array_equal(loss <= bound, margin >= 0)
    # Prop. 2.6: a reference that prefers the winner and a loss below 0.6 imply R = 1.
    assert np.all(bound[c <= 0] >= math.log(2) - 1e-15)


def test_preference_inputs_are_checked():
    with pytest.raises(
        ShapeError, match=r"`rejected` must have the length of `chosen` \(2\); got length 1"
    ):
        ranking_accuracy([0.0, 1.0], [0.0])
    with pytest.raises(InvalidValueError, match="`alpha` must be fractions of raters"):
        ranking_accuracy([0.0], [1.0], alpha=[1.5])
    with pytest.raises(InvalidValueError, match="`chosen` must be log-likelihoods"):
        ranking_accuracy([np.nan], [1.0])
    with pytest.raises(InvalidValueError, match="`beta` must be positive"):
        idealized_ranking_accuracy([0.0], [0.0], [0.5], beta=0.0)
    with pytest.raises(InvalidValueError, match="at least one example"):
        ranking_accuracy([], [])
    with pytest.raises(InvalidValueError, match="lengths"):
        ranking_accuracy([0.0], [0.0], lengths_chosen=[0])


def test_opis_with_more_thresholds_than_16_bits_equals_the_direct_formula():
    # Gap indices were 16-bit: from 65,535 thresholds on they wrapped, and opis raised
    # "`far_range` ... an internal inconsistency (please report)".
    emb, labels = clustered(3, n_classes=3, per=6, dim=4)
    got = opis(emb, labels, n_thresholds=70_000)
    value, eps, grid, _u = numpy_opis(emb, labels, n_thresholds=70_000)
    np.testing.assert_allclose(got.thresholds, grid, rtol=1e-12, atol=1e-12)
    assert got.opis == pytest.approx(value, rel=1e-9, abs=1e-15)
    assert got.epsilon_opis == pytest.approx(eps, rel=1e-9, abs=1e-15)
