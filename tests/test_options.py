"""String options are named once, next to the core's enum (`rankwise_core::options::Choice`).

The bindings convert each option through those names (`_native.option_names()` exposes them),
so the Python `Literal` aliases and the stub must list exactly the same names: these tests pin
every one of them. They also pin how the bindings read arrays that are not contiguous.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest

import rankwise
from rankwise import _native, comparison, consistency, correlation, labels, metrics, stats
from rankwise.errors import InvalidValueError
from rankwise.rerank import parsing, strategies

NAMES: dict[str, list[str]] = _native.option_names()


def _literal(hint: Any) -> list[str]:
    """The strings of a `Literal[...]` hint (`| None` dropped)."""
    args = [a for a in get_args(hint) if a is not type(None)]
    if len(args) == 1 and typing.get_origin(args[0]) is typing.Literal:
        args = list(get_args(args[0]))
    assert args and all(isinstance(a, str) for a in args), hint
    return list(args)


def _param(owner: Callable[..., Any] | type, name: str) -> list[str]:
    """The names of the parameter (or dataclass field) `name` of `owner`."""
    hint = inspect.get_annotations(owner)[name]
    if isinstance(hint, str):  # some modules import `Literal` for type checking only
        module = sys.modules[owner.__module__]
        hint = eval(hint, vars(module), {"Literal": typing.Literal})
    return _literal(hint)


# Literal aliases: {their name: (the alias, the core enum it must name)}.
LITERALS: dict[str, tuple[Any, str]] = {
    "metrics.Ties": (metrics.Ties, "evaluate::Ties"),
    "metrics.ScoreNanPolicy": (metrics.ScoreNanPolicy, "evaluate::NanPolicy"),
    "correlation.NanPolicy": (correlation.NanPolicy, "correlation::NanPolicy"),
    "correlation.Alternative": (correlation.Alternative, "correlation::Alternative"),
    "labels.TieBreak": (labels.TieBreak, "labels::permutation::TieBreak"),
    "labels.Method": (labels.Method, "labels::aggregate::MethodKind"),
    "stats.TestName": (stats.TestName, "compare::stats::PairedTestKind"),
    "stats.Alternative": (stats.Alternative, "correlation::Alternative"),
    "stats.EffectSizeName": (stats.EffectSizeName, "compare::effects::EffectSize"),
    "stats.CorrectionName": (stats.CorrectionName, "compare::stats::Correction"),
}

# Parameters (or dataclass fields): (their owner, the parameter, the core enum).
PARAMETERS: list[tuple[Any, str, str]] = [
    (correlation.kendall_tau, "variant", "correlation::kendall::Variant"),
    (correlation.kendall_tau, "method", "correlation::kendall::PValueMethod"),
    (correlation.ap_correlation, "ties", "correlation::ap::ApTies"),
    (correlation.rbo, "ties", "correlation::rbo::RboTies"),
    (labels.aggregate, "normalize", "labels::borda::BordaNorm"),
    (labels.aggregate, "count", "labels::copeland::CopelandCount"),
    (labels.aggregate, "start", "labels::aggregate::KemenyStart"),
    (labels.aggregate_pairs, "normalize", "labels::borda::BordaNorm"),
    (labels.position_weights, "scheme", "labels::weights::PositionScheme"),
    (labels.curriculum_ease, "difficulty", "labels::weights::EaseHeuristic"),
    (labels.select_committee, "rule", "labels::committee::RuleKind"),
    (consistency.opis, "metric", "consistency::opis::Metric"),
    (consistency.opis, "utility", "consistency::opis::Utility"),
    (consistency.opis, "reference", "consistency::opis::Reference"),
    (consistency.opis, "integration", "consistency::opis::Integration"),
    (comparison.compare, "correction", "compare::stats::Correction"),
    (stats.anova, "design", "compare::anova::Design"),
    (stats.topic_set_size, "design", "compare::power::SizeDesign"),
    (comparison.fuse, "method", "compare::fusion::MethodKind"),
    (comparison.fuse, "norm", "compare::fusion::Normalization"),
    (rankwise.evaluate, "missing", "evaluate::Missing"),
    (strategies.SlidingWindow, "compat", "rerank::WindowSemantics"),
    (strategies.SlidingWindow, "direction", "rerank::Direction"),
    (strategies.Setwise, "method", "rerank::SetwiseMethod"),
    (strategies.Pairwise, "method", "rerank::PairwiseMethod"),
    (parsing.parse_permutation, "ids", "rerank::IdStyle"),
    (rankwise.evaluate, "ties", "evaluate::TieRule"),
    (rankwise.evaluate, "trec_eval", "metrics::TrecEval"),
]

# (what is checked, the alias or the owner, the parameter (None for an alias), the enum).
PYTHON: list[tuple[str, Any, str | None, str]] = [
    *((where, alias, None, core) for where, (alias, core) in LITERALS.items()),
    *((f"{owner.__name__}({param})", owner, param, core) for owner, param, core in PARAMETERS),
]


@pytest.mark.parametrize(("where", "owner", "param", "core"), PYTHON, ids=[p[0] for p in PYTHON])
def test_python_literals_are_the_core_names(
    where: str, owner: Any, param: str | None, core: str
) -> None:
    names = _literal(owner) if param is None else _param(owner, param)
    assert names == NAMES[core], where


# Parameters of the stub of `_native` (function or `Class.method`, parameter) and their enum.
STUB: list[tuple[str, str, str]] = [
    ("evaluate", "missing", "evaluate::Missing"),
    ("evaluate_arrays", "ties", "evaluate::Ties"),
    ("evaluate_arrays", "nan_policy", "evaluate::NanPolicy"),
    ("kendall_tau", "variant", "correlation::kendall::Variant"),
    ("kendall_tau", "method", "correlation::kendall::PValueMethod"),
    ("kendall_tau", "alternative", "correlation::Alternative"),
    ("kendall_tau", "nan_policy", "correlation::NanPolicy"),
    ("spearman", "alternative", "correlation::Alternative"),
    ("weighted_tau", "rank", "correlation::batch::RowRanksKind"),
    ("weighted_tau", "nan_policy", "correlation::NanPolicy"),
    ("ap_correlation", "ties", "correlation::ap::ApTies"),
    ("rank_biased_overlap", "ties", "correlation::rbo::RboTies"),
    ("opis", "metric", "consistency::opis::Metric"),
    ("opis", "utility", "consistency::opis::Utility"),
    ("opis", "reference", "consistency::opis::Reference"),
    ("opis", "calibration", "consistency::opis::CalibrationKind"),
    ("opis", "integration", "consistency::opis::Integration"),
    ("labels_order", "ties", "labels::permutation::TieBreak"),
    ("labels_aggregate", "method", "labels::aggregate::MethodKind"),
    ("labels_aggregate", "normalize", "labels::borda::BordaNorm"),
    ("labels_aggregate", "count", "labels::copeland::CopelandCount"),
    ("labels_aggregate", "start", "labels::aggregate::KemenyStart"),
    ("labels_position_weights", "scheme", "labels::weights::PositionScheme"),
    ("labels_curriculum_ease", "difficulty", "labels::weights::EaseHeuristic"),
    ("labels_committee", "rule", "labels::committee::RuleKind"),
    ("pairwise_p_values", "test", "compare::stats::PairedTestKind"),
    ("pairwise_p_values", "alternative", "correlation::Alternative"),
    ("corrected_p_values", "method", "compare::stats::Correction"),
    ("pairwise_effect_sizes", "kind", "compare::effects::EffectSize"),
    ("pairwise_intervals", "alternative", "correlation::Alternative"),
    ("anova", "design", "compare::anova::Design"),
    ("fuse", "method", "compare::fusion::MethodKind"),
    ("fuse", "norm", "compare::fusion::Normalization"),
    ("Run.from_trec", "score_precision", "ranking::ScorePrecision"),
    ("StrategySpec.sliding_window", "compat", "rerank::WindowSemantics"),
    ("StrategySpec.sliding_window", "direction", "rerank::Direction"),
    ("StrategySpec.setwise", "method", "rerank::SetwiseMethod"),
    ("StrategySpec.pairwise", "method", "rerank::PairwiseMethod"),
    ("parse_permutation", "ids", "rerank::IdStyle"),
    ("parse_permutation", "duplicates", "rerank::OnProblem"),
    ("parse_permutations", "missing", "rerank::OnProblem"),
    ("evaluate", "ties", "evaluate::TieRule"),
    ("evaluate", "trec_eval", "metrics::TrecEval"),
    ("trec_eval_output", "trec_eval", "metrics::TrecEval"),
    ("trec_eval_output", "ties", "evaluate::TieRule"),
]


def _stub() -> tuple[dict[str, ast.FunctionDef], dict[str, ast.expr | list[str]]]:
    tree = ast.parse(Path(_native.__file__).with_name("_native.pyi").read_text())
    functions: dict[str, ast.FunctionDef] = {}
    aliases: dict[str, ast.expr | list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    functions[f"{node.name}.{item.name}"] = item
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            aliases[node.targets[0].id] = node.value
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rankwise."):
            # an option the stub takes from its public alias: the alias's names
            module = importlib.import_module(node.module or "")
            for name in node.names:
                aliases[name.asname or name.name] = _literal(getattr(module, name.name))
    return functions, aliases


def _stub_names(annotation: ast.expr, aliases: dict[str, ast.expr | list[str]]) -> list[str]:
    if isinstance(annotation, ast.Name):
        target = aliases[annotation.id]
        return target if isinstance(target, list) else _stub_names(target, aliases)
    if isinstance(annotation, ast.BinOp):  # `Literal[...] | None`
        return _stub_names(annotation.left, aliases)
    assert isinstance(annotation, ast.Subscript), ast.dump(annotation)
    assert ast.unparse(annotation.value) == "Literal"
    items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
    return [item.value for item in items if isinstance(item, ast.Constant)]


@pytest.mark.parametrize(("function", "param", "core"), STUB, ids=[f"{f}({p})" for f, p, _ in STUB])
def test_stub_literals_are_the_core_names(function: str, param: str, core: str) -> None:
    functions, aliases = _stub()
    node = functions[function]
    args = {a.arg: a for a in node.args.args + node.args.kwonlyargs}
    annotation = args[param].annotation
    assert annotation is not None
    assert _stub_names(annotation, aliases) == NAMES[core]


def test_every_core_option_is_pinned() -> None:
    pinned = {core for *_, core in PYTHON} | {core for *_, core in STUB}
    assert pinned == set(NAMES)


def test_core_names_are_distinct_and_nonempty() -> None:
    for core, names in NAMES.items():
        assert names and len(set(names)) == len(names), core


@pytest.mark.parametrize("value", ["d", "B", 1, None, b"b", ["b"]])
def test_a_bad_option_names_argument_value_and_the_names(value: object) -> None:
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(InvalidValueError) as info:
        _native.kendall_tau(x, x, variant=value)
    assert str(info.value) == f"`variant` must be one of 'a', 'b', 'c'; got {value!r}"


def test_an_option_several_arguments_take_names_the_argument() -> None:
    with pytest.raises(InvalidValueError, match="`out_of_range` must be one of 'repair', 'error'"):
        _native.parse_permutation("[1] > [2]", 2, out_of_range="skip")


# ----------------------------------------------------------------------------------------------
# Arrays that are not contiguous
# ----------------------------------------------------------------------------------------------


def test_a_strided_view_reads_as_its_copy() -> None:
    rng = np.random.default_rng(15)
    wide = rng.random((2, 40))
    scores, labels_ = wide[0, ::2], np.floor(wide * 3)[1, ::2]
    assert not scores.flags.c_contiguous and not labels_.flags.c_contiguous
    offsets = np.array([0, 7, 20], dtype=np.int64)
    strided_offsets = np.repeat(offsets, 2)[::2]
    assert not strided_offsets.flags.c_contiguous
    got = _native.pairwise_accuracy(scores, labels_, strided_offsets, empty=-1.0)
    want = _native.pairwise_accuracy(scores.copy(), labels_.copy(), offsets, empty=-1.0)
    np.testing.assert_array_equal(got, want)

    reversed_x = np.arange(10.0)[::-1]
    y = rng.random(10)
    stat, p, _ = _native.kendall_tau(reversed_x, y)
    want_stat, want_p, _ = _native.kendall_tau(reversed_x.copy(), y)
    np.testing.assert_array_equal(stat, want_stat)
    np.testing.assert_array_equal(p, want_p)

    ranks = np.arange(1, 13, dtype=np.int64)[::3]
    np.testing.assert_array_equal(
        _native.labels_position_weights(ranks, "dcg"),
        _native.labels_position_weights(ranks.copy(), "dcg"),
    )


def test_a_matrix_in_fortran_order_is_refused_naming_it() -> None:
    values = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    with pytest.raises(InvalidValueError, match="`values` must be a C-contiguous 2-D array"):
        _native.summarize(["P@5", "RR"], values)


def test_compare_tests_are_the_paired_tests_and_tukey() -> None:
    # `compare(test="tukey")` runs the multi-system Tukey HSD, not a paired core test; every
    # other name is the core's paired test of that name.
    paired = NAMES["compare::stats::PairedTestKind"]
    names = [a for part in get_args(comparison.Test) for a in get_args(part)]
    assert names == [*paired, "tukey"]
