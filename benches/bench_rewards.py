"""RL rewards over many rollouts: ``rankwise.torch.rewards.permutation_rewards`` against the
per-rollout Python loop a GRPO trainer would otherwise run (parse the answer as RankGPT does,
then nDCG@10 of the order, as rankwise computes it, with numpy).

Data: ``--rollouts`` generated answers (default 100,000) over windows of 20 candidates with
graded labels; a tenth of the answers are garbled (a repeated, a missing or an unknown
identifier). Both sides give the same rewards (checked) with ``malformed="repair"``.

    python benches/bench_rewards.py [--rollouts 100000] [--quick]
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np

from rankwise.torch.rewards import permutation_rewards

WINDOW = 20


def make_answers(rollouts: int, seed: int = 42) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.where(
        rng.random((rollouts, WINDOW)) < 0.7, 0, rng.integers(1, 4, (rollouts, WINDOW))
    )
    texts = []
    for r in range(rollouts):
        ids = [f"[{i + 1}]" for i in rng.permutation(WINDOW)]
        if r % 10 == 0:
            ids[3] = ids[5]  # a duplicate (and so a missing one)
        if r % 10 == 1:
            ids.append("[42]")
        texts.append(" > ".join(ids))
    return texts, labels.astype(np.float64)


def python_loop(texts: list[str], labels: np.ndarray) -> np.ndarray:
    """RankGPT's repair (digits, first occurrence, drop unknown, append missing), then nDCG@10
    with linear gains (trec_eval's, as rankwise's), one rollout at a time."""
    out = np.empty(len(texts))
    discount = 1.0 / np.log2(np.arange(2, WINDOW + 2))
    for r, text in enumerate(texts):
        seen: list[int] = []
        for tok in re.findall(r"\d+", text):
            i = int(tok) - 1
            if 0 <= i < WINDOW and i not in seen:
                seen.append(i)
        order = seen + [i for i in range(WINDOW) if i not in seen]
        gains = labels[r][order]
        ideal = np.sort(labels[r])[::-1]
        idcg = float(ideal[:10] @ discount[:10])
        out[r] = float(gains[:10] @ discount[:10]) / idcg if idcg > 0 else 0.0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rollouts", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 2_000 if args.quick else args.rollouts
    texts, labels = make_answers(n)
    permutation_rewards(texts[:10], labels[:10], "nDCG@10", malformed="repair")  # warm-up
    t = time.perf_counter()
    ours = permutation_rewards(texts, labels, "nDCG@10", malformed="repair")
    ours_s = time.perf_counter() - t
    t = time.perf_counter()
    peer = python_loop(texts, labels)
    peer_s = time.perf_counter() - t
    same = np.allclose(ours, peer, rtol=0, atol=1e-12)
    print(f"{n:,} rollouts x {WINDOW} candidates, nDCG@10 of the generated permutation")
    print(f"  rankwise permutation_rewards  {ours_s * 1e3:10.1f} ms")
    print(f"  Python loop (RankGPT repair)  {peer_s * 1e3:10.1f} ms")
    print(f"  ratio {peer_s / ours_s:.1f}x; {'same rewards' if same else 'REWARDS DIFFER'}")


if __name__ == "__main__":
    main()
