"""The dict shortcut of `evaluate` finds a run document in the qrels by the address of its
`str` when both dicts hold the very same object (ids a program made once and used in both),
and by the qrels dict's own lookup otherwise; it stops trying addresses once most miss. Every
mix must give what the built `Qrels` and `Run` give, which never look at addresses.
"""

from __future__ import annotations

import random
import types

import rankwise
from rankwise.compat import pytrec_eval

from .test_evaluate_dicts import same_report

MEASURES = ["nDCG@10", "AP", "RR", "P@5", "gm_map", "num_ret", "num_rel", "num_rel_ret"]


def copy(text: str) -> str:
    """An equal `str` that is another object."""
    out = (text + " ")[:-1]
    assert out == text and out is not text
    return out


def shared_dicts(
    queries: int, docs: int, seed: int, shared: float, shuffle: bool
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]]:
    """Qrels and a run whose ids are one list's `str` objects, except, in a fraction
    `1 - shared` of the run's queries, fresh copies of them (equal, not identical); some run
    documents unjudged, some queries unjudged, scores often tied (so that ties are broken by
    the documents' ids, read from wherever they were found)."""
    rng = random.Random(seed)
    qids = [f"q{i}" for i in range(queries + 20)]  # 20 queries the qrels do not judge
    docids = [f"d{j}" for j in range(2 * docs)]
    qrels = {
        qids[i]: {
            docids[j]: rng.choice([0, 0, 1, 2, -1]) for j in rng.sample(range(2 * docs), docs)
        }
        for i in range(queries)
    }
    order = list(qids)
    if shuffle:
        rng.shuffle(order)
    run: dict[str, dict[str, float]] = {}
    for q in order:
        same = rng.random() < shared
        run[q if same else copy(q)] = {
            (docids[j] if same else copy(docids[j])): rng.choice([0.5, 1.0, rng.random()])
            for j in rng.sample(range(2 * docs), docs)
        }
    return qrels, run


def test_documents_found_by_address_or_by_lookup_give_the_built_objects_values() -> None:
    # 300 queries x 40 documents: past the 4096 lookups after which mostly missing addresses
    # stop the address tables, so both sides of that verdict are read.
    for seed, shared, shuffle in [(1, 1.0, False), (2, 1.0, True), (3, 0.7, True), (4, 0.1, False)]:
        qrels, run = shared_dicts(300, 40, seed, shared, shuffle)
        slow = rankwise.evaluate(rankwise.Qrels(qrels), rankwise.Run(run), MEASURES)
        same_report(rankwise.evaluate(qrels, run, MEASURES), slow)
        per_query = rankwise.evaluate(qrels, run, ["AP", "P@5"], per_query=True)
        assert per_query == rankwise.evaluate(
            qrels, types.MappingProxyType(run), ["AP", "P@5"], per_query=True
        )
        evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut", "map", "recip_rank"})
        fast = evaluator.evaluate(run)
        general = evaluator.evaluate(types.MappingProxyType(run))
        assert list(fast) == list(general)
        assert all(list(fast[q].items()) == list(general[q].items()) for q in general)
