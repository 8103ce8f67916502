"""``infossl estimate`` and ``infossl methods``: estimates from sample files, the registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from infossl.cli._io import load_array, parse_columns, parse_params, print_estimates


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("estimate")(estimate)
    app.command("methods")(methods)


def estimate(
    x: Path = typer.Argument(..., help="File with X samples: .npy, .npz or .csv (rows = samples)."),
    y: Path | None = typer.Argument(
        None, help="File with Y samples; omit to take Y from X's file with --y-cols."
    ),
    method: str = typer.Option("auto", "--method", "-m", help="See `infossl methods`."),
    k: int | None = typer.Option(None, "--k", help="Neighbours for kNN methods."),
    z: Path | None = typer.Option(None, "--z", help="File with Z: estimate I(X;Y|Z) instead."),
    entropy: bool = typer.Option(False, "--entropy", help="Estimate H(X) of the X file only."),
    x_cols: str | None = typer.Option(None, help="Columns of X, e.g. '0,1' or '0:3'."),
    y_cols: str | None = typer.Option(None, help="Columns of Y (in Y's file, or X's if no Y)."),
    z_cols: str | None = typer.Option(None, help="Columns of Z."),
    key: str | None = typer.Option(None, help="Array name inside .npz files (default: first)."),
    param: list[str] = typer.Option([], "--param", "-p", help="Extra hyper-parameter key=value."),
    unit: str = typer.Option("nats", "--unit", help="nats or bits."),
    ci: float | None = typer.Option(None, "--ci", help="Confidence level, e.g. 0.95."),
    n_resamples: int = typer.Option(100, help="Replicates for --ci."),
    seed: int = typer.Option(0, help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Estimate I(X;Y) (or H(X) with --entropy, or I(X;Y|Z) with --z) from sample files."""
    import infossl

    try:
        params: dict[str, Any] = parse_params(param)
        if k is not None:
            params["k"] = k
        xs = load_array(x, key=key, columns=parse_columns(x_cols, "--x-cols"))
        common = dict(method=method, unit=unit, ci=ci, n_resamples=n_resamples, seed=seed)
        if entropy:
            result = infossl.estimate_entropy(xs, **common, **params)
        else:
            if y is None:
                if y_cols is None:
                    raise ValueError("give a Y file, or --y-cols to take Y from X's file")
                ys = load_array(x, key=key, columns=parse_columns(y_cols, "--y-cols"))
            else:
                ys = load_array(y, key=key, columns=parse_columns(y_cols, "--y-cols"))
            if z is not None:
                zs = load_array(z, key=key, columns=parse_columns(z_cols, "--z-cols"))
                result = infossl.estimate_cmi(xs, ys, zs, **common, **params)
            else:
                result = infossl.estimate_mi(xs, ys, **common, **params)
    except (ValueError, TypeError, OSError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        print_estimates([result])


def methods(
    quantity: str | None = typer.Option(None, help="mi, entropy or cmi (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List every registered estimator with its kind, accepted data and parameters."""
    from rich.console import Console
    from rich.table import Table

    import infossl

    try:
        rows = infossl.list_methods(quantity)
    except ValueError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in rows], indent=2, default=repr))
        return
    table = Table(title="infossl estimators")
    for col in ("quantity", "method", "kind", "accepts", "parameters", "summary"):
        table.add_column(col)
    for r in rows:
        params = ", ".join(f"{k}={v!r}" for k, v in r.params.items())
        table.add_row(r.quantity, r.name, r.kind, r.accepts, params, r.summary)
    Console(width=160).print(table)


__all__ = ["estimate", "methods", "register"]
