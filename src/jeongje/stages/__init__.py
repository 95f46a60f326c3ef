"""Built-in stages. Importing this package registers them by name."""

from . import filters, mojibake, normalize, pii, quality  # noqa: F401
