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


@pytest.mark.slow
def test_sigkill_of_the_main_process_alone_then_rerun(big_input, tmp_path):
    """Only the main process is killed, its workers mid-shard: they die with it (or, where
    they cannot, their staging files never meet the rerun's), and the rerun's output is
    the uninterrupted run's, byte for byte."""
    path, reference = big_input
    out = tmp_path / "out"
    proc = subprocess.Popen(command(path, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    markers = out / "_markers"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (markers.is_dir() and len(list(markers.glob("*.json"))) >= 3):
        time.sleep(0.005)
    workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                                text=True).stdout.split()]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)
    alive = [w for w in workers if _live_worker(w)]
    rerun = subprocess.run(command(path, out), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert files(out) == files(reference)
    assert not list(out.rglob("*.tmp"))
    if sys.platform.startswith("linux"):
        assert not alive, f"workers outlived the main process: {alive}"


def _live_worker(pid: int) -> bool:
    """A pool worker (not multiprocessing's resource tracker) that is still running."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return "resource_tracker" not in cmdline and state not in ("Z", "X")
