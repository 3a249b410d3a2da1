"""rankwise.torch.losses against reference implementations and direct definitions.

Oracles: allRank (transcribed in ``allrank_reference.py``: it cannot be installed next to
current numpy/torch), sentence-transformers (MultipleNegativesRankingLoss, MarginMSELoss),
pytorch-metric-learning (ThresholdConsistentMarginLoss), scipy (Spearman), and loops that
spell each remaining definition out.
"""

from __future__ import annotations

import doctest
import importlib
import itertools
import math
import pkgutil
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from rankwise.errors import InvalidValueError, RankwiseTypeError, ShapeError  # noqa: E402
from rankwise.torch import losses as L  # noqa: E402, N812

from . import allrank_reference as AR  # noqa: E402, N812

DT = torch.float64


def make_batch(b=4, n=6, seed=0, *, pad=True, grades=5, distinct=False, relevant=True):
    """Random (scores, labels, mask) with trailing padding; every list keeps >= 2 real items."""
    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(b, n, generator=g, dtype=DT)
    if distinct:
        labels = torch.stack([torch.randperm(n, generator=g) for _ in range(b)]).to(DT)
    else:
        labels = torch.randint(0, grades, (b, n), generator=g).to(DT)
    mask = torch.ones(b, n, dtype=torch.bool)
    if pad:
        lengths = torch.randint(2, n + 1, (b,), generator=g)
        lengths[0] = n
        mask = torch.arange(n)[None, :] < lengths[:, None]
    if relevant and not distinct:
        labels[:, 0] = torch.clamp(labels[:, 0], min=1.0)
    return scores, labels, mask


def allrank_labels(labels, mask):
    return torch.where(mask, labels, torch.full_like(labels, -1.0))


def close(a, b, tol=1e-10):
    return torch.allclose(
        torch.as_tensor(a, dtype=DT), torch.as_tensor(b, dtype=DT), atol=tol, rtol=tol
    )


# ---------------------------------------------------------------------------------------------
# Equal to allRank
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (None, {}),
        ("label_diff", {"weight_by_diff": True}),
        ("label_diff_squared", {"weight_by_diff_powed": True}),
    ],
)
def test_ranknet_matches_allrank(seed, ours, theirs):
    s, y, m = make_batch(seed=seed)
    expected = AR.rankNet(s, allrank_labels(y, m), **theirs)
    assert close(L.ranknet_loss(s, y, m, pair_weights=ours), expected)


SCHEMES = {
    "ranknet": AR.rankNet_scheme,
    "ndcg_loss1": AR.ndcgLoss1_scheme,
    "ndcg_loss2": AR.ndcgLoss2_scheme,
    "lambdarank": AR.lambdaRank_scheme,
    "ndcg_loss2pp": AR.ndcgLoss2PP_scheme,
}


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("k", [None, 3])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_lambda_loss_matches_allrank(scheme, k, reduction):
    for seed in range(2):
        s, y, m = make_batch(seed=seed, n=7)
        expected = AR.lambdaLoss(
            s, allrank_labels(y, m), weighing_scheme=SCHEMES[scheme], k=k, reduction=reduction
        )
        got = L.lambda_loss(s, y, m, weighting=scheme, k=k, reduction=reduction)
        assert close(got, expected), (scheme, k, reduction, got, expected)


def test_lambda_loss_options_match_allrank():
    s, y, m = make_batch(seed=5)
    ya = allrank_labels(y, m)
    expected = AR.lambdaLoss(
        s, ya, weighing_scheme=AR.ndcgLoss2PP_scheme, sigma=2.0, mu=3.0, reduction_log="natural"
    )
    got = L.lambda_loss(
        s, y, m, weighting="ndcg_loss2pp", sigma=2.0, mu=3.0, log="natural", reduction="sum"
    )
    assert close(got, expected)


def test_lambda_loss_ranknet_weighting_is_ranknet_summed():
    s, y, m = make_batch(seed=3)
    a = L.lambda_loss(s, y, m, weighting="ranknet", log="natural", reduction="none")
    assert close(a, L.ranknet_loss(s, y, m, reduction="none"))


@pytest.mark.parametrize("seed", range(3))
def test_listnet_matches_allrank(seed):
    s, y, m = make_batch(seed=seed)
    assert close(L.listnet_loss(s, y, m), AR.listNet(s, allrank_labels(y, m)), tol=1e-8)


@pytest.mark.parametrize("seed", range(3))
def test_listmle_matches_allrank(seed):
    s, y, m = make_batch(seed=seed, distinct=True)
    expected = AR.listMLE(s, allrank_labels(y, m), torch.arange(s.shape[1]))
    assert close(L.listmle_loss(s, y, m), expected, tol=1e-8)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_approx_ndcg_matches_allrank(seed, temperature):
    s, y, m = make_batch(seed=seed)
    expected = AR.approxNDCGLoss(s, allrank_labels(y, m), alpha=1.0 / temperature)
    assert close(L.approx_ndcg_loss(s, y, m, temperature=temperature), expected)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("k", [None, 3])
@pytest.mark.parametrize("powered", [True, False])
def test_neural_ndcg_matches_allrank(seed, k, powered):
    s, y, m = make_batch(seed=seed)
    expected = AR.neuralNDCG(
        s, allrank_labels(y, m), temperature=0.7, powered_relevancies=powered, k=k
    )
    gain = "exp2" if powered else "linear"
    got = L.neural_ndcg_loss(s, y, m, temperature=0.7, k=k, gain=gain)
    assert close(got, expected, tol=1e-8)


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("k", [None, 3])
def test_neural_ndcg_transposed_matches_allrank(seed, k):
    s, y, m = make_batch(seed=seed)
    expected = AR.neuralNDCG_transposed(s, allrank_labels(y, m), temperature=0.7, k=k)
    got = L.neural_ndcg_loss(s, y, m, temperature=0.7, k=k, transposed=True)
    assert close(got, expected, tol=1e-8)


