"""The mis command line: help, version, one-line user errors, and the theorem run."""

import json

import pytest

from mis import __version__
from tests.cli import run_mis as _mis


def test_version_and_help():  # a real `python -m mis` process; the other tests run in-process
    assert _mis("--version", subprocess=True).stdout.strip() == f"mis {__version__}"
    res = _mis("--help", subprocess=True)
    assert res.returncode == 0 and "theorems" in res.stdout
    bad = _mis("theorems", "--seed", "-3", subprocess=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["nonsense"], ["theorems", "--seed", "-3"],
                                  ["theorems", "--bogus"], ["quantizers", "--spec", "uniform:1"],
                                  ["quantizers", "--spec", "sign", "--spec", "nope"]])
def test_user_errors_are_one_line(args):
    res = _mis(*args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mis: error:")
    assert "Traceback" not in res.stderr


def test_out_that_is_a_file_is_rejected_without_output(tmp_path):
    target = tmp_path / "taken"
    target.write_text("keep me")
    res = _mis("theorems", "--quick", "--out", str(target))
    assert res.returncode == 2 and "is not a directory" in res.stderr
    assert target.read_text() == "keep me"


# Claims of the theory that the exact computations contradict; reported as "NO" on purpose.
KNOWN_THEORY_ERRATA: set = set()  # the reference's §3 was corrected; both claims now hold


@pytest.mark.slow
def test_theorems_quick_reproduces_every_claim(tmp_path):
    out = tmp_path / "th"
    res = _mis("theorems", "--quick", "--out", str(out))
    assert res.returncode == 0, res.stderr
    report = json.loads((out / "theorems.json").read_text())
    claims = {c["id"]: c for c in report["claims"]}
    failing = {i for i, c in claims.items() if not c["holds"]}
    assert failing == KNOWN_THEORY_ERRATA
    for c in claims.values():
        assert set(c) >= {"id", "claim", "params", "exact", "formula", "tolerance", "holds",
                          "quantity"}
        assert c["exact"][1] <= c["exact"][0] <= c["exact"][2]
    # the exact column says what it holds: Δ, log Δ and √n·Δ are never unlabeled
    assert claims["s5.boundary"]["quantity"] == "√n·Δ_n"
    assert claims["s4.target.uniform10.n=1000"]["quantity"] == "Δ"
    assert all(c["quantity"].startswith("log Δ") for i, c in claims.items()
               if i.startswith("s5.fixed.target"))
    prov = report["provenance"]
    assert prov["seed"] == 0 and prov["versions"]["jax"] and "config" in prov
    for name in ("theorems.md", "mis_vs_tau.png", "sqrt_n_delta.png", "quantized_rates.png",
                 "boundary.png", "overfitting.png"):
        assert (out / name).stat().st_size > 0
    assert not list(out.glob(".staging-*"))
    assert "| s5.boundary |" in (out / "theorems.md").read_text()


def test_quantizers_lists_the_zoo_with_bits_per_weight():
    res = _mis("quantizers", "--list", "--spec", "uniform:4", "--spec", "prune:0.5+uniform:4",
               "--spec", "gptq:4")
    assert res.returncode == 0, res.stderr
    rows = {line.split()[0]: line.split()[1:] for line in res.stdout.splitlines()[3:]}
    assert "spec forms:" in res.stdout
    assert float(rows["uniform:4"][0]) == pytest.approx(4 + 32 / (256 * 128), abs=1e-3)
    assert float(rows["prune:0.5+uniform:4"][1]) == 0.5  # sparsity column
    assert "gptq:4" in rows
