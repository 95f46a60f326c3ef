"""Main text and metadata of an HTML page.

The extractor is trafilatura, in its precision mode. Measured on Korean pages (character F1,
tests/quality/test_gate_extraction.py: our nine portal/outlet/blog pages and the real
Dong-A page in ../shared/data/ko-html):

    extractor                      own pages (mean / worst)   real page   nav-only page
    trafilatura favor_precision    0.975 / 0.929              0.991       nothing (right)
    trafilatura default            0.973 / 0.915              0.991       the menu items
    resiliparse main_content       0.859 / 0.766              0.936       the menu items

resiliparse keeps breadcrumbs, widget labels ("폰트 뉴스듣기"), share-button lists and
comment boxes that sit inside the article container. It is about 3x faster, but
extraction is a small part of a run's cost next to the Korean stages, and trafilatura also
gives the title, date and site name.

Metadata is read from the page head (JSON-LD, Open Graph, `<link rel=canonical>`,
`<html lang>`), which news sites fill reliably; trafilatura's own metadata pass is off (it
cost a quarter of the extraction time), and only the date falls back to htmldate, the date
finder trafilatura uses, when the head has none.
The robots/TDMRep `<meta>` tags are read here too, for the rights stage.
"""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


class ExtractionTimeout(Exception):
    """Extraction took longer than the per-document limit."""


@dataclass
class Extracted:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)  # title, date, author, publisher, ...
    meta_signals: dict[str, str] = field(default_factory=dict)  # robots, tdm-* <meta> values


_SIGNAL_META = ("robots", "tdm-reservation", "tdm-policy")


def extract(html: str, url: str | None = None, favor: str = "precision") -> Extracted:
    """Extract `html`'s main text (paragraphs separated by newlines) and its metadata."""
    import lxml.html
    import trafilatura

    tree = lxml.html.document_fromstring(html) if html.strip() else None
    if tree is None:
        return Extracted("")
    head = _head_metadata(tree)
    signals = {k: v for k, v in head.pop("_signals").items() if v}
    date_fallback = None
    if not head.get("date"):  # htmldate, trafilatura's own date finder, only when needed
        from htmldate import find_date

        date_fallback = find_date(tree, extensive_search=False, original_date=True)
    result = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True,
        include_images=False, favor_precision=favor == "precision",
        favor_recall=favor == "recall", deduplicate=False)
    text = ((result.text if result is not None else None) or "").strip()
    metadata = {k: v for k, v in head.items() if v}
    if date_fallback and "date" not in metadata:
        metadata["date"] = date_fallback
    return Extracted(_without_title(text, metadata.get("title")), metadata, signals)


def _without_title(text: str, title: str | None) -> str:
    """Drop a first line that is the page title (kept in metadata) or a part of it (news
    `<title>`s add the site name: "제목 - 가상일보")."""
    first, _, rest = text.partition("\n")
    line = " ".join(first.split())
    if title and rest and line and len(line) >= 4 and line in " ".join(title.split()):
        return rest.lstrip("\n")
    return text


def _head_metadata(tree: Any) -> dict[str, Any]:
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = el.get("content")
        if key and value is not None and key not in meta:
            meta[key] = value.strip()
        equiv = (el.get("http-equiv") or "").strip().lower()
        if equiv == "content-language" and value:
            meta.setdefault("content-language", value.strip())
    ld = _json_ld(tree)
    canonical = next((el.get("href") for el in tree.iter("link")
                      if "canonical" in (el.get("rel") or "").lower().split() and el.get("href")), None)
    title_el = tree.find(".//title")
    lang = tree.get("lang") or tree.get("xml:lang") or meta.get("content-language") or meta.get("og:locale")
    return {
        "title": ld.get("headline") or meta.get("og:title") or meta.get("twitter:title")
        or (title_el.text_content().strip() if title_el is not None else None),
        "date": _date(ld.get("datePublished") or meta.get("article:published_time")
                      or meta.get("og:article:published_time") or meta.get("pubdate")),
        "author": _name(ld.get("author")) or meta.get("author") or meta.get("article:author")
        or meta.get("dable:author"),
        "publisher": meta.get("og:site_name") or _name(ld.get("publisher")),
        "canonical_url": canonical or meta.get("og:url") or ld.get("url"),
        "language": _lang(lang),
        "_signals": {k: meta.get(k, "") for k in _SIGNAL_META},
    }


def _json_ld(tree: Any) -> dict[str, Any]:
    """The first Article/NewsArticle/BlogPosting object of the page's JSON-LD, if any."""
    for el in tree.iter("script"):
        if (el.get("type") or "").lower() != "application/ld+json":
            continue
        try:
            data = json.loads(el.text or "")
        except (json.JSONDecodeError, ValueError):
            continue
        for obj in _objects(data):
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and (k.endswith("Article") or k in ("BlogPosting", "Report"))
                   for k in kinds):
                return obj
    return {}


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity"):
            yield from _objects(data.get(key))
    elif isinstance(data, list):
        for item in data:
            yield from _objects(item)


def _name(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _name(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(names) or None
    return None


def _date(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    m = re.match(r"\s*(\d{4})[-./](\d{1,2})[-./](\d{1,2})", value)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def _lang(value: str | None) -> str | None:
    if not value:
        return None
    return re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0] or None


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ExtractionTimeout when the block runs longer than `seconds`.

    Uses SIGALRM, so it only works in a process's main thread (where the local executor's
    workers run stages); elsewhere (for example inside some Ray actors) the block runs
    without a limit.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return

    start = time.monotonic()

    def on_alarm(signum: int, frame: Any) -> None:
        if time.monotonic() - start >= seconds * 0.999 or not callable(previous):
            raise ExtractionTimeout(f"extraction took longer than {seconds:g} s")
        previous(signum, frame)  # an outer limit (the runner's per-document bound) is due first

    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    if 0 < outer < seconds:
        signal.setitimer(signal.ITIMER_REAL, outer)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer > 0:  # an outer limit was running: it goes on with what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-4))