@pytest.mark.parametrize("log_scores", [True, False])
def test_stochastic_neural_ndcg_matches_allrank(log_scores):
    # no padding: allRank's stochastic variant pairs masks and samples up wrongly when lists
    # have different lengths (repeat_interleave against a sample-major view)
    s, y, _ = make_batch(b=3, n=5, seed=21, pad=False)
    g = torch.Generator().manual_seed(8)
    uniform = torch.rand((5, 4, 3), generator=g, dtype=DT).permute(1, 2, 0)
    options = {"temperature": 0.7, "stochastic": True, "n_samples": 4, "beta": 0.3}
    expected = AR.neuralNDCG(s, y, **options, log_scores=log_scores, uniform=uniform)
    got = L.neural_ndcg_loss(s, y, **options, log_scores=log_scores, seed=8)
    assert close(got, expected, tol=1e-8)


def test_stochastic_neural_ndcg_pairs_each_list_with_its_own_mask():
    s, y, m = small_batch(seed=22)
    kw = {"stochastic": True, "n_samples": 3, "seed": 2, "log_scores": False}
    together = L.neural_ndcg_loss(s, y, m, reduction="none", **kw)
    alone = L.neural_ndcg_loss(s[1:2], y[1:2], m[1:2], reduction="none", **kw)
    # the noise of list 1 differs between the two calls, so compare with its own draw
    g = torch.Generator().manual_seed(2)
    u = torch.rand((5, 3, 3), generator=g, dtype=DT).permute(1, 2, 0)
    shift = s[m].min().abs()
    scores = (s[1:2] + shift)[None] + 0.1 * -torch.log(-torch.log(u[:, 1:2] + 1e-10) + 1e-10)
    per_sample = [L.neural_ndcg_loss(scores[i], y[1:2], m[1:2], reduction="none") for i in range(3)]
    assert close(together[1], torch.stack(per_sample).mean(), tol=1e-6)
    assert alone.shape == (1,)


def test_neural_sort_matches_allrank():
    s, _, m = make_batch(seed=2)
    expected = AR.deterministic_neural_sort(s.unsqueeze(-1), 0.5, ~m)
    got = L.neural_sort(s, m, temperature=0.5)
    assert close(got, expected)


def test_neural_ndcg_mask_anywhere_equals_trailing_padding():
    s, y, m = make_batch(seed=4)
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    a = L.neural_ndcg_loss(s, y, m, reduction="none")
    b = L.neural_ndcg_loss(s[:, perm], y[:, perm], m[:, perm], reduction="none")
    assert close(a, b)


# ---------------------------------------------------------------------------------------------
# Equal to sentence-transformers and pytorch-metric-learning
# ---------------------------------------------------------------------------------------------


def test_info_nce_matches_sentence_transformers_mnrl():
    st = pytest.importorskip("sentence_transformers.sentence_transformer.losses")
    from sentence_transformers.util import cos_sim

    g = torch.Generator().manual_seed(0)
    q, p, n = (torch.randn(5, 8, generator=g, dtype=DT) for _ in range(3))
    mnrl = st.MultipleNegativesRankingLoss(model=None, scale=20.0)
    expected = mnrl.compute_loss_from_embeddings([q, p, n], labels=None)
    scores = cos_sim(q, torch.cat([p, n]))
    labels = torch.cat([torch.eye(5, dtype=DT), torch.zeros(5, 5, dtype=DT)], dim=1)
    for positives in ("each", "mean", "logsumexp"):
        got = L.info_nce_loss(scores, labels, temperature=1 / 20.0, positives=positives)
        assert close(got, expected), positives


def test_margin_mse_matches_sentence_transformers():
    st = pytest.importorskip("sentence_transformers.sentence_transformer.losses")
    g = torch.Generator().manual_seed(1)
    q, p, n1, n2 = (torch.randn(4, 6, generator=g, dtype=DT) for _ in range(4))
    teacher = torch.randn(4, 3, generator=g, dtype=DT)
    expected = st.MarginMSELoss(model=None).compute_loss_from_embeddings([q, p, n1, n2], teacher)
    scores = torch.stack([(q * d).sum(-1) for d in (p, n1, n2)], dim=1)
    assert close(L.margin_mse_loss(scores, teacher), expected)


def test_margin_mse_mask_drops_missing_negatives():
    s, t, _ = make_batch(seed=2, pad=False)
    m = torch.ones_like(s, dtype=torch.bool)
    m[1, 4:] = False
    errs = [
        ((s[b, 0] - s[b, k]) - (t[b, 0] - t[b, k])) ** 2
        for b in range(s.shape[0])
        for k in range(1, s.shape[1])
        if m[b, k]
    ]
    assert close(L.margin_mse_loss(s, t, m), sum(errs) / len(errs))


@pytest.mark.parametrize("seed", range(3))
def test_tcm_matches_pytorch_metric_learning(seed):
    pml = pytest.importorskip("pytorch_metric_learning.losses")
    g = torch.Generator().manual_seed(seed)
    emb = torch.randn(12, 4, generator=g, dtype=DT)
    labels = torch.randint(0, 3, (12,), generator=g)
    kw = {"margin_plus": 0.6, "margin_minus": 0.1}
    expected = pml.ThresholdConsistentMarginLoss(**kw)(emb, labels)
    assert close(L.threshold_consistent_margin_loss(emb, labels, **kw), expected)
    assert close(
        L.threshold_consistent_margin_loss(emb, labels),
        pml.ThresholdConsistentMarginLoss()(emb, labels),
    )


