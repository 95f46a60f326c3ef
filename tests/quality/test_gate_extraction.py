"""Quality gate for web ingest + `extract.html` on our own Korean pages and a real one.

Each of our nine portal/outlet/blog pages (tests/fixtures/web, written by us) is packed
into a WARC twice, once in UTF-8 and once in EUC-KR (CP949 bytes, charset declaration
changed), and read back through the real reader and stage. Character F1 compares the
extracted text with the page's expected `text`, whitespace removed, by longest matching
blocks. The real Dong-A page from ../shared/data/ko-html is scored against the expected
extraction that ships with it. Metadata accuracy counts title, date and canonical URL.
"""

from __future__ import annotations

import difflib
import json
import re
import statistics

import pytest

from jeongje.record import Document, Source
from jeongje.stages.extract import HtmlExtract
from tests.helpers import FIXTURES, Page, assert_floor, fixture_pages, pinned, read_all, write_warc

MIN_OWN_F1 = 0.95  # the floor for our pages
MIN_REAL_F1 = 0.90  # ... and for the real page


def char_f1(pred: str, gold: str) -> float:
    a, b = re.sub(r"\s+", "", pred), re.sub(r"\s+", "", gold)
    if not a and not b:
        return 1.0
    matched = sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    p, r = matched / max(1, len(a)), matched / max(1, len(b))
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pages, expected = [], {}
    for name in fixture_pages():
        exp = json.loads(pinned(FIXTURES / f"{name}.expected.json", "extraction").read_text(encoding="utf-8"))
        html = pinned(FIXTURES / f"{name}.html", "extraction").read_text(encoding="utf-8")
        legacy = re.sub(r"charset=[\"']?utf-8", "charset=euc-kr", html, flags=re.IGNORECASE)
        assert legacy != html, f"{name}: no charset declaration to change"
        for enc, body in (("utf-8", html.encode("utf-8")), ("euc-kr", legacy.encode("cp949"))):
            url = f"{exp['url']}#{enc}"
            pages.append(Page(url, body, [("Content-Type", "text/html")]))
            expected[url] = (name, enc, exp)
    path = tmp_path_factory.mktemp("gate") / "pages.warc.gz"
    write_warc(path, pages)
    stage = HtmlExtract()
    results = {}
    for doc in read_all(path):
        if not isinstance(doc, Document):
            continue
        assert stage.process(doc) is None, doc.id
        results[doc.metadata["url"]] = (doc, *expected[doc.metadata["url"]])
    assert len(results) == 2 * len(fixture_pages())
    return results


def test_extraction_f1_on_our_pages_in_utf8_and_euc_kr(extracted):
    scores = {}
    for doc, name, enc, exp in extracted.values():
        assert doc.metadata["charset"]["encoding"] == ("utf-8" if enc == "utf-8" else "cp949")
        scores[(name, enc)] = char_f1(doc.text, exp["text"])
    for (name, enc), f1 in sorted(scores.items()):
        print(f"extraction {name:18s} {enc:6s} F1 {f1:.3f}")
    for name in fixture_pages():  # the encoding must not change the result
        assert scores[(name, "utf-8")] == pytest.approx(scores[(name, "euc-kr")], abs=1e-9), name
    assert_floor("extraction", "own_pages_f1", statistics.mean(scores.values()), MIN_OWN_F1)
    assert_floor("extraction", "own_pages_worst_f1", min(scores.values()), 0.85)


def test_metadata_on_our_pages(extracted):
    hits = total = 0
    for doc, name, _, exp in extracted.values():
        got = doc.metadata
        for key, want in (("title", exp["title"]), ("date", exp["date"]),
                          ("canonical_url", exp["canonical"]), ("language", exp["language"])):
            total += 1
            ok = got.get(key) == want
            hits += ok
            if not ok:
                print(f"metadata {name} {key}: got {got.get(key)!r}, expected {want!r}")
    assert_floor("extraction", "metadata_accuracy", hits / total, 0.9)


def test_extraction_f1_on_the_real_page(shared_data):
    base = shared_data / "ko-html" / "donga_20131023_58406128"
    html = (base.with_suffix(".html")).read_text(encoding="utf-8")
    gold = json.loads(base.with_suffix(".expected.json").read_text(encoding="utf-8"))["expected"]
    doc = Document("donga", html, Source("donga.html"), {"format": "html", "url": gold["final_url"]})
    assert HtmlExtract().process(doc) is None
    f1 = char_f1(doc.text, gold["cleaned_text"])
    assert_floor("extraction", "real_page_f1", f1, MIN_REAL_F1)
    assert doc.metadata["date"] == "2013-10-24"


def test_a_page_of_menus_only_has_no_main_text():
    html = (FIXTURES / "edge-empty.html").read_text(encoding="utf-8")
    doc = Document("empty", html, Source("e.html"), {"format": "html"})
    drop = HtmlExtract().process(doc)
    assert drop is not None and drop.reason == "no_main_text"
