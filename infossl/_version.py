"""The package version, in one place: ``pyproject.toml`` reads it from here (setuptools' dynamic
``attr``, evaluated statically, so building needs neither torch nor numpy)."""

__version__ = "0.1.0"
