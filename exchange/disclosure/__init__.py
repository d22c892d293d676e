"""Staged disclosure: confidential parts of listings, access requests, grants, agreements."""
