"""Proposals on requests, recorded deals and track records."""
