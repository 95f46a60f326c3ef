"""Progress output as a user sees it: a real `jeongje run` in a pseudo-terminal (bars per
step), and the rules for what a line may claim (records counted once, no early ETA)."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import jeongje.progress as progress_module
from jeongje.progress import Progress
from tests.helpers import distinct_doc, write_jsonl

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _in_terminal(args: list[str], cwd: Path) -> str:
    """Run `jeongje ARGS` with stdin/stdout/stderr on a fresh pseudo-terminal (it reports
    0x0 columns, as a container's often does); return what the terminal received."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "jeongje", *args], stdin=slave, stdout=slave,
                            stderr=slave, cwd=cwd, close_fds=True)
    os.close(slave)
    received = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    assert proc.wait(timeout=120) == 0, received.decode(errors="replace")
    return ANSI.sub("", received.decode())


def test_a_multi_step_run_in_a_terminal_shows_one_bar_per_step_and_counts_records_once(tmp_path):
    records = [distinct_doc(i) for i in range(60)] + [{**distinct_doc(i), "id": f"copy-{i}"} for i in range(10)]
    write_jsonl(tmp_path / "a.jsonl", records[:35])
    write_jsonl(tmp_path / "b.jsonl", records[35:])
    screen = _in_terminal(["run", "-i", str(tmp_path), "-o", str(tmp_path / "out"), "-w", "2"], tmp_path)
    frames = [f for f in re.split(r"[\r\n]+", screen) if f.strip()]
    steps = sorted({int(m) for f in frames for m in re.findall(r"step \d+/(\d+)", f)})
    assert len(steps) == 1 and steps[0] >= 3, frames  # the default recipe: several steps, one count
    count = steps[0]
    for k in range(1, count + 1):
        bars = [f for f in frames if f.startswith(f"step {k}/{count} ") and "|" in f]
        assert bars, f"no bar for step {k}: {frames}"
        assert "ETA" not in bars[0]  # nothing to estimate from on the first frame
        assert re.search(r"100%\|", bars[-1]), bars[-1]  # each bar ends full, not after step 1
        done = [f for f in frames if f.startswith(f"progress: step {k}/{count} done in ")]
        assert len(done) == 1, frames
    # the first step counts input records; later steps count documents, never added up
    assert re.search(r"progress: step 1/\d+ done in [\d.]+s: 2 shards, 70 records", screen), screen
    assert not re.search(r"\b(1[4-9]\d|[2-9]\d\d) records", screen)  # no sum over steps
    assert screen.index("step 1/") < screen.index("deciding") < screen.index(f"step {count}/{count}")
    assert "70 records:" in screen  # the summary still follows


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_eta_appears_only_after_three_seconds_and_five_percent(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    out = io.StringIO()
    p = Progress(stream=out, interval=0.0)  # not a terminal: a log line at every call
    p.start_step(0, 2, "read, 3 stages", shards=4, input_bytes=1000)
    clock.now += 1.0
    p.advance(10, 200)  # 20% after 1 s: too early
    clock.now += 1.0
    p.advance(1, 10)  # 21% after 2 s
    clock.now += 2.0
    p.advance(1, 10)  # 22% after 4 s: now an estimate, 4 s * 78/22
    lines = out.getvalue().splitlines()
    assert "ETA" not in lines[1] and "ETA" not in lines[2]
    assert lines[3].endswith("ETA 14.2s"), lines[3]
    p.end_step()
    p.start_step(1, 2, "write documents", shards=100)
    clock.now += 10.0
    p.advance(50, 0)
    p.shard_done()
    p.shard_done()
    p.shard_done()
    p.shard_done()  # 4% of the shards after 10 s: still no estimate
    clock.now += 1.0
    p.advance(1, 0)
    assert "ETA" not in out.getvalue().splitlines()[-1]
    p.end_step()
    assert p.records == 12  # records are those of the first step only
    assert out.getvalue().splitlines()[-1].startswith("progress: step 2/2 done in 11.0s: 4 shards, 51 documents")


def test_no_progress_writes_nothing():
    out = io.StringIO()
    p = Progress(enabled=False, stream=out)
    p.start_step(0, 1, "read", 1, 10)
    p.advance(1, 10)
    p.shard_done()
    p.end_step()
    with p.deciding("dedup.exact"):
        pass
    p.note("x")
    assert out.getvalue() == ""
