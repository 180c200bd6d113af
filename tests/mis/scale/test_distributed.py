"""Shadow training across two JAX processes (``jax.distributed`` on 127.0.0.1, CPU collectives
by gloo) equals one process with two devices; ``--distributed`` refuses bad setups in one
line."""

import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from mis.cluster import distributed_setup, free_port, process_env
from mis.errors import UserError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))

TRAIN = textwrap.dedent("""
    import sys
    import numpy as np
    if sys.argv[1] == "multi":
        from mis.cluster import init_distributed
        init_distributed(timeout=30)
    import jax
    from mis.data import make_gaussian_mixture, sample_gaussian_mixture
    from mis.shadow import MLPLearner, train_shadow_models
    task = make_gaussian_mixture(jax.random.key(0), d=5)
    pool = sample_gaussian_mixture(jax.random.key(1), 40, task=task)
    res = train_shadow_models(jax.random.key(2), pool, learner=MLPLearner(hidden=(6,),
                              steps=20), num_models=8, query=pool)
    assert jax.device_count() == 2, jax.devices()
    np.savez(sys.argv[2], mask=res.mask, logits=res.logits, losses=res.losses,
             keys=jax.random.key_data(res.keys), local=jax.local_device_count())
""")


def test_free_port_is_bindable_and_process_env_drops_the_job_variables():
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # nobody holds it
    base = {"PATH": "/bin", "MIS_PROCESS_ID": "3", "SLURM_PROCID": "1", "XLA_FLAGS": "x",
            "XLA_PYTHON_CLIENT_MEM_FRACTION": ".5", "JAX_PLATFORMS": "cpu"}
    assert process_env(base, MIS_PROCESS_ID="0") == {
        "PATH": "/bin", "XLA_PYTHON_CLIENT_MEM_FRACTION": ".5", "JAX_PLATFORMS": "cpu",
        "MIS_PROCESS_ID": "0"}
    assert process_env()["PATH"] == os.environ["PATH"]


