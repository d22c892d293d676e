"""Backup tests reuse the search helpers: a business owner and published listings."""
from tests.search.conftest import post  # noqa: F401
