"""`rankwise rerank`: a TREC run reranked end to end with the simulated oracle, resumable
through its answer cache; topics and corpus files read strictly."""

from __future__ import annotations

import json

import pytest

import rankwise
from rankwise.cli import main
from rankwise.errors import InvalidValueError, RerankInterruptedError
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
            "--overlap", "1", "--min-uncertain", "1"]  # fmt: skip
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


# ------------------------------------------------------------------------------------------
# Model options, lazy loading, Ctrl-C


def _texts(files):
    (files / "topics.tsv").write_text("q1\train\nq2\tcats\n")
    (files / "corpus.tsv").write_text("".join(f"{d}\tdocument {d}\n" for d in "abcdxy"))
    return ["--topics", str(files / "topics.tsv"), "--corpus", str(files / "corpus.tsv")]


_SCORES = {"a": 3.0, "b": 0.0, "c": 2.0, "d": 1.0, "x": 1.0, "y": 0.0}


class _Scripted:
    """A model for the CLI: scores by a fixed table; raises KeyboardInterrupt on call
    ``interrupt_at`` (a Ctrl-C in the middle of a forward pass)."""

    def __init__(self, interrupt_at=None):
        self.calls, self.interrupt_at = 0, interrupt_at

    def score(self, batch):
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return [_SCORES[d.split()[-1]] for _, d in batch]


def test_model_options_reach_the_model_and_its_cache_key(files, monkeypatch):
    from rankwise.rerank import cli

    built = []

    class Fake(_Scripted):
        def __init__(self, target, **options):
            super().__init__()
            built.append((target, options))

    import rankwise.torch.models as models

    monkeypatch.setattr(models, "CrossEncoder", Fake)
    monkeypatch.setattr(models, "CausalListwiseRanker", Fake)
    base = ["rerank", str(files / "run"), "-o", str(files / "out"), "--quiet", *_texts(files)]
    argv = [*base, "--model", "cross-encoder:some/model", "--strategy", "pointwise",
            "--activation", "sigmoid", "--max-length", "64", "--device", "cpu"]  # fmt: skip
    assert main(argv) == 0
    target, options = built[-1]
    assert target == "some/model" and options["activation"] == "sigmoid"
    assert options["max_length"] == 64 and options["device"] == "cpu"
    first_id = options["ranker_id"]
    docs = [line.split()[2] for line in (files / "out").read_text().splitlines()]
    assert docs == ["a", "c", "d", "b", "x", "y"]
    argv = [*base, "--model", "causal-listwise:m.gguf", "--mode", "first", "--template",
            "rankgpt", "--max-passage-words", "0", "--on-overflow", "error", "--cache",
            str(files / "c2")]  # fmt: skip
    # Fake has no rank(): the call fails after the options were passed on
    with pytest.raises(RerankInterruptedError, match="has no attribute 'rank'"):
        cli.run(cli.parser().parse_args(argv[1:]))
    _, options = built[-1]
    assert options["mode"] == "first" and options["max_passage_words"] is None
    assert options["on_overflow"] == "error" and options["template"].system.startswith(
        "You are RankGPT"
    )
    assert options["ranker_id"] != first_id
    # an option that changes the answers changes the cache key; one that does not, not
    ids = set()
    for extra in ([], ["--activation", "none"], ["--batch-size", "2"], ["--activation", "sigmoid"]):
        argv = [*base, "--model", "cross-encoder:some/model", "--strategy", "pointwise", *extra]
        assert main(argv) == 0
        ids.add(built[-1][1]["ranker_id"])
    assert len(ids) == 2


def test_a_cached_rerun_does_not_load_the_model(files, monkeypatch, capsys):
    import rankwise.torch.models as models

    loads = []

    def load(target, **options):
        loads.append(target)
        return _Scripted()

    monkeypatch.setattr(models, "CrossEncoder", load)
    argv = ["rerank", str(files / "run"), "-o", str(files / "out"), "--quiet", *_texts(files),
            "--model", "cross-encoder:/no/such/model", "--strategy", "pointwise"]  # fmt: skip
    assert main(argv) == 0 and loads == ["/no/such/model"]
    first = (files / "out").read_text()
    assert "(model not loaded)" not in capsys.readouterr().err
    assert main(argv) == 0 and loads == ["/no/such/model"]  # not built again
    assert (files / "out").read_text() == first
    assert "(model not loaded)" in capsys.readouterr().err


