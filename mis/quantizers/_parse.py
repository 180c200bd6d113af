"""``parse(spec)``: the one string registry, used at the CLI and config boundary (host)."""

from __future__ import annotations

import typing

from mis.errors import UserError
from mis.quantizers._base import Quantizer
from mis.quantizers._binary import BitNet, Identity, Sign, Ternary
from mis.quantizers._gptq import GPTQ
from mis.quantizers._kmeans import KMeans
from mis.quantizers._minifloat import FORMATS, MiniFloat
from mis.quantizers._prune import Prune, Pruned
from mis.quantizers._uniform import FixedGrid, Log2, Stochastic, Uniform

VALID_FORMS = (
    "none", "grid:STEP", "sign[:channel]", "bitnet[:channel]", "ternary:P[:channel]",
    "uniform:B[:asym][:channel]", "stochastic:B[:channel]", "log2:B[:channel]",
    "fp8_e4m3|fp8_e5m2|fp4_e2m1[:raw][:channel]", "kmeans:K[:channel]", "prune:P[:channel]",
    "gptq:B[:sym][:tensor]", "prune:P+<any of these but gptq>",
)

# One representative spec of every form: what `mis quantizers` shows by default, and the zoo
# from which the studies' default lists (mis.rank, mis.molecular) are chosen.
ZOO = ("none", "sign", "sign:channel", "bitnet", "ternary:0.33", "ternary:0.9", "uniform:8",
       "uniform:4", "uniform:4:asym:channel", "uniform:2", "stochastic:4", "log2:4", "fp8_e4m3",
       "fp8_e5m2", "fp4_e2m1", "kmeans:16", "kmeans:4", "prune:0.5", "prune:0.5+uniform:4",
       "gptq:4", "gptq:2")

# name: (constructor, number of required numeric arguments, allowed flags)
_TABLE: dict[str, tuple[typing.Callable[..., Quantizer], int, tuple[str, ...]]] = {
    "none": (lambda: Identity(), 0, ()),
    "grid": (lambda step: FixedGrid(step), 1, ()),
    "sign": (lambda **f: Sign(**f), 0, ("channel",)),
    "bitnet": (lambda **f: BitNet(**f), 0, ("channel",)),
    "ternary": (lambda p, **f: Ternary(p, **f), 1, ("channel",)),
    "uniform": (lambda b, **f: Uniform(b, **f), 1, ("asym", "channel")),
    "stochastic": (lambda b, **f: Stochastic(b, **f), 1, ("channel",)),
    "log2": (lambda b, **f: Log2(b, **f), 1, ("channel",)),
    "kmeans": (lambda k, **f: KMeans(k, **f), 1, ("channel",)),
    "prune": (lambda p, **f: Prune(p, **f), 1, ("channel",)),
    "gptq": (lambda b, **f: GPTQ(b, **f), 1, ("sym", "tensor")),
}
for _name in FORMATS:
    _TABLE[_name] = ((lambda n: lambda **f: MiniFloat(n, **f))(_name), 0, ("raw", "channel"))

_FLAG_FIELDS = {"channel": ("per_channel", True), "asym": ("symmetric", False),
                "sym": ("symmetric", True), "tensor": ("per_channel", False),
                "raw": ("scaled", False)}
_FRACTIONS = ("ternary", "prune", "grid")  # parsed as floats


def _error(spec: str, why: str) -> UserError:
    return UserError(f"bad quantizer spec {spec!r}: {why}; valid forms: " + ", ".join(VALID_FORMS))


def _number(text: str, name: str, spec: str):
    try:
        return float(text) if name in _FRACTIONS else int(text)
    except ValueError:
        kind = "a number" if name in _FRACTIONS else "an integer"
        raise _error(spec, f"{text!r} is not {kind}") from None


def _term(text: str, spec: str):
    name, *args = text.strip().split(":")
    if name not in _TABLE:
        raise _error(spec, f"unknown quantizer {name!r}")
    make, num_args, allowed = _TABLE[name]
    if len(args) < num_args:
        raise _error(spec, f"{name!r} needs {num_args} argument(s)")
    numbers = [_number(a, name, spec) for a in args[:num_args]]
    flags = {}
    for flag in args[num_args:]:
        if flag not in allowed:
            raise _error(spec, f"{name!r} does not take {flag!r}")
        field, value = _FLAG_FIELDS[flag]
        flags[field] = value
    try:
        return make(*numbers, **flags)
    except ValueError as err:
        raise _error(spec, str(err)) from None


def parse(spec: str) -> Quantizer:
    """Turn a spec string into a quantizer.

    Example:
        >>> from mis.quantizers import parse
        >>> parse("prune:0.5+uniform:4").spec
        'prune:0.5+uniform:4'
        >>> parse("ternary:0.9:channel")
        Ternary(p=0.9, per_channel=True)

    Raises:
        UserError: (a ``ValueError``) for an unknown or malformed spec; the one-line message lists
        the valid forms.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise _error(str(spec), "empty")
    parts = spec.strip().split("+")
    if len(parts) > 2:
        raise _error(spec, "at most one '+' (prune:P+<quantizer>)")
    first = _term(parts[0], spec)
    if len(parts) == 1:
        return first
    if not isinstance(first, Prune):
        raise _error(spec, "only prune:P can come before '+'")
    try:
        return Pruned(first, _term(parts[1], spec))
    except ValueError as err:
        if isinstance(err, UserError):
            raise
        raise _error(spec, str(err)) from None
