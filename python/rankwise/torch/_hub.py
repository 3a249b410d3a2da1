"""Where a model's files are: a local folder, or a Hugging Face model id in the user's cache.

A name is a **folder** when it exists on disk or looks like a path (``/``, ``./``, ``~``,
a ``.gguf`` file, more than one ``/``); otherwise it is a **model id** (``org/name`` or
``name``), resolved by ``transformers``' own hub functions, which honour ``HF_HOME``,
``HF_HUB_CACHE`` and ``HF_HUB_OFFLINE``. rankwise has no downloader of its own: in offline mode
an id must already be in the cache; online, ``transformers`` fetches the files it needs the
way ``from_pretrained`` always does.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidValueError, ModelNotFoundError

__all__ = ["ModelSource", "model_source"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")


def _offline() -> bool:
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - transformers depends on huggingface_hub
        return False
    return bool(constants.HF_HUB_OFFLINE)


def _how_to_get(name: str) -> str:
    return (
        f"download it once with `hf download {name}` (or `huggingface-cli download {name}`) "
        f"where the network is reachable, with the same HF_HOME, or pass a local folder"
    )


@dataclass(frozen=True)
class ModelSource:
    """A model's location: ``ref`` goes to ``from_pretrained`` (a folder path or a model id);
    ``local`` says which; ``revision`` pins a hub revision (None: ``main``); ``what`` is the
    argument the caller wrote the name in, for the error messages."""

    ref: str
    local: bool
    revision: str | None = None
    what: str = "model_path"

    def file(self, filename: str) -> Path | None:
        """The local path of ``filename`` in the model (None when the model has no such
        file). For an id, ``transformers`` finds it in the cache (or fetches it, when
        online)."""
        if self.local:
            path = Path(self.ref) / filename
            return path if path.is_file() else None
        from transformers.utils.hub import cached_file

        try:
            found = cached_file(
                self.ref,
                filename,
                revision=self.revision,
                _raise_exceptions_for_missing_entries=False,
                _raise_exceptions_for_connection_errors=False,
            )
        except OSError as e:
            raise self.not_found(e) from e
        return Path(found) if found else None

    def json(self, filename: str) -> dict[str, Any] | None:
        """``filename`` read as a JSON object, or None when the model has no such file."""
        path = self.file(filename)
        if path is None:
            return None
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, dict):
            raise InvalidValueError(f"{path}: expected a JSON object")
        return data

    def load_options(self) -> dict[str, Any]:
        """Keywords for ``from_pretrained``: a folder never touches the network."""
        if self.local:
            return {"local_files_only": True}
        return {"revision": self.revision} if self.revision else {}

    def not_found(self, cause: BaseException | None = None) -> ModelNotFoundError:
        """The error for a model id whose files cannot be had."""
        from huggingface_hub import constants

        why = f" ({type(cause).__name__}: {str(cause).splitlines()[0]})" if cause else ""
        expected = f"`{self.what}` must be a model folder or the id of a Hugging Face model"
        if _offline():
            return ModelNotFoundError(
                f"{expected} in the cache ({constants.HF_HUB_CACHE}) while HF_HUB_OFFLINE is "
                f"set; got {self.ref!r}, which is neither{why}: " + _how_to_get(self.ref)
            )
        return ModelNotFoundError(
            f"{expected} in the cache ({constants.HF_HUB_CACHE}) or on the hub; got "
            f"{self.ref!r}, which is neither{why}: check the name, or " + _how_to_get(self.ref)
        )

    def check(self) -> ModelSource:
        """``self`` when the model has a ``config.json`` (or ``modules.json``)."""
        if self.file("config.json") is None and self.file("modules.json") is None:
            if self.local:
                raise ModelNotFoundError(
                    f"`{self.what}` must be a model folder (with a config.json); got {self.ref!r}"
                )
            raise self.not_found()
        return self


def _looks_like_path(name: str) -> bool:
    return (
        name.startswith(("/", "./", "../", "~", "\\"))
        or name.endswith(".gguf")
        or name.count("/") > 1
        or os.sep in name.replace("/", "")
        or not _ID.match(name)
    )


def model_source(
    name: str | os.PathLike[str], *, revision: str | None = None, what: str = "model_path"
) -> ModelSource:
    """The :class:`ModelSource` of a folder or model id (not yet checked for files).

    Raises :class:`rankwise.errors.ModelNotFoundError` (a ``FileNotFoundError``) for a path that
    is not a folder."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if not isinstance(name, str) or not name:
        raise InvalidValueError(
            f"`{what}` must be a model folder or a Hugging Face model id; got {name!r}"
        )
    try:
        path = Path(name).expanduser()
        is_dir, exists = path.is_dir(), path.exists()
    except (OSError, RuntimeError):  # a name too long for a path; "~user" of no such user
        is_dir, exists = False, True
    if is_dir:
        return ModelSource(str(path), True, what=what)
    if exists or _looks_like_path(name):
        raise ModelNotFoundError(
            f"`{what}` must be a model folder or a Hugging Face model id (org/name); "
            f"got {name!r}, which is not a model folder"[:400]
        )
    return ModelSource(name, False, revision, what)
