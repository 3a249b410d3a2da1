"""More model families behind the strategies: causal-LM scorers and an embedding reranker.

- :class:`CausalYesNoScorer`: pointwise, P("yes") from the next-token logits of a yes/no
  relevance prompt (default: the Qwen3-Reranker template, Zhang et al. 2025, "Qwen3
  Embedding", arXiv:2506.05176); ``score``, ``score_group``, ``rank``.
- :class:`CausalGradeScorer`: pointwise generation of an integer grade, 0 to 10, as ERank
  trains its models to answer (Cai et al. 2025, "ERank: Fusing Supervised Fine-Tuning and
  Reinforcement Learning for Effective and Efficient Text Reranking", arXiv:2509.00520); the
  answer is parsed and, when malformed, repaired and counted; ``score``.
- :class:`CausalReasoningSetwiseRanker`: the model reasons in ``<think>...</think>`` and then
  names the most relevant passage in ``<answer>[k]</answer>``, as Rank-R1 (Zhuang et al. 2025,
  "Rank-R1: Enhancing Reasoning in LLM-based Document Rerankers via Reinforcement Learning",
  arXiv:2503.06034); ``select``.
- :class:`CausalBlockRanker`: BlockRank-style in-context ranking (Gupta et al. 2025, "Scalable
  In-context Ranking with Generative Models", arXiv:2510.05396): one forward pass over a prompt
  holding every candidate; each candidate scores the attention mass that the query's tokens
  give its block of tokens in a middle layer; no decoding. ``score_group``, ``rank``.
- :class:`E2Ranker`: E2Rank (Liu et al. 2025, "E2Rank: Your Text Embedding can Also be an
  Effective and Efficient Listwise Reranker", arXiv:2510.22733): an embedding model whose query
  is a listwise prompt of the query and its top-K candidates (pseudo-relevance feedback), and
  each candidate's score the cosine of its embedding to that query's. ``score_group``,
  ``rank``.

Listwise FIRST (Reddy et al., 2024: the order from the logits of the first identifier token)
is :class:`rankwise.torch.models.CausalListwiseRanker` with ``mode="first"``.

The causal rankers load as :mod:`rankwise.torch.models` loads them (a folder, a model id, a
``.gguf`` file or a shared :class:`~rankwise.torch.models.CausalLM`) and share its device,
dtype, batching and token accounting.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from ..errors import InvalidValueError
from ..rerank.parsing import strip_think
from ._prompts import (
    QWEN3_RERANKER,
    PointwiseTemplate,
    pointwise_messages,
    text_of,
    truncate_words,
)
from .models import (
    BiEncoder,
    CausalLM,
    _CausalRanker,
    _check_passage_words,
    _check_template,
    _digest,
    _length_batches,
    _pad_batch,
    _positions,
    _ScoresAsLists,
    _softmax_first,
    _split_calls,
    _stable_order,
    _torch,
)

if TYPE_CHECKING:
    import torch

__all__ = [
    "BLOCKRANK",
    "E2RANK",
    "ERANK",
    "RANK_R1",
    "BlockTemplate",
    "CausalBlockRanker",
    "CausalGradeScorer",
    "CausalReasoningSetwiseRanker",
    "CausalYesNoScorer",
    "E2RankTemplate",
    "E2Ranker",
    "GradeTemplate",
    "ReasoningSetwiseTemplate",
    "parse_grade",
    "parse_label",
]


def _check_tokens(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(f"`{name}` must be a positive integer; got {value!r}")
    return value


# --------------------------------------------------------------------------------------------
# Yes/no pointwise scoring


class CausalYesNoScorer(_ScoresAsLists, _CausalRanker):
    """A causal LM as a pointwise ranker: P("yes") from the next-token logits.

    The prompt is ``template`` (a :class:`~rankwise.torch.models.PointwiseTemplate`, default
    :data:`~rankwise.torch.models.QWEN3_RERANKER`, the Qwen3-Reranker model card's format):
    the system turn ``Judge whether the Document meets the requirements based on the Query and
    the Instruct provided. Note that the answer can only be "yes" or "no".``, the user turn
    ``<Instruct>: {instruction}\\n<Query>: {query}\\n<Document>: {passage}``, then the
    assistant's answer starts with ``<think>\\n\\n</think>\\n\\n``. Through a ChatML chat
    template this is, token for token, the text the model card builds. The score is the
    softmax of the logits of ``template.targets`` (``yes``, ``no``) after the prompt: P(yes),
    as the model card computes it: the logits of the first token of each target, after the
    prompt tokenised on its own. ``instruction`` replaces the template's instruction.

    Examples
    --------
    >>> scorer = CausalYesNoScorer("Qwen/Qwen3-Reranker-0.6B")             # doctest: +SKIP
    >>> scorer.score([("what causes rain", "Rain forms when vapour condenses.")])  # doctest: +SKIP
    [0.99...]
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | CausalLM,
        *,
        template: PointwiseTemplate = QWEN3_RERANKER,
        instruction: str | None = None,
        max_passage_words: int | None = None,
        gguf_file: str | None = None,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 8,
        use_chat_template: bool | None = None,
        ranker_id: str | None = None,
    ) -> None:
        options = (gguf_file, device, dtype, batch_size, max_passage_words, use_chat_template)
        super().__init__(model_path, template, PointwiseTemplate, *options)
        if instruction is not None:
            template = replace(template, instruction=instruction)
        self.template = template
        # The model card reads the logits of the tokens "yes" and "no" after the prompt
        # tokenised on its own (joined with the answer, "\n\nyes" may tokenise differently).
        first = [
            self.tokenizer(t, add_special_tokens=False)["input_ids"][:1] for t in template.targets
        ]
        if any(not f for f in first) or first[0] == first[1]:
            raise InvalidValueError(
                f"the answer targets {template.targets} must begin with different tokens"
            )
        self._answer_tokens = [int(f[0]) for f in first]
        self._set_template_id(ranker_id, template, max_passage_words)

    def prompt(self, query: Any, candidate: Any) -> str:
        """The prompt text for one judgement, ending where the answer token comes."""
        messages = pointwise_messages(
            self.template, text_of(query, "query"), self._passage(candidate)
        )
        return self._prompt_text(messages, self.template.answer_prefix)

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        """P(yes) for each ``(query, candidate)``."""
        if not batch:
            return []
        prompts = [self._tokenize(self.prompt(q, d)) for q, d in batch]
        choices = [self._answer_tokens] * len(prompts)
        return _softmax_first(self._forward_logits(prompts, choices))


