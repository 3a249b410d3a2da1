"""The measure table of the core drives every list of measures: the parser, the list of valid
measures in errors, ``rankwise eval --help`` and the pytrec_eval compat module."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import rankwise
from rankwise import _native
from rankwise.compat import pytrec_eval as compat_pytrec
from rankwise.errors import UnknownMeasureError

ROWS = _native.measures()
# Accepted by the parser before the table existed, but in no list.
ONCE_UNLISTED = [
    "set_P",
    "infAP",
    "Rprec_mult",
    "11pt_avg",
    "utility",
    "binG",
    "gm_bpref",
    "ndcg_rel",
    "relative_P",
]


def valid_list() -> str:
    with pytest.raises(UnknownMeasureError) as e:
        rankwise.measure_names(["no such measure"])
    return str(e.value).split("valid measures are: ", 1)[1]


def test_every_row_has_a_name_a_help_and_examples():
    assert len(ROWS) == len({row["family"] for row in ROWS})
    for row in ROWS:
        assert row["help"] and row["examples"], row["family"]
        assert row["ir_measures"] or row["trec_eval"] or row["ranx"] or row["beir"], row["family"]


@pytest.mark.parametrize("name", [n for row in ROWS for n in row["examples"]])
def test_every_listed_example_parses(name):
    assert rankwise.measure_names([name])


def test_every_accepted_name_is_in_the_list_of_valid_measures():
    words = set(re.split(r"[,;\s]+", valid_list()))
    for row in ROWS:
        names = [*row["ir_measures"], *(t["name"] for t in row["trec_eval"]), *row["ranx"]]
        names += row["beir"]
        for name in names:
            assert any(w == name or re.match(re.escape(name) + r"[@_.(]", w) for w in words), name
    for name in ONCE_UNLISTED:
        assert name in words, name


def test_eval_help_lists_every_measure_of_the_table():
    done = subprocess.run(
        [sys.executable, "-m", "rankwise", "eval", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for row in ROWS:
        assert f"  {row['family']} " in done.stdout, row["family"]
        for example in row["examples"]:
            assert example in done.stdout, example
    for name in ONCE_UNLISTED:
        assert name in done.stdout


def test_pytrec_eval_compat_reads_the_table():
    trec_names = {t["name"] for row in ROWS for t in row["trec_eval"]}
    assert compat_pytrec.supported_measures == trec_names | {"runid", "relstring"}
    geometric = {
        t["name"] for row in ROWS for t in row["trec_eval"] if row["aggregate"] == "geometric_mean"
    }
    assert geometric == {"gm_map", "gm_bpref"}
    assert _native.MIN_GEO_MEAN == 1e-5  # trec_eval.h's MIN_GEO_MEAN
