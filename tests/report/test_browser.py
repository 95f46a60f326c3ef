"""The report in a real browser: headless Chromium (Debian's `chromium`) driven by
playwright's own driver, opened from file://. Screenshots go to tests/artifacts/.

Skips with the reason when Chromium or playwright cannot be had on a user's machine; under
CI (CI=true) a missing browser fails instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import jeongje
from jeongje.optout import optout
from jeongje.report.html import write_report
from tests.helpers import TESTS

ARTIFACTS = TESTS / "artifacts"
HOSTILE = TESTS / "data" / "hostile.jsonl"
# headless=True adds --headless; launch() gives the browser a fresh temporary --user-data-dir
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the browser tests: {reason} (make test installs chromium as root)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (make test installs it from PyPI)")
    exe = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        _unavailable("no chromium on PATH (Debian: apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    jeongje.run([str(jeongje.sample_path()), str(HOSTILE)], out, progress=False, workers=2)
    optout(out, publishers=["새누리일보"])
    return write_report(out)


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.dialogs = []
    pg.errors = []
    pg.requests = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    yield pg
    context.close()


def _open(page, report: Path, fragment: str = "") -> None:
    page.goto(report.as_uri() + fragment)
    page.wait_for_selector("body[data-ready=true]", timeout=10_000)


def test_plots_and_tables_render(page, report):
    _open(page, report)
    for plot in ("waterfall-docs", "waterfall-bytes", "by-publisher-plot", "by-domain-plot", "lengths-plot",
                 "clusters-plot", "rights-plot", "pii-plot", "time-plot"):
        assert page.locator(f"#{plot} svg rect").count() > 0, plot
    # the waterfall has a bar per removal reason plus the input and kept bars
    assert page.locator("#waterfall-docs svg g.bar").count() >= 10
    assert "rights_optout" in page.locator("#waterfall-docs").inner_text()
    # sortable: sorting the outcomes table by reason ascending puts "decode_error" first
    table = page.locator("#outcomes-table")
    table.locator("th", has_text="reason").click()
    assert table.locator("tbody tr").first.locator("td").nth(2).inner_text() == "", "kept has no reason"
    table.locator("th", has_text="reason").click()
    first = table.locator("tbody tr").first.locator("td").nth(2).inner_text()
    assert first == "too_short"
    # filterable
    table.locator("input.filter").fill("spam")
    assert table.locator("tbody tr").count() == 1 and "1 of" in table.locator(".count").inner_text()
    page.screenshot(path=str(ARTIFACTS / "report-summary.png"), full_page=False)
    page.locator("#removals").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "report-removals.png"))
    assert page.errors == [] and page.dialogs == []
    assert all(u.startswith("file://") for u in page.requests), page.requests


def _search(page, text):
    """Type into the search box and wait until the list shows what it found (the list is
    filtered as one types: clicking before that clicks the row of the earlier list)."""
    page.locator("#doc-search").fill(text)
    page.wait_for_function("t => [...document.querySelectorAll('#doc-list tbody tr')].length > 0 && "
                           "[...document.querySelectorAll('#doc-list tbody tr')].every(r => r.innerText.includes(t))",
                           arg=text)


def _click_first_row(page):
    """Open the first listed document and wait until the view shows it (the row sets the
    location hash; the view follows on the hashchange event, a moment later)."""
    row = page.locator("#doc-list tbody tr").first
    doc_id = row.get_attribute("data-id")
    row.click()
    page.wait_for_function("id => location.hash === '#doc=' + encodeURIComponent(id) && "
                           "((document.querySelector('#doc-view .doc-title') || {}).innerText || '').includes(id)",
                           arg=doc_id)


def test_search_open_and_see_removed_spans(page, report):
    _open(page, report)
    page.locator("#doc-search").fill("news-007")
    rows = page.locator("#doc-list tbody tr")
    assert rows.count() == 1
    _click_first_row(page)
    view = page.locator("#doc-view")
    assert "news-007" in view.locator(".doc-title").inner_text()
    removed = view.locator("#pane-original .rm")
    assert removed.count() >= 2
    titles = [removed.nth(i).get_attribute("title") for i in range(removed.count())]
    assert "clean.boilerplate@1 · dateline" in titles
    assert removed.first.inner_text().startswith("[강릉=새누리통신]")
    final = jeongje.read_documents(report.parent.parent).to_pylist()
    kept_text = next(r["text"] for r in final if r["id"] == "news-007")
    assert view.locator("#pane-final").inner_text().strip() == kept_text.strip()
    page.screenshot(path=str(ARTIFACTS / "report-document.png"))
    # a dropped duplicate links to its kept twin
    _search(page, "news-036")
    _click_first_row(page)
    assert "duplicate_of" in view.locator(".evidence").inner_text()
    view.locator(".evidence a.doclink").click()
    page.wait_for_function("location.hash === '#doc=news-007'")
    assert "news-007" in view.locator(".doc-title").inner_text()
    # an opted-out document shows both events; a quarantined record shows its error
    _search(page, "rights_optout")
    _click_first_row(page)
    history = view.locator("table.history").inner_text()
    assert "kept" in history and "after the run (opt-out)" in history and "optout@1 · rights_optout" in history
    page.select_option("#f-outcome", "quarantined")
    page.locator("#doc-search").fill("")
    assert page.locator("#doc-list tbody tr").count() == 4
    _click_first_row(page)
    assert view.locator("code.error").count() == 1
    assert page.errors == [] and page.dialogs == []


def test_hostile_document_is_inert(page, report):
    _open(page, report, "#doc=hostile-001")
    view = page.locator("#doc-view")
    assert "hostile-001" in view.locator(".doc-title").inner_text()
    original = view.locator("#pane-original").inner_text()
    assert "<script>window.__pwned = 1; alert('xss')</script>" in original
    assert '<img src=x onerror="window.__pwned=2">' in original and "</textarea></script><script>" in original
    assert "<script>window.__pwned=6</script>" in view.locator("#pane-final").inner_text()  # entities unescaped by the run
    # bidi overrides and zero-width characters are shown as visible tokens, not applied
    tokens = view.locator("#pane-original .ctl").all_inner_texts()
    assert {"U+202E", "U+200B", "U+2066", "U+2069", "U+2028", "U+2029"} <= set(tokens)
    page.locator("#doc-search").fill("x\"><img")
    page.locator("#doc-list tbody tr").first.click()
    page.locator("#doc-search").fill("")
    page.screenshot(path=str(ARTIFACTS / "report-hostile.png"), full_page=True)
    page.goto(report.as_uri() + "#doc=hostile-001")
    page.wait_for_selector("body[data-ready=true]")
    state = page.evaluate("""() => ({
        pwned: window.__pwned === undefined ? null : window.__pwned,
        injected: document.querySelectorAll('img, iframe, object, embed, [onerror], [onload], [onclick]').length,
        js_links: document.querySelectorAll('a[href^="javascript:" i]').length,
        scripts: document.scripts.length,
        foreign_links: [...document.querySelectorAll('a[href]')].filter(a => !a.getAttribute('href').startsWith('#')).length,
        hidden: getComputedStyle(document.body).display,
    })""")
    assert state == {"pwned": None, "injected": 0, "js_links": 0, "scripts": 2, "foreign_links": 0, "hidden": "block"}
    assert page.dialogs == [] and page.errors == []
    # the publisher with markup is listed as text
    page.locator("#by-publisher-table input.filter").fill("onerror")
    assert 'onerror="window.__pwned=7"' in page.locator("#by-publisher-table tbody").inner_text()