# --------------------------------------------------------------------------------------------
# Generated answers: integer grades (ERank) and reasoning setwise (Rank-R1)


@dataclass(frozen=True)
class GradeTemplate:
    """A prompt asking for an integer relevance grade from ``low`` to ``high``
    (``{query}``, ``{passage}``, ``{low}``, ``{high}``)."""

    system: str | None
    user: str
    low: int = 0
    high: int = 10
    answer_prefix: str = ""


ERANK = GradeTemplate(
    system=(
        "You judge how relevant a document is to a search query. Answer with one integer "
        "from {low} (not relevant at all) to {high} (perfectly relevant), and nothing else."
    ),
    user="Query: {query}\nDocument: {passage}\nRelevance score ({low}-{high}):",
)
"""A grading prompt in ERank's answer format (an integer 0 to 10). ERank's released models
were trained with their own prompt: pass it as a :class:`GradeTemplate` to use them."""


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def parse_grade(text: str, low: int = 0, high: int = 10) -> tuple[int, str | None]:
    """The grade a model's answer gives, and the repair it needed (None when none).

    ``<think>...</think>`` is removed first; the grade is the first number of what is left.
    Repairs: a number outside ``[low, high]`` is clamped (``"out_of_range"``); a fraction is
    rounded (``"not_integer"``); an answer with no number gets ``low`` (``"unparsed"``).

    >>> parse_grade("<think>close, not exact</think> 7")
    (7, None)
    >>> parse_grade("Score: 12/10")
    (10, 'out_of_range')
    >>> parse_grade("relevant")
    (0, 'unparsed')
    """
    match = _NUMBER.search(strip_think(text))
    if match is None:
        return low, "unparsed"
    value = float(match.group())
    grade = round(value)
    if grade < low or grade > high:
        return min(max(grade, low), high), "out_of_range"
    if grade != value:
        return grade, "not_integer"
    return grade, None


