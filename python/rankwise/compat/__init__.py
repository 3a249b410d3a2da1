"""Drop-in replacements for functions of other libraries, with their signatures and results.

* :mod:`rankwise.compat.scipy`: ``kendalltau``, ``weightedtau``, ``spearmanr``.

Import the submodule you need (``from rankwise.compat.scipy import kendalltau``); the
replaced library itself does not need to be installed.
"""

from __future__ import annotations

__all__: list[str] = []
