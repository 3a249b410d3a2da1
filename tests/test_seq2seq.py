"""rankwise.torch.seq2seq: monoT5, duoT5 and flan-T5 rankers against the model called directly.

No T5 weights or SentencePiece model are installed on the test machines, so the model is a
small randomly initialised ``T5ForConditionalGeneration`` built from a config, with a
word-level tokenizer built here with ``tokenizers`` (``</s>`` appended, as T5's tokenizer
does). What is tested is the wrapper: the prompt, the decoder prefix, the answer tokens and the
arithmetic, each against a hand-written forward pass of the same model on one unpadded input.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys

import pytest

from ._helpers import import_or_skip

torch, transformers, tokenizers = import_or_skip("torch", "transformers", "tokenizers")

from rankwise.errors import InvalidValueError, RankwiseTypeError  # noqa: E402
from rankwise.rerank import (  # noqa: E402
    Pairwise,
    Pointwise,
    Reranker,
    Setwise,
    SlidingWindow,
    rerank,
)
from rankwise.torch.models import PRP  # noqa: E402
from rankwise.torch.seq2seq import (  # noqa: E402
    DuoT5,
    FlanT5PairwiseRanker,
    FlanT5SetwiseRanker,
    MonoT5,
    load_seq2seq_lm,
)

from ._helpers import DOCS, QUERY  # noqa: E402

PROMPT_WORDS = (
    "Query Document Document0 Document1 Relevant true false Given a query which of the "
    "following two passages is more relevant to the Passage A B C D E F G H I J K L M N O P Q "
    'R S T U V W Output or most one label : " ? .'
)


def _vocabulary() -> dict[str, int]:
    words = ["<pad>", "</s>", "<unk>"]
    splitter = tokenizers.pre_tokenizers.Whitespace()
    for text in [PROMPT_WORDS, QUERY, *DOCS, "cats sleeping animals"]:
        for word, _ in splitter.pre_tokenize_str(text):
            if word not in words:
                words.append(word)
    return {w: i for i, w in enumerate(words)}


@pytest.fixture(scope="module")
def t5_folder(tmp_path_factory):
    """A folder with a random 2-layer T5 and a word-level tokenizer ending inputs with </s>."""
    vocab = _vocabulary()
    core = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    core.post_processor = tokenizers.processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", vocab["</s>"])]
    )
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )
    config = transformers.T5Config(
        vocab_size=len(vocab),
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_heads=4,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )
    torch.manual_seed(5)
    model = transformers.T5ForConditionalGeneration(config).eval()
    folder = tmp_path_factory.mktemp("tiny-t5")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def t5(t5_folder):
    return load_seq2seq_lm(t5_folder, device="cpu")


def direct(lm, text, decoder_words, targets):
    """The logits of ``targets`` (single words) after ``decoder_words``, from the model
    called by hand on one unpadded input: encoder ids with </s>, decoder = start token +
    the words' ids."""
    vocab = lm.tokenizer.get_vocab()
    ids = lm.tokenizer(text)["input_ids"]
    assert ids[-1] == vocab["</s>"]
    decoder = [lm.model.config.decoder_start_token_id] + [vocab[w] for w in decoder_words]
    with torch.no_grad():
        logits = lm.model(
            input_ids=torch.tensor([ids]), decoder_input_ids=torch.tensor([decoder])
        ).logits[0, -1]
    return [float(logits[vocab[t]]) for t in targets]


def p_first(logits):
    return 1 / (1 + math.exp(logits[1] - logits[0]))


