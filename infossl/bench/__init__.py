"""Benchmarks of estimators on tasks with known information."""

from infossl.bench.estimators import run_estimator_benchmark

__all__ = ["run_estimator_benchmark"]
