"""Built-in stages. Importing this package registers them by name."""

from . import boilerplate, filters, mojibake, normalize, pii, quality, repetition, rights  # noqa: F401
