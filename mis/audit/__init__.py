"""Audit metrics: confidence intervals for attack rates (host)."""

from mis.audit._intervals import clopper_pearson as clopper_pearson

__all__ = ["clopper_pearson"]
