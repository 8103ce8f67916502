"""Typed ``key=value`` parameters, as the command line (``--param k=3``) and benchmark method
specs (``ksg1:k=3``) write them."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["parse_params"]

#: A parsed parameter value.
ParamValue = bool | int | float | str | None


def parse_params(items: Sequence[str]) -> dict[str, ParamValue]:
    """Parse ['k=3', 'metric=max', 'jitter=false'] into typed values (int, float, bool, str)."""
    params: dict[str, ParamValue] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--param must be key=value, got {item!r}")
        key, raw = item.split("=", 1)
        params[key.strip()] = _parse_value(raw.strip())
    return params


def _parse_value(raw: str) -> ParamValue:
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    return raw
