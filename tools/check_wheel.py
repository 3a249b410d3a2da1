"""Check the sdist and the wheel in a folder: what a user installs is what we mean to ship.

The wheel: exactly one compiled extension (``rankwise/_native.abi3.so`` or ``.pyd``), the
abi3 tag for CPython >= 3.11, on Linux a manylinux2014 platform tag that ``auditwheel show``
confirms from the symbols; the type stubs, ``py.typed``, the bundled sample and its
attribution, both licence files; the version of ``Cargo.toml``; the ``rankwise`` command; the
optional extras; no tests, benchmarks or Rust sources. The sdist: everything a build needs
(Cargo.lock, both crates, pyproject.toml, the licences). Prints what it checked and the sizes.

Usage: ``python tools/check_wheel.py dist``
"""

from __future__ import annotations

import email.parser
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = {"torch", "pandas", "polars", "dask", "ray", "spark"}
PACKAGE_FILES = {
    "rankwise/_native.pyi",
    "rankwise/py.typed",
    "rankwise/data/README.md",
    "rankwise/data/robust04.qrels.gz",
    "rankwise/data/robust04-bm25-rm3.run.gz",
    "rankwise/data/robust04-simulated-rerank.run.gz",
}
LICENCES = {"LICENSE-MIT", "LICENSE-APACHE"}


def fail(message: str) -> None:
    raise SystemExit(f"check_wheel: {message}")


def version() -> str:
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    return str(cargo["workspace"]["package"]["version"])


def check_wheel(path: Path) -> None:
    name, ver, python_tag, abi_tag, platform_tag = path.name[: -len(".whl")].split("-")
    if (name, ver) != ("rankwise", version()):
        fail(f"{path.name}: expected rankwise {version()}")
    if (python_tag, abi_tag) != ("cp311", "abi3"):
        fail(f"{path.name}: expected the tags cp311-abi3; got {python_tag}-{abi_tag}")
    if sys.platform == "linux" and "manylinux_2_17" not in platform_tag:
        fail(f"{path.name}: expected a manylinux2014 (manylinux_2_17) tag; got {platform_tag}")
    with zipfile.ZipFile(path) as wheel:
        names = set(wheel.namelist())
        extensions = sorted(n for n in names if re.search(r"\.(so|pyd|dylib)$", n))
        if len(extensions) != 1 or not re.fullmatch(
            r"rankwise/_native\.(abi3\.so|pyd)", extensions[0]
        ):
            fail(f"expected one extension module rankwise/_native; got {extensions}")
        if missing := PACKAGE_FILES - names:
            fail(f"missing from the wheel: {sorted(missing)}")
        info = f"rankwise-{ver}.dist-info"
        licences = {Path(n).name for n in names if n.startswith(f"{info}/licenses/")}
        if LICENCES - licences:
            fail(f"licence files missing from {info}/licenses: {sorted(LICENCES - licences)}")
        if stray := sorted(n for n in names if re.match(r"(tests|benches|rust|tools)/", n)):
            fail(f"files outside the package: {stray[:5]}")
        metadata = email.parser.Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    if metadata["Requires-Python"] != ">=3.11":
        fail(f"Requires-Python is {metadata['Requires-Python']!r}; expected '>=3.11'")
    if missing := EXTRAS - set(metadata.get_all("Provides-Extra") or []):
        fail(f"extras missing from the metadata: {sorted(missing)}")
    if not re.search(r"^rankwise\s*=\s*rankwise\.cli:main$", entry_points, flags=re.M):
        fail("the `rankwise` command is not an entry point")
    if sys.platform == "linux":
        auditwheel = shutil.which("auditwheel")
        if auditwheel is None:
            fail("auditwheel is not installed (pip install auditwheel)")
        shown = subprocess.run(
            [auditwheel, "show", str(path)], capture_output=True, text=True, check=True
        ).stdout
        if '"manylinux_2_17_x86_64"' not in shown and '"manylinux_2_17_aarch64"' not in shown:
            fail(f"auditwheel finds symbols newer than manylinux2014:\n{shown}")
    size = path.stat().st_size
    print(f"wheel ok: {path.name}, {size / 1e6:.2f} MB ({size / 2**20:.2f} MiB); {extensions[0]}")


def check_sdist(path: Path) -> None:
    with tarfile.open(path) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    needed = {
        "Cargo.toml",
        "Cargo.lock",
        "pyproject.toml",
        "rust/rankwise-core/Cargo.toml",
        "rust/rankwise-py/Cargo.toml",
        "python/rankwise/__init__.py",
        *LICENCES,
    }
    if missing := needed - names:
        fail(f"missing from the sdist: {sorted(missing)}")
    print(f"sdist ok: {path.name}, {path.stat().st_size / 1e6:.2f} MB")


def main(folder: Path) -> None:
    wheels = sorted(folder.glob("rankwise-*.whl"))
    sdists = sorted(folder.glob("rankwise-*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        fail(f"expected one wheel and one sdist in {folder}; got {wheels + sdists}")
    check_wheel(wheels[0])
    check_sdist(sdists[0])


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "dist"))
