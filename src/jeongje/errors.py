"""Exception hierarchy. Every error the library raises on purpose derives from JeongjeError.

A bad *document* never raises out of the run (it becomes a quarantine row); a broken
*environment* (a package that cannot be imported, memory, disk space, an output that
cannot be written) stops the run with one of these errors, once, and the same command
resumes after it is fixed. `environment_failure` tells the two apart.
"""

from __future__ import annotations

import errno


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
    """A package is missing or cannot be imported; the message says which `pip install`
    fixes it."""


class ResourceError(JeongjeError):
    """The machine ran out of what a run needs (memory, disk space): the run stops, its
    finished shards are kept, and the same command resumes once there is enough."""


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_UNWRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


def environment_failure(e: BaseException, where: str = "") -> JeongjeError | None:
    """The run-stopping error `e` stands for when it is about the environment rather than
    a document (None otherwise): an ImportError, a MemoryError, a full disk. `where` says
    what was being done ("writing OUT/ledger/part-00003.parquet")."""
    at = f" while {where}" if where else ""
    if isinstance(e, ImportError):
        name = e.name or str(e)
        return MissingDependencyError(f"a package cannot be imported{at}: {type(e).__name__}: {e}; "
                                      f"install it (pip install {name!r}) and run the same command again")
    if isinstance(e, MemoryError):
        return ResourceError(f"out of memory{at}; run with fewer --workers or a smaller --shard-bytes, "
                             "then the same command again: finished shards are kept")
    if isinstance(e, OSError) and e.errno in _DISK_FULL:
        return ResourceError(f"no space left on the device{at} ({e.strerror}: {e.filename or '?'}); free "
                             "space and run the same command again: finished shards are kept")
    return None


def output_failure(e: OSError, where: str) -> JeongjeError:
    """An OSError met while writing the outputs, as the error that stops the run."""
    found = environment_failure(e, where)
    if found is not None:
        return found
    if e.errno in _UNWRITABLE:
        return OutputError(f"cannot write the output ({e.strerror}: {e.filename or where}); make it writable "
                           "or choose another --output, then run the same command again")
    return OutputError(f"{where} failed: {type(e).__name__}: {e}")
