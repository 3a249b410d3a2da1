"""Fused oneDNN kernels for BERT-style encoders on a CPU, for inference.

A BERT layer's feed-forward block computes ``gelu(x @ W1.T + b1)`` and then
``LayerNorm(h @ W2.T + b2 + x)``: with PyTorch's default kernels, the GELU and the residual
add are separate passes over activations of ``tokens x 3072`` (or ``x 1536``) floats that no
longer sit in the cache, about a tenth of a MiniLM forward pass on one core. oneDNN (bundled
with PyTorch's CPU builds as ``torch.ops.mkldnn``) applies both as post-ops of the matrix
product (the kernels PyTorch's own inductor backend emits for CPU), so each activation is
written once. The products themselves are the same size: the embeddings differ from the
unfused model's by float32 rounding only (about 2e-7 for all-MiniLM-L6-v2).

:func:`fuse_encoder` swaps the ``forward`` of the model's own module instances (no class is
patched; nothing outside this model changes), and only where the module is one of the known
BERT-family shapes whose forward it reproduces exactly. The fused path runs only under
``torch.inference_mode``/``no_grad`` on a float32 CPU tensor; otherwise (training, gradients,
another device or dtype) each module runs its original ``forward``.
"""

from __future__ import annotations

import types
from typing import Any

# The modules whose forward is ``act(dense(x))`` and ``LayerNorm(dropout(dense(h)) + x)``
# in transformers (BertIntermediate/BertOutput/BertSelfOutput and their copies).
_FAMILIES = ("Bert", "Roberta", "XLMRoberta", "Electra", "MPNet", "Camembert")


def _fusable(x: Any, torch: Any) -> bool:
    return bool(x.device.type == "cpu" and x.dtype == torch.float32 and not torch.is_grad_enabled())


def _erf_gelu(act: Any, torch: Any) -> bool:
    """Whether ``act`` is the exact (erf) GELU, the one oneDNN's ``gelu`` post-op computes."""
    from transformers.activations import GELUActivation

    if isinstance(act, GELUActivation):
        return bool(act.act is torch.nn.functional.gelu)
    return isinstance(act, torch.nn.GELU) and act.approximate == "none"


def available() -> bool:
    """Whether this PyTorch build has the fused oneDNN linear kernels."""
    import torch

    try:
        return bool(
            torch.backends.mkldnn.is_available()  # type: ignore[no-untyped-call]
            and hasattr(torch.ops.mkldnn, "_linear_pointwise")
            and hasattr(torch.ops.mkldnn._linear_pointwise, "binary")
        )
    except (AttributeError, RuntimeError):  # pragma: no cover - builds without oneDNN
        return False


def fuse_encoder(model: Any) -> int:
    """Give the feed-forward and output blocks of ``model`` fused CPU kernels; returns how
    many modules were changed (0 where the build or the architecture does not allow it)."""
    import torch

    if not available():
        return 0
    linear = torch.ops.mkldnn._linear_pointwise
    changed = 0
    for module in model.modules():
        name = type(module).__name__
        if not name.startswith(_FAMILIES):
            continue
        dense = getattr(module, "dense", None)
        if not isinstance(dense, torch.nn.Linear):
            continue
        original = module.forward
        if name.endswith("Intermediate") and _erf_gelu(
            getattr(module, "intermediate_act_fn", None), torch
        ):

            def intermediate(
                self: Any, hidden_states: Any, _orig: Any = original, _dense: Any = dense
            ) -> Any:
                if not _fusable(hidden_states, torch):
                    return _orig(hidden_states)
                return linear(hidden_states, _dense.weight, _dense.bias, "gelu", [], "none")

            module.forward = types.MethodType(intermediate, module)
            changed += 1
        elif name.endswith(("Output", "SelfOutput")) and isinstance(
            getattr(module, "LayerNorm", None), torch.nn.LayerNorm
        ):

            def output(
                self: Any,
                hidden_states: Any,
                input_tensor: Any,
                _orig: Any = original,
                _dense: Any = dense,
            ) -> Any:
                if self.training or not _fusable(hidden_states, torch):
                    return _orig(hidden_states, input_tensor)
                summed = linear.binary(
                    hidden_states, input_tensor, _dense.weight, _dense.bias, "add"
                )
                return self.LayerNorm(summed)

            module.forward = types.MethodType(output, module)
            changed += 1
    return changed
