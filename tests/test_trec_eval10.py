"""``trec_eval="9.0"|"10.0"``: where trec_eval 10.0 (2026-06-17) changed results on purpose.

usnistgov/trec_eval between 9.0.8 and 10.0 changed, in the measures rankwise computes:

* ``iprec_at_recall`` and ``11pt_avg`` turn a recall level into ``lround(level * R)`` relevant
  documents instead of ``(long)(level * R + 0.9)`` (commits 2a9e214, 2d77a47);
* scores are read as ``double`` instead of ``float`` (commit dc0c991), so scores equal as
  float32 but not as float64 tie under 9.0 only;
* ``all_trec`` gained ``rbp``, ``rbp_resid`` and ``unj`` (commit 4e0ebd0): see
  ``tests/test_trec_eval10_measures.py``.

Both versions are pinned here against a line-by-line transcription of the two versions of
``m_iprec_at_recall.c`` / ``m_11pt_avg.c`` (hypothesis), and, where the binaries are given
(``RANKWISE_TREC_EVAL9`` and ``RANKWISE_TREC_EVAL10``: paths to trec_eval 9.0.x and 10.0
builds; the machine that runs CI has neither), against the binaries themselves.
"""

from __future__ import annotations

import math
import os
import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rankwise
from rankwise.errors import InvalidValueError

from ._trec_cli import on_trec_files, write_trec
from .strategies import qrels_and_run

LEVELS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
IPREC = [f"iprec_at_recall_{x:.2f}" for x in LEVELS]


def c_lround(x: float) -> int:
    """C's ``lround``: halves away from zero."""
    return math.floor(abs(x) + 0.5) * (1 if x >= 0 else -1)


def trec_ranking(docs: dict[str, float], version: str) -> list[str]:
    """trec_eval's ranking (``comp_sim_docno``): score descending (as float in 9.0, double in
    10.0), then doc id descending (``strcmp``)."""
    cast = (lambda s: float(np.float32(s))) if version == "9.0" else float
    by_doc = sorted(docs, key=lambda d: d.encode(), reverse=True)
    return sorted(by_doc, key=lambda d: -cast(docs[d]))


def iprec_c(ranking_rels: list[bool], num_rel: int, levels: list[float], version: str):
    """``te_calc_iprec_at_recall`` transcribed: one value per level (0 where unreached)."""
    if version == "9.0":
        cutoffs = [int(p * num_rel + 0.9) for p in levels]
    else:
        cutoffs = [c_lround(p * num_rel) for p in levels]
    num_ret = len(ranking_rels)
    num_rel_ret = sum(ranking_rels)
    values = [0.0] * len(levels)
    current = len(levels) - 1
    while current >= 0 and cutoffs[current] > num_rel_ret:
        current -= 1
    if num_ret == 0:
        return values  # trec_eval divides 0 by 0 (NaN); rankwise gives 0
    int_precis = num_rel_ret / num_ret
    rel_so_far = num_rel_ret
    i = num_ret
    while i > 0 and rel_so_far > 0:
        precis = rel_so_far / i
        int_precis = max(int_precis, precis)
        if ranking_rels[i - 1]:
            while current >= 0 and rel_so_far == cutoffs[current]:
                values[current] = int_precis
                current -= 1
            rel_so_far -= 1
        i -= 1
    while current >= 0:
        values[current] = int_precis
        current -= 1
    return values


def reference(qrels, run, version, rel_level=1):
    """Per-query ``iprec_at_recall_*`` and ``11pt_avg`` as trec_eval ``version`` gives them."""
    out = {}
    for q, docs in run.items():
        if q not in qrels:
            continue
        judged = qrels[q]
        rels = [judged.get(d, -1) >= rel_level for d in trec_ranking(docs, version)]
        num_rel = sum(1 for v in judged.values() if v >= rel_level)
        values = iprec_c(rels, num_rel, LEVELS, version)
        row = dict(zip(IPREC, values, strict=True))
        # m_11pt_avg.c sums from the highest level down
        row["11pt_avg"] = sum(reversed(values)) / len(LEVELS) if docs else 0.0
        out[q] = row
    return out


