"""The one base of infossl's settings objects: pydantic models that forbid unknown keys.

:class:`ConfigModel` is shared by the run configuration of ``infossl train``
(:mod:`infossl.train.config`, whose sections allow validated assignment) and the settings of the
experiments (:class:`~infossl.analysis.idnn.IDNNConfig`,
:class:`~infossl.analysis.compress_experiment.CompressConfig`,
:class:`~infossl.estimators.neural.staircase.StaircaseConfig`, frozen). A misspelt keyword is a
``ValueError`` naming it; a bad value a ``ValueError`` (or ``TypeError`` for a wrong type) naming
the field and what was wrong.

Experiment settings check their values with the functions of :mod:`infossl._checks` (so the
messages match those of the functions taking the same arguments) in a ``mode="before"``
validator that sees every field, defaults included: :func:`with_defaults`. A copy with changed
values is ``type(config)(**{**config.model_dump(), **changes})`` (``model_copy(update=...)``
skips validation).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["ConfigModel", "FrozenConfig", "error_message", "with_defaults"]


class ConfigModel(BaseModel):
    """A settings object: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")


class FrozenConfig(ConfigModel):
    """Immutable settings (and hashable when every value is).

    A bad value raises a plain ``ValueError`` whose message is that of the failed check (which
    names the field) or ``field: what was wrong``, one line per problem, rather than pydantic's
    ``ValidationError`` report; a ``TypeError`` of a check passes through unchanged.
    """

    model_config = ConfigDict(frozen=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:
            raise ValueError(error_message(err, type(self))) from None


def error_message(err: ValidationError, cls: type[BaseModel]) -> str:
    """One line per error of ``err``: the check's own message, or ``field: message``."""
    lines = []
    for error in err.errors(include_url=False):
        name = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            valid = ", ".join(cls.model_fields)
            lines.append(f"{name}: unknown setting of {cls.__name__} (valid: {valid})")
            continue
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}" if name else message)
    return "\n".join(lines)


def with_defaults(cls: type[BaseModel], data: Any) -> dict[str, Any]:
    """The keyword arguments ``data`` completed with the defaults of ``cls``'s fields.

    Unknown keys are kept, for the model to reject; ``data`` that is not a mapping is a
    ``TypeError``.
    """
    if isinstance(data, BaseModel):
        data = data.model_dump()
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} takes keyword arguments, got {type(data).__name__}")
    values = {
        name: field.get_default(call_default_factory=True)
        for name, field in cls.model_fields.items()
        if name not in data
    }
    values.update(data)
    return values
