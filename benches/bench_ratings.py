"""Bootstrap Bradley-Terry ratings: rankwise against the LMSYS arena's code, same data, one run.

Measured (the goal of issue 19 is printed as met / missed; nothing is asserted):

* 100,000 comparisons between 30 models (outcomes drawn from a Bradley-Terry model, 20% ties),
  1,000 bootstrap resamples: ``rankwise.ratings.bradley_terry(..., intervals="bootstrap")``
  (resamples drawn in Rust, fitted in parallel) against the arena's
  ``get_bootstrap_result(battles, compute_mle_elo, 1000)`` (lm-sys/FastChat
  ``fastchat/serve/monitor/elo_analysis.py``: pandas ``sample(frac=1.0, replace=True)``, pivot
  tables, sklearn ``LogisticRegression``), transcribed below with sklearn >= 1.8's
  ``C=np.inf`` for ``penalty=None`` (FastChat's last PyPI release, fschat 0.2.36, predates
  ``compute_mle_elo``: its ``compute_elo_mle_with_tie`` is another estimator, L2-penalised);
  goal >= 20x. The arena takes about a tenth of a second per resample, so it is timed on
  ``--sample`` resamples and **scaled** to the full count (said so in the output); the ratings
  of both on the full data are compared.

Then the other fits against their references (one row each, same data, ratio printed):

* ``davidson`` (ties) on the battles above: one Newton fit against scipy's L-BFGS-B on the
  published log-likelihood (the test's reference), and its bootstrap timed alone;
* ``contextual_bradley_terry`` (style control, 4 covariates) against statsmodels' ``GLM``
  (binomial, logit) on the same design;
* ``plackett_luce`` bootstrap (rankings of 2-6 of 30 players) against ``choix.mm_rankings`` on
  every resample (timed on ``--sample`` resamples and scaled);
* ``openskill`` (matches of 2-6 of 30 players) against openskill's ``PlackettLuce.rate`` in a
  loop;
* ``bradley_terry_groups``: many small problems (100 comparisons of 8 players each, no ties)
  fitted at once, against ``choix.mm_pairwise`` on each problem in a loop; and their
  bootstrap (200 resamples per problem) in one call, against the single-problem bootstrap
  (``bradley_terry``, the same draws) called per problem in a loop.

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
    others = other_fits(args, data)
    if not args.quick:
        record = {
            "other_fits": others,
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


def make_rankings(n: int, seed: int = SEED) -> list[list[int]]:
    """Rankings of 2-6 of the models, drawn from Plackett-Luce."""
    rng = np.random.default_rng(seed)
    strength = np.exp(rng.normal(0.0, 1.0, N_MODELS))
    out = []
    for _ in range(n):
        pool = rng.choice(N_MODELS, int(rng.integers(2, 7)), replace=False)
        keys = rng.gumbel(size=len(pool)) + np.log(strength[pool])
        out.append([int(p) for p in pool[np.argsort(-keys)]])
    return out


def row(name: str, ours_s: float, peer: str, peer_s: float, note: str = "") -> float:
    ratio = peer_s / ours_s
    print(
        f"  {name:<42} {R.fmt_s(ours_s):>10}  {peer:<34} {R.fmt_s(peer_s):>10}  "
        f"{R.fmt_ratio(ratio)}{note}"
    )
    return ratio


def other_fits(args: argparse.Namespace, data: dict[str, np.ndarray]) -> dict[str, Any]:
    """The ties, style-control, Plackett-Luce and openskill rows (see the module docstring)."""
    import choix
    import scipy.optimize
    import statsmodels.api as sm
    from openskill.models import PlackettLuce

    from rankwise import ratings

    record: dict[str, Any] = {}
    n = len(data["winner"])
    print(f"\nOther fits ({n:,} comparisons / rankings, {N_MODELS} models)")
    print(f"  {'rankwise':<34} {'':>10}  {'reference':<34}")
    names, ia = np.unique(data["model_a"], return_inverse=True)
    ib = np.searchsorted(names, data["model_b"])
    score = np.where(
        data["winner"] == "model_a", 1.0, np.where(data["winner"] == "model_b", 0, 0.5)
    )

    def neg_loglik(x: np.ndarray) -> float:
        s = np.concatenate([[0.0], x[:-1]])
        pa, pb, nu = np.exp(s[ia]), np.exp(s[ib]), math.exp(x[-1])
        den = pa + pb + nu * np.sqrt(pa * pb)
        num = np.where(score == 1, pa, np.where(score == 0, pb, nu * np.sqrt(pa * pb)))
        return -float(np.sum(np.log(num / den)))

    t, _ = R.measure(lambda: ratings.davidson(**data, intervals=None), repeat=args.repeat)
    t0 = time.perf_counter()
    scipy.optimize.minimize(neg_loglik, np.zeros(N_MODELS), method="L-BFGS-B")
    ref_s = time.perf_counter() - t0
    record["davidson_fit"] = [t.median_s, ref_s]
    row("davidson (one fit)", t.median_s, "scipy L-BFGS-B, published loglik", ref_s)
    k = args.resamples
    tb, _ = R.measure(lambda: ratings.davidson(**data, n_resamples=k), repeat=1)
    record["davidson_bootstrap_s"] = tb.median_s
    print(f"  davidson bootstrap, {k:,} resamples   {R.fmt_s(tb.median_s):>10}")

    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(n, 4))
    tc, _ = R.measure(
        lambda: ratings.contextual_bradley_terry(**data, features=x, intervals="asymptotic"),
        repeat=args.repeat,
    )
    design = np.zeros((n, N_MODELS))
    design[np.arange(n), ia] += 1.0
    design[np.arange(n), ib] -= 1.0
    t0 = time.perf_counter()
    sm.GLM(score, np.column_stack([design[:, 1:], x]), family=sm.families.Binomial()).fit()
    ref_s = time.perf_counter() - t0
    record["contextual_fit"] = [tc.median_s, ref_s]
    row("contextual_bradley_terry (+ se)", tc.median_s, "statsmodels GLM binomial (+ se)", ref_s)

    votes = make_rankings(max(n // 10, 100))
    tp, _ = R.measure(
        lambda: ratings.plackett_luce(votes, n_resamples=k, alpha=0.01), repeat=args.repeat
    )
    s = min(args.sample, k)
    pick = np.random.default_rng(1).integers(0, len(votes), (s, len(votes)))
    t0 = time.perf_counter()
    for r in pick:
        choix.mm_rankings(N_MODELS, [votes[i] for i in r], alpha=0.01)
    ref_s = (time.perf_counter() - t0) * k / s
    record["plackett_luce_bootstrap"] = [tp.median_s, ref_s, len(votes), k]
    row(
        f"plackett_luce bootstrap ({len(votes):,} rankings)",
        tp.median_s,
        "choix.mm_rankings per resample",
        ref_s,
        f"  (choix SCALED from {s} resamples)",
    )

    matches = make_rankings(max(n // 5, 100), seed=SEED + 1)
    to, _ = R.measure(lambda: ratings.openskill(matches), repeat=args.repeat)
    model = PlackettLuce()
    state = [model.rating() for _ in range(N_MODELS)]
    t0 = time.perf_counter()
    for match in matches:
        for p_, team in zip(match, model.rate([[state[p_]] for p_ in match]), strict=True):
            state[p_] = team[0]
    ref_s = time.perf_counter() - t0
    record["openskill"] = [to.median_s, ref_s, len(matches)]
    row(f"openskill ({len(matches):,} matches)", to.median_s, "openskill PlackettLuce.rate", ref_s)

    n_groups, per = max(n // 50, 20), 100
    g = np.repeat(np.arange(n_groups), per)
    ga = rng.integers(0, 8, n_groups * per)
    gb = (ga + rng.integers(1, 8, n_groups * per)) % 8
    gw = rng.random(n_groups * per) < 1 / (1 + np.exp(0.3 * (gb - ga)))
    win, lose = np.where(gw, ga, gb), np.where(gw, gb, ga)
    tg, _ = R.measure(
        lambda: ratings.bradley_terry_groups(
            win, lose, np.ones(len(g)), g, alpha=0.01, intervals=None
        ),
        repeat=args.repeat,
    )
    t0 = time.perf_counter()
    for k_ in range(n_groups):
        sl = slice(k_ * per, (k_ + 1) * per)
        choix.mm_pairwise(8, list(zip(win[sl], lose[sl], strict=True)), alpha=0.01)
    ref_s = time.perf_counter() - t0
    record["bradley_terry_groups"] = [tg.median_s, ref_s, n_groups]
    row(
        f"bradley_terry_groups ({n_groups:,} problems)",
        tg.median_s,
        "choix.mm_pairwise per problem",
        ref_s,
    )

    # The grouped bootstrap (problems x resamples in one parallel call) against the same
    # bootstrap called per problem in a Python loop (each call parallel over its resamples):
    # the draws are equal (tests/test_ratings_groups.py); the loop pays a call per problem.
    n_boot = 20 if args.quick else 200
    kw = {"alpha": 0.01, "intervals": "bootstrap", "n_resamples": n_boot, "seed": 1}
    tb, _ = R.measure(
        lambda: ratings.bradley_terry_groups(win, lose, np.ones(len(g)), g, **kw),
        repeat=args.repeat,
    )
    t0 = time.perf_counter()
    for k_ in range(n_groups):
        sl = slice(k_ * per, (k_ + 1) * per)
        ratings.bradley_terry(win[sl], lose[sl], np.ones(per), **kw)
    ref_s = time.perf_counter() - t0
    record["bradley_terry_groups_bootstrap"] = [tb.median_s, ref_s, n_groups, n_boot]
    row(
        f"bradley_terry_groups bootstrap ({n_groups:,} x {n_boot})",
        tb.median_s,
        "rankwise bradley_terry per problem",
        ref_s,
    )
    return record


if __name__ == "__main__":
    main()
