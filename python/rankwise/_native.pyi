"""Type stubs of the compiled module ``rankwise._native`` (checked by ``make stubs``: stubtest)."""

from os import PathLike
from typing import Any, Literal, NotRequired, TypedDict, Unpack, final

import numpy as np
import numpy.typing as npt

# Options whose public alias lists the binding's names: the stub takes them from there
# (tests/test_options.py pins both to the core's names). Only from modules that do not import
# rankwise.evaluate: mypy would read its aliases of this stub's classes (`QrelsLike`) inside the
# import cycle, before the classes, and reject them; metrics.py and fusion.py keep their copies.
from rankwise.correlation import Alternative as _Alternative
from rankwise.correlation import NanPolicy as _NanPolicy
from rankwise.labels import Method as _AggregateMethod
from rankwise.labels import TieBreak as _TieBreak
from rankwise.stats import BootstrapMethod as _BootstrapMethod
from rankwise.stats import CorrectionName as _CorrectionName
from rankwise.stats import EffectSizeName as _EffectSizeName
from rankwise.stats import SizeDesign as _SizeDesign
from rankwise.stats import TestName as _TestName

# The string options each binding accepts (one fixed set each, the names next to the core's enum,
# `option_names()`; the bindings reject anything else). A default written `...` is the core enum's
# `#[default]` option; the public functions spell it out.
_ScorePrecision = Literal["float32", "float64"]
_Missing = Literal["skip", "zero"]
_ArrayTies = Literal["stable", "average"]
_ArrayNanPolicy = Literal["raise", "omit"]
_IdStyle = Literal["bracketed", "numbers", "letters"]
_OnProblem = Literal["repair", "error"]
_TieRule = Literal["trec_eval", "ranx", "expected"]
_TrecEval = Literal["9.0", "10.0"]

def option_names() -> dict[str, list[str]]: ...

__version__: str
build_profile: str
MIN_GEO_MEAN: float

@final
class Qrels:
    def __new__(cls, qrels: dict[str, dict[str, int | float]], /) -> Qrels: ...
    @staticmethod
    def from_trec(path: str | PathLike[str]) -> Qrels: ...
    def __len__(self) -> int: ...
    def __contains__(self, query_id: str, /) -> bool: ...
    @property
    def num_judgements(self) -> int: ...
    @property
    def query_ids(self) -> list[str]: ...
    def count_relevant(self, rel_level: float = 1.0) -> tuple[int, int]: ...
    def to_dict(self) -> dict[str, dict[str, int | float]]: ...
    @staticmethod
    def from_frame(
        frame: Any, /, *, query: str = "query_id", doc: str = "doc_id", label: str = "relevance"
    ) -> Qrels: ...
    def to_arrow(self) -> Any: ...
    def to_pandas(self) -> Any: ...
    def to_polars(self) -> Any: ...
    def to_trec(self, path: str | PathLike[str]) -> None: ...

@final
class Run:
    def __new__(
        cls,
        run: dict[str, dict[str, float]],
        /,
        *,
        name: str | None = None,
        score_precision: _ScorePrecision = "float32",
    ) -> Run: ...
    @staticmethod
    def from_trec(
        path: str | PathLike[str], *, score_precision: _ScorePrecision = "float32"
    ) -> Run: ...
    def __len__(self) -> int: ...
    def __contains__(self, query_id: str, /) -> bool: ...
    @property
    def name(self) -> str | None: ...
    @property
    def score_precision(self) -> _ScorePrecision: ...
    @property
    def num_documents(self) -> int: ...
    @property
    def query_ids(self) -> list[str]: ...
    def to_dict(self) -> dict[str, dict[str, float]]: ...
    @staticmethod
    def from_frame(
        frame: Any,
        /,
        *,
        query: str = "query_id",
        doc: str = "doc_id",
        score: str = "score",
        name: str | None = None,
        score_precision: _ScorePrecision = "float32",
    ) -> Run: ...
    def to_arrow(self) -> Any: ...
    def to_pandas(self) -> Any: ...
    def to_polars(self) -> Any: ...
    def to_trec(self, path: str | PathLike[str]) -> None: ...

