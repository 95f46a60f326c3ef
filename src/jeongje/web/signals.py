"""Machine-readable rights signals of a web page, gathered for the `rights.reservation` stage.

Every signal lands in `metadata["rights_signals"]` under the key the rights stage reads:

- `x-robots-tag` (HTTP header) and `robots` (`<meta name="robots">`): `noai`, `noimageai`
  (a DeviantArt convention, widely copied; not a standard).
- W3C TDMRep: `tdm-reservation` (1 or 0) and `tdm-policy`, with `tdm-source` saying which
  of the spec's three places set them. Priority per the spec: `/.well-known/tdmrep.json`
  first, an HTTP header overrides it, an HTML `<meta>` overrides the header, and the
  absence of a later one never resets an earlier value. Any value but `0`/`1` is a
  protocol error and counts as unset.
- IETF AIPREF `content-usage` (`train-ai=n`): from the HTTP `Content-Usage` header or a
  `Content-Usage` line of the host's robots.txt (optionally path-scoped).
- Cloudflare `content-signal` lines of robots.txt (`ai-train=no`).
- `robots-txt`: the AI user agents the host's robots.txt disallows for this URL
  (RFC 9309; a rule for one agent never covers another).

Site-wide files (robots.txt, tdmrep.json) come from a folder laid out per host:
`DIR/<host>/robots.txt` and `DIR/<host>/.well-known/tdmrep.json`. `collect_site_files`
fills such a folder from the robots.txt and tdmrep.json records a crawl holds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: AI crawler/training tokens from the community ai.robots.txt list (see
#: ../shared/research/korean-news.md 1d), WRTNBot (뤼튼) among them.
AI_AGENTS = (
    "GPTBot", "OAI-SearchBot", "ChatGPT-User", "CCBot", "ClaudeBot", "Claude-SearchBot",
    "Claude-User", "anthropic-ai", "Google-Extended", "GoogleOther", "Applebot-Extended",
    "Bytespider", "PerplexityBot", "Perplexity-User", "meta-externalagent", "cohere-ai",
    "cohere-training-data-crawler", "Ai2Bot-Dolma", "Amazonbot", "Diffbot", "DeepSeekBot",
    "WRTNBot",
)


def tdm_value(value: Any) -> int | None:
    """TDMRep's reservation value: 1 or 0; anything else is a protocol error (unset)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return int(value.strip())
    return None


