"""The search fixtures (owner, post) are shared with the API tests."""
from tests.search.conftest import post  # noqa: F401