def evaluate(
    qrels: Qrels,
    run: Run,
    measures: list[str],
    *,
    rel_level: float = 1.0,
    judged_only: bool = False,
    max_docs: int | None = None,
    missing: _Missing = ...,
    ignore_identical_ids: bool = False,
    ties: _TieRule = ...,
    trec_eval: _TrecEval = ...,
    nan_over_limit: bool = False,
) -> tuple[list[str], list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def evaluate_arrays(
    scores: npt.NDArray[Any],
    labels: npt.NDArray[Any],
    measures: list[str],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
    mask: npt.NDArray[np.bool_] | None = None,
    n_relevant: npt.NDArray[np.int64] | None = None,
    rel_level: float = 1.0,
    ties: _ArrayTies = ...,
    nan_policy: _ArrayNanPolicy = ...,
) -> tuple[list[str], npt.NDArray[np.float64]]: ...
def summarize(measures: list[str], values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
def measure_names(names: list[str], *, trec_order: bool = False) -> list[str]: ...
def measures() -> list[dict[str, Any]]: ...

@final
class StrategySpec:
    @staticmethod
    def sliding_window(
        *,
        window: int,
        step: int,
        passes: int,
        compat: Literal["rankllm", "rankgpt"],
        direction: Literal["back_to_front", "front_to_back"],
        top_k: int | None,
    ) -> StrategySpec: ...
    @staticmethod
    def full_list() -> StrategySpec: ...
    @staticmethod
    def pointwise() -> StrategySpec: ...
    @staticmethod
    def setwise(
        *, children: int, method: Literal["heapsort", "bubblesort"], top_k: int
    ) -> StrategySpec: ...
    @staticmethod
    def pairwise(
        *,
        method: Literal["allpair", "heapsort", "sliding"],
        top_k: int,
        passes: int,
        both_orders: bool,
    ) -> StrategySpec: ...
    @staticmethod
    def tournament(
        *, stages: list[tuple[int, int]], tournaments: int, seed: int
    ) -> StrategySpec: ...
    @staticmethod
    def top_down(*, window: int, top_k: int, buffer: int, parallel: bool) -> StrategySpec: ...
    @staticmethod
    def groupwise(*, group_size: int, overlap: int, rounds: int) -> StrategySpec: ...
    @staticmethod
    def joint_rank(
        *,
        block_size: int,
        replication: int,
        design: Literal["replicated", "latin_square"],
        aggregation: Literal["plackett_luce", "rank_centrality", "borda", "kemeny"],
        seed: int,
    ) -> StrategySpec: ...
    @staticmethod
    def acurank(
        *, window: int, top_k: int, tol: float, min_uncertain: int, max_calls: int
    ) -> StrategySpec: ...
    def self_consistent(
        self,
        *,
        permutations: int,
        aggregation: Literal["plackett_luce", "rank_centrality", "borda", "kemeny"],
        seed: int,
    ) -> StrategySpec: ...
    def plan(self, n: int) -> tuple[int, int, int, int]: ...
    def start(
        self,
        sizes: list[int],
        *,
        ids: str = ...,
        first_id: int = 1,
        duplicates: str = "repair",
        out_of_range: str = "repair",
        missing: str = "repair",
    ) -> RerankStates: ...

@final
class RerankStates:
    def ready(self) -> list[tuple[int, int, str, list[int], int]]: ...
    def answer(self, query: int, task_id: int, value: object) -> None: ...
    def answer_many(
        self, queries: list[int], task_ids: list[int], values: list[object]
    ) -> tuple[int, BaseException] | None: ...
    @property
    def done(self) -> bool: ...
    @property
    def finished(self) -> int: ...
    def finished_mask(self) -> list[bool]: ...
    def __len__(self) -> int: ...
    def results(self) -> list[list[int]]: ...
    def calls(self) -> list[int]: ...
    def rounds(self) -> list[int]: ...
    def repairs(self) -> list[tuple[int, int, list[int], list[str], list[int]]]: ...

def parse_permutations(
    texts: list[str],
    sizes: list[int],
    *,
    ids: str = ...,
    first_id: int = 1,
    duplicates: _OnProblem = "repair",
    out_of_range: _OnProblem = "repair",
    missing: _OnProblem = "repair",
) -> tuple[npt.NDArray[np.int64], bytes]: ...
def confidence_scores(
    scores: npt.NDArray[np.float64], offsets: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]: ...
def nauc(
    confidences: list[npt.NDArray[np.float64]],
    values: list[npt.NDArray[np.float64]],
    abstention_rates: npt.NDArray[np.float64],
) -> list[float]: ...
def answer_ranks(
    passages: list[str], answers: list[list[str]], ranked: list[list[int]], depth: int
) -> list[int]: ...
def pairwise_accuracy(
    scores: npt.NDArray[np.float64],
    labels: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    *,
    empty: float = 0.0,
) -> npt.NDArray[np.float64]: ...
def parse_permutation(
    text: str,
    n: int,
    *,
    ids: _IdStyle = ...,
    first_id: int = 1,
    duplicates: _OnProblem = "repair",
    out_of_range: _OnProblem = "repair",
    missing: _OnProblem = "repair",
) -> tuple[list[int], list[int], list[str], list[int]]: ...
def pairwise_p_values(
    scores: npt.NDArray[np.float64],
    test: _TestName,
    alternative: _Alternative = ...,
    *,
    n_resamples: int = 10000,
    seed: int = 42,
) -> npt.NDArray[np.float64]: ...
def corrected_p_values(
    p: npt.NDArray[np.float64], method: _CorrectionName | None
) -> npt.NDArray[np.float64]: ...
def pairwise_effect_sizes(
    scores: npt.NDArray[np.float64], kind: _EffectSizeName
) -> npt.NDArray[np.float64]: ...
def pairwise_intervals(
    scores: npt.NDArray[np.float64],
    confidence: float = 0.95,
    alternative: _Alternative = ...,
) -> npt.NDArray[np.float64]: ...
def mean_intervals(
    scores: npt.NDArray[np.float64],
    confidence: float = 0.95,
    alternative: _Alternative = ...,
) -> npt.NDArray[np.float64]: ...
def anova(
    scores: npt.NDArray[np.float64], design: Literal["one-way", "two-way"]
) -> npt.NDArray[np.float64]: ...
def residual_effect_sizes(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
def randomized_tukey_hsd(
    scores: npt.NDArray[np.float64],
    n_resamples: int,
    seed: int,
    permutations: npt.NDArray[np.uint32] | None = None,
) -> npt.NDArray[np.float64]: ...
def bootstrap_intervals(
    scores: npt.NDArray[np.float64],
    paired: bool,
    confidence: float,
    alternative: _Alternative,
    method: _BootstrapMethod,
    n_resamples: int,
    seed: int,
    resamples: npt.NDArray[np.uint32] | None = None,
) -> npt.NDArray[np.float64]: ...
def tukey_hsd(
    scores: npt.NDArray[np.float64], confidence: float = 0.95
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]: ...
def t_test_power(
    difference: float,
    variance: float,
    n_topics: int,
    alpha: float,
    alternative: _Alternative,
) -> float: ...
def anova_power(
    difference: float, variance: float, n_topics: int, n_systems: int, alpha: float
) -> float: ...
def expected_interval_width(variance: float, n_topics: int, alpha: float) -> float: ...
def margin_of_error(variance: float, n_topics: float, df: float, confidence: float) -> float: ...
def pairwise_margins_of_error(
    scores: npt.NDArray[np.float64], confidence: float
) -> npt.NDArray[np.float64]: ...
def mean_margins_of_error(
    scores: npt.NDArray[np.float64], confidence: float
) -> npt.NDArray[np.float64]: ...
def topic_set_size(
    design: _SizeDesign,
    difference: float,
    variance: float,
    power: float,
    alpha: float,
    alternative: _Alternative,
    n_systems: int,
) -> int: ...
def tukey_hsd_p_values(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
def noncentral_t(t: float, df: float, nc: float) -> tuple[float, float]: ...
def noncentral_f(f: float, d1: float, d2: float, nc: float) -> tuple[float, float]: ...

class _FusionParams(TypedDict, total=False):
    """A fusion method's parameters (ranx's names), each optional until the method needs it."""

    k: float | None
    weights: list[float] | None
    gamma: float | None
    sigma: float | None
    phi: float | None
    log_odds: list[list[float]] | None
    map_scores: list[float] | None
    probs: list[list[float]] | None
    w: int | None

def fuse(
    runs: list[Run],
    method: Literal[
        "rrf",
        "combsum",
        "combmnz",
        "combmax",
        "combmin",
        "combanz",
        "borda",
        "isr",
        "wsum",
        "combmed",
        "combgmnz",
        "logn_isr",
        "condorcet",
        "rbc",
        "wmnz",
        "mixed",
        "bayesfuse",
        "mapfuse",
        "posfuse",
        "probfuse",
        "segfuse",
        "slidefuse",
        "sum",
        "mnz",
        "max",
        "min",
        "anz",
        "med",
        "gmnz",
        "bordafuse",
        "log_isr",
        "w_bordafuse",
        "w_condorcet",
    ],
    norm: Literal["min-max", "max", "sum", "zmuv", "rank", "borda"] | None,
    *,
    name: str = ...,  # "fused" (PyO3 cannot show this default)
    **params: Unpack[_FusionParams],
) -> Run: ...
def diversity_evaluate(
    qrels: str | PathLike[str] | dict[str, dict[str, dict[str, int]]],
    run: str | PathLike[str] | dict[str, dict[str, float]],
    measures: list[str],
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    relevance_level: int = 1,
    order: str = "score",
    depth: int | None = None,
) -> tuple[list[str], list[str], npt.NDArray[np.float64], list[float], str | None]: ...
def diversity_ndeval(
    qrels: str | PathLike[str],
    run: str | PathLike[str],
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    order: str = "rank",
    depth: int | None = None,
    complete: bool = False,
    baseline: str | PathLike[str] | None = None,
    risk_alpha: float = 0.0,
    risk_alpha_text: str = "0",
) -> str | None: ...
def cwl_eval_files(
    gains: str | PathLike[str],
    run: str | PathLike[str],
    costs: str | PathLike[str] | None = None,
    metrics: str | PathLike[str] | list[str] | None = None,
    residuals: bool = False,
    headings: bool = False,
) -> tuple[list[tuple[str, str, list[float], list[float] | None]], str]: ...
def evaluate_dicts(
    qrels: Qrels | JudgedDicts | dict[str, dict[str, int | float]],
    run: dict[str, dict[str, float]],
    measures: list[str],
    *,
    rel_level: float = 1.0,
    judged_only: bool = False,
    max_docs: int | None = None,
    per_query: tuple[list[str], list[int], list[bool], list[str]] | None = None,
    run_order: bool = False,
) -> (
    tuple[list[str], list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]
    | dict[str, dict[str, float]]
    | None
): ...

@final
class JudgedDicts:
    def to_dict(self) -> dict[str, dict[str, int | float]]: ...
    def __len__(self) -> int: ...

def judgements_copy(
    qrels: object,
) -> JudgedDicts | None: ...
def fusion_train(
    qrels: Qrels,
    runs: list[Run],
    method: str,
    *,
    n_segments: int | None = None,
) -> list[list[float]]: ...
def fusion_score_candidates(
    qrels: Qrels,
    runs: list[Run],
    method: str,
    norm: str | None,
    candidates: list[dict[str, Any]],
    measure: str,
) -> list[float]: ...
def qrels_and_run_from_dicts(
    qrels: dict[str, dict[str, int | float]],
    run: dict[str, dict[str, float]],
    *,
    score_precision: _ScorePrecision | None = None,  # None: "float32",
) -> tuple[Qrels, Run]: ...
def trec_eval_output(
    qrels_path: str | PathLike[str],
    run_paths: list[str | PathLike[str]],
    measures: list[str],
    *,
    per_query: bool = False,
    complete: bool = False,
    rel_level: float = 1.0,
    judged_only: bool = False,
    max_docs: int | None = None,
    summary: bool = True,
    runid: bool = False,
    trec_eval: _TrecEval = ...,
    ties: _TieRule = ...,
    num_docs_in_coll: int = 0,
    zscore_path: str | PathLike[str] | None = None,
) -> str: ...
def trec_eval_rel_info_output(
    rel_path: str | PathLike[str],
    rel_format: str,
    run_paths: list[str | PathLike[str]],
    measures: list[str],
    *,
    per_query: bool = False,
    complete: bool = False,
    rel_level: float = 1.0,
    judged_only: bool = False,
    max_docs: int | None = None,
    summary: bool = True,
    zscore_path: str | PathLike[str] | None = None,
) -> str: ...
def check_comment_lines(
    rel_path: str | PathLike[str],
    run_paths: list[str | PathLike[str]],
    *,
    trec_eval: _TrecEval = ...,
) -> None: ...
def evaluate_rel_info_files(
    rel_path: str | PathLike[str],
    rel_format: str,
    run_path: str | PathLike[str],
    measures: list[str],
    *,
    complete: bool = False,
    rel_level: float = 1.0,
    judged_only: bool = False,
    max_docs: int | None = None,
    zscore_path: str | PathLike[str] | None = None,
) -> tuple[list[str], list[str], list[list[float]], list[float], int]: ...
def get_num_threads() -> int: ...

# Rank correlation: one row, or rows cut by `offsets` / `shape`. The counts are
# (too_small, too_small_after_omit, constant, nan) rows.
_Counts = tuple[int, int, int, int]

def kendall_tau(
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
    variant: Literal["a", "b", "c"] = ...,
    method: Literal["auto", "exact", "asymptotic"] = ...,
    alternative: _Alternative = ...,
    nan_policy: _NanPolicy = ...,
    scipy_rounding: bool = False,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], _Counts]: ...
def spearman(
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
    alternative: _Alternative = ...,
    nan_policy: _NanPolicy = ...,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], _Counts]: ...
def weighted_tau(
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
    rank: Literal["average", "lexicographic", "index", "given"] = ...,
    rank_values: npt.NDArray[Any] | None = None,
    weights: npt.NDArray[np.float64] | None = None,
    additive: bool = True,
    nan_policy: _NanPolicy = ...,
) -> tuple[npt.NDArray[np.float64], _Counts]: ...
def ap_correlation(
    x: npt.NDArray[Any],
    y: npt.NDArray[Any],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
    ties: Literal["a", "b"] = ...,
    nan_policy: _NanPolicy = ...,
) -> tuple[npt.NDArray[np.float64], _Counts]: ...
def rank_biased_overlap(
    a_items: npt.NDArray[np.uint32],
    a_groups: npt.NDArray[np.uint32],
    b_items: npt.NDArray[np.uint32],
    b_groups: npt.NDArray[np.uint32],
    *,
    p: float = 0.9,
    ties: Literal["a", "b", "w"] = ...,
) -> tuple[float, float, float, float]: ...

# Consistency
def opis(
    data: npt.NDArray[Any],
    labels: npt.NDArray[np.uint32],
    *,
    metric: Literal["cosine", "l2", "similarity", "distance"] = ...,
    utility: Literal["hmean", "f1"] = ...,
    beta: float = 1.0,
    reference: Literal["class_mean", "pooled"] = ...,
    calibration: Literal["far", "threshold"] = ...,
    lo: float = 0.01,
    hi: float = 0.1,
    n_thresholds: int = 101,
    epsilon: float = 0.05,
    integration: Literal["trapezoid", "mean"] = ...,
    class_weights: npt.NDArray[np.float64] | None = None,
) -> dict[str, Any]: ...
def ranking_accuracy(
    chosen: npt.NDArray[np.float64],
    rejected: npt.NDArray[np.float64],
    *,
    alpha: npt.NDArray[np.float64] | None = None,
    tie_epsilon: float = 0.01,
) -> npt.NDArray[np.float64]: ...
def listwise_ranking_accuracy(
    logp: npt.NDArray[np.float64],
    human_rank: npt.NDArray[np.float64],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
    tie_epsilon: float = 0.01,
) -> npt.NDArray[np.float64]: ...
def idealized_ranking_accuracy(
    ref_chosen: npt.NDArray[np.float64],
    ref_rejected: npt.NDArray[np.float64],
    alpha: npt.NDArray[np.float64],
    betas: npt.NDArray[np.float64],
    *,
    alpha_epsilon: float = 0.001,
) -> npt.NDArray[np.float64]: ...
def ranking_difficulty(
    ref_chosen: npt.NDArray[np.float64], ref_rejected: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]: ...
def dpo_loss_bound(difficulty: npt.NDArray[np.float64], beta: float) -> npt.NDArray[np.float64]: ...
def set_num_threads(n: int) -> None: ...
def labels_order(
    values: npt.NDArray[np.float64],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
    ties: _TieBreak = ...,
    seed: int = 0,
    doc_ids: npt.NDArray[np.int64] | None = None,
    descending: bool = True,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def labels_inverse(
    perm: npt.NDArray[np.int64],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
) -> npt.NDArray[np.int64]: ...
def labels_aggregate(
    method: _AggregateMethod,
    n_items: npt.NDArray[np.int64],
    query_offsets: npt.NDArray[np.int64],
    *,
    items: npt.NDArray[np.int64] | None = None,
    window_offsets: npt.NDArray[np.int64] | None = None,
    winners: npt.NDArray[np.int64] | None = None,
    losers: npt.NDArray[np.int64] | None = None,
    weights: npt.NDArray[np.float64] | None = None,
    normalize: Literal["none", "window", "mean"] = ...,
    count: Literal["majority", "sum"] = ...,
    start: Literal["borda", "copeland"] = ...,
    alpha: float = 0.0,
    max_iter: int = 10000,
    tol: float = 1e-8,
) -> dict[str, Any]: ...
def labels_position_weights(
    ranks: npt.NDArray[np.int64], scheme: Literal["fullrank", "dcg"]
) -> npt.NDArray[np.float64]: ...
def labels_pair_weights(
    ranks_i: npt.NDArray[np.int64], ranks_j: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]: ...
def labels_curriculum_ease(
    scores: npt.NDArray[np.float64],
    labels: npt.NDArray[np.bool_],
    difficulty: Literal["reciprocal_rank", "normalized_score"],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
) -> npt.NDArray[np.float64]: ...
def labels_curriculum_weights(
    ease: npt.NDArray[np.float64], step: int, total_steps: int
) -> npt.NDArray[np.float64]: ...
def labels_soft_labels(
    scores: npt.NDArray[np.float64],
    temperature: float,
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
) -> npt.NDArray[np.float64]: ...
def labels_margin_targets(
    positive_scores: npt.NDArray[np.float64], negative_scores: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]: ...
def labels_hard_negatives(
    scores: npt.NDArray[np.float64],
    labels: npt.NDArray[np.float64],
    k: int,
    *,
    margin: float = 0.0,
    relative: float | None = None,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def labels_ranking_text(
    order: npt.NDArray[np.int64],
    *,
    offsets: npt.NDArray[np.int64] | None = None,
    shape: tuple[int, int] | None = None,
) -> list[str]: ...
def labels_active_windows(
    order: npt.NDArray[np.int64],
    confidence: npt.NDArray[np.float64],
    offsets: npt.NDArray[np.int64],
    budgets: npt.NDArray[np.int64],
    *,
    window: int,
    threshold: float,
    per_round: int,
    seed: int = 0,
    round: int = 0,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def labels_committee(
    rankings: npt.NDArray[np.int64],
    n: int,
    k: int,
    rule: Literal["k_borda", "chamberlin_courant", "pav"],
    *,
    approval_top: int = 1,
    groups: npt.NDArray[np.int64] | None = None,
    lower: npt.NDArray[np.int64] | None = None,
    upper: npt.NDArray[np.int64] | None = None,
) -> tuple[npt.NDArray[np.int64], float]: ...

# rankwise.ratings: the arguments are the dicts rankwise.ratings builds and checks once.
class _Weights(TypedDict):
    weights: NotRequired[npt.NDArray[np.float64]]

class _Pairs(_Weights):  # one row per comparison: player indices, the score of `a`
    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]

class _Ranked(_Weights):  # ranking r is items[offsets[r]:offsets[r + 1]], best first
    items: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int64]

class _Chosen(TypedDict):  # choice c picked chosen[c] over others[offsets[c]:offsets[c + 1]]
    chosen: npt.NDArray[np.int64]
    others: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int64]

class _Matches(TypedDict):  # match r is items[offsets[r]:offsets[r + 1]]; beliefs per player
    items: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int64]
    mu: npt.NDArray[np.float64]
    sigma: npt.NDArray[np.float64]
    ranks: NotRequired[npt.NDArray[np.float64]]  # one per entry of items (TrueSkill draws)

class _OneProblem(TypedDict):
    n_players: int

class _Problems(TypedDict):  # rows sorted by problem, bounds cutting them, local players
    bounds: list[int]
    players: list[int]

class _Comparisons(_Pairs, _OneProblem): ...
class _ComparisonGroups(_Pairs, _Problems): ...
class _Rankings(_Ranked, _OneProblem): ...
class _RankingGroups(_Ranked, _Problems): ...
class _Choices(_Chosen, _OneProblem): ...
class _ChoiceGroups(_Chosen, _Problems): ...

class _Iteration(TypedDict):
    alpha: float
    max_iter: int
    tol: float

class _Resampling(TypedDict):
    seed: int
    n_resamples: NotRequired[int]
    resamples: NotRequired[npt.NDArray[np.int64]]

_StrengthFit = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int, bool]
_StrengthGroups = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]
_TieModel = Literal["davidson", "rao_kupper"]

