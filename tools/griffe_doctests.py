"""A griffe extension for the documentation site: doctest examples written in a docstring's
prose (outside a numpy "Examples" section, which griffe already renders as code) become fenced
``pycon`` code blocks, so that their output (``[['b', 'c'], ['d']]``) is shown as code and not
read as Markdown links; Sphinx roles become inline code. Used by mkdocs.yml; the docstrings
themselves stay plain doctests."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import griffe

# griffe loads extensions by file path: their shared base is found in this folder
sys.path.insert(0, str(Path(__file__).resolve().parent))
from griffe_runtime_docs import EveryObject

_SECTION = re.compile(r"^\s*-{3,}\s*$")
# Sphinx roles (:func:`rankwise.evaluate`, :class:`~rankwise.Run`) that the docstrings use for
# readers of help(): shown as code on the site.
_ROLE = re.compile(r":(?:func|mod|class|meth|attr|data|exc|obj|ref):`~?([^`]+)`")


def fence_doctests(text: str) -> str:
    """Wrap each run of ``>>>`` lines (with their continuation and output lines, up to a blank
    line) in a fenced block, except inside a numpy-style "Examples" section."""
    lines = text.splitlines()
    out: list[str] = []
    in_examples = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and _SECTION.match(lines[i + 1]) and line.strip():
            in_examples = line.strip() == "Examples"
        stripped = line.lstrip()
        if not in_examples and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append(f"{indent}```")
            continue
        out.append(line)
        i += 1
    return _ROLE.sub(r"`\1`", "\n".join(out))


def runtime_docstring(path: str) -> str | None:
    """The docstring of a compiled object (``rankwise._native.Qrels.from_trec``), whose stub
    has none: the Rust doc comments reach Python only at run time."""
    module_name, _, attributes = path.partition("._native")
    try:
        value: Any = importlib.import_module(f"{module_name}._native")
    except ImportError:
        return None
    for name in attributes.strip(".").split(".") if attributes else []:
        value = getattr(value, name, None)
        if value is None:
            return None
    return inspect.getdoc(value)


class DoctestFences(EveryObject):
    """Fences the prose doctests of every docstring of a package once it is loaded, and gives
    the objects of the compiled module (typed by ``_native.pyi``) their run-time docstrings."""

    def visit_object(self, obj: griffe.Object) -> None:
        if obj.docstring is None and "._native" in obj.path + ".":
            doc = runtime_docstring(obj.path)
            if doc:
                obj.docstring = griffe.Docstring(doc, parent=obj)
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
