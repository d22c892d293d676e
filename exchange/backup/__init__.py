"""Backups of the database and uploads, and their restore."""
