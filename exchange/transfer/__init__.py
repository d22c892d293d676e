"""Bulk import and export of listings as CSV."""
