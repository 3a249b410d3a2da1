"""trec_eval 10.0's ``rbp``, ``rbp_resid`` and ``unj``, and ``all_trec`` under 10.0.

Pinned against a line-by-line transcription of ``m_rbp.c``, ``m_rbp_resid.c`` and
``m_unjudged.c`` (hypothesis), and, where the binaries are given (``RANKWISE_TREC_EVAL10``;
the machine that runs CI has none), against the 10.0 binary's whole output. ``m_rbp.c``
compares gains with ``min`` and ``max`` before giving them a value (undefined in C); the
transcription starts both at 0, which is what the 10.0 build does (the binary test checks it).
"""

from __future__ import annotations

import os
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankwise
from rankwise.errors import UnknownMeasureError

from ._trec_cli import on_trec_files
from .strategies import qrels_and_run
from .test_trec_eval10 import CLOSE_SCORES, cli, trec_ranking

TREC_EVAL10 = os.environ.get("RANKWISE_TREC_EVAL10")
PS = st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.3, 0.123])


def rels_c(judged: dict[str, int], ranking: list[str]) -> list[int]:
    """``te_form_res_rels``'s ``results_rel_list``: the label, -1 outside the qrels (NONPOOL),
    -2 for a negative label (UNJUDGED)."""
    return [-1 if d not in judged else (-2 if judged[d] < 0 else judged[d]) for d in ranking]


def rbp_c(judged: dict[str, int], rels: list[int], p: float) -> float:
    """``te_calc_rbp``, with ``min = max = 0`` before its loop (what the 10.0 build does)."""
    levels = [label for label in judged.values() if label >= 0]
    num_rel_levels = max(levels) + 1 if levels else 0
    gains = {level: float(level) for level in range(num_rel_levels)}  # setup_gains
    lo, hi = 0.0, 0.0
    for g in gains.values():
        lo, hi = min(lo, g), max(hi, g)
    if lo < 0 or hi > 1:
        gains = {level: (g - lo) / (hi - lo) for level, g in gains.items()}
    total, cur_p = 0.0, 1.0
    for rel in rels:
        gain = gains.get(rel, 0.0)
        if gain != 0:
            total += gain * cur_p
        cur_p *= p
    return (1.0 - p) * total


def rbp_resid_c(rels: list[int], p: float) -> float:
    unj, total, cur_p = 0, 0.0, 1.0
    for rel in rels:
        if rel < 0:
            unj += 1
            total += cur_p
        cur_p *= p
    return cur_p + (1 - p) * total if unj else 0.0


def unj_c(rels: list[int], cutoffs: list[int]) -> list[float]:
    values, index, unj = [0.0] * len(cutoffs), 0, 0
    for i, rel in enumerate(rels):
        if i == cutoffs[index]:
            values[index] = unj / i
            index += 1
            if index == len(cutoffs):
                return values
        unj += rel in (-1, -2)
    for j in range(index, len(cutoffs)):
        values[j] = unj / cutoffs[j]
    return values


@settings(max_examples=300, deadline=None)
@given(
    qrels_and_run(),
    PS,
    st.lists(st.integers(1, 15), min_size=1, max_size=3, unique=True).map(sorted),
)
def test_rbp_rbp_resid_and_unj_follow_the_c_source(data, p, cutoffs):
    qrels, run = data
    names = [f"rbp.p={p}", f"rbp_resid.p={p}", "unj." + ",".join(map(str, cutoffs))]
    got = rankwise.evaluate(qrels, run, names, per_query=True, trec_eval="10.0")
    for q, row in got.items():
        rels = rels_c(qrels[q], trec_ranking(run[q], "10.0"))
        assert row["rbp"] == pytest.approx(rbp_c(qrels[q], rels, p), abs=1e-12), q
        assert row["rbp_resid"] == pytest.approx(rbp_resid_c(rels, p), abs=1e-12), q
        for k, value in zip(cutoffs, unj_c(rels, cutoffs), strict=True):
            assert row[f"unj_{k}"] == pytest.approx(value, abs=1e-12), (q, k)


