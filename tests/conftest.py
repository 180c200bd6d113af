"""Shared test configuration: a deterministic key fixture."""

import zlib

import jax
import pytest


@pytest.fixture
def key(request):
    """A deterministic PRNG key per test: fixed seed folded with a hash of the test's id, so a
    test sees the same key whatever the order or the worker that runs it."""
    return jax.random.fold_in(jax.random.key(20261122), zlib.crc32(request.node.nodeid.encode()))


def se_from(estimate, confidence=0.95):
    """Standard error implied by a normal-approximation ``Estimate`` interval."""
    from theory import normal_z

    return (float(estimate.upper) - float(estimate.lower)) / (2 * normal_z(confidence))
