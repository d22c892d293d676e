"""`flask exchange` commands of the listings feature."""
import click  # noqa: F401

from exchange.cli import register  # noqa: F401
