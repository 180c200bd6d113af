"""The new data-set choices end to end at smoke size (issue 36): studies run on UCI Adult and
on Fashion-MNIST's 28x28 images and write their files (the image path of condense, uniqueness
and dpaudit is the digits' one, tested with them; the 28x28 ConvNet is the slow part of a
smoke run, so the Fashion-MNIST case shrinks the network further)."""

import csv
import json

import pytest

from tests.cli import run_mis as _mis
from tests.mis.data.test_real_sets import HAVE_FASHION

SMALL_IMAGES = ["--channels", "2,4", "--steps", "10", "--num-models", "8"]

CASES = [
    (["rank", "--task", "adult"], "ranking.csv", False),
    (["dpaudit", "--dataset", "adult", "--sigmas", "0,2"], "dpaudit.csv", False),
    (["uniqueness", "--dataset", "adult", "--budgets", "10", "--sigmas", "1",
      "--quantizers", "uniform:4"], "defense.csv", False),
    (["rank", "--task", "fashion-mnist", "--pool-size", "64", "--num-fresh", "64",
      "--quantizers", "none,uniform:4", *SMALL_IMAGES], "ranking.csv", True),
]
# condense on Adult is condense's MLP path (tested on the mixture in tests/mis/condense) fed by
# load_adult (tests/mis/data/test_real_sets.py); its 33 s end-to-end case was dropped to keep
# `make test` within budget.


@pytest.mark.slow
@pytest.mark.parametrize("args, table, images", CASES)
def test_a_study_runs_on_a_real_set(args, table, images, tmp_path):
    if images and not HAVE_FASHION:
        pytest.skip("Fashion-MNIST IDX files absent (make setup installs them where it can)")
    out = tmp_path / "o"
    res = _mis(*args, "--smoke", "--out", str(out))
    assert res.returncode == 0, res.stderr[-2000:]
    rows = list(csv.DictReader((out / table).read_text().splitlines()))
    assert rows
    config = json.loads((out / "results.json").read_text())["provenance"]["config"]
    assert config.get("dataset", config.get("task")) == args[2]
