"""Entry point of the ``infossl`` command.

Each command group lives in its own module of :mod:`infossl.cli` exposing
``register(app: typer.Typer, bench: typer.Typer) -> None``; heavy imports (torch, the trainer)
happen inside the command functions so that ``infossl --help`` stays fast. The root group is a
:class:`~infossl.cli._common.CommandGroup`: whatever command fails on its input or environment
ends with one line ``error: ...`` and exit status 2 (bad input) or 1 (environment), see
:mod:`infossl.cli._common`.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import TextIO

import typer

from infossl.cli._common import CommandGroup

app = typer.Typer(
    name="infossl",
    cls=CommandGroup,
    help="Self-supervised learning seen through information theory. Errors print one line "
    "'error: ...' and exit with status 2 for bad input (an option, or a file it names) or 1 "
    "for the environment (permission denied, read-only or full disk); a training run whose "
    "loss stopped being finite exits with 3.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bench = typer.Typer(
    help="Benchmarks: estimators on known-MI tasks, bounds, speed.", no_args_is_help=True
)
app.add_typer(bench, name="bench")

#: Modules of infossl.cli that add commands (one per command group).
COMMAND_MODULES: list[str] = [
    "infossl.cli.estimate_cmd",
    "infossl.cli.bench_cmd",
    "infossl.cli.demo_cmd",
    "infossl.cli.tasks_cmd",
    "infossl.cli.infoplane_cmd",
    "infossl.cli.staircase_cmd",
    "infossl.cli.train_cmd",
    "infossl.cli.report_cmd",
    "infossl.cli.experiment_cmd",
    "infossl.cli.generalisation_cmd",
    "infossl.cli.ssl_infoplane_cmd",
]


def _register_all() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(app, bench)


_register_all()


def _one_line_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Print a warning as one line ``warning: <message>`` on stderr (no source line)."""
    text = " ".join(str(message).split())
    print(f"warning: {text}", file=file if file is not None else sys.stderr)


def main() -> None:
    """Console-script entry point: warnings print as one line each."""
    warnings.showwarning = _one_line_warning
    app()


if __name__ == "__main__":
    main()
