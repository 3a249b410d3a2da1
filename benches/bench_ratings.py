"""Bootstrap Bradley-Terry ratings: rankwise against the LMSYS arena's code, same data, one run.

Measured (the goal of issue 19 is printed as met / missed; nothing is asserted):

* 100,000 comparisons between 30 models (outcomes drawn from a Bradley-Terry model, 20% ties),
  1,000 bootstrap resamples: ``rankwise.ratings.bradley_terry(..., intervals="bootstrap")``
  (resamples drawn in Rust, fitted in parallel) against the arena's
  ``get_bootstrap_result(battles, compute_mle_elo, 1000)`` (lm-sys/FastChat
  ``fastchat/serve/monitor/elo_analysis.py``: pandas ``sample(frac=1.0, replace=True)``, pivot
  tables, sklearn ``LogisticRegression``), transcribed below with sklearn >= 1.8's
  ``C=np.inf`` for ``penalty=None``; goal >= 20x. The arena takes about a tenth of a second per
  resample, so it is timed on ``--sample`` resamples and **scaled** to the full count (said so
  in the output); the ratings of both on the full data are compared.

``--quick`` runs a smoke test (5,000 comparisons, 50 resamples, arena on 5).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

import _runner as R
import numpy as np

SEED = 42
N_MODELS = 30
GOAL = 20.0
OUTCOMES = np.array(["model_a", "model_b", "tie"])


def make_battles(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """Arena-like battles: random pairs of models, outcomes from Bradley-Terry with ties."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.0, N_MODELS)
    a = rng.integers(0, N_MODELS, n)
    b = (a + rng.integers(1, N_MODELS, n)) % N_MODELS
    p_a = 1.0 / (1.0 + np.exp(theta[b] - theta[a]))
    u = rng.random(n)
    winner = np.where(u < 0.2, 2, np.where(rng.random(n) < p_a, 0, 1))
    names = np.array([f"model-{i:02d}" for i in range(N_MODELS)])
    return {"model_a": names[a], "model_b": names[b], "winner": OUTCOMES[winner]}


