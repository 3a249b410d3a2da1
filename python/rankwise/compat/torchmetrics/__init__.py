"""Drop-in replacements for ``torchmetrics.functional`` retrieval measures.

Import :mod:`rankwise.compat.torchmetrics.functional` where you imported
``torchmetrics.functional``. Needs PyTorch (``pip install 'rankwise[torch]'``).
"""

from . import functional

__all__ = ["functional"]
