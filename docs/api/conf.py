"""Sphinx configuration of the infossl API reference (built by ``make docs``).

Only Sphinx's own extensions are used, no math renderer and no intersphinx: the reference builds
and reads offline. Formulas in the docstrings are plain unicode text.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from infossl import __version__  # noqa: E402  (the package, from this checkout)

project = "infossl"
author = "infossl contributors"
copyright = "infossl contributors"
release = version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]

root_doc = "index"
exclude_patterns = ["_build"]
templates_path: list[str] = []
html_static_path: list[str] = []
html_theme = "alabaster"
html_title = "infossl API reference"
html_show_sourcelink = False
html_copy_source = False

# Docstrings are Google style ("Args:", "Returns:") with RST markup.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# "Attributes:" as an instance-variable field list: a property documented by autodoc and listed
# under "Attributes:" would otherwise be described twice.
napoleon_use_ivar = True
# BaseEstimator lists the class attributes each estimator sets under this heading.
napoleon_custom_sections = [("Class attributes every concrete estimator sets", "params_style")]

autodoc_member_order = "groupwise"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autoclass_content = "class"
nitpicky = False

# Without Lightning installed, its import is mocked so that the Lightning section still builds.
autodoc_mock_imports = [
    name for name in ("lightning", "pytorch_lightning") if importlib.util.find_spec(name) is None
]


# Docstrings write absolute values and determinants as |x| and |det J|, which RST would read as
# substitution references. Bars outside inline literals, roles, literal and doctest blocks, line
# blocks and grid tables are escaped.
_INLINE = re.compile(r"(``.*?``|`[^`]*`)", re.S)
_LINE_BLOCK_OR_TABLE = re.compile(r"\|( |$)|\+[-=]")


def _protected(lines):
    """Which lines are kept as they are: literal and doctest blocks, line blocks, grid tables."""
    out = []
    block_indent = None  # indentation of the paragraph that opened a literal block
    doctest = False
    for line in lines:
        text = line.lstrip()
        indent = len(line) - len(text)
        if block_indent is not None and text and indent <= block_indent:
            block_indent = None
        doctest = bool(text) and (doctest or text.startswith(">>>"))
        out.append(block_indent is not None or doctest or bool(_LINE_BLOCK_OR_TABLE.match(text)))
        if block_indent is None and line.rstrip().endswith("::"):
            block_indent = indent
    return out


def _escape_bars(app, what, name, obj, options, lines):
    protected = _protected(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and not protected[j]:
            j += 1
        if j > i:
            parts = _INLINE.split("\n".join(lines[i:j]))
            text = "".join(p if k % 2 else p.replace("|", "\\|") for k, p in enumerate(parts))
            lines[i:j] = text.split("\n")
        i = j + 1


def setup(app):
    app.connect("autodoc-process-docstring", _escape_bars)
