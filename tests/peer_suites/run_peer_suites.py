"""Run the peers' own test suites against rankwise's drop-ins, with only the import swapped.

The compat modules promise "change the import and nothing else". This script takes each
original's own tests from the installed packages (nothing is downloaded, nothing of the peers'
is kept in this repository), points the names those tests import at rankwise's functions
(``swap_plugin.py``), and runs them with pytest:

* scikit-learn: the ``ndcg_score`` / ``dcg_score`` tests of ``sklearn/metrics/tests/
  test_ranking.py``, with ``sklearn.metrics.ndcg_score`` and ``dcg_score`` swapped for
  :mod:`rankwise.compat.sklearn`'s;
* scipy: the ``kendalltau`` / ``weightedtau`` / ``spearmanr`` tests of ``scipy/stats/tests/``
  (``test_stats.py``, the cases of ``test_axis_nan_policy.py`` for these functions, the
  ``test_mstats_basic.py`` tests that compare ``stats`` with ``mstats``, and the tests of
  ``test_resampling.py`` and ``test_correlation.py`` that use them as a reference), with
  ``scipy.stats.kendalltau``, ``weightedtau`` and ``spearmanr`` swapped for
  :mod:`rankwise.compat.scipy`'s;
* pytrec_eval: its ``tests/pytrec_eval_tests.py``, with ``import pytrec_eval`` rewritten to
  ``from rankwise.compat import pytrec_eval``. No distribution of pytrec_eval on PyPI ships its
  tests (every sdist and wheel of ``pytrec_eval`` 0.3 to 0.5 and ``pytrec_eval-terrier`` 0.5.1
  to 0.5.11 was checked), so this suite runs only when given a checkout of
  https://github.com/terrierteam/pytrec_eval (with its ``trec_eval`` submodule, whose
  ``test/`` files the integration tests read): ``--pytrec-eval-checkout DIR``;
* ranx: its ``tests/unit/ranx/`` with the data files they read. No ranx distribution on PyPI
  ships them (the 0.3.21 sdist and wheel were checked), so this suite runs only when given a
  checkout of https://github.com/AmenRa/ranx: ``--ranx-checkout DIR`` (tested at commit
  2cae52f: 86 pass, 9 deselected). ``from ranx import ...`` is rewritten to ``from rankwise.compat.ranx import
  ...`` and ``from ranx.fusion import ...`` (ranx's per-method functions behind ``fuse``) to
  ``tests/peer_suites/ranx_fusion.py``, where each is one call of the drop-in's ``fuse``.
  The tests of ranx's internals (numba kernels, typed lists, private helpers) keep their
  ranx imports and are deselected in ``RANX_DESELECTED``, with the reason.

Every deselected test is listed in ``DESELECTED`` with the reason. Exit status 0 when every
suite that ran passed.

Usage::

    python tests/peer_suites/run_peer_suites.py [--pytrec-eval-checkout DIR] [--ranx-checkout DIR]
        [-- PYTEST_ARGS]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SKLEARN_SWAP = "sklearn.metrics:ndcg_score=rankwise.compat.sklearn," + (
    "sklearn.metrics:dcg_score=rankwise.compat.sklearn"
)
SCIPY_SWAP = ",".join(
    f"scipy.stats:{name}=rankwise.compat.scipy"
    for name in ("kendalltau", "weightedtau", "spearmanr")
)

#: Tests of the selected groups that do not run, and why: each must be outside the drop-in's
#: promise or a difference documented in the compat module. None today: every selected test
#: runs. (scipy's test_axis_nan_policy.py calls the function with its private `_no_deco=True`
#: flag to compute a reference; swap_plugin.py drops the flag, see PRIVATE_FLAGS there.)
DESELECTED: dict[str, str] = {}

#: scipy's test modules and, for each, the tests that call the swapped functions.
SCIPY_GROUPS: list[tuple[str, str]] = [
    # every test of kendalltau, weightedtau and spearmanr
    (
        "scipy.stats.tests.test_stats",
        "TestCorrSpearmanr or test_kendalltau or TestKendallTauAlternative or test_weightedtau "
        "or test_kendall_tau_large or test_segfault_issue_9710",
    ),
    # the axis / nan_policy / keepdims / empty-input cases of the decorated functions
    ("scipy.stats.tests.test_axis_nan_policy", "kendalltau or weightedtau or spearmanr"),
    # the tests that compare `stats` with `mstats` (the others test mstats alone)
    (
        "scipy.stats.tests.test_mstats_basic",
        "test_kendalltau_mstats_vs_stats or (TestCompareWithStats and (test_spearmanr or "
        "test_kendalltau))",
    ),
    # tests of other functions that use these as their reference
    ("scipy.stats.tests.test_resampling", "test_against_kendalltau or test_against_spearmanr"),
    ("scipy.stats.tests.test_correlation", "test_against_scipy_spearmanr"),
]


#: ranx's tests that cannot apply to a drop-in of ranx's API, and why (pytest node ids under
#: tests/unit/ranx/, or a module for all of its tests).
RANX_INTERNALS = "tests ranx's internals, not its API"
RANX_DESELECTED: dict[str, str] = {
    "metrics_test.py": f"{RANX_INTERNALS}: the numba metric kernels (ranx.metrics.*) on numba "
    "typed lists of (doc, score) arrays",
    "metrics/bpref_test.py": f"{RANX_INTERNALS}: ranx.metrics.bpref on numba typed lists",
    "metrics/f1_test.py": f"{RANX_INTERNALS}: ranx.metrics.f1/precision/recall kernels",
    "metrics/rank_biased_precision_test.py": f"{RANX_INTERNALS}: the numba RBP kernel",
    "metrics/zero_division_error_test.py": f"{RANX_INTERNALS}: the numba kernels on typed lists",
    "fusion/bayesfuse_test.py::test_estimate_log_odds": f"{RANX_INTERNALS}: the private "
    "_estimate_log_odds on numba hit lists (ranx.metrics.get_hit_lists of to_typed_list())",
    "fusion/condorcet_test.py::test_get_candidates": f"{RANX_INTERNALS}: the helper "
    "get_candidates on numba typed dicts of the runs",
    "fusion/condorcet_test.py::test_get_results": f"{RANX_INTERNALS}: the helper get_results "
    "on numba typed dicts of the runs",
    "data_structures/qrels_test.py::test_to_typed_list": "numba typed lists: to_typed_list "
    "feeds ranx's numba kernels; rankwise has no numba (documented in rankwise.compat.ranx)",
    "data_structures/run_test.py::test_to_typed_list": "numba typed lists, as above",
    "data_structures/qrels_test.py::test_sort": "asserts `sorted is False` after add_score: "
    "rankwise ranks a table when it builds it, so `sorted` is always True (documented)",
    "data_structures/run_test.py::test_sort": "as qrels_test.py::test_sort",
    "data_structures/qrels_test.py::test_to_dataframe": "ranx is inconsistent under pandas 3: "
    "its to_dataframe gives str-dtype ids (what this test expects) that its own from_df "
    "refuses (it asserts object ids); the drop-in keeps object ids so that its frames load in "
    "ranx's from_df (tests/test_compat_ranx.py::test_qrels_and_run_round_trips_equal_ranx)",
    "data_structures/run_test.py::test_to_dataframe": "as qrels_test.py::test_to_dataframe",
    "normalization": f"{RANX_INTERNALS}: ranx.normalization's per-norm functions, which "
    "rankwise.compat.ranx does not expose (fuse's `norm` applies them; tested in "
    "tests/test_fusion.py)",
}


def _with_deselected(select: str) -> str:
    return " and ".join([f"({select})", *(f"not ({key})" for key in DESELECTED)])


def _pytest(swap: str, modules: list[str], select: str, extra: list[str]) -> int:
    env = dict(os.environ, RANKWISE_SWAP=swap)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "tests.peer_suites.swap_plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rs",
        "-W",
        "ignore::pytest.PytestUnknownMarkWarning",
        "--pyargs",
        *modules,
        "-k",
        select,
        *extra,
    ]
    print("$", " ".join(cmd[1:]), flush=True)
    return subprocess.call(cmd, env=env, cwd=ROOT)


def run_sklearn(extra: list[str]) -> int:
    """scikit-learn's ndcg_score / dcg_score tests."""
    return _pytest(
        SKLEARN_SWAP, ["sklearn.metrics.tests.test_ranking"], _with_deselected("dcg"), extra
    )


