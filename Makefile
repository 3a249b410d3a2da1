# The fast developer loop (docs/guide/developing.md). `make ci` (.ci/run) stays the full gate:
# a fresh virtualenv, the release wheel, every test including the slow ones, benchmarks, fuzzing.
# Run these targets inside a virtualenv with the test, lint and docs extras installed:
#     python -m venv .venv && . .venv/bin/activate && pip install maturin -e '.[test,lint,docs]'
PYTHON ?= python
PYTEST ?= $(PYTHON) -m pytest -q -p no:warnings

.PHONY: dev test-rust test-py test-slow test lint stubs docs ci

# Builds the extension with the ci profile (release without fat LTO: minutes, not tens of minutes)
# into python/rankwise/ and installs the package in editable mode.
dev:
	$(PYTHON) -m maturin develop --profile ci

test-rust:
	cargo test --profile ci -p rankwise-core

# Everything but the tests marked `slow` (models, inference engines, scale-out, long fuzzing).
test-py:
	$(PYTEST) -m "not slow"

test-slow:
	$(PYTEST) -m slow

test: test-rust test-py test-slow

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(PYTHON) -m ruff check python tests benches tools
	$(PYTHON) -m ruff format --check python tests benches tools
	$(PYTHON) -m mypy --strict python/rankwise

# The stub python/rankwise/_native.pyi against the compiled module (tools/stubtest_allowlist.txt
# lists what stubtest cannot see, each with its reason).
stubs:
	$(PYTHON) -m mypy.stubtest rankwise._native --allowlist tools/stubtest_allowlist.txt

docs:
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict --site-dir site

ci:
	bash .ci/run
