"""Claims of THEORY §7: an interpolating learner and the loss attack."""

import math

import jax
import numpy as np

import theory
from mis.audit import clopper_pearson
from mis.theorems._claim import Claim
from mis.theorems._config import TheoremsConfig
from mis.theorems._overfitting import simulate_overfitting


def overfitting_claims(key: jax.Array, cfg: TheoremsConfig) -> tuple[list[Claim], dict]:
    """FPR <= 2 M sqrt(eps) for every eps, and MIS <= alpha + 2 M sqrt(eps)."""
    run = jax.jit(lambda k: simulate_overfitting(
        k, n=cfg.overfit_n, width=cfg.overfit_width, steps=cfg.overfit_steps))
    result = run(key)
    train = np.asarray(result.train_losses)
    fresh = np.asarray(result.fresh_losses)
    m = result.noise_density_bound
    claims, rows = [], []
    for eps in cfg.overfit_eps:
        tpr = clopper_pearson(int(np.sum(train <= eps)), train.size)
        fpr = clopper_pearson(int(np.sum(fresh <= eps)), fresh.size)
        bound = 2 * m * math.sqrt(eps)
        mis_bound = float(theory.overfitting_mis_bound(1 - float(tpr.value), eps, m))
        rows.append((eps, float(tpr.value), float(fpr.value), bound, mis_bound))
        claims.append(Claim(
            f"s7.fpr_bound.eps={eps:g}", "loss attack: FPR <= 2 M sqrt(eps); "
            "MIS <= alpha + 2 M sqrt(eps)",
            {"eps": eps, "n": cfg.overfit_n, "width": cfg.overfit_width,
             "steps": cfg.overfit_steps, "tpr": float(tpr.value),
             "mis_upper_bound": mis_bound},
            (float(fpr.value), float(fpr.lower), float(fpr.upper)), min(bound, 1.0),
            "Clopper-Pearson lower end of FPR <= 2 M sqrt(eps)",
            float(fpr.lower) <= bound))
    return claims, {"rows": rows, "noise_density_bound": m}
