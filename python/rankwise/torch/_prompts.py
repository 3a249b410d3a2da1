"""Prompt templates of the causal-LM rankers, as data.

A template is a frozen dataclass of format strings; pass a modified copy
(``dataclasses.replace(RANKZEPHYR, system=None)``) to a ranker to change its prompt. The
texts follow the published prompts: RankGPT (Sun et al., EMNLP 2023, ``rank_gpt.py``),
RankZephyr/FIRST (``castorini/rank_llm``), PRP (Qin et al., NAACL 2024, as implemented in
``ielab/llm-rankers`` ``pairwise.py``) and Setwise (Zhuang et al., SIGIR 2024, ``setwise.py``).

Placeholders: ``{query}``, ``{num}`` (passages in the prompt), ``{id}`` (a passage's
identifier: ``1``, ``2``, ... or ``A``, ``B``, ...), ``{passage}``, ``{example}`` (an
answer in the expected format: ``[2] > [1]`` or ``[B] > [A]``), ``{a}``/``{b}`` (the two
passages of a pairwise prompt), ``{passages}`` and ``{label}`` (setwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidValueError, PromptTooLongError, RankwiseTypeError

Messages = list[dict[str, str]]


def text_of(item: Any, what: str) -> str:
    """The text of a query or candidate: a str, or an object with a ``text`` attribute or key.

    Every ranker, local or behind a server, reads its inputs through this one function.
    """
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping) and isinstance(item.get("text"), str):
        return str(item["text"])
    text = getattr(item, "text", None)
    if isinstance(text, str):
        return text
    raise RankwiseTypeError(
        f"rankers need texts: each {what} must be a str (or have a `text`); "
        f"got {type(item).__name__}"
    )


def regroup(flat: Sequence[Any], batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[Any]]:
    """``flat`` (one value per candidate of every ``(query, candidates)`` of ``batch``, in
    order) cut back into one list per query."""
    out: list[list[Any]] = []
    start = 0
    for _, cands in batch:
        out.append(list(flat[start : start + len(cands)]))
        start += len(cands)
    return out


def truncate_words(text: str, max_words: int | None) -> str:
    """The first ``max_words`` whitespace-separated words of ``text`` (all of it for None)."""
    if max_words is None:
        return text
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words])


def longest_passage(kind: str, item: Sequence[Any]) -> int:
    """Words in the longest passage of a call (``item`` as the driver gives it for ``kind``)."""
    passages = item[1:3] if kind == "compare" else item[1:2] if kind == "score" else item[1]
    return max((len(text_of(p, "candidate").split()) for p in passages), default=1)


def shorter_words(words: int | None, longest: int) -> int:
    """The next cap on a call's passages when its prompt does not fit: 3/4 of the current
    cap (of the longest passage's words when there is none). Every passage gets the same
    cap, so they are cut evenly, as RankGPT and rank_llm shorten prompts; 0 means the
    prompt cannot be shortened further."""
    limit = words if words is not None else longest
    return max(min(limit, longest) * 3 // 4, 0)


def overflow_error(
    kind: str, position: int, query: str, detail: str, on_overflow: str
) -> PromptTooLongError:
    """The error for a call whose prompt does not fit (``position`` in its batch)."""
    e = PromptTooLongError(
        f"the {kind} call at position {position} of the batch, for query {query[:60]!r}, "
        f"does not fit the model's context ({detail})"
        + (
            "; with on_overflow='shorten' its passages would be cut to fit"
            if on_overflow == "error"
            else " even with passages cut to 1 word"
        )
    )
    e.batch_index = position
    return e


def shorten_or_refuse(
    kind: str, position: int, item: Sequence[Any], words: int | None, detail: str, on_overflow: str
) -> int | PromptTooLongError:
    """One step for a call whose prompt does not fit (``detail`` says by how much): the next
    cap on its passages (:func:`shorter_words`), or the error refusing it
    (:func:`overflow_error`) with ``on_overflow="error"`` or when no cut is left. The local
    causal rankers and the server rankers shorten by this one rule."""
    shorter = shorter_words(words, longest_passage(kind, item))
    if on_overflow == "error" or shorter < 1:
        return overflow_error(kind, position, text_of(item[0], "query"), detail, on_overflow)
    return shorter


@dataclass(frozen=True)
class ListwiseTemplate:
    """A permutation-generation prompt over numbered passages.

    The conversation is ``system`` (when not None), then the user turn ``prefix``; with
    ``passage_reply`` None the passages (``passage``, one per line) and ``suffix`` follow in
    that same user turn (RankZephyr). Otherwise the model answers ``prefix_reply``, every
    passage is a user turn answered by ``passage_reply`` and ``suffix`` is the last user turn
    (RankGPT). ``answer_prefix`` starts the assistant's answer; FIRST-style scoring reads the
    logits of the identifier token that comes after it.
    """

    system: str | None
    prefix: str
    passage: str
    suffix: str
    prefix_reply: str | None = None
    passage_reply: str | None = None
    answer_prefix: str = ""


@dataclass(frozen=True)
class PairwiseTemplate:
    """A pairwise prompt (PRP): which of passages ``{a}`` and ``{b}`` is more relevant.

    The model's preference is read from the logits of the two ``targets`` (the first token
    where their tokenisations differ, after the prompt and ``answer_prefix``): the first
    target means "``a`` first".
    """

    system: str | None
    user: str
    targets: tuple[str, str] = ("Passage A", "Passage B")
    answer_prefix: str = ""


@dataclass(frozen=True)
class SetwiseTemplate:
    """A setwise prompt: which passage of a labelled set is the most relevant.

    Each passage is rendered with ``passage`` (``{label}``, ``{passage}``) and joined with
    ``separator`` into ``{passages}``; the answer distribution is read from the logits of the
    ``target`` of each label (the first token where the targets differ). ``labels`` gives the
    label of each position: Setwise uses A to W (X, Y and Z take several tokens in T5).
    """

    system: str | None
    user: str
    passage: str = 'Passage {label}: "{passage}"'
    separator: str = "\n\n"
    target: str = "Passage {label}"
    labels: str = "ABCDEFGHIJKLMNOPQRSTUVW"
    answer_prefix: str = ""


@dataclass(frozen=True)
class PointwiseTemplate:
    """A yes/no relevance prompt for one passage: the score is P(``targets[0]``), the softmax
    of the two targets' logits (``{query}``, ``{passage}``, ``{instruction}``)."""

    system: str | None
    user: str
    instruction: str = ""
    targets: tuple[str, str] = ("yes", "no")
    answer_prefix: str = ""


