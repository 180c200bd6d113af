"""Contract table: every quantizer of the zoo through the same checks (STYLE §8)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mis.quantizers import Quantizer, distance_to_threshold, parse
from tests.mis.quantizers._zoo import QUANTIZERS_UNDER_TEST, SPECS, calibration, call, sample


def _setup(spec, key, shape=(24, 8)):
    q = parse(spec)
    w_key, q_key, x_key = jax.random.split(key, 3)
    x = calibration(x_key, shape[0]) if q.needs_calibration else None
    return q, sample(w_key, shape), q_key, x


@pytest.mark.parametrize("spec", SPECS)
def test_protocol_and_spec_round_trip(spec):
    q = parse(spec)
    assert isinstance(q, Quantizer)
    assert parse(q.spec) == q
    assert hash(q) == hash(parse(q.spec))
    assert jax.tree_util.tree_leaves(q) == []  # all configuration is static


@pytest.mark.parametrize("spec", SPECS)
def test_jit_matches_eager(spec, key):
    q, w, k, x = _setup(spec, key)
    eager = call(q, w, k, x)
    jitted = jax.jit(lambda q, w, k, x: call(q, w, k, x))(q, w, k, x)
    np.testing.assert_allclose(jitted, eager, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("spec", SPECS)
def test_vmap_over_a_stack_matches_loop(spec, key):
    q, _, k, _ = _setup(spec, key)
    w_key, x_key = jax.random.split(jax.random.fold_in(key, 1))
    ws = sample(w_key, (3, 24, 8))
    keys = jax.random.split(k, 3)
    xs = jnp.stack([calibration(jax.random.fold_in(x_key, i), 24) for i in range(3)])
    stacked = jax.vmap(lambda w, k, x: call(q, w, k, x))(ws, keys, xs)
    looped = jnp.stack([call(q, ws[i], keys[i], xs[i]) for i in range(3)])
    np.testing.assert_allclose(stacked, looped, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16, jnp.float16])
@pytest.mark.parametrize("spec", SPECS)
def test_dtype_and_shape_kept(spec, dtype, key):
    q, w, k, x = _setup(spec, key)
    out = call(q, w.astype(dtype), k, x)
    assert out.dtype == dtype and out.shape == w.shape
    assert bool(jnp.all(jnp.isfinite(out)))


@pytest.mark.parametrize("spec", SPECS)
def test_keys(spec, key):
    q, w, k, x = _setup(spec, key)
    kind = QUANTIZERS_UNDER_TEST[spec]
    kwargs = {"inputs": x} if q.needs_calibration else {}
    if kind in ("det", "calibrated"):
        assert not q.needs_key
        np.testing.assert_array_equal(q(w, key=k, **kwargs), q(w, **kwargs))
        return
    assert q.needs_key
    with pytest.raises(ValueError, match="randomised"):
        q(w)
    np.testing.assert_array_equal(q(w, key=k), q(w, key=k))
    if kind == "random":
        assert not np.array_equal(q(w, key=k), q(w, key=jax.random.fold_in(k, 1)))
    else:  # keyed: the seeding differs across keys (observable on clustered data)
        spread = jnp.concatenate([jnp.linspace(0, 1, 96), jnp.linspace(5, 6, 96)]).reshape(24, 8)
        outs = {np.asarray(q(spread, key=jax.random.fold_in(k, i))).tobytes() for i in range(8)}
        assert len(outs) > 1


@pytest.mark.parametrize("spec", SPECS)
def test_distance_to_threshold_shape_and_sign(spec, key):
    q, w, k, x = _setup(spec, key)
    if spec.startswith("stochastic") or "+stochastic" in spec:
        with pytest.raises(ValueError, match="no decision thresholds"):
            distance_to_threshold(q, w, key=k, inputs=x)
        return
    d = distance_to_threshold(q, w, key=k if q.needs_key else None, inputs=x)
    assert d.shape == w.shape and d.dtype == w.dtype
    assert bool(jnp.all(d >= 0))
