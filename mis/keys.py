"""PRNG keys named by strings (device, jnp).

Example:
    >>> import jax
    >>> k = jax.random.key(0)
    >>> bool((jax.random.key_data(fold_in_name(k, "uniform:4"))
    ...       == jax.random.key_data(fold_in_name(k, "uniform:4"))).all())
    True
"""

from __future__ import annotations

import zlib

import jax


def fold_in_name(key: jax.Array, name: str) -> jax.Array:
    """``fold_in(key, crc32(name) mod 2^31)``: a key that depends on ``key`` and ``name`` only,
    so that adding or removing other names (quantizers, datasets) leaves its numbers alone."""
    return jax.random.fold_in(key, zlib.crc32(name.encode()) & 0x7FFFFFFF)


__all__ = ["fold_in_name"]
