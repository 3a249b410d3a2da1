"""The peers' own test suites, run against rankwise's drop-ins (see run_peer_suites.py)."""
