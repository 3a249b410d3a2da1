"""Every example in the docstrings, the README and the documentation site (docs/) runs and
prints what it says; the site's API reference covers every public module."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import rankwise

MODULES = [
    "rankwise",
    "rankwise.metrics",
    "rankwise.evaluate",
    "rankwise.report",
    "rankwise.sample",
    "rankwise.comparison",
    "rankwise.fusion",
    "rankwise.diversity",
    "rankwise.cwl",
    "rankwise.answers",
    "rankwise.stats",
    "rankwise.correlation",
    "rankwise.consistency",
    "rankwise.labels",
    "rankwise._label_targets",
    "rankwise._label_active",
    "rankwise.ratings",
    "rankwise._ratings_models",
    "rankwise._ratings_groups",
    "rankwise.rerank",
    "rankwise.rerank.parsing",
    "rankwise.rerank.passages",
    "rankwise.rerank.strategies",
    "rankwise.rerank.simulate",
    "rankwise.rerank.cache",
    "rankwise.torch.rewards",
    "rankwise.torch.scorers",
    "rankwise._partitions",
    "rankwise.dask",
    "rankwise.ray",
    "rankwise.compat.pytrec_eval",
    "rankwise.compat.sklearn",
    "rankwise.compat.scipy",
    "rankwise.compat.ranx",
    "rankwise.compat.torchmetrics.functional",
]
NEEDS_TORCH = {"rankwise.compat.torchmetrics.functional"}
NEEDS = {
    "rankwise.dask": "dask.dataframe",
    "rankwise._partitions": "pandas",
    "rankwise.ray": "pyarrow",
}
ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
DOC_PAGES = sorted(DOCS.rglob("*.md"))
# Pages whose examples need an optional dependency, and which one.
PAGE_NEEDS = {"guide/torch.md": "torch", "guide/scaling.md": "dask.dataframe"}


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


def run_python_blocks(path: Path) -> tuple[int, int]:
    """Run the ```python blocks of a markdown file as doctests, one namespace per file (a
    page's examples build on each other); returns (examples attempted, failed)."""
    text = path.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, path.name, str(path), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    return result.attempted, result.failed


def test_readme_python_examples_run():
    attempted, failed = run_python_blocks(README)
    assert attempted > 0, "the README has no Python example"
    assert failed == 0


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_docs_python_examples_run_and_print_what_they_show(page):
    name = str(page.relative_to(DOCS))
    if name in PAGE_NEEDS:
        pytest.importorskip(PAGE_NEEDS[name], reason=f"{PAGE_NEEDS[name]} is not installed")
    attempted, failed = run_python_blocks(page)
    assert failed == 0
    if name.startswith("guide/") and name != "guide/cli.md":
        assert attempted > 0, f"{name} has no Python example that runs"


def test_every_page_is_in_the_site_and_every_public_module_has_an_api_page():
    config = (ROOT / "mkdocs.yml").read_text()
    for page in DOC_PAGES:
        name = str(page.relative_to(DOCS))
        assert f" {name}\n" in config, f"{name} is not in mkdocs.yml's nav"
    api_pages = "".join(p.read_text() for p in (DOCS / "api").glob("*.md"))
    documented = set(re.findall(r"^::: (rankwise[\w.]*)", api_pages, flags=re.M))
    modules = pkgutil.walk_packages(rankwise.__path__, "rankwise.")
    public = {"rankwise"} | {
        m.name
        for m in modules
        if not any(part.startswith("_") for part in m.name.split("."))
        and m.name.split(".")[-1] != "cli"  # the command line, documented by --help
    }
    assert public - documented == set()
