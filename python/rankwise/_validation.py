"""Input normalisation for the array API, in one place.

Every array argument goes through here once: ``np.asarray``, a supported dtype, C-contiguity
and shape checks. Arrays that already have a supported dtype and layout are passed on
without a copy (the Rust side borrows them); anything else is converted once, or refused
with a message that names the argument, what was received and what was expected.
"""

from __future__ import annotations

import operator
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import InvalidValueError, RankwiseTypeError, ShapeError

_SCORE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_LABEL_DTYPES = tuple(
    np.dtype(t)
    for t in (
        np.int8,
        np.int16,
        np.int32,
        np.int64,
        np.uint8,
        np.uint16,
        np.uint32,
        np.float32,
        np.float64,
    )
)


@dataclass(frozen=True)
class Batch:
    """Validated, flat, C-contiguous inputs of ``_native.evaluate_arrays``."""

    scores: npt.NDArray[Any]
    labels: npt.NDArray[Any]
    offsets: npt.NDArray[np.int64] | None
    shape: tuple[int, int] | None
    mask: npt.NDArray[np.bool_] | None
    n_relevant: npt.NDArray[np.int64] | None
    num_queries: int


def _shape(a: npt.NDArray[Any]) -> str:
    return "(" + ", ".join(str(d) for d in a.shape) + ("," if a.ndim == 1 else "") + ")"


_FLOAT_MAX = float(np.finfo(np.float64).max)
_RAGGED = (
    "`{name}` must be a rectangular array (nested sequences of one length each; ragged rows "
    "go flat with `offsets`); got sequences of different lengths"
)


def _describe_number(v: object) -> str:
    """A number for an error message: a huge int by its size, not its 600 digits."""
    if isinstance(v, int) and abs(v) >= 2**64:
        sign = "-" if v < 0 else ""
        digits = len(str(abs(v)))
        return f"{sign}2**{abs(v).bit_length() - 1} or more (an integer of {digits} digits)"
    return repr(v)


def real_array(name: str, value: object, *, exact: bool = False) -> npt.NDArray[Any]:
    """``np.asarray(value)`` for an argument that holds real numbers, with rankwise errors that
    name the argument: nested sequences of different lengths are a :class:`ShapeError`; Python
    ints beyond the float64 range an :class:`InvalidValueError`. A list of Python numbers that
    numpy keeps as objects (ints beyond 64 bits) becomes float64; any other object array (one
    passed as such, or of other things) is returned as it is, for the caller's dtype check to
    refuse. ``exact``: refuse ints that
    float64 would round (beyond 2**53) instead, for arguments whose order must be kept."""
    try:
        a = np.asarray(value)
    except ValueError:  # ragged nesting ("inhomogeneous shape")
        raise ShapeError(_RAGGED.format(name=name)) from None
    except OverflowError as e:
        raise InvalidValueError(f"`{name}` holds a value out of the float64 range ({e})") from None
    if a.dtype != np.dtype(object) or a.size == 0 or isinstance(value, np.ndarray):
        return a  # an object array the caller built is theirs to convert
    flat = a.reshape(-1)
    numbers = (int, float, np.integer, np.floating)
    if not all(isinstance(v, numbers) for v in flat):
        return a
    limit = 2**53 if exact else _FLOAT_MAX
    for i, v in enumerate(flat):
        if isinstance(v, int) and not -limit <= v <= limit:
            index = tuple(int(j) for j in np.unravel_index(i, a.shape))
            where = "" if a.ndim == 0 else f" at index {index[0] if a.ndim == 1 else index}"
            expected = (
                "integers in the int64 range, or floats (rank statistics compare values "
                "exactly, and these ints would be rounded)"
                if exact
                else "numbers in the float64 range (|x| <= 1.8e308)"
            )
            raise InvalidValueError(
                f"`{name}` must hold {expected}; got {_describe_number(v)}{where}"
            )
    return a.astype(np.float64)


def _real(name: str, value: object) -> npt.NDArray[Any]:
    """:func:`real_array`, refusing any dtype but bool, int, uint and float (strings, objects,
    complex numbers) with a :class:`RankwiseTypeError` naming the argument."""
    a = real_array(name, value)
    if a.dtype.kind not in "biuf":
        raise RankwiseTypeError(f"`{name}` must be an array of real numbers; got dtype {a.dtype}")
    return a


