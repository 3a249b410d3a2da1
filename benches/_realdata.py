"""Real texts for the model benchmarks, from gensim's test data (``pip install gensim``, in the
``bench`` extra); gensim is imported only when a function here is called.

* :func:`lee_dataset`: the Lee et al. (2005) corpus of 50 news articles with averaged human
  similarity ratings for every pair, as a reranking task (each article a query, the other 49
  its candidates, graded judgements from the ratings).
* :func:`wiki_passages`: paragraphs of real Wikipedia articles (gensim's shortened English
  dump), each used once: texts for throughput measurements that do not repeat across queries.

Lee, M. D., Pincombe, B., & Welsh, M. (2005). An empirical evaluation of models of text
document similarity. Proceedings of the 27th Annual Conference of the Cognitive Science
Society, 1254-1259.
"""

from __future__ import annotations

import bz2
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_EXTRA = "pip install gensim (or pip install -e '.[bench]')"

# Mean rating on the raters' 1-5 scale -> grade: each mean rounded to the nearest point of the
# scale; points 1 and 2 (the "unrelated" half) are not relevant, 3 (the midpoint) is grade 1,
# 4 grade 2 and 5 ("highly related") grade 3. The cuts are therefore at 2.5, 3.5 and 4.5.
LEE_GRADE_CUTS = (2.5, 3.5, 4.5)


def _test_data() -> Path:
    try:
        from gensim.test.utils import datapath
    except ImportError as e:
        raise ImportError(f"the real-data benchmarks read gensim's test data: {_EXTRA}") from e
    return Path(datapath("lee.cor")).parent


@dataclass(frozen=True)
class LeeDataset:
    """The Lee corpus as a reranking task.

    ``doc_ids[i]`` (``"d00"``..``"d49"``) names article ``texts[i]``; every article is also a
    query with the same id. ``ratings[i, j]`` is the mean human rating of the pair on the
    1-5 scale (symmetric, 5 on the diagonal); ``qrels`` holds the graded judgement of every
    pair of different articles (grade 0 included: every candidate is judged).
    """

    doc_ids: list[str]
    texts: list[str]
    ratings: np.ndarray
    qrels: dict[str, dict[str, int]]

    def candidates(self, query: int) -> list[int]:
        """The other 49 articles, in corpus order."""
        return [j for j in range(len(self.texts)) if j != query]

    def judged_queries(self) -> list[int]:
        """Queries with at least one relevant (grade >= 1) candidate."""
        return [
            i for i, q in enumerate(self.doc_ids) if any(g >= 1 for g in self.qrels[q].values())
        ]


def lee_grade(rating: float) -> int:
    """Grade 0-3 of a mean rating on the 1-5 scale (see ``LEE_GRADE_CUTS``)."""
    return int(sum(rating >= cut for cut in LEE_GRADE_CUTS))


def lee_dataset() -> LeeDataset:
    """The Lee et al. (2005) 50 articles and their pairwise human ratings (gensim test data).

    ``lee.cor`` holds the articles, one per line, Latin-1; ``similarities0-1.txt`` the upper
    triangle of the 50 x 50 matrix of mean ratings divided by 5 (gensim's ``test_lee.py``
    reads the same files; its smallest value, 0.2, is the scale's 1).
    """
    data = _test_data()
    lines = (data / "lee.cor").read_bytes().decode("latin-1").splitlines()
    texts = [" ".join(line.split()) for line in lines if line.strip()]
    upper = np.loadtxt(data / "similarities0-1.txt")
    if upper.shape != (len(texts), len(texts)) or len(texts) != 50:
        raise ValueError(f"unexpected Lee data: {len(texts)} articles, ratings {upper.shape}")
    ratings = (np.triu(upper, 1) + np.triu(upper, 1).T) * 5.0
    np.fill_diagonal(ratings, 5.0)
    doc_ids = [f"d{i:02d}" for i in range(len(texts))]
    qrels = {
        doc_ids[i]: {doc_ids[j]: lee_grade(ratings[i, j]) for j in range(len(texts)) if j != i}
        for i in range(len(texts))
    }
    return LeeDataset(doc_ids, texts, ratings, qrels)


def wiki_passages(seed: int = 42) -> tuple[list[str], list[str]]:
    """Article titles and paragraphs (>= 20 words, tables and templates left out, markup
    stripped by gensim's ``filter_wiki``) of gensim's shortened English Wikipedia dump
    (107 articles, about 5,000 paragraphs of 20-3,000 words, median 76); paragraphs shuffled
    with ``seed``."""
    data = _test_data()
    from gensim.corpora.wikicorpus import extract_pages, filter_wiki

    dump = data / "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
    titles: list[str] = []
    paragraphs: list[str] = []
    with bz2.open(dump) as f:
        for title, text, _ in extract_pages(f, filter_namespaces=("0",)):
            if text.lower().startswith("#redirect"):
                continue
            titles.append(title)
            for block in re.split(r"\n\s*\n", filter_wiki(text)):
                words = block.split()
                if len(words) >= 20 and not block.lstrip().startswith(("|", "{", "!")):
                    paragraphs.append(" ".join(words))
    random.Random(seed).shuffle(paragraphs)
    return titles, paragraphs


def bm25_scores(queries: list[str], docs: list[str], k1: float = 0.9, b: float = 0.4) -> np.ndarray:
    """BM25 (Robertson et al.; Lucene's idf ``log(1 + (N - df + 0.5) / (df + 0.5))``, Anserini's
    defaults k1 = 0.9, b = 0.4) of every query against every document, shape
    ``(len(queries), len(docs))``. Tokens: lower-cased ``\\w+`` runs, no stemming or
    stop list; a query term counts once per occurrence in the query."""
    token = re.compile(r"\w+")
    doc_tokens = [token.findall(d.lower()) for d in docs]
    vocab: dict[str, int] = {}
    for toks in doc_tokens:
        for t in toks:
            vocab.setdefault(t, len(vocab))
    tf = np.zeros((len(docs), len(vocab)))
    for i, toks in enumerate(doc_tokens):
        for t in toks:
            tf[i, vocab[t]] += 1
    lengths = tf.sum(1)
    df = (tf > 0).sum(0)
    n = len(docs)
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
    norm = k1 * (1.0 - b + b * lengths / lengths.mean())
    weight = idf * tf * (k1 + 1.0) / (tf + norm[:, None])  # (docs, vocab)
    q_counts = np.zeros((len(queries), len(vocab)))
    for i, q in enumerate(queries):
        for t in token.findall(q.lower()):
            if t in vocab:
                q_counts[i, vocab[t]] += 1
    scores: np.ndarray = q_counts @ weight.T
    return scores
