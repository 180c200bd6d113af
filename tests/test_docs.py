"""The documentation: the design note's worked study runs as written and becomes a command;
the site builds in strict mode (``make test`` builds it too) and fails on a broken reference;
README's links resolve."""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_design_note_worked_study_runs_as_a_command(tmp_path, capsys):
    from mis.commands._common import register_study
    from mis.io import release_out_dirs

    block = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "design.md").read_text(), re.S)
    assert len(block) == 1
    namespace: dict = {"__name__": "lossleak"}
    exec(compile(block[0], "design.md", "exec"), namespace)  # noqa: S102 - our own docs
    parser = argparse.ArgumentParser()
    register_study(parser.add_subparsers(), namespace["STUDY"])
    args = parser.parse_args(["lossleak", "--smoke", "--out", str(tmp_path / "o")])
    try:
        assert args.func(args) == 0
    finally:
        release_out_dirs()
    written = json.loads((tmp_path / "o" / "results.json").read_text())
    assert "AUC(loss)" in written["finding"] and written["provenance"]["seed"] == 0
    assert "the loss attack detects membership" in capsys.readouterr().out


def _build(root: Path, site: Path):
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f",
                           str(root / "mkdocs.yml"), "-d", str(site)], cwd=root,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_a_broken_api_reference_fails_the_strict_build(tmp_path):
    """In a copy of the docs (the working tree is never written to)."""
    import shutil

    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    for package in ("mis", "theory"):
        (tmp_path / package).symlink_to(ROOT / package)
    page = tmp_path / "docs" / "api" / "mis.study.md"
    page.write_text(page.read_text() + "\n::: mis.study.no_such_object\n")
    res = _build(tmp_path, tmp_path / "site")
    assert res.returncode != 0 and "no_such_object" in res.stderr


def test_readme_links_resolve():
    text = (ROOT / "README.md").read_text()
    links = [m for m in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
             if not m.startswith(("http://", "https://"))]
    assert links and not [m for m in links if not (ROOT / m).exists()]


def test_every_study_command_has_a_page():
    from mis.commands import COMMANDS

    names = [c if isinstance(c, str) else c.__name__.rsplit(".", 1)[1] for c in COMMANDS]
    names = [n for n in names if n != "quantizers"]
    missing = [n for n in names if not (ROOT / "docs" / "studies" / f"{n}.md").exists()]
    assert not missing
