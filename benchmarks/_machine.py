"""Machine description and float32 matmul peak, shared by the benchmarks (host)."""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import jax
import jax.numpy as jnp


def bench_parser(doc: str, name: str, quick_help: str) -> argparse.ArgumentParser:
    """The benchmarks' command line: ``--quick`` and ``--out`` (default
    ``benchmarks/results/<name>.json``)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / f"{name}.json"))
    return parser


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    """What the numbers were measured on."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "jax": jax.__version__,
            "jax_devices": [str(d) for d in jax.devices()],
            "xla_flags": os.environ.get("XLA_FLAGS", "")}


def best_time(fn, repeats: int = 5) -> float:
    """Best wall time of ``repeats`` calls (after one warm-up call)."""
    jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t)
    return min(times)


def matmul_peak_gflops(sizes=(1024, 2048)) -> float:
    """Measured float32 square-matmul throughput of the whole machine (GFLOP/s): the best of
    one matmul on one device and one matmul per device running concurrently (as the engine's
    shards do), over ``sizes``."""
    mm = jax.jit(lambda a: a @ a)
    best = 0.0
    for n in sizes:
        for devices in (jax.devices()[:1], jax.devices()):
            mats = [jax.device_put(jnp.ones((n, n), jnp.float32), d) for d in devices]
            t = best_time(lambda mats=mats: [mm(a) for a in mats], repeats=10)
            best = max(best, 2 * n**3 * len(devices) / t / 1e9)
    return best


def print_row(row: dict) -> None:
    """One case as a JSON line, floats rounded for reading."""
    def show(v):
        if not isinstance(v, float):
            return v
        return float(f"{v:.3g}") if 0 < abs(v) < 1e-3 else round(v, 3)

    print(json.dumps({k: show(v) for k, v in row.items()}), flush=True)


def write_result(path, name: str, quick: bool, cases: list) -> None:
    """Write ``{benchmark, quick, machine, cases}`` atomically (staged, then renamed)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"benchmark": name, "quick": quick, "machine": machine(),
                               "cases": cases}, indent=2))
    os.replace(tmp, out)
    print(f"wrote {out}")