# ---------------------------------------------------------------------------------------------
# Direct definitions (loops)
# ---------------------------------------------------------------------------------------------


def real(row_s, row_y, row_m):
    return [(float(a), float(b)) for a, b, c in zip(row_s, row_y, row_m, strict=True) if c]


def test_ranknet_inverse_rank_sum_weights_by_loop():
    s, y, m = make_batch(seed=6, distinct=True)
    total, count = 0.0, 0
    for b in range(s.shape[0]):
        items = real(s[b], y[b], m[b])
        order = sorted(range(len(items)), key=lambda i: -items[i][1])
        rank = {i: r + 1 for r, i in enumerate(order)}
        for i, j in itertools.permutations(range(len(items)), 2):
            if items[i][1] > items[j][1]:
                total += math.log1p(math.exp(-(items[i][0] - items[j][0]))) / (rank[i] + rank[j])
                count += 1
    assert close(L.ranknet_loss(s, y, m, pair_weights="inverse_rank_sum"), total / count)


def pl_nll(seq):
    return sum(math.log(sum(math.exp(v) for v in seq[i:])) - seq[i] for i in range(len(seq)))


def test_position_aware_listmle_by_loop():
    s, y, m = make_batch(seed=7, distinct=True)
    per = []
    for b in range(s.shape[0]):
        items = sorted(real(s[b], y[b], m[b]), key=lambda t: -t[1])
        n = len(items)
        w = [2.0 ** (n - i) - 1 for i in range(1, n + 1)]
        w = [x / sum(w) for x in w]
        seq = [t[0] for t in items]
        per.append(
            sum(w[i] * (math.log(sum(math.exp(v) for v in seq[i:])) - seq[i]) for i in range(n))
        )
    assert close(L.position_aware_listmle_loss(s, y, m, reduction="none"), per)


def test_position_aware_listmle_weights_finite_for_long_lists():
    s = torch.randn(1, 1100, dtype=DT)
    y = torch.arange(1100, dtype=DT)[None]
    assert torch.isfinite(L.position_aware_listmle_loss(s, y))


@pytest.mark.parametrize("max_skip", [None, 1, 2])
def test_ranklist_by_loop(max_skip):
    s, y, m = make_batch(seed=8, grades=3)
    per = []
    for b in range(s.shape[0]):
        items = real(s[b], y[b], m[b])
        order = sorted(range(len(items)), key=lambda i: -items[i][1])  # stable: ties by position
        rank = {i: r for r, i in enumerate(order)}
        total = 0.0
        for i in range(len(items)):
            comps = [
                j
                for j in range(len(items))
                if items[j][1] < items[i][1] and (max_skip is None or rank[j] - rank[i] <= max_skip)
            ]
            total += math.log1p(sum(math.exp(items[j][0] - items[i][0]) for j in comps))
        per.append(total)
    assert close(L.ranklist_loss(s, y, m, max_skip=max_skip, reduction="none"), per)


def test_ranklist_equals_listmle_with_distinct_labels():
    s, y, m = make_batch(seed=9, distinct=True)
    assert close(L.ranklist_loss(s, y, m), L.listmle_loss(s, y, m))


@pytest.mark.parametrize("positives", ["each", "mean", "logsumexp"])
def test_info_nce_multiple_positives_by_loop(positives):
    s, _, m = make_batch(seed=10)
    g = torch.Generator().manual_seed(3)
    y = (torch.rand(s.shape, generator=g) < 0.4).to(DT)
    y[:, 0] = 1.0
    t = 0.5
    per = []
    for b in range(s.shape[0]):
        z = [(float(s[b, i]) / t, bool(y[b, i])) for i in range(s.shape[1]) if m[b, i]]
        pos = [v for v, p in z if p]
        neg = [v for v, p in z if not p]
        lse = lambda xs: math.log(sum(math.exp(x) for x in xs))  # noqa: E731
        if positives == "each":
            per.append(sum(lse([p, *neg]) - p for p in pos) / len(pos))
        elif positives == "mean":
            per.append(sum(lse(pos + neg) - p for p in pos) / len(pos))
        else:
            per.append(lse(pos + neg) - lse(pos))
    assert close(
        L.info_nce_loss(s, y, m, temperature=t, positives=positives, reduction="none"), per
    )


def test_yes_no_loss_by_loop():
    s, _, m = make_batch(seed=11)
    no = torch.randn(s.shape, dtype=DT, generator=torch.Generator().manual_seed(1))
    y = (torch.arange(s.numel()).reshape(s.shape) % 2).to(DT)
    terms = []
    for b, i in itertools.product(range(s.shape[0]), range(s.shape[1])):
        if m[b, i]:
            p = torch.softmax(torch.stack([s[b, i], no[b, i]]), 0)[0].item()
            terms.append(-(y[b, i] * math.log(p) + (1 - y[b, i]) * math.log(1 - p)).item())
    assert close(L.yes_no_loss(s, no, y, m), sum(terms) / len(terms))


def test_importance_aware_lm_loss_by_loop():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 9, 11, generator=g, dtype=DT)
    sep = 10
    targets = torch.tensor(
        [[-100, -100, 3, 4, sep, 5, sep, 6, 2], [-100, 7, 8, sep, 1, 1, sep, 9, -100]]
    )
    ranks = L.fullrank_token_ranks(targets, sep)
    total, count = 0.0, 0
    for b in range(2):
        r = 1  # fullrank: r starts at 1 and grows after each '>'
        for t in range(9):
            tok = int(targets[b, t])
            if tok == -100:
                continue
            nll = -torch.log_softmax(logits[b, t], -1)[tok].item()
            w = 1.0 if tok == sep else 1.0 + 1.0 / math.log2(r + 1)
            total += w * nll
            count += 1
            if tok == sep:
                r += 1
    assert close(L.importance_aware_lm_loss(logits, targets, ranks), total / count)
    assert close(L.importance_aware_lm_loss(logits, targets, ranks, reduction="sum"), total)


