"""The package version: one place, read by `jeongje.__version__`, the manifest, run
identities and the build (pyproject.toml takes it from here)."""

__version__ = "0.1.0"
