"""Running ``mis`` from the tests: in this process by default, or as ``python -m mis``.

In-process runs call :func:`mis.cli.main` exactly as the console script does, with the
command's working folder, extra environment variables, standard output and standard error
redirected, and give back a ``subprocess.CompletedProcess`` like a subprocess would: exit code
(``SystemExit`` codes included), the captured text, and for an exception that escapes ``main``
(a bug, never a user error) exit code 1 with the traceback in ``stderr``, so assertions such as
"one line, no traceback" mean the same thing. What a command changes globally is put back
(``jax_enable_x64``, which ``mis rank`` and ``mis theorems`` switch on; warning filters, which
are pytest's "error" inside the test but Python's defaults in a real run). The saving is the
interpreter start, the imports and the compiled programs (about 3 s of CPU and the compile
cache's loads per call). Tests of the process itself (signals, several JAX processes, Dask
workers, the console script) use ``subprocess=True`` or ``subprocess`` directly.
"""

import contextlib
import io
import os
import subprocess as _subprocess
import sys
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_mis(*args, cwd=ROOT, env=None, timeout=600, subprocess=False):
    """``mis *args`` with ``env`` (extra variables) added to the environment, run in ``cwd``."""
    args = [str(a) for a in args]
    if subprocess:
        return _subprocess.run([sys.executable, "-m", "mis", *args], capture_output=True,
                               text=True, timeout=timeout, cwd=cwd,
                               env={**os.environ, **(env or {})})
    import jax

    from mis.cli import main

    out, err = io.StringIO(), io.StringIO()
    x64 = jax.config.jax_enable_x64
    saved_env = {k: os.environ.get(k) for k in (env or {})}
    here = os.getcwd()
    try:
        os.environ.update(env or {})
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings():
            warnings.resetwarnings()
            warnings.simplefilter("default")
            try:
                code = main(args)
            except SystemExit as stop:
                # as the interpreter exits: None is 0, an int itself, anything else 1
                code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
            except Exception:  # noqa: BLE001 - a crash, reported as the interpreter would
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(here)
        jax.config.update("jax_enable_x64", x64)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return _subprocess.CompletedProcess(["mis", *args], code, out.getvalue(), err.getvalue())
