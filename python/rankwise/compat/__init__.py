"""Drop-in replacements for the functions of other packages: same import shape, same
signatures, same results, computed by rankwise's Rust core.

* :mod:`rankwise.compat.pytrec_eval`: ``RelevanceEvaluator`` (trec_eval 9.0.x measures);
* :mod:`rankwise.compat.sklearn`: ``ndcg_score``, ``dcg_score``;
* :mod:`rankwise.compat.scipy`: ``kendalltau``, ``weightedtau``, ``spearmanr``
  (``scipy.stats``'s rank correlations);
* :mod:`rankwise.compat.ranx`: ``Qrels``, ``Run``, ``evaluate``, ``compare``, ``fuse``
  (ranx 0.3.21's metric names and definitions);
* :mod:`rankwise.compat.torchmetrics.functional`: ``retrieval_normalized_dcg``,
  ``retrieval_average_precision``, ``retrieval_reciprocal_rank``, ``retrieval_precision``,
  ``retrieval_recall``, ``retrieval_hit_rate`` (needs PyTorch).

Each module's docstring lists where it differs on purpose from the original; a test pins
every other case against the original package.
"""