def test_dpo_two_responses_is_eq7():
    g = torch.Generator().manual_seed(0)
    pol, ref = torch.randn(5, 2, generator=g, dtype=DT), torch.randn(5, 2, generator=g, dtype=DT)
    y = torch.tensor([[1, 0]] * 5)
    beta = 0.3
    logits = beta * ((pol[:, 0] - ref[:, 0]) - (pol[:, 1] - ref[:, 1]))
    expected = -F.logsigmoid(logits).mean()  # trl loss_type="sigmoid"
    for model in ("bradley_terry", "plackett_luce"):
        assert close(L.dpo_loss(pol, ref, y, beta=beta, model=model), expected)


def test_dpo_lists_by_loop():
    pol, y, m = make_batch(seed=12, distinct=True)
    ref = torch.randn(pol.shape, dtype=DT, generator=torch.Generator().manual_seed(5))
    beta = 0.5
    pairs, pl = [], []
    for b in range(pol.shape[0]):
        h = [
            (beta * float(pol[b, i] - ref[b, i]), float(y[b, i]))
            for i in range(pol.shape[1])
            if m[b, i]
        ]
        pairs += [
            math.log1p(math.exp(-(hi - hj)))
            for (hi, yi), (hj, yj) in itertools.permutations(h, 2)
            if yi > yj
        ]
        pl.append(pl_nll([v for v, _ in sorted(h, key=lambda t: -t[1])]))
    assert close(L.dpo_loss(pol, ref, y, m, beta=beta), sum(pairs) / len(pairs))
    assert close(L.dpo_loss(pol, ref, y, m, beta=beta, model="plackett_luce", reduction="none"), pl)


@pytest.mark.parametrize("weights", ["dcg", "inverse_log_rank", "gain_over_rank"])
def test_irpo_by_loop(weights):
    pol, y, m = make_batch(seed=13, grades=4)
    ref = torch.randn(pol.shape, dtype=DT, generator=torch.Generator().manual_seed(6))
    beta = 0.7
    per = []
    for b in range(pol.shape[0]):
        items = [
            (float(pol[b, i] - ref[b, i]), float(y[b, i])) for i in range(pol.shape[1]) if m[b, i]
        ]
        n = len(items)
        order = sorted(range(n), key=lambda i: -items[i][1])
        rank = {i: k + 1 for k, i in enumerate(order)}
        total = 0.0
        for i, (ri, yi) in enumerate(items):
            w = {
                "dcg": (2**yi - 1) / math.log2(1 + rank[i]),
                "inverse_log_rank": 1 / math.log2(1 + rank[i]),
                "gain_over_rank": (2**yi - 1) / rank[i],
            }[weights]
            mean_exp = sum(
                math.exp(beta * (rj - ri)) for j, (rj, _) in enumerate(items) if j != i
            ) / (n - 1)
            total += w * math.log(1 + mean_exp)
        per.append(total / n)
    assert close(L.irpo_loss(pol, ref, y, m, beta=beta, weights=weights, reduction="none"), per)


def test_madpo_by_official_formula():
    g = torch.Generator().manual_seed(0)
    pc, pr, rc, rr = (torch.randn(9, generator=g, dtype=DT) for _ in range(4))
    h = torch.tensor([-9.0, -3.0, -0.5, 0.0, 0.2, 1.0, 4.0, 7.5, 30.0], dtype=DT)
    beta, cmax, lam, tau = 0.1, 2.0, 1.0, math.log(0.999 / 0.001)
    cmin = 1 / cmax
    expected = []
    for i in range(9):
        hi = float(h[i])
        coef = cmin + (cmax - cmin) / (
            1 + ((cmax - 1) / (1 - cmin)) * math.exp(lam * (abs(hi) - tau))
        )
        sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
        w = sig(coef * hi) / sig(hi) if hi > -tau else 1.0
        logits = torch.stack([beta * (pc[i] - rc[i]), beta * (pr[i] - rr[i])])
        expected.append(w * F.cross_entropy(logits[None], torch.tensor([0])).item())
    got = L.madpo_loss(pc, pr, rc, rr, h, reduction="none")
    assert close(got, expected)
    coef_tau = L.madpo_weights(torch.tensor([tau], dtype=DT))
    assert close(coef_tau, 1.0)  # coef(tau) = 1 so w = 1 there


def test_ips_losses_by_loop():
    s, _, m = make_batch(seed=14)
    g = torch.Generator().manual_seed(2)
    c = (torch.rand(s.shape, generator=g) < 0.4).to(DT)
    e = torch.rand(s.shape, generator=g, dtype=DT) * 0.9 + 0.05
    for clip in (None, 0.3):
        point, pair, n_pairs = [], 0.0, 0
        for b in range(s.shape[0]):
            idx = [i for i in range(s.shape[1]) if m[b, i]]
            for i in idx:
                w = 1 / max(float(e[b, i]), clip or 0.0)
                t = float(c[b, i]) * w
                p = 1 / (1 + math.exp(-float(s[b, i])))
                point.append(-(t * math.log(p) + (1 - t) * math.log(1 - p)))
                if c[b, i]:
                    for j in idx:
                        if not c[b, j]:
                            pair += w * math.log1p(math.exp(-float(s[b, i] - s[b, j])))
                            n_pairs += 1
        assert close(L.ips_pointwise_loss(s, c, e, m, clip=clip), sum(point) / len(point))
        assert close(L.ips_pairwise_loss(s, c, e, m, clip=clip), pair / n_pairs)


