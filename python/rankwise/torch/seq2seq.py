"""Sequence-to-sequence (T5) rankers: monoT5, duoT5 and flan-T5 pairwise/setwise.

Each reads one decoder distribution per request, no decoding:

- :class:`MonoT5` (Nogueira et al., Findings of EMNLP 2020; pygaggle): pointwise, P("true")
  after ``Query: {query} Document: {passage} Relevant:``; ``score``, ``score_group``, ``rank``.
- :class:`DuoT5` (Pradeep, Nogueira and Lin, 2021, "The Expando-Mono-Duo design pattern"):
  pairwise, P("true") after ``Query: {query} Document0: {a} Document1: {b} Relevant:`` is
  P(``a`` before ``b``); ``compare``.
- :class:`FlanT5PairwiseRanker` and :class:`FlanT5SetwiseRanker`: flan-T5 prompted as
  ``ielab/llm-rankers`` prompts it (PRP, Qin et al., NAACL 2024; Setwise, Zhuang et al.,
  SIGIR 2024): the encoder reads the PRP or Setwise prompt (the same text as
  :data:`rankwise.torch.models.PRP` and :data:`~rankwise.torch.models.SETWISE`), the decoder
  starts with ``<pad> Passage`` and the answer is read from the logits of the label token that
  comes next (``A``/``B``, or ``A``...``W``). llm-rankers reads the setwise labels this way
  (its "likelihood" scoring) and generates two tokens for pairwise; here both read logits,
  so a comparison is a probability (the strategy asks both orders itself).

Any ``T5ForConditionalGeneration`` (or other ``AutoModelForSeq2SeqLM``) loads, from a folder or
a Hugging Face model id, as :mod:`rankwise.torch.models` loads models. The answer tokens are
found with the model's own tokenizer (``"true"`` is ``▁true``, id 1176, in T5's vocabulary).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidValueError
from ._hub import model_source
from ._prompts import (
    PRP,
    SETWISE,
    PairwiseTemplate,
    SetwiseTemplate,
    check_labels,
    setwise_user,
    text_of,
    truncate_words,
)
from .models import (
    _check_passage_words,
    _check_template,
    _load_pretrained,
    _LoadedModel,
    _pad_batch,
    _parting_tokens,
    _Ranker,
    _ScoresAsLists,
    _softmax,
    _softmax_first,
    _split_calls,
    _torch,
    _transformers,
)

if TYPE_CHECKING:
    import torch

__all__ = [
    "DUOT5",
    "MONOT5",
    "DuoT5",
    "FlanT5PairwiseRanker",
    "FlanT5SetwiseRanker",
    "MonoT5",
    "Seq2SeqLM",
    "load_seq2seq_lm",
]

MONOT5 = "Query: {query} Document: {passage} Relevant:"
"""monoT5's input (pygaggle ``MonoT5``): the model answers ``true`` or ``false``."""

DUOT5 = "Query: {query} Document0: {a} Document1: {b} Relevant:"
"""duoT5's input (pygaggle ``DuoT5``): ``true`` means Document0 is the more relevant."""


@dataclass(frozen=True, repr=False)
class Seq2SeqLM(_LoadedModel):
    """A loaded encoder-decoder model and its tokenizer, to share between rankers
    (``MonoT5(lm)``, ``DuoT5(lm)``); :func:`load_seq2seq_lm` makes one."""


def load_seq2seq_lm(
    model_path: str | os.PathLike[str],
    *,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
    revision: str | None = None,
) -> Seq2SeqLM:
    """Load an encoder-decoder model (``AutoModelForSeq2SeqLM``) and its tokenizer from a
    folder or a Hugging Face model id, onto ``device`` (default: CUDA when available) in
    ``dtype`` (default float32)."""
    _transformers()  # without transformers: the install hint before anything else
    source = model_source(model_path, revision=revision).check()
    tokenizer, model = _load_pretrained(source, "AutoModelForSeq2SeqLM", device, dtype)
    return Seq2SeqLM(model=model, tokenizer=tokenizer, name=source.ref)