def header_signals(headers: dict[str, str], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Signals from HTTP response headers (names case-insensitive) over `base`, the
    site-file signals (a header overrides tdmrep.json; its absence resets nothing)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    out: dict[str, Any] = dict(base or {})
    if lowered.get("x-robots-tag"):
        out["x-robots-tag"] = lowered["x-robots-tag"]
    if lowered.get("content-usage"):
        out["content-usage"] = lowered["content-usage"]
    _set_tdm(out, lowered.get("tdm-reservation"), lowered.get("tdm-policy"), "header")
    return out


def merge_meta(signals: dict[str, Any], meta: dict[str, str]) -> dict[str, Any]:
    """Add `<meta>` signals (`robots`, `tdm-reservation`, `tdm-policy`) over `signals`."""
    out = dict(signals)
    if meta.get("robots"):
        out["robots"] = meta["robots"]
    _set_tdm(out, meta.get("tdm-reservation"), meta.get("tdm-policy"), "meta")
    return out


def _set_tdm(out: dict[str, Any], reservation: Any, policy: Any, source: str) -> None:
    value = tdm_value(reservation)
    if value is None:
        if reservation is not None:
            out.setdefault("tdm-invalid", []).append({"source": source, "value": str(reservation)[:100]})
        return
    out["tdm-reservation"] = value
    out["tdm-source"] = source
    if value == 1 and isinstance(policy, str) and policy.strip():
        out["tdm-policy"] = policy.strip()
    else:
        out.pop("tdm-policy", None)  # agents should not process a policy when not reserved


# --------------------------------------------------------------------------- tdmrep.json

@dataclass(frozen=True)
class TdmRule:
    location: str
    reservation: int
    policy: str | None = None

    @property
    def pattern(self) -> Pattern:
        return Pattern.of(self.location)


def parse_tdmrep(text: str) -> list[TdmRule]:
    """Rules of a `/.well-known/tdmrep.json`; an invalid file or rule is ignored (unset)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # invalid, a huge integer, nested too deep
        return []
    if not isinstance(data, list):
        return []  # the spec requires an array, brackets included even for one rule
    rules = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("location"), str):
            continue
        value = tdm_value(item.get("tdm-reservation"))
        if value is None:
            continue
        policy = item.get("tdm-policy")
        rules.append(TdmRule(item["location"], value, policy if isinstance(policy, str) else None))
    return rules


def match_tdmrep(rules: list[TdmRule], path: str) -> TdmRule | None:
    """The first rule whose location matches `path` (robots-style `*` and `$`, case-sensitive,
    a prefix match; "the most specific match is the first in sequence"). Percent-encoded
    unreserved characters are decoded before comparing, others stay encoded."""
    path = _decode_unreserved(path)
    for rule in rules:
        if rule.pattern.matches(path):
            return rule
    return None


def _decode_unreserved(path: str) -> str:
    """Percent-encoded unreserved characters decoded (RFC 3986), every other %xx kept."""
    return re.sub(r"%([0-9A-Fa-f]{2})", _unreserved, path)


def _unreserved(m: re.Match[str]) -> str:
    ch = chr(int(m.group(1), 16))
    return ch if ch.isascii() and (ch.isalnum() or ch in "-._~") else m.group(0)


def _request_path(parts: Any) -> str:
    """A URL's path and query, as robots.txt and tdmrep.json rules match them."""
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _host(parts: Any) -> str | None:
    """A URL's host name, lower-cased; None when it could not name a folder safely."""
    host = (parts.hostname or "").lower()
    return host if host and "/" not in host and not host.startswith(".") else None


@dataclass(frozen=True, slots=True)
class Pattern:
    """A robots.txt / tdmrep.json path pattern (RFC 9309: `*` any characters, a final `$`
    the end of the path; otherwise a prefix), matched without backtracking: the literal
    pieces between the `*`s are found left to right, each at its first place after the
    one before (a regex of `.*`s backtracks catastrophically on `/*a*a*a…*b$`)."""

    text: str
    pieces: tuple[str, ...]
    anchored: bool

    @classmethod
    def of(cls, text: str) -> Pattern:
        anchored = text.endswith("$")
        return cls(text, tuple((text[:-1] if anchored else text).split("*")), anchored)

    def matches(self, path: str) -> bool:
        pieces = self.pieces
        if not path.startswith(pieces[0]):
            return False
        if len(pieces) == 1:
            return not self.anchored or len(path) == len(pieces[0])
        pos = len(pieces[0])
        for piece in pieces[1:-1]:
            found = path.find(piece, pos)
            if found < 0:
                return False
            pos = found + len(piece)
        last = pieces[-1]
        if self.anchored:  # the last piece ends the path, after everything before it
            return path.endswith(last) and len(path) - len(last) >= pos
        return path.find(last, pos) >= 0


# --------------------------------------------------------------------------- robots.txt

_NO_RULES: list[tuple[bool, str]] = []

#: robots.txt is read up to this size (RFC 9309 2.5: at least 500 KiB must be parsed;
#: Google stops there too), which bounds the rules a page is checked against.
ROBOTS_MAX_CHARS = 500 * 1024

@dataclass
class Robots:
    """A host's robots.txt evaluated per RFC 9309 for AI agents, plus its AIPREF
    `Content-Usage` and `Content-signal` lines.

    Groups are matched by case-insensitive product token (several groups for one token
    combine; no group falls back to `*`); within a group the longest matching rule wins
    and an allow wins a tie. Python's urllib.robotparser takes the first matching rule
    instead, which gets `Disallow: /news/` + `Allow: /news/public/` wrong.
    """

    groups: dict[str, list[tuple[bool, str]]] = field(default_factory=dict)  # agent -> rules
    usage: list[tuple[str, str]] = field(default_factory=list)  # (path prefix, value)
    content_signals: list[str] = field(default_factory=list)
    _ranked: dict[int, list[tuple[bool, Pattern]]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def parse(cls, text: str) -> Robots:
        groups: dict[str, list[tuple[bool, str]]] = {}
        usage, signals = [], []
        agents: list[str] = []
        in_rules = False
        for line in text.splitlines():
            key, _, value = line.split("#", 1)[0].partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "user-agent":
                if in_rules:
                    agents, in_rules = [], False
                agents.append(value.lower())
                for agent in agents:
                    groups.setdefault(agent, [])
            elif key in ("allow", "disallow"):
                in_rules = True
                if value:  # an empty Disallow allows everything: no rule
                    for agent in agents:
                        groups[agent].append((key == "allow", value))
            elif key == "content-usage" and value:
                scope, _, rest = value.partition(" ")
                usage.append((scope, rest.strip()) if scope.startswith("/") and rest else ("/", value))
            elif key == "content-signal" and value:
                signals.append(value)
        return cls(groups, usage, signals)

    def allowed(self, agent: str, path: str) -> bool:
        return self._allowed_by(self._group(agent), path)

    def _group(self, agent: str) -> list[tuple[bool, str]]:
        rules = self.groups.get(agent.lower())
        return self.groups.get("*", _NO_RULES) if rules is None else rules

    def _allowed_by(self, rules: list[tuple[bool, str]], path: str) -> bool:
        for allow, pattern in self._by_rank(rules):  # the first match is the longest
            if pattern.matches(path):
                return allow
        return True

    def _by_rank(self, rules: list[tuple[bool, str]]) -> list[tuple[bool, Pattern]]:
        """A group's rules compiled once, longest first and an allow before a disallow of the
        same length (the rule RFC 9309 says wins)."""
        ranked = self._ranked.get(id(rules))
        if ranked is None:
            ordered = sorted(rules, key=lambda r: (-len(r[1]), not r[0]))
            ranked = self._ranked[id(rules)] = [(allow, Pattern.of(p)) for allow, p in ordered]
        return ranked

    def disallowed_agents(self, url: str, agents: tuple[str, ...] = AI_AGENTS) -> list[str]:
        path = _decode_unreserved(_request_path(urlsplit(url)))
        verdicts: dict[int, bool] = {}  # agents without a group of their own share `*`'s
        out = []
        for agent in agents:
            rules = self._group(agent)
            if id(rules) not in verdicts:
                verdicts[id(rules)] = self._allowed_by(rules, path)
            if not verdicts[id(rules)]:
                out.append(agent)
        return out

    def content_usage(self, path: str) -> str | None:
        """The AIPREF preference for `path`: the longest matching path scope wins."""
        best = None
        for scope, value in self.usage:
            if path.startswith(scope) and (best is None or len(scope) > len(best[0])):
                best = (scope, value)
        return best[1] if best else None


class SitePolicies:
    """robots.txt and tdmrep.json per host, read from folders (see module docstring); for
    each host and file, the first folder that holds it wins."""

    def __init__(self, folders: tuple[str, ...] | list[str] = (),
                 agents: tuple[str, ...] = AI_AGENTS) -> None:
        self.folders = [Path(f) for f in folders if f]
        self.agents = agents
        self._robots: dict[str, Robots | None] = {}
        self._tdm: dict[str, list[TdmRule]] = {}

    def signals(self, url: str | None) -> dict[str, Any]:
        """Site-wide signals for `url` (empty when the folder holds nothing for its host)."""
        if not self.folders or not url or not isinstance(url, str):
            return {}
        try:
            parts = urlsplit(url)
            host = _host(parts)
        except ValueError:  # a malformed URL (`http://[::1/`, a bad port): no site to ask
            return {}
        if host is None:
            return {}
        out: dict[str, Any] = {}
        rule = match_tdmrep(self._tdm_rules(host), _request_path(parts))
        if rule is not None:
            _set_tdm(out, rule.reservation, rule.policy, "tdmrep.json")
        robots = self._robots_for(host)
        if robots is not None:
            agents = robots.disallowed_agents(url, self.agents)
            if agents:
                out["robots-txt"] = {"host": host, "disallowed_agents": agents}
            usage = robots.content_usage(parts.path or "/")
            if usage:
                out["content-usage"] = usage
            if robots.content_signals:
                out["content-signal"] = "; ".join(robots.content_signals)
        return out

    def _tdm_rules(self, host: str) -> list[TdmRule]:
        if host not in self._tdm:
            path = self._find(host, ".well-known/tdmrep.json")
            self._tdm[host] = parse_tdmrep(_read(path)) if path else []
        return self._tdm[host]

    def _robots_for(self, host: str) -> Robots | None:
        if host not in self._robots:
            path = self._find(host, "robots.txt")
            self._robots[host] = Robots.parse(_read(path)[:ROBOTS_MAX_CHARS]) if path else None
        return self._robots[host]

    def _find(self, host: str, name: str) -> Path | None:
        for folder in self.folders:
            path = folder / host / name
            try:
                if path.is_file():
                    return path
            except OSError:  # a host name longer than the file system allows (253+ chars)
                continue
        return None


def site_file_path(folder: Path, url: str) -> Path | None:
    """Where a crawled robots.txt / tdmrep.json record for `url` belongs in a policy folder."""
    try:
        parts = urlsplit(url)
        host = _host(parts)
    except ValueError:
        return None
    if host is None:
        return None
    if parts.path == "/robots.txt":
        return folder / host / "robots.txt"
    if parts.path == "/.well-known/tdmrep.json":
        return folder / host / ".well-known" / "tdmrep.json"
    return None


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:  # unreadable (permissions): as good as none
        return ""