def test_spearman_loss_approaches_scipy_at_low_temperature():
    stats = pytest.importorskip("scipy.stats")
    s, y, m = make_batch(seed=15, n=8)
    for method in ("softsort", "neuralsort"):
        got = L.spearman_loss(s, y, m, method=method, temperature=1e-4, reduction="none")
        for b in range(s.shape[0]):
            keep = m[b].numpy()
            rho = stats.spearmanr(s[b].numpy()[keep], y[b].numpy()[keep]).statistic
            rho = 0.0 if np.isnan(rho) else rho
            assert abs(float(got[b]) - (1 - rho)) < 1e-6, (method, b)


def test_pearson_loss_matches_numpy():
    s, y, m = make_batch(seed=16)
    got = L.pearson_loss(s, y, m, reduction="none")
    for b in range(s.shape[0]):
        keep = m[b].numpy()
        r = np.corrcoef(s[b].numpy()[keep], y[b].numpy()[keep])[0, 1]
        assert abs(float(got[b]) - (1 - r)) < 1e-12


def test_soft_sort_rows_sum_to_one_and_harden():
    s, _, m = make_batch(seed=17)
    p = L.soft_sort(s, m, temperature=0.3)
    assert close(p.sum(-1), m.to(DT))
    exact = L.soft_rank(s, m, temperature=1e-5)
    ranks = torch.argsort(torch.argsort(torch.where(m, -s, math.inf), dim=-1), dim=-1) + 1
    assert close(exact, torch.where(m, ranks.to(DT), 0.0), tol=1e-6)


# ---------------------------------------------------------------------------------------------
# Plackett-Luce machinery and PG-Rank
# ---------------------------------------------------------------------------------------------


def test_plackett_luce_probabilities_sum_to_one_and_match_definition():
    s = torch.tensor([[0.3, -1.0, 2.0, 0.5]], dtype=DT)
    perms = torch.tensor(list(itertools.permutations(range(4))))
    logp = L.plackett_luce_log_prob(s, perms[None], temperature=0.7)[0]
    assert close(logp.exp().sum(), 1.0)
    for perm, lp in zip(perms.tolist(), logp.tolist(), strict=True):
        assert abs(-pl_nll([float(s[0, i]) / 0.7 for i in perm]) - lp) < 1e-12


def test_plackett_luce_top_k_prefix_probabilities_sum_to_one():
    s = torch.tensor([[0.3, -1.0, 2.0, 0.5]], dtype=DT)
    prefixes = list(itertools.permutations(range(4), 2))
    full = torch.tensor([list(p) + [i for i in range(4) if i not in p] for p in prefixes])
    logp = L.plackett_luce_log_prob(s, full[None], k=2)[0]
    assert close(logp.exp().sum(), 1.0)


def test_gumbel_sampling_follows_plackett_luce_and_is_seeded():
    s = torch.tensor([[1.0, 0.0, -0.5]], dtype=DT)
    draws = L.plackett_luce_sample(s, n_samples=20000, seed=7)
    assert torch.equal(draws, L.plackett_luce_sample(s, n_samples=20000, seed=7))
    perms = list(itertools.permutations(range(3)))
    logp = L.plackett_luce_log_prob(s, torch.tensor(perms)[None])[0].exp()
    for perm, p in zip(perms, logp.tolist(), strict=True):
        freq = (draws[0] == torch.tensor(perm)).all(-1).double().mean().item()
        assert abs(freq - p) < 0.015, (perm, freq, p)


def test_plackett_luce_sample_puts_padding_last():
    s, _, m = make_batch(seed=18)
    draws = L.plackett_luce_sample(s, m, n_samples=5, seed=1)
    n_real = m.sum(-1)
    for b in range(s.shape[0]):
        assert m[b][draws[b, :, : n_real[b]]].all()


def test_pg_rank_gradient_is_unbiased_estimate_of_expected_ndcg_gradient():
    s = torch.tensor([[0.2, 0.9, -0.3]], dtype=DT, requires_grad=True)
    y = torch.tensor([[2.0, 0.0, 1.0]], dtype=DT)
    perms = torch.tensor(list(itertools.permutations(range(3))))
    probs = L.plackett_luce_log_prob(s, perms[None])[0].exp()
    gains = torch.pow(2.0, y[0]) - 1
    disc = 1 / torch.log2(torch.arange(2, 5, dtype=DT))
    ideal = (torch.sort(gains, descending=True).values * disc).sum()
    ndcg = torch.stack([(gains[p] * disc).sum() / ideal for p in perms])
    (exact,) = torch.autograd.grad(-(probs * ndcg).sum(), s)
    loss = L.pg_rank_loss(s, y, n_samples=40000, seed=3)
    (est,) = torch.autograd.grad(loss, s)
    assert torch.allclose(est, exact, atol=0.01), (est, exact)


# ---------------------------------------------------------------------------------------------
# Gradients, masking, invariances
# ---------------------------------------------------------------------------------------------


def binary(y):
    """1 where y > 1, keeping NaN (padding) as NaN."""
    return torch.where(torch.isnan(y), y, (y > 1).to(DT))


