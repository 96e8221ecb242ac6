"""`make bench`: the page benchmark (bench.pages), then the HR report and exports (bench.report).

Usage: python -m bench [the options of bench.pages and bench.report]; both use the same database,
built once (bench.generate).
"""

from __future__ import annotations

import argparse
import sys

from bench import generate, pages, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    generate.add_dataset_arguments(parser)
    pages.add_arguments(parser)
    report.add_arguments(parser)
    args = parser.parse_args(argv)
    pages.check_arguments(parser, args)
    report.check_arguments(parser, args)

    def both() -> None:
        pages.print_result(pages.run(args))
        args.regenerate = False  # the page benchmark has just built it if asked to
        print()
        report.print_report(report.run(args))

    return generate.exit_status(both)


if __name__ == "__main__":
    sys.exit(main())