def test_monot5_score_is_p_true_of_the_model_called_directly(t5):
    ranker = MonoT5(t5, batch_size=3)
    pairs = [(QUERY, d) for d in DOCS] + [("cats", DOCS[3])]
    got = ranker.score(pairs)
    for (q, d), p in zip(pairs, got, strict=True):
        text = f"Query: {q} Document: {d} Relevant:"
        assert ranker.prompt(q, d) == text
        assert p == pytest.approx(p_first(direct(t5, text, [], ["true", "false"])), abs=1e-6)
    assert MonoT5(t5, batch_size=1).score(pairs) == pytest.approx(got, abs=1e-6)
    assert len(set(got)) == len(got)  # a random model, but distinct scores
    assert ranker.usage()["output_tokens"] == len(pairs)
    lengths = [len(t5.tokenizer(ranker.prompt(q, d))["input_ids"]) for q, d in pairs]
    assert ranker.usage()["input_tokens"] == sum(lengths)
    assert ranker.score([]) == []
    groups = ranker.score_group([(QUERY, DOCS), (QUERY, [])])
    assert groups[0] == pytest.approx(got[:4], abs=1e-6) and groups[1] == []


def test_monot5_cuts_inputs_to_max_length_as_pygaggle(t5):
    ranker = MonoT5(t5, max_length=8)
    long = " ".join(DOCS)
    got = ranker.score([(QUERY, long)])[0]
    ids = t5.tokenizer(ranker.prompt(QUERY, long), truncation=True, max_length=8)["input_ids"]
    assert len(ids) == 8 and ids[-1] == t5.tokenizer.get_vocab()["</s>"]
    with torch.no_grad():
        logits = t5.model(
            input_ids=torch.tensor([ids]), decoder_input_ids=torch.tensor([[0]])
        ).logits[0, -1]
    vocab = t5.tokenizer.get_vocab()
    expected = p_first([float(logits[vocab["true"]]), float(logits[vocab["false"]])])
    assert got == pytest.approx(expected, abs=1e-6)
    assert ranker.usage()["input_tokens"] == 8


def test_duot5_compare_is_p_true_of_the_pair_prompt(t5):
    ranker = DuoT5(t5, batch_size=2)
    batch = [(QUERY, DOCS[0], DOCS[1]), (QUERY, DOCS[1], DOCS[0]), ("cats", DOCS[3], DOCS[2])]
    got = ranker.compare(batch)
    for (q, a, b), p in zip(batch, got, strict=True):
        text = f"Query: {q} Document0: {a} Document1: {b} Relevant:"
        assert ranker.prompt(q, a, b) == text
        assert p == pytest.approx(p_first(direct(t5, text, [], ["true", "false"])), abs=1e-6)
        assert 0 < p < 1
    assert got[0] != got[1]  # the order of the pair matters to the model


def test_flan_t5_pairwise_reads_a_against_b_after_passage(t5):
    ranker = FlanT5PairwiseRanker(t5, batch_size=2)
    batch = [(QUERY, DOCS[0], DOCS[1]), (QUERY, DOCS[2], DOCS[3])]
    got = ranker.compare(batch)
    for (q, a, b), p in zip(batch, got, strict=True):
        text = ranker.prompt(q, a, b)
        assert text == PRP.user.format(query=q, a=a, b=b)
        assert p == pytest.approx(p_first(direct(t5, text, ["Passage"], ["A", "B"])), abs=1e-6)


def test_flan_t5_setwise_is_the_label_distribution_after_passage(t5):
    ranker = FlanT5SetwiseRanker(t5, batch_size=2, max_passage_words=4)
    batch = [(QUERY, DOCS, 1), (QUERY, DOCS[:2], 1), (QUERY, [DOCS[0]], 1)]
    got = ranker.select(batch)
    assert [len(p) for p in got] == [4, 2, 1] and got[2] == [1.0]
    text = ranker.prompt(QUERY, DOCS)
    assert 'Passage A: "Rain forms when water"\n\nPassage B: "The stock' in text
    assert text.endswith("Output only the passage label of the most relevant passage:")
    logits = direct(t5, text, ["Passage"], list("ABCD"))
    expected = torch.softmax(torch.tensor(logits, dtype=torch.float64), 0).tolist()
    assert got[0] == pytest.approx(expected, abs=1e-6)
    with pytest.raises(InvalidValueError, match="23 labels"):
        ranker.prompt(QUERY, ["x"] * 24)