def real_scalar(name: str, value: object) -> float:
    """``float(value)`` for a numeric argument, with rankwise errors that name it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise RankwiseTypeError(f"`{name}` must be a number; got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise InvalidValueError(
            f"`{name}` must be a number in the float64 range (|x| <= 1.8e308); got "
            f"{_describe_number(value)}"
        ) from None


def int_array(name: str, value: object) -> npt.NDArray[Any]:
    """``np.asarray(value)`` for an argument that holds integers (positions, counts, ids):
    an empty list (float64 to numpy) is an empty int64 array; ragged nesting is a
    :class:`ShapeError`; Python ints beyond 64 bits an :class:`InvalidValueError`; other
    dtypes a :class:`RankwiseTypeError`, each naming the argument."""
    try:
        a = np.asarray(value)
    except ValueError:
        raise ShapeError(_RAGGED.format(name=name)) from None
    if a.size == 0 and a.dtype.kind in "fbO":
        return np.zeros(a.shape, dtype=np.int64)
    if a.dtype == np.dtype(object) and all(isinstance(v, (int, np.integer)) for v in a.flat):
        big = next(v for v in a.flat if not -(2**63) <= v < 2**63)
        raise InvalidValueError(
            f"`{name}` must hold integers in the int64 range; got {_describe_number(big)}"
        )
    if a.dtype.kind not in "iu":
        raise RankwiseTypeError(f"`{name}` must be an integer array; got dtype {a.dtype}")
    return a


def _ragged(value: object) -> bool:
    """Whether numpy refuses ``value`` as nested sequences of different lengths."""
    try:
        np.asarray(value)
    except ValueError:
        return True
    return False


def flag(name: str, value: object) -> bool:
    """A yes/no option: a bool (numpy's included), refused naming it otherwise."""
    if not isinstance(value, (bool, np.bool_)):
        raise RankwiseTypeError(f"`{name}` must be True or False; got {type(value).__name__}")
    return bool(value)


def _numeric(name: str, value: object) -> npt.NDArray[Any]:
    a = real_array(name, value)
    if a.dtype.kind not in "biuf":
        raise RankwiseTypeError(f"`{name}` must be a numeric array; got dtype {a.dtype}")
    return a


def _scores(value: object) -> npt.NDArray[Any]:
    a = _numeric("scores", value)
    if a.dtype in _SCORE_DTYPES:
        return a
    if a.dtype == np.float16:
        return a.astype(np.float32)
    return a.astype(np.float64)  # integers and booleans: exact below 2**53


def _labels(value: object) -> npt.NDArray[Any]:
    a = _numeric("labels", value)
    if a.dtype in _LABEL_DTYPES:
        return a
    if a.dtype == np.bool_:
        return a.view(np.int8)  # zero-copy
    if a.dtype == np.float16:
        return a.astype(np.float32)
    return a.astype(np.float64)  # uint64


def _flat(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    # A view for C-contiguous input, one copy otherwise.
    return np.ascontiguousarray(a).reshape(-1)


def _int_vector(name: str, value: object, length: int | None, what: str) -> npt.NDArray[np.int64]:
    a = int_array(name, value)
    if a.ndim != 1:
        raise ShapeError(f"`{name}` must be 1-D ({what}); got shape {_shape(a)}")
    if length is not None and a.shape[0] != length:
        raise ShapeError(f"`{name}` must have shape ({length},) ({what}); got {_shape(a)}")
    if a.dtype == np.uint64 and a.size and int(a.max()) > np.iinfo(np.int64).max:
        raise InvalidValueError(f"`{name}` has values too large for int64")
    return np.ascontiguousarray(a, dtype=np.int64)


# Int64 values and row layouts of the label-construction API (rankwise.labels).
def _rows(
    name: str, value: object, offsets: object
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64] | None, tuple[int, int] | None]:
    """Flat float64 values plus the row layout (offsets, or the shape of a 2-D array)."""
    a = _real(name, value)
    if offsets is not None:
        if a.ndim != 1:
            raise ShapeError(f"`{name}` must be 1-D with `offsets`; got shape {_shape(a)}")
        off = _int_vector("offsets", offsets, None, "query boundaries, length Q + 1")
        return np.ascontiguousarray(a, dtype=np.float64), off, None
    if a.ndim == 1:
        return np.ascontiguousarray(a, dtype=np.float64), None, (1, int(a.shape[0]))
    if a.ndim == 2:
        flat = np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
        return flat, None, (int(a.shape[0]), int(a.shape[1]))
    raise ShapeError(f"`{name}` must be 1-D or 2-D (queries, candidates); got {_shape(a)}")


def _ints(name: str, value: object) -> npt.NDArray[np.int64]:
    a = int_array(name, value)
    if a.dtype == np.uint64 and a.size and int(a.max()) > np.iinfo(np.int64).max:
        raise InvalidValueError(
            f"`{name}` must hold integers in the int64 range; got {int(a.max())}"
        )
    return np.ascontiguousarray(a, dtype=np.int64)


def _labels_like(labels: object, scores: npt.ArrayLike) -> npt.NDArray[Any]:
    """``labels`` as real numbers, of the shape of ``scores`` (one label per score)."""
    lab = _real("labels", labels)
    if lab.shape != np.shape(scores):
        raise ShapeError(
            f"`labels` must have shape {_shape(np.asarray(scores))} like `scores`; "
            f"got {_shape(lab)}"
        )
    return lab


def batch(
    scores: object,
    labels: object,
    *,
    offsets: object = None,
    mask: object = None,
    n_relevant: object = None,
) -> Batch:
    """Normalise array-API inputs.

    ``scores`` is ``(Q, D)`` (one row per query), or 1-D with ``offsets`` (ragged: query ``q``
    owns ``scores[offsets[q]:offsets[q + 1]]``), or 1-D without offsets (a single query).
    ``labels`` and ``mask`` have the shape of ``scores``.
    """
    s = _scores(scores)
    lab = _labels(labels)
    if s.ndim not in (1, 2):
        raise ShapeError(
            f"`scores` must be 2-D (queries, documents) or 1-D (with `offsets`); "
            f"got shape {_shape(s)}"
        )
    if lab.shape != s.shape:
        raise ShapeError(
            f"`labels` must have shape {_shape(s)} matching `scores`; got {_shape(lab)}"
        )
    flat_offsets: npt.NDArray[np.int64] | None = None
    shape: tuple[int, int] | None = None
    if s.ndim == 2:
        if offsets is not None:
            raise ShapeError(
                f"`offsets` applies to 1-D (ragged) `scores`; got 2-D scores of shape {_shape(s)}"
            )
        shape = (int(s.shape[0]), int(s.shape[1]))
        num_queries = shape[0]
    elif offsets is None:
        shape = (1, int(s.shape[0]))
        num_queries = 1
    else:
        flat_offsets = _int_vector("offsets", offsets, None, "query boundaries, length Q + 1")
        num_queries = max(flat_offsets.shape[0] - 1, 0)
    m: npt.NDArray[np.bool_] | None = None
    if mask is not None:
        m = int_array("mask", mask) if _ragged(mask) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise RankwiseTypeError(f"`mask` must be a boolean array; got dtype {m.dtype}")
        if m.shape != s.shape:
            raise ShapeError(
                f"`mask` must have shape {_shape(s)} matching `scores`; got {_shape(m)}"
            )
        m = _flat(m)
    n_rel = None
    if n_relevant is not None:
        n_rel = _int_vector(
            "n_relevant", n_relevant, num_queries, "one count of relevant documents per query"
        )
    return Batch(
        scores=_flat(s),
        labels=_flat(lab),
        offsets=flat_offsets,
        shape=shape,
        mask=m,
        n_relevant=n_rel,
        num_queries=num_queries,
    )


def cutoff(name: str, k: object, *, optional: bool) -> int | None:
    """Validate a rank cutoff: a positive int (or ``None`` where the measure allows it)."""
    if k is None:
        if optional:
            return None
        raise InvalidValueError(f"`{name}` must be a positive integer; got None")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise RankwiseTypeError(f"`{name}` must be a positive integer; got {type(k).__name__}")
    return integer(name, k, minimum=1)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def choice(name: str, value: str, options: tuple[str, ...]) -> str:
    """Validate a string option (anything but one of the `options` is refused, naming it)."""
    if not isinstance(value, str) or value not in options:
        allowed = ", ".join(repr(o) for o in options)
        raise InvalidValueError(f"`{name}` must be one of {allowed}; got {_short(value)}")
    return value


def path(name: str, value: object) -> str:
    """A path argument (a ``str`` or an ``os.PathLike`` giving one), as a ``str``.

    The one check for every path a rankwise function takes (the native ``Run``/``Qrels``
    methods make the same one): bytes and other objects are a ``RankwiseTypeError``, a NUL
    character (which no operating system accepts in a path) an ``InvalidValueError``, both
    naming the argument, rather than the bare ``TypeError``/``ValueError`` of ``os.fspath`` or
    ``sqlite3``.
    """
    expected = "a path (str or os.PathLike)"
    if not isinstance(value, str | os.PathLike):
        raise RankwiseTypeError(
            f"`{name}` must be {expected}; got {type(value).__name__} {_short(value)}"
        )
    text = os.fspath(value)
    if not isinstance(text, str):
        raise RankwiseTypeError(
            f"`{name}` must be {expected} giving a str; its __fspath__ gave {type(text).__name__}"
        )
    if "\0" in text:
        raise InvalidValueError(
            f"`{name}` must be a path without NUL characters; got {_short(text)}"
        )
    return text


# ----------------------------------------------------------------------------------------------
# Rank statistics: pairs of variables, one pair or one pair per row
# ----------------------------------------------------------------------------------------------
_VALUE_DTYPES = (np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.int32))


