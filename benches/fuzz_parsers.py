"""Fuzz the TREC qrels and run parsers: arbitrary and almost-valid bytes, never a crash.

For ``--seconds`` (default 300), hypothesis generates file contents: raw bytes, and text built
from valid lines with mutations (fields dropped or added, numbers replaced by junk, NaN and
infinities, non-UTF-8 bytes, CR/LF mixes, blank lines, comments, duplicates, huge numbers, very
long ids, queries split over distant lines, a leading byte-order mark), plain or
gzip-compressed. Each file is read as qrels and as a run (``Qrels.from_trec``,
``Run.from_trec``) and evaluated through the CLI's streaming path
(``_native.trec_eval_output``) against itself. Accepted outcomes: a result, or a
``rankwise.errors.RankwiseError`` (a ``ValueError``/``TypeError``) whose message names the
file. Anything else (a panic surfacing as ``PanicException``, another exception type, a
message without the path) is a failure: the script prints the input and exits 1.

Every read is done twice: from the file's path and through a pipe (``/dev/fd/N`` of an
``os.pipe`` fed by a thread, where the platform has one), which is read once and never
streamed. The two must agree: the same result, or the same error (the same message once the
pipe's name is replaced by the path; a duplicate document read from a pipe is named without
its line, and either read may report a different duplicate first).

    python benches/fuzz_parsers.py [--seconds 300] [--batch 300]
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rankwise
from rankwise import _native
from rankwise.errors import RankwiseError

TOKENS = [
    b"q1", b"q2", b"Q0", b"0", b"1", b"2", b"-1", b"0.5", b"1e308", b"1e999", b"-inf", b"inf",
    b"nan", b"NaN", b"3.14", b"+7", b"--1", b".", b"", b"d1", b"d2", b"\xff\xfe", b"\xc3\xa9",
    b"run", b"#", b"x" * 300, b"99999999999999999999999", b"0x10", b"1_000",
]  # fmt: skip
OUTCOMES = {"read": 0, "refused": 0, "piped": 0}
BOM = b"\xef\xbb\xbf"
PIPES = os.path.isdir("/dev/fd") and sys.platform != "win32"
SEPARATORS = [b" ", b"\t", b"  ", b" \t ", b"\x0b", b"\x0c", b"\r"]
ENDINGS = [b"\n", b"\r\n", b"\n\n", b""]


@st.composite
def almost_valid(draw: st.DrawFn) -> bytes:
    """A qrels-like or run-like file whose lines are mostly valid, some mutated."""
    run_like = draw(st.booleans())
    mutation_rate = draw(st.sampled_from([0.0, 0.05, 0.3, 1.0]))
    lines = []
    for _ in range(draw(st.integers(0, 40))):
        query = draw(st.sampled_from([b"q1", b"q2", b"q3"]))
        doc = draw(st.sampled_from([b"d1", b"d2", b"d3", b"d4", b"\xc3\xa9"]))
        number = draw(st.sampled_from([b"0", b"1", b"2", b"0.25", b"-1", b"3", b"1e3"]))
        fields = (
            [query, b"Q0", doc, b"1", number, b"run"] if run_like else [query, b"0", doc, number]
        )
        if draw(st.floats(0, 1)) < mutation_rate:
            what = draw(st.sampled_from(["drop", "add", "replace"]))
            i = draw(st.integers(0, len(fields) - 1))
            token = draw(st.sampled_from(TOKENS))
            if what == "drop":
                del fields[i]
            elif what == "add":
                fields.insert(i, token)
            else:
                fields[i] = token
        sep = draw(st.sampled_from(SEPARATORS))
        lead = draw(st.sampled_from([b"", b"", b"", b" ", b"#"]))
        lines.append(lead + sep.join(fields) + draw(st.sampled_from(ENDINGS)))
    return b"".join(lines)


CONTENTS = st.one_of(
    st.binary(max_size=2000),
    almost_valid(),
    st.tuples(st.sampled_from([b"", BOM, BOM + BOM]), almost_valid()).map(b"".join),
)


@contextmanager
def pipe_of(path: Path) -> Iterator[str]:
    """``/dev/fd/N``: the read end of a pipe that a thread fills with the bytes of `path`."""
    data = path.read_bytes()
    r, w = os.pipe()

    def feed() -> None:
        try:
            with os.fdopen(w, "wb") as f:
                f.write(data)
        except BrokenPipeError:
            pass  # the reader stopped at an error: what it says is checked

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield f"/dev/fd/{r}"
    finally:
        os.close(r)  # a writer still blocked gets EPIPE and ends
        thread.join(timeout=10)


def outcome(call: Callable[[str], object], path: str) -> tuple[str, object]:
    """("ok", a comparable form of `call(path)`) or (exception type name, message)."""
    try:
        result = call(path)
    except RankwiseError as e:
        return type(e).__name__, str(e)
    except BaseException as e:  # a PanicException derives from BaseException
        if isinstance(e, KeyboardInterrupt):
            raise
        raise AssertionError(f"{type(e).__name__}: {e}") from e
    if isinstance(result, (rankwise.Qrels, rankwise.Run)):
        return "ok", (result.to_dict(), getattr(result, "name", None))
    return "ok", result


def same(path_outcome: tuple[str, object], pipe_outcome: tuple[str, object], pipe: str,
         path: Path) -> bool:  # fmt: skip
    if path_outcome[0] != pipe_outcome[0]:
        return False
    if path_outcome[0] == "ok":
        return path_outcome == pipe_outcome
    if path_outcome[0] == "DuplicateDocumentError":
        return True
    message = str(pipe_outcome[1]).replace(pipe, str(path))
    return message == path_outcome[1]


def check_one(path: Path, qrels: Path, run: Path) -> None:
    """Read `path` every way (as qrels and as a run, alone and evaluated against the valid
    `run` and `qrels`); raise AssertionError on an outcome that is not allowed."""
    calls: list[Callable[[str], object]] = [
        lambda p: rankwise.Qrels.from_trec(p),
        lambda p: rankwise.Run.from_trec(p),
        lambda p: _native.trec_eval_output(str(qrels), [p], ["all_trec"], complete=True),
        lambda p: _native.trec_eval_output(p, [str(run)], ["nDCG@10"], per_query=True),
    ]
    for call in calls:
        from_path = outcome(call, str(path))
        if from_path[0] == "ok":
            OUTCOMES["read"] += 1
        else:
            OUTCOMES["refused"] += 1
            message = str(from_path[1])
            if path.name not in message and "no query in common" not in message:
                raise AssertionError(f"error without the file name: {message}")
        if PIPES:
            with pipe_of(path) as pipe:
                from_pipe = outcome(call, pipe)
            OUTCOMES["piped"] += 1
            if not same(from_path, from_pipe, pipe, path):
                raise AssertionError(f"path and pipe differ: {from_path!r} vs {from_pipe!r}")


def run_batch(folder: Path, examples: int, seed: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(contents=CONTENTS, compressed=st.booleans())
    def fuzz(contents: bytes, compressed: bool) -> None:
        path = folder / ("input.gz" if compressed else "input.txt")
        path.write_bytes(gzip.compress(contents) if compressed else contents)
        try:
            check_one(path, folder / "valid.qrels", folder / "valid.run")
        except AssertionError:
            print(f"FAILED on {'gzip of ' if compressed else ''}{contents!r}", file=sys.stderr)
            raise

    fuzz._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]
    fuzz()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--batch", type=int, default=300, help="examples per hypothesis run")
    args = ap.parse_args()
    started = time.monotonic()
    batches = 0
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "valid.qrels").write_text("q1 0 d1 1\nq1 0 d2 0\nq2 0 d3 2\n")
        (Path(tmp) / "valid.run").write_text("q1 Q0 d1 1 0.5 r\nq2 Q0 d4 1 0.1 r\n")
        while time.monotonic() - started < args.seconds:
            try:
                run_batch(Path(tmp), args.batch, seed=batches)
            except AssertionError as e:
                print(f"fuzz_parsers: FAILED after {batches} batches: {e}", file=sys.stderr)
                return 1
            batches += 1
    elapsed = time.monotonic() - started
    print(
        f"fuzz_parsers: {batches * args.batch:,} inputs in {elapsed:.0f} s "
        f"({batches} batches), no crash; {OUTCOMES['read']:,} reads succeeded, "
        f"{OUTCOMES['refused']:,} refused with an error naming the file; "
        f"{OUTCOMES['piped']:,} reads repeated through a pipe, all agreeing"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