def run_scipy(extra: list[str]) -> int:
    """scipy's kendalltau / weightedtau / spearmanr tests."""
    status = 0
    for module, select in SCIPY_GROUPS:
        status |= _pytest(SCIPY_SWAP, [module], _with_deselected(select), extra)
    return status


def run_pytrec_eval(checkout: Path) -> int:
    """pytrec_eval's tests/pytrec_eval_tests.py, run as its authors run it (as a script, which
    adds the trec_eval integration tests), with the import rewritten."""
    source = checkout / "tests" / "pytrec_eval_tests.py"
    text = source.read_text()
    swapped, n = re.subn(
        r"^import pytrec_eval$", "from rankwise.compat import pytrec_eval", text, flags=re.M
    )
    if n != 1:
        print(f"cannot find `import pytrec_eval` in {source}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        tests = Path(tmp) / "tests"
        tests.mkdir()
        (tests / "pytrec_eval_tests.py").write_text(swapped)
        # The tests read ../trec_eval/test relative to themselves.
        os.symlink(checkout / "trec_eval", Path(tmp) / "trec_eval")
        print(f"$ python {tests / 'pytrec_eval_tests.py'}  (import swapped)", flush=True)
        return subprocess.call([sys.executable, str(tests / "pytrec_eval_tests.py")], cwd=tmp)


def _ranx_swapped(text: str) -> str:
    """A ranx test module with its imports of ranx's API pointed at the drop-in."""
    text = re.sub(r"^from ranx import ", "from rankwise.compat.ranx import ", text, flags=re.M)
    # bayesfuse_test.py imports ranx's public bayesfuse_train beside a private helper
    text = text.replace(
        "from ranx.fusion.bayesfuse import _estimate_log_odds, bayesfuse_train",
        "from ranx.fusion.bayesfuse import _estimate_log_odds\n"
        "from tests.peer_suites.ranx_fusion import bayesfuse_train",
    )
    return re.sub(
        r"^from ranx\.fusion import ",
        "from tests.peer_suites.ranx_fusion import ",
        text,
        flags=re.M,
    )


def run_ranx(checkout: Path, extra: list[str]) -> int:
    """ranx's tests/unit/ranx of a checkout, import swapped, from a scratch copy (they read
    their data files at tests/unit/ranx/test_data relative to the working directory)."""
    tests = checkout / "tests"
    if not (tests / "unit" / "ranx").is_dir():
        print(f"ranx: {checkout} holds no tests/unit/ranx (not a checkout of AmenRa/ranx)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for path in tests.joinpath("unit").rglob("*"):
            target = Path(tmp) / "tests" / path.relative_to(tests)
            if path.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            elif path.suffix == ".py":
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(_ranx_swapped(path.read_text()))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
        unit = Path(tmp) / "tests" / "unit" / "ranx"
        ignore = [f"--ignore={unit / key}" for key in RANX_DESELECTED if "::" not in key]
        deselect = [f"--deselect=tests/unit/ranx/{key}" for key in RANX_DESELECTED if "::" in key]
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
            "--rootdir",
            tmp,
            "-o",
            "python_files=*_test.py",
            *ignore,
            *deselect,
            str(unit),
            *extra,
        ]
        print("$ pytest tests/unit/ranx (import swapped to rankwise.compat.ranx)", flush=True)
        return subprocess.call(cmd, env=env, cwd=tmp)


def main(argv: list[str] | None = None) -> int:
    """Run every suite; exit non-zero when one fails."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pytrec-eval-checkout",
        type=Path,
        help="a checkout of terrierteam/pytrec_eval with its trec_eval submodule",
    )
    parser.add_argument("--ranx-checkout", type=Path, help="a checkout of AmenRa/ranx")
    parser.add_argument(
        "--only", choices=("sklearn", "scipy", "pytrec_eval", "ranx"), action="append"
    )
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args(argv)
    only = set(args.only or ("sklearn", "scipy", "pytrec_eval", "ranx"))
    failed = []
    if "sklearn" in only and run_sklearn(args.pytest_args) != 0:
        failed.append("scikit-learn")
    if "scipy" in only and run_scipy(args.pytest_args) != 0:
        failed.append("scipy")
    if "pytrec_eval" in only:
        if args.pytrec_eval_checkout is None:
            print(
                "pytrec_eval: not run (no PyPI distribution ships its tests; pass "
                "--pytrec-eval-checkout DIR with a checkout of terrierteam/pytrec_eval)"
            )
        elif run_pytrec_eval(args.pytrec_eval_checkout) != 0:
            failed.append("pytrec_eval")
    if "ranx" in only:
        if args.ranx_checkout is None:
            print(
                "ranx: not run (no PyPI distribution ships its tests; pass --ranx-checkout DIR "
                "with a checkout of AmenRa/ranx)"
            )
        elif run_ranx(args.ranx_checkout, args.pytest_args) != 0:
            failed.append("ranx")
    for name, reason in RANX_DESELECTED.items():
        print(f"deselected (ranx): {name}: {reason}")
    for name, reason in DESELECTED.items():
        print(f"deselected: {name}: {reason}")
    if not DESELECTED:
        print("deselected: none")
    if failed:
        print("FAILED peer suites: " + ", ".join(failed))
        return 1
    print("peer suites passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