@settings(max_examples=300, deadline=None)
@given(qrels_and_run(), st.sampled_from(["9.0", "10.0"]), st.sampled_from([1, 2]))
def test_iprec_and_11pt_avg_follow_each_versions_rounding(data, version, rel_level):
    qrels, run = data
    want = reference(qrels, run, version, rel_level)
    if not want:
        return
    got = rankwise.evaluate(
        qrels,
        run,
        ["iprec_at_recall", "11pt_avg"],
        per_query=True,
        trec_eval=version,
        rel_level=rel_level,
    )
    assert set(got) == set(want)
    for q, row in want.items():
        for name, value in row.items():
            assert got[q][name] == pytest.approx(value, abs=1e-12), (q, name, version)


def test_a_level_between_roundings_differs_by_version():
    # R = 3, relevant at ranks 1 and 3. Level 0.4: 9.0 needs (long)(1.2 + 0.9) = 2 relevant
    # documents (best precision from rank 3 on: 2/3); 10.0 needs lround(1.2) = 1 (1/1).
    qrels = {"q": {"a": 1, "b": 0, "c": 1, "z": 1}}
    run = {"q": {"a": 3.0, "b": 2.0, "c": 1.0}}
    name = "iprec_at_recall_0.40"
    v9 = rankwise.evaluate(qrels, run, [name, "11pt_avg"])
    v10 = rankwise.evaluate(qrels, run, [name, "11pt_avg"], trec_eval="10.0")
    assert v9[name] == pytest.approx(2 / 3) and v10[name] == 1.0
    # levels 0.0..1.0 need 9.0: 0,1,1,1,2,2,2,2,3,3,3 (0.7 * 3 + 0.9 is 2.9999999999999996
    # in doubles) and 10.0: 0,0,1,1,1,2,2,2,2,3,3; reached at 0 or 1 relevant: 1.0, at 2: 2/3,
    # at 3: 0 (only 2 retrieved)
    assert v9["11pt_avg"] == pytest.approx((4 * 1 + 4 * 2 / 3) / 11)
    assert v10["11pt_avg"] == pytest.approx((5 * 1 + 4 * 2 / 3) / 11)


def test_scores_equal_in_float32_tie_under_9_only():
    # 1 and 1 + 1e-9 are one float32 value: 9.0 orders the tie by doc id descending ("b"
    # first), 10.0 by score ("a" first).
    qrels = {"q": {"a": 1, "b": 0}}
    run = {"q": {"a": 1.0 + 1e-9, "b": 1.0}}
    assert rankwise.evaluate(qrels, run, "recip_rank")["recip_rank"] == 0.5
    assert rankwise.evaluate(qrels, run, "recip_rank", trec_eval="10.0")["recip_rank"] == 1.0
    # a Run object keeps the precision it was built with: 10.0 needs float64
    built64 = rankwise.Run(run, score_precision="float64")
    assert rankwise.evaluate(qrels, built64, "RR", trec_eval="10.0")["RR"] == 1.0
    with pytest.raises(InvalidValueError, match=r'score_precision="float64".*10\.0'):
        rankwise.evaluate(qrels, rankwise.Run(run), "RR", trec_eval="10.0")
    # expected values tie at the run's precision too
    expected = rankwise.evaluate(qrels, run, "RR", ties="expected", trec_eval="10.0")
    assert expected["RR"] == 1.0
    assert rankwise.evaluate(qrels, run, "RR", ties="expected")["RR"] == 0.75


def test_other_measures_are_the_same_under_both_versions():
    qrels = {"q1": {"a": 2, "b": 0, "c": 1, "d": 1}, "q2": {"e": 1}}
    run = {"q1": {"a": 0.5, "b": 0.7, "c": 0.1, "x": 0.3}, "q2": {"e": 0.2, "f": 0.9}}
    names = ["official", "ndcg_cut.5,10", "Rprec_mult", "bpref", "infAP", "set_F"]
    v9 = rankwise.evaluate(qrels, run, names, per_query=True)
    v10 = rankwise.evaluate(qrels, run, names, per_query=True, trec_eval="10.0")
    for q in v9:
        for name in v9[q]:
            if name.startswith("iprec_at_recall"):
                continue
            assert v9[q][name] == v10[q][name], (q, name)


