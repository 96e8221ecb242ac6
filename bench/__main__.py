"""`make bench`: the page benchmark (bench.pages), HR's report and exports (bench.report), then HR's long
jobs (bench.jobs: the Excel export and the certificates' ZIP of everyone).

Usage: python -m bench [--only pages|report|jobs ...] [the options of bench.pages, bench.report and
bench.jobs]; they all use the same database, built once (bench.generate). For example
`make bench BENCH_ARGS="--only jobs --zip-people 300"`.
"""

from __future__ import annotations

import argparse
import sys

from bench import generate, jobs, pages, report

PARTS = ("pages", "report", "jobs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    generate.add_dataset_arguments(parser)
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="run only this benchmark (repeat for several; default: all)"
    )
    pages.add_arguments(parser)
    report.add_arguments(parser)
    jobs.add_arguments(parser)
    args = parser.parse_args(argv)
    chosen = args.only or PARTS
    if "pages" in chosen:
        pages.check_arguments(parser, args)
    if "report" in chosen:
        report.check_arguments(parser, args)

    def run() -> None:
        for number, part in enumerate(part for part in PARTS if part in chosen):
            if number:
                args.regenerate = False  # the first benchmark has just built it if asked to
                print()
            if part == "pages":
                pages.print_result(pages.run(args))
            elif part == "report":
                report.print_report(report.run(args))
            else:
                jobs.print_result(jobs.run(args))

    return generate.exit_status(run)


if __name__ == "__main__":
    sys.exit(main())
