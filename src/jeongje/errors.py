"""Exception hierarchy. Every error the library raises on purpose derives from JeongjeError."""

from __future__ import annotations


class JeongjeError(Exception):
    """Base class of every error jeongje raises on purpose."""


class ConfigError(JeongjeError):
    """A recipe, a parameter or an argument is invalid. The message names the offending key."""


class InputError(JeongjeError):
    """An input path is missing or cannot be used at all (no readable files)."""


class OutputConflictError(JeongjeError):
    """The output folder holds a different run."""


class OutputError(JeongjeError):
    """The output location cannot be read or written (a URL's credentials, endpoint or bucket)."""


class StageError(JeongjeError):
    """A stage misbehaved (for example it emitted an undeclared drop reason)."""


class ConservationError(JeongjeError):
    """The ledger does not account for every input exactly once."""


class MissingDependencyError(JeongjeError):
    """An optional extra is needed; the message says which `pip install` fixes it."""
