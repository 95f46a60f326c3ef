"""Built-in per-document stages (the registry that names them is `jeongje.registry`)."""
