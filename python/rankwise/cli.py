"""The ``rankwise`` command.

``rankwise eval QRELS RUN [RUN...]`` evaluates TREC runs with trec_eval's flags and, by
default, trec_eval's output format, so scripts that parse trec_eval's output keep working when
the command is swapped; ``--format table|json|csv`` is for people and programs.
``rankwise demo`` evaluates the sample that ships with the package; ``rankwise sample`` prints
where its files are. ``rankwise rerank``
reranks a TREC run with a model and a strategy (:mod:`rankwise.rerank.cli`).

The default trec output is produced entirely in Rust (files read in parallel blocks, no numpy
import), so the command costs little more than the interpreter's start-up.

Every input is read once, from its first byte (pipes, FIFOs, ``/dev/stdin``, ``<(...)``;
``-`` is standard input for one of the files). With the default trec output, memory holds
the qrels and one block of a run that is a regular file whose queries each sit on
consecutive lines; a regular file whose queries are apart is read once more into compact
records partitioned by query, below the file's size (``evaluate_run_file`` in the Rust
core); a run from a pipe is read into those partitions from its first line, whatever its
order; a run under ``--format table|json|csv`` is held whole.
"""

from __future__ import annotations

import os
import stat
import sys
import time

from ._native import __version__, measures

# typing.TYPE_CHECKING without importing typing; argparse (with re and gettext, ~7 ms) and
# json are imported only where they are used, so that `rankwise eval` starts quickly.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from typing import Literal, TypedDict

    class _OutputOptions(TypedDict):
        """What trec_eval's text output takes from the flags, with qrels or ``-R`` judgements."""

        per_query: bool
        complete: bool
        rel_level: float
        judged_only: bool
        max_docs: int | None
        summary: bool


