"""ranx's own tests, kept verbatim for ``run_peer_suites.py`` (which runs them against
rankwise.compat.ranx): not collected with rankwise's tests, where they would test ranx."""

collect_ignore = ["unit"]
