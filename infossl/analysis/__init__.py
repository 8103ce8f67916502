"""Analyses built on the estimators and metrics: information planes, the IDNN reproduction."""