def values(name: str, value: object) -> npt.NDArray[Any]:
    """An array whose values only need to be *ordered*: float64/float32/int64/int32 as given,
    other real dtypes mapped to one of those without changing the order of any two values."""
    a = real_array(name, value, exact=True)
    kind = a.dtype.kind
    if kind not in "biuf":
        raise RankwiseTypeError(
            f"`{name}` must be an array of real numbers; got dtype {a.dtype}"
            + (" (rank statistics compare numbers, not strings)" if kind in "USO" else "")
        )
    if a.dtype in _VALUE_DTYPES:
        return a
    if kind == "f":  # float16 (and longdouble, rounded)
        return a.astype(np.float32 if a.dtype.itemsize < 4 else np.float64)
    if a.dtype == np.uint64:
        # Flip the top bit: the same order, as int64.
        return (a ^ np.uint64(1 << 63)).view(np.int64)
    if a.dtype.itemsize >= 4:  # uint32
        return a.astype(np.int64)
    return a.astype(np.int32)  # bool, int8, int16, uint8, uint16


@dataclass(frozen=True)
class PairBatch:
    """Validated inputs of the row-wise rank statistics: flat arrays cut into rows."""

    x: npt.NDArray[Any]
    y: npt.NDArray[Any]
    z: npt.NDArray[Any] | None
    offsets: npt.NDArray[np.int64] | None
    shape: tuple[int, int] | None
    out_shape: tuple[int, ...] | None  # None: a single pair, scalar results
    nan_policy: str