def test_bad_versions_are_refused():
    qrels, run = {"q": {"a": 1}}, {"q": {"a": 1.0}}
    with pytest.raises(InvalidValueError, match=r"`trec_eval` must be '9\.0' or '10\.0'; got '9'"):
        rankwise.evaluate(qrels, run, "map", trec_eval="9")  # type: ignore[arg-type]
    assert "rbp" not in rankwise.evaluate(qrels, run, "all_trec")  # 9.0's all_trec
    # 10.0's all_trec: tests/test_trec_eval10_measures.py


# --- the CLI ----------------------------------------------------------------------------


def per_query_lines(text: str) -> dict[tuple[str, str], str]:
    out = {}
    for line in text.splitlines():
        name, qid, value = line.split()
        out[(name, qid)] = value
    return out


def cli(*args: str) -> str:
    import contextlib
    import io

    from rankwise.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["eval", *args]) == 0
    return buffer.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        ["--ties", "expected", "--trec-eval=10.0", "q", "r"],
        ["--trec-eval", "9.0", "q", "r", "--ties=ranx"],
    ],
)
def test_the_fast_eval_reader_reads_the_new_flags_as_argparse_does(argv):
    from rankwise.cli import _fast_eval_args, _parser

    fast = _fast_eval_args(argv)
    assert fast is not None
    assert vars(fast) == vars(_parser().parse_args(["eval", *argv]))


@pytest.mark.parametrize(
    "argv", [["--ties", "random", "q", "r"], ["--trec-eval", "11", "q", "r"], ["--ties"]]
)
def test_bad_values_of_the_new_flags_are_left_to_argparse(argv):
    from rankwise.cli import _fast_eval_args

    assert _fast_eval_args(argv) is None


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    qrels_and_run(),
    st.sampled_from(["9.0", "10.0"]),
    st.sampled_from(["trec_eval", "ranx", "expected"]),
)
def test_cli_prints_what_evaluate_gives_for_each_version_and_tie_rule(
    tmp_path, data, version, ties
):
    qrels, run = data
    qp, rp = map(str, write_trec(tmp_path, qrels, run, runid="r"))
    measures = ["P.5", "recip_rank", "map", "ndcg_cut.10", "iprec_at_recall", "11pt_avg"]
    try:
        want = rankwise.evaluate(
            rankwise.Qrels.from_trec(qp),
            rankwise.Run.from_trec(
                rp, score_precision="float64" if version == "10.0" else "float32"
            ),
            measures,
            per_query=True,
            trec_eval=version,
            ties=ties,
        )
    except InvalidValueError:
        return  # no query in common: the CLI refuses it too (tests/test_cli.py)
    args = [a for m in measures for a in ("-m", m)]
    for fmt in ([], ["--format", "json"]):
        text = cli("-q", *args, "--trec-eval", version, "--ties", ties, *fmt, qp, rp)
        if fmt:
            import json

            assert json.loads(text)["per_query"]["r"] == want
            continue
        got = per_query_lines(text)
        for q, row in want.items():
            for name, value in row.items():
                assert got[(name, q)] == f"{value:6.4f}", (q, name)


# --- the binaries, where given ------------------------------------------------------------

BINARIES = {
    "9.0": os.environ.get("RANKWISE_TREC_EVAL9"),
    "10.0": os.environ.get("RANKWISE_TREC_EVAL10"),
}


def binary_or_skip(version: str) -> str:
    """The path of the trec_eval ``version`` binary, from the environment; the test is skipped
    where it is not given."""
    binary = BINARIES[version]
    if not binary:
        pytest.skip(f"no trec_eval {version} binary: set RANKWISE_TREC_EVAL{version[:-2]}")
    return binary


BINARY_MEASURES = [
    "official", "Rprec_mult", "11pt_avg", "infAP", "set_F", "ndcg_cut.3,5", "success",
    "relative_P.3,5", "utility", "binG", "G", "ndcg_rel", "Rndcg",
]  # fmt: skip


# scores equal as float32 and not as float64 (ties under 9.0 only), and any others
CLOSE_SCORES = st.integers(-3, 3).map(lambda x: 1.0 + x * 1e-9) | st.floats(
    -5, 5, allow_subnormal=False
)


