"""Causal language models as rankers (re-exported by :mod:`rankwise.torch.models`, which
documents loading, devices, batching and usage).

A prompt longer than the model's context (``config.max_position_embeddings``, the answer's
tokens included) is not sent: with ``on_overflow="shorten"`` (default) the call's passages
are cut evenly, each to 3/4 of the words of the longest and again until the prompt fits (as
RankGPT and rank_llm shorten every passage to one cap), counted in ``usage()["shortened"]``;
with ``on_overflow="error"`` the call is refused with
:class:`rankwise.errors.PromptTooLongError`, and the batch's other calls are answered and
carried in the error's ``answers`` so that :func:`rankwise.rerank.rerank` lets their queries
finish.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import InvalidValueError, ModelNotFoundError, PromptTooLongError
from ._hub import model_source
from ._prompts import (
    PRP,
    RANKZEPHYR,
    SETWISE,
    ListwiseTemplate,
    PairwiseTemplate,
    SetwiseTemplate,
    check_labels,
    identifier,
    listwise_messages,
    pairwise_messages,
    plain_prompt,
    setwise_messages,
    shorten_or_refuse,
    text_of,
    truncate_words,
)
from .models import (
    _check_passage_words,
    _check_template,
    _length_batches,
    _load_pretrained,
    _LoadedModel,
    _pad_batch,
    _parting_tokens,
    _positions,
    _Ranker,
    _softmax,
    _softmax_first,
    _split_calls,
    _stable_order,
    _torch,
    _transformers,
)

if TYPE_CHECKING:
    import torch

__all__ = [
    "CausalLM",
    "CausalListwiseRanker",
    "CausalPairwiseRanker",
    "CausalSetwiseRanker",
    "load_causal_lm",
]


@dataclass(frozen=True, repr=False)
class CausalLM(_LoadedModel):
    """A loaded causal LM and its tokenizer, to share one model between several rankers
    (``CausalListwiseRanker(lm)``, ``CausalPairwiseRanker(lm)``); :func:`load_causal_lm`
    makes one. Rankers built on it use it on its device, in its dtype."""


def load_causal_lm(
    model_path: str | os.PathLike[str],
    *,
    gguf_file: str | None = None,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
    revision: str | None = None,
) -> CausalLM:
    """Load a causal LM and its tokenizer from a folder or a Hugging Face model id.

    ``model_path`` is a transformers folder or model id (see the module docstring for how ids
    are found), or a ``.gguf`` file (or a folder or id with
    ``gguf_file`` naming the file in it), which transformers dequantises on loading (this
    needs ``pip install gguf accelerate``, and takes a while: transformers parses the file
    three times). The model goes to ``device`` (default: CUDA when available) in ``dtype``
    (default float32).
    """
    _transformers()  # without transformers: the install hint before anything else
    text = os.fspath(model_path)
    path = Path(text).expanduser()
    if gguf_file is None and path.suffix == ".gguf" and path.is_file():
        path, gguf_file = path.parent, path.name
        text = str(path)
    elif gguf_file is None and path.suffix == ".gguf":
        raise ModelNotFoundError(
            f"`model_path` must be a model folder, a .gguf file or a Hugging Face model id; "
            f"got {text!r}, which is not a file"
        )
    source = model_source(text, revision=revision)
    if gguf_file is not None:
        if source.file(gguf_file) is None:
            if source.local:
                raise ModelNotFoundError(f"`gguf_file` {gguf_file!r} is not in {source.ref!r}")
            raise source.not_found()
    else:
        source.check()
    extra: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
    tokenizer, model = _load_pretrained(source, "AutoModelForCausalLM", device, dtype, **extra)
    name = f"{source.ref}/{gguf_file}" if gguf_file else source.ref
    return CausalLM(model=model, tokenizer=tokenizer, name=name)


class _CausalRanker(_Ranker):
    """Prompt rendering, batched next-token logits and batched greedy generation."""

    def __init__(
        self,
        model_path: str | os.PathLike[str] | CausalLM,
        template: Any,
        kind: type,
        gguf_file: str | None,
        device: str | torch.device | None,
        dtype: str | torch.dtype | None,
        batch_size: int,
        max_passage_words: int | None,
        use_chat_template: bool | None,
        on_overflow: Literal["shorten", "error"] = "shorten",
    ) -> None:
        _check_template(template, kind)
        if on_overflow not in ("shorten", "error"):
            raise InvalidValueError(
                f"`on_overflow` must be 'shorten' or 'error'; got {on_overflow!r}"
            )
        self.on_overflow = on_overflow
        self._shortened = 0
        _check_passage_words(max_passage_words)
        options = {"gguf_file": gguf_file}
        self._init_on(model_path, CausalLM, load_causal_lm, options, device, dtype, batch_size)
        self.max_passage_words = max_passage_words
        self.template = template
        has_template = bool(getattr(self.tokenizer, "chat_template", None))
        if use_chat_template and not has_template:
            raise InvalidValueError(
                "`use_chat_template=True` but the tokenizer has no chat template"
            )
        self.use_chat_template = has_template if use_chat_template is None else use_chat_template
        self._pad_id = self.tokenizer.pad_token_id
        if self._pad_id is None:
            self._pad_id = self.tokenizer.eos_token_id or 0
        self._eos_ids = self._eos_token_ids()
        parameters = inspect.signature(self.model.forward).parameters
        keep = next((k for k in ("logits_to_keep", "num_logits_to_keep") if k in parameters), None)
        # Only the last position's logits are read: skip the vocabulary projection elsewhere.
        self._last_logits_only = {keep: 1} if keep else {}

    def _eos_token_ids(self) -> set[int]:
        ids: set[int] = set()
        for source in (
            self.tokenizer.eos_token_id,
            getattr(self.model.generation_config, "eos_token_id", None),
        ):
            if isinstance(source, int):
                ids.add(source)
            elif isinstance(source, list):
                ids.update(int(i) for i in source)
        return ids

    def _check_context(self, lengths: Sequence[int], extra: int) -> None:
        limit = getattr(self.model.config, "max_position_embeddings", None)
        longest = max(lengths, default=0)
        if isinstance(limit, int) and longest + extra > limit:
            raise InvalidValueError(
                f"a prompt of {longest} tokens (+{extra} to generate) exceeds the model's "
                f"context of {limit} tokens: lower `max_passage_words` or the candidates per call"
            )

    def _set_template_id(
        self, ranker_id: str | None, template: Any, max_passage_words: int | None
    ) -> None:
        """Report ``max_passage_words`` as the setting and name the ranker from the template,
        ``max_passage_words`` and the chat-template choice."""
        self._settings = {"max_passage_words": max_passage_words}
        self._set_id(
            ranker_id, self._name, asdict(template), max_passage_words, self.use_chat_template
        )

    def _passage(self, item: Any, words: int | Literal[False] | None = False) -> str:
        """A candidate's text cut to ``words`` words (default: ``max_passage_words``)."""
        limit = self.max_passage_words if words is False else words
        return truncate_words(text_of(item, "candidate"), limit)

    def usage(self) -> dict[str, int]:
        """Tokens processed since construction (or :meth:`reset_usage`), as for every
        wrapper, and ``shortened``: calls whose passages were cut further to fit the context."""
        return {**super().usage(), "shortened": self._shortened}

    def reset_usage(self) -> None:
        super().reset_usage()
        self._shortened = 0

    def _fit(
        self,
        kind: str,
        batch: Sequence[tuple[Any, ...]],
        todo: Sequence[int],
        build: Callable[[tuple[Any, ...], int | None], tuple[list[int], Any]],
        extra: Callable[[int], int],
    ) -> tuple[dict[int, tuple[list[int], Any]], dict[int, PromptTooLongError]]:
        """Each call of ``todo`` tokenised by ``build(item, words)`` (prompt ids and what the
        ranker needs with them) so that its prompt and ``extra(item)`` answer tokens fit the
        context: passages cut evenly until they do (``on_overflow="shorten"``), or the call
        refused (``"error"``, or no cut is short enough). ``extra(k)``: call ``k``'s answer
        tokens."""
        limit = getattr(self.model.config, "max_position_embeddings", None)
        fitted: dict[int, tuple[list[int], Any]] = {}
        refused: dict[int, PromptTooLongError] = {}
        for k in todo:
            item = batch[k]
            words = self.max_passage_words
            built = build(item, words)
            need = extra(k)
            while isinstance(limit, int) and len(built[0]) + need > limit:
                detail = (
                    f"a prompt of {len(built[0])} tokens, +{need} to answer, in a context "
                    f"of {limit}"
                )
                shorter = shorten_or_refuse(kind, k, item, words, detail, self.on_overflow)
                if isinstance(shorter, PromptTooLongError):
                    refused[k] = shorter
                    break
                words = shorter
                built = build(item, words)
            else:
                if words != self.max_passage_words:
                    self._shortened += 1
                fitted[k] = built
        return fitted, refused

    def _fitted_logits(
        self,
        kind: str,
        batch: Sequence[tuple[Any, ...]],
        todo: Sequence[int],
        build: Callable[[tuple[Any, ...], int | None], tuple[list[int], list[int]]],
    ) -> tuple[dict[int, list[float]], dict[int, PromptTooLongError]]:
        """The calls of ``todo`` fitted by :meth:`_fit` (``build`` gives the prompt ids and
        the answer tokens; one token is read), and for each fitted call, in call order, the
        next-token logits of its answer tokens; with the refusals."""
        fitted, refused = self._fit(kind, batch, todo, build, lambda k: 1)
        ready = sorted(fitted)
        logits = self._forward_logits([fitted[k][0] for k in ready], [fitted[k][1] for k in ready])
        return dict(zip(ready, logits, strict=True)), refused

    @staticmethod
    def _refuse(refused: dict[int, PromptTooLongError], out: list[Any]) -> None:
        """Raise the first refusal, carrying the answers of the batch's other calls."""
        if refused:
            first = refused[min(refused)]
            first.answers = [None if k in refused else a for k, a in enumerate(out)]
            raise first

    def _prompt_text(self, messages: list[dict[str, str]], answer_prefix: str) -> str:
        if self.use_chat_template:
            text = self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
            return str(text) + answer_prefix
        return plain_prompt(messages, answer_prefix)

    def _tokenize(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=not self.use_chat_template)["input_ids"]
        return [int(i) for i in ids]

    def _choices(self, prompt: str, targets: Sequence[str]) -> tuple[list[int], list[int]]:
        """The prompt tokens up to where the ``targets`` (continuations) part, and the token
        each target continues with there."""
        return _parting_tokens([self._tokenize(prompt + t) for t in targets], targets)

    def _forward_logits(
        self, prompts: Sequence[list[int]], choices: Sequence[list[int]]
    ) -> list[list[float]]:
        """Next-token logits of ``choices[i]`` after ``prompts[i]`` (float32), batched by
        length with left padding."""
        lengths = [len(p) for p in prompts]
        self._check_context(lengths, 1)

        def forward(rows: list[int]) -> Any:
            seqs = [prompts[i] for i in rows]
            ids, mask = _pad_batch(seqs, self._pad_id, left=True, device=self.device)
            return self.model(
                input_ids=ids,
                attention_mask=mask,
                position_ids=_positions(mask),
                use_cache=False,
                **self._last_logits_only,
            ).logits

        return self._next_token_logits(lengths, choices, forward)

    def _generate(self, prompts: Sequence[list[int]], max_new_tokens: Sequence[int]) -> list[str]:
        """Greedy continuations of ``prompts`` (decoded, special tokens dropped), batched by
        length with left padding; each stops at an end-of-sequence token or its
        ``max_new_tokens``."""
        th = _torch()
        transformers = _transformers()
        out = [""] * len(prompts)
        lengths = [len(p) for p in prompts]
        self._check_context(lengths, max(max_new_tokens, default=0))
        eos = sorted(self._eos_ids)
        with th.inference_mode():
            for rows in _length_batches(lengths, self.batch_size):
                seqs = [prompts[i] for i in rows]
                ids, mask = _pad_batch(seqs, self._pad_id, left=True, device=self.device)
                config = transformers.GenerationConfig(
                    max_new_tokens=max(max_new_tokens[i] for i in rows),
                    do_sample=False,
                    num_beams=1,
                    pad_token_id=self._pad_id,
                    eos_token_id=eos or None,
                )
                generated = (
                    self.model.generate(
                        input_ids=ids, attention_mask=mask, generation_config=config
                    )[:, ids.shape[1] :]
                    .cpu()
                    .tolist()
                )
                for j, i in enumerate(rows):
                    tokens = generated[j][: max_new_tokens[i]]
                    end = next(
                        (k + 1 for k, t in enumerate(tokens) if t in self._eos_ids), len(tokens)
                    )
                    out[i] = str(self.tokenizer.decode(tokens[:end], skip_special_tokens=True))
                    self._output_tokens += end
                self._input_tokens += sum(lengths[i] for i in rows)
        return out


