"""Every example in the docstrings and in the README runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

MODULES = [
    "rankwise",
    "rankwise.metrics",
    "rankwise.evaluate",
    "rankwise.report",
    "rankwise.sample",
    "rankwise.comparison",
    "rankwise.correlation",
    "rankwise.consistency",
    "rankwise.labels",
    "rankwise.rerank",
    "rankwise.rerank.parsing",
    "rankwise.rerank.strategies",
    "rankwise.rerank.simulate",
    "rankwise.rerank.cache",
    "rankwise.torch.rewards",
    "rankwise._partitions",
    "rankwise.dask",
    "rankwise.ray",
    "rankwise.compat.pytrec_eval",
    "rankwise.compat.sklearn",
    "rankwise.compat.scipy",
    "rankwise.compat.torchmetrics.functional",
]
NEEDS_TORCH = {"rankwise.compat.torchmetrics.functional"}
NEEDS = {
    "rankwise.dask": "dask.dataframe",
    "rankwise._partitions": "pandas",
    "rankwise.ray": "pyarrow",
}
README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    if name in NEEDS_TORCH:
        pytest.importorskip("torch", reason="PyTorch is not installed")
    if name in NEEDS:
        pytest.importorskip(NEEDS[name], reason=f"{NEEDS[name]} is not installed")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0
    assert result.attempted > 0


def test_readme_python_examples_run():
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has no Python example"
    for block in blocks:
        parser = doctest.DocTestParser()
        test = parser.get_doctest(block, {}, "README", str(README), 0)
        runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
        runner.run(test)
        assert runner.summarize(verbose=False).failed == 0
