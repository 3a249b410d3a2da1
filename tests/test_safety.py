"""No traceback, no runaway, no change to a file that is not rankwise's.

The command line ends every failure with one line (Ctrl-C included, with what a rerank kept),
integer arguments beyond the Rust types they reach are rankwise errors naming them, the
thread pool refuses absurd sizes, an answer cache never writes to another program's SQLite
file, and simulated rankers answer each call from its content alone (so a resumed run equals an
uninterrupted one).
"""

from __future__ import annotations

import functools
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankwise
from rankwise import labels
from rankwise.consistency import opis
from rankwise.errors import InvalidValueError, RerankInterruptedError
from rankwise.metrics import ndcg
from rankwise.rerank import (
    AnswerCache,
    OracleRanker,
    Pairwise,
    Setwise,
    SimulatedRanker,
    SlidingWindow,
    Tournament,
    parse_permutation,
    rerank,
)
from rankwise.rerank import strategies as strat
from rankwise.rerank.cache import APPLICATION_ID, CACHE_VERSION

ROOT = Path(__file__).resolve().parents[1]


def cli(
    *args: str | os.PathLike[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rankwise", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def one_line_error(done: subprocess.CompletedProcess[str], prefix: str) -> str:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


# ----------------------------------------------------------------------------------------
# Test data: a run of many queries the oracle reranks


def write_rerank_files(tmp: Path, queries: int = 40, docs: int = 12) -> tuple[Path, Path]:
    rng = random.Random(7)
    qrels, run = [], []
    for q in range(queries):
        for d in range(docs):
            qrels.append(f"q{q} 0 d{d} {rng.randint(0, 3)}\n")
            run.append(f"q{q} Q0 d{d} {d + 1} {docs - d} bm25\n")
    (tmp / "qrels").write_text("".join(qrels))
    (tmp / "run").write_text("".join(run))
    return tmp / "qrels", tmp / "run"


def rerank_args(qrels: Path, run: Path, out: Path, *extra: str) -> list[str]:
    return ["rerank", str(run), "-o", str(out), "--quiet", "--model", f"oracle:{qrels}",
            "--strategy", "setwise", "--children", "2", "--top-k", "5", "--noise", "1.5",
            "--seed", "3", *extra]  # fmt: skip


# ----------------------------------------------------------------------------------------
# 1. The command line: one line, never a traceback


def test_eval_with_a_max_docs_beyond_64_bits_is_one_line(tmp_path):
    (tmp_path / "q").write_text("1 0 a 1\n")
    (tmp_path / "r").write_text("1 Q0 a 1 0.5 sys\n")
    for fmt in ("trec", "json"):
        done = cli("eval", "--format", fmt, "-M", "99999999999999999999999", tmp_path / "q",
                   tmp_path / "r")  # fmt: skip
        line = one_line_error(done, "rankwise eval: error:")
        assert "-M" in line and "99999999999999999999999" in line
        assert done.returncode == 1


def test_an_unexpected_exception_is_one_line_and_debug_shows_the_traceback():
    code = (
        "import sys, rankwise.sample, rankwise.cli\n"
        "def boom(*a, **k): raise RuntimeError('boom\\nsecond line')\n"
        "rankwise.sample.demo = boom\n"
        "sys.exit(rankwise.cli.main(['demo']))\n"
    )
    done = python(code, env={"RANKWISE_DEBUG": ""})
    line = one_line_error(done, "rankwise demo: error: RuntimeError: boom second line")
    assert "RANKWISE_DEBUG=1" in line and done.returncode == 1
    debug = python(code, env={"RANKWISE_DEBUG": "1"})
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr and "RuntimeError: boom" in debug.stderr


def test_ctrl_c_in_eval_is_one_line_and_exit_130(tmp_path):
    code = (
        "import sys, rankwise.cli\n"
        "def stop(args): raise KeyboardInterrupt\n"
        "rankwise.cli._eval = stop\n"
        "sys.exit(rankwise.cli.main(['eval', 'q', 'r']))\n"
    )
    done = python(code)
    assert done.returncode == 130
    assert done.stderr.strip() == "rankwise eval: interrupted"


@pytest.mark.parametrize("noise", ["nan", "-1", "inf", "-inf"])
def test_rerank_refuses_a_noise_that_is_not_a_finite_non_negative_number(tmp_path, noise):
    qrels, run = write_rerank_files(tmp_path, queries=2)
    args = rerank_args(qrels, run, tmp_path / "out", f"--noise={noise}")  # the last one counts
    line = one_line_error(cli(*args), "rankwise rerank: error:")
    assert "`--noise` must be a finite non-negative number" in line
    assert not (tmp_path / "out").exists()


def test_rerank_refuses_a_cache_that_is_another_programs_database(tmp_path):
    qrels, run = write_rerank_files(tmp_path, queries=2)
    foreign = tmp_path / "places.sqlite"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    db.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    db.commit()
    db.close()
    before = foreign.read_bytes()
    done = cli(*rerank_args(qrels, run, tmp_path / "out", "--cache", str(foreign)))
    line = one_line_error(done, "rankwise rerank: error:")
    assert str(foreign) in line and "another application" in line
    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["places.sqlite", "qrels", "run"]


SLOW_RERANK = """
import sys, time
from rankwise.rerank.simulate import OracleRanker
fast = OracleRanker.select
def slow(self, batch):
    time.sleep(0.05)
    return fast(self, batch)
OracleRanker.select = slow
from rankwise.cli import main
sys.exit(main(sys.argv[1:]))
"""


def cached_answers(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return 0  # not created yet


def test_ctrl_c_during_rerank_keeps_the_answers_and_a_rerun_resumes_to_the_same_run(tmp_path):
    qrels, run = write_rerank_files(tmp_path)
    # The uninterrupted run, with its own cache.
    whole = tmp_path / "whole.run"
    done = cli(*rerank_args(qrels, run, whole))
    assert done.returncode == 0, done.stderr
    # The same command, slowed down, stopped by a real SIGINT once some answers are cached.
    out = tmp_path / "out.run"
    cache = Path(f"{out}.answers.sqlite")
    args = rerank_args(qrels, run, out, "--batch-size", "1")
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RERANK, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while cached_answers(cache) < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the slowed run finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    m = re.search(r"interrupted; (\d+) new answers were kept \((\d+) in all\)", stderr)
    assert m, stderr
    kept = int(m[1])
    assert kept >= 5 and int(m[2]) == kept == cached_answers(cache)
    assert "run the same command again to resume" in stderr
    assert not out.exists()
    # The rerun (in larger batches) asks only what is missing and writes the uninterrupted
    # run's output.
    again = cli(*rerank_args(qrels, run, out))
    assert again.returncode == 0, again.stderr
    hits = re.search(r"\((\d+) from the cache", again.stderr)
    assert hits and int(hits[1]) >= kept, again.stderr
    assert out.read_text() == whole.read_text()


# ----------------------------------------------------------------------------------------
# 2. The answer cache writes only to its own files


def make_db(path: Path, *statements: str) -> bytes:
    db = sqlite3.connect(path)
    for s in statements:
        db.execute(s)
    db.commit()
    db.close()
    return path.read_bytes()


@pytest.mark.parametrize(
    "statements",
    [
        ["CREATE TABLE t (x)", "INSERT INTO t VALUES (1)"],
        ["CREATE TABLE answers (key TEXT, answer TEXT, extra INT)"],
        ["CREATE TABLE answers (key TEXT PRIMARY KEY, answer TEXT)", "CREATE TABLE other (y)"],
        ["PRAGMA application_id = 1234"],  # another program's marker, no table yet
        [f"PRAGMA application_id = {APPLICATION_ID + 1}", "CREATE TABLE answers (k, a)"],
    ],
)
def test_a_foreign_sqlite_database_is_refused_and_left_byte_for_byte(tmp_path, statements):
    path = tmp_path / "db.sqlite"
    before = make_db(path, *statements)
    with pytest.raises(InvalidValueError, match=re.escape(repr(str(path)))) as info:
        AnswerCache(path)
    assert "another application" in str(info.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["db.sqlite"]


def test_a_file_that_is_not_a_database_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"my notes, not a database\n" * 200)
    with pytest.raises(InvalidValueError, match=r"notes\.txt.*cannot open as a database"):
        AnswerCache(path)
    assert path.read_bytes() == b"my notes, not a database\n" * 200


@pytest.mark.parametrize("how", ["missing", "zero bytes", "empty sqlite"])
def test_a_new_or_empty_file_becomes_a_marked_cache(tmp_path, how):
    path = tmp_path / "answers.sqlite"
    if how == "zero bytes":
        path.write_bytes(b"")
    elif how == "empty sqlite":
        make_db(path, "PRAGMA user_version = 0")
    cache = AnswerCache(path)
    cache.put_many([("k", [1, 0])])
    cache.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA user_version").fetchone()[0] == CACHE_VERSION
    db.close()
    again = AnswerCache(path)
    assert again.get("k") == [1, 0] and len(again) == 1


def test_a_cache_of_another_format_gets_a_clear_message(tmp_path):
    old = tmp_path / "old.sqlite"
    before = make_db(old, "CREATE TABLE answers (key TEXT PRIMARY KEY, answer TEXT)")
    with pytest.raises(InvalidValueError, match=r"an older rankwise .*cache format 0"):
        AnswerCache(old)
    assert old.read_bytes() == before
    for version, age in ((CACHE_VERSION - 1, "older"), (CACHE_VERSION + 1, "newer")):
        path = tmp_path / f"v{version}.sqlite"
        before = make_db(
            path,
            f"PRAGMA application_id = {APPLICATION_ID}",
            f"PRAGMA user_version = {version}",
            "CREATE TABLE answers (key TEXT PRIMARY KEY, answer TEXT)",
        )
        with pytest.raises(InvalidValueError, match=f"{age} rankwise .*format {version}"):
            AnswerCache(path)
        assert path.read_bytes() == before


# ----------------------------------------------------------------------------------------
# 3. Integer arguments beyond their Rust type are rankwise errors naming them

QRELS = {"q": {"a": 1, "b": 0}}
RUN = {"q": {"a": 0.5, "b": 0.7}}
RANKINGS = np.array([[0, 1, 2], [2, 1, 0]])

# (argument name, call with the value, smallest value allowed, largest value allowed)
INTEGER_ARGUMENTS = [
    ("max_docs", lambda v: rankwise.evaluate(QRELS, RUN, "P@1", max_docs=v), 1, 2**64 - 1),
    ("k", lambda v: ndcg([[0.3, 0.2]], [[1, 0]], k=v), 1, 2**64 - 1),
    ("n_items", lambda v: labels.aggregate([[0, 1]], v), 0, 2**32 - 1),
    (
        "max_iter",
        lambda v: labels.aggregate([[0, 1]], 2, method="plackett_luce", max_iter=v),
        1,
        2**64 - 1,
    ),
    ("seed", lambda v: labels.permutation([1.0, 1.0], ties="random", seed=v), 0, 2**64 - 1),
    ("step", lambda v: labels.curriculum_weights([0.5], v, 3), 0, 2**64 - 1),
    ("total_steps", lambda v: labels.curriculum_weights([0.5], 1, v), 1, 2**64 - 1),
    ("k", lambda v: labels.hard_negatives([1.0, 0.5], [1, 0], v), 1, 2**64 - 1),
    ("k", lambda v: labels.select_committee(RANKINGS, v), 1, 2**64 - 1),
    (
        "approval_top",
        lambda v: labels.select_committee(RANKINGS, 1, rule="pav", approval_top=v),
        0,
        2**64 - 1,
    ),
    ("n_thresholds", lambda v: opis(np.eye(2), [0, 1], n_thresholds=v), 1, 2**64 - 1),
    (
        "n_resamples",
        lambda v: rankwise.compare(QRELS, [RUN, RUN], "P@1", n_resamples=v),
        1,
        2**64 - 1,
    ),
    ("seed", lambda v: rankwise.compare(QRELS, [RUN, RUN], "P@1", seed=v), 0, 2**64 - 1),
    ("first_id", lambda v: parse_permutation("[1]", 1, first_id=v), 0, 2**64 - 1),
    ("first_id", lambda v: rerank(["q"], [[1, 0]], OracleRanker(), first_id=v), 0, 2**64 - 1),
    ("n", lambda v: SlidingWindow().plan(v), 0, 2**64 - 1),
    *[
        (name, lambda v, cls=cls, name=name: cls(**{name: v}), 0, 2**64 - 1)
        for cls, names in [
            (strat.SlidingWindow, ["window", "step", "passes", "top_k"]),
            (strat.Setwise, ["children", "top_k"]),
            (strat.Pairwise, ["top_k", "passes"]),
            (strat.Tournament, ["tournaments", "seed"]),
            (strat.TopDown, ["window", "top_k", "buffer"]),
            (strat.Groupwise, ["group_size", "overlap", "rounds"]),
        ]
        for name in names
    ],
    ("stages[0]", lambda v: Tournament(stages=((v, 2),)), 0, 2**64 - 1),
]


@pytest.mark.parametrize(
    ("name", "call", "lo", "hi"),
    INTEGER_ARGUMENTS,
    ids=[f"{i}-{a[0]}" for i, a in enumerate(INTEGER_ARGUMENTS)],
)
@settings(max_examples=25)
@given(data=st.data())
def test_integers_out_of_range_are_invalid_value_errors_naming_the_argument(
    name, call, lo, hi, data
):
    value = data.draw(
        st.one_of(
            st.integers(hi + 1, 2**200),
            st.integers(-(2**200), lo - 1),
            st.sampled_from([2**64, 2**70, -1, lo - 1, hi + 1, -(2**63) - 1]).filter(
                lambda v: not lo <= v <= hi
            ),
        ),
        label="value",
    )
    with pytest.raises(InvalidValueError) as info:
        call(value)
    message = str(info.value)
    assert f"`{name}`" in message and str(value) in message, message
    assert "must be" in message, message


@functools.cache
def cpus() -> int:
    """The CPU count as rankwise sees it (Rust's available_parallelism honours affinity and
    cgroup quotas, which os.cpu_count does not): the pool size with the variable blank."""
    done = python(
        "import rankwise; print(rankwise.get_num_threads())", env={"RANKWISE_NUM_THREADS": ""}
    )
    return int(done.stdout)


def test_set_num_threads_refuses_negatives_and_caps_huge_counts():
    before = rankwise.get_num_threads()
    cap = 4 * cpus()
    try:
        for bad in (-1, -(2**70)):
            with pytest.raises(InvalidValueError, match=rf"`n` must be a non-negative .*{bad}"):
                rankwise.set_num_threads(bad)
        with pytest.raises(TypeError, match="`n` must be a non-negative integer"):
            rankwise.set_num_threads(2.5)  # type: ignore[arg-type]
        for huge in (cap + 1, 99999, 2**70):
            with pytest.warns(RuntimeWarning, match=rf"set_num_threads\({huge}\) .*using {cap}"):
                rankwise.set_num_threads(huge)
            assert rankwise.get_num_threads() == cap
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            rankwise.set_num_threads(np.int64(1))
        assert rankwise.get_num_threads() == 1
    finally:
        rankwise.set_num_threads(before)


# ----------------------------------------------------------------------------------------
# 4. RANKWISE_NUM_THREADS


PROBE = (
    "import warnings\n"
    "with warnings.catch_warnings(record=True) as w:\n"
    "    warnings.simplefilter('always')\n"
    "    import rankwise\n"
    "print(rankwise.get_num_threads())\n"
    "for x in w: print(x.category.__name__, x.message)\n"
)


@pytest.mark.parametrize(
    ("value", "threads", "message"),
    [
        ("99999", "cap", 'RANKWISE_NUM_THREADS="99999" is more than 4 threads per CPU'),
        ("99999999999999999999999", "cap", "is more than 4 threads per CPU"),
        ("abc", "cpus", 'RANKWISE_NUM_THREADS must be a positive integer; got "abc"'),
        ("0", "cpus", 'must be a positive integer; got "0"'),
        ("-3", "cpus", 'must be a positive integer; got "-3"'),
        ("2.5", "cpus", 'must be a positive integer; got "2.5"'),
        ("1", "1", None),
        ("", "cpus", None),
    ],
)
def test_the_thread_variable_is_validated_at_import(value, threads, message):
    done = python(PROBE, env={"RANKWISE_NUM_THREADS": value})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    expected = {"cap": 4 * cpus(), "cpus": cpus()}.get(threads) or int(threads)
    assert int(lines[0]) == expected
    if message is None:
        assert lines[1:] == []
    else:
        assert len(lines) == 2 and lines[1].startswith("RuntimeWarning ") and message in lines[1]


# ----------------------------------------------------------------------------------------
# 5. Simulated rankers: noise from the content of a call, not from the order of calls


class Failing:
    """Delegates to ``inner`` and raises after ``limit`` batches (a model that crashed)."""

    def __init__(self, inner: object, limit: int) -> None:
        self.inner, self.limit, self.ranker_id = inner, limit, inner.ranker_id  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        method = getattr(self.inner, name)

        def call(batch: object) -> object:
            if self.limit <= 0:
                raise RuntimeError("the model crashed")
            self.limit -= 1
            return method(batch)

        return call


def grade_queries(seed: int, queries: int = 12, docs: int = 15) -> tuple[dict, list, list]:
    rng = random.Random(seed)
    qrels = {f"q{q}": {f"d{d}": rng.randint(0, 3) for d in range(docs)} for q in range(queries)}
    qids = list(qrels)
    cands = [[f"d{d}" for d in rng.sample(range(docs), docs)] for _ in qids]
    return qrels, qids, cands


NOISY = [
    lambda qrels, seed: SimulatedRanker(qrels, temperature=1.5, pairwise_error=0.2,
                                        position_bias=0.5, failure_rate=0.3, seed=seed),
]  # fmt: skip
STRATEGIES = [SlidingWindow(window=5, step=2), Setwise(children=2, top_k=5),
              Pairwise(method="heapsort", top_k=4), Tournament(stages=((2, 6), (1, 3)))]  # fmt: skip


@settings(max_examples=15)
@given(
    seed=st.integers(0, 2**32),
    strategy=st.sampled_from(STRATEGIES),
    stop_after=st.integers(0, 12),
    batch_size=st.integers(1, 40),
)
def test_a_resumed_noisy_run_equals_an_uninterrupted_one(
    tmp_path_factory, seed, strategy, stop_after, batch_size
):
    qrels, qids, cands = grade_queries(seed)
    want = rerank(qids, cands, NOISY[0](qrels, seed), strategy, progress=False).orders
    # A run that crashes, then a fresh process (a new ranker object) resuming from the cache.
    path = tmp_path_factory.mktemp("resume") / "answers.sqlite"
    crashing = Failing(NOISY[0](qrels, seed), stop_after)
    try:
        first = rerank(qids, cands, crashing, strategy, batch_size=batch_size, cache=path,
                       progress=False)  # fmt: skip
        assert first.orders == want
    except RerankInterruptedError:
        pass
    fresh = NOISY[0](qrels, seed)
    resumed = rerank(qids, cands, fresh, strategy, batch_size=3, cache=path, progress=False)
    assert resumed.orders == want


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32), strategy=st.sampled_from(STRATEGIES), noise=st.floats(0.1, 5))
def test_noisy_answers_do_not_depend_on_the_batch_size(seed, strategy, noise):
    qrels, qids, cands = grade_queries(seed)
    grades = [[float(qrels[q][d]) for d in c] for q, c in zip(qids, cands, strict=True)]
    for make, cs in ((lambda: NOISY[0](qrels, seed), cands),
                     (lambda: OracleRanker(noise, seed=seed, position_bias=0.3), grades)):  # fmt: skip
        results = {
            b: rerank(qids, cs, make(), strategy, batch_size=b, progress=False).orders
            for b in (1, 4, 1000)
        }
        assert results[1] == results[4] == results[1000]


def test_the_noise_is_the_same_in_every_process_and_differs_by_seed_query_and_content():
    code = (
        "from rankwise.rerank import SimulatedRanker, OracleRanker\n"
        "r = SimulatedRanker({'q': {'a': 1, 'b': 0, 'c': 2}}, temperature=3.0, seed=5)\n"
        "print(r.score_group([('q', ['a', 'b', 'c'])]))\n"
        "print(OracleRanker(2.0, seed=5).score_group([('q', [1.0, 0.0, 2.0])]))\n"
    )
    outputs = {python(code, env={"PYTHONHASHSEED": str(s)}).stdout for s in (1, 2, 3)}
    assert len(outputs) == 1
    here = SimulatedRanker({"q": {"a": 1, "b": 0, "c": 2}}, temperature=3.0, seed=5)
    oracle = OracleRanker(2.0, seed=5)
    assert outputs.pop() == (
        f"{here.score_group([('q', ['a', 'b', 'c'])])}\n"
        f"{oracle.score_group([('q', [1.0, 0.0, 2.0])])}\n"
    )
    # The same call twice: the same answer (what a cache would give); anything else differs.
    call = [("q", [1.0, 0.0, 2.0])]
    assert oracle.score_group(call) == oracle.score_group(call)
    assert OracleRanker(2.0, seed=6).score_group(call) != oracle.score_group(call)
    assert oracle.score_group([("q2", [1.0, 0.0, 2.0])]) != oracle.score_group(call)
    assert oracle.score_group([("q", [1.0, 2.0, 0.0])]) != oracle.score_group(call)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.5])
def test_simulated_rankers_refuse_a_noise_that_is_not_finite_and_non_negative(bad):
    with pytest.raises(InvalidValueError, match="`noise` must be a finite non-negative"):
        OracleRanker(bad)
    with pytest.raises(InvalidValueError, match="`temperature` must be a finite non-negative"):
        SimulatedRanker({}, temperature=bad)
    if bad != -0.5:
        with pytest.raises(InvalidValueError, match="`position_bias` must be a finite number"):
            OracleRanker(position_bias=bad)
