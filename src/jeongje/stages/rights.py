"""Rights reservations: in-text notices, machine-readable signals and a publisher registry.

Each document gets one class, the strictest of what its evidence says:
`ai_training_prohibited` > `crawling_prohibited` > `reproduction_prohibited`, else
`open_license` when it carries a licence statement, else `none`. The recipe's policy
table decides per class whether the document is dropped (reason `rights_reserved`) or
kept with the class in `metadata["rights"]`.

Machine-readable signals come from the record's metadata (the web readers fill them):
`tdm-reservation` (W3C TDMRep: `1` reserves TDM rights, `0` does not, anything else is a
protocol error and counts as unset), robots `noai` (in `robots` or `x-robots-tag`), IETF
AIPREF `content-usage` (`train-ai=n`) and Cloudflare `content-signal` (`ai-train=no`), all
`ai_training_prohibited`; and `robots-txt`, the AI user agents the host's robots.txt
disallows for the URL, `crawling_prohibited`. They may sit at the top level of the
metadata or under `rights_signals`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

import yaml

from ..korean.notices import (
    AI_TRAINING,
    CLASSES,
    CRAWLING,
    NONE,
    STRICTNESS,
    Notice,
    document_class,
    find_notices,
)
from ..provenance import DATE_FIELDS, PUBLISHER_FIELDS, URL_FIELDS
from ..record import Document, Drop
from ..stage import Stage

DEFAULT_POLICY = {"ai_training_prohibited": "drop", "crawling_prohibited": "drop",
                  "reproduction_prohibited": "keep", "open_license": "keep", "none": "keep"}
_AIPREF = re.compile(r"(?:^|[\s,;])train-ai\s*=\s*n\b")
_NOAI = re.compile(r"(?:^|[\s,;])noai\b", re.IGNORECASE)
_CONTENT_SIGNAL = re.compile(r"(?:^|[\s,;])ai-train\s*=\s*no\b", re.IGNORECASE)


@dataclass(frozen=True)
class RegistryEntry:
    name: str
    reservation: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    since: date | None = None
    source: str = ""


def load_registry(paths: list[str]) -> list[RegistryEntry]:
    """The shipped registry plus user files (later entries with the same name win)."""
    texts = [(resources.files("jeongje") / "publishers.yaml").read_text("utf-8")]
    texts += [Path(p).read_text(encoding="utf-8") for p in paths]
    entries: dict[str, RegistryEntry] = {}
    for where, text in zip(["publishers.yaml", *paths], texts, strict=True):
        data = yaml.safe_load(text) or {}
        for i, item in enumerate(data.get("publishers") or []):
            if item.get("reservation") not in CLASSES:
                raise ValueError(f"{where}: publishers[{i}].reservation must be one of {CLASSES}")
            since = item.get("since")
            entries[item["name"]] = RegistryEntry(
                name=item["name"], reservation=item["reservation"],
                aliases=tuple(item.get("aliases") or ()), domains=tuple(item.get("domains") or ()),
                since=date.fromisoformat(str(since)) if since else None,
                source=str(item.get("source") or "").strip())
    return list(entries.values())


@dataclass
class RightsFilter(Stage):
    """Classify each document's rights reservation and apply the policy table.

    Evidence (matched notice text and position, signal, or registry entry) goes to the
    ledger on drops and to `metadata["rights"]` on kept documents.
    """

    name: ClassVar[str] = "rights.reservation"
    version: ClassVar[int] = 2
    reasons: ClassVar[frozenset[str]] = frozenset({"rights_reserved"})
    description: ClassVar[str] = "honour copyright/AI-training notices, TDMRep, noai, AIPREF"

    policy: dict[str, Literal["drop", "keep"]] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    use_registry: bool = True
    registry_files: list[str] = field(default_factory=list)
    registry_dates: Literal["since", "ignore"] = "since"
    publisher_fields: list[str] = field(default_factory=lambda: list(PUBLISHER_FIELDS))
    url_fields: list[str] = field(default_factory=lambda: list(URL_FIELDS))
    date_fields: list[str] = field(default_factory=lambda: list(DATE_FIELDS))

    def __post_init__(self) -> None:
        unknown = sorted(set(self.policy) - set(CLASSES))
        if unknown:
            raise ValueError(f"policy: unknown class {unknown[0]!r}; classes: {', '.join(CLASSES)}")
        self.policy = {**DEFAULT_POLICY, **self.policy}
        self._registry: list[RegistryEntry] | None = None

    def setup(self) -> None:
        self._registry = load_registry(self.registry_files) if self.use_registry else []

    def process(self, doc: Document) -> Drop | None:
        if self._registry is None:
            self.setup()
        notices = find_notices(doc.text)
        klass = document_class(notices)
        evidence: dict[str, Any] = {}
        if klass != NONE:
            strongest = _strongest(notices, klass)
            evidence = {"source": "notice", "matched": strongest.text[:300],
                        "start": strongest.start, "end": strongest.end}
        for signal_class, signal in _signals(doc.metadata):
            if STRICTNESS[signal_class] > STRICTNESS[klass]:
                klass, evidence = signal_class, {"source": "signal", **signal}
        entry = self._registry_match(doc, notices)
        if entry is not None and STRICTNESS[entry.reservation] > STRICTNESS[klass]:
            klass = entry.reservation
            evidence = {"source": "registry", "registry_entry": entry.name,
                        "since": entry.since.isoformat() if entry.since else None,
                        "registry_source": entry.source}
        publisher = next((n.publisher for n in notices if n.publisher), None)
        doc.metadata["rights"] = {"class": klass, **({"publisher": publisher} if publisher else {}),
                                  **({"evidence": evidence} if evidence else {})}
        if self.policy.get(klass) == "drop":
            return Drop("rights_reserved", {"class": klass, **evidence})
        return None

    def _registry_match(self, doc: Document, notices: list[Notice]) -> RegistryEntry | None:
        if not self._registry:
            return None
        return match_registry(self._registry, doc.metadata, [n.publisher for n in notices if n.publisher],
                              self.publisher_fields, self.url_fields, self.date_fields,
                              self.registry_dates == "since")


def match_registry(registry: list[RegistryEntry], metadata: dict[str, Any], named: list[str],
                   publisher_fields: list[str], url_fields: list[str], date_fields: list[str],
                   use_since: bool = True) -> RegistryEntry | None:
    """The first registry entry whose name/alias equals a publisher in `metadata` (or one a
    notice `named`), or whose domain holds a URL host in it (subdomains count); an entry
    with a since-date only covers documents dated on or after it when `use_since`. Used by
    the rights stage and by `jeongje optout`."""
    names = {_norm(str(metadata[f])) for f in publisher_fields if isinstance(metadata.get(f), str)}
    names |= {_norm(n) for n in named}
    hosts = set()
    for f in url_fields:
        value = metadata.get(f)
        if isinstance(value, str) and "//" in value:
            try:
                hosts.add((urlsplit(value).hostname or "").lower())
            except ValueError:  # a malformed URL names no host
                continue
    by_name, by_domain = _index(registry)
    found = {i for n in names for i in by_name.get(n, ())}
    for host in hosts:  # the host and each parent domain (subdomains count)
        parts = host.split(".")
        for k in range(len(parts)):
            found.update(by_domain.get(".".join(parts[k:]), ()))
    if not found:
        return None
    doc_date = _date(next((metadata[f] for f in date_fields if metadata.get(f)), None))
    for i in sorted(found):
        entry = registry[i]
        if use_since and entry.since and doc_date and doc_date < entry.since:
            continue
        return entry
    return None


_INDEXES: dict[int, tuple[list[RegistryEntry], Any]] = {}


def _index(registry: list[RegistryEntry]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Positions of the registry's entries by normalised name/alias and by domain, built
    once per registry list (a stage and `jeongje optout` each keep theirs, unchanged after
    loading); the last few are kept, so a long-lived process does not hold every registry
    it ever loaded."""
    cached = _INDEXES.get(id(registry))
    if cached is not None and cached[0] is registry:
        return cached[1]
    by_name: dict[str, list[int]] = {}
    by_domain: dict[str, list[int]] = {}
    for i, entry in enumerate(registry):
        for key in {_norm(entry.name), *(_norm(a) for a in entry.aliases)}:
            by_name.setdefault(key, []).append(i)
        for domain in set(entry.domains):
            by_domain.setdefault(domain, []).append(i)
    if len(_INDEXES) >= 8:
        _INDEXES.clear()
    _INDEXES[id(registry)] = (registry, (by_name, by_domain))
    return by_name, by_domain


