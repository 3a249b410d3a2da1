"""`rankwise rerank`: a TREC run reranked end to end with the simulated oracle, resumable
through its answer cache; topics and corpus files read strictly."""

from __future__ import annotations

import json

import pytest

import rankwise
from rankwise.cli import main
from rankwise.errors import InvalidValueError
from rankwise.rerank.cli import STRATEGIES, read_texts

QRELS = "q1 0 a 2\nq1 0 b 0\nq1 0 c 1\nq1 0 d 0\nq2 0 x 1\nq2 0 y 0\n"
# BM25 got both queries wrong: the relevant documents are at the bottom.
RUN = "".join(
    f"{q} Q0 {d} {r} {s} bm25\n"
    for q, docs in (("q1", "dbca"), ("q2", "yx"))
    for r, (d, s) in enumerate(zip(docs, range(10, 0, -1), strict=False), 1)
)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "qrels").write_text(QRELS)
    (tmp_path / "run").write_text(RUN)
    return tmp_path


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_oracle_puts_relevant_documents_first(files, strategy, capsys):
    out = files / "out.run"
    argv = ["rerank", str(files / "run"), "-o", str(out), "--quiet", "--strategy", strategy,
            "--model", f"oracle:{files / 'qrels'}", "--window", "3", "--step", "1", "--top-k", "2", "--group-size", "3",
            "--overlap", "1"]  # fmt: skip
    assert main(argv) == 0
    lines = out.read_text().splitlines()
    assert lines[0].split()[3:] == ["1", "4", "rankwise-" + strategy]
    docs = [line.split()[2] for line in lines]
    # b and d are both irrelevant: sorts may leave them in either order. A tournament of four
    # plays only its final (4 -> 2): a and c tie on points and keep their first-stage order;
    # of two, it plays nothing (the final advances two).
    tournament = strategy == "tournament"
    top, q2 = (["c", "a"], ["y", "x"]) if tournament else (["a", "c"], ["x", "y"])
    assert docs[:2] == top and set(docs[2:4]) == {"b", "d"} and docs[4:] == q2
    qrels = rankwise.Qrels.from_trec(files / "qrels")
    report = rankwise.evaluate(qrels, rankwise.Run.from_trec(out), ["nDCG@10"])
    assert (report["nDCG@10"] == pytest.approx(1.0)) != tournament
    # Run again: every answer comes from the cache next to the output.
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "0 batches" in err.splitlines()[-1] and "from the cache" in err


def test_bad_arguments_are_one_line(files, capsys):
    run = str(files / "run")
    assert main(["rerank", run, "-o", str(files / "o"), "--model", "gpt:x"]) == 1
    assert "`--model` must be KIND:PATH" in capsys.readouterr().err
    assert main(["rerank", run, "-o", str(files / "o"), "--model", "bi-encoder:/m"]) == 1
    assert "`--topics` and `--corpus` are needed" in capsys.readouterr().err


def test_topics_and_corpus_files(tmp_path):
    tsv = tmp_path / "topics.tsv"
    tsv.write_text("q1\twhat is ranking\n\nq2\tnDCG explained\n")
    assert read_texts(str(tsv)) == {"q1": "what is ranking", "q2": "nDCG explained"}
    jsonl = tmp_path / "corpus.jsonl"
    jsonl.write_text(
        json.dumps({"_id": "d1", "title": "Ranking", "text": "is sorting"})
        + "\n"
        + json.dumps({"docid": "d2", "contents": "other"})
        + "\n"
    )
    assert read_texts(str(jsonl), {"d1"}) == {"d1": "Ranking is sorting"}
    bad = tmp_path / "bad.tsv"
    bad.write_text("q1\tok\nno tab here\n")
    with pytest.raises(InvalidValueError, match=r"bad.tsv:2: expected `id<TAB>text`"):
        read_texts(str(bad))
    bad.write_text('{"id": "x"}\n')
    with pytest.raises(InvalidValueError, match=r"bad.tsv:1: expected a JSON object with an id"):
        read_texts(str(bad))


def test_rerank_help_documents_every_option_in_plain_text() -> None:
    from rankwise.rerank.cli import parser

    p = parser()
    text = p.format_help()
    assert "``" not in text  # plain text, not reST
    for action in p._actions:
        if action.dest in {"help", "run"}:
            continue
        assert action.help, f"--{action.dest} has no help text"
        if action.default not in (None, False) and action.dest != "strategy":
            assert "default" in action.help, f"--{action.dest} does not say its default"
