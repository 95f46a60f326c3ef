"""Progress output for a whole run: which step it is in, how far and how fast, and when the
step will end; a bar on a terminal, plain `progress:` log lines otherwise.

A recipe runs in steps (steps.py); `executors.base.run_steps` announces each one and each
global decision between them. Records are counted once, in the first step (later steps
pass the same documents on and count them as documents of that step). An ETA is shown
only once it means something: after `ETA_AFTER_SECONDS` and `ETA_AFTER_SHARE` of the
step. Every step and every decision ends with a line of its own.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

ETA_AFTER_SECONDS = 3.0
ETA_AFTER_SHARE = 0.05


def _seconds(s: float) -> str:
    return f"{s:.1f}s" if s < 60 else f"{int(s // 60)}m{int(s % 60):02d}s"


class Progress:
    """Tracks a run step by step; renders a tqdm bar per step (a terminal) or log lines."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None, interval: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.interval = interval
        self.records = 0  # input records read (the first step only)
        self.bar: Any = None
        self.index = self.count = 0
        self.title = ""

    # ------------------------------------------------------------------ a step

    def start_step(self, index: int, count: int, title: str, shards: int, input_bytes: int = 0) -> None:
        """Step `index` of `count` starts with `shards` shard tasks (and, in the first step,
        `input_bytes` to read)."""
        self.index, self.count, self.title = index, count, title
        self.shards, self.shards_done = shards, 0
        self.total_bytes, self.bytes, self.docs = input_bytes, 0, 0
        self.start = self._last_log = time.monotonic()
        if not self.enabled:
            return
        label = f"step {index + 1}/{count}"
        if self.tty:
            from tqdm import tqdm

            by_bytes = index == 0 and input_bytes > 0
            # a terminal that reports no size (0x0: a fresh pseudo-terminal) gets a fixed
            # one; tqdm draws nothing at all with 0 rows
            size = {"dynamic_ncols": True} if self._sized() else {"ncols": 100, "nrows": 24}
            self.bar = tqdm(total=input_bytes if by_bytes else shards, unit="B" if by_bytes else " shards",
                            unit_scale=by_bytes, unit_divisor=1024, desc=f"{label} {title}", file=self.stream,
                            smoothing=0.1, leave=True, **size,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]")
        else:
            self._print(f"{label} ({title}): {shards:,} shard{'s' * (shards != 1)}"
                        + (f", {input_bytes / 1e6:,.1f} MB to read" if input_bytes else ""))

    def advance(self, docs: int, nbytes: int) -> None:
        """`docs` records (first step) or documents (later steps) since the last call, and
        the input bytes read with them."""
        self.docs += docs
        self.bytes += nbytes
        if self.index == 0:
            self.records += docs
        if self.bar is not None:
            if self.index == 0 and self.total_bytes:
                self.bar.update(nbytes)
            self.bar.set_postfix_str(self._postfix(), refresh=False)
        elif self.enabled and not self.tty and time.monotonic() - self._last_log >= self.interval:
            self._last_log = time.monotonic()
            self._print(f"step {self.index + 1}/{self.count}: {self._status()}")

    def shard_done(self, input_bytes: int = 0) -> None:
        """A shard task finished (`input_bytes`: its input, when it was not reported as read)."""
        self.shards_done += 1
        self.bytes += input_bytes
        if self.bar is not None:
            self.bar.update(input_bytes if self.index == 0 and self.total_bytes else 1)
            self.bar.set_postfix_str(self._postfix())

    def end_step(self) -> None:
        """The step is done: its final line."""
        if not self.enabled:
            return
        took = time.monotonic() - self.start
        noun = "records" if self.index == 0 else "documents"
        summary = (f"done in {_seconds(took)}: {self.shards_done:,} shards, {self.docs:,} {noun}"
                   + (f" ({self.docs / took:,.0f}/s)" if took > 0 and self.docs else ""))
        self.close()  # the bar's last frame stays; the summary gets a line of its own
        self._print(f"step {self.index + 1}/{self.count} {summary}")

    @contextmanager
    def deciding(self, stage: str) -> Iterator[None]:
        """A global decision over what every shard stored (between two steps)."""
        started = time.monotonic()
        if self.enabled:
            self._print(f"{stage}: deciding over the rows of every shard")
        yield
        if self.enabled:
            self._print(f"{stage}: decided in {_seconds(time.monotonic() - started)}")

    def note(self, message: str) -> None:
        """A remark about the run (a file that cannot be split, ...)."""
        if self.enabled:
            self._print(message)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    # ------------------------------------------------------------------ rendering

    def _sized(self) -> bool:
        """Whether the terminal reports its width (a fresh pseudo-terminal says 0 columns,
        and tqdm then draws nothing at all)."""
        try:
            size = os.get_terminal_size(self.stream.fileno())
        except (OSError, ValueError, AttributeError):
            return False
        return size.columns > 0 and size.lines > 0

    def _fraction(self) -> float:
        if self.index == 0 and self.total_bytes:
            return min(1.0, self.bytes / self.total_bytes)
        return self.shards_done / self.shards if self.shards else 1.0

    def _eta(self) -> str:
        elapsed, done = time.monotonic() - self.start, self._fraction()
        if elapsed < ETA_AFTER_SECONDS or done < ETA_AFTER_SHARE or done >= 1:
            return ""
        return f"ETA {_seconds(elapsed * (1 - done) / done)}"

    def _postfix(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        noun = "records" if self.index == 0 else "docs"
        parts = [f"{self.docs:,} {noun}", f"{self.docs / elapsed:,.0f}/s",
                 f"shards {self.shards_done}/{self.shards}", self._eta()]
        return ", ".join(p for p in parts if p)

    def _status(self) -> str:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        noun = "records" if self.index == 0 else "documents"
        parts = [f"{self.shards_done}/{self.shards} shards", f"{self.docs:,} {noun}",
                 f"{self.docs / elapsed:,.0f} {noun}/s"]
        if self.index == 0 and self.bytes:
            parts.append(f"{self.bytes / elapsed / 1e6:.1f} MB/s")
        eta = self._eta()
        return ", ".join([*parts, *([eta] if eta else [])])

    def _print(self, message: str) -> None:
        line = f"progress: {message}"
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)