def test_two_processes_train_the_same_models_as_one_process_with_two_devices(tmp_path):
    one = subprocess.run([sys.executable, "-c", TRAIN, "single", str(tmp_path / "one.npz")],
                         env=process_env(XLA_FLAGS="--xla_force_host_platform_device_count=2"),
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert one.returncode == 0, one.stderr
    port = free_port()
    procs = [subprocess.Popen(
        [sys.executable, "-c", TRAIN, "multi", str(tmp_path / f"p{i}.npz")],
        env=process_env(MIS_COORDINATOR=f"127.0.0.1:{port}", MIS_NUM_PROCESSES="2",
                 MIS_PROCESS_ID=str(i)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) for i in range(2)]
    try:
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
    want = np.load(tmp_path / "one.npz")
    for i in range(2):
        got = np.load(tmp_path / f"p{i}.npz")
        assert int(got["local"]) == 1  # each process trained on its own single device
        for name in ("mask", "keys", "logits", "losses"):
            # bit-equal: the same compiled per-model program on the same inputs
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)


def _rank(*args, env):
    return subprocess.run([sys.executable, "-m", "mis", "rank", "--smoke", "--distributed",
                           *args], env=env, capture_output=True, text=True, timeout=60,
                          cwd=ROOT)


@pytest.mark.parametrize("extra, message", [
    (dict(MIS_COORDINATOR="127.0.0.1:1", MIS_NUM_PROCESSES="2", MIS_PROCESS_ID="2"),
     "process id 2 is out of range; use 0..1"),
    (dict(MIS_COORDINATOR="127.0.0.1:1", MIS_NUM_PROCESSES="two", MIS_PROCESS_ID="0"),
     "MIS_NUM_PROCESSES='two' is not an integer"),
    (dict(MIS_COORDINATOR="127.0.0.1", MIS_NUM_PROCESSES="2", MIS_PROCESS_ID="1"),
     "coordinator '127.0.0.1' is not host:port"),
    (dict(MIS_NUM_PROCESSES="2"), "needs MIS_COORDINATOR, MIS_PROCESS_ID as well"),
    (dict(MIS_COORDINATOR="127.0.0.1:70000", MIS_NUM_PROCESSES="2", MIS_PROCESS_ID="1"),
     "is malformed: port 70000 is outside 1..65535"),
    ({}, "--distributed needs MIS_COORDINATOR"),
])
def test_bad_setups_are_one_line_errors(tmp_path, extra, message):
    res = _rank("--out", str(tmp_path / "o"), env=process_env(**extra))
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("timeout", ["nan", "0", "-1", "inf"])
def test_a_bad_coordinator_timeout_is_one_line(tmp_path, timeout):
    res = _rank("--coordinator-timeout", timeout, "--out", str(tmp_path / "o"),
                env=process_env(MIS_COORDINATOR="127.0.0.1:1", MIS_NUM_PROCESSES="2",
                                MIS_PROCESS_ID="1"))
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1, res.stderr
    assert f"--coordinator-timeout {float(timeout)!r} is not allowed" in lines[0]
    assert not (tmp_path / "o").exists()


def test_a_silent_coordinator_is_one_line_after_the_timeout(tmp_path):
    port = free_port()  # nobody listens there
    res = _rank("--coordinator-timeout", "2", "--out", str(tmp_path / "o"),
                env=process_env(MIS_COORDINATOR=f"127.0.0.1:{port}", MIS_NUM_PROCESSES="2",
                         MIS_PROCESS_ID="1"))
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"coordinator 127.0.0.1:{port} did not answer within 2 s" \
        in lines[0]
    assert not (tmp_path / "o").exists()


def test_slurm_variables_name_the_first_node_as_coordinator():
    setup = distributed_setup({"SLURM_NTASKS": "4", "SLURM_PROCID": "3",
                               "SLURM_STEP_NODELIST": "gpu[07-09,12],cpu01"})
    assert setup == ("gpu07:29500", 4, 3, "SLURM")
    assert distributed_setup({"SLURM_NTASKS": "2", "SLURM_PROCID": "0", "MIS_PORT": "1234",
                              "SLURM_JOB_NODELIST": "node5"}).coordinator == "node5:1234"
    with pytest.raises(UserError, match="process id 4 is out of range"):
        distributed_setup({"SLURM_NTASKS": "4", "SLURM_PROCID": "4",
                           "SLURM_STEP_NODELIST": "a"})


def _roll(setups, timeout):
    """Run ``rendezvous`` for every setup in its own thread; each one's error message or None
    (process 0 first, so its port is open before the peers retry)."""
    import threading
    import time

    from mis.cluster import rendezvous

    results = [None] * len(setups)

    def run(i, setup):
        try:
            rendezvous(setup, timeout)
            results[i] = "ok"
        except UserError as err:
            results[i] = str(err)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(setups)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join(timeout + 20)
    return results


def _setups(port, ids, n):
    from mis.cluster import DistributedSetup

    return [DistributedSetup(f"127.0.0.1:{port}", n, i, "MIS_*") for i in ids]


def test_the_roll_call_lets_a_complete_job_start():
    assert _roll(_setups(free_port(), [0, 1, 2], 3), timeout=10) == ["ok"] * 3


def test_a_process_that_never_comes_is_one_line_on_every_process():
    """Issue 38: JAX aborted process 0 in C++ (SIGABRT, a 14-line stack) when a peer never
    came; the roll call names the missing process instead, and the peers that came are told."""
    port = free_port()
    got = _roll(_setups(port, [0, 1], 3), timeout=2)
    assert got[0] == f"process 2 of 3 did not reach coordinator 127.0.0.1:{port} within 2 s"
    assert "called the job off" in got[1]


def test_an_id_claimed_twice_is_refused():
    got = _roll(_setups(free_port(), [0, 1, 1], 3), timeout=5)
    assert got[0] == "process id 1 was claimed by two processes"
    assert all("called the job off" in g for g in got[1:])


def test_a_second_process_zero_finds_the_port_taken():
    port = free_port()
    with socket.socket() as held:
        held.bind(("", port))
        held.listen(1)
        got = _roll(_setups(port, [0], 2), timeout=2)
    assert got == [f"coordinator port {port} is already in use (is another process 0 of this "
                   "job running, or another program on that port?)"]


@pytest.mark.slow
def test_process_zero_alone_exits_with_one_line_not_a_native_abort(tmp_path):
    port = free_port()
    res = _rank("--coordinator-timeout", "2", "--out", str(tmp_path / "o"),
                env=process_env(MIS_COORDINATOR=f"127.0.0.1:{port}", MIS_NUM_PROCESSES="2",
                                MIS_PROCESS_ID="0"))
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1, res.stderr[-2000:]  # was -6 (SIGABRT)
    assert lines[0] == f"mis: error: process 1 of 2 did not reach coordinator " \
        f"127.0.0.1:{port} within 2 s"
    assert not (tmp_path / "o").exists()
