"""The ``rankwise`` command: ``rankwise demo``."""

from __future__ import annotations

import argparse
import sys

from ._native import __version__

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
        from .sample import demo

        demo()
        return 0
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
