"""Ranking losses: rankwise.torch.losses against allRank, same batch, one process.

Each row times one forward **and backward** pass on a padded batch (float32, CPU unless
``--device cuda``) of ``Q`` lists x ``D`` candidates with graded labels 0..4 and about 10 % of
each list padded. allRank cannot be installed next to current numpy/torch, so its functions come
from the transcription the tests use (``tests/allrank_reference.py``, allRank commit c884756).

Goal of issue 7 (reported, not asserted): LambdaLoss on a (1024, 100) batch no slower than
allRank's (ratio >= 1). The values of both are printed side by side as a check that they do the
same work (allRank's ``reduction="sum"``, labels -1 marking padding). NeuralNDCG dominates the
run time of both (50 Sinkhorn rounds over (Q, D, D) tensors, kept for backward).

``--quick`` runs a (128, 100) batch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import _runner as R
from _runner import Bench, Target

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

TARGETS = [
    Target(
        f"ar_{s}",
        "rw" if s == "ndcg_loss2pp" else f"rw_{s}",
        1,
        f"LambdaLoss ({s}) 1024 x 100: no slower than allRank",
        "1024x100",
    )
    for s in ("ndcg_loss2pp", "lambdarank", "ranknet")
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke test: a (128, 100) batch")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p.add_argument("--repeat", type=int, default=5, help="timed calls after the warm-up (median)")
    p.add_argument("--budget", type=float, default=30.0, help="stop repeating after this many s")
    p.add_argument("--no-plot", action="store_true", help="do not draw the PNG charts")
    args = p.parse_args()
    torch = R.optional_import("torch")
    if torch is None:
        return
    import allrank_reference as ar

    from rankwise.torch import losses as rw

    R.print_banner()
    q, d = (128, 100) if args.quick else (1024, 100)
    gen = torch.Generator().manual_seed(R.SEED)
    scores = torch.randn(q, d, generator=gen).to(args.device)
    labels = torch.randint(0, 5, (q, d), generator=gen).float()
    lengths = torch.randint(int(0.8 * d), d + 1, (q,), generator=gen)
    mask = (torch.arange(d)[None, :] < lengths[:, None]).to(args.device)
    labels = labels.to(args.device)
    ar_labels = torch.where(mask, labels, -1.0)

    def sync() -> None:
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    def run(fn):  # type: ignore[no-untyped-def]
        def call() -> float:
            x = scores.clone().requires_grad_(True)
            loss = fn(x)
            loss.backward()
            sync()
            return float(loss)

        return call

    bench = Bench("bench_losses", args, baselines=[("rw", "rankwise")], targets=TARGETS)
    bench.start_size(q, d, unit="candidates")
    values = {}
    schemes = {
        "ndcg_loss2pp": ar.ndcgLoss2PP_scheme,
        "lambdarank": ar.lambdaRank_scheme,
        "ranknet": None,
    }
    for name, scheme in schemes.items():
        values[f"lambda {name}"] = {
            "allRank": bench.time(
                f"ar_{name}",
                "allRank",
                f"lambdaLoss {name}",
                run(lambda x, s=scheme: ar.lambdaLoss(x, ar_labels, weighing_scheme=s)),
            ),
            "rankwise": bench.time(
                f"rw_{name}" if name != "ndcg_loss2pp" else "rw",
                "rankwise",
                f"lambda_loss {name}",
                run(
                    lambda x, n=name: rw.lambda_loss(x, labels, mask, weighting=n, reduction="sum")
                ),
            ),
        }
    others = [
        ("listnet", lambda x: ar.listNet(x, ar_labels), lambda x: rw.listnet_loss(x, labels, mask)),
        (
            "listmle",
            lambda x: ar.listMLE(x, ar_labels, torch.arange(d, device=args.device)),
            lambda x: rw.listmle_loss(x, labels, mask),
        ),
        (
            "approx_ndcg",
            lambda x: ar.approxNDCGLoss(x, ar_labels),
            lambda x: rw.approx_ndcg_loss(x, labels, mask),
        ),
        (
            "neural_ndcg",
            lambda x: ar.neuralNDCG(x, ar_labels),
            lambda x: rw.neural_ndcg_loss(x, labels, mask),
        ),
    ]
    for name, theirs, ours in others:
        values[name] = {
            "allRank": bench.time(f"ar_{name}", "allRank", name, run(theirs)),
            "rankwise": bench.time(f"rw_{name}", "rankwise", name, run(ours)),
        }
    for what, by_tool in values.items():
        print(f"  value {what}: " + ", ".join(f"{t} {v:.6g}" for t, v in by_tool.items()))
    bench.note(
        "listmle values differ slightly: the labels have ties, which allRank orders by an "
        "unstable sort and rankwise by position"
    )
    bench.note(
        "the rankwise 'rw' ratio column is against lambda_loss ndcg_loss2pp; compare each "
        "allRank row with the rankwise row of the same name"
    )
    bench.end_size()
    bench.save()


if __name__ == "__main__":
    main()
