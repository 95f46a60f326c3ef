"""The CLI through a real subprocess: help everywhere, one-line errors with exit code 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jeongje.cli import main
from tests.helpers import distinct_doc, korean_doc, write_jsonl

README = Path(__file__).resolve().parents[1] / "README.md"


def commands(group=main, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if hasattr(cmd, "commands"):
            yield from commands(cmd, (*prefix, name))


def jeongje(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "jeongje", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd)


@pytest.mark.parametrize("path", [p for p, _ in commands()], ids=" ".join)
def test_every_command_has_help_and_is_documented_in_the_readme(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    assert f"jeongje {' '.join(path)}" in README.read_text(encoding="utf-8")


def test_run_stats_and_recipe_show_through_a_real_process(tmp_path):
    write_jsonl(tmp_path / "in.jsonl", [distinct_doc(i) for i in range(5)] + [{"id": "s", "text": "짧다"}])
    out = tmp_path / "out"
    result = jeongje("run", "-i", tmp_path / "in.jsonl", "-o", out, "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert "6 records: 5 kept, 1 dropped, 0 quarantined" in result.stdout
    assert re.search(r"dropped\s+filter\.length\s+too_short\s+1\s+16\.7%", result.stdout)
    assert "progress: step 1/" in result.stderr and "records" in result.stderr  # not a terminal: log lines
    stats = jeongje("stats", out)
    assert stats.returncode == 0
    assert re.search(r"kept\s+5\s+83\.3%", stats.stdout) and re.search(r"total\s+6", stats.stdout)
    shown = jeongje("recipe", "show", "korean-news")
    assert shown.returncode == 0 and "stage: normalize.unicode" in shown.stdout
    (tmp_path / "mine.yaml").write_text(shown.stdout, encoding="utf-8")
    again = jeongje("run", "-i", tmp_path / "in.jsonl", "-o", tmp_path / "out2", "-r",
                    tmp_path / "mine.yaml", "--format", "jsonl")
    assert again.returncode == 0, again.stderr
    assert json.loads((tmp_path / "out2" / "manifest.json").read_text())["counts"]["kept"] == 5


@pytest.mark.parametrize("args, message", [
    (["run", "-i", "/nonexistent/x.jsonl", "-o", "{tmp}/o"], "error: input not found: '/nonexistent/x.jsonl'"),
    (["run", "-i", "{tmp}/in.jsonl", "-o", "{tmp}/o", "-r", "nope"], "error: unknown recipe 'nope'"),
    (["run", "-i", "{tmp}/in.jsonl", "-o", "{tmp}/o", "-r", "{tmp}/bad.yaml"],
     "error: {tmp}/bad.yaml: stages[0].params.min_chars: expected an integer, got 'x'"),
    (["run", "-i", "{tmp}/in.jsonl", "-o", "{tmp}/full"], "error: output folder {tmp}/full is not empty"),
    (["run", "-i", "{tmp}/in.jsonl", "-o", "{tmp}/o", "--workers", "0"], "Invalid value for '--workers'"),
    (["run", "-o", "{tmp}/o"], "Missing option '--input'"),
    (["recipe", "show", "nope"], "error: unknown recipe 'nope'"),
    (["stats", "{tmp}/missing"], "does not exist"),
])
def test_errors_are_one_clear_line_and_exit_code_2(tmp_path, args, message):
    write_jsonl(tmp_path / "in.jsonl", [korean_doc(1)])
    (tmp_path / "bad.yaml").write_text(
        "name: bad\nstages:\n  - stage: filter.length\n    params: {min_chars: x}\n")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("x")
    result = jeongje(*[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2
    assert message.format(tmp=tmp_path) in result.stderr
    assert "Traceback" not in result.stderr
    if message.startswith("error:"):
        assert len(result.stderr.strip().splitlines()) == 1


def test_demo_runs_the_bundled_sample(tmp_path):
    result = jeongje("demo", "--output", tmp_path / "demo")
    assert result.returncode == 0, result.stderr
    assert "input: bundled sample" in result.stdout
    assert re.search(r"quarantined\s+read\s+invalid_json", result.stdout)
    assert str(tmp_path / "demo" / "ledger") in result.stdout
