"""Progress output: a bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Tracks documents and input bytes; renders a tqdm bar (tty) or periodic log lines."""

    def __init__(self, total_bytes: int, total_shards: int, done_shards: int = 0,
                 enabled: bool | None = None, stream: TextIO | None = None,
                 interval: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.total_bytes = total_bytes
        self.total_shards = total_shards
        self.shards = done_shards
        self.docs = 0
        self.bytes = 0
        self.start = time.monotonic()
        self.interval = interval
        self._last_log = self.start
        self.enabled = enabled if enabled is not None else True
        self.bar = None
        if self.enabled and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total_bytes, unit="B", unit_scale=True, unit_divisor=1024,
                            desc="refining", file=self.stream, dynamic_ncols=True, smoothing=0.1)

    def advance(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.bytes += nbytes
        if self.bar is not None:
            self.bar.update(nbytes)
            rate = self.docs / max(time.monotonic() - self.start, 1e-9)
            self.bar.set_postfix_str(f"{self.docs:,} docs {rate:,.0f} docs/s "
                                     f"shards {self.shards}/{self.total_shards}", refresh=False)
        elif self.enabled and time.monotonic() - self._last_log >= self.interval:
            self._last_log = time.monotonic()
            self._log()

    def shard_done(self) -> None:
        self.shards += 1
        if self.bar is None and self.enabled:
            self._log()

    def _log(self) -> None:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        mbs = self.bytes / elapsed / 1e6
        eta = (self.total_bytes - self.bytes) / (self.bytes / elapsed) if self.bytes else float("nan")
        print(f"progress: shard steps {self.shards}/{self.total_shards}, {self.docs:,} docs, "
              f"{self.docs / elapsed:,.0f} docs/s, {mbs:.1f} MB/s input, ETA {eta:,.0f}s",
              file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
