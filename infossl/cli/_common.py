"""Helpers shared by the command modules of :mod:`infossl.cli`: one-line error exits, the
command group that turns input and environment errors into them, output paths, comma-separated
option values and command groups.

Exit codes: 0 success; 1 the environment refused (permission denied, read-only or full disk, an
I/O error, an optional dependency that is not installed); 2 bad input (an option, an argument
or a file it names is wrong: unreadable, malformed, missing, a folder where a file is expected,
an output path under a missing folder); 3 a training run diverged. Every such failure prints one
line ``error: <message>`` on stderr. Other exceptions (``AttributeError``, ``KeyError`` ...) are
bugs and keep their traceback.

Output paths follow one rule (:func:`prepare_output_folder`, :func:`prepare_output_file`): of
the folders on the way to an output, only the last may be missing and is created.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from typer.core import TyperGroup

_T = TypeVar("_T")

#: Exit code of bad input (the command line, or a file it names).
INPUT_ERROR = 2
#: Exit code of an environment failure (permissions, read-only or full disk, I/O).
ENVIRONMENT_ERROR = 1
#: OSErrors that mean a path given on the command line is wrong, not the environment.
_PATH_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, FileExistsError)
#: What to do, by errno, appended to an OSError's message.
_ERRNO_HINTS = {
    errno.ENOENT: "check the path",
    errno.EISDIR: "it is a folder: give a file",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "remove it or choose another path",
    errno.EACCES: "check its permissions or choose another path",
    errno.EPERM: "check its permissions or choose another path",
    errno.EROFS: "the file system is read-only: choose another path",
    errno.ENOSPC: "the disk is full: free some space or choose another path",
    errno.EDQUOT: "the disk quota is exceeded: free some space or choose another path",
}


def handled_errors() -> tuple[type[BaseException], ...]:
    """The exception types a command may raise because of its input or its environment."""
    import yaml

    # FloatingPointError: numpy's errors raised on degenerate samples
    return (ValueError, TypeError, OSError, EOFError, FloatingPointError, yaml.YAMLError)


def exit_code(err: BaseException) -> int:
    """:data:`ENVIRONMENT_ERROR` for an OSError other than a wrong path and for a missing
    package, else :data:`INPUT_ERROR`."""
    if isinstance(err, OSError) and not isinstance(err, _PATH_ERRORS):
        return ENVIRONMENT_ERROR
    if isinstance(err, ImportError):
        return ENVIRONMENT_ERROR
    return INPUT_ERROR


def is_missing_package(err: BaseException) -> bool:
    """Whether ``err`` says that a package outside infossl (an optional dependency) is not
    installed; a missing module of infossl itself is a bug."""
    if not isinstance(err, ModuleNotFoundError) or not err.name:
        return False
    return err.name.split(".")[0] != "infossl"


def error_message(err: BaseException | str) -> str:
    """``err`` as one line: an OSError as ``path: reason (what to do)``, lines joined by '; ',
    the exception's type name when it has no message."""
    if isinstance(err, OSError) and err.strerror:
        text = _os_error_text(err)
    else:
        text = str(err)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return type(err).__name__ if isinstance(err, BaseException) else "failed"
    return "; ".join(lines)


def _os_error_text(err: OSError) -> str:
    where = "" if err.filename is None else f"{err.filename}"
    if err.filename2 is not None:
        where += f" -> {err.filename2}"
    text = f"{where}: {err.strerror}" if where else str(err.strerror)
    hint = _ERRNO_HINTS.get(err.errno) if err.errno is not None else None
    return f"{text} ({hint})" if hint else text


def fail(err: BaseException | str, code: int | None = None) -> NoReturn:
    """Print ``error: <err>`` on one line to stderr and exit with ``code`` (default: 1 for an
    environment OSError, else 2; see the module docstring)."""
    typer.echo(f"error: {error_message(err)}", err=True)
    if code is None:
        code = exit_code(err) if isinstance(err, BaseException) else INPUT_ERROR
    raise typer.Exit(code) from None


class CommandGroup(TyperGroup):
    """The ``infossl`` command group: a command that raises one of :func:`handled_errors` ends
    with :func:`fail` (one line, exit 1 or 2) instead of a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except handled_errors() as err:
            fail(err)
        except ModuleNotFoundError as err:
            if not is_missing_package(err):
                raise
            fail(err)


def prepare_output_folder(path: str | os.PathLike[str], option: str) -> Path:
    """``path``, an output folder named by the option ``option``, ready to write into.

    Of the folders on the way to ``path`` only the last may be missing: it is created.
    ``FileNotFoundError`` names the option and the first missing folder above it (nothing is
    created), ``ValueError`` a path, or a folder on the way, that is a file.
    """
    path = Path(path)
    if path.is_file():
        raise ValueError(f"{option} {path} is a file, not a folder; give a folder")
    return _make_last_folder(path, option, path)


def prepare_output_file(path: str | os.PathLike[str], option: str, example: str) -> Path:
    """``path``, an output file named by the option ``option``: not a folder (``ValueError``
    suggesting ``path/example``), its folder created by :func:`prepare_output_folder`'s rule."""
    path = check_not_a_folder(path, option, example)
    _make_last_folder(path.parent, option, path)
    return path


def check_not_a_folder(path: str | os.PathLike[str], option: str, example: str) -> Path:
    """``path``, checked not to be a folder where the option ``option`` wants a file
    (``ValueError`` suggesting ``path/example``); creates nothing."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{option} {path} is a folder; give a file name such as {path / example}")
    return path


def _make_last_folder(folder: Path, option: str, output: Path) -> Path:
    """Create ``folder`` (where ``output`` goes) when it is the only missing folder on its way;
    errors name ``option`` and ``output``."""
    if folder.is_dir():
        return folder
    missing = folder
    while not missing.parent.exists():
        missing = missing.parent
    blocker = missing if missing.exists() else missing.parent
    if not blocker.is_dir():
        raise ValueError(f"{option} {output}: {blocker} is a file, not a folder")
    if missing != folder:
        raise FileNotFoundError(
            f"{option} {output}: folder {missing} does not exist; create it first or choose "
            "another path (only the last folder of an output path is created)"
        )
    folder.mkdir(exist_ok=True)  # exist_ok: another process of the same run may be first
    return folder


def comma_list(text: str, name: str) -> list[str]:
    """The stripped items of the comma-separated option ``name``; one trailing comma is allowed.
    ``ValueError`` when there are none, or for an empty item between two others (``"64,,3"``: a
    typo must not silently drop a value)."""
    items = [t.strip() for t in text.split(",")]
    if items and not items[-1]:
        items.pop()
    if not any(items):
        raise ValueError(f"{name} must be a non-empty comma-separated list, got {text!r}")
    if not all(items):
        raise ValueError(f"{name} has an empty item, got {text!r}")
    return items


def _comma_values(text: str, name: str, convert: Callable[[str], _T], what: str) -> list[_T]:
    """The items of a comma-separated option ``name`` through ``convert`` (``ValueError`` naming
    a bad item as not ``what``)."""
    values = []
    for item in comma_list(text, name):
        try:
            values.append(convert(item))
        except ValueError:
            raise ValueError(f"{name} must hold comma-separated {what}, got {item!r}") from None
    return values


def comma_floats(text: str, name: str) -> list[float]:
    """The numbers of a comma-separated option ``name`` (``ValueError`` naming a bad item)."""
    return _comma_values(text, name, float, "numbers")


def comma_ints(text: str, name: str) -> list[int]:
    """The integers of a comma-separated option ``name`` (``ValueError`` naming a bad item)."""
    return _comma_values(text, name, int, "integers")


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
