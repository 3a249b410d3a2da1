"""rankwise.compat.torchmetrics equals torchmetrics' retrieval functions.

PyTorch and torchmetrics are test dependencies (CI installs them); without them this module,
and only this one, is skipped.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .strategies import TIED_SCORES, distinct_scores

torch = pytest.importorskip("torch", reason="PyTorch is not installed")
tm = pytest.importorskip(
    "torchmetrics.functional.retrieval", reason="torchmetrics is not installed"
)
from rankwise.compat.torchmetrics import functional as compat_tm  # noqa: E402

BINARY = ["retrieval_average_precision", "retrieval_reciprocal_rank", "retrieval_precision",
          "retrieval_recall", "retrieval_hit_rate"]  # fmt: skip


@st.composite
def query(draw, tied, binary):
    n = draw(st.integers(1, 12))
    if tied:
        preds = draw(st.lists(TIED_SCORES, min_size=n, max_size=n))
    else:
        preds = draw(distinct_scores(n))  # negative and zero scores included
    high = 1 if binary else 4
    target = draw(st.lists(st.integers(0, high), min_size=n, max_size=n))
    top_k = draw(st.one_of(st.none(), st.integers(1, n + 3)))
    return torch.tensor(preds, dtype=torch.float32), torch.tensor(target), top_k


@given(query(tied=True, binary=False))
def test_normalized_dcg_equals_torchmetrics_with_ties(q):
    preds, target, top_k = q
    want = tm.retrieval_normalized_dcg(preds, target, top_k=top_k)
    got = compat_tm.retrieval_normalized_dcg(preds, target, top_k=top_k)
    assert got.dtype == want.dtype and got.device == preds.device and got.shape == ()
    assert got.item() == pytest.approx(want.item(), abs=1e-6)


@given(query(tied=False, binary=True), st.sampled_from(BINARY), st.booleans())
def test_binary_retrieval_measures_equal_torchmetrics(q, name, as_bool):
    preds, target, top_k = q
    if as_bool:
        target = target.bool()
    want = getattr(tm, name)(preds, target, top_k=top_k)
    got = getattr(compat_tm, name)(preds, target, top_k=top_k)
    assert got.dtype == want.dtype and got.shape == ()
    assert got.item() == pytest.approx(want.item(), abs=1e-6), (preds, target, top_k)


@given(query(tied=False, binary=True), st.integers(1, 20))
def test_adaptive_k_precision_equals_torchmetrics(q, top_k):
    preds, target, _ = q
    want = tm.retrieval_precision(preds, target, top_k=top_k, adaptive_k=True)
    got = compat_tm.retrieval_precision(preds, target, top_k=top_k, adaptive_k=True)
    assert got.item() == pytest.approx(want.item(), abs=1e-6)


def test_torchmetrics_validation_and_inputs():
    preds = torch.tensor([0.3, 0.2, 0.1], requires_grad=True)
    target = torch.tensor([1, 0, 1])
    value = compat_tm.retrieval_average_precision(preds, target)
    assert not value.requires_grad and preds.grad is None
    # any shape is flattened into one query, as torchmetrics does
    two_d = compat_tm.retrieval_normalized_dcg(preds.detach()[None], target[None])
    assert two_d.item() == pytest.approx(
        tm.retrieval_normalized_dcg(preds[None], target[None]).item()
    )
    # negative targets for nDCG (allowed by torchmetrics)
    neg = torch.tensor([-1, 2, 0])
    assert compat_tm.retrieval_normalized_dcg(preds.detach(), neg).item() == pytest.approx(
        tm.retrieval_normalized_dcg(preds.detach(), neg).item(), abs=1e-6
    )
    with pytest.raises(ValueError, match="same shape"):
        compat_tm.retrieval_recall(preds, target[:2])
    with pytest.raises(ValueError, match="binary"):
        compat_tm.retrieval_precision(preds, torch.tensor([2, 0, 1]))
    with pytest.raises(ValueError, match="tensor of floats"):
        compat_tm.retrieval_hit_rate(torch.tensor([1, 2, 3]), target)
    with pytest.raises(ValueError, match="non-empty"):
        compat_tm.retrieval_hit_rate(torch.tensor([]), torch.tensor([]))
    with pytest.raises(ValueError, match="positive integer"):
        compat_tm.retrieval_recall(preds, target, top_k=0)
    with pytest.raises(TypeError, match="torch tensors"):
        compat_tm.retrieval_recall([0.1], [1])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_tensors_give_results_on_their_device():
    preds = torch.tensor([0.3, 0.2, 0.1], device="cuda")
    target = torch.tensor([1, 0, 1], device="cuda")
    for name in [*BINARY, "retrieval_normalized_dcg"]:
        got = getattr(compat_tm, name)(preds, target)
        want = getattr(tm, name)(preds, target)
        assert got.device == preds.device
        assert got.item() == pytest.approx(want.item(), abs=1e-6)
