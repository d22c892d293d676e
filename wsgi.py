"""WSGI entry point."""
from exchange import create_app

app = create_app()
