"""Fuzz every public entry point of rankwise: a result or a rankwise error, never worse.

For ``--seconds`` (default 300), hypothesis generates calls of each public function, class
constructor and method (metrics, correlation, consistency, labels, evaluate / Qrels / Run /
Report, compare, fuse, the rerank strategies and driver, the compat drop-ins) and of the
command line (``rankwise.cli.main`` in-process, plus a few runs of ``python -m rankwise`` in a
subprocess). Each call starts from valid random arguments; most then have one argument
replaced by a bad value: a wrong type, shape or dtype, NaN or infinities, huge and negative
integers, empty inputs, non-UTF-8 bytes, ragged nesting, non-contiguous arrays.

Accepted outcomes:

* a result; for valid arguments, equal to a slow reference where one is cheap (the metrics
  against a small numpy implementation, the rank correlations against scipy, sklearn's
  ``ndcg_score``, permutations against ``numpy.argsort``) and within its bounds elsewhere;
* a :class:`rankwise.errors.RankwiseError` whose message names an argument of the call (the
  compat drop-ins may raise the original's ``ValueError``/``TypeError`` instead);
* for the CLI, an exit status with a message on stderr and no Python traceback.

Failures: any other exception (a pyo3 ``PanicException``, a raw ``OverflowError``,
``IndexError``, ``KeyError``, ``ZeroDivisionError``, ...), a message that names no argument,
a wrong value, a call that takes longer than ``--call-seconds`` (alarm in the process, and a
watchdog from outside for native code that holds on), or a crash: the calls run in a child
process, so a segfault or an abort is caught and reported with the input being tried. Each
failure is printed once (grouped by entry point, outcome and message) with a one-line
reproducer. The exit status is 1 when any failure was found.

The entry points take turns: each round gives every one a batch of inputs (1 in the first
round, doubling up to ``--batch``), in an order shuffled by ``--seed``, so that even a short
sweep reaches every entry point. The summary lists apart the public functions no entry point
calls and the entry points the time given did not reach.

    python benches/fuzz_api.py [--seconds 300] [--only SUBSTRING] [--call-seconds 10]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gzip
import inspect
import io
import itertools
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------
# Values and their source text (every value must be rebuildable from its reproducer)
# ---------------------------------------------------------------------------------------------
# Bad values as source text: evaluated afresh for each call (a generator is consumed once).
BAD_SOURCES = [
    "None", "'x'", "''", "b'\\xff\\xfe'", "'\\udcff'", "[]", "{}", "()", "set()", "object()",
    "nan", "inf", "-inf", "-1", "0", "1", "-(2**63)", "2**63", "2**64", "2**70", "-(2**70)",
    "2**2000", "-(2**2000)", "1.5", "True", "False", "-0.0", "1e308", "5e-324", "1j",
    "np.int64(-1)", "np.float32('nan')", "np.uint64(2**64 - 1)", "np.float16(65504)",
    "np.array([])", "np.zeros((0, 3))", "np.zeros((2, 0))", "np.zeros((2, 2, 2))",
    "np.array(1.0)", "np.array(['a', 'b'])", "np.array([1 + 2j, 0j])", "np.array([nan, 1.0])",
    "np.array([inf, -inf])", "np.array([2**64 - 1, 0], dtype=np.uint64)",
    "np.array([1, 2], dtype=np.float16)", "np.arange(10.0)[::3]",
    "np.asfortranarray(np.ones((3, 2)))", "np.array([True, False])",
    "np.array([1, -1], dtype=np.int8)", "np.array([None, 1.0], dtype=object)",
    "[[1, 2], [3]]", "[[1.0, [2.0]]]", "[None, 1]", "['1', '2']", "[b'\\xff', b'a']",
    "{'a': 1}", "{1, 2}", "iter([1, 2])", "[nan, nan]", "[2**70, 1]", "[2**2000, 0]",
    "[-1, -2]", "[[nan]]", "[[]]", "[[], []]", "{'q': {'d': nan}}", "{'q': {'d': 'x'}}",
    "{'q': {}}", "{'': {'': 1}}", "{'q\\x00': {'d\\udcff': 1}}", "{1: {2: 3}}",
    "{'q': {'d': 2**2000}}", "{'q': [1, 2]}", "'nDCG@0'", "'nDCG@-1'", "'P@99999999999999999999'",
    "'bogus'", "['AP', 'AP']", "'RBP(p=1.5)'", "'x' * 10000",
]  # fmt: skip


def _namespace(text: str = "") -> dict[str, Any]:
    space: dict[str, Any] = {"np": np, "nan": math.nan, "inf": math.inf}
    if "torch." in text:
        import torch

        space["torch"] = torch
    return space


def py(value: Any) -> str:
    """Python source that rebuilds ``value`` (arrays, scalars, containers of them)."""
    if isinstance(value, Source):
        return value.text
    if isinstance(value, np.ndarray):
        if value.size == 0 or value.ndim == 0:
            if value.ndim == 0:
                return f"np.array({py(value.item())}, dtype=np.{value.dtype.name})"
            return f"np.zeros({value.shape!r}, dtype=np.{value.dtype.name})"
        return f"np.array({py(value.tolist())}, dtype=np.{value.dtype.name})"
    if type(value).__module__ == "torch" and type(value).__name__ == "Tensor":
        return f"torch.tensor({py(value.tolist())}, dtype={value.dtype})"
    if isinstance(value, np.generic):
        return f"np.{type(value).__name__}({py(value.item())})"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if abs(value) < 2**64:
            return repr(value)
        k = abs(value).bit_length() - 1
        rest = abs(value) - 2**k
        text = f"2**{k}" + (f" + {rest}" if rest else "")
        return f"-({text})" if value < 0 else f"({text})"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(py(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(py(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py(k)}: {py(v)}" for k, v in value.items()) + "}"
    return repr(value)


@dataclass(frozen=True)
class Source:
    """A value given by its source text (evaluated for each call)."""

    text: str

    def make(self) -> Any:
        return eval(self.text, _namespace(self.text))


def realise(value: Any) -> Any:
    if isinstance(value, Source):
        return value.make()
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


# ---------------------------------------------------------------------------------------------
# Strategies for valid inputs
# ---------------------------------------------------------------------------------------------
def grades(draw: st.DrawFn, shape: tuple[int, ...], top: int = 3) -> np.ndarray:
    return np.asarray(draw(st.lists(st.integers(0, top), min_size=math.prod(shape),
                                    max_size=math.prod(shape))), dtype=np.int64).reshape(shape)  # fmt: skip


def reals(draw: st.DrawFn, shape: tuple[int, ...], ties: bool = True) -> np.ndarray:
    n = math.prod(shape)
    if ties:
        values = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, -1.0]), min_size=n, max_size=n))
    else:
        values = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n))
    return np.asarray(values, dtype=np.float64).reshape(shape)


def batch_shape(draw: st.DrawFn, min_docs: int = 1) -> tuple[int, int]:
    return draw(st.integers(1, 4)), draw(st.integers(min_docs, 8))


def ids(draw: st.DrawFn, prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def qrels_dict(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for q in range(draw(st.integers(1, 3))):
        docs = draw(st.lists(st.integers(0, 6), min_size=1, max_size=6, unique=True))
        out[f"q{q}"] = {f"d{d}": draw(st.integers(0, 2)) for d in docs}
    return out


def run_dict(draw: st.DrawFn) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for q in range(draw(st.integers(1, 3))):
        docs = draw(st.lists(st.integers(0, 8), min_size=1, max_size=8, unique=True))
        out[f"q{q}"] = {f"d{d}": draw(st.sampled_from([0.1, 0.5, 1.0, 2.5, -3.0])) for d in docs}
    return out


MEASURES = ["nDCG@10", "AP", "RR", "P@5", "R@100", "Rprec", "Bpref", "ERR@10", "RBP(p=0.8)",
            "map", "ndcg_cut_10", "P.5,10", "recip_rank", "Judged@10", "nDCG", "R@3"]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Slow references (valid inputs)
# ---------------------------------------------------------------------------------------------
def _order(scores: np.ndarray) -> np.ndarray:
    return np.argsort(-scores, kind="stable")


def ref_metric(name: str, scores: np.ndarray, labels: np.ndarray, k: int | None) -> np.ndarray:
    """Per-query value of a measure, by its definition (trec_eval semantics, equal scores in
    input order), for a 2-D batch of finite scores and graded labels >= 0."""
    out = []
    for s, lab in zip(scores, labels, strict=True):
        ranked = lab[_order(s)].astype(np.float64)
        kk = len(ranked) if k is None else k
        top = ranked[:kk]
        rel = top >= 1
        total_rel = int((lab >= 1).sum())
        disc = 1.0 / np.log2(np.arange(2, len(top) + 2))
        if name == "ndcg":
            ideal = np.sort(lab.astype(np.float64))[::-1][:kk]
            idcg = float((ideal * disc[: len(ideal)]).sum())
            out.append(float((top * disc).sum()) / idcg if idcg > 0 else 0.0)
        elif name == "dcg":
            out.append(float((top * disc).sum()))
        elif name == "precision":
            out.append(rel.sum() / kk)
        elif name == "recall":
            out.append(rel.sum() / total_rel if total_rel else 0.0)
        elif name == "reciprocal_rank":
            hit = np.flatnonzero(rel)
            out.append(1.0 / (hit[0] + 1) if hit.size else 0.0)
        elif name == "average_precision":
            hits = np.cumsum(rel)
            prec = hits / np.arange(1, len(top) + 1)
            out.append(float((prec * rel).sum()) / total_rel if total_rel else 0.0)
        elif name == "success":
            out.append(1.0 if rel.any() else 0.0)
        else:
            raise KeyError(name)
    return np.asarray(out)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------
@dataclass
class Entry:
    """A public callable: a strategy for valid keyword arguments, an optional check of the
    result for valid arguments, and the names the bad values may replace."""

    name: str  # dotted path used in reproducers
    valid: Callable[[st.DrawFn], dict[str, Any]]
    check: Callable[[Any, dict[str, Any]], None] | None = None
    compat: bool = False  # drop-in: the original's ValueError/TypeError are fine too
    call: Callable[..., Any] | None = None  # defaults to the object at `name`
    positional: tuple[str, ...] | None = None  # parameters passed by position
    mutable: tuple[str, ...] | None = None  # the parameters bad values replace (default: all)
    files: bool = False  # reads files: OSError (not found, a directory) is an allowed outcome
    bad: tuple[str, ...] = ()  # bad values of its own, as source text, besides BAD
    # the names the called function gives the arguments, where a wrapper renames them
    aliases: tuple[str, ...] = ()
    tried: int = 0
    valid_tried: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def target(self) -> Callable[..., Any]:
        if self.call is not None:
            return self.call
        module, _, attr = self.name.rpartition(".")
        obj: Any = __import__(module, fromlist=["_"])
        for part in attr.split(":"):
            obj = getattr(obj, part)
        return obj  # type: ignore[no-any-return]

    def params(self) -> list[str]:
        if self.mutable is not None:
            return list(self.mutable)
        try:
            sig = inspect.signature(self.target())
        except (TypeError, ValueError):
            return []
        return [
            p.name
            for p in sig.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def split(self, kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        if self.positional is not None:
            given = [kwargs[p] for p in self.positional if p in kwargs]
            return given, {k: v for k, v in kwargs.items() if k not in self.positional}
        try:
            sig = inspect.signature(self.target())
        except (TypeError, ValueError):
            return [], kwargs
        pos = []
        rest = dict(kwargs)
        for p in sig.parameters.values():
            positional = p.kind == p.POSITIONAL_ONLY or (
                p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty
            )
            if not positional or p.name not in rest:
                break
            pos.append(rest.pop(p.name))
        return pos, rest

    def reproducer(self, kwargs: dict[str, Any]) -> str:
        pos, kw = self.split(kwargs)
        args = [py(v) for v in pos] + [f"{k}={py(v)}" for k, v in kw.items()]
        head = "import numpy as np; from math import nan, inf; "
        if "torch." in "".join(args):
            head += "import torch; "
        if self.call is not None and self.name != "rankwise.cli.main":
            # A helper of this script builds what the call needs (a ranker, a strategy).
            return (
                f"{head}import sys; sys.path.insert(0, 'benches'); "
                f"from fuzz_api import {self.call.__name__}; {self.call.__name__}({', '.join(args)})"
            )
        module = self.name.split(":")[0].rsplit(".", 1)[0]
        return f"{head}import {module}; {self.name.replace(':', '.')}({', '.join(args)})"


def approx(name: str) -> Callable[[Any, dict[str, Any]], None]:
    def check(result: Any, kw: dict[str, Any]) -> None:
        expected = ref_metric(name, kw["scores"], kw["labels"], kw.get("k"))
        got = np.asarray(result, dtype=np.float64)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            raise AssertionError(f"wrong value: got {got.tolist()}, reference {expected.tolist()}")

    return check


def metric_entry(name: str, k: Any, has_k: bool = True) -> Entry:
    @st.composite
    def valid(draw: st.DrawFn) -> dict[str, Any]:
        shape = batch_shape(draw)
        kw: dict[str, Any] = {"scores": reals(draw, shape), "labels": grades(draw, shape)}
        if has_k:
            kw["k"] = draw(k)
        return kw

    return Entry(f"rankwise.metrics.{name}", valid(), approx(name))


def in_unit(result: Any, kw: dict[str, Any]) -> None:
    values = np.asarray([v for v in _numbers(result)], dtype=np.float64)
    finite = values[np.isfinite(values)]
    if ((finite < -1e-12) | (finite > 1 + 1e-12)).any():
        raise AssertionError(f"value outside [0, 1]: {finite.tolist()}")


def in_minus1_1(result: Any, kw: dict[str, Any]) -> None:
    values = np.asarray([v for v in _numbers(result)], dtype=np.float64)
    finite = values[np.isfinite(values)]
    if ((finite < -1 - 1e-9) | (finite > 1 + 1e-9)).any():
        raise AssertionError(f"value outside [-1, 1]: {finite.tolist()}")


def _numbers(result: Any) -> list[float]:
    if isinstance(result, dict):
        return [x for v in result.values() for x in _numbers(v)]
    if isinstance(result, (list, tuple)):
        return [x for v in result for x in _numbers(v)]
    if isinstance(result, np.ndarray):
        return [float(x) for x in result.reshape(-1)]
    if isinstance(result, (int, float, np.number)):
        return [float(result)]
    return []


def scipy_check(fn: str) -> Callable[[Any, dict[str, Any]], None]:
    def check(result: Any, kw: dict[str, Any]) -> None:
        import scipy.stats

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = getattr(scipy.stats, fn)(kw["x"], kw["y"])
        got = float(result[0])
        want = float(expected[0])
        if math.isnan(want) and math.isnan(got):
            return
        if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
            raise AssertionError(f"statistic {got}, scipy.stats.{fn}: {want}")

    return check


def _pairs(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 12))
    return {"x": reals(draw, (n,)), "y": reals(draw, (n,))}


def _pairs_distinct(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 12))
    return {"x": reals(draw, (n,), ties=False), "y": reals(draw, (n,), ties=False)}


def _perm_check(result: Any, kw: dict[str, Any]) -> None:
    v = np.asarray(kw["values"], dtype=np.float64)
    expected = np.stack([_order(row) for row in v.reshape(-1, v.shape[-1])]).reshape(v.shape)
    if not np.array_equal(result, expected):
        raise AssertionError(f"permutation {result.tolist()}, numpy.argsort: {expected.tolist()}")


def _sklearn_check(result: Any, kw: dict[str, Any]) -> None:
    import sklearn.metrics

    want = sklearn.metrics.ndcg_score(kw["y_true"], kw["y_score"], k=kw.get("k"))
    if not math.isclose(float(result), float(want), rel_tol=1e-9, abs_tol=1e-12):
        raise AssertionError(f"ndcg_score {result}, sklearn: {want}")


def _rbo_check(result: Any, kw: dict[str, Any]) -> None:
    r = result
    if not (-1e-12 <= r.min <= r.ext + 1e-12 and r.ext <= r.max + 1e-12 and r.max <= 1 + 1e-12):
        raise AssertionError(f"RBO bounds out of order: {r}")


def _plan_check(result: Any, kw: dict[str, Any]) -> None:
    if not (
        0 <= result.calls_min <= result.calls_max and 0 <= result.depth_min <= result.depth_max
    ):
        raise AssertionError(f"plan out of order: {result}")


# The replies of the oracle rankers below: a valid answer, or a bad one of each kind.
REPLIES = (
    "ok",
    "generator",
    "bytes",
    "none",
    "short",
    "nan",
    "huge",
    "strs",
    "negative",
    "objects",
)


class _Oracle:
    """A ranker for the driver: valid answers of every kind, or a bad reply."""

    def __init__(self, reply: str = "ok") -> None:
        self.reply = reply

    def __repr__(self) -> str:
        return f"_Oracle({self.reply!r})"

    def _bad(self, good: list[Any]) -> Any:
        return {
            "ok": good,
            "generator": (g for g in good),
            "bytes": b"\x01\x02",
            "none": None,
            "short": good[:-1],
            "nan": [math.nan for _ in good],
            "huge": [2**2000 for _ in good],
            "strs": ["[1] > [1] > [99]" for _ in good],
            "negative": [[-1] for _ in good],
            "objects": [object() for _ in good],
        }[self.reply]

    def rank(self, batch: Any) -> Any:
        return self._bad([list(range(len(c)))[::-1] for _, c in batch])

    def compare(self, batch: Any) -> Any:
        return self._bad([0.5 if a == b else float(a > b) for _, a, b in batch])

    def select(self, batch: Any) -> Any:
        return self._bad([int(np.argmax(c)) for _, c, _ in batch])

    def score_group(self, batch: Any) -> Any:
        return self._bad([[float(x) for x in c] for _, c in batch])

    def score(self, batch: Any) -> Any:
        return self._bad([float(c) for _, c in batch])


STRATEGIES = {
    "SlidingWindow": lambda d: {"window": d(st.integers(2, 6)), "step": 1, "top_k": d(st.integers(1, 5))},
    "Setwise": lambda d: {"children": d(st.integers(2, 4)), "top_k": d(st.integers(1, 5))},
    "Pairwise": lambda d: {"method": d(st.sampled_from(["allpair", "heapsort", "sliding"])), "top_k": d(st.integers(1, 5))},
    "Tournament": lambda d: {"stages": ((2, 4), (1, 2)), "seed": d(st.integers(0, 5))},
    "TopDown": lambda d: {"window": d(st.integers(4, 6)), "top_k": d(st.integers(1, 3)), "buffer": d(st.integers(3, 5))},
    "Groupwise": lambda d: {"group_size": d(st.integers(2, 5)), "overlap": 1},
    "FullList": lambda d: {},
    "Pointwise": lambda d: {},
}  # fmt: skip


def _plan_call(strategy: tuple[str, dict[str, Any]], n: Any) -> Any:
    """``<Strategy>(**options).plan(n)``."""
    import rankwise.rerank as rr

    return getattr(rr, strategy[0])(**strategy[1]).plan(n)


def _strategy_entry(cls: str) -> list[Entry]:
    @st.composite
    def ctor(draw: st.DrawFn) -> dict[str, Any]:
        return STRATEGIES[cls](draw)

    @st.composite
    def plan(draw: st.DrawFn) -> dict[str, Any]:
        return {"strategy": (cls, STRATEGIES[cls](draw)), "n": draw(st.integers(0, 200))}

    return [
        Entry(f"rankwise.rerank.{cls}", ctor()),
        Entry(f"rankwise.rerank.{cls}:plan", plan(), _plan_check, call=_plan_call, mutable=("n",)),
    ]


def _rerank_call(
    queries: Any, candidates: Any, ranker: Any, strategy: Any, batch_size: Any = 32, **kw: Any
) -> Any:
    import rankwise.rerank as rr

    if isinstance(ranker, str):
        ranker = _Oracle(ranker)
    # (class name, options) from _rerank_valid; any other value is a bad one, passed as it is
    if isinstance(strategy, tuple) and len(strategy) == 2 and isinstance(strategy[0], str) \
            and isinstance(strategy[1], dict):  # fmt: skip
        strategy = getattr(rr, strategy[0])(**strategy[1])
    return rr.rerank(
        queries, candidates, ranker, strategy, batch_size=batch_size, progress=False, **kw
    )


@st.composite
def _rerank_valid(draw: st.DrawFn) -> dict[str, Any]:
    cls = draw(st.sampled_from(sorted(STRATEGIES)))
    nq = draw(st.integers(1, 3))
    cands = [
        draw(st.lists(st.integers(0, 50), min_size=0, max_size=9, unique=True)) for _ in range(nq)
    ]
    return {
        "queries": [f"q{i}" for i in range(nq)],
        "candidates": cands,
        "ranker": draw(st.sampled_from(["ok"] * 4 + ["generator", "bytes", "none", "short",
                                                    "nan", "huge", "strs", "negative", "objects"])),
        "strategy": (cls, STRATEGIES[cls](draw)),
        "batch_size": draw(st.integers(1, 8)),
    }  # fmt: skip


def _rerank_check(result: Any, kw: dict[str, Any]) -> None:
    """Every query's order is a permutation of its candidates (repaired answers included)."""
    for order, cands in zip(result.orders, kw["candidates"], strict=True):
        if sorted(order) != list(range(len(cands))):
            raise AssertionError(f"order {order} is not a ranking of {len(cands)} candidates")


