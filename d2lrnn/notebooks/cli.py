"""The command line: ``d2lrnn-notebooks check|build PATH...``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import environment

CHECK_HELP = "run the notebooks under pytest --nbval with the tolerance markers (exit status of pytest)"
BUILD_HELP = "run the notebooks in place in the fixed environment and store their outputs"


def notebook_paths(paths: list) -> list:
    """The .ipynb files named by ``paths`` (folders give their notebooks, sorted)."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts))
        elif path.suffix == ".ipynb" and path.is_file():
            found.append(path)
        else:
            raise SystemExit(f"d2lrnn-notebooks: {str(path)!r} is neither a notebook (.ipynb) nor a folder")
    return found


def check_arguments(paths: list, sanitize_with: str | None, pytest_args: list) -> list:
    """The pytest arguments of ``check``."""
    return [*map(str, paths), "--nbval", "--nbval-current-env",
            "--nbval-sanitize-with", str(sanitize_with or environment.SANITIZE_FILE),
            "-p", "d2lrnn.notebooks.pytest_plugin", "--d2lrnn-env", "-p", "no:cacheprovider", *pytest_args]


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(prog="d2lrnn-notebooks", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help=CHECK_HELP, description=CHECK_HELP)
    check.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    check.add_argument("--sanitize-with", metavar="FILE",
                       help=f"nbval sanitize file (default: {environment.SANITIZE_FILE.name} shipped "
                            "with d2lrnn: wall-clock times, rates, speed ratios)")
    check.add_argument("pytest_args", nargs=argparse.REMAINDER,
                       help="after --: more pytest arguments, e.g. -- -x --d2lrnn-margin 2")
    build = commands.add_parser("build", help=BUILD_HELP, description=BUILD_HELP)
    build.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    build.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    args = parser.parse_args(argv)

    paths = notebook_paths(args.paths)
    if args.command == "check":
        import pytest

        extra = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
        return int(pytest.main(check_arguments(paths, args.sanitize_with, extra)))
    from .build import build as build_notebooks

    environment.apply(keep_thread_counts=False)
    failed = build_notebooks(paths, args.timeout, log=lambda line: print(line, flush=True))
    if failed:
        print(f"not rebuilt (left as they were): {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
