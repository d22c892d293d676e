"""Directories: businesses with public listings, and the experts who help deals happen."""
