"""Provenance of every result and atomic output writing (host)."""

import dataclasses
import importlib.metadata
import json
import os
import platform
import subprocess
import tempfile
from pathlib import Path

_PACKAGES = ("mis", "jax", "jaxlib", "flax", "optax", "numpyro", "chex", "numpy", "scipy",
             "matplotlib")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages results depend on."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> str | None:
    """The commit of the source tree (with ``-dirty`` if modified), or ``None``."""
    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return rev + ("-dirty" if dirty else "")


def provenance(config, seed: int, command: str) -> dict:
    """Config, seed, versions, commit, device and machine of one run."""
    import jax

    return {
        "command": command,
        "config": dataclasses.asdict(config) if dataclasses.is_dataclass(config) else config,
        "seed": seed,
        "versions": package_versions(),
        "git_commit": git_commit(),
        "jax_backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "machine": {"platform": platform.platform(), "processor": platform.machine(),
                    "cpu_count": os.cpu_count(), "python": platform.python_version()},
    }


def write_outputs(out_dir: Path, files: dict[str, bytes]) -> None:
    """Writes every file at once: staged in a temporary folder, then renamed in place.

    A failure while staging leaves ``out_dir`` untouched; each final file appears
    through an atomic ``os.replace``, so no reader ever sees a partial file.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".staging-") as staging:
        for name, payload in files.items():
            (Path(staging) / name).write_bytes(payload)
        for name in files:
            os.replace(Path(staging) / name, out_dir / name)


def to_json(obj) -> bytes:
    """JSON with floats as they are (``NaN``/``inf`` spelled as JSON strings)."""

    def clean(x):
        if hasattr(x, "tolist"):  # NumPy and JAX arrays and scalars
            x = x.tolist()
        if isinstance(x, float) and (x != x or x in (float("inf"), float("-inf"))):
            return str(x)
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    return (json.dumps(clean(obj), indent=2) + "\n").encode()
