"""``rankwise ndeval QRELS RUN``: ndeval's command line and CSV output (rankwise.diversity)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the subcommand, with ndeval's single-dash options."""
    p = sub.add_parser(
        "ndeval",
        help="diversity measures of a run (ndeval's options and CSV output)",
        description=(
            "Print what the TREC Web track's ndeval prints: ERR-IA, alpha-nDCG, NRBP, MAP-IA, "
            "P-IA and subtopic recall per topic of the run, then amean. QRELS has lines "
            "'topic subtopic docno judgement'; RUN is a TREC run, ranked by its rank column."
        ),
    )
    p.add_argument("qrels", help="qrels with a subtopic column")
    p.add_argument("run", help="a TREC run (topic Q0 docno rank score runid)")
    p.add_argument("-alpha", type=float, default=0.5, help="redundancy intolerance (0.5)")
    p.add_argument("-beta", type=float, default=0.5, help="patience of NRBP's user (0.5)")
    p.add_argument(
        "-traditional",
        action="store_true",
        help="rank by score, ties by docno descending, instead of by the rank column",
    )
    p.add_argument("-M", dest="depth", type=int, default=None, help="cut each topic at depth")
    p.add_argument(
        "-c",
        dest="complete",
        action="store_true",
        help="average over every topic of the qrels",
    )
    p.add_argument(
        "-baseline",
        default=None,
        metavar="BASELINE_RUN_FILE",
        help="risk-sensitive evaluation against this run: each topic's value minus the "
        "baseline's, losses weighted by 1+riskAlpha",
    )
    p.add_argument(
        "-riskAlpha",
        dest="risk_alpha",
        default="0",
        metavar="A",
        help="risk sensitivity (>= 0, default 0); used with -baseline, ignored without",
    )


def run(args: argparse.Namespace) -> int:
    """Print the CSV; errors go through ``rankwise.cli.guarded``."""
    import sys

    from .diversity import ndeval_output

    sys.stdout.write(
        ndeval_output(
            args.qrels,
            args.run,
            alpha=args.alpha,
            beta=args.beta,
            traditional=args.traditional,
            depth=args.depth,
            complete=args.complete,
            baseline=args.baseline,
            # ndeval ignores -riskAlpha without -baseline
            risk_alpha=args.risk_alpha if args.baseline is not None else "0",
        )
    )
    return 0