def test_ctrl_c_keeps_the_answers_and_a_rerun_resumes(files, monkeypatch, capsys):
    import rankwise.torch.models as models

    models_built = []

    def load(target, **options):
        models_built.append(_Scripted(interrupt_at=2 if not models_built else None))
        return models_built[-1]

    monkeypatch.setattr(models, "CrossEncoder", load)
    argv = ["rerank", str(files / "run"), "-o", str(files / "out"), "--quiet", *_texts(files),
            "--model", "cross-encoder:m", "--strategy", "pointwise", "--batch-size", "2"]  # fmt: skip
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "interrupted; 2 new answers were kept" in err and "run the same command again" in err
    assert not (files / "out").exists()
    assert main(argv) == 0
    # the rerun asked only what was not kept: 6 documents, 2 answered before the Ctrl-C
    assert models_built[1].calls == 2
    assert "2 from the cache" in capsys.readouterr().err


def test_unparsed_answers_fail_the_command_above_max_unparsed(files, monkeypatch, capsys):
    import rankwise.torch.models as models

    class Prose:
        def __init__(self, target, **options):
            pass

        def rank(self, batch):
            return ["I like the first one." for _ in batch]

    monkeypatch.setattr(models, "CausalListwiseRanker", Prose)
    argv = ["rerank", str(files / "run"), "-o", str(files / "out"), "--quiet", *_texts(files),
            "--model", "causal-listwise:m"]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "2 of 2 model calls (100%) had an answer that names no candidate" in err
    assert "max_unparsed=0.5" in err and not (files / "out").exists()
    assert main([*argv, "--max-unparsed", "none"]) == 0
    err = capsys.readouterr().err
    assert "2 unparsed (2 queries not reranked)" in err and "(model not loaded)" in err
    assert "rankwise rerank: warning: 2 of 2 model calls (100%)" in err


def test_bad_model_options_are_one_line(files, capsys):
    run = ["rerank", str(files / "run"), "-o", str(files / "o"), *_texts(files)]
    cases = [
        (["--model", "server:http://127.0.0.1:9/v1"], "needs `--server-model NAME`"),
        (["--model", "causal-pairwise:m"], "does not answer the sliding strategy's calls"),
        (["--model", "cross-encoder:m", "--passages", "100,50"], "`--passages` splits documents"),
        (["--model", "cross-encoder:m", "--strategy", "pointwise", "--passages", "a,b"],
         "`--passages` must be WINDOW,STRIDE"),
        (["--model", "server:http://x", "--concurrency", "0"], "`--concurrency` must be"),
        (["--model", "causal-listwise:m", "--max-passage-words", "-1"], "`--max-passage-words`"),
    ]  # fmt: skip
    for extra, message in cases:
        assert main([*run, *extra]) == 1, extra
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err
    with pytest.raises(SystemExit):
        main([*run, "--model", "cross-encoder:m", "--max-unparsed", "2"])
    assert "must be a share in [0, 1] or 'none'" in capsys.readouterr().err


def test_a_prompt_that_does_not_fit_fails_only_its_query(files, monkeypatch, capsys):
    import rankwise.torch.models as models
    from rankwise.errors import PromptTooLongError

    asked = []

    class TooLongForQ2:
        def __init__(self, target, **options):
            pass  # (a cross-encoder truncates; a pointwise LLM scorer may refuse instead)

        def score(self, batch):
            asked.append([d for _, d in batch])
            out = [None if q == "cats" else _SCORES[d.split()[-1]] for q, d in batch]
            if None in out:
                e = PromptTooLongError("does not fit")
                e.batch_index, e.answers = out.index(None), out
                raise e
            return out

    monkeypatch.setattr(models, "CrossEncoder", TooLongForQ2)
    argv = ["rerank", str(files / "run"), "-o", str(files / "out"), "--quiet", *_texts(files),
            "--model", "cross-encoder:m", "--strategy", "pointwise"]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "did not fit the model's context: query 1 ('cats')" in err and "Traceback" not in err
    assert len(asked) == 1 and len(asked[0]) == 6  # one batch: q1's four answers were kept
    asked.clear()
    assert main(argv) == 1
    assert [len(a) for a in asked] == [2]  # the rerun asks only q2's two documents again