def _cli_call(argv: list[str]) -> Any:
    """``rankwise.cli.main(argv)`` with stdout/stderr captured; an exception escaping main is
    what a user would see as a traceback."""
    from rankwise import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv)
        except SystemExit as e:  # argparse: usage message and status 2
            status = e.code
    if "Traceback (most recent call last)" in err.getvalue():
        raise AssertionError(f"traceback on stderr: {err.getvalue()[-300:]}")
    return status


def _strategy_of(strategy: Any) -> Any:
    """A (class name, options) pair from the valid strategies, built; any other value (a bad
    one) as it is."""
    import rankwise.rerank as rr

    if isinstance(strategy, tuple) and len(strategy) == 2 and isinstance(strategy[0], str) \
            and isinstance(strategy[1], dict):  # fmt: skip
        return getattr(rr, strategy[0])(**strategy[1])
    return strategy


def _rerank_async_call(
    queries: Any, candidates: Any, ranker: Any, strategy: Any, batch_size: Any = 32, **kw: Any
) -> Any:
    """``asyncio.run(rerank_async(...))`` with the arguments of ``rerank``."""
    import asyncio

    import rankwise.rerank as rr

    if isinstance(ranker, str):
        ranker = _Oracle(ranker)
    return asyncio.run(rr.rerank_async(queries, candidates, ranker, _strategy_of(strategy),
                                       batch_size=batch_size, progress=False, **kw))  # fmt: skip


def _rerank_run_call(
    run: Any, queries: Any, corpus: Any, ranker: Any, strategy: Any, depth: Any = 100
) -> Any:
    """``rankwise.rerank.auto.rerank_run`` with an oracle ranker named by its reply."""
    from rankwise.rerank.auto import rerank_run

    if isinstance(ranker, str):
        ranker = _Oracle(ranker)
    return rerank_run(run, queries, corpus, ranker, _strategy_of(strategy), depth=depth,
                      progress=False)  # fmt: skip


@st.composite
def _rerank_run_valid(draw: st.DrawFn) -> dict[str, Any]:
    run = run_dict(draw)
    docs = sorted({d for ranking in run.values() for d in ranking})
    cls = draw(st.sampled_from(sorted(STRATEGIES)))
    return {
        "run": run,
        "queries": {q: f"query {q}" for q in run},
        # numbers as texts, so that the oracle's score and comparisons read them
        "corpus": {d: d[1:] for d in docs},
        "ranker": draw(st.sampled_from(["ok"] * 6 + ["none", "short", "nan", "objects"])),
        "strategy": (cls, STRATEGIES[cls](draw)),
        "depth": draw(st.integers(1, 10)),
    }


def _rerank_run_check(result: Any, kw: dict[str, Any]) -> None:
    """The reranked run holds every query and document of the input run (the head reordered)."""
    got = {q: set(docs) for q, docs in result.to_dict().items()}
    want = {q: set(docs) for q, docs in kw["run"].items()}
    if got != want:
        raise AssertionError(f"reranked run {got} lost or added documents of {want}")


def _openai_valid(draw: st.DrawFn) -> dict[str, Any]:
    """Constructor arguments only: no request is made (port 9, discard, is never contacted)."""
    return {
        "base_url": "http://127.0.0.1:9/v1",
        "model": draw(st.sampled_from(["m", "org/model-7b"])),
        "api": draw(st.sampled_from(["chat", "completions"])),
        "max_passage_words": draw(st.one_of(st.none(), st.integers(1, 500))),
        "top_logprobs": draw(st.integers(1, 20)),
        "concurrency": draw(st.integers(1, 16)),
        "timeout": draw(st.floats(0.5, 300)),
        "max_retries": draw(st.integers(0, 8)),
        "backoff": draw(st.floats(0, 2)),
        "price": draw(st.one_of(st.none(), st.tuples(st.floats(0, 10), st.floats(0, 10)))),
    }


QREL_LINES = ["q1 0 d1 1\n", "q1 0 d2 0\n", "q2 0 d1 2\n", "q10 0 d3 -1\n", "q1 0 d1 3\n"]
RUN_LINES = ["q1 Q0 d1 1 2.5 r\n", "q1 Q0 d2 2 -1e3 r\n", "q2 Q0 d1 1 0.5 r\n",
             "q1 Q0 d1 3 7 r\n", "q3 Q0 d9 1 inf r\n"]  # fmt: skip
PARSE_BAD = ("['q1 0 d1\\n']", "['q1 0 d1 x\\n']", "[b'q1 0 d1 1\\n']", "['q1 0 d1 1 extra\\n']",
             "['q1 Q0 d1 1 nan-ish r\\n']", "[None]", "iter(['q1 0 d1 1\\n'])", "['\\ufeffq1 0 d1 1\\n']",
             "['q1 0 d1 99999999999999999999999\\n']", "['']")  # fmt: skip


def _query_doc(line: str) -> tuple[str, str]:
    """A line's (query, document): pytrec_eval asserts that no pair repeats (the drop-in keeps
    that AssertionError), so valid inputs hold each pair once."""
    fields = line.split()
    return fields[0], fields[2]


def _parse_qrel_check(result: Any, kw: dict[str, Any]) -> None:
    """What pytrec_eval's parse_qrel reads."""
    want: dict[str, dict[str, int]] = {}
    for line in kw["f_qrel"]:
        q, _, d, rel = line.strip().split()
        want.setdefault(q, {})[d] = int(rel)
    if dict(result) != want:
        raise AssertionError(f"{dict(result)} != {want}")


def _parse_run_check(result: Any, kw: dict[str, Any]) -> None:
    """What pytrec_eval's parse_run reads."""
    want: dict[str, dict[str, float]] = {}
    for line in kw["f_run"]:
        q, _, d, _, score, _ = line.strip().split()
        want.setdefault(q, {})[d] = float(score)
    if dict(result) != want:
        raise AssertionError(f"{dict(result)} != {want}")


FILES: dict[str, str] = {}


