"""News and events: articles and events written by editors, their pages, feeds and index."""