def listwise_cases():
    """(name, f(scores, labels, mask) -> loss) for every loss with the (B, L) convention."""
    ref = torch.randn(3, 5, dtype=DT, generator=torch.Generator().manual_seed(99))
    e = torch.rand(3, 5, dtype=DT, generator=torch.Generator().manual_seed(98)) * 0.8 + 0.1
    no = torch.randn(3, 5, dtype=DT, generator=torch.Generator().manual_seed(97))
    return [
        ("ranknet", lambda s, y, m: L.ranknet_loss(s, y, m, pair_weights="label_diff")),
        *[
            (f"lambda-{w}", lambda s, y, m, w=w: L.lambda_loss(s, y, m, weighting=w, k=4))
            for w in ("ranknet", "ndcg_loss1", "ndcg_loss2", "lambdarank", "ndcg_loss2pp")
        ],
        ("listnet", L.listnet_loss),
        ("listnet-normalize", lambda s, y, m: L.listnet_loss(s, y, m, target="normalize")),
        ("listmle", L.listmle_loss),
        ("plistmle", L.position_aware_listmle_loss),
        ("ranklist", lambda s, y, m: L.ranklist_loss(s, y, m, max_skip=2)),
        ("approx_ndcg", lambda s, y, m: L.approx_ndcg_loss(s, y, m, temperature=0.5)),
        ("neural_ndcg", lambda s, y, m: L.neural_ndcg_loss(s, y, m, k=3, sinkhorn_tol=0.0)),
        (
            "neural_ndcg_t",
            lambda s, y, m: L.neural_ndcg_loss(s, y, m, transposed=True, sinkhorn_tol=0.0),
        ),
        (
            "neural_ndcg_stochastic",
            lambda s, y, m: L.neural_ndcg_loss(
                s, y, m, stochastic=True, n_samples=2, seed=0, log_scores=False, sinkhorn_tol=0.0
            ),
        ),
        ("margin_mse", L.margin_mse_loss),
        ("info_nce", lambda s, y, m: L.info_nce_loss(s, binary(y), m, temperature=0.5)),
        ("yes_no", lambda s, y, m: L.yes_no_loss(s, no, (y > 1).to(DT), m)),
        ("dpo", lambda s, y, m: L.dpo_loss(s, ref, y, m)),
        ("dpo_pl", lambda s, y, m: L.dpo_loss(s, ref, y, m, model="plackett_luce")),
        ("irpo", lambda s, y, m: L.irpo_loss(s, ref, y, m, beta=0.5)),
        ("spearman", lambda s, y, m: L.spearman_loss(s, y, m, temperature=0.5)),
        ("spearman_ns", lambda s, y, m: L.spearman_loss(s, y, m, method="neuralsort")),
        ("pearson", L.pearson_loss),
        ("ips_point", lambda s, y, m: L.ips_pointwise_loss(s, (y > 1).to(DT), e, m, clip=0.2)),
        ("ips_pair", lambda s, y, m: L.ips_pairwise_loss(s, (y > 1).to(DT), e, m)),
        ("pg_rank", lambda s, y, m: L.pg_rank_loss(s, y, m, n_samples=4, seed=0)),
    ]


CASES = listwise_cases()


def small_batch(seed=0):
    s, y, m = make_batch(b=3, n=5, seed=seed, grades=4)
    m[1, 3:] = False
    m[2, 4:] = False
    m[:, 0] = True
    return s, y, m


@pytest.mark.parametrize(("name", "fn"), CASES, ids=[c[0] for c in CASES])
def test_gradcheck(name, fn):
    s, y, m = small_batch(seed=1)
    s = s.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: fn(x, y, m), (s,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize(("name", "fn"), CASES, ids=[c[0] for c in CASES])
def test_padded_entries_change_nothing(name, fn):
    s, y, m = small_batch(seed=2)
    outs = []
    for junk_s, junk_y in ((0.0, 0.0), (1e6, 7.0), (float("nan"), float("nan")), (-3.0, 1.0)):
        x = torch.where(m, s, junk_s).requires_grad_(True)
        yy = torch.where(m, y, junk_y)
        loss = fn(x, yy, m)
        (grad,) = torch.autograd.grad(loss, x)
        outs.append((loss.detach(), grad))
    for loss, grad in outs[1:]:
        assert torch.equal(loss, outs[0][0]) or close(loss, outs[0][0], tol=1e-12), name
        assert close(grad, outs[0][1], tol=1e-12), name
        assert torch.all(grad[~m] == 0), name


WITH_FIXED_SHAPE = {"yes_no", "dpo", "dpo_pl", "irpo", "ips_point", "ips_pair"}


@pytest.mark.parametrize(
    ("name", "fn"),
    [c for c in CASES if c[0] not in WITH_FIXED_SHAPE],
    ids=[c[0] for c in CASES if c[0] not in WITH_FIXED_SHAPE],
)
def test_appending_padded_columns_changes_nothing(name, fn):
    s, y, m = small_batch(seed=7)
    x = s.clone().requires_grad_(True)
    loss = fn(x, y, m)
    (grad,) = torch.autograd.grad(loss, x)
    wide = torch.cat([s, torch.full((3, 2), 5.0, dtype=DT)], dim=1).requires_grad_(True)
    y_wide = torch.cat([y, torch.full((3, 2), 4.0, dtype=DT)], dim=1)
    m_wide = torch.cat([m, torch.zeros(3, 2, dtype=torch.bool)], dim=1)
    loss_wide = fn(wide, y_wide, m_wide)
    (grad_wide,) = torch.autograd.grad(loss_wide, wide)
    assert close(loss_wide, loss, tol=1e-12), name
    assert close(grad_wide[:, :5], grad, tol=1e-12), name


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        c
        for c in CASES
        if c[0]
        not in {"margin_mse", "pg_rank", "yes_no", "ips_point", "ips_pair", "dpo", "dpo_pl", "irpo"}
    ],
    ids=lambda c: c if isinstance(c, str) else "",
)
def test_nan_labels_act_as_mask(name, fn):
    s, y, m = small_batch(seed=3)
    by_mask = fn(s, y, m)
    by_nan = fn(s, torch.where(m, y, float("nan")), None)
    assert close(by_mask, by_nan, tol=1e-12), name


