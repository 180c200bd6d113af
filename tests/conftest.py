"""Shared test configuration: a deterministic key fixture, and one persistent XLA compilation
cache for the whole test session.

The cache is set through the environment before JAX is imported, so the two xdist workers and
every ``mis`` command a test runs as a subprocess share it: a program compiled once (e.g. the
smoke run of a command that several tests repeat) is loaded from disk afterwards. A cached
executable is the one XLA would compile again (the key covers the program, the compile options,
the JAX version and the backend), so results are unchanged: a command's outputs are
byte-identical with and without it. The folder is made by the first process of the session
(pytest's controller; the workers and subprocesses inherit the variable) and removed when it
exits. ``MIS_TEST_JAX_CACHE=0`` turns it off; an existing ``JAX_COMPILATION_CACHE_DIR`` is
respected (and kept).

The session also compiles faster than XLA's default, with two code-generation flags (added to
``XLA_FLAGS`` and recorded in ``MIS_TEST_XLA_FLAGS`` for the tests that build a subprocess's
environment). Most of the suite's time is compiling small programs:

- ``--xla_backend_optimization_level=1``: LLVM's optimisation level 1 instead of 3, about twice
  as fast to compile (the shadow engine's training program for a 16-unit MLP: 1.3 s -> 0.6 s);
- ``--xla_cpu_use_fusion_emitters=false``: fusions are emitted by XLA's elemental IR emitter
  instead of the newer MLIR fusion emitters, about a third less compile time again (a 2-cell
  ``mis sweep --smoke``: 10.8 s -> 7.3 s of compilation; ``mis molecular --smoke`` on one
  embedder: 21.0 s -> 13.5 s).

Only XLA's code generation changes, not the programs JAX builds (the same StableHLO goes in),
and results differ from the default build in the last float32 bits (fused multiply-adds,
vectorised loops, the order of a reduction). Trained models inherit those differences, so a
metric at smoke sizes may move by an example or two; every tolerance in the suite holds with and
without the flags (checked: the whole suite passes with ``MIS_TEST_XLA_OPT=default``, which runs
it with XLA's defaults). A few subprocesses set their own ``XLA_FLAGS`` (several host devices,
``jax.distributed``) and so run with the defaults: the suite covers both.
"""

import atexit
import os
import shutil
import tempfile
import zlib

if os.environ.get("MIS_TEST_JAX_CACHE", "1") != "0" \
        and "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="mis-test-jax-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _CACHE
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

if os.environ.get("MIS_TEST_XLA_OPT", "1") != "default" and "MIS_TEST_XLA_FLAGS" not in os.environ:
    os.environ["MIS_TEST_XLA_FLAGS"] = ("--xla_backend_optimization_level=1 "
                                        "--xla_cpu_use_fusion_emitters=false")
    os.environ["XLA_FLAGS"] = " ".join(filter(None, [
        os.environ.get("XLA_FLAGS", ""), os.environ["MIS_TEST_XLA_FLAGS"]]))

import jax  # noqa: E402  (after the cache settings)
import pytest  # noqa: E402


@pytest.fixture
def key(request):
    """A deterministic PRNG key per test: fixed seed folded with a hash of the test's id, so a
    test sees the same key whatever the order or the worker that runs it."""
    return jax.random.fold_in(jax.random.key(20261122), zlib.crc32(request.node.nodeid.encode()))


def se_from(estimate, confidence=0.95):
    """Standard error implied by a normal-approximation ``Estimate`` interval."""
    from theory import normal_z

    return (float(estimate.upper) - float(estimate.lower)) / (2 * normal_z(confidence))
