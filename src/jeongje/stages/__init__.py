"""Built-in stages. Importing this package registers them by name."""

from . import filters, normalize  # noqa: F401