@pytest.mark.parametrize("version", ["9.0", "10.0"])
def test_cli_equals_each_trec_eval_binary(tmp_path_factory, version):
    binary = binary_or_skip(version)

    @settings(max_examples=150, deadline=None)
    @given(qrels_and_run(scores=CLOSE_SCORES))
    def check(data):
        qrels, run = data
        # only the queries the run has: 10.0 refuses the others (see below)
        qrels = {q: docs for q, docs in qrels.items() if q in run and docs}
        directory = tmp_path_factory.mktemp("te")
        qp, rp = map(str, write_trec(directory, qrels, run, runid="r"))
        args = [a for m in BINARY_MEASURES for a in ("-m", m)]
        done = subprocess.run([binary, "-q", *args, qp, rp], capture_output=True, text=True)
        if done.returncode != 0:
            # 10.0 (f425365) exits with status 4 when a qrels query is missing from the run
            # (without -c; its message says "result qid ... not found in qrels"); rankwise
            # evaluates the common queries, as 9.0 does. Both versions refuse a run that
            # shares no query with the qrels.
            assert "not found in qrels" in done.stderr or not set(qrels) & set(run), done.stderr
            return
        want = per_query_lines(done.stdout.replace("-nan", "nan"))
        got = per_query_lines(cli("-q", *args, "--trec-eval", version, qp, rp))
        for key, value in want.items():
            if value in ("nan", "-nan"):
                assert key[0].startswith(("iprec_at_recall", "11pt_avg")), key
                continue
            assert got[key] == value, (key, version)
        compared.append(len(want))

    compared: list[int] = []
    check()
    assert sum(1 for n in compared if n > 0) >= 100, compared  # most examples compared lines


# yaap, utility with its parameters and -N, and -Z over plain qrels: whole outputs.
FLAG_MEASURES = ["yaap", "set_F.0.5", "map", "gm_map", "P.2,5", "num_q", "num_ret", "num_rel"]
# trec_eval computes a measure once: `utility` or `utility.1,-2,0.5,0.25`, not both
UTILITIES = ["utility", "utility.1,-2,0.5,0.25"]
ZSCORE_NAMES = [
    "yaap", "utility", "utility_1,-2,0.5,0.25", "set_F_0.5", "map", "gm_map", "P_2", "P_5",
    "num_q", "num_ret", "num_rel",
]  # fmt: skip


@pytest.mark.parametrize("zscores", [False, True], ids=["plain", "Z"])
@pytest.mark.parametrize("version", ["9.0", "10.0"])
def test_flags_print_what_each_trec_eval_binary_prints(tmp_path_factory, version, zscores):
    """``-m yaap``, ``utility.c1,c2,c3,c4`` under ``-N``, and ``-Z`` with plain qrels (a
    Z-score file naming some queries and measures, stddev 0 included): ``rankwise eval``'s
    output is trec_eval's, byte for byte, per query and summary, with and without ``-c``.
    ``-Z`` is a parameter, not a drawn flag, so every example of the ``Z`` case exercises it
    (a drawn boolean gave it to as few as 28 of 150 examples)."""
    binary = binary_or_skip(version)

    def check(qrels, run, qp, rp, draw):
        flags = ["-q"]
        if draw.draw(st.booleans()):
            flags += ["-N", str(draw.draw(st.integers(0, 10**6)))]
        if zscores:
            lines = []
            for q in sorted(set(qrels) | set(run)):
                if not draw.draw(st.booleans()):
                    continue  # a query the file lacks: every value -1000000
                for m in draw.draw(st.lists(st.sampled_from(ZSCORE_NAMES), unique=True)):
                    mean = draw.draw(st.sampled_from([0, 0.25, 1, -2]))
                    std = draw.draw(st.sampled_from([0, 0.5, 2]))
                    lines.append(f"{q} {m} {mean} {std}\n")
            # a last query id after every other: trec_eval's binary search reads one entry
            # past its array (convert_zscores.c), which stays inside it then
            lines.append("~~ map 0 1\n")
            zp = qp.parent / "z.txt"
            zp.write_text("".join(lines))
            flags += ["-Z", str(zp)]
        if draw.draw(st.booleans()):
            flags.append("-c")
        measures = [*FLAG_MEASURES, draw.draw(st.sampled_from(UTILITIES))]
        args = [a for m in measures for a in ("-m", m)]
        done = subprocess.run([binary, *flags, *args, qp, rp], capture_output=True, text=True)
        if done.returncode != 0:
            assert "not found in qrels" in done.stderr or not set(qrels) & set(run), done.stderr
            return
        assert cli(*flags, *args, "--trec-eval", version, str(qp), str(rp)) == done.stdout
        compared.append(flags)

    compared: list[list[str]] = []
    on_trec_files(tmp_path_factory, CLOSE_SCORES, check)
    # most examples reached the comparison (trec_eval refuses a few: no common query)
    assert len(compared) >= 100, len(compared)


