"""tools/bench_table.py: the benchmark tables of the README and the docs, rewritten between
their markers from the benchmark results."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest

from ._helpers import load_script

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "bench_table.py"


@pytest.fixture(scope="module")
def bt() -> ModuleType:
    return load_script(SCRIPT)


def sizes(rows: dict[str, float]) -> dict[str, object]:
    return {
        "sizes": {
            size: {"rows": [{"key": k, "median_s": t * (i + 1)} for k, t in rows.items()]}
            for i, size in enumerate(("1000x100", "100000x100"))  # 10000x1000 left out
        }
    }


@pytest.fixture
def results(tmp_path: Path) -> Path:
    folder = tmp_path / "results"
    folder.mkdir()
    arrays = {
        "rw_fused": 0.00124,
        "sk_default": 0.0603,
        "ranx_eval": 0.0436,
        "ranx_k_ndcg": 0.00264,
    }
    dicts = {"rw_e2e": 0.0115, "pt_e2e": 0.0388, "ranx_e2e": 0.152, "rw_compat": 0.02}
    (folder / "bench_arrays.json").write_text(json.dumps(sizes(arrays)))
    (folder / "bench_dicts.json").write_text(json.dumps(sizes(dicts)))  # pt_compat missing
    cli = {
        "name": "bench_cli",
        "eval": {
            "queries": 10000,
            "docs": 100,
            "run_bytes": 35_598_000,
            "qrels_bytes": 3_546_093,
            "repeat": 7,
            "rows": [
                {"key": "rankwise eval", "wall_s": 0.133, "cpu_s": 0.17, "peak_rss": 31e6},
                {"key": "trec_eval 9.0.4", "wall_s": 0.963, "cpu_s": 0.95, "peak_rss": 88e6},
            ],
            "identical_to_trec_eval": True,
            "load_before": [1.5, 1.0, 1.0],
            "load_after": [2.25, 1.0, 1.0],
        },
    }
    (folder / "bench_cli.json").write_text(json.dumps(cli))
    return folder


PAGE = """# Title

Prose before.

<!-- bench-table:speed -->
| hand-written | table |
|---|---|
<!-- /bench-table:speed -->

Prose between, with a `<!-- bench-table:speed -->` quoted inline (not a marker).