def test_rbp_rescales_labels_above_1_and_keeps_ranx_spelling():
    qrels = {"q": {"a": 3, "b": 1, "c": 0}}
    run = {"q": {"a": 3.0, "b": 2.0, "c": 1.0, "z": 0.5}}
    got = rankwise.evaluate(qrels, run, ["rbp", "rbp_resid", "unj.1,4,8"], trec_eval="10.0")
    assert got["rbp"] == pytest.approx(0.1 * (1 + 0.9 / 3))  # gains over 3, the largest
    assert got["rbp_resid"] == pytest.approx(0.9**4 + 0.1 * 0.9**3)  # z at rank 3
    assert (got["unj_1"], got["unj_4"], got["unj_8"]) == (0.0, 0.25, 0.125)
    # ranx's rbp.95 (binary, p = 0.95) keeps its meaning
    ranx = rankwise.evaluate(qrels, run, "rbp.95")["rbp.95"]
    assert ranx == pytest.approx(0.05 * (1 + 0.95))


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("rbp.q=0.5", "takes p=value parameters"),
        ("rbp.1=2", "takes p=value parameters"),
        ("rbp_resid.p=1.5", r"p must be in \(0, 1\); got 1.5"),
        ("rbp.p=x", "expected a number"),
        ("unj.0", "positive integer"),
    ],
)
def test_bad_parameters_are_refused_clearly(name, match):
    with pytest.raises(UnknownMeasureError, match=match):
        rankwise.evaluate({"q": {"a": 1}}, {"q": {"a": 1.0}}, name, trec_eval="10.0")


def test_all_trec_adds_rbp_rbp_resid_and_unj_under_10_only():
    qrels, run = {"q": {"a": 1}}, {"q": {"a": 1.0, "b": 0.5}}
    v10 = rankwise.evaluate(qrels, run, "all_trec", trec_eval="10.0")
    v9 = rankwise.evaluate(qrels, run, "all_trec")
    assert set(v10) - set(v9) == {"rbp", "rbp_resid", "unj_5", "unj_10", "unj_20"}
    assert v10["unj_5"] == 0.2


@pytest.mark.skipif(not TREC_EVAL10, reason="no trec_eval 10.0 binary: set RANKWISE_TREC_EVAL10")
def test_cli_prints_what_trec_eval_10_prints(tmp_path_factory):
    """``rbp``/``rbp_resid`` with ``p=`` and ``unj`` with cutoffs, or ``all_trec`` (its
    ``relstring`` lines too), under ``-q``, ``-c``, ``-J``: the whole output, byte for byte
    (but for trec_eval's ``nan`` of ``iprec_at_recall`` and ``11pt_avg`` on an empty
    ranking, 0 in rankwise)."""
    assert TREC_EVAL10

    def check(qrels, run, qp, rp, draw):
        flags = [f for f in ("-q", "-c", "-J") if draw.draw(st.booleans())]
        if draw.draw(st.booleans()):
            measures = ["all_trec"]
        else:
            p = draw.draw(PS)
            cutoffs = draw.draw(st.lists(st.integers(1, 15), min_size=1, max_size=3, unique=True))
            measures = [
                draw.draw(st.sampled_from(["rbp", f"rbp.p={p}"])),
                draw.draw(st.sampled_from(["rbp_resid", f"rbp_resid.p={p}"])),
                draw.draw(st.sampled_from(["unj", "unj." + ",".join(map(str, cutoffs))])),
            ]
        args = [a for m in measures for a in ("-m", m)]
        done = subprocess.run([TREC_EVAL10, *flags, *args, qp, rp], capture_output=True, text=True)
        if done.returncode != 0:
            assert "not found in qrels" in done.stderr or not set(qrels) & set(run), done.stderr
            return
        want = done.stdout
        got = cli(*flags, *args, "--trec-eval", "10.0", str(qp), str(rp))
        if "nan" not in want:
            assert got == want
        else:  # an empty ranking (under -J): 0 / 0 in trec_eval, 0 in rankwise (exactness.md)
            assert len(got.splitlines()) == len(want.splitlines())
            for ours, theirs in zip(got.splitlines(), want.splitlines(), strict=True):
                if "nan" in theirs:
                    assert theirs.startswith(("iprec_at_recall", "11pt_avg")), theirs
                    assert ours.split()[:2] == theirs.split()[:2]
                else:
                    assert ours == theirs
        compared.append(measures)

    compared: list[list[str]] = []
    on_trec_files(tmp_path_factory, CLOSE_SCORES, check)
    assert sum(m == ["all_trec"] for m in compared) >= 30, len(compared)


