"""The table of quantizers under test, shared by the contract, property and oracle tests."""

import jax
import jax.numpy as jnp

# spec -> kind: "det" (ignores keys), "random" (differs across keys), "keyed" (needs a key,
# deterministic given it), "calibrated" (needs inputs=X)
QUANTIZERS_UNDER_TEST = {
    "none": "det", "grid:0.05": "det", "sign": "det", "sign:channel": "det", "bitnet": "det",
    "bitnet:channel": "det", "ternary:0.33": "det", "ternary:0.9:channel": "det",
    "uniform:2": "det", "uniform:4": "det", "uniform:8:channel": "det", "uniform:4:asym": "det",
    "uniform:3:asym:channel": "det", "uniform:16": "det", "stochastic:4": "random",
    "stochastic:3:channel": "random", "log2:4": "det", "log2:3:channel": "det",
    "fp8_e4m3": "det", "fp8_e5m2": "det", "fp4_e2m1": "det", "fp8_e4m3:raw": "det",
    "fp4_e2m1:channel": "det", "kmeans:8": "keyed", "kmeans:4:channel": "keyed",
    "prune:0.5": "det", "prune:0.7:channel": "det", "prune:0.5+uniform:4": "det",
    "prune:0.3+stochastic:4": "random", "prune:0.5+kmeans:4": "keyed", "gptq:4": "calibrated",
    "gptq:3:sym:tensor": "calibrated",
}
SPECS = sorted(QUANTIZERS_UNDER_TEST)


def call(q, w, key=None, inputs=None):
    """Call ``q`` with exactly the arguments its kind needs."""
    kwargs = {"inputs": inputs} if q.needs_calibration else {}
    return q(w, key=key if q.needs_key else None, **kwargs)


def sample(key, shape=(24, 8), dtype=jnp.float32):
    return (jax.random.normal(key, shape) / 4).astype(dtype)


def calibration(key, d_in, n=64):
    """Correlated inputs, so that GPTQ's error compensation matters."""
    a, b = jax.random.split(key)
    mix = jax.random.normal(a, (d_in, d_in)) / d_in**0.5
    return jax.random.normal(b, (n, d_in)) @ (mix + jnp.eye(d_in))


__all__ = ["QUANTIZERS_UNDER_TEST", "SPECS", "call", "calibration", "sample"]