def test_t5_rankers_run_end_to_end_through_the_driver(t5):
    queries = [QUERY, "which animal sleeps a lot"]
    candidates = [DOCS, DOCS[::-1]]
    mono = MonoT5(t5)
    result = rerank(queries, candidates, mono, Pointwise())
    scores = mono.score([(QUERY, d) for d in DOCS])
    assert result.orders[0] == sorted(range(4), key=lambda i: -scores[i])
    listwise = rerank(queries, candidates, mono, SlidingWindow(window=3, step=1))
    assert [sorted(o) for o in listwise.orders] == [list(range(4))] * 2
    duo = rerank(queries, candidates, DuoT5(t5), Pairwise(method="allpair"))
    assert duo.calls == [12, 12]
    assert [sorted(o) for o in duo.orders] == [list(range(4))] * 2
    pair = rerank(queries, candidates, FlanT5PairwiseRanker(t5), Pairwise())
    assert [sorted(o) for o in pair.orders] == [list(range(4))] * 2
    sets = rerank(queries, candidates, FlanT5SetwiseRanker(t5), Setwise(children=2, top_k=2))
    assert [sorted(o) for o in sets.orders] == [list(range(4))] * 2


def test_reranker_picks_t5_wrappers_from_the_config(t5_folder, tmp_path):
    mono = Reranker(t5_folder, device="cpu")
    assert isinstance(mono.ranker, MonoT5) and mono.kind == "seq2seq"
    flan = shutil.copytree(t5_folder, tmp_path / "flan-t5-tiny")
    assert isinstance(Reranker(flan, Pairwise(), device="cpu").ranker, FlanT5PairwiseRanker)
    assert Reranker(t5_folder, device="cpu").strategy == Pointwise()
    assert isinstance(Reranker(t5_folder, Pairwise(), device="cpu").ranker, DuoT5)
    chosen = Reranker(t5_folder, Setwise(), device="cpu").ranker
    assert isinstance(chosen, FlanT5SetwiseRanker)


def test_t5_rankers_refuse_bad_options(t5):
    with pytest.raises(InvalidValueError, match="max_length"):
        MonoT5(t5, max_length=1)
    with pytest.raises(InvalidValueError, match="targets"):
        MonoT5(t5, targets=("true",))
    with pytest.raises(InvalidValueError, match="do not differ"):
        MonoT5(t5, targets=("true", "true"))
    with pytest.raises(RankwiseTypeError, match="PairwiseTemplate"):
        FlanT5PairwiseRanker(t5, template="x")
    with pytest.raises(InvalidValueError, match="shared model stays"):
        DuoT5(t5, dtype="bfloat16")
    assert MonoT5(t5).ranker_id != MonoT5(t5, max_length=256).ranker_id
    assert repr(MonoT5(t5)).startswith("MonoT5(")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_t5_rankers_on_cuda_equal_the_cpu(t5_folder, t5):
    pairs = [(QUERY, d) for d in DOCS]
    gpu = load_seq2seq_lm(t5_folder, device="cuda")
    assert MonoT5(gpu).score(pairs) == pytest.approx(MonoT5(t5).score(pairs), abs=1e-4)
    sets = [(QUERY, DOCS, 1)]
    cpu_sets = FlanT5SetwiseRanker(t5).select(sets)[0]
    assert FlanT5SetwiseRanker(gpu).select(sets)[0] == pytest.approx(cpu_sets, abs=1e-4)


def test_importing_the_family_modules_imports_neither_torch_nor_transformers():
    probe = (
        "import sys, rankwise.torch, rankwise.torch.seq2seq, rankwise.torch.scorers; "
        "rankwise.torch.MonoT5, rankwise.torch.E2Ranker; "
        "print(sorted({'torch', 'transformers'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