class _Generating(_CausalRanker):
    """Counts the answers that needed a repair, by kind."""

    def _start_answers(
        self,
        kinds: Sequence[str],
        template: Any,
        max_new_tokens: int,
        max_passage_words: int | None,
        ranker_id: str | None,
    ) -> None:
        """Check ``max_new_tokens``, zero the repair counts (one per kind) and set the
        settings and the ranker id."""
        self.max_new_tokens = _check_tokens("max_new_tokens", max_new_tokens)
        self.repairs: dict[str, int] = dict.fromkeys(kinds, 0)
        self.answers = 0
        self.last_answers: list[str] = []
        self._settings = {"max_new_tokens": max_new_tokens}
        self._set_id(
            ranker_id,
            self._name,
            asdict(template),
            max_new_tokens,
            max_passage_words,
            self.use_chat_template,
        )

    def _answers(self, texts: Sequence[str]) -> list[str]:
        """The model's greedy answers to the prompt ``texts``, kept in ``last_answers``."""
        prompts = [self._tokenize(text) for text in texts]
        self.last_answers = self._generate(prompts, [self.max_new_tokens] * len(prompts))
        return self.last_answers

    def _record(self, problem: str | None) -> None:
        self.answers += 1
        if problem is not None:
            self.repairs[problem] += 1

    def reset_usage(self) -> None:
        super().reset_usage()
        self.answers = 0
        self.repairs = dict.fromkeys(self.repairs, 0)


