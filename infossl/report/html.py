"""Self-contained HTML: figures as base64 PNG ``data:`` URIs, inline CSS, no external resources."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

__all__ = ["STYLE", "figure_html", "page", "png_data_uri", "table_html"]

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0;
       color: #1d2330; background: #f6f7f9; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; background: #fff; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-top: 8px; border-top: 1px solid #dde1e7; }
p, li { font-size: 14px; line-height: 1.5; }
.sub { color: #5a6272; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
th, td { border: 1px solid #d5dae1; padding: 4px 8px; text-align: left; }
th { background: #eef1f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 8px 0 20px; }
figure img { max-width: 100%; border: 1px solid #e3e6ea; }
figcaption { font-size: 12px; color: #5a6272; margin-top: 4px; }
nav a { margin-right: 14px; font-size: 13px; color: #2457a6; text-decoration: none; }
.warn { color: #9a4b00; }
"""


def png_data_uri(fig: Any, dpi: int = 110) -> str:
    """``data:image/png;base64,...`` of a matplotlib Figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure_html(fig: Any, caption: str, alt: str) -> str:
    """A ``<figure>`` with the embedded PNG and an escaped caption."""
    return (
        f'<figure><img alt="{html.escape(alt)}" src="{png_data_uri(fig)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f'<td class="num">{value:.4g}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value}</td>'
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def table_html(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table; floats get 4 significant digits, text is escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document; ``sections`` are (anchor id, heading, inner HTML)."""
    nav = "".join(f'<a href="#{html.escape(a)}">{html.escape(h)}</a>' for a, h, _ in sections)
    body = "".join(
        f'<section id="{html.escape(a)}"><h2>{html.escape(h)}</h2>{inner}</section>'
        for a, h, inner in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body><main>"
        f'<h1>{html.escape(title)}</h1><p class="sub">{html.escape(subtitle)}</p>'
        f"<nav>{nav}</nav>{body}</main></body></html>\n"
    )
