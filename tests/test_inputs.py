"""Every input is read exactly once, from its first byte: pipes, FIFOs, ``/dev/stdin``,
``/dev/fd/N``, ``<(...)`` and ``-`` give byte for byte what the same file given as a path
gives (plain and gzip); a leading byte-order mark is dropped; error messages quote at most
~200 characters of a line, escaped. Real pipes (no mocks), on the bundled Robust04 sample."""

from __future__ import annotations

import gzip
import importlib
import os
import random
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rankwise
from rankwise import cli
from rankwise.errors import ParseError
from rankwise.sample import sample_paths

from .strategies import qrels_and_run

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="/dev/fd, FIFOs and bash <(...) as on Linux"
)

MEASURES = ["-q", "-m", "map", "-m", "ndcg_cut.10", "-m", "P.5", "-m", "num_ret"]
BOM = b"\xef\xbb\xbf"


def cli_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "rankwise", "eval", *args]


def run_cli(
    *args: str, stdin: bytes | None = None, **kw: object
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        cli_cmd(*args),
        input=stdin,
        capture_output=True,
        check=False,
        timeout=120,
        **kw,  # type: ignore[arg-type]
    )


def feed(fd_or_path: int | str, data: bytes) -> threading.Thread:
    """Write `data` to a pipe's write end (closed afterwards) or a FIFO, on a thread."""

    def write() -> None:
        try:
            if isinstance(fd_or_path, int):
                with os.fdopen(fd_or_path, "wb") as f:
                    f.write(data)
            else:
                with open(fd_or_path, "wb") as f:
                    f.write(data)
        except BrokenPipeError:
            pass  # the reader gave up; its exit status says why

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample as shipped (gzip), decompressed, with ids prefixed by `q` (so that losing
    two bytes of `q301` would be visible as `01`), a copy with its lines shuffled (queries
    not on consecutive lines), and copies starting with a byte-order mark."""
    tmp = tmp_path_factory.mktemp("inputs")
    qrels_gz, run_gz = sample_paths()
    out: dict[str, Path] = {"qrels.gz": qrels_gz, "run.gz": run_gz}
    qrels = gzip.decompress(qrels_gz.read_bytes())
    run = gzip.decompress(run_gz.read_bytes())
    prefixed_qrels = b"".join(b"q" + line for line in qrels.splitlines(keepends=True))
    prefixed_run = b"".join(b"q" + line for line in run.splitlines(keepends=True))
    lines = prefixed_run.splitlines(keepends=True)
    random.Random(13).shuffle(lines)
    contents = {
        "qrels": prefixed_qrels,
        "run": prefixed_run,
        "shuffled.run": b"".join(lines),
        "bom.qrels": BOM + prefixed_qrels,
        "bom.run": BOM + prefixed_run,
    }
    for name, data in contents.items():
        (tmp / name).write_bytes(data)
        (tmp / f"{name}.gz").write_bytes(gzip.compress(data))
    out.update({name: tmp / name for name in contents})
    out.update({f"{name}.gz": tmp / f"{name}.gz" for name in contents})
    return out


def reference(files: dict[str, Path], qrels: str, run: str) -> bytes:
    done = run_cli(*MEASURES, str(files[qrels]), str(files[run]))
    assert done.returncode == 0, done.stderr
    return done.stdout


# Ways to hand one file to `rankwise eval`: each returns the command line's file argument and
# runs the command, feeding the file's bytes through a real pipe.
Way = Callable[[list[str], int, bytes], subprocess.CompletedProcess[bytes]]


def via_dash(args: list[str], at: int, data: bytes) -> subprocess.CompletedProcess[bytes]:
    args = [*args[:at], "-", *args[at + 1 :]]
    return run_cli(*args, stdin=data)


def via_dev_stdin(args: list[str], at: int, data: bytes) -> subprocess.CompletedProcess[bytes]:
    args = [*args[:at], "/dev/stdin", *args[at + 1 :]]
    return run_cli(*args, stdin=data)


def via_fifo(args: list[str], at: int, data: bytes) -> subprocess.CompletedProcess[bytes]:
    fifo = Path(args[at]).parent / f"fifo-{os.getpid()}-{threading.get_ident()}"
    if fifo.exists():
        fifo.unlink()
    os.mkfifo(fifo)
    try:
        writer = feed(str(fifo), data)
        done = run_cli(*[*args[:at], str(fifo), *args[at + 1 :]])
        writer.join(timeout=10)
        return done
    finally:
        fifo.unlink()


def via_dev_fd(args: list[str], at: int, data: bytes) -> subprocess.CompletedProcess[bytes]:
    r, w = os.pipe()
    try:
        proc = subprocess.Popen(
            cli_cmd(*[*args[:at], f"/dev/fd/{r}", *args[at + 1 :]]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(r,),
        )
    finally:
        os.close(r)
    writer = feed(w, data)
    out, err = proc.communicate(timeout=120)
    writer.join(timeout=10)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def via_process_substitution(
    args: list[str], at: int, data: bytes
) -> subprocess.CompletedProcess[bytes]:
    # bash's <(...) hands the command a /dev/fd/N path of a pipe fed by `cat`.
    source = Path(args[at]).with_name(Path(args[at]).name + ".src")
    source.write_bytes(data)
    words = [shlex.quote(a) for a in cli_cmd(*args)]
    words[len(cli_cmd()) + at] = f"<(cat {shlex.quote(str(source))})"
    return subprocess.run(
        ["bash", "-c", " ".join(words)], capture_output=True, check=False, timeout=120
    )


WAYS = {
    "dash": via_dash,
    "dev_stdin": via_dev_stdin,
    "fifo": via_fifo,
    "dev_fd": via_dev_fd,
    "process_substitution": via_process_substitution,
}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("piped", ["run", "qrels"])
def test_eval_through_a_pipe_prints_what_the_file_prints(
    files: dict[str, Path], way: str, compressed: bool, piped: str
) -> None:
    suffix = ".gz" if compressed else ""
    qrels, run = f"qrels{suffix}", f"run{suffix}"
    expected = reference(files, qrels, run)
    assert b"\tq301\t" in expected and b"\tq450\t" in expected
    args = [*MEASURES, str(files[qrels]), str(files[run])]
    at = len(MEASURES) + (1 if piped == "run" else 0)
    done = WAYS[way](args, at, files[piped if not compressed else f"{piped}.gz"].read_bytes())
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == expected


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_a_run_whose_queries_are_apart_reads_the_same_from_a_pipe_and_a_file(
    files: dict[str, Path], compressed: bool
) -> None:
    suffix = ".gz" if compressed else ""
    expected = reference(files, "qrels", "run")
    # A regular file is streamed, found ungrouped, and read again from its start.
    assert reference(files, "qrels", f"shuffled.run{suffix}") == expected
    # A pipe cannot be read again: it is read whole from the start.
    args = [*MEASURES, str(files["qrels"]), str(files[f"shuffled.run{suffix}"])]
    for way in (via_dash, via_dev_fd):
        done = way(args, len(MEASURES) + 1, files[f"shuffled.run{suffix}"].read_bytes())
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout == expected


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_other_formats_read_standard_input(files: dict[str, Path], fmt: str) -> None:
    args = ["--format", fmt, "-q", "-m", "map", str(files["qrels"])]
    expected = run_cli(*args, str(files["run"]))
    assert expected.returncode == 0, expected.stderr
    assert b"q301" in expected.stdout or fmt == "table"
    done = run_cli(*args, "-", stdin=files["run.gz"].read_bytes())
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == expected.stdout


def test_standard_input_twice_is_refused(files: dict[str, Path]) -> None:
    done = run_cli("-m", "map", "-", "-", stdin=files["run"].read_bytes())
    assert done.returncode == 1
    err = done.stderr.decode()
    assert err.count("\n") == 1, err
    assert "`-` (standard input) can stand for one file only; got it 2 times" in err
    done = run_cli("-m", "map", str(files["qrels"]), "-", str(files["run"]), "-", stdin=b"")
    assert done.returncode == 1 and "got it 2 times" in done.stderr.decode()
    with pytest.raises(ValueError, match="one file only"):
        rankwise._native.trec_eval_output("-", ["-"], ["map"])


def test_a_missing_file_is_named(tmp_path: Path, files: dict[str, Path]) -> None:
    done = run_cli("-m", "map", str(files["qrels"]), str(tmp_path / "nope.run"))
    assert done.returncode == 1
    assert done.stderr.decode() == f"rankwise eval: error: {tmp_path / 'nope.run'}: no such file\n"


@pytest.fixture
def pipe_path() -> Iterator[Callable[[bytes], str]]:
    """`/dev/fd/N` of a pipe that a thread fills with the given bytes."""
    opened: list[int] = []

    def make(data: bytes) -> str:
        r, w = os.pipe()
        opened.append(r)
        feed(w, data)
        return f"/dev/fd/{r}"

    yield make
    for r in opened:
        os.close(r)


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_from_trec_through_dev_fd_equals_the_file(
    files: dict[str, Path], pipe_path: Callable[[bytes], str], compressed: bool
) -> None:
    suffix = ".gz" if compressed else ""
    run = rankwise.Run.from_trec(pipe_path(files[f"run{suffix}"].read_bytes()))
    qrels = rankwise.Qrels.from_trec(pipe_path(files[f"qrels{suffix}"].read_bytes()))
    assert run.to_dict() == rankwise.Run.from_trec(files["run"]).to_dict()
    assert qrels.to_dict() == rankwise.Qrels.from_trec(files["qrels"]).to_dict()
    assert run.name == "bm25_rm3"
    assert run.query_ids[0] == "q301" and qrels.query_ids[0] == "q301"


@pytest.mark.parametrize("kind", ["Qrels", "Run"])
def test_from_trec_dash_reads_standard_input(files: dict[str, Path], kind: str) -> None:
    name = "qrels" if kind == "Qrels" else "run"
    code = (
        "import rankwise, sys; "
        f"x = rankwise.{kind}.from_trec('-'); "
        "print(len(x), x.query_ids[0], x.query_ids[-1])"
    )
    whole = getattr(rankwise, kind).from_trec(files[name])
    expected = f"{len(whole)} {whole.query_ids[0]} {whole.query_ids[-1]}\n"
    assert whole.query_ids[0] == "q301"
    for data in (files[name].read_bytes(), files[f"{name}.gz"].read_bytes()):
        done = subprocess.run(
            [sys.executable, "-c", code], input=data, capture_output=True, check=False
        )
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout.decode() == expected


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_a_leading_byte_order_mark_is_dropped(
    files: dict[str, Path], pipe_path: Callable[[bytes], str], compressed: bool
) -> None:
    suffix = ".gz" if compressed else ""
    expected = reference(files, "qrels", "run")
    assert reference(files, f"bom.qrels{suffix}", f"bom.run{suffix}") == expected
    done = run_cli(
        *MEASURES,
        str(files[f"bom.qrels{suffix}"]),
        "-",
        stdin=files[f"bom.run{suffix}"].read_bytes(),
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == expected
    qrels = rankwise.Qrels.from_trec(pipe_path(files[f"bom.qrels{suffix}"].read_bytes()))
    run = rankwise.Run.from_trec(files[f"bom.run{suffix}"])
    assert qrels.query_ids[0] == "q301" and run.query_ids[0] == "q301"


def test_a_byte_order_mark_inside_a_file_is_data(tmp_path: Path) -> None:
    path = tmp_path / "inner.qrels"
    path.write_bytes(b"q1 0 d1 1\n" + BOM + b"q2 0 d2 1\n")
    assert rankwise.Qrels.from_trec(path).query_ids == ["q1", "\ufeffq2"]


@pytest.mark.parametrize("piped", [False, True], ids=["file", "pipe"])
def test_a_10_mb_line_without_newline_is_quoted_short(
    tmp_path: Path, files: dict[str, Path], piped: bool
) -> None:
    path = tmp_path / "huge.run"
    bad = b"q301 Q0 doc 1 " + b"9" * (10 << 20)
    data = b"".join(files["run"].read_bytes().splitlines(keepends=True)[:3]) + bad
    path.write_bytes(data)
    if piped:
        done = run_cli("-m", "map", str(files["qrels"]), "-", stdin=data)
        name = "<stdin>"
    else:
        done = run_cli("-m", "map", str(files["qrels"]), str(path))
        name = str(path)
    assert done.returncode == 1
    err = done.stderr.decode()
    assert len(err) < 600, len(err)
    assert err.count("\n") == 1
    assert err.startswith(f"rankwise eval: error: {name}:4: expected 6 fields"), err
    assert err.endswith(f'"q301 Q0 doc 1 {"9" * 186}"... ({len(bad)} bytes)\n'), err


def test_control_and_non_utf8_bytes_are_escaped_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "control.run"
    path.write_bytes(b"q1 Q0 d1 1 1 r\nq1 Q0 d\x1b[2J 2 \xff\xfe\x07 r\n")
    with pytest.raises(ParseError) as info:
        rankwise.Run.from_trec(path)
    message = str(info.value)
    assert message == (
        f'{path}:2: the score must be a number; got "\\xff\\xfe\\u{{7}}": '
        '"q1 Q0 d\\u{1b}[2J 2 \\xff\\xfe\\u{7} r"'
    )
    assert message.isprintable()
    assert info.value.line == 2 and info.value.path == str(path)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_other_formats_evaluate_each_run_once(
    files: dict[str, Path],
    fmt: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls = []
    module = importlib.import_module("rankwise.evaluate")  # `rankwise.evaluate` is the function
    original = module.evaluate

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(kwargs.get("per_query", False))
        return original(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(module, "evaluate", counting)
    argv = ["eval", "--format", fmt, "-q", "-m", "map", str(files["qrels"])]
    assert cli.main([*argv, str(files["run"]), str(files["shuffled.run"])]) == 0
    assert len(calls) == 2, calls
    out = capsys.readouterr().out
    assert "q301" in out or fmt == "table"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=qrels_and_run(scores=st.integers(-5, 5).map(float)),
    shuffle=st.booleans(),
    compressed=st.booleans(),
    bom=st.booleans(),
)
def test_trec_eval_output_is_the_same_from_a_pipe_as_from_a_file(
    tmp_path: Path,
    pipe_path: Callable[[bytes], str],
    data: tuple[dict[str, dict[str, int]], dict[str, dict[str, float]]],
    shuffle: bool,
    compressed: bool,
    bom: bool,
) -> None:
    qrels, run = data
    lines = [
        f"{q} Q0 {d} {i + 1} {s!r} sys\n"
        for q, docs in run.items()
        for i, (d, s) in enumerate(docs.items())
    ]
    if shuffle:
        random.Random(len(lines)).shuffle(lines)
    text = (BOM if bom else b"") + "".join(lines).encode()
    raw = gzip.compress(text) if compressed else text
    qp, rp = tmp_path / "q.txt", tmp_path / "r.txt"
    qp.write_text("".join(f"{q} 0 {d} {g}\n" for q, docs in qrels.items() for d, g in docs.items()))
    rp.write_bytes(raw)
    options = {"per_query": True, "complete": True}
    from_file = rankwise._native.trec_eval_output(str(qp), [str(rp)], ["all_trec"], **options)
    from_pipe = rankwise._native.trec_eval_output(
        str(qp), [pipe_path(raw)], ["all_trec"], **options
    )
    assert from_pipe == from_file
    # And the same as the dicts evaluated directly (the BOM did not change a query id).
    assert rankwise.Run.from_trec(rp).to_dict() == rankwise.Run(run).to_dict()