def _strongest(notices: list[Notice], klass: str) -> Notice:
    return next(n for n in notices if n.klass == klass)


def _signals(metadata: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Reservations from machine-readable signals in the metadata, as (class, evidence)."""
    nested = metadata.get("rights_signals")
    sources = [metadata, nested] if isinstance(nested, dict) else [metadata]
    found: list[tuple[str, dict[str, Any]]] = []
    for src in sources:
        lowered = {str(k).lower(): v for k, v in src.items()}
        tdm = lowered.get("tdm-reservation")
        if str(tdm).strip() == "1":  # TDMRep: only "1" reserves; other values are unset
            found.append((AI_TRAINING, {"signal": "tdm-reservation", "value": 1,
                                        "tdm-policy": lowered.get("tdm-policy")}))
        for key in ("robots", "x-robots-tag"):
            value = lowered.get(key)
            if isinstance(value, str) and _NOAI.search(value):
                found.append((AI_TRAINING, {"signal": key, "value": value}))
        usage = lowered.get("content-usage")
        if isinstance(usage, str) and _AIPREF.search(usage):
            found.append((AI_TRAINING, {"signal": "content-usage", "value": usage}))
        content_signal = lowered.get("content-signal")
        if isinstance(content_signal, str) and _CONTENT_SIGNAL.search(content_signal):
            found.append((AI_TRAINING, {"signal": "content-signal", "value": content_signal}))
        robots_txt = lowered.get("robots-txt")
        if isinstance(robots_txt, dict) and robots_txt.get("disallowed_agents"):
            found.append((CRAWLING, {"signal": "robots-txt", **robots_txt}))
    return found


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        m = re.match(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})", value.strip())
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


