"""What every text-generation backend shares: prompts from the templates, passages shortened
when a prompt does not fit, ``<think>`` removed, choices scored from top log-probabilities,
answers of a failed batch kept for the rerun, token accounting.

A backend implements :meth:`_LLMRanker._complete_many`: a list of :class:`Call` in, for
each a :class:`Completion` or an exception (:class:`OverflowRefusal` when the prompt is too long).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..errors import InvalidValueError, PromptTooLongError, RankwiseTypeError
from ..torch._prompts import (
    PRP,
    QWEN3_RERANKER,
    RANKZEPHYR,
    SETWISE,
    ListwiseTemplate,
    Messages,
    PairwiseTemplate,
    PointwiseTemplate,
    SetwiseTemplate,
    identifier,
    listwise_messages,
    pairwise_messages,
    plain_prompt,
    pointwise_messages,
    regroup,
    setwise_messages,
    shorten_or_refuse,
    text_of,
    truncate_words,
)
from .parsing import strip_think

__all__ = ["Call", "Completion", "OverflowRefusal", "strip_think"]


def _is_int(value: object, minimum: int, maximum: int | None = None) -> bool:
    """Whether ``value`` is an int (not a bool) in ``minimum..maximum``."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= minimum
        and (maximum is None or value <= maximum)
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Call:
    """One request to the model: the conversation, the start of the answer (completions
    only), the token budget, and the answer targets whose log-probabilities are read (None:
    the answer is the text)."""

    messages: Messages
    answer_prefix: str
    max_tokens: int
    targets: tuple[str, ...] | None = None