_identifier = identifier


class CausalListwiseRanker(_CausalRanker):
    """A causal LM as a listwise ranker, prompted RankGPT/RankZephyr-style.

    ``mode="generate"``: numbered passages ``[1]``, ``[2]``, ...; the model's greedy answer is
    returned as text (``"[2] > [1] > [3]"``) for the driver to parse and repair in Rust;
    ``max_new_tokens`` defaults to the length of a complete answer plus two tokens.
    ``mode="first"`` (FIRST, Reddy et al. 2024): passages labelled ``[A]``, ``[B]``, ... (at
    most 26), one forward pass, and the candidates sorted by the logit of their label as the
    first token of the answer (after ``template.answer_prefix`` or ``"["``); the answer is a
    permutation. Passages are cut to ``max_passage_words`` words (RankGPT: 300).

    ``template`` is a :class:`ListwiseTemplate` (default :data:`RANKZEPHYR`; also
    :data:`RANKGPT`). The conversation goes through the tokenizer's chat template when it has
    one (``use_chat_template``). A prompt beyond the context is shortened or, with
    ``on_overflow="error"``, refused (as for every causal ranker: see
    :mod:`rankwise.torch.models`); a generated answer is text, and one naming no passage is
    counted by :func:`rankwise.rerank.rerank` as unparsed.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | CausalLM,
        *,
        mode: Literal["generate", "first"] = "generate",
        template: ListwiseTemplate = RANKZEPHYR,
        max_passage_words: int | None = 300,
        max_new_tokens: int | None = None,
        gguf_file: str | None = None,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 8,
        use_chat_template: bool | None = None,
        on_overflow: Literal["shorten", "error"] = "shorten",
        ranker_id: str | None = None,
    ) -> None:
        if mode not in ("generate", "first"):
            raise InvalidValueError(f"`mode` must be 'generate' or 'first'; got {mode!r}")
        options = (gguf_file, device, dtype, batch_size, max_passage_words, use_chat_template)
        super().__init__(model_path, template, ListwiseTemplate, *options, on_overflow)
        self.mode = mode
        self.max_new_tokens = max_new_tokens
        self._settings = {"mode": mode, "max_passage_words": max_passage_words}
        self._set_id(
            ranker_id,
            self._name,
            mode,
            asdict(template),
            max_passage_words,
            max_new_tokens,
            self.use_chat_template,
        )

    def messages(
        self, query: Any, candidates: Sequence[Any], *, words: int | Literal[False] | None = False
    ) -> list[dict[str, str]]:
        """The conversation for one request (identifiers as the mode uses them; passages
        cut to ``words`` words, default ``max_passage_words``)."""
        passages = [self._passage(c, words) for c in candidates]
        return listwise_messages(
            self.template, text_of(query, "query"), passages, alpha=self.mode == "first"
        )

    def prompt(
        self, query: Any, candidates: Sequence[Any], *, words: int | Literal[False] | None = False
    ) -> str:
        """The prompt text the model reads for one request."""
        prefix = self.template.answer_prefix
        if self.mode == "first" and not prefix:
            prefix = "["
        return self._prompt_text(self.messages(query, candidates, words=words), prefix)

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[int] | str]:
        """Order each ``(query, candidates)``: the model's text (``generate``) or a
        permutation, best first (``first``)."""
        out, todo = _split_calls(batch, lambda n: list(range(n)))
        if not todo:
            return out
        if self.mode == "first":
            if any(len(batch[k][1]) > 26 for k in todo):
                raise InvalidValueError(
                    "mode='first' labels passages A to Z: at most 26 candidates per call; got "
                    f"{max(len(batch[k][1]) for k in todo)}"
                )

            def first(item: tuple[Any, ...], words: int | None) -> tuple[list[int], list[int]]:
                # The target after the prompt is the identifier itself (it ends in "[").
                targets = [_identifier(i, True) + "]" for i in range(len(item[1]))]
                return self._choices(self.prompt(item[0], item[1], words=words), targets)

            logits, refused = self._fitted_logits("rank", batch, todo, first)
            for k, row in logits.items():
                out[k] = _stable_order(row)
        else:

            def generate(item: tuple[Any, ...], words: int | None) -> tuple[list[int], Any]:
                return self._tokenize(self.prompt(item[0], item[1], words=words)), None

            budgets = {k: self._budget(batch[k]) for k in todo}
            fitted, refused = self._fit("rank", batch, todo, generate, budgets.__getitem__)
            ready = sorted(fitted)
            texts = self._generate([fitted[k][0] for k in ready], [budgets[k] for k in ready])
            for k, text in zip(ready, texts, strict=True):
                out[k] = text
        self._refuse(refused, out)
        return out

    def _budget(self, item: tuple[Any, ...]) -> int:
        return self.max_new_tokens or self._answer_budget(len(item[1]))

    def _answer_budget(self, n: int) -> int:
        answer = " > ".join(f"[{i + 1}]" for i in range(n))
        return len(self.tokenizer(answer, add_special_tokens=False)["input_ids"]) + 2


class CausalPairwiseRanker(_CausalRanker):
    """A causal LM as a pairwise ranker, prompted with PRP (Qin et al., NAACL 2024).

    ``compare`` asks, for each ``(query, a, b)``, which passage is more relevant, ``a`` being
    "Passage A" and ``b`` "Passage B", and returns P(a before b): the softmax of the logits
    of the two ``template.targets`` (scoring mode; the strategy asks both orders itself). The
    prompt is :data:`PRP` unless ``template`` says otherwise.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | CausalLM,
        *,
        template: PairwiseTemplate = PRP,
        max_passage_words: int | None = 300,
        gguf_file: str | None = None,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 8,
        use_chat_template: bool | None = None,
        on_overflow: Literal["shorten", "error"] = "shorten",
        ranker_id: str | None = None,
    ) -> None:
        options = (gguf_file, device, dtype, batch_size, max_passage_words, use_chat_template)
        super().__init__(model_path, template, PairwiseTemplate, *options, on_overflow)
        self._set_template_id(ranker_id, template, max_passage_words)

    def prompt(
        self, query: Any, a: Any, b: Any, *, words: int | Literal[False] | None = False
    ) -> str:
        """The prompt text for one comparison (passages cut to ``words`` words, default
        ``max_passage_words``)."""
        t = self.template
        query = text_of(query, "query")
        messages = pairwise_messages(t, query, self._passage(a, words), self._passage(b, words))
        return self._prompt_text(messages, t.answer_prefix)

    def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> list[float]:
        """P(a before b) for each ``(query, a, b)``."""
        if not batch:
            return []

        def build(item: tuple[Any, ...], words: int | None) -> tuple[list[int], list[int]]:
            query, a, b = item
            return self._choices(self.prompt(query, a, b, words=words), self.template.targets)

        logits, refused = self._fitted_logits("compare", batch, range(len(batch)), build)
        out: list[Any] = [None] * len(batch)
        for k, p in zip(logits, _softmax_first(list(logits.values())), strict=True):
            out[k] = p
        self._refuse(refused, out)
        return out


