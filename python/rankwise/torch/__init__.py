"""PyTorch side of rankwise: model wrappers (:mod:`rankwise.torch.models`).

Nothing here imports torch until a wrapper is built: ``pip install 'rankwise[torch]'``.
"""