class CausalGradeScorer(_ScoresAsLists, _Generating):
    """A causal LM as a pointwise ranker that writes an integer grade, ERank-style.

    The model answers ``template`` (default :data:`ERANK`: a grade from 0 to 10) greedily, up to
    ``max_new_tokens`` tokens (raise it for a reasoning model, whose ``<think>`` block is
    removed before parsing); the score is the grade :func:`parse_grade` reads. A malformed
    answer is repaired (clamped, rounded, or the lowest grade when no number is found) and
    counted in ``repairs`` (``{"unparsed": n, "out_of_range": n, "not_integer": n}``) out of
    ``answers``; ``last_answers`` keeps the texts of the last call. Equal grades keep the
    first stage's order under :class:`rankwise.rerank.Pointwise`.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | CausalLM,
        *,
        template: GradeTemplate = ERANK,
        max_new_tokens: int = 8,
        max_passage_words: int | None = 300,
        gguf_file: str | None = None,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 8,
        use_chat_template: bool | None = None,
        ranker_id: str | None = None,
    ) -> None:
        _check_template(template, GradeTemplate)
        if template.low >= template.high:
            raise InvalidValueError(
                f"the template's grades must run from low to high; got {template.low}..."
                f"{template.high}"
            )
        options = (gguf_file, device, dtype, batch_size, max_passage_words, use_chat_template)
        super().__init__(model_path, template, GradeTemplate, *options)
        self._start_answers(
            ("unparsed", "out_of_range", "not_integer"),
            template,
            max_new_tokens,
            max_passage_words,
            ranker_id,
        )

    def prompt(self, query: Any, candidate: Any) -> str:
        """The prompt text for one grade."""
        t = self.template
        fields = {"low": t.low, "high": t.high}
        messages = []
        if t.system is not None:
            messages.append({"role": "system", "content": t.system.format(**fields)})
        user = t.user.format(
            query=text_of(query, "query"), passage=self._passage(candidate), **fields
        )
        messages.append({"role": "user", "content": user})
        return self._prompt_text(messages, t.answer_prefix)

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        """The grade of each ``(query, candidate)``."""
        if not batch:
            return []
        out = []
        for text in self._answers([self.prompt(q, d) for q, d in batch]):
            grade, problem = parse_grade(text, self.template.low, self.template.high)
            self._record(problem)
            out.append(float(grade))
        return out


@dataclass(frozen=True)
class ReasoningSetwiseTemplate:
    """A setwise prompt whose answer comes after reasoning: passages shown as ``passage``
    (``{label}``: 1, 2, ...; ``{passage}``) joined by ``separator`` into ``{passages}``; the
    answer is the label inside ``<answer>...</answer>`` (or, without the tags, the last
    bracketed label after the reasoning)."""

    system: str | None
    user: str
    passage: str = "[{label}] {passage}"
    separator: str = "\n"
    answer_prefix: str = ""


RANK_R1 = ReasoningSetwiseTemplate(
    system=(
        "The assistant reasons about the user's request before answering. The reasoning goes "
        "inside <think> </think> tags and the answer inside <answer> </answer> tags: "
        "<think> reasoning </think> <answer> answer </answer>."
    ),
    user=(
        'Query: "{query}". Which of these documents is the most relevant to the query?\n'
        "{passages}\n"
        "Reason first; then give only the label of the most relevant document, in square "
        "brackets, inside the answer tags, e.g. <answer>[2]</answer>."
    ),
)
"""A setwise prompt in Rank-R1's answer format (reasoning, then ``<answer>[k]</answer>``).
Rank-R1's released models were trained with their own wording (``ielab/llm-rankers``,
``Rank-R1/prompts``): pass it as a :class:`ReasoningSetwiseTemplate` to use them."""


_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
_LABEL = re.compile(r"\[\s*(\d+)\s*\]")


def parse_label(text: str, n: int) -> tuple[int, str | None]:
    """The 0-based candidate a reasoning setwise answer names, and the repair it needed.

    ``<think>...</think>`` is removed; the label is the first ``[k]`` (or bare number) inside
    ``<answer>...</answer>``, or without those tags the last ``[k]`` of the text. Repairs: a
    label outside ``1..n`` (``"out_of_range"``) or no label (``"unparsed"``) gives the first
    candidate, as ``llm-rankers``' setwise heapsort does with an unexpected answer.

    >>> parse_label("<think>[1] is about cats; [3] explains rain</think><answer>[3]</answer>", 3)
    (2, None)
    >>> parse_label("I cannot tell.", 3)
    (0, 'unparsed')
    """
    answer = strip_think(text)
    tagged = _ANSWER.search(answer)
    digits: str | None = None
    if tagged is not None:
        bracketed = _LABEL.search(tagged.group(1))
        bare = re.search(r"\d+", tagged.group(1))
        digits = bracketed.group(1) if bracketed else bare.group() if bare else None
    else:
        labels = _LABEL.findall(answer)
        digits = labels[-1] if labels else None
    if digits is None:
        return 0, "unparsed"
    label = int(digits)
    if not 1 <= label <= n:
        return 0, "out_of_range"
    return label - 1, None


class CausalReasoningSetwiseRanker(_Generating):
    """A causal LM that reasons, then picks the most relevant passage: Rank-R1-style setwise.

    ``select`` shows the candidates labelled ``[1]``, ``[2]``, ... in ``template`` (default
    :data:`RANK_R1`), lets the model generate greedily up to ``max_new_tokens`` tokens, and
    reads the label of its final answer with :func:`parse_label` (``<think>`` removed). The
    answer is a weight per candidate, 1 for the one chosen and 0 for the others (the strategy
    takes the chosen one; for ``count > 1`` the rest follow in their order). A malformed
    answer picks the first candidate and is counted in ``repairs``; ``last_answers`` keeps
    the texts of the last call.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | CausalLM,
        *,
        template: ReasoningSetwiseTemplate = RANK_R1,
        max_new_tokens: int = 1024,
        max_passage_words: int | None = 300,
        gguf_file: str | None = None,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 8,
        use_chat_template: bool | None = None,
        ranker_id: str | None = None,
    ) -> None:
        options = (gguf_file, device, dtype, batch_size, max_passage_words, use_chat_template)
        super().__init__(model_path, template, ReasoningSetwiseTemplate, *options)
        self._start_answers(
            ("unparsed", "out_of_range"), template, max_new_tokens, max_passage_words, ranker_id
        )

    def prompt(self, query: Any, candidates: Sequence[Any]) -> str:
        """The prompt text for one selection."""
        t = self.template
        passages = t.separator.join(
            t.passage.format(label=i + 1, passage=self._passage(c))
            for i, c in enumerate(candidates)
        )
        user = t.user.format(query=text_of(query, "query"), passages=passages)
        messages = [{"role": "system", "content": t.system}] if t.system is not None else []
        messages.append({"role": "user", "content": user})
        return self._prompt_text(messages, t.answer_prefix)

    def select(self, batch: Sequence[tuple[Any, Sequence[Any], int]]) -> list[list[float]]:
        """For each ``(query, candidates, count)``: 1.0 for the candidate the model names."""
        out, todo = _split_calls(batch, lambda n: [1.0] * n)
        texts = self._answers([self.prompt(batch[k][0], batch[k][1]) for k in todo])
        for k, text in zip(todo, texts, strict=True):
            n = len(batch[k][1])
            chosen, problem = parse_label(text, n)
            self._record(problem)
            out[k] = [1.0 if i == chosen else 0.0 for i in range(n)]
        return out