@pytest.mark.parametrize(
    "fn",
    [
        L.listnet_loss,
        L.listmle_loss,
        L.position_aware_listmle_loss,
        L.ranknet_loss,
        L.info_nce_loss,
    ],
)
def test_shifting_scores_changes_nothing(fn):
    s, y, m = small_batch(seed=4)
    y = (y > 1).to(DT) if fn is L.info_nce_loss else y
    assert close(fn(s, y, m), fn(s + 123.5, y, m), tol=1e-9)


def test_permuting_items_changes_nothing():
    s, y, m = make_batch(seed=19, distinct=True, pad=False)
    perm = torch.randperm(s.shape[1], generator=torch.Generator().manual_seed(0))
    for fn in (
        L.listnet_loss,
        L.listmle_loss,
        L.approx_ndcg_loss,
        L.neural_ndcg_loss,
        L.ranknet_loss,
    ):
        assert close(fn(s, y, m), fn(s[:, perm], y[:, perm], m[:, perm]), tol=1e-9), fn.__name__


def test_listmle_stable_for_huge_scores():
    s = torch.tensor([[1000.0, -1000.0, 0.0]], dtype=torch.float32, requires_grad=True)
    y = torch.tensor([[0, 2, 1]])
    loss = L.listmle_loss(s, y)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(s.grad).all()
    assert abs(loss.item() - 3000.0) < 1e-2


def test_lambda_loss_keeps_gradient_of_badly_misordered_pairs():
    s = torch.tensor([[-60.0, 60.0]], dtype=DT, requires_grad=True)
    L.lambda_loss(s, torch.tensor([[1.0, 0.0]]), weighting="ranknet").backward()
    assert s.grad[0, 0] < -0.5  # allRank's clamp(1e-10) would give 0 here


def test_approx_ndcg_tends_to_minus_one_for_ideal_scores():
    y = torch.tensor([[3.0, 2.0, 0.0, 1.0]], dtype=DT)
    assert close(L.approx_ndcg_loss(y * 10, y, temperature=0.01), -1.0, tol=1e-8)


def test_reductions_agree():
    s, y, m = small_batch(seed=5)
    for fn in (L.listnet_loss, L.listmle_loss, L.approx_ndcg_loss):
        none = fn(s, y, m, reduction="none")
        assert none.shape == (3,)
        assert close(fn(s, y, m, reduction="sum"), none.sum())
        assert close(fn(s, y, m, reduction="mean"), none.mean())
    none = L.ranknet_loss(s, y, m, reduction="none")
    assert close(L.ranknet_loss(s, y, m, reduction="sum"), none.sum())


def test_lists_without_pairs_or_relevance_are_left_out_of_the_mean():
    s = torch.tensor([[1.0, 0.0, 2.0], [0.5, 0.2, 0.1]], dtype=DT)
    y = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype=DT)
    assert close(L.approx_ndcg_loss(s, y), L.approx_ndcg_loss(s[:1], y[:1]))
    assert close(L.neural_ndcg_loss(s, y), L.neural_ndcg_loss(s[:1], y[:1]))
    assert close(L.ranknet_loss(s, y), L.ranknet_loss(s[:1], y[:1]))
    assert close(L.info_nce_loss(s, y), L.info_nce_loss(s[:1], y[:1]))
    all_pad = torch.zeros(2, 3, dtype=torch.bool)
    x = s.clone().requires_grad_(True)
    loss = L.listmle_loss(x, y, all_pad)
    loss.backward()
    assert loss.item() == 0.0 and torch.all(x.grad == 0)


def test_listnet_normalize_target_by_loop():
    s, y, m = make_batch(seed=20)
    y[2] = 0.0  # no relevance: weight 0, left out of the mean
    per = []
    for b in range(s.shape[0]):
        items = real(s[b], y[b], m[b])
        total = sum(v for _, v in items)
        if total == 0:
            continue
        lse = math.log(sum(math.exp(x) for x, _ in items))
        per.append(-sum(v / total * (x - lse) for x, v in items))
    assert close(L.listnet_loss(s, y, m, target="normalize"), sum(per) / len(per))


def test_listmle_random_ties_are_seeded():
    s = torch.randn(2, 6, dtype=DT)
    y = torch.tensor([[1, 1, 1, 0, 0, 0]] * 2)
    a = L.listmle_loss(s, y, ties="random", generator=torch.Generator().manual_seed(1))
    b = L.listmle_loss(s, y, ties="random", generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b)


def test_modules_equal_functions():
    s, y, m = small_batch(seed=6)
    pairs = [
        (L.RankNetLoss(sigma=2.0), lambda: L.ranknet_loss(s, y, m, sigma=2.0)),
        (
            L.LambdaLoss(weighting="lambdarank", k=3),
            lambda: L.lambda_loss(s, y, m, weighting="lambdarank", k=3),
        ),
        (L.ListNetLoss(), lambda: L.listnet_loss(s, y, m)),
        (L.ListMLELoss(), lambda: L.listmle_loss(s, y, m)),
        (L.PositionAwareListMLELoss(), lambda: L.position_aware_listmle_loss(s, y, m)),
        (L.RankListLoss(), lambda: L.ranklist_loss(s, y, m)),
        (L.ApproxNDCGLoss(temperature=0.1), lambda: L.approx_ndcg_loss(s, y, m, temperature=0.1)),
        (L.NeuralNDCGLoss(), lambda: L.neural_ndcg_loss(s, y, m)),
        (L.MarginMSELoss(), lambda: L.margin_mse_loss(s, y, m)),
        (L.InfoNCELoss(temperature=0.1), lambda: L.info_nce_loss(s, y, m, temperature=0.1)),
        (L.SpearmanLoss(), lambda: L.spearman_loss(s, y, m)),
        (L.PearsonLoss(), lambda: L.pearson_loss(s, y, m)),
        (L.PGRankLoss(seed=1), lambda: L.pg_rank_loss(s, y, m, seed=1)),
    ]
    for module, fn in pairs:
        assert isinstance(module, torch.nn.Module)
        assert close(module(s, y, m), fn()), type(module).__name__
    assert "sigma=2.0" in repr(L.RankNetLoss(sigma=2.0))


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
def test_low_precision_gives_finite_loss_and_gradients_in_that_dtype(dtype):
    s, y, m = small_batch(seed=1)
    for name, fn in CASES:
        x = s.to(dtype).requires_grad_(True)
        out = fn(x, y, m)
        out.backward()
        assert out.dtype == dtype, name
        assert torch.isfinite(out) and torch.isfinite(x.grad).all(), name


