"""Scaling out on this machine: shadow models per second with 1 vs 2 JAX processes
(``jax.distributed``, CPU collectives by gloo, one device each), and sweep cells per hour with
1 vs 2 Dask worker processes; ratios measured in one run.

JAX case: the MLP 128-64-2 head on a 2-class mixture (n = 1000 pool points, 200 full-batch Adam
steps, logits and losses on the pool returned), ``--models`` models (default 64). Each
configuration runs in fresh processes; the time is the second of two identical calls (the
first compiles), measured on process 0 around ``train_shadow_models`` (which includes gathering
the signals on every process); the gather alone is timed too (``process_allgather`` of the
logits and losses). Dask case: ``run_sweep`` over four pool sizes (one uniform:2 cell each,
smoke-sized models, i.e. four independent tasks) with a local cluster of 1 and 2 workers,
compilation cache warmed first so both count computation, not compilation.

Run: ``make bench`` (or ``python benchmarks/scaling.py [--quick]``). Writes
``benchmarks/results/scaling.json``.
"""

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import bench_parser, print_row, write_result  # noqa: E402

from mis.cluster import free_port, process_env  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

TRAIN = textwrap.dedent("""
    import json, sys, time
    if sys.argv[1] == "multi":
        from mis.cluster import init_distributed
        init_distributed(timeout=60)
    import jax, jax.numpy as jnp
    from jax.experimental import multihost_utils
    from mis.data import make_gaussian_mixture, sample_gaussian_mixture
    from mis.shadow import MLPLearner, train_shadow_models
    models = int(sys.argv[3])
    task = make_gaussian_mixture(jax.random.key(0), d=128)
    pool = sample_gaussian_mixture(jax.random.key(1), 1000, task=task)
    learner = MLPLearner(hidden=(64,), steps=200)
    run = lambda: train_shadow_models(jax.random.key(2), pool, learner=learner,
                                      num_models=models, query=pool)
    jax.block_until_ready(run().losses)
    t = time.perf_counter(); res = run(); jax.block_until_ready(res.losses)
    seconds = time.perf_counter() - t
    gather = 0.0
    if jax.process_count() > 1:
        from jax.sharding import NamedSharding, PartitionSpec as P
        mesh = jax.sharding.Mesh(jax.devices(), ("models",))
        local = jnp.concatenate([res.logits, res.losses[..., None]], -1)
        share = models // jax.process_count()
        part = local[jax.process_index() * share:(jax.process_index() + 1) * share]
        arr = multihost_utils.host_local_array_to_global_array(part, mesh, P("models"))
        multihost_utils.process_allgather(arr, tiled=True)
        t = time.perf_counter(); multihost_utils.process_allgather(arr, tiled=True)
        gather = time.perf_counter() - t
    if jax.process_index() == 0:
        print(json.dumps({"seconds": seconds, "gather_seconds": gather,
                          "bytes_per_model": int(res.logits[0].nbytes + res.losses[0].nbytes),
                          "devices": jax.device_count()}))
""")


def jax_processes(num: int, models: int) -> dict:
    """Train ``models`` models in ``num`` processes of one device each; process 0's timing."""
    if num == 1:
        res = subprocess.run([sys.executable, "-c", TRAIN, "single", "-", str(models)],
                             env=process_env(), capture_output=True, text=True, cwd=ROOT,
                             timeout=1800)
        assert res.returncode == 0, res.stderr[-3000:]
        return json.loads(res.stdout.strip().splitlines()[-1])
    port = free_port()
    procs = [subprocess.Popen([sys.executable, "-c", TRAIN, "multi", "-", str(models)],
                              env=process_env(MIS_COORDINATOR=f"127.0.0.1:{port}",
                                              MIS_NUM_PROCESSES=str(num),
                                              MIS_PROCESS_ID=str(i)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT) for i in range(num)]
    outs = [p.communicate(timeout=1800) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
    return json.loads(outs[0][0].strip().splitlines()[-1])


def dask_workers(workers: int, pools, cache: str) -> float:
    """Seconds of ``run_sweep`` over ``pools`` (one cell each) with ``workers`` Dask workers."""
    code = textwrap.dedent(f"""
        import tempfile, time
        from pathlib import Path
        from mis.config import make_config
        from mis.rank import RankConfig, SweepConfig, run_sweep
        cfg = make_config(RankConfig, {{}}, flags=dict(num_models=8, steps=20, num_fresh=64),
                          smoke=True, name="rank")
        grid = SweepConfig(families=("uniform",), bits=(2,), pool_sizes={tuple(pools)!r})
        t = time.perf_counter()
        run_sweep(cfg, grid, 0, Path(tempfile.mkdtemp()), executor="dask",
                  workers={workers})
        print(time.perf_counter() - t)
    """)
    env = process_env(JAX_COMPILATION_CACHE_DIR=cache,
                      JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
                      JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="-1")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=ROOT, timeout=3600)
    assert res.returncode == 0, res.stderr[-3000:]
    return float(res.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = bench_parser(__doc__, "scaling", "16 models, two pool sizes")
    parser.add_argument("--models", type=int, default=None)
    args = parser.parse_args(argv)
    models = args.models or (16 if args.quick else 64)
    cases = []
    one, two = jax_processes(1, models), jax_processes(2, models)
    row = {"case": "jax.distributed", "models": models,
           "models_per_s_1_process": models / one["seconds"],
           "models_per_s_2_processes": models / two["seconds"],
           "speedup": one["seconds"] / two["seconds"],
           "gather_seconds": two["gather_seconds"],
           "gather_share": two["gather_seconds"] / two["seconds"],
           "signal_bytes_per_model": two["bytes_per_model"]}
    print_row(row)
    cases.append(row)
    pools = (64, 80) if args.quick else (64, 80, 96, 112)
    with tempfile.TemporaryDirectory() as cache:
        dask_workers(2, pools, cache)  # warm the compilation cache
        t1, t2 = dask_workers(1, pools, cache), dask_workers(2, pools, cache)
    row = {"case": "dask sweep", "cells": len(pools),
           "cells_per_hour_1_worker": 3600 * len(pools) / t1,
           "cells_per_hour_2_workers": 3600 * len(pools) / t2, "speedup": t1 / t2}
    print_row(row)
    cases.append(row)
    write_result(args.out, "scaling", args.quick, cases)


if __name__ == "__main__":
    main()
