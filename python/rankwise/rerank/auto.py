"""One line from a model name to a reranked run: :class:`Reranker` and :func:`rerank_run`.

>>> from rankwise.rerank import Reranker                                 # doctest: +SKIP
>>> reranker = Reranker("cross-encoder/ms-marco-MiniLM-L-6-v2")           # doctest: +SKIP
>>> reranked = reranker.rerank_run(run, "topics.tsv", "corpus.jsonl")     # doctest: +SKIP
>>> llm = Reranker("http://127.0.0.1:8000/v1", model="qwen", strategy=Setwise())  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._validation import path
from ..errors import InvalidValueError, RankwiseTypeError
from .cache import AnswerCache
from .driver import RerankResult, rerank
from .strategies import Pointwise, SlidingWindow, Strategy

__all__ = ["Reranker", "candidates_from_run", "rerank_run"]

Texts = Mapping[str, str] | str | os.PathLike[str]

_CAUSAL_FOR = {
    "rank": "CausalListwiseRanker",
    "compare": "CausalPairwiseRanker",
    "select": "CausalSetwiseRanker",
    "score": "CausalYesNoScorer",
    "score_group": "CausalYesNoScorer",
}
# T5 models: monoT5 for scores, duoT5 for pairs (flan-T5 with "flan" in the name), flan-T5
# setwise for selections (rankwise.torch.seq2seq).
_SEQ2SEQ_FOR = {
    "score": "MonoT5",
    "score_group": "MonoT5",
    "rank": "MonoT5",
    "compare": "DuoT5",
    "select": "FlanT5SetwiseRanker",
}


def _texts(texts: Texts, what: str, wanted: set[str]) -> Mapping[str, str]:
    if isinstance(texts, (str, os.PathLike)):
        from .cli import read_texts  # the CLI's reader of TSV/JSONL topics and corpora

        return read_texts(path(what, texts), wanted)
    if not isinstance(texts, Mapping):
        raise RankwiseTypeError(
            f"`{what}` must be a mapping id -> text or a TSV/JSONL file path; "
            f"got {type(texts).__name__}"
        )
    return texts


@dataclass(frozen=True)
class Candidates:
    """What :func:`candidates_from_run` gives: per query (sorted ids), its id, text, the ids
    and texts of its top ``depth`` documents, and the rest of its ranking (kept below)."""

    query_ids: list[str]
    queries: list[str]
    doc_ids: list[list[str]]
    texts: list[list[str]]
    tails: list[list[str]]


def candidates_from_run(run: Any, queries: Texts, corpus: Texts, depth: int = 100) -> Candidates:
    """The reranking input of a run: each query's top ``depth`` documents in trec_eval's order
    (score descending, equal scores by doc id descending), with their texts.

    ``run`` is a :class:`rankwise.Run`, a dict ``{query_id: {doc_id: score}}`` or a TREC run
    file; ``queries`` and ``corpus`` map ids to texts, or name TSV (``id<TAB>text``) or JSONL
    files. A missing text is an error naming how many and which.
    """
    from ..evaluate import Run

    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InvalidValueError(f"`depth` must be a positive integer; got {depth!r}")
    if isinstance(run, (str, os.PathLike)):
        try:
            run = Run.from_trec(run)
        except InvalidValueError as e:
            # from_trec names its own parameter; here the path is `run`
            if not str(e).startswith("`path` "):
                raise
            raise InvalidValueError(f"`run`{str(e)[len('`path`') :]}") from None
    elif isinstance(run, Mapping):
        # Checked as every dict run is (ids str, scores numbers, errors naming `run`), at the
        # dict's precision.
        run = Run(dict(run), score_precision="float64")
    scores = run.to_dict() if isinstance(run, Run) else run
    if not isinstance(scores, Mapping):
        raise RankwiseTypeError(
            f"`run` must be a rankwise.Run, a dict {{query_id: {{doc_id: score}}}} or a TREC "
            f"file; got {type(run).__name__}"
        )
    qids = sorted(str(q) for q in scores)
    ranked = {
        q: [
            str(d)
            for d, _ in sorted(scores[q].items(), key=lambda x: (x[1], str(x[0])), reverse=True)
        ]
        for q in qids
    }
    heads = [ranked[q][:depth] for q in qids]
    topic = _texts(queries, "queries", set(qids))
    docs = _texts(corpus, "corpus", {d for h in heads for d in h})
    missing_q = [q for q in qids if q not in topic]
    missing_d = sorted({d for h in heads for d in h if d not in docs})
    if missing_q or missing_d:
        raise InvalidValueError(
            f"texts are missing: {len(missing_q)} queries (e.g. {missing_q[:3]}) in `queries`, "
            f"{len(missing_d)} documents (e.g. {missing_d[:3]}) in `corpus`"
        )
    return Candidates(
        qids,
        [str(topic[q]) for q in qids],
        heads,
        [[str(docs[d]) for d in h] for h in heads],
        [ranked[q][depth:] for q in qids],
    )


def _to_run(c: Candidates, result: RerankResult, name: str | None) -> Any:
    from ..evaluate import Run

    out: dict[str, dict[str, float]] = {}
    for q, head, tail, order in zip(c.query_ids, c.doc_ids, c.tails, result.orders, strict=True):
        docs = [head[i] for i in order] + tail
        n = len(docs)
        out[q] = {d: float(n - r) for r, d in enumerate(docs)}
    return Run(out) if name is None else Run(out, name=name)


def rerank_run(
    run: Any,
    queries: Texts,
    corpus: Texts,
    ranker: Any,
    strategy: Strategy | None = None,
    *,
    depth: int = 100,
    name: str | None = None,
    **options: Any,
) -> Any:
    """Rerank the top ``depth`` documents of each query of ``run`` and return a
    :class:`rankwise.Run`: the reranked head (scores ``n``, ``n - 1``, ...) above the rest of
    the original ranking, in its order, as the ``rankwise rerank`` command writes it.

    ``ranker`` is any ranker (or a :class:`Reranker`, whose strategy is used unless
    ``strategy`` is given); ``options`` go to :func:`rankwise.rerank.rerank` (``batch_size``,
    ``cache``, ``progress``, ...). To keep the :class:`RerankResult` (calls, repairs, tokens),
    call :func:`candidates_from_run` and :func:`rankwise.rerank.rerank` yourself.
    """
    if isinstance(ranker, Reranker):
        strategy = strategy or ranker.strategy
        ranker = ranker.ranker
    c = candidates_from_run(run, queries, corpus, depth)
    result = rerank(c.queries, c.texts, ranker, strategy, **options)
    return _to_run(c, result, name)


def _is_url(name: str) -> bool:
    return name.startswith(("http://", "https://"))


def _kind_of(name: str, gguf_file: str | None, revision: str | None) -> str:
    """``bi-encoder``, ``cross-encoder`` or ``causal`` from the model's files."""
    from ..torch._hub import model_source

    if name.endswith(".gguf") or gguf_file:
        return "causal"
    source = model_source(name, revision=revision, what="name").check()
    if source.file("modules.json") is not None:
        return "bi-encoder"
    config = source.json("config.json") or {}
    architectures = [str(a) for a in config.get("architectures") or []]
    if any(a.endswith("ForSequenceClassification") for a in architectures):
        return "cross-encoder"
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
        return "causal"
    if config.get("is_encoder_decoder"):
        return "seq2seq"
    if architectures and all(a.endswith("Model") for a in architectures):
        return "bi-encoder"  # a plain encoder: mean-pooled embeddings
    raise InvalidValueError(
        f"cannot tell which ranker {name!r} is from its config (architectures: {architectures}); "
        "build BiEncoder, CrossEncoder or a Causal*Ranker from rankwise.torch.models directly"
    )


