"""Attack scoring speed: LiRA (online, offline) and RMIA on 1024 models x 20 000 examples.

Target = model 0, references = the other 1023. Ours: the jitted ``mis.attacks`` scorers on
arrays already in device memory (as the shadow engine leaves them), best of 7 calls after one
warm-up call (this machine is a shared VM: single calls vary up to 2x). Baseline: a
per-example NumPy loop on the NumPy arrays, in the style of the official LiRA scoring script
(``for j in range(n): median/std of the IN and OUT signals``), and the same loop for RMIA
(likelihood ratios against every population point), timed on a subset of examples and
reported per example (its cost per example is constant), best of 3 runs. On that subset the
two must agree: ``max_abs_diff`` in the JSON (the medians are exact; LiRA differs by float32
rounding, ~1e-6; an RMIA score is a fraction of the population, and one comparison of nearly
equal ratios can flip under float32 rounding: 1/20 000 = 5e-5).

Run: ``make bench`` or ``python benchmarks/attack_scoring.py [--quick]``.
Writes ``benchmarks/results/attack_scoring.json``.
"""

import os

os.environ.setdefault("XLA_FLAGS", f"--xla_force_host_platform_device_count={os.cpu_count()}")

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import bench_parser, print_row, write_result  # noqa: E402

from mis.attacks import lira_offline, lira_online, rmia  # noqa: E402


def loop_lira(target, refs, ref_in, online):
    out = np.empty(target.shape[0])
    for j in range(target.shape[0]):
        d_in, d_out = refs[ref_in[:, j], j], refs[~ref_in[:, j], j]
        mu_out, sd_out = np.median(d_out), np.std(d_out)
        if online:
            mu_in, sd_in = np.median(d_in), np.std(d_in)
            out[j] = (stats.norm.logpdf(target[j], mu_in, sd_in + 1e-30)
                      - stats.norm.logpdf(target[j], mu_out, sd_out + 1e-30))
        else:
            out[j] = stats.norm.logcdf(target[j], mu_out, sd_out + 1e-30)
    return out


def loop_rmia(tp, rp, ref_in, ztp, zrp):
    pz = zrp.mean(0)
    ratio_z = ztp / pz
    out = np.empty(tp.shape[0])
    for j in range(tp.shape[0]):
        out[j] = np.mean((tp[j] / rp[:, j].mean()) / ratio_z > 1.0)
    return out


def rate(fn, count):
    t = time.perf_counter()
    jax.block_until_ready(fn())
    return count / (time.perf_counter() - t)


def main(argv=None):
    args = bench_parser(__doc__, "attack_scoring", "256 models x 5000 examples").parse_args(argv)
    models, n = (256, 5000) if args.quick else (1024, 20_000)
    subset = 200 if args.quick else 500
    rng = np.random.default_rng(0)
    mask = rng.random((models, n)) < 0.5
    sig = (rng.normal(size=(models, n)) + 0.5 * mask).astype(np.float32)
    prob = 1 / (1 + np.exp(-sig))
    pop = rng.uniform(0.05, 0.95, size=(models, n)).astype(np.float32)
    t, refs, rin = sig[0], sig[1:], mask[1:]
    dev = {name: jax.device_put(a) for name, a in
           dict(t=t, refs=refs, rin=rin, pt=prob[0], pr=prob[1:], zt=pop[0], zr=pop[1:]).items()}
    jax.block_until_ready(dev)
    jit_on = jax.jit(lambda t, r, i: lira_online(t, r, i, ~i))
    jit_off = jax.jit(lambda t, r, i: lira_offline(t, r, ~i))
    jit_rmia = jax.jit(lambda t, r, i, zt, zr: rmia(t, r, i, ~i, zt, zr))
    cases = []
    for name, ours_fn, loop_fn in [
        ("lira_online", lambda: jit_on(dev["t"], dev["refs"], dev["rin"]),
         lambda: loop_lira(t[:subset], refs[:, :subset], rin[:, :subset], True)),
        ("lira_offline", lambda: jit_off(dev["t"], dev["refs"], dev["rin"]),
         lambda: loop_lira(t[:subset], refs[:, :subset], rin[:, :subset], False)),
        ("rmia_online", lambda: jit_rmia(dev["pt"], dev["pr"], dev["rin"], dev["zt"], dev["zr"]),
         lambda: loop_rmia(prob[0, :subset], prob[1:, :subset], rin[:, :subset], pop[0],
                           pop[1:])),
    ]:
        got = np.asarray(jax.block_until_ready(ours_fn()))  # compile
        ours = max(rate(ours_fn, n) for _ in range(7))
        want = loop_fn()
        loop = max(rate(loop_fn, subset) for _ in range(3))
        row = {"attack": name, "num_models": models, "num_examples": n,
               "ours_examples_per_s": ours, "loop_examples_per_s": loop, "speedup": ours / loop,
               "max_abs_diff": float(np.max(np.abs(got[:subset] - want)))}
        cases.append(row)
        print_row(row)
    write_result(args.out, "attack_scoring", args.quick, cases)


if __name__ == "__main__":
    main()
