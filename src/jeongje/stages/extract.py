"""`extract.html`: web pages become their main text, with metadata and rights signals.

Documents read from WARC records and saved pages carry their decoded HTML as text and
`metadata["format"] == "html"`; every other document passes through untouched, so the
same recipe serves JSONL, Parquet and crawls. The stage replaces the HTML by the
extracted main text (later stages' edit offsets refer to that text), fills title, date,
author, publisher, canonical URL and language (values already in the metadata win), and
merges the page's robots/TDMRep `<meta>` tags into `metadata["rights_signals"]` over the
header and site-file signals the reader put there (TDMRep priority: meta > header > file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from ..record import Document, Drop
from ..stage import STAGE_SECONDS, Stage
from ..web.extract import ExtractionTimeout, extract, time_limit
from ..web.signals import merge_meta


@dataclass
class HtmlExtract(Stage):
    """Replace an HTML page by its main text; drop pages whose extraction fails."""

    name: ClassVar[str] = "extract.html"
    version: ClassVar[int] = 1
    reasons: ClassVar[frozenset[str]] = frozenset(
        {"extraction_failed", "extraction_timeout", "no_main_text"})
    description: ClassVar[str] = "HTML pages to main text + title/date/author/publisher (trafilatura)"
    replaces_text: ClassVar[bool] = True
    # lxml_html_clean first: jusText (under trafilatura) needs it, and pip before 23.3 does not
    # install it through the `lxml[html_clean]` extra, so that is what is usually missing
    requires: ClassVar[dict[str, str]] = {"lxml_html_clean": "lxml_html_clean", "lxml.html": "lxml",
                                          "trafilatura": "trafilatura"}

    timeout_seconds: float = 10.0
    min_chars: int = 1
    # a page whose longest extracted line is shorter holds menus, not an article
    min_longest_line: int = 20
    favor: Literal["balanced", "precision", "recall"] = "precision"

    def time_bound(self) -> float:
        return self.timeout_seconds + STAGE_SECONDS  # the page's own limit acts first

    def process(self, doc: Document) -> Drop | None:
        if doc.metadata.get("format") != "html":
            return None
        html_chars = len(doc.text)
        try:
            with time_limit(self.timeout_seconds):
                result = extract(doc.text, doc.metadata.get("url"), self.favor)
        except ExtractionTimeout as e:
            return Drop("extraction_timeout", {"error": str(e), "html_chars": html_chars,
                                               "limit_seconds": self.timeout_seconds})
        except (ImportError, MemoryError):
            raise  # the environment, not this page: the run stops (errors.environment_failure)
        except Exception as e:  # noqa: BLE001 - any parser failure is this page's problem
            return Drop("extraction_failed", {"error": f"{type(e).__name__}: {e}"[:500],
                                              "html_chars": html_chars})
        signals = merge_meta(doc.metadata.get("rights_signals") or {}, result.meta_signals)
        if signals:
            doc.metadata["rights_signals"] = signals
        for key, value in result.metadata.items():
            doc.metadata.setdefault(key, value)
        doc.metadata["format"] = "text"
        doc.metadata["extracted"] = {"from": "html", "extractor": "trafilatura",
                                     "html_chars": html_chars}
        doc.text = result.text
        longest = max((len(line.strip()) for line in result.text.splitlines()), default=0)
        if len(result.text.strip()) < self.min_chars or longest < self.min_longest_line:
            return Drop("no_main_text", {"html_chars": html_chars, "text_chars": len(result.text),
                                         "longest_line": longest, "min_chars": self.min_chars,
                                         "min_longest_line": self.min_longest_line})
        return None
