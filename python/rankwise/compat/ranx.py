"""Drop-in replacement for `ranx <https://github.com/AmenRa/ranx>`_ 0.3.21.

Change the import and nothing else::

    from rankwise.compat.ranx import Qrels, Run, compare, evaluate, fuse, optimize_fusion

    qrels = Qrels.from_file("qrels.trec")
    run = Run.from_file("bm25.trec")
    evaluate(qrels, run, ["ndcg@10", "map@100", "mrr", "precision@5-l2"])
    print(compare(qrels, [run, other], ["ndcg@10"], max_p=0.01))

Same classes, functions, arguments, metric names and results as ranx: ``Qrels`` and ``Run``
(``from_dict``, ``from_file``, ``from_df``, ``from_parquet``, ``to_dict``, ``to_dataframe``,
``save``, ``make_comparable``, ``add``, ``add_score``, ``add_multi``, ``scores`` and
``mean_scores`` after an evaluation), ``evaluate``, ``compare`` with its ``Report`` (ranx's
table with superscripts, ``to_latex``, ``to_dict``, ``to_dataframe``, ``save``), ``fuse`` and
``optimize_fusion``.
Every metric is computed by rankwise's Rust engine (:func:`rankwise.evaluate`), all queries in
parallel, with ranx's definitions; there is no numba, so nothing is compiled on first use,
nothing depends on numba's JIT being enabled (ranx fails with ``NUMBA_DISABLE_JIT=1``), and
small evaluations cost microseconds instead of ranx's per-call overhead (see
``benches/bench_ranx_compat.py``).

Metric names: ``hits``, ``hit_rate``, ``precision``, ``recall``, ``f1``, ``r-precision``,
``mrr``, ``map``, ``dcg``, ``dcg_burges``, ``ndcg``, ``ndcg_burges``, ``bpref`` and ``rbp.P``
(persistence ``0.P``), each with an optional cutoff ``@k`` and relevance level ``-lN``
(``"ndcg@10-l2"``). ranx's definitions, where they differ from trec_eval's (the values
follow ranx):

* ``precision`` without a cutoff divides by the number of retrieved documents (trec_eval's
  ``set_P``); ``f1@k`` is the harmonic mean of ``precision@k`` and ``recall@k`` (0 when both
  are 0);
* ``ndcg``/``dcg`` use a label as its gain only when it reaches the relevance level
  (``ndcg@10-l2`` gives labels 0 and 1 no gain; trec_eval ignores ``-l`` for nDCG), and
  ``*_burges`` use ``2**label - 1``;
* ``rbp.P`` weights each relevant document by its label (graded RBP, ranx's definition);
* ``bpref`` counts negative labels as judged non-relevant (trec_eval: unjudged);
* a query of the qrels that the run misses (``make_comparable=True``) scores 0 on every
  metric; queries the qrels do not judge are dropped; without ``make_comparable`` the two
  must hold the same queries.

Where this module differs from ranx, on purpose (each pinned by a test):

* tied scores: documents are ranked by score, descending, then by document id, descending
  (trec_eval's rule). ranx ranks tied documents in the order numba's ``argsort`` leaves them
  (insertion order for short lists, unspecified for long ones), so on tied runs the two can
  differ;
* ``bpref`` of a query without judged non-relevant documents is trec_eval's value (the
  relevant documents retrieved over R), and 0 for a query without relevant documents; ranx
  divides by 0 there: NaN when that query is evaluated alone, and among other queries its
  parallel kernel stops at the division and leaves 0 for *every* query;
* ``compare``: ``stat_test="fisher"`` is rankwise's randomization test (sign flips of the
  per-query differences, p = (1 + hits) / (1 + n_permutations), reproducible for a seed on
  any machine); ranx draws numba permutations and reports hits / n_permutations, so p-values
  agree in distribution, not digit for digit. Both estimate the exact randomization p-value,
  except where a permutation's statistic ties the observed one (AP and RR take few values on
  small qrels): ranx compares float means with ``>=`` and counts such a tie or not by
  rounding (0.74 where the exact p-value is 0.875); rankwise counts it (tested against the
  exact test over all sign flips). ``"student"`` equals ranx's (scipy's
  ``ttest_rel``) except for systems with identical per-query values, where ranx reports NaN
  (never significant) and rankwise p = 1. ``"tukey"`` is :func:`rankwise.stats.tukey_hsd`
  (scipy's ``tukey_hsd``, as ranx calls it; p-values to 1e-9);
* relevance levels must be positive (``-l0`` raises, as rankwise's ``rel``); labels are
  used as given (ranx casts them to ``int``);
* ``Qrels.to_typed_list``/``Run.to_typed_list`` (numba lists) and ``from_ir_datasets`` /
  ``from_ranxhub`` (downloads) are not provided; ``threads`` is accepted and ignored
  (rankwise uses all cores);
* ``fuse`` takes every method of ranx's ``fuse``; ``optimize_fusion`` searches ranx's grids
  in parallel and evaluates each fused run as :func:`evaluate` does (tied fused scores by doc
  id, see above), and its ``OptimizationReport`` prints as plain text (ranx's uses ``rich``).
  ranx's per-method functions (``ranx.fusion.comb_sum`` ...) and its per-norm functions
  (``ranx.normalization``) are not provided: ``fuse(runs, norm, method, params)`` covers them.

Examples
--------
>>> from rankwise.compat.ranx import Qrels, Run, evaluate
>>> qrels = Qrels({"q_1": {"d_12": 5, "d_25": 3}, "q_2": {"d_11": 6, "d_22": 1}})
>>> run = Run({"q_1": {"d_12": 0.9, "d_23": 0.8, "d_25": 0.7},
...            "q_2": {"d_12": 0.9, "d_11": 0.8, "d_22": 0.6}}, name="bm25")
>>> evaluate(qrels, run, ["map@5", "mrr"])
{'map@5': 0.7083333333333333, 'mrr': 0.75}
>>> run.mean_scores["mrr"], run.scores["map@5"]["q_2"]
(0.75, 0.5833333333333333)
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidValueError, RankwiseTypeError, UnknownMeasureError
from ..evaluate import Qrels as _NativeQrels
from ..evaluate import Run as _NativeRun
from ..evaluate import evaluate as _evaluate
from ..stats import TestName, paired_test, tukey_hsd
from ._ranx_report import OptimizationReport, Report, _PairDict

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OptimizationReport",
    "Qrels",
    "Report",
    "Run",
    "compare",
    "evaluate",
    "fuse",
    "optimize_fusion",
    "supported_metrics",
]

#: ranx's metric names (before ``@k`` and ``-lN``).
supported_metrics: tuple[str, ...] = (
    "hits",
    "hit_rate",
    "precision",
    "recall",
    "f1",
    "r-precision",
    "mrr",
    "map",
    "dcg",
    "dcg_burges",
    "ndcg",
    "ndcg_burges",
    "bpref",
    "rbp",
)


# --- Qrels and Run ----------------------------------------------------------------------------


def _file_kind(path: str | os.PathLike[str], kind: str | None, kinds: tuple[str, ...]) -> str:
    """ranx's ``get_file_kind``: the kind from the extension (``.txt`` is trec, ``.parq`` is
    parquet) unless given."""
    if kind is None:
        kind = os.path.splitext(os.fspath(path))[1][1:]
        kind = {"txt": "trec", "parq": "parquet"}.get(kind, kind)
    if kind not in kinds:
        raise InvalidValueError(
            f"`kind` must be one of {list(kinds)} (or a file name ending in one); got {kind!r} "
            f"for {os.fspath(path)!r}"
        )
    return kind


def _nested(name: str, value: object) -> dict[str, dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise RankwiseTypeError(
            f"`{name}` must be a dict {{q_id: {{doc_id: value}}}}; got {type(value).__name__}"
        )
    return value if isinstance(value, dict) else dict(value)


class _Table:
    """What ``Qrels`` and ``Run`` share: a rankwise table built once, read in Rust, and
    ranx's dict-like and file interface around it."""

    _native: Any
    _cache: dict[str, dict[str, Any]] | None

    def _set(self, native: Any) -> None:
        self._native = native
        self._cache = None

    def _dict(self) -> dict[str, dict[str, Any]]:
        if self._cache is None:
            self._cache = self._native.to_dict()
        return self._cache

    def _rebuild(self, d: dict[str, dict[str, Any]]) -> None:
        raise NotImplementedError

    @property
    def sorted(self) -> bool:
        """Always True: rankwise ranks documents when it reads them."""
        return True

    def keys(self) -> list[str]:
        """Query ids, sorted (as ranx keeps them)."""
        return sorted(self._native.query_ids)

    def get_query_ids(self) -> list[str]:
        """Query ids, sorted."""
        return self.keys()

    def get_doc_ids_and_scores(self) -> list[dict[str, Any]]:
        """``{doc_id: value}`` of each query, in ``get_query_ids`` order."""
        d = self._dict()
        return [d[q] for q in self.keys()]

    def sort(self) -> None:
        """Nothing to do (kept for ranx's interface)."""

    def to_typed_list(self) -> None:
        """Not provided: ranx's numba lists have no use without ranx."""
        raise NotImplementedError(
            "to_typed_list returns numba lists for ranx's kernels; rankwise has no numba"
        )

    def to_dict(self) -> defaultdict[str, dict[str, Any]]:
        """``{q_id: {doc_id: value}}`` as a ``defaultdict(dict)``, as ranx returns."""
        return defaultdict(dict, self._dict())

    def to_dataframe(self) -> pd.DataFrame:
        """A DataFrame with columns ``q_id``, ``doc_id`` and ``score`` (needs pandas)."""
        frame = self._native.to_pandas().iloc[:, :3]  # a Run's frame adds `rank`
        frame.columns = ["q_id", "doc_id", "score"]
        # object ids, as ranx's from_df insists on them (under pandas 3 ranx's own
        # to_dataframe gives str-dtype ids, which its from_df refuses)
        return frame.astype({"q_id": object, "doc_id": object})

    def add_score(self, q_id: str, doc_id: str, score: float) -> None:
        """Add (or change) one document's value. Rebuilds the table: for many additions,
        build the dict first and call ``from_dict``."""
        d = {q: dict(docs) for q, docs in self._dict().items()}
        d.setdefault(q_id, {})[doc_id] = score
        self._rebuild(d)

    def add(self, q_id: str, doc_ids: Sequence[str], scores: Sequence[float]) -> None:
        """Add a query with its documents and values."""
        self.add_multi([q_id], [doc_ids], [scores])

    def add_multi(
        self,
        q_ids: Sequence[str],
        doc_ids: Sequence[Sequence[str]],
        scores: Sequence[Sequence[float]],
    ) -> None:
        """Add several queries at once (a query already present gets the documents added)."""
        d = {q: dict(docs) for q, docs in self._dict().items()}
        for q, docs, values in zip(q_ids, doc_ids, scores, strict=True):
            d.setdefault(q, {}).update(zip(docs, values, strict=True))
        self._rebuild(d)

    @property
    def size(self) -> int:
        """Number of queries."""
        return len(self._native)

    def __getitem__(self, q_id: str) -> dict[str, Any]:
        return dict(self._dict()[q_id])

    def __contains__(self, q_id: object) -> bool:
        return isinstance(q_id, str) and q_id in self._native

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return repr(self._dict())

    def __str__(self) -> str:
        return str(self._dict())


