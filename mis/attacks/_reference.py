"""Reference-model attacks: loss, calibrated loss, LiRA and RMIA, for one target (device).

Every scorer takes the target's signal ``target: [n]`` (or ``[n, Q]`` for ``Q`` queries per
example, averaged), the reference models' signals ``refs: [R, n(, Q)]`` and boolean validity
masks ``ref_in`` / ``ref_out`` ``[R, n]`` saying which reference models had each example IN /
OUT (leave-one-out evaluation clears the target's own row). Larger score = "member".

References:
    Yeom et al., "Privacy Risk in Machine Learning", 2018 (loss threshold).
    Watson et al., "On the Importance of Difficulty Calibration in Membership Inference
    Attacks", 2022 (calibrated loss).
    Carlini et al., "Membership Inference Attacks From First Principles", 2022 (LiRA).
    Zarifzadeh, Liu, Shokri, "Low-Cost High-Power Membership Inference Attacks", ICML 2024.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.scipy.stats import norm


def _masked(refs, valid):
    """``refs [R, n, Q]`` with invalid entries set to NaN."""
    return jnp.where(valid[..., None], refs, jnp.nan)


def loss_attack(target_loss) -> jax.Array:
    """Global loss threshold: ``score = −ℓ(θ, x)`` (low loss = member)."""
    return -jnp.asarray(target_loss)


def calibrated_loss_attack(target_loss, ref_loss, ref_out) -> jax.Array:
    """Difficulty calibration: ``score = −(ℓ(θ, x) − mean_{OUT refs} ℓ(θ_r, x))``."""
    ref = jnp.where(ref_out, jnp.asarray(ref_loss), jnp.nan)
    return -(jnp.asarray(target_loss) - jnp.nanmean(ref, axis=0))


def _order_key(x):
    """Map floats to integers with the same order (sign-magnitude flip of the bit pattern)."""
    ity = jnp.int64 if x.dtype == jnp.float64 else jnp.int32
    b = jax.lax.bitcast_convert_type(x, ity)
    return jnp.where(b >= 0, b, b ^ jnp.iinfo(ity).max)


def _from_key(k, dtype):
    b = jnp.where(k >= 0, k, k ^ jnp.iinfo(k.dtype).max)
    return jax.lax.bitcast_convert_type(b, dtype)


def _order_statistic_block(values, valid, kth):
    """One block of :func:`masked_order_statistic` (bisection on the order keys)."""
    key = _order_key(values)
    info = jnp.iinfo(key.dtype)
    w = valid[..., None]
    lo = jnp.min(jnp.where(w, key, info.max), axis=0)
    hi = jnp.max(jnp.where(w, key, info.min), axis=0)
    need = (kth + 1)[:, None]

    def step(_, bounds):
        lo, hi = bounds
        mid = (lo >> 1) + (hi >> 1) + (lo & hi & 1)  # floor((lo + hi) / 2) without overflow
        ok = jnp.sum(w & (key <= mid), axis=0) >= need
        return jnp.where(ok, lo, mid + 1), jnp.where(ok, mid, hi)

    lo, _ = jax.lax.fori_loop(0, 8 * key.dtype.itemsize, step, (lo, hi))
    return _from_key(lo, values.dtype)


def masked_order_statistic(values, valid, kth, *, block: int = 128):
    """The ``kth`` (0-based, per example) smallest valid value over axis 0, exact.

    Bisection on the integer order keys of the floats (32 or 64 counting passes), run on
    blocks of ``block`` examples so that every pass reads from cache. XLA's CPU sort is ~30x
    slower than NumPy's; counting passes are cheap, so this is exact, jit/vmap-able and fast.

    Args:
        values: ``[R, n, Q]`` floats; valid: ``[R, n]`` bool; kth: ``[n]`` ints.

    Returns:
        ``[n, Q]``.
    """
    r, n, q = values.shape
    if n <= block:
        return _order_statistic_block(values, valid, kth)
    pad = -n % block
    v = jnp.pad(values, ((0, 0), (0, pad), (0, 0)))
    m = jnp.pad(valid, ((0, 0), (0, pad)), constant_values=True)
    k = jnp.pad(kth, (0, pad))
    nb = (n + pad) // block
    v = jnp.moveaxis(v.reshape(r, nb, block, q), 1, 0)
    m = jnp.moveaxis(m.reshape(r, nb, block), 1, 0)
    out = jax.lax.map(lambda a: _order_statistic_block(*a), (v, m, k.reshape(nb, block)))
    return out.reshape(nb * block, q)[:n]


def _stats(refs, valid):
    """Masked median and (ddof 0) std over the reference axis, ``[n, Q]`` each (LiRA code);
    NaN where an example has no valid reference."""
    k = jnp.sum(valid, axis=0)
    lo = masked_order_statistic(refs, valid, jnp.maximum((k - 1) // 2, 0))
    hi = masked_order_statistic(refs, valid, k // 2)
    median = jnp.where(k[:, None] > 0, (lo + hi) / 2, jnp.nan)
    w = valid[..., None]
    mean = jnp.sum(jnp.where(w, refs, 0.0), axis=0) / k[:, None]
    var = jnp.sum(jnp.where(w, (refs - mean) ** 2, 0.0), axis=0) / k[:, None]
    return median, jnp.sqrt(var)


def lira_online(target, refs, ref_in, ref_out, *, fixed_variance: bool = False,
                eps: float = 1e-30) -> jax.Array:
    """Online LiRA: ``log N(φ; μ_in, σ_in²) − log N(φ; μ_out, σ_out²)`` per query, averaged;
    ``μ`` = median, ``σ`` = std of the IN / OUT reference signals. ``fixed_variance`` uses the
    std of all IN signals for both (as the official code)."""
    t = jnp.asarray(target).reshape(jnp.shape(target)[0], -1)
    r = jnp.asarray(refs).reshape(*jnp.shape(refs)[:2], -1)
    mu_in, sd_in = _stats(r, ref_in)
    mu_out, sd_out = _stats(r, ref_out)
    if fixed_variance:
        sd_in = sd_out = jnp.nanstd(_masked(r, ref_in))
    score = norm.logpdf(t, mu_in, sd_in + eps) - norm.logpdf(t, mu_out, sd_out + eps)
    return jnp.mean(score, axis=-1)


def lira_offline(target, refs, ref_out, *, fixed_variance: bool = False,
                 eps: float = 1e-30) -> jax.Array:
    """Offline LiRA (paper form): one-sided ``log Pr[Z < φ]``, ``Z ~ N(μ_out, σ_out²)``,
    averaged over queries. ``fixed_variance`` uses the std of all OUT signals."""
    t = jnp.asarray(target).reshape(jnp.shape(target)[0], -1)
    r = jnp.asarray(refs).reshape(*jnp.shape(refs)[:2], -1)
    mu_out, sd_out = _stats(r, ref_out)
    if fixed_variance:
        sd_out = jnp.nanstd(_masked(r, ref_out))
    return jnp.mean(norm.logcdf(t, mu_out, sd_out + eps), axis=-1)


def rmia(target_p, refs_p, ref_in, ref_out, pop_target_p, pop_refs_p, *, online: bool = True,
         a: float = 0.3, gamma: float = 1.0, ref_rows=None) -> jax.Array:
    """RMIA: ``Score(x) = Pr_z[ (p_θ(x)/Pr(x)) / (p_θ(z)/Pr(z)) > γ ]`` over population ``z``.

    ``Pr(x)``: mean of the valid reference probabilities (online: IN and OUT refs); offline
    only OUT refs, linearly corrected ``½((1 + a) Pr_OUT(x) + (1 − a))``. The population
    points are OUT for every reference: ``Pr(z)`` is their mean over all references, with
    the same correction offline. Counting uses a sort and a binary search.

    Args:
        target_p: ``[n]`` ``Pr(x | θ)`` of the target; refs_p: ``[R, n]``.
        pop_target_p: ``[m]`` target probabilities of the population; pop_refs_p: ``[R, m]``.
        ref_rows: optional ``[R]`` bool, the reference rows to use for ``Pr(z)`` (default all;
            leave-one-out clears the target's row).
    """
    refs_p = jnp.asarray(refs_p)
    pop_refs_p = jnp.asarray(pop_refs_p)
    rows = jnp.ones(refs_p.shape[0], bool) if ref_rows is None else jnp.asarray(ref_rows)
    pop_mean = jnp.sum(jnp.where(rows[:, None], pop_refs_p, 0.0), 0) / jnp.sum(rows)
    if online:
        px = jnp.nanmean(jnp.where(ref_in | ref_out, refs_p, jnp.nan), axis=0)
        pz = pop_mean
    else:
        px = 0.5 * ((1 + a) * jnp.nanmean(jnp.where(ref_out, refs_p, jnp.nan), axis=0) + 1 - a)
        pz = 0.5 * ((1 + a) * pop_mean + 1 - a)
    ratio_x = jnp.asarray(target_p) / px
    ratio_z = jnp.sort(jnp.asarray(pop_target_p) / pz)
    below = jnp.searchsorted(ratio_z, ratio_x / gamma, side="left")  # #{z: ratio_z < ratio_x/γ}
    return below / ratio_z.shape[0]


def _mann_whitney(scores, labels):
    ranks = jax.scipy.stats.rankdata(scores)
    n1 = jnp.sum(labels)
    n0 = labels.shape[0] - n1
    return (jnp.sum(jnp.where(labels, ranks, 0.0)) - n1 * (n1 + 1) / 2) / (n1 * n0)


def tune_rmia_a(refs_p, ref_mask, pop_refs_p, *, grid=tuple(i / 10 for i in range(11)),
                gamma: float = 1.0) -> jax.Array:
    """RMIA's ``a`` tuning step: treat reference model 0 as the target and the others as
    references; return the ``a`` of ``grid`` with the largest offline AUC."""
    refs_p, ref_mask = jnp.asarray(refs_p), jnp.asarray(ref_mask, bool)
    out = ~ref_mask[1:]

    def auc_for(a):
        s = rmia(refs_p[0], refs_p[1:], ~out, out, jnp.asarray(pop_refs_p)[0],
                 jnp.asarray(pop_refs_p)[1:], online=False, a=a, gamma=gamma)
        return _mann_whitney(s, ref_mask[0])

    grid = jnp.asarray(grid)
    return grid[jnp.argmax(jax.vmap(auc_for)(grid))]
