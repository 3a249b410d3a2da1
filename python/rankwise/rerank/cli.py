"""rankwise rerank: rerank a TREC run with a model and a strategy, writing a TREC run.

Topics and the corpus are TSV (id<TAB>text) or JSONL ({"id": ..., "text": ...}; the id may
be qid, query_id, _id, docid or doc_id, the text query or contents, and a document title is
prepended). Only documents the run needs are kept in memory. Answers go to an SQLite cache
(by default next to the output), so a run that stops (a crash, an out-of-memory error,
Ctrl-C) resumes where it stopped when the command is run again; Ctrl-C says how many answers
were kept. The cache file is marked as rankwise's: a file that is another program's database
is refused and left unchanged. The progress bar shows only when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import sys
from collections.abc import Iterator
from typing import Any

from ..errors import InvalidValueError
from . import strategies as strat

__all__ = ["main", "parser", "run"]

STRATEGIES = (
    "sliding",
    "full",
    "setwise",
    "pairwise",
    "tournament",
    "topdown",
    "groupwise",
    "pointwise",
)

MODELS = (
    "oracle",
    "bi-encoder",
    "cross-encoder",
    "causal-listwise",
    "causal-pairwise",
    "causal-setwise",
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rankwise rerank",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", help="the TREC run to rerank (gzip ok)")
    p.add_argument("-o", "--output", required=True, help="the reranked TREC run to write")
    p.add_argument("--topics", help="query texts, TSV or JSONL (not needed for the oracle)")
    p.add_argument("--corpus", help="document texts, TSV or JSONL (not needed for the oracle)")
    p.add_argument(
        "--model",
        required=True,
        metavar="KIND:PATH",
        help=(
            "oracle:QRELS (a simulated ranker answering from judgements, for dry runs), "
            "bi-encoder:DIR, cross-encoder:DIR, causal-listwise:DIR, causal-pairwise:DIR, "
            "causal-setwise:DIR (a local transformers/sentence-transformers folder)"
        ),
    )
    p.add_argument(
        "--strategy",
        default="sliding",
        choices=STRATEGIES,
        help="how calls are organised (default: sliding window)",
    )
    p.add_argument(
        "--depth", type=int, default=100, help="rerank the top DEPTH of each query (default: 100)"
    )
    p.add_argument(
        "--window",
        type=int,
        default=20,
        help="sliding, topdown: candidates per listwise call (default: 20)",
    )
    p.add_argument(
        "--step",
        type=int,
        default=10,
        help="sliding: positions the window moves per call (default: 10)",
    )
    p.add_argument(
        "--passes",
        type=int,
        default=None,
        help="sliding: passes over the list (default: 1); pairwise sliding: bubble passes "
        "(default: --top-k); groupwise: rounds (default: 1)",
    )
    p.add_argument(
        "--top-k",
        type=int,
        default=10,
        help="setwise, pairwise, topdown: how many top positions to settle (default: 10)",
    )
    p.add_argument(
        "--children", type=int, default=3, help="setwise: children per heap node (default: 3)"
    )
    p.add_argument(
        "--method",
        default=None,
        help="setwise: heapsort|bubblesort; pairwise: allpair|heapsort|sliding (default: heapsort)",
    )
    p.add_argument(
        "--tournaments",
        type=int,
        default=1,
        help="tournament: independent tournaments whose points add up (default: 1)",
    )
    p.add_argument(
        "--group-size", type=int, default=20, help="groupwise: candidates per group (default: 20)"
    )
    p.add_argument(
        "--overlap",
        type=int,
        default=5,
        help="groupwise: candidates shared by neighbouring groups (default: 5)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="tournament: the shuffle; oracle: the noise (default: 0)",
    )
    p.add_argument(
        "--noise",
        type=float,
        default=0.0,
        help="oracle: standard deviation (>= 0) of Gaussian noise on the grades, drawn from "
        "each call's content and --seed, so a resumed run gives the same output (default: 0)",
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=32,
        help="model calls sent to the model at once (default: 32)",
    )
    p.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    p.add_argument("--dtype", default=None, help="float32|float16|bfloat16 (default: float32)")
    p.add_argument("--cache", default=None, help="answer cache (default: OUTPUT.answers.sqlite)")
    p.add_argument(
        "--name", default=None, help="run name in the output (default: rankwise-STRATEGY)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")  # fmt: skip
    return p


def main(argv: list[str]) -> int:
    from ..cli import guarded

    args = parser().parse_args(argv)
    return guarded("rerank", lambda: run(args))


def _strategy(args: argparse.Namespace) -> strat.Strategy:
    s = args.strategy
    if s == "sliding":
        return strat.SlidingWindow(window=args.window, step=args.step, passes=args.passes or 1)
    if s == "full":
        return strat.FullList()
    if s == "pointwise":
        return strat.Pointwise()
    if s == "setwise":
        return strat.Setwise(
            children=args.children, method=args.method or "heapsort", top_k=args.top_k
        )
    if s == "pairwise":
        return strat.Pairwise(
            method=args.method or "heapsort", top_k=args.top_k, passes=args.passes
        )
    if s == "tournament":
        return strat.Tournament(tournaments=args.tournaments, seed=args.seed)
    if s == "topdown":
        return strat.TopDown(window=args.window, top_k=args.top_k)
    return strat.Groupwise(
        group_size=args.group_size, overlap=args.overlap, rounds=args.passes or 1
    )


def _open(path: str) -> Iterator[str]:
    if path.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            yield from f
    else:
        with open(path, encoding="utf-8") as f:
            yield from f


_ID_KEYS = ("id", "_id", "qid", "query_id", "docid", "doc_id")
_TEXT_KEYS = ("text", "query", "contents", "body")


def _utf8_lines(path: str) -> Iterator[str]:
    """The lines of ``path``; bytes that are not UTF-8 are an error naming the file (not a
    raw UnicodeDecodeError; the text is decoded in blocks, so no line number is given)."""
    lines = iter(_open(path))
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as e:
            raise InvalidValueError(
                f"{path}: expected UTF-8 text; got byte {e.object[e.start]:#04x} ({e.reason})"
            ) from None
        yield line


def read_texts(path: str, wanted: set[str] | None = None) -> dict[str, str]:
    """``id -> text`` from a TSV or JSONL file; with ``wanted``, only those ids are kept."""
    texts: dict[str, str] = {}
    for lineno, line in enumerate(_utf8_lines(path), 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
                ident = str(next(obj[k] for k in _ID_KEYS if k in obj))
                text = str(next(obj[k] for k in _TEXT_KEYS if k in obj))
            except (json.JSONDecodeError, StopIteration, TypeError) as e:
                raise InvalidValueError(
                    f"{path}:{lineno}: expected a JSON object with an id ({', '.join(_ID_KEYS)}) "
                    f"and a text ({', '.join(_TEXT_KEYS)}); got {line[:80]!r} ({type(e).__name__})"
                ) from None
            if obj.get("title"):
                text = f"{obj['title']} {text}"
        else:
            ident, sep, text = line.partition("\t")
            if not sep:
                raise InvalidValueError(
                    f"{path}:{lineno}: expected `id<TAB>text` or a JSON object; got {line[:80]!r}"
                )
        if wanted is None or ident in wanted:
            texts[ident] = text
    return texts


def _ranker(args: argparse.Namespace, kind: str, target: str) -> Any:
    from ..torch import models  # type: ignore[attr-defined,unused-ignore]  # torch: only here

    options: dict[str, Any] = {"batch_size": args.batch_size}
    if args.device:
        options["device"] = args.device
    if args.dtype:
        options["dtype"] = args.dtype
    cls = {
        "bi-encoder": "BiEncoder",
        "cross-encoder": "CrossEncoder",
        "causal-listwise": "CausalListwiseRanker",
        "causal-pairwise": "CausalPairwiseRanker",
        "causal-setwise": "CausalSetwiseRanker",
    }[kind]
    return getattr(models, cls)(target, **options)


def run(args: argparse.Namespace) -> int:
    from ..evaluate import Qrels, Run
    from .cache import AnswerCache
    from .driver import rerank
    from .simulate import OracleRanker

    kind, _, target = args.model.partition(":")
    if kind not in MODELS or not target:
        raise InvalidValueError(
            f"`--model` must be KIND:PATH with KIND one of {', '.join(MODELS)}; got {args.model!r}"
        )
    if args.depth < 1:
        raise InvalidValueError(f"`--depth` must be a positive integer; got {args.depth}")
    if not math.isfinite(args.noise) or args.noise < 0:
        raise InvalidValueError(
            f"`--noise` must be a finite non-negative number (the standard deviation of the "
            f"oracle's noise); got {args.noise}"
        )
    strategy = _strategy(args)
    original = Run.from_trec(args.run).to_dict()
    qids = sorted(original)
    # trec_eval's order: score descending, ties by doc id descending.
    ranked = {
        q: [d for d, _ in sorted(original[q].items(), key=lambda x: (x[1], x[0]), reverse=True)]
        for q in qids
    }
    heads = [ranked[q][: args.depth] for q in qids]

    if kind == "oracle":
        judged = Qrels.from_trec(target).to_dict()
        queries: list[Any] = qids
        candidates: list[list[Any]] = [
            [float(judged.get(q, {}).get(d, 0)) for d in head]
            for q, head in zip(qids, heads, strict=True)
        ]
        ranker: Any = OracleRanker(args.noise, seed=args.seed)
    else:
        if not args.topics or not args.corpus:
            raise InvalidValueError(f"`--topics` and `--corpus` are needed for --model {kind}")
        topics = read_texts(args.topics, set(qids))
        needed = {d for head in heads for d in head}
        corpus = read_texts(args.corpus, needed)
        missing_q = [q for q in qids if q not in topics]
        missing_d = sorted(needed - corpus.keys())
        if missing_q or missing_d:
            raise InvalidValueError(
                f"texts are missing: {len(missing_q)} queries (e.g. {missing_q[:3]}) from "
                f"{args.topics}, {len(missing_d)} documents (e.g. {missing_d[:3]}) "
                f"from {args.corpus}"
            )
        queries = [topics[q] for q in qids]
        candidates = [[corpus[d] for d in head] for head in heads]
        ranker = _ranker(args, kind, target)

    cache = args.cache or f"{args.output}.answers.sqlite"
    answers = AnswerCache(cache)
    before = len(answers)
    try:
        result = rerank(
            queries,
            candidates,
            ranker,
            strategy,
            batch_size=args.batch_size,
            cache=answers,
            progress=not args.quiet,
        )
    except KeyboardInterrupt:
        # Every answered batch was committed to the cache as it came: nothing is lost.
        answers.close()  # commits what the last batch wrote
        reopened = AnswerCache(cache)
        kept = len(reopened)
        reopened.close()
        print(
            f"rankwise rerank: interrupted; {kept - before} new answers were kept "
            f"({kept} in all) in the cache {cache}: run the same command again to resume "
            "where it stopped",
            file=sys.stderr,
        )
        return 130
    answers.close()
    name = args.name or f"rankwise-{args.strategy}"
    tmp = f"{args.output}.tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        for q, head, order in zip(qids, heads, result.orders, strict=True):
            docs = [head[i] for i in order] + ranked[q][len(head) :]
            n = len(docs)
            for rank, d in enumerate(docs, 1):
                out.write(f"{q} Q0 {d} {rank} {n - rank + 1} {name}\n")
    os.replace(tmp, args.output)
    print(
        f"rankwise rerank: {len(qids)} queries, {sum(result.calls)} model calls "
        f"({result.cache_hits} from the cache {cache}), {result.batches} batches, "
        f"{len(result.repairs)} repaired answers, {result.seconds:.1f} s -> {args.output}",
        file=sys.stderr,
    )
    return 0
