"""Catalogue: item schema, importers, validation, item text, image lookup."""
