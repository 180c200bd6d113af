"""mis.io and mis.provenance against what they promise: atomic writes that leave nothing partial,
JSON / CSV round trips with the documented spellings, one-line refusals, and provenance that
names the commit and the installed versions."""

import csv
import dataclasses
import json
import math
import subprocess

import numpy as np
import pytest

from mis.errors import UserError
from mis.io import fmt, fmt_estimate, load_npz, to_csv, to_json, write_file, write_files
from mis.provenance import git_commit, package_versions, provenance
from theory import Estimate


def test_write_file_replaces_atomically_and_a_failed_write_leaves_the_old_file(tmp_path,
                                                                               monkeypatch):
    path = tmp_path / "sub" / "a.txt"
    write_file(path, b"one")
    assert path.read_bytes() == b"one"

    def broken(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", broken)
    with pytest.raises(UserError, match="No space left on device; the previous file"):
        write_file(path, b"two")
    assert path.read_bytes() == b"one"
    assert [p.name for p in path.parent.iterdir()] == ["a.txt"]  # no temporary file left


def test_write_files_stage_then_rename_and_record_the_command(tmp_path, monkeypatch):
    write_files(tmp_path / "out", {"a.csv": b"x", "b.json": b"{}"}, command="rank")
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.json", "mis-command.txt"]
    assert (out / "mis-command.txt").read_text() == "rank\nfile a.csv\nfile b.json\n"
    calls = []

    def fail_second(src, dst):
        calls.append(dst)
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("os.replace", fail_second)
    with pytest.raises(UserError, match="Read-only file system; nothing was written"):
        write_files(out, {"a.csv": b"new"})
    assert (out / "a.csv").read_bytes() == b"x"  # untouched
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]
    with pytest.raises(UserError):  # a folder made for the results goes again
        write_files(tmp_path / "fresh", {"a.csv": b"new"})
    assert not (tmp_path / "fresh").exists()


def test_json_spells_non_finite_numbers_and_arrays():
    got = json.loads(to_json({"a": np.array([1.0, np.nan]), "b": math.inf, "c": (1, 2),
                              "d": np.float32(0.5)}))
    assert got == {"a": [1.0, "nan"], "b": "inf", "c": [1, 2], "d": 0.5}


def test_csv_takes_the_union_of_keys_in_first_seen_order():
    rows = list(csv.DictReader(to_csv([{"a": 1, "b": 2}, {"c": 3, "a": 4}]).decode()
                               .splitlines()))
    assert list(rows[0]) == ["a", "b", "c"]
    assert rows[1] == {"a": "4", "b": "", "c": "3"}


def test_formatting_marks_missing_values():
    assert fmt(0.12345) == "0.123" and fmt(float("nan")) == "—" and fmt("") == "—"
    assert fmt_estimate(Estimate(0.5, 0.25, math.inf)) == "0.500 [0.250, —]"


def test_load_npz_refuses_pickles_and_missing_files(tmp_path):
    with pytest.raises(UserError, match="not a readable .npz"):
        (tmp_path / "x.npz").write_text("no")
        load_npz(tmp_path / "x.npz")
    with pytest.raises(UserError):
        load_npz(tmp_path / "missing.npz")
    np.savez(tmp_path / "obj.npz", a=np.array([{"k": 1}], dtype=object))
    with pytest.raises(UserError):
        load_npz(tmp_path / "obj.npz")
    np.savez(tmp_path / "ok.npz", a=np.arange(3))
    np.testing.assert_array_equal(load_npz(tmp_path / "ok.npz")["a"], np.arange(3))


def test_provenance_names_the_commit_the_versions_and_the_config():
    @dataclasses.dataclass
    class Config:
        steps: int = 3

    p = provenance(Config(), 7, "mis rank --steps 3")
    assert p["config"] == {"steps": 3} and p["seed"] == 7 and p["command"] == "mis rank --steps 3"
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert git_commit().split("-")[0] == head == p["git_commit"].split("-")[0]
    versions = package_versions()
    import jax

    assert versions["jax"] == jax.__version__ and versions["numpy"] == np.__version__
    assert p["processes"] == 1 and p["devices"]
