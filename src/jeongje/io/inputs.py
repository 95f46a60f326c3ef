"""Resolving input arguments to files, and cutting files into shards.

Shards depend only on the inputs (never on the worker count), so a run's output is the
same whatever the number of workers, and a resumed run redoes exactly the unfinished shards.
"""

from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.zstd", ".json", ".json.gz",
                  ".json.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
PARQUET_SUFFIXES = (".parquet", ".pq")
WARC_SUFFIXES = (".warc", ".warc.gz")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt",)  # only when named as a file or glob: folders often hold notes
SUPPORTED = JSONL_SUFFIXES + PARQUET_SUFFIXES + WARC_SUFFIXES + HTML_SUFFIXES + TEXT_SUFFIXES

#: Plain JSONL files larger than this are split into several shards at line boundaries.
SHARD_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class InputFile:
    path: str  # absolute path
    name: str  # stable display name: relative to the common parent of all inputs
    size: int
    format: str  # "jsonl" | "parquet" | "warc" | "html" | "text"
    compression: str | None  # None | "gzip" | "zstd"


@dataclass(frozen=True, slots=True)
class Shard:
    """A unit of work: a whole file, a byte range of a plain JSONL file or of a WARC file
    (cut at record / gzip member starts), or row groups."""

    index: int
    file: InputFile
    start: int = 0  # byte offset (plain JSONL, WARC) or first row group (Parquet)
    end: int | None = None  # exclusive byte offset / row group; None = to the end
    first_line: int = 1  # line number of the first line at `start` (plain JSONL)
    first_row: int = 0  # row number of the first row in the shard (Parquet)

    def input_bytes(self) -> int:
        """The input bytes this shard covers (for progress): its byte range, its row
        groups' size, or the whole file."""
        f = self.file
        if f.format == "warc":
            return (f.size if self.end is None else self.end) - self.start
        if self.end is not None and f.format == "jsonl" and f.compression is None:
            return self.end - self.start
        if f.format == "parquet":
            import pyarrow.parquet as pq

            try:
                meta = pq.ParquetFile(f.path).metadata
            except Exception:  # noqa: BLE001 - the reader quarantines unreadable files
                return 0
            end = meta.num_row_groups if self.end is None else self.end
            return sum(meta.row_group(i).total_byte_size for i in range(self.start, end))
        return f.size


def file_format(path: str) -> tuple[str, str | None] | None:
    lower = path.lower()
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet", None
    if lower.endswith(WARC_SUFFIXES):
        return "warc", "gzip" if lower.endswith(".gz") else None
    if lower.endswith(HTML_SUFFIXES):
        return "html", None
    if lower.endswith(TEXT_SUFFIXES):
        return "text", None
    if lower.endswith(JSONL_SUFFIXES):
        if lower.endswith(".gz"):
            return "jsonl", "gzip"
        if lower.endswith((".zst", ".zstd")):
            return "jsonl", "zstd"
        return "jsonl", None
    return None


def resolve_inputs(inputs: list[str] | str) -> list[InputFile]:
    """Expand files, folders (recursively) and globs into a sorted, de-duplicated file list."""
    if isinstance(inputs, str | os.PathLike):
        inputs = [str(inputs)]
    if not inputs:
        raise InputError("no input given: pass --input FILE|FOLDER|GLOB (several allowed)")
    found: dict[str, tuple[str, str, str | None]] = {}  # real path -> (path, format, compression)
    for arg in inputs:
        arg = str(arg)
        if any(ch in arg for ch in "*?["):
            matches = sorted(glob.glob(arg, recursive=True))
            files = [(m, file_format(m)) for m in matches if os.path.isfile(m) and file_format(m)]
            if not files:
                raise InputError(f"input glob {arg!r} matches no supported file ({_supported()})")
        elif os.path.isdir(arg):
            files = _walk(arg)
            if not files:
                raise InputError(f"input folder {arg!r} holds no supported file ({_supported()})")
        elif os.path.exists(arg):
            if not file_format(arg):
                raise InputError(f"input {arg!r}: unsupported file type; supported: {_supported()}")
            files = [(arg, file_format(arg))]
        else:
            raise InputError(f"input not found: {arg!r}")
        for f, (fmt, comp) in files:  # type: ignore[misc]
            # a file reached twice (a symlink, a loop under `**`) is read once, by its first path
            found.setdefault(os.path.realpath(f), (os.path.abspath(f), fmt, comp))
    entries = sorted(found.values())
    root = os.path.commonpath([os.path.dirname(p) for p, _, _ in entries])
    result = []
    for p, fmt, comp in entries:
        try:
            size = os.path.getsize(p) if fmt != UNREADABLE else 0
        except OSError:
            size = 0
        result.append(InputFile(p, os.path.relpath(p, root), size, fmt, comp))
    return result


#: The format of a folder that could not be listed: its reader gives one `unreadable_file` row.
UNREADABLE = "unreadable"


