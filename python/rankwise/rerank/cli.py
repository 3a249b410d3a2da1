"""rankwise rerank: rerank a TREC run with a model and a strategy, writing a TREC run.

Topics and the corpus are TSV (id<TAB>text) or JSONL ({"id": ..., "text": ...}; the id may
be qid, query_id, _id, docid or doc_id, the text query or contents, and a document title is
prepended). Only documents the run needs are kept in memory. Answers go to an SQLite cache
(by default next to the output), so a run that stops (a crash, an out-of-memory error,
Ctrl-C) resumes where it stopped when the command is run again; Ctrl-C says how many answers
were kept. The model is loaded only when a call is not in the cache: a rerun of a finished
run reads every answer from the cache without loading it. The cache file is marked as
rankwise's: a file that is another program's database is refused and left unchanged. The
progress bar shows only when stderr is a terminal.

Answers that name no candidate (a model answering in prose) are counted and reported; above
--max-unparsed of the calls the command fails instead of writing a run that is mostly the
input order. A prompt longer than the model's context has its passages cut evenly to fit
(--on-overflow shorten), or stops only its own query (--on-overflow error).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..errors import InvalidValueError, UnparsedAnswersWarning
from . import strategies as strat

__all__ = ["main", "parser", "run"]

# Each --strategy: its class and the options it reads from the arguments of the same name
# (see _strategy for the defaults of --method and --passes).
_CLASSES: dict[str, tuple[type[strat.Strategy], tuple[str, ...]]] = {
    "sliding": (strat.SlidingWindow, ("window", "step", "passes", "permutations")),
    "full": (strat.FullList, ("permutations",)),
    "setwise": (strat.Setwise, ("children", "method", "top_k")),
    "pairwise": (strat.Pairwise, ("method", "top_k", "passes")),
    "tournament": (strat.Tournament, ("tournaments", "seed")),
    "topdown": (strat.TopDown, ("window", "top_k", "permutations")),
    "groupwise": (strat.Groupwise, ("group_size", "overlap", "rounds")),
    "pointwise": (strat.Pointwise, ()),
    "joint": (
        strat.JointRank,
        ("block_size", "replication", "design", "aggregation", "seed", "permutations"),
    ),
    "acurank": (
        strat.AcuRank,
        ("window", "top_k", "tol", "min_uncertain", "max_calls", "permutations"),
    ),
}
STRATEGIES = tuple(_CLASSES)

# The strategies that make rank calls, hence take --permutations.
_LISTWISE = tuple(name for name, (_, options) in _CLASSES.items() if "permutations" in options)

MODELS = (
    "oracle",
    "bi-encoder",
    "cross-encoder",
    "causal-listwise",
    "causal-pairwise",
    "causal-setwise",
    "server",
)

# What each model kind answers (the strategy's call must be one of them).
_CALLS = {
    "oracle": ("rank", "compare", "select", "score_group", "score"),
    "bi-encoder": ("rank", "score_group", "score"),
    "cross-encoder": ("rank", "score_group", "score"),
    "causal-listwise": ("rank",),
    "causal-pairwise": ("compare",),
    "causal-setwise": ("select",),
    "server": ("rank", "compare", "select", "score_group", "score"),
}


# The strategies' options: flag, type, default, help.
_STRATEGY_OPTIONS: tuple[tuple[str, type, Any, str], ...] = (
    ("--depth", int, 100, "rerank the top DEPTH of each query (default: 100)"),
    (
        "--window",
        int,
        20,
        "sliding, topdown, acurank: candidates per listwise call (default: 20)",
    ),
    ("--step", int, 10, "sliding: positions the window moves per call (default: 10)"),
    (
        "--passes",
        int,
        None,
        (
            "sliding: passes over the list (default: 1); pairwise sliding: bubble passes "
            "(default: --top-k); groupwise: rounds (default: 1)"
        ),
    ),
    (
        "--top-k",
        int,
        10,
        "setwise, pairwise, topdown, acurank: how many top positions to settle (default: 10)",
    ),
    ("--children", int, 3, "setwise: children per heap node (default: 3)"),
    (
        "--method",
        str,
        None,
        "setwise: heapsort|bubblesort; pairwise: allpair|heapsort|sliding (default: heapsort)",
    ),
    (
        "--tournaments",
        int,
        1,
        "tournament: independent tournaments whose points add up (default: 1)",
    ),
    ("--group-size", int, 20, "groupwise: candidates per group (default: 20)"),
    ("--overlap", int, 5, "groupwise: candidates shared by neighbouring groups (default: 5)"),
    (
        "--block-size",
        int,
        20,
        "joint: candidates per block of the JointRank design (default: 20)",
    ),
    (
        "--replication",
        int,
        2,
        "joint: blocks per candidate (replicated) or parallel classes (latin_square) (default: 2)",
    ),
    (
        "--design",
        str,
        "replicated",
        "joint: the block design, replicated|latin_square (default: replicated)",
    ),
    (
        "--aggregation",
        str,
        "plackett_luce",
        "joint: how block rankings combine, plackett_luce|rank_centrality|borda|kemeny "
        "(default: plackett_luce)",
    ),
    (
        "--permutations",
        int,
        1,
        "sliding, full, topdown, joint, acurank: each listwise call asked in this many orders "
        "(the first as is, the others seeded shuffles), the answers aggregated into their "
        "Kemeny order: permutation self-consistency (default: 1)",
    ),
    (
        "--tol",
        float,
        0.01,
        "acurank: a candidate is settled when its probability of being in the top k is at "
        "most TOL or at least 1 - TOL (default: 0.01)",
    ),
    (
        "--min-uncertain",
        int,
        10,
        "acurank: fewer uncertain candidates than this end the run after one more round "
        "(default: 10)",
    ),
    (
        "--max-calls",
        int,
        100,
        "acurank: the most model calls per query (default: 100)",
    ),
    (
        "--seed",
        int,
        0,
        "tournament, joint: the shuffles (joint: and the orders of --permutations); oracle: "
        "the noise (default: 0)",
    ),
    (
        "--noise",
        float,
        0.0,
        (
            "oracle: standard deviation (>= 0) of Gaussian noise on the grades, drawn from each "
            "call's content and --seed, so a resumed run gives the same output (default: 0)"
        ),
    ),
)


def _choice(group: Any, flag: str, choices: Sequence[str], text: str) -> None:
    """An option taking one of ``choices``, the first by default."""
    group.add_argument(flag, choices=choices, default=choices[0], help=text)


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
            "bi-encoder:MODEL, cross-encoder:MODEL, causal-listwise:MODEL, "
            "causal-pairwise:MODEL, causal-setwise:MODEL (MODEL: a Hugging Face model id or a "
            "local transformers/sentence-transformers folder or .gguf file), or server:URL (an "
            "OpenAI-compatible server: vLLM, SGLang, llama.cpp, TGI, Ollama, a hosted API; "
            "with --server-model)"
        ),
    )
    _choice(p, "--strategy", STRATEGIES, "how calls are organised (default: sliding window)")
    for flag, kind, default, text in _STRATEGY_OPTIONS:
        p.add_argument(flag, type=kind, default=default, help=text)
    p.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="model calls sent to the model at once, and sequences per forward pass of a local "
        "model (default: what the model asks for: 4096 calls (candidates) at once for bi- and "
        "cross-encoders, so texts are encoded once and batched by length across queries, 32 "
        "otherwise; 32 sequences per forward pass)",
    )
    m = p.add_argument_group("model options (each applies to the model kinds it names)")
    _choice(
        m,
        "--mode",
        ("generate", "first"),
        "causal-listwise, server: generate the ranking as text, or read FIRST's "
        "first-token logits of the passage labels (default: generate)",
    )
    _choice(
        m,
        "--template",
        ("rankzephyr", "rankgpt"),
        "causal-listwise, server: the listwise prompt (default: rankzephyr)",
    )
    m.add_argument(
        "--query-prefix",
        default="",
        help="bi-encoder: text put before each query, e.g. 'query: ' for E5 (default: none)",
    )
    m.add_argument(
        "--passage-prefix",
        default="",
        help="bi-encoder: text put before each document, e.g. 'passage: ' (default: none)",
    )
    m.add_argument(
        "--max-passage-words",
        type=int,
        default=300,
        help="causal-*, server: passages cut to this many words, as RankGPT does; 0: not cut "
        "(default: 300)",
    )
    m.add_argument(
        "--max-length",
        type=int,
        default=None,
        help="bi-encoder, cross-encoder: tokens read per text or pair (default: the model's, "
        "at most 512)",
    )
    _choice(
        m,
        "--activation",
        ("none", "sigmoid"),
        "cross-encoder: the score is the logit, or its sigmoid (default: none)",
    )
    _choice(
        m,
        "--on-overflow",
        ("shorten", "error"),
        "causal-*, server: a prompt longer than the context has its passages cut evenly "
        "until it fits, or stops its query (the other queries finish; the command then fails "
        "naming it) (default: shorten)",
    )
    m.add_argument(
        "--passages",
        default=None,
        metavar="WINDOW,STRIDE",
        help="pointwise scorers: split documents into passages of WINDOW words every STRIDE "
        "words and score each, e.g. 150,75 (default: whole documents)",
    )
    _choice(
        m,
        "--aggregate",
        ("max", "first", "sum"),
        "with --passages: a document's score from its passages' (MaxP, FirstP, SumP) "
        "(default: max)",
    )
    m.add_argument(
        "--server-model",
        default=None,
        help="server: the model name the server serves (needed with server:URL)",
    )
    _choice(
        m, "--api", ("chat", "completions"), "server: chat or completions endpoint (default: chat)"
    )
    m.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="server: requests in flight at once (default: 8)",
    )
    m.add_argument(
        "--max-unparsed",
        type=_share,
        default=0.5,
        help="fail when more than this share of model calls had an answer naming no "
        "candidate; 'none': never (default: 0.5)",
    )
    p.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    p.add_argument("--dtype", default=None, help="float32|float16|bfloat16 (default: float32)")
    p.add_argument("--cache", default=None, help="answer cache (default: OUTPUT.answers.sqlite)")
    p.add_argument(
        "--name", default=None, help="run name in the output (default: rankwise-STRATEGY)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")  # fmt: skip
    return p


def _share(text: str) -> float | None:
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a share in [0, 1] or 'none'; got {text!r}")
    return value


def main(argv: list[str]) -> int:
    from ..cli import guarded

    args = parser().parse_args(argv)
    return guarded("rerank", lambda: run(args))


def _strategy(args: argparse.Namespace) -> strat.Strategy:
    s = args.strategy
    k = args.permutations
    if k != 1 and s not in _LISTWISE:
        raise InvalidValueError(
            f"`--permutations` must be 1 for the {s} strategy (it makes no listwise calls; "
            f"{', '.join(_LISTWISE)} do); got {k}"
        )
    values = vars(args) | {
        "method": args.method or "heapsort",
        # sliding windows and groupwise rounds: one pass unless told; pairwise: None is top_k
        "passes": args.passes if s == "pairwise" else args.passes or 1,
        "rounds": args.passes or 1,
    }
    cls, options = _CLASSES[s]
    return cls(**{name: values[name] for name in options})


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


class _Lazy:
    """A ranker built on its first call: a run whose every answer is in the cache never
    loads the model. ``ranker_id`` (for the cache keys) comes from the command's options."""

    def __init__(self, build: Callable[[], Any], ranker_id: str) -> None:
        self._build, self.ranker_id, self.ranker = build, ranker_id, None

    def __repr__(self) -> str:
        return f"_Lazy({self.ranker_id!r}, loaded={self.ranker is not None})"

    def _get(self) -> Any:
        if self.ranker is None:
            self.ranker = self._build()
        return self.ranker

    def usage(self) -> dict[str, int]:
        usage = getattr(self.ranker, "usage", None)
        return dict(usage()) if callable(usage) else {}

    def rank(self, batch: Sequence[Any]) -> Any:
        return self._get().rank(batch)

    def compare(self, batch: Sequence[Any]) -> Any:
        return self._get().compare(batch)

    def select(self, batch: Sequence[Any]) -> Any:
        return self._get().select(batch)

    def score(self, batch: Sequence[Any]) -> Any:
        return self._get().score(batch)

    def score_group(self, batch: Sequence[Any]) -> Any:
        return self._get().score_group(batch)


