"""Build WARC files for tests with warcio's writer (the reader under test is ours)."""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from jeongje.io.inputs import plan_shards, resolve_inputs
from jeongje.io.readers import FieldMap, read_shard

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "web"


@dataclass
class Page:
    url: str
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("Content-Type", "text/html")])
    status: str = "200 OK"
    kind: str = "response"


def fixture_pages() -> list[str]:
    """Names of our own layout pages (portal/outlet/blog), without the edge cases."""
    return sorted(p.stem for p in FIXTURES.glob("*.html") if not p.stem.startswith("edge-"))


def html(name: str) -> str:
    return (FIXTURES / f"{name}.html").read_text(encoding="utf-8")


def records_bytes(pages: list[Page], compress: bool, info: bool = True) -> tuple[bytes, list[int]]:
    """A WARC (gzip per record when `compress`) and the byte offset of each page record."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=compress)
    if info:
        writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "jeongje tests"}))
    offsets = []
    for page in pages:
        offsets.append(buf.tell())
        if page.kind == "request":
            http = StatusAndHeaders(f"GET {page.url} HTTP/1.1", [("Host", "x")], is_http_request=True)
            rec = writer.create_warc_record(page.url, "request", payload=io.BytesIO(b""),
                                            http_headers=http)
        else:
            http = StatusAndHeaders(page.status, page.headers, protocol="HTTP/1.1")
            rec = writer.create_warc_record(page.url, page.kind, payload=io.BytesIO(page.body),
                                            http_headers=http)
        writer.write_record(rec)
    return buf.getvalue(), offsets


def write_warc(path: Path, pages: list[Page], mode: str = "record") -> list[int]:
    """mode: "record" (gzip per record), "file" (one gzip stream), "plain"."""
    data, offsets = records_bytes(pages, compress=mode == "record")
    if mode == "file":
        data = gzip.compress(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return offsets


def read_all(path: Path, **options) -> list:
    """Every item the real readers give for `path` (all its shards, in order)."""
    return [item for shard in plan_shards(resolve_inputs([str(path)]))
            for item in read_shard(shard, FieldMap(**options))]