class _Seq2SeqRanker(_Ranker):
    """Loading, encoder inputs cut to ``max_length`` tokens, and the decoder's next-token
    logits of a few answer tokens."""

    def __init__(
        self,
        model_path: str | os.PathLike[str] | Seq2SeqLM,
        template: Any,
        kind: type,
        device: str | torch.device | None,
        dtype: str | torch.dtype | None,
        batch_size: int,
        max_length: int,
        max_passage_words: int | None,
    ) -> None:
        _check_template(template, kind)
        _check_passage_words(max_passage_words)
        self._init_on(model_path, Seq2SeqLM, load_seq2seq_lm, {}, device, dtype, batch_size)
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 2:
            raise InvalidValueError(f"`max_length` must be an integer >= 2; got {max_length!r}")
        self.max_length = max_length
        self.max_passage_words = max_passage_words
        self.template = template
        start = self.model.config.decoder_start_token_id
        if start is None:
            start = self.model.config.pad_token_id
        if start is None:
            raise InvalidValueError(
                f"{self._name!r} names no decoder_start_token_id (nor pad_token_id) in its config"
            )
        self._start = int(start)
        pad = self.tokenizer.pad_token_id
        self._pad_id = int(pad if pad is not None else 0)

    def _passage(self, item: Any) -> str:
        return truncate_words(text_of(item, "candidate"), self.max_passage_words)

    def _decoder_targets(self, targets: Sequence[str]) -> tuple[list[int], list[int]]:
        """The decoder input (the start token, then the tokens the targets share) and the
        token each target continues with: ``("Passage A", "Passage B")`` gives
        ``[<pad>, ▁Passage]`` and the ids of ``▁A`` and ``▁B``."""
        full = [
            [int(i) for i in self.tokenizer(t, add_special_tokens=False)["input_ids"]]
            for t in targets
        ]
        shared, tokens = _parting_tokens(full, targets)
        return [self._start, *shared], tokens

    def _answer_with(
        self,
        targets: Sequence[str],
        settings: dict[str, Any],
        ranker_id: str | None,
        *id_parts: Any,
    ) -> None:
        """Set the decoder input and answer tokens from ``targets``, the settings reported
        and the ranker id (from ``id_parts``, after the model's name)."""
        self._decoder, self._choice = self._decoder_targets(targets)
        self._settings = settings
        self._set_id(ranker_id, self._name, *id_parts)

    def _true_or_false(self, targets: tuple[str, str], ranker_id: str | None) -> None:
        """monoT5's and duoT5's answer: two target words (checked), read after the start
        token."""
        self.targets = _check_targets(targets)
        self._answer_with(
            self.targets,
            {"max_length": self.max_length},
            ranker_id,
            self.template,
            targets,
            self.max_length,
            self.max_passage_words,
        )

    def _flan_answer(self, targets: Sequence[str], ranker_id: str | None) -> None:
        """flan-T5's answer (the pairwise and setwise rankers): ``targets`` read after the
        decoder prefix they share."""
        self._answer_with(
            targets,
            {"max_length": self.max_length, "max_passage_words": self.max_passage_words},
            ranker_id,
            asdict(self.template),
            self.max_length,
            self.max_passage_words,
        )

    def _pair_text(self, text: str, query: Any, a: Any, b: Any) -> str:
        """``text`` (a pairwise prompt) filled with the query and the two passages."""
        return text.format(query=text_of(query, "query"), a=self._passage(a), b=self._passage(b))

    def _first_probs(self, texts: Sequence[str]) -> list[float]:
        """P(first target) after each encoder input."""
        return _softmax_first(self._logits(texts, self._decoder, [self._choice] * len(texts)))

    def _logits(
        self, texts: Sequence[str], decoder: Sequence[int], choices: Sequence[Sequence[int]]
    ) -> list[list[float]]:
        """For each encoder input ``texts[i]`` (cut to ``max_length`` tokens, as pygaggle
        cuts them), the logits of ``choices[i]`` after the ``decoder`` tokens (float32)."""
        th = _torch()
        if not texts:
            return []
        enc = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        ids = [list(map(int, row)) for row in enc["input_ids"]]
        lengths = [len(row) for row in ids]

        def forward(rows: list[int]) -> Any:
            seqs = [ids[i] for i in rows]
            inputs, mask = _pad_batch(seqs, self._pad_id, left=False, device=self.device)
            dec = th.as_tensor([list(decoder)] * len(rows), device=self.device)
            return self.model(
                input_ids=inputs, attention_mask=mask, decoder_input_ids=dec, use_cache=False
            ).logits

        return self._next_token_logits(lengths, choices, forward)


