"""The statistics of a comparison: rankwise vs ranx where ranx has the test, and the cost of the
new statistics next to the existing randomization test.

Data: ``bench_compare.make_runs`` (5 runs over ``--queries`` queries x 100 candidates), nDCG@10,
AP and RR. Timed, each after one warm-up call, median of ``--repeat``:

* ``rankwise.compare(..., test="t-test", correction=None)`` vs ``ranx.compare(...,
  stat_test="student")``: evaluation plus the paired t-test for all 10 pairs x 3 measures (ranx
  calls ``scipy.stats.ttest_rel`` per pair); the p-values are checked equal;
* ``rankwise.compare(..., test="randomization")`` two-sided with Holm (the existing test) vs
  one-sided (``alternative="greater"``, both orders of every pair) with Benjamini-Yekutieli,
  plus Cohen's d, Hedges' g, Sakai's residual effect size, the paired t intervals, the means'
  intervals and the one- and two-way ANOVA of every measure: the new statistics' cost next to
  the old test's;
* the tests over all systems and the bootstrap intervals, each for the 3 measures on the
  comparison's per-query values, next to the existing randomization ``compare`` (which also
  evaluates): Tukey's HSD, Carterette's randomised Tukey HSD (``--resamples`` permutations),
  BCa and percentile bootstrap intervals of every pair's mean difference and of each mean
  (``--resamples`` resamples); and ``ranx.compare(..., stat_test="tukey")`` (scipy's
  ``tukey_hsd``) vs ``rankwise.compare(..., test="tukey")``, the p-values checked equal.

    python benches/bench_compare_stats.py [--queries 250] [--resamples 10000] [--repeat 5]
"""

from __future__ import annotations

import itertools

import _runner as R
from bench_compare import MEASURES, RANX_MEASURES, inputs, parser, ranx_inputs

import rankwise


def main() -> None:
    args = parser(__doc__).parse_args()
    qrels, runs, rw_qrels, rw_runs = inputs(args)

    def t_ours() -> rankwise.comparison.Comparison:
        return rankwise.compare(rw_qrels, rw_runs, MEASURES, test="t-test", correction=None)

    def randomization() -> object:
        return rankwise.compare(
            rw_qrels, rw_runs, MEASURES, n_resamples=args.resamples, correction="holm"
        )

    def new_statistics() -> object:
        c = rankwise.compare(
            rw_qrels,
            rw_runs,
            MEASURES,
            n_resamples=args.resamples,
            alternative="greater",
            correction="by",
        )
        return [
            (c.effect_sizes(m), c.effect_sizes(m, "hedges_g"), c.effect_sizes(m, "residual"),
             c.difference_intervals(m), c.mean_intervals(m), c.anova(m), c.anova(m, "one-way"))
            for m in MEASURES
        ]  # fmt: skip

    rows = []
    time_t, comparison = R.measure(t_ours, repeat=args.repeat)
    rows.append(["rankwise.compare (t-test)", R.fmt_s(time_t.median_s), "1.0x"])
    ranx = R.optional_import("ranx")
    if ranx is not None:
        r_qrels, r_runs = ranx_inputs(ranx, qrels, runs)

        def t_ranx() -> object:
            return ranx.compare(
                r_qrels, r_runs, [RANX_MEASURES[m] for m in MEASURES], stat_test="student"
            )

        time_ranx, report = R.measure(t_ranx, repeat=args.repeat, budget_s=120)
        rows.append(
            [
                "ranx.compare (student)",
                R.fmt_s(time_ranx.median_s),
                R.fmt_ratio(time_ranx.median_s / time_t.median_s),
            ]
        )
        worst = 0.0
        for (i, a), (j, b) in itertools.combinations(enumerate(runs), 2):
            for m in MEASURES:
                theirs = report.comparisons[a, b][RANX_MEASURES[m]]["p_value"]
                ours = float(comparison.p_values[m][i, j])
                worst = max(worst, abs(ours - theirs) / max(abs(theirs), 1e-300))
        print(f"t-test p-values, largest relative difference from ranx (scipy): {worst:.1e}")
    else:
        print("ranx is not installed: only rankwise is timed")
    R.print_table(["call", "median", "vs rankwise"], rows)

    time_old, _ = R.measure(randomization, repeat=args.repeat)
    time_new, _ = R.measure(new_statistics, repeat=args.repeat)
    R.print_table(
        ["rankwise.compare (randomization)", "median", "vs two-sided"],
        [
            ["two-sided, holm (existing)", R.fmt_s(time_old.median_s), "1.0x"],
            [
                "greater, by, + effect sizes, intervals, ANOVA",
                R.fmt_s(time_new.median_s),
                f"{time_new.median_s / time_old.median_s:.2f}x the time",
            ],
        ],
    )

    c = t_ours()
    n_res = args.resamples
    multi = [
        ("tukey_hsd", lambda: [c.tukey_hsd(m) for m in MEASURES]),
        ("randomized_tukey_hsd",
         lambda: [c.randomized_tukey_hsd(m, n_resamples=n_res) for m in MEASURES]),
        ("difference_intervals (bca)",
         lambda: [c.difference_intervals(m, method="bca", n_resamples=n_res) for m in MEASURES]),
        ("difference_intervals (percentile)",
         lambda: [c.difference_intervals(m, method="percentile", n_resamples=n_res)
                  for m in MEASURES]),
        ("mean_intervals (bca)",
         lambda: [c.mean_intervals(m, method="bca", n_resamples=n_res) for m in MEASURES]),
    ]  # fmt: skip
    table = [["compare (randomization, existing)", R.fmt_s(time_old.median_s), "1.00x"]]
    for name, call in multi:
        timing, _ = R.measure(call, repeat=args.repeat)
        table.append(
            [name, R.fmt_s(timing.median_s), f"{timing.median_s / time_old.median_s:.2f}x"]
        )
    R.print_table(["3 measures, all systems", "median", "vs randomization compare"], table)

    if ranx is not None:

        def tukey_ours() -> rankwise.comparison.Comparison:
            return rankwise.compare(rw_qrels, rw_runs, MEASURES, test="tukey")

        def tukey_ranx() -> object:
            return ranx.compare(
                r_qrels, r_runs, [RANX_MEASURES[m] for m in MEASURES], stat_test="tukey"
            )

        time_ours, ours_c = R.measure(tukey_ours, repeat=args.repeat)
        time_theirs, theirs = R.measure(tukey_ranx, repeat=1, budget_s=300)
        worst = 0.0
        for (i, a), (j, b) in itertools.combinations(enumerate(runs), 2):
            for m in MEASURES:
                want = theirs.comparisons[a, b][RANX_MEASURES[m]]["p_value"]
                worst = max(worst, abs(float(ours_c.p_values[m][i, j]) - want))
        R.print_table(
            ["Tukey HSD, 3 measures", "median", "vs rankwise"],
            [
                ["rankwise.compare (tukey)", R.fmt_s(time_ours.median_s), "1.0x"],
                ["ranx.compare (tukey)", R.fmt_s(time_theirs.median_s),
                 R.fmt_ratio(time_theirs.median_s / time_ours.median_s)],
            ],
        )  # fmt: skip
        print(f"Tukey p-values, largest absolute difference from ranx (scipy): {worst:.1e}")


if __name__ == "__main__":
    main()
