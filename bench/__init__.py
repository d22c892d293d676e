"""Benchmarks run by `make bench`; each module writes its figures to docs/benchmarks.md."""