<!-- bench-table:cli -->
<!-- /bench-table:cli -->
Prose after.
"""


def test_markers_round_trip(bt: ModuleType, results: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    assert bt.main(["--results", str(results), str(page)]) == 0
    once = page.read_text()
    assert once != PAGE

    # Everything outside the markers is kept, byte for byte; the markers too.
    def outside(text: str) -> list[str]:
        bounds = [0, *(i for _, start, end in bt.marked_tables(text) for i in (start, end))]
        return [text[a:b] for a, b in zip(bounds[::2], [*bounds[1::2], len(text)], strict=True)]

    assert outside(once) == outside(PAGE)
    assert "hand-written" not in once
    assert once.endswith("<!-- /bench-table:cli -->\nProse after.\n")
    assert [name for name, _, _ in bt.marked_tables(once)] == ["speed", "cli"]
    # A second run changes nothing, and --check agrees.
    assert bt.main(["--results", str(results), str(page)]) == 0
    assert page.read_text() == once
    assert bt.main(["--results", str(results), "--check", str(page)]) == 0
    # Results that change make --check fail, and leave the page alone.
    data = json.loads((results / "bench_arrays.json").read_text())
    data["sizes"]["1000x100"]["rows"][0]["median_s"] = 0.002
    (results / "bench_arrays.json").write_text(json.dumps(data))
    assert bt.main(["--results", str(results), "--check", str(page)]) == 1
    assert page.read_text() == once


def test_only_the_tables_asked_for_change(bt: ModuleType, results: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    (results / "bench_arrays.json").unlink()  # the speed table cannot be made
    assert bt.main(["--results", str(results), "--tables", "cli", str(page)]) == 0
    text = page.read_text()
    assert "| hand-written | table |" in text and "**`rankwise eval`**" in text
    assert bt.main(["--results", str(results), "--tables", "nope", str(page)]) == 2


def test_a_second_table_name_is_not_read_as_a_page(
    bt: ModuleType, results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `--tables cli cli-memory` makes cli-memory a page argument: a clear error, no traceback.
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    assert bt.main(["--results", str(results), "--tables", "cli", "cli-memory", str(page)]) == 2
    assert "no such page: cli-memory" in capsys.readouterr().err
    assert page.read_text() == PAGE


def test_speed_table_cells(bt: ModuleType, results: Path) -> None:
    table = bt.speed_table(results)
    lines = table.splitlines()
    assert lines[0] == "| nDCG@10 + AP + RR@10 | 1k x 100 | 100k x 100 | 10k x 1000 |"
    assert len(lines) == 2 + len(bt.SPEED_ROWS)
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    by_label = {row[0]: row[1:] for row in cells}
    rankwise = by_label["**rankwise** `metrics.evaluate_arrays` (2-D arrays)"]
    assert rankwise == ["**1.24 ms**", "**2.48 ms**", "n/a"]
    sklearn = by_label["sklearn `ndcg_score` (nDCG@10 only, default ties)"]
    assert sklearn[0] == f"60.3 ms ({0.0603 / 0.00124:.2g}x)"
    # A row the results lack is marked, never invented.
    assert by_label["pytrec_eval `RelevanceEvaluator(...).evaluate` (nested dicts)"] == ["n/a"] * 3


def test_cli_table(bt: ModuleType, results: Path) -> None:
    table = bt.cli_table(results)
    assert "| **`rankwise eval`** | **133 ms** | **170 ms** | 31 MB |" in table
    assert f"| trec_eval 9.0.4 (C) | 963 ms ({0.963 / 0.133:.2g}x) |" in table
    assert "pytrec_eval (`parse_qrel`, `parse_run`, `evaluate`) | not run" in table
    assert "load average 1.5 / 2.2" in table and "byte-identical to trec_eval's: yes" in table
    with pytest.raises(bt.TableError, match="--memory"):
        bt.cli_memory_table(results)


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("<!-- bench-table:speed -->\n", "never closed"),
        ("<!-- /bench-table:speed -->\n", "without its opening"),
        ("<!-- bench-table:speed -->\n<!-- bench-table:cli -->\n", "inside"),
        ("<!-- bench-table:nope -->\n<!-- /bench-table:nope -->\n", "unknown table"),
    ],
)
def test_bad_markers_are_errors(bt: ModuleType, page: str, message: str) -> None:
    with pytest.raises(bt.TableError, match=message):
        bt.marked_tables(page)


def test_missing_results_name_the_benchmark(
    bt: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    assert bt.main(["--results", str(tmp_path), str(page)]) == 2
    assert "python benches/bench_" in capsys.readouterr().err
    assert page.read_text() == PAGE


def test_the_pages_carry_the_markers(bt: ModuleType) -> None:
    """The README and the docs' front page hold the tables this tool regenerates."""
    for page in bt.PAGES:
        names = [name for name, _, _ in bt.marked_tables(page.read_text())]
        assert "speed" in names and "cli" in names, page


def test_run_names_each_benchmark_once(bt: ModuleType) -> None:
    """``--run``: the speed table needs both peer benchmarks, the CLI tables bench_cli (with
    ``--memory`` for the second), trec_eval's path goes to bench_cli only."""
    commands = bt.bench_commands(["speed", "cli", "cli-memory", "speed"], "/te", python="py")
    scripts = [[Path(c[1]).name, *c[2:]] for c in commands]
    assert scripts == [
        ["bench_arrays.py"],
        ["bench_dicts.py"],
        ["bench_cli.py", "--trec-eval", "/te"],
        ["bench_cli.py", "--memory", "--trec-eval", "/te"],
    ]
    assert all(c[0] == "py" for c in commands)
    assert [Path(c[1]).name for c in bt.bench_commands(["cli"], None)] == ["bench_cli.py"]
    assert "--trec-eval" not in bt.bench_commands(["cli"], None)[0]


def test_run_then_rewrite(
    bt: ModuleType,
    results: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--run`` runs the benchmark, then rewrites from what it wrote; a benchmark that fails
    leaves the page as it was."""
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (tmp_path / "benches").mkdir()
    # A stand-in bench_cli.py that writes the results fixture's record, as the real one does.
    (tmp_path / "benches" / "bench_cli.py").write_text(
        "import shutil, sys\n"
        f"shutil.copy({str(results / 'bench_cli.json')!r}, {str(fresh)!r})\n"
        "sys.exit(3 if '--trec-eval' in sys.argv else 0)\n"
    )
    monkeypatch.setattr(bt, "ROOT", tmp_path)
    monkeypatch.delenv("TREC_EVAL", raising=False)
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    args = ["--run", "--tables", "cli", "--results", str(fresh), str(page)]
    assert bt.main([*args, "--trec-eval", "/te"]) == 1
    assert "bench_cli.py failed" in capsys.readouterr().err
    assert page.read_text() == PAGE
    assert bt.main(args) == 0
    assert "| **`rankwise eval`** | **133 ms** |" in page.read_text()
    assert bt.main([*args, "--check"]) == 2
