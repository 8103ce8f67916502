"""Entry point of the ``infossl`` command.

Each command group lives in its own module of :mod:`infossl.cli` exposing
``register(app: typer.Typer, bench: typer.Typer) -> None``; heavy imports (torch, the trainer)
happen inside the command functions so that ``infossl --help`` stays fast.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="infossl",
    help="Self-supervised learning seen through information theory.",
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
]


def _register_all() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(app, bench)


_register_all()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