def _flag_equality_counts(n: int) -> None:  # pragma: no cover
    """Print, per trec_eval binary given and per measure (``[Z]``: under ``-Z``, ``[N]``:
    utility under ``-N``), the lines of ``n`` random examples on which ``rankwise eval``
    prints what the binary prints, and the whole outputs that are equal."""
    import collections
    import random
    import tempfile
    from pathlib import Path

    rng = random.Random(17)
    for version, binary in BINARIES.items():
        if not binary:
            print(f"trec_eval {version}: no binary (RANKWISE_TREC_EVAL{version[:-2]})")
            continue
        equal: collections.Counter[str] = collections.Counter()
        total: collections.Counter[str] = collections.Counter()
        whole = [0, 0]
        with tempfile.TemporaryDirectory() as d:
            qp, rp, zp = (str(Path(d) / name) for name in ("qrels", "run", "z"))
            for _ in range(n):
                qrels, run, z = [], [], []
                for q in (f"q{j}" for j in range(1, rng.randint(2, 6))):
                    docs = [f"d{k}" for k in range(rng.randint(1, 12))]
                    qrels += [f"{q} 0 {doc} {rng.choice([-1, 0, 0, 1, 1, 2, 3])}" for doc in docs]
                    ranked = rng.sample([*docs, "x1", "x2", "x3"], rng.randint(1, len(docs) + 3))
                    scores = [1, 2, 3, 2.5, 1.0000001]  # the last ties 1 as float32 only
                    run += [
                        f"{q} Q0 {doc} {r} {rng.choice(scores)} r" for r, doc in enumerate(ranked)
                    ]
                    for m in rng.sample(ZSCORE_NAMES, rng.randint(0, 5)):
                        z.append(f"{q} {m} {rng.choice([0, 0.5, -1])} {rng.choice([0, 0.5, 2])}")
                z.append("~~ map 0 1")
                for path, lines in ((qp, qrels), (rp, run), (zp, z)):
                    Path(path).write_text("\n".join(lines) + "\n")
                flags = ["-q"] + (["-c"] if rng.random() < 0.3 else [])
                if rng.random() < 0.5:
                    flags += ["-N", str(rng.randint(0, 10_000))]
                if rng.random() < 0.5:
                    flags += ["-Z", zp]
                measures = [*FLAG_MEASURES, rng.choice(UTILITIES)]
                args = [a for m in measures for a in ("-m", m)]
                done = subprocess.run(
                    [binary, *flags, *args, qp, rp], capture_output=True, text=True
                )
                if done.returncode != 0:
                    continue
                ours = cli(*flags, *args, "--trec-eval", version, qp, rp)
                whole[0] += ours == done.stdout
                whole[1] += 1
                lines_ours = {tuple(line.split("\t")[:2]): line for line in ours.splitlines()}
                for line in done.stdout.splitlines():
                    key = tuple(line.split("\t")[:2])
                    name = key[0].strip().removeprefix("Z")
                    tags = ("Z" if "-Z" in flags else "") + (
                        "N" if "-N" in flags and name.startswith("utility") else ""
                    )
                    column = f"{name}[{tags}]" if tags else name
                    total[column] += 1
                    equal[column] += lines_ours.get(key) == line
        print(f"trec_eval {version} ({binary}): whole outputs equal {whole[0]}/{whole[1]}")
        for column in sorted(total):
            print(f"  {column:<28} {equal[column]}/{total[column]}")


if __name__ == "__main__":  # pragma: no cover
    import sys

    _flag_equality_counts(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
