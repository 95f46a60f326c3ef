"""Opening the store of an output location: a local path, a `file://` URL, or any other
fsspec URL (io/remote.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from .store import LocalStore, Store

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*(://|::)")


def is_url(location: str | Path) -> bool:
    """True for `proto://...` (and fsspec chains `a::b://...`), False for a plain path."""
    return isinstance(location, str) and bool(_URL.match(location))


def open_store(location: str | Path | Store, storage_options: dict[str, Any] | None = None) -> Store:
    """The store for an output location (a Store is returned as it is).

    Raises ConfigError (unknown protocol, options for a local folder) or
    MissingDependencyError (the protocol's fsspec package is not installed)."""
    if isinstance(location, Store):
        return location
    if _remote(location):
        from .remote import RemoteStore  # fsspec only for a URL

        return RemoteStore(str(location), storage_options or {})
    if storage_options:
        raise ConfigError(f"storage options apply to an output URL (s3://, gs://, ...), not to the "
                          f"local folder {location}")
    return LocalStore(_local_path(location))


def local_folder(location: str | Path | Store) -> Path:
    """The local folder of an output; an InputError for a URL (the commands that read a
    finished run with DuckDB -- report, stats, optout -- need it on this machine)."""
    if isinstance(location, LocalStore):
        return location.root
    if isinstance(location, Store) or _remote(location):
        where = location.location() if isinstance(location, Store) else str(location)
        raise InputError(f"{where} is not a local folder: this command reads a finished run on this "
                         f"machine; download OUT first (e.g. `aws s3 sync {where} out/`, or fsspec's "
                         "get(..., recursive=True)) and give the local folder")
    return _local_path(location)


def _remote(location: str | Path) -> bool:
    return is_url(location) and not str(location).startswith("file://")


def _local_path(location: str | Path) -> Path:
    """A plain path as it is (never resolved: messages show it as given); `file://` stripped."""
    if isinstance(location, Path) or not location.startswith("file://"):
        return Path(location)
    text = location.removeprefix("file://")
    return Path(text.removeprefix("localhost") if text.startswith("localhost/") else text)