@dataclass
class Completion:
    """The model's answer: its text, and for each generated position the token and the top
    log-probabilities (empty when the server gives none)."""

    text: str
    positions: list[tuple[str, dict[str, float]]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class OverflowRefusal(Exception):  # noqa: N818 (a signal, not an error to users)
    """The backend refused the prompt for its length."""


@dataclass(frozen=True)
class Shortened:
    """A call whose passages were cut to ``words`` words each to fit the context."""

    kind: str
    query: str
    words: int


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _item_key(kind: str, item: tuple[Any, ...]) -> str:
    parts: list[Any] = []
    for x in item:
        if isinstance(x, (list, tuple)):
            parts.append([text_of(y, "candidate") for y in x])
        elif isinstance(x, int):
            parts.append(x)
        else:
            parts.append(text_of(x, "text"))
    return _digest(kind, parts)


def split_targets(targets: Sequence[str]) -> tuple[str, list[str]]:
    """The text the targets share up to the word where they part, and what follows it:
    ``("Passage A", "Passage B") -> ("Passage", [" A", " B"])``. A completions prompt ends
    with the shared text, so the next token is the choice (as the local rankers read it)."""
    shortest = min(len(t) for t in targets)
    common = 0
    while common < shortest and len({t[common] for t in targets}) == 1:
        common += 1
    cut = targets[0][:common].rfind(" ")
    common = max(cut, 0) if common < shortest else 0
    return targets[0][:common], [t[common:] for t in targets]


def _norm(token: str) -> str:
    return token.strip().strip("[]()\"'.:*").strip()


def _softmax(logprobs: Sequence[float]) -> list[float]:
    top = max(logprobs)
    if top == -math.inf:
        return [1.0 / len(logprobs)] * len(logprobs)
    e = [math.exp(v - top) for v in logprobs]
    s = sum(e)
    return [v / s for v in e]


class _LLMRanker:
    """Listwise (``rank``), pairwise (``compare``), setwise (``select``) and yes/no
    pointwise (``score``) over a text-generation backend."""

    api: str
    ranker_id: str

    def __init__(
        self,
        *,
        api: Literal["chat", "completions"],
        listwise_mode: Literal["generate", "first"],
        listwise_template: ListwiseTemplate,
        pairwise_template: PairwiseTemplate,
        setwise_template: SetwiseTemplate,
        pointwise_template: PointwiseTemplate,
        max_passage_words: int | None,
        max_tokens: int | None,
        top_logprobs: int,
        on_overflow: Literal["shorten", "error"],
        prompt_format: Callable[[Messages, str], str] | None,
        name: str,
        ranker_id: str | None,
    ) -> None:
        choices: tuple[tuple[str, object, tuple[str, str]], ...] = (
            ("api", api, ("chat", "completions")),
            ("listwise_mode", listwise_mode, ("generate", "first")),
            ("on_overflow", on_overflow, ("shorten", "error")),
        )
        for arg, given, options in choices:
            if not isinstance(given, str) or given not in options:
                raise InvalidValueError(
                    f"`{arg}` must be {options[0]!r} or {options[1]!r}; got {_short(given)}"
                )
        for arg, value, cls in (
            ("listwise_template", listwise_template, ListwiseTemplate),
            ("pairwise_template", pairwise_template, PairwiseTemplate),
            ("setwise_template", setwise_template, SetwiseTemplate),
            ("pointwise_template", pointwise_template, PointwiseTemplate),
        ):
            if not isinstance(value, cls):
                raise RankwiseTypeError(
                    f"`{arg}` must be a {cls.__name__}; got {type(value).__name__}"
                )
        if max_passage_words is not None and not _is_int(max_passage_words, 1):
            raise InvalidValueError(
                f"`max_passage_words` must be a positive integer or None; "
                f"got {_short(max_passage_words)}"
            )
        if max_tokens is not None and not _is_int(max_tokens, 1):
            raise InvalidValueError(
                f"`max_tokens` must be a positive integer or None; got {_short(max_tokens)}"
            )
        if not _is_int(top_logprobs, 1, 100):
            raise InvalidValueError(
                f"`top_logprobs` must be an integer in 1..100; got {_short(top_logprobs)}"
            )
        if prompt_format is not None and api == "chat":
            raise InvalidValueError(
                "`prompt_format` renders completions prompts: use api='completions'"
            )
        self.api = api
        self.listwise_mode = listwise_mode
        self.listwise_template = listwise_template
        self.pairwise_template = pairwise_template
        self.setwise_template = setwise_template
        self.pointwise_template = pointwise_template
        self.max_passage_words = max_passage_words
        self.max_tokens = max_tokens
        self.top_logprobs = top_logprobs
        self.on_overflow = on_overflow
        self.prompt_format = prompt_format
        self.shortened: list[Shortened] = []
        self._lock = threading.Lock()
        self._counts = {
            "input_tokens": 0,
            "output_tokens": 0,
            "requests": 0,
            "retries": 0,
            "shortened": 0,
            "unparsed": 0,
            "choices_outside_top_logprobs": 0,
        }
        # Answers of calls whose batch failed elsewhere: a rerun takes them, not the server.
        self._kept: dict[str, Any] = {}
        if ranker_id is not None and not isinstance(ranker_id, str):
            raise RankwiseTypeError(
                f"`ranker_id` must be a str or None; got {type(ranker_id).__name__}"
            )
        self.ranker_id = ranker_id or f"{type(self).__name__}:{name}:" + _digest(
            api,
            listwise_mode,
            asdict(listwise_template),
            asdict(pairwise_template),
            asdict(setwise_template),
            asdict(pointwise_template),
            max_passage_words,
            max_tokens,
            top_logprobs if listwise_mode == "first" else None,
            None if prompt_format is None else getattr(prompt_format, "__qualname__", "custom"),
        )

    # -- accounting --------------------------------------------------------------------------

    def usage(self) -> dict[str, int]:
        """Counts since construction: ``input_tokens``/``output_tokens`` (as the backend
        reports them), ``requests`` (answered), ``retries``, ``shortened`` (calls whose
        passages were cut to fit), ``unparsed`` (answers with no valid choice: the text
        goes back; the driver gives the call a neutral answer and counts it) and
        ``choices_outside_top_logprobs``."""
        with self._lock:
            return dict(self._counts)

    def _count(self, **add: int) -> None:
        with self._lock:
            for k, v in add.items():
                self._counts[k] += v

    def _complete_many(self, calls: Sequence[Call]) -> list[Completion | BaseException]:
        raise NotImplementedError  # pragma: no cover

    # -- prompts -----------------------------------------------------------------------------

    def _prompt(self, call: Call) -> str:
        """The completions prompt: the conversation as text, the answer prefix, and the text
        the targets share."""
        prefix = call.answer_prefix
        if call.targets is not None:
            prefix += split_targets(call.targets)[0]
        if self.prompt_format is not None:
            return self.prompt_format(call.messages, prefix)
        return plain_prompt(call.messages, prefix)

    def _build(self, kind: str, item: tuple[Any, ...], words: int | None) -> Call:
        query = text_of(item[0], "query")
        if kind == "rank":
            passages = [truncate_words(text_of(c, "candidate"), words) for c in item[1]]
            n = len(passages)
            if self.listwise_mode == "first":
                targets = tuple(identifier(i, True) + "]" for i in range(n))
                messages = listwise_messages(self.listwise_template, query, passages, alpha=True)
                prefix = self.listwise_template.answer_prefix or "["
                return Call(messages, prefix, self._choice_budget(), targets)
            messages = listwise_messages(self.listwise_template, query, passages, alpha=False)
            budget = self.max_tokens or 6 * n + 16
            return Call(messages, self.listwise_template.answer_prefix, budget)
        if kind == "compare":
            t = self.pairwise_template
            a, b = (truncate_words(text_of(x, "candidate"), words) for x in item[1:3])
            return Call(
                pairwise_messages(t, query, a, b), t.answer_prefix, self._choice_budget(), t.targets
            )
        if kind == "select":
            s = self.setwise_template
            passages = [truncate_words(text_of(c, "candidate"), words) for c in item[1]]
            if len(passages) > len(s.labels):
                raise InvalidValueError(
                    f"the setwise template has {len(s.labels)} labels; got {len(passages)} "
                    "candidates in one call"
                )
            targets = tuple(s.target.format(label=label) for label in s.labels[: len(passages)])
            return Call(
                setwise_messages(s, query, passages),
                s.answer_prefix,
                self._choice_budget(),
                targets,
            )
        p = self.pointwise_template
        passage = truncate_words(text_of(item[1], "candidate"), words)
        return Call(
            pointwise_messages(p, query, passage), p.answer_prefix, self._choice_budget(), p.targets
        )

    def _choice_budget(self) -> int:
        # Completions read the choice at the first position; a chat answer may open with a
        # token or two ("[", "Passage") before it.
        return self.max_tokens or (1 if self.api == "completions" else 4)

    # -- answers -----------------------------------------------------------------------------

    def _choice_logprobs(self, c: Completion, targets: Sequence[str]) -> list[float] | None:
        """Log-probabilities of the targets at the position where the answer chooses (None:
        no position offers any target)."""
        _, rests = split_targets(targets)
        keys = [_norm(r) for r in rests]
        if len(set(keys)) != len(keys) or not all(keys):
            raise InvalidValueError(f"the answer targets {list(targets)} cannot be told apart")
        positions = c.positions
        if self.api == "completions":
            positions = positions[:1]  # the prompt ends where the choice is made
        else:
            text = ""
            for k, (token, _) in enumerate(positions):
                text += token
                if "</think>" in text:
                    positions = positions[k + 1 :]
                    break
        chosen = None
        for token, top in positions:
            if _norm(token) in keys and top:
                chosen = top
                break
        if chosen is None:
            chosen = next((top for _, top in positions if any(_norm(t) in keys for t in top)), None)
        if chosen is None:
            return None
        out = []
        for rest, key in zip(rests, keys, strict=True):
            exact = [lp for t, lp in chosen.items() if t and rest.startswith(t) and t.strip()]
            loose = [lp for t, lp in chosen.items() if _norm(t) == key]
            found = exact or loose
            out.append(max(found) if found else -math.inf)
        missing = sum(v == -math.inf for v in out)
        if missing:
            self._count(choices_outside_top_logprobs=missing)
        return out

    def _answer(self, kind: str, item: tuple[Any, ...], call: Call, c: Completion) -> Any:
        if call.targets is None:
            return strip_think(c.text)
        lps = self._choice_logprobs(c, call.targets) if c.positions else None
        if lps is None:
            lps = self._from_text(strip_think(c.text), call.targets)
        if lps is None or all(v == -math.inf for v in lps):
            # No choice found: the text goes back, and the driver counts the call as
            # unparsed and gives it the neutral answer (one rule for every ranker).
            self._count(unparsed=1)
            return strip_think(c.text)
        probs = _softmax(lps)
        if kind == "rank":
            return sorted(range(len(probs)), key=lambda i: -lps[i])
        if kind == "select":
            return probs
        return probs[0]

    @staticmethod
    def _from_text(text: str, targets: Sequence[str]) -> list[float] | None:
        """No log-probabilities: the target the text names first (1 for it, 0 for others)."""
        found = [(text.find(t), i) for i, t in enumerate(targets) if t in text]
        if not found:
            return None
        best = min(found)[1]
        return [0.0 if i == best else -math.inf for i in range(len(targets))]

    # -- the protocol methods ----------------------------------------------------------------

    def _run(self, kind: str, batch: Sequence[tuple[Any, ...]]) -> list[Any]:
        out: list[Any] = [None] * len(batch)
        keys = [_item_key(kind, item) for item in batch]
        words: list[int | None] = [self.max_passage_words] * len(batch)
        todo = []
        for i, item in enumerate(batch):
            kept = self._kept.pop(keys[i], None)
            if kept is not None:
                out[i] = kept
            elif kind in ("rank", "select") and len(item[1]) == 1:
                out[i] = [0] if kind == "rank" else [1.0]
            else:
                todo.append(i)
        errors: dict[int, BaseException] = {}
        while todo:
            calls = [self._build(kind, batch[i], words[i]) for i in todo]
            got = self._complete_many(calls)
            again = []
            for i, call, g in zip(todo, calls, got, strict=True):
                if isinstance(g, OverflowRefusal):
                    shorter = shorten_or_refuse(
                        kind, i, batch[i], words[i], str(g), self.on_overflow
                    )
                    if isinstance(shorter, PromptTooLongError):
                        errors[i] = shorter
                        continue
                    words[i] = shorter
                    again.append(i)
                elif isinstance(g, BaseException):
                    # the driver names the query of this call, not the batch's first
                    with contextlib.suppress(AttributeError):
                        g.batch_index = i  # type: ignore[attr-defined]
                    errors[i] = g
                else:
                    out[i] = self._answer(kind, batch[i], call, g)
                    if words[i] != self.max_passage_words:
                        self._count(shortened=1)
                        with self._lock:
                            self.shortened.append(
                                Shortened(kind, text_of(batch[i][0], "query"), int(words[i] or 0))
                            )
            todo = again
        if errors:
            first = errors[min(errors)]
            if all(isinstance(e, PromptTooLongError) for e in errors.values()):
                # Only prompts that cannot fit failed: the driver takes the other answers
                # and lets their queries go on.
                first.answers = out  # type: ignore[attr-defined]
            else:
                for i, answer in enumerate(out):
                    if answer is not None:
                        self._kept[keys[i]] = answer
            raise first
        return out

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[Any]:
        """Listwise: the answer text (``listwise_mode="generate"``, parsed by the driver) or
        a permutation from the identifiers' first-token log-probabilities (``"first"``)."""
        return self._run("rank", batch)

    def compare(self, batch: Sequence[tuple[Any, Any, Any]]) -> list[float]:
        """Pairwise (PRP): P(a before b) from the two targets' log-probabilities."""
        return list(self._run("compare", batch))

    def select(self, batch: Sequence[tuple[Any, Sequence[Any], int]]) -> list[list[float]]:
        """Setwise: a distribution over the candidates from the labels' log-probabilities."""
        return list(self._run("select", batch))

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        """Pointwise yes/no: P(yes) against "no" (the pointwise template's targets)."""
        return list(self._run("score", batch))

    def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[float]]:
        """Groupwise as pointwise: P(yes) for each candidate of each group."""
        return regroup(self.score([(q, c) for q, cands in batch for c in cands]), batch)


DEFAULTS: dict[str, Any] = {
    "listwise_template": RANKZEPHYR,
    "pairwise_template": PRP,
    "setwise_template": SETWISE,
    "pointwise_template": QWEN3_RERANKER,
}