class Qrels(_Table):
    """Relevance judgements ``{q_id: {doc_id: label}}`` (ranx's ``Qrels``).

    Parameters
    ----------
    qrels : dict, optional
        ``{q_id: {doc_id: label}}``; without it, an empty ``Qrels`` to fill with ``add``.
    name : str, optional

    Examples
    --------
    >>> from rankwise.compat.ranx import Qrels
    >>> qrels = Qrels({"q_1": {"d_1": 1, "d_2": 2}}, name="toy")
    >>> len(qrels), qrels["q_1"] == {"d_1": 1, "d_2": 2}
    (1, True)
    """

    def __init__(
        self, qrels: Mapping[str, Mapping[str, int]] | None = None, name: str | None = None
    ):
        self.name = name
        self._labels: npt.NDArray[np.float64] | None = None
        self._clamped: Any = None
        self._rebuild({} if qrels is None else _nested("qrels", qrels))

    def _rebuild(self, d: dict[str, dict[str, Any]]) -> None:
        self._set(_NativeQrels(d))
        self._labels = None
        self._clamped = None

    @classmethod
    def _wrap(cls, native: Any, name: str | None = None) -> Qrels:
        qrels = cls.__new__(cls)
        qrels.name = name
        qrels._labels = None
        qrels._clamped = None
        qrels._set(native)
        return qrels

    def labels(self) -> npt.NDArray[np.float64]:
        """The distinct labels, sorted (computed once)."""
        if self._labels is None:
            values = chain.from_iterable(map(dict.values, self._dict().values()))
            self._labels = np.unique(np.fromiter(values, dtype=np.float64))
        return self._labels

    def _with_negatives_as_zero(self) -> Any:
        """The rankwise table with negative labels set to 0 (ranx's bpref counts them as
        judged non-relevant; rankwise, as trec_eval, as unjudged)."""
        if self._clamped is None:
            if self.labels().size == 0 or self.labels()[0] >= 0:
                self._clamped = self._native
            else:
                d = {q: {k: max(v, 0) for k, v in docs.items()} for q, docs in self._dict().items()}
                self._clamped = _NativeQrels(d)
        return self._clamped

    @property
    def qrels(self) -> dict[str, dict[str, Any]]:
        """``{q_id: {doc_id: label}}`` (ranx's numba dict attribute; here a plain dict, read
        only: change the judgements with ``add``/``add_score``)."""
        return self._dict()

    def set_relevance_level(self, rel_lvl: int = 1) -> None:
        """Shift every label by ``rel_lvl - 1`` (ranx's method, kept as it is)."""
        shift = rel_lvl - 1
        d = {q: {k: v - shift for k, v in docs.items()} for q, docs in self._dict().items()}
        self._rebuild(d)

    def save(self, path: str | os.PathLike[str] = "qrels.json", kind: str | None = None) -> None:
        """Write to ``path`` as JSON, TREC qrels or Parquet, by extension or ``kind``."""
        kind = _file_kind(path, kind, ("json", "trec", "gz", "parquet"))
        if kind == "json":
            with open(path, "w") as f:
                json.dump(self._dict(), f, indent=2)
        elif kind == "parquet":
            self.to_dataframe().to_parquet(path, index=False)
        else:
            self._native.to_trec(path)

    @staticmethod
    def from_dict(d: Mapping[str, Mapping[str, int]]) -> Qrels:
        """``Qrels`` from ``{q_id: {doc_id: label}}``."""
        return Qrels(d)

    @staticmethod
    def from_file(path: str | os.PathLike[str], kind: str | None = None) -> Qrels:
        """Read JSON, TREC qrels or gzipped TREC qrels, by extension or ``kind``; TREC files
        are parsed in Rust."""
        kind = _file_kind(path, kind, ("json", "trec", "gz", "parquet"))
        if kind == "json":
            with open(path, "rb") as f:
                return Qrels(json.load(f))
        if kind == "parquet":
            import pandas as pd

            return Qrels.from_df(pd.read_parquet(path))
        return Qrels._wrap(_NativeQrels.from_trec(path))

    @staticmethod
    def from_df(
        df: pd.DataFrame,
        q_id_col: str = "q_id",
        doc_id_col: str = "doc_id",
        score_col: str = "score",
    ) -> Qrels:
        """``Qrels`` from a DataFrame with one row per judgement (read column-wise in Rust)."""
        native = _NativeQrels.from_frame(df, query=q_id_col, doc=doc_id_col, label=score_col)
        return Qrels._wrap(native)

    @staticmethod
    def from_parquet(
        path: str,
        q_id_col: str = "q_id",
        doc_id_col: str = "doc_id",
        score_col: str = "score",
        pd_kwargs: dict[str, Any] | None = None,
    ) -> Qrels:
        """``Qrels`` from a Parquet file (needs pandas and pyarrow)."""
        import pandas as pd

        frame = pd.read_parquet(path, **(pd_kwargs or {}))
        return Qrels.from_df(frame, q_id_col, doc_id_col, score_col)