def _make_files(folder: Path) -> None:
    (folder / "qrels").write_text("q1 0 d1 1\nq1 0 d2 0\nq2 0 d3 2\nq10 0 d1 1\n")
    (folder / "run").write_text(
        "q1 Q0 d1 1 0.5 r\nq1 Q0 d2 2 0.4 r\nq2 Q0 d4 1 0.1 r\nq10 Q0 d1 1 3 r\n"
    )
    (folder / "run.gz").write_bytes(gzip.compress((folder / "run").read_bytes()))
    (folder / "bad_utf8").write_bytes(b"q1 Q0 \xff\xfe 1 0.5 r\n")
    (folder / "bom").write_bytes(b"\xef\xbb\xbfq1 Q0 d1 1 0.5 r\n")
    (folder / "empty").write_bytes(b"")
    (folder / "cache.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    for name in ("qrels", "run", "run.gz", "bad_utf8", "bom", "empty", "cache.sqlite"):
        FILES[name] = str(folder / name)
    FILES["missing"] = str(folder / "missing")
    FILES["out"] = str(folder / "out.txt")
    FILES["dir"] = str(folder)


CLI_TOKENS = [
    "-m", "map", "-m", "nDCG@10", "-m", "bogus", "-q", "-c", "-l", "2", "-l", "nan", "-l", "x",
    "-J", "-M", "5", "-M", "-1", "-M", "0", "-M", "99999999999999999999999", "-n", "--format",
    "json", "--format", "table", "--format", "csv", "--format", "xml", "--", "-", "--bogus",
    "P.5,10", "official", "all_trec", "\udcff", "",
]  # fmt: skip


@st.composite
def _cli_valid(draw: st.DrawFn) -> dict[str, Any]:
    command = draw(st.sampled_from(["eval", "eval", "eval", "rerank", "demo", "bogus", ""]))
    files = list(FILES)
    argv: list[str] = [command] if command else []
    if command == "eval":
        argv += draw(st.lists(st.sampled_from(CLI_TOKENS), max_size=5))
        argv.append(FILES[draw(st.sampled_from(["qrels"] * 4 + files))])
        argv += [
            FILES[f]
            for f in draw(st.lists(st.sampled_from(["run"] * 4 + files), min_size=0, max_size=2))
        ]
        argv += draw(st.lists(st.sampled_from(CLI_TOKENS), max_size=2))
    elif command == "rerank":
        argv += draw(st.lists(st.sampled_from(
            ["--strategy", "sliding", "setwise", "--model", "oracle", "--noise", "nan", "-1", "0.5",
             "--window", "99999999999999999999", "-3", "--cache", FILES["cache.sqlite"],
             FILES["run"], FILES["qrels"], FILES["bad_utf8"], "--top-k", "x", "-o", FILES["dir"]]),
            max_size=8))  # fmt: skip
    return {"argv": argv}


@st.composite
def _eval_valid(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "qrels": qrels_dict(draw),
        "run": run_dict(draw),
        "measures": draw(st.lists(st.sampled_from(MEASURES), min_size=1, max_size=3, unique=True)),
    }


def _eval_check(result: Any, kw: dict[str, Any]) -> None:
    bounded = {"nDCG@10", "AP", "RR", "P@5", "R@100", "Rprec", "Bpref", "map", "ndcg_cut_10",
               "recip_rank", "Judged@10", "nDCG", "R@3"}  # fmt: skip
    for name, value in result.items():
        if name in bounded and not (0 <= value <= 1 + 1e-12):
            raise AssertionError(f"{name} = {value} outside [0, 1]")


@st.composite
def _compare_valid(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "qrels": qrels_dict(draw),
        "runs": {f"s{i}": run_dict(draw) for i in range(draw(st.integers(1, 3)))},
        "measures": draw(st.lists(st.sampled_from(["nDCG@10", "AP", "RR"]), min_size=1, max_size=2, unique=True)),
        "n_resamples": draw(st.sampled_from([10, 100])),
    }  # fmt: skip


@st.composite
def _fuse_valid(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "runs": [run_dict(draw) for _ in range(draw(st.integers(1, 3)))],
        "method": draw(st.sampled_from(["rrf", "combsum", "combmnz", "combmax", "combmin",
                                        "combanz", "borda", "isr"])),
    }  # fmt: skip


def _report_call(op: str, qrels: Any, run: Any, measures: Any, arg: Any = None) -> Any:
    """A method of the Report of ``evaluate(qrels, run, measures)``."""
    import rankwise

    report = rankwise.evaluate(qrels, run, measures)
    if op == "column":
        return report.column(arg)
    value = getattr(report, op)
    return value() if callable(value) else value


@st.composite
def _report_valid(draw: st.DrawFn) -> dict[str, Any]:
    measures = draw(
        st.lists(st.sampled_from(["nDCG@10", "AP", "RR"]), min_size=1, max_size=2, unique=True)
    )
    op = draw(
        st.sampled_from(["column", "per_query", "per_query_values", "to_markdown", "to_latex"])
    )
    arg = measures[0] if op in ("column", "per_query_values") else None
    return {"op": op, "qrels": qrels_dict(draw), "run": run_dict(draw), "measures": measures, "arg": arg}  # fmt: skip


def _pytrec_call(query_relevance: Any, measures: Any, run: Any) -> Any:
    """``RelevanceEvaluator(query_relevance, measures).evaluate(run)``."""
    from rankwise.compat import pytrec_eval

    return pytrec_eval.RelevanceEvaluator(query_relevance, measures).evaluate(run)


def _collection_call(kind: str, data: Any, op: str, arg: Any = None) -> Any:
    """A method of a Run or Qrels built from ``data``: ``to_trec(arg)``, ``to_dict()``,
    ``count_relevant(arg)``."""
    import rankwise

    obj = getattr(rankwise, kind)(data)
    method = getattr(obj, op)
    return method() if op == "to_dict" else method(arg)


@st.composite
def _collection_valid(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["Run", "Qrels"]))
    op = draw(
        st.sampled_from(["to_trec", "to_dict"] + (["count_relevant"] if kind == "Qrels" else []))
    )
    data = run_dict(draw) if kind == "Run" else qrels_dict(draw)
    arg = {"to_trec": FILES.get("out", "out.txt"), "count_relevant": 1, "to_dict": None}[op]
    return {"kind": kind, "data": data, "op": op, "arg": arg}  # fmt: skip


TORCH_BAD = (
    "torch.tensor([nan, 1.0])", "torch.zeros(2, 3)", "torch.zeros(0)", "torch.tensor([1, 0])",
    "torch.tensor([1.0, 2.0], dtype=torch.float16)", "torch.tensor([inf, -inf])",
    "torch.tensor([True, False])", "torch.ones(3)[::2]", "torch.tensor([[1.0], [2.0]])",
    "torch.tensor([2.0, -1.0])", "torch.tensor(1.0)",
)  # fmt: skip


def _torch_valid(draw: st.DrawFn) -> dict[str, Any]:
    import torch

    n = draw(st.integers(1, 8))
    return {
        "preds": torch.tensor(reals(draw, (n,)), dtype=torch.float32),
        "target": torch.tensor(grades(draw, (n,), top=1)),
        "top_k": draw(st.one_of(st.none(), st.integers(1, 8))),
    }


def _loss_valid(draw: st.DrawFn, with_labels: bool) -> dict[str, Any]:
    import torch

    shape = (draw(st.integers(1, 3)), draw(st.integers(2, 6)))
    kw: dict[str, Any] = {"scores": torch.tensor(reals(draw, shape), dtype=torch.float32)}
    if with_labels:
        kw["labels"] = torch.tensor(grades(draw, shape), dtype=torch.float32)
    return kw


def _finite(result: Any, kw: dict[str, Any]) -> None:
    values = result.detach().cpu().numpy() if hasattr(result, "detach") else np.asarray(result)
    if not np.isfinite(values).all():
        raise AssertionError(f"non-finite result for valid inputs: {values.tolist()}")


LOSSES = ("approx_ndcg_loss", "info_nce_loss", "lambda_loss", "listmle_loss", "listnet_loss",
          "margin_mse_loss", "neural_ndcg_loss", "pearson_loss", "pg_rank_loss",
          "position_aware_listmle_loss", "ranklist_loss", "ranknet_loss", "spearman_loss")  # fmt: skip
SCORE_ONLY = ("neural_sort", "soft_sort", "soft_rank", "plackett_luce_sample")


def _tensor(values: np.ndarray, dtype: str = "float32") -> Any:
    import torch

    return torch.tensor(values, dtype=getattr(torch, dtype))


@st.composite
def _lm_valid(draw: st.DrawFn) -> dict[str, Any]:
    """``importance_aware_lm_loss``: logits ``(B, T, V)``, targets and ranks ``(B, T)``."""
    b, t, v = draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(2, 5))
    targets = grades(draw, (b, t), top=v - 1)
    targets[grades(draw, (b, t), top=3) == 0] = -100  # some ignored tokens
    return {"logits": _tensor(reals(draw, (b, t, v))), "targets": _tensor(targets, "int64"),
            "ranks": _tensor(grades(draw, (b, t), top=4), "int64")}  # fmt: skip


@st.composite
def _list_policy_valid(draw: st.DrawFn) -> dict[str, Any]:
    """``dpo_loss`` / ``irpo_loss``: policy and reference log-probabilities and grades."""
    shape = (draw(st.integers(1, 3)), draw(st.integers(2, 5)))
    return {"policy_logps": _tensor(reals(draw, shape) - 5), "ref_logps": _tensor(reals(draw, shape) - 5),
            "labels": _tensor(grades(draw, shape))}  # fmt: skip


@st.composite
def _madpo_valid(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 6))
    names = (
        "policy_chosen_logps",
        "policy_rejected_logps",
        "ref_chosen_logps",
        "ref_rejected_logps",
    )
    kw = {name: _tensor(reals(draw, (n,)) - 5) for name in names}
    return {**kw, "margins": _tensor(reals(draw, (n,), ties=False) / 1e5)}


@st.composite
def _clicks_valid(draw: st.DrawFn) -> dict[str, Any]:
    shape = (draw(st.integers(1, 3)), draw(st.integers(2, 6)))
    return {"scores": _tensor(reals(draw, shape)), "clicks": _tensor(grades(draw, shape, top=1)),
            "propensities": _tensor(np.linspace(1.0, 0.2, shape[1])[None].repeat(shape[0], 0)),
            "clip": draw(st.one_of(st.none(), st.floats(0.01, 1.0)))}  # fmt: skip


@st.composite
def _pl_log_prob_valid(draw: st.DrawFn) -> dict[str, Any]:
    b, n = draw(st.integers(1, 3)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    rankings = np.stack([rng.permutation(n) for _ in range(b)])
    return {"scores": _tensor(reals(draw, (b, n))), "rankings": _tensor(rankings, "int64"),
            "k": draw(st.one_of(st.none(), st.integers(1, n)))}  # fmt: skip


def _policy_loss_entries() -> list[Entry]:
    """The LM, preference, policy, IPS and TCM losses of ``rankwise.torch.losses``."""
    pl = "rankwise.torch.losses."
    return [
        Entry(pl + "dpo_loss", st.composite(lambda d: {**d(_list_policy_valid()), "model": d(st.sampled_from(["bradley_terry", "plackett_luce"]))})(), _finite, bad=TORCH_BAD),
        Entry(pl + "irpo_loss", st.composite(lambda d: {**d(_list_policy_valid()), "weights": d(st.sampled_from(["dcg", "inverse_log_rank", "gain_over_rank"]))})(), _finite, bad=TORCH_BAD),
        Entry(pl + "madpo_loss", _madpo_valid(), _finite, bad=TORCH_BAD),
        Entry(pl + "madpo_weights", st.composite(lambda d: {"margins": _tensor(reals(d, (d(st.integers(0, 6)),), ties=False) / 1e5), "c_max": d(st.floats(1.5, 4.0))})(), _finite, bad=TORCH_BAD),
        Entry(pl + "ips_pointwise_loss", _clicks_valid(), _finite, bad=TORCH_BAD),
        Entry(pl + "ips_pairwise_loss", _clicks_valid(), _finite, bad=TORCH_BAD),
        Entry(pl + "yes_no_loss", st.composite(lambda d: (lambda s: {"yes_logits": _tensor(reals(d, s)), "no_logits": _tensor(reals(d, s)), "labels": _tensor(grades(d, s, top=1))})(batch_shape(d)))(), _finite, bad=TORCH_BAD),
        Entry(pl + "importance_aware_lm_loss", _lm_valid(), _finite, bad=TORCH_BAD),
        Entry(pl + "fullrank_token_ranks", st.composite(lambda d: {"targets": _tensor(np.array([d(st.lists(st.sampled_from([-100, 5, 7, 1644]), max_size=9))], dtype=np.int64).reshape(1, -1), "int64"), "separator_id": 1644})(), bad=TORCH_BAD),
        Entry(pl + "plackett_luce_log_prob", _pl_log_prob_valid(), _finite, bad=TORCH_BAD),
        Entry(pl + "threshold_consistent_margin_loss", st.composite(lambda d: (lambda n: {"embeddings": _tensor(reals(d, (n, d(st.integers(1, 4))))), "labels": _tensor(grades(d, (n,), top=2), "int64")})(d(st.integers(1, 6))))(), _finite, bad=TORCH_BAD),
    ]  # fmt: skip


def _tensor_in_unit(result: Any, kw: dict[str, Any]) -> None:
    in_unit(result.detach().cpu().numpy(), kw)


def _p_in_unit(result: Any, kw: dict[str, Any]) -> None:
    p = float(result)
    if not (math.isnan(p) or 0.0 <= p <= 1.0):
        raise AssertionError(f"p-value {p} outside [0, 1]")


def _interval_ordered(result: Any, kw: dict[str, Any]) -> None:
    lo, hi = (float(v) for v in result)
    if not (math.isnan(lo) or math.isnan(hi) or lo <= hi):
        raise AssertionError(f"interval ({lo}, {hi}) has its ends out of order")


def _comparisons(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 12))
    a = draw(st.lists(st.sampled_from("abcd"), min_size=n, max_size=n))
    b = [draw(st.sampled_from([p for p in "abcd" if p != x])) for x in a]
    outcomes = st.sampled_from(["model_a", "model_b", "tie", "tie (bothbad)"])
    return {"model_a": a, "model_b": b, "winner": draw(st.lists(outcomes, min_size=n, max_size=n))}


def _choices(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=8))
    others = [draw(st.lists(st.sampled_from([p for p in "abcd" if p != c]), max_size=3, unique=True))
              for c in chosen]  # fmt: skip
    return {"chosen": chosen, "alternatives": others, "alpha": draw(st.floats(0.01, 1))}


def _ratings_check(result: Any, kw: dict[str, Any]) -> None:
    r = np.asarray(result.ratings, dtype=np.float64)
    if r.shape != (len(result.players),) or not np.isfinite(r).all():
        raise AssertionError(f"ratings {r.tolist()} for players {list(result.players)}")


