"""Typed ``key=value`` parameters, as the command line (``--param k=3``) and benchmark method
specs (``ksg1:k=3``) write them."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["parse_params"]

#: A parsed parameter value.
ParamValue = bool | int | float | str | None | tuple[int | float, ...]


def parse_params(items: Sequence[str]) -> dict[str, ParamValue]:
    """Parse ['k=3', 'metric=max', 'jitter=false', 'k=1,2,4,8'] into typed values (int, float,
    bool, None, str; a comma-separated list of numbers becomes a tuple of them)."""
    params: dict[str, ParamValue] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--param must be key=value, got {item!r}")
        key, raw = item.split("=", 1)
        params[key.strip()] = _parse_value(raw.strip())
    return params


def _parse_value(raw: str) -> ParamValue:
    if "," in raw:
        parts = [_parse_value(part.strip()) for part in raw.split(",")]
        numbers = [v for v in parts if isinstance(v, (int, float)) and not isinstance(v, bool)]
        return tuple(numbers) if len(numbers) == len(parts) else raw
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
