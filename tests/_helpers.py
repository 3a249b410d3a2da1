"""Texts shared by the model tests (test_models, test_scorers, test_seq2seq): one query and
four candidates, the first and third about it."""

from __future__ import annotations

QUERY = "what causes rain"
DOCS = [
    "Rain forms when water vapour condenses into droplets heavy enough to fall.",
    "The stock market fell sharply on Monday.",
    "Clouds release precipitation when their droplets merge and grow.",
    "Cats sleep for most of the day.",
]
