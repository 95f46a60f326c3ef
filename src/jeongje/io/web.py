"""Readers for crawls and pages: WARC files, saved HTML pages, plain-text files.

A WARC `response` (or `resource`) record whose payload is HTML becomes a Document whose
text is the decoded page and whose metadata says `format: html`; the `extract.html` stage
turns it into main text. Records that are not documents (warcinfo, request, metadata,
revisit, non-HTML payloads, non-2xx responses) are `Skipped` and counted in the manifest.
A damaged record is a quarantine row with the file, the offset and the error, and reading
goes on with the next record.

Charset: the HTTP header, then `<meta>`, then Korean-first detection (web/charset.py).
Rights signals: HTTP headers (`X-Robots-Tag`, `tdm-reservation`, `tdm-policy`,
`Content-Usage`) and the host's robots.txt / tdmrep.json from the site-policy folders
(web/signals.py) go to `metadata["rights_signals"]`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..record import Document, Quarantine, Source
from ..web.charset import charset_from_content_type, decode
from ..web.signals import SitePolicies, header_signals
from .inputs import Shard
from .jsonvalue import loads
from .warc import Damage, Oversized, RawRecord, frame

HTML_TYPES = ("text/html", "application/xhtml+xml")
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record that is not a document (counted per kind in the manifest, never a ledger row)."""

    kind: str


def read_warc(shard: Shard, limit: int, policies: SitePolicies, progress: Progress | None
              ) -> Iterator[Document | Quarantine | Skipped]:
    name = shard.file.name
    try:
        for item in frame(shard.file.path, limit, progress, shard.start, shard.end):
            if isinstance(item, Damage):
                source = Source(name, offset=item.offset)
                yield Quarantine(f"{name}@{item.offset}", source, reason="corrupt_record",
                                 error=item.error, detail={"offset": item.offset})
            elif isinstance(item, Oversized):
                source = Source(name, offset=item.offset)
                yield Quarantine(f"{name}@{item.offset}", source, reason="too_large",
                                 error=f"WARC record larger than the limit of {limit} bytes "
                                       f"({item.length} bytes); raise --max-record-bytes to process it",
                                 detail={"bytes": item.length, "limit": limit}, bytes_in=item.length)
            else:
                yield _record(item, name, policies)
    except OSError as e:
        yield Quarantine(name, Source(name), reason="unreadable_file",
                         error=f"cannot read file: {type(e).__name__}: {e}")


def _parse(raw: RawRecord) -> Any:
    """warcio's record for one framed record (headers parsed, payload still to read)."""
    from warcio.archiveiterator import ArchiveIterator

    return next(iter(ArchiveIterator(io.BytesIO(raw.data), ensure_http_headers=False)))


def _record(raw: RawRecord, name: str, policies: SitePolicies) -> Document | Quarantine | Skipped:
    source = Source(name, offset=raw.offset)
    try:
        record = _parse(raw)
        kind = record.rec_type
        if kind not in ("response", "resource"):
            return Skipped(kind or "unknown")
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        headers: dict[str, str] = {}
        status = 200
        if record.http_headers is not None and kind == "response":
            headers = {k: v for k, v in record.http_headers.headers}
            status = int(record.http_headers.get_statuscode() or 0)
        content_type = (_get(headers, "content-type") if kind == "response"
                        else record.rec_headers.get_header("Content-Type")) or ""
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime not in HTML_TYPES:
            return Skipped("non_html")
        if not 200 <= status < 300:
            return Skipped(f"http_{status // 100}xx")
        payload = record.content_stream().read()
    except Exception as e:  # noqa: BLE001 - warcio raises many types on damaged input
        return Quarantine(f"{name}@{raw.offset}", source, reason="corrupt_record",
                          error=f"WARC record at byte {raw.offset} cannot be parsed: "
                                f"{type(e).__name__}: {e}", detail={"offset": raw.offset})
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>")
    metadata: dict[str, Any] = {"url": uri, "warc_date": record.rec_headers.get_header("WARC-Date"),
                                "warc_record_id": record_id or None, "http_status": status,
                                "content_type": content_type}
    return _page(payload, record_id or f"{name}@{raw.offset}", source, metadata, headers,
                 policies, "auto")


def _page(payload: bytes, doc_id: str, source: Source, metadata: dict[str, Any],
          headers: dict[str, str], policies: SitePolicies, encoding: str) -> Document:
    decoded = decode(payload, charset_from_content_type(_get(headers, "content-type")),
                     html=True, encoding=encoding)
    charset: dict[str, Any] = {"encoding": decoded.encoding, "how": decoded.how}
    if decoded.declared:
        charset["declared_wrong"] = decoded.declared
    if decoded.lossy:
        charset["lossy"] = True
    signals = header_signals(headers, policies.signals(metadata.get("url")))
    metadata = {k: v for k, v in metadata.items() if v is not None}
    metadata.update({"format": "html", "charset": charset})
    if signals:
        metadata["rights_signals"] = signals
    return Document(id=doc_id, text=decoded.text, source=source, metadata=metadata,
                    bytes_in=len(payload))


def _get(headers: dict[str, str], key: str) -> str | None:
    for k, v in headers.items():
        if k.lower() == key:
            return v
    return None