class Run(_Table):
    """Scores of a system ``{q_id: {doc_id: score}}`` (ranx's ``Run``), kept in float64.

    After :func:`evaluate`, ``scores[metric][q_id]`` and ``mean_scores[metric]`` hold the
    results, as in ranx.

    Examples
    --------
    >>> from rankwise.compat.ranx import Run
    >>> run = Run({"q_1": {"d_1": 1.5, "d_2": 2.6}}, name="bm25")
    >>> run.name, run["q_1"] == {"d_1": 1.5, "d_2": 2.6}
    ('bm25', True)
    """

    def __init__(
        self, run: Mapping[str, Mapping[str, float]] | None = None, name: str | None = None
    ):
        self.name = name
        self.metadata: dict[str, Any] = {}
        self.scores: defaultdict[str, dict[str, float]] = defaultdict(dict)
        self.mean_scores: dict[str, float] = {}
        self.std_scores: dict[str, float] = {}
        self._rebuild({} if run is None else _nested("run", run))

    def _rebuild(self, d: dict[str, dict[str, Any]]) -> None:
        self._set(_NativeRun(d, score_precision="float64"))

    @classmethod
    def _wrap(cls, native: Any, name: str | None = None) -> Run:
        run = cls()
        run.name = name
        run._set(native)
        return run

    @property
    def run(self) -> dict[str, dict[str, float]]:
        """``{q_id: {doc_id: score}}`` (ranx's numba dict attribute; here a plain dict, read
        only: change the run with ``add``/``add_score``)."""
        return self._dict()

    @property
    def native(self) -> Any:
        """The :class:`rankwise.Run` behind this run (to use it with rankwise directly)."""
        return self._native

    def make_comparable(self, qrels: Qrels) -> Run:
        """Add empty results for the queries of ``qrels`` the run misses, drop the queries
        ``qrels`` does not judge; returns this run, changed."""
        d = self._dict()
        judged = qrels._native
        kept = {q: docs for q, docs in d.items() if q in judged}
        kept.update((q, {}) for q in judged.query_ids if q not in kept)
        self._rebuild(kept)
        return self

    def save(self, path: str | os.PathLike[str] = "run.json", kind: str | None = None) -> None:
        """Write to ``path`` as JSON, TREC run, LZ4 (needs ``lz4`` and ``cbor2``, ranx's
        format) or Parquet, by extension or ``kind``."""
        kind = _file_kind(path, kind, ("json", "trec", "lz4", "gz", "parquet"))
        if kind == "json":
            with open(path, "w") as f:
                json.dump(self._dict(), f, indent=2)
        elif kind == "lz4":
            import cbor2
            import lz4.frame  # type: ignore[import-untyped]

            with lz4.frame.open(path, mode="wb") as f:
                f.write(lz4.frame.compress(cbor2.dumps(self._dict()), compression_level=16))
        elif kind == "parquet":
            self.to_dataframe().to_parquet(path, index=False)
        else:
            _NativeRun(self._dict(), name=self.name or "run", score_precision="float64").to_trec(
                path
            )

    @staticmethod
    def from_dict(d: Mapping[str, Mapping[str, float]], name: str | None = None) -> Run:
        """``Run`` from ``{q_id: {doc_id: score}}``."""
        return Run(d, name=name)

    @staticmethod
    def from_file(
        path: str | os.PathLike[str], kind: str | None = None, name: str | None = None
    ) -> Run:
        """Read JSON, TREC run, gzipped TREC run or LZ4, by extension or ``kind``; TREC files
        are parsed in Rust. The name defaults to the run tag of a TREC file."""
        kind = _file_kind(path, kind, ("json", "trec", "lz4", "gz", "parquet"))
        if kind == "json":
            with open(path, "rb") as f:
                return Run(json.load(f), name=name)
        if kind == "lz4":
            import cbor2
            import lz4.frame

            with lz4.frame.open(path, mode="r") as f:
                return Run(cbor2.loads(lz4.frame.decompress(f.read())), name=name)
        if kind == "parquet":
            import pandas as pd

            return Run.from_df(pd.read_parquet(path), name=name)
        native = _NativeRun.from_trec(path, score_precision="float64")
        return Run._wrap(native, name if name is not None else native.name)

    @staticmethod
    def from_df(
        df: pd.DataFrame,
        q_id_col: str = "q_id",
        doc_id_col: str = "doc_id",
        score_col: str = "score",
        name: str | None = None,
    ) -> Run:
        """``Run`` from a DataFrame with one row per (query, document) (read in Rust)."""
        native = _NativeRun.from_frame(
            df, query=q_id_col, doc=doc_id_col, score=score_col, score_precision="float64"
        )
        return Run._wrap(native, name)

    @staticmethod
    def from_parquet(
        path: str,
        q_id_col: str = "q_id",
        doc_id_col: str = "doc_id",
        score_col: str = "score",
        pd_kwargs: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> Run:
        """``Run`` from a Parquet file (needs pandas and pyarrow)."""
        import pandas as pd

        frame = pd.read_parquet(path, **(pd_kwargs or {}))
        return Run.from_df(frame, q_id_col, doc_id_col, score_col, name)


# --- metrics ----------------------------------------------------------------------------------


def _parse(metric: str) -> tuple[str, int | float, int]:
    """ranx's ``extract_metric_and_params``: (name, cutoff or RBP persistence, rel level)."""
    if not isinstance(metric, str):
        raise RankwiseTypeError(f"metric names must be str; got {type(metric).__name__}")
    base, rel = metric, "1"
    if "-l" in metric:
        base, _, rel = metric.partition("-l")
    if base.startswith("rbp") and "." not in base and "@" not in base:
        raise UnknownMeasureError(f"RBP needs a persistence value, e.g. 'rbp.95'; got {metric!r}")
    try:
        rel_lvl = int(rel)
        if base.startswith("rbp"):
            name, _, p = base.partition("." if "." in base else "@")
            return name, float(f"0.{p}"), rel_lvl
        name, _, k = base.partition("@")
        cutoff = int(k) if k else 0
    except ValueError:
        raise UnknownMeasureError(
            f"cannot read metric {metric!r}: expected NAME[@k][-lN] with integers k and N, "
            f"NAME one of {list(supported_metrics)}"
        ) from None
    if name not in supported_metrics or name == "rbp":
        raise UnknownMeasureError(
            f"Metric {name} not supported; supported metrics are {list(supported_metrics)} "
            f"(got {metric!r})"
        )
    if cutoff < 0:
        raise UnknownMeasureError(f"k must be >= 0; got {metric!r}")
    return name, cutoff, rel_lvl


_Columns = dict[str, npt.NDArray[np.float64]]


def _plan(metric: str, qrels: Qrels) -> tuple[list[str], list[str], Any]:
    """rankwise measures for one ranx metric: (on the qrels as given, on the qrels with
    negative labels at 0, a function of their per-query columns giving ranx's values)."""
    name, k, rel = _parse(metric)
    if rel <= 0:
        raise InvalidValueError(
            f"relevance levels must be positive in rankwise's ranx; got {metric!r}"
        )
    cut = f"@{k}" if k else ""
    r = f"(rel={rel})"

    def one(spec: str) -> tuple[list[str], list[str], Any]:
        return [spec], [], lambda c: c[spec]

    if name == "hits":
        return one(f"NumRelRet{r}{cut}")
    if name == "hit_rate":
        return one(f"Success{r}{cut}")
    if name == "precision":
        return one(f"P{r}{cut}" if k else f"SetP{r}")
    if name == "recall":
        return one(f"R{r}{cut}")
    if name == "f1":
        p, rc = (f"P{r}{cut}" if k else f"SetP{r}"), f"R{r}{cut}"

        def f1(c: _Columns) -> npt.NDArray[np.float64]:
            s = c[p] + c[rc]
            with np.errstate(invalid="ignore", divide="ignore"):
                # ranx's expression, operation for operation
                out = 2 * ((c[p] * c[rc]) / s)
            return np.where(s == 0, 0.0, out)

        return [p, rc], [], f1
    if name == "r-precision":
        return one(f"Rprec{r}")
    if name == "mrr":
        return one(f"RR{r}{cut}")
    if name == "map":
        return one(f"AP{r}{cut}")
    if name == "bpref":
        spec = f"Bpref{r}"
        return [], [spec], lambda c: c[spec]
    if name == "rbp":
        # ranx weights a relevant document by its label l >= rel: for integer labels,
        # l = rel + #{t : rel < t <= l}, so graded RBP is rel * RBP(rel) + sum_t RBP(rel=t).
        top = int(qrels.labels()[-1]) if qrels.labels().size else rel
        specs = [f"RBP(p={k!r},rel={t})" for t in range(rel, max(top, rel) + 1)]

        def rbp(c: _Columns) -> npt.NDArray[np.float64]:
            return rel * c[specs[0]] + sum((c[s] for s in specs[1:]), np.zeros_like(c[specs[0]]))

        return specs, [], rbp
    # dcg, ndcg and their Burges forms: a label counts only from the relevance level on.
    family = "nDCG" if name.startswith("ndcg") else "DCG"
    burges = name.endswith("burges")
    if rel == 1:
        spec = f"{family}(dcg=exp-log2){cut}" if burges else f"{family}{cut}"
        return one(spec)
    labels = [int(x) for x in qrels.labels() if x >= 0]
    gains = ",".join(
        f"{lab}:{(2**lab - 1 if burges else lab) if lab >= rel else 0}" for lab in labels
    )
    return one(f"{family}(gains={{{gains}}}){cut}" if gains else f"{family}{cut}")


def _from_arrays(name: str, value: object) -> dict[str, dict[str, float]] | None:
    """ranx's array input to ``evaluate`` (its internal form): per query, a 2-d array of
    ``[doc_id, value]`` rows (a 3-d array, or a list / numba typed list of 2-d arrays), the
    queries paired by position, a run's rows in ranking order. As a dict: query ``i`` is
    ``"{i:09d}"`` (sorted as positioned), doc ids are ``str(float(id))``, and a run's values
    are ``n - rank`` so that its ranking is the rows' order (ranx does not re-sort arrays).
    None for any other input."""
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        return None
    arrays = list(value)
    if not all(isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[1:] == (2,) for a in arrays):
        return None
    out: dict[str, dict[str, float]] = {}
    for i, rows in enumerate(arrays):
        docs = [str(float(d)) for d in rows[:, 0]]
        values = rows[:, 1].tolist() if name == "qrels" else range(len(docs), 0, -1)
        out[f"{i:09d}"] = {d: float(v) for d, v in zip(docs, values, strict=True)}
    return out


def _as_qrels(qrels: object) -> Qrels:
    if isinstance(qrels, Qrels):
        return qrels
    if isinstance(qrels, _NativeQrels):
        return Qrels._wrap(qrels)
    arrays: dict[str, Any] | None = _from_arrays("qrels", qrels)
    return Qrels(_nested("qrels", qrels) if arrays is None else arrays)


def _as_run(run: object) -> Run:
    if isinstance(run, Run):
        return run
    if isinstance(run, _NativeRun):
        return Run._wrap(run, run.name)
    arrays = _from_arrays("run", run)
    return Run(_nested("run", run) if arrays is None else arrays)


def _metric_list(metrics: object) -> list[str]:
    if isinstance(metrics, str):
        return [metrics]
    if not isinstance(metrics, Sequence) or not all(isinstance(m, str) for m in metrics):
        raise RankwiseTypeError(
            f"`metrics` must be a metric name or a list of them; got {metrics!r}"[:300]
        )
    return list(metrics)


def _per_query(
    qrels: Qrels, run: Run, metrics: list[str], make_comparable: bool
) -> tuple[list[str], dict[str, npt.NDArray[np.float64]]]:
    """Sorted query ids and ranx's per-query values of each metric, in that order."""
    if not make_comparable and set(qrels._native.query_ids) != set(run._native.query_ids):
        raise InvalidValueError(
            "Qrels and Run query ids do not match. Pass `make_comparable=True` to add empty "
            "results for queries missing from the run and remove those not appearing in qrels."
        )
    plans = {m: _plan(m, qrels) for m in metrics}
    columns: _Columns = {}
    ids: npt.NDArray[np.str_] | None = None
    for table, index in ((qrels._native, 0), (None, 1)):
        specs = list(dict.fromkeys(s for plan in plans.values() for s in plan[index]))
        if not specs:
            continue
        if table is None:
            table = qrels._with_negatives_as_zero()
        report = _evaluate(table, run._native, specs, missing="zero")
        order = np.argsort(np.asarray(report.query_ids, dtype=str), kind="stable")
        if ids is None:
            ids = np.asarray(report.query_ids, dtype=str)[order]
        values = report.per_query_values[order]
        columns.update((spec, values[:, i]) for i, spec in enumerate(report.measures))
    query_ids = [] if ids is None else ids.tolist()
    return query_ids, {
        m: np.asarray(plan[2](columns), dtype=np.float64) for m, plan in plans.items()
    }


def evaluate(
    qrels: Qrels | Mapping[str, Mapping[str, int]],
    run: Run | Mapping[str, Mapping[str, float]],
    metrics: list[str] | str,
    return_mean: bool = True,
    return_std: bool = False,
    threads: int = 0,
    save_results_in_run: bool = True,
    make_comparable: bool = False,
) -> Any:
    """Evaluate ``run`` against ``qrels`` with ranx's metrics (ranx's ``evaluate``).

    Parameters
    ----------
    qrels : Qrels or dict
    run : Run or dict
    metrics : str or list of str
        ranx names: ``"ndcg@10"``, ``"map@100"``, ``"mrr"``, ``"precision@5-l2"``, ...
    return_mean : bool, default True
        Means over queries; False: one numpy array per metric, queries in sorted order.
    return_std : bool, default False
        With ``return_mean``, ``{"mean": ..., "std": ...}`` per metric.
    threads : int, default 0
        Ignored (rankwise uses all cores).
    save_results_in_run : bool, default True
        Store the per-query values in ``run.scores`` and the means in ``run.mean_scores``.
    make_comparable : bool, default False
        Score the queries the run misses 0 and drop the queries the qrels lack; without it,
        the two must hold the same queries.

    Returns
    -------
    float, numpy array or dict
        For one metric, its value; for several, ``{metric: value}``.

    Examples
    --------
    >>> from rankwise.compat.ranx import evaluate
    >>> qrels = {"q_1": {"d_1": 2, "d_2": 1}}
    >>> run = {"q_1": {"d_1": 0.2, "d_2": 0.9, "d_3": 0.5}}
    >>> evaluate(qrels, run, "precision@2")
    0.5
    >>> evaluate(qrels, run, ["mrr", "mrr-l2"])
    {'mrr': 1.0, 'mrr-l2': 0.3333333333333333}
    """
    names = _metric_list(metrics)
    wrapped_qrels, wrapped_run = _as_qrels(qrels), _as_run(run)
    query_ids, values = _per_query(wrapped_qrels, wrapped_run, names, bool(make_comparable))
    if not return_mean:
        return_std = False
    if isinstance(run, Run) and save_results_in_run:
        for m, scores in values.items():
            run.mean_scores[m] = float(np.mean(scores))
            if return_std:
                run.std_scores[m] = float(np.std(scores))
            run.scores[m] = dict(zip(query_ids, scores.tolist(), strict=True))
    out: dict[str, Any] = dict(values)
    if return_mean:
        for m, scores in values.items():
            mean = float(np.mean(scores))
            out[m] = {"mean": mean, "std": float(np.std(scores))} if return_std else mean
    return out[names[-1]] if len(names) == 1 else out


# --- compare ----------------------------------------------------------------------------------


def compare(
    qrels: Qrels | Mapping[str, Mapping[str, int]],
    runs: Sequence[Run],
    metrics: list[str] | str,
    stat_test: str = "student",
    n_permutations: int = 1000,
    max_p: float = 0.01,
    random_seed: int = 42,
    threads: int = 0,
    rounding_digits: int = 3,
    show_percentages: bool = False,
    make_comparable: bool = False,
) -> Report:
    """Evaluate several runs and test every pair of them (ranx's ``compare``).

    ``stat_test`` is ``"student"`` (paired t-test), ``"fisher"`` (randomization test with
    ``n_permutations`` resamples, seeded by ``random_seed``) or ``"tukey"`` (Tukey's HSD over
    all runs at once, per metric); a difference is significant at ``p <= max_p``. No further
    correction for multiple comparisons, as ranx. The p-values come from
    :func:`rankwise.stats.paired_test` and :func:`rankwise.stats.tukey_hsd` (Rust). See the
    module docstring for how they relate to ranx's.

    Examples
    --------
    >>> from rankwise.compat.ranx import Qrels, Run, compare
    >>> qrels = Qrels({f"q{i}": {"a": 1, "b": 0} for i in range(20)})
    >>> good = Run({f"q{i}": {"a": 2.0, "b": 1.0} for i in range(20)}, name="good")
    >>> bad = Run({f"q{i}": {"a": float(i % 2), "b": 0.5} for i in range(20)}, name="bad")
    >>> print(compare(qrels, [good, bad], ["mrr"], max_p=0.05))
    #    Model    MRR
    ---  -------  ------
    a    good     1.000ᵇ
    b    bad      0.750
    """
    names = _metric_list(metrics)
    if stat_test not in ("student", "fisher", "tukey"):
        raise InvalidValueError(
            f"`stat_test` must be 'student', 'fisher' or 'tukey'; got {stat_test!r}"
        )
    if isinstance(runs, (str, Mapping)) or not isinstance(runs, Sequence) or len(runs) < 2:
        raise InvalidValueError("`runs` must be a list of at least 2 runs")
    wrapped_qrels = _as_qrels(qrels)
    model_names: list[str] = []
    per_model: dict[str, dict[str, npt.NDArray[np.float64]]] = {}
    results: dict[str, dict[str, float]] = {}
    for i, run in enumerate(runs):
        wrapped = _as_run(run)
        model = wrapped.name if wrapped.name is not None else f"run_{i + 1}"
        model_names.append(model)
        _, per_model[model] = _per_query(wrapped_qrels, wrapped, names, bool(make_comparable))
        results[model] = {m: float(np.mean(v)) for m, v in per_model[model].items()}
    test: TestName = "t-test" if stat_test == "student" else "randomization"
    # Tukey's HSD tests all systems at once, per metric (ranx: scipy.stats.tukey_hsd)
    tukey = (
        {m: tukey_hsd(np.stack([per_model[x][m] for x in model_names])).p_value for m in names}
        if stat_test == "tukey"
        else {}
    )
    comparisons = _PairDict()
    win_tie_loss: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    for i, a in enumerate(model_names):
        for b in model_names[i + 1 :]:
            tests = {}
            for m in names:
                p = (
                    float(tukey[m][i, model_names.index(b)])
                    if stat_test == "tukey"
                    else paired_test(
                        per_model[a][m],
                        per_model[b][m],
                        test,
                        n_resamples=n_permutations,
                        seed=random_seed,
                    )
                    if len(per_model[a][m]) > 1
                    else 1.0  # one query: no test (ranx: NaN, never significant)
                )
                tests[m] = {"p_value": p, "significant": bool(p <= max_p)}
            comparisons[a, b] = tests
            for x, y in ((a, b), (b, a)):
                win_tie_loss[(x, y)] = {
                    m: {
                        "W": int(np.sum(per_model[x][m] > per_model[y][m])),
                        "T": int(np.sum(per_model[x][m] == per_model[y][m])),
                        "L": int(np.sum(per_model[x][m] < per_model[y][m])),
                    }
                    for m in names
                }
    return Report(
        model_names=model_names,
        results=results,
        comparisons=comparisons,
        metrics=names,
        max_p=max_p,
        win_tie_loss=win_tie_loss,
        rounding_digits=rounding_digits,
        show_percentages=show_percentages,
        stat_test=stat_test,
    )


# --- fuse and optimize_fusion (in _ranx_fusion.py, which reads this module's classes) -----

from ._ranx_fusion import fuse, optimize_fusion  # noqa: E402
