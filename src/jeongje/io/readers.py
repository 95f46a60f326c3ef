"""Readers: turn a shard into `Document`s, and every unreadable record into a `Quarantine`.

A reader never raises on bad data. Invalid JSON, non-UTF-8 bytes, a missing or non-string
text field, an oversized record, a truncated compressed stream and an unreadable file each
become one quarantine row naming the file, the line/row and the error; reading goes on
with the next record where the format allows it.
"""

from __future__ import annotations

import io
import json
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from ..record import Document, Quarantine, Source
from ..web.charset import decode
from ..web.signals import SitePolicies
from .inputs import UNREADABLE, InputFile, Shard
from .jsonvalue import BadJson, loads
from .web import Skipped, read_html_file, read_text_file, read_warc

#: Records larger than this (bytes) are quarantined as `too_large` instead of processed.
MAX_RECORD_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FieldMap:
    """How to read inputs: which fields hold the text and the id (every other field becomes
    metadata), the record size limit, the encoding of text inputs ("utf-8", a codec name,
    or "auto" for detection; see web/charset.py), and folders of per-host robots.txt and
    tdmrep.json files for web inputs (the first folder holding a host's file wins)."""

    text: str = "text"
    id: str | None = "id"
    max_record_bytes: int = MAX_RECORD_BYTES
    encoding: str = "utf-8"
    site_policies: tuple[str, ...] = ()


Progress = Callable[[int], None]  # called with the input bytes consumed since the last call


def read_shard(shard: Shard, fields: FieldMap, progress: Progress | None = None
               ) -> Iterator[Document | Quarantine | Skipped]:
    """Yield every record of `shard`, as a Document, a Quarantine or (web inputs) a
    Skipped record that is not a document, in input order."""
    fmt = shard.file.format
    if fmt == UNREADABLE:
        yield _unreadable_folder(shard.file)
    elif fmt == "parquet":
        yield from _read_parquet(shard, fields, progress)
    elif fmt == "warc":
        yield from read_warc(shard, fields.max_record_bytes, SitePolicies(fields.site_policies),
                             progress)
    elif fmt == "html":
        yield from read_html_file(shard, fields.max_record_bytes, SitePolicies(fields.site_policies),
                                  "auto", progress)
    elif fmt == "text":
        yield from read_text_file(shard, fields.max_record_bytes, fields.encoding, progress)
    else:
        yield from _read_jsonl(shard, fields, progress)


# --------------------------------------------------------------------------- JSONL

def _open_jsonl(shard: Shard) -> tuple[BinaryIO, BinaryIO, _Members | None]:
    """Return (decompressed stream, raw file, the decompressor or None) at the shard start."""
    raw = open(shard.file.path, "rb")  # noqa: SIM115 - closed by the caller
    if shard.file.compression in ("gzip", "zstd"):
        members = _Members(raw, shard.file.compression)
        return io.BufferedReader(members, buffer_size=1 << 20), raw, members
    raw.seek(shard.start)
    return raw, raw, None


class StreamDamage(Exception):
    """A gzip member or zstd frame that cannot be decompressed; `resumed` when reading goes
    on at the next intact member/frame."""

    def __init__(self, message: str, resumed: bool) -> None:
        super().__init__(message)
        self.resumed = resumed


_MAGIC = {"gzip": b"\x1f\x8b\x08", "zstd": b"\x28\xb5\x2f\xfd"}


