"""``infossl estimate`` and ``infossl methods``: estimates from sample files, the registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import typer

from infossl._params import parse_params
from infossl.cli._io import load_array, npz_keys, parse_columns, print_estimates
from infossl.estimate import check_unit


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("estimate")(estimate)
    app.command("methods")(methods)


def estimate(
    x: Path = typer.Argument(..., help="File with X samples: .npy, .npz or .csv (rows = samples)."),
    y: Path | None = typer.Argument(
        None,
        help="File with Y samples; omit to take Y from X's file with --y-cols, or X and Y from "
        "the arrays x and y of an .npz given alone (as written by `infossl tasks sample`).",
    ),
    method: str = typer.Option("auto", "--method", "-m", help="See `infossl methods`."),
    k: int | None = typer.Option(None, "--k", help="Neighbours for kNN methods."),
    z: Path | None = typer.Option(None, "--z", help="File with Z: estimate I(X;Y|Z) instead."),
    entropy: bool = typer.Option(False, "--entropy", help="Estimate H(X) of the X file only."),
    x_cols: str | None = typer.Option(None, help="Columns of X, e.g. '0,1' or '0:3'."),
    y_cols: str | None = typer.Option(None, help="Columns of Y (in Y's file, or X's if no Y)."),
    z_cols: str | None = typer.Option(None, help="Columns of Z."),
    key: str | None = typer.Option(None, help="Array name inside .npz files (default: first)."),
    x_key: str | None = typer.Option(
        None, "--x-key", help="Array of X inside its .npz (default: --key; 'x' for an .npz alone)."
    ),
    y_key: str | None = typer.Option(
        None, "--y-key", help="Array of Y inside its .npz (default: --key; 'y' for an .npz alone)."
    ),
    param: list[str] = typer.Option(
        [], "--param", "-p", help="Extra hyper-parameter key=value (k=1,2,4,8: a tuple of numbers)."
    ),
    unit: str = typer.Option("nats", "--unit", help="nats or bits."),
    ci: float | None = typer.Option(None, "--ci", help="Confidence level, e.g. 0.95."),
    n_resamples: int = typer.Option(100, help="Replicates for --ci."),
    seed: int = typer.Option(0, help="Seed of the resampling."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Estimate I(X;Y) (or H(X) with --entropy, or I(X;Y|Z) with --z) from sample files.

    Every number printed (value, stderr, CI, ceiling and figures in the notes) is in --unit.
    """
    import infossl

    check_unit(unit)
    params: dict[str, Any] = parse_params(param)
    if k is not None:
        params["k"] = k
    common = dict(method=method, unit=unit, ci=ci, n_resamples=n_resamples, seed=seed)
    if entropy:
        xs = load_array(x, key=x_key or key, columns=parse_columns(x_cols, "--x-cols"))
        result = infossl.estimate_entropy(xs, **common, **params)
    else:
        xs, ys = _load_pair(x, y, key, x_key, y_key, x_cols, y_cols)
        zs = (
            None if z is None else load_array(z, key=key, columns=parse_columns(z_cols, "--z-cols"))
        )
        if xs.shape == ys.shape and np.array_equal(xs, ys):
            typer.echo(f"warning: {_identical_warning(xs, zs is not None)}", err=True)
        if zs is not None:
            result = infossl.estimate_cmi(xs, ys, zs, **common, **params)
        else:
            result = infossl.estimate_mi(xs, ys, **common, **params)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        print_estimates([result], unit=unit)


def _load_pair(
    x: Path,
    y: Path | None,
    key: str | None,
    x_key: str | None,
    y_key: str | None,
    x_cols: str | None,
    y_cols: str | None,
) -> tuple[np.ndarray, np.ndarray]:
    """X and Y from two files, from columns of one file, or from the x/y arrays of one .npz."""
    x_columns = parse_columns(x_cols, "--x-cols")
    y_columns = parse_columns(y_cols, "--y-cols")
    if y is not None:
        return (
            load_array(x, key=x_key or key, columns=x_columns),
            load_array(y, key=y_key or key, columns=y_columns),
        )
    if y_cols is not None:  # both from X's file (the same array unless --y-key names another)
        x_name = x_key or key
        return (
            load_array(x, key=x_name, columns=x_columns),
            load_array(x, key=y_key or x_name, columns=y_columns),
        )
    if x.suffix.lower() != ".npz":
        raise ValueError(
            "give a Y file, or --y-cols to take Y from X's file, or an .npz holding arrays x and y"
        )
    names = (x_key or key or "x", y_key or key or "y")
    present = npz_keys(x)
    missing = [name for name in names if name not in present]
    if missing:
        raise ValueError(
            f"{x} has no array {missing[0]!r} (arrays present: {', '.join(present) or 'none'}); "
            "choose X and Y with --x-key/--y-key, or give a Y file or --y-cols"
        )
    return (
        load_array(x, key=names[0], columns=x_columns),
        load_array(x, key=names[1], columns=y_columns),
    )


def _identical_warning(xs: np.ndarray, conditional: bool) -> str:
    """What I(X;X) means for these samples: H(X) when discrete, infinite when continuous."""
    from infossl.api import TIE_FRACTION_MIXED, is_discrete, tie_fraction

    if conditional:
        return (
            "X and Y are identical: I(X;Y|Z) = H(X|Z), an entropy, which is infinite for "
            "continuous X unless Z determines X"
        )
    if is_discrete(xs) or tie_fraction(xs) > TIE_FRACTION_MIXED:
        return (
            "X and Y are identical: I(X;Y) = H(X), so the estimate is an entropy "
            "(--entropy estimates it directly)"
        )
    return (
        "X and Y are identical continuous samples: the true I(X;Y) is infinite, so the value "
        "reported only reflects the method's ceiling"
    )


def methods(
    quantity: str | None = typer.Option(None, help="mi, entropy or cmi (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List every registered estimator with its kind, accepted data and parameters."""
    from rich.console import Console
    from rich.table import Table

    import infossl

    rows = infossl.list_methods(quantity)
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