def pair_batch(
    x: object,
    y: object,
    *,
    axis: int | None,
    offsets: object,
    nan_policy: str,
    names: tuple[str, str] = ("x", "y"),
    z: object = None,
    z_name: str = "rank",
) -> PairBatch:
    """Normalise the inputs of a pairwise rank statistic.

    * ``offsets`` given: ``x`` and ``y`` are 1-D of equal length, cut into ragged rows;
    * ``axis=None``: both are flattened into one pair (scipy's default);
    * ``axis=k``: ``x`` and ``y`` are broadcast together and the statistic is taken along
      axis ``k``, one value per remaining index.
    """
    nx, ny = names
    a, b = values(nx, x), values(ny, y)
    c = None if z is None else values(z_name, z)
    if offsets is not None:
        if axis is not None:
            raise InvalidValueError(
                f"`axis` must be None with `offsets` (ragged rows are 1-D); got axis={axis!r}"
            )
        for name, one in ((nx, a), (ny, b), (z_name, c)):
            if one is not None and one.ndim != 1:
                raise ShapeError(
                    f"`{name}` must be 1-D with `offsets` (ragged rows); got shape {_shape(one)}"
                )
        for other, arr in ((ny, b), (z_name, c)):
            if arr is not None and arr.shape != a.shape:
                raise ShapeError(
                    f"`{other}` must have shape {_shape(a)} matching `{nx}`; got {_shape(arr)}"
                )
        off = _int_vector("offsets", offsets, None, "row boundaries, length rows + 1")
        return PairBatch(
            np.ascontiguousarray(a),
            np.ascontiguousarray(b),
            None if c is None else np.ascontiguousarray(c),
            off,
            None,
            (max(off.shape[0] - 1, 0),),
            nan_policy,
        )
    if axis is None:
        for other, flat_arr in ((ny, b), (z_name, c)):
            if flat_arr is not None and flat_arr.size != a.size:
                raise ShapeError(
                    f"`{other}` must have as many values as `{nx}` ({a.size}); got "
                    f"{flat_arr.size} (shape {_shape(flat_arr)})"
                )
        return PairBatch(
            _flat(a),
            _flat(b),
            None if c is None else _flat(c),
            None,
            (1, int(a.size)),
            None,
            nan_policy,
        )
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise RankwiseTypeError(f"`axis` must be an integer or None; got {type(axis).__name__}")
    arrays = [a, b] + ([c] if c is not None else [])
    try:
        arrays = list(np.broadcast_arrays(*arrays))
    except ValueError:
        raise ShapeError(
            f"`{nx}` and `{ny}` must have the same shape (or broadcast); got "
            f"{_shape(a)} and {_shape(b)}"
        ) from None
    nd = arrays[0].ndim
    if nd == 0 or not -nd <= int(axis) < nd:
        raise InvalidValueError(f"`axis` must be in [-{nd}, {nd}) for {nd}-D input; got {axis}")
    moved = [np.moveaxis(arr, int(axis), -1) for arr in arrays]
    out_shape = tuple(int(d) for d in moved[0].shape[:-1])
    width = int(moved[0].shape[-1])
    rows = int(np.prod(out_shape)) if out_shape else 1
    flat = [np.ascontiguousarray(m).reshape(-1) for m in moved]
    return PairBatch(
        flat[0],
        flat[1],
        flat[2] if c is not None else None,
        None,
        (rows, width),
        out_shape,
        nan_policy,
    )