def _walk(top: str) -> list[tuple[str, tuple[str, str | None]]]:
    """The supported files under `top` (symlinks followed, each folder once: a symlink loop
    ends), and the folders that could not be listed, as `UNREADABLE` entries (never a
    silent skip)."""
    out: list[tuple[str, tuple[str, str | None]]] = []
    seen: set[tuple[int, int]] = set()

    def unreadable(e: OSError) -> None:
        out.append((e.filename or top, (UNREADABLE, None)))

    for folder, dirs, names in os.walk(top, onerror=unreadable, followlinks=True):
        try:
            st = os.stat(folder)
        except OSError as e:
            unreadable(e)
            dirs[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs.sort()
        for n in sorted(names):
            p = Path(folder, n)
            fmt = file_format(n)
            if (fmt and not n.startswith(".") and not n.lower().endswith(TEXT_SUFFIXES)
                    and p.is_file() and not _is_sidecar(p)):
                out.append((str(p), fmt))
    return out


def _is_sidecar(path: Path) -> bool:
    """`page.json` / `page.html.json` next to a saved page describe it; they are not input."""
    if path.suffix.lower() != ".json":
        return False
    stem = path.with_suffix("")
    if stem.suffix.lower() in HTML_SUFFIXES:
        return stem.is_file()
    return any(stem.with_suffix(ext).is_file() for ext in HTML_SUFFIXES)


def checksum(path: str) -> str:
    """BLAKE2b-128 of a file's bytes ('unreadable' when it cannot be read)."""
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as e:
        return f"unreadable: {e.strerror}"
    return h.hexdigest()


def plan_shards(files: list[InputFile], shard_bytes: int = SHARD_BYTES) -> list[Shard]:
    """Cut files into shards. Deterministic: depends only on file contents and `shard_bytes`."""
    shards: list[Shard] = []
    for f in files:
        try:
            planned = _plan_file(f, shard_bytes, len(shards))
        except OSError:  # cannot be read: one shard, whose reader quarantines the file
            planned = [Shard(len(shards), f)]
        shards.extend(planned)
    return shards


def _plan_file(f: InputFile, shard_bytes: int, first: int) -> list[Shard]:
    """The shards of one file, numbered from `first`."""
    if f.format == "jsonl" and f.compression is None and f.size > shard_bytes:
        return [Shard(first + i, f, start, end, first_line=line)
                for i, (start, end, line) in enumerate(_split_plain(f.path, f.size, shard_bytes))]
    if f.format == "parquet":
        return [Shard(first + i, f, start, end, first_row=row)  # type: ignore[arg-type]
                for i, (start, end, row) in enumerate(_split_parquet(f.path, shard_bytes))]
    if f.format == "warc" and f.size > shard_bytes:
        from .warc import split_points

        cuts = [0, *split_points(f.path, f.size, shard_bytes)]
        return [Shard(first + i, f, start, cuts[i + 1] if i + 1 < len(cuts) else None)
                for i, start in enumerate(cuts)]
    return [Shard(first, f)]


def _split_plain(path: str, size: int, shard_bytes: int) -> list[tuple[int, int, int]]:
    """Byte ranges ending at line boundaries, each with the number of its first line."""
    cuts = [0]
    with open(path, "rb") as f:
        target = shard_bytes
        while target < size:
            f.seek(target)
            f.readline()  # move to the next line start
            pos = f.tell()
            if pos >= size:
                break
            if pos > cuts[-1]:
                cuts.append(pos)
            target = pos + shard_bytes
        ranges = []
        line = 1
        f.seek(0)
        cr_before = False  # the previous chunk ended with CR (a CRLF cut in two)
        for i, start in enumerate(cuts):
            end = cuts[i + 1] if i + 1 < len(cuts) else size
            ranges.append((start, end, line))
            remaining = end - start
            while remaining > 0:  # count line ends in this range for the next start line
                chunk = f.read(min(remaining, 1 << 22))
                if not chunk:
                    break
                # LF, and lone CRs (the reader reads them as line ends too)
                line += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
                if cr_before and chunk.startswith(b"\n"):
                    line -= 1
                cr_before = chunk.endswith(b"\r")
                remaining -= len(chunk)
    return ranges


def _split_parquet(path: str, shard_bytes: int) -> list[tuple[int | None, int | None, int]]:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # noqa: BLE001 - an unreadable file is one shard; the reader quarantines it
        return [(0, None, 0)]
    ranges: list[tuple[int | None, int | None, int]] = []
    start, acc, row, first_row = 0, 0, 0, 0
    for i in range(meta.num_row_groups):
        rg = meta.row_group(i)
        acc += rg.total_byte_size
        row += rg.num_rows
        if acc >= shard_bytes:
            ranges.append((start, i + 1, first_row))
            start, acc, first_row = i + 1, 0, row
    if start < meta.num_row_groups or not ranges:
        ranges.append((start, meta.num_row_groups, first_row))
    return ranges


def _supported() -> str:
    return ", ".join(SUPPORTED)