def _check_targets(targets: Any) -> tuple[str, str]:
    if (
        not isinstance(targets, tuple)
        or len(targets) != 2
        or not all(isinstance(t, str) and t for t in targets)
    ):
        raise InvalidValueError(f"`targets` must be two non-empty strings; got {targets!r}")
    return targets


class MonoT5(_ScoresAsLists, _Seq2SeqRanker):
    """monoT5: a T5 model as a pointwise ranker (Nogueira, Jiang, Pradeep and Lin, "Document
    Ranking with a Pretrained Sequence-to-Sequence Model", Findings of EMNLP 2020).

    The encoder reads ``template`` (default :data:`MONOT5`,
    ``"Query: {query} Document: {passage} Relevant:"``), cut to ``max_length`` tokens (512,
    as pygaggle); the decoder reads the start token only, and the score is P(``"true"``):
    the softmax of the logits of the first tokens of ``targets`` (``("true", "false")``), as
    pygaggle computes it (it returns the log of this probability; the order is the same).

    ``score`` is a ``PointwiseRanker``; ``score_group`` and ``rank`` as for
    :class:`rankwise.torch.models.CrossEncoder`. ``model_path`` is a folder, a Hugging Face id
    (``"castorini/monot5-base-msmarco"``) or a :class:`Seq2SeqLM`.

    Examples
    --------
    >>> from rankwise.torch.seq2seq import MonoT5                          # doctest: +SKIP
    >>> model = MonoT5("castorini/monot5-base-msmarco")                   # doctest: +SKIP
    >>> model.score([("what causes rain", "Rain forms when vapour condenses.")])  # doctest: +SKIP
    [0.98...]
    """

    template: str

    def __init__(
        self,
        model_path: str | os.PathLike[str] | Seq2SeqLM,
        *,
        template: str = MONOT5,
        targets: tuple[str, str] = ("true", "false"),
        max_length: int = 512,
        max_passage_words: int | None = None,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 16,
        ranker_id: str | None = None,
    ) -> None:
        options = (device, dtype, batch_size, max_length, max_passage_words)
        super().__init__(model_path, template, str, *options)
        self._true_or_false(targets, ranker_id)

    def prompt(self, query: Any, candidate: Any) -> str:
        """The encoder's input for one pair."""
        return self.template.format(query=text_of(query, "query"), passage=self._passage(candidate))

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        """P(relevant) of each ``(query, candidate)`` pair."""
        texts = [self.prompt(q, d) for q, d in batch]
        return self._first_probs(texts)


class DuoT5(_Seq2SeqRanker):
    """duoT5: a T5 model as a pairwise ranker (Pradeep, Nogueira and Lin, "The Expando-Mono-Duo
    Design Pattern for Text Ranking with Pretrained Sequence-to-Sequence Models", 2021).

    ``compare`` reads ``template`` (default :data:`DUOT5`,
    ``"Query: {query} Document0: {a} Document1: {b} Relevant:"``) and returns P(``"true"``)
    against ``"false"``: the probability that ``a`` is more relevant than ``b``. duoT5 scores
    both orders and sums them (pygaggle); :class:`rankwise.rerank.Pairwise` asks both orders
    itself. ``model_path`` as for :class:`MonoT5` (``"castorini/duot5-base-msmarco"``).
    """

    template: str

    def __init__(
        self,
        model_path: str | os.PathLike[str] | Seq2SeqLM,
        *,
        template: str = DUOT5,
        targets: tuple[str, str] = ("true", "false"),
        max_length: int = 512,
        max_passage_words: int | None = None,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 16,
        ranker_id: str | None = None,
    ) -> None:
        options = (device, dtype, batch_size, max_length, max_passage_words)
        super().__init__(model_path, template, str, *options)
        self._true_or_false(targets, ranker_id)

    def prompt(self, query: Any, a: Any, b: Any) -> str:
        """The encoder's input for one comparison."""
        return self._pair_text(self.template, query, a, b)

    def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> list[float]:
        """P(a before b) for each ``(query, a, b)``."""
        texts = [self.prompt(q, a, b) for q, a, b in batch]
        return self._first_probs(texts)


