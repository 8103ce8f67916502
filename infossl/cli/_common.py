"""Helpers shared by the command modules of :mod:`infossl.cli`: error exits, comma-separated
option values and command groups."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import typer


def fail(err: BaseException | str, code: int = 2) -> NoReturn:
    """Print ``error: <err>`` to stderr and exit with ``code`` (2: bad input)."""
    typer.echo(f"error: {err}", err=True)
    raise typer.Exit(code) from None


def comma_list(text: str, name: str) -> list[str]:
    """The stripped, non-empty items of the comma-separated option ``name`` (``ValueError``
    when there are none)."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise ValueError(f"{name} must be a non-empty comma-separated list, got {text!r}")
    return items


def comma_floats(text: str, name: str) -> list[float]:
    """The numbers of a comma-separated option ``name`` (``ValueError`` naming a bad item)."""
    values = []
    for item in comma_list(text, name):
        try:
            values.append(float(item))
        except ValueError:
            raise ValueError(f"{name} must hold comma-separated numbers, got {item!r}") from None
    return values


def add_group(
    app: typer.Typer, name: str, help: str, commands: Mapping[str, Callable[..., Any]]
) -> typer.Typer:
    """Add the command group ``name`` (``infossl <name> <command>``) with ``commands`` to ``app``;
    called without a command, the group prints its help."""
    group = typer.Typer(help=help, no_args_is_help=True)
    for command, function in commands.items():
        group.command(command)(function)
    app.add_typer(group, name=name)
    return group


def set_torch_threads(threads: int) -> None:
    """Use ``threads`` torch CPU threads; 0 keeps torch's default (``ValueError`` below 0)."""
    if threads < 0:
        raise ValueError(f"--threads must be >= 0, got {threads}")
    if threads > 0:
        import torch

        torch.set_num_threads(threads)
