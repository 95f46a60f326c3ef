"""Run options are declared once (options.py) and every use derives from the declaration:
the `jeongje run` flags and their defaults, `jeongje.run`'s keywords and docstring, the run's
identity and the manifest."""

from __future__ import annotations

import dataclasses

import click
import pytest
from click.testing import CliRunner

import jeongje
from jeongje.cli import demo, main
from jeongje.cli import run as run_command
from jeongje.errors import ConfigError, OutputConflictError
from jeongje.options import RunOptions, declared, default_of
from tests.helpers import korean_doc, write_jsonl

FIELDS = {f.name: f for f in dataclasses.fields(RunOptions)}


def test_every_option_is_a_run_flag_with_the_declared_default_help_and_type():
    params = {p.name: p for p in run_command.params}
    assert set(params) == set(FIELDS) | {"inputs", "output", "recipe"}
    for name, f in FIELDS.items():
        p = params[name]
        assert p.help == declared(f).help, name
        if not p.multiple and not getattr(p, "is_flag", False) or name == "progress":
            assert p.default == default_of(f), name
    assert {p.name for p in demo.params} <= set(FIELDS) | {"output", "recipe"}
    # the click types follow the declared types: choices, ranges, flags, repeatable options
    assert params["format"].type.choices == ("parquet", "jsonl")
    assert params["executor"].type.choices == ("local", "ray")
    assert params["workers"].type.min == 1 and params["shard_bytes"].type.min == 1
    assert params["max_record_bytes"].type.min == 1
    assert params["overwrite"].is_flag and params["progress"].secondary_opts == ["--no-progress"]
    assert params["site_policies"].multiple and params["storage_options"].multiple
    assert isinstance(params["site_policies"].type, click.Path)
    for bad in (["--workers", "0"], ["--format", "csv"], ["--shard-bytes", "x"], ["--executor", "spark"]):
        r = CliRunner().invoke(main, ["run", "-i", "x", "-o", "y", *bad])
        assert r.exit_code == 2 and "Invalid value" in r.output, bad


def test_the_library_takes_the_same_names_and_says_which_exist(tmp_path):
    for name in FIELDS:
        assert f"    {name} (default " in jeongje.run.__doc__
    with pytest.raises(ConfigError, match="unknown run option 'shard_size'; valid: .*shard_bytes"):
        jeongje.run(jeongje.sample_path(), tmp_path / "x", shard_size=3)
    with pytest.raises(ConfigError, match="option format: 'csv' is not one of 'parquet', 'jsonl'"):
        RunOptions(format="csv")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="option executor: 3 is not one of 'local', 'ray'"):
        RunOptions.of(executor=3)
    with pytest.raises(ConfigError, match="option text_field: expected a string, got 7"):
        RunOptions.of(text_field=7)
    with pytest.raises(ConfigError, match="option workers: must be at least 1, not 0"):
        RunOptions(workers=0)
    with pytest.raises(ConfigError, match="option shard_bytes: expected an integer, got '1MB'"):
        RunOptions.of(shard_bytes="1MB")
    with pytest.raises(ConfigError, match="unknown encoding"):
        RunOptions(encoding="klingon")
    # None is the default where an option cannot be None, and kept where it means something
    assert RunOptions.of(progress=None, format=None) == RunOptions()
    assert RunOptions.of(id_field=None).fields().id is None


def test_identity_options_decide_whether_a_run_resumes(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [korean_doc(i) for i in range(6)])
    out = tmp_path / "out"
    first = jeongje.run(str(path), out, progress=False, workers=1)
    assert first.manifest["options"] == RunOptions(workers=1, progress=False).manifest()
    assert "storage_options" not in first.manifest["options"]
    again = jeongje.run(str(path), out, progress=False, workers=2)  # workers: not identity
    assert again.resumed
    with pytest.raises(OutputConflictError, match="holds a different run"):
        jeongje.run(str(path), out, progress=False, max_record_bytes=1000)  # identity


def test_the_command_line_passes_options_through(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [korean_doc(i) for i in range(4)])
    r = CliRunner().invoke(main, ["run", "-i", str(path), "-o", str(tmp_path / "out"), "--no-progress",
                                  "--format", "jsonl", "--originals", "none", "--shard-bytes", "100",
                                  "--storage-option", "x=1"])
    assert r.exit_code == 2 and "storage options apply to an output URL" in r.output
    r = CliRunner().invoke(main, ["run", "-i", str(path), "-o", str(tmp_path / "out"), "--no-progress",
                                  "--format", "jsonl", "--originals", "none", "--shard-bytes", "100"])
    assert r.exit_code == 0, r.output
    manifest = jeongje.read_manifest(tmp_path / "out")
    assert manifest["options"]["format"] == "jsonl" and manifest["options"]["shard_bytes"] == 100
    assert manifest["options"]["originals"] == "none" and manifest["resolved"]["originals_per_reason"] == 0
    r = CliRunner().invoke(main, ["run", "-i", str(path), "-o", str(tmp_path / "o2"), "--originals", "some"])
    assert r.exit_code == 2 and "expected auto, all, none or a count" in r.output
