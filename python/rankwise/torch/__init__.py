"""PyTorch side of rankwise: ranking losses, model wrappers and RL rewards.

The submodules import PyTorch; this package does not, so ``import rankwise`` and
``import rankwise.torch`` work without it. Install the extra with
``pip install 'rankwise[torch]'``.

* :mod:`rankwise.torch.losses`: learning-to-rank losses on padded batches with a mask.
* :mod:`rankwise.torch.models`: model wrappers that plug into the reranking strategies
  (nothing imports torch or transformers until a wrapper is built).
* :mod:`rankwise.torch.rewards`: ranking rewards for RL fine-tuning of rankers.

>>> import rankwise.torch
>>> sorted(rankwise.torch.__all__)
['losses', 'models', 'rewards']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from types import ModuleType

__all__ = ["losses", "models", "rewards"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        module: ModuleType = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
