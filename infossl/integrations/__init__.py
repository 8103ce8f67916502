"""Bridges to other training frameworks; each module imports its framework, the core never does.

* :mod:`infossl.integrations.lightning` — :class:`InformationCallback`, a PyTorch Lightning
  callback (``pip install 'infossl[lightning]'``).
"""
