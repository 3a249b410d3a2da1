"""The ``rankwise`` command: ``rankwise demo``."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .demo import demo

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rankwise",
        description="rankwise: the mathematics of ranking, exact and fast.",
    )
    parser.add_argument("--version", action="version", version=f"rankwise {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("demo", help="evaluate a real run bundled with the package")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo()
        return 0
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
