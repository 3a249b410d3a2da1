"""What a newcomer meets after `pip install rankwise`: the version in one place, the bundled
sample reachable from the shell, and README commands that print what the README shows."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import rankwise
from rankwise.sample import sample_paths, second_run_path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def rankwise_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rankwise", *args], capture_output=True, text=True, check=False
    )


def test_sample_command_prints_the_bundled_files():
    done = rankwise_cli("sample")
    assert done.returncode == 0, done.stderr
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    qrels, run = sample_paths()
    assert lines == [["qrels", str(qrels)], ["run", str(run)], ["rerank", str(second_run_path())]]
    for _, path in lines:
        assert Path(path).is_file()
    for name, path in lines:
        one = rankwise_cli("sample", name)
        assert one.returncode == 0 and one.stdout == f"{path}\n"


def test_sample_command_refuses_an_unknown_name_with_the_choices():
    done = rankwise_cli("sample", "qrel")
    assert done.returncode == 2
    assert "invalid choice: 'qrel'" in done.stderr and "qrels" in done.stderr


def test_version_lives_in_cargo_toml_and_the_changelog_names_it():
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    version = cargo["workspace"]["package"]["version"]
    assert rankwise.__version__ == version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dynamic"] == ["version"] and "version" not in project
    changelog = (ROOT / "CHANGELOG.md").read_text()
    newest = re.search(r"^## (\S+)", changelog, flags=re.M)
    assert newest is not None and newest.group(1) == version


def test_pickled_runs_and_qrels_are_as_compact_as_the_readme_says():
    # README, scale-out section: "24 bytes per row on the bundled Robust04 sample".
    qrels_path, run_path = sample_paths()
    for value in (rankwise.Qrels.from_trec(qrels_path), rankwise.Run.from_trec(run_path)):
        rows = sum(len(docs) for docs in value.to_dict().values())
        assert round(len(pickle.dumps(value)) / rows) == 24
        assert "24 bytes per row on the bundled Robust04 sample" in " ".join(
            README.read_text().split()
        )


def shell_sessions(text: str) -> list[tuple[str, str]]:
    """(command, expected output) for every `$ ` prompt in the ```bash blocks of `text`;
    `> ` lines continue a command."""
    sessions: list[tuple[str, str]] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        command: str | None = None
        expected: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    sessions.append((command, "\n".join(expected)))
                command, expected = line[2:], []
            elif line.startswith("> ") and command is not None and not expected:
                command += "\n" + line[2:]
            elif command is not None:
                expected.append(line)
        if command is not None:
            sessions.append((command, "\n".join(expected)))
    return sessions


def matches(expected: str, output: str) -> bool:
    """Output equals expected, where `...` in expected stands for any text (lines too)."""
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, output.rstrip("\n"), flags=re.S) is not None


@pytest.fixture(scope="module")
def shell_env(tmp_path_factory):
    """PATH with a `rankwise` that is this interpreter's `python -m rankwise`, so that the
    commands run against the package under test (the installed wheel in CI)."""
    bin_dir = tmp_path_factory.mktemp("bin")
    shim = bin_dir / "rankwise"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m rankwise "$@"\n')
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize(
    "source", [README, *sorted(DOCS.rglob("*.md"))], ids=lambda p: str(p.relative_to(ROOT))
)
def test_shell_examples_print_what_they_show(source, shell_env, tmp_path):
    sessions = shell_sessions(source.read_text())
    if source == README:
        assert len(sessions) >= 3
    for command, expected in sessions:
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command.replace("\\\n", " ")],
            capture_output=True,
            text=True,
            env=shell_env,
            cwd=tmp_path,
            check=False,
        )
        # `| head` may close the pipe early: SIGPIPE (141) upstream is not a failure.
        assert done.returncode in (0, 141), (command, done.stderr)
        assert matches(expected, done.stdout), (command, expected, done.stdout)


def test_shell_example_parser_reads_prompts_continuations_and_outputs():
    text = "```bash\n$ echo a \\\n>   b\na b\n$ true\n```\n"
    assert shell_sessions(text) == [("echo a \\\n  b", "a b"), ("true", "")]
    assert matches("x ... z", "x yy z\n") and not matches("x ... z", "x yy zz")
    assert matches("a\n...\nc", "a\nb\nb\nc") and not matches("a\n...\nc", "a\nb")
