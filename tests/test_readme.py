"""Every ```python block of README.md runs, in order, as one script (a fresh process: the last
block switches on float64; a temporary folder and feature cache)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def test_readme_has_python_snippets():
    assert len(readme_blocks()) >= 6


def test_readme_snippets_run(tmp_path):
    script = "import matplotlib\nmatplotlib.use('Agg')\n" + "\n".join(readme_blocks())
    (tmp_path / "readme.py").write_text(script)
    env = {**os.environ, "MIS_CACHE_DIR": str(tmp_path / "cache")}
    res = subprocess.run([sys.executable, "readme.py"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (tmp_path / "roc.png").read_bytes()[:4] == b"\x89PNG"
