"""Output files of every command: atomic writes, CSV, JSON, PNG and number formatting (host).

Every command builds its outputs as ``name -> bytes`` first and writes them at the end with
:func:`write_files`, so a failure while computing or rendering leaves no partial file. Files
that appear one at a time (sweep cells, cache entries) use :func:`write_file`: a temporary file
beside the target, flushed and fsynced, then ``os.replace`` (atomic on POSIX). Written files get
the usual ``0644`` permissions (``mkstemp`` alone would leave ``0600``).

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_files(folder, {"a.csv": to_csv([{"x": 1, "y": ""}])})
    >>> (folder / "a.csv").read_text().splitlines()
    ['x,y', '1,']
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

FILE_MODE = 0o644


def write_file(path: str | Path, payload: bytes) -> None:
    """Writes ``payload`` to ``path`` atomically: a temporary file in the same folder, fsynced,
    then renamed over ``path``. A crash leaves either the old file or the new one; a failing
    disk (``OSError``) is a one-line ``UserError``."""
    from mis.errors import UserError

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except OSError as err:
        raise UserError(f"could not write {str(path)!r}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError):  # a full or read-only disk: one line, the old file kept
            raise UserError(f"could not write {str(path)!r}: {err.strerror or err}; the "
                            "previous file, if any, is unchanged") from None
        raise


MARKER = "mis-command.txt"


class Marker(NamedTuple):
    """What ``mis-command.txt`` records about the results in its folder: the command, the
    fingerprint of the run (config and seed; empty for folders written before it was kept)
    and the files the run wrote."""

    command: str
    fingerprint: str
    files: tuple[str, ...]


def read_marker(out_dir: str | Path) -> Marker | None:
    """The folder's :class:`Marker`, or None where it has none. The first line is the command;
    ``run <fingerprint>`` and ``file <name>`` lines follow."""
    path = Path(out_dir) / MARKER
    if not path.is_file():
        return None
    lines = path.read_text().splitlines() or [""]
    fingerprint = next((ln[4:] for ln in lines[1:] if ln.startswith("run ")), "")
    files = tuple(ln[5:] for ln in lines[1:] if ln.startswith("file "))
    return Marker(lines[0].strip(), fingerprint, files)


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes, or ``""`` where it cannot be read (the caller's loader then
    reports why)."""
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def run_fingerprint(*parts: Any) -> str:
    """SHA-256 (16 hex digits) of what determines a run's results (its config, seed, input
    hash...), as JSON with sorted keys."""
    import dataclasses
    import hashlib

    def plain(x):
        return dataclasses.asdict(x) if dataclasses.is_dataclass(x) and \
            not isinstance(x, type) else x

    payload = json.dumps([plain(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def write_files(out_dir: str | Path, files: Mapping[str, bytes], *,
                command: str | None = None, fingerprint: str = "") -> None:
    """Writes every file of ``files`` into ``out_dir`` at once: staged in a temporary folder
    inside ``out_dir``, then each renamed into place (``os.replace``). A failure while staging
    leaves ``out_dir`` as it was (a folder created for them is removed again) and raises a
    one-line ``UserError``; no reader ever sees a partial file. ``command``, the run's
    ``fingerprint`` and the file names are recorded in ``out_dir/mis-command.txt`` so that
    another command, or another run of it, refuses to write there (:func:`check_out_dir`);
    files an earlier run of the folder recorded and this one does not write are removed, so
    the results of two runs never mix. An interrupt that a signal raised and Python swallowed
    is raised here, before anything is written (:func:`mis.errors.raise_pending_interrupt`)."""
    from mis.errors import UserError, raise_pending_interrupt

    raise_pending_interrupt()

    out_dir = Path(out_dir)
    old = read_marker(out_dir)
    if command is not None:
        lines = [command] + ([f"run {fingerprint}"] if fingerprint else []) + \
            [f"file {name}" for name in files]
        files = {**files, MARKER: ("\n".join(lines) + "\n").encode()}
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".staging-") as staging:
            for name, payload in files.items():
                (Path(staging) / name).write_bytes(payload)
                os.chmod(Path(staging) / name, FILE_MODE)
            for name in files:
                os.replace(Path(staging) / name, out_dir / name)
        for name in old.files if old is not None else ():
            if name not in files and "/" not in name and name != MARKER:
                (out_dir / name).unlink(missing_ok=True)  # the earlier run's, not rewritten
    except OSError as err:  # a full or read-only disk at write time: one line, nothing partial
        if created:
            import shutil

            shutil.rmtree(out_dir, ignore_errors=True)
        raise UserError(f"could not write the results to {str(out_dir)!r}: "
                        f"{err.strerror or err}; nothing was written") from None


def to_json(obj: Any) -> bytes:
    """Indented JSON; arrays become lists and non-finite floats the strings ``"nan"``,
    ``"inf"``, ``"-inf"`` (JSON has no spelling for them)."""

    def clean(x):
        if hasattr(x, "tolist"):  # NumPy and JAX arrays and scalars
            x = x.tolist()
        if isinstance(x, float) and not math.isfinite(x):
            return str(x)
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        return x

    return (json.dumps(clean(obj), indent=2) + "\n").encode()


def to_csv(rows: Iterable[Mapping]) -> bytes:
    """CSV bytes of ``rows`` (dicts); the columns are the union of their keys in first-seen
    order, a missing key is an empty cell."""
    rows = list(rows)
    buf = io.StringIO()
    fields = list(dict.fromkeys(k for r in rows for k in r))
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def png_bytes(fig: Any, *, dpi: int = 110, tight_bbox: bool = False) -> bytes:
    """The matplotlib figure as PNG bytes, then closed. ``tight_bbox`` crops to the drawn
    area (``bbox_inches="tight"``); otherwise the layout is tightened inside the figure."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    if tight_bbox:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    else:
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def fmt(value: Any, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals, or ``—`` for a missing or non-finite value."""
    if value is None or value == "":
        return "—"
    value = float(value)
    return f"{value:.{digits}f}" if math.isfinite(value) else "—"


def fmt_estimate(est: Any, digits: int = 3) -> str:
    """``value [lower, upper]`` of an ``Estimate`` (each by :func:`fmt`)."""
    return f"{fmt(est.value, digits)} [{fmt(est.lower, digits)}, {fmt(est.upper, digits)}]"


def load_npz(path: str | Path) -> dict:
    """``name -> array`` of an ``.npz`` file (no pickles). ``UserError`` (one line) for a
    missing or unreadable file."""
    import numpy as np

    from mis.errors import UserError

    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise UserError(f"input {str(path)!r} does not exist") from None
    except (OSError, ValueError) as err:
        raise UserError(f"input {str(path)!r} is not a readable .npz file: {err}") from None


def check_out_dir(text: str, command: str | None = None, *, claim: bool = True,
                  fingerprint: str = "", overwrite: bool = False) -> Path:
    """The output folder named by ``--out``, checked before any work: not empty, not a file,
    and creatable: its nearest existing ancestor is a writable directory (so ``file/sub``,
    ``/proc/x`` or a read-only place fail at once, not after the computation). With
    ``command``, a folder holding another command's results (its ``mis-command.txt``) is refused,
    so files of two commands never mix; with ``fingerprint``, a folder holding another run of
    the same command (another config or seed) is refused too unless ``overwrite`` (its files are
    then replaced, :func:`write_files`); and the folder is claimed for this run
    (:func:`claim_out_dir`; ``claim=False`` for the processes of a multi-process job that do
    not write).

    Raises:
        UserError: naming the bad value.
    """
    import os
    import tempfile

    from mis.errors import UserError

    if not str(text).strip():
        raise UserError("--out '' is empty; name an output directory")
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {text!r} exists and is not a directory")
    marker = read_marker(out) if out.is_dir() else None
    if command is not None and marker is not None:
        if marker.command != command:
            raise UserError(f"--out {text!r} holds the results of `mis {marker.command}`; "
                            f"choose another folder for `mis {command}`")
        if fingerprint and marker.fingerprint and marker.fingerprint != fingerprint \
                and not overwrite:
            raise UserError(f"--out {text!r} holds the results of another `mis {command}` run "
                            "(another config or seed); choose another folder, or pass "
                            "--overwrite to replace them")
    ancestor = out if out.exists() else next(p for p in out.absolute().parents if p.exists())
    if not ancestor.is_dir():
        raise UserError(f"--out {text!r} cannot be created: {str(ancestor)!r} is not a "
                        "directory")
    try:  # a real probe (permission bits say nothing for root or special file systems)
        os.rmdir(tempfile.mkdtemp(prefix=".mis-probe-", dir=ancestor))
    except OSError as err:
        raise UserError(f"--out {text!r} cannot be written: {str(ancestor)!r} refuses new "
                        f"entries ({err.strerror})") from None
    if command is not None and claim:
        claim_out_dir(out, command, text)
    return out


_CLAIMS: dict = {}  # resolved --out -> the open, locked claim file of this process


def _claim_path(out: Path) -> Path:
    import hashlib
    import tempfile

    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:24]
    folder = Path(tempfile.gettempdir()) / "mis-claims"
    folder.mkdir(exist_ok=True)
    return folder / f"{key}.lock"


def claim_out_dir(out: Path, command: str, text: str | None = None) -> None:
    """Claim ``out`` for this process until :func:`release_out_dirs` (``mis.cli.main`` calls
    it when the command ends; the system drops it if the process dies): an exclusive
    ``flock`` on a claim file named by the folder's resolved path in the temporary directory
    (none inside the folder, which may not exist yet). A second ``mis`` run on the same
    folder while the first runs is refused with one line naming the holder."""
    import fcntl
    import os

    from mis.errors import UserError

    key = str(out.resolve())
    if key in _CLAIMS:
        return
    f = open(_claim_path(out), "a+")  # noqa: SIM115 - held open for the whole run
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.seek(0)
        holder = f.read().strip() or "another mis command"
        f.close()
        raise UserError(f"--out {text or str(out)!r} is in use by {holder}, still running; "
                        "wait for it to finish or choose another folder") from None
    f.seek(0)
    f.truncate()
    f.write(f"`mis {command}` (process {os.getpid()})")
    f.flush()
    _CLAIMS[key] = f


def release_out_dirs() -> None:
    """Release every claim of this process (:func:`claim_out_dir`)."""
    import fcntl

    while _CLAIMS:
        _, f = _CLAIMS.popitem()
        try:
            fcntl.flock(f, fcntl.LOCK_UN)
        finally:
            f.close()


__all__ = ["FILE_MODE", "MARKER", "Marker", "check_out_dir", "claim_out_dir", "file_digest",
           "fmt", "fmt_estimate", "load_npz", "png_bytes", "read_marker", "release_out_dirs",
           "run_fingerprint", "to_csv", "to_json", "write_file", "write_files"]
