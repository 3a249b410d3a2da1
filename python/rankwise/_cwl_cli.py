"""``rankwise cwl GAINS RUN [-c COSTS] [-m METRICS] [-n] [-r]``: cwl_eval's command line
(rankwise.cwl)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the subcommand, with cwl_eval's options."""
    p = sub.add_parser(
        "cwl",
        help="C/W/L measures with element types and costs (cwl_eval's options and output)",
        description=(
            "Print what cwl_eval prints: per topic of RUN and per measure, the expected "
            "utility per document (EU), expected total utility (ETU), expected cost per "
            "document (EC), expected total cost (ETC) and expected depth (ED). GAINS has lines "
            "'topic unused doc gain' (gains in [0, 1]); RUN has lines 'topic element_type doc "
            "rank score run', each topic's lines in rank order."
        ),
    )
    p.add_argument("gains", help="gain file (TREC qrels whose judgements are gains in [0, 1])")
    p.add_argument("run", help="result file whose second column is each document's element type")
    p.add_argument(
        "-c", "--cost_file", default=None, help="costs per element type ('type cost' lines)"
    )
    p.add_argument(
        "-m",
        "--metrics_file",
        default=None,
        help="measures to report, one per line, e.g. RBPCWLMetric(0.8) (default: cwl_eval's)",
    )
    p.add_argument("-n", "--colnames", action="store_true", help="print a heading line")
    p.add_argument("-r", "--residuals", action="store_true", help="add the residual columns")


def run(args: argparse.Namespace) -> int:
    """Print the rows; errors go through ``rankwise.cli.guarded``."""
    import sys

    from .cwl import cwl_eval_output

    sys.stdout.write(
        cwl_eval_output(
            args.gains,
            args.run,
            args.cost_file,
            args.metrics_file,
            residuals=args.residuals,
            headings=args.colnames,
        )
    )
    return 0