def _stats_and_ratings_entries() -> list[Entry]:
    from rankwise import stats

    def pair(**extra: Any) -> Any:
        def draw_kw(d: st.DrawFn) -> dict[str, Any]:
            n = d(st.integers(0, 12))
            return {"x": reals(d, (n,)), "y": reals(d, (n,)), **{k: d(v) for k, v in extra.items()}}

        return st.composite(draw_kw)()

    def table(**extra: Any) -> Any:
        def draw_kw(d: st.DrawFn) -> dict[str, Any]:
            shape = (d(st.integers(0, 8)), d(st.integers(0, 5)))
            return {"scores": reals(d, shape), **{k: d(v) for k, v in extra.items()}}

        return st.composite(draw_kw)()

    def comparisons(**extra: Any) -> Any:
        return st.composite(lambda d: {**_comparisons(d), **{k: d(v) for k, v in extra.items()}})()

    return [
        Entry("rankwise.stats.effect_size", pair(kind=st.sampled_from(stats.EFFECT_SIZES))),
        Entry("rankwise.stats.paired_test",
              pair(test=st.sampled_from(stats.TESTS), alternative=st.sampled_from(stats.ALTERNATIVES),
                   n_resamples=st.integers(1, 200), seed=st.integers(0, 9)), _p_in_unit),
        Entry("rankwise.stats.t_interval",
              pair(confidence=st.floats(0.5, 0.999), alternative=st.sampled_from(stats.ALTERNATIVES)),
              _interval_ordered),
        Entry("rankwise.stats.correct",
              st.composite(lambda d: {"p": d(st.lists(st.floats(0, 1), max_size=8)),
                                      "method": d(st.sampled_from((None, *stats.CORRECTIONS)))})(), in_unit),
        Entry("rankwise.stats.anova", table(design=st.sampled_from(["one-way", "two-way"]))),
        Entry("rankwise.stats.residual_effect_sizes", table()),
        Entry("rankwise.ratings.bradley_terry",
              comparisons(intervals=st.sampled_from([None, "bootstrap", "asymptotic"]),
                          n_resamples=st.integers(1, 20), seed=st.integers(0, 9)), _ratings_check),
        Entry("rankwise.ratings.elo", comparisons(k=st.floats(0, 64)), _ratings_check),
        Entry("rankwise.ratings.rank_centrality", comparisons(alpha=st.floats(0.01, 1)), _ratings_check),
        Entry("rankwise.ratings.luce_choice", st.composite(_choices)(), _ratings_check),
        Entry("rankwise.stats.margin_of_error", pair(confidence=st.floats(0.5, 0.999)), _non_negative),
        Entry("rankwise.stats.bootstrap_interval",
              pair(confidence=st.floats(0.5, 0.999), method=st.sampled_from(stats.BOOTSTRAP_METHODS),
                   alternative=st.sampled_from(stats.ALTERNATIVES), n_resamples=st.integers(1, 200),
                   seed=st.integers(0, 9)), _interval_ordered),
        Entry("rankwise.stats.tukey_hsd", table(confidence=st.floats(0.5, 0.999)), _tukey_check),
        Entry("rankwise.stats.randomized_tukey_hsd",
              table(n_resamples=st.integers(1, 100), seed=st.integers(0, 9)), in_unit),
        Entry("rankwise.stats.variance_estimate",
              table(design=st.sampled_from(stats.SIZE_DESIGNS)), _non_negative),
        Entry("rankwise.stats.power",
              st.composite(lambda d: {"difference": d(st.floats(-1, 1)), "n_topics": d(st.integers(2, 300)),
                                      "variance": d(st.floats(1e-4, 1)), "test": d(st.sampled_from(stats.POWER_TESTS)),
                                      "n_systems": d(st.integers(2, 6)), "alpha": d(st.floats(0.001, 0.2)),
                                      "alternative": d(st.sampled_from(stats.ALTERNATIVES))})(), in_unit),
        Entry("rankwise.stats.topic_set_size",
              st.composite(lambda d: {"difference": d(st.floats(0.05, 1)), "variance": d(st.floats(1e-3, 0.5)),
                                      "design": d(st.sampled_from(stats.SIZE_DESIGNS)),
                                      "power": d(st.floats(0.5, 0.95)), "alpha": d(st.floats(0.01, 0.1)),
                                      "alternative": d(st.sampled_from(stats.ALTERNATIVES)),
                                      "n_systems": d(st.integers(2, 6))})(), _at_least_two),
        Entry("rankwise.ratings.bradley_terry_groups",
              st.composite(lambda d: {**(c := _comparisons(d)),
                                      "groups": d(st.lists(st.sampled_from("xy"), min_size=len(c["winner"]),
                                                           max_size=len(c["winner"]))),
                                      "intervals": d(st.sampled_from([None, "asymptotic"]))})()),
        Entry("rankwise.ratings.contextual_bradley_terry",
              st.composite(lambda d: {**(c := _comparisons(d)), "features": reals(d, (len(c["winner"]), 2)),
                                      "intervals": d(st.sampled_from([None, "bootstrap"])),
                                      "n_resamples": d(st.integers(1, 20)), "seed": d(st.integers(0, 9))})(),
              _ratings_check),
        Entry("rankwise.ratings.davidson",
              comparisons(intervals=st.sampled_from([None, "bootstrap"]), n_resamples=st.integers(1, 20),
                          seed=st.integers(0, 9)), _ratings_check),
        Entry("rankwise.ratings.rao_kupper",
              comparisons(intervals=st.sampled_from([None, "bootstrap"]), n_resamples=st.integers(1, 20),
                          seed=st.integers(0, 9)), _ratings_check),
        Entry("rankwise.ratings.plackett_luce",
              st.composite(lambda d: {"rankings": d(st.lists(st.permutations("abcd").map(lambda p: p[:3]),
                                                             min_size=1, max_size=8)),
                                      "intervals": d(st.sampled_from([None, "bootstrap"])),
                                      "n_resamples": d(st.integers(1, 20)), "seed": d(st.integers(0, 9))})(),
              _ratings_check),
        Entry("rankwise.ratings.openskill",
              st.composite(lambda d: {"rankings": d(st.lists(st.permutations("abcd").map(lambda p: p[:3]),
                                                             min_size=1, max_size=8))})(), _ratings_check),
    ]  # fmt: skip


def _non_negative(result: Any, kw: dict[str, Any]) -> None:
    v = float(result)
    if not (math.isfinite(v) and v >= 0.0):
        raise AssertionError(f"{v} is not a finite number >= 0")


def _at_least_two(result: Any, kw: dict[str, Any]) -> None:
    if not (isinstance(result, int) and result >= 2):
        raise AssertionError(f"{result!r} topics: not an int >= 2")


def _tukey_check(result: Any, kw: dict[str, Any]) -> None:
    in_unit(result.p_value, kw)
    if not np.all(result.low <= result.high):
        raise AssertionError(
            f"intervals out of order: {result.low.tolist()} {result.high.tolist()}"
        )


def _diversity_qrels(draw: st.DrawFn) -> dict[str, dict[str, dict[str, int]]]:
    queries = ids(draw, "q", draw(st.integers(1, 3)))
    return {q: {str(s): {f"d{d}": draw(st.integers(0, 2)) for d in draw(st.sets(st.integers(0, 5), min_size=1, max_size=4))}
                for s in range(1, draw(st.integers(1, 3)) + 1)}
            for q in queries}  # fmt: skip


def _diversity_valid(draw: st.DrawFn) -> dict[str, Any]:
    from rankwise.diversity import NDEVAL_MEASURES

    qrels = _diversity_qrels(draw)
    run = {q: {f"d{d}": float(draw(st.integers(0, 9))) for d in range(draw(st.integers(1, 6)))}
           for q in qrels}  # fmt: skip
    return {"qrels": qrels, "run": run,
            "measures": draw(st.lists(st.sampled_from(NDEVAL_MEASURES), min_size=1, max_size=3, unique=True)),
            "alpha": draw(st.floats(0, 1)), "order": draw(st.sampled_from(["score", "traditional", "rank"]))}  # fmt: skip


def _ndeval_call(qrels: Any, run: Any, **kw: Any) -> Any:
    """``ndeval_output`` on TREC files written from ``qrels`` / ``run`` text."""
    from rankwise.diversity import ndeval_output

    return _on_two_files(qrels, run, lambda a, b: ndeval_output(a, b, **kw))


def _on_two_files(first: Any, second: Any, call: Callable[[Any, Any], Any]) -> Any:
    """``call`` on two files written from the ``first`` / ``second`` text (str or bytes), or
    on the values themselves where one is neither (a bad value as the path itself)."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, text in (("first", first), ("second", second)):
            path = Path(folder) / name
            if isinstance(text, bytes):
                path.write_bytes(text)
            elif isinstance(text, str):  # lone surrogates as their bytes: bad UTF-8 in the file
                path.write_bytes(text.encode("utf-8", "surrogatepass"))
            else:
                return call(first, second)
            paths.append(path)
        return call(paths[0], paths[1])


def _ndeval_valid(draw: st.DrawFn) -> dict[str, Any]:
    qrels = _diversity_qrels(draw)
    qrel_text = "".join(f"{q[1:] or 0} {s} {d} {g}\n" for q, subs in qrels.items()
                        for s, docs in subs.items() for d, g in docs.items())  # fmt: skip
    run_text = "".join(f"{q[1:] or 0} Q0 d{d} {d + 1} {9.0 - d} r\n" for q in qrels
                       for d in range(draw(st.integers(1, 5))))  # fmt: skip
    return {"qrels": qrel_text, "run": run_text, "alpha": draw(st.floats(0, 1)),
            "traditional": draw(st.booleans())}  # fmt: skip


def _ranx_runs(qrels: Any, runs: Any) -> tuple[Any, Any]:
    from rankwise.compat import ranx

    q = ranx.Qrels(qrels) if isinstance(qrels, dict) else qrels
    rs = (
        [ranx.Run(r, name=f"r{i}") if isinstance(r, dict) else r for i, r in enumerate(runs)]
        if isinstance(runs, list)
        else runs
    )
    return q, rs


def _ranx_optimize_call(qrels: Any, runs: Any, **kw: Any) -> Any:
    """``compat.ranx.optimize_fusion`` on ranx-style Qrels / Runs built from the dicts."""
    from rankwise.compat import ranx

    q, rs = _ranx_runs(qrels, runs)
    return ranx.optimize_fusion(q, rs, **kw)


def _ranx_optimize_valid(draw: st.DrawFn) -> dict[str, Any]:
    qrels = qrels_dict(draw)
    runs = [{q: draw(st.dictionaries(st.sampled_from(["d1", "d2", "d3", "d4"]), st.floats(0, 9), min_size=1))
             for q in qrels} for _ in range(draw(st.integers(2, 3)))]  # fmt: skip
    method = draw(st.sampled_from(["wsum", "rrf", "rbc", "combmnz", "posfuse", "w_bordafuse"]))
    return {"qrels": qrels, "runs": runs, "method": method,
            "metric": draw(st.sampled_from(["ndcg", "map@10", "mrr"]))}  # fmt: skip


def _optimize_valid(draw: st.DrawFn) -> dict[str, Any]:
    kw = _ranx_optimize_valid(draw)
    kw["search"] = draw(st.sampled_from(["grid", "random"]))
    if kw["search"] == "random":
        kw["n_trials"], kw["seed"] = draw(st.integers(1, 5)), draw(st.integers(0, 9))
    return kw


def _fusion_train_valid(draw: st.DrawFn) -> dict[str, Any]:
    qrels = qrels_dict(draw)
    runs = [{q: draw(st.dictionaries(st.sampled_from(["d1", "d2", "d3", "d4"]), st.floats(0, 9), min_size=1))
             for q in qrels} for _ in range(draw(st.integers(1, 3)))]  # fmt: skip
    method = draw(
        st.sampled_from(["bayesfuse", "mapfuse", "posfuse", "probfuse", "segfuse", "slidefuse"])
    )
    return {"qrels": qrels, "runs": runs, "method": method}


def _cwl_valid(draw: st.DrawFn) -> dict[str, Any]:
    gains = "".join(f"{q} 0 d{d} {draw(st.sampled_from(['0', '0.5', '1']))}\n"
                    for q in "12" for d in range(draw(st.integers(0, 4))))  # fmt: skip
    run = "".join(f"{q} {draw(st.sampled_from(['a', 'b', 'c']))} d{d} {d + 1} 1.0 r\n"
                  for q in "123" for d in range(draw(st.integers(1, 6))))  # fmt: skip
    metrics = draw(st.lists(st.sampled_from(["RBPCWLMetric(0.8)", "INSTCWLMetric(2.0)",
                                             "BPMCWLMetric(1.0,3)", "APCWLMetric()"])))  # fmt: skip
    return {"qrels": gains, "run": run, "metrics": metrics or None,
            "residuals": draw(st.booleans())}  # fmt: skip


def _cwl_call(qrels: Any, run: Any, **kw: Any) -> Any:
    from rankwise.cwl import cwl_eval_output

    return _on_two_files(qrels, run, lambda a, b: cwl_eval_output(a, b, **kw))


def _more_entries() -> list[Entry]:
    """Entry points of the diversity module and the fusion training / search functions."""
    return [
        Entry("rankwise.diversity.evaluate_diversity", st.composite(_diversity_valid)(), files=True),
        Entry("rankwise.diversity.ndeval_output", st.composite(_ndeval_valid)(), call=_ndeval_call,
              files=True),
        Entry("rankwise.diversity.ndeval_output",
              st.composite(_ndeval_valid)().map(lambda kw: {**kw, "risk_alpha": 1.5}),
              call=lambda qrels, run, **kw: _on_two_files(qrels, run, lambda a, b: __import__(
                  "rankwise.diversity", fromlist=["_"]).ndeval_output(a, b, baseline=b, **kw)),
              files=True),  # the risk mode, the run as its own baseline
        Entry("rankwise.cwl.cwl_eval_output", st.composite(_cwl_valid)(), call=_cwl_call,
              files=True),
        Entry("rankwise.cwl.cwl_eval", st.composite(_cwl_valid)(), files=True,
              call=lambda qrels, run, **kw: _on_two_files(qrels, run, lambda a, b: __import__(
                  "rankwise.cwl", fromlist=["_"]).cwl_eval(a, b, **kw))),
        Entry("rankwise.fusion_train", st.composite(_fusion_train_valid)()),
        Entry("rankwise.optimize_fusion", st.composite(_optimize_valid)()),
        Entry("rankwise.compat.ranx.optimize_fusion", st.composite(_ranx_optimize_valid)(),
              call=_ranx_optimize_call, compat=True),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Answers, abstention, active labels, grouped ratings, TrueSkill, rel_info, the Reranker objects
# ---------------------------------------------------------------------------------------------
# Words that test DPR's tokenizer: case, NFD forms, marks, punctuation alone, ligatures.
ANSWER_WORDS = ["Paris", "paris", "New York", "York", "café", "cafe\u0301", "42", "a-b", "",
                " ", "\ufb01", "\u0130", "\u00df", "U.S.", "\u05d0\u05b7", "x\u200by"]  # fmt: skip


def _dpr_words(text: str) -> list[str]:
    import regex  # a test dependency, as DPR uses it

    pattern = r"([\p{L}\p{N}\p{M}]+)|([^\p{Z}\p{C}])"
    flags = regex.IGNORECASE + regex.UNICODE + regex.MULTILINE
    return [m.group().lower() for m in regex.finditer(pattern, text, flags=flags)]


def _dpr_has_answer(answers: list[str], text: str) -> bool:
    """DPR's ``has_answer(..., match_type="string")`` (``dpr/data/qa_validation.py``)."""
    import unicodedata

    words = _dpr_words(unicodedata.normalize("NFD", text))
    for answer in answers:
        a = _dpr_words(unicodedata.normalize("NFD", answer))
        if any(a == words[i : i + len(a)] for i in range(len(words) - len(a) + 1)):
            return True
    return False


def _has_answer_check(result: Any, kw: dict[str, Any]) -> None:
    answers = [kw["answers"]] if isinstance(kw["answers"], str) else list(kw["answers"])
    want = _dpr_has_answer(answers, kw["text"])
    if result is not want:
        raise AssertionError(f"has_answer {result!r}, DPR's has_answer: {want}")


