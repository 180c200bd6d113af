"""The issue-38 catalogue, one table per class of fault, several instances per command: each
ends with one line and the documented exit code, no traceback, and nothing written.

Classes: options that remove the comparison a command exists for; a folder claimed by a
running command; a folder holding another run of the same command; interrupts at several
moments (import, compilation, training); disk faults at write time."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from mis.cli import INTERRUPT_NOTICE
from mis.io import MARKER
from tests.cli import ROOT
from tests.cli import run_mis as _mis

STUDIES = ["rank", "dpaudit", "uniqueness", "condense", "compleak", "molecular", "estimate"]


def _one_line(res, code=2, *, after_work=False):
    """The one error line (``after_work``: status lines announcing the work may precede it)."""
    lines = res.stderr.strip().splitlines()
    assert res.returncode == code, res.stderr[-1500:]
    errors = [ln for ln in lines if ln.startswith("mis: error:")]
    assert "Traceback" not in res.stderr and len(errors) == 1, res.stderr[-1500:]
    assert after_work or len(lines) == 1, res.stderr[-1500:]
    return errors[0]


@pytest.fixture
def scores(tmp_path):
    path = tmp_path / "s.npz"
    np.savez(path, scores=np.arange(40.0), is_member=np.arange(40) % 2)
    return path


@pytest.fixture
def queries(tmp_path):
    path = tmp_path / "q.npz"
    rng = np.random.default_rng(0)
    np.savez(path, member=rng.normal(1, 1, 60), nonmember=rng.normal(0, 1, 60))
    return path


# (command line, expected message): refused before any work.
EMPTY = [
    (["dpaudit", "--smoke", "--sigmas", ""], "argument --sigmas: '' is an empty list"),
    (["uniqueness", "--smoke", "--budgets", ""], "argument --budgets: '' is an empty list"),
    (["uniqueness", "--smoke", "--sigmas", ","], "argument --sigmas: ',' is an empty list"),
    (["condense", "--smoke", "--ipcs", ""], "argument --ipcs: '' is an empty list"),
    (["condense", "--smoke", "--scaling-sizes", "112"],
     "the O(m/n) slope needs at least 2 pool sizes"),
    (["compleak", "--smoke", "--versions", ""], "argument --versions: '' is an empty list"),
    (["rank", "--smoke", "--quantizers", ""], "argument --quantizers: '' is an empty list"),
    (["sweep", "--smoke", "--families", ""], "argument --families: '' is an empty list"),
    (["molecular", "--smoke", "--embedders", ""], "argument --embedders: '' is an empty list"),
    (["estimate", "--smoke", "--train-sizes", ""],
     "argument --train-sizes: '' is an empty list"),
    (["audit", "{scores}", "--fprs", ""], "argument --fprs: '' is an empty list"),
    (["estimate", "{queries}", "--epochs", "5"], "--epochs"),
    (["rank", "--smoke", "--distributed", "--coordinator-timeout", "nan"],
     "--coordinator-timeout nan is not allowed"),
]


@pytest.mark.parametrize("args, message", EMPTY)
def test_options_that_remove_the_question_are_refused_before_any_work(args, message, tmp_path,
                                                                       scores, queries):
    args = [a.replace("{scores}", str(scores)).replace("{queries}", str(queries)) for a in args]
    env = {"MIS_COORDINATOR": "127.0.0.1:1", "MIS_NUM_PROCESSES": "2", "MIS_PROCESS_ID": "1"}
    res = _mis(*args, "--out", str(tmp_path / "o"), env=env if "--distributed" in args else None)
    assert message in _one_line(res)
    assert not (tmp_path / "o").exists()


def _holder(out, command):
    return subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from mis.io import check_out_dir; "
         "check_out_dir(sys.argv[1], sys.argv[2]); print('claimed', flush=True); "
         "time.sleep(120)", str(out), command],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)


def test_every_command_refuses_a_folder_another_run_is_using(tmp_path, scores):
    """Two runs at once on one --out: the second (of any command, the same one included) is
    refused with one line naming the holder, and writes nothing."""
    out = tmp_path / "busy"
    holder = _holder(out, "dpaudit")
    try:
        assert holder.stdout.readline().strip() == "claimed"
        for command in [*STUDIES, "sweep", "audit"]:
            args = [command, str(scores)] if command == "audit" else [command, "--smoke"]
            line = _one_line(_mis(*args, "--out", str(out)))
            assert "is in use by `mis dpaudit` (process" in line, (command, line)
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


@pytest.mark.parametrize("command", STUDIES)
def test_a_folder_of_another_run_of_the_same_command_needs_overwrite(command, tmp_path):
    """Another config or seed of the same command: refused before any work unless
    --overwrite; the earlier results stay as they were."""
    out = tmp_path / "o"
    out.mkdir()
    (out / MARKER).write_text(f"{command}\nrun 0123456789abcdef\nfile report.md\n")
    (out / "report.md").write_text("the earlier run")
    line = _one_line(_mis(command, "--smoke", "--out", str(out)))
    assert f"holds the results of another `mis {command}` run" in line and "--overwrite" in line
    assert (out / "report.md").read_text() == "the earlier run"


@pytest.mark.parametrize("fault", [(28, "No space left on device"), (30, "Read-only file system")])
@pytest.mark.parametrize("command", ["audit", "estimate"])
def test_a_disk_fault_at_write_time_is_one_line_and_leaves_nothing(command, fault, tmp_path,
                                                                   scores, queries,
                                                                   monkeypatch):
    import os

    real = os.replace

    def failing(src, dst):
        if ".staging-" in str(src):
            raise OSError(fault[0], fault[1])
        return real(src, dst)

    monkeypatch.setattr("os.replace", failing)
    out = tmp_path / "o"
    data = scores if command == "audit" else queries
    line = _one_line(_mis(command, str(data), "--out", str(out)), after_work=True)
    assert f"could not write the results to {str(out)!r}: {fault[1]}; nothing was written" \
        in line
    assert not out.exists()


# (command, signal, moment): "start" 0.3 s after the process starts (importing NumPy,
# matplotlib, JAX: an interrupt there once gave a traceback, or was swallowed and the run went
# on to exit 0), "compile" at the first progress line (XLA compiling the training step),
# "train" 2 s after it (dpaudit with three noise multipliers, so that the run is still
# training then: its two smoke σ once finished 3.7 s after the first line).
MOMENTS = [
    (["dpaudit"], signal.SIGINT, "start"),
    (["uniqueness"], signal.SIGTERM, "start"),
    (["dpaudit"], signal.SIGINT, "compile"),
    (["dpaudit", "--sigmas", "0,1,2"], signal.SIGINT, "train"),
    (["dpaudit"], signal.SIGTERM, "compile"),
    (["uniqueness"], signal.SIGTERM, "train"),
    (["rank"], signal.SIGINT, "compile"),
    (["condense"], signal.SIGINT, "train"),
]


@pytest.mark.slow
@pytest.mark.parametrize("args, signum, moment", MOMENTS)
def test_an_interrupt_at_any_moment_ends_cleanly(args, signum, moment, tmp_path):
    out = tmp_path / "o"
    proc = subprocess.Popen([sys.executable, "-m", "mis", *args, "--smoke", "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if moment == "start":
        time.sleep(0.3)
    else:
        deadline, line = time.time() + 120, ""
        while time.time() < deadline and "training" not in line and proc.poll() is None:
            line = proc.stderr.readline()
        if moment == "train":
            time.sleep(2.0)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    code = 130 if signum == signal.SIGINT else 143
    assert proc.returncode == code, err[-800:]
    assert err.strip().splitlines()[-1] == INTERRUPT_NOTICE, err[-800:]
    assert "Traceback" not in err and not out.exists()


def test_an_interrupt_python_cannot_raise_is_recorded_not_printed(capsys):
    """CI saw `mis dpaudit` end with 143 and no output, as it should, but with the traceback
    Python prints for an exception it drops ("Exception ignored in: _xla_gc_callback"). The
    CLI's unraisable hook records such an interrupt silently and passes anything else on."""
    import types

    from mis.cli import quiet_interrupts
    from mis.errors import clear_interrupts, pending_interrupt

    seen = []
    hook = quiet_interrupts(seen.append)
    info = lambda err: types.SimpleNamespace(exc_type=type(err), exc_value=err,  # noqa: E731
                                             exc_traceback=None, err_msg=None, object=None)
    clear_interrupts()
    try:
        stop = KeyboardInterrupt()
        hook(info(stop))
        assert pending_interrupt() is stop and seen == []
        other = RuntimeError("boom")
        hook(info(other))
        assert [s.exc_value for s in seen] == [other]
        assert capsys.readouterr().err == ""
    finally:
        clear_interrupts()


def test_a_swallowed_interrupt_still_stops_before_anything_is_written(tmp_path):
    """A signal whose KeyboardInterrupt lands in a garbage-collector callback (JAX has one) is
    printed and dropped by Python (CI saw `mis dpaudit` finish with 0 that way). The CLI's
    handler records each interrupt it raises (``note_interrupt``, as here); the next progress
    report or the write raises it again, so no file is written."""
    from mis.errors import clear_interrupts, note_interrupt
    from mis.io import write_files
    from mis.progress import report

    note_interrupt(KeyboardInterrupt())  # raised by the handler, then lost where it landed
    try:
        with pytest.raises(KeyboardInterrupt):
            report(None, "training", 1, 2)
        with pytest.raises(KeyboardInterrupt):
            write_files(tmp_path / "o", {"a.csv": b"x\n"}, command="test")
        assert not (tmp_path / "o").exists()
    finally:
        clear_interrupts()
    write_files(tmp_path / "o", {"a.csv": b"x\n"}, command="test")  # cleared: writes again
    assert (tmp_path / "o" / "a.csv").read_bytes() == b"x\n"
