"""PyTorch side of rankwise: ranking losses, model wrappers and RL rewards.

The submodules import PyTorch; this package does not, so ``import rankwise`` and
``import rankwise.torch`` work without it. Install the extra with
``pip install 'rankwise[torch]'``.

* :mod:`rankwise.torch.losses`: learning-to-rank losses on padded batches with a mask.
* :mod:`rankwise.torch.models`: model wrappers that plug into the reranking strategies
  (nothing imports torch or transformers until a wrapper is built).
* :mod:`rankwise.torch.rewards`: ranking rewards for RL fine-tuning of rankers.
* :mod:`rankwise.torch.seq2seq`: T5 rankers (monoT5, duoT5, flan-T5 pairwise and setwise).
* :mod:`rankwise.torch.scorers`: causal-LM yes/no, graded, reasoning and attention rankers,
  and E2Rank's embedding reranker.

The model families of the last two are exported here too (loaded on first use):

>>> import rankwise.torch
>>> [name for name in rankwise.torch.__all__ if name.islower()]
['losses', 'models', 'rewards', 'scorers', 'seq2seq']
>>> rankwise.torch.MonoT5.__module__
'rankwise.torch.seq2seq'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from types import ModuleType

_MODULES = ["losses", "models", "rewards", "scorers", "seq2seq"]
_CLASSES = {
    "CausalBlockRanker": "scorers",
    "CausalGradeScorer": "scorers",
    "CausalReasoningSetwiseRanker": "scorers",
    "CausalYesNoScorer": "scorers",
    "DuoT5": "seq2seq",
    "E2Ranker": "scorers",
    "FlanT5PairwiseRanker": "seq2seq",
    "FlanT5SetwiseRanker": "seq2seq",
    "MonoT5": "seq2seq",
}
__all__ = [*_MODULES, *sorted(_CLASSES)]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        module: ModuleType = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    if name in _CLASSES:
        value = getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
