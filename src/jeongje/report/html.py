"""`jeongje report OUT`: one self-contained HTML file, `OUT/report/index.html`.

The page embeds its data as JSON in a `<script type="application/json">` block (with `<`,
`>`, `&`, U+2028 and U+2029 escaped, so no document text can end the block) and one
script of ours, allowed by a Content-Security-Policy hash; no other script, style, image
or network request can run or load. It works from `file://`, offline.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import time
from importlib import resources
from pathlib import Path
from typing import Any

from ..io.location import local_folder
from .data import collect

REPORT = "report"
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def embed_json(data: Any) -> str:
    """JSON that is safe inside a `<script type="application/json">` element."""
    text = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def render(data: dict[str, Any]) -> str:
    """The report page for `data` (as returned by `report.data.collect`)."""
    static = resources.files("jeongje") / "report" / "static"
    script = static.joinpath("report.js").read_text(encoding="utf-8")
    style = static.joinpath("report.css").read_text(encoding="utf-8")
    csp = (f"default-src 'none'; script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
           "img-src 'none'; connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'")
    run = data["run"]
    title = f"jeongje report — {Path(run['output']).name}"
    return _PAGE.format(
        csp=html.escape(csp, quote=False), title=html.escape(title), style=style, script=script,
        data=embed_json(data), output=html.escape(run["output"]), sql=html.escape(SQL.strip()),
        generated=html.escape(time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())),
        version=html.escape(str(run.get("jeongje_version") or "")))


def write_report(out: str | Path, per_reason: int = 25, all_below: int = 2000,
                 log: Any = None) -> Path:
    """Build `OUT/report/index.html` from a finished run in a local folder; return its path
    (an InputError for an output URL: download it first)."""
    out = local_folder(out)
    say = log or (lambda _msg: None)
    started = time.perf_counter()
    data = collect(out, per_reason=per_reason, all_below=all_below, log=say)
    say("rendering the page")
    page = render(data)
    folder = out / REPORT
    folder.mkdir(exist_ok=True)
    path = folder / "index.html"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    say(f"wrote {path} ({len(page.encode('utf-8')) / 1e6:.1f} MB, {len(data['documents']):,} documents "
        f"in the browser) in {time.perf_counter() - started:.1f}s")
    return path


SQL = """
-- top reasons (current outcome per record: an opt-out after the run supersedes "kept")
WITH ledger AS (SELECT * FROM read_parquet('OUT/ledger/*.parquet', filename = true)
                QUALIFY row_number() OVER (PARTITION BY id ORDER BY filename LIKE '%/optout-%' DESC, filename DESC) = 1)
SELECT outcome, stage, reason, count(*) AS documents, sum(bytes_in) AS bytes_in
FROM ledger GROUP BY ALL ORDER BY documents DESC;
"""

_PAGE = """<!DOCTYPE html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<header>
  <h1>jeongje run report <small>{output}</small></h1>
  <div class="meta" id="run-meta"></div>
</header>
<nav>
  <a href="#summary">Summary</a><a href="#removals">Removals</a><a href="#distributions">Distributions</a><a href="#documents">Documents</a><a href="#optouts">Opt-outs</a>
</nav>
<main>
<section id="summary">
  <h2>Run summary</h2>
  <div class="cards" id="summary-cards"></div>
  <div class="grid2">
    <div class="panel"><h3>Outcomes by stage and reason</h3><div id="outcomes-table"></div></div>
    <div class="panel"><h3>Time per stage</h3><div id="time-plot"></div><div id="time-table"></div></div>
  </div>
  <div class="panel"><h3>Inputs</h3><div id="inputs-table"></div></div>
</section>
<section id="removals">
  <h2>Removals</h2>
  <div class="grid2">
    <div class="panel"><h3>Documents: waterfall by stage and reason</h3><div id="waterfall-docs"></div></div>
    <div class="panel"><h3>Text bytes: waterfall by stage and reason</h3><p class="note">Whole documents removed, then text removed by edits inside the kept documents.</p><div id="waterfall-bytes"></div></div>
  </div>
  <div class="grid2">
    <div class="panel"><h3>Removals by publisher</h3><div id="by-publisher-plot"></div><div id="by-publisher-table"></div></div>
    <div class="panel"><h3>Removals by source domain</h3><div id="by-domain-plot"></div><div id="by-domain-table"></div></div>
  </div>
</section>
<section id="distributions">
  <h2>Distributions</h2>
  <div class="grid2">
    <div class="panel"><h3>Length before and after</h3><div id="lengths-plot"></div></div>
    <div class="panel"><h3>Duplicate cluster sizes</h3><div id="clusters-plot"></div><div id="clusters-table"></div></div>
    <div class="panel"><h3>Rights classes</h3><div id="rights-plot"></div></div>
    <div class="panel"><h3>PII replaced, by type</h3><div id="pii-plot"></div><div id="pii-table"></div></div>
  </div>
  <div class="panel"><h3>Edits by stage and reason</h3><div id="edits-table"></div></div>
</section>
<section id="documents">
  <h2>Document browser</h2>
  <p class="note" id="browser-note"></p>
  <div class="panel">
    <div class="browser-tools">
      <input type="search" id="doc-search" placeholder="search id, publisher, domain, source, stage or reason" aria-label="search documents">
      <select id="f-outcome" aria-label="outcome"><option value="">any outcome</option><option>kept</option><option>dropped</option><option>quarantined</option></select>
      <select id="f-stage" aria-label="stage and reason"><option value="">any stage and reason</option></select>
    </div>
    <div id="doc-list"></div>
  </div>
  <div class="panel" id="doc-view"></div>
</section>
<section id="optouts">
  <h2>Opt-outs applied after the run</h2>
  <div class="panel"><div id="optouts-table"></div></div>
</section>
</main>
<footer>
  Generated {generated} by jeongje {version}. Everything on this page is embedded in this one file; it makes no network request.
  The same questions in DuckDB over the ledger (see the README for more):
  <pre>{sql}</pre>
</footer>
<script type="application/json" id="report-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""
