"""Provenance of every result: config, seed, package versions, git commit, devices (host)."""

import dataclasses
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

_PACKAGES = ("mis", "jax", "jaxlib", "flax", "optax", "numpyro", "chex", "numpy", "scipy",
             "matplotlib", "scikit-learn", "dp-accounting")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages results depend on."""
    out: dict[str, str | None] = {}
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


def provenance(config: Any, seed: int, command: str) -> dict:
    """Config, seed, versions, commit, device and machine of one run."""
    import jax

    return {
        "command": command,
        "config": (dataclasses.asdict(config)
                   if dataclasses.is_dataclass(config) and not isinstance(config, type)
                   else config),
        "seed": seed,
        "versions": package_versions(),
        "git_commit": git_commit(),
        "jax_backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "processes": jax.process_count(),
        "machine": {"platform": platform.platform(), "processor": platform.machine(),
                    "cpu_count": os.cpu_count(), "python": platform.python_version()},
    }


__all__ = ["git_commit", "package_versions", "provenance"]
