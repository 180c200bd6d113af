"""Beyond one process, through existing engines only (host): JAX's multi-process runtime
(``jax.distributed``) for one big shadow-training job, and Dask ``distributed`` for many
independent sweep cells. Nothing here schedules work itself.

**JAX, several processes.** :func:`distributed_setup` reads where the coordinator is and which
process this is, from ``MIS_COORDINATOR`` (``host:port``, served by process 0),
``MIS_NUM_PROCESSES`` and ``MIS_PROCESS_ID``, or else from SLURM (``SLURM_NTASKS``,
``SLURM_PROCID`` and the first host of ``SLURM_STEP_NODELIST``, port ``MIS_PORT`` or 29500);
:func:`init_distributed` checks them, holds a roll call of the processes on the coordinator's
port (:func:`rendezvous`: JAX itself aborts with a C++ stack when a process never comes or an id
is claimed twice) and calls ``jax.distributed.initialize``, with CPU collectives by gloo.
Afterwards ``jax.devices()`` lists every process's devices and
``mis.shadow.train_shadow_models`` lays models out over all of them, each process training its
share, and gathers the results on every process.

**Dask.** :func:`dask_client` connects to a running scheduler (``--scheduler ADDRESS``) or
starts a local cluster of worker processes (``--workers N``); ``mis sweep --executor dask``
submits one task per group of cells that share shadow models.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

from mis.errors import UserError

DEFAULT_PORT = 29500


class DistributedSetup(NamedTuple):
    """Where the coordinator is and which process this is (``source``: ``"MIS_*"`` or
    ``"SLURM"``)."""

    coordinator: str
    num_processes: int
    process_id: int
    source: str


def _int(env, name: str) -> int:
    text = env.get(name, "")
    try:
        return int(text)
    except ValueError:
        raise UserError(f"{name}={text!r} is not an integer") from None


def _first_host(nodelist: str) -> str:
    """The first host of a SLURM node list (``node[03-05,7],other`` -> ``node03``)."""
    m = re.match(r"([^,\[]+)(?:\[([^\]]+)\])?", nodelist.strip())
    if not m:
        raise UserError(f"SLURM node list {nodelist!r} cannot be read")
    prefix, ranges = m.group(1), m.group(2)
    if not ranges:
        return prefix
    return prefix + ranges.split(",")[0].split("-")[0]


def distributed_setup(env: Mapping[str, str] | None = None) -> DistributedSetup:
    """The setup from the environment (module docstring); one-line ``UserError`` when it is
    missing, not an integer, or the process id is outside ``[0, num_processes)``."""
    env = os.environ if env is None else env
    if "MIS_COORDINATOR" in env or "MIS_NUM_PROCESSES" in env or "MIS_PROCESS_ID" in env:
        missing = [k for k in ("MIS_COORDINATOR", "MIS_NUM_PROCESSES", "MIS_PROCESS_ID")
                   if k not in env]
        if missing:
            raise UserError(f"--distributed needs {', '.join(missing)} as well")
        setup = DistributedSetup(env["MIS_COORDINATOR"], _int(env, "MIS_NUM_PROCESSES"),
                                 _int(env, "MIS_PROCESS_ID"), "MIS_*")
    elif "SLURM_NTASKS" in env and "SLURM_PROCID" in env:
        nodes = env.get("SLURM_STEP_NODELIST") or env.get("SLURM_JOB_NODELIST") or ""
        port = _int(env, "MIS_PORT") if "MIS_PORT" in env else DEFAULT_PORT
        setup = DistributedSetup(f"{_first_host(nodes)}:{port}", _int(env, "SLURM_NTASKS"),
                                 _int(env, "SLURM_PROCID"), "SLURM")
    else:
        raise UserError("--distributed needs MIS_COORDINATOR (host:port), MIS_NUM_PROCESSES "
                        "and MIS_PROCESS_ID, or a SLURM job step (srun)")
    if setup.num_processes < 1:
        raise UserError(f"num_processes={setup.num_processes} is not allowed; use >= 1")
    if not 0 <= setup.process_id < setup.num_processes:
        raise UserError(f"process id {setup.process_id} is out of range; use 0.."
                        f"{setup.num_processes - 1} for {setup.num_processes} processes")
    host, _, port_text = setup.coordinator.rpartition(":")
    if not host or not port_text.isdigit():
        raise UserError(f"coordinator {setup.coordinator!r} is not host:port")
    if not 1 <= int(port_text) <= 65535:
        raise UserError(f"coordinator {setup.coordinator!r} is malformed: port {port_text} is "
                        "outside 1..65535")
    return setup


def check_timeout(timeout: Any, name: str = "--coordinator-timeout") -> float:
    """``timeout`` if it is a finite number of seconds > 0, else a one-line ``UserError``."""
    import math

    if isinstance(timeout, bool) or not isinstance(timeout, int | float) \
            or not math.isfinite(timeout) or timeout <= 0:
        raise UserError(f"{name} {timeout!r} is not allowed; use a number of seconds > 0")
    return float(timeout)


SCHEDULER = re.compile(r"^(?:(tcp|tls|inproc|ws|wss|ucx)://)?([^\s:/]+|\[[0-9a-fA-F:]+\]):"
                       r"(\d+)$")


def check_scheduler(address: str) -> str:
    """A Dask scheduler address ``[protocol://]host:port`` with a port in 1..65535, else a
    one-line ``UserError`` saying it is malformed (not that it "did not answer")."""
    m = SCHEDULER.match(str(address).strip())
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        raise UserError(f"--scheduler {address!r} is malformed; use [tcp://]host:port with a "
                        "port in 1..65535")
    return str(address).strip()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nobody listens on now (the OS picks it): where process 0 of
    a local multi-process job can serve as coordinator."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def process_env(base: Mapping[str, str] | None = None, **extra: Any) -> dict:
    """The environment for one process of a local multi-process job: ``base`` (default
    ``os.environ``) without what would place it in another job or fake its device count
    (``MIS_*``, ``SLURM_*``, ``XLA_FLAGS``), plus ``extra`` (e.g. ``MIS_COORDINATOR=...``)."""
    base = os.environ if base is None else base
    kept = {k: v for k, v in base.items()
            if not k.startswith(("MIS_", "SLURM_")) and k != "XLA_FLAGS"}
    return kept | extra


GO, REFUSE = b"1", b"0"  # process 0's answer in the rendezvous


def rendezvous(setup: DistributedSetup, timeout: float) -> None:
    """A plain-TCP roll call on the coordinator's port before ``jax.distributed.initialize``,
    so that what JAX would end with a C++ abort (a peer that never comes, two processes with
    one id, a port already taken) is one line on every process instead.

    Process 0 listens on the port, collects one line ``<process id>`` from each of the other
    ``num_processes − 1`` processes within ``timeout`` seconds, answers ``1`` (go) to all when
    every id ``1..N−1`` came exactly once, else ``0``, waits for each peer to hang up and
    closes the port for JAX's coordination service to take. A peer connects (retrying until
    ``timeout``), sends its id and waits for the answer. This checks the job before it starts;
    it schedules nothing. A process that dies after the roll call is still JAX's to report.
    """
    if setup.num_processes == 1:
        return
    host, _, port_text = setup.coordinator.rpartition(":")
    port = int(port_text)
    if setup.process_id == 0:
        _roll_call(port, setup.num_processes, timeout, setup.coordinator)
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = socket.create_connection((host, port), timeout=1.0)
            break
        except OSError:
            if time.monotonic() >= deadline:
                raise UserError(f"coordinator {setup.coordinator} did not answer within "
                                f"{timeout:g} s (is process 0 running?)") from None
            time.sleep(0.2)
    with conn:
        conn.settimeout(timeout + 10.0)  # process 0 waits up to `timeout` for the others
        try:
            conn.sendall(f"{setup.process_id}\n".encode())
            answer = conn.recv(1)
        except OSError:
            answer = b""
    if answer != GO:
        raise UserError(f"process 0 at {setup.coordinator} called the job off (see its "
                        "message: a process missing or an id claimed twice)")


def _roll_call(port: int, num_processes: int, timeout: float, coordinator: str) -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("", port))
    except OSError:
        server.close()
        raise UserError(f"coordinator port {port} is already in use (is another process 0 "
                        "of this job running, or another program on that port?)") from None
    server.listen(num_processes)
    deadline = time.monotonic() + timeout
    peers: dict[int, socket.socket] = {}
    problem = ""
    try:
        while len(peers) < num_processes - 1 and not problem:
            left = deadline - time.monotonic()
            if left <= 0:
                missing = sorted(set(range(1, num_processes)) - set(peers))
                problem = (f"process{'es' if len(missing) > 1 else ''} "
                           f"{', '.join(map(str, missing))} of {num_processes} did not reach "
                           f"coordinator {coordinator} within {timeout:g} s")
                break
            server.settimeout(left)
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            pid = _read_id(conn, deadline)
            if pid is None or not 1 <= pid < num_processes:
                conn.close()  # not one of ours (a port scan, a stale probe): ignored
                continue
            if pid in peers:
                problem = f"process id {pid} was claimed by two processes"
                conn.close()
                break
            peers[pid] = conn
        answer = REFUSE if problem else GO
        for conn in peers.values():
            with contextlib.suppress(OSError):
                conn.sendall(answer)
                conn.settimeout(5.0)
                conn.recv(1)  # the peer hangs up first (its side keeps the TIME_WAIT)
    finally:
        for conn in peers.values():
            conn.close()
        server.close()
    if problem:
        raise UserError(problem)


def _read_id(conn: socket.socket, deadline: float) -> int | None:
    """The process id a peer sends (one line), or None for anything else."""
    conn.settimeout(max(0.1, min(5.0, deadline - time.monotonic())))
    data = b""
    with contextlib.suppress(OSError):
        while not data.endswith(b"\n") and len(data) < 16:
            chunk = conn.recv(16)
            if not chunk:
                break
            data += chunk
    try:
        return int(data.strip())
    except ValueError:
        return None


def init_distributed(setup: DistributedSetup | None = None, *,
                     timeout: float = 60.0) -> DistributedSetup:
    """Join the JAX multi-process runtime (module docstring); returns the setup. Call it before
    any JAX computation."""
    import jax

    timeout = check_timeout(timeout)
    setup = setup or distributed_setup()
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    rendezvous(setup, timeout)
    jax.distributed.initialize(setup.coordinator, num_processes=setup.num_processes,
                               process_id=setup.process_id,
                               initialization_timeout=max(1, int(timeout)))
    return setup


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None, *,
                timeout: float = 10.0) -> Any:
    """A Dask ``distributed.Client``: connected to ``scheduler`` (an address such as
    ``tcp://host:8786``), or to a local cluster of ``workers`` worker processes (one thread
    each) started here and closed on exit. One-line ``UserError`` for an unreachable scheduler
    or a bad worker count."""
    import logging

    from distributed import Client, LocalCluster

    if (scheduler is None) == (workers is None):
        raise UserError("the dask executor needs exactly one of --scheduler ADDRESS or "
                        "--workers N")
    if scheduler is not None:
        scheduler = check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as err:
            raise UserError(f"--scheduler {scheduler!r} did not answer within {timeout:g} s "
                            f"({type(err).__name__})") from None
        try:
            yield client
        finally:
            client.close()
        return
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise UserError(f"--workers {workers!r} is not allowed; use an integer >= 1")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


__all__ = ["DEFAULT_PORT", "SCHEDULER", "DistributedSetup", "check_scheduler", "check_timeout",
           "dask_client", "distributed_setup", "free_port", "init_distributed", "process_env",
           "rendezvous"]
