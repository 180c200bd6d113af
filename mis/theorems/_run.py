"""Runs every claim of THEORY.md and renders the results (host driver)."""

import io
import math
import sys
import time
from pathlib import Path
from typing import NamedTuple

import jax

from mis._provenance import to_json, write_outputs
from mis.theorems._claim import Claim
from mis.theorems._config import TheoremsConfig
from mis.theorems._discrete_claims import discrete_claims
from mis.theorems._gaussian_claims import gaussian_claims
from mis.theorems._overfitting_claims import overfitting_claims
from mis.theorems._quantized_claims import quantized_claims


class TheoremsResult(NamedTuple):
    """Every checked claim and the data behind the figures."""

    claims: list[Claim]
    figure_data: dict


def run_theorems(config: TheoremsConfig, key: jax.Array, *, progress=None) -> TheoremsResult:
    """Reproduces THEORY.md sections 2-5 and 7. Needs ``jax_enable_x64``.

    Args:
      config: sizes of the computations.
      key: PRNG key; each section gets its own ``fold_in`` stream.
      progress: optional callable ``progress(message)`` told when each section starts.

    Returns:
      ``TheoremsResult(claims, figure_data)``.
    """
    if not jax.config.jax_enable_x64:
        raise RuntimeError("run_theorems needs jax_enable_x64 (tails reach e^-1000)")
    say = progress or (lambda _: None)
    sections = [
        ("gaussian", "section 3: Gaussian mean", lambda k: gaussian_claims(k, config)),
        ("discrete", "section 4: discrete data", lambda k: discrete_claims(config)),
        ("quantized", "section 5: quantized releases", lambda k: quantized_claims(k, config)),
        ("overfitting", "section 7: overfitting", lambda k: overfitting_claims(k, config)),
    ]
    claims, data = [], {}
    for i, (name, title, fn) in enumerate(sections):
        start = time.perf_counter()
        say(f"[{i + 1}/{len(sections)}] {title} ...")
        section_claims, data[name] = fn(jax.random.fold_in(key, i))
        claims += section_claims
        say(f"      {len(section_claims)} claims in {time.perf_counter() - start:.1f} s")
    return TheoremsResult(claims, data)


def _fmt(x) -> str:
    if x is None:
        return "-"
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.5g}"
    return f"{x:.4e}" if math.isfinite(x) else str(x)


def markdown_table(claims: list[Claim]) -> str:
    """The claims as a Markdown table (one row per claim)."""
    lines = ["| id | claim | exact [95 % interval] | formula / reference | holds |",
             "|---|---|---|---|---|"]
    for c in claims:
        value, lo, hi = c.exact
        exact = _fmt(value) if lo == hi else f"{_fmt(value)} [{_fmt(lo)}, {_fmt(hi)}]"
        note = f" ({c.note})" if c.note else ""
        lines.append(f"| {c.id} | {c.claim}{note} | {exact} | {_fmt(c.formula)} | "
                     f"{'yes' if c.holds else '**NO**'} |")
    return "\n".join(lines) + "\n"


def save_theorems(result: TheoremsResult, out_dir: Path, provenance: dict) -> list[str]:
    """Writes ``theorems.json``, ``theorems.md`` and the PNG figures, all or nothing."""
    import matplotlib.pyplot as plt

    from mis.theorems._figures import all_figures

    records = [c._asdict() for c in result.claims]
    held = sum(c.holds for c in result.claims)
    summary = f"{held} of {len(result.claims)} claims hold"
    figures = all_figures(result.figure_data)
    files = {
        "theorems.json": to_json({"summary": summary, "claims": records,
                                  "provenance": provenance}),
        "theorems.md": (f"# Theorems of THEORY.md, reproduced\n\n{summary}.\n\n"
                        + markdown_table(result.claims)
                        + "\nFigures: " + ", ".join(f"![]({n})" for n in figures) + "\n"
                        + f"\nCommit {provenance.get('git_commit')}, seed "
                        f"{provenance.get('seed')}.\n").encode(),
    }
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        files[name] = buf.getvalue()
    write_outputs(out_dir, files)
    return sorted(files)


def print_table(claims: list[Claim], stream=sys.stdout) -> None:
    """A compact console table of the claims."""
    for c in claims:
        value, lo, hi = c.exact
        ci = "" if lo == hi else f" [{_fmt(lo)}, {_fmt(hi)}]"
        mark = "ok " if c.holds else "NO "
        print(f"{mark} {c.id:34s} exact {_fmt(value)}{ci}  vs {_fmt(c.formula)}", file=stream)
