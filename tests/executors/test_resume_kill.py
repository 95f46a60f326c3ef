"""A real `jeongje run` killed with SIGKILL at several moments resumes to identical output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import korean_doc, snapshot, write_jsonl

SHARD_BYTES = 6000


def command(inputs: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "jeongje", "run", "-i", str(inputs), "-o", str(out),
            "--workers", "2", "--shard-bytes", str(SHARD_BYTES), "--no-progress"]


def files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes()
            for d in ("documents", "ledger", "edits") for p in sorted((out / d).iterdir())}


@pytest.fixture(scope="module")
def big_input(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kill")
    recs = [korean_doc(i) for i in range(6000)]
    for r in recs[::7]:
        r["text"] = "짧다"
    path = write_jsonl(folder / "in.jsonl", recs)
    ref = folder / "reference"
    subprocess.run(command(path, ref), check=True, capture_output=True)
    return path, ref


@pytest.mark.slow
@pytest.mark.parametrize("when", ["startup", "some_shards", "most_shards"])
def test_sigkill_then_rerun_gives_identical_output(big_input, tmp_path, when):
    path, reference = big_input
    out = tmp_path / "out"
    n_shards = len(list((reference / "_markers").iterdir()))
    assert n_shards > 40
    threshold = {"startup": 0, "some_shards": 3, "most_shards": n_shards * 2 // 3}[when]
    proc = subprocess.Popen(command(path, out), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    markers = out / "_markers"
    while time.monotonic() < deadline:
        done = len(list(markers.glob("*.json"))) if markers.is_dir() else 0
        if (threshold == 0 and markers.is_dir()) or (threshold and done >= threshold):
            break
        if proc.poll() is not None:
            pytest.fail(f"run finished before the kill point {when}; make the input larger")
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)  # the main process and its workers, no cleanup
    proc.wait()
    assert not (out / "manifest.json").exists()
    finished_before = len(list(markers.glob("*.json")))
    assert finished_before < n_shards
    rerun = subprocess.run(command(path, out), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "resumed an earlier run" in rerun.stdout
    assert files(out) == files(reference)
    assert snapshot(out) == snapshot(reference)
    assert not list(out.rglob("*.tmp"))