@st.composite
def _answers_valid(draw: st.DrawFn) -> dict[str, Any]:
    docs = [f"p{i}" for i in range(draw(st.integers(1, 5)))]
    passages = {
        d: " ".join(draw(st.lists(st.sampled_from(ANSWER_WORDS), max_size=6))) for d in docs
    }
    run: dict[str, Any] = {}
    for q in range(draw(st.integers(1, 3))):
        ranked = draw(st.lists(st.sampled_from(docs), max_size=len(docs), unique=True))
        run[f"q{q}"] = (
            ranked
            if draw(st.booleans())
            else {d: draw(st.sampled_from([0.1, 0.5, 1.0])) for d in ranked}
        )
    answers = {q: draw(st.lists(st.sampled_from(ANSWER_WORDS), max_size=3)) for q in run}
    k = draw(st.one_of(st.integers(1, 6), st.lists(st.integers(1, 6), min_size=1, max_size=3)))
    return {"run": run, "answers": answers, "passages": passages, "k": k}  # fmt: skip


def _answers_check(result: Any, kw: dict[str, Any]) -> None:
    """Each query's 0/1 per depth, by DPR's matcher over the ranked list (trec_eval's order
    for a score dict: score, then doc id, descending)."""
    ks = [kw["k"]] if isinstance(kw["k"], int) else list(kw["k"])
    for x in ks:
        want = []
        for q, docs in kw["run"].items():
            if isinstance(docs, dict):
                docs = [
                    d for d, _ in sorted(docs.items(), key=lambda i: (i[1], i[0]), reverse=True)
                ]
            texts = [kw["passages"][d] for d in docs[:x]]
            want.append(float(any(_dpr_has_answer(kw["answers"][q], t) for t in texts)))
        got = result.column(f"answer_accuracy@{x}")
        if got.tolist() != want:
            raise AssertionError(f"answer_accuracy@{x} {got.tolist()}, DPR's matcher: {want}")


@st.composite
def _nauc_valid(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 9))
    values = reals(draw, (n,)) / 2 + 0.5
    confidence = (
        values.copy() if draw(st.booleans()) else reals(draw, (n,), ties=draw(st.booleans()))
    )
    rates = draw(st.one_of(st.none(), st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 1.0]),
                                               min_size=2, max_size=6).map(sorted)))  # fmt: skip
    return {"confidence": confidence, "values": values, "abstention_rates": rates}


def _nauc_check(result: Any, kw: dict[str, Any]) -> None:
    """At most 1 (the oracle's curve is the highest); 1 when the confidence is the value
    itself; NaN (the oracle's curve no better than chance) only with a warning."""
    from rankwise.errors import DegenerateDataWarning
    from rankwise.metrics import nauc

    v, c = np.asarray(kw["values"]), np.asarray(kw["confidence"])
    if math.isnan(result):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            nauc(c, v, abstention_rates=kw["abstention_rates"])
        if not any(issubclass(w.category, DegenerateDataWarning) for w in caught):
            raise AssertionError(f"silent NaN for values {v.tolist()}")
        return
    if result > 1 + 1e-9 or (np.array_equal(v, c) and not math.isclose(result, 1.0, rel_tol=1e-6)):
        raise AssertionError(f"nAUC {result} (confidence {c.tolist()}, values {v.tolist()})")


@st.composite
def _confidence_valid(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {
            "scores": reals(draw, (draw(st.integers(0, 4)), draw(st.integers(0, 5))), ties=False)
        }
    sizes = draw(st.lists(st.integers(0, 4), max_size=4))
    return {"scores": reals(draw, (sum(sizes),), ties=False),
            "offsets": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)}  # fmt: skip


def _confidence_check(result: Any, kw: dict[str, Any]) -> None:
    s = np.asarray(kw["scores"], dtype=np.float64)
    rows = (
        list(s)
        if s.ndim == 2
        else [s[a:b] for a, b in itertools.pairwise(kw.get("offsets", [0, s.size]))]
    )
    want = {"max": [r.max() if r.size else 0.0 for r in rows],
            "std": [r.std() if r.size else 0.0 for r in rows],
            "diff1": [np.diff(np.sort(r)[-2:])[0] if r.size > 1 else 0.0 for r in rows]}  # fmt: skip
    for name, values in want.items():
        if not np.allclose(
            result[name], values, rtol=1e-9, atol=1e-9 * (1 + np.abs(s).max(initial=0))
        ):
            raise AssertionError(f"{name} {result[name].tolist()}, numpy: {values}")


@st.composite
def _abstention_valid(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 8))
    names = draw(st.lists(st.sampled_from(["max", "std", "diff1"]), max_size=3, unique=True))
    measures = draw(st.lists(st.sampled_from(["NDCG@10", "MAP", "x"]), max_size=3, unique=True))
    return {"confidence": {c: reals(draw, (n,)) for c in names},
            "values": {m: reals(draw, (n,)) for m in measures},
            "abstention_rates": draw(st.sampled_from([None, [0.0, 0.5], [0.0, 0.1, 0.9]]))}  # fmt: skip


def _abstention_check(result: Any, kw: dict[str, Any]) -> None:
    from rankwise.metrics import nauc

    for m, v in kw["values"].items():
        for c, conf in kw["confidence"].items():
            with warnings.catch_warnings():  # a NaN's DegenerateDataWarning, as the call's
                warnings.simplefilter("ignore")
                want = nauc(conf, v, abstention_rates=kw["abstention_rates"])
            got = result[f"nAUC_{m}_{c}"]
            if not (got == want or (math.isnan(got) and math.isnan(want))):
                raise AssertionError(f"nAUC_{m}_{c} {got}, nauc: {want}")


def _active_call(queries: Any, candidates: Any, teacher: Any, confidence: Any = 0.9,
                 max_windows: Any = 45, window: Any = 20, per_round: Any = None,
                 method: Any = "plackett_luce", alpha: Any = 1.0, seed: Any = 0,
                 batch_size: Any = 32) -> Any:  # fmt: skip
    """``rankwise.labels.active_labels`` with an oracle teacher named by its reply."""
    from rankwise.labels import active_labels

    if isinstance(teacher, str) and teacher in REPLIES:
        teacher = _Oracle(teacher)
    return active_labels(queries, candidates, teacher, confidence=confidence,
                         max_windows=max_windows, window=window, per_round=per_round,
                         method=method, alpha=alpha, seed=seed, batch_size=batch_size)  # fmt: skip


@st.composite
def _active_valid(draw: st.DrawFn) -> dict[str, Any]:
    nq = draw(st.integers(1, 3))
    return {
        "queries": [f"q{i}" for i in range(nq)],
        "candidates": [draw(st.lists(st.integers(0, 30), max_size=9, unique=True)) for _ in range(nq)],
        "teacher": draw(st.sampled_from(["ok"] * 4 + ["none", "short", "strs", "negative", "objects", "generator"])),
        "confidence": draw(st.floats(0.51, 1.0)), "max_windows": draw(st.integers(1, 12)),
        "window": draw(st.integers(2, 6)), "per_round": draw(st.one_of(st.none(), st.integers(1, 3))),
        "method": draw(st.sampled_from(["plackett_luce", "plackett_luce_ilsr", "bradley_terry", "borda", "copeland"])),
        "alpha": draw(st.floats(0.01, 2)), "seed": draw(st.integers(0, 9)), "batch_size": draw(st.integers(1, 8)),
    }  # fmt: skip


def _active_check(result: Any, kw: dict[str, Any]) -> None:
    for order, cands in zip(result.orders, kw["candidates"], strict=True):
        if sorted(order) != list(range(len(cands))):
            raise AssertionError(f"order {order} is not a ranking of {len(cands)} candidates")


def _groups_check(single: str, **fixed: Any) -> Callable[[Any, dict[str, Any]], None]:
    """Each group's ratings are those of the ungrouped function on that group's data alone."""

    def check(result: Any, kw: dict[str, Any]) -> None:
        from rankwise import ratings

        groups = list(kw["groups"])
        if set(result) != set(groups):
            raise AssertionError(f"groups {list(result)}, given {list(dict.fromkeys(groups))}")
        per_item = [k for k in ("model_a", "model_b", "winner", "features", "rankings", "chosen",
                                "alternatives", "weights") if kw.get(k) is not None]  # fmt: skip
        options = {k: v for k, v in kw.items() if k not in (*per_item, "groups", "intervals")}
        for g, got in result.items():
            _ratings_check(got, kw)
            rows = [i for i, x in enumerate(groups) if x == g]
            data = {k: (kw[k][rows] if isinstance(kw[k], np.ndarray) else [kw[k][i] for i in rows])
                    for k in per_item}  # fmt: skip
            try:
                with warnings.catch_warnings():  # ConvergenceWarning: as the grouped fit's
                    warnings.simplefilter("ignore")
                    want = getattr(ratings, single)(**data, **options, **fixed)
            except Exception as e:  # a group alone refused: the grouped one should too
                raise AssertionError(f"group {g!r}: {single} alone raised {e!r}") from None
            if list(got.players) != list(want.players) or not np.allclose(
                got.ratings, want.ratings, rtol=1e-6, atol=1e-6
            ):
                raise AssertionError(
                    f"group {g!r}: {dict(zip(got.players, got.ratings, strict=True))}, {single} alone: "
                    f"{dict(zip(want.players, want.ratings, strict=True))}"
                )

    return check


def _with_groups(draw: st.DrawFn, kw: dict[str, Any], n: int) -> dict[str, Any]:
    # labels of one type: numpy reads [3, "x"] as strings (the result's keys are "3", "x")
    labels = draw(st.sampled_from([["x", "y", "z"], [3, 1, 2]]))
    kw["groups"] = draw(st.lists(st.sampled_from(labels), min_size=n, max_size=n))
    return kw


def _grouped_ratings_entries() -> list[Entry]:
    def comparisons(**extra: Any) -> Any:
        def draw_kw(d: st.DrawFn) -> dict[str, Any]:
            kw = _comparisons(d)
            return _with_groups(d, {**kw, **{k: d(v) for k, v in extra.items()}}, len(kw["winner"]))

        return st.composite(draw_kw)()

    fitted = {"intervals": st.sampled_from([None, "asymptotic"])}

    def rankings(d: st.DrawFn) -> dict[str, Any]:
        r = d(st.lists(st.permutations("abcd").map(lambda p: p[:3]), min_size=1, max_size=8))
        return _with_groups(d, {"rankings": r, "intervals": d(fitted["intervals"])}, len(r))

    def choices(d: st.DrawFn) -> dict[str, Any]:
        kw = _choices(d)
        return _with_groups(d, kw, len(kw["chosen"]))

    def contextual(d: st.DrawFn) -> dict[str, Any]:
        kw = _comparisons(d)
        kw["features"] = reals(d, (len(kw["winner"]), 2))
        kw["intervals"] = d(fitted["intervals"])
        return _with_groups(d, kw, len(kw["winner"]))

    def matches(d: st.DrawFn) -> dict[str, Any]:
        r = d(st.lists(st.permutations("abcd").map(lambda p: p[:3]), min_size=1, max_size=8))
        return _with_groups(d, {"rankings": r}, len(r))

    none = {"intervals": None}
    return [
        Entry("rankwise.ratings.davidson_groups", comparisons(**fitted), _groups_check("davidson", **none)),
        Entry("rankwise.ratings.rao_kupper_groups", comparisons(**fitted), _groups_check("rao_kupper", **none)),
        Entry("rankwise.ratings.elo_groups", comparisons(k=st.floats(0, 64)), _groups_check("elo")),
        Entry("rankwise.ratings.rank_centrality_groups", comparisons(alpha=st.floats(0.01, 1)),
              _groups_check("rank_centrality")),
        Entry("rankwise.ratings.plackett_luce_groups", st.composite(rankings)(),
              _groups_check("plackett_luce", **none)),
        Entry("rankwise.ratings.luce_choice_groups", st.composite(choices)(), _groups_check("luce_choice")),
        Entry("rankwise.ratings.contextual_bradley_terry_groups", st.composite(contextual)(),
              _groups_check("contextual_bradley_terry", **none)),
        Entry("rankwise.ratings.trueskill", st.composite(_trueskill_valid)(), _trueskill_check),
        Entry("rankwise.ratings.openskill_groups", st.composite(matches)(), _groups_check("openskill")),
        Entry("rankwise.ratings.trueskill_groups", st.composite(matches)(), _groups_check("trueskill")),
    ]  # fmt: skip


def _trueskill_valid(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "rankings": draw(st.lists(st.permutations("abcd").flatmap(
            lambda p: st.integers(2, 4).map(lambda n: list(p[:n]))), min_size=1, max_size=8)),
        "mu": draw(st.floats(-50, 50)), "sigma": draw(st.floats(0.5, 20)),
        "beta": draw(st.floats(0.5, 10)), "tau": draw(st.floats(0, 1)),
        "draw_probability": draw(st.floats(0, 0.5)), "min_delta": draw(st.sampled_from([1e-4, 1e-2])),
    }  # fmt: skip


def _trueskill_check(result: Any, kw: dict[str, Any]) -> None:
    """The ``trueskill`` package's ratings, match after match (skipped where it raises)."""
    import trueskill as ts

    env = ts.TrueSkill(mu=kw["mu"], sigma=kw["sigma"], beta=kw["beta"], tau=kw["tau"],
                       draw_probability=kw["draw_probability"], backend=None)  # fmt: skip
    state = {p: env.create_rating() for p in result.players}
    try:
        for match in kw["rankings"]:
            rated = env.rate([(state[p],) for p in match], min_delta=kw["min_delta"])
            state.update({p: r[0] for p, r in zip(match, rated, strict=True)})
    except (FloatingPointError, OverflowError, ZeroDivisionError):
        return  # the package cannot rate these (rankwise refuses the FloatingPointError ones)
    mu = [state[p].mu for p in result.players]
    sigma = [state[p].sigma for p in result.players]
    if not (np.allclose(result.ratings, mu, rtol=1e-6, atol=1e-6)
            and np.allclose(result.sigma, sigma, rtol=1e-6, atol=1e-6)):  # fmt: skip
        raise AssertionError(f"mu {result.ratings.tolist()} sigma {result.sigma.tolist()}, "
                             f"trueskill: {mu} {sigma}")  # fmt: skip


REL_FORMATS = {"prefs": "{q} {jg} {jsg} {d} {rel}\n", "qrels_prefs": "{q} {jg} {d} {rel}\n",
               "qrels_jg": "{q} {jg} {d} {rel}\n"}  # fmt: skip
