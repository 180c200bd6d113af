"""``mis sweep --executor dask``: the same cells as the in-process executor, a worker killed
mid-task (Dask reruns it), a client killed and restarted (finished cells kept), bad input.

The runs share a JAX persistent compilation cache (compiled programs only, results unchanged:
the cells below are compared byte for byte), so that each test stays near a minute."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from mis.cluster import process_env
from tests.cli import run_mis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
GRID = ["sweep", "--smoke", "--families", "uniform", "--bits", "2", "--pool-sizes", "64,96",
        "--num-models", "8", "--steps", "20", "--num-fresh", "64"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    cache = tmp_path_factory.getbasetemp().parent / "jax-cache-dask-sweep"
    return process_env(XLA_FLAGS=os.environ.get("MIS_TEST_XLA_FLAGS", ""),  # conftest's
                       JAX_COMPILATION_CACHE_DIR=str(cache),
                       JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
                       JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="-1")


def _mis(env, *args, timeout=300):
    return subprocess.run([sys.executable, "-m", "mis", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def _cells(out):
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "cells").rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def reference(env, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    res = _mis(env, *GRID, "--out", str(out))
    assert res.returncode == 0, res.stderr
    cells = _cells(out)
    assert len(cells) == 2
    return cells, json.loads((out / "summary.json").read_text())["cells"]


@pytest.mark.slow
def test_dask_workers_compute_the_same_cells_as_the_local_executor(env, reference, tmp_path):
    out = tmp_path / "dask"
    res = _mis(env, *GRID, "--executor", "dask", "--workers", "2", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert _cells(out) == reference[0]
    assert json.loads((out / "summary.json").read_text())["cells"] == reference[1]


@pytest.mark.slow
def test_a_worker_killed_mid_task_is_replaced_and_the_cells_are_unchanged(env, reference,
                                                                         tmp_path):
    from distributed import Client, LocalCluster

    os.environ.update({k: env[k] for k in env if k.startswith("JAX_")})  # for the workers
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        out = tmp_path / "killed-worker"
        proc = subprocess.Popen([sys.executable, "-m", "mis", *GRID, "--executor", "dask",
                                 "--scheduler", cluster.scheduler_address, "--out", str(out)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        pids = client.run(os.getpid)
        deadline, victim = time.time() + 120, None
        while time.time() < deadline and victim is None:
            busy = {w: tasks for w, tasks in client.processing().items() if tasks}
            if busy:
                victim = next(iter(busy))
            time.sleep(0.1)
        assert victim is not None, "no task ever started"
        time.sleep(2.0)  # inside the cell: training / evaluation under way
        os.kill(pids[victim], signal.SIGKILL)
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    assert _cells(out) == reference[0]


@pytest.mark.slow
def test_a_killed_client_resumes_without_recomputing_finished_cells(env, reference, tmp_path):
    out = tmp_path / "killed-client"
    proc = subprocess.Popen([sys.executable, "-m", "mis", *GRID, "--executor", "dask",
                             "--workers", "1", "--out", str(out)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and not list((out / "cells").rglob("*.json")):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # the client and its local cluster
    proc.wait()
    first = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (out / "cells").rglob("*.json")}
    assert len(first) == 1  # one pool's task finished, the other was lost with the client
    res = _mis(env, *GRID, "--executor", "dask", "--workers", "1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "already done, skipped" in res.stderr
    for path, (mtime, data) in first.items():
        assert path.stat().st_mtime_ns == mtime and path.read_bytes() == data
    assert _cells(out) == reference[0]


@pytest.mark.parametrize("args, message", [
    (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"], "did not answer within"),
    (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:99999"], "is malformed"),
    (["--executor", "dask", "--scheduler", "not an address"], "is malformed"),
    (["--executor", "dask", "--workers", "0"], "--workers 0 is not allowed"),
    (["--executor", "dask"], "needs exactly one of --scheduler ADDRESS or --workers N"),
    (["--workers", "2"], "--scheduler and --workers apply to --executor dask"),
    (["--executor", "threads"], "invalid choice"),
])
def test_bad_executor_options_are_one_line_errors(tmp_path, args, message):
    res = run_mis(*GRID, *args, "--out", str(tmp_path / "o"))  # in-process: nothing compiles
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.stderr
    assert not (tmp_path / "o").exists()