RANKGPT = ListwiseTemplate(
    system=(
        "You are RankGPT, an intelligent assistant that can rank passages based on their "
        "relevancy to the query."
    ),
    prefix=(
        "I will provide you with {num} passages, each indicated by number identifier []. \n"
        "Rank the passages based on their relevance to query: {query}."
    ),
    prefix_reply="Okay, please provide the passages.",
    passage="[{id}] {passage}",
    passage_reply="Received passage [{id}].",
    suffix=(
        "Search Query: {query}. \nRank the {num} passages above based on their relevance to "
        "the search query. The passages should be listed in descending order using "
        "identifiers. The most relevant passages should be listed first. The output format "
        "should be [] > [], e.g., {example}. Only response the ranking results, do not say "
        "any word or explain."
    ),
)
"""RankGPT's conversation: one user turn per passage (``rank_gpt.py``)."""

RANKZEPHYR = ListwiseTemplate(
    system=(
        "You are RankLLM, an intelligent assistant that can rank passages based on their "
        "relevancy to the query."
    ),
    prefix=(
        "I will provide you with {num} passages, each indicated by a numerical identifier []. "
        "Rank the passages based on their relevance to the search query: {query}.\n"
    ),
    passage="[{id}] {passage}",
    suffix=(
        "\nSearch Query: {query}.\nRank the {num} passages above based on their relevance to "
        "the search query. All the passages should be included and listed using identifiers, "
        "in descending order of relevance. The output format should be [] > [], e.g., "
        "{example}. Only respond with the ranking results, do not say any word or explain."
    ),
)
"""RankZephyr's (and FIRST's) single user turn with every passage (``rank_llm``)."""

PRP = PairwiseTemplate(
    system=None,
    user=(
        'Given a query "{query}", which of the following two passages is more relevant to '
        'the query?\n\nPassage A: "{a}"\n\nPassage B: "{b}"\n\nOutput Passage A or Passage B:'
    ),
)
"""Pairwise ranking prompting (PRP), scoring mode: "Passage A" against "Passage B"."""

