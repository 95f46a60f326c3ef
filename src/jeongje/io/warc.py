"""WARC framing with damage detection; warcio parses each record.

warcio parses a record's WARC and HTTP headers and undoes chunked transfer and content
encodings, but a record cut short comes out of it as a shorter record without an error
(measured: a gzip member missing its last 20 bytes gave a 35-byte payload, even with
digest checking on). So this module frames the file itself and hands warcio only whole
records:

* gzip per record (the usual `.warc.gz`): members are decompressed one by one; a corrupt
  or truncated member is reported with its compressed offset, and reading resumes at the
  next gzip member that starts a WARC record;
* gzip over the whole file: one stream; damage ends the file (deflate cannot resync), and
  the error names the decompressed offset;
* uncompressed: records are cut by `Content-Length` and must end with CRLF CRLF; a record
  that does not is reported and reading resumes at the next `WARC/1.` line.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 1 << 20
Progress = Callable[[int], None]
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_START = b"WARC/"  # WARC/1.0, 1.1, and the 0.17/0.18 drafts warcio also reads


@dataclass(frozen=True, slots=True)
class RawRecord:
    offset: int  # byte offset in the file (compressed offset for gzip-per-record files)
    data: bytes  # the whole record: WARC headers, blank line, block


@dataclass(frozen=True, slots=True)
class Damage:
    offset: int
    error: str


@dataclass(frozen=True, slots=True)
class Oversized:
    offset: int
    length: int


Framed = RawRecord | Damage | Oversized


def frame(path: str, max_record_bytes: int, progress: Progress | None = None,
          start: int = 0, end: int | None = None) -> Iterator[Framed]:
    """Every record of the WARC file at `path` that starts in [start, end), in order, or
    what went wrong where. `start` must be a record (or gzip member) start."""
    stop = end if end is not None else 1 << 62
    with open(path, "rb") as f:
        head = f.read(3)
        f.seek(start)
        if head == _GZIP_MAGIC:
            yield from _gzip_file(f, max_record_bytes, progress, start, stop)
        else:
            yield from _plain(f, max_record_bytes, progress, resync=True, pos0=start, stop=stop)


def split_points(path: str, size: int, shard_bytes: int) -> list[int]:
    """Offsets (after 0) where a shard of this WARC file may start: a gzip member or an
    uncompressed record that starts a WARC record, about every `shard_bytes`. A whole-file
    gzip has none (deflate cannot be entered in the middle)."""
    cuts: list[int] = []
    with open(path, "rb") as f:
        gz = f.read(3) == _GZIP_MAGIC
        target = shard_bytes
        while target < size:
            at = _next_member(f, target) if gz else _skip_to_record(f, target)
            if at < 0 or at >= size:
                break
            if not cuts or at > cuts[-1]:
                cuts.append(at)
            target = at + shard_bytes
    return cuts



def _plain(stream: BinaryIO, limit: int, progress: Progress | None, resync: bool,
           pos0: int = 0, stop: int = 1 << 62) -> Iterator[Framed]:
    """Records of an uncompressed WARC stream (positioned at `pos0`) that start before
    `stop`; offsets are stream positions."""
    pos = pos0
    last_reported = pos0
    while pos < stop:
        line = stream.readline(4096)
        if not line:
            return
        if not line.strip():
            pos += len(line)
            continue
        start = pos
        at = start
        if not line.startswith(_WARC_START):
            problem, resume = f"expected a WARC record at byte {at}, found {line[:40]!r}", start + len(line)
        else:
            headers = _read_headers(stream, line)
            if headers is None:
                yield Damage(at, f"WARC record at byte {at} ends inside its headers")
                return
            header_bytes, length = headers
            resume = start + len(header_bytes)
            if length is None or length < 0:
                problem = f"WARC record at byte {at} has no valid Content-Length"
            elif length > limit:
                skipped = _skip(stream, length)
                trailer = stream.read(4)
                if skipped == length:
                    yield Oversized(at, length)
                    pos = resume + skipped + len(trailer)
                    continue
                # one row for the record (never too_large and corrupt_record at one place)
                problem = f"WARC record at byte {at} is truncated: {skipped} of {length} block bytes"
            else:
                block = stream.read(length)
                trailer = stream.read(4)
                if len(block) < length:
                    problem = (f"WARC record at byte {at} is truncated: {len(block)} of "
                               f"{length} block bytes")
                elif trailer == b"\r\n\r\n":
                    yield RawRecord(at, header_bytes + block)
                    pos = resume + len(block) + len(trailer)
                    if progress is not None:
                        progress(pos - last_reported)
                        last_reported = pos
                    continue
                else:
                    problem = (f"WARC record at byte {at} does not end where its Content-Length "
                               f"({length}) says (found {trailer!r}); the length is wrong or the "
                               "record is damaged")
        yield Damage(at, problem)
        if not resync:
            return
        # the next record may start on the very next line (the search is for "\nWARC/")
        pos = _skip_to_record(stream, resume - 1)
        if pos < 0:
            return


def _read_headers(stream: BinaryIO, first: bytes) -> tuple[bytes, int | None] | None:
    """The header block (through its blank line) and Content-Length; None at end of file."""
    header = [first]
    length = None
    while True:
        h = stream.readline(65536)
        if not h:
            return None
        header.append(h)
        if h in (b"\r\n", b"\n"):
            return b"".join(header), length
        name, _, value = h.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                length = None


def _looks_like_record(f: BinaryIO, pos: int) -> bool:
    f.seek(pos)
    head = f.read(8192)
    headers = head.split(b"\r\n\r\n", 1)[0]
    # a Content-Length is all a record needs to be framed (one without a WARC-Record-ID
    # gets FILE@OFFSET as id); a version digit after "WARC/" tells it from prose
    return head.startswith(_WARC_START) and head[5:6].isdigit() and b"\ncontent-length:" in headers.lower()


def _skip(stream: BinaryIO, n: int) -> int:
    done = 0
    while done < n:
        part = stream.read(min(CHUNK, n - done))
        if not part:
            break
        done += len(part)
    return done


def _skip_to_record(stream: BinaryIO, pos: int) -> int:
    """Seek to the next record start after `pos` (a line starting with `WARC/1.` followed
    by WARC headers, not one quoted inside a payload); return it or -1."""
    return _find_verified(stream, pos, b"\n" + _WARC_START, 1, _looks_like_record)


def _gzip_file(f: BinaryIO, limit: int, progress: Progress | None, start: int = 0,
               stop: int = 1 << 62) -> Iterator[Framed]:
    """Per-member reading; falls back to one stream when a member holds more than records
    of at most `limit` bytes could explain (a whole-file gzip). A damaged member gives up
    the whole records decompressed before the damage, then one Damage."""
    pos = start
    cap = 2 * limit + (1 << 20)
    while pos < stop:
        f.seek(pos)
        member = _read_member(f, cap)
        if member is None:
            return
        data, length, error = member
        if error == "too_big":
            if pos == 0:
                yield from _whole_gzip(f, limit)
                return
            yield Damage(pos, f"gzip member at byte {pos} decompresses to more than {cap} bytes")
        else:
            records = [r for r in _plain(io.BytesIO(data), limit, None, resync=False)
                       if not (error and isinstance(r, Damage))]
            single = len(records) == 1
            for item in records:
                at = pos if single else item.offset  # several records: decompressed offsets
                if isinstance(item, RawRecord):
                    yield RawRecord(at, item.data)
                elif isinstance(item, Oversized):
                    yield Oversized(at, item.length)
                else:
                    yield Damage(at, f"gzip member at byte {pos}: {item.error}")
            if error:
                # after a whole record: the decompressed end, so the damage has its own place
                where = pos if len(data) == 0 or not records else len(data)
                yield Damage(where, f"gzip member at byte {pos} is {error}"
                             + ("" if where == pos else f" after decompressed byte {where}"))
            else:
                if progress is not None:
                    progress(length)
                pos += length
                continue
        nxt = _next_member(f, pos + 1)
        if progress is not None:
            progress((nxt if nxt >= 0 else _size(f)) - pos)
        if nxt < 0:
            return
        pos = nxt


def _read_member(f: BinaryIO, cap: int) -> tuple[bytes, int, str] | None:
    """(decompressed bytes, compressed length, error) of the member at the file position."""
    d = zlib.decompressobj(31)
    out: list[bytes] = []
    size = 0
    fed = 0
    first = True
    while not d.eof:
        chunk = f.read(1 << 16)
        if not chunk:
            if first:
                return None
            return b"".join(out), fed, "truncated (the file ends inside it)"
        first = False
        fed += len(chunk)
        try:
            part = d.decompress(chunk, cap + 1 - size)
        except zlib.error as e:
            return b"".join(out), fed, f"corrupt ({e})"
        out.append(part)
        size += len(part)
        while d.unconsumed_tail and size <= cap:
            try:
                part = d.decompress(d.unconsumed_tail, cap + 1 - size)
            except zlib.error as e:
                return b"".join(out), fed, f"corrupt ({e})"
            out.append(part)
            size += len(part)
        if size > cap:
            return b"", fed, "too_big"
    return b"".join(out), fed - len(d.unused_data), ""


def _next_member(f: BinaryIO, pos: int) -> int:
    """The next offset >= pos where a gzip member that starts a WARC record begins, or -1."""
    return _find_verified(f, pos, _GZIP_MAGIC, 0, _starts_record)


def _find_verified(f: BinaryIO, pos: int, needle: bytes, skip: int,
                   verify: Callable[[BinaryIO, int], bool]) -> int:
    """The first offset >= pos where `needle` occurs (plus `skip`) and `verify(f, offset)`
    holds; the file is left there. -1 when there is none."""
    at = pos
    carry = b""
    while True:
        f.seek(at)
        chunk = f.read(CHUNK)
        if not chunk:
            return -1
        data = carry + chunk
        base = at - len(carry)
        i = data.find(needle)
        while i >= 0:
            if verify(f, base + i + skip):
                f.seek(base + i + skip)
                return base + i + skip
            i = data.find(needle, i + 1)
        carry = data[-(len(needle) - 1):]
        at += len(chunk)


def _starts_record(f: BinaryIO, pos: int) -> bool:
    here = f.tell()
    f.seek(pos)
    try:
        head = zlib.decompressobj(31).decompress(f.read(4096), 16)
    except zlib.error:
        head = b""
    finally:
        f.seek(here)
    return head.startswith(_WARC_START)


def _whole_gzip(f: BinaryIO, limit: int) -> Iterator[Framed]:
    f.seek(0)
    stream = gzip.GzipFile(fileobj=f, mode="rb")
    reader = io.BufferedReader(_Guarded(stream), buffer_size=CHUNK)  # type: ignore[arg-type]
    try:
        for item in _plain(reader, limit, None, resync=False):
            if isinstance(item, Damage):
                item = Damage(item.offset, f"{item.error} (offsets are in the decompressed stream "
                              "of a whole-file gzip)")
            yield item
    except _StreamError as e:
        yield Damage(e.offset, f"the gzip stream is damaged at decompressed byte {e.offset} "
                     f"({e.cause}); the rest of the file cannot be read", True)


class _StreamError(Exception):
    def __init__(self, offset: int, cause: str) -> None:
        super().__init__(cause)
        self.offset, self.cause = offset, cause


class _Guarded(io.RawIOBase):
    """A raw stream that turns decompression errors into _StreamError with the position."""

    def __init__(self, inner: gzip.GzipFile) -> None:
        self.inner = inner
        self.pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        try:
            data = self.inner.read(len(b))
        except (EOFError, zlib.error, OSError) as e:
            raise _StreamError(self.pos, f"{type(e).__name__}: {e}") from e
        n = len(data)
        b[:n] = data
        self.pos += n
        return n


def _size(f: BinaryIO) -> int:
    here = f.tell()
    f.seek(0, io.SEEK_END)
    size = f.tell()
    f.seek(here)
    return size
