"""The package as a user installs it: the wheel, in a fresh venv with the oldest pip we
support (23.2, what Debian 12's `python3 -m venv` brings and this interpreter's ensurepip
bundles), from the package index. Every stage imports and sets up from the installed
package (not the source tree), the bundled sample runs, a crawl keeps its pages; and with
`lxml_html_clean` uninstalled by hand the run stops before anything is written, with one
`error:` line that says what to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, REPO, Page, fixture_pages, write_warc

OLDEST_PIP = "23.2"


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv (this interpreter's bundled pip) holding the wheel of this checkout."""
    root = tmp_path_factory.mktemp("install")
    wheel = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(root / "dist"), str(REPO)])
    assert wheel.returncode == 0, wheel.stderr[-2000:]
    base = getattr(sys, "_base_executable", sys.executable)
    venv = root / "venv"
    made = _run([base, "-m", "venv", str(venv)])
    assert made.returncode == 0, made.stderr
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "--version"])
    assert pip.stdout.split()[1].startswith(OLDEST_PIP), pip.stdout
    files = list((root / "dist").glob("jeongje-*.whl"))
    done = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(files[0])])
    if done.returncode != 0 and "No matching distribution" in done.stderr:
        pytest.skip(f"the package index is not reachable: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def _python(venv: Path, code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return _run([str(venv / "bin" / "python"), "-c", code, *args], cwd=cwd or venv, env=env)


def _crawl(path: Path) -> Path:
    pages = [Page(f"https://{name}.example.kr/a/{name}", (FIXTURES / f"{name}.html").read_bytes())
             for name in fixture_pages()]
    write_warc(path, pages)
    return path


def test_pip_check_passes_and_every_stage_sets_up_from_the_installed_package(installed):
    check = _run([str(installed / "bin" / "python"), "-m", "pip", "check"])
    assert check.returncode == 0, check.stdout + check.stderr
    code = """
import jeongje, json
from jeongje.registry import registry
assert "site-packages" in jeongje.__file__, jeongje.__file__  # the installed copy, not the checkout
import pathlib
from jeongje import decontam
folder = pathlib.Path("bench/kmmlu/data")  # an item of our own, read with the shipped descriptions
folder.mkdir(parents=True)
(folder / "own-test.csv").write_text("question,answer,A,B,C,D\\n광합성에서 빛에너지를 흡수하는 색소로 "
                                     "옳은 것은 무엇인가?,1,엽록소,헤모글로빈,멜라닌,케라틴\\n", encoding="utf-8")
assert decontam.build(["bench"], "bench.npz")["per_benchmark"] == {"kmmlu": {"items": 1, "too_short": 0}}
required = {"decontaminate": {"index": "bench.npz"}}  # stages that need a file of yours
names = []
for name, cls in sorted(registry().items()):
    stage = cls(**required.get(name, {}))
    stage.check()
    stage.setup()
    names.append(name)
r = jeongje.run(jeongje.sample_path(), "out-sample", progress=False, workers=1)
print(json.dumps({"stages": names, "counts": r.counts}))
"""
    out = _python(installed, code)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "extract.html" in result["stages"] and len(result["stages"]) >= 15
    assert result["counts"]["records"] == 76  # the sample's files came with the wheel


def test_a_crawl_keeps_its_pages_and_without_lxml_html_clean_stops_at_setup(installed, tmp_path):
    warc = _crawl(tmp_path / "crawl.warc.gz")
    jeongje = str(installed / "bin" / "jeongje")
    ok = _run([jeongje, "run", "-i", str(warc), "-o", str(tmp_path / "out"), "--no-progress", "-w", "1"])
    assert ok.returncode == 0, ok.stderr[-3000:]
    ledger = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    reasons = {r["reason"] for r in ledger["by_outcome_stage_reason"]}
    assert ledger["counts"]["kept"] >= len(fixture_pages()) - 2 and "extraction_failed" not in reasons
    gone = _run([str(installed / "bin" / "python"), "-m", "pip", "uninstall", "-y", "--quiet", "lxml_html_clean"])
    assert gone.returncode == 0, gone.stderr
    broken = _run([jeongje, "run", "-i", str(warc), "-o", str(tmp_path / "broken"), "--no-progress"])
    assert broken.returncode == 2
    lines = [line for line in broken.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: stage extract.html needs 'lxml_html_clean'"), broken.stderr
    assert "pip install 'lxml_html_clean'" in lines[0]
    assert not (tmp_path / "broken").exists()  # nothing written: not a quarantine row per page