def _default_strategy(kind: str) -> Strategy:
    return Pointwise() if kind in ("bi-encoder", "cross-encoder", "seq2seq") else SlidingWindow()


class Reranker:
    """A model and a strategy chosen from a name: ``Reranker("name-or-url", strategy=...,
    **options)``.

    - an ``http(s)://`` URL: :class:`rankwise.rerank.openai.OpenAICompatibleRanker` (``model=``
      names the served model; default: the strategy's listwise/pairwise/setwise/yes-no call);
    - a sentence-transformers model (``modules.json``) or a plain encoder: ``BiEncoder``;
    - an encoder with a classification head: ``CrossEncoder``;
    - a causal LM (or a ``.gguf`` file): ``CausalListwiseRanker``, ``CausalPairwiseRanker``,
      ``CausalSetwiseRanker`` or ``CausalYesNoScorer``, as the strategy's call needs
      (listwise by default);
    - an encoder-decoder (T5): ``MonoT5`` (scores, the default, with :class:`Pointwise`),
      ``DuoT5`` (pairs; ``FlanT5PairwiseRanker`` when the name says flan) or
      ``FlanT5SetwiseRanker`` (selections), from :mod:`rankwise.torch.seq2seq`.

    Names are Hugging Face ids or folders (see :mod:`rankwise.torch.models`). Encoders default
    to :class:`Pointwise`, LLMs to :class:`SlidingWindow`. ``options`` go to the wrapper
    (``device``, ``dtype``, ``batch_size``, ``mode``, ``template``, ...). ``ranker`` and
    ``strategy`` are the pieces; :meth:`rerank` and :meth:`rerank_run` run them.

    ``passages=(window, stride)`` scores long documents passage by passage with a pointwise
    strategy (:class:`rankwise.rerank.passages.Passages`: ``window`` words every ``stride``),
    the document's score being ``aggregate`` of its passages' (``"max"``: MaxP, default;
    ``"first"``; ``"sum"``).
    """

    def __init__(
        self,
        name: str | os.PathLike[str],
        strategy: Strategy | None = None,
        *,
        passages: tuple[int, int] | None = None,
        aggregate: str = "max",
        **options: Any,
    ) -> None:
        if strategy is not None and not isinstance(strategy, Strategy):
            raise RankwiseTypeError(
                f"`strategy` must be a rankwise.rerank strategy; got {type(strategy).__name__}"
            )
        text = os.fspath(name) if isinstance(name, os.PathLike) else name
        if not isinstance(text, str):
            raise RankwiseTypeError(f"`name` must be a model id, folder or URL; got {name!r}")
        self.name = text
        if _is_url(text):
            from .openai import OpenAICompatibleRanker

            model = options.pop("model", None)
            if model is None:
                raise InvalidValueError(
                    f"a server URL needs `model=` (the name the server serves it under); "
                    f"got Reranker({text!r}) without it"
                )
            self.kind = "server"
            self.strategy = strategy or SlidingWindow()
            self._check_split(passages, aggregate)
            self.ranker: Any = OpenAICompatibleRanker(text, model, **options)
            self._split(passages, aggregate)
            return
        from ..torch import models  # type: ignore[attr-defined,unused-ignore]

        kind = _kind_of(text, options.get("gguf_file"), options.get("revision"))
        self.kind = kind
        self.strategy = strategy or _default_strategy(kind)
        self._check_split(passages, aggregate)
        if kind == "bi-encoder":
            self.ranker = models.BiEncoder(text, **options)
        elif kind == "cross-encoder":
            self.ranker = models.CrossEncoder(text, **options)
        elif kind == "seq2seq":
            from ..torch import seq2seq

            options.pop("revision", None)
            wrapper = _SEQ2SEQ_FOR[self.strategy.task_kind]
            if wrapper == "DuoT5" and "flan" in text.lower():
                wrapper = "FlanT5PairwiseRanker"
            self.ranker = getattr(seq2seq, wrapper)(text, **options)
        else:
            from ..torch import scorers

            options.pop("revision", None)
            wrapper = _CAUSAL_FOR[self.strategy.task_kind]
            module = models if hasattr(models, wrapper) else scorers
            self.ranker = getattr(module, wrapper)(text, **options)
        self._split(passages, aggregate)

    def _check_split(self, passages: tuple[int, int] | None, aggregate: str) -> None:
        """Refuse bad ``passages``/``aggregate`` before a model is loaded."""
        if passages is None:
            if not (isinstance(aggregate, str) and aggregate == "max"):
                raise InvalidValueError(
                    "`aggregate` combines passage scores: give `passages=(window, stride)` too"
                )
            return
        if self.strategy.task_kind not in ("score", "score_group"):
            raise InvalidValueError(
                f"`passages` splits documents for a pointwise scorer (Pointwise, Groupwise); "
                f"got {type(self.strategy).__name__}"
            )
        if not isinstance(passages, (tuple, list)) or len(passages) != 2:
            raise InvalidValueError(
                f"`passages` must be (window, stride) in words; got {passages!r}"
            )
        from .passages import _window

        try:
            _window(*passages)
        except (InvalidValueError, RankwiseTypeError) as e:  # name the argument given
            raise type(e)(f"`passages` must be (window, stride) in words: {e}") from None
        if not isinstance(aggregate, str) or aggregate not in ("max", "first", "sum"):
            raise InvalidValueError(
                f"`aggregate` must be one of 'max' (MaxP), 'first' (FirstP), 'sum' (SumP); "
                f"got {aggregate!r}"
            )

    def _split(self, passages: tuple[int, int] | None, aggregate: str) -> None:
        if passages is None:
            return
        from .passages import Passages

        window, stride = passages
        self.ranker = Passages(self.ranker, window=window, stride=stride, aggregate=aggregate)

    def __repr__(self) -> str:
        return f"Reranker({self.name!r}, {self.kind}: {self.ranker!r}, strategy={self.strategy!r})"

    def rerank(
        self,
        queries: Sequence[Any],
        candidates: Sequence[Sequence[Any]],
        *,
        cache: AnswerCache | str | os.PathLike[str] | None = None,
        **options: Any,
    ) -> RerankResult:
        """:func:`rankwise.rerank.rerank` with this model and strategy."""
        return rerank(queries, candidates, self.ranker, self.strategy, cache=cache, **options)

    def rerank_run(
        self, run: Any, queries: Texts, corpus: Texts, *, depth: int = 100, **options: Any
    ) -> Any:
        """:func:`rerank_run` with this model and strategy."""
        return rerank_run(run, queries, corpus, self.ranker, self.strategy, depth=depth, **options)
