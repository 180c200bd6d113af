"""Shared test configuration: a deterministic key fixture."""

import itertools

import jax
import pytest

_counter = itertools.count()


@pytest.fixture
def key():
    """A fresh, deterministic PRNG key per use (fixed seed + fold_in counter)."""
    return jax.random.fold_in(jax.random.key(20261122), next(_counter))


def se_from(estimate, confidence=0.95):
    """Standard error implied by a normal-approximation ``Estimate`` interval."""
    from theory._estimate import normal_z

    return (float(estimate.upper) - float(estimate.lower)) / (2 * normal_z(confidence))