SETWISE = SetwiseTemplate(
    system=None,
    user=(
        'Given a query "{query}", which of the following passages is the most relevant one '
        "to the query?\n\n{passages}\n\nOutput only the passage label of the most relevant "
        "passage:"
    ),
)
"""Setwise's prompt (``setwise.py``), likelihood mode: the logits of the passage labels."""

QWEN3_RERANKER = PointwiseTemplate(
    system=(
        "Judge whether the Document meets the requirements based on the Query and the Instruct "
        'provided. Note that the answer can only be "yes" or "no".'
    ),
    user="<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {passage}",
    instruction="Given a web search query, retrieve relevant passages that answer the query",
    targets=("yes", "no"),
    answer_prefix="<think>\n\n</think>\n\n",
)
"""Qwen3-Reranker's yes/no prompt (model card of ``Qwen/Qwen3-Reranker-0.6B``): P("yes")."""


def identifier(i: int, alpha: bool) -> str:
    """The identifier of passage ``i`` (0-based): ``1``, ``2``, ... or ``A``, ``B``, ..."""
    return chr(ord("A") + i) if alpha else str(i + 1)


def _system(system: str | None) -> Messages:
    return [{"role": "system", "content": system}] if system is not None else []


def listwise_messages(
    t: ListwiseTemplate, query: str, passages: Sequence[str], *, alpha: bool
) -> Messages:
    """The conversation of a listwise request (passages already cut to length)."""
    n = len(passages)
    fields = {
        "query": query,
        "num": n,
        "example": f"[{identifier(1, alpha)}] > [{identifier(0, alpha)}]",
    }
    shown = [
        t.passage.format(id=identifier(i, alpha), passage=p, **fields)
        for i, p in enumerate(passages)
    ]
    messages = _system(t.system)
    if t.prefix_reply is None and t.passage_reply is None:
        body = "\n".join([t.prefix.format(**fields), *shown, t.suffix.format(**fields)])
        messages.append({"role": "user", "content": body})
        return messages
    messages.append({"role": "user", "content": t.prefix.format(**fields)})
    if t.prefix_reply is not None:
        messages.append({"role": "assistant", "content": t.prefix_reply.format(**fields)})
    for i, passage in enumerate(shown):
        messages.append({"role": "user", "content": passage})
        if t.passage_reply is not None:
            reply = t.passage_reply.format(id=identifier(i, alpha), **fields)
            messages.append({"role": "assistant", "content": reply})
    messages.append({"role": "user", "content": t.suffix.format(**fields)})
    return messages


def pairwise_messages(t: PairwiseTemplate, query: str, a: str, b: str) -> Messages:
    """The conversation of one PRP comparison."""
    return [*_system(t.system), {"role": "user", "content": t.user.format(query=query, a=a, b=b)}]


def check_labels(t: SetwiseTemplate, candidates: int) -> None:
    """Refuse a setwise call with more candidates than the template has labels."""
    if candidates > len(t.labels):
        raise InvalidValueError(
            f"the setwise template has {len(t.labels)} labels; got {candidates} "
            "candidates in one call"
        )


def setwise_user(t: SetwiseTemplate, query: str, passages: Sequence[str]) -> str:
    """The user text of one setwise selection (at most ``len(t.labels)`` passages)."""
    joined = t.separator.join(
        t.passage.format(label=label, passage=p)
        for label, p in zip(t.labels, passages, strict=False)
    )
    return t.user.format(query=query, passages=joined, num=len(passages))


def setwise_messages(t: SetwiseTemplate, query: str, passages: Sequence[str]) -> Messages:
    """The conversation of one setwise selection (at most ``len(t.labels)`` passages)."""
    return [*_system(t.system), {"role": "user", "content": setwise_user(t, query, passages)}]


def pointwise_messages(t: PointwiseTemplate, query: str, passage: str) -> Messages:
    """The conversation of one yes/no relevance judgement."""
    user = t.user.format(query=query, passage=passage, instruction=t.instruction)
    return [*_system(t.system), {"role": "user", "content": user}]


def plain_prompt(messages: Messages, answer_prefix: str) -> str:
    """The conversation as plain text, for a model without a chat template: the turns'
    contents separated by blank lines, then ``answer_prefix``."""
    return "\n\n".join(m["content"] for m in messages) + "\n\n" + answer_prefix