def _equality_counts(n: int) -> None:  # pragma: no cover
    """Print, per measure, the lines of ``n`` random examples (``rbp``/``rbp_resid`` at a
    random ``p``, ``unj`` at random cutoffs, or ``all_trec``; ``-q``, maybe ``-c``/``-J``) on
    which ``rankwise eval --trec-eval 10.0`` prints what the 10.0 binary prints (the binary's
    ``nan`` lines counted apart), and the whole outputs that are equal."""
    import collections
    import random
    import tempfile
    from pathlib import Path

    if not TREC_EVAL10:
        print("no trec_eval 10.0 binary: set RANKWISE_TREC_EVAL10")
        return
    rng = random.Random(10)
    equal: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    nan: collections.Counter[str] = collections.Counter()
    whole = [0, 0]
    with tempfile.TemporaryDirectory() as d:
        qp, rp = str(Path(d) / "qrels"), str(Path(d) / "run")
        for _ in range(n):
            qrels, run = [], []
            for q in (f"q{j}" for j in range(1, rng.randint(2, 6))):
                docs = [f"d{k}" for k in range(rng.randint(1, 12))]
                qrels += [f"{q} 0 {doc} {rng.choice([-1, 0, 0, 1, 1, 2, 3])}" for doc in docs]
                ranked = rng.sample([*docs, "x1", "x2", "x3"], rng.randint(1, len(docs) + 3))
                scores = [1, 2, 3, 2.5, 1.0000001]
                run += [f"{q} Q0 {doc} {r} {rng.choice(scores)} r" for r, doc in enumerate(ranked)]
            Path(qp).write_text("\n".join(qrels) + "\n")
            Path(rp).write_text("\n".join(run) + "\n")
            flags = ["-q"] + [f for f in ("-c", "-J") if rng.random() < 0.3]
            if rng.random() < 0.5:
                measures = ["all_trec"]
            else:
                p = rng.choice([0.5, 0.8, 0.9, 0.95])
                cutoffs = sorted(rng.sample(range(1, 16), rng.randint(1, 3)))
                measures = [f"rbp.p={p}", f"rbp_resid.p={p}", "unj." + ",".join(map(str, cutoffs))]
            args = [a for m in measures for a in ("-m", m)]
            done = subprocess.run(
                [TREC_EVAL10, *flags, *args, qp, rp], capture_output=True, text=True
            )
            if done.returncode != 0:
                continue
            want = done.stdout
            ours = cli(*flags, *args, "--trec-eval", "10.0", qp, rp)
            whole[0] += ours == want
            whole[1] += 1
            lines_ours = {tuple(line.split("\t")[:2]): line for line in ours.splitlines()}
            for line in want.splitlines():
                key = tuple(line.split("\t")[:2])
                name = key[0].strip()
                column = name.rstrip("0123456789.").rstrip("_") or name
                if "nan" in line:  # an empty ranking under -J: 0 in rankwise (exactness.md)
                    nan[column] += 1
                    continue
                total[column] += 1
                equal[column] += lines_ours.get(key) == line
    print(f"trec_eval 10.0 ({TREC_EVAL10}): whole outputs equal {whole[0]}/{whole[1]}")
    for column in sorted(total):
        extra = f" (and {nan[column]} nan lines, 0 in rankwise)" if nan[column] else ""
        print(f"  {column:<28} {equal[column]}/{total[column]}{extra}")


if __name__ == "__main__":  # pragma: no cover
    import sys

    _equality_counts(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
