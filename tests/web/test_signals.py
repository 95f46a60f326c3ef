"""Machine-readable rights signals: TDMRep (file, header, meta and their priority),
robots.txt for AI agents, AIPREF Content-Usage, content-signal, noai."""

from __future__ import annotations

from jeongje.web.signals import (
    Robots,
    SitePolicies,
    header_signals,
    match_tdmrep,
    merge_meta,
    parse_tdmrep,
)

SPEC_FILE = """[
  {"location": "/directory-b/images/*.jpg", "tdm-reservation": 0},
  {"location": "/directory-b/html/", "tdm-reservation": 1,
   "tdm-policy": "https://provider.example.com/policies/policy.json"},
  {"location": "/news/*/photo$", "tdm-reservation": 0},
  {"location": "/", "tdm-reservation": 1}
]"""


def test_tdmrep_first_matching_rule_wins_with_robots_wildcards():
    rules = parse_tdmrep(SPEC_FILE)
    assert [r.reservation for r in rules] == [0, 1, 0, 1]
    assert match_tdmrep(rules, "/directory-b/images/a.jpg").reservation == 0
    hit = match_tdmrep(rules, "/directory-b/html/page.html")
    assert (hit.reservation, hit.policy) == (1, "https://provider.example.com/policies/policy.json")
    assert match_tdmrep(rules, "/news/2026/photo").reservation == 0
    assert match_tdmrep(rules, "/news/2026/photo/1").reservation == 1  # `$` anchors the end
    assert match_tdmrep(rules, "/Directory-B/images/a.jpg").location == "/"  # case-sensitive
    assert match_tdmrep(rules, "/directory-b/%69mages/a.jpg").reservation == 0  # unreserved %xx


def test_tdmrep_invalid_files_and_values_are_unset():
    assert parse_tdmrep('{"location": "/", "tdm-reservation": 1}') == []  # not an array
    assert parse_tdmrep("not json") == []
    rules = parse_tdmrep('[{"location": "/", "tdm-reservation": "yes"}, {"tdm-reservation": 1},'
                         ' {"location": "/a", "tdm-reservation": 2}, {"location": "/b", "tdm-reservation": true}]')
    assert rules == []
    assert match_tdmrep(parse_tdmrep('[{"location": "/only/", "tdm-reservation": 1}]'), "/other") is None


def test_tdm_priority_file_then_header_then_meta(tmp_path):
    host = tmp_path / "news.example.co.kr" / ".well-known"
    host.mkdir(parents=True)
    (host / "tdmrep.json").write_text('[{"location": "/", "tdm-reservation": 1}]')
    site = SitePolicies([str(tmp_path)]).signals("https://news.example.co.kr/a/1")
    assert (site["tdm-reservation"], site["tdm-source"]) == (1, "tdmrep.json")
    # a header overrides the file; a header with an invalid value leaves the file's value
    assert header_signals({"TDM-Reservation": "0"}, site)["tdm-reservation"] == 0
    kept = header_signals({"tdm-reservation": "maybe"}, site)
    assert (kept["tdm-reservation"], kept["tdm-source"]) == (1, "tdmrep.json")
    assert kept["tdm-invalid"] == [{"source": "header", "value": "maybe"}]
    # meta overrides the header; its absence resets nothing
    header = header_signals({"tdm-reservation": "1", "tdm-policy": "https://x.example/p.json"})
    assert merge_meta(header, {"tdm-reservation": "0"})["tdm-reservation"] == 0
    assert "tdm-policy" not in merge_meta(header, {"tdm-reservation": "0"})
    assert merge_meta(header, {})["tdm-reservation"] == 1
    assert merge_meta(header, {})["tdm-policy"] == "https://x.example/p.json"


ROBOTS = """# our own test file
User-agent: GPTBot
Disallow: /

User-agent: CCBot
Disallow: /news/
Allow: /news/public/

User-agent: Google-Extended
Disallow: /opinion/

User-agent: *
Allow: /
Content-Usage: train-ai=n
Content-Usage: /open/ train-ai=y
Content-signal: search=yes, ai-train=no
"""


def test_robots_txt_names_each_ai_agent_it_blocks_for_the_url():
    robots = Robots.parse(ROBOTS)
    assert robots.disallowed_agents("https://h.example.co.kr/news/1") == ["GPTBot", "CCBot"]
    assert robots.disallowed_agents("https://h.example.co.kr/news/public/1") == ["GPTBot"]
    assert "Google-Extended" in robots.disallowed_agents("https://h.example.co.kr/opinion/3")
    assert "ClaudeBot" not in robots.disallowed_agents("https://h.example.co.kr/news/1")
    assert robots.content_usage("/news/1") == "train-ai=n"
    assert robots.content_usage("/open/data") == "train-ai=y"
    assert robots.content_signals == ["search=yes, ai-train=no"]
    assert Robots.parse("User-agent: *\nDisallow: /\n").disallowed_agents("https://x.example/a") \
        [:2] == ["GPTBot", "OAI-SearchBot"]  # a wildcard block covers every agent


def test_site_policies_per_host_first_folder_wins(tmp_path):
    first, second = tmp_path / "mine", tmp_path / "crawl"
    (first / "a.example.co.kr").mkdir(parents=True)
    (first / "a.example.co.kr" / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (second / "a.example.co.kr").mkdir(parents=True)
    (second / "a.example.co.kr" / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    (second / "b.example.co.kr").mkdir(parents=True)
    (second / "b.example.co.kr" / "robots.txt").write_text(ROBOTS)
    site = SitePolicies([str(first), str(second)])
    assert site.signals("https://a.example.co.kr/x") == {}
    b = site.signals("https://b.example.co.kr/news/7")
    assert b["robots-txt"] == {"host": "b.example.co.kr", "disallowed_agents": ["GPTBot", "CCBot"]}
    assert b["content-usage"] == "train-ai=n" and "ai-train=no" in b["content-signal"]
    assert site.signals("https://unknown.example/x") == {}
    assert site.signals(None) == {}