REL_MEASURES = {"prefs": ["prefs", "all_prefs", "prefs_simp", "prefs_pair", "prefs_avgjg_Rnonrel",
                          "prefs_num_prefs_poss", "prefs_avgjg_imp"],
                "qrels_jg": ["qrels_jg", "map_avgjg", "P_avgjg.1,3", "Rprec_mult_avgjg.0.5,1"]}  # fmt: skip


def _rel_info_call(rel_info: Any, run: Any, measures: Any = None, rel_format: Any = "prefs",
                   complete: Any = False, rel_level: Any = 1.0, judged_only: Any = False,
                   max_docs: Any = None) -> Any:  # fmt: skip
    """``evaluate_rel_info`` on files written from the ``rel_info`` / ``run`` text."""
    from rankwise.rel_info import evaluate_rel_info

    options = {"rel_format": rel_format, "complete": complete, "rel_level": rel_level,
               "judged_only": judged_only, "max_docs": max_docs}  # fmt: skip
    return _on_two_files(rel_info, run, lambda a, b: evaluate_rel_info(a, b, measures, **options))


@st.composite
def _rel_info_valid(draw: st.DrawFn) -> dict[str, Any]:
    fmt = draw(st.sampled_from(sorted(REL_FORMATS)))
    lines = []
    for q in range(1, draw(st.integers(1, 3)) + 1):
        for jg in range(draw(st.integers(1, 2))):
            for d in draw(st.lists(st.integers(0, 6), min_size=1, max_size=5, unique=True)):
                rel = draw(st.sampled_from([0, 1, 2, 0.5, -1] if fmt != "qrels_jg" else [0, 1, 2]))
                lines.append(
                    REL_FORMATS[fmt].format(
                        q=q, jg=jg, jsg=draw(st.integers(0, 1)), d=f"d{d}", rel=rel
                    )
                )
    run = "".join(
        f"{q} Q0 d{d} {r} {draw(st.sampled_from([0.5, 1.0, 2.0, -1.0]))} r\n"
        for q in range(1, 4)
        for r, d in enumerate(draw(st.lists(st.integers(0, 8), max_size=6, unique=True)))
    )
    family = REL_MEASURES["qrels_jg" if fmt == "qrels_jg" else "prefs"]
    return {"rel_info": "".join(lines), "run": run, "rel_format": fmt,
            "measures": draw(st.one_of(st.none(), st.lists(st.sampled_from(family), min_size=1, max_size=3, unique=True))),
            "complete": draw(st.booleans()), "rel_level": draw(st.sampled_from([1.0, 0.5, 2.0])),
            "judged_only": draw(st.booleans()), "max_docs": draw(st.one_of(st.none(), st.integers(1, 10)))}  # fmt: skip


def _rel_info_check(result: Any, kw: dict[str, Any]) -> None:
    """Every value a finite number; the ratios in [0, 1] (not the counts)."""
    rows = [*result.per_query.values(), result.summary]
    for row in rows:
        for name, value in row.items():
            if not math.isfinite(value) or value < 0:
                raise AssertionError(f"{name} = {value}")
            if "num_prefs" not in name and name != "num_q" and value > 1 + 1e-12:
                raise AssertionError(f"{name} = {value} outside [0, 1]")


class _Scorer(_Oracle):
    """A pointwise scorer for Passages: a passage's score is its word count (or a bad reply)."""

    def score(self, batch: Any) -> Any:
        return self._bad([float(len(str(p).split())) for _, p in batch])


def _passages_call(ranker: Any, window: Any = 150, stride: Any = 75, aggregate: Any = "max",
                   batch: Any = ()) -> Any:  # fmt: skip
    """``Passages(ranker, ...).score(batch)`` with a word-counting scorer named by its reply."""
    from rankwise.rerank import Passages

    if isinstance(ranker, str) and ranker in REPLIES:
        ranker = _Scorer(ranker)
    return Passages(ranker, window=window, stride=stride, aggregate=aggregate).score(batch)


@st.composite
def _passages_valid(draw: st.DrawFn) -> dict[str, Any]:
    window = draw(st.integers(1, 8))
    texts = st.lists(st.sampled_from(["a", "bb", "c\td", "\u3000", "e\n"]), max_size=20).map(
        " ".join
    )
    return {"ranker": draw(st.sampled_from(["ok"] * 4 + ["none", "short", "nan", "huge", "strs", "objects"])),
            "window": window, "stride": draw(st.integers(1, window)),
            "aggregate": draw(st.sampled_from(["max", "first", "sum"])),
            "batch": [("q", draw(texts)) for _ in range(draw(st.integers(0, 4)))]}  # fmt: skip


def _passages_check(result: Any, kw: dict[str, Any]) -> None:
    """The aggregate of the passages' word counts (ok replies only)."""
    from rankwise.rerank import split_passages

    if kw["ranker"] != "ok":
        return
    for got, (_, text) in zip(result, kw["batch"], strict=True):
        counts = [len(p.split()) for p in split_passages(text, kw["window"], kw["stride"])]
        want = {"max": max(counts), "first": counts[0], "sum": sum(counts)}[kw["aggregate"]]
        if got != want:
            raise AssertionError(f"score {got} of {text!r}, expected {want}")


def _reranker_call(name: Any, strategy: Any = None, passages: Any = None, aggregate: Any = "max",
                   model: Any = None, timeout: Any = 60.0) -> Any:  # fmt: skip
    """``Reranker(name, strategy, passages=..., aggregate=..., model=..., timeout=...)``: a
    server URL (nothing is contacted) or, as a bad value, a name that is not a model."""
    from rankwise.rerank import Reranker

    options = {} if model is None else {"model": model, "timeout": timeout}
    return Reranker(name, _strategy_of(strategy), passages=passages, aggregate=aggregate, **options)


@st.composite
def _reranker_valid(draw: st.DrawFn) -> dict[str, Any]:
    cls = draw(st.sampled_from(sorted(STRATEGIES)))
    split = cls in ("Pointwise", "Groupwise") and draw(st.booleans())
    window = draw(st.integers(1, 300))
    return {"name": draw(st.sampled_from(["http://127.0.0.1:9/v1", "https://localhost:9"])),
            "strategy": (cls, STRATEGIES[cls](draw)),
            "passages": (window, draw(st.integers(1, window))) if split else None,
            "aggregate": draw(st.sampled_from(["max", "first", "sum"])) if split else "max",
            "model": draw(st.sampled_from(["m", "org/model"])), "timeout": draw(st.floats(0.5, 60))}  # fmt: skip


@contextlib.contextmanager
def _fake_vllm() -> Any:
    """A stand-in ``vllm`` module (where vLLM is not installed): ``LLM`` keeps its options and
    loads nothing, so ``VLLMRanker``'s own argument checks run."""
    import types

    try:
        import vllm  # type: ignore[import-not-found,unused-ignore]  # noqa: F401

        yield
        return
    except ImportError:
        pass
    module = types.ModuleType("vllm")

    class LLM:
        def __init__(self, model: str, **options: Any) -> None:
            self.model, self.options = model, options

    module.LLM = LLM  # type: ignore[attr-defined]
    module.SamplingParams = dict  # type: ignore[attr-defined]
    sys.modules["vllm"] = module
    try:
        yield
    finally:
        del sys.modules["vllm"]


def _vllm_call(model: Any, api: Any = "chat", listwise_mode: Any = "generate",
               max_passage_words: Any = 300, max_tokens: Any = None, top_logprobs: Any = 20,
               on_overflow: Any = "shorten", ranker_id: Any = None) -> Any:  # fmt: skip
    """``VLLMRanker(model, ...)`` over a stand-in ``vllm`` where vLLM is not installed."""
    from rankwise.rerank import VLLMRanker

    with _fake_vllm():
        return VLLMRanker(model, api=api, listwise_mode=listwise_mode,
                          max_passage_words=max_passage_words, max_tokens=max_tokens,
                          top_logprobs=top_logprobs, on_overflow=on_overflow, ranker_id=ranker_id)  # fmt: skip


@st.composite
def _vllm_valid(draw: st.DrawFn) -> dict[str, Any]:
    return {"model": draw(st.sampled_from(["m", "org/model-7b"])),
            "api": draw(st.sampled_from(["chat", "completions"])),
            "listwise_mode": draw(st.sampled_from(["generate", "first"])),
            "max_passage_words": draw(st.one_of(st.none(), st.integers(1, 500))),
            "max_tokens": draw(st.one_of(st.none(), st.integers(1, 500))),
            "top_logprobs": draw(st.integers(1, 100)),
            "on_overflow": draw(st.sampled_from(["shorten", "error"])),
            "ranker_id": draw(st.one_of(st.none(), st.sampled_from(["r", "vllm:m"])))}  # fmt: skip


def _aggregate_check(result: Any, kw: dict[str, Any]) -> None:
    """pytrec_eval's own ``compute_aggregated_measure`` (``pytrec_eval/__init__.py``)."""
    values, measure = kw["values"], kw["measure"]
    if measure.startswith("num_"):
        want = float(np.sum(values))
    elif measure.startswith("gm_"):
        want = float(np.exp(np.sum(values) / len(values)))
    else:
        want = float(np.mean(values))
    if not (math.isclose(result, want, rel_tol=1e-12) or (math.isnan(result) and math.isnan(want))):
        raise AssertionError(f"{result}, pytrec_eval: {want}")


def _candidates_check(result: Any, kw: dict[str, Any]) -> None:
    """Each query's head is its top ``depth`` documents in trec_eval's order."""
    for q, head in zip(result.query_ids, result.doc_ids, strict=True):
        docs = kw["run"][q]
        want = sorted(docs, key=lambda d: (docs[d], d), reverse=True)[: kw["depth"]]
        if head != want:
            raise AssertionError(f"query {q}: head {head}, trec_eval's order {want}")


def _newer_entries() -> list[Entry]:
    """Answers, abstention, active labels, grouped ratings, TrueSkill, rel_info, Reranker,
    Passages and VLLMRanker."""
    return [
        Entry("rankwise.answers.has_answer",
              st.composite(lambda d: {"answers": d(st.one_of(st.sampled_from(ANSWER_WORDS), st.lists(st.sampled_from(ANSWER_WORDS), max_size=3))),
                                      "text": " ".join(d(st.lists(st.sampled_from(ANSWER_WORDS), max_size=6)))})(),
              _has_answer_check),
        Entry("rankwise.answers.evaluate_answers", _answers_valid(), _answers_check),
        Entry("rankwise.metrics.nauc", _nauc_valid(), _nauc_check),
        Entry("rankwise.metrics.confidence_scores", _confidence_valid(), _confidence_check),
        Entry("rankwise.metrics.abstention", _abstention_valid(), _abstention_check),
        Entry("rankwise.labels.active_labels", _active_valid(), _active_check, call=_active_call),
        *_grouped_ratings_entries(),
        Entry("rankwise.rel_info.evaluate_rel_info", _rel_info_valid(), _rel_info_check,
              call=_rel_info_call, files=True),
        Entry("rankwise.rerank.Passages", _passages_valid(), _passages_check, call=_passages_call,
              aliases=("candidate",)),  # each candidate of `batch` must be a text
        Entry("rankwise.rerank.Reranker", _reranker_valid(), call=_reranker_call),
        Entry("rankwise.rerank.VLLMRanker", _vllm_valid(), call=_vllm_call),
        Entry("rankwise.rerank.candidates_from_run",
              st.composite(lambda d: {k: v for k, v in d(_rerank_run_valid()).items() if k in ("run", "queries", "corpus", "depth")})(),
              _candidates_check, files=True),  # run, queries and corpus may be paths
        Entry("rankwise.compat.pytrec_eval.compute_aggregated_measure",
              st.composite(lambda d: {"measure": d(st.sampled_from(["map", "num_ret", "gm_map", "P_5", "num_q"])),
                                      "values": d(st.lists(st.floats(-5, 5), min_size=1, max_size=6))})(),
              _aggregate_check, compat=True),
    ]  # fmt: skip


