"""The package: typed and versioned, the demo, the command line.

The stub of the compiled module (``_native.pyi``) is checked against it, members and
signatures, by ``mypy.stubtest``: ``make stubs``, and a step of ``.ci/run``."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import rankwise
import rankwise.sample


def test_package_is_typed_and_versioned():
    assert (Path(str(resources.files("rankwise"))) / "py.typed").exists()
    assert rankwise.__version__.count(".") == 2
    assert rankwise.build_profile in ("release", "debug")


def test_demo_prints_a_table_and_returns_the_means(capsys):
    means = rankwise.demo()
    out = capsys.readouterr().out
    assert "nDCG@10" in out and "Robust04" in out
    assert "b) simulated_rerank" in out and "synthetic" in out
    assert "SlidingWindow()" in out and "Tournament(tournaments=2)" in out
    assert 0.3 < means["nDCG@10"] < 0.6
    assert set(means) == set(rankwise.sample.DEMO_MEASURES)


def test_command_line_demo_and_version():
    done = subprocess.run(
        [sys.executable, "-m", "rankwise", "demo"], capture_output=True, text=True, check=True
    )
    assert "nDCG@10" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "rankwise", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"rankwise {rankwise.__version__}"


def test_the_command_line_imports_neither_numpy_nor_typing():
    """`rankwise eval` should cost little more than the interpreter's start-up: numpy (~60 ms)
    and typing (~10 ms) are imported only by the modules that need them."""
    probe = "import sys; {} print(sorted({{'numpy', 'typing'}} & set(sys.modules)))"
    baseline = subprocess.run(
        [sys.executable, "-c", probe.format("")], capture_output=True, text=True, check=True
    ).stdout
    after = subprocess.run(
        [sys.executable, "-c", probe.format("import rankwise.cli;")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert after == baseline, f"importing rankwise.cli added {after} (before: {baseline})"


def test_public_names_resolve_and_numpy_modules_load_on_first_use():
    import importlib

    for name in rankwise.__all__:
        assert getattr(rankwise, name) is not None, name
    for name in ("metrics", "correlation", "consistency", "rerank"):
        assert getattr(rankwise, name) is importlib.import_module(f"rankwise.{name}")
    code = (
        "import sys, rankwise; "
        "print(sorted(m for m in ('numpy', 'rankwise.correlation', 'rankwise.consistency', "
        "'rankwise.rerank') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