class _Members(io.RawIOBase):
    """Decompresses concatenated gzip members or zstd frames. Damage (a corrupt member, a
    stream that ends inside one: zstandard's stream_reader would end silently there) raises
    StreamDamage once, after moving to the next place where a member/frame starts and
    decompresses, as WARC input does; what decompressed before the damage is read first."""

    def __init__(self, raw: BinaryIO, kind: str) -> None:
        self._raw, self._kind = raw, kind
        self._buffer = b""
        self._start = raw.tell()  # raw offset where the current member/frame starts
        self._dobj = self._new()
        self._in_member = False
        self._pending: StreamDamage | None = None
        self._ended = False

    def _new(self) -> Any:
        if self._kind == "gzip":
            return zlib.decompressobj(31)
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj()

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Left open: after damage the reader wraps a fresh buffer around it (and a dropped
        buffer would close it); the raw file is closed by the reader."""

    def readinto(self, b: Any) -> int:
        while not self._buffer:
            if self._pending is not None:
                damage, self._pending = self._pending, None
                raise damage
            if self._ended:
                return 0
            chunk_at = self._raw.tell()
            chunk = self._raw.read(1 << 18)
            if not chunk:
                self._ended = True
                if self._in_member:
                    self._damaged(f"the {self._kind} stream ends inside a member/frame")
                continue
            self._feed(chunk, chunk_at)
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def _feed(self, chunk: bytes, at: int) -> None:
        while chunk:
            self._in_member = True
            try:
                self._buffer += self._dobj.decompress(chunk)
            except Exception as e:  # noqa: BLE001 - zlib.error, zstandard.ZstdError
                self._damaged(f"{type(e).__name__}: {e}")
                return
            if not self._dobj.eof:
                return
            self._in_member = False
            rest = self._dobj.unused_data
            at += len(chunk) - len(rest)
            chunk = rest
            self._start = at
            self._dobj = self._new()
            if chunk and not _MAGIC[self._kind].startswith(chunk[:3]) and not chunk.startswith(_MAGIC[self._kind]):
                if not chunk.strip(b"\0"):
                    return  # zero padding after the last member
                self._damaged(f"bytes after {self._kind} data at byte {at} are not a {self._kind} member/frame")
                return

    def _damaged(self, error: str) -> None:
        """Note the damage and move to the next member/frame start after the damaged one."""
        nxt = self._next_start(self._start + 1)
        self._in_member = False
        self._dobj = self._new()
        if nxt < 0:
            self._ended = True
            self._pending = StreamDamage(f"{error} (member/frame at byte {self._start}; nothing intact after it)",
                                         resumed=False)
            return
        self._pending = StreamDamage(f"{error} (member/frame at byte {self._start}; reading resumed at the "
                                     f"next intact one, byte {nxt})", resumed=True)
        self._raw.seek(nxt)
        self._start = nxt
        self._ended = False

    def _next_start(self, pos: int) -> int:
        """The first offset >= pos where a member/frame starts and its first bytes decompress."""
        magic = _MAGIC[self._kind]
        while True:
            self._raw.seek(pos)
            block = self._raw.read(1 << 20)
            if len(block) < len(magic):
                return -1
            i = block.find(magic)
            while i >= 0:
                if self._decompresses(pos + i):
                    return pos + i
                i = block.find(magic, i + 1)
            pos += len(block) - len(magic) + 1

    def _decompresses(self, pos: int) -> bool:
        self._raw.seek(pos)
        try:
            self._new().decompress(self._raw.read(1 << 16))
        except Exception:  # noqa: BLE001
            return False
        return True


def _read_jsonl(shard: Shard, fields: FieldMap, progress: Progress | None
                ) -> Iterator[Document | Quarantine]:
    name = shard.file.name
    try:
        stream, raw, members = _open_jsonl(shard)
    except OSError as e:
        yield _unreadable(name, e)
        return
    limit = fields.max_record_bytes
    end = shard.end
    line_no = shard.first_line
    offset = shard.start if shard.file.compression is None else 0
    last_raw = raw.tell()
    try:
        while end is None or offset < end:
            try:
                line = stream.readline(limit + 1)
            except Exception as e:  # noqa: BLE001 - zlib and zstandard raise different types
                yield Quarantine(
                    id=Source(name, line=line_no).derived_id(), source=Source(name, line=line_no, offset=offset),
                    error=f"truncated or corrupt compressed stream after line {line_no - 1} "
                          f"(decompressed byte {offset}): {_err(e)}",
                    reason="truncated_stream", detail={"offset": offset},
                )
                if not (isinstance(e, StreamDamage) and e.resumed and members is not None):
                    return
                # the lines of the next intact member/frame; the line cut by the damage is
                # part of this row, line numbers go on from here
                stream = io.BufferedReader(members, buffer_size=1 << 20)
                line_no += 1
                continue
            if not line:
                break
            size = len(line)
            if size > limit and not line.endswith(b"\n"):
                size += _skip_rest_of_line(stream, limit)
                yield Quarantine(
                    id=Source(name, line=line_no).derived_id(), source=Source(name, line=line_no, offset=offset),
                    error=f"record larger than the limit of {limit} bytes ({size} bytes); "
                          "raise --max-record-bytes to process it",
                    reason="too_large", detail={"bytes": size, "limit": limit}, bytes_in=size,
                )
            elif b"\r" in line and line.count(b"\r") > line.count(b"\r\n"):
                # lone CRs (old Mac line ends) end lines too; plan_shards counts them alike
                at = offset
                pieces = line.splitlines(keepends=True)
                for k, piece in enumerate(pieces):
                    if piece.strip():
                        yield _parse_line(piece, name, line_no + k, at, fields)
                    at += len(piece)
                line_no += len(pieces) - 1
            elif line.strip():
                yield _parse_line(line, name, line_no, offset, fields)
            offset += size
            line_no += 1
            if progress is not None:
                pos = raw.tell()
                if pos != last_raw:
                    progress(pos - last_raw)
                    last_raw = pos
    finally:
        stream.close()
        raw.close()


def _skip_rest_of_line(stream: BinaryIO, chunk: int) -> int:
    skipped = 0
    while True:
        part = stream.readline(chunk)
        skipped += len(part)
        if not part or part.endswith(b"\n"):
            return skipped


def _parse_line(line: bytes, name: str, line_no: int, offset: int, fields: FieldMap
                ) -> Document | Quarantine:
    source = Source(name, line=line_no, offset=offset)
    size = len(line)
    try:
        decoded = line.decode("utf-8") if fields.encoding in ("utf-8", "utf8") \
            else _decode_line(line, fields.encoding)
    except UnicodeDecodeError as e:
        return Quarantine(
            id=source.derived_id(), source=source, reason="decode_error", bytes_in=size,
            error=f"bytes that are not UTF-8 at byte {offset + e.start} "
                  f"({line[e.start:e.start + 4]!r}): {e.reason}",
            detail={"byte": offset + e.start},
        )
    if decoded.startswith("\ufeff"):
        decoded = decoded[1:]  # a byte order mark (Windows-exported files often start with one)
    try:
        obj = loads(decoded)
    except json.JSONDecodeError as e:
        return Quarantine(
            id=source.derived_id(), source=source, reason="invalid_json", bytes_in=size,
            error=f"invalid JSON at column {e.colno}: {e.msg}", detail={"column": e.colno},
        )
    except BadJson as e:
        return Quarantine(id=source.derived_id(), source=source, reason=e.reason, bytes_in=size,
                          error=str(e), detail=e.detail)
    return _to_document(obj, source, fields, size)


def _decode_line(line: bytes, encoding: str) -> str:
    result = decode(line, encoding=encoding)
    if result.lossy:
        raise UnicodeDecodeError(result.encoding, line, 0, len(line),
                                 f"no encoding decodes the line cleanly (tried {result.encoding})")
    return result.text


def _to_document(obj: Any, source: Source, fields: FieldMap, size: int) -> Document | Quarantine:
    if not isinstance(obj, dict):
        return Quarantine(source.derived_id(), source, reason="invalid_record", bytes_in=size,
                          error=f"record is a JSON {type(obj).__name__}, not an object")
    doc_id = obj.get(fields.id) if fields.id else None
    if doc_id is None or doc_id == "":
        doc_id = source.derived_id()
    elif isinstance(doc_id, int | str) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    else:
        return Quarantine(source.derived_id(), source, reason="invalid_id", bytes_in=size,
                          error=f"id field {fields.id!r} is a {type(doc_id).__name__}, "
                                "not a string or integer")
    if fields.text not in obj:
        present = ", ".join(sorted(obj)[:12])
        return Quarantine(doc_id, source, reason="missing_text", bytes_in=size,
                          error=f"no text field {fields.text!r} (fields: {present}); "
                                "choose another with --text-field")
    text = obj[fields.text]
    if not isinstance(text, str):
        return Quarantine(doc_id, source, reason="invalid_text", bytes_in=size,
                          error=f"text field {fields.text!r} is {type(text).__name__}, not a string")
    metadata = {k: v for k, v in obj.items() if k != fields.text and k != fields.id}
    return Document(id=doc_id, text=text, source=source, metadata=metadata,
                    bytes_in=len(text.encode("utf-8", "surrogatepass")))


# --------------------------------------------------------------------------- Parquet

def _read_parquet(shard: Shard, fields: FieldMap, progress: Progress | None
                  ) -> Iterator[Document | Quarantine]:
    import pyarrow.parquet as pq

    name = shard.file.name
    try:
        pf = pq.ParquetFile(shard.file.path)
        n_groups = pf.metadata.num_row_groups
    except Exception as e:  # noqa: BLE001 - pyarrow raises several types for damaged files
        yield _unreadable(name, e)
        return
    end = n_groups if shard.end is None else shard.end
    row = shard.first_row
    for group in range(shard.start, end):
        n_rows = pf.metadata.row_group(group).num_rows
        try:
            table = pf.read_row_group(group)
        except Exception as e:  # noqa: BLE001
            source = Source(name, row=row)
            yield Quarantine(
                id=f"{name}:rowgroup{group}", source=source, reason="unreadable_row_group",
                error=f"row group {group} (rows {row}..{row + n_rows - 1}) cannot be read: {_err(e)}",
                detail={"row_group": group, "rows": n_rows},
            )
            row += n_rows
            continue
        for record in _rows(table):
            source = Source(name, row=row)
            yield (_to_document(record, source, fields, 0) if not isinstance(record, Exception)
                   else Quarantine(source.derived_id(), source, reason="decode_error",
                                   error=f"row {row} cannot be read as text: {_err(record)}"))
            row += 1
        if progress is not None:
            progress(pf.metadata.row_group(group).total_byte_size)


def _rows(table: Any) -> list[Any]:
    """A row group's rows as dicts; a row whose strings are not valid UTF-8 (pyarrow does not
    check when it reads) is the exception it raised, the others are read."""
    try:
        return table.to_pylist()  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - UnicodeDecodeError, or ArrowException on damaged pages
        pass
    rows: list[Any] = []
    for i in range(table.num_rows):
        try:
            rows.append(table.slice(i, 1).to_pylist()[0])
        except Exception as e:  # noqa: BLE001
            rows.append(e)
    return rows


def _unreadable_folder(f: InputFile) -> Quarantine:
    try:
        os.listdir(f.path)
        error = "the folder could not be listed when the run was planned"
    except OSError as e:
        error = f"cannot list folder: {_err(e)}"
    return Quarantine(id=f.name, source=Source(f.name), reason="unreadable_file", error=error)


def _unreadable(name: str, e: BaseException) -> Quarantine:
    return Quarantine(id=name, source=Source(name), reason="unreadable_file",
                      error=f"cannot read file: {_err(e)}")


def _err(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"
