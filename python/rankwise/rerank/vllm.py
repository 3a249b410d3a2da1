"""vLLM in-process: the prompts, answers and accounting of
:class:`rankwise.rerank.OpenAICompatibleRanker`, over ``vllm.LLM`` instead of HTTP.

Untested where vLLM is not installed (its test is skipped there with the reason).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from ..errors import InvalidValueError
from ..torch._prompts import (
    ListwiseTemplate,
    Messages,
    PairwiseTemplate,
    PointwiseTemplate,
    SetwiseTemplate,
)
from ._llm import DEFAULTS, Call, Completion, OverflowRefusal, _LLMRanker

__all__ = ["VLLMRanker"]


class VLLMRanker(_LLMRanker):
    """A model run by ``vllm.LLM`` in this process (prefix caching on by default), with the
    calls, templates and answer reading of :class:`OpenAICompatibleRanker`: ``api="chat"``
    renders conversations with the model's chat template (``LLM.chat``), ``"completions"``
    sends ``prompt_format(messages, answer_prefix)`` (``LLM.generate``). A batch goes to vLLM
    in one call; greedy decoding, ``top_logprobs`` log-probabilities per position.

    ``model`` is a model id or folder, or a ready ``vllm.LLM``; ``engine_options`` go to
    ``vllm.LLM`` (``gpu_memory_utilization``, ``max_model_len``, ...).
    """

    def __init__(
        self,
        model: Any,
        *,
        api: Literal["chat", "completions"] = "chat",
        listwise_mode: Literal["generate", "first"] = "generate",
        listwise_template: ListwiseTemplate = DEFAULTS["listwise_template"],
        pairwise_template: PairwiseTemplate = DEFAULTS["pairwise_template"],
        setwise_template: SetwiseTemplate = DEFAULTS["setwise_template"],
        pointwise_template: PointwiseTemplate = DEFAULTS["pointwise_template"],
        max_passage_words: int | None = 300,
        max_tokens: int | None = None,
        top_logprobs: int = 20,
        on_overflow: Literal["shorten", "error"] = "shorten",
        prompt_format: Callable[[Messages, str], str] | None = None,
        ranker_id: str | None = None,
        **engine_options: Any,
    ) -> None:
        try:
            import vllm  # type: ignore[import-not-found,unused-ignore]
        except ImportError as e:
            raise ImportError("VLLMRanker needs vLLM: pip install vllm (a GPU build)") from e
        if isinstance(model, str):
            engine_options.setdefault("enable_prefix_caching", True)
            self.llm = vllm.LLM(model=model, **engine_options)
            name = model
        else:
            if engine_options:
                raise InvalidValueError("`engine_options` apply only when vLLM is built here")
            self.llm = model
            name = str(
                getattr(getattr(model, "llm_engine", None), "model_config", None)
                and model.llm_engine.model_config.model
            )
        self._vllm = vllm
        super().__init__(
            api=api,
            listwise_mode=listwise_mode,
            listwise_template=listwise_template,
            pairwise_template=pairwise_template,
            setwise_template=setwise_template,
            pointwise_template=pointwise_template,
            max_passage_words=max_passage_words,
            max_tokens=max_tokens,
            top_logprobs=top_logprobs,
            on_overflow=on_overflow,
            prompt_format=prompt_format,
            name=name,
            ranker_id=ranker_id,
        )
        self.model = name

    def __repr__(self) -> str:
        return f"VLLMRanker({self.model!r}, api={self.api!r}, listwise_mode={self.listwise_mode!r})"

    def _complete_many(self, calls: Sequence[Call]) -> list[Completion | BaseException]:
        if not calls:
            return []
        params = [
            self._vllm.SamplingParams(
                temperature=0.0,
                max_tokens=c.max_tokens,
                logprobs=self.top_logprobs if c.targets is not None else None,
            )
            for c in calls
        ]
        try:
            if self.api == "chat":
                outputs = self.llm.chat([c.messages for c in calls], params, use_tqdm=False)
            else:
                prompts = [self._prompt(c) for c in calls]
                outputs = self.llm.generate(prompts, params, use_tqdm=False)
        except ValueError as e:  # vLLM refuses a prompt longer than max_model_len
            if "longer than" in str(e) or "maximum model length" in str(e):
                if len(calls) == 1:
                    return [OverflowRefusal(str(e))]
                return [item for c in calls for item in self._complete_many([c])]
            raise
        out: list[Completion | BaseException] = []
        tokenizer = self.llm.get_tokenizer()
        for o in outputs:
            gen = o.outputs[0]
            positions: list[tuple[str, dict[str, float]]] = []
            for token_id, top in zip(gen.token_ids, gen.logprobs or [], strict=False):
                entries = {
                    (
                        lp.decoded_token if lp.decoded_token is not None else tokenizer.decode([t])
                    ): lp.logprob
                    for t, lp in top.items()
                }
                positions.append((tokenizer.decode([token_id]), entries))
            prompt_tokens = len(o.prompt_token_ids or [])
            self._count(input_tokens=prompt_tokens, output_tokens=len(gen.token_ids), requests=1)
            out.append(Completion(gen.text, positions, prompt_tokens, len(gen.token_ids)))
        return out
