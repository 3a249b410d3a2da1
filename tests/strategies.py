"""Hypothesis strategies for qrels, runs and score/label arrays.

They aim at the cases where tools disagree: tied scores, duplicate score values, graded and
negative labels, queries missing on either side, empty rankings, cutoffs beyond the list, and
document ids whose byte order differs from their "natural" order (``d10`` < ``d2``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

# Ids chosen so that byte order, length order and numeric order all disagree.
DOC_IDS = [
    "d1", "d10", "d2", "d20", "d3", "D3", "a", "ab", "b", "b0", "c00", "c0", "x-1",
    "x_1", "zz", "é", "e", "0", "00", "9",
]  # fmt: skip
QUERY_IDS = ["q1", "q2", "q10", "301", "q3"]

# Few distinct values -> many ties.
TIED_SCORES = st.sampled_from([0.0, -0.0, 0.5, 1.0, 1.5, -1.0, 2.0, 1e-9])
# No subnormal scores: pytrec_eval compares them as if they were 0 (trec_eval built normally,
# like rankwise, compares them as the IEEE numbers they are); real runs never hold them.
ANY_SCORES = st.floats(-10, 10, allow_nan=False, allow_infinity=False, allow_subnormal=False)
SCORES = st.one_of(TIED_SCORES, ANY_SCORES)
LABELS = st.integers(-2, 4)


@st.composite
def qrels_dicts(
    draw: st.DrawFn, labels: st.SearchStrategy[int] = LABELS
) -> dict[str, dict[str, int]]:
    """Qrels whose every query has at least one label >= 0.

    (pytrec_eval loops forever on a query whose labels are all negative, so the oracle tests
    cannot cover that case; ``test_edge_cases`` pins rankwise's answer for it.)
    """
    queries = draw(st.lists(st.sampled_from(QUERY_IDS), min_size=1, max_size=4, unique=True))
    out: dict[str, dict[str, int]] = {}
    for q in queries:
        docs = draw(st.lists(st.sampled_from(DOC_IDS), min_size=1, max_size=12, unique=True))
        judged = {d: draw(labels) for d in docs}
        if max(judged.values()) < 0:
            judged[docs[0]] = draw(st.integers(0, 4))
        out[q] = judged
    return out


@st.composite
def run_dicts(
    draw: st.DrawFn,
    queries: list[str] | None = None,
    scores: st.SearchStrategy[float] = SCORES,
    min_docs: int = 0,
) -> dict[str, dict[str, float]]:
    """A run over some of `queries` (or random ones), possibly with empty rankings."""
    pool = queries if queries else QUERY_IDS
    extra = draw(st.lists(st.sampled_from(QUERY_IDS), max_size=2, unique=True))
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True))
    out: dict[str, dict[str, float]] = {}
    for q in dict.fromkeys(chosen + extra):
        docs = draw(st.lists(st.sampled_from(DOC_IDS), min_size=min_docs, max_size=15, unique=True))
        out[q] = {d: draw(scores) for d in docs}
    return out


@st.composite
def qrels_and_run(
    draw: st.DrawFn,
    labels: st.SearchStrategy[int] = LABELS,
    scores: st.SearchStrategy[float] = SCORES,
    min_docs: int = 1,
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]]:
    """Qrels and a run that share at least one query.

    Rankings are non-empty by default: pytrec_eval crashes (segfault) on some measure sets
    when a run query has no document, so the oracle tests cannot cover empty rankings;
    ``test_edge_cases`` pins rankwise's value for them (0).
    """
    qrels = draw(qrels_dicts(labels))
    run = draw(run_dicts(list(qrels), scores, min_docs))
    return qrels, run


def distinct_scores(n: int) -> st.SearchStrategy[list[float]]:
    """`n` scores without ties (for peers that break ties their own way)."""
    return st.lists(st.integers(-10_000, 10_000), min_size=n, max_size=n, unique=True).map(
        lambda v: [x / 100 for x in v]
    )


@st.composite
def score_label_matrix(
    draw: st.DrawFn,
    max_queries: int = 6,
    max_docs: int = 12,
    labels: st.SearchStrategy[int] = st.integers(0, 3),
    tied: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """A (Q, D) batch of scores (float64) and integer labels; ``tied=False`` gives each row
    distinct scores (distinct in single precision too)."""
    q = draw(st.integers(1, max_queries))
    d = draw(st.integers(1, max_docs))
    if tied:
        flat = draw(st.lists(TIED_SCORES, min_size=q * d, max_size=q * d))
    else:
        flat = [x for _ in range(q) for x in draw(distinct_scores(d))]
    scores = np.array(flat, dtype=np.float64)
    labs = np.array(draw(st.lists(labels, min_size=q * d, max_size=q * d)), dtype=np.int64)
    return scores.reshape(q, d), labs.reshape(q, d)
