#!/usr/bin/env bash
# Build rankwise's sdist and the abi3 wheel for this machine's platform into dist/ (or $OUT),
# then check them (tools/check_wheel.py: one extension module, abi3 tag, stubs, py.typed,
# sample data, licences, extras; on Linux `auditwheel show` must find manylinux2014 symbols).
#
# On Linux the wheel is linked by zig (PyPI package `ziglang`) against glibc 2.17's symbols,
# so one wheel built on any Linux installs on every manylinux2014 system. Needs maturin,
# ziglang and auditwheel: pip install ".[release]" (or the versions pyproject.toml lists).
#
# PROFILE=ci gives an optimised build without fat LTO (a quicker build, a slower wheel).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OUT="${OUT:-dist}"
PROFILE="${PROFILE:-release}"
rm -rf "$OUT"
mkdir -p "$OUT"

maturin sdist --out "$OUT"
if [[ "$(uname -s)" == Linux ]]; then
    maturin build --locked --profile "$PROFILE" --strip --zig --compatibility manylinux2014 \
        --out "$OUT"
else
    maturin build --locked --profile "$PROFILE" --strip --out "$OUT"
fi

python tools/check_wheel.py "$OUT"