def probability(name: str, p: object, *, open_interval: bool = True) -> float:
    """A number in (0, 1) (or [0, 1])."""
    v = real_scalar(name, p)
    ok = 0 < v < 1 if open_interval else 0 <= v <= 1
    if not ok:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise InvalidValueError(f"`{name}` must be in {interval}; got {v}")
    return v


def float_vector(name: str, value: object, length: int | None = None) -> npt.NDArray[np.float64]:
    """A 1-D float64 array (copied only when needed)."""
    a = _real(name, value)
    if a.ndim != 1:
        raise ShapeError(f"`{name}` must be 1-D; got shape {_shape(a)}")
    if length is not None and a.shape[0] != length:
        raise ShapeError(f"`{name}` must have shape ({length},); got {_shape(a)}")
    return np.ascontiguousarray(a, dtype=np.float64)


# Bounds of the Rust integer types that integer arguments reach (usize is 64-bit on every
# platform rankwise ships wheels for).
U32_MAX = 2**32 - 1
I64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1
USIZE_MAX = U64_MAX


def _bound(v: int) -> str:
    """``2**64 - 1`` rather than twenty digits, where that is what it is."""
    for bits in (32, 63, 64):
        if v == 2**bits - 1:
            return f"2**{bits} - 1"
    return str(v)


def integer(name: str, value: object, *, minimum: int = 0, maximum: int = USIZE_MAX) -> int:
    """An integer argument in ``[minimum, maximum]`` (the range of the Rust type it reaches),
    as a Python ``int``.

    The one check for every integer argument that crosses into Rust: without it, ``-1`` or
    ``2**70`` given for a ``usize`` would surface as a raw ``OverflowError`` without the
    argument's name. Booleans and floats are refused (``RankwiseTypeError``); numpy integers
    and other objects with ``__index__`` are accepted.
    """
    refused = RankwiseTypeError(f"`{name}` must be an integer; got {type(value).__name__}")
    if isinstance(value, bool | float) or not hasattr(type(value), "__index__"):
        raise refused
    try:
        v = operator.index(value)  # type: ignore[arg-type]  # has __index__ (checked above)
    except TypeError:  # an array of more than one element, or not of integers
        raise refused from None
    if v < minimum or v > maximum:
        what = {0: "a non-negative integer", 1: "a positive integer"}.get(
            minimum, f"an integer >= {minimum}"
        )
        if v > maximum:
            what += f" at most {_bound(maximum)}"
        raise InvalidValueError(f"`{name}` must be {what}; got {_short(v)}")
    return v
