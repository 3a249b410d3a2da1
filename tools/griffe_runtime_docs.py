"""A griffe extension for the documentation site: functions whose docstring is completed at
import time from a shared template (marked ``__rankwise_filled_doc__`` by the decorator that
fills it, e.g. ``rankwise._ratings_groups._grouped``) get their run-time docstring, which
griffe's static reading of the source would miss. Used by mkdocs.yml, before the doctest
fences."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import griffe


def filled_docstring(path: str) -> str | None:
    """The run-time docstring of the object at ``path`` if a template filled it, else None."""
    module_name, _, name = path.rpartition(".")
    try:
        value: Any = getattr(importlib.import_module(module_name), name, None)
    except ImportError:
        return None
    if not getattr(value, "__rankwise_filled_doc__", False):
        return None
    return inspect.getdoc(value)


class EveryObject(griffe.Extension):
    """An extension that calls :meth:`visit_object` once on every object of a loaded package (its
    members in turn, aliases passed over); the base of this folder's griffe extensions."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        self._walk(pkg, set())

    def _walk(self, obj: griffe.Object, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        self.visit_object(obj)
        for member in obj.members.values():
            if not member.is_alias:
                self._walk(member, seen)  # type: ignore[arg-type]

    def visit_object(self, obj: griffe.Object) -> None:
        raise NotImplementedError


class RuntimeDocstrings(EveryObject):
    """Gives every template-filled function of a loaded package its run-time docstring."""

    def visit_object(self, obj: griffe.Object) -> None:
        if obj.is_function:
            # Also where it is exported from: a private module may not import first on its own
            # (``rankwise._ratings_models`` imports ``rankwise.ratings``, which imports it
            # back), while the public module that re-exports it does, in any order.
            paths = (obj.path, *obj.aliases)
            doc = next(filter(None, map(filled_docstring, paths)), None)
            if doc:
                # parsed as the source's docstring is (numpy), so that its sections render as
                # the other functions' do: Parameters as a table, not as plain text
                old = obj.docstring
                parser = old.parser if old else None
                options = old.parser_options if old else None
                obj.docstring = griffe.Docstring(
                    doc, parent=obj, parser=parser, parser_options=options
                )
