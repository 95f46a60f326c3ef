"""Who published a document and where it came from, read from its metadata.

The ledger's `publisher` and `domain` columns are filled from here when a document's
outcome is decided, so removals can be counted by publisher and source domain without the
dropped documents; the rights stage and `jeongje optout` read the same metadata fields.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

#: Metadata fields read by default for the publisher, the URL and the date (the ledger
#: columns, the rights stage, the dedup keep rule and `jeongje optout` read the same ones).
PUBLISHER_FIELDS = ("publisher", "press", "site_name")
URL_FIELDS = ("url", "canonical_url", "target_uri")
DATE_FIELDS = ("date", "published", "date_published")


def publisher_of(metadata: dict[str, Any]) -> str | None:
    """The publisher named by the metadata, else by a rights notice, else by a byline."""
    for f in PUBLISHER_FIELDS:
        value = metadata.get(f)
        if isinstance(value, str) and value.strip():
            return value.strip()
    rights = metadata.get("rights")
    if isinstance(rights, dict) and isinstance(rights.get("publisher"), str):
        return rights["publisher"]
    value = metadata.get("publisher_from_text")
    return value if isinstance(value, str) and value else None


# `scheme://host` followed by a path, query, fragment or the end: the host is the plain
# netloc (no user, port or brackets), which is what urlsplit would give, without its cost
_PLAIN_HOST_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9.-]+)(?:[/?#]|\Z)")


def domain_of(metadata: dict[str, Any]) -> str | None:
    """The host of the document's URL, without a leading `www.`."""
    for f in URL_FIELDS:
        value = metadata.get(f)
        if isinstance(value, str) and "//" in value:
            value = value.strip()
            plain = _PLAIN_HOST_RE.match(value)
            try:
                host = (plain.group(1) if plain else urlsplit(value).hostname or "").lower()
            except ValueError:
                continue
            if host:
                return host[4:] if host.startswith("www.") else host
    return None