def _passages(args: argparse.Namespace) -> tuple[int, int] | None:
    if args.passages is None:
        return None
    window, sep, stride = args.passages.partition(",")
    try:
        return int(window), int(stride if sep else window)
    except ValueError:
        raise InvalidValueError(
            f"`--passages` must be WINDOW,STRIDE in words (e.g. 150,75); got {args.passages!r}"
        ) from None


def _ranker(args: argparse.Namespace, kind: str, target: str) -> _Lazy:
    """The model of ``--model KIND:TARGET`` with its options, built when first called."""
    options: dict[str, Any] = {}
    if kind == "server":
        if not args.server_model:
            raise InvalidValueError(
                "`--model server:URL` needs `--server-model NAME` (the name the server serves "
                "the model under)"
            )
        options.update(api=args.api, concurrency=args.concurrency, listwise_mode=args.mode)
    else:
        if args.batch_size is not None:
            options["batch_size"] = args.batch_size
        if args.device:
            options["device"] = args.device
        if args.dtype:
            options["dtype"] = args.dtype
    if kind == "bi-encoder":
        options.update(query_prefix=args.query_prefix, document_prefix=args.passage_prefix)
    if kind in ("bi-encoder", "cross-encoder") and args.max_length is not None:
        options["max_length"] = args.max_length
    if kind == "cross-encoder" and args.activation == "sigmoid":
        options["activation"] = "sigmoid"
    if kind.startswith("causal-") or kind == "server":
        options["max_passage_words"] = args.max_passage_words or None
        options["on_overflow"] = args.on_overflow
    if kind == "causal-listwise":
        options["mode"] = args.mode
    if kind in ("causal-listwise", "server"):
        from ..torch import _prompts

        template = _prompts.RANKGPT if args.template == "rankgpt" else _prompts.RANKZEPHYR
        options["listwise_template" if kind == "server" else "template"] = template
    passages = _passages(args)
    # The cache key names the model as given and every option that changes its answers.
    settings = {k: v for k, v in options.items() if k not in ("device", "batch_size")}
    settings.update(passages=passages, aggregate=args.aggregate if passages else None)
    if kind == "server":
        settings.pop("concurrency")
        target_id = f"server:{args.server_model}"
    else:
        target_id = f"{kind}:{target}"
    digest = hashlib.sha256(
        json.dumps(settings, sort_keys=True, default=repr).encode()
    ).hexdigest()[:16]
    ranker_id = f"rankwise-rerank:{target_id}:{digest}"

    def build() -> Any:
        if kind == "server":
            from .openai import OpenAICompatibleRanker

            model: Any = OpenAICompatibleRanker(
                target, args.server_model, ranker_id=ranker_id, **options
            )
        else:
            from ..torch import models  # type: ignore[attr-defined,unused-ignore]  # torch here

            cls = {
                "bi-encoder": "BiEncoder",
                "cross-encoder": "CrossEncoder",
                "causal-listwise": "CausalListwiseRanker",
                "causal-pairwise": "CausalPairwiseRanker",
                "causal-setwise": "CausalSetwiseRanker",
            }[kind]
            model = getattr(models, cls)(target, ranker_id=ranker_id, **options)
        if passages is not None:
            from .passages import Passages

            window, stride = passages
            model = Passages(model, window=window, stride=stride, aggregate=args.aggregate)
        return model

    return _Lazy(build, ranker_id)


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
    if strategy.task_kind not in _CALLS[kind]:
        raise InvalidValueError(
            f"`--model {kind}` does not answer the {args.strategy} strategy's calls "
            f"({strategy.task_kind}); it answers {', '.join(_CALLS[kind])}"
        )
    if args.passages is not None and (
        kind == "oracle" or strategy.task_kind not in ("score", "score_group")
    ):
        raise InvalidValueError(
            "`--passages` splits documents for a pointwise scorer: use --strategy pointwise "
            "or groupwise with a cross-encoder, bi-encoder or server model"
        )
    if args.concurrency < 1:
        raise InvalidValueError(
            f"`--concurrency` must be a positive integer; got {args.concurrency}"
        )
    if args.max_passage_words < 0:
        raise InvalidValueError(
            f"`--max-passage-words` must be a positive integer or 0 (no cut); got "
            f"{args.max_passage_words}"
        )
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
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnparsedAnswersWarning)
            result = rerank(
                queries,
                candidates,
                ranker,
                strategy,
                batch_size=args.batch_size,
                cache=answers,
                progress=not args.quiet,
                max_unparsed=args.max_unparsed,
            )
        for w in caught:
            print(f"rankwise rerank: warning: {w.message}", file=sys.stderr)
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
    loaded = (
        "" if not isinstance(ranker, _Lazy) or ranker.ranker is not None else " (model not loaded)"
    )
    shortened = result.tokens.get("shortened", 0)
    print(
        f"rankwise rerank: {len(qids)} queries, {sum(result.calls)} model calls "
        f"({result.cache_hits} from the cache {cache}{loaded}), {result.batches} batches, "
        f"{len(result.repairs)} repaired answers, {sum(result.unparsed)} unparsed "
        f"({result.reranked.count(False)} queries not reranked), {shortened} prompts shortened, "
        f"{result.seconds:.1f} s -> {args.output}",
        file=sys.stderr,
    )
    return 0
