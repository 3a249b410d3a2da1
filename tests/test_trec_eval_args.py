"""``rankwise eval -m`` given the same measure more than once reads the arguments as trec_eval's
command line does: each measure is computed once, with the parameters of the first ``-m
name.params`` naming it; a later ``name.params``, a bare ``name`` and a group such as
``all_trec`` add nothing to it (``mark_measure`` in trec_eval.c, ``te_init_meas_*`` in
meas_init.c, 9.0.4 and 10.0). The Python API takes every parameter list instead
(``test_the_python_api_takes_every_parameter_list``).

Where ``RANKWISE_TREC_EVAL9`` / ``RANKWISE_TREC_EVAL10`` name the binaries, the output is
compared with theirs byte for byte; without them the printed names are checked against the
rule above.
"""

from __future__ import annotations

import os
import subprocess

import pytest

import rankwise

from ._trec_cli import rankwise_cli, write_trec

QRELS = {"q1": {"d1": 1, "d2": 0, "d3": 2}, "q2": {"d1": 1}}
RUN = {"q1": {"d1": 3.0, "d2": 2.0, "d4": 1.0}, "q2": {"d5": 1.0}}
P_DEFAULTS = ["P_5", "P_10", "P_15", "P_20", "P_30", "P_100", "P_200", "P_500", "P_1000"]

# -m arguments, and the names of the first family that trec_eval prints for them
CASES = [
    (["P.5", "P.10"], ["P_5"]),
    (["P.5", "P"], ["P_5"]),
    (["P", "P.5"], ["P_5"]),
    (["P.10,5", "P.7"], ["P_5", "P_10"]),
    (["all_trec", "P.5"], ["P_5"]),
    (["P.5", "all_trec"], ["P_5"]),
    (["P", "P.20", "P.5"], ["P_20"]),
    (["P"], P_DEFAULTS),
    (["utility", "utility.1,-2,0,0"], ["utility_1,-2,0,0"]),
    (["utility.1,-2,0,0", "utility"], ["utility_1,-2,0,0"]),
    (["set_F.0.5", "set_F.2"], ["set_F_0.5"]),
    (["all_trec", "set_F.0.5"], ["set_F_0.5"]),
]
BINARIES = {
    "9.0": os.environ.get("RANKWISE_TREC_EVAL9"),
    "10.0": os.environ.get("RANKWISE_TREC_EVAL10"),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_trec(tmp_path_factory.mktemp("args"), QRELS, RUN, runid="r")


def names_of(text: str, family: str) -> list[str]:
    names = [line.split()[0] for line in text.splitlines()]
    return [n for n in names if n.split("_")[0] == family.split("_")[0] and n != "runid"]


@pytest.mark.parametrize("version", ["9.0", "10.0"])
@pytest.mark.parametrize(("measures", "printed"), CASES)
def test_a_measure_named_twice_takes_the_first_parameters(files, version, measures, printed):
    args = [a for m in measures for a in ("-m", m)]
    done = rankwise_cli("eval", "--trec-eval", version, *args, *files)
    assert done.returncode == 0, done.stderr
    family = printed[0].split("_")[0]
    got = names_of(done.stdout, family)
    if family == "set":
        got = [n for n in got if n.startswith("set_F")]
    assert got == printed
    binary = BINARIES[version]
    if binary:
        want = subprocess.run([binary, *args, *map(str, files)], capture_output=True, text=True)
        assert done.stdout == want.stdout


@pytest.mark.parametrize("version", ["9.0", "10.0"])
def test_each_value_is_that_of_the_measure_asked_alone(files, version):
    """The value of ``P_5`` under ``-m all_trec -m P.5`` is what ``-m P.5`` gives: only the
    set of measures changes, not how any is computed."""
    alone = rankwise_cli("eval", "--trec-eval", version, "-q", "-m", "P.5", *files).stdout
    both = rankwise_cli(
        "eval", "--trec-eval", version, "-q", "-m", "all_trec", "-m", "P.5", *files
    ).stdout
    p5 = [line for line in both.splitlines() if line.startswith("P_")]
    assert p5 == alone.splitlines()


def test_the_python_api_takes_every_parameter_list():
    """``rankwise.evaluate`` (and so the pytrec_eval drop-in) is not the command line: every
    cutoff given is computed."""
    report = rankwise.evaluate(QRELS, RUN, ["P.5", "P.10"])
    assert {"P_5", "P_10"} <= set(report.measures)


@pytest.mark.parametrize("version", ["9.0", "10.0"])
@pytest.mark.parametrize(
    ("measures", "printed"),
    [
        (["relstring.5", "relstring"], "relstring_5"),
        (["relstring", "relstring.5"], "relstring_5"),
        (["all_trec", "relstring.3"], "relstring_3"),
        (["relstring.3", "relstring.7"], "relstring_3"),
        (["all_trec"], "relstring"),
    ],
)
def test_relstring_named_twice_takes_the_first_parameters(files, version, measures, printed):
    """``relstring`` follows the same rule (its lines are per query: ``-q``); nothing on
    stderr (tests/test_trec_eval_relstring.py has the rest)."""
    args = ["-q", *(a for m in measures for a in ("-m", m))]
    done = rankwise_cli("eval", "--trec-eval", version, *args, *files)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    names = {line.split()[0] for line in done.stdout.splitlines()}
    assert {n for n in names if n.startswith("relstring")} == {printed}
    binary = BINARIES[version]
    if binary:
        want = subprocess.run([binary, *args, *map(str, files)], capture_output=True, text=True)
        assert done.stdout == want.stdout