class FlanT5PairwiseRanker(_Seq2SeqRanker):
    """flan-T5 as a pairwise ranker, prompted as ``ielab/llm-rankers`` prompts it (PRP: Qin et
    al., "Large Language Models are Effective Text Rankers with Pairwise Ranking Prompting",
    NAACL Findings 2024).

    The encoder reads ``template.user`` (default :data:`rankwise.torch.models.PRP`: ``Given a
    query "{query}", which of the following two passages is more relevant to the query?
    ... Output Passage A or Passage B:``); the decoder starts with ``<pad> Passage`` (the
    tokens ``template.targets`` share) and ``compare`` returns the softmax of the logits of
    the next token, ``A`` against ``B``: P(``a`` before ``b``). Passages are cut to
    ``max_passage_words`` words (llm-rankers cuts them to 128 tokens); the encoder input to
    ``max_length`` tokens. ``template.system`` and ``answer_prefix`` are not used: T5 has no
    chat turns.
    """

    template: PairwiseTemplate

    def __init__(
        self,
        model_path: str | os.PathLike[str] | Seq2SeqLM,
        *,
        template: PairwiseTemplate = PRP,
        max_length: int = 512,
        max_passage_words: int | None = 100,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 8,
        ranker_id: str | None = None,
    ) -> None:
        options = (device, dtype, batch_size, max_length, max_passage_words)
        super().__init__(model_path, template, PairwiseTemplate, *options)
        self._flan_answer(template.targets, ranker_id)

    def prompt(self, query: Any, a: Any, b: Any) -> str:
        """The encoder's input for one comparison."""
        return self._pair_text(self.template.user, query, a, b)

    def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> list[float]:
        """P(a before b) for each ``(query, a, b)``."""
        texts = [self.prompt(q, a, b) for q, a, b in batch]
        return self._first_probs(texts)


class FlanT5SetwiseRanker(_Seq2SeqRanker):
    """flan-T5 as a setwise ranker, prompted as ``ielab/llm-rankers`` prompts it (Zhuang,
    Zhuang, Koopman and Zuccon, "A Setwise Approach for Effective and Highly Efficient
    Zero-shot Ranking with Large Language Models", SIGIR 2024).

    The encoder reads ``template.user`` with the passages labelled ``Passage A: "..."``,
    ``Passage B: "..."``, ... (default :data:`rankwise.torch.models.SETWISE`, at most 23
    labels, A to W: X, Y and Z take several T5 tokens); the decoder starts with
    ``<pad> Passage``, and ``select`` returns the softmax over the logits of the label tokens
    that may come next: a distribution over the candidates (Setwise's "likelihood" scoring).
    """

    template: SetwiseTemplate

    def __init__(
        self,
        model_path: str | os.PathLike[str] | Seq2SeqLM,
        *,
        template: SetwiseTemplate = SETWISE,
        max_length: int = 512,
        max_passage_words: int | None = 100,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 8,
        ranker_id: str | None = None,
    ) -> None:
        options = (device, dtype, batch_size, max_length, max_passage_words)
        super().__init__(model_path, template, SetwiseTemplate, *options)
        targets = [template.target.format(label=label) for label in template.labels]
        self._flan_answer(targets, ranker_id)

    def prompt(self, query: Any, candidates: Sequence[Any]) -> str:
        """The encoder's input for one selection."""
        check_labels(self.template, len(candidates))
        passages = [self._passage(c) for c in candidates]
        return setwise_user(self.template, text_of(query, "query"), passages)

    def select(self, batch: Sequence[tuple[Any, Sequence[Any], int]]) -> list[list[float]]:
        """For each ``(query, candidates, count)``: the model's probability that each
        candidate is the most relevant."""
        out, todo = _split_calls(batch, lambda n: [1.0] * n)
        texts = [self.prompt(batch[k][0], batch[k][1]) for k in todo]
        choices = [self._choice[: len(batch[k][1])] for k in todo]
        for k, logits in zip(todo, self._logits(texts, self._decoder, choices), strict=True):
            out[k] = _softmax(logits)
        return out