def _entries(skip: str | None = None) -> list[Entry]:
    k = st.one_of(st.none(), st.integers(1, 10))
    entries = [
        metric_entry("ndcg", k),
        metric_entry("dcg", k),
        metric_entry("precision", st.integers(1, 10)),
        metric_entry("recall", k),
        metric_entry("reciprocal_rank", k),
        metric_entry("average_precision", k),
        metric_entry("success", st.integers(1, 10)),
    ]

    @st.composite
    def batch_kw(draw: st.DrawFn) -> dict[str, Any]:
        shape = batch_shape(draw)
        return {"scores": reals(draw, shape), "labels": grades(draw, shape)}

    @st.composite
    def evaluate_arrays(draw: st.DrawFn) -> dict[str, Any]:
        kw = draw(batch_kw())
        kw["measures"] = draw(
            st.lists(st.sampled_from(MEASURES), min_size=1, max_size=3, unique=True)
        )
        return kw

    entries += [
        Entry("rankwise.metrics.r_precision", batch_kw(), in_unit),
        Entry("rankwise.metrics.bpref", batch_kw(), in_unit),
        Entry("rankwise.metrics.err", batch_kw(), in_unit),
        Entry("rankwise.metrics.rbp", batch_kw(), in_unit),
        Entry("rankwise.metrics.evaluate_arrays", evaluate_arrays()),
        Entry("rankwise.correlation.kendall_tau", st.composite(_pairs)(), scipy_check("kendalltau")),
        Entry("rankwise.correlation.spearman", st.composite(_pairs)(), scipy_check("spearmanr")),
        Entry("rankwise.correlation.weighted_tau", st.composite(_pairs)(), in_minus1_1),
        Entry("rankwise.correlation.ap_correlation", st.composite(_pairs_distinct)(), in_minus1_1),
        Entry("rankwise.compat.scipy.kendalltau", st.composite(_pairs)(), scipy_check("kendalltau"), compat=True),
        Entry("rankwise.compat.scipy.spearmanr", st.composite(lambda d: dict(zip("ab", _pairs(d).values(), strict=True)))(), compat=True),
        Entry("rankwise.compat.scipy.weightedtau", st.composite(_pairs)(), compat=True),
    ]  # fmt: skip

    @st.composite
    def rbo_kw(draw: st.DrawFn) -> dict[str, Any]:
        a = draw(st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=8, unique=True))
        b = draw(st.lists(st.sampled_from("abcdefghij"), min_size=1, max_size=8, unique=True))
        return {
            "a": a,
            "b": b,
            "p": draw(st.floats(0.05, 0.95)),
            "ties": draw(st.sampled_from("abw")),
        }

    @st.composite
    def systems(draw: st.DrawFn) -> dict[str, Any]:
        names = [f"s{i}" for i in range(draw(st.integers(0, 6)))]
        return {
            "report_a": {n: draw(st.floats(0, 1)) for n in names},
            "report_b": {n: draw(st.floats(0, 1)) for n in names},
        }

    entries += [
        Entry("rankwise.correlation.rbo", rbo_kw(), _rbo_check),
        Entry("rankwise.correlation.correlate_systems", systems()),
    ]

    @st.composite
    def sk(draw: st.DrawFn) -> dict[str, Any]:
        q, d = draw(st.integers(1, 3)), draw(st.integers(2, 6))
        return {"y_true": grades(draw, (q, d)), "y_score": reals(draw, (q, d), ties=False),
                "k": draw(st.one_of(st.none(), st.integers(1, 6)))}  # fmt: skip

    entries += [
        Entry("rankwise.compat.sklearn.ndcg_score", sk(), _sklearn_check, compat=True),
        Entry("rankwise.compat.sklearn.dcg_score", sk(), compat=True),
    ]

    # consistency
    @st.composite
    def chosen(draw: st.DrawFn) -> dict[str, Any]:
        n = draw(st.integers(1, 8))
        return {"chosen": reals(draw, (n,)) - 5, "rejected": reals(draw, (n,)) - 5}

    @st.composite
    def ref_pair(draw: st.DrawFn) -> dict[str, Any]:
        n = draw(st.integers(1, 8))
        return {"ref_chosen": reals(draw, (n,)) - 5, "ref_rejected": reals(draw, (n,)) - 5}

    @st.composite
    def ideal(draw: st.DrawFn) -> dict[str, Any]:
        kw = draw(ref_pair())
        kw["alpha"] = np.full(kw["ref_chosen"].shape, 0.5)
        return kw

    @st.composite
    def listwise(draw: st.DrawFn) -> dict[str, Any]:
        q, d = draw(st.integers(1, 3)), draw(st.integers(2, 5))
        return {"logp": reals(draw, (q, d)) - 5, "human_rank": np.stack([np.random.default_rng(draw(st.integers(0, 99))).permutation(d) for _ in range(q)])}  # fmt: skip

    @st.composite
    def opis(draw: st.DrawFn) -> dict[str, Any]:
        n, dim = draw(st.integers(2, 10)), draw(st.integers(1, 4))
        return {
            "embeddings": reals(draw, (n, dim), ties=False),
            "labels": grades(draw, (n,), top=2),
        }

    entries += [
        Entry("rankwise.consistency.ranking_accuracy", chosen(), in_unit),
        Entry("rankwise.consistency.ranking_difficulty", ref_pair()),
        Entry("rankwise.consistency.idealized_ranking_accuracy", ideal(), in_unit),
        Entry("rankwise.consistency.listwise_ranking_accuracy", listwise(), in_unit),
        Entry("rankwise.consistency.dpo_loss_bound",
              st.composite(lambda d: {"difficulty": reals(d, (d(st.integers(0, 5)),)), "beta": 0.1})()),
        Entry("rankwise.consistency.opis", opis()),
    ]  # fmt: skip

    # labels
    @st.composite
    def values(draw: st.DrawFn) -> dict[str, Any]:
        return {"values": reals(draw, batch_shape(draw))}

    @st.composite
    def windows(draw: st.DrawFn) -> dict[str, Any]:
        n = draw(st.integers(1, 6))
        ws = [draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=n, unique=True)) for _ in range(draw(st.integers(0, 5)))]  # fmt: skip
        return {"windows": ws, "n_items": n, "method": draw(st.sampled_from(
            ["borda", "copeland", "kemeny", "kemeny_exact", "plackett_luce", "bradley_terry"])), "alpha": 0.1}  # fmt: skip

    @st.composite
    def pairs(draw: st.DrawFn) -> dict[str, Any]:
        n = draw(st.integers(2, 6))
        p = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda t: t[0] != t[1]), max_size=8))  # fmt: skip
        return {"pairs": np.array(p, dtype=np.int64).reshape(-1, 2), "n_items": n,
                "method": draw(st.sampled_from(["borda", "copeland", "bradley_terry"])), "alpha": 0.1}  # fmt: skip

    @st.composite
    def perm(draw: st.DrawFn) -> dict[str, Any]:
        n = draw(st.integers(0, 6))
        return {"perm": np.random.default_rng(draw(st.integers(0, 99))).permutation(n)}

    @st.composite
    def order(draw: st.DrawFn) -> dict[str, Any]:
        n = draw(st.integers(0, 6))
        return {"order": np.random.default_rng(draw(st.integers(0, 99))).permutation(n)}

    @st.composite
    def committee(draw: st.DrawFn) -> dict[str, Any]:
        v, n = draw(st.integers(1, 4)), draw(st.integers(1, 6))
        rng = np.random.default_rng(draw(st.integers(0, 99)))
        return {"rankings": np.stack([rng.permutation(n) for _ in range(v)]), "k": draw(st.integers(1, n)),
                "rule": draw(st.sampled_from(["k_borda", "chamberlin_courant", "pav"]))}  # fmt: skip

    @st.composite
    def scores_labels(draw: st.DrawFn) -> dict[str, Any]:
        shape = batch_shape(draw)
        return {"scores": reals(draw, shape), "labels": grades(draw, shape)}

    entries += [
        Entry("rankwise.labels.permutation", values(), _perm_check),
        Entry("rankwise.labels.ranks", values()),
        Entry("rankwise.labels.topk_mask", st.composite(lambda d: {**d(values()), "k": d(st.integers(1, 5))})()),
        Entry("rankwise.labels.inverse_permutation", perm()),
        Entry("rankwise.labels.aggregate", windows()),
        Entry("rankwise.labels.aggregate_pairs", pairs()),
        Entry("rankwise.labels.position_weights", st.composite(lambda d: {"ranks": np.arange(1, d(st.integers(1, 9)))})()),
        Entry("rankwise.labels.pair_weights", st.composite(lambda d: {"ranks_i": np.array([1, 2]), "ranks_j": np.array([3, d(st.integers(1, 9))])})()),
        Entry("rankwise.labels.curriculum_ease", scores_labels(), in_unit),
        Entry("rankwise.labels.curriculum_weights", st.composite(lambda d: {"ease": np.array([0.25, 1.0]), "step": d(st.integers(0, 5)), "total_steps": d(st.integers(1, 5))})(), in_unit),
        Entry("rankwise.labels.soft_labels", st.composite(lambda d: {"scores": reals(d, batch_shape(d))})(), in_unit),
        Entry("rankwise.labels.margin_targets", st.composite(lambda d: {"positive_scores": reals(d, (3,)), "negative_scores": reals(d, (3,))})()),
        Entry("rankwise.labels.hard_negatives", st.composite(lambda d: {**d(scores_labels()), "k": d(st.integers(1, 4))})()),
        Entry("rankwise.labels.ranking_text", order()),
        Entry("rankwise.labels.ranking_label", st.composite(lambda d: {"initial_list": ["a", "b", "c"], "final_list": d(st.permutations(["a", "b", "c"]))})()),
        Entry("rankwise.labels.select_committee", committee()),
        Entry("rankwise.labels.to_padded", st.just({"values": np.arange(4), "offsets": np.array([0, 3, 4])})),
    ]  # fmt: skip

    # evaluate, Qrels, Run, compare, fuse, Report
    entries += [
        Entry("rankwise.evaluate", _eval_valid(), _eval_check),
        Entry("rankwise.Qrels", st.composite(lambda d: {"qrels": qrels_dict(d)})(), positional=("qrels",)),
        Entry("rankwise.Run", st.composite(lambda d: {"run": run_dict(d)})(), positional=("run",)),
        Entry("rankwise.Qrels:from_trec", st.composite(lambda d: {"path": d(st.sampled_from(sorted(FILES.values())))})(), files=True),
        Entry("rankwise.Run:from_trec", st.composite(lambda d: {"path": d(st.sampled_from(sorted(FILES.values())))})(), files=True),
        Entry("rankwise.measure_names", st.composite(lambda d: {"measures": d(st.lists(st.sampled_from(MEASURES), max_size=3))})()),
        Entry("rankwise.compare", _compare_valid()),
        Entry("rankwise.fuse", _fuse_valid()),
        Entry("rankwise.Report", _report_valid(), call=_report_call, mutable=("arg",)),
        Entry("rankwise.compat.pytrec_eval.RelevanceEvaluator",
              st.composite(lambda d: {"query_relevance": qrels_dict(d), "measures": {"map", "ndcg"}})(), compat=True),
        Entry("rankwise.rerank.parse_permutation",
              st.composite(lambda d: {"text": d(st.sampled_from(["[1] > [2]", "[2] > [2] > [9]", "", "1 2 3", "\x00"])), "n": d(st.integers(0, 5))})()),
        Entry("rankwise.rerank.rerank", _rerank_valid(), _rerank_check, call=_rerank_call),
        Entry("rankwise.rerank.strip_think",
              st.composite(lambda d: {"text": d(st.sampled_from(["<think>[1]</think>[2]", "<think>[1]", "", "[1] > [2]", "\x00"]))})()),
        Entry("rankwise.rerank.split_passages",
              st.composite(lambda d: {"text": d(st.sampled_from(["a b c d e", "", "x " * 40])), "window": d(st.integers(1, 9)), "stride": 1})()),
        Entry("rankwise.cli.main", _cli_valid(), call=_cli_call, positional=("argv",)),
        Entry("rankwise.compat.pytrec_eval.RelevanceEvaluator:evaluate",
              st.composite(lambda d: {"query_relevance": qrels_dict(d), "measures": {"map", "ndcg_cut_10", "P"}, "run": run_dict(d)})(),
              call=_pytrec_call, compat=True, mutable=("run",), aliases=("scores",)),
        Entry("rankwise.Run:methods", _collection_valid(), call=_collection_call, mutable=("arg",), files=True,
              aliases=("path", "rel_level")),
        Entry("rankwise.get_num_threads", st.just({})),
        Entry("rankwise.compat.pytrec_eval.parse_qrel",
              st.composite(lambda d: {"f_qrel": d(st.lists(st.sampled_from(QREL_LINES), max_size=6, unique_by=_query_doc))})(),
              _parse_qrel_check, compat=True, bad=PARSE_BAD),
        Entry("rankwise.compat.pytrec_eval.parse_run",
              st.composite(lambda d: {"f_run": d(st.lists(st.sampled_from(RUN_LINES), max_size=6, unique_by=_query_doc))})(),
              _parse_run_check, compat=True, bad=PARSE_BAD),
        Entry("rankwise.rerank.OpenAICompatibleRanker", st.composite(_openai_valid)()),
        Entry("rankwise.rerank.rerank_async", _rerank_valid(), _rerank_check, call=_rerank_async_call),
        Entry("rankwise.rerank.rerank_run", _rerank_run_valid(), _rerank_run_check,
              call=_rerank_run_call, files=True),  # run, queries and corpus may be paths
        Entry("rankwise.rerank.OracleRanker", st.composite(lambda d: {"noise": d(st.floats(0, 2)), "seed": d(st.integers(0, 9))})()),
        Entry("rankwise.rerank.OracleListwiseRanker", st.composite(lambda d: {"noise": d(st.floats(0, 2)), "seed": d(st.integers(0, 9))})()),
        Entry("rankwise.rerank.SimulatedRanker", st.composite(lambda d: {"qrels": qrels_dict(d), "temperature": d(st.floats(0, 2)), "seed": d(st.integers(0, 9))})()),
        Entry("rankwise.rerank.AnswerCache", st.composite(lambda d: {"path": d(st.sampled_from([None, FILES["out"] + ".sqlite"]))})(), files=True),
        Entry("rankwise.labels.fullrank_labels",
              st.composite(lambda d: {"queries": ["q"], "candidates": [d(st.lists(st.integers(0, 9), max_size=12, unique=True))],
                                      "teacher": _Oracle(), "window": d(st.integers(2, 5)), "step": 1, "progress": False})()),
    ]  # fmt: skip
    if "torch" not in (skip or ""):
        from rankwise.compat.torchmetrics import functional

        for fn in functional.__all__:
            entries.append(Entry(f"rankwise.compat.torchmetrics.functional.{fn}",
                                 st.composite(_torch_valid)(), _tensor_in_unit, compat=True, bad=TORCH_BAD))  # fmt: skip
        for fn in LOSSES + SCORE_ONLY:
            valid = st.composite(lambda d, labels=fn in LOSSES: _loss_valid(d, labels))()
            entries.append(Entry(f"rankwise.torch.losses.{fn}", valid, _finite, bad=TORCH_BAD))
        entries += _policy_loss_entries()
    entries += _stats_and_ratings_entries()
    entries += _more_entries()
    entries += _newer_entries()
    for cls in STRATEGIES:
        entries += _strategy_entry(cls)
    return entries


# ---------------------------------------------------------------------------------------------
# One call and its verdict
# ---------------------------------------------------------------------------------------------
class CallTimeout(Exception):
    """Raised by the per-call alarm."""


def _alarm(signum: int, frame: Any) -> None:
    raise CallTimeout


FORBIDDEN = (OverflowError, IndexError, KeyError, ZeroDivisionError, AttributeError,
             AssertionError, RecursionError, MemoryError, SystemError, UnicodeError)  # fmt: skip


