"""Measure a command: wall seconds, CPU seconds and peak RSS of its whole process tree.

RSS is sampled every 0.1 s over the command and all its descendants (worker processes
included); CPU is the last sampled user+system time of every process seen, plus the
rusage of reaped children, whichever is larger.
"""

from __future__ import annotations

import resource
import subprocess
import threading
import time
from dataclasses import dataclass

import psutil


@dataclass
class Measurement:
    returncode: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float  # sum over the process tree at its largest
    peak_single_mb: float  # the largest single process
    stdout: str
    stderr: str


def measure(cmd: list[str], interval: float = 0.1) -> Measurement:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0, 0]
    cpu: dict[tuple[int, float], float] = {}
    stop = threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    t = p.cpu_times()
                    cpu[(p.pid, p.create_time())] = t.user + t.system
                except psutil.Error:
                    continue
                total += rss
                peak[1] = max(peak[1], rss)
            peak[0] = max(peak[0], total)
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    thread.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    reaped = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measurement(proc.returncode, wall, max(reaped, sum(cpu.values())),
                       peak[0] / 2**20, peak[1] / 2**20, out, err)


def markdown(rows: list[dict[str, object]], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(r.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}" if v < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return "" if v is None else str(v)
