"""Benchmarks for the Lambda handlers (not part of `make test`).

Run with `python -m benchmarks` (or `make bench`); prints Markdown tables.
"""
