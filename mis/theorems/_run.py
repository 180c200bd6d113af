"""Runs every claim of the theory (docs/theory.md) and renders the results (host driver)."""

import math
import sys
from pathlib import Path
from typing import NamedTuple, TextIO

import jax

from mis.io import png_bytes, to_json, write_files
from mis.progress import ProgressFn, report
from mis.theorems._claim import Claim, quantity
from mis.theorems._config import TheoremsConfig
from mis.theorems._discrete_claims import discrete_claims
from mis.theorems._gaussian_claims import gaussian_claims
from mis.theorems._overfitting_claims import overfitting_claims
from mis.theorems._quantized_claims import quantized_claims


class TheoremsResult(NamedTuple):
    """Every checked claim and the data behind the figures."""

    claims: list[Claim]
    figure_data: dict


def run_theorems(config: TheoremsConfig, key: jax.Array, *,
                 progress: ProgressFn | None = None) -> TheoremsResult:
    """Reproduces THEORY §2–5 and §7. Needs ``jax_enable_x64``.

    Args:
      config: sizes of the computations.
      key: PRNG key; each section gets its own ``fold_in`` stream.
      progress: optional ``progress(stage, done, total)`` (``mis.progress``) called after
        each section.

    Returns:
      ``TheoremsResult(claims, figure_data)``.
    """
    if not jax.config.read("jax_enable_x64"):
        raise RuntimeError("run_theorems needs jax_enable_x64 (tails reach e^-1000)")
    sections = [
        ("gaussian", "section 3: Gaussian mean", lambda k: gaussian_claims(k, config)),
        ("discrete", "section 4: discrete data", lambda k: discrete_claims(config)),
        ("quantized", "section 5: quantized releases", lambda k: quantized_claims(k, config)),
        ("overfitting", "section 7: overfitting", lambda k: overfitting_claims(k, config)),
    ]
    claims, data = [], {}
    for i, (name, title, fn) in enumerate(sections):
        section_claims, data[name] = fn(jax.random.fold_in(key, i))
        claims += section_claims
        report(progress, f"theory sections (last: {title})", i + 1, len(sections))
    return TheoremsResult(claims, data)


def _fmt(x) -> str:
    if x is None:
        return "-"
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.5g}"
    return f"{x:.4e}" if math.isfinite(x) else str(x)


def markdown_table(claims: list[Claim]) -> str:
    """The claims as a Markdown table (one row per claim)."""
    lines = ["| id | claim | quantity | exact [95 % interval] | formula / reference | holds |",
             "|---|---|---|---|---|---|"]
    for c in claims:
        value, lo, hi = c.exact
        exact = _fmt(value) if lo == hi else f"{_fmt(value)} [{_fmt(lo)}, {_fmt(hi)}]"
        note = f" ({c.note})" if c.note else ""
        lines.append(f"| {c.id} | {c.claim}{note} | {quantity(c.id)} | {exact} | "
                     f"{_fmt(c.formula)} | "
                     f"{'yes' if c.holds else '**NO**'} |")
    return "\n".join(lines) + "\n"


def theorems_outputs(result: TheoremsResult, provenance: dict) -> dict[str, bytes]:
    """``theorems.json``, ``theorems.md`` and the PNG figures, as bytes."""
    from mis.theorems._figures import all_figures

    records = [c._asdict() | {"quantity": quantity(c.id)} for c in result.claims]
    held = sum(c.holds for c in result.claims)
    summary = f"{held} of {len(result.claims)} claims hold"
    figures = all_figures(result.figure_data)
    files = {
        "theorems.json": to_json({"summary": summary, "claims": records,
                                  "provenance": provenance}),
        "theorems.md": (f"# Theorems of the theory (docs/theory.md), reproduced\n\n{summary}.\n\n"
                        + markdown_table(result.claims)
                        + "\nFigures: " + ", ".join(f"![]({n})" for n in figures) + "\n"
                        + f"\nCommit {provenance.get('git_commit')}, seed "
                        f"{provenance.get('seed')}.\n").encode(),
    }
    for name, fig in figures.items():
        files[name] = png_bytes(fig, tight_bbox=True)
    return files


def save_theorems(result: TheoremsResult, out_dir: Path, provenance: dict) -> list[str]:
    """Writes :func:`theorems_outputs` into ``out_dir``, all or nothing; returns the names."""
    files = theorems_outputs(result, provenance)
    write_files(out_dir, files)
    return sorted(files)


def print_table(claims: list[Claim], stream: TextIO = sys.stdout) -> None:
    """A compact console table of the claims."""
    for c in claims:
        value, lo, hi = c.exact
        ci = "" if lo == hi else f" [{_fmt(lo)}, {_fmt(hi)}]"
        mark = "ok " if c.holds else "NO "
        print(f"{mark} {c.id:34s} exact {_fmt(value)}{ci}  vs {_fmt(c.formula)}", file=stream)
