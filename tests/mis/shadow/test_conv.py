"""ConvLearner: the forward pass against lax.conv_general_dilated and NumPy, calibration patches,
per-output-channel quantization of conv kernels, GPTQ on conv kernels, and training."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mis.data import load_digits
from mis.quantizers import parse, quantize_tree
from mis.shadow import ConvLearner, conv2d, conv_relu_pool, image_patches, max_pool


def _lax_conv(x, k, b):
    return jax.lax.conv_general_dilated(x, k, (1, 1), "SAME",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC")) + b


def _numpy_pool(x):
    n, h, w, c = x.shape
    out = np.empty((n, h // 2, w // 2, c), x.dtype)
    for i in range(h // 2):
        for j in range(w // 2):
            out[:, i, j] = x[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2].max(axis=(1, 2))
    return out


@pytest.mark.parametrize("c_in,c_out", [(1, 4), (3, 5)])
def test_conv2d_equals_lax_convolution(key, c_in, c_out):
    kx, kk, kb = jax.random.split(key, 3)
    x = jax.random.normal(kx, (6, 7, 5, c_in))
    k = jax.random.normal(kk, (3, 3, c_in, c_out))
    b = jax.random.normal(kb, (c_out,))
    np.testing.assert_allclose(conv2d(x, k, b), _lax_conv(x, k, b), rtol=1e-5, atol=1e-5)
    p = image_patches(x)
    assert p.shape == (6, 7, 5, 9 * c_in)


def test_max_pool_equals_numpy(key):
    x = np.asarray(jax.random.normal(key, (3, 8, 6, 2)))
    np.testing.assert_array_equal(max_pool(jnp.asarray(x)), _numpy_pool(x))


def test_forward_pass_equals_a_direct_computation(key):
    learner = ConvLearner(channels=(4, 6), num_outputs=10)
    params = learner.init(key, (8, 8, 1))
    x = np.asarray(load_digits("test").x[:20])
    h = x
    for i in range(2):
        conv = params["convs"][i]
        h = _numpy_pool(np.maximum(np.asarray(_lax_conv(h, conv["kernel"], conv["bias"])), 0))
    want = h.reshape(20, -1) @ np.asarray(params["head"]["kernel"]) + np.asarray(
        params["head"]["bias"])
    np.testing.assert_allclose(learner.predict(params, jnp.asarray(x)), want, rtol=1e-4,
                               atol=1e-5)
    assert params["convs"][0]["kernel"].shape == (3, 3, 1, 4)
    assert params["convs"][1]["kernel"].shape == (3, 3, 4, 6)
    assert params["head"]["kernel"].shape == (2 * 2 * 6, 10)
    for fused in (True, False):  # the embedding = the head's input, both conv forms
        feats = ConvLearner(channels=(4, 6), fused=fused).features(params, jnp.asarray(x))
        np.testing.assert_allclose(feats, h.reshape(20, -1), rtol=1e-4, atol=1e-5)


def test_calibration_inputs_reproduce_every_layer(key):
    learner = ConvLearner(channels=(4, 6))
    params = learner.init(key, (8, 8, 1))
    x = load_digits("test").x[:16]
    calib = learner.calibration_inputs(params, x)
    assert set(calib) == {"['convs'][0]['kernel']", "['convs'][1]['kernel']",
                          "['head']['kernel']"}
    conv0 = params["convs"][0]
    direct = _lax_conv(x, conv0["kernel"], 0.0).reshape(-1, 4)
    np.testing.assert_allclose(calib["['convs'][0]['kernel']"] @ conv0["kernel"].reshape(-1, 4),
                               direct, rtol=1e-5, atol=1e-5)
    head = calib["['head']['kernel']"] @ params["head"]["kernel"] + params["head"]["bias"]
    np.testing.assert_allclose(head, learner.predict(params, x), rtol=1e-5, atol=1e-5)


def test_per_channel_quantizer_uses_the_kernels_last_axis(key):
    k = jax.random.normal(key, (3, 3, 4, 6)) * jnp.arange(1, 7)  # channel scales differ
    q = quantize_tree(parse("uniform:4:channel"), {"kernel": k})["kernel"]
    for c in range(6):
        one = parse("uniform:4")(k[..., c])  # the channel alone, per tensor
        np.testing.assert_allclose(q[..., c], one, rtol=1e-6, atol=1e-7)


def test_gptq_on_a_conv_kernel_is_gptq_on_its_patch_matrix(key):
    learner = ConvLearner(channels=(4, 6))
    params = learner.init(key, (8, 8, 1))
    calib = learner.calibration_inputs(params, load_digits("test").x[:32])
    name = "['convs'][1]['kernel']"
    k = params["convs"][1]["kernel"]
    q = parse("gptq:3")
    got = q(k, inputs=calib[name])
    flat = q(k.reshape(-1, 6), inputs=calib[name])
    np.testing.assert_array_equal(got, flat.reshape(k.shape))
    whole = quantize_tree(q, params, calibration=calib)
    np.testing.assert_array_equal(whole["convs"][1]["kernel"], got)
    with pytest.raises(ValueError, match=r"expected \[n, 36\]"):
        q(k, inputs=calib["['convs'][0]['kernel']"])


def test_conv_learner_learns_the_digits(key):
    """A sanity check on real data: 150 Adam steps on 600 training digits reach well above the
    10 % of chance on the 597 test digits (measured: about 0.95)."""
    train, test = load_digits("train"), load_digits("test")
    sub = jax.tree.map(lambda a: a[:600], train)
    learner = ConvLearner(channels=(8, 16), steps=150, learning_rate=0.01)
    params = jax.jit(learner.fit)(key, sub, jnp.ones(600))
    acc = float(jnp.mean(jnp.argmax(learner.predict(params, test.x), -1) == test.y))
    assert acc > 0.85


@pytest.mark.parametrize("shape,c_out", [((5, 8, 8, 1), 4), ((3, 4, 6, 3), 5), ((2, 5, 7, 2), 3),
                                         ((2, 28, 28, 1), 3)])
def test_conv_relu_pool_equals_the_three_steps(key, shape, c_out):
    """The dense formulation (even sizes up to 8x8), its fallback (odd sizes, and images
    beyond DENSE_MAX_PIXELS such as 28x28) against lax.conv, ReLU and NumPy pooling."""
    kx, kk, kb = jax.random.split(key, 3)
    x = jax.random.normal(kx, shape)
    k = jax.random.normal(kk, (3, 3, shape[-1], c_out))
    b = jax.random.normal(kb, (c_out,))
    want = _numpy_pool(np.maximum(np.asarray(_lax_conv(x, k, b)), 0))
    np.testing.assert_allclose(conv_relu_pool(x, k, b), want, rtol=1e-5, atol=1e-5)
    g = jax.grad(lambda k: jnp.sum(conv_relu_pool(x, k, b) ** 2))(k)
    g_ref = jax.grad(lambda k: jnp.sum(max_pool(jax.nn.relu(conv2d(x, k, b))) ** 2))(k)
    np.testing.assert_allclose(g, g_ref, rtol=1e-4, atol=1e-4)


def test_dp_learner_computes_the_same_network(key):
    """With ``dp`` the ConvNet runs unfused (cheap per-example gradients); same function."""
    from mis.shadow import DPSGD

    plain, private = ConvLearner(channels=(4, 6)), ConvLearner(channels=(4, 6), dp=DPSGD())
    params = plain.init(key, (8, 8, 1))
    x = load_digits("test").x[:50]
    np.testing.assert_allclose(private.predict(params, x), plain.predict(params, x), rtol=1e-5,
                               atol=1e-5)