def ratings_bradley_terry(
    comparisons: _Comparisons, options: _Iteration, *, standard_errors: bool
) -> _StrengthFit: ...
def ratings_bradley_terry_bootstrap(
    comparisons: _Comparisons, options: _Iteration, resampling: _Resampling
) -> tuple[npt.NDArray[np.float64], int]: ...
def ratings_elo(
    comparisons: _Comparisons, *, k: float, scale: float, base: float, init: float
) -> npt.NDArray[np.float64]: ...
def ratings_rank_centrality(
    comparisons: _Comparisons, *, alpha: float
) -> npt.NDArray[np.float64]: ...
def ratings_luce_choice(
    choices: _Choices, options: _Iteration
) -> tuple[npt.NDArray[np.float64], int, bool]: ...
def ratings_ties(
    comparisons: _Comparisons, options: _Iteration, *, model: _TieModel, standard_errors: bool
) -> tuple[npt.NDArray[np.float64], float, npt.NDArray[np.float64], int, bool]: ...
def ratings_ties_bootstrap(
    comparisons: _Comparisons, options: _Iteration, resampling: _Resampling, *, model: _TieModel
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]: ...
def ratings_plackett_luce(
    rankings: _Rankings, options: _Iteration, *, standard_errors: bool
) -> _StrengthFit: ...
def ratings_plackett_luce_bootstrap(
    rankings: _Rankings, options: _Iteration, resampling: _Resampling
) -> tuple[npt.NDArray[np.float64], int]: ...
def ratings_contextual(
    comparisons: _Comparisons,
    features: npt.NDArray[np.float64],
    options: _Iteration,
    *,
    standard_errors: bool,
) -> tuple[
    npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], int, bool
]: ...
def ratings_contextual_bootstrap(
    comparisons: _Comparisons,
    features: npt.NDArray[np.float64],
    options: _Iteration,
    resampling: _Resampling,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]: ...
