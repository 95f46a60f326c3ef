"""Rules in time linear in their matches (issue 20): notice and boilerplate matching on a
text of thousands of notices, robots.txt patterns without backtracking. The fast matchers
are checked against the regex statements they replace; the timings are generous bounds
that the quadratic versions missed by far (4,000 notices took 0.7 s, 50,000 did not finish
in 156 s; 2,000 wildcard rules hung)."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from jeongje.korean import notices
from jeongje.record import Document, Source
from jeongje.stages.boilerplate import BoilerplateRemover
from jeongje.stages.rights import RightsFilter
from jeongje.web.signals import Pattern, Robots

NOTICE = "무단전재 및 재배포 금지 Copyright ⓒ "


def _seconds(stage, text: str) -> float:
    doc = Document(id="x", text=text, source=Source("t", line=1), metadata={})
    t = time.perf_counter()
    stage.process(doc)
    return time.perf_counter() - t


def test_many_notices_on_one_line_take_linear_time():
    text = "기사 본문입니다. " + NOTICE * 20_000
    for stage in (BoilerplateRemover(), RightsFilter()):
        assert _seconds(stage, text) < 30, stage.name  # quadratic: minutes


def test_many_reporter_emails_take_linear_time():
    assert _seconds(BoilerplateRemover(), "기사 본문입니다.\n" + "hong@news.kr " * 50_000) < 20


def _regex(location: str) -> re.Pattern[str]:  # the statement Pattern replaces
    anchored = location.endswith("$")
    body = location[:-1] if anchored else location
    return re.compile(".*".join(re.escape(p) for p in body.split("*")) + ("$" if anchored else ""))


@settings(max_examples=400, deadline=None)
@given(st.text("ab*$/", max_size=8), st.text("ab/$", max_size=10))
def test_pattern_matches_like_the_regex(location, path):
    assert Pattern.of(location).matches(path) == bool(_regex(location).match(path))


def test_wildcard_robots_rules_do_not_backtrack():
    robots = Robots.parse("User-agent: *\n" + "".join("Disallow: /" + "*a" * 30 + "*b$\n" for _ in range(2000)))
    t = time.perf_counter()
    assert robots.disallowed_agents("https://h.kr/" + "a" * 40 + "c") == []
    assert len(robots.disallowed_agents("https://h.kr/" + "a" * 40 + "b")) > 0
    assert time.perf_counter() - t < 10


@settings(max_examples=300, deadline=None)
@given(st.text("※ GodNewspar\n", max_size=30), st.data())
def test_lead_before_is_the_regex_search(text, data):
    end = data.draw(st.integers(0, len(text)))
    lo = data.draw(st.integers(0, end))
    for goodnews, regex in ((False, r"※\s*$"), (True, r"(?:GoodNews\s+paper|※)\s*$")):
        m = re.compile(regex).search(text, lo, end)
        assert notices._lead_before(text, lo, end, goodnews) == (m.start() if m else None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 8))), st.integers(0, 50))
def test_taken_is_any_span_covering(spans, pos):
    taken = notices._Taken()
    for s, n in spans:
        taken.add(s, s + n)
    assert taken.covers(pos) == any(s <= pos < s + n for s, n in spans)
