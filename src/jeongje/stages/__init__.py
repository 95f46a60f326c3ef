"""Built-in stages. Importing this package registers them by name."""

from ..dedup import exact, lines, minhash  # noqa: F401
from . import boilerplate, extract, filters, mojibake, normalize, pii, quality, repetition, rights  # noqa: F401
