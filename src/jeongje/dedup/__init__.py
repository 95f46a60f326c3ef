"""Deduplication stages (global stages: they decide across documents)."""