class CausalSetwiseRanker(_CausalRanker):
    """A causal LM as a setwise ranker, prompted with Setwise (Zhuang et al., SIGIR 2024).

    ``select`` labels the candidates ``A``, ``B``, ... (``template.labels``: 23 at most by
    default) and returns, for each request, the softmax over the logits of the label targets
    (``"Passage A"``, ...): a distribution over the candidates, whatever ``count`` is (the
    strategy takes the best one or the best ``count`` from it). The prompt is
    :data:`SETWISE` unless ``template`` says otherwise.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str] | CausalLM,
        *,
        template: SetwiseTemplate = SETWISE,
        max_passage_words: int | None = 300,
        gguf_file: str | None = None,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 8,
        use_chat_template: bool | None = None,
        on_overflow: Literal["shorten", "error"] = "shorten",
        ranker_id: str | None = None,
    ) -> None:
        options = (gguf_file, device, dtype, batch_size, max_passage_words, use_chat_template)
        super().__init__(model_path, template, SetwiseTemplate, *options, on_overflow)
        self._set_template_id(ranker_id, template, max_passage_words)

    def prompt(
        self, query: Any, candidates: Sequence[Any], *, words: int | Literal[False] | None = False
    ) -> str:
        """The prompt text for one selection (passages cut to ``words`` words, default
        ``max_passage_words``)."""
        t = self.template
        check_labels(t, len(candidates))
        passages = [self._passage(c, words) for c in candidates]
        messages = setwise_messages(t, text_of(query, "query"), passages)
        return self._prompt_text(messages, t.answer_prefix)

    def select(self, batch: Sequence[tuple[Any, Sequence[Any], int]]) -> list[list[float]]:
        """For each ``(query, candidates, count)``: the model's probability that each
        candidate is the most relevant."""
        out, todo = _split_calls(batch, lambda n: [1.0] * n)

        def build(item: tuple[Any, ...], words: int | None) -> tuple[list[int], list[int]]:
            query, cands, _ = item
            targets = [
                self.template.target.format(label=label)
                for label in self.template.labels[: len(cands)]
            ]
            return self._choices(self.prompt(query, cands, words=words), targets)

        logits, refused = self._fitted_logits("select", batch, todo, build)
        for k, row in logits.items():
            out[k] = _softmax(row)
        self._refuse(refused, out)
        return out