def compute_mle_elo(df: Any, SCALE=400, BASE=10, INIT_RATING=1000) -> Any:
    """The arena's ``compute_mle_elo`` (pandas pivot tables, sklearn logistic regression)."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    ptbl_a_win = pd.pivot_table(
        df[df["winner"] == "model_a"],
        index="model_a",
        columns="model_b",
        aggfunc="size",
        fill_value=0,
    )
    if sum(df["winner"].isin(["tie", "tie (bothbad)"])) == 0:
        ptbl_tie = pd.DataFrame(0, index=ptbl_a_win.index, columns=ptbl_a_win.columns)
    else:
        ptbl_tie = pd.pivot_table(
            df[df["winner"].isin(["tie", "tie (bothbad)"])],
            index="model_a",
            columns="model_b",
            aggfunc="size",
            fill_value=0,
        )
        ptbl_tie = ptbl_tie + ptbl_tie.T
    ptbl_b_win = pd.pivot_table(
        df[df["winner"] == "model_b"],
        index="model_a",
        columns="model_b",
        aggfunc="size",
        fill_value=0,
    )
    ptbl_win = ptbl_a_win * 2 + ptbl_b_win.T * 2 + ptbl_tie
    models = pd.Series(np.arange(len(ptbl_win.index)), index=ptbl_win.index)
    p = len(models)
    X = np.zeros([p * (p - 1) * 2, p])
    Y = np.zeros(p * (p - 1) * 2)
    cur_row = 0
    sample_weights = []
    for m_a in ptbl_win.index:
        for m_b in ptbl_win.columns:
            if m_a == m_b:
                continue
            if math.isnan(ptbl_win.loc[m_a, m_b]) or math.isnan(ptbl_win.loc[m_b, m_a]):
                continue
            X[cur_row, models[m_a]] = +math.log(BASE)
            X[cur_row, models[m_b]] = -math.log(BASE)
            Y[cur_row] = 1.0
            sample_weights.append(ptbl_win.loc[m_a, m_b])
            X[cur_row + 1, models[m_a]] = math.log(BASE)
            X[cur_row + 1, models[m_b]] = -math.log(BASE)
            Y[cur_row + 1] = 0.0
            sample_weights.append(ptbl_win.loc[m_b, m_a])
            cur_row += 2
    X = X[:cur_row]
    Y = Y[:cur_row]
    lr = LogisticRegression(fit_intercept=False, C=np.inf, tol=1e-6)
    lr.fit(X, Y, sample_weight=sample_weights)
    elo_scores = SCALE * lr.coef_[0] + INIT_RATING
    return pd.Series(elo_scores, index=models.index).sort_values(ascending=False)


def get_bootstrap_result(battles: Any, func_compute_elo: Any, num_round: int) -> Any:
    """The arena's ``get_bootstrap_result`` (without its progress bar)."""
    import pandas as pd

    rows = []
    for _ in range(num_round):
        rows.append(func_compute_elo(battles.sample(frac=1.0, replace=True)))
    df = pd.DataFrame(rows)
    return df[df.median().sort_values(ascending=False).index]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke test: tiny sizes")
    p.add_argument("--comparisons", type=int, default=100_000)
    p.add_argument("--resamples", type=int, default=1_000)
    p.add_argument("--sample", type=int, default=20, help="resamples the arena code is timed on")
    p.add_argument("--repeat", type=int, default=3, help="timed rankwise calls (median)")
    args = p.parse_args()
    if args.quick:
        args.comparisons, args.resamples, args.sample, args.repeat = 5_000, 50, 5, 1
    from rankwise import ratings

    R.print_banner()
    n, k = args.comparisons, args.resamples
    print(f"\nBootstrap Bradley-Terry: {n:,} comparisons, {N_MODELS} models, {k:,} resamples")
    data = make_battles(n)
    timing, result = R.measure(
        lambda: ratings.bradley_terry(**data, n_resamples=k, seed=SEED), repeat=args.repeat
    )
    rw_s = timing.median_s
    print(
        f"  rankwise.ratings.bradley_terry  {R.fmt_s(rw_s):>10}  (median of {len(timing.times_s)})"
    )
    import pandas as pd

    battles = pd.DataFrame(data)
    s = min(args.sample, k)
    t0 = time.perf_counter()
    get_bootstrap_result(battles, compute_mle_elo, s)
    arena_sample_s = time.perf_counter() - t0
    arena_s = arena_sample_s * k / s
    scaled = f"SCALED: timed on {s} resamples, {R.fmt_s(arena_sample_s)}, x {k / s:,.0f}"
    print(f"  arena get_bootstrap_result      {R.fmt_s(arena_s):>10}  ({scaled})")
    full = compute_mle_elo(battles)
    ours = pd.Series(result.ratings, index=result.players)
    diff = float((ours - full.reindex(ours.index)).abs().max())
    print(f"  ratings on the full data: largest difference {diff:.2e} rating points")
    ratio = arena_s / rw_s
    verdict = "met" if ratio >= GOAL else f"MISSED (by {GOAL / ratio:.1f}x)"
    print(f"  speed-up {R.fmt_ratio(ratio)}; goal >= {GOAL:.0f}x: {verdict}")
    if not args.quick:
        record = {
            "comparisons": n,
            "models": N_MODELS,
            "resamples": k,
            "rankwise_s": rw_s,
            "rankwise_times_s": timing.times_s,
            "arena_s_scaled": arena_s,
            "arena_sample_resamples": s,
            "arena_sample_s": arena_sample_s,
            "ratio": ratio,
            "max_rating_difference": diff,
            "environment": R.environment(),
        }
        out = R.RESULTS / "bench_ratings.json"
        out.write_text(json.dumps(record, indent=2) + "\n")
        print(f"  wrote {out.relative_to(R.HERE.parent)}")


if __name__ == "__main__":
    main()