# --------------------------------------------------------------------------- saved pages

def _read_whole(shard: Shard, limit: int, progress: Progress | None) -> bytes | Quarantine:
    """A one-document file's bytes, or the quarantine row saying why not."""
    name = shard.file.name
    try:
        with open(shard.file.path, "rb") as f:
            payload = f.read(limit + 1)
    except OSError as e:
        return Quarantine(name, Source(name), reason="unreadable_file", error=f"cannot read file: {e}")
    if progress is not None:
        progress(shard.file.size)
    if len(payload) > limit:
        return Quarantine(name, Source(name), reason="too_large", bytes_in=shard.file.size,
                          error=f"file larger than the limit of {limit} bytes; raise --max-record-bytes",
                          detail={"bytes": shard.file.size, "limit": limit})
    return payload


def sidecar(path: str) -> str | None:
    """The JSON file that describes a saved page: `page.html.json` or `page.json`."""
    for candidate in (path + ".json", os.path.splitext(path)[0] + ".json"):
        if os.path.isfile(candidate):
            return candidate
    return None


def read_html_file(shard: Shard, limit: int, policies: SitePolicies, encoding: str,
                   progress: Progress | None) -> Iterator[Document | Quarantine]:
    """One saved page. URL and response headers come from the sidecar JSON (`url`,
    `headers`, any other fields become metadata), else from a file name that is a
    percent-encoded URL (`https%3A%2F%2F...html`)."""
    name = shard.file.name
    source = Source(name)
    payload = _read_whole(shard, limit, progress)
    if isinstance(payload, Quarantine):
        yield payload
        return
    extra: dict[str, Any] = {}
    side = sidecar(shard.file.path)
    if side is not None:
        try:
            with open(side, "rb") as f:
                extra = loads(f.read().decode("utf-8"))
            if not isinstance(extra, dict):
                raise ValueError("not a JSON object")
            if not isinstance(extra.get("url", ""), str | None):
                raise ValueError(f"its url is a {type(extra['url']).__name__}, not a string")
        except (OSError, ValueError) as e:
            yield Quarantine(name, source, reason="invalid_sidecar", bytes_in=len(payload),
                             error=f"sidecar {os.path.basename(side)} is unreadable: {e}")
            return
    headers = extra.pop("headers", None) or {}
    if not isinstance(headers, dict):
        headers = {}
    url = extra.pop("url", None) or _url_from_name(os.path.basename(shard.file.path))
    doc_id = str(extra.pop("id", None) or url or name)
    metadata = {**extra, "url": url, "file": name}
    yield _page(payload, doc_id, source, metadata,
                {str(k): str(v) for k, v in headers.items()}, policies, encoding)


def _url_from_name(filename: str) -> str | None:
    stem = os.path.splitext(filename)[0]
    decoded = unquote(stem)
    return decoded if decoded.startswith(("http://", "https://")) else None


# --------------------------------------------------------------------------- plain text

def read_text_file(shard: Shard, limit: int, encoding: str, progress: Progress | None
                   ) -> Iterator[Document | Quarantine]:
    """A plain-text file is one document, id = its name; `encoding` may be "auto"."""
    name = shard.file.name
    source = Source(name)
    payload = _read_whole(shard, limit, progress)
    if isinstance(payload, Quarantine):
        yield payload
        return
    decoded = decode(payload, encoding=encoding)
    if decoded.lossy:
        yield Quarantine(name, source, reason="decode_error", bytes_in=len(payload),
                         error=f"the bytes do not decode as {decoded.encoding} "
                               f"({'detected' if encoding == 'auto' else 'given'}); "
                               "pass the right --encoding",
                         detail={"encoding": decoded.encoding})
        return
    yield Document(id=name, text=decoded.text, source=source,
                   metadata={"charset": {"encoding": decoded.encoding, "how": decoded.how}},
                   bytes_in=len(payload))


# --------------------------------------------------------------------------- site files

def collect_site_files(paths: list[str], folder: str, limit: int,
                       log: Callable[[str], None] | None = None) -> int:
    """Copy the robots.txt and /.well-known/tdmrep.json responses a crawl holds into
    `folder` (laid out per host, as SitePolicies reads it); the first one per host and
    file in input order wins. Returns how many files were written."""
    from pathlib import Path

    from ..web.signals import site_file_path

    root = Path(folder)
    written = 0
    for i, path in enumerate(paths):
        if log is not None:
            log(f"scanning {os.path.basename(path)} for robots.txt/tdmrep.json ({i + 1}/{len(paths)})")
        for item in frame(path, limit):
            if not isinstance(item, RawRecord):
                continue
            head = item.data[:4096]
            if b"robots.txt" not in head and b"tdmrep.json" not in head:
                continue
            try:
                record = _parse(item)
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                status = int(record.http_headers.get_statuscode() or 0)
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                target = site_file_path(root, uri)
                if target is None or not 200 <= status < 300 or target.exists():
                    continue
                body = record.content_stream().read()
            except Exception:  # noqa: BLE001 - a damaged policy record is as good as none
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(body)
            os.replace(tmp, target)
            written += 1
    return written
