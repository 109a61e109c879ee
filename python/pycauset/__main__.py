"""Command line: ``python -m pycauset demo [--size N] [--budget BYTES] [--progress]``."""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pycauset", description="pycauset command line")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="out-of-core tour: spill, NumPy round trip, matmul, inverse, save/load")
    demo.add_argument("--size", type=int, default=3072, help="matrix order N for the out-of-core part (default 3072)")
    demo.add_argument("--budget", default="32M", help="memory budget, bytes or with K/M/G suffix (default 32M)")
    demo.add_argument("--progress", action="store_true",
                      help="show progress bars for long operations (default: as PYCAUSET_PROGRESS says)")
    args = parser.parse_args(argv)
    from ._demo import run_demo

    # Without --progress, None: the process-wide setting (PYCAUSET_PROGRESS), as every long operation's default.
    return run_demo(size=args.size, budget=args.budget, progress=True if args.progress else None)


if __name__ == "__main__":
    sys.exit(main())