__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="rankwise",
        description="rankwise: the mathematics of ranking, exact and fast.",
    )
    parser.add_argument("--version", action="version", version=f"rankwise {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("demo", help="evaluate a real run bundled with the package")
    _add_sample_parser(sub)
    from ._ndeval_cli import add_parser as _add_ndeval_parser

    _add_ndeval_parser(sub)
    from ._cwl_cli import add_parser as _add_cwl_parser

    _add_cwl_parser(sub)
    # Defined in rankwise.rerank.cli (imported only for this command, to keep `eval` quick).
    sub.add_parser(
        "rerank", help="rerank a TREC run with a model and a strategy (rankwise rerank -h)"
    )
    ev = sub.add_parser(
        "eval",
        help="evaluate TREC runs against qrels (trec_eval's flags and output)",
        description=(
            "Evaluate runs with trec_eval 9.0.x semantics and output. Measures take trec_eval "
            "names (map, P.5,10, ndcg_cut.10, official) or ir_measures names (nDCG@10, RR@10)."
        ),
        epilog=_measure_list(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument(
        "qrels",
        help="qrels file (query_id iteration doc_id relevance; gzip allowed; - for stdin)",
    )
    ev.add_argument(
        "runs",
        nargs="+",
        help="run file(s) (query_id Q0 doc_id rank score name; gzip allowed; - for stdin)",
    )
    ev.add_argument(
        "-m",
        dest="measures",
        action="append",
        metavar="MEASURE",
        help="measure to compute (repeatable); default: trec_eval's official set",
    )
    ev.add_argument("-q", dest="per_query", action="store_true", help="per-query values too")
    ev.add_argument(
        "-c",
        dest="complete",
        action="store_true",
        help="average over all judged queries, 0 for those the run misses",
    )
    ev.add_argument("-l", dest="rel_level", type=float, default=1.0, metavar="LEVEL",
                    help="relevance level of binary measures (default 1)")  # fmt: skip
    ev.add_argument("-J", dest="judged_only", action="store_true",
                    help="only judged documents count (trec_eval -J)")  # fmt: skip
    ev.add_argument("-M", dest="max_docs", type=int, metavar="N",
                    help="only the top N documents of each ranking count")  # fmt: skip
    ev.add_argument("-n", dest="no_summary", action="store_true", help="no summary lines")
    # trec_eval's -R/-T/-N/-Z (trec_eval.c's options): relevance and results formats.
    ev.add_argument("-R", dest="rel_format", default="qrels", metavar="FORMAT",
                    help="judgements: qrels (default), prefs, qrels_prefs, qrels_jg, or "
                         "diversity (qrels with a subtopic column: ndeval's output)")  # fmt: skip
    ev.add_argument("-T", dest="results_format", default="trec_results", metavar="FORMAT",
                    help="results format: trec_results (the only one trec_eval has)")  # fmt: skip
    ev.add_argument("-N", dest="num_docs_in_coll", type=int, metavar="NUM",
                    help="documents in the collection (utility's 4th coefficient)")  # fmt: skip
    ev.add_argument("-Z", dest="zscore_file", metavar="FILE",
                    help="trec_eval's Z-score file (query measure mean stddev)")  # fmt: skip
    ev.add_argument(
        "--format",
        choices=("trec", "table", "json", "csv"),
        default="trec",
        help="trec_eval's text (default), an aligned table, JSON or CSV",
    )
    ev.add_argument(
        "--trec-eval",
        dest="trec_eval",
        choices=("9.0", "10.0"),
        default="9.0",
        metavar="VERSION",
        help="give the results of trec_eval 9.0 (default) or 10.0 where they differ "
        "(iprec_at_recall, 11pt_avg, scores compared as double)",
    )
    ev.add_argument(
        "--ties",
        choices=("trec_eval", "ranx", "expected"),
        default="trec_eval",
        help="order of tied scores: trec_eval's (default), ranx's, or the expected value "
        "over all orderings",
    )
    return parser


class EvalArgs:
    """The arguments of ``rankwise eval`` as :func:`_fast_eval_args` reads them: the
    attributes of the ``argparse`` namespace that :func:`_parser` would give."""

    def __init__(self) -> None:
        self.command = "eval"
        self.qrels = ""
        self.runs: list[str] = []
        self.measures: list[str] | None = None
        self.per_query = False
        self.complete = False
        self.rel_level = 1.0
        self.judged_only = False
        self.max_docs: int | None = None
        self.no_summary = False
        self.format = "trec"
        self.trec_eval: Literal["9.0", "10.0"] = "9.0"
        self.ties: Literal["trec_eval", "ranx", "expected"] = "trec_eval"
        self.rel_format = "qrels"
        self.results_format = "trec_results"
        self.num_docs_in_coll: int | None = None
        self.zscore_file: str | None = None


_EVAL_FLAGS = {"-q": "per_query", "-c": "complete", "-J": "judged_only", "-n": "no_summary"}
_EVAL_FORMATS = ("trec", "table", "json", "csv")
# Options with a value from a fixed list: attribute and values.
_EVAL_CHOICES = {
    "--trec-eval": ("trec_eval", ("9.0", "10.0")),
    "--ties": ("ties", ("trec_eval", "ranx", "expected")),
}
# Flags with a value, read as given (-N as an integer): trec_eval's formats and files.
_EVAL_VALUE_FLAGS = {
    "-R": "rel_format",
    "-T": "results_format",
    "-N": "num_docs_in_coll",
    "-Z": "zscore_file",
}


def _fast_eval_args(argv: Sequence[str]) -> EvalArgs | None:
    """``rankwise eval``'s arguments (``argv`` after ``eval``) read without argparse, which
    with its imports and the parser's construction costs ~10 ms of the command's start-up;
    None for anything but the plain cases (help, unknown or combined flags, abbreviations,
    values that start with ``-`` or ``=``, bad values, positionals not in one run): then
    argparse reads them, with its messages. Where both read ``argv``, they read it the same.
    """
    args = EvalArgs()
    positionals: list[str] = []
    ended = False  # whether the positionals (one run of them) are over
    i = 0
    try:
        while i < len(argv):
            token = argv[i]
            i += 1
            if token == "-" or not token.startswith("-"):
                if ended:
                    return None
                positionals.append(token)
                continue
            ended = ended or bool(positionals)
            if token in _EVAL_FLAGS:
                setattr(args, _EVAL_FLAGS[token], True)
                continue
            if token.startswith("--format"):
                if token == "--format" and i < len(argv):
                    value = argv[i]
                    i += 1
                elif token.startswith("--format="):
                    value = token[len("--format=") :]
                else:
                    return None
                if value not in _EVAL_FORMATS:
                    return None
                args.format = value
                continue
            choice = _EVAL_CHOICES.get(token.split("=", 1)[0])
            if choice is not None:
                if "=" in token:
                    value = token.split("=", 1)[1]
                elif i < len(argv):
                    value = argv[i]
                    i += 1
                else:
                    return None
                if value not in choice[1]:
                    return None
                setattr(args, choice[0], value)
                continue
            option, value = token[:2], token[2:]
            if option not in ("-m", "-l", "-M", *_EVAL_VALUE_FLAGS):
                return None
            if not value:
                if i == len(argv):
                    return None
                value = argv[i]
                i += 1
            if value[:1] in ("-", "="):
                return None
            if option == "-m":
                args.measures = [*(args.measures or []), value]
            elif option in _EVAL_VALUE_FLAGS:
                attr = _EVAL_VALUE_FLAGS[option]
                setattr(args, attr, int(value) if option == "-N" else value)
            elif option == "-l":
                args.rel_level = float(value)
            else:
                args.max_docs = int(value)
    except ValueError:
        return None
    if len(positionals) < 2:
        return None
    args.qrels, args.runs = positionals[0], positionals[1:]
    return args


def _measure_list() -> str:
    """The measures ``-m`` accepts, from the core's measure table (``_native.measures()``)."""
    headings = {
        "qrels": "measures (one example per ir_measures, trec_eval and ranx name):",
        "prefs": "measures of preferences (-R prefs, -R qrels_prefs; groups all_prefs, prefs):",
        "qrels_jg": "measures of judgement groups (-R qrels_jg; group qrels_jg):",
    }
    rows = measures()
    width = max(22, *(len(row["family"]) + 1 for row in rows))
    lines: list[str] = []
    for rel_format, heading in headings.items():
        lines.append(heading)
        for row in rows:
            if row["rel_format"] == rel_format:
                lines.append(f"  {row['family']:<{width}}{row['help']}")
                lines.append(f"  {'':<{width}}{', '.join(row['examples'])}")
        if rel_format == "qrels":
            lines.append(
                "  trec_eval's groups: official, set, all_trec; families expand (P, P.5,10)"
            )
    return "\n".join(lines)


SAMPLE_FILES = {
    "qrels": "robust04.qrels.gz",
    "run": "robust04-bm25-rm3.run.gz",
    "rerank": "robust04-simulated-rerank.run.gz",
}


def _add_sample_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sample = sub.add_parser(
        "sample",
        help="print the paths of the bundled sample files (qrels and two runs)",
        description=(
            "Print where the bundled TREC Robust04 sample is installed, so that shell "
            'commands can use it: rankwise eval "$(rankwise sample qrels)" '
            '"$(rankwise sample run)". Without a name, one line per file: name, then path.'
        ),
    )
    sample.add_argument(
        "name",
        nargs="?",
        choices=tuple(SAMPLE_FILES),
        help=(
            "print only this file's path: qrels (judgements), run (BM25+RM3, real) or "
            "rerank (a simulated reranker's run, synthetic); default: all three"
        ),
    )


def _sample(args: argparse.Namespace) -> int:
    # importlib.resources without the numpy-importing rankwise.sample: this stays instant.
    from importlib import resources

    data = resources.files("rankwise") / "data"
    if args.name is not None:
        print(data / SAMPLE_FILES[args.name])
        return 0
    for name, file in SAMPLE_FILES.items():
        print(f"{name}\t{data / file}")
    return 0


def _measures(args: EvalArgs | argparse.Namespace) -> tuple[list[str], bool]:
    """The measure names and whether to print ``runid`` (trec_eval does for its default set).

    The names go to the trec output as given: its Rust side prints trec_eval's text
    measures, ``runid`` (from the flag returned here) and ``relstring`` (``relstring.N``;
    also in ``all_trec``, per query only). ``--format table|json|csv`` hold numbers: there
    ``runid`` is the run's key and ``relstring`` is refused (see :func:`_write_other`).
    """
    if not args.measures:
        return ["official"], True
    names = list(args.measures)
    runid = bool({"runid", "official", "set", "all_trec"} & set(names))
    return names, runid


def _progress(message: str) -> None:
    # Status on stderr for people at a terminal only; pipes and files stay clean.
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)


STDIN = "-"


def _input_size(path: str) -> int:
    """Bytes in `path` if it is a regular file, else 0 (a pipe, a FIFO, ``/dev/fd/N``,
    ``-`` for standard input: their size is unknown until read, and they are read once, by
    the native reader, so nothing here may open or read them)."""
    if path == STDIN:
        info = os.fstat(sys.stdin.fileno()) if sys.stdin is not None else None
    else:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: no such file") from None
    return info.st_size if info is not None and stat.S_ISREG(info.st_mode) else 0


def _output_options(args: EvalArgs | argparse.Namespace) -> _OutputOptions:
    """The flags that trec_eval's output reads the same way from qrels and ``-R`` judgements."""
    return {
        "per_query": args.per_query,
        "complete": args.complete,
        "rel_level": args.rel_level,
        "judged_only": args.judged_only,
        "max_docs": args.max_docs,
        "summary": not args.no_summary,
    }


def _eval(args: EvalArgs | argparse.Namespace) -> int:
    from . import _native

    rel_info = _other_formats(args)
    if args.rel_format == "diversity":
        return _eval_diversity(args)
    # trec_eval's own output checks after reading (see below); the other paths before.
    if rel_info or args.format != "trec":
        _check_comments(args)
    if rel_info:
        return _eval_rel_info(args)
    measures, runid = _measures(args)
    if args.max_docs is not None and args.max_docs <= 0:
        raise ValueError(f"-M must be a positive integer; got {args.max_docs}")
    inputs = [args.qrels, *args.runs]
    if inputs.count(STDIN) > 1:
        raise ValueError(
            f"`-` (standard input) can stand for one file only; got it {inputs.count(STDIN)} "
            "times among the qrels and runs"
        )
    size = sum(_input_size(p) for p in inputs)
    started = time.perf_counter()
    if size > 100 << 20:
        _progress(f"rankwise: reading {size / 2**20:.0f} MiB of qrels and runs...")
    if args.format == "trec":
        from . import _native

        try:
            text = _native.trec_eval_output(
                args.qrels,
                list(args.runs),
                measures,
                **_output_options(args),
                runid=runid,
                trec_eval=args.trec_eval,
                ties=args.ties,
                num_docs_in_coll=args.num_docs_in_coll or 0,
                zscore_path=args.zscore_file,
            )
        except Exception:
            # A refused `#` line is the error to report, as if checked before reading.
            _check_comments(args)
            raise
        # After reading, nothing is printed before it: the native readers remember the files
        # they read whole without a `#` line, which this then checks without reading again.
        _check_comments(args)
        sys.stdout.write(text)
    else:
        _write_other(args, measures)
    if size > 100 << 20:
        _progress(f"rankwise: done in {time.perf_counter() - started:.1f} s")
    return 0


def _check_comments(args: EvalArgs | argparse.Namespace) -> None:
    """Refuse the `#` lines that trec_eval ``--trec-eval`` would read as data, where rankwise
    skips them (``_native.check_comment_lines``)."""
    from . import _native

    _native.check_comment_lines(args.qrels, list(args.runs), trec_eval=args.trec_eval)


REL_FORMATS = ("qrels", "prefs", "qrels_prefs", "qrels_jg", "diversity")


def _other_formats(args: EvalArgs | argparse.Namespace) -> bool:
    """Check ``-R``/``-T``/``-N``/``-Z``; whether the judgements are not plain qrels."""
    if args.results_format != "trec_results":
        raise ValueError(
            f"-T must be trec_results (trec_eval's only results format); "
            f"got {args.results_format!r}"
        )
    if args.rel_format not in REL_FORMATS:
        raise ValueError(f"-R must be one of {', '.join(REL_FORMATS)}; got {args.rel_format!r}")
    if args.num_docs_in_coll is not None and not 0 <= args.num_docs_in_coll < 2**62:
        raise ValueError(
            f"-N must be a non-negative integer below 2**62; got {args.num_docs_in_coll}"
        )
    for flag, given in (("-Z", args.zscore_file is not None), ("-N", bool(args.num_docs_in_coll))):
        if given and args.format != "trec":
            raise ValueError(f"{flag} works with trec_eval's format only; drop --format")
    return bool(args.rel_format != "qrels")


def _eval_diversity(args: EvalArgs | argparse.Namespace) -> int:
    """``rankwise eval -R diversity QRELS RUN``: what ndeval prints with its default options
    (``rankwise ndeval`` has the rest). ``-c`` and ``-M`` mean what they mean to ndeval."""
    from .diversity import ndeval_output

    given = [
        flag
        for flag, on in (
            ("-m", bool(args.measures)),
            ("-J", args.judged_only),
            ("-n", args.no_summary),
            ("-Z", args.zscore_file is not None),
            ("-N", args.num_docs_in_coll is not None),
            ("--format", args.format != "trec"),
            ("--trec-eval", args.trec_eval != "9.0"),
            ("--ties", args.ties != "trec_eval"),
        )
        if on
    ]
    if given:
        raise ValueError(
            f"-R diversity prints every ndeval measure in ndeval's format; drop {', '.join(given)}"
        )
    if len(args.runs) != 1:
        raise ValueError(f"-R diversity evaluates one run, as ndeval does; got {len(args.runs)}")
    if args.max_docs is not None and args.max_docs <= 0:
        raise ValueError(f"-M must be a positive integer; got {args.max_docs}")
    sys.stdout.write(
        ndeval_output(args.qrels, args.runs[0], depth=args.max_docs, complete=args.complete)
    )
    return 0


def _eval_rel_info(args: EvalArgs | argparse.Namespace) -> int:
    """``rankwise eval -R prefs|qrels_prefs|qrels_jg``: trec_eval's output, from Rust."""
    from . import _native

    if args.format != "trec":
        raise ValueError(f"-R {args.rel_format} prints trec_eval's format only; drop --format")
    if args.max_docs is not None and args.max_docs <= 0:
        raise ValueError(f"-M must be a positive integer; got {args.max_docs}")
    text = _native.trec_eval_rel_info_output(
        args.qrels,
        args.rel_format,
        list(args.runs),
        list(args.measures or []),
        **_output_options(args),
        zscore_path=args.zscore_file,
    )
    sys.stdout.write(text)
    return 0


def _write_other(args: EvalArgs | argparse.Namespace, measures: list[str]) -> None:
    """``--format table|json|csv``: the means (and per-query values) of the measures, numbers
    only. ``runid`` names the run's entry already; ``relstring`` (a string of labels) is
    refused before the files are read, by the measure parser's error that says it is the
    trec output's only; ``all_trec`` stands for its numeric measures here."""
    import json

    from . import _native
    from .evaluate import Qrels, Run, evaluate

    measures = [m for m in measures if m.strip() != "runid"] or ["official"]
    _native.measure_names(measures)  # refuse bad names (relstring) before reading the files

    qrels = Qrels.from_trec(args.qrels)
    results: dict[str, dict[str, float]] = {}
    per_query: dict[str, dict[str, dict[str, float]]] = {}
    missing: Literal["skip", "zero"] = "zero" if args.complete else "skip"
    for path in args.runs:
        # Read whole (one block at a time, but every query is kept: memory holds the run).
        run = Run.from_trec(
            path, score_precision="float64" if args.trec_eval == "10.0" else "float32"
        )
        name = run.name or ("stdin" if path == STDIN else os.path.basename(path))
        if name in results:
            name = path
        # One evaluation: the report holds the means and the per-query values.
        report = evaluate(
            qrels,
            run,
            measures,
            rel_level=args.rel_level,
            missing=missing,
            judged_only=args.judged_only,
            max_docs=args.max_docs,
            ties=args.ties,
            trec_eval=args.trec_eval,
        )
        results[name] = dict(report)
        if args.per_query:
            per_query[name] = report.per_query
    # Pipes were checked before reading only as far as they can be: again, from what their
    # readers skipped, before anything is printed.
    _check_comments(args)
    if args.format == "json":
        payload: dict[str, object] = {"means": results}
        if args.per_query:
            payload["per_query"] = per_query
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.format == "csv":
        sys.stdout.write("run,measure,query,value\n")
        for name, means in results.items():
            if args.per_query:
                for qid, values in per_query[name].items():
                    for m, v in values.items():
                        sys.stdout.write(f"{name},{m},{qid},{v!r}\n")
            for m, v in means.items():
                sys.stdout.write(f"{name},{m},all,{v!r}\n")
    else:
        names = list(results)
        rows = list(next(iter(results.values())))
        width = max(len(r) for r in ["measure", *rows])
        cols = [max(len(n), 8) for n in names]
        header = f"{'measure':<{width}}  " + "  ".join(
            f"{n:>{c}}" for n, c in zip(names, cols, strict=True)
        )
        print(header)
        for r in rows:
            cells = "  ".join(f"{results[n][r]:>{c}.4f}" for n, c in zip(names, cols, strict=True))
            print(f"{r:<{width}}  {cells}")


def _debug() -> bool:
    """Whether ``RANKWISE_DEBUG`` asks for tracebacks (set, and not ``0``/``false``/``no``)."""
    return os.environ.get("RANKWISE_DEBUG", "").strip().lower() not in ("", "0", "false", "no")


def _error(command: str, exc: BaseException) -> int:
    """One line on stderr for an exception that ended ``command``; the exit status (1).

    rankwise's own errors and the builtins it raises for bad input (``ValueError``,
    ``TypeError``, ``OSError``) already say what was wrong: their message is printed as is.
    Anything else is a bug or an environment problem: its type is named too, and
    ``RANKWISE_DEBUG=1`` prints the traceback for a bug report.
    """
    if _debug():
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    message = " ".join(str(exc).split()) or "(no message)"
    if not isinstance(exc, ValueError | TypeError | OSError):
        hint = "" if _debug() else " (set RANKWISE_DEBUG=1 to see the traceback)"
        message = f"{type(exc).__name__}: {message}{hint}"
    print(f"rankwise {command}: error: {message}", file=sys.stderr)
    return 1


def guarded(command: str, body: Callable[[], int]) -> int:
    """Run the body of ``rankwise COMMAND``: never a traceback (unless ``RANKWISE_DEBUG=1``).

    An exception becomes one line, ``rankwise COMMAND: error: ...``, and exit status 1; Ctrl-C
    becomes ``rankwise COMMAND: interrupted`` and 130 (128 + SIGINT, as shells report it);
    a reader that closes the pipe early (``| head``) ends the command quietly.
    """
    try:
        return body()
    except KeyboardInterrupt as e:
        if _debug():
            import traceback

            traceback.print_exception(e, file=sys.stderr)
        print(f"rankwise {command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Nothing more can be written to stdout; point it at /dev/null so that the
        # interpreter's flush at exit does not report the closed pipe.
        try:
            fd = sys.stdout.fileno()
        except (OSError, ValueError):
            return 141  # stdout is not a file descriptor (an embedding program's object)
        os.dup2(os.open(os.devnull, os.O_WRONLY), fd)
        return 141  # 128 + SIGPIPE, as a command killed by the closed pipe reports
    except Exception as e:
        return _error(command, e)


def _check_eval(args: EvalArgs | argparse.Namespace) -> None:
    """Arguments of ``rankwise eval`` that the native reader would take as unsigned 64-bit."""
    if args.max_docs is not None and args.max_docs >= 2**63:
        raise ValueError(f"-M must be a positive integer below 2**63; got {args.max_docs}")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    fast = _fast_eval_args(argv[1:]) if argv[:1] == ["eval"] else None
    if fast is not None:

        def fast_evaluate() -> int:
            _check_eval(fast)
            return _eval(fast)

        return guarded("eval", fast_evaluate)
    if argv[:1] == ["rerank"]:
        from .rerank.cli import main as rerank

        return rerank(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":

        def demo() -> int:
            from .sample import demo

            demo()
            return 0

        return guarded("demo", demo)
    if args.command == "sample":
        return guarded("sample", lambda: _sample(args))
    if args.command == "ndeval":
        from ._ndeval_cli import run as _ndeval

        return guarded("ndeval", lambda: _ndeval(args))
    if args.command == "cwl":
        from ._cwl_cli import run as _cwl

        return guarded("cwl", lambda: _cwl(args))
    if args.command == "eval":

        def evaluate() -> int:
            _check_eval(args)
            return _eval(args)

        return guarded("eval", evaluate)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