# --------------------------------------------------------------------------------------------
# BlockRank: attention from the query to each candidate's block


@dataclass(frozen=True)
class BlockTemplate:
    """The in-context ranking prompt: ``prefix``, then each candidate as ``passage``
    (``{id}``: 1, 2, ...; ``{passage}``), then ``query`` (``{query}``) and ``suffix``.
    Placeholders ``{num}`` (candidates) work in ``prefix`` and ``suffix``. The query comes
    after the candidates, so that its tokens attend to all of them."""

    prefix: str
    passage: str
    query: str
    suffix: str


BLOCKRANK = BlockTemplate(
    prefix="You will be given {num} passages, each with an identifier, and then a query.\n\n",
    passage="[{id}] {passage}\n",
    query="\nQuery: {query}\n",
    suffix="Which passage is the most relevant to the query? Answer: [",
)
"""BlockRank's layout: instruction, candidate blocks, then the query (Gupta et al. 2025)."""


class CausalBlockRanker(_ScoresAsLists, _CausalRanker):
    """BlockRank-style in-context ranking: one forward pass, no decoding.

    The prompt is ``template`` (default :data:`BLOCKRANK`): an instruction, every candidate
    (cut to ``max_passage_words`` words) as a block of tokens, then the query. The model reads
    it once, with eager attention, up to layer ``layer`` (default: the middle one,
    ``num_hidden_layers // 2``; negative counts from the end); a candidate's score is the
    attention its block's tokens receive from the query's tokens in that layer: summed over
    the block, averaged over heads and query tokens. The pieces are tokenised apart and
    joined, so every block's tokens are known exactly; no chat template is used. Layers above
    ``layer`` are not computed.

    ``score_group`` gives the scores, ``rank`` the order (a ``ListwiseRanker`` for
    :class:`rankwise.rerank.FullList` or :class:`~rankwise.rerank.SlidingWindow`).
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | CausalLM,
        *,
        template: BlockTemplate = BLOCKRANK,
        layer: int | None = None,
        max_passage_words: int | None = 300,
        gguf_file: str | None = None,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 4,
        ranker_id: str | None = None,
    ) -> None:
        options = (gguf_file, device, dtype, batch_size, max_passage_words, False)
        super().__init__(model_path, template, BlockTemplate, *options)
        decoder = self.model.get_decoder() if hasattr(self.model, "get_decoder") else None
        layers = getattr(decoder, "layers", None)
        if layers is None or not hasattr(layers[0], "self_attn"):
            raise InvalidValueError(
                f"{self._name!r}: CausalBlockRanker needs a decoder with `layers[i].self_attn` "
                f"(Llama, Qwen, Mistral, ...); got {type(self.model).__name__}"
            )
        count = len(layers)
        chosen = count // 2 if layer is None else layer
        if isinstance(chosen, bool) or not isinstance(chosen, int) or not -count <= chosen < count:
            raise InvalidValueError(
                f"`layer` must be an integer in [-{count}, {count}) (the model has {count} "
                f"layers); got {layer!r}"
            )
        self.layer = chosen % count
        self._attention = layers[self.layer].self_attn
        self._settings = {"layer": self.layer, "max_passage_words": max_passage_words}
        self._set_id(ranker_id, self._name, asdict(template), self.layer, max_passage_words)

    def pieces(self, query: Any, candidates: Sequence[Any]) -> tuple[list[int], list[range]]:
        """The prompt's token ids, and the positions of each candidate's block followed by
        those of the query (the last range)."""
        t = self.template
        n = len(candidates)
        ids = list(self._special_prefix())
        spans = []
        for text in [
            t.prefix.format(num=n),
            *(
                t.passage.format(id=i + 1, passage=self._passage(c))
                for i, c in enumerate(candidates)
            ),
            t.query.format(query=text_of(query, "query")),
            t.suffix.format(num=n),
        ]:
            piece = self.tokenizer(text, add_special_tokens=False)["input_ids"]
            spans.append(range(len(ids), len(ids) + len(piece)))
            ids.extend(int(i) for i in piece)
        return ids, [*spans[1 : n + 1], spans[n + 1]]

    def _special_prefix(self) -> list[int]:
        """The tokens the tokenizer puts before a text (a BOS token, for most models)."""
        plain = self.tokenizer("a", add_special_tokens=False)["input_ids"]
        full = self.tokenizer("a")["input_ids"]
        cut = len(full) - len(plain)
        return [int(i) for i in full[:cut]] if cut > 0 and full[cut:] == plain else []

    def _block_attention(self, prompts: Sequence[list[int]]) -> list[Any]:
        """For each prompt, layer ``self.layer``'s attention weights (heads, tokens, tokens),
        float32, its left padding removed. The forward pass stops after that layer."""
        th = _torch()
        out: list[Any] = [None] * len(prompts)
        lengths = [len(p) for p in prompts]
        self._check_context(lengths, 0)
        captured: list[Any] = []

        class _Stop(Exception):  # noqa: N818 (control flow, never seen by users)
            pass

        def hook(_module: Any, _args: Any, output: Any) -> None:
            weights = output[1] if isinstance(output, tuple) and len(output) > 1 else None
            if weights is None:
                raise InvalidValueError(
                    f"{self._name!r}: the attention layer returned no weights with eager "
                    "attention; CausalBlockRanker cannot read this architecture"
                )
            captured.append(weights)
            raise _Stop

        previous = getattr(self.model.config, "_attn_implementation", None)
        handle = self._attention.register_forward_hook(hook)
        try:
            if hasattr(self.model, "set_attn_implementation"):  # transformers >= 4.48
                self.model.set_attn_implementation("eager")
            with th.inference_mode():
                for rows in _length_batches(lengths, self.batch_size):
                    width = max(lengths[i] for i in rows)
                    seqs = [prompts[i] for i in rows]
                    ids, mask = _pad_batch(seqs, self._pad_id, left=True, device=self.device)
                    captured.clear()
                    with contextlib.suppress(_Stop):
                        self.model(
                            input_ids=ids,
                            attention_mask=mask,
                            position_ids=_positions(mask),
                            use_cache=False,
                            # older transformers' SDPA layers fall back to eager for this
                            output_attentions=True,
                        )
                    weights = captured[0].float()
                    for j, i in enumerate(rows):
                        pad = width - lengths[i]
                        out[i] = weights[j, :, pad:, pad:]
                    self._input_tokens += sum(lengths[i] for i in rows)
        finally:
            handle.remove()
            if previous is not None and hasattr(self.model, "set_attn_implementation"):
                self.model.set_attn_implementation(previous)
        return out

    def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[float]]:
        """For each ``(query, candidates)``, the attention mass the query gives each block."""
        out, todo = _split_calls(batch, lambda n: [0.0] * n)
        built = [self.pieces(batch[k][0], batch[k][1]) for k in todo]
        attention = self._block_attention([ids for ids, _ in built])
        for k, (_, spans), weights in zip(todo, built, attention, strict=True):
            query = spans[-1]
            rows = weights[:, query.start : query.stop, :]  # heads x query tokens x keys
            out[k] = [
                float(rows[:, :, block.start : block.stop].sum(-1).mean()) for block in spans[:-1]
            ]
        return out

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[int]]:
        """Candidates by attention mass, most first (equal masses keep their order)."""
        return [_stable_order(scores) for scores in self.score_group(batch)]


# --------------------------------------------------------------------------------------------
# E2Rank: a listwise prompt as the query of an embedding model


@dataclass(frozen=True)
class E2RankTemplate:
    """The enriched query of E2Rank: ``prefix`` (``{query}``), then the top-K candidates as
    ``passage`` (``{id}``: 1, 2, ...; ``{passage}``) joined by ``separator``."""

    prefix: str
    passage: str = "[{id}] {passage}"
    separator: str = "\n"


E2RANK = E2RankTemplate(prefix="Query: {query}\nCandidate passages:\n")
"""The query, then its top-K candidates: the listwise prompt E2Rank embeds as the query."""


class E2Ranker:
    """E2Rank: an embedding model as a listwise reranker (Liu et al. 2025, arXiv:2510.22733).

    For each ``(query, candidates)``, the query embedded is ``template`` filled with the query
    and the texts of its first ``top_k`` candidates (the first stage's best, cut to
    ``max_passage_words`` words): a pseudo-relevance-feedback query. Each candidate's score
    is the cosine of its own embedding to that query's. ``encoder`` is a
    :class:`rankwise.torch.models.BiEncoder` (or a path or model id to build one, with
    ``options``); its prefixes and cache apply, so a candidate is embedded once however many
    calls show it. With :class:`rankwise.rerank.FullList` the top-K are the first stage's top-K
    (in a sliding window, each window's first K).
    """

    def __init__(
        self,
        encoder: BiEncoder | str | os.PathLike[str],
        *,
        top_k: int = 20,
        template: E2RankTemplate = E2RANK,
        max_passage_words: int | None = 100,
        ranker_id: str | None = None,
        **options: Any,
    ) -> None:
        _check_template(template, E2RankTemplate)
        self.top_k = _check_tokens("top_k", top_k)
        _check_passage_words(max_passage_words)
        self.encoder = encoder if isinstance(encoder, BiEncoder) else BiEncoder(encoder, **options)
        self.template = template
        self.max_passage_words = max_passage_words
        self.ranker_id = ranker_id or (
            f"E2Ranker:{self.encoder.ranker_id}:"
            f"{_digest(asdict(template), top_k, max_passage_words)}"
        )

    def __repr__(self) -> str:
        return f"E2Ranker({self.encoder!r}, top_k={self.top_k})"

    def usage(self) -> dict[str, int]:
        """The encoder's token counts."""
        return self.encoder.usage()

    def query_text(self, query: Any, candidates: Sequence[Any]) -> str:
        """The text embedded as the query: the query and its first ``top_k`` candidates."""
        t = self.template
        shown = [
            t.passage.format(
                id=i + 1, passage=truncate_words(text_of(c, "candidate"), self.max_passage_words)
            )
            for i, c in enumerate(candidates[: self.top_k])
        ]
        return t.prefix.format(query=text_of(query, "query")) + t.separator.join(shown)

    def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[float]]:
        """For each ``(query, candidates)``, each candidate's cosine to the enriched query."""
        enc = self.encoder
        queries = enc.encode([self.query_text(q, c) for q, c in batch], prefix=enc.query_prefix)
        docs = [text_of(c, "candidate") for _, cands in batch for c in cands]
        embedded = enc.encode(docs, prefix=enc.document_prefix)
        out: list[list[float]] = []
        start = 0
        for k, (_, cands) in enumerate(batch):
            rows = embedded[start : start + len(cands)]
            out.append([float(s) for s in (rows @ queries[k]).cpu().tolist()])
            start += len(cands)
        return out

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[int]]:
        """Candidates by cosine to the enriched query, best first."""
        return [_stable_order(scores) for scores in self.score_group(batch)]
