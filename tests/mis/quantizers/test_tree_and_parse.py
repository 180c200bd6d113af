"""Whole-pytree application, stacked models, calibration, and the spec parser."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mis.errors import UserError
from mis.quantizers import (
    VALID_FORMS,
    bits_per_weight,
    parse,
    quantize_tree,
    sparsity,
)
from tests.mis.quantizers._zoo import SPECS, calibration


def _params(key, models=None):
    lead = () if models is None else (models,)
    k1, k2, k3 = jax.random.split(key, 3)
    return {"dense1": {"kernel": jax.random.normal(k1, lead + (16, 8)),
                       "bias": jax.random.normal(k2, lead + (8,))},
            "dense2": {"kernel": jax.random.normal(k3, lead + (8, 2)),
                       "bias": jnp.ones(lead + (2,))},
            "norm": {"scale": jnp.ones(lead + (8,))}}


def test_tree_quantizes_kernels_and_keeps_biases(key):
    params = _params(key)
    out = quantize_tree(parse("sign"), params)
    for layer in ("dense1", "dense2"):
        np.testing.assert_array_equal(out[layer]["bias"], params[layer]["bias"])
        k = params[layer]["kernel"]
        np.testing.assert_array_equal(out[layer]["kernel"], parse("sign")(k))
    np.testing.assert_array_equal(out["norm"]["scale"], params["norm"]["scale"])


def test_tree_selection_is_configurable(key):
    params = _params(key)
    out = quantize_tree(parse("uniform:2"), params, include=lambda path, leaf: "dense2" in path)
    np.testing.assert_array_equal(out["dense1"]["kernel"], params["dense1"]["kernel"])
    bias = params["dense2"]["bias"]
    np.testing.assert_array_equal(out["dense2"]["bias"], parse("uniform:2")(bias))


@pytest.mark.parametrize("spec", ["ternary:0.5:channel", "stochastic:4", "kmeans:4"])
def test_stacked_models_match_one_at_a_time(spec, key):
    q = parse(spec)
    p_key, q_key = jax.random.split(key)
    stack = _params(p_key, models=3)
    qkey = q_key if q.needs_key else None
    out = quantize_tree(q, stack, key=qkey, stacked=True)
    for m in range(3):
        one = jax.tree.map(lambda a, m=m: a[m], stack)
        # model m of a stack uses split(fold_in(key, leaf), 3)[m]
        flat, _ = jax.tree_util.tree_flatten_with_path(one)
        for i, (path, leaf) in enumerate(flat):
            got = out
            for k in path:
                got = got[k.key]
            if leaf.ndim < 2:
                np.testing.assert_array_equal(got[m], leaf)
                continue
            k_m = None if qkey is None else jax.random.split(jax.random.fold_in(qkey, i), 3)[m]
            np.testing.assert_allclose(got[m], q(leaf, key=k_m), rtol=1e-6)


def test_gptq_through_the_tree_needs_calibration(key):
    params = _params(key)
    q = parse("gptq:4")
    with pytest.raises(ValueError, match="calibration inputs for \\['dense1'\\]\\['kernel'\\]"):
        quantize_tree(q, params)
    calib = {"['dense1']['kernel']": calibration(key, 16), "['dense2']['kernel']":
             calibration(jax.random.fold_in(key, 1), 8)}
    out = quantize_tree(q, params, calibration=calib)
    want = q(params["dense1"]["kernel"], inputs=calib["['dense1']['kernel']"])
    np.testing.assert_array_equal(out["dense1"]["kernel"], want)


def test_randomised_quantizer_in_tree_needs_key(key):
    with pytest.raises(ValueError, match="randomised"):
        quantize_tree(parse("stochastic:4"), _params(key))


def test_bits_per_weight_and_sparsity():
    w = jnp.arange(1.0, 65.0).reshape(16, 4)
    assert bits_per_weight(parse("uniform:4"), w) == 4 + 32 / 64
    assert bits_per_weight(parse("uniform:4:channel"), w) == 4 + 4 * 32 / 64
    assert bits_per_weight(parse("uniform:4:asym"), w) == 4 + 36 / 64
    assert bits_per_weight(parse("kmeans:16"), w) == 4 + 16 * 32 / 64
    assert bits_per_weight(parse("prune:0.75"), w) == 1 + 0.25 * 32
    assert bits_per_weight(parse("fp8_e4m3:raw"), w) == 8
    assert float(sparsity(parse("prune:0.75")(w))) == 0.75


@pytest.mark.parametrize("bad", ["", "foo", "uniform", "uniform:x", "uniform:1", "uniform:17",
                                 "ternary:1", "ternary:-0.1", "sign:asym", "kmeans:1",
                                 "gptq:4+prune:0.5", "prune:0.5+gptq:4", "prune:0.5+prune:0.5",
                                 "prune:0.1+sign+bitnet", "fp8_e4m3:sym"])
def test_bad_specs_are_one_line_errors_listing_the_forms(bad):
    with pytest.raises(UserError) as err:
        parse(bad)
    message = str(err.value)
    assert "\n" not in message and repr(bad) in message and VALID_FORMS[0] in message


def test_every_spec_of_the_table_parses_to_its_own_spec():
    assert all(parse(s).spec == s for s in SPECS)
