"""Learning-to-rank losses in PyTorch, on padded batches with a mask.

Every loss is a function (``ranknet_loss``) and an :class:`torch.nn.Module` (``RankNetLoss``)
that stores the options and calls the function. The listwise losses share one calling
convention:

``loss(scores, labels, mask=None, *, ..., reduction="mean")``

* ``scores``: float tensor ``(B, L)``, model scores of ``L`` candidates for each of ``B``
  queries (rows shorter than ``L`` are padded).
* ``labels``: tensor ``(B, L)`` of graded relevance (higher is better; any real or integer
  dtype, converted to the dtype of ``scores``). Labels are targets: they are detached.
* ``mask``: boolean tensor ``(B, L)``, ``True`` for real entries; ``None`` means all real.
  **A NaN label also marks its entry as padding**, so a batch padded with NaN labels needs no
  mask. The values of padded scores and labels never matter: changing them changes neither the
  loss nor any gradient (they get a zero gradient).
* ``reduction``: ``"none"`` gives one value per list, shape ``(B,)``; ``"sum"`` their sum;
  ``"mean"`` the mean over the lists that take part (each docstring says which, and pairwise
  losses say what they average over).

Scores are compared with log-sum-exp, ``logsigmoid`` and ``softplus``, never with ``log`` of a
probability, so large score gaps neither overflow nor lose their gradient. Equal scores are
ordered by input position wherever a loss needs an order of the scores; equal labels likewise
(``ties`` where a loss offers the choice).

Where reference libraries disagree (padding, ties, truncation, which lists a mean counts),
each docstring states the choice taken here. The losses, each with the oracle it is tested
against in ``tests/test_losses.py``:

* :func:`ranknet_loss`: allRank ``rankNet`` (plain and weighted); loop for FIRST ``1/(r_i + r_j)``
  weights
* :func:`lambda_loss`: allRank ``lambdaLoss`` (every scheme, ``k``, reductions)
* :func:`listnet_loss`: allRank ``listNet``; loop for ``target="normalize"``
* :func:`listmle_loss`: allRank ``listMLE``
* :func:`position_aware_listmle_loss`: loop of sentence-transformers' ``PListMLELoss`` weights
* :func:`ranklist_loss`: loop (the form is chosen here; see its docstring)
* :func:`approx_ndcg_loss`: allRank ``approxNDCGLoss``
* :func:`neural_ndcg_loss`: allRank ``neuralNDCG``, ``neuralNDCG_transposed``, stochastic variant
* :func:`margin_mse_loss`: sentence-transformers ``MarginMSELoss``
* :func:`info_nce_loss`: sentence-transformers ``MultipleNegativesRankingLoss``; loops for several
  positives
* :func:`yes_no_loss`: loop (two-way softmax, binary cross-entropy)
* :func:`importance_aware_lm_loss`: loop of fullrank's ``GenerationRanker.forward`` weighting
* :func:`pg_rank_loss`: exact gradient of expected nDCG (all permutations)
* :func:`dpo_loss`: DPO Eq. 7 (trl ``sigmoid``); loops for lists
* :func:`irpo_loss`: loop of the official ``rdpo_loss``
* :func:`madpo_loss`: loop of the official ``MADPOLoss``
* :func:`spearman_loss`: scipy ``spearmanr`` at low temperature
* :func:`pearson_loss`: numpy ``corrcoef``
* :func:`ips_pointwise_loss`: loop
* :func:`ips_pairwise_loss`: loop
* :func:`threshold_consistent_margin_loss`: pytorch-metric-learning
  ``ThresholdConsistentMarginLoss``

allRank (commit c884756) cannot be installed next to current numpy, so the tests use a
transcription of its functions (``tests/allrank_reference.py``).

>>> import torch
>>> from rankwise.torch.losses import listnet_loss, ranknet_loss
>>> scores = torch.tensor([[2.0, 1.0, 0.0], [0.5, 1.5, 0.0]])
>>> labels = torch.tensor([[2.0, 1.0, 0.0], [1.0, 0.0, float("nan")]])  # NaN: padding
>>> round(ranknet_loss(scores, labels).item(), 4)
0.5167
>>> round(listnet_loss(scores, labels).item(), 4)
0.9384
"""

from __future__ import annotations

try:
    import torch  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "rankwise.torch.losses needs PyTorch; install it with `pip install 'rankwise[torch]'`"
    ) from error

# In section order, the order of the API reference page.
# isort: off
from ._pairwise import LambdaLoss, RankNetLoss, lambda_loss, ranknet_loss
from ._listwise import (
    ListMLELoss,
    ListNetLoss,
    PositionAwareListMLELoss,
    RankListLoss,
    listmle_loss,
    listnet_loss,
    position_aware_listmle_loss,
    ranklist_loss,
)
from ._approx import ApproxNDCGLoss, NeuralNDCGLoss, approx_ndcg_loss, neural_ndcg_loss, neural_sort
from ._distillation import (
    InfoNCELoss,
    MarginMSELoss,
    YesNoLoss,
    info_nce_loss,
    margin_mse_loss,
    yes_no_loss,
)
from ._lm import ImportanceAwareLMLoss, fullrank_token_ranks, importance_aware_lm_loss
from ._policy import PGRankLoss, pg_rank_loss, plackett_luce_log_prob, plackett_luce_sample
from ._preference import (
    DPOLoss,
    IRPOLoss,
    MADPOLoss,
    dpo_loss,
    irpo_loss,
    madpo_loss,
    madpo_weights,
)
from ._correlation import (
    PearsonLoss,
    SpearmanLoss,
    pearson_loss,
    soft_rank,
    soft_sort,
    spearman_loss,
)
from ._ips import IPSPairwiseLoss, IPSPointwiseLoss, ips_pairwise_loss, ips_pointwise_loss
from ._tcm import ThresholdConsistentMarginLoss, threshold_consistent_margin_loss
from ._common import Reduction as Reduction  # the type of every `reduction` option
# isort: on

__all__ = [
    "ApproxNDCGLoss",
    "DPOLoss",
    "IPSPairwiseLoss",
    "IPSPointwiseLoss",
    "IRPOLoss",
    "ImportanceAwareLMLoss",
    "InfoNCELoss",
    "LambdaLoss",
    "ListMLELoss",
    "ListNetLoss",
    "MADPOLoss",
    "MarginMSELoss",
    "NeuralNDCGLoss",
    "PGRankLoss",
    "PearsonLoss",
    "PositionAwareListMLELoss",
    "RankListLoss",
    "RankNetLoss",
    "SpearmanLoss",
    "ThresholdConsistentMarginLoss",
    "YesNoLoss",
    "approx_ndcg_loss",
    "dpo_loss",
    "fullrank_token_ranks",
    "importance_aware_lm_loss",
    "info_nce_loss",
    "ips_pairwise_loss",
    "ips_pointwise_loss",
    "irpo_loss",
    "lambda_loss",
    "listmle_loss",
    "listnet_loss",
    "madpo_loss",
    "madpo_weights",
    "margin_mse_loss",
    "neural_ndcg_loss",
    "neural_sort",
    "pearson_loss",
    "pg_rank_loss",
    "plackett_luce_log_prob",
    "plackett_luce_sample",
    "position_aware_listmle_loss",
    "ranklist_loss",
    "ranknet_loss",
    "soft_rank",
    "soft_sort",
    "spearman_loss",
    "threshold_consistent_margin_loss",
    "yes_no_loss",
]