def test_float32_and_integer_labels_work():
    s = torch.randn(2, 4)
    y = torch.tensor([[2, 1, 0, 0], [0, 1, 3, 1]])
    for fn in (
        L.ranknet_loss,
        L.lambda_loss,
        L.listnet_loss,
        L.listmle_loss,
        L.approx_ndcg_loss,
        L.neural_ndcg_loss,
    ):
        out = fn(s, y)
        assert out.dtype == torch.float32 and torch.isfinite(out)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_errors_name_argument_value_and_expectation():
    s, y, m = small_batch()
    with pytest.raises(
        ShapeError, match=r"`labels` must have shape \(3, 5\) matching `scores`; got \(3, 4\)"
    ):
        L.listnet_loss(s, y[:, :4])
    with pytest.raises(ShapeError, match=r"`scores` must be a 2-D tensor; got shape \(5,\)"):
        L.ranknet_loss(s[0], y[0])
    with pytest.raises(
        RankwiseTypeError, match=r"`scores` must have a floating-point dtype.*got torch.int64"
    ):
        L.listmle_loss(y.long(), y)
    with pytest.raises(RankwiseTypeError, match=r"`scores` must be a torch.Tensor; got ndarray"):
        L.listmle_loss(s.numpy(), y)
    with pytest.raises(
        RankwiseTypeError, match=r"`mask` must be a boolean tensor.*got dtype torch.int64"
    ):
        L.listnet_loss(s, y, m.long())
    with pytest.raises(ShapeError, match=r"`mask` must have shape \(3, 5\)"):
        L.listnet_loss(s, y, m[:2])
    with pytest.raises(
        InvalidValueError, match=r"`reduction` must be one of 'mean', 'sum', 'none'; got 'avg'"
    ):
        L.listnet_loss(s, y, reduction="avg")
    with pytest.raises(InvalidValueError, match=r"`weighting` must be one of .*got 'ndcg3'"):
        L.lambda_loss(s, y, weighting="ndcg3")
    with pytest.raises(InvalidValueError, match=r"`k` must be None or an integer >= 1; got 0"):
        L.lambda_loss(s, y, k=0)
    with pytest.raises(
        InvalidValueError,
        match=r"`labels` must be >= 0 for approx_ndcg_loss.*got a minimum of -5.0",
    ):
        L.approx_ndcg_loss(s, y - 5)
    with pytest.raises(
        InvalidValueError, match=r"`temperature` must be a finite number > 0; got -1"
    ):
        L.neural_ndcg_loss(s, y, temperature=-1)
    with pytest.raises(InvalidValueError, match=r"`pair_weights` must be None, .*got 'bogus'"):
        L.ranknet_loss(s, y, pair_weights="bogus")
    with pytest.raises(ShapeError, match=r"`pair_weights` must have shape \(3, 5, 5\)"):
        L.ranknet_loss(s, y, pair_weights=torch.ones(3, 5))
    with pytest.raises(InvalidValueError, match=r"`propensities` must lie in \(0, 1\]"):
        L.ips_pointwise_loss(s, (y > 1).to(DT), torch.zeros_like(s))
    with pytest.raises(InvalidValueError, match=r"`n_samples` must be an integer >= 2"):
        L.pg_rank_loss(s, y, n_samples=1)
    with pytest.raises(ShapeError, match=r"`targets` must have shape \(2, 3\)"):
        L.importance_aware_lm_loss(
            torch.zeros(2, 3, 4),
            torch.zeros(2, 4, dtype=torch.long),
            torch.zeros(2, 4, dtype=torch.long),
        )
    with pytest.raises(
        ShapeError, match=r"`labels` must have shape \(4,\), one per embedding; got \(3,\)"
    ):
        L.threshold_consistent_margin_loss(torch.randn(4, 2), torch.zeros(3))
    with pytest.raises(ShapeError, match=r"`mask` must have shape \(3, 5\) matching `scores`"):
        L.plackett_luce_sample(s, m[:, :4])
    with pytest.raises(RankwiseTypeError, match=r"`mask` must be a boolean tensor"):
        L.soft_rank(s, m.float())
    with pytest.raises(ValueError, match="reduction"):  # rankwise errors are ValueErrors too
        L.ranknet_loss(s, y, reduction=None)


# ---------------------------------------------------------------------------------------------
# Packaging and docs
# ---------------------------------------------------------------------------------------------


def test_importing_rankwise_does_not_import_torch():
    code = (
        "import sys, rankwise, rankwise.torch; assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# The package's docstring and every section module of it: doctest finds a function's examples
# only in the module that defines it.
LOSS_MODULES = ["rankwise.torch.losses"] + [
    f"rankwise.torch.losses.{m.name}"
    for m in pkgutil.iter_modules(L.__path__)
    if m.name != "_common"  # helpers, no examples
]


@pytest.mark.parametrize("name", ["rankwise.torch", *LOSS_MODULES])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0
    assert result.attempted > 0