def _strings(value: Any) -> list[str]:
    """The str values inside the arguments (a file name, a measure name a message quotes)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def _names_argument(message: str, names: list[str]) -> bool:
    return any(re.search(rf"(?<![A-Za-z_]){re.escape(n)}(?![A-Za-z_])", message) for n in names)


# Arguments that ask for an amount of work (samples, resamples, iterations): a call given a
# large one may run past the per-call bound; it passes if the alarm stops it (the harness's
# Ctrl-C), while a call that ignores the alarm is still a hang (the parent kills it).
WORK_ARGUMENTS = ("n_samples", "n_resamples", "max_iter", "sinkhorn_max_iter", "n_thresholds",
                  "max_windows")  # fmt: skip
WORK_LARGE = 10_000


def _work_sized(kwargs: dict[str, Any]) -> bool:
    return any(
        isinstance(v, int) and not isinstance(v, bool) and v > WORK_LARGE
        for k, v in kwargs.items()
        if k in WORK_ARGUMENTS
    )


def verdict(entry: Entry, kwargs: dict[str, Any], valid: bool, call_seconds: float) -> str | None:
    """Run one call; None when its outcome is allowed, else a description of the failure."""
    from rankwise.errors import RankwiseError

    fn = entry.target()
    real = {k: realise(v) for k, v in kwargs.items()}
    pos, kw = entry.split(real)
    signal.setitimer(signal.ITIMER_REAL, call_seconds)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(*pos, **kw)
        signal.setitimer(signal.ITIMER_REAL, 0)
        entry.outcomes["result"] = entry.outcomes.get("result", 0) + 1
        if valid and entry.check is not None:
            entry.check(result, {k: realise(v) for k, v in kwargs.items()})
        return None
    except CallTimeout:
        if _work_sized(kwargs):
            # Asked for more work than fits the bound (n_samples=8_694_209), and stopped by the
            # alarm's exception as Ctrl-C stops it: slow by request, not a hang.
            entry.outcomes["stopped"] = entry.outcomes.get("stopped", 0) + 1
            return None
        return f"hang: no result within {call_seconds} s"
    except RankwiseError as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        entry.outcomes["refused"] = entry.outcomes.get("refused", 0) + 1
        message = str(e)
        names = entry.params() + list(kwargs) + list(entry.aliases)
        paths = [v for v in _strings(real) if len(v) > 1]
        if (
            entry.name == "rankwise.cli.main"
            or _names_argument(message, names)
            or any(p in message for p in paths)  # a file error names the file
            or (entry.files and type(e).__name__ == "ParseError")  # path and line, as fuzz_parsers
            # a file's malformed line, "path:line: ..." (a relative path may be one letter)
            or (entry.files and any(message.startswith(f"{p}:") for p in _strings(real)))
            # a measure name is quoted (escaped) in the message: the value of `measures`
            or (type(e).__name__ == "UnknownMeasureError" and "measure" in message)
        ):
            return None
        return f"{type(e).__name__} naming no argument ({', '.join(names)}): {message[:300]}"
    except AssertionError as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return f"wrong result: {e}"
    except BaseException as e:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if isinstance(e, KeyboardInterrupt):
            raise
        if isinstance(e, OSError) and entry.files:
            # Files that cannot be opened raise the builtin OSError family (rankwise.errors).
            entry.outcomes["refused"] = entry.outcomes.get("refused", 0) + 1
            return None
        if entry.compat and isinstance(e, (ValueError, TypeError)) and not isinstance(e, FORBIDDEN):
            entry.outcomes["refused"] = entry.outcomes.get("refused", 0) + 1
            return None
        where = traceback.extract_tb(e.__traceback__)[-1]
        return f"{type(e).__name__}: {str(e)[:300]} (at {Path(where.filename).name}:{where.lineno})"


# ---------------------------------------------------------------------------------------------
# The child process: sweep the entry points, report counts and failures as JSON lines
# ---------------------------------------------------------------------------------------------
BAD = st.one_of(
    st.sampled_from(BAD_SOURCES).map(Source),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=8),
    st.text(max_size=8),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5),
    st.lists(st.lists(st.integers(-3, 3), max_size=3), max_size=3),
)


def child(args: argparse.Namespace) -> int:
    import resource

    if args.skip is None or "torch" not in args.skip:
        import torch  # noqa: F401 (before the memory limit: its libraries map much address space)
    # A runaway allocation fails (and is reported as a crash) instead of taking the machine.
    limit = 8 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, _alarm)
    # No network: a model id that is not cached (a bad `Reranker` name) fails at once instead
    # of retrying the hub for a minute.
    os.environ["HF_HUB_OFFLINE"] = "1"
    tmp = Path(tempfile.mkdtemp(prefix="fuzz_api_"))
    _make_files(tmp)
    # Calls given relative paths (a cache, an output file) write where they run: in the
    # temporary folder, never in the caller's working tree.
    sys.path[:] = [os.path.abspath(p) for p in sys.path]
    os.chdir(tmp)
    entries = [
        e
        for e in _entries(args.skip)
        if (args.only is None or args.only in e.name)
        and (args.skip is None or args.skip not in e.name)
    ]
    current = Path(args.current)
    report = open(args.report, "a", buffering=1)  # noqa: SIM115 (lives as long as the child)
    report.write(json.dumps({"entries": [e.name for e in entries]}) + "\n")
    deadline = time.monotonic() + args.seconds
    order = random.Random(args.seed)
    round_ = 0
    while time.monotonic() < deadline:
        # Round-robin with small first batches: a short sweep still reaches every entry point
        # (walking them in order with full batches spent a short run on the first few).
        batch = min(args.batch, 2**round_)
        turn = list(entries)
        order.shuffle(turn)
        for entry in turn:
            if time.monotonic() >= deadline:
                break
            _sweep(entry, args, round_, batch, current, report)
            # Counts so far (a crash later loses none): the record replaces the previous one.
            report.write(json.dumps({"count": entry.name, "tried": entry.tried,
                                     "valid": entry.valid_tried, "outcomes": entry.outcomes}) + "\n")  # fmt: skip
        round_ += 1
    report.close()
    return 0


def _sweep(
    entry: Entry, args: argparse.Namespace, round_: int, batch: int, current: Path, report: Any
) -> None:
    params = entry.params()

    @settings(max_examples=batch, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        kwargs = data.draw(entry.valid, label="valid")
        valid = not params or data.draw(st.integers(0, 3), label="mutate?") == 0
        if not valid:
            name = data.draw(st.sampled_from(params), label="argument")
            kwargs = dict(kwargs)
            if entry.name == "rankwise.cli.main":
                argv = list(kwargs["argv"])
                token = data.draw(st.sampled_from([*CLI_TOKENS, *FILES.values()]))
                argv.insert(data.draw(st.integers(0, len(argv))), token)
                kwargs["argv"] = argv
            elif entry.bad and data.draw(st.booleans(), label="own bad value?"):
                kwargs[name] = Source(data.draw(st.sampled_from(entry.bad), label="bad value"))
            else:
                kwargs[name] = data.draw(BAD, label="bad value")
        repro = entry.reproducer(kwargs)
        current.write_text(json.dumps({"entry": entry.name, "repro": repro}))
        entry.tried += 1
        entry.valid_tried += valid
        problem = verdict(entry, kwargs, valid, args.call_seconds)
        if problem is not None:
            report.write(
                json.dumps({"entry": entry.name, "problem": problem, "repro": repro}) + "\n"
            )

    one._hypothesis_internal_use_seed = args.seed * 100003 + round_  # type: ignore[attr-defined]
    one()


# ---------------------------------------------------------------------------------------------
# Subprocess runs of the command line
# ---------------------------------------------------------------------------------------------
def cli_subprocess_runs(folder: Path, most: int) -> tuple[int, list[dict[str, str]]]:
    """A few runs of ``python -m rankwise`` as a user types them: no traceback on stderr."""
    _make_files(folder)
    runs = [
        ["eval", "-M", "99999999999999999999999", FILES["qrels"], FILES["run"]],
        ["eval", "-m", "bogus", FILES["qrels"], FILES["run"]],
        ["eval", FILES["qrels"], FILES["bad_utf8"]],
        ["eval", FILES["missing"], FILES["run"]],
        ["eval", FILES["dir"], FILES["run"]],
        ["eval", "-l", "nan", FILES["qrels"], FILES["run.gz"]],
        ["eval", "--format", "json", "-q", FILES["qrels"], FILES["bom"]],
        ["eval", "-m", "P.99999999999999999999", FILES["qrels"], FILES["run"]],
        ["rerank", "--noise", "nan", FILES["run"]],
        ["rerank", "--cache", FILES["cache.sqlite"], FILES["run"]],
        ["bogus"],
        [],
    ][:most]
    failures = []
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p) for p in sys.path))
    for argv in runs:
        try:
            p = subprocess.run([sys.executable, "-m", "rankwise", *argv], capture_output=True,
                               text=True, timeout=60, env=env, errors="replace", cwd=folder)  # fmt: skip
        except subprocess.TimeoutExpired:
            failures.append({"problem": "hang: no exit within 60 s", "argv": argv})
            continue
        if "Traceback (most recent call last)" in p.stderr or p.returncode < 0:
            last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
            failures.append(
                {"problem": f"exit {p.returncode}, traceback: {last[:200]}", "argv": argv}
            )
    return len(runs), failures


# ---------------------------------------------------------------------------------------------
# The parent: children until the time is spent, then the summary
# ---------------------------------------------------------------------------------------------
def _group(problem: str) -> str:
    """Failures alike up to numbers and quoted values count once."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", problem)
    return re.sub(r"-?\d[\d.e+-]*", "N", text)[:160]


def parent(args: argparse.Namespace) -> int:
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="fuzz_api_parent_"))
    report_path, current_path = folder / "report.jsonl", folder / "current.json"
    seed, crashes = args.seed, []
    counts: dict[str, dict[str, Any]] = {}
    names: set[str] = set()
    while (left := args.seconds - (time.monotonic() - started)) > 1:
        report_path.write_text("")
        current_path.write_text("{}")
        cmd = [sys.executable, __file__, "--child", "--seconds", str(left), "--seed", str(seed),
               "--batch", str(args.batch), "--call-seconds", str(args.call_seconds),
               "--report", str(report_path), "--current", str(current_path)]  # fmt: skip
        if args.only:
            cmd += ["--only", args.only]
        if args.skip:
            cmd += ["--skip", args.skip]
        proc = subprocess.Popen(cmd)
        hung = False
        while proc.poll() is None:
            time.sleep(0.5)
            idle = time.time() - current_path.stat().st_mtime
            if idle > max(3 * args.call_seconds, 30):
                proc.kill()
                proc.wait()
                hung = True
        _collect(report_path, counts, crashes, names)
        if proc.returncode != 0:
            last = json.loads(current_path.read_text() or "{}")
            what = f"hang: no progress for {max(3 * args.call_seconds, 30)} s (killed)" if hung \
                else f"crash: the process died with status {proc.returncode}"  # fmt: skip
            crashes.append(
                {"entry": last.get("entry", "?"), "problem": what, "repro": last.get("repro", "?")}
            )
            seed += 1
            if len([c for c in crashes if c["problem"].startswith(("crash", "hang"))]) > 20:
                break
            continue
        break
    n_cli, cli_failures = cli_subprocess_runs(folder, args.cli_runs)
    for f in cli_failures:
        crashes.append({"entry": "python -m rankwise", "problem": f["problem"],
                        "repro": "python -m rankwise " + " ".join(f["argv"])})  # fmt: skip
    return _summary(counts, crashes, names, n_cli, time.monotonic() - started, args.only, args.skip)


def _collect(
    path: Path, counts: dict[str, dict[str, Any]], failures: list[dict[str, str]], names: set[str]
) -> None:
    latest: dict[str, dict[str, Any]] = {}  # a child's counts are cumulative: keep the last
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # a line cut by a crash
            continue
        if "entries" in record:
            names.update(record["entries"])
        elif "count" in record:
            latest[record["count"]] = record
        else:
            failures.append(record)
    for name, record in latest.items():
        c = counts.setdefault(name, {"tried": 0, "valid": 0, "outcomes": {}})
        c["tried"] += record["tried"]
        c["valid"] += record["valid"]
        for k, v in record["outcomes"].items():
            c["outcomes"][k] = c["outcomes"].get(k, 0) + v


PUBLIC_MODULES = (
    "rankwise", "rankwise.metrics", "rankwise.correlation", "rankwise.consistency",
    "rankwise.labels", "rankwise.rerank", "rankwise.compat.sklearn", "rankwise.compat.scipy",
    "rankwise.compat.pytrec_eval", "rankwise.compat.torchmetrics.functional",
    "rankwise.torch.losses", "rankwise.stats", "rankwise.ratings", "rankwise.diversity",
    "rankwise.answers", "rankwise.rel_info",
)  # fmt: skip


def not_fuzzed(names: list[str]) -> list[str]:
    """Public functions and classes (``__all__`` of the public modules) that no entry point
    calls: result types, protocols and Module wrappers of fuzzed functions are left out."""
    import importlib

    covered = {n.split(":")[0] for n in names}
    out = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            full = f"{module_name}.{attr}"
            if not callable(obj) or full in covered or attr.startswith("_"):
                continue
            if type(obj).__module__ == "typing":
                continue  # a type alias such as stats.Alternative (Literal[...]) is no function
            if inspect.isclass(obj) and (
                getattr(obj, "_is_protocol", False)
                or dataclasses.is_dataclass(obj)
                or attr.endswith(("Loss", "Result", "Error", "Warning"))
            ):
                continue
            if module_name == "rankwise" and attr in (
                "compare",
                "fuse",
                "demo",
                "Report",
                "evaluate_answers",
            ):
                continue  # fuzzed under their names, or (demo) no arguments to fuzz
            if attr == "Strategy":
                continue  # the base class; every strategy is fuzzed
            if attr == "set_num_threads":
                continue  # not here: a huge count starts that many OS threads (other work)
            out.append(full)
    return out


def _summary(counts: dict[str, dict[str, Any]], failures: list[dict[str, str]], names: set[str],
             n_cli: int, seconds: float, only: str | None, skip: str | None) -> int:  # fmt: skip
    print(f"{'entry point':<48} {'inputs':>8} {'valid':>7} {'result':>7} {'refused':>8}")
    for name in sorted(counts):
        c = counts[name]
        print(f"{name:<48} {c['tried']:>8,} {c['valid']:>7,} {c['outcomes'].get('result', 0):>7,} "
              f"{c['outcomes'].get('refused', 0):>8,}")  # fmt: skip
    total = sum(c["tried"] for c in counts.values())
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for f in failures:
        groups.setdefault((f["entry"], _group(f["problem"])), []).append(f)
    for (entry, _), items in sorted(groups.items()):
        first = items[0]
        print(f"\nFAILURE: {entry}: {first['problem']}  [{len(items)}x]\n  {first['repro']}")
    # Public functions left out by --only / --skip are not missing entry points.
    missing = [m for m in not_fuzzed(sorted(names | set(counts)))
               if (only is None or only in m) and (skip is None or skip not in m)]  # fmt: skip
    if missing:
        print(f"\nnot fuzzed (no entry point): {', '.join(missing)}")
    unreached = sorted(names - {n for n, c in counts.items() if c["tried"]})
    if unreached:
        print(f"\nnot reached in the time given: {', '.join(unreached)}")
    print(
        f"\nfuzz_api: {total:,} inputs over {len(counts)} entry points and {n_cli} command lines "
        f"in {seconds:.0f} s; {len(groups)} failures, {len(unreached)} entry points not reached"
    )
    return 1 if groups else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--batch", type=int, default=25, help="most inputs per entry point per round")
    ap.add_argument("--call-seconds", type=float, default=10, help="time bound of one call")
    ap.add_argument("--only", help="entry points whose name contains this")
    ap.add_argument("--skip", help="leave out entry points whose name contains this (torch)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cli-runs", type=int, default=12, help="runs of python -m rankwise")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--report", help=argparse.SUPPRESS)
    ap.add_argument("--current", help=argparse.SUPPRESS)
    args = ap.parse_args()
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())
