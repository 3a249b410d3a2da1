"""The bundled sample (a real run and its judgements) and ``rankwise demo``, which evaluates it."""

from __future__ import annotations

import sys
import time
from importlib import resources
from pathlib import Path
from typing import TextIO

import numpy as np

from . import _native
from .evaluate import Qrels, Run

__all__ = ["DEMO_MEASURES", "demo", "sample_paths"]

DEMO_MEASURES = (
    "nDCG@10",
    "nDCG@100",
    "AP",
    "RR",
    "P@10",
    "R@100",
    "Rprec",
    "Bpref",
    "Judged@10",
    "ERR@20",
    "RBP(p=0.8)",
)


def sample_paths() -> tuple[Path, Path]:
    """Paths of the bundled sample: (qrels, run). See ``rankwise/data/README.md``.

    >>> import rankwise
    >>> from rankwise.sample import sample_paths
    >>> qrels_path, run_path = sample_paths()
    >>> rankwise.Run.from_trec(run_path)
    Run("bm25_rm3", 250 queries, 25,000 documents)
    >>> rankwise.evaluate(rankwise.Qrels.from_trec(qrels_path), _, "P@10")
    Report of 'bm25_rm3' over 249 queries
      P@10  0.4574
    """
    data = resources.files("rankwise") / "data"
    return (
        Path(str(data / "robust04.qrels.gz")),
        Path(str(data / "robust04-bm25-rm3.run.gz")),
    )


def demo(out: TextIO | None = None) -> dict[str, float]:
    """Evaluate the bundled BM25+RM3 run on TREC Robust04 and print a table.

    Returns the mean of each measure. The data (top 100 documents for 250 topics and the
    matching judgements) come from the capreolus 0.2.6 wheel; see ``rankwise/data/README.md``.
    """
    out = out or sys.stdout
    qrels_path, run_path = sample_paths()
    t0 = time.perf_counter()
    qrels = Qrels.from_trec(qrels_path)
    run = Run.from_trec(run_path)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    names, query_ids, values, summary = _native.evaluate(qrels, run, list(DEMO_MEASURES))
    t_eval = time.perf_counter() - t0

    def p(*parts: object) -> None:
        print(*parts, file=out)

    p(f"rankwise {_native.__version__}: trec_eval-exact evaluation, in Rust")
    p("")
    p("Sample: BM25+RM3 on TREC Robust04, top 100 per topic (bundled; see rankwise/data)")
    p(f"  {qrels!r}")
    p(f"  {run!r}")
    p("")
    width = max(len(n) for n in names)
    p(f"  {'measure':<{width}}    mean     min  median     max")
    for name, mean, row in zip(names, summary, values, strict=True):
        p(f"  {name:<{width}}  {mean:.4f}  {row.min():.4f}  {np.median(row):.4f}  {row.max():.4f}")
    ndcg = values[0]
    order = np.argsort(ndcg, kind="stable")
    p("")
    hardest = ", ".join(f"{query_ids[i]} ({ndcg[i]:.3f})" for i in order[:3])
    easiest = ", ".join(f"{query_ids[i]} ({ndcg[i]:.3f})" for i in order[::-1][:3])
    p(f"  hardest topics by {names[0]}: {hardest}")
    p(f"  easiest topics by {names[0]}: {easiest}")
    p("")
    p(
        f"Read both files in {t_read * 1e3:.1f} ms; evaluated {len(query_ids)} queries x "
        f"{len(names)} measures in {t_eval * 1e3:.1f} ms on {_native.get_num_threads()} threads."
    )
    p("Ties are broken as trec_eval does (score desc, then doc id desc); see README.")
    return dict(zip(names, summary.tolist(), strict=True))