# ------------------------------------------------------------------------------------------
# JointRank, AcuRank and permutation self-consistency options


def _calls(err: str) -> int:
    return int(err.splitlines()[-1].split(" model calls")[0].rsplit(" ", 1)[1])


LATIN = ["--strategy", "joint", "--block-size", "2", "--design", "latin_square",
         "--replication", "3", "--aggregation", "rank_centrality"]  # fmt: skip
ACU = ["--strategy", "acurank", "--window", "4", "--max-calls", "1"]


@pytest.mark.parametrize(
    ("extra", "calls"),
    [
        # Two queries of 4 and 2 candidates; one block each per copy of the list.
        (["--strategy", "joint", "--block-size", "4"], 2 * 2),
        (LATIN, 6 + 1),
        (["--strategy", "joint", "--block-size", "4", "--permutations", "3"], 2 * 2 * 3),
        (["--strategy", "sliding", "--window", "4", "--step", "2", "--permutations", "2"], 2 * 2),
        (["--strategy", "full", "--permutations", "5"], 2 * 5),
        (ACU, 2),
        ([*ACU, "--permutations", "2"], 2 * 2),
    ],
)
def test_joint_acurank_and_permutation_options_reach_the_strategy(files, capsys, extra, calls):
    out = files / "out.run"
    argv = ["rerank", str(files / "run"), "-o", str(out), "--quiet",
            "--model", f"oracle:{files / 'qrels'}", "--cache", str(files / "c.sqlite"),
            *extra]  # fmt: skip
    assert main(argv) == 0
    assert _calls(capsys.readouterr().err) == calls
    docs = [line.split()[2] for line in out.read_text().splitlines()]
    assert docs[0] == "a" and docs[4:] == ["x", "y"]


def test_acurank_tolerance_and_budget_options_change_the_calls(files, capsys):
    """A ten-candidate query: a tighter tolerance or a larger budget asks more calls."""
    (files / "qrels").write_text("".join(f"q 0 d{i} {i % 4}\n" for i in range(10)))
    (files / "run").write_text("".join(f"q Q0 d{i} {i + 1} {10 - i} bm25\n" for i in range(10)))
    base = ["rerank", str(files / "run"), "--quiet", "--strategy", "acurank", "--window", "4",
            "--top-k", "3", "--min-uncertain", "2", "--model", f"oracle:{files / 'qrels'}"]  # fmt: skip
    seen = []
    for extra in (
        ["--max-calls", "3"],
        ["--max-calls", "40"],
        ["--max-calls", "40", "--tol", "0.2"],
    ):
        out = files / f"o{len(seen)}"
        assert main([*base, "-o", str(out), *extra]) == 0
        seen.append(_calls(capsys.readouterr().err))
    assert seen[0] == 3
    assert seen[1] > seen[0] and seen[1] >= seen[2]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--strategy", "setwise", "--permutations", "3"],
            "`--permutations` must be 1 for the setwise",
        ),
        (["--strategy", "joint", "--design", "square"], "`design`"),
        (["--strategy", "joint", "--block-size", "1"], "`block_size`"),
        (["--strategy", "acurank", "--tol", "0.7"], "`tol`"),
        (["--strategy", "acurank", "--max-calls", "0"], "`max_calls`"),
        (["--strategy", "sliding", "--permutations", "0"], "`permutations`"),
    ],
)
def test_bad_strategy_options_are_one_line(files, capsys, extra, message):
    argv = ["rerank", str(files / "run"), "-o", str(files / "o"),
            "--model", f"oracle:{files / 'qrels'}", *extra]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
