"""Readers: turn a shard into `Document`s, and every unreadable record into a `Quarantine`.

A reader never raises on bad data. Invalid JSON, non-UTF-8 bytes, a missing or non-string
text field, an oversized record, a truncated compressed stream and an unreadable file each
become one quarantine row naming the file, the line/row and the error; reading goes on
with the next record where the format allows it.
"""

from __future__ import annotations

import gzip
import io
import json
import os
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

def _open_jsonl(shard: Shard) -> tuple[BinaryIO, BinaryIO]:
    """Return (decompressed stream, raw file) positioned at the shard start."""
    raw = open(shard.file.path, "rb")  # noqa: SIM115 - closed by the caller
    if shard.file.compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    if shard.file.compression == "zstd":
        return io.BufferedReader(_ZstdStream(raw), buffer_size=1 << 20), raw
    raw.seek(shard.start)
    return raw, raw


class _ZstdStream(io.RawIOBase):
    """Decompresses concatenated zstd frames and raises EOFError when the input ends inside
    a frame (zstandard's stream_reader ends silently there, which would lose data unseen)."""

    def __init__(self, raw: BinaryIO) -> None:
        import zstandard

        self._zstd = zstandard
        self._raw = raw
        self._dobj = zstandard.ZstdDecompressor().decompressobj()
        self._buffer = b""
        self._in_frame = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buffer:
            chunk = self._raw.read(1 << 18)
            if not chunk:
                if self._in_frame:
                    raise EOFError("zstd stream ended inside a frame")
                return 0
            self._feed(chunk)
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def _feed(self, chunk: bytes) -> None:
        while chunk:
            self._in_frame = True
            self._buffer += self._dobj.decompress(chunk)
            if not self._dobj.eof:
                return
            self._in_frame = False
            chunk = self._dobj.unused_data
            self._dobj = self._zstd.ZstdDecompressor().decompressobj()


def _read_jsonl(shard: Shard, fields: FieldMap, progress: Progress | None
                ) -> Iterator[Document | Quarantine]:
    name = shard.file.name
    try:
        stream, raw = _open_jsonl(shard)
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
            except Exception as e:  # noqa: BLE001 - gzip, zlib and zstandard raise different types
                yield Quarantine(
                    id=Source(name, line=line_no).derived_id(), source=Source(name, line=line_no, offset=offset),
                    error=f"truncated or corrupt compressed stream after line {line_no - 1} "
                          f"(decompressed byte {offset}): {_err(e)}",
                    reason="truncated_stream", detail={"offset": offset},
                )
                return
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
