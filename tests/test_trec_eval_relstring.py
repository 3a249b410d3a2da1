"""trec_eval's ``relstring`` in ``rankwise eval``'s trec output (``m_relstring.c``, the same in
9.0.4 and 10.0): the labels of the first N documents of each ranking (10, or ``-m
relstring.N``), one character each, printed per query only (``-q``), between ``P`` and
``recall``, with no summary line.

Pinned against a transcription of ``te_calc_relstring`` over ``te_form_res_rels``' ranking
(hypothesis: ties, labels above 9, negative labels, documents outside the qrels, ``-M``,
``-J``, ``--ties ranx``) and, where the binaries are given (``RANKWISE_TREC_EVAL9`` /
``RANKWISE_TREC_EVAL10``), against each binary's whole output, byte for byte. The Python
API and ``--format json|csv|table`` refuse it (numbers only: docs/guide/exactness.md).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rankwise
from rankwise.errors import UnknownMeasureError

from ._trec_cli import on_trec_files, rankwise_cli, write_trec
from .strategies import qrels_and_run
from .test_trec_eval10 import CLOSE_SCORES, cli, trec_ranking

BINARIES = {
    "9.0": os.environ.get("RANKWISE_TREC_EVAL9"),
    "10.0": os.environ.get("RANKWISE_TREC_EVAL10"),
}
# labels above 9 print as ">"
WIDE_LABELS = st.integers(-2, 12)

QRELS = {"1": {"a": 1, "b": 0, "c": 2, "d": -1, "e": 12, "f": -2}, "2": {"x": 3}, "3": {"z": 1}}
RUN = {
    "1": {"a": 5.0, "b": 4.0, "n": 4.0, "c": 3.0, "d": 2.0, "e": 1.0, "f": 0.5, "g": 0.5}
    | {"h": 0.4, "i": 0.3, "j": 0.2, "k": 0.1},
    "2": {"x": 1.0},
    "4": {"x": 1.0},
}


def relstring_c(
    judged: dict[str, int], ranking: list[str], n: int, max_docs: int | None, judged_only: bool
) -> str:
    """``te_calc_relstring`` over ``te_form_res_rels``: the ranking cut at ``-M``, then under
    ``-J`` without the documents that lack a label >= 0; one character for each of the
    first ``n``: the label (``>`` above 9), ``-`` outside the qrels (RELVALUE_NONPOOL),
    ``.`` for a negative label (RELVALUE_UNJUDGED)."""
    rels = [-1 if d not in judged else (-2 if judged[d] < 0 else judged[d]) for d in ranking]
    rels = rels[:max_docs] if max_docs else rels
    if judged_only:
        rels = [r for r in rels if r >= 0]
    return "".join(
        ">" if r > 9 else str(r) if r >= 0 else "-" if r == -1 else "." for r in rels[:n]
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return tuple(map(str, write_trec(tmp_path_factory.mktemp("rs"), QRELS, RUN, runid="r")))


def test_relstring_prints_as_trec_eval_prints_it(files):
    """What trec_eval 9.0.4 and 10.0 print for these files (their output, pasted)."""
    assert cli("-q", "-m", "relstring", *files) == (
        "relstring             \t1\t'1-02.>-.--'\nrelstring             \t2\t'3'\n"
    )
    assert cli("-q", "-m", "relstring.5", "-m", "P.5", *files) == (
        "P_5                   \t1\t0.4000\nrelstring_5           \t1\t'1-02.'\n"
        "P_5                   \t2\t0.2000\nrelstring_5           \t2\t'3'\n"
        "P_5                   \tall\t0.3000\n"
    )
    # -J drops the documents without a label >= 0 after -M cuts the ranking
    assert cli("-q", "-c", "-J", "-m", "relstring.20", "-m", "relstring.3", *files) == (
        "relstring_20          \t1\t'102>'\nrelstring_20          \t2\t'3'\n"
    )
    assert cli("-q", "-M", "3", "-m", "relstring", *files).splitlines()[0].endswith("'1-0'")
    # per query only: nothing without -q, no summary line
    assert cli("-m", "relstring", *files) == ""


def test_relstring_sits_between_p_and_recall_and_takes_no_z(files, tmp_path):
    z = tmp_path / "z"
    z.write_text("1 relstring 0 1\n1 P_5 0.1 1\n~~ map 0 1\n")
    out = cli("-q", "-Z", str(z), "-m", "recall.5", "-m", "relstring", "-m", "P.5", *files)
    names = [line.split("\t")[0].strip() for line in out.splitlines() if "\t1\t" in line]
    assert names == ["ZP_5", "relstring", "Zrecall_5"]
    all_trec = cli("-q", "-m", "all_trec", *files).splitlines()
    first = [line.split()[0] for line in all_trec if line.split()[1] == "1"]
    assert first[first.index("relstring") - 1 : first.index("relstring") + 2] == [
        "P_1000",
        "relstring",
        "recall_5",
    ]
    assert not any(line.startswith("relstring") and "\tall\t" in line for line in all_trec)


def test_text_measures_alone_print_their_lines_only(files):
    """trec_eval ``-m runid`` prints the run id only, ``-m relstring`` its lines only."""
    assert cli("-m", "runid", *files) == "runid                 \tall\tr\n"
    assert cli("-q", "-m", "runid", "-m", "relstring.1", *files) == (
        "relstring_1           \t1\t'1'\nrelstring_1           \t2\t'3'\n"
        "runid                 \tall\tr\n"
    )


@pytest.mark.parametrize("name", ["relstring.3.7", "relstring.2,5", "relstring_5", "relstring."])
def test_relstring_takes_a_whole_number_of_documents(files, name):
    done = rankwise_cli("eval", "-q", "-m", name, *files)
    assert done.returncode == 1
    assert "relstring.N" in done.stderr and name in done.stderr


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_other_formats_refuse_relstring_and_keep_all_trecs_numbers(files, fmt):
    done = rankwise_cli("eval", "-q", "--format", fmt, "-m", "relstring", *files)
    assert done.returncode == 1 and done.stdout == ""
    assert "not a number" in done.stderr and "-q -m relstring" in done.stderr
    done = rankwise_cli("eval", "-q", "--format", fmt, "-m", "all_trec", *files)
    assert done.returncode == 0, done.stderr
    assert "relstring" not in done.stdout and "P_5" in done.stdout


def test_the_python_api_refuses_relstring():
    for name in ("relstring", "relstring.5"):
        with pytest.raises(UnknownMeasureError, match="not a number"):
            rankwise.evaluate(QRELS, RUN, [name, "P@5"])
    assert "relstring" not in rankwise.evaluate(QRELS, RUN, "all_trec")


def test_expected_ties_refuse_relstring(files):
    done = rankwise_cli("eval", "-q", "--ties", "expected", "-m", "relstring", *files)
    assert done.returncode == 1
    assert "relstring" in done.stderr and "one ranking" in done.stderr
    assert cli("-q", "--ties", "expected", "-m", "P.5", *files).startswith("P_5")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    qrels_and_run(labels=WIDE_LABELS),
    st.sampled_from(["9.0", "10.0"]),
    st.sampled_from([None, "3", "0", "17"]),
    st.sampled_from([None, 1, 4]),
    st.booleans(),
    st.booleans(),
)
def test_relstring_follows_the_c_source(tmp_path, data, version, n, max_docs, judged_only, c):
    """Every query's line against :func:`relstring_c` on trec_eval's ranking (ties broken by
    document id descending, scores as float in 9.0, double in 10.0), under ``-M``, ``-J``
    and ``-c`` (per-query lines for the run's queries only)."""
    qrels, run = data
    qp, rp = map(str, write_trec(tmp_path, qrels, run, runid="r"))
    flags = ["-q", "--trec-eval", version, "-m", f"relstring.{n}" if n else "relstring"]
    flags += (["-M", str(max_docs)] if max_docs else []) + (["-J"] if judged_only else [])
    flags += ["-c"] if c else []
    if not set(qrels) & set(run):
        assert rankwise_cli("eval", *flags, qp, rp).returncode == 1
        return
    got = cli(*flags, qp, rp)
    name = f"relstring_{n}" if n else "relstring"
    want = ""
    for q in sorted(set(qrels) & set(run), key=str.encode):
        ranking = trec_ranking(run[q], version)
        text = relstring_c(qrels[q], ranking, int(n or 10), max_docs, judged_only)
        want += f"{name:<22}\t{q}\t'{text}'\n"
    assert got == want


@settings(max_examples=60, deadline=None)
@given(qrels_and_run(labels=WIDE_LABELS), st.booleans(), st.sampled_from([None, 2]))
def test_ranx_ties_give_ranx_order(data, judged_only, max_docs):
    """Under ``--ties ranx`` the string is that of ranx's ranking, as the measures are: the
    labels :func:`rankwise.evaluate` ranks with ``ties="ranx"`` (checked through ``P@k``
    of every prefix, which reads the same ranking)."""
    import tempfile
    from pathlib import Path

    qrels, run = data
    common = sorted(set(qrels) & set(run), key=str.encode)
    if not common:
        return
    with tempfile.TemporaryDirectory() as d:
        qp, rp = map(str, write_trec(Path(d), qrels, run, runid="r"))
        flags = ["-q", "--ties", "ranx", "-m", "relstring.15"]
        flags += (["-J"] if judged_only else []) + (["-M", str(max_docs)] if max_docs else [])
        lines = cli(*flags, qp, rp).splitlines()
    texts = {line.split("\t")[1]: line.split("\t")[2].strip("'") for line in lines}
    assert list(texts) == common
    for q, text in texts.items():
        if not text:
            continue
        # the number of judged documents with label >= 1 among the first k is P@k * k
        ranked = rankwise.evaluate(
            {q: qrels[q]},
            {q: run[q]},
            [f"NumRelRet@{k}" for k in range(1, len(text) + 1)],
            ties="ranx",
            judged_only=judged_only,
            max_docs=max_docs,
        )
        count = 0
        for k, ch in enumerate(text, start=1):
            count += ch == ">" or (ch.isdigit() and int(ch) >= 1)
            assert ranked[f"NumRelRet@{k}"] == count, (q, text, k)


@pytest.mark.parametrize("version", ["9.0", "10.0"])
def test_relstring_equals_each_trec_eval_binary(tmp_path_factory, version):
    """With ``relstring``, ``relstring.N`` or ``all_trec`` beside other measures, under
    ``-q`` and maybe ``-c``, ``-J``, ``-M``, ``-l``: the whole output, byte for byte (but
    trec_eval's ``nan`` of ``iprec_at_recall`` and ``11pt_avg`` on a ranking emptied by
    ``-J``, 0 in rankwise: there the relstring lines are compared)."""
    binary = BINARIES[version]
    if not binary:
        pytest.skip(f"no trec_eval {version} binary: set RANKWISE_TREC_EVAL{version[:-2]}")

    def check(qrels, run, qp, rp, draw):
        flags = ["-q"] + [f for f in ("-c", "-J") if draw.draw(st.booleans())]
        if draw.draw(st.booleans()):
            flags += ["-M", str(draw.draw(st.integers(1, 6)))]
        if draw.draw(st.booleans()):
            flags += ["-l", "2"]
        first = draw.draw(st.sampled_from(["relstring", "relstring.3", "relstring.12", "all_trec"]))
        others = draw.draw(
            st.lists(
                st.sampled_from(["P.5", "recall.2", "map", "relstring.4", "runid", "relstring"]),
                max_size=3,
            )
        )
        args = [a for m in [first, *others] for a in ("-m", m)]
        done = subprocess.run([binary, *flags, *args, qp, rp], capture_output=True, text=True)
        if done.returncode != 0:
            assert "not found in qrels" in done.stderr or not set(qrels) & set(run), done.stderr
            return
        got = cli(*flags, *args, "--trec-eval", version, str(qp), str(rp))
        if "nan" in done.stdout:
            relstrings = [line for line in done.stdout.splitlines() if line.startswith("relstr")]
            assert [line for line in got.splitlines() if line.startswith("relstr")] == relstrings
        else:
            assert got == done.stdout
        compared.append("relstring" in done.stdout)

    compared: list[bool] = []
    on_trec_files(tmp_path_factory, CLOSE_SCORES, check)
    assert sum(compared) >= 100, len(compared)


def test_every_way_of_reading_a_run_gives_the_same_lines(tmp_path):
    """A run file whose queries are apart (read again in partitions by query), the same
    lines from a pipe, and under ``-c``: the relstring lines of the sorted file."""
    # queries q40 to q44 judged only: -c averages over them, prints no line for them
    qrels = {f"q{i}": {f"d{j}": (i * j) % 13 - 1 for j in range(15)} for i in range(45)}
    run = {
        f"q{i}": {f"d{j}": float((i + j) % 4) for j in range(0, 20, 1 + i % 3)} for i in range(40)
    }
    qp, rp = write_trec(tmp_path, qrels, run, runid="r")
    lines = rp.read_text().splitlines(True)
    apart = tmp_path / "apart.txt"
    apart.write_text("".join(lines[1::2] + lines[0::2]))  # every query's lines split in two
    args = ["-q", "-m", "relstring.12", "-m", "P.5"]
    want = cli(*args, str(qp), str(rp))
    assert want.count("relstring_12") == 40
    assert cli(*args, str(qp), str(apart)) == want
    piped = subprocess.run(
        [sys.executable, "-m", "rankwise", "eval", *args, str(qp), "-"],
        input=apart.read_text(),
        capture_output=True,
        text=True,
    )
    assert piped.returncode == 0 and piped.stdout == want, piped.stderr
    complete = cli("-c", *args, str(qp), str(apart)).splitlines()
    assert [x for x in complete if x.startswith("relstring")] == [
        x for x in want.splitlines() if x.startswith("relstring")
    ]