def ratings_openskill(
    matches: _Matches, *, beta: float, kappa: float, tau: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def ratings_trueskill(
    matches: _Matches, *, beta: float, tau: float, draw_probability: float, min_delta: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def ratings_bradley_terry_groups(
    groups: _ComparisonGroups, options: _Iteration, *, standard_errors: bool
) -> _StrengthGroups: ...
def ratings_plackett_luce_groups(
    groups: _RankingGroups, options: _Iteration, *, standard_errors: bool
) -> _StrengthGroups: ...
def ratings_ties_groups(
    groups: _ComparisonGroups, options: _Iteration, *, model: _TieModel, standard_errors: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], int]: ...
def ratings_contextual_groups(
    groups: _ComparisonGroups,
    features: npt.NDArray[np.float64],
    options: _Iteration,
    *,
    standard_errors: bool,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], int]: ...
def ratings_elo_groups(
    groups: _ComparisonGroups, *, k: float, scale: float, base: float, init: float
) -> npt.NDArray[np.float64]: ...
def ratings_rank_centrality_groups(
    groups: _ComparisonGroups, *, alpha: float
) -> npt.NDArray[np.float64]: ...
def ratings_luce_choice_groups(
    groups: _ChoiceGroups, options: _Iteration
) -> tuple[npt.NDArray[np.float64], int]: ...

class _MatchGroups(_Matches, _Problems): ...

def ratings_openskill_groups(
    groups: _MatchGroups, *, beta: float, kappa: float, tau: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def ratings_trueskill_groups(
    groups: _MatchGroups, *, beta: float, tau: float, draw_probability: float, min_delta: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def ratings_bradley_terry_groups_bootstrap(
    groups: _ComparisonGroups, options: _Iteration, resampling: _Resampling
) -> tuple[npt.NDArray[np.float64], int]: ...
def ratings_plackett_luce_groups_bootstrap(
    groups: _RankingGroups, options: _Iteration, resampling: _Resampling
) -> tuple[npt.NDArray[np.float64], int]: ...
def ratings_ties_groups_bootstrap(
    groups: _ComparisonGroups, options: _Iteration, resampling: _Resampling, *, model: _TieModel
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]: ...
def ratings_contextual_groups_bootstrap(
    groups: _ComparisonGroups,
    features: npt.NDArray[np.float64],
    options: _Iteration,
    resampling: _Resampling,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]: ...
