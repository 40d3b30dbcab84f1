"""Runnable demos: ``python -m demos.NAME`` from the repository root."""
