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


QRELS_ROWS = [row for row in ROWS if row["rel_format"] == "qrels"]
REL_INFO_ROWS = [row for row in ROWS if row["rel_format"] != "qrels"]


@pytest.mark.parametrize("name", [n for row in QRELS_ROWS for n in row["examples"]])
def test_every_listed_example_parses(name):
    assert rankwise.measure_names([name])


def test_preference_and_judgement_group_measures_are_rows():
    """The 14 ``prefs_*`` measures and the 3 judgement-group ones are rows of the table (in
    trec_eval's order, after the others), read by their own parser: each example evaluates
    against judgements of its format, and the qrels parser refuses it naming ``-R``."""
    prefs = [row["family"] for row in REL_INFO_ROWS if row["rel_format"] == "prefs"]
    jg = [row["family"] for row in REL_INFO_ROWS if row["rel_format"] == "qrels_jg"]
    assert len(prefs) == 14 and all(n.startswith("prefs_") for n in prefs)
    assert jg == ["map_avgjg", "P_avgjg", "Rprec_mult_avgjg"]
    orders = [row["trec_eval"][0]["order"] for row in REL_INFO_ROWS]
    assert orders == sorted(orders) and orders[0] > max(
        t["order"] for row in QRELS_ROWS for t in row["trec_eval"] if t["all_trec"]
    )
    counts = [row["family"] for row in REL_INFO_ROWS if row["aggregate"] == "sum"]
    assert counts == ["prefs_num_prefs_poss", "prefs_num_prefs_ful", "prefs_num_prefs_ful_ret"]


@pytest.mark.parametrize(
    ("row", "name"), [(row, n) for row in REL_INFO_ROWS for n in row["examples"]]
)
def test_every_rel_info_example_parses_with_its_format(tmp_path, row, name):
    from rankwise.rel_info import evaluate_rel_info

    rel = tmp_path / "rel"
    if row["rel_format"] == "prefs":
        rel.write_text("q1 u1 s1 d1 2\nq1 u1 s1 d2 0\n")
    else:
        rel.write_text("q1 g1 d1 1\nq1 g1 d2 0\n")
    run = tmp_path / "run"
    run.write_text("q1 Q0 d2 1 3 r\nq1 Q0 d1 2 2 r\n")
    result = evaluate_rel_info(rel, run, [name], rel_format=row["rel_format"])
    assert result.summary and all(c.startswith(row["family"]) for c in result.summary)
    with pytest.raises(UnknownMeasureError, match=f"-R {row['rel_format']}"):
        rankwise.measure_names([name])


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
    # pytrec_eval supports trec_eval 9.0's all_trec group: every name but those computed only
    # when named (yaap)
    trec_names = {t["name"] for row in ROWS for t in row["trec_eval"] if t["all_trec"]}
    assert compat_pytrec.supported_measures == trec_names | {"runid", "relstring"}
    named_only = {t["name"] for row in QRELS_ROWS for t in row["trec_eval"] if not t["all_trec"]}
    # (and trec_eval 10.0's rbp, rbp_resid, unj: in 10.0's all_trec only, not pytrec_eval's)
    assert named_only == {"yaap", "rbp", "rbp_resid", "unj"}
    geometric = {
        t["name"] for row in ROWS for t in row["trec_eval"] if row["aggregate"] == "geometric_mean"
    }
    assert geometric == {"gm_map", "gm_bpref"}
    assert _native.MIN_GEO_MEAN == 1e-5  # trec_eval.h's MIN_GEO_MEAN
